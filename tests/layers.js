// The core's layer check, computed from the code's own `crate::` paths (test
// modules left out): which module uses which, the import circles, and the
// imports that run upward against the layers below. Prints them; exits 1 on a
// circle, or with --strict on an upward import too. Also prints the lines of
// code of the subscription core by layer (the send rules left out): the rules
// beside the plumbing (vocabulary, readers, wire and exports).
//   node tests/layers.js [--strict]
'use strict';

const fs = require('fs');
const path = require('path');

/** Each module's layer, lowest first: a module may use its own layer and those below. */
const LAYERS = [
  ['vocabulary', ['text', 'value', 'error', 'index', 'state']],
  ['readers', ['template', 'setting', 'options']],
  ['rules', ['plan', 'outcome', 'memory', 'send']],
  ['wire and exports', ['json', 'numbers', 'registry', 'blocks', 'arena', 'wasm', 'lib']],
];

const SRC = path.join(__dirname, '..', 'src');

// The module a file belongs to: src/send/*.rs is `send`.
function moduleOf(file) {
  const relative = path.relative(SRC, file).split(path.sep);
  return relative.length > 1 ? relative[0] : relative[0].replace(/\.rs$/, '');
}

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.rs') ? [full] : [];
  });
}

// The code of a file without its test module (`#[cfg(test)]` before `mod tests`).
function withoutTests(text) {
  const at = text.search(/^#\[cfg\(test\)\]\s*\n\s*mod tests\b/m);
  return at < 0 ? text : text.slice(0, at);
}

// Whether `name` is a module of the crate: a file `name`.rs, or a folder `name` with a mod.rs, in the source folder.
function known(name) {
  return fs.existsSync(path.join(SRC, name + '.rs')) || fs.existsSync(path.join(SRC, name, 'mod.rs'));
}

/** { module: Set of the modules it uses } for the files under src; an item of lib.rs counts as `lib`. */
function uses() {
  const graph = new Map();
  for (const file of sources(SRC)) {
    const from = moduleOf(file);
    if (!graph.has(from)) graph.set(from, new Set());
    const code = withoutTests(fs.readFileSync(file, 'utf8')).replace(/\/\/.*$/gm, '');
    // lib.rs names its own modules without `crate::`.
    const paths = from === 'lib' ? /(?<![:\w])(?:crate::)?([a-z_][a-z0-9_]*)::/g : /\bcrate::([a-z_][a-z0-9_]*)/g;
    for (const match of code.matchAll(paths)) {
      const to = known(match[1]) ? match[1] : from === 'lib' ? null : 'lib';
      if (to && to !== from) graph.get(from).add(to);
    }
  }
  return graph;
}

/** The strongly connected components of more than one module (Tarjan). */
function circles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  function visit(v) {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) || []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  }
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** A file's lines of code: no test module, comment or blank line. */
function linesOfCode(file) {
  return withoutTests(fs.readFileSync(file, 'utf8')).split('\n').filter((line) => line.trim() !== '' && !/^\s*\/\//.test(line)).length;
}

/**
 * The subscription core's lines of code per layer: the page module's code,
 * so neither `send` (the send rules) nor the send module's writer
 * (src/json/writer.rs) counts.
 */
function subscriptionLines() {
  const counts = LAYERS.map(() => 0);
  for (const file of sources(SRC)) {
    const module = moduleOf(file);
    if (module === 'send' || path.relative(SRC, file) === path.join('json', 'writer.rs')) continue;
    counts[layerOf(module)] += linesOfCode(file);
  }
  return counts;
}

function layerOf(module) {
  const at = LAYERS.findIndex(([, modules]) => modules.includes(module));
  if (at < 0) throw new Error('tests/layers.js: module ' + module + ' has no layer; add it to LAYERS');
  return at;
}

function main() {
  const graph = uses();
  const found = circles(graph);
  const upward = [];
  for (const [from, tos] of [...graph.entries()].sort()) {
    for (const to of [...tos].sort()) {
      if (layerOf(to) > layerOf(from)) upward.push(from + ' (' + LAYERS[layerOf(from)][0] + ') uses ' + to + ' (' + LAYERS[layerOf(to)][0] + ')');
    }
  }
  console.log('layers: ' + LAYERS.map(([name, modules]) => name + ' [' + modules.join(', ') + ']').join(' < '));
  console.log('layers: ' + found.length + ' import circle(s)' + found.map((c) => '\n  circle: ' + c.join(' <-> ')).join(''));
  console.log('layers: ' + upward.length + ' upward import(s)' + upward.map((u) => '\n  upward: ' + u).join(''));
  const lines = subscriptionLines();
  const rules = lines[LAYERS.findIndex(([name]) => name === 'rules')];
  const plumbing = lines.reduce((sum, n) => sum + n, 0) - rules;
  console.log('layers: the subscription core in lines of code (no tests, comments or blank lines): ' +
    LAYERS.map(([name], i) => name + ' ' + lines[i]).join(', ') + '; rules ' + rules + ', plumbing ' + plumbing +
    ' (goal: fewer lines of plumbing than of rules)');
  const strict = process.argv.includes('--strict');
  if (found.length > 0 || (strict && upward.length > 0)) process.exit(1);
}

main();

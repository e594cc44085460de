// Turns what a .ci/test run printed into the tables of docs/performance.md, so
// that no figure is ever copied by hand:
//
//   node tests/host/figures.js           the tables of the last run, into target/performance.md
//   node tests/host/figures.js --write   the same, and into docs/performance.md between
//                                        <!-- figures:begin --> and <!-- figures:end -->
//
// It reads target/figures/: bench-node.log, bench-jsc.log and bench-nojit.log (the benchmark
// on each engine), build.log (.ci/build's size lines), compile.log (the official compile)
// commit (the commit the run tested), server-sqlite.log and server-postgres.log, and
// reminders-sqlite.log and reminders-postgres.log (the
// send server's tests, whose figure lines are listed per database).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '../..');
const dir = path.join(root, 'target/figures');
const ENGINES = [
  ['bench-node.log', 'Node (V8)'],
  ['bench-jsc.log', 'JavaScriptCore'],
  ['bench-nojit.log', 'JavaScriptCore without JIT'],
];
const BEGIN = '<!-- figures:begin -->';
const END = '<!-- figures:end -->';

function read(name) {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) throw new Error('figures: no ' + path.relative(root, file) + '; run bash .ci/test first');
  return fs.readFileSync(file, 'utf8');
}

// One benchmark line as [row, cell].
function figure(line) {
  let m = /^(\S+) 1k .*?t\(10k\)\/t\(1k\) ([\d.]+)(?: \(goal[^)]*\))?(?:; plain JS .*t\(10k\)\/t\(1k\) ([\d.]+))?/.exec(line);
  if (m) return ['t(10,000) / t(1,000): ' + m[1], m[2] + (m[3] ? ' (plain JS ' + m[3] + ')' : '')];
  m = /^init\(\) (\S+ \S+), initSend\(\) (\S+ \S+)/.exec(line);
  if (m) return ['init() / initSend()', m[1] + ' / ' + m[2]];
  m = /^wasm memory of the page module: (\S+ KiB), after (\d+) tap paths (\S+ KiB)/.exec(line);
  if (m) return ['page module memory, before / after many tap paths', m[1] + ' / ' + m[3] + ' (' + m[2] + ' calls)'];
  m = /^(.+?): wasm ([^,]+), plain JS ([^,]+), ratio (\S+)$/.exec(line);
  if (m) return [m[1], m[2] + ' (plain JS ' + m[3] + ', ' + m[4] + ')'];
  m = /^(.+?): wasm (.+)$/.exec(line);
  if (m) return [m[1], m[2]];
  return null;
}

function speedTable() {
  const rows = new Map();
  ENGINES.forEach(([file], column) => {
    const text = read(file);
    const head = text.indexOf('bench on ');
    if (head < 0) throw new Error('figures: ' + file + ' holds no benchmark');
    for (const raw of text.slice(head).split('\n').slice(1)) {
      if (!/^ {2}\S/.test(raw)) break;
      const f = figure(raw.trim());
      if (!f) continue;
      if (!rows.has(f[0])) rows.set(f[0], ENGINES.map(() => ''));
      rows.get(f[0])[column] = f[1];
    }
  });
  return ['| | ' + ENGINES.map((e) => e[1]).join(' | ') + ' |', '|---|---|---|---|']
    .concat([...rows].map(([name, cells]) => '| ' + name + ' | ' + cells.join(' | ') + ' |'));
}

function sizeTable() {
  const lines = ['| module | `.wasm` | `.wasm.br` |', '|---|---|---|'];
  for (const m of read('build.log').matchAll(/^size of (\S+): \.wasm (\d+) bytes \(budget (\d+)\), \.wasm\.br (\d+) bytes \(budget (\d+)\)/gm)) {
    lines.push('| `' + m[1] + '` | ' + m[2] + ' B (budget ' + m[3] + ') | ' + m[4] + ' B (budget ' + m[5] + ') |');
  }
  if (lines.length === 2) throw new Error('figures: build.log has no size lines');
  const weight = /^compiled wx-subscribe in a subscribe-only mini-program: (\d+) bytes in (\d+) files/m.exec(read('compile.log'));
  if (!weight) throw new Error('figures: compile.log has no subscribe-only weight');
  return lines.concat(['', 'A mini-program that only subscribes carries ' + weight[1] + ' bytes of the package after the official compile (' + weight[2] + ' files).']);
}

function serverFigures() {
  const lines = ['| | SQLite | PostgreSQL |', '|---|---|---|'];
  const per = [['server-sqlite.log', 'reminders-sqlite.log'], ['server-postgres.log', 'reminders-postgres.log']].map((files) => {
    const found = new Map();
    for (const f of files) for (const m of read(f).matchAll(/^figure: ([^:\n]+): (.*)$/gm)) found.set(m[1], m[2]);
    return found;
  });
  for (const what of new Set([...per[0].keys(), ...per[1].keys()])) {
    lines.push('| ' + what + ' | ' + per.map((p) => p.get(what) || '').join(' | ') + ' |');
  }
  return lines;
}

function machine() {
  const sh = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch (e) {
      return '?';
    }
  };
  const debian = fs.existsSync('/etc/debian_version') ? 'Debian ' + fs.readFileSync('/etc/debian_version', 'utf8').trim() : os.type();
  return 'Printed by `.ci/test` at commit ' + read('commit').trim() + ' on ' +
    new Date(fs.statSync(path.join(dir, 'bench-nojit.log')).mtime).toISOString().slice(0, 10) + ': ' +
    os.cpus().length + ' cores (' + (os.cpus()[0] || { model: '?' }).model.trim() + '), ' + debian + ', Node ' +
    process.versions.node + ', JavaScriptCore from libjavascriptcoregtk-4.0-bin ' +
    sh('dpkg-query', ['-W', '-f=${Version}', 'libjavascriptcoregtk-4.0-bin']) + '.';
}

function tables() {
  return [BEGIN, '', machine(), '', '### Sizes', '', ...sizeTable(), '', '### Speed', '',
    'Each figure is the best of several rounds, the module and the plain-JS reference taking turns; ' +
    'the ratio is the module\'s time over the plain JS\'s.', '', ...speedTable(), '', '### The send server', '',
    'Counted by the server\'s tests against a fake WeChat on 127.0.0.1, on each database.', '', ...serverFigures(), '', END].join('\n');
}

const text = tables();
fs.writeFileSync(path.join(root, 'target/performance.md'), text + '\n');
console.log(text);
if (process.argv.includes('--write')) {
  const doc = path.join(root, 'docs/performance.md');
  const old = fs.readFileSync(doc, 'utf8');
  const a = old.indexOf(BEGIN);
  const b = old.indexOf(END);
  if (a < 0 || b < a) throw new Error('figures: docs/performance.md has no ' + BEGIN + ' ... ' + END + ' block');
  fs.writeFileSync(doc, old.slice(0, a) + text + old.slice(b + END.length));
  console.log('figures: written into docs/performance.md');
}

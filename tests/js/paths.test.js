// Every file the code or the docs name exists: a path written in a tracked
// source, script or doc (src/..., js/..., tests/..., docs/..., .ci/...,
// miniprogram-demo/..., and the top-level docs) must be in the checkout, or be
// build output that git ignores. Nothing may point outside the repository
// into a folder users do not have.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '../..');
const git = (args, input) => execFileSync('git', args, { cwd: root, encoding: 'utf8', input });

const TEXT = /\.(rs|js|ts|md|toml|json|wxml)$|^\.ci\/[a-z]+$/;
const LOCK = /(package-lock\.json|Cargo\.lock)$/;
// A repository path: a top-level folder of this repo, then a name; or a top-level doc.
const NAMED = /(?<![\w./-])((?:src|js|tests|docs|miniprogram-demo|\.ci)\/[\w.\-/]*[\w]|(?:README(?:\.zh-CN)?|CHANGELOG|CONTRIBUTING)\.md)/g;

// [name, the file that names it] for every name, once per file.
function named() {
  const found = [];
  for (const file of git(['ls-files']).split('\n')) {
    if (!TEXT.test(file) || LOCK.test(file) || file.includes('/node_modules/')) continue;
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const m of text.matchAll(NAMED)) {
      const name = m[1].replace(/\.$/, '');
      if (!name.includes('*') && !found.some(([n, f]) => n === name && f === file)) found.push([name, file]);
    }
  }
  return found;
}

test('every repository path named in the code and the docs exists, or is ignored build output', () => {
  const found = named();
  assert.ok(found.length > 100, 'the scan found ' + found.length + ' names');
  // Where a name may be read from: the root, a folder above the naming file, or
  // a sub-project (a folder with its own package.json or Cargo.toml: its src/, tests/).
  const projects = git(['ls-files']).split('\n').filter((f) => /(^|\/)(package|Cargo)\.(json|toml)$/.test(f)).map(path.dirname);
  const places = ([name, file]) => {
    const dirs = new Set(projects);
    for (let dir = path.dirname(file); dir !== '.'; dir = path.dirname(dir)) dirs.add(dir);
    return ['.', ...dirs].map((dir) => path.posix.join(dir, name));
  };
  const candidates = found.map((pair) => places(pair).filter((p) => !fs.existsSync(path.join(root, p))));
  // Build output git ignores counts as named rightly.
  let ignored = [];
  try {
    ignored = git(['check-ignore', '--no-index', '--stdin'], [...new Set(candidates.flat())].join('\n') + '\n').split('\n');
  } catch (e) {
    if (e.status !== 1) throw e; // 1: none of them is ignored
  }
  const missing = found
    .filter(([name, file], i) => candidates[i].length === places([name, file]).length && !candidates[i].some((p) => ignored.includes(p)))
    .map(([name, file]) => name + ' (named in ' + file + ')');
  assert.deepStrictEqual(missing, []);
});

test('nothing tracked points into ../shared, which users do not have', () => {
  let hits = '';
  try {
    hits = git(['grep', '-l', '-F', '../shared/', '--', '.', ':!*lock*', ':!tests/js/paths.test.js']);
  } catch (e) {
    if (e.status !== 1) throw e; // 1: not found
  }
  assert.deepStrictEqual(hits.split('\n').filter(Boolean), []);
});

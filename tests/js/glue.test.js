// The build's transform of wasm-bindgen glue into a CommonJS factory:
//   node --test tests/js/
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { transform } = require('../../.ci/glue.js');

const GLUE = [
  'let wasm;',
  'export function __wbg_set_wasm(val) { wasm = val; }',
  'export function plan(a) { return wasm.plan(a); }',
  'export function __wbg_log_1(x) { return x; }',
  'export class Thing {}',
  'export const LIMIT = 3;',
].join('\n');

test('exports become a factory returning imports, exports and setWasm', () => {
  const source = transform(GLUE, './x_bg.js');
  const module = { exports: {} };
  new Function('module', 'exports', source)(module, module.exports);
  const glue = module.exports();
  assert.equal(glue.importModule, './x_bg.js');
  assert.deepEqual(Object.keys(glue.imports), ['__wbg_log_1']);
  assert.deepEqual(Object.keys(glue.exports), ['plan', 'Thing', 'LIMIT']);
  glue.setWasm({ plan: (a) => a * 2 });
  assert.equal(glue.exports.plan(21), 42);
  assert.doesNotMatch(source, /^export /m);
});

test('code a mini-program cannot run fails the build', () => {
  const refused = {
    'import.meta': 'export function __wbg_set_wasm(v) {}\nconst u = import.meta.url;',
    'fetch(': 'export function __wbg_set_wasm(v) {}\nfetch("x.wasm");',
    'eval(': 'export function __wbg_set_wasm(v) {}\neval("1");',
    'new Function(': 'export function __wbg_set_wasm(v) {}\nnew Function("return 1");',
    'a global WebAssembly': 'export function __wbg_set_wasm(v) {}\nWebAssembly.instantiate(b);',
    'an import statement': 'import x from "y";\nexport function __wbg_set_wasm(v) {}',
    'require(': 'export function __wbg_set_wasm(v) {}\nrequire("util");',
    'TextEncoder/TextDecoder': 'export function __wbg_set_wasm(v) {}\nconst d = new TextDecoder("utf-8");',
  };
  for (const [what, source] of Object.entries(refused)) {
    assert.throws(() => transform(source, './x_bg.js'), new RegExp(what.replace(/[.(/]/g, '\\$&')), what);
  }
  assert.throws(() => transform('export function plan() {}', './x_bg.js'), /__wbg_set_wasm/);
  assert.throws(() => transform('export function __wbg_set_wasm(v) {}\nexport default 1;', './x_bg.js'), /export form/);
});

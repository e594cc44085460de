// Every error code the package can give is in index.d.ts's ErrorCode union,
// and every member of the union is a code the sources give: the codes are
// read from the Rust sources (the error constructors and the WeChat tables)
// and from js/lib (the errors the JS side makes).
//   node --test tests/js/
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '../..');

function files(dir, ending) {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    return e.isDirectory() ? files(rel, ending) : rel.endsWith(ending) ? [rel] : [];
  });
}

function sourceCodes() {
  const codes = new Set();
  for (const file of files('src', '.rs')) {
    const text = fs.readFileSync(path.join(root, file), 'utf8').split('#[cfg(test)]')[0];
    const constructor = /(Error::(?:new|input|shape)|\bbad|Known\(\s*[^,]*,\s*"[^"]*",)\s*\(?\s*"([a-z][a-z0-9]*(?:-[a-z0-9]+)*)"/g;
    for (const m of text.matchAll(constructor)) codes.add(m[2]);
  }
  // The one code a WeChat failure no table knows gets.
  codes.add('unknown');
  for (const file of files('js/lib', '.js')) {
    for (const m of fs.readFileSync(path.join(root, file), 'utf8').matchAll(/code: '([a-z][a-z0-9-]*)'/g)) codes.add(m[1]);
  }
  return codes;
}

function unionCodes() {
  const types = fs.readFileSync(path.join(root, 'js/lib/index.d.ts'), 'utf8');
  const union = /export type ErrorCode =([^;]*);/.exec(types);
  assert.ok(union, 'index.d.ts declares ErrorCode');
  return new Set([...union[1].matchAll(/'([a-z0-9-]+)'/g)].map((m) => m[1]));
}

test('index.d.ts lists exactly the error codes the sources give', () => {
  const given = sourceCodes();
  const listed = unionCodes();
  assert.ok(given.size > 60, 'the scan finds the codes (' + given.size + ')');
  assert.deepEqual([...given].filter((c) => !listed.has(c)).sort(), [], 'codes missing from ErrorCode');
  assert.deepEqual([...listed].filter((c) => !given.has(c)).sort(), [], 'ErrorCode members no source gives');
});

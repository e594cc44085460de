// Writes the TypeScript blocks of the docs ('```ts' whose first line names a
// file) into tests/types/docs/, for tsc to check them in strict mode against the
// official miniprogram-api-typings (tests/types/docs/tsconfig.json).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '../..');
const out = path.join(__dirname, 'docs');
let written = 0;
for (const doc of ['README.md', ...fs.readdirSync(path.join(root, 'docs')).map((f) => 'docs/' + f)]) {
  const text = fs.readFileSync(path.join(root, doc), 'utf8');
  for (const m of text.matchAll(/```ts\n\/\/ ([^\n]+)\n([\s\S]*?)```/g)) {
    fs.writeFileSync(path.join(out, m[1].trim().replace(/\//g, '_')), '// From ' + doc + ' (tests/types/docs.js).\n' + m[2]);
    written += 1;
  }
}
if (written === 0) throw new Error('the docs have no TypeScript page block');
console.log('types: ' + written + ' TypeScript block(s) of the docs written');

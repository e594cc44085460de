// Writes the README's TypeScript blocks ('```ts' whose first line names a file)
// into tests/types/readme/, for tsc to check them in strict mode against the
// official miniprogram-api-typings (tests/types/readme/tsconfig.json).
'use strict';
const fs = require('fs');
const path = require('path');

const text = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
const out = path.join(__dirname, 'readme');
let written = 0;
for (const m of text.matchAll(/```ts\n\/\/ ([^\n]+)\n([\s\S]*?)```/g)) {
  fs.writeFileSync(path.join(out, m[1].trim().replace(/\//g, '_')), '// From the README (tests/types/readme.js).\n' + m[2]);
  written += 1;
}
if (written === 0) throw new Error('the README has no TypeScript page block');
console.log('types: ' + written + ' README TypeScript block(s) written');

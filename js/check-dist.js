// Run by npm before packing and on an install from git: the package is build
// output (two wasm modules made from Rust), which a source checkout lacks.
// Without it DevTools' "Build npm" fails later with a misleading
// "NPM packages not found"; this says what is wrong at once.
'use strict';
const fs = require('fs');
const path = require('path');

const needed = ['miniprogram_dist/index.js', 'miniprogram_dist/wx_subscribe_bg.wasm.br', 'node_dist/index.js'];
const missing = needed.filter((file) => !fs.existsSync(path.join(__dirname, file)));
if (missing.length > 0) {
  console.error('wx-subscribe: this is a source checkout without the build output (' + missing.join(', ') + ').\n' +
    'Build it with `bash .ci/build` in the repository (Rust, wasm-bindgen and binaryen; `.ci/setup` installs them),\n' +
    'or install the published package (`npm install wx-subscribe`) instead of the git repository.');
  process.exit(1);
}

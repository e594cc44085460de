// Runs host test files in a fresh V8 realm that has no WebAssembly,
// TextEncoder, TextDecoder or fetch, as on a phone:
//   node tests/host/node.js tests/host/suites/*.test.js
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const zlib = require('zlib');

const fakeSdk = require('../cloud/fake-sdk.js');

fakeSdk.install();
let unhandledRejections = 0;
process.on('unhandledRejection', () => { unhandledRejections += 1; });
const context = vm.createContext({});
const engine = {
  name: 'node (V8)',
  WebAssembly,
  readText: (p) => fs.readFileSync(p, 'utf8'),
  readBinary: (p) => new Uint8Array(fs.readFileSync(p)),
  exists: (p) => fs.existsSync(p),
  brotliDecompress: (bytes) => new Uint8Array(zlib.brotliDecompressSync(bytes)),
  compile: (source, filename) => vm.runInContext(source, context, { filename }),
  print: (line) => console.log(line),
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  // Only Node has these: the UTF-8 tests compare against them.
  reference: { TextEncoder, TextDecoder },
  // Only Node has the Node build (js/node_dist), which the fuzz test calls too.
  nodeBuild: () => require(path.resolve('js/node_dist/index.js')),
  memoryUsage: () => process.memoryUsage().rss,
  // A full garbage collection, where the engine offers one (node --expose-gc): the benchmark
  // starts each sample with no garbage left from the last.
  gc: typeof global.gc === 'function' ? () => global.gc() : null,
  // Only Node runs the demo's cloud function (against the emulated wx-server-sdk).
  cloud: {
    call: (name, data) => require(path.resolve('miniprogram-demo/cloudfunctions', name, 'index.js')).main(data),
    sdk: fakeSdk.state,
    // The function's environment variables (WXS_DEMO, WXS_PUSH).
    env: process.env,
  },
  // Only Node makes real HTTP requests (the demo against the self-hosted server).
  http: (o) => fetch(o.url, {
    method: o.method || 'GET',
    headers: { 'content-type': 'application/json', ...(o.header || {}) },
    body: o.data === undefined || (o.method || 'GET') === 'GET' ? undefined : JSON.stringify(o.data),
  }).then(async (r) => ({ statusCode: r.status, data: await r.json().catch(() => null) })),
  // The self-hosted server's binary against a fake WeChat (tests/host/server.js).
  selfHosted: () => require(path.resolve('tests/host/server.js')).start(),
  // Only Node sees rejections nobody handled (the README page must leave none).
  unhandled: () => unhandledRejections,
  finish: (failed) => { process.exitCode = failed ? 1 : 0; },
};
context.engine = engine;
vm.runInContext('delete globalThis.WebAssembly; delete globalThis.TextEncoder; delete globalThis.TextDecoder; delete globalThis.fetch;', context);
for (const file of ['tests/host/runner.js', 'tests/host/emulator.js', 'tests/host/flowkit.js']) {
  vm.runInContext(fs.readFileSync(file, 'utf8'), context, { filename: file });
}
context.files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
engine.args = process.argv.slice(2).filter((a) => a.startsWith('--'));
vm.runInContext('start(files)', context);

// Runs host test files under JavaScriptCore (the iPhone's engine), with the
// global WebAssembly removed (the shell has no TextEncoder, TextDecoder or fetch):
//   jsc tests/host/jsc.js -- tests/host/suites/*.test.js
var engine = {
  name: 'jsc (JavaScriptCore)',
  WebAssembly: WebAssembly,
  readText: function (p) { return readFile(p); },
  readBinary: function (p) { return readFile(p, 'binary'); },
  exists: function (p) {
    try { readFile(p, 'binary'); return true; } catch (e) { return false; }
  },
  brotliDecompress: null,
  compile: function (source, filename) { return (0, eval)(source + '\n//# sourceURL=' + filename); },
  print: function (line) { print(line); },
  now: function () { return preciseTime() * 1000; },
  setTimeout: function (fn, ms) { return setTimeout(fn, ms); },
  reference: null,
  nodeBuild: null,
  memoryUsage: null,
  gc: function () { gc(); },
  cloud: null,
  // An exception thrown from a timer is what makes the shell exit non-zero.
  finish: function (failed) {
    if (failed) setTimeout(function () { throw new Error(failed + ' host test(s) failed'); }, 0);
  },
};
delete globalThis.WebAssembly;
delete globalThis.TextEncoder;
delete globalThis.TextDecoder;
delete globalThis.fetch;
load('tests/host/runner.js');
load('tests/host/emulator.js');
load('tests/host/flowkit.js');
engine.args = Array.prototype.slice.call(arguments).filter(function (a) { return a.indexOf('--') === 0; });
start(Array.prototype.slice.call(arguments).filter(function (a) { return a.indexOf('--') !== 0; }));

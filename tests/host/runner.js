// A tiny test runner that works the same under Node (vm realm) and JavaScriptCore.
// Tests run one after another; a test may return a Promise. The closing line is
// "N passed, N failed"; engine.finish(failed) sets the exit status.
'use strict';

var TESTS = [];
var TEST_TIMEOUT_MS = 5000;

// A script's flag --name=N (engine.args), as a number; `fallback` without it.
function option(name, fallback) {
  var found = engine.args.filter(function (a) { return a.indexOf('--' + name + '=') === 0; })[0];
  return found ? Number(found.split('=')[1]) : fallback;
}

function test(name, fn) {
  TESTS.push({ name: name, fn: fn });
}

function show(value) {
  try {
    return JSON.stringify(value);
  } catch (e) {
    return String(value);
  }
}

var assert = {
  ok: function (value, message) {
    if (!value) throw new Error(message || 'expected a true value, got ' + show(value));
  },
  equal: function (actual, expected, message) {
    if (actual !== expected) {
      throw new Error((message ? message + ': ' : '') + 'expected ' + show(expected) + ', got ' + show(actual));
    }
  },
  deepEqual: function (actual, expected, message) {
    if (show(actual) !== show(expected)) {
      throw new Error((message ? message + ': ' : '') + 'expected ' + show(expected) + ', got ' + show(actual));
    }
  },
  // Calls fn, expects it to throw, and returns what it threw.
  throws: function (fn, message) {
    try {
      fn();
    } catch (e) {
      return e;
    }
    throw new Error(message || 'expected an exception');
  },
  // Expects the promise to reject; resolves to the reason.
  rejects: function (promise, message) {
    return promise.then(function (value) {
      throw new Error((message || 'expected a rejection') + ', got ' + show(value));
    }, function (reason) {
      return reason;
    });
  },
};

// Runs one test; a watchdog (one timer at a time, none once the run is over,
// because JavaScriptCore has no clearTimeout) fails a test that never settles.
function runOne(entry) {
  return new Promise(function (resolve, reject) {
    var settled = false;
    var started = Date.now();
    function watchdog() {
      if (settled) return;
      if (Date.now() - started > TEST_TIMEOUT_MS) {
        settled = true;
        reject(new Error('timed out after ' + TEST_TIMEOUT_MS + ' ms (a Promise never settled)'));
        return;
      }
      engine.setTimeout(watchdog, 50);
    }
    watchdog();
    Promise.resolve()
      .then(entry.fn)
      .then(function () { if (!settled) { settled = true; resolve(); } },
        function (e) { if (!settled) { settled = true; reject(e); } });
  });
}

// Runs a test file in a scope of its own (suites must not see each other's
// helpers); returns its main() if it defines one (the demo, the benchmark).
function loadScoped(file) {
  var source = engine.readText(file);
  return engine.compile('(function () {' + source + "\nreturn typeof main === 'function' ? main : undefined;\n})", file)();
}

// Loads the files, then runs the first main() among them, or else every test.
function start(files) {
  var mains = files.map(loadScoped).filter(Boolean);
  if (mains.length > 0) mains[0]();
  else runAll();
}

function runAll() {
  var passed = 0;
  var failed = 0;
  var index = 0;
  engine.print('# ' + engine.name + ': ' + TESTS.length + ' host tests');
  function next() {
    if (index === TESTS.length) {
      engine.print(passed + ' passed, ' + failed + ' failed');
      engine.finish(failed);
      return;
    }
    var entry = TESTS[index++];
    runOne(entry).then(function () {
      passed++;
      engine.print('ok ' + index + ' - ' + entry.name);
    }, function (e) {
      failed++;
      var stack = e && e.stack ? String(e.stack) : '';
      var message = e && e.message !== undefined ? e.message : String(e);
      engine.print('not ok ' + index + ' - ' + entry.name + '\n  ' + message + (stack.indexOf(message) >= 0 ? '' : '\n  ' + stack));
    }).then(next);
  }
  next();
}

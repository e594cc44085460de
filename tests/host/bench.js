// Figures, not tests: the module side by side with a plain-JS reference of the
// same rules (reference.js), on the emulated host, per engine. Printed by
// .ci/test on Node, JavaScriptCore and JavaScriptCore without JIT (the closest
// stand-in for an iPhone); nothing here fails on time. It does fail when the
// module and the reference disagree, since then the comparison means nothing.
//   node tests/host/node.js tests/host/reference.js tests/host/bench.js [--calls=N]
//   jsc --useJIT=false tests/host/jsc.js -- tests/host/reference.js tests/host/bench.js [--calls=N]
// --calls: how many tap paths the memory figure runs (100,000 by default).

var NOW = Date.now();
var OPTIONS = { idsPerRequest: 3, baseLibrary: '3.5.0', wechatVersion: '8.0.50', platform: 'ios', now: NOW };

// n templates as an app lists them: 43-character ids like real ones, titles
// that sometimes repeat, a few long-term ones; a quarter kept by the user.
function app(n) {
  var templates = [];
  var setting = { mainSwitch: true, itemSettings: { SYS_MSG_TYPE_INTERACTIVE: 'accept' } };
  for (var i = 0; i < n; i++) {
    var id = 'x' + ('000000' + i).slice(-6) + 'Jd9uZkYmnZlrWbKe3iAz5kCpfWlxcIOnuSh8Fo';
    templates.push({ id: id, title: '通知标题' + (i % 7 === 6 ? i - 1 : i), kind: i % 10 === 9 ? 'long-term' : 'one-time' });
    if (i % 4 === 1) setting.itemSettings[id] = i % 8 === 1 ? 'accept' : 'reject';
  }
  return { templates: templates, setting: setting };
}

var TWENTY = app(20);
var BATCH = TWENTY.templates.slice(0, 3).map(function (t) { return t.id; });
var RESULT = { errMsg: 'requestSubscribeMessage:ok' };
RESULT[BATCH[0]] = 'accept';
RESULT[BATCH[1]] = 'reject';
RESULT[BATCH[2]] = 'acceptWithAlert';
// What the flow passes after that answer: every status of the round, and the
// record earlier visits left (a state per template, one of them a ban).
var ANSWERED = {};
ANSWERED[BATCH[0]] = ['accept'];
ANSWERED[BATCH[1]] = ['reject'];
var REMEMBERED = { v: 2, states: {}, pending: {} };
TWENTY.templates.forEach(function (t, i) { REMEMBERED.states[t.id] = { state: i === 7 ? 'banned' : 'ask', at: NOW - i * 1000 }; });
// What the flow records after that answer: its accepts, then the states of the plan after it.
var ACCEPTED = { accepted: {} };
BATCH.forEach(function (id, i) { if (i !== 1) ACCEPTED.accepted[id] = 1; });
var STATES = { states: {} };
TWENTY.templates.forEach(function (t, i) { STATES.states[t.id] = i === 0 || i === 2 ? 'accepted' : i === 1 ? 'rejected' : i === 7 ? 'banned' : 'ask'; });

// A send template with n keywords, and data that keeps every rule.
function sendTemplate(n) {
  var types = ['thing', 'number', 'date', 'character_string', 'phrase'];
  var values = ['商品名称', '42', '2024-03-05', 'A-1', '已发货'];
  var lines = [];
  var data = {};
  for (var i = 0; i < n; i++) {
    var key = types[i % 5] + (i + 1);
    lines.push('标签' + i + ':{{' + key + '.DATA}}');
    data[key] = { value: values[i % 5] };
  }
  return { template: { priTmplId: 'TPL', content: lines.join('\n') }, data: data };
}

// Microseconds per call of each function: the best of 7 rounds of about
// 100 ms each (as many calls as fit, at least one), the functions taking
// turns round by round, so a GC pause or a burst of another process lands in
// one round of one of them, not in a figure or a ratio.
function perCall() {
  var fns = Array.prototype.slice.call(arguments);
  var best = fns.map(function (fn) { fn(); return Infinity; });
  for (var round = 0; round < 7; round++) {
    fns.forEach(function (fn, i) {
      var calls = 0;
      var start = engine.now();
      do {
        fn();
        calls += 1;
      } while (engine.now() - start < 100);
      best[i] = Math.min(best[i], (engine.now() - start) * 1000 / calls);
    });
  }
  return best;
}

function us(x) {
  return x < 10 ? x.toFixed(1) + ' µs' : x < 10000 ? Math.round(x) + ' µs' : (x / 1000).toFixed(1) + ' ms';
}

function sameAnswers(wxs, list) {
  var pairs = [
    [wxs.plan(list.templates, list.setting, OPTIONS, ANSWERED, REMEMBERED), reference.plan(list.templates, list.setting, OPTIONS, ANSWERED, REMEMBERED)],
    [wxs.interpretResult(BATCH, RESULT), reference.interpretResult(BATCH, RESULT)],
    [wxs.remember(REMEMBERED, [ACCEPTED, STATES], NOW + 1), reference.remember(REMEMBERED, [ACCEPTED, STATES], NOW + 1)],
  ];
  return pairs.every(function (p) { return JSON.stringify(p[0]) === JSON.stringify(p[1]); });
}

function main() {
  var host = createHost({ sendModule: true });
  var wxs = host.require('wx-subscribe');
  var lines = [];
  function line(text) { lines.push('  ' + text); }
  // The module's call beside the reference's, measured in turns.
  function side(name, wasmCall, plainCall) {
    var t = perCall(wasmCall, plainCall);
    line(name + ': wasm ' + us(t[0]) + ', plain JS ' + us(t[1]) + ', ratio ' + (t[0] / t[1]).toFixed(2) + 'x');
  }
  // t(10,000) / t(1,000) from medians of samples of equal work, a sample
  // being 10 calls at 1,000 or one call at 10,000 (a call at 10,000 takes
  // tens of ms: a mean of a few would carry an instance swap into the ratio,
  // and single calls at 1,000 would miss the garbage collections calls at
  // 10,000 each pay for). The sizes take turns, sample by sample (at least 7
  // each, about 1.2 s), so that a burst of another process or a slower
  // stretch of the machine lands on all; each sample starts after a full
  // collection where the engine offers one. Where the plain-JS reference has
  // the function (`plainAt`), it takes its turns too and its ratio is printed
  // beside: what the host itself costs at that size.
  function scale(name, at, plainAt) {
    var sizes = [at(1000), at(10000)].concat(plainAt ? [plainAt(1000), plainAt(10000)] : []).map(function (fn, i) {
      return { fn: fn, calls: i % 2 ? 1 : 10, times: [] };
    });
    sizes.forEach(function (size) { size.fn(); });
    var start = engine.now();
    while (sizes[1].times.length < 7 || engine.now() - start < 1200) {
      sizes.forEach(function (size) {
        if (engine.gc) engine.gc();
        var t0 = engine.now();
        for (var i = 0; i < size.calls; i++) size.fn();
        size.times.push((engine.now() - t0) / size.calls);
      });
    }
    var median = function (size) {
      size.times.sort(function (a, b) { return a - b; });
      return size.times[size.times.length >> 1] * 1000;
    };
    var t = sizes.map(median);
    var ratio = function (small, large) { return 't(10k)/t(1k) ' + (large / small).toFixed(1); };
    line(name + ' 1k ' + us(t[0]) + ', 10k ' + us(t[1]) + ', ' + ratio(t[0], t[1]) + ' (goal <= 12; medians of equal work, sizes taking turns)' +
      (plainAt ? '; plain JS 1k ' + us(t[2]) + ', 10k ' + us(t[3]) + ', ' + ratio(t[2], t[3]) : ''));
  }
  var started = engine.now();
  var initPage;
  wxs.init().then(function () {
    initPage = engine.now() - started;
    started = engine.now();
    return wxs.initSend();
  }).then(function () {
    var initSend = engine.now() - started;
    if (![app(7), TWENTY, app(100)].every(function (list) { return sameAnswers(wxs, list); })) {
      engine.print('bench: the module and the plain-JS reference disagree; no figures');
      return engine.finish(1);
    }
    line('init() ' + initPage.toFixed(1) + ' ms, initSend() ' + initSend.toFixed(1) + ' ms (each also starts a spare instance)');
    var registered = wxs.templates(TWENTY.templates);
    side('tap path (interpretResult 3 ids + plan 20)', function () {
      wxs.interpretResult(BATCH, RESULT);
      wxs.plan(registered, TWENTY.setting, OPTIONS, ANSWERED, REMEMBERED);
    }, function () {
      reference.interpretResult(BATCH, RESULT);
      reference.plan(TWENTY.templates, TWENTY.setting, OPTIONS, ANSWERED, REMEMBERED);
    });
    [7, 20, 100].forEach(function (n) {
      var list = app(n);
      var once = wxs.templates(list.templates);
      side('plan ' + n + ' (list measured once, as subscriber() does)', function () {
        wxs.plan(once, list.setting, OPTIONS, ANSWERED, REMEMBERED);
      }, function () {
        reference.plan(list.templates, list.setting, OPTIONS, ANSWERED, REMEMBERED);
      });
    });
    side('plan 20 (a plain list on every call)', function () {
      wxs.plan(TWENTY.templates, TWENTY.setting, OPTIONS, ANSWERED, REMEMBERED);
    }, function () {
      reference.plan(TWENTY.templates, TWENTY.setting, OPTIONS, ANSWERED, REMEMBERED);
    });
    // After each answer (not in the tap): the stored record with one change.
    side('remember (a record of 20 states, the plan\'s states after an answer)', function () {
      wxs.remember(REMEMBERED, [STATES], NOW);
    }, function () {
      reference.remember(REMEMBERED, [STATES], NOW);
    });
    // All a page does after an answer, as the flow does it (storage aside):
    // the outcome, the plan after it, its accepts and the plan's states recorded.
    side('after an answer (interpretResult 3, plan 20, remember)', function () {
      wxs.interpretResult(BATCH, RESULT);
      wxs.plan(registered, TWENTY.setting, OPTIONS, ANSWERED, REMEMBERED);
      wxs.remember(REMEMBERED, [ACCEPTED, STATES], NOW);
    }, function () {
      reference.interpretResult(BATCH, RESULT);
      reference.plan(TWENTY.templates, TWENTY.setting, OPTIONS, ANSWERED, REMEMBERED);
      reference.remember(REMEMBERED, [ACCEPTED, STATES], NOW);
    });
    [3, 20].forEach(function (n) {
      var s = sendTemplate(n);
      line('checkData ' + n + ' keywords: wasm ' + us(perCall(function () { wxs.checkData(s.template, s.data); })[0]));
    });
    // Before the scale runs: a call at 10,000 templates may replace the instance.
    var page = host.instances[0];
    var before = page.exports.memory.buffer.byteLength;
    var calls = option('calls', 100000);
    var t0 = engine.now();
    for (var i = 0; i < calls; i++) {
      wxs.interpretResult(BATCH, RESULT);
      wxs.plan(registered, TWENTY.setting, OPTIONS, ANSWERED, REMEMBERED);
    }
    var after = page.exports.memory.buffer.byteLength;
    line('wasm memory of the page module: ' + before / 1024 + ' KiB, after ' + calls + ' tap paths ' + after / 1024 + ' KiB (' + ((engine.now() - t0) / 1000).toFixed(1) + ' s)');
    // The same input for the module and the plain JS: `call` calls one of them with it.
    var planning = function (call) {
      return function (n) {
        var list = app(n);
        return function () { call(list.templates, list.setting, OPTIONS); };
      };
    };
    scale('plan', planning(wxs.plan), planning(reference.plan));
    var interpreting = function (call) {
      return function (n) {
        var ids = app(n).templates.map(function (t) { return t.id; });
        var result = { errMsg: 'requestSubscribeMessage:ok' };
        ids.forEach(function (id, i) { result[id] = i % 3 ? 'accept' : 'reject'; });
        return function () { call(ids, result); };
      };
    };
    scale('interpretResult', interpreting(wxs.interpretResult), interpreting(reference.interpretResult));
    scale('describeTemplate', function (n) {
      var s = sendTemplate(n);
      return function () { wxs.describeTemplate(s.template); };
    });
    scale('checkData', function (n) {
      var s = sendTemplate(n);
      return function () { wxs.checkData(s.template, s.data); };
    });
    engine.print('bench on ' + engine.name + (option('nojit', 0) ? ' without JIT' : '') + ': the module and the plain-JS reference give the same answers\n' + lines.join('\n'));
    engine.finish(0);
  }).catch(function (error) {
    engine.print('bench failed: ' + (error && error.stack || error));
    engine.finish(1);
  });
}

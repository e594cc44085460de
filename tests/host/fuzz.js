// Fuzz test of the wasm boundary: every export of both wasm modules (and of
// the Node build, under Node), WxSubscribeError.from, and subscriber({
// templates, sends }).refresh() are called with hostile values: throwing getters,
// throwing and revoked Proxies, cyclic and shared structures, sparse huge
// arrays, huge strings, lone surrogates, symbols, bigints, functions, typed
// arrays, deep nesting, and plausible input with random damage. It asserts:
// no trap, no exception other than a WxSubscribeError, no poisoned module (a
// known-good call after every hostile one answers right), bounded wasm memory,
// and every call under 1 s. Seeded and reproducible:
//   node tests/host/node.js tests/host/fuzz.js [--count=N] [--seed=S]
//   jsc tests/host/jsc.js -- tests/host/fuzz.js [--count=N] [--seed=S]

var SEND_TEMPLATE = { priTmplId: 'TPL', content: '下单时间:{{date2.DATA}}\n商品名称:{{thing4.DATA}}' };
var SEND_DATA = { date2: '2015年01月05日', thing4: '阿里巴巴' };
var MEMORY_BOUND = 64 * 1024 * 1024;

// mulberry32: a small seeded generator, the same sequence on every engine.
function generator(seed) {
  var state = seed >>> 0;
  function next() {
    state = (state + 0x6d2b79f5) >>> 0;
    var t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return {
    below: function (n) { return Math.floor(next() * n); },
    pick: function (list) { return list[Math.floor(next() * list.length)]; },
  };
}

function thrower(message) {
  return function () { throw new Error(message); };
}

// One hostile or damaged value.
function hostile(rng, depth) {
  var kinds = [
    function () {
      var o = { id: 'a' };
      Object.defineProperty(o, rng.pick(['id', 'title', 'ids', 'errMsg', 'content', 'mainSwitch', 'itemSettings']), { enumerable: true, get: thrower('getter') });
      return o;
    },
    function () { return new Proxy({}, { get: thrower('get trap'), ownKeys: thrower('ownKeys trap') }); },
    function () { return new Proxy([], { get: thrower('get trap') }); },
    function () { var r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; },
    function () { var o = { id: 'a' }; o.self = o; return [o]; },
    function () { var a = []; a.push(a); return a; },
    function () {
      var node = ['leaf', 'leaf'];
      for (var i = 0; i < 22; i++) node = [node, node];
      return node;
    },
    function () { var a = []; a.length = rng.pick([4294967295, 1e7, 300000]); return a; },
    function () { return new Array(1 << rng.pick([18, 20, 21])).join('x'); },
    function () { var s = new Array(1 << 20).join('订'); var a = []; for (var i = 0; i < 5000; i++) a.push(s); return a; },
    function () { return rng.pick(['\ud800', 'a\udc00b', '订单\ud83d', '\udfff\ud800']); },
    function () { return Symbol('s'); },
    function () { return typeof BigInt === 'function' ? BigInt(7) : 7; },
    function () { return function () { return 1; }; },
    function () { return rng.pick([new Uint8Array(rng.pick([3, 1e6])), new Float64Array(4), new Uint16Array(300000)]); },
    function () { return rng.pick([new Date(0), new Map([['a', 1]]), /re/, new Error('e')]); },
    function () { return { toJSON: thrower('toJSON') }; },
    function () { return rng.pick([NaN, Infinity, -0, -1, 1e300, 2.5, 9007199254740993]); },
    function () {
      var d = rng.pick([30, 5000, 200000]);
      var v = 'x';
      for (var i = 0; i < d; i++) v = [v];
      return v;
    },
    function () { return JSON.parse('{"__proto__":{"x":1},"constructor":"c","prototype":1}'); },
    function () { return rng.pick([null, undefined, true, false, '', 0, 'accept', '{{thing1.DATA}}', '{{', 'ban', 'filter']); },
    function () { return plausible(rng, depth); },
  ];
  return rng.pick(kinds)();
}

// Input that looks right, with random damage in it.
function plausible(rng, depth) {
  var id = function () { return rng.pick(['a', 'b', 'T1', 'x000001Jd9uZkYmnZlrWbKe3iAz5kCpfWlxcIOnuSh8Fo', '', ' a', '订']); };
  var damage = function (value) { return depth < 3 && rng.below(4) === 0 ? hostile(rng, depth + 1) : value; };
  var choices = [
    function () {
      var list = [];
      for (var i = rng.below(8); i > 0; i--) {
        list.push(damage(rng.pick([id(), { id: id(), title: rng.pick(['发货', '发货', undefined, 3]), kind: rng.pick(['one-time', 'long-term', 'device', 2, 3, 'x']) }, { priTmplId: id(), type: 2 }])));
      }
      return list;
    },
    function () { var s = { mainSwitch: damage(rng.pick([true, false, undefined, 'yes'])), itemSettings: {} }; s.itemSettings[id()] = damage(rng.pick(['accept', 'reject', 'ban', 'acceptWithAlert', 5])); return s; },
    function () { var r = { errMsg: rng.pick(['requestSubscribeMessage:ok', 'requestSubscribeMessage:fail cancel', 'x']) }; r[id()] = damage(rng.pick(['accept', 'reject', 'filter', 'maybe'])); if (rng.below(3) === 0) r.errCode = rng.pick([0, 20003, 20004, 99999]); return r; },
    function () { return { ids: [id(), damage(id())], popup: true }; },
    function () { return { idsPerRequest: damage(rng.pick([1, 3, 5, 9, 2.5])), baseLibrary: rng.pick(['2.8.3', '3.5.0', 'latest']), platform: rng.pick(['ios', 'android', 1]) }; },
    function () { return { priTmplId: id(), content: damage(rng.pick(['名称:{{thing1.DATA}}', '{{thing1.DATA}}{{thing1.DATA}}', '{{', '{{when3.DATA}}', '时间:{{date2.DATA}}\n金额:{{amount3.DATA}}'])) }; },
    function () { return { keywords: [{ key: damage(rng.pick(['thing4', 'foo'])) }, { kid: 2, rule: 'date' }] }; },
    function () { return { thing1: damage(rng.pick(['订单\ud800', '一二三四五六七八九十一二三四五六七八九十一', 'ok'])), date2: { value: damage('2024-03-05') } }; },
    function () { return { touser: damage(rng.pick(['oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', 'x y'])), data: { thing1: 'a' }, page: damage('index') }; },
    function () { return { errcode: damage(rng.pick([0, 43101, 47003, 40001])), errmsg: 'argument invalid! data.thing1.value invalid', msgid: damage(7) }; },
    function () { return { v: damage(2), states: { a: { state: damage(rng.pick(['banned', 'ask', 'odd'])), at: damage(1e12) } }, pending: { a: damage(2) }, idsPerRequest: { ids: damage(3), at: 5 } }; },
    function () { return [{ accepted: { a: damage(1) }, reported: { b: 1 }, states: { a: damage('banned') }, tooMany: damage(5) }]; },
  ];
  return rng.pick(choices)();
}

function isLibraryError(e) {
  return e !== null && typeof e === 'object' && e.name === 'WxSubscribeError' && typeof e.code === 'string' &&
    typeof e.kind === 'string' && typeof e.message === 'string' && typeof e.advice === 'string';
}

// WxSubscribeError.from, which answers rather than throws: its answer must
// be the value itself or a WxSubscribeError, and what it throws is a problem.
function fromChecked(ErrorType) {
  return function (thrown) {
    var answer = ErrorType.from(thrown);
    if (answer !== thrown && !isLibraryError(answer)) throw new Error('from() answered neither the value nor a WxSubscribeError');
  };
}

// `rounds` subscribers made with hostile templates and sends, each refreshed
// in turn: refresh() must settle, resolving to a plan or rejecting with a
// WxSubscribeError that is not a trap. Resolves to the problems found.
function subscriberRounds(wxs, rng, rounds) {
  var problems = [];
  var round = 0;
  function next() {
    if (round === rounds) return Promise.resolve(problems);
    var n = round++;
    var templates = rng.below(3) === 0 ? plausible(rng, 0) : hostile(rng, 0);
    var sends = rng.below(2) === 0 ? { a: rng.pick([1, 2, -1, 11, 'x', 2.5]), T1: hostile(rng, 0) } : hostile(rng, 0);
    var settled;
    try {
      settled = wxs.subscriber({ templates: templates, sends: sends }).refresh();
    } catch (e) {
      problems.push('subscriber ' + n + ': subscriber() threw instead of refresh() rejecting: ' + (e && e.message));
      return next();
    }
    return settled.then(function () {}, function (e) {
      if (!isLibraryError(e)) problems.push('subscriber ' + n + ': refresh() rejected with something other than a WxSubscribeError: ' + (e && e.name) + ' ' + (e && e.message));
      else if (e.kind === 'internal') problems.push('subscriber ' + n + ': trapped: ' + e.message);
    }).then(next);
  }
  return next();
}

function main() {
  var count = option('count', 300);
  var seed = option('seed', 20261123);
  var rng = generator(seed);
  var host = createHost({ sendModule: true });
  var wxs = host.require('wx-subscribe');
  var node = engine.nodeBuild ? engine.nodeBuild() : null;
  var targets = [
    { name: 'plan', arity: 5, call: wxs.plan, check: function () { return wxs.plan(['a', 'b']).batches[0].ids.join() === 'a,b'; } },
    { name: 'templates', arity: 1, call: wxs.templates, check: function () { return wxs.plan(wxs.templates(['c'])).templates[0].id === 'c'; } },
    { name: 'interpretResult', arity: 2, call: wxs.interpretResult, check: function () { return wxs.interpretResult(['a'], { errMsg: 'requestSubscribeMessage:ok', a: 'accept' }).accepted[0] === 'a'; } },
    { name: 'remember', arity: 3, call: wxs.remember, check: function () { return wxs.remember(null, { accepted: { a: 1 } }, 1).pending.a === 1; } },
    { name: 'version', arity: 1, call: wxs.version, check: function () { return wxs.version() === '0.1.0'; } },
    { name: 'WxSubscribeError.from', arity: 1, call: fromChecked(wxs.WxSubscribeError), check: function () { return wxs.WxSubscribeError.from({ code: 'c', kind: 'input', message: 'm', advice: 'a' }).userMessage === wxs.WxSubscribeError.USER_MESSAGES.input; } },
  ];
  function sendTargets(api, where) {
    var ok = function () { return api.checkData(SEND_TEMPLATE, SEND_DATA).ok === true; };
    return [
      { name: where + 'describeTemplate', arity: 1, call: api.describeTemplate, check: function () { return api.describeTemplate(SEND_TEMPLATE).keywords.length === 2; } },
      { name: where + 'checkData', arity: 3, call: api.checkData, check: ok },
      { name: where + 'buildPayload', arity: 3, call: api.buildPayload, check: ok },
      { name: where + 'interpretSend', arity: 1, call: api.interpretSend, check: function () { return api.interpretSend({ errcode: 0, msgid: 7 }).msgid === '7'; } },
    ];
  }
  Promise.all([wxs.init(), wxs.initSend()]).then(function () {
    targets = targets.concat(sendTargets(wxs, ''));
    if (node) targets = targets.concat(sendTargets(node, 'node build: '));
    var failures = [];
    var slowest = 0;
    var largest = 0;
    var passed = 0;
    for (var n = 0; n < count; n++) {
      var target = targets[n % targets.length];
      var args = [];
      for (var a = 0; a < target.arity; a++) args.push(rng.below(3) === 0 ? plausible(rng, 0) : hostile(rng, 0));
      var problem = null;
      var started = Date.now();
      try {
        target.call.apply(null, args);
      } catch (e) {
        if (!isLibraryError(e)) problem = 'threw something other than a WxSubscribeError: ' + (e && e.name) + ' ' + (e && e.message);
        else if (e.kind === 'internal') problem = 'trapped: ' + e.message;
      }
      var took = Date.now() - started;
      slowest = Math.max(slowest, took);
      if (!problem && took > 1000) problem = 'took ' + took + ' ms';
      if (!problem) {
        try {
          if (!target.check()) problem = 'poisoned: a known-good call answered wrong afterwards';
        } catch (e) {
          problem = 'poisoned: a known-good call threw afterwards: ' + (e && e.message);
        }
      }
      host.instances.forEach(function (i) { largest = Math.max(largest, i.exports.memory.buffer.byteLength); });
      if (!problem && largest > MEMORY_BOUND) problem = 'wasm memory grew to ' + largest + ' bytes';
      if (problem) failures.push('call ' + n + ' (' + target.name + '): ' + problem);
      else passed += 1;
    }
    var rounds = Math.max(1, Math.floor(count / 10));
    return subscriberRounds(wxs, rng, rounds).then(function (problems) {
      failures = failures.concat(problems);
      passed += rounds - problems.length;
      failures.slice(0, 20).forEach(function (f) { engine.print('not ok - ' + f); });
      engine.print('fuzz on ' + engine.name + ', seed ' + seed + ', ' + count + ' hostile calls over ' + targets.length +
        ' exports and ' + rounds + ' hostile subscribers: slowest ' + slowest + ' ms, largest wasm memory ' + (largest / 1048576).toFixed(1) + ' MiB, ' +
        host.instances.length + ' wasm instances made');
      engine.print(passed + ' passed, ' + failures.length + ' failed');
      engine.finish(failures.length);
    });
  }).catch(function (error) {
    engine.print('fuzz failed: ' + (error && error.stack || error));
    engine.finish(1);
  });
}

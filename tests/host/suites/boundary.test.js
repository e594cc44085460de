// The wasm boundary on the emulated host: hostile input never reaches the
// module, a trap costs one call and never poisons the next, and memory a large
// call took is given back.

var TEMPLATES = [{ id: 'T1', title: '发货通知' }, { id: 'T2', title: '退款通知' }, 'T3'];

function loaded() {
  var host = createHost({});
  var wxs = host.require('wx-subscribe');
  return wxs.init().then(function () { return { host: host, wxs: wxs }; });
}

// Waits until `count` instances have loaded: the live one and its spare, or
// a spare made after a trap.
function settle(r, count) {
  return r.host.until(function () { return r.host.instances.length >= count; }, count + ' instances loaded');
}

function memoryOf(instance) {
  return instance.exports.memory.buffer.byteLength;
}

test('a trap throws an internal error for that call, and the next call runs on a fresh instance', function () {
  return loaded().then(function (r) {
    return settle(r, 2).then(function () {
      assert.equal(r.wxs.plan(TEMPLATES).batches.length, 1);
      // Corrupt the live instance's memory: its allocator follows a broken
      // free list out of bounds, a real trap ("memory access out of bounds").
      var live = r.host.instances[0];
      new Uint8Array(live.exports.memory.buffer).fill(0xff);
      var e = assert.throws(function () { r.wxs.plan(TEMPLATES); });
      assert.equal(e.name, 'WxSubscribeError');
      assert.equal(e.kind, 'internal');
      assert.equal(e.code, 'wasm-trapped');
      assert.equal(e.retryable, true);
      var plan = r.wxs.plan(TEMPLATES);
      assert.deepEqual(plan.batches[0].ids, ['T1', 'T2', 'T3'], 'the next call answers right');
      assert.equal(r.wxs.interpretResult(['T1'], { errMsg: 'requestSubscribeMessage:ok', T1: 'accept' }).accepted[0], 'T1');
      return settle(r, 3);
    }).then(function () {
      assert.equal(r.host.instances.length, 3, 'a new spare was made');
    });
  });
});

test('two traps in a row before the spare is back: internal errors, then a working module', function () {
  return loaded().then(function (r) {
    return settle(r, 2).then(function () {
      new Uint8Array(r.host.instances[0].exports.memory.buffer).fill(0xff);
      assert.equal(assert.throws(function () { r.wxs.plan(TEMPLATES); }).kind, 'internal');
      new Uint8Array(r.host.instances[1].exports.memory.buffer).fill(0xff);
      assert.equal(assert.throws(function () { r.wxs.plan(TEMPLATES); }).kind, 'internal');
      var e = assert.throws(function () { r.wxs.plan(TEMPLATES); });
      assert.equal(e.kind, 'internal', 'no instance yet: still internal, never not-ready');
      return settle(r, 3);
    }).then(function () {
      assert.equal(r.wxs.plan(TEMPLATES).batches.length, 1);
    });
  });
});

test('an instance that grew past 8 MiB is replaced after its call, so memory is given back', function () {
  return loaded().then(function (r) {
    return settle(r, 2).then(function () {
      var many = [];
      for (var i = 0; i < 10000; i++) many.push({ id: 'TEMPLATE-' + i + '-' + new Array(100).join('x'), title: '通知标题' + i + new Array(40).join('题') });
      var plan = r.wxs.plan(many);
      assert.equal(plan.templates.length, 10000);
      var grown = memoryOf(r.host.instances[0]);
      assert.ok(grown > 8 * 1024 * 1024, 'the big call grew memory to ' + grown);
      assert.equal(r.wxs.plan(TEMPLATES).templates.length, 3);
      assert.ok(memoryOf(r.host.instances[1]) < 4 * 1024 * 1024, 'the next call ran on a small instance');
    });
  });
});

test('hostile values are input errors before anything is copied, and the module keeps working', function () {
  return loaded().then(function (r) {
    var throwing = {};
    Object.defineProperty(throwing, 'id', { enumerable: true, get: function () { throw new Error('getter'); } });
    var revocable = Proxy.revocable({}, {});
    revocable.revoke();
    var sparse = [];
    sparse.length = 4294967295;
    var huge = new Array(1 << 20).join('x');
    var shared = [];
    for (var i = 0; i < 5000; i++) shared.push(huge);
    var cases = [
      [throwing, 'input-unreadable'],
      [revocable.proxy, 'input-unreadable'],
      [new Proxy({}, { ownKeys: function () { throw new Error('trap'); } }), 'input-unreadable'],
      [sparse, 'input-too-large'],
      [shared, 'input-too-large'],
      [[huge], 'input-too-large'],
      [[Symbol('s')], 'input-unreadable'],
      [[function () {}], 'input-unreadable'],
    ];
    if (typeof BigInt === 'function') cases.push([[BigInt(1)], 'input-unreadable']);
    cases.forEach(function (c, n) {
      var started = Date.now();
      var e = assert.throws(function () { r.wxs.plan(c[0]); }, 'case ' + n);
      assert.equal(e.name, 'WxSubscribeError', 'case ' + n);
      assert.equal(e.code, c[1], 'case ' + n + ': ' + e.message);
      assert.equal(e.kind, 'input');
      assert.ok(Date.now() - started < 1000, 'case ' + n + ' took ' + (Date.now() - started) + ' ms');
      assert.ok(e.message.length < 300, 'case ' + n + ': a short message');
    });
    assert.deepEqual(r.wxs.plan(TEMPLATES).batches[0].ids, ['T1', 'T2', 'T3']);
    return settle(r, 2).then(function () {
      assert.equal(r.host.instances.length, 2, 'the instance and its spare: nothing trapped, nothing replaced');
    });
  });
});

test('an object whose length member is a large number is data, not a large array', function () {
  return loaded().then(function (r) {
    var plan = r.wxs.plan([{ id: 'a', length: 4294967295 }], { mainSwitch: true, length: 1e9 });
    assert.deepEqual(plan.batches[0].ids, ['a']);
  });
});

test('a 200 KB id is quoted as a short prefix', function () {
  return loaded().then(function (r) {
    var id = new Array(200000).join('x');
    var e = assert.throws(function () { r.wxs.plan([id, id]); });
    assert.equal(e.code, 'template-bad-id');
    assert.ok(e.message.length < 200, e.message.length + ' characters');
  });
});

test('a bad answer in answered is named by its template id, not its position in the list', function () {
  return loaded().then(function (r) {
    var list = r.wxs.templates(TEMPLATES);
    var e = assert.throws(function () { r.wxs.plan(list, null, {}, { T2: 5 }); });
    assert.equal(e.code, 'answered-bad-status');
    assert.ok(/^answered\['T2'\] must be/.test(e.message), e.message);
  });
});

test('nesting is refused at the first level past 24, as the module counts it, before the engine walks the rest', function () {
  return loaded().then(function (r) {
    function nested(levels) {
      var v = 'x';
      for (var i = 0; i < levels; i++) v = [v];
      return v;
    }
    // The arguments' array is level 1: a batch nested 23 deep reaches 24, and the module judges it.
    var atTheCap = assert.throws(function () { r.wxs.interpretResult(nested(23), {}); });
    assert.equal(atTheCap.code, 'batch-bad-ids');
    assert.equal(assert.throws(function () { r.wxs.interpretResult(nested(24), {}); }).code, 'input-too-deep');
    // 200,000 levels: refused at level 25, not after a walk of the whole chain.
    var deep = assert.throws(function () { r.wxs.interpretResult(nested(200000), {}); });
    assert.equal(deep.code, 'input-too-deep');
    assert.equal(r.wxs.LIMITS.depth, 24);
    assert.equal(r.wxs.interpretResult(['a'], { errMsg: 'requestSubscribeMessage:ok', a: 'accept' }).accepted[0], 'a');
  });
});

test('a result or batch that is not plain data with string ids is copied, and the module judges the copy\'s ids first', function () {
  return loaded().then(function (r) {
    var ok = { errMsg: 'requestSubscribeMessage:ok', a: 'accept', b: 'reject' };
    var code = function (batch, result) { return assert.throws(function () { r.wxs.interpretResult(batch, result); }).code; };
    assert.equal(code(['a', 5], ok), 'batch-bad-ids', 'an id that is no string');
    assert.equal(code({ ids: 'a' }, ok), 'batch-bad-ids', 'ids that are no array');
    assert.equal(code('a', ok), 'batch-bad-ids', 'a batch that is neither');
    assert.equal(code(['a', 5], 'oops'), 'batch-bad-ids', 'the batch is judged before the result');
    assert.equal(code(['a'], 'oops'), 'result-not-an-object');
    assert.equal(code(['a'], { errMsg: 'requestSubscribeMessage:fail', errCode: 20004 }), 'main-switch-off');
    // A result of a class is read as JSON reads it: its own members.
    function Result() { this.errMsg = ok.errMsg; this.a = 'accept'; this.b = 'reject'; }
    Result.prototype.c = 'accept';
    var outcome = r.wxs.interpretResult({ ids: ['a', 'b', 'c'], kind: 'long-term' }, new Result());
    assert.deepEqual(outcome.results.map(function (x) { return x.id + ':' + x.status; }), ['a:accept', 'b:reject', 'c:missing']);
    assert.deepEqual([outcome.accepted, outcome.sends], [['a'], []], 'a long-term batch adds no sends');
    var hostile = ['a'];
    Object.defineProperty(hostile, 0, { get: function () { throw new Error('no'); } });
    assert.equal(code(hostile, ok), 'input-unreadable');
  });
});

test('a plan with the same client facts sends only the time, and one with other facts plans by those', function () {
  return loaded().then(function (r) {
    var boundary = r.host.require('wx-subscribe/boundary.js');
    var callNumbers = boundary.callNumbers;
    var texts = [];
    var heads = [];
    boundary.callNumbers = function (instance, name, text, codes) {
      if (name === 'plan') {
        texts.push(text);
        heads.push(Array.prototype.slice.call(codes, 0, 5));
      }
      return callNumbers.apply(this, arguments);
    };
    var list = r.wxs.templates(['a', 'b', 'c', 'd']);
    var facts = { idsPerRequest: 1, baseLibrary: '3.5.0', wechatVersion: '8.0.50', platform: 'ios' };
    function planWith(extra, remembered) {
      return r.wxs.plan(list, { mainSwitch: true }, Object.assign({}, facts, extra), null, remembered);
    }
    assert.equal(planWith({ now: 1 }).batches.length, 4, 'idsPerRequest 1: four taps');
    assert.equal(planWith({ now: 2 }).batches.length, 4, 'the same facts, sent as before');
    assert.ok(texts[0].indexOf('"baseLibrary":"3.5.0"') > 0, texts[0]);
    // As before, every argument has a number: no text, and the head says [handle, main switch on, now, no record, as before].
    assert.equal(texts[1], '');
    assert.deepEqual(heads[1].slice(1), [2, 2, -1, 1]);
    assert.equal(planWith({ now: 3, idsPerRequest: 3 }).batches.length, 2, 'other facts are sent in full');
    assert.ok(texts[2].indexOf('"idsPerRequest":3') > 0, texts[2]);
    assert.equal(planWith({ now: 4, idsPerRequest: 3 }).batches.length, 2);
    assert.equal(planWith({ now: 5, platform: 'android' }).batches.length, 4);
    // The time still counts when the facts are as before: a ban learned a day ago holds, one of 8 days does not.
    var day = 24 * 3600 * 1000;
    var remembered = { v: 2, states: { a: { state: 'banned', at: 0 } } };
    assert.equal(planWith({ now: day }, remembered).templates[0].state, 'banned');
    assert.equal(planWith({ now: 8 * day }, remembered).templates[0].state, 'ask');
    assert.equal(texts[texts.length - 1], '');
    assert.deepEqual(heads[heads.length - 1].slice(1), [2, 8 * day, 2, 1]);
    // What has no number goes as text, with the same answer.
    var odd = { v: 2, states: { a: { state: 'banned', at: 0 } }, idsPerRequest: { ids: 1, at: 0 } };
    assert.equal(planWith({ now: day }, odd).templates[0].state, 'banned');
    assert.ok(texts[texts.length - 1].indexOf('"idsPerRequest":{"ids":1') > 0, texts[texts.length - 1]);
    boundary.callNumbers = callNumbers;
  });
});

test('numbers answers carry text and absences: a choice without a number, an unknown and a missing answer, a long-term batch', function () {
  return loaded().then(function (r) {
    var plan = r.wxs.plan(TEMPLATES, { mainSwitch: true, itemSettings: { T1: 'accept', T2: '以后再说', T3: 'reject' } }, { now: 1 });
    assert.deepEqual(plan.templates.map(function (t) { return t.kept; }), [{ choice: 'accept' }, { choice: 'other', raw: '以后再说' }, { choice: 'reject' }]);
    assert.deepEqual(plan.counts, { ask: 1, topUp: 1, keptRejected: 1, banned: 0, switchedOff: 0, accepted: 0, rejected: 0, unsettled: 0 });
    assert.deepEqual(plan.advice.map(function (a) { return [a.code, a.ids]; }), [['open-settings', ['T3']]]);
    var outcome = r.wxs.interpretResult({ kind: 'long-term', ids: ['T1', 'T2', 'T3'] },
      { errMsg: 'requestSubscribeMessage:ok', T1: 'acceptWithAlert', T2: 7 });
    assert.deepEqual(outcome, {
      results: [{ id: 'T1', status: 'accept', raw: 'acceptWithAlert' }, { id: 'T2', status: 'unknown', raw: 'a number' }, { id: 'T3', status: 'missing' }],
      accepted: ['T1'],
      sends: [],
      counts: { accepted: 1, rejected: 0, banned: 0, filtered: 0, unknown: 1, missing: 1 },
    });
  });
});

test('a module keeps 8 template lists and the JS side knows which: a ninth forgets the first on both sides', function () {
  var host = createHost({ countCalls: true });
  var wxs = host.require('wx-subscribe');
  return wxs.init().then(function () {
    var lists = [];
    for (var k = 0; k < 9; k++) lists.push(wxs.templates(['L' + k + 'a', 'L' + k + 'b']));
    lists.forEach(function (list) { wxs.plan(list); });
    var calls = function () { return [host.calls.registerTemplates, host.calls.plan]; };
    assert.deepEqual(calls(), [9, 9]);
    wxs.plan(lists[8]);
    assert.deepEqual(calls(), [9, 10], 'the newest list is still registered');
    wxs.plan(lists[0]);
    assert.deepEqual(calls(), [10, 11], 'the first list is registered again before its plan, not after a refused one');
    assert.deepEqual(wxs.plan(lists[0]).batches[0].ids, ['L0a', 'L0b']);
  });
});

test('a record crosses as numbers whoever wrote it: as it is when this library did, else as its JSON copy, with what has no number judged by the module', function () {
  return loaded().then(function (r) {
    var now = 1790000000000;
    var stored = { v: 2, states: { T1: { state: 'banned', at: now - 5 }, T2: { state: 'odd', at: 1 }, __proto__x: { state: 'ask', at: now } },
      pending: { T1: 2, T3: 1.5 }, idsPerRequest: { ids: 1, at: now - 9 } };
    Object.defineProperty(stored.states, '__proto__', { value: { state: 'accepted', at: now - 1 }, enumerable: true });
    var changes = [{ states: { T2: 'ask', T4: 'accepted' }, accepted: { T4: 2, T1: 1 } }, { reported: { T1: 3 }, tooMany: 2 }];
    var states = { T1: { state: 'banned', at: now - 5 }, __proto__x: { state: 'ask', at: now } };
    Object.defineProperty(states, '__proto__', { value: { state: 'accepted', at: now - 1 }, enumerable: true });
    states.T2 = { state: 'ask', at: now };
    states.T4 = { state: 'accepted', at: now };
    var expected = { v: 2, states: states, pending: { T4: 2 }, idsPerRequest: { ids: 1, at: now } };
    var numbers = r.wxs.remember(stored, changes, now);
    // What this library does not write is copied as JSON and written with
    // what has no number as NaN (or no state): the module drops it.
    var odd = JSON.parse(JSON.stringify(stored));
    odd.note = 'x';
    odd.states.T9 = { state: 'ask', at: 'yesterday' };
    odd.states.T8 = 'ask';
    odd.pending.T7 = '3';
    Object.defineProperty(odd.states, '__proto__', { value: { state: 'accepted', at: now - 1 }, enumerable: true });
    var copied = r.wxs.remember(odd, changes.concat(['junk', { accepted: { T4: 'x' }, note: 1 }]), now);
    [numbers, copied].forEach(function (record) {
      assert.equal(JSON.stringify(record), JSON.stringify(expected));
      assert.ok(Object.prototype.hasOwnProperty.call(record.states, '__proto__'), 'a template id __proto__ is a member');
    });
    assert.equal(r.wxs.remember(null, { accepted: { T9: 1 } }, now).pending.T9, 1, 'a first visit');
    // What is refused as text is refused the same: a getter that throws, no time.
    var hostile = { v: 2, states: {} };
    Object.defineProperty(hostile.states, 'T1', { enumerable: true, get: function () { throw new Error('no'); } });
    assert.equal(assert.throws(function () { r.wxs.remember(hostile, [], now); }).code, 'input-unreadable');
    // A member the library does not write is copied, where a function is refused as it always was.
    var withFunction = { v: 2, states: { T1: { state: 'ask', at: now, note: function () {} } } };
    assert.equal(assert.throws(function () { r.wxs.remember(withFunction, [], now); }).code, 'input-unreadable');
    var sparse = [];
    sparse.length = 4294967295;
    assert.equal(assert.throws(function () { r.wxs.remember(null, sparse, now); }).code, 'input-too-large', 'a huge sparse list of changes');
    ['now', -1, NaN, Infinity, undefined].forEach(function (bad) {
      var e = assert.throws(function () { r.wxs.remember(stored, [], bad); });
      assert.equal(e.code, 'memory-bad-now', String(bad));
      assert.ok(/a finite number, not negative/.test(e.message), e.message);
    });
  });
});

// Loading the shipped package through WXWebAssembly, as a mini-program does.

function loaded(config) {
  var host = createHost(config);
  var wxs = host.require('wx-subscribe');
  return wxs.init().then(function () { return { host: host, wxs: wxs }; });
}

// The paths instantiated: at init, then the spare instance the loader keeps
// to replace one that traps (it starts as soon as init has finished).
function instantiated(host) {
  return host.log.filter(function (e) { return e.api === 'WXWebAssembly.instantiate'; }).map(function (e) { return e.path; });
}

test('the realm has no WebAssembly, TextEncoder, TextDecoder or fetch', function () {
  assert.equal(typeof WebAssembly, 'undefined');
  assert.equal(typeof TextEncoder, 'undefined');
  assert.equal(typeof TextDecoder, 'undefined');
  assert.equal(typeof fetch, 'undefined');
});

test('init loads the .wasm.br from the package folder on base library >= 2.14.0', function () {
  return loaded({ baseLibrary: '2.14.0' }).then(function (r) {
    var br = '/miniprogram_npm/wx-subscribe/wx_subscribe_bg.wasm.br';
    assert.deepEqual(instantiated(r.host), [br, br]);
    assert.ok(r.wxs.isReady());
    assert.equal(r.wxs.version(), '0.1.0');
  });
});

test('base library 2.13.x loads the plain .wasm an app copied in (an opt-in)', function () {
  return loaded({ baseLibrary: '2.13.9', plainWasm: true }).then(function (r) {
    var wasm = '/miniprogram_npm/wx-subscribe/wx_subscribe_bg.wasm';
    assert.deepEqual(instantiated(r.host), [wasm, wasm]);
  });
});

test('base library 2.13.x without the opt-in plain .wasm is unsupported, and says how to opt in', function () {
  var host = createHost({ baseLibrary: '2.13.9' });
  return assert.rejects(host.require('wx-subscribe').init()).then(function (e) {
    assert.equal(e.code, 'plain-wasm-not-shipped');
    assert.equal(e.kind, 'unsupported');
    assert.equal(e.retryable, false);
    assert.ok(/wx-subscribe\/wasm\/wx_subscribe_bg\.wasm/.test(e.advice), e.advice);
    assert.equal(e.userMessage, '当前微信版本过低，请升级微信后再订阅。');
  });
});

test('a .wasm.br that fails to load falls back to the .wasm, and the spare goes straight to the .wasm', function () {
  return loaded({ brokenBrotli: true, plainWasm: true }).then(function (r) {
    assert.deepEqual(instantiated(r.host), [
      '/miniprogram_npm/wx-subscribe/wx_subscribe_bg.wasm.br',
      '/miniprogram_npm/wx-subscribe/wx_subscribe_bg.wasm',
      '/miniprogram_npm/wx-subscribe/wx_subscribe_bg.wasm',
    ]);
    assert.ok(r.wxs.isReady());
  });
});

test('init accepts an Instance (the typings) and { instance } (phones)', function () {
  return loaded({ instanceShape: 'instance' }).then(function (a) {
    assert.equal(a.wxs.version(), '0.1.0');
    return loaded({ instanceShape: 'result' });
  }).then(function (b) {
    assert.equal(b.wxs.version(), '0.1.0');
  });
});

test('init runs once however often it is called', function () {
  var host = createHost({});
  var wxs = host.require('wx-subscribe');
  var first = wxs.init();
  var second = wxs.init();
  assert.ok(first === second, 'the same Promise');
  return Promise.all([first, wxs.init()]).then(function () {
    return wxs.init();
  }).then(function (api) {
    assert.ok(api === wxs);
    assert.equal(instantiated(host).length, 2, 'one instance and its spare');
  });
});

test('every export throws not-initialised before init has finished', function () {
  var host = createHost({});
  var wxs = host.require('wx-subscribe');
  ['plan', 'interpretResult', 'version'].forEach(function (name) {
    var e = assert.throws(function () { wxs[name]([]); });
    assert.ok(e instanceof wxs.WxSubscribeError, name);
    assert.equal(e.kind, 'not-ready');
    assert.equal(e.code, 'not-initialised');
    assert.ok(/call init\(\) at launch/.test(e.message), e.message);
  });
  var pending = wxs.init();
  assert.throws(function () { wxs.version(); }, 'still not ready while loading');
  return pending;
});

test('no WXWebAssembly (base library < 2.13.0) rejects with kind unsupported', function () {
  var host = createHost({ noWXWebAssembly: true, baseLibrary: '2.12.0' });
  var wxs = host.require('wx-subscribe');
  return assert.rejects(wxs.init()).then(function (e) {
    assert.ok(e instanceof wxs.WxSubscribeError);
    assert.equal(e.kind, 'unsupported');
    assert.ok(/2\.13\.0/.test(e.message), e.message);
  });
});

test('a missing wasm file is a setup error, not unsupported, and init with a right path then loads', function () {
  var host = createHost({});
  var wxs = host.require('wx-subscribe');
  return assert.rejects(wxs.init({ path: '/nowhere/x.wasm' })).then(function (e) {
    assert.equal(e.kind, 'setup');
    assert.equal(e.code, 'wasm-load-failed');
    assert.equal(e.retryable, false);
    assert.ok(/\/nowhere\/x\.wasm/.test(e.message), e.message);
    assert.ok(/Build npm/.test(e.advice), e.advice);
    assert.ok(!wxs.isReady());
    var later = assert.throws(function () { wxs.plan(['a']); });
    assert.equal(later.kind, 'setup', 'later calls say why, not "call init() at launch"');
    return wxs.init({});
  }).then(function () {
    assert.ok(wxs.isReady());
  });
});

test('after init() failed for lack of WXWebAssembly, every call keeps saying unsupported, not retryable', function () {
  var host = createHost({ noWXWebAssembly: true, baseLibrary: '2.12.0' });
  var wxs = host.require('wx-subscribe');
  return assert.rejects(wxs.init()).then(function () {
    ['plan', 'interpretResult', 'version'].forEach(function (name) {
      var e = assert.throws(function () { wxs[name](['a']); });
      assert.equal(e.kind, 'unsupported', name);
      assert.equal(e.retryable, false, name);
    });
    var subs = wxs.subscriber({ templates: ['a'] });
    return assert.rejects(subs.refresh());
  }).then(function (e) {
    assert.equal(e.kind, 'unsupported', 'refresh() too');
  });
});

test('a configured path is kept when refresh() retries init()', function () {
  var path = '/lib/wx_subscribe_bg.wasm';
  var host = createHost({ mounts: { '/lib/': 'js/wasm/', '/miniprogram_npm/wx-subscribe/': 'js/miniprogram_dist/' }, baseLibrary: '2.13.5', failingWasm: 1 });
  var wxs = host.require('wx-subscribe');
  return assert.rejects(wxs.init({ path: path })).then(function (e) {
    assert.equal(e.code, 'wasm-load-failed');
    return wxs.subscriber({ templates: ['a'] }).refresh();
  }).then(function (plan) {
    assert.deepEqual(plan.batches[0].ids, ['a']);
    instantiated(host).forEach(function (p) { assert.equal(p, path, 'every load used the configured path'); });
  });
});

test('an init() that never settles rejects at its deadline, and a later init() tries again', function () {
  var host = createHost({ wasmDelayMs: Infinity });
  var wxs = host.require('wx-subscribe');
  return assert.rejects(wxs.init({ timeoutMs: 30 })).then(function (e) {
    assert.equal(e.kind, 'not-ready');
    assert.equal(e.code, 'wasm-load-timeout');
    assert.equal(e.retryable, true);
    assert.equal(assert.throws(function () { wxs.version(); }).code, 'wasm-load-timeout');
    host.config.wasmDelayMs = 0;
    return wxs.init();
  }).then(function () {
    assert.equal(wxs.version(), '0.1.0');
  });
});

test('a module that loads after the deadline is still used', function () {
  var host = createHost({ wasmDelayMs: 80 });
  var wxs = host.require('wx-subscribe');
  return assert.rejects(wxs.init({ timeoutMs: 20 })).then(function (e) {
    assert.equal(e.code, 'wasm-load-timeout');
    return host.until(wxs.isReady, 'the late module used');
  }).then(function () {
    assert.deepEqual(wxs.plan(['a', 'b']).batches[0].ids, ['a', 'b']);
  });
});

test('Chinese text round-trips through the module', function () {
  return loaded({}).then(function (r) {
    var title = '订单发货提醒：第２件 🎉';
    var plan = r.wxs.plan([{ id: 'order', title: title }], { mainSwitch: true });
    assert.equal(plan.templates[0].title, title);
    assert.equal(plan.advice.length, 0);
    var off = r.wxs.plan(['order'], { mainSwitch: false });
    assert.equal(off.advice[0].message, '订阅消息已关闭：请在设置页打开「接收订阅消息」后再订阅');
    var e = assert.throws(function () { r.wxs.plan(['订单', '订单']); });
    assert.ok(e.message.indexOf("repeats the id '订单'") >= 0, e.message);
  });
});

test('bad input is a WxSubscribeError with code, kind, message and advice', function () {
  return loaded({}).then(function (r) {
    var e = assert.throws(function () { r.wxs.plan([{ id: 'a', kind: 'forever' }]); });
    assert.ok(e instanceof r.wxs.WxSubscribeError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'WxSubscribeError');
    assert.equal(e.code, 'template-bad-kind');
    assert.equal(e.kind, 'input');
    assert.ok(/templates\[0\]\.kind 'forever'/.test(e.message), e.message);
    assert.ok(e.advice.length > 0);
    assert.equal(e.retryable, false);
  });
});

test('cyclic objects, functions and deep nesting are errors, not crashes', function () {
  return loaded({}).then(function (r) {
    var cyclic = { id: 'a' };
    cyclic.self = cyclic;
    var e = assert.throws(function () { r.wxs.plan([cyclic]); });
    assert.equal(e.code, 'input-unreadable');
    assert.ok(/refers to itself/.test(e.message), e.message);
    e = assert.throws(function () { r.wxs.plan([function () {}]); });
    assert.equal(e.code, 'input-unreadable');
    assert.ok(/function/.test(e.message), e.message);
    // The module still works afterwards.
    assert.equal(r.wxs.plan(['a']).batches.length, 1);
  });
});

test('the emulated WXWebAssembly refuses URLs, buffers and relative paths', function () {
  var host = createHost({});
  var imports = {};
  return Promise.all([
    assert.rejects(host.WXWebAssembly.instantiate('https://example.com/x.wasm', imports)),
    assert.rejects(host.WXWebAssembly.instantiate(new Uint8Array(8), imports)),
    assert.rejects(host.WXWebAssembly.instantiate('miniprogram_npm/wx-subscribe/wx_subscribe_bg.wasm', imports)),
  ]).then(function (errors) {
    assert.ok(/absolute path/.test(errors[0].message), errors[0].message);
    assert.ok(/must be a string/.test(errors[1].message), errors[1].message);
    assert.ok(/absolute path/.test(errors[2].message), errors[2].message);
  });
});

// The Taro (React) project of tests/frameworks/taro, as `taro build --type
// weapp` made it (.ci/frameworks): Taro's runtime, React and wx-subscribe bundled by
// webpack, no miniprogram_npm, the wasm copied by Taro's `copy` option and
// given to init() once. Run on the emulated host in iOS mode: a tap reaches
// the page through Taro's event handler and React's onClick, synchronously.

var TARO = 'tests/frameworks/taro/dist';

// The node of Taro's rendered tree (page.data.root) whose children hold `text`.
function nodeWith(tree, text) {
  var found = null;
  (function walk(node) {
    (node.cn || []).forEach(function (child) {
      if (child.v === text) found = found || node;
      walk(child);
    });
  })(tree);
  return found;
}

function texts(page) {
  return JSON.stringify(page.data.root).match(/"v":"[^"]*"/g).map(function (t) { return t.slice(5, -1); }).join('');
}

test('a Taro weapp build subscribes in iOS mode, with the wasm at the path init() was given once', function () {
  if (!engine.exists(TARO + '/app.js')) throw new Error(TARO + ' is missing: run bash .ci/frameworks (CI does, before the host tests)');
  var host = createHost({
    root: TARO, mounts: {}, platform: 'ios',
    templates: { T1: { title: '订单发货提醒' }, T2: { title: '退款成功通知' } },
  });
  host.launch('/app.js');
  var page;
  return host.settle(50).then(function () {
    page = host.openPage('/pages/index/index');
    return host.settle(200);
  }).then(function () {
    assert.equal(texts(page), '订阅（还剩 2 个）');
    var button = nodeWith(page.data.root, '订阅（还剩 ');
    assert.ok(button, 'the button is in the rendered tree');
    var event = { type: 'tap', timeStamp: 1, currentTarget: { id: button.sid, dataset: {} }, target: { id: button.sid, dataset: {} }, detail: {} };
    host.tap(function () { page.eh(event); });
    return host.settle(200);
  }).then(function () {
    assert.equal(texts(page), '订阅（还剩 0 个）已订阅 2 个');
    assert.deepEqual(host.quota, { T1: 1, T2: 1 });
    var loaded = host.log.filter(function (e) { return e.api === 'WXWebAssembly.instantiate'; }).map(function (e) { return e.path; });
    assert.ok(loaded.length > 0 && loaded.every(function (p) { return p.indexOf('/wx-subscribe/wx_subscribe_bg.wasm') === 0; }), JSON.stringify(loaded));
  });
});

// The uni-app (Vue 3) project of tests/frameworks/uni, as `uni build -p
// mp-weixin` made it (.ci/frameworks): uni's runtime makes the page with
// Component(), the wasm comes from static/, and its path is given to init()
// once. uni-app runs a tap handler in a setTimeout unless the element has
// data-eventsync="true"; on iPhones that loses the tap, so the project's
// button has it. Run on the emulated host in iOS mode.

var UNI = 'tests/frameworks/uni/dist/build/mp-weixin';

// The page, opened on a fresh host, and the tap on its button as its wxml binds it.
function uniPage() {
  if (!engine.exists(UNI + '/app.js')) throw new Error(UNI + ' is missing: run bash .ci/frameworks (CI does, before the host tests)');
  var host = createHost({
    root: UNI, mounts: {}, platform: 'ios',
    templates: { T1: { title: '订单发货提醒' }, T2: { title: '退款成功通知' } },
  });
  host.launch('/app.js');
  return host.settle(50).then(function () {
    var page = host.openPage('/pages/index/index');
    var button = /<button([^>]*)>/.exec(engine.readText(UNI + '/pages/index/index.wxml'))[1];
    var dataset = {};
    var attribute = /data-([a-z]+)="([^"]*)"/g;
    var m;
    while ((m = attribute.exec(button)) !== null) dataset[m[1]] = m[2];
    var binding = /bindtap="\{\{([a-z0-9]+)\}\}"/.exec(button)[1];
    return host.settle(200).then(function () {
      return {
        host: host,
        page: page,
        tap: function (targetDataset) {
          var event = { type: 'tap', timeStamp: 1, currentTarget: { dataset: dataset }, target: { dataset: targetDataset }, detail: {} };
          host.tap(function () { page[page.data[binding]](event); });
          return host.settle(200);
        },
        dataset: dataset,
      };
    });
  });
}

test('a uni-app mp-weixin build subscribes in iOS mode: its button has data-eventsync, so the tap is kept', function () {
  return uniPage().then(function (u) {
    assert.equal(u.page.data.a, '2', '2 left before the tap');
    assert.equal(u.dataset.eventsync, 'true');
    return u.tap(u.dataset).then(function () {
      assert.deepEqual([u.page.data.a, u.page.data.c], ['0', '已订阅 2 个']);
      assert.deepEqual(u.host.quota, { T1: 1, T2: 1 });
      var loaded = u.host.log.filter(function (e) { return e.api === 'WXWebAssembly.instantiate'; }).map(function (e) { return e.path; });
      assert.ok(loaded.length > 0 && loaded.every(function (p) { return p.indexOf('/static/wx-subscribe/wx_subscribe_bg.wasm') === 0; }), JSON.stringify(loaded));
    });
  });
});

test('without data-eventsync uni-app defers the tap handler, and on iPhones the request loses the tap', function () {
  return uniPage().then(function (u) {
    return u.tap({}).then(function () {
      assert.equal(u.page.data.c, '请直接点击按钮订阅。', 'the page says to tap the button itself');
      assert.deepEqual(u.host.quota, {});
    });
  });
});

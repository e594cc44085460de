// The demo with a cloud environment: its pages list templates, report accepts
// and send through the real cloud function, which runs against the emulated
// wx-server-sdk. Node only: the cloud function is Node code (engine.cloud).

var DEMO = 'miniprogram-demo/miniprogram';

function cloudDemo() {
  var sdk = engine.cloud.sdk;
  engine.cloud.env.WXS_DEMO = '1';
  sdk.source = 'wx_client';
  sdk.docs.clear();
  sdk.sent.length = 0;
  sdk.nextFailure = null;
  var list = createHost({ root: DEMO, mounts: {} }).require('/data/templates.js');
  var templates = {};
  list.forEach(function (t) { templates[t.id] = { title: t.title, kind: t.kind }; });
  var host = createHost({
    root: DEMO, mounts: {}, platform: 'ios', templates: templates, cloud: engine.cloud,
    sources: { '/config.js': "module.exports = { CLOUD_ENV: 'demo-env' };" },
  });
  host.launch('/app.js');
  return { host: host, sdk: sdk, list: list };
}

function calls(host, action) {
  return host.log.filter(function (e) { return e.api === 'wx.cloud.callFunction' && e.action === action; }).length;
}

test('with a cloud environment the subscribe page lists from and reports to the cloud function (Node only)', function () {
  if (!engine.cloud) return undefined;
  var d = cloudDemo();
  var page;
  return d.host.settle(30).then(function () {
    page = d.host.openPage('/pages/subscribe/subscribe');
    return d.host.settle(40);
  }).then(function () {
    assert.equal(calls(d.host, 'list'), 1);
    assert.equal(page.data.templates.length, d.list.length);
    d.host.tapOn(page, 'onSubscribe');
    return d.host.settle(40);
  }).then(function () {
    assert.equal(calls(d.host, 'report'), 1);
    var key = 'subscribe_quota/' + d.sdk.openid + ':' + d.list[0].id;
    assert.equal(d.sdk.docs.get(key).sends, 1, 'the cloud function counted the accept');
    assert.equal(page.data.templates[0].sends, 1);
    assert.deepEqual(d.host.require('wx-subscribe').subscriber({ templates: ['x'] }).pendingAccepts(), {}, 'confirmed once reported');
  });
});

test('with a cloud environment the send page\'s demo send goes to the caller with content the function writes, and a 43101 reads as no quota (Node only)', function () {
  if (!engine.cloud) return undefined;
  var d = cloudDemo();
  var page;
  function type(key, value) {
    d.host.inputOn(page, 'onInput', { key: key }, value);
  }
  return d.host.settle(30).then(function () {
    page = d.host.openPage('/pages/send/send');
    return d.host.settle(40);
  }).then(function () {
    type('date2', '2015年01月05日');
    type('thing4', '阿里巴巴');
    type('character_string9', '123456789');
    assert.ok(page.data.canSend);
    d.host.tapOn(page, 'onSend');
    return d.host.settle(40);
  }).then(function () {
    assert.equal(page.data.message, '还没有可用的订阅次数，请先订阅这个通知。', 'no accept reported: refused');
    assert.equal(d.sdk.sent.length, 0);
    var key = 'subscribe_quota/' + d.sdk.openid + ':' + d.list[0].id;
    d.sdk.docs.set(key, { openid: d.sdk.openid, templateId: d.list[0].id, sends: 2 });
    d.host.tapOn(page, 'onSend');
    d.host.tapOn(page, 'onSend'); // a double tap sends once
    return d.host.settle(40);
  }).then(function () {
    assert.equal(d.sdk.sent.length, 1, 'two accepts in hand, one send for two taps');
    assert.equal(d.sdk.sent[0].touser, d.sdk.openid);
    assert.deepEqual(d.sdk.sent[0].data.thing4, { value: 'wx-subscribe 演示' }, 'the function writes the content, not the page');
    assert.ok(/已发送/.test(page.data.message), page.data.message);
    d.sdk.nextFailure = { errCode: 43101, errMsg: 'user refuse to accept the msg' };
    d.host.tapOn(page, 'onSend');
    return d.host.settle(40);
  }).then(function () {
    assert.ok(/订阅次数/.test(page.data.message), page.data.message);
  });
});

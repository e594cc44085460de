// The demo with SERVER_URL: the same pages as with a cloud environment, served
// by the self-hosted server's binary (miniprogram-demo/server) against a fake
// WeChat; wx.request makes real requests. Node only (engine.http).

var DEMO = 'miniprogram-demo/miniprogram';

function serverDemo() {
  return engine.selfHosted().then(function (server) {
    var list = createHost({ root: DEMO, mounts: {} }).require('/data/templates.js');
    var templates = {};
    list.forEach(function (t) { templates[t.id] = { title: t.title, kind: t.kind }; });
    var host = createHost({
      root: DEMO, mounts: {}, platform: 'ios', templates: templates, http: engine.http, openid: 'oServerDemoUser',
      sources: { '/config.js': "module.exports = { CLOUD_ENV: '', SERVER_URL: '" + server.url + "' };" },
    });
    host.launch('/app.js');
    return { host: host, server: server, list: list };
  });
}

function requests(host, pathname) {
  return host.log.filter(function (e) { return e.api === 'wx.request' && e.url.slice(-pathname.length) === pathname; }).length;
}


test('with SERVER_URL the subscribe page lists from and reports to the self-hosted server (Node only)', function () {
  if (!engine.selfHosted) return undefined;
  var d;
  var page;
  return serverDemo().then(function (demo) {
    d = demo;
    page = d.host.openPage('/pages/subscribe/subscribe');
    return d.host.until(function () { return page.data.templates.length > 0; }, 'the templates listed');
  }).then(function () {
    assert.equal(requests(d.host, '/templates'), 1);
    assert.equal(page.data.templates.length, d.list.length);
    d.host.tapOn(page, 'onSubscribe');
    return d.host.until(function () { return page.data.templates[0].sends === 1; }, 'the accept counted');
  }).then(function () {
    assert.equal(requests(d.host, '/login'), 1, 'a session from wx.login');
    assert.equal(requests(d.host, '/report'), 1);
    assert.equal(page.data.templates[0].sends, 1, 'the server recorded the accept');
    assert.deepEqual(d.host.require('wx-subscribe').subscriber({ templates: ['x'] }).pendingAccepts(), {}, 'confirmed once recorded');
  }).then(function () { d.server.stop(); }, function (e) { d.server.stop(); throw e; });
});

test('with SERVER_URL the send page sends the server\'s demo content once per tap to the caller, and refuses without an accept (Node only)', function () {
  if (!engine.selfHosted) return undefined;
  var d;
  var page;
  function type(key, value) {
    d.host.inputOn(page, 'onInput', { key: key }, value);
  }
  return serverDemo().then(function (demo) {
    d = demo;
    page = d.host.openPage('/pages/send/send');
    return d.host.until(function () { return page.data.keywords.length > 0; }, 'the keywords shown');
  }).then(function () {
    type('date2', '2015年01月05日');
    type('thing4', '阿里巴巴');
    type('character_string9', '123456789');
    d.host.tapOn(page, 'onSend');
    return d.host.until(function () { return page.data.message !== ''; }, 'a message shown');
  }).then(function () {
    assert.equal(page.data.message, '还没有可用的订阅次数，请先订阅这个通知。', 'no accept recorded: refused');
    assert.equal(d.server.state.sent.length, 0);
    // The user subscribed twice on the subscribe page: both reports reached the server.
    var backend = d.host.require('/data/backend.js');
    var accept = {};
    accept[d.list[0].id] = 1;
    return backend.report(accept).then(function () { return backend.report(accept); });
  }).then(function () {
    d.host.tapOn(page, 'onSend');
    d.host.tapOn(page, 'onSend'); // a double tap sends once
    return d.host.until(function () { return /已发送/.test(page.data.message); }, 'the send confirmed');
  }).then(function () {
    assert.equal(d.server.state.sent.length, 1, 'two accepts in hand, one send for two taps');
    assert.equal(d.server.state.sent[0].touser, 'oServerDemoUser', 'to the caller, from the session');
    assert.deepEqual(d.server.state.sent[0].data.thing4, { value: 'wx-subscribe 演示' }, 'the server writes the content, not the page');
  }).then(function () { d.server.stop(); }, function (e) { d.server.stop(); throw e; });
});

test('with SERVER_URL "remind me" schedules the server\'s demo message, and it reaches WeChat when due, once (Node only)', function () {
  if (!engine.selfHosted) return undefined;
  var d;
  var page;
  var asked;
  return serverDemo().then(function (demo) {
    d = demo;
    page = d.host.openPage('/pages/send/send');
    return d.host.until(function () { return page.data.keywords.length > 0; }, 'the keywords shown');
  }).then(function () {
    assert.equal(page.data.backend, 'server', 'the button shows in server mode');
    var accept = {};
    accept[d.list[0].id] = 1;
    return d.host.require('/data/backend.js').report(accept);
  }).then(function () {
    asked = Date.now();
    d.host.tapOn(page, 'onRemind');
    return d.host.until(function () { return page.data.message !== ''; }, 'a message shown');
  }).then(function () {
    assert.ok(/已安排/.test(page.data.message), page.data.message);
    assert.equal(d.server.state.sent.length, 0, 'not before its time');
    return d.host.until(function () { return d.server.state.sent.length > 0; }, 'the reminder at the fake WeChat', 15000);
  }).then(function () {
    var late = d.server.state.sentAt[0] - asked - d.server.remindSecs * 1000;
    engine.print('demo: "remind me in ' + d.server.remindSecs + ' s" reached the fake WeChat ' + late + ' ms after its time');
    assert.equal(d.server.state.sent.length, 1);
    assert.equal(d.server.state.sent[0].touser, 'oServerDemoUser');
    assert.deepEqual(d.server.state.sent[0].data.thing4, { value: 'wx-subscribe 演示' });
    assert.ok(late >= -50 && late < 3000, 'on time: ' + late + ' ms');
    return d.host.settle(300);
  }).then(function () {
    assert.equal(d.server.state.sent.length, 1, 'once');
  }).then(function () { d.server.stop(); }, function (e) { d.server.stop(); throw e; });
});

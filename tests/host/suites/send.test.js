// The send module on the emulated host: loading, checks, payloads, send errors.

// Seed 001's template and data.
var SEED_001 = {
  priTmplId: 'TPL001',
  content: '下单时间:{{date2.DATA}}\n商品名称:{{thing4.DATA}}\n订单号:{{character_string9.DATA}}',
};
var OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

// A host whose app copied the opt-in send module in, as an app with a send page does.
function sendReady(config) {
  config = config || {};
  config.sendModule = true;
  var host = createHost(config);
  var wxs = host.require('wx-subscribe');
  return wxs.initSend().then(function () { return { host: host, wxs: wxs }; });
}

test('initSend loads the send module (.wasm.br first); its exports wait for it', function () {
  var host = createHost({ sendModule: true });
  var wxs = host.require('wx-subscribe');
  var e = assert.throws(function () { wxs.checkData(SEED_001, {}); });
  assert.equal(e.kind, 'not-ready');
  assert.ok(/initSend\(\)/.test(e.message), e.message);
  return wxs.initSend().then(function () {
    var paths = host.log.map(function (x) { return x.path; });
    var br = '/miniprogram_npm/wx-subscribe/wx_subscribe_send_bg.wasm.br';
    assert.deepEqual(paths, [br, br], 'the module and its spare');
    assert.ok(wxs.isSendReady());
    assert.ok(!wxs.isReady(), 'the page module is separate');
  });
});

test('the send module\'s glue is not even loaded until initSend()', function () {
  var host = createHost({ sendModule: true });
  var wxs = host.require('wx-subscribe');
  var sendGlue = '/miniprogram_npm/wx-subscribe/wx_subscribe_send_glue.js';
  return wxs.init().then(function () {
    assert.ok(host.loadedModules().indexOf(sendGlue) < 0, 'not at launch');
    return wxs.initSend();
  }).then(function () {
    assert.ok(host.loadedModules().indexOf(sendGlue) >= 0);
  });
});

test('seed 001 data passes, and the template reads with its labels', function () {
  return sendReady().then(function (r) {
    var t = r.wxs.describeTemplate(SEED_001);
    assert.deepEqual(t.keywords.map(function (k) { return [k.key, k.type, k.label]; }), [
      ['date2', 'date', '下单时间'], ['thing4', 'thing', '商品名称'], ['character_string9', 'character_string', '订单号'],
    ]);
    var c = r.wxs.checkData(SEED_001, { date2: { value: '2015年01月05日' }, thing4: { value: '阿里巴巴' }, character_string9: { value: '123456789' } });
    assert.ok(c.ok);
    assert.deepEqual(c.data.thing4, { value: '阿里巴巴' });
  });
});

test('violations in Chinese text name the key, the length and a fix', function () {
  return sendReady().then(function (r) {
    var c = r.wxs.checkData(SEED_001, { date2: '2020-03-05 03:12:Th', thing4: '这是一个非常非常长的商品名称超过了二十个字', character_string9: '' });
    assert.equal(c.ok, false);
    var byKey = {};
    c.violations.forEach(function (v) { byKey[v.key] = v; });
    assert.equal(byKey.date2.code, 'bad-format');
    assert.equal(byKey.thing4.length, 21);
    assert.equal(byKey.thing4.limit, 20);
    assert.ok(byKey.thing4.fix.indexOf('这是一个非常非常长的商品名称超过了二十…') >= 0, byKey.thing4.fix);
    assert.equal(byKey.character_string9.code, 'empty');
  });
});

test('normalise shortens a thing and formats a timestamp in the given offset', function () {
  return sendReady().then(function (r) {
    var c = r.wxs.checkData(SEED_001, { date2: 1700000000000, thing4: ' 这是一个非常非常长的商品名称超过了二十个字 ', character_string9: 'A1' },
      { normalise: true, utcOffsetMinutes: 480 });
    assert.ok(c.ok, JSON.stringify(c.violations));
    assert.equal(c.data.date2.value, '2023-11-15');
    assert.equal(c.data.thing4.value, '这是一个非常非常长的商品名称超过了二十…');
    assert.equal(c.changes.length, 2);
  });
});

test('buildPayload gives the cloud body, and refuses bad values naming each', function () {
  return sendReady().then(function (r) {
    var request = { touser: OPENID, page: 'pages/order/detail?id=9', data: { date2: '2015-01-05', thing4: '阿里巴巴', character_string9: '123456789' } };
    var built = r.wxs.buildPayload(SEED_001, request, { via: 'cloud' });
    assert.equal(built.payload.templateId, 'TPL001');
    assert.equal(built.payload.touser, OPENID);
    assert.deepEqual(built.payload.data.thing4, { value: '阿里巴巴' });
    var https = r.wxs.buildPayload(SEED_001, request).payload;
    assert.equal(https.template_id, 'TPL001');
    request.data.thing4 = '';
    var e = assert.throws(function () { r.wxs.buildPayload(SEED_001, request); });
    assert.equal(e.code, 'data-invalid');
    assert.ok(/data\.thing4 is empty/.test(e.message), e.message);
  });
});

test('interpretSend: ok with msgid, and each send error as a WxSubscribeError', function () {
  return sendReady().then(function (r) {
    assert.deepEqual(r.wxs.interpretSend({ errcode: 0, errmsg: 'ok', msgid: 123456 }), { msgid: '123456' });
    var e = assert.throws(function () { r.wxs.interpretSend({ errCode: 43101, errMsg: 'user refuse to accept the msg' }); });
    assert.ok(e instanceof r.wxs.WxSubscribeError);
    assert.equal(e.kind, 'quota');
    e = assert.throws(function () { r.wxs.interpretSend({ errcode: 47003, errmsg: 'argument invalid! data.thing7.value invalid' }); });
    assert.equal(e.field, 'data.thing7.value');
    e = assert.throws(function () { r.wxs.interpretSend({ errcode: 42001, errmsg: 'access_token expired' }); });
    assert.equal(e.kind, 'token');
    assert.ok(e.retryable);
  });
});

test('an app that did not copy the opt-in send module in gets a setup error that says how', function () {
  var host = createHost({});
  var wxs = host.require('wx-subscribe');
  return assert.rejects(wxs.initSend()).then(function (e) {
    assert.equal(e.code, 'send-module-not-shipped');
    assert.equal(e.kind, 'setup');
    assert.ok(/wx-subscribe\/wasm\/wx_subscribe_send_bg\.wasm\.br/.test(e.advice), e.advice);
    return wxs.init();
  }).then(function () {
    assert.ok(wxs.isReady(), 'the page module does not need it');
  });
});

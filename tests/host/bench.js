// Figures, not tests: how long loading and the main calls take on the
// emulated host, per engine. Printed by .ci/test; nothing here can fail on time.

var SEVEN = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7'].map(function (id, i) {
  return { id: id, title: '通知标题' + i, kind: 'one-time' };
});
var SETTING = { mainSwitch: true, itemSettings: { T1: 'accept', T2: 'reject', SYS_MSG_TYPE_INTERACTIVE: 'accept' } };
var TEMPLATE = { priTmplId: 'TPL', content: '下单时间:{{date2.DATA}}\n商品名称:{{thing4.DATA}}\n订单号:{{character_string9.DATA}}' };
var DATA = { date2: '2015年01月05日', thing4: '这是一个非常非常长的商品名称超过了二十个字', character_string9: '123456789' };

// Microseconds per call of fn, over enough calls to take about 200 ms.
function perCall(fn) {
  var calls = 0;
  var start = Date.now();
  while (Date.now() - start < 200) {
    for (var i = 0; i < 50; i++) fn();
    calls += 50;
  }
  return Math.round((Date.now() - start) * 1000 / calls);
}

function main() {
  var host = createHost({});
  var wxs = host.require('wx-subscribe');
  var started = Date.now();
  var loaded;
  wxs.init().then(function () {
    loaded = Date.now() - started;
    started = Date.now();
    return wxs.initSend();
  }).then(function () {
    var loadedSend = Date.now() - started;
    var figures = [
      ['init() (page module)', loaded + ' ms'],
      ['initSend() (send module)', loadedSend + ' ms'],
      ['plan(), 7 templates', perCall(function () { wxs.plan(SEVEN, SETTING); }) + ' µs'],
      ['interpretResult(), 3 ids', perCall(function () { wxs.interpretResult(['T1', 'T2', 'T3'], { errMsg: 'requestSubscribeMessage:ok', T1: 'accept', T2: 'reject', T3: 'acceptWithAlert' }); }) + ' µs'],
      ['checkData(), 3 keywords', perCall(function () { wxs.checkData(TEMPLATE, DATA); }) + ' µs'],
    ];
    engine.print('figures on ' + engine.name + ': ' + figures.map(function (f) { return f[0] + ' ' + f[1]; }).join(', '));
    engine.finish(0);
  }, function (error) {
    engine.print('bench failed: ' + (error && error.message || error));
    engine.finish(1);
  });
}

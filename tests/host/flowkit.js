// Helpers the flow suites share (loaded beside the emulator, before the suites).

var SEVEN = [
  { id: 'T1', title: '订单发货提醒' }, { id: 'T2', title: '退款成功通知' }, { id: 'T3', title: '登录提醒' },
  { id: 'T4', title: '作业提交提醒' }, { id: 'T5', title: '课程开始提醒' }, { id: 'T6', title: '签到提醒' },
  { id: 'T7', title: '活动开始提醒' },
];

function known(list) {
  var templates = {};
  list.forEach(function (t) { templates[t.id] = { title: t.title, kind: t.kind || 'one-time' }; });
  return templates;
}

function ready(config) {
  config.templates = config.templates || known(SEVEN);
  var host = createHost(config);
  var wxs = host.require('wx-subscribe');
  return wxs.init().then(function () { return { host: host, wxs: wxs }; });
}

// A user tap whose handler (wrapped with wxs.tap) calls subs[method]().
function tapped(r, subs, method) {
  var result;
  r.host.tap(r.wxs.tap(function () { result = subs[method || 'request'](); }));
  return result;
}

function calls(host, api) {
  return host.log.filter(function (e) { return e.api === api; });
}

function wait(ms) {
  return new Promise(function (resolve) { engine.setTimeout(resolve, ms); });
}

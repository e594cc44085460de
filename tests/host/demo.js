// The demo flow: miniprogram-demo opened in the emulated host (iPhone rules),
// taps dispatched to the bindtap handlers its WXML names, and what the user
// sees printed after each tap. Run by .ci/demo under JavaScriptCore.

var DEMO = 'miniprogram-demo/miniprogram';
var PAGE = '/pages/subscribe/subscribe';
var SEND_PAGE = '/pages/send/send';
var problems = [];

function expect(ok, what) {
  if (!ok) problems.push(what);
}

function pad(text, width) {
  var shown = 0;
  for (var i = 0; i < text.length; i++) shown += text.charCodeAt(i) > 0x2e80 ? 2 : 1;
  return text + new Array(Math.max(1, width - shown + 1)).join(' ');
}

function screen(page) {
  var d = page.data;
  var lines = [];
  d.templates.forEach(function (t) {
    lines.push('  │ ' + pad(t.title, 14) + pad(t.label, 26) + '可发送 ' + t.sends + ' 次');
  });
  if (d.message) lines.push('  │ ' + d.message);
  d.advice.forEach(function (a) { lines.push('  │ ' + a); });
  lines.push('  │ [ ' + d.buttonText + ' ]' + (d.showSettings ? '   [ 去设置页打开 ]' : ''));
  engine.print(lines.join('\n'));
}

function titlesOf(host, ids) {
  var templates = host.config.templates;
  return ids.map(function (id) { return templates[id].title; }).join('、');
}

// Checks that the page's WXML binds `handler` to `event`, as the user's action needs.
function bound(path, event, handler) {
  var wxml = engine.readText(DEMO + path + '.wxml');
  expect(wxml.indexOf(event + '="' + handler + '"') >= 0, path + '.wxml has no ' + event + '="' + handler + '"');
}

function fieldLine(k) {
  var status = k.problem ? '✗ ' + k.problem : k.value ? '✓' : '';
  var line = '  │ ' + pad(k.label, 10) + pad(k.value || '（' + k.hint + '）', 44) + status;
  return k.fix ? line + '\n  │ ' + pad('', 10) + '建议' + k.fix : line;
}

function sendScreen(page) {
  var d = page.data;
  var lines = ['  │ 模板：' + d.titles[d.index]];
  d.keywords.forEach(function (k) { lines.push(fieldLine(k)); });
  if (d.message) lines.push('  │ ' + d.message);
  lines.push('  │ [ 发送给自己 ]' + (d.canSend ? '' : '（先改正上面的内容）'));
  engine.print(lines.join('\n'));
}

// Types into the input of keyword `key`, as the user would, and shows that field.
function type(page, key, value) {
  bound(SEND_PAGE, 'bindinput', 'onInput');
  page.onInput({ type: 'input', detail: { value: value }, currentTarget: { dataset: { key: key } } });
  var field = page.data.keywords.filter(function (k) { return k.key === key; })[0];
  engine.print('  ▶ 在「' + field.label + '」输入 ' + value + '\n' + fieldLine(field));
}

// Taps the element whose bindtap names `handler`, as the user would.
function tap(host, page, handler, label) {
  bound(PAGE, 'bindtap', handler);
  var before = host.log.length;
  var popups = host.popups;
  host.tapOn(page, handler);
  return host.settle(40).then(function () {
    var asked = host.log.slice(before).filter(function (e) { return /requestSubscribe/.test(e.api); })[0];
    var popup = host.popups > popups;
    engine.print('  ▶ 点击「' + label + '」' + (asked ? (popup ? '：弹窗询问 ' : '：无弹窗，静默续订 ') + titlesOf(host, asked.ids) : ''));
    screen(page);
  });
}

function scene(title) {
  engine.print('\n' + title);
}

function open(config) {
  var host = createHost(config);
  host.launch('/app.js');
  return host.settle(40).then(function () {
    var page = host.openPage(PAGE);
    return host.settle(40).then(function () { return { host: host, page: page }; });
  });
}

function knownTemplates() {
  var list = createHost({ root: DEMO, mounts: {} }).require('/data/templates.js');
  var templates = {};
  list.forEach(function (t) { templates[t.id] = { title: t.title, kind: t.kind }; });
  return templates;
}

function main() {
  var templates = knownTemplates();
  var user = { keep: true, answer: function (id, t) { return t.title === '登录提醒' ? 'reject' : 'accept'; } };
  engine.print('wx-subscribe demo: ' + DEMO + ' on the emulated host, iPhone rules, ' + engine.name);
  var first;
  scene('1. 第一次打开（7 个通知，每次点击订阅一批；用户勾选“总是保持以上选择”，拒绝“登录提醒”）');
  open({ root: DEMO, mounts: {}, platform: 'ios', templates: templates, user: user }).then(function (r) {
    first = r;
    screen(r.page);
    return tap(r.host, r.page, 'onSubscribe', r.page.data.buttonText);
  }).then(function () {
    return tap(first.host, first.page, 'onSubscribe', first.page.data.buttonText);
  }).then(function () {
    return tap(first.host, first.page, 'onSubscribe', first.page.data.buttonText);
  }).then(function () {
    expect(first.host.popups === 3, 'three popups on the first visit');
    expect(first.page.data.left === 0, 'nothing left after three taps');
    scene('2. 第二天再打开：保持订阅的通知无需弹窗，点一次续订一批，每次多一条可发送');
    first.host.openPage(PAGE);
    return first.host.settle(40);
  }).then(function () {
    var pages = first.host.pages();
    first.page = pages[pages.length - 1];
    screen(first.page);
    return tap(first.host, first.page, 'onSubscribe', first.page.data.buttonText);
  }).then(function () {
    return tap(first.host, first.page, 'onSubscribe', first.page.data.buttonText);
  }).then(function () {
    expect(first.host.popups === 3, 'no popup for kept accepts');
    var order = first.page.data.templates[0];
    expect(order.sends === 2, 'the order template has two sends in hand, has ' + order.sends);
    scene('3. 关闭了订阅消息总开关的用户：先去设置页打开，再订阅');
    var settingsUser = { onSettings: function (setting) { setting.mainSwitch = true; } };
    return open({ root: DEMO, mounts: {}, platform: 'ios', templates: templates, mainSwitch: false, user: settingsUser });
  }).then(function (r) {
    screen(r.page);
    expect(r.page.data.showSettings, 'the settings button shows when the main switch is off');
    return tap(r.host, r.page, 'onOpenSettings', '去设置页打开').then(function () {
      expect(r.page.data.left === 7, 'seven to subscribe after turning the switch on');
      return tap(r.host, r.page, 'onSubscribe', r.page.data.buttonText);
    });
  }).then(function () {
    scene('4. 发送页：逐项填写，每一项按微信的规则即时检查（未配置云开发环境）');
    return open({ root: DEMO, mounts: {}, platform: 'ios', templates: templates });
  }).then(function (r) {
    var page = r.host.openPage(SEND_PAGE);
    return r.host.settle(40).then(function () {
      sendScreen(page);
      type(page, 'date2', '2020-03-05 03:12:Th');
      type(page, 'thing4', '这是一个非常非常长的商品名称超过了二十个字');
      type(page, 'character_string9', '123456789');
      expect(!page.data.canSend, 'sending is off while values break the rules');
      type(page, 'date2', '2015年01月05日');
      type(page, 'thing4', '阿里巴巴');
      expect(page.data.canSend, 'sending is on once every value keeps its rule');
      bound(SEND_PAGE, 'bindtap', 'onSend');
      r.host.tapOn(page, 'onSend');
      engine.print('  ▶ 点击「发送给自己」');
      return r.host.settle(10).then(function () {
        sendScreen(page);
        expect(/云开发/.test(page.data.message), 'without a backend the page says sending needs one');
      });
    });
  }).then(function () {
    engine.print('');
    engine.print(problems.length === 0 ? 'demo: every screen as expected' : 'demo problems:\n  ' + problems.join('\n  '));
    engine.finish(problems.length);
  }, function (error) {
    engine.print('demo failed: ' + (error && error.stack || error));
    engine.finish(1);
  });
}

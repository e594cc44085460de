// The README's mini-program example, run as it is written.

// The README's js blocks whose first line names a file ('// app.js'), by path.
function readmeFiles() {
  var text = engine.readText('README.md');
  var files = {};
  var block = /```js\n\/\/ ([^\n]+)\n([\s\S]*?)```/g;
  var m;
  while ((m = block.exec(text)) !== null) files['/' + m[1].trim()] = '// ' + m[1] + '\n' + m[2];
  return files;
}

// The templates a page source lists as { id: '...', title: '...' }, as WeChat knows them.
function templatesIn(source) {
  var templates = {};
  var record = /\{ id: '([^']+)', title: '([^']+)' \}/g;
  var m;
  while ((m = record.exec(source)) !== null) templates[m[1]] = { title: m[2], kind: 'one-time' };
  return templates;
}

test('the README page subscribes 7 templates over 3 taps in iOS mode, with the quota right', function () {
  var files = readmeFiles();
  assert.deepEqual(Object.keys(files), ['/app.js', '/pages/subscribe/subscribe.js']);
  var templates = templatesIn(files['/pages/subscribe/subscribe.js']);
  assert.equal(Object.keys(templates).length, 7);
  var host = createHost({ platform: 'ios', sources: files, templates: templates });
  host.launch('/app.js');
  var page;
  var seen = [];
  function tapSubscribe() {
    host.tapOn(page, 'onSubscribe');
    return host.settle(30).then(function () { seen.push([page.data.left, page.data.message]); });
  }
  return host.settle(30).then(function () {
    page = host.openPage('/pages/subscribe/subscribe');
    return host.settle(30);
  }).then(function () {
    assert.equal(page.data.left, 7);
    return tapSubscribe().then(tapSubscribe).then(tapSubscribe);
  }).then(function () {
    assert.deepEqual(seen, [[4, '已订阅 3 个'], [1, '已订阅 3 个'], [0, '已订阅 1 个']]);
    Object.keys(templates).forEach(function (id) { assert.equal(host.quota[id], 1, id); });
    assert.equal(host.popups, 3);
  });
});

test('the README page shows the settings advice when the main switch is off', function () {
  var files = readmeFiles();
  var host = createHost({ mainSwitch: false, sources: files, templates: templatesIn(files['/pages/subscribe/subscribe.js']) });
  host.launch('/app.js');
  var page;
  return host.settle(30).then(function () {
    page = host.openPage('/pages/subscribe/subscribe');
    return host.settle(30);
  }).then(function () {
    assert.equal(page.data.left, 0);
    assert.ok(/设置页/.test(page.data.message), page.data.message);
  });
});

test('the README page on a client without WXWebAssembly says so, turns its button off, and leaves no rejection unhandled', function () {
  var files = readmeFiles();
  var before = engine.unhandled ? engine.unhandled() : 0;
  var host = createHost({ noWXWebAssembly: true, baseLibrary: '2.12.0', sources: files, templates: templatesIn(files['/pages/subscribe/subscribe.js']) });
  var app = host.launch('/app.js');
  var page;
  return host.settle(30).then(function () {
    page = host.openPage('/pages/subscribe/subscribe');
    return host.settle(30);
  }).then(function () {
    assert.equal(app.globalData.subscribeError, '当前微信版本过低，请升级微信后再订阅。');
    assert.equal(page.data.message, '当前微信版本过低，请升级微信后再订阅。');
    assert.equal(page.data.canSubscribe, false);
    host.tapOn(page, 'onSubscribe');
    return host.settle(30);
  }).then(function () {
    assert.equal(page.data.message, '当前微信版本过低，请升级微信后再订阅。', 'a tap says the same');
    if (engine.unhandled) assert.equal(engine.unhandled() - before, 0, 'unhandled rejections');
  });
});

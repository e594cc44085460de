// The READMEs' mini-program example (English and Chinese, each with its own
// comments), run as it is written.

// The js blocks of a README whose first line names a file ('// app.js'), by path.
function readmeFiles(readme) {
  var text = engine.readText(readme);
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

// The README's app launched on the emulated host, and its page open: { host, app, page, templates }.
function opened(readme, config) {
  var files = readmeFiles(readme);
  assert.deepEqual(Object.keys(files), ['/app.js', '/pages/subscribe/subscribe.js']);
  config.sources = files;
  config.templates = templatesIn(files['/pages/subscribe/subscribe.js']);
  var host = createHost(config);
  var app = host.launch('/app.js');
  var wxs = host.require('wx-subscribe');
  // Instantiating the module takes longer on a loaded machine: wait for it, not for a fixed time.
  return until(host, function () { return wxs.isReady() || app.globalData.subscribeError !== ''; }, 200).then(function () {
    var page = host.openPage('/pages/subscribe/subscribe');
    return until(host, function () { return page.data.left > 0 || page.data.message !== ''; }, 200)
      .then(function () { return { host: host, app: app, page: page, templates: config.templates }; });
  });
}

// Settles until done() holds, at most `tries` times.
function until(host, done, tries) {
  return host.settle(10).then(function () {
    if (done() || tries === 0) return undefined;
    return until(host, done, tries - 1);
  });
}

// Taps the page's subscribe button; resolves to [left, message] once the count
// left has moved (a loaded machine answers later), or after `tries` short waits.
function tapSubscribe(r, tries) {
  var before = r.page.data.left;
  r.host.tapOn(r.page, 'onSubscribe');
  return until(r.host, function () { return r.page.data.left !== before; }, tries === undefined ? 200 : tries)
    .then(function () { return r.host.settle(10); })
    .then(function () { return [r.page.data.left, r.page.data.message]; });
}

['README.md', 'README.zh-CN.md'].forEach(function (readme) {
  test(readme + ': the page subscribes 7 templates over 3 taps in iOS mode, with the quota right', function () {
    var seen = [];
    return opened(readme, { platform: 'ios' }).then(function (r) {
      assert.equal(Object.keys(r.templates).length, 7);
      assert.equal(r.page.data.left, 7);
      var tap = function () { return tapSubscribe(r).then(function (s) { seen.push(s); }); };
      return tap().then(tap).then(tap).then(function () {
        assert.deepEqual(seen, [[4, '已订阅 3 个'], [1, '已订阅 3 个'], [0, '已订阅 1 个']]);
        Object.keys(r.templates).forEach(function (id) { assert.equal(r.host.quota[id], 1, id); });
        assert.equal(r.host.popups, 3);
      });
    });
  });

  test(readme + ': the page shows the settings advice when the main switch is off', function () {
    return opened(readme, { mainSwitch: false }).then(function (r) {
      assert.equal(r.page.data.left, 0);
      assert.ok(/设置页/.test(r.page.data.message), r.page.data.message);
    });
  });

  test(readme + ': on a client without WXWebAssembly the page says so, turns its button off, and leaves no rejection unhandled', function () {
    var before = engine.unhandled ? engine.unhandled() : 0;
    var old = '当前微信版本过低，请升级微信后再订阅。';
    return opened(readme, { noWXWebAssembly: true, baseLibrary: '2.12.0' }).then(function (r) {
      assert.equal(r.app.globalData.subscribeError, old);
      assert.equal(r.page.data.message, old);
      assert.equal(r.page.data.canSubscribe, false);
      return tapSubscribe(r, 3);
    }).then(function (after) {
      assert.equal(after[1], old, 'a tap says the same');
      if (engine.unhandled) assert.equal(engine.unhandled() - before, 0, 'unhandled rejections');
    });
  });
});

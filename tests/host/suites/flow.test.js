// The tap-safe flow on the emulated host, in iOS mode unless a test says otherwise.

test('first visit: 7 templates are subscribed over 3 taps, one send each', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function (plan) {
      assert.equal(plan.batches.length, 3);
      return tapped(r, subs);
    }).then(function (first) {
      assert.deepEqual(first.batch.ids, ['T1', 'T2', 'T3']);
      assert.equal(first.outcome.counts.accepted, 3);
      assert.equal(first.left, 4, 'N more to subscribe');
      return tapped(r, subs);
    }).then(function (second) {
      assert.equal(second.left, 1);
      return tapped(r, subs);
    }).then(function (third) {
      assert.equal(third.left, 0);
      assert.equal(third.plan.counts.accepted, 7);
      return tapped(r, subs);
    }).then(function (fourth) {
      assert.equal(fourth.asked, false, 'nothing left to ask');
      assert.equal(calls(r.host, 'wx.requestSubscribeMessage').length, 3);
      assert.equal(r.host.popups, 3);
      SEVEN.forEach(function (t) { assert.equal(r.host.quota[t.id], 1, t.id); });
      assert.deepEqual(subs.pendingAccepts(), { T1: 1, T2: 1, T3: 1, T4: 1, T5: 1, T6: 1, T7: 1 });
    });
  });
});

test('a returning user with kept accepts tops up silently, and the quota grows', function () {
  var kept = {};
  SEVEN.forEach(function (t) { kept[t.id] = 'accept'; });
  return ready({ itemSettings: kept }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function (plan) {
      assert.equal(plan.counts.topUp, 7);
      assert.ok(plan.batches.every(function (b) { return !b.popup; }), 'no popup batch');
      assert.equal(plan.advice[0].code, 'renew-silently');
      return tapped(r, subs);
    }).then(function (first) {
      assert.equal(first.batch.popup, false);
      return tapped(r, subs);
    }).then(function () {
      return tapped(r, subs);
    }).then(function (third) {
      assert.equal(third.left, 0);
      assert.equal(r.host.popups, 0, 'the user saw no popup');
      assert.equal(r.host.quota.T7, 1);
      // Next visit: a new round tops up again.
      var again = r.wxs.subscriber({ templates: SEVEN });
      return again.refresh().then(function () { return tapped(r, again); });
    }).then(function () {
      assert.equal(r.host.quota.T1, 2, 'each silent request adds one send');
    });
  });
});

test('kept rejects go through the settings page, then can be topped up', function () {
  var user = { onSettings: function (setting) { setting.itemSettings.T1 = 'accept'; } };
  return ready({ itemSettings: { T1: 'reject' }, user: user }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN.slice(0, 2) });
    return subs.refresh().then(function (plan) {
      assert.equal(plan.templates[0].state, 'kept-rejected');
      assert.equal(plan.advice[0].code, 'open-settings');
      assert.deepEqual(plan.batches[0].ids, ['T2']);
      return tapped(r, subs, 'openSettings');
    }).then(function (plan) {
      assert.equal(plan.templates[0].state, 'top-up');
      assert.equal(calls(r.host, 'wx.openSetting').length, 1);
    });
  });
});

test('main switch off: nothing is asked; the settings page turns it back on', function () {
  var user = { onSettings: function (setting) { setting.mainSwitch = true; } };
  return ready({ mainSwitch: false, user: user }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function (plan) {
      assert.equal(plan.counts.switchedOff, 7);
      return tapped(r, subs);
    }).then(function (result) {
      assert.equal(result.asked, false);
      assert.equal(result.plan.advice[0].code, 'open-settings');
      assert.equal(calls(r.host, 'wx.requestSubscribeMessage').length, 0);
      return tapped(r, subs, 'openSettings');
    }).then(function (plan) {
      assert.equal(plan.counts.ask, 7);
    });
  });
});

test('an await before the request fails loudly in iOS mode and calls no WeChat API', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function () {
      var result;
      r.host.tap(r.wxs.tap(function () {
        result = Promise.resolve().then(function () { return subs.request(); });
      }));
      return assert.rejects(result);
    }).then(function (e) {
      assert.equal(e.kind, 'gesture');
      assert.equal(e.code, 'not-in-tap');
      assert.ok(/await/.test(e.advice), e.advice);
      assert.equal(calls(r.host, 'wx.requestSubscribeMessage').length, 0);
    });
  });
});

test('the emulator itself loses the tap across a Promise job in iOS mode but not in Android mode', function () {
  function direct(platform) {
    var host = createHost({ platform: platform, templates: known(SEVEN) });
    return new Promise(function (resolve) {
      host.tap(function () {
        Promise.resolve().then(function () {
          host.wx.requestSubscribeMessage({ tmplIds: ['T1'], success: resolve, fail: resolve });
        });
      });
    });
  }
  return direct('ios').then(function (ios) {
    assert.equal(ios.errMsg, 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.');
    assert.equal(ios.errCode, undefined, 'no errCode, as on phones');
    return direct('android');
  }).then(function (android) {
    assert.equal(android.errMsg, 'requestSubscribeMessage:ok');
  });
});

test('the emulator passes the tap on through a wx.getSetting callback, and loses it across setTimeout', function () {
  var host = createHost({ templates: known(SEVEN) });
  var viaSetting = new Promise(function (resolve) {
    host.tap(function () {
      host.wx.getSetting({ withSubscriptions: true, success: function () {
        host.wx.requestSubscribeMessage({ tmplIds: ['T1'], success: resolve, fail: resolve });
      } });
    });
  });
  return viaSetting.then(function (res) {
    assert.equal(res.T1, 'accept');
    return new Promise(function (resolve) {
      host.tap(function () {
        engine.setTimeout(function () {
          host.wx.requestSubscribeMessage({ tmplIds: ['T2'], success: resolve, fail: resolve });
        }, 0);
      });
    });
  }).then(function (res) {
    assert.ok(/TAP gesture/.test(res.errMsg), res.errMsg);
  });
});

test('before the first plan, request() reads the setting from the tap and still asks', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return tapped(r, subs).then(function (first) {
      assert.deepEqual(first.batch.ids, ['T1', 'T2', 'T3']);
      assert.deepEqual(r.host.log.slice(-2).map(function (e) { return e.api; }), ['wx.getSetting', 'wx.requestSubscribeMessage']);
    });
  });
});

test('outside a tap, request() refuses without calling WeChat', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function () {
      return assert.rejects(subs.request());
    }).then(function (e) {
      assert.equal(e.code, 'not-in-tap');
      assert.equal(calls(r.host, 'wx.requestSubscribeMessage').length, 0);
    });
  });
});

test('one tap asks for one batch only', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function () {
      var first;
      var second;
      r.host.tap(r.wxs.tap(function () { first = subs.request(); second = subs.request(); }));
      return Promise.all([first, assert.rejects(second)]);
    }).then(function (both) {
      assert.equal(both[1].code, 'tap-already-used');
      assert.equal(calls(r.host, 'wx.requestSubscribeMessage').length, 1);
    });
  });
});

test('a second tap while a request is open is refused as busy', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function () {
      var first = tapped(r, subs);
      var second = tapped(r, subs);
      return Promise.all([first, assert.rejects(second)]);
    }).then(function (both) {
      assert.equal(both[1].kind, 'busy');
      assert.equal(calls(r.host, 'wx.requestSubscribeMessage').length, 1);
    });
  });
});

test('a 20003 goes straight to the 3 ids WeChat documents, and the next visit remembers it', function () {
  return ready({ maxIdsPerRequest: 3 }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN, idsPerRequest: 5 });
    return subs.refresh().then(function (plan) {
      assert.equal(plan.batches[0].ids.length, 5);
      return assert.rejects(tapped(r, subs));
    }).then(function (e) {
      assert.equal(e.code, 'too-many-ids');
      assert.equal(e.errCode, 20003);
      assert.ok(e.retryable);
      assert.equal(subs.plan().idsPerRequest, 3, 'straight to 3, not 4');
      return tapped(r, subs);
    }).then(function (ok) {
      assert.equal(ok.outcome.counts.accepted, 3, 'one failed tap only');
      var next = r.wxs.subscriber({ templates: SEVEN, idsPerRequest: 5 });
      return next.refresh();
    }).then(function (plan) {
      assert.equal(plan.idsPerRequest, 3, 'the next visit asks with 3 from the start');
      assert.equal(calls(r.host, 'wx.requestSubscribeMessage').filter(function (c) { return c.ids.length > 3; }).length, 1);
    });
  });
});

test('a 20003 on 3 ids or fewer drops to the one id old clients take', function () {
  // A client that takes one id whose versions did not tell (an old client's shell).
  return ready({ maxIdsPerRequest: 1 }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function () {
      return assert.rejects(tapped(r, subs));
    }).then(function (e) {
      assert.equal(e.code, 'too-many-ids');
      assert.equal(subs.plan().idsPerRequest, 1);
      return tapped(r, subs);
    }).then(function (ok) {
      assert.equal(ok.outcome.counts.accepted, 1);
    });
  });
});

test('templates with the same title are asked in separate batches, so none is filtered', function () {
  var list = [{ id: 'A', title: '发货通知' }, { id: 'B', title: '发货通知' }, { id: 'C', title: '退款通知' }];
  return ready({ templates: known(list) }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: list });
    return subs.refresh().then(function () { return tapped(r, subs); }).then(function (first) {
      assert.deepEqual(first.batch.ids, ['A', 'C']);
      assert.equal(first.outcome.counts.filtered, 0);
      return tapped(r, subs);
    }).then(function (second) {
      assert.deepEqual(second.batch.ids, ['B']);
      assert.equal(r.host.quota.B, 1);
    });
  });
});

test('the emulator filters same-title templates asked together', function () {
  var list = [{ id: 'A', title: '发货通知' }, { id: 'B', title: '发货通知' }];
  var host = createHost({ templates: known(list) });
  return new Promise(function (resolve) {
    host.tap(function () { host.wx.requestSubscribeMessage({ tmplIds: ['A', 'B'], success: resolve, fail: resolve }); });
  }).then(function (res) {
    assert.equal(res.A, 'accept');
    assert.equal(res.B, 'filter');
  });
});

test('rejected and cancelled answers: rejected ones are not asked again this round', function () {
  var user = { answer: function (id) { return id === 'T2' ? 'reject' : 'accept'; } };
  return ready({ user: user }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN.slice(0, 3) });
    return subs.refresh().then(function () { return tapped(r, subs); }).then(function (result) {
      assert.equal(result.outcome.counts.rejected, 1);
      assert.equal(result.plan.templates[1].state, 'rejected');
      assert.equal(result.left, 0);
      r.host.config.user = { cancel: true };
      var again = r.wxs.subscriber({ templates: SEVEN.slice(0, 3) });
      return again.refresh().then(function () { return assert.rejects(tapped(r, again)); });
    }).then(function (e) {
      assert.equal(e.kind, 'cancelled');
    });
  });
});

test('network failures and the app going to the background are retryable errors', function () {
  return ready({ network: 'list' }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function () { return assert.rejects(tapped(r, subs)); }).then(function (e) {
      assert.equal(e.kind, 'network');
      assert.equal(e.errCode, 10002);
      assert.ok(e.retryable);
      assert.equal(subs.plan().counts.ask, 7, 'still to ask');
      r.host.config.network = 'subscribe';
      return assert.rejects(tapped(r, subs));
    }).then(function (e) {
      assert.equal(e.errCode, 10003);
      r.host.config.network = undefined;
      r.host.config.background = true;
      return assert.rejects(tapped(r, subs));
    }).then(function (e) {
      assert.equal(e.kind, 'background');
      assert.equal(e.errCode, 10005);
    });
  });
});

test('the emulator answers "last call has not ended" to a second request while one is open', function () {
  var host = createHost({ templates: known(SEVEN) });
  var answers = [];
  function ask(ids) {
    return new Promise(function (resolve) {
      host.tap(function () { host.wx.requestSubscribeMessage({ tmplIds: ids, success: resolve, fail: resolve }); });
    }).then(function (res) { answers.push(res.errMsg); });
  }
  return Promise.all([ask(['T1']), ask(['T2'])]).then(function () {
    assert.deepEqual(answers.sort(), ['requestSubscribeMessage:fail last call has not ended', 'requestSubscribeMessage:ok']);
  });
});

test('the emulator produces every request error code of docs/wechat.md section 2', function () {
  var list = [{ id: 'A' }, { id: 'L', kind: 'long-term' }, { id: 'D', kind: 'device' }];
  function ask(config, ids) {
    config.templates = known(list);
    var host = createHost(config);
    return new Promise(function (resolve) {
      host.tap(function () { host.wx.requestSubscribeMessage({ tmplIds: ids, success: resolve, fail: resolve }); });
    }).then(function (res) { return res.errCode; });
  }
  return Promise.all([
    ask({}, []), ask({ network: 'list' }, ['A']), ask({ network: 'subscribe' }, ['A']), ask({}, [5]),
    ask({ background: true }, ['A']), ask({}, ['nope']), ask({}, ['A', 'L']), ask({ maxIdsPerRequest: 1 }, ['A', 'L']),
    ask({ mainSwitch: false }, ['A']), ask({ appBanned: true }, ['A']), ask({}, ['D']),
  ]).then(function (codes) {
    assert.deepEqual(codes, [10001, 10002, 10003, 10004, 10005, 20001, 20002, 20003, 20004, 20005, 20013]);
  });
});

test('old clients ask one id per tap (versions read through wx.getSystemInfoSync)', function () {
  return ready({ baseLibrary: '2.8.3', plainWasm: true }).then(function (r) {
    assert.equal(typeof r.host.wx.getAppBaseInfo, 'undefined', 'no getAppBaseInfo before 2.20.1');
    assert.equal(r.wxs.clientInfo().baseLibrary, '2.8.3');
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function (plan) {
      assert.equal(plan.batches.length, 7);
      return tapped(r, subs);
    }).then(function (first) {
      assert.equal(first.batch.ids.length, 1);
      assert.equal(first.left, 6);
    });
  });
});

test('device templates on a base library without wx.requestSubscribeDeviceMessage get unsupported', function () {
  var list = [{ id: 'D1', title: '设备告警', kind: 'device' }];
  return ready({ templates: known(list), baseLibrary: '2.19.0' }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: list, device: { sn: 'SN1', snTicket: 'ticket', modelId: 'M1' } });
    return subs.refresh().then(function () { return assert.rejects(tapped(r, subs)); });
  }).then(function (e) {
    assert.equal(e.kind, 'unsupported');
    assert.ok(/requestSubscribeDeviceMessage/.test(e.message), e.message);
  });
});

test('device templates are asked with wx.requestSubscribeDeviceMessage and the device ticket', function () {
  var list = [{ id: 'D1', title: '设备告警', kind: 'device' }];
  return ready({ templates: known(list) }).then(function (r) {
    var missing = r.wxs.subscriber({ templates: list });
    return missing.refresh().then(function () { return assert.rejects(tapped(r, missing)); }).then(function (e) {
      assert.equal(e.code, 'device-params-missing');
      var subs = r.wxs.subscriber({ templates: list, device: { sn: 'SN1', snTicket: 'ticket', modelId: 'M1' } });
      return subs.refresh().then(function () { return tapped(r, subs); });
    }).then(function (result) {
      assert.equal(result.outcome.counts.accepted, 1);
      assert.equal(calls(r.host, 'wx.requestSubscribeDeviceMessage').length, 1);
    });
  });
});

test('accepts are remembered under one versioned key until the app confirms it reported them', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN.slice(0, 2) });
    return subs.refresh().then(function () { return tapped(r, subs); }).then(function () {
      assert.deepEqual(Object.keys(r.host.storage), [r.wxs.STORAGE_KEY]);
      assert.deepEqual(subs.pendingAccepts(), { T1: 1, T2: 1 });
      assert.equal(subs.lastKnown().T1, 'accepted');
      assert.deepEqual(subs.confirmReported({ T1: 1 }), { T2: 1 });
      assert.deepEqual(r.wxs.subscriber({ templates: SEVEN }).pendingAccepts(), { T2: 1 }, 'kept across subscribers');
    });
  });
});

test('corrupt or foreign data in the storage key is discarded, never thrown', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    var samples = ['garbage', 42, [1, 2], { v: 9, pending: { T1: 5 } }, { v: 1, pending: { T1: -3, T2: 'x', T3: 2 }, states: [] }];
    var seen = samples.map(function (value) {
      r.host.storage[r.wxs.STORAGE_KEY] = value;
      return subs.pendingAccepts();
    });
    assert.deepEqual(seen, [{}, {}, {}, {}, { T3: 2 }]);
    r.host.wx.getStorageSync = function () { throw new Error('storage broken'); };
    assert.deepEqual(subs.pendingAccepts(), { T3: 2 }, 'what was last read still shows');
  });
});

test('bad templates give an input error from refresh, not a crash', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: [{ id: 'A', kind: 'weekly' }] });
    return assert.rejects(subs.refresh()).then(function (e) {
      assert.equal(e.kind, 'input');
      assert.equal(e.code, 'template-bad-kind');
    });
  });
});

test('seed 003: a template that wants 3 sends is asked tap by tap until it has them; a kept accept makes the rest silent', function () {
  var user = { keep: false };
  return ready({ user: user }).then(function (r) {
    var expiry = { id: 'T1', title: '会员到期提醒', want: 3 };
    var subs = r.wxs.subscriber({ templates: [expiry, 'T2'], sends: { T1: 0 } });
    return subs.refresh().then(function () {
      return tapped(r, subs);
    }).then(function (first) {
      assert.deepEqual(first.batch.ids, ['T1', 'T2']);
      assert.equal(first.left, 1, 'T1 wants two more');
      user.keep = true; // the user ticks "always keep" on the second popup
      return tapped(r, subs);
    }).then(function (second) {
      assert.deepEqual(second.batch.ids, ['T1']);
      return tapped(r, subs);
    }).then(function (third) {
      assert.equal(third.batch.popup, false, 'kept: the third ask is silent');
      assert.equal(third.left, 0);
      assert.equal(r.host.quota.T1, 3, 'three sends banked for three reminders');
      assert.equal(r.host.popups, 2);
      assert.deepEqual(subs.pendingAccepts(), { T1: 3, T2: 1 });
      // Next visit, with the server's count: nothing more to ask.
      var again = r.wxs.subscriber({ templates: [expiry], sends: { T1: 3 } });
      return again.refresh();
    }).then(function (plan) {
      assert.equal(plan.batches.length, 0);
      assert.equal(plan.templates[0].state, 'accepted');
    });
  });
});

test('a bad want or server count is a clear error, not a plan', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: [{ id: 'T1', want: 50 }] });
    return subs.refresh().then(function () { throw new Error('planned'); }, function (error) {
      assert.equal(error.code, 'template-bad-count');
      assert.ok(/templates\[0\]\.want/.test(error.message), error.message);
      var counted = r.wxs.subscriber({ templates: ['T1'], sends: { T1: -2 } });
      return counted.refresh().then(function () { throw new Error('planned'); }, function (e) {
        assert.equal(e.code, 'template-bad-count');
      });
    });
  });
});

test('sends reach records written as { priTmplId }, and sends that are not an object of counts are a clear error', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: [{ priTmplId: 'T1', want: 2 }, 'T2'], sends: { T1: 2 } });
    return subs.refresh().then(function (plan) {
      assert.equal(plan.templates[0].state, 'accepted', 'T1 has the 2 sends it wants');
      assert.deepEqual(plan.batches.map(function (b) { return b.ids; }), [['T2']]);
      var listed = r.wxs.subscriber({ templates: ['T1'], sends: [2] });
      return assert.rejects(listed.refresh());
    }).then(function (e) {
      assert.equal(e.code, 'options-bad-sends');
      assert.equal(e.kind, 'input');
      assert.ok(/an array/.test(e.message), e.message);
      var revoked = Proxy.revocable({}, {});
      revoked.revoke();
      return assert.rejects(r.wxs.subscriber({ templates: ['T1'], sends: revoked.proxy }).refresh());
    }).then(function (e) {
      assert.equal(e.code, 'input-unreadable');
    });
  });
});

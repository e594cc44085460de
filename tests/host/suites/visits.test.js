// The subscribe flow across answers and visits (issue 10's rules), on the
// emulated host in iOS mode, under Node and JavaScriptCore alike.

var DAY_MS = 24 * 3600 * 1000;

function stored(r) {
  return r.host.storage[r.wxs.STORAGE_KEY];
}

// Taps until nothing is left to ask (at most `most` taps); resolves to the last result.
function tapUntilDone(r, subs, most) {
  function next(left, last) {
    if (left === 0) return Promise.resolve(last);
    return tapped(r, subs).then(function (result) {
      return result.asked ? next(left - 1, result) : result;
    });
  }
  return next(most, null);
}

test('a ban WeChat answered is remembered: the next visit does not ask for it for 7 days', function () {
  return ready({ banned: { T2: true } }).then(function (r) {
    var first = r.wxs.subscriber({ templates: SEVEN });
    return first.refresh().then(function () { return tapped(r, first); }).then(function (answer) {
      assert.equal(answer.outcome.counts.banned, 1);
      return r.wxs.subscriber({ templates: SEVEN }).refresh();
    }).then(function (plan) {
      assert.equal(plan.templates[1].state, 'banned', 'the next visit remembers the ban');
      assert.ok(plan.batches.every(function (b) { return b.ids.indexOf('T2') < 0; }));
      assert.deepEqual(plan.advice.filter(function (a) { return a.code === 'banned'; })[0].ids, ['T2']);
      // Eight days on, the ban no longer holds: T2 is asked again.
      var record = stored(r);
      record.states.T2.at -= 8 * DAY_MS;
      r.host.storage[r.wxs.STORAGE_KEY] = record;
      return r.wxs.subscriber({ templates: SEVEN }).refresh();
    }).then(function (plan) {
      assert.equal(plan.templates[1].state, 'ask');
      assert.equal(first.lastKnown().T2, 'ask', 'the stored state follows');
    });
  });
});

test('an answer that settles nothing is asked once more, then reported unsettled, and the counter reaches 0', function () {
  var user = { answer: function (id) { return id === 'T1' ? 'acceptWithSomethingNew' : 'maybe'; } };
  return ready({ user: user, templates: known(SEVEN) }).then(function (r) {
    // T1's new accept variant counts as accepted; T2..T7 answer an unknown value.
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function () { return tapUntilDone(r, subs, 12); }).then(function (last) {
      var asked = calls(r.host, 'wx.requestSubscribeMessage');
      var times = function (id) { return asked.filter(function (c) { return c.ids.indexOf(id) >= 0; }).length; };
      assert.equal(times('T1'), 1);
      ['T2', 'T3', 'T4', 'T5', 'T6', 'T7'].forEach(function (id) { assert.equal(times(id), 2, id + ' asked twice'); });
      assert.equal(last.left, 0, 'the page counter reaches 0');
      assert.equal(last.plan.counts.unsettled, 6);
      var advice = last.plan.advice.filter(function (a) { return a.code === 'unsettled'; })[0];
      assert.deepEqual(advice.ids, ['T2', 'T3', 'T4', 'T5', 'T6', 'T7']);
      assert.ok(/下次/.test(advice.message), advice.message);
      return tapped(r, subs);
    }).then(function (after) {
      assert.equal(after.asked, false, 'no more popups this round');
      return r.wxs.subscriber({ templates: SEVEN }).refresh();
    }).then(function (plan) {
      assert.equal(plan.counts.ask, 7, 'a new visit is a new round: every one-time template is asked again');
    });
  });
});

// Counts the writes to storage from now on; `writes()` says how many.
function countWrites(r) {
  var setStorage = r.host.wx.setStorageSync;
  var count = 0;
  r.host.wx.setStorageSync = function (key, value) {
    count += 1;
    return setStorage.call(this, key, value);
  };
  return function () { return count; };
}

test('an answer\'s accepts and the next plan\'s states are written in one merge and one write', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    var writes;
    return subs.refresh().then(function () {
      writes = countWrites(r);
      return tapped(r, subs);
    }).then(function (first) {
      assert.equal(first.outcome.counts.accepted, 3);
      assert.equal(writes(), 1, 'one write after the answer');
      assert.deepEqual(stored(r).pending, { T1: 1, T2: 1, T3: 1 });
      assert.equal(stored(r).states.T1.state, 'accepted');
      assert.equal(stored(r).states.T4.state, 'ask');
    });
  });
});

test('the accepts of an answer are recorded when the plan after it fails', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    var plan = r.wxs.plan;
    return subs.refresh().then(function () {
      r.wxs.plan = function () {
        throw new r.wxs.WxSubscribeError({ code: 'wasm-trapped', kind: 'internal', message: 'a test trap', advice: 'none', retryable: true });
      };
      return tapped(r, subs);
    }).then(function () {
      assert.fail('the answer should reject with the plan\'s error');
    }, function (error) {
      assert.equal(error.code, 'wasm-trapped');
      r.wxs.plan = plan;
      assert.deepEqual(stored(r).pending, { T1: 1, T2: 1, T3: 1 }, 'the accepts are stored');
      assert.deepEqual(subs.pendingAccepts(), { T1: 1, T2: 1, T3: 1 });
    });
  });
});

test('an accept is kept in memory when setStorageSync throws, and written by the next call', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    var setStorage = r.host.wx.setStorageSync;
    return subs.refresh().then(function () {
      r.host.wx.setStorageSync = function () { throw new Error('setStorageSync:fail storage full'); };
      return tapped(r, subs);
    }).then(function (first) {
      assert.equal(first.outcome.counts.accepted, 3);
      assert.deepEqual(subs.pendingAccepts(), { T1: 1, T2: 1, T3: 1 }, 'shown though not stored');
      assert.ok(!stored(r) || !stored(r).pending.T1, 'not stored yet');
      r.host.wx.setStorageSync = setStorage;
      assert.deepEqual(subs.pendingAccepts(), { T1: 1, T2: 1, T3: 1 });
      assert.deepEqual(stored(r).pending, { T1: 1, T2: 1, T3: 1 }, 'written by the next call');
    });
  });
});

test('a record that cannot be read is never written over: earlier unreported accepts survive', function () {
  return ready({}).then(function (r) {
    r.host.storage[r.wxs.STORAGE_KEY] = { v: 2, states: {}, pending: { T9: 2 } };
    var subs = r.wxs.subscriber({ templates: SEVEN });
    var getStorage = r.host.wx.getStorageSync;
    return subs.refresh().then(function () {
      r.host.wx.getStorageSync = function () { throw new Error('getStorageSync:fail'); };
      return tapped(r, subs);
    }).then(function () {
      assert.deepEqual(stored(r).pending, { T9: 2 }, 'untouched while unreadable');
      r.host.wx.getStorageSync = getStorage;
      return tapped(r, subs);
    }).then(function () {
      assert.deepEqual(stored(r).pending, { T9: 2, T1: 1, T2: 1, T3: 1, T4: 1, T5: 1, T6: 1 });
    });
  });
});

test('a huge stored record is pruned to a small one, keeping its pending accepts', function () {
  return ready({}).then(function (r) {
    var states = {};
    var now = Date.now();
    for (var i = 0; i < 60000; i++) states['OLD' + i] = { state: 'ask', at: now - i };
    r.host.storage[r.wxs.STORAGE_KEY] = { v: 2, states: states, pending: { T1: 4 } };
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function () {
      var size = JSON.stringify(stored(r)).length;
      assert.ok(size < 16000, 'record of ' + size + ' characters');
      assert.deepEqual(stored(r).pending, { T1: 4 });
      assert.equal(stored(r).states.T1.state, 'ask');
    });
  });
});

test('a request that never answers blocks new taps only for stuckAfterMs, and its late answer is still recorded', function () {
  // Real time, with margins a loaded machine keeps (a stall of tens of ms
  // between the two taps once made the second tap miss the open request).
  return ready({ lateAnswers: 1, lateAnswerMs: 1200 }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN, stuckAfterMs: 400 });
    var lost;
    return subs.refresh().then(function () {
      lost = tapped(r, subs);
      return wait(10);
    }).then(function () {
      return assert.rejects(tapped(r, subs));
    }).then(function (busy) {
      assert.equal(busy.code, 'request-still-open');
      assert.equal(busy.kind, 'busy');
      return wait(450);
    }).then(function () {
      return tapped(r, subs);
    }).then(function (again) {
      assert.deepEqual(again.batch.ids, ['T1', 'T2', 'T3'], 'the lost batch is asked again');
      return lost;
    }).then(function (late) {
      assert.equal(late.outcome.counts.accepted, 3, 'the late answer is read');
      assert.deepEqual(subs.pendingAccepts(), { T1: 2, T2: 2, T3: 2 }, 'both answers count: WeChat granted two sends each');
      assert.deepEqual(r.host.quota, { T1: 2, T2: 2, T3: 2 });
    });
  });
});

test('shared titles take the fewest taps the rules allow, and nothing is filtered', function () {
  var list = ['B', 'C', 'D', 'E', 'F', 'G'].map(function (t) { return { id: t, title: t + '通知' }; })
    .concat([{ id: 'A1', title: '提醒' }, { id: 'A2', title: '提醒' }, { id: 'A3', title: '提醒' }]);
  return ready({ templates: known(list) }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: list });
    return subs.refresh().then(function (plan) {
      assert.equal(plan.batches.length, 3, 'first fit in app order would take 5');
      return tapUntilDone(r, subs, 5);
    }).then(function (last) {
      assert.equal(last.left, 0);
      assert.equal(calls(r.host, 'wx.requestSubscribeMessage').length, 3);
      list.forEach(function (t) { assert.equal(r.host.quota[t.id], 1, t.id); });
    });
  });
});

test('a reject the user keeps gets open-settings advice in the same visit', function () {
  var user = { answer: function (id) { return id === 'T2' ? 'reject' : 'accept'; }, keep: true };
  return ready({ user: user }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function () { return tapped(r, subs); }).then(function (answer) {
      assert.equal(answer.plan.templates[1].state, 'kept-rejected');
      var advice = answer.plan.advice.filter(function (a) { return a.code === 'open-settings'; })[0];
      assert.deepEqual(advice.ids, ['T2']);
      assert.equal(calls(r.host, 'wx.getSetting').length, 2, 'the setting was read again, with no tap');
    });
  });
});

test('a success result that carries errCode 0 is a success', function () {
  return ready({ successErrCode: 0 }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function () { return tapped(r, subs); }).then(function (answer) {
      assert.equal(answer.outcome.counts.accepted, 3);
      assert.deepEqual(subs.pendingAccepts(), { T1: 1, T2: 1, T3: 1 });
    });
  });
});

test('a 20004 reads the setting again and plans with the main switch off', function () {
  return ready({}).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function () {
      r.host.setting.mainSwitch = false; // turned off in another page
      return assert.rejects(tapped(r, subs));
    }).then(function (e) {
      assert.equal(e.code, 'main-switch-off');
      assert.equal(subs.plan().counts.switchedOff, 7);
      assert.equal(subs.plan().batches.length, 0);
    });
  });
});

test('only one-time accepts count toward the quota', function () {
  var list = [{ id: 'L1', title: '长期通知', kind: 'long-term' }, { id: 'O1', title: '一次性通知' }];
  return ready({ templates: known(list) }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: list });
    return subs.refresh().then(function () { return tapUntilDone(r, subs, 3); }).then(function () {
      assert.deepEqual(subs.pendingAccepts(), { O1: 1 });
    });
  });
});

test('every error carries a Chinese sentence for the user', function () {
  return ready({ maxIdsPerRequest: 1 }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    var outside = subs.request();
    return assert.rejects(outside).then(function (gesture) {
      assert.equal(gesture.kind, 'gesture');
      assert.equal(gesture.userMessage, '请直接点击按钮订阅。');
      return subs.refresh().then(function () { return assert.rejects(tapped(r, subs)); });
    }).then(function (batch) {
      assert.equal(batch.code, 'too-many-ids');
      assert.equal(batch.userMessage, '已重新分组，请再点一次订阅。');
      var input = r.wxs.WxSubscribeError.from({ code: 'x', kind: 'input', message: 'm', advice: 'a' });
      assert.ok(/[\u4e00-\u9fff]/.test(input.userMessage), 'a sentence by kind where none came with the error');
    });
  });
});

test('a stored record too large to read in any part reads as empty, and subscribing still works', function () {
  return ready({}).then(function (r) {
    var pending = {};
    for (var i = 0; i < 300000; i++) pending['P' + i] = 1;
    r.host.storage[r.wxs.STORAGE_KEY] = { v: 2, states: {}, pending: pending };
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function (plan) {
      assert.equal(plan.counts.ask, 7);
      return tapped(r, subs);
    }).then(function (answer) {
      assert.equal(answer.outcome.counts.accepted, 3);
      assert.deepEqual(stored(r).pending, { T1: 1, T2: 1, T3: 1 });
    });
  });
});

test('a reject whose setting cannot be read again still gives the plan after the answer', function () {
  var user = { answer: function (id) { return id === 'T2' ? 'reject' : 'accept'; } };
  return ready({ user: user }).then(function (r) {
    var subs = r.wxs.subscriber({ templates: SEVEN });
    return subs.refresh().then(function () {
      r.host.wx.getSetting = function (options) { options.fail({ errMsg: 'getSetting:fail system error' }); };
      return tapped(r, subs);
    }).then(function (answer) {
      assert.equal(answer.plan.templates[1].state, 'rejected', 'the answer is in the plan');
      assert.equal(answer.left, 4);
    });
  });
});

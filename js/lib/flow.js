// The tap-safe subscribe flow (docs/wechat.md section 3).
//
// wx.requestSubscribeMessage only works inside a user tap, and on iPhones the
// tap is lost across any await, Promise or setTimeout. So:
// - handlers that ask are wrapped with tap(fn), which marks their synchronous run;
// - request() reaches WeChat synchronously from there, from the plan made
//   beforehand (refresh()), or, when there is none yet, from the callback of a
//   wx.getSetting it starts in the tap (which carries the tap along);
// - outside a tap, a second time in the same tap, or while a request is open,
//   it rejects with a clear error and does not call WeChat.
// One tap asks for one batch; the next batch needs the next tap.
'use strict';

var boundary = require('./boundary.js');
var loader = require('./loader.js');
var store = require('./store.js');
var WxSubscribeError = loader.WxSubscribeError;

var hasOwn = Object.prototype.hasOwnProperty;
var currentTap = null;

/** Wraps a bindtap handler so that request() and openSettings() may run inside it. */
function tap(handler) {
  return function () {
    var outer = currentTap;
    currentTap = { used: false };
    try {
      return handler.apply(this, arguments);
    } finally {
      currentTap = outer;
    }
  };
}

function gestureError(code, message, advice) {
  return new WxSubscribeError({ code: code, kind: 'gesture', message: message, advice: advice, retryable: true });
}

// Takes this tap for one call to WeChat, or gives the error that says why not.
function takeTap(what) {
  if (!currentTap) {
    return gestureError('not-in-tap', what + ' was called outside a tap, or after an await/Promise/setTimeout in one',
      'call it synchronously in a bindtap handler wrapped with wxs.tap(); on iPhones any await before it loses the tap');
  }
  if (currentTap.used) {
    return gestureError('tap-already-used', 'this tap was already used to ask WeChat once',
      'one tap asks for one batch (or opens the settings page once); ask for the next batch on the next tap');
  }
  currentTap.used = true;
  return null;
}

function rejected(error) {
  return Promise.reject(error);
}

// The error for a wx API this client lacks, or null.
function missing(name) {
  return typeof wx[name] === 'function' ? null : new WxSubscribeError({
    code: 'api-missing', kind: 'unsupported', retryable: false,
    message: 'this WeChat has no wx.' + name, advice: 'ask the user to update WeChat',
  });
}

// The answer of a wx API with success/fail callbacks, as a Promise.
function call(name, params) {
  var lacking = missing(name);
  if (lacking) return rejected(lacking);
  return new Promise(function (resolve, reject) {
    params.success = resolve;
    params.fail = reject;
    wx[name](params);
  });
}

// The WxSubscribeError for what a fail callback received.
function failure(res) {
  try {
    loader.interpretResult([], res);
  } catch (error) {
    return WxSubscribeError.from(error);
  }
  return new WxSubscribeError({ code: 'unknown', kind: 'unknown', retryable: false,
    message: 'WeChat called fail with a result that reads as success', advice: 'report it with the raw result' });
}

// The record shared by every subscriber (one storage key for the app).
var memory = null;
function records() {
  return memory || (memory = store.store(wx));
}

/** How long an open request blocks a new tap, by default: after that it is taken as lost. */
var STUCK_AFTER_MS = 5000;

// { [id]: count } of a list of ids.
function tally(ids) {
  var counts = {};
  ids.forEach(function (id) { counts[id] = (counts[id] || 0) + 1; });
  return counts;
}

// The page's templates with the server's counts (sends: { [id]: n }) as their
// `have`. Both are first copied as plain data by the guarded writer
// (boundary.js), so a throwing getter, a revoked Proxy or a huge array is an
// 'input' error, and the merge reads only the copy; the core checks the values.
function withSends(templates, sends) {
  if (sends === undefined || sends === null) return templates;
  var copy = JSON.parse(boundary.serialise([templates, sends]));
  var counts = copy[1];
  if (!boundary.isObject(counts) || Array.isArray(counts)) {
    throw new WxSubscribeError({
      code: 'options-bad-sends', kind: 'input', retryable: false,
      message: 'options.sends is ' + (Array.isArray(counts) ? 'an array' : JSON.stringify(counts).slice(0, 40)) + ', not an object of counts by template id',
      advice: 'pass the sends in hand from your server, e.g. { sends: { "<template id>": 2 } }, or leave it out',
    });
  }
  if (!Array.isArray(copy[0])) return copy[0];
  return copy[0].map(function (t) {
    var record = typeof t === 'string' ? { id: t } : t;
    var id = boundary.isObject(record) ? record.id || record.priTmplId : undefined;
    if (typeof id !== 'string' || !hasOwn.call(counts, id)) return t;
    record.have = counts[id];
    return record;
  });
}

/**
 * Makes the subscribe flow for a page's templates.
 * options.templates: ids or { id, title, kind, want } records (as for plan());
 *   `want` (1 to 10) keeps a template in the plan, tap by tap, until it has that many sends.
 * options.sends: { [id]: n } the sends in hand, from your server (each template's `have`).
 * options.idsPerRequest: 1 to 5 (default 3).
 * options.device: { sn, snTicket, modelId } for device templates.
 * options.stuckAfterMs: how long an unanswered request blocks new taps (default 5000).
 */
function subscriber(options) {
  options = options || {};
  var stuckAfterMs = typeof options.stuckAfterMs === 'number' ? options.stuckAfterMs : STUCK_AFTER_MS;
  // answered: { [id]: [raw status, ...] } this round; open: the request not answered yet.
  var state = { setting: null, answered: {}, plan: null, open: null, list: null, record: null };

  function replan() {
    var client = loader.clientInfo();
    // The page's list is measured and written once, not on every plan.
    state.list = state.list || loader.templates(withSends(options.templates, options.sends));
    state.record = state.record || records().view();
    state.plan = loader.plan(state.list, state.setting, {
      idsPerRequest: options.idsPerRequest,
      baseLibrary: client.baseLibrary,
      wechatVersion: client.wechatVersion,
      platform: client.platform,
      now: Date.now(),
    }, state.answered, state.record);
    return state.plan;
  }

  // Records a change, or changes oldest first, in one merge and one write.
  function remember(changes) {
    state.record = records().note(changes);
  }

  // Plans, and records the plan's states after `changes` (an answer's
  // accepts), in one merge and one write; `changes` are recorded even when
  // the plan fails. Not on the tap path: storage and the merge wait until
  // WeChat has been asked.
  function replanAndRemember(changes) {
    changes = changes || [];
    var plan;
    try {
      plan = replan();
    } catch (error) {
      if (changes.length > 0) remember(changes);
      throw error;
    }
    var states = {};
    plan.templates.forEach(function (t) { states[t.id] = t.state; });
    remember(changes.concat([{ states: states }]));
    return plan;
  }

  // The plan from a setting read in a tap (its states are recorded after the answer).
  function fromSetting(res) {
    state.setting = res.subscriptionsSetting || null;
    return replan();
  }

  function readSetting() {
    return call('getSetting', { withSubscriptions: true }).then(function (res) {
      state.setting = res.subscriptionsSetting || null;
      return replanAndRemember();
    }, function (res) {
      throw failure(res);
    });
  }

  // Reads the setting again after an answer (no tap needed), so choices the
  // user just kept show in this visit's plan; plans from the setting it had if that fails.
  function settingAgain() {
    return readSetting().then(null, function () { return replanAndRemember(); });
  }

  // What WeChat answered, read once more on the fresh module if the first read
  // trapped: the user has answered, and the accepts must not be lost.
  function interpret(batch, res) {
    try {
      return loader.interpretResult(batch, res);
    } catch (error) {
      if (error.kind !== 'internal') throw error;
      return loader.interpretResult(batch, res);
    }
  }

  // The outcome of one request: what this round answered and what is
  // remembered. A late answer to a request taken as lost is recorded too.
  function settled(request, res) {
    if (state.open === request) state.open = null;
    var batch = request.batch;
    var outcome;
    try {
      outcome = interpret(batch, res);
    } catch (error) {
      if (error.code === 'too-many-ids') remember({ tooMany: batch.ids.length });
      var after = error.code === 'main-switch-off' ? settingAgain() : Promise.resolve(replanAndRemember());
      return after.then(function () { throw error; });
    }
    outcome.results.forEach(function (r) {
      (state.answered[r.id] = state.answered[r.id] || []).push(r.raw === undefined ? 'missing' : r.raw);
    });
    // The plan after an answer does not read its accepts (only states and
    // the learned limit), so they are recorded with its states, in one write.
    var accepted = outcome.sends.length > 0 ? [{ accepted: tally(outcome.sends) }] : [];
    // A reject, or a template asked again (it wants more sends), reads the
    // setting again: a choice the user just kept shows in the next ask. The
    // accepts are recorded before that read, whatever it does.
    var next;
    if (outcome.counts.rejected > 0) {
      if (accepted.length > 0) remember(accepted);
      next = settingAgain();
    } else {
      next = Promise.resolve(replanAndRemember(accepted)).then(function (plan) {
        var again = plan.batches.some(function (b) { return b.ids.some(function (id) { return batch.ids.indexOf(id) >= 0; }); });
        return again ? settingAgain() : plan;
      });
    }
    return next.then(function (plan) {
      return { asked: true, batch: batch, outcome: outcome, plan: plan, left: plan.counts.ask + plan.counts.topUp };
    });
  }

  function ask(plan) {
    var batch = plan.batches[0];
    if (!batch) return Promise.resolve({ asked: false, batch: null, outcome: null, plan: plan, left: 0 });
    var params = { tmplIds: batch.ids.slice() };
    var api = 'requestSubscribeMessage';
    if (batch.kind === 'device') {
      var device = options.device || {};
      if (!device.sn || !device.snTicket || !device.modelId) {
        return rejected(new WxSubscribeError({
          code: 'device-params-missing', kind: 'input', retryable: false,
          message: 'device templates need options.device = { sn, snTicket, modelId }',
          advice: 'pass the device serial number, a fresh snTicket from your server and the modelId to subscriber()',
        }));
      }
      params.sn = device.sn;
      params.snTicket = device.snTicket;
      params.modelId = device.modelId;
      api = 'requestSubscribeDeviceMessage';
    }
    var lacking = missing(api);
    if (lacking) return rejected(lacking);
    var request = { batch: batch, at: Date.now() };
    state.open = request;
    var answer = function (res) { return settled(request, res); };
    return call(api, params).then(answer, answer);
  }

  // Whether a request is still open: one older than stuckAfterMs is taken as
  // lost (its answer, if it ever comes, is still recorded).
  function stillOpen() {
    if (state.open && Date.now() - state.open.at >= stuckAfterMs) state.open = null;
    return state.open !== null;
  }

  return {
    /** Reads wx.getSetting and plans; call in onLoad/onShow. Resolves to the Plan. */
    refresh: function () {
      return loader.init().then(function () {
        state.record = records().view();
        return readSetting();
      });
    },

    /** The current Plan, or null before the first refresh(). */
    plan: function () {
      return state.plan;
    },

    /**
     * Asks for the next batch. Call synchronously in a handler wrapped with tap().
     * Resolves to { asked, batch, outcome, plan, left }; rejects with a WxSubscribeError.
     */
    request: function () {
      var refused = takeTap('request()');
      if (refused) return rejected(refused);
      if (stillOpen()) {
        return rejected(new WxSubscribeError({
          code: 'request-still-open', kind: 'busy', retryable: true,
          message: 'a subscribe request is still open',
          advice: 'wait for its answer, then ask on the next tap (after ' + stuckAfterMs + ' ms it is taken as lost)',
        }));
      }
      if (state.plan) return ask(state.plan);
      // No plan yet: read the setting from this tap and ask straight from its
      // callback, which carries the tap (a .then() after it would lose it on iOS).
      var lacking = missing('getSetting');
      if (lacking) return rejected(lacking);
      return new Promise(function (resolve, reject) {
        wx.getSetting({
          withSubscriptions: true,
          success: function (res) {
            try {
              resolve(ask(fromSetting(res)));
            } catch (error) {
              reject(WxSubscribeError.from(error));
            }
          },
          fail: function (res) { reject(failure(res)); },
        });
      });
    },

    /**
     * Opens the settings page (main switch off, or choices kept as rejected), then
     * plans again from what the user set there. Call synchronously in a tap() handler.
     */
    openSettings: function () {
      var refused = takeTap('openSettings()');
      if (refused) return rejected(refused);
      return call('openSetting', { withSubscriptions: true }).then(function (res) {
        if (res.subscriptionsSetting) state.setting = res.subscriptionsSetting;
        return replanAndRemember();
      }, function (res) {
        throw failure(res);
      });
    },

    /** Accepts not yet reported to the app's server: { [templateId]: count }. */
    pendingAccepts: function () {
      return records().view().pending;
    },

    /** The app reported these accepts ({ [templateId]: count }); returns what is still pending. */
    confirmReported: function (reported) {
      return records().note({ reported: reported || {} }).pending;
    },

    /** The last known state per template id, from earlier visits too. */
    lastKnown: function () {
      var states = records().view().states;
      var known = {};
      Object.keys(states).forEach(function (id) { known[id] = states[id].state; });
      return known;
    },
  };
}

module.exports = { tap: tap, subscriber: subscriber, STORAGE_KEY: store.STORAGE_KEY };

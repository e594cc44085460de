// The tap-safe subscribe flow (WECHAT.md section 3).
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

var loader = require('./loader.js');
var store = require('./store.js');
var WxSubscribeError = loader.WxSubscribeError;

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

/**
 * Makes the subscribe flow for a page's templates.
 * options.templates: ids or { id, title, kind } records (as for plan()).
 * options.idsPerRequest: 1 to 5 (default 3).
 * options.device: { sn, snTicket, modelId } for device templates.
 */
function subscriber(options) {
  options = options || {};
  var state = { setting: null, answered: {}, plan: null, open: false, limit: options.idsPerRequest, list: null };

  function replan() {
    var client = loader.clientInfo();
    // The page's list is measured and written once, not on every plan.
    state.list = state.list || loader.templates(options.templates);
    state.plan = loader.plan(state.list, state.setting, {
      idsPerRequest: state.limit,
      baseLibrary: client.baseLibrary,
      wechatVersion: client.wechatVersion,
      platform: client.platform,
    }, state.answered);
    return state.plan;
  }

  function fromSetting(res) {
    state.setting = res.subscriptionsSetting || null;
    var plan = replan();
    store.remember(wx, plan, []);
    return plan;
  }

  function readSetting() {
    return call('getSetting', { withSubscriptions: true }).then(fromSetting, function (res) {
      throw failure(res);
    });
  }

  function kindOf(id) {
    var t = state.plan.templates.filter(function (p) { return p.id === id; })[0];
    return t ? t.kind : 'one-time';
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

  // The outcome of one batch: update what this round answered and what is remembered.
  function settled(batch, res) {
    state.open = false;
    var outcome;
    try {
      outcome = interpret(batch, res);
    } catch (error) {
      if (error.code === 'too-many-ids') state.limit = Math.max(1, batch.ids.length - 1);
      if (error.code === 'main-switch-off') state.setting = { mainSwitch: false };
      replan();
      throw error;
    }
    outcome.results.forEach(function (r) {
      if (r.raw !== undefined) state.answered[r.id] = r.raw;
    });
    var accepted = outcome.accepted.filter(function (id) { return kindOf(id) === 'one-time'; });
    var next = replan();
    store.remember(wx, next, accepted);
    return { asked: true, batch: batch, outcome: outcome, plan: next, left: next.counts.ask + next.counts.topUp };
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
    state.open = true;
    var answer = function (res) { return settled(batch, res); };
    return call(api, params).then(answer, answer);
  }

  return {
    /** Reads wx.getSetting and plans; call in onLoad/onShow. Resolves to the Plan. */
    refresh: function () {
      return loader.init().then(readSetting);
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
      if (state.open) {
        return rejected(new WxSubscribeError({
          code: 'request-still-open', kind: 'busy', retryable: true,
          message: 'a subscribe request is still open', advice: 'wait for its answer, then ask on the next tap',
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
        return replan();
      }, function (res) {
        throw failure(res);
      });
    },

    /** Accepts not yet reported to the app's server: { [templateId]: count }. */
    pendingAccepts: function () {
      return store.read(wx).pending;
    },

    /** The app reported these accepts ({ [templateId]: count }); returns what is still pending. */
    confirmReported: function (reported) {
      return store.confirm(wx, reported);
    },

    /** The last known state per template id, from earlier visits too. */
    lastKnown: function () {
      return store.read(wx).states;
    },
  };
}

module.exports = { tap: tap, subscriber: subscriber, STORAGE_KEY: store.STORAGE_KEY };

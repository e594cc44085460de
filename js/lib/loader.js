// The loader. The package has two wasm modules: the page's (planner and
// outcome interpreter; init(), at launch) and the send side's (keyword checks
// and payloads; initSend(), where a page or a cloud function sends). Each is
// instantiated through WXWebAssembly (the only WebAssembly a phone has) from
// the package's folder under miniprogram_npm/, .wasm.br first where the base
// library takes it. Until a module is loaded, its exports throw a
// WxSubscribeError of kind 'not-ready'.
//
// init() remembers the options it was last given (refresh() calls init()
// again without any), and has a deadline: a load that never settles rejects
// after it (and is still used if it finishes later). Until a module is
// ready, an export throws why: 'unsupported' without WXWebAssembly, 'setup'
// when the wasm file could not be loaded, else 'not-ready'.
//
// Calls are synchronous, but WXWebAssembly only instantiates asynchronously.
// So once a module is loaded, the loader also keeps a spare instance, made in
// the background: when a call traps (boundary.js), that call throws an
// 'internal' error and the next call runs on the spare, while a new spare is
// made. An instance whose memory grew large is swapped for the spare too, but
// only when the spare is ready: until then it serves on.
'use strict';

var boundary = require('./boundary.js');
var templates = require('./templates.js');
var record = require('./record.js');
var client = require('./client.js');
var WxSubscribeError = require('./error.js');

/** Where DevTools' "Build npm" puts this package's files. */
var PACKAGE_DIR = '/miniprogram_npm/wx-subscribe/';

/** How long init() waits for WXWebAssembly before it rejects, by default (ms). */
var DEFAULT_TIMEOUT_MS = 10000;

function unsupported(message, advice) {
  return new WxSubscribeError({ code: 'wasm-unsupported', kind: 'unsupported', message: message, advice: advice, retryable: false });
}

// The same error again, for a later call (a fresh stack, the same fields).
function again(error) {
  return new WxSubscribeError(error);
}

// `promise`, or a rejection with `late()` after `ms`.
function deadline(promise, ms, late) {
  if (typeof setTimeout !== 'function') return promise;
  return new Promise(function (resolve, reject) {
    setTimeout(function () { reject(late()); }, ms);
    promise.then(resolve, reject);
  });
}

function instantiate(engine, path, imports) {
  return Promise.resolve()
    .then(function () { return engine.instantiate(path, imports); })
    .then(function (result) { return result && result.instance ? result.instance : result; });
}

// One wasm module: its loading, its instances, and its exports. `glueOf`
// requires its glue when the module is first loaded, not at start-up; `when`
// says where initName() belongs, for the not-ready message.
function wasmModule(glueOf, fileName, initName, when, optional) {
  var defaultPath = PACKAGE_DIR + fileName;
  var configured = null; // the options of the last init() that gave any
  var settings = null;   // { path, brotli }
  var failure = null;    // why the last init() failed, until one succeeds
  var loading = null;
  var live = null;     // { exports, memory, broken, oversized, lists }
  var spare = null;
  var making = false;

  // A fresh instance, with its own glue: resolves to { exports, memory }.
  function make() {
    var engine = WXWebAssembly;
    var glue = glueOf()();
    var imports = {};
    imports[glue.importModule] = glue.imports;
    var tried = settings.brotli
      ? instantiate(engine, settings.path + '.br', imports).catch(function () {
        settings.brotli = false; // and the spare will not try the .br again
        return instantiate(engine, settings.path, imports);
      })
      : instantiate(engine, settings.path, imports);
    return tried.then(function (instance) {
      glue.setWasm(instance.exports);
      if (typeof instance.exports.__wbindgen_start === 'function') instance.exports.__wbindgen_start();
      return { exports: glue.exports, memory: instance.exports.memory, broken: false };
    });
  }

  function makeSpare() {
    if (spare || making) return;
    making = true;
    make().then(function (instance) {
      spare = instance;
      making = false;
    }, function () {
      making = false;
    });
  }

  // Loads the module once; every call returns the same Promise, and after a
  // failure the next call tries again. options.path: the .wasm's path in the
  // code package; options.baseLibrary: to override the one wx reports;
  // options.timeoutMs: how long to wait for WXWebAssembly (10 s by default).
  // A call without options uses those of the last call that gave some.
  function init(options) {
    if (options) configured = options;
    if (loading) return loading;
    options = options || configured || {};
    var engine = typeof WXWebAssembly !== 'undefined' ? WXWebAssembly : undefined;
    if (!engine || typeof engine.instantiate !== 'function') {
      failure = unsupported(
        'this WeChat has no WXWebAssembly (base library below 2.13.0)',
        'ask the user to update WeChat; subscription requests cannot be planned here');
      return Promise.reject(again(failure));
    }
    var path = options.path || defaultPath;
    var baseLibrary = options.baseLibrary || client.clientInfo().baseLibrary;
    var timeoutMs = options.timeoutMs || DEFAULT_TIMEOUT_MS;
    settings = { path: path, brotli: /\.wasm$/.test(path) && client.versionAtLeast(baseLibrary, [2, 14, 0]) };
    // The package ships the page module's .wasm.br; the plain .wasm that base
    // library 2.13.x needs, and the send module, are opt-in copies (wasm/ in the npm package).
    var plainOnly = !settings.brotli && !options.path;
    var optIn = !options.path && optional;
    var made = make().then(function (instance) {
      // Also when it comes after the deadline: a late module is still used.
      live = live || instance;
      failure = null;
      makeSpare();
      return module.exports;
    }, function (cause) {
      if (optIn) {
        throw new WxSubscribeError({
          code: 'send-module-not-shipped', kind: 'setup', retryable: false,
          message: 'the send module is not in this app\'s package (it is an opt-in, for pages that send)',
          advice: 'copy node_modules/wx-subscribe/wasm/' + fileName + '.br into miniprogram_npm/wx-subscribe/ ' +
            '(and the plain ' + fileName + ' too to serve base library 2.13.x)',
        });
      }
      if (plainOnly) {
        throw new WxSubscribeError({
          code: 'plain-wasm-not-shipped', kind: 'unsupported', retryable: false,
          message: 'base library ' + (baseLibrary || 'below 2.14.0') + ' loads only a plain .wasm, and this app ships the .wasm.br',
          advice: 'ask the user to update WeChat; to serve base library 2.13.x, copy node_modules/wx-subscribe/wasm/' +
            fileName + ' into miniprogram_npm/wx-subscribe/ (about 80 KB more in the package)',
        });
      }
      throw new WxSubscribeError({
        code: 'wasm-load-failed', kind: 'setup', retryable: false,
        message: 'the wasm module could not be loaded from ' + path + ': ' + (cause && cause.message || cause),
        advice: 'a packaging problem, not the user\'s WeChat: check the path (a file in the code package, e.g. ' +
          defaultPath + ') and run "Build npm" in DevTools (or copy the files where your framework builds to)',
      });
    });
    loading = deadline(made, timeoutMs, function () {
      return new WxSubscribeError({
        code: 'wasm-load-timeout', kind: 'not-ready', retryable: true,
        message: 'the wasm module did not load within ' + timeoutMs + ' ms',
        advice: 'try again later; a module that finishes loading later is still used',
      });
    }).then(null, function (error) {
      loading = null;
      failure = error;
      throw again(error);
    });
    return loading;
  }

  // The instance for the next call.
  function current() {
    if (live && !live.broken && !(live.oversized && spare)) return live;
    if (live && spare) {
      live = spare;
      spare = null;
      makeSpare();
      return live;
    }
    if (live) {
      throw boundary.internal('the wasm module failed and its replacement is still loading');
    }
    if (failure) throw again(failure);
    throw new WxSubscribeError({
      code: 'not-initialised', kind: 'not-ready',
      message: 'wx-subscribe is not initialised: call ' + initName + '() ' + when,
      advice: 'call require("wx-subscribe").' + initName + '() ' + when + ', and let it finish before using it',
      retryable: true,
    });
  }

  // After a call: a broken or oversized instance has its replacement started now.
  function afterCall() {
    if (live && (live.broken || live.oversized)) makeSpare();
  }

  // Runs fn(instance) on the current instance.
  function run(fn) {
    try {
      return fn(current());
    } finally {
      afterCall();
    }
  }

  // Wraps an export that takes its arguments as they are.
  function exported(name) {
    return function () {
      var args = Array.prototype.slice.call(arguments);
      return run(function (instance) { return boundary.call(instance, name, args); });
    };
  }

  return { init: init, isReady: function () { return live !== null; }, run: run, exported: exported, defaultPath: defaultPath };
}

var page = wasmModule(function () { return require('./wx_subscribe_glue.js'); },
  'wx_subscribe_bg.wasm', 'init', 'at launch (App.onLaunch)');
var send = wasmModule(function () { return require('./wx_subscribe_send_glue.js'); },
  'wx_subscribe_send_bg.wasm', 'initSend', 'before checking or building a message', true);

module.exports = {
  init: page.init,
  isReady: page.isReady,
  initSend: send.init,
  isSendReady: send.isReady,
  clientInfo: client.clientInfo,
  DEFAULT_PATH: page.defaultPath,
  DEFAULT_SEND_PATH: send.defaultPath,
  LIMITS: boundary.LIMITS,
  WxSubscribeError: WxSubscribeError,
  /** userMessage(error) -> the Chinese sentence to show the user for any error. */
  userMessage: WxSubscribeError.userMessageOf,
  /** Each plan state in the user's words, in Chinese. */
  STATE_LABELS: templates.STATE_LABELS,
  /** templates(list) -> a TemplateList: the list measured once, for plan() and subscriber(). */
  templates: function (list) { return new templates.TemplateList(list); },
  /** plan(templates, subscriptionsSetting?, options?, answered?, remembered?) -> Plan */
  plan: function (list, setting, options, answered, remembered) {
    return page.run(function (instance) { return templates.plan(instance, list, setting, options, answered, remembered); });
  },
  /** remember(stored, changes, now) -> the stored record with the changes (src/memory.rs) */
  remember: function (stored, changes, now) {
    return page.run(function (instance) { return record.remember(instance, stored, changes, now); });
  },
  /** interpretResult(batch, successOrFailResult) -> Outcome (throws WxSubscribeError for a fail result) */
  interpretResult: function (batch, result) {
    return page.run(function (instance) { return templates.interpret(instance, batch, result); });
  },
  /** The crate's version. */
  version: page.exported('version'),
  /** describeTemplate(template) -> { id?, keywords: [{ key, type, label?, choices? }] } */
  describeTemplate: send.exported('describeTemplate'),
  /** checkData(template, data, options?) -> { ok, data, violations, changes } */
  checkData: send.exported('checkData'),
  /** buildPayload(template, request, options?) -> { payload, changes } */
  buildPayload: send.exported('buildPayload'),
  /** interpretSend(response) -> { msgid? } (throws WxSubscribeError for a failure) */
  interpretSend: send.exported('interpretSend'),
};

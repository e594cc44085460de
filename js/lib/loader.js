// The loader. The package has two wasm modules: the page's (planner and
// outcome interpreter; init(), at launch) and the send side's (keyword checks
// and payloads; initSend(), where a page or a cloud function sends). Each is
// instantiated through WXWebAssembly (the only WebAssembly a phone has) from
// the package's folder under miniprogram_npm/, .wasm.br first where the base
// library takes it. Until a module is loaded, its exports throw a
// WxSubscribeError of kind 'not-ready'.
'use strict';

var utf8 = require('./utf8.js');
var client = require('./client.js');
var WxSubscribeError = require('./error.js');

/** Where DevTools' "Build npm" puts this package's files. */
var PACKAGE_DIR = '/miniprogram_npm/wx-subscribe/';

function unsupported(message, advice) {
  return new WxSubscribeError({ code: 'wasm-unsupported', kind: 'unsupported', message: message, advice: advice, retryable: false });
}

function instantiate(engine, path, imports) {
  return Promise.resolve()
    .then(function () { return engine.instantiate(path, imports); })
    .then(function (result) { return result && result.instance ? result.instance : result; });
}

// One wasm module: its loading, its state, and its exports. `glueOf` requires
// its glue when the module is first loaded, not at start-up; `when` says where
// initName() belongs, for the not-ready message.
function wasmModule(glueOf, fileName, initName, when) {
  var defaultPath = PACKAGE_DIR + fileName;
  var glue = null;
  var loading = null;

  // Loads the module once; every call returns the same Promise, and after a
  // failure the next call tries again. options.path: the .wasm's path in the
  // code package; options.baseLibrary: to override the one wx reports.
  function init(options) {
    if (loading) return loading;
    options = options || {};
    var engine = typeof WXWebAssembly !== 'undefined' ? WXWebAssembly : undefined;
    if (!engine || typeof engine.instantiate !== 'function') {
      return Promise.reject(unsupported(
        'this WeChat has no WXWebAssembly (base library below 2.13.0)',
        'ask the user to update WeChat; subscription requests cannot be planned here'));
    }
    var path = options.path || defaultPath;
    var baseLibrary = options.baseLibrary || client.clientInfo().baseLibrary;
    var brotli = /\.wasm$/.test(path) && client.versionAtLeast(baseLibrary, [2, 14, 0]);
    var fresh = glueOf()(
      typeof TextEncoder !== 'undefined' ? TextEncoder : utf8.Utf8Encoder,
      typeof TextDecoder !== 'undefined' ? TextDecoder : utf8.Utf8Decoder);
    var imports = {};
    imports[fresh.importModule] = fresh.imports;
    var tried = brotli
      ? instantiate(engine, path + '.br', imports).catch(function () { return instantiate(engine, path, imports); })
      : instantiate(engine, path, imports);
    loading = tried.then(function (instance) {
      fresh.setWasm(instance.exports);
      if (typeof instance.exports.__wbindgen_start === 'function') instance.exports.__wbindgen_start();
      glue = fresh;
      return module.exports;
    }, function (cause) {
      loading = null;
      throw unsupported('the wasm module could not be loaded from ' + path + ': ' + (cause && cause.message || cause),
        'check the path (a file in the code package, e.g. ' + defaultPath + ') and run "Build npm" in DevTools');
    });
    return loading;
  }

  // Wraps an export: throws 'not-ready' before init, turns error values into WxSubscribeError.
  function exported(name) {
    return function () {
      if (!glue) {
        throw new WxSubscribeError({
          code: 'not-initialised', kind: 'not-ready',
          message: 'wx-subscribe is not initialised: call ' + initName + '() ' + when,
          advice: 'call require("wx-subscribe").' + initName + '() ' + when + ', and let it finish before using it',
          retryable: true,
        });
      }
      try {
        return glue.exports[name].apply(null, arguments);
      } catch (thrown) {
        throw WxSubscribeError.from(thrown);
      }
    };
  }

  return { init: init, isReady: function () { return glue !== null; }, exported: exported, defaultPath: defaultPath };
}

var page = wasmModule(function () { return require('./wx_subscribe_glue.js'); },
  'wx_subscribe_bg.wasm', 'init', 'at launch (App.onLaunch)');
var send = wasmModule(function () { return require('./wx_subscribe_send_glue.js'); },
  'wx_subscribe_send_bg.wasm', 'initSend', 'before checking or building a message');

module.exports = {
  init: page.init,
  isReady: page.isReady,
  initSend: send.init,
  isSendReady: send.isReady,
  clientInfo: client.clientInfo,
  DEFAULT_PATH: page.defaultPath,
  DEFAULT_SEND_PATH: send.defaultPath,
  WxSubscribeError: WxSubscribeError,
  /** plan(templates, subscriptionsSetting?, options?, answered?) -> Plan */
  plan: page.exported('plan'),
  /** interpretResult(batch, successOrFailResult) -> Outcome (throws WxSubscribeError for a fail result) */
  interpretResult: page.exported('interpretResult'),
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

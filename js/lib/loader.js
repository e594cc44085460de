// The loader: init() instantiates the wasm through WXWebAssembly (the only
// WebAssembly a phone has), from the package's own folder under
// miniprogram_npm/. Until it has finished, every wasm export throws a
// WxSubscribeError of kind 'not-ready'. It also reads the client's versions
// once, for the planner.
'use strict';

var createGlue = require('./wx_subscribe_glue.js');
var utf8 = require('./utf8.js');
var WxSubscribeError = require('./error.js');

/** Where DevTools' "Build npm" puts this package's wasm. */
var DEFAULT_PATH = '/miniprogram_npm/wx-subscribe/wx_subscribe_bg.wasm';

var glue = null;
var loading = null;
var client = null;

function versionAtLeast(version, wanted) {
  var a = String(version || '0').split('.');
  for (var i = 0; i < wanted.length; i++) {
    var n = parseInt(a[i] || '0', 10) || 0;
    if (n !== wanted[i]) return n > wanted[i];
  }
  return true;
}

function versionOrNothing(text) {
  return typeof text === 'string' && /^\d+(\.\d+){0,2}$/.test(text) ? text : undefined;
}

/**
 * The client as the planner needs it: { baseLibrary, wechatVersion, platform },
 * read once (wx.getAppBaseInfo where present, wx.getSystemInfoSync otherwise).
 */
function clientInfo() {
  if (client) return client;
  var wxApi = typeof wx !== 'undefined' ? wx : undefined;
  var info = {};
  var device = {};
  try {
    if (wxApi && typeof wxApi.getAppBaseInfo === 'function') {
      info = wxApi.getAppBaseInfo() || {};
      device = typeof wxApi.getDeviceInfo === 'function' ? wxApi.getDeviceInfo() || {} : {};
    } else if (wxApi && typeof wxApi.getSystemInfoSync === 'function') {
      info = device = wxApi.getSystemInfoSync() || {};
    }
  } catch (e) {
    info = {};
  }
  client = {
    baseLibrary: versionOrNothing(info.SDKVersion),
    wechatVersion: versionOrNothing(info.version),
    platform: typeof device.platform === 'string' ? device.platform : undefined,
  };
  return client;
}

function unsupported(message, advice) {
  return new WxSubscribeError({ code: 'wasm-unsupported', kind: 'unsupported', message: message, advice: advice, retryable: false });
}

function instantiate(engine, path, imports) {
  return Promise.resolve()
    .then(function () { return engine.instantiate(path, imports); })
    .then(function (result) { return result && result.instance ? result.instance : result; });
}

/**
 * Loads the module. Call it in App.onLaunch, before the first tap. Every call
 * returns the same Promise; after a failure, the next call tries again.
 * options.path: the .wasm's path in the code package (default DEFAULT_PATH);
 * the .wasm.br beside it is preferred on base library >= 2.14.0.
 */
function init(options) {
  if (loading) return loading;
  options = options || {};
  var engine = typeof WXWebAssembly !== 'undefined' ? WXWebAssembly : undefined;
  if (!engine || typeof engine.instantiate !== 'function') {
    return Promise.reject(unsupported(
      'this WeChat has no WXWebAssembly (base library below 2.13.0)',
      'ask the user to update WeChat; subscription requests cannot be planned here'));
  }
  var path = options.path || DEFAULT_PATH;
  var brotli = /\.wasm$/.test(path) && versionAtLeast(options.baseLibrary || clientInfo().baseLibrary, [2, 14, 0]);
  var TE = typeof TextEncoder !== 'undefined' ? TextEncoder : utf8.Utf8Encoder;
  var TD = typeof TextDecoder !== 'undefined' ? TextDecoder : utf8.Utf8Decoder;
  var fresh = createGlue(TE, TD);
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
      'check the path (a file in the code package, e.g. ' + DEFAULT_PATH + ') and run "Build npm" in DevTools');
  });
  return loading;
}

/** Whether init() has finished. */
function isReady() {
  return glue !== null;
}

// Wraps a wasm export: throws 'not-ready' before init, turns error values into WxSubscribeError.
function exported(name) {
  return function () {
    if (!glue) {
      throw new WxSubscribeError({
        code: 'not-initialised', kind: 'not-ready',
        message: 'wx-subscribe is not initialised: call init() at launch (App.onLaunch)',
        advice: 'call require("wx-subscribe").init() in App.onLaunch and let it finish before the first tap',
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

module.exports = {
  init: init,
  isReady: isReady,
  clientInfo: clientInfo,
  DEFAULT_PATH: DEFAULT_PATH,
  WxSubscribeError: WxSubscribeError,
  /** plan(templates, subscriptionsSetting?, options?, answered?) -> Plan */
  plan: exported('plan'),
  /** interpretResult(batch, successOrFailResult) -> Outcome (throws WxSubscribeError for a fail result) */
  interpretResult: exported('interpretResult'),
  /** The crate's version. */
  version: exported('version'),
};

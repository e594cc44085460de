// An emulated mini-program host that follows the platform as WeChat documents it (see the README):
// - code runs as CommonJS modules with `wx` and `WXWebAssembly` as the host's
//   injected names; WebAssembly, TextEncoder, TextDecoder and fetch do not exist
//   in the realm (the entry scripts delete them);
// - WXWebAssembly.instantiate takes a path inside the code package only;
// - wx.requestSubscribeMessage follows the tap-gesture rules of section 3 (iOS
//   mode: the click state lives only in the tap's synchronous run and in
//   callbacks of wx.getSetting / wx.request started while it was valid; Android
//   mode: it also survives Promise jobs), the error codes of section 2, kept
//   choices, same-title filtering, and a per-template send quota.
// Runs under Node (vm realm) and JavaScriptCore through the `engine` adapter.
'use strict';

function versionAtLeast(version, wanted) {
  var parts = String(version).split('.');
  for (var i = 0; i < 3; i++) {
    var n = parseInt(parts[i] || '0', 10);
    var w = wanted[i] || 0;
    if (n !== w) return n > w;
  }
  return true;
}

function copy(object) {
  return object === undefined ? undefined : JSON.parse(JSON.stringify(object));
}

// setData's key paths: 'a', 'a.b', 'list[2].name'.
function setPath(target, path, value) {
  var keys = path.replace(/\.?\[(\d+)\]/g, '.$1').split('.');
  for (var i = 0; i < keys.length - 1; i++) {
    if (target[keys[i]] === null || typeof target[keys[i]] !== 'object') target[keys[i]] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    target = target[keys[i]];
  }
  target[keys[keys.length - 1]] = value;
}

// Where "Build npm" puts this package: its dist folder, as built by .ci/build.
var PACKAGE_MOUNTS = { '/miniprogram_npm/wx-subscribe/': 'js/miniprogram_dist/' };
// The opt-in wasm files, outside the dist folder: an app copies in the plain .wasm files to
// serve base library 2.13.x, and the send module's .wasm.br when a page sends.
var PLAIN_WASM = 'js/wasm/';

var TAP_ERROR = 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.';

// config:
//   sources: { '/app.js': text } files given as text (they win over the folders)
//   root: the code package folder; mounts: { '/prefix/': 'folder/' } (what "Build npm"
//     produced; default: the package's dist folder under /miniprogram_npm/wx-subscribe/)
//   baseLibrary ('3.5.0'), wechatVersion ('8.0.50'), platform ('ios' | 'android')
//   instanceShape: 'instance' (the typings) or 'result' ({ instance, module }, what phones give)
//   noWXWebAssembly: base library < 2.13.0; brokenBrotli: the .br fails to load;
//   plainWasm: the app copied the opt-in plain .wasm files into miniprogram_npm/wx-subscribe/;
//   sendModule: it copied the opt-in send module (wx_subscribe_send_bg.wasm.br) in
//   wasmDelayMs: instantiation settles that late (Infinity: never); failingWasm: the first
//     N instantiations fail as for a missing file
//   countCalls: each instance's exports are counted as they are called, in host.calls
//     ({ [export]: calls }, all instances together)
//   templates: { [id]: { title, kind } } known to WeChat for this app
//   maxIdsPerRequest (3), mainSwitch (true), itemSettings ({ [id]: choice }), appBanned,
//   banned ({ [id]: true }), background (popup cannot show), network ('list' | 'subscribe')
//   lateAnswers: the first N requests' callbacks come lateAnswerMs late (Infinity: never),
//     though WeChat itself has closed the request; successErrCode: success results carry
//     this errCode (some clients add errCode: 0)
//   user: { answer(id, template) -> 'accept' | 'reject', keep: bool, cancel: bool,
//           onSettings(setting) -> changes the setting on the settings page }
//   cloud: { call(name, data) -> Promise } runs a cloud function (Node only: engine.cloud)
//   http(options) -> Promise of { statusCode, data }: wx.request makes real requests
//     (Node only: engine.http); openid: the user wx.login's code stands for
function createHost(config) {
  config = config || {};
  var baseLibrary = config.baseLibrary || '3.5.0';
  var platform = config.platform || 'ios';
  var setting = {
    mainSwitch: config.mainSwitch !== false,
    itemSettings: copy(config.itemSettings || {}),
  };
  var host = {
    config: config,
    log: [],          // what WeChat was asked, in order
    quota: {},        // sends in hand per template id
    popups: 0,        // popups the user saw
    storage: {},
    clickState: null, // { consumed } while a tap's gesture is usable
    openRequest: false,
    instances: [],    // every wasm instance made, in order (tests reach into their memory)
    calls: {},        // with config.countCalls: calls per export
  };

  // An instance whose exported functions count their calls in host.calls.
  function counted(instance) {
    var exports = {};
    Object.keys(instance.exports).forEach(function (name) {
      var real = instance.exports[name];
      exports[name] = typeof real !== 'function' ? real : function () {
        host.calls[name] = (host.calls[name] || 0) + 1;
        return real.apply(null, arguments);
      };
    });
    return { exports: exports };
  }

  function later(fn, ms) {
    engine.setTimeout(fn, ms || 0);
  }

  // The host's timers, cancellable (frameworks' runtimes use clearTimeout and intervals).
  var timers = { next: 1, live: {} };
  function timer(fn, ms, repeat) {
    var id = timers.next++;
    timers.live[id] = true;
    var run = function () {
      if (!timers.live[id]) return;
      if (repeat) engine.setTimeout(run, ms || 0);
      else delete timers.live[id];
      fn();
    };
    engine.setTimeout(run, ms || 0);
    return id;
  }
  function clearTimer(id) {
    delete timers.live[id];
  }

  // Runs fn with the click state `state` valid, then drops it (iOS) or keeps it
  // for the Promise jobs that follow (Android).
  function withClickState(state, fn) {
    host.clickState = state;
    try {
      return fn();
    } finally {
      if (platform === 'android') {
        later(function () { if (host.clickState === state) host.clickState = null; });
      } else if (host.clickState === state) {
        host.clickState = null;
      }
    }
  }

  function usableClickState() {
    if (!versionAtLeast(baseLibrary, [2, 8, 2])) return { consumed: false };
    return host.clickState && !host.clickState.consumed ? host.clickState : null;
  }

  // Calls the callbacks of an asynchronous wx API, carrying the click state
  // that was valid when the API was called.
  function answer(options, carried, ok, result) {
    later(function () {
      withClickState(carried, function () {
        if (ok && options.success) options.success(result);
        if (!ok && options.fail) options.fail(result);
        if (options.complete) options.complete(result);
      });
    });
  }

  // ---- files and modules ----
  function filePath(path) {
    // config.plainWasm: the app copied the opt-in plain .wasm files next to the package's;
    // config.sendModule: it copied the opt-in send module in (a page of it sends).
    var plain = /^\/miniprogram_npm\/wx-subscribe\/([\w]+\.wasm)$/.exec(path);
    if (plain && config.plainWasm) return PLAIN_WASM + plain[1];
    var send = /^\/miniprogram_npm\/wx-subscribe\/(wx_subscribe_send_bg\.wasm\.br)$/.exec(path);
    if (send && config.sendModule) return PLAIN_WASM + send[1];
    var mounts = config.mounts || PACKAGE_MOUNTS;
    var best = '';
    for (var prefix in mounts) {
      if (path.indexOf(prefix) === 0 && prefix.length > best.length) best = prefix;
    }
    if (best) return mounts[best] + path.slice(best.length);
    return (config.root || '.') + path;
  }

  function normalise(path) {
    var out = [];
    path.split('/').forEach(function (part) {
      if (part === '..') out.pop();
      else if (part !== '.' && part !== '') out.push(part);
    });
    return '/' + out.join('/');
  }

  function resolve(from, request) {
    var path;
    if (request.charAt(0) === '/') path = request;
    else if (request.charAt(0) === '.') path = from.slice(0, from.lastIndexOf('/') + 1) + request;
    else path = '/miniprogram_npm/' + request + (request.indexOf('/') < 0 ? '/index' : '');
    path = normalise(path);
    return /\.js$/.test(path) ? path : path + '.js';
  }

  var modules = {};
  var app = null;
  var pageDefinitions = {};
  var componentDefinitions = {};
  var loadingPath = null;
  var pages = [];
  var injected = {
    wx: null,
    WXWebAssembly: null,
    setTimeout: function (fn, ms) { return timer(fn, ms, false); },
    clearTimeout: clearTimer,
    setInterval: function (fn, ms) { return timer(fn, ms, true); },
    clearInterval: clearTimer,
    App: function (definition) { app = definition; },
    getApp: function () { return app; },
    Page: function (definition) { pageDefinitions[loadingPath] = definition; },
    getCurrentPages: function () { return pages.slice(); },
    // The mini-program's shared object for app-wide values (not the realm's global object).
    global: {},
    // Custom components are registered, not rendered (the emulator has no view layer).
    Component: function (definition) { componentDefinitions[loadingPath] = definition; },
    Behavior: function (definition) { return definition; },
  };
  var injectedNames = ['module', 'exports', 'require'].concat(Object.keys(injected));

  function load(path) {
    if (modules[path]) return modules[path].exports;
    var module = { exports: {} };
    modules[path] = module;
    var outer = loadingPath;
    loadingPath = path;
    var sources = config.sources || {};
    var source = sources[path] !== undefined ? sources[path] : engine.readText(filePath(path));
    var factory = engine.compile('(function (' + injectedNames.join(', ') + ') {' + source + '\n})', path);
    var args = [module, module.exports, function (request) { return load(resolve(path, request)); }];
    Object.keys(injected).forEach(function (name) { args.push(injected[name]); });
    try {
      factory.apply(undefined, args);
    } finally {
      loadingPath = outer;
    }
    return module.exports;
  }

  host.require = function (request) {
    return load(resolve('/app.js', request));
  };

  // The paths of the modules loaded so far.
  host.loadedModules = function () {
    return Object.keys(modules);
  };

  // ---- WXWebAssembly ----
  var WXWebAssembly = {
    instantiate: function (path, imports) {
      host.log.push({ api: 'WXWebAssembly.instantiate', path: path });
      return new Promise(function (resolveInstance, reject) {
        if (typeof path !== 'string') throw new TypeError('WXWebAssembly.instantiate: path must be a string (a file in the code package)');
        if (path.charAt(0) !== '/') throw new Error('WXWebAssembly.instantiate: ' + path + ' is not an absolute path in the code package');
        var brotli = /\.wasm\.br$/.test(path);
        if (!brotli && !/\.wasm$/.test(path)) throw new Error('WXWebAssembly.instantiate: ' + path + ' is not a .wasm or .wasm.br file');
        if (brotli && !versionAtLeast(baseLibrary, [2, 14, 0])) throw new Error('WXWebAssembly.instantiate: .wasm.br needs base library 2.14.0');
        if (brotli && config.brokenBrotli) throw new Error('WXWebAssembly.instantiate: invalid brotli data in ' + path);
        if (config.failingWasm > 0) {
          config.failingWasm -= 1;
          throw new Error('WXWebAssembly.instantiate: no file ' + path + ' in the code package');
        }
        var file = filePath(path);
        if (!engine.exists(file)) throw new Error('WXWebAssembly.instantiate: no file ' + path + ' in the code package');
        var bytes = engine.readBinary(file);
        if (brotli) {
          // JavaScriptCore has no brotli: there the plain module of js/wasm/ is
          // read, which the build (tests/wasm-check) proved to be the same bytes.
          bytes = engine.brotliDecompress ? engine.brotliDecompress(bytes) : engine.readBinary(PLAIN_WASM + file.replace(/\.br$/, '').replace(/^.*\//, ''));
        }
        engine.WebAssembly.instantiate(bytes, imports).then(function (result) {
          host.instances.push(result.instance);
          var instance = config.countCalls ? counted(result.instance) : result.instance;
          var settle = function () { resolveInstance(config.instanceShape === 'result' ? { instance: instance, module: result.module } : instance); };
          if (config.wasmDelayMs === Infinity) return;
          if (config.wasmDelayMs) later(settle, config.wasmDelayMs);
          else settle();
        }, reject);
      });
    },
  };

  // ---- wx ----
  var subscribeErrors = {
    10001: 'TmplIds can\'t be empty', 10002: 'Request list fail', 10003: 'Request subscribe fail',
    10004: 'Invalid template id', 10005: 'Cannot show subscribe message UI',
    20001: 'No template data return, verify the template id exist', 20002: 'Templates type must be same',
    20003: 'Templates count out of max bounds', 20004: 'The main switch is switched off',
    20005: 'This mini program was banned from subscribing messages', 20013: 'Reject DeviceMsg Template',
  };

  function failWith(options, api, code) {
    answer(options, null, false, { errMsg: api + ':fail ' + subscribeErrors[code], errCode: code });
  }

  function maxIds() {
    var old = !versionAtLeast(baseLibrary, [2, 8, 4]) ||
      (config.wechatVersion && platform === 'ios' && !versionAtLeast(config.wechatVersion, [7, 0, 6])) ||
      (config.wechatVersion && platform === 'android' && !versionAtLeast(config.wechatVersion, [7, 0, 7]));
    return old ? 1 : (config.maxIdsPerRequest || 3);
  }

  // The first failure WeChat reports for this request, or 0.
  function requestFailure(ids, device) {
    var templates = config.templates || {};
    if (!Array.isArray(ids) || ids.length === 0) return 10001;
    if (!setting.mainSwitch) return 20004;
    if (config.appBanned) return 20005;
    if (ids.length > maxIds()) return 20003;
    for (var i = 0; i < ids.length; i++) {
      if (typeof ids[i] !== 'string') return 10004;
      if (!templates[ids[i]]) return 20001;
    }
    var kind = templates[ids[0]].kind || 'one-time';
    for (var j = 1; j < ids.length; j++) {
      if ((templates[ids[j]].kind || 'one-time') !== kind) return 20002;
    }
    if (!device && kind === 'device') return 20013;
    if (device && kind !== 'device') return 20001;
    if (config.network === 'list') return 10002;
    if (config.background) return 10005;
    if (config.network === 'subscribe') return 10003;
    return 0;
  }

  function subscribe(api, options, device) {
    var click = usableClickState();
    host.log.push({ api: api, ids: options.tmplIds, tap: !!click });
    if (!click) {
      answer(options, null, false, { errMsg: api.replace('wx.', '') + TAP_ERROR.slice(TAP_ERROR.indexOf(':')) });
      return;
    }
    click.consumed = true;
    var name = api.replace('wx.', '');
    if (host.openRequest) {
      answer(options, null, false, { errMsg: name + ':fail last call has not ended' });
      return;
    }
    var failure = requestFailure(options.tmplIds, device);
    if (failure) {
      failWith(options, name, failure);
      return;
    }
    var user = config.user || {};
    var templates = config.templates || {};
    var result = { errMsg: name + ':ok' };
    if (config.successErrCode !== undefined) result.errCode = config.successErrCode;
    var titles = {};
    var asked = [];
    options.tmplIds.forEach(function (id) {
      var title = templates[id].title;
      var kept = setting.itemSettings[id];
      if (config.banned && config.banned[id]) result[id] = 'ban';
      else if (title && titles[title]) result[id] = 'filter';
      else if (kept === 'accept' || kept === 'reject') result[id] = kept;
      else asked.push(id);
      if (title) titles[title] = true;
    });
    if (asked.length > 0) {
      host.popups++;
      if (user.cancel) {
        answer(options, null, false, { errMsg: name + ':fail cancel' });
        return;
      }
      asked.forEach(function (id) {
        result[id] = user.answer ? user.answer(id, templates[id]) : 'accept';
        if (user.keep) setting.itemSettings[id] = result[id] === 'reject' ? 'reject' : 'accept';
      });
    }
    options.tmplIds.forEach(function (id) {
      if (/^accept/.test(result[id]) && (templates[id].kind || 'one-time') === 'one-time') {
        host.quota[id] = (host.quota[id] || 0) + 1;
      }
    });
    host.openRequest = true;
    var late = config.lateAnswers > 0;
    if (late) config.lateAnswers -= 1;
    later(function () {
      host.openRequest = false;
      if (!late) answer(options, null, true, result);
      else if (config.lateAnswerMs !== Infinity) later(function () { answer(options, null, true, result); }, config.lateAnswerMs);
    }, asked.length > 0 ? 5 : 0);
  }

  function subscriptionsSetting() {
    var out = { mainSwitch: setting.mainSwitch };
    if (Object.keys(setting.itemSettings).length > 0) out.itemSettings = copy(setting.itemSettings);
    return out;
  }

  var wx = {
    getAppBaseInfo: function () {
      return { SDKVersion: baseLibrary };
    },
    getSystemInfoSync: function () {
      return { SDKVersion: baseLibrary, platform: platform, version: config.wechatVersion || '8.0.50' };
    },
    getDeviceInfo: function () {
      return { platform: platform };
    },
    getSetting: function (options) {
      host.log.push({ api: 'wx.getSetting' });
      var result = { errMsg: 'getSetting:ok', authSetting: {} };
      if (options.withSubscriptions && versionAtLeast(baseLibrary, [2, 10, 1])) result.subscriptionsSetting = subscriptionsSetting();
      answer(options, usableClickState(), true, result);
    },
    // config.http(options) -> Promise of { statusCode, data } makes real requests
    // (Node: engine.http); config.server(options) -> data answers in place.
    request: function (options) {
      host.log.push({ api: 'wx.request', url: options.url, method: options.method || 'GET' });
      var carried = usableClickState();
      if (config.http) {
        config.http(options).then(function (res) {
          answer(options, carried, true, { errMsg: 'request:ok', statusCode: res.statusCode, data: res.data });
        }, function () {
          answer(options, carried, false, { errMsg: 'request:fail' });
        });
        return;
      }
      var data = config.server ? config.server(options) : {};
      answer(options, carried, true, { errMsg: 'request:ok', statusCode: 200, data: data });
    },
    // The code is 'code-' + config.openid (a fake WeChat reads the openid from it).
    login: function (options) {
      host.log.push({ api: 'wx.login' });
      answer(options, null, true, { errMsg: 'login:ok', code: 'code-' + (config.openid || 'oDemoUser') });
    },
    requestSubscribeMessage: function (options) {
      subscribe('wx.requestSubscribeMessage', options, false);
    },
    requestSubscribeDeviceMessage: function (options) {
      subscribe('wx.requestSubscribeDeviceMessage', options, true);
    },
    openSetting: function (options) {
      var click = usableClickState();
      host.log.push({ api: 'wx.openSetting', tap: !!click });
      if (!click) {
        answer(options, null, false, { errMsg: 'openSetting:fail can only be invoked by user TAP gesture.' });
        return;
      }
      click.consumed = true;
      if (config.user && config.user.onSettings) config.user.onSettings(setting);
      var result = { errMsg: 'openSetting:ok', authSetting: {} };
      if (options.withSubscriptions) result.subscriptionsSetting = subscriptionsSetting();
      answer(options, null, true, result);
    },
    getStorageSync: function (key) {
      return Object.prototype.hasOwnProperty.call(host.storage, key) ? copy(host.storage[key]) : '';
    },
    setStorageSync: function (key, value) {
      host.storage[key] = copy(value);
    },
    removeStorageSync: function (key) {
      delete host.storage[key];
    },
    setStorage: function (options) {
      host.storage[options.key] = copy(options.data);
      answer(options, null, true, { errMsg: 'setStorage:ok' });
    },
    // What frameworks' runtimes read at start (uni-app, Taro).
    canIUse: function (schema) {
      return typeof wx[String(schema).split('.')[0]] !== 'undefined';
    },
    getLaunchOptionsSync: function () {
      return { path: '', query: {}, scene: 1001, referrerInfo: {} };
    },
    getWindowInfo: function () {
      return { windowWidth: 375, windowHeight: 667, screenWidth: 375, screenHeight: 667, pixelRatio: 2 };
    },
    onAppShow: function () {},
    onAppHide: function () {},
    nextTick: function (fn) {
      later(fn);
    },
  };

  // wx.cloud, where the engine can run the cloud function (config.cloud = engine.cloud).
  if (config.cloud) {
    wx.cloud = {
      init: function (options) {
        host.log.push({ api: 'wx.cloud.init', env: options && options.env });
      },
      // Consumes the tap's click state, as the real one does (docs/wechat.md section 3).
      callFunction: function (options) {
        var click = usableClickState();
        if (click) click.consumed = true;
        host.log.push({ api: 'wx.cloud.callFunction', name: options.name, action: options.data && options.data.action });
        return Promise.resolve(config.cloud.call(options.name, copy(options.data || {}))).then(function (result) {
          return { errMsg: 'cloud.callFunction:ok', result: copy(result) };
        });
      },
    };
  }

  // APIs newer than the base library are missing, as on a real client.
  if (!versionAtLeast(baseLibrary, [2, 20, 1])) {
    delete wx.getAppBaseInfo;
    delete wx.getDeviceInfo;
  }
  if (!versionAtLeast(baseLibrary, [2, 20, 0])) delete wx.requestSubscribeDeviceMessage;

  injected.wx = wx;
  injected.WXWebAssembly = config.noWXWebAssembly ? undefined : WXWebAssembly;
  host.wx = wx;
  host.WXWebAssembly = injected.WXWebAssembly;
  host.setting = setting;

  // Starts the app: runs app.js and App.onLaunch / onShow.
  host.launch = function (appPath) {
    load(appPath || '/app.js');
    if (!app) throw new Error('app.js did not call App()');
    if (app.onLaunch) app.onLaunch({ path: '', query: {} });
    if (app.onShow) app.onShow({});
    return app;
  };

  // Opens a page: runs its module, makes the instance, calls onLoad / onShow / onReady.
  host.openPage = function (path, query) {
    var file = /\.js$/.test(path) ? path : path + '.js';
    load(file);
    var definition = pageDefinitions[file];
    // A page made with Component() (as uni-app makes them): its methods hold the page's lifecycle.
    var asComponent = !definition && componentDefinitions[file];
    if (!definition && !asComponent) throw new Error(file + ' did not call Page() or Component()');
    var page = {};
    var members = asComponent ? asComponent.methods || {} : definition;
    Object.keys(members).forEach(function (key) { page[key] = members[key]; });
    page.data = copy((definition || asComponent).data || {});
    page.route = file.replace(/^\//, '').replace(/\.js$/, '');
    page.renders = 0;
    page.setData = function (patch, callback) {
      Object.keys(patch).forEach(function (key) { setPath(page.data, key, copy(patch[key] === undefined ? null : patch[key])); });
      page.renders++;
      if (callback) later(callback);
    };
    pages.push(page);
    if (asComponent) {
      page.properties = {};
      Object.keys(asComponent.properties || {}).forEach(function (name) {
        var declared = asComponent.properties[name];
        page.properties[name] = declared && typeof declared === 'object' && 'value' in declared ? copy(declared.value) : null;
      });
      page.triggerEvent = function () {};
      page.selectAllComponents = function () { return []; };
      var lifetimes = asComponent.lifetimes || {};
      [lifetimes.created || asComponent.created, lifetimes.attached || asComponent.attached].forEach(function (fn) {
        if (fn) fn.call(page);
      });
    }
    if (page.onLoad) page.onLoad(query || {});
    if (page.onShow) page.onShow();
    if (page.onReady) page.onReady();
    return page;
  };

  // The open pages, oldest first.
  host.pages = function () {
    return pages.slice();
  };

  // A user tap on an element whose bindtap names `handler` on `page`.
  host.tapOn = function (page, handler, dataset) {
    if (typeof page[handler] !== 'function') throw new Error('the page has no handler ' + handler);
    return host.tap(function (event) { return page[handler](event); },
      { type: 'tap', currentTarget: { dataset: dataset || {} }, target: { dataset: dataset || {} } });
  };

  // The user types `value` into an input whose bindinput names `handler`.
  host.inputOn = function (page, handler, dataset, value) {
    if (typeof page[handler] !== 'function') throw new Error('the page has no handler ' + handler);
    return page[handler]({ type: 'input', detail: { value: value }, currentTarget: { dataset: dataset || {} } });
  };

  // A user tap: runs the handler with a fresh click state.
  host.tap = function (handler, event) {
    return withClickState({ consumed: false }, function () {
      return handler(event || { type: 'tap' });
    });
  };

  // Resolves once every pending callback has run (timers included).
  host.settle = function (ms) {
    return new Promise(function (done) { later(done, ms || 20); });
  };

  // Resolves once `done()` holds, checked every 5 ms (then one more turn, for
  // the callbacks that follow it); rejects naming `what` after `limitMs`
  // (10 s by default). A condition, not a fixed wait: a loaded machine is slower.
  host.until = function (done, what, limitMs) {
    var deadline = Date.now() + (limitMs || 10000);
    return new Promise(function (resolve, reject) {
      (function check() {
        if (done()) return later(resolve, 0);
        if (Date.now() > deadline) return reject(new Error(what + ': not within ' + (limitMs || 10000) + ' ms'));
        later(check, 5);
      })();
    });
  };

  return host;
}

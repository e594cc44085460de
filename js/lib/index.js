// wx-subscribe for mini-programs.
//
//   // app.js: load once, before the first tap
//   const wxs = require('wx-subscribe');
//   App({ onLaunch() { wxs.init(); } });
//
//   // a page: see subscriber() in flow.js, and the README
//
// The API is the loader's (init, isReady, plan, interpretResult, version,
// WxSubscribeError) completed with the tap-safe flow (tap, subscriber).
'use strict';

var api = require('./loader.js');
var flow = require('./flow.js');

api.tap = flow.tap;
api.subscriber = flow.subscriber;
api.STORAGE_KEY = flow.STORAGE_KEY;

module.exports = api;

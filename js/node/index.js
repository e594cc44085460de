// wx-subscribe for Node (cloud functions, servers): the send side, the same
// Rust code and the same boundary as the mini-program's send module. Node can
// instantiate synchronously, so a call that traps throws an 'internal' error
// and the next call gets a fresh instance at once.
// Errors are the same WxSubscribeError as in the mini-program.
'use strict';

var fs = require('fs');
var path = require('path');
var boundary = require('./boundary.js');
var WxSubscribeError = require('./error.js');
var createGlue = require('./wx_subscribe_send_glue.js');

var compiled = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'wx_subscribe_send_bg.wasm')));
var live = null;

function instance() {
  if (live && !live.broken && !live.oversized) return live;
  var glue = createGlue();
  var imports = {};
  imports[glue.importModule] = glue.imports;
  var made = new WebAssembly.Instance(compiled, imports);
  glue.setWasm(made.exports);
  live = { exports: glue.exports, memory: made.exports.memory, broken: false };
  return live;
}

function wrap(name) {
  return function () {
    return boundary.call(instance(), name, Array.prototype.slice.call(arguments));
  };
}

module.exports = {
  WxSubscribeError: WxSubscribeError,
  LIMITS: boundary.LIMITS,
  /** describeTemplate(template) -> { id?, keywords: [{ key, type, label?, choices? }] } */
  describeTemplate: wrap('describeTemplate'),
  /** checkData(template, data, options?) -> { ok, data, violations, changes } */
  checkData: wrap('checkData'),
  /** buildPayload(template, request, options?) -> { payload, changes } */
  buildPayload: wrap('buildPayload'),
  /** interpretSend(response or thrown error) -> { msgid? }; throws WxSubscribeError for a failure */
  interpretSend: wrap('interpretSend'),
  /** The crate's version. */
  version: wrap('version'),
};

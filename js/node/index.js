// wx-subscribe for Node (cloud functions, servers): the send side, the same
// Rust code as the mini-program's send module, built by wasm-bindgen for Node.
// Errors are the same WxSubscribeError as in the mini-program.
'use strict';

var glue = require('./wx_subscribe_send.js');
var WxSubscribeError = require('./error.js');

function wrap(name) {
  return function () {
    try {
      return glue[name].apply(null, arguments);
    } catch (thrown) {
      throw WxSubscribeError.from(thrown);
    }
  };
}

module.exports = {
  WxSubscribeError: WxSubscribeError,
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

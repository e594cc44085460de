// The library's one error type: the same fields as the Rust `Error`
// (code, kind, message, advice, retryable, and errCode/errMsg when WeChat answered).
'use strict';

function WxSubscribeError(fields) {
  var error = new Error(fields.message);
  Object.setPrototypeOf(error, WxSubscribeError.prototype);
  error.name = 'WxSubscribeError';
  error.code = fields.code;
  error.kind = fields.kind;
  error.advice = fields.advice;
  error.retryable = fields.retryable === true;
  if (fields.errCode !== undefined) error.errCode = fields.errCode;
  if (fields.errMsg !== undefined) error.errMsg = fields.errMsg;
  if (fields.field !== undefined) error.field = fields.field;
  return error;
}
WxSubscribeError.prototype = Object.create(Error.prototype, {
  constructor: { value: WxSubscribeError, writable: true, configurable: true },
});

// An error value thrown by the wasm side (a plain { code, kind, message, ... }
// object) becomes a WxSubscribeError; anything else passes through unchanged.
WxSubscribeError.from = function (thrown) {
  var isFields = thrown !== null && typeof thrown === 'object' && !(thrown instanceof Error) &&
    typeof thrown.code === 'string' && typeof thrown.kind === 'string';
  return isFields ? new WxSubscribeError(thrown) : thrown;
};

module.exports = WxSubscribeError;

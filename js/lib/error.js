// The library's one error type: the same fields as the Rust `Error`
// (code, kind, message, advice, userMessage, retryable, and errCode/errMsg
// when WeChat answered).
'use strict';

// A sentence for the user per kind, in Chinese, from the core
// (ErrorKind::user_message). Every error takes it from here (the wasm modules
// do not carry the sentences); errors from the Rust server or a cloud function
// carry it already.
var USER_MESSAGES = require('./names.js').USER_MESSAGES;

function WxSubscribeError(fields) {
  var error = new Error(fields.message);
  Object.setPrototypeOf(error, WxSubscribeError.prototype);
  error.name = 'WxSubscribeError';
  error.code = fields.code;
  error.kind = fields.kind;
  error.advice = fields.advice;
  error.userMessage = typeof fields.userMessage === 'string' ? fields.userMessage
    : USER_MESSAGES[fields.kind] || USER_MESSAGES.unknown;
  error.retryable = fields.retryable === true;
  if (fields.errCode !== undefined) error.errCode = fields.errCode;
  if (fields.errMsg !== undefined) error.errMsg = fields.errMsg;
  if (fields.field !== undefined) error.field = fields.field;
  return error;
}
WxSubscribeError.prototype = Object.create(Error.prototype, {
  constructor: { value: WxSubscribeError, writable: true, configurable: true },
});

// The fields an error value carries, in the order the constructor reads them.
var FIELDS = ['code', 'kind', 'message', 'advice', 'userMessage', 'retryable', 'errCode', 'errMsg', 'field'];

// Whether `value` is an object (not null, not a function), with no `typeof`
// babel would rewrite into a helper's call (see isObject() in boundary.js).
function isObject(value) {
  return Object(value) === value && typeof value !== 'function';
}

// An error value thrown by the wasm side (a plain { code, kind, message, ... }
// object) becomes a WxSubscribeError; anything else passes through unchanged.
// Each field is read once, inside a try: a value whose getter or Proxy throws
// while it is read becomes an 'input-unreadable' error, never a raw exception.
WxSubscribeError.from = function (thrown) {
  try {
    if (!isObject(thrown) || thrown instanceof Error) return thrown;
    var fields = {};
    FIELDS.forEach(function (name) { fields[name] = thrown[name]; });
    if (typeof fields.code !== 'string' || typeof fields.kind !== 'string') return thrown;
    if (typeof fields.message !== 'string') fields.message = fields.code;
    if (typeof fields.advice !== 'string') fields.advice = '';
    return new WxSubscribeError(fields);
  } catch (unreadable) {
    return new WxSubscribeError({
      code: 'input-unreadable', kind: 'input', retryable: false,
      message: 'the thrown value could not be read (a getter or Proxy threw while it was read)',
      advice: 'throw an Error or a plain { code, kind, message, advice } object',
    });
  }
};

WxSubscribeError.USER_MESSAGES = USER_MESSAGES;

/** The sentence to show the user for anything a call rejected or threw with. */
WxSubscribeError.userMessageOf = function (thrown) {
  var told;
  try {
    told = isObject(thrown) ? thrown.userMessage : undefined;
  } catch (unreadable) {
    told = undefined;
  }
  return typeof told === 'string' && told !== '' ? told : USER_MESSAGES.unknown;
};

module.exports = WxSubscribeError;

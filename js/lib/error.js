// The library's one error type: the same fields as the Rust `Error`
// (code, kind, message, advice, userMessage, retryable, and errCode/errMsg
// when WeChat answered).
'use strict';

/**
 * A sentence for the user per kind, in Chinese: the same table as
 * ErrorKind::user_message in src/error.rs (a cargo test keeps them equal).
 * Every error takes it from here (the wasm modules do not carry the
 * sentences); errors from the Rust server or a cloud function carry it already.
 */
var USER_MESSAGES = {
  'input': '内容不符合要求，请按提示修改。',
  'gesture': '请直接点击按钮订阅。',
  'busy': '上一次订阅还没有完成，请稍候。',
  'cancelled': '已取消，可以稍后再订阅。',
  'network': '网络不太好，请稍后再试。',
  'background': '请回到小程序后再点一次。',
  'settings': '订阅消息已关闭，请到设置页打开。',
  'banned': '这个小程序暂时无法订阅消息。',
  'template': '这个通知暂时无法订阅，请稍后再试。',
  'batch': '已重新分组，请再点一次订阅。',
  'device': '设备信息已失效，请重新连接设备后再订阅。',
  'unsupported': '当前微信版本过低，请升级微信后再订阅。',
  'not-ready': '正在加载，请稍后再试。',
  'quota': '还没有可用的订阅次数，请先订阅这个通知。',
  'token': '服务暂时不可用，请稍后再试。',
  'limit': '今天的发送次数已用完，请明天再试。',
  'unknown': '订阅暂时不可用，请稍后再试。',
  'internal': '出了点问题，请再试一次。',
  'setup': '小程序安装不完整，请联系开发者。',
};

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

// An error value thrown by the wasm side (a plain { code, kind, message, ... }
// object) becomes a WxSubscribeError; anything else passes through unchanged.
// Each field is read once, inside a try: a value whose getter or Proxy throws
// while it is read becomes an 'input-unreadable' error, never a raw exception.
WxSubscribeError.from = function (thrown) {
  try {
    if (thrown === null || typeof thrown !== 'object' || thrown instanceof Error) return thrown;
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
    told = thrown !== null && typeof thrown === 'object' ? thrown.userMessage : undefined;
  } catch (unreadable) {
    told = undefined;
  }
  return typeof told === 'string' && told !== '' ? told : USER_MESSAGES.unknown;
};

module.exports = WxSubscribeError;

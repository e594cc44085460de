// The demo's backend, chosen in config.js: the cloud function (CLOUD_ENV), or
// the self-hosted server (SERVER_URL: miniprogram-demo/server, see the
// README); with neither, the local template list and no sending. Both
// backends give the pages the same answers:
//   list()                 -> [{ id, title, kind, content, keywords }]
//   report(accepts)        -> { ok, recorded: { [id]: n } } | { ok: false, error }
//   send(templateId)       -> { ok, msgid } | { ok: false, error }
//   remind(templateId)     -> { id, status, sendAt } | { ok: false, error } (server only)
const { CLOUD_ENV, SERVER_URL } = require('../config.js');
const LOCAL = require('./templates.js');

/** 'cloud', 'server' or '' (neither configured). */
function which() {
  if (CLOUD_ENV && typeof wx.cloud === 'object') return 'cloud';
  return SERVER_URL ? 'server' : '';
}

function cloudCall(data) {
  return wx.cloud.callFunction({ name: 'subscribe', data }).then(({ result }) => result);
}

// The server's JSON answer, whatever the status (errors come as { ok: false, error }).
function request(method, path, body, session) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: SERVER_URL + path,
      method,
      data: body,
      header: session ? { Authorization: 'Bearer ' + session } : {},
      success: (res) => resolve(res.data),
      fail: reject,
    });
  });
}

// A session of the server, from a wx.login code (the openid never leaves the server).
let session = null;
function login() {
  if (session) return Promise.resolve(session);
  return new Promise((resolve, reject) => wx.login({ success: resolve, fail: reject }))
    .then(({ code }) => request('POST', '/login', { code }))
    .then((answer) => {
      if (!answer || !answer.ok) throw answer && answer.error ? answer.error : new Error('login failed');
      session = answer.session;
      return session;
    });
}

function serverCall(method, path, body) {
  return login().then((s) => request(method, path, body, s));
}

function list() {
  const answer = which() === 'cloud' ? cloudCall({ action: 'list' })
    : which() === 'server' ? request('GET', '/templates') : Promise.resolve(null);
  return answer.then((a) => (a && a.ok ? a.templates : LOCAL), () => LOCAL);
}

function report(accepts) {
  if (which() === 'cloud') return cloudCall({ action: 'report', accepts });
  if (which() === 'server') return serverCall('POST', '/report', { accepts });
  return Promise.resolve({ ok: true, recorded: accepts });
}

const NO_BACKEND = {
  ok: false,
  error: { kind: 'setup', userMessage: '发送需要云开发环境或自建服务器：在 config.js 填写 CLOUD_ENV 或 SERVER_URL 后再试。' },
};

// Neither backend takes a message from a page: their demo send (WXS_DEMO=1 on the
// server or on the cloud function) sends each keyword's example value, written on
// that side; the values typed on the send page are only checked.
function send(templateId) {
  if (which() === 'cloud') return cloudCall({ action: 'demoSend', templateId });
  if (which() === 'server') return serverCall('POST', '/demo/send', { templateId });
  return Promise.resolve(NO_BACKEND);
}

const NO_REMINDERS = {
  ok: false,
  error: { kind: 'setup', userMessage: '定时提醒需要自建服务器：在 config.js 填写 SERVER_URL 后再试。' },
};

// The server's demo reminder (WXS_DEMO=1): the same server-written message,
// due a minute from now (WXS_DEMO_REMIND_SECS).
function remind(templateId) {
  if (which() === 'server') return serverCall('POST', '/demo/remind', { templateId });
  return Promise.resolve(NO_REMINDERS);
}

module.exports = { which, list, report, send, remind };

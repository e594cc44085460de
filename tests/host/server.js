// The self-hosted server (miniprogram-demo/server) for the demo's host test:
// its binary, on a fresh SQLite file, against a fake of WeChat's server API
// on 127.0.0.1 that lists the demo's templates and takes sends. Node only.
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const BINARY = path.resolve('target/debug/wx-subscribe-server');
const TEMPLATES = require(path.resolve('miniprogram-demo/miniprogram/data/templates.js'));

function json(res, body) {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

// WeChat's routes the server calls, with one token and a count of sends.
function fakeWeChat(state) {
  return http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      if (url.pathname === '/sns/jscode2session') {
        return json(res, { openid: url.searchParams.get('js_code').replace(/^code-/, ''), session_key: 'kept-on-the-server' });
      }
      if (url.pathname === '/cgi-bin/stable_token') return json(res, { access_token: 'TOKEN', expires_in: 7200 });
      if (url.searchParams.get('access_token') !== 'TOKEN') return json(res, { errcode: 40001, errmsg: 'invalid credential' });
      if (url.pathname === '/wxaapi/newtmpl/gettemplate') {
        return json(res, { errcode: 0, errmsg: 'ok', data: TEMPLATES.map((t) => ({ priTmplId: t.id, title: t.title, type: 2, content: t.content })) });
      }
      if (url.pathname === '/cgi-bin/message/subscribe/send') {
        const next = state.nextFailure;
        state.nextFailure = null;
        if (next) return json(res, { errcode: next.errCode, errmsg: next.errMsg });
        state.sent.push(JSON.parse(body));
        state.sentAt.push(Date.now());
        return json(res, { errcode: 0, errmsg: 'ok', msgid: 1 });
      }
      res.statusCode = 404;
      return json(res, {});
    });
  });
}

function listening(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

function freePort() {
  const probe = http.createServer();
  return listening(probe).then((port) => new Promise((resolve) => probe.close(() => resolve(port))));
}

// Resolves once the server answers on `url`.
function ready(url, tries) {
  return fetch(url + '/templates').then(() => undefined, () => {
    if (tries === 0) throw new Error('the server did not start on ' + url);
    return new Promise((r) => setTimeout(r, 50)).then(() => ready(url, tries - 1));
  });
}

/** How far ahead the server's demo reminder is due, for the host test (60 s in the demo). */
const REMIND_SECS = 2;

/** Starts both; resolves to { url, state: { sent, sentAt, nextFailure }, remindSecs, stop() }. */
async function start() {
  if (!fs.existsSync(BINARY)) throw new Error(BINARY + ' is missing: run cargo build -p wx-subscribe-server (cargo test --workspace builds it)');
  const state = { sent: [], sentAt: [], nextFailure: null };
  const wechat = fakeWeChat(state);
  const wechatPort = await listening(wechat);
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxs-demo-server-'));
  const child = spawn(BINARY, [], {
    stdio: 'ignore',
    env: {
      ...process.env,
      WXS_APPID: 'wx-demo', WXS_SECRET: 'demo-secret', WXS_BIND: '127.0.0.1:' + port, WXS_DEMO: '1', WXS_DEMO_REMIND_SECS: String(REMIND_SECS),
      WXS_DATABASE_URL: 'sqlite://' + path.join(dir, 'ledger.db') + '?mode=rwc', WXS_WECHAT_API: 'http://127.0.0.1:' + wechatPort,
    },
  });
  const url = 'http://127.0.0.1:' + port;
  await ready(url, 100);
  return {
    url,
    state,
    remindSecs: REMIND_SECS,
    stop() {
      child.kill('SIGKILL');
      wechat.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { start };

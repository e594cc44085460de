// The demo's cloud function against the emulated wx-server-sdk:
//   node --test tests/cloud/
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');

const fake = require('./fake-sdk.js');
fake.install();
const fn = require(path.join(__dirname, '../../miniprogram-demo/cloudfunctions/subscribe/index.js'));
const TEMPLATES = require(path.join(__dirname, '../../miniprogram-demo/miniprogram/data/templates.js'));

const ORDER = TEMPLATES[0]; // 下单时间 date2, 商品名称 thing4, 订单号 character_string9
const GOOD = { date2: '2015年01月05日', thing4: '阿里巴巴', character_string9: '123456789' };

const ME = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
const KEY = 'subscribe_quota/' + ME + ':' + ORDER.id;

test.beforeEach(() => {
  fake.state.docs.clear();
  fake.state.sent.length = 0;
  fake.state.nextFailure = null;
  fake.state.failDatabase = false;
  fake.state.openid = ME;
});

// Reports one accept of ORDER, n times.
async function accepted(n) {
  for (let i = 0; i < n; i++) await fn.main({ action: 'report', accepts: { [ORDER.id]: 1 } });
}

test('list gives the allowlisted templates with their keywords', async () => {
  const res = await fn.main({ action: 'list' });
  assert.equal(res.ok, true);
  assert.equal(res.templates.length, TEMPLATES.length);
  assert.deepEqual(res.templates[0].keywords.map((k) => k.key), ['date2', 'thing4', 'character_string9']);
  assert.equal(res.templates[0].content, ORDER.content, 'the send page reads the same record');
});

test('send goes to the caller from the context, never to an openid in the request', async () => {
  await accepted(1);
  const res = await fn.main({ action: 'send', templateId: ORDER.id, data: GOOD, touser: 'oSomeoneElse000000000000000' });
  assert.equal(res.ok, true, JSON.stringify(res));
  assert.equal(res.msgid, '3042002012310');
  assert.equal(fake.state.sent[0].touser, 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o');
  assert.equal(fake.state.sent[0].templateId, ORDER.id);
  assert.deepEqual(fake.state.sent[0].data.thing4, { value: '阿里巴巴' });
});

test('only allowlisted templates are sent', async () => {
  const res = await fn.main({ action: 'send', templateId: 'not-ours', data: GOOD });
  assert.deepEqual([res.ok, res.error.code], [false, 'template-not-allowed']);
  assert.equal(fake.state.sent.length, 0);
});

test('bad values come back as the library\'s errors, and WeChat is not called', async () => {
  const res = await fn.main({ action: 'send', templateId: ORDER.id, data: { ...GOOD, thing4: '这是一个非常非常长的商品名称超过了二十个字' } });
  assert.equal(res.ok, false);
  assert.equal(res.error.code, 'data-invalid');
  assert.match(res.error.message, /data\.thing4 is 21 characters/);
  assert.equal(fake.state.sent.length, 0);
  await accepted(1);
  const fixed = await fn.main({ action: 'send', templateId: ORDER.id, normalise: true, data: { ...GOOD, thing4: '这是一个非常非常长的商品名称超过了二十个字' } });
  assert.equal(fixed.ok, true);
  assert.equal(fixed.changes[0].to, '这是一个非常非常长的商品名称超过了二十…');
});

test('WeChat\'s send errors map to the library\'s kinds', async () => {
  const cases = [
    [40003, 'invalid openid', 'bad-openid', 'input'],
    [43101, 'user refuse to accept the msg', 'no-quota', 'quota'],
    [47003, 'argument invalid! data.thing4.value invalid', 'bad-data', 'input'],
    [41030, 'invalid page', 'page-not-released', 'input'],
  ];
  for (const [errCode, errMsg, code, kind] of cases) {
    await accepted(1);
    fake.state.nextFailure = { errCode, errMsg };
    const res = await fn.main({ action: 'send', templateId: ORDER.id, data: GOOD });
    assert.deepEqual([res.ok, res.error.code, res.error.kind, res.error.errCode], [false, code, kind, errCode], errMsg);
    if (errCode === 47003) assert.equal(res.error.field, 'data.thing4.value');
  }
});

test('a send without a reported accept is refused, and WeChat is not called', async () => {
  const res = await fn.main({ action: 'send', templateId: ORDER.id, data: GOOD });
  assert.deepEqual([res.ok, res.error.code, res.error.kind], [false, 'no-accept', 'quota']);
  assert.ok(res.error.userMessage.length > 0);
  assert.equal(fake.state.sent.length, 0);
});

test('a report records at most one send per template per call, whatever count it claims', async () => {
  const reported = await fn.main({ action: 'report', accepts: { [ORDER.id]: 1e15, 'not-ours': 5, constructor: 1 } });
  assert.deepEqual(reported.recorded, { [ORDER.id]: 1 });
  assert.equal(fake.state.docs.get(KEY).sends, 1);
});

test('concurrent sends spend the ledger exactly: 10 sends against 5 accepts send 5', async () => {
  await accepted(5);
  const results = await Promise.all(Array.from({ length: 10 }, () => fn.main({ action: 'send', templateId: ORDER.id, data: GOOD })));
  assert.equal(results.filter((r) => r.ok).length, 5);
  assert.equal(results.filter((r) => !r.ok && r.error.code === 'no-accept').length, 5);
  assert.equal(fake.state.sent.length, 5);
  assert.equal(fake.state.docs.get(KEY).sends, 0);
});

test('a send WeChat refused gives its send back; 43101 empties the ledger', async () => {
  await accepted(2);
  fake.state.nextFailure = { errCode: 47003, errMsg: 'argument invalid! data.thing4.value invalid' };
  await fn.main({ action: 'send', templateId: ORDER.id, data: GOOD });
  assert.equal(fake.state.docs.get(KEY).sends, 2, 'not sent: given back');
  await fn.main({ action: 'send', templateId: ORDER.id, data: GOOD });
  assert.equal(fake.state.docs.get(KEY).sends, 1);
  fake.state.nextFailure = { errCode: 43101, errMsg: 'user refuse to accept the msg' };
  await fn.main({ action: 'send', templateId: ORDER.id, data: GOOD });
  assert.equal(fake.state.docs.get(KEY).sends, 0);
});

test('a database that fails refuses the send, wipes nothing, and says nothing of its internals', async () => {
  await accepted(2);
  fake.state.failDatabase = true;
  const res = await fn.main({ action: 'send', templateId: ORDER.id, data: GOOD });
  assert.deepEqual([res.ok, res.error.kind], [false, 'internal']);
  assert.ok(!JSON.stringify(res).includes('-501001'), JSON.stringify(res));
  assert.equal(fake.state.sent.length, 0);
  fake.state.failDatabase = false;
  assert.equal(fake.state.docs.get(KEY).sends, 2);
});

test('raw WeChat text, stacks and huge values never reach the caller', async () => {
  await accepted(1);
  fake.state.nextFailure = { errCode: 99999, errMsg: 'internal at /var/user/index.js:12' };
  const res = await fn.main({ action: 'send', templateId: ORDER.id, data: GOOD });
  assert.equal(res.error.kind, 'unknown');
  assert.ok(!JSON.stringify(res).includes('/var/user'), JSON.stringify(res));
  const huge = await fn.main({ action: 'x'.repeat(100000) });
  assert.ok(JSON.stringify(huge).length < 1000);
});

test('calls without a user or with an unknown action are refused', async () => {
  fake.state.openid = undefined;
  assert.equal((await fn.main({ action: 'list' })).error.code, 'no-user');
  fake.state.openid = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
  for (const action of ['drop', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    assert.equal((await fn.main({ action })).error.code, 'unknown-action', action);
  }
});

test('every cloud call the function makes is granted in its config.json (without it WeChat refuses the call, -604101)', () => {
  const dir = path.join(__dirname, '../../miniprogram-demo/cloudfunctions/subscribe');
  const source = require('node:fs').readFileSync(path.join(dir, 'index.js'), 'utf8');
  const calls = [...new Set([...source.matchAll(/cloud\.openapi\.(\w+\.\w+)\(/g)].map((m) => m[1]))];
  assert.ok(calls.includes('subscribeMessage.send'), 'the function sends');
  const granted = require(path.join(dir, 'config.json')).permissions.openapi;
  assert.deepStrictEqual(calls.filter((c) => !granted.includes(c)), []);
});

// The demo's cloud function against the emulated wx-server-sdk:
//   node --test tests/cloud/
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');

const fake = require('./fake-sdk.js');
fake.install();
const fn = require(path.join(__dirname, '../../miniprogram-demo/cloudfunctions/subscribe/index.js'));
const TEMPLATES = require(path.join(__dirname, '../../miniprogram-demo/data/templates.js'));

const ORDER = TEMPLATES[0]; // 下单时间 date2, 商品名称 thing4, 订单号 character_string9
const GOOD = { date2: '2015年01月05日', thing4: '阿里巴巴', character_string9: '123456789' };

test.beforeEach(() => {
  fake.state.docs.clear();
  fake.state.sent.length = 0;
  fake.state.nextFailure = null;
  fake.state.openid = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
});

test('list gives the allowlisted templates with their keywords', async () => {
  const res = await fn.main({ action: 'list' });
  assert.equal(res.ok, true);
  assert.equal(res.templates.length, TEMPLATES.length);
  assert.deepEqual(res.templates[0].keywords.map((k) => k.key), ['date2', 'thing4', 'character_string9']);
  assert.equal(res.templates[0].content, ORDER.content, 'the send page reads the same record');
});

test('send goes to the caller from the context, never to an openid in the request', async () => {
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
    fake.state.nextFailure = { errCode, errMsg };
    const res = await fn.main({ action: 'send', templateId: ORDER.id, data: GOOD });
    assert.deepEqual([res.ok, res.error.code, res.error.kind, res.error.errCode], [false, code, kind, errCode], errMsg);
    if (errCode === 47003) assert.equal(res.error.field, 'data.thing4.value');
  }
});

test('reported accepts become sends in hand; a send uses one; 43101 empties them', async () => {
  const reported = await fn.main({ action: 'report', accepts: { [ORDER.id]: 2, 'not-ours': 5 } });
  assert.deepEqual(reported.sends, { [ORDER.id]: 2 });
  await fn.main({ action: 'send', templateId: ORDER.id, data: GOOD });
  const key = 'subscribe_quota/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o:' + ORDER.id;
  assert.equal(fake.state.docs.get(key).sends, 1);
  fake.state.nextFailure = { errCode: 43101, errMsg: 'user refuse to accept the msg' };
  await fn.main({ action: 'send', templateId: ORDER.id, data: GOOD });
  assert.equal(fake.state.docs.get(key).sends, 0);
});

test('calls without a user or with an unknown action are refused', async () => {
  fake.state.openid = undefined;
  assert.equal((await fn.main({ action: 'list' })).error.code, 'no-user');
  fake.state.openid = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
  assert.equal((await fn.main({ action: 'drop' })).error.code, 'unknown-action');
});

// The cloud function's reminders against the emulated wx-server-sdk:
//   node --test tests/cloud/
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');

const fake = require('./fake-sdk.js');
fake.install();
const fn = require(path.join(__dirname, '../../miniprogram-demo/cloudfunctions/subscribe/index.js'));
const TEMPLATES = require(path.join(__dirname, '../../miniprogram-demo/miniprogram/data/templates.js'));

const ORDER = TEMPLATES[0];
const GOOD = { date2: '2015年01月05日', thing4: '阿里巴巴', character_string9: '123456789' };
const ME = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
const QUOTA_KEY = 'subscribe_quota/' + ME + ':' + ORDER.id;
const doc = (key) => fake.state.docs.get('subscribe_reminders/' + key);

test.beforeEach(() => {
  fake.state.docs.clear();
  fake.state.sent.length = 0;
  fake.state.nextFailure = null;
  fake.state.failDatabase = false;
});

function business(event) {
  fake.state.source = 'wx_trigger';
  fake.state.openid = undefined;
  return fn.main(event);
}

// The timer trigger's invocation.
const tick = () => business({ Type: 'Timer', TriggerName: 'remind', Time: new Date().toISOString() });

function inHand(n) {
  fake.state.docs.set(QUOTA_KEY, { openid: ME, templateId: ORDER.id, sends: n, pending: 0 });
}

const iso = (ms) => new Date(ms).toISOString();
const remind = (key, fields) => business({ action: 'remind', openid: ME, templateId: ORDER.id, data: GOOD, sendAt: iso(Date.now()), key, ...fields });

test('a reminder is checked and reserves a send when made; the same key makes nothing more; none in hand is no-accept', async () => {
  inHand(2);
  const bad = await remind('bad', { data: { ...GOOD, thing4: '这是一个非常非常长的商品名称超过了二十个字' } });
  assert.deepEqual([bad.ok, bad.error.code], [false, 'data-invalid']);
  assert.equal((await remind('when', { sendAt: 'tomorrow' })).error.code, 'bad-time');
  assert.equal(fake.state.docs.get(QUOTA_KEY).sends, 2, 'nothing reserved by a refused reminder');
  const made = await remind('renewal-1', { sendAt: iso(Date.now() + 3600000) });
  assert.deepEqual(made, { ok: true, id: 'renewal-1', status: 'scheduled' });
  assert.deepEqual(await remind('renewal-1', { sendAt: iso(Date.now() + 3600000) }), made, 'the same key, the same reminder');
  assert.equal(fake.state.docs.get(QUOTA_KEY).sends, 1);
  await remind('renewal-2', { sendAt: iso(Date.now() + 3600000) });
  const none = await remind('renewal-3', { sendAt: iso(Date.now() + 3600000) });
  assert.deepEqual([none.error.code, none.sends], ['no-accept', 0]);
  assert.equal(doc('renewal-3'), undefined, 'nothing stored');
  fake.state.source = 'wx_client';
  fake.state.openid = ME;
  assert.equal((await fn.main({ action: 'remind', openid: ME, templateId: ORDER.id, data: GOOD, sendAt: iso(Date.now()), key: 'p' })).error.code, 'not-for-pages');
  assert.equal((await tick()).sent, 0, 'nothing due: nothing sent');
});

test('overlapping timer runs send each due reminder exactly once, and leave the rest for later', async () => {
  inHand(12);
  for (let i = 0; i < 10; i++) await remind('due-' + i, {});
  await remind('later', { sendAt: iso(Date.now() + 3600000) });
  const runs = await Promise.all([tick(), tick(), tick()]);
  assert.equal(runs.reduce((n, r) => n + r.sent, 0), 10);
  assert.equal(fake.state.sent.length, 10, 'WeChat took 10');
  assert.equal(new Set(fake.state.sent.map((p) => p.data.thing4.value)).size, 1);
  for (let i = 0; i < 10; i++) assert.equal(doc('due-' + i).status, 'sent');
  assert.equal(doc('later').status, 'scheduled');
  const shown = await business({ action: 'reminder', key: 'due-0' });
  assert.deepEqual([shown.reminder.status, shown.reminder.attempts, typeof shown.reminder.msgid], ['sent', 1, 'string']);
});

test('busy WeChat retries with backoff until the deadline; 43101 fails it and empties the ledger; 40037 fails it and gives the send back', async () => {
  inHand(5);
  await remind('busy', {});
  fake.state.nextFailure = { errCode: -1, errMsg: 'system error' };
  assert.equal((await tick()).later, 1);
  assert.equal(doc('busy').status, 'scheduled');
  assert.ok(doc('busy').nextTry > Date.now(), 'backoff');
  doc('busy').nextTry = 0; // its time comes
  assert.equal((await tick()).sent, 1);
  assert.deepEqual([doc('busy').status, doc('busy').attempts], ['sent', 2]);
  await remind('late', { deadline: iso(Date.now() + 100) });
  fake.state.nextFailure = { errCode: -1, errMsg: 'system error' };
  await tick();
  assert.deepEqual([doc('late').status, doc('late').errcode], ['failed', -1]);
  assert.match(doc('late').reason, /deadline/);
  await remind('gone', {});
  fake.state.nextFailure = { errCode: 40037, errMsg: 'invalid template id' };
  await tick();
  assert.deepEqual([doc('gone').status, doc('gone').errcode], ['failed', 40037]);
  assert.equal(fake.state.docs.get(QUOTA_KEY).sends, 4, '5, one sent; the failed ones came back');
  await remind('refused', {});
  fake.state.nextFailure = { errCode: 43101, errMsg: 'user refuse to accept the msg' };
  await tick();
  assert.equal(doc('refused').status, 'failed');
  assert.equal(fake.state.docs.get(QUOTA_KEY).sends, 0, '43101 empties the ledger');
});

test('a lost answer is unknown, never resent, and its sent event settles it', async () => {
  inHand(1);
  await remind('lost', {});
  fake.state.nextFailure = { lost: true };
  assert.equal((await tick()).unknown, 1);
  await tick();
  assert.equal(fake.state.sent.length, 1, 'never resent');
  fake.state.source = 'wx_unknown';
  await fn.main({ FromUserName: ME, CreateTime: 1700000200, MsgType: 'event', Event: 'subscribe_msg_sent_event',
    List: { TemplateId: ORDER.id, MsgID: '990', ErrorCode: '0', ErrorStatus: 'success' } });
  assert.deepEqual([doc('lost').status, doc('lost').msgid, doc('lost').delivery], ['sent', '990', 0]);
});

test('a run that stopped before its call leaves the reminder to the next run; one that stopped during it leaves it unknown', async () => {
  inHand(2);
  await remind('before', {});
  await remind('during', {});
  Object.assign(doc('before'), { status: 'sending', owner: 'run-gone', leaseUntil: Date.now() - 1, calledAt: 0 });
  Object.assign(doc('during'), { status: 'sending', owner: 'run-gone', leaseUntil: Date.now() - 1, calledAt: Date.now() - 5000 });
  assert.equal((await tick()).sent, 1);
  assert.deepEqual([doc('before').status, doc('during').status], ['sent', 'unknown']);
  assert.equal(fake.state.sent.length, 1);
});

test('cancelling a scheduled reminder gives its send back; a sent one cannot be cancelled', async () => {
  inHand(2);
  await remind('cancel-me', { sendAt: iso(Date.now() + 3600000) });
  await remind('sent-one', {});
  await tick();
  assert.deepEqual(await business({ action: 'cancel', key: 'cancel-me' }), { ok: true, id: 'cancel-me', status: 'cancelled' });
  assert.equal(fake.state.docs.get(QUOTA_KEY).sends, 1);
  assert.equal((await business({ action: 'cancel', key: 'sent-one' })).error.code, 'not-cancellable');
  assert.equal((await business({ action: 'cancel', key: 'nothing' })).error.code, 'no-reminder');
});

test('the timer trigger is declared in config.json (once a minute, 7 fields)', () => {
  const config = require(path.join(__dirname, '../../miniprogram-demo/cloudfunctions/subscribe/config.json'));
  const timer = config.triggers.find((t) => t.type === 'timer');
  assert.equal(timer.config.split(' ').length, 7);
  assert.equal(timer.name, 'remind');
});

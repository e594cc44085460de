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
const LOGIN = TEMPLATES[2];
const GOOD = { date2: '2015年01月05日', thing4: '阿里巴巴', character_string9: '123456789' };

const ME = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
const OTHER = 'oOther0000000000000000000000';
const QUOTA = (openid, id) => fake.state.docs.get('subscribe_quota/' + openid + ':' + id) || { sends: 0, pending: 0 };

test.beforeEach(() => {
  fake.state.docs.clear();
  fake.state.sent.length = 0;
  fake.state.nextFailure = null;
  fake.state.failDatabase = false;
  fake.state.openid = ME;
  fake.state.source = 'wx_client';
  delete process.env.WXS_PUSH;
  delete process.env.WXS_DEMO;
});

// A call from a page (SOURCE wx_client, OPENID the user).
function page(event) {
  fake.state.source = 'wx_client';
  fake.state.openid = ME;
  return fn.main(event);
}

// A call from business code: another cloud function or a timer (no OPENID of its own).
function business(event, source) {
  fake.state.source = source || 'wx_trigger';
  fake.state.openid = undefined;
  return fn.main(event);
}

// Message push routed to the function: the event's fields are the function's event.
function pushed(kind, list, extra) {
  fake.state.source = 'wx_unknown';
  fake.state.openid = ME;
  return fn.main({ ToUserName: 'gh_123456789abc', FromUserName: ME, CreateTime: 1620973045, MsgType: 'event', Event: kind, List: list, ...extra });
}

const popup = (id, status, extra) => pushed('subscribe_msg_popup_event', { TemplateId: id, SubscribeStatusString: status, PopupScene: '0' }, extra);

// Gives ME n sends of ORDER, as n popup accepts.
async function accepted(n, id) {
  for (let i = 0; i < n; i++) await popup(id || ORDER.id, 'accept', { CreateTime: 1700000000 + i });
}

let keys = 0;
const send = (fields) => business({ action: 'send', openid: ME, templateId: ORDER.id, data: GOOD, key: 'k' + (keys += 1), ...fields });

test('list gives the allowlisted templates with their keywords and an example value for each', async () => {
  const res = await page({ action: 'list' });
  assert.equal(res.ok, true);
  assert.equal(res.templates.length, TEMPLATES.length);
  assert.deepEqual(res.templates[0].keywords.map((k) => k.key), ['date2', 'thing4', 'character_string9']);
  assert.deepEqual(res.templates[0].keywords.map((k) => k.example), ['2026-01-01', 'wx-subscribe 演示', 'DEMO-001']);
  assert.equal(res.templates[0].content, ORDER.content, 'the send page reads the same record');
});

test('a page can neither send, nor read the send log, nor deliver WeChat\'s events', async () => {
  await accepted(1);
  for (const event of [
    { action: 'send', openid: ME, templateId: ORDER.id, data: GOOD, key: 'mine' },
    { action: 'log', openid: ME },
    { action: 'demoSend', templateId: ORDER.id },
  ]) {
    const res = await page(event);
    assert.deepEqual([res.ok, res.error.code], [false, 'not-for-pages'], event.action);
  }
  const forged = await fn.main({ FromUserName: ME, CreateTime: 1, MsgType: 'event', Event: 'subscribe_msg_popup_event', List: { TemplateId: ORDER.id, SubscribeStatusString: 'accept' } });
  assert.equal(forged.error.code, 'not-for-pages');
  assert.equal(fake.state.sent.length, 0);
  assert.equal(QUOTA(ME, ORDER.id).sends, 1, 'the forged accept added nothing');
});

test('business code sends its own content to the openid it names, from a timer or a function a page called', async () => {
  await accepted(2);
  const res = await send({});
  assert.equal(res.ok, true, JSON.stringify(res));
  assert.equal(res.msgid, '3042002012310');
  const viaFunction = await send({}, 'wx_client,scf');
  assert.equal(viaFunction.ok, true, 'page -> business function -> here is business code');
  assert.equal(fake.state.sent[0].touser, ME);
  assert.equal(fake.state.sent[0].templateId, ORDER.id);
  assert.deepEqual(fake.state.sent[0].data.thing4, { value: '阿里巴巴' });
  const state = await business({ action: 'sends', openid: ME });
  assert.deepEqual(state, { ok: true, sends: {}, pending: {} });
});

test('content is checked before anything is spent: a broken rule names its keyword, and WeChat is not called', async () => {
  await accepted(1);
  const res = await send({ data: { ...GOOD, thing4: '这是一个非常非常长的商品名称超过了二十个字' } });
  assert.deepEqual([res.ok, res.error.code], [false, 'data-invalid']);
  assert.match(res.error.message, /data\.thing4 is 21 characters/);
  const other = await send({ templateId: 'not-ours' });
  assert.equal(other.error.code, 'unknown-template');
  const noKey = await business({ action: 'send', openid: ME, templateId: ORDER.id, data: GOOD });
  assert.equal(noKey.error.code, 'bad-request');
  assert.match(noKey.error.message, /^key must be/);
  assert.equal(fake.state.sent.length, 0);
  assert.equal(QUOTA(ME, ORDER.id).sends, 1);
});

test('with nothing in hand a send is no-accept, and WeChat is not called', async () => {
  const res = await send({});
  assert.deepEqual([res.ok, res.error.code, res.error.kind], [false, 'no-accept', 'quota']);
  assert.ok(res.error.userMessage.length > 0);
  assert.equal(fake.state.sent.length, 0);
});

test('the same key answers exactly the first answer and never sends twice, even at once', async () => {
  await accepted(3);
  const answers = await Promise.all(Array.from({ length: 5 }, () => send({ key: 'order-42-shipped' })));
  assert.equal(fake.state.sent.length, 1);
  assert.equal(answers.filter((a) => a.ok).length, 1);
  assert.deepEqual(answers.filter((a) => !a.ok).map((a) => a.error.code), Array(4).fill('key-in-progress'));
  const again = await send({ key: 'order-42-shipped' });
  assert.deepEqual(again, answers.find((a) => a.ok));
  assert.equal(fake.state.sent.length, 1);
  assert.equal(QUOTA(ME, ORDER.id).sends, 2);
});

test('concurrent sends spend the ledger exactly: 10 sends against 5 accepts send 5', async () => {
  await accepted(5);
  const results = await Promise.all(Array.from({ length: 10 }, () => send({})));
  assert.equal(results.filter((r) => r.ok).length, 5);
  assert.equal(results.filter((r) => !r.ok && r.error.code === 'no-accept').length, 5);
  assert.equal(fake.state.sent.length, 5);
  assert.equal(QUOTA(ME, ORDER.id).sends, 0);
});

test('WeChat\'s send errors map to the library\'s kinds; a refused send is given back, 43101 empties the ledger', async () => {
  const cases = [
    [40003, 'invalid openid', 'bad-openid', 'input'],
    [47003, 'argument invalid! data.thing4.value invalid', 'bad-data', 'input'],
    [41030, 'invalid page', 'page-not-released', 'input'],
  ];
  await accepted(2);
  for (const [errCode, errMsg, code, kind] of cases) {
    fake.state.nextFailure = { errCode, errMsg };
    const res = await send({});
    assert.deepEqual([res.ok, res.error.code, res.error.kind, res.error.errCode], [false, code, kind, errCode], errMsg);
    assert.equal(QUOTA(ME, ORDER.id).sends, 2, errMsg + ': not sent, given back');
  }
  fake.state.nextFailure = { errCode: 43101, errMsg: 'user refuse to accept the msg' };
  const refused = await send({});
  assert.deepEqual([refused.error.code, refused.error.kind], ['no-quota', 'quota']);
  assert.equal(QUOTA(ME, ORDER.id).sends, 0);
});

test('a lost answer is send-outcome-unknown, not retryable, stays spent, and its sent event settles it once', async () => {
  await accepted(2);
  fake.state.nextFailure = { lost: true };
  const res = await send({ key: 'lost-1' });
  assert.deepEqual([res.error.code, res.error.retryable], ['send-outcome-unknown', false]);
  assert.equal(QUOTA(ME, ORDER.id).sends, 1, 'the send stays spent');
  assert.deepEqual(await send({ key: 'lost-1' }), res, 'the same key: the same answer, no second send');
  assert.equal(fake.state.sent.length, 1);
  const sentEvent = () => pushed('subscribe_msg_sent_event', { TemplateId: ORDER.id, MsgID: '3042002012310', ErrorCode: '0', ErrorStatus: 'success' }, { CreateTime: 1700000100 });
  for (let i = 0; i < 3; i++) assert.equal(await sentEvent(), 'success');
  const log = await business({ action: 'log', openid: ME });
  assert.equal(log.sends.length, 1);
  assert.deepEqual(log.sends[0], { ...log.sends[0], templateId: ORDER.id, source: 'business', outcome: 'sent', msgid: '3042002012310', delivery: 0, deliveryStatus: 'success' });
});

test('a send that never finished answers key-in-progress until its lease ends, then unknown, which a sent event settles', async () => {
  await accepted(1);
  fake.state.docs.set('subscribe_log/stuck', { openid: ME, templateId: ORDER.id, source: 'business', at: Date.now(), outcome: 'sending' });
  assert.equal((await send({ key: 'stuck' })).error.code, 'key-in-progress');
  fake.state.docs.get('subscribe_log/stuck').at = Date.now() - 61000;
  const res = await send({ key: 'stuck' });
  assert.deepEqual([res.error.code, res.error.retryable], ['send-outcome-unknown', false]);
  await pushed('subscribe_msg_sent_event', { TemplateId: ORDER.id, MsgID: '77', ErrorCode: 0, ErrorStatus: 'success' });
  assert.deepEqual([fake.state.docs.get('subscribe_log/stuck').outcome, fake.state.docs.get('subscribe_log/stuck').msgid], ['sent', '77']);
  assert.equal(fake.state.sent.length, 0);
});

test('message push keeps the ledger: an accept adds one send however often it is delivered; a reject in settings zeroes it', async () => {
  for (let i = 0; i < 3; i++) assert.equal(await popup(ORDER.id, 'accept'), 'success');
  assert.equal(QUOTA(ME, ORDER.id).sends, 1, 'one event delivered 3 times adds 1');
  await pushed('subscribe_msg_popup_event', [
    { TemplateId: ORDER.id, SubscribeStatusString: 'acceptWithAudio' },
    { TemplateId: LOGIN.id, SubscribeStatusString: 'accept' },
    { TemplateId: TEMPLATES[1].id, SubscribeStatusString: 'reject' },
  ], { CreateTime: '1620973046' });
  assert.deepEqual([QUOTA(ME, ORDER.id).sends, QUOTA(ME, LOGIN.id).sends, QUOTA(ME, TEMPLATES[1].id).sends], [2, 1, 0]);
  await pushed('subscribe_msg_change_event', { TemplateId: ORDER.id, SubscribeStatusString: 'reject' });
  assert.deepEqual(await business({ action: 'sends', openid: ME }), { ok: true, sends: { [LOGIN.id]: 1 }, pending: {} });
  assert.equal(await pushed('user_enter_tempsession', undefined, { MsgType: 'event' }).then((r) => r.error.code), 'unknown-action', 'other events are not ours');
});

test('with WXS_PUSH=1 the page\'s report waits as pending until WeChat\'s popup event, which settles it', async () => {
  process.env.WXS_PUSH = '1';
  const reported = await page({ action: 'report', accepts: { [ORDER.id]: 1 } });
  assert.deepEqual(reported, { ok: true, recorded: { [ORDER.id]: 1 }, pending: { [ORDER.id]: 1 } });
  assert.equal((await send({})).error.code, 'no-accept', 'the page\'s word sends nothing');
  await popup(ORDER.id, 'accept');
  assert.deepEqual(await page({ action: 'sends' }), { ok: true, sends: { [ORDER.id]: 1 }, pending: {} });
  assert.equal((await send({})).ok, true);
});

test('without message push a report counts, at most one send per template per call, whatever it claims', async () => {
  const reported = await page({ action: 'report', accepts: { [ORDER.id]: 1e15, 'not-ours': 5, constructor: 1 } });
  assert.deepEqual(reported, { ok: true, recorded: { [ORDER.id]: 1 }, sends: { [ORDER.id]: 1 } });
  assert.equal(QUOTA(ME, ORDER.id).sends, 1);
});

test('the demo\'s send (WXS_DEMO=1) sends each keyword\'s example to the caller, never the page\'s text', async () => {
  process.env.WXS_DEMO = '1';
  await accepted(1);
  const res = await page({ action: 'demoSend', templateId: ORDER.id, data: { thing4: '任意文字' }, openid: OTHER });
  assert.equal(res.ok, true, JSON.stringify(res));
  assert.equal(fake.state.sent[0].touser, ME);
  assert.deepEqual(fake.state.sent[0].data, { date2: { value: '2026-01-01' }, thing4: { value: 'wx-subscribe 演示' }, character_string9: { value: 'DEMO-001' } });
  const log = await business({ action: 'log', openid: ME });
  assert.deepEqual(log.sends.map((s) => [s.source, s.outcome]), [['demo', 'sent']]);
});

test('a database that fails refuses the send, wipes nothing, says nothing of its internals; an event it failed on comes again and counts once', async () => {
  await accepted(2);
  fake.state.failDatabase = true;
  const res = await send({});
  assert.deepEqual([res.ok, res.error.kind], [false, 'internal']);
  assert.ok(!JSON.stringify(res).includes('-501001'), JSON.stringify(res));
  await assert.rejects(popup(LOGIN.id, 'accept'), /delivers it again/);
  fake.state.failDatabase = false;
  assert.equal(fake.state.sent.length, 0);
  assert.equal(QUOTA(ME, ORDER.id).sends, 2);
  await popup(LOGIN.id, 'accept');
  await popup(LOGIN.id, 'accept');
  assert.equal(QUOTA(ME, LOGIN.id).sends, 1);
});

test('raw WeChat text, stacks and huge values never reach the caller', async () => {
  await accepted(1);
  fake.state.nextFailure = { errCode: 99999, errMsg: 'internal at /var/user/index.js:12' };
  const res = await send({});
  assert.equal(res.error.kind, 'unknown');
  assert.ok(!JSON.stringify(res).includes('/var/user'), JSON.stringify(res));
  const huge = await page({ action: 'x'.repeat(100000) });
  assert.ok(JSON.stringify(huge).length < 1000);
  const hugeKey = await send({ key: 'k'.repeat(100000) });
  assert.ok(JSON.stringify(hugeKey).length < 1000);
});

test('page calls without a user, and unknown actions from anyone, are refused', async () => {
  fake.state.openid = undefined;
  assert.equal((await fn.main({ action: 'list' })).error.code, 'no-user');
  for (const action of ['drop', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    assert.equal((await page({ action })).error.code, 'unknown-action', action);
    assert.equal((await business({ action })).error.code, 'unknown-action', action);
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

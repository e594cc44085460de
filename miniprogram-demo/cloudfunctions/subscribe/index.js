// The demo's cloud function: the cloud half of the send side (docs/sending.md).
//
// Who calls decides what it may do. cloud.getWXContext().SOURCE names the
// caller, and a page cannot fake it:
//   a page (wx_client, wx_devtools, ...), with its user's OPENID:
//     list                  the app's templates (the allowlist) with their keywords
//     report { accepts }    the page's accepts: with WXS_PUSH=1 they wait as pending
//                           until WeChat's popup event; without, they count (the client's word)
//     sends                 the caller's sends in hand (and pending reports)
//     demoSend { templateId }  WXS_DEMO=1 only: a message to the caller, content written here
//   anything else (another cloud function, a timer, message push):
//     a subscription event  (message push routed to this function): popup, change, sent
//     send { openid, templateId, data, page?, state?, lang?, key }  the business's message
//     sends { openid }      that user's sends in hand
//     log { openid, since? }  that user's send log since `since` (ms since the epoch)
//     remind { openid, templateId, data, page?, state?, lang?, sendAt, deadline?, key }
//                           a reminder (reminders.js): checked and one send reserved now
//     reminder { key }, cancel { key }  a reminder's status; cancelling gives its send back
//     the timer trigger     (config.json, once a minute) sends the reminders due
// Values are checked by wx-subscribe (the Rust code of the mini-program) before
// WeChat sees them. No AppSecret or access token: cloud.openapi needs neither,
// and config.json grants the one cloud call made here.
'use strict';
const crypto = require('node:crypto');
const cloud = require('wx-server-sdk');
const wxs = require('./wx-subscribe');
const TEMPLATES = require('./templates.js');
const { opened } = require('./ledger.js');
const { ending } = require('./reminders.js');

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });

/** SOURCE values that mean a page (or the IDE acting as one) called directly. */
const PAGE_SOURCES = ['wx_client', 'wx_devtools', 'wx_localdebug', 'wx_crawler'];
const EVENT_KINDS = ['subscribe_msg_popup_event', 'subscribe_msg_change_event', 'subscribe_msg_sent_event'];
/** After this long a send that never finished (its function was stopped) is `unknown`. */
const SEND_LEASE_MS = 60000;
/** The most templates one push event may carry (a popup holds at most 5). */
const MAX_EVENT_ITEMS = 20;

// What the caller sees of an error: the library's fields, never WeChat's raw
// errMsg, a stack or a path; an error that is not the library's is internal.
function fromError(error) {
  if (!(error instanceof wxs.WxSubscribeError)) {
    console.error('subscribe: internal error', error && error.message);
    return failure('internal', 'internal', 'the cloud function failed inside', 'try again; if it keeps failing, read the function\'s logs');
  }
  const { code, kind, advice, userMessage, retryable, errCode, field } = error;
  const message = kind === 'unknown'
    ? 'WeChat answered a failure this function does not know (errCode ' + errCode + ')'
    : error.message;
  return { ok: false, error: { code, kind, message, advice, userMessage, retryable, errCode, field } };
}

function failure(code, kind, message, advice, retryable) {
  return fromError(new wxs.WxSubscribeError({ code, kind, message, advice, retryable }));
}

const UNKNOWN_OUTCOME = () => failure('send-outcome-unknown', 'network',
  'WeChat\'s answer to the send was lost: it may or may not have been sent',
  'do not send again; the send stays spent, and WeChat\'s sent event settles it', false);

// A caller's text in a message, cut short.
function clip(value) {
  return String(value).slice(0, 40);
}

function text(value, what, max) {
  if (typeof value === 'string' && value.length > 0 && value.length <= max) return null;
  return failure('bad-request', 'input', what + ' must be a string of 1 to ' + max + ' characters, got ' + clip(typeof value === 'string' ? '\'' + value + '\'' : typeof value),
    'see the actions in the cloud function\'s header and docs/sending.md');
}

function sendTemplate(template) {
  return { priTmplId: template.id, content: template.content };
}

function templateOf(templateId) {
  const template = TEMPLATES.find((t) => t.id === templateId);
  return template ? { template } : {
    refused: failure('unknown-template', 'input', '\'' + clip(templateId) + '\' is not one of the app\'s templates', 'send one of the templates the list action returns'),
  };
}

// A push event's fields, or null when `event` is not a subscription event.
// `List` is one object or an array; numbers may come as strings.
function pushEvent(event) {
  if (!event || event.MsgType !== 'event' || !EVENT_KINDS.includes(event.Event)) return null;
  const word = (v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  const list = Array.isArray(event.List) ? event.List : [event.List];
  const items = list.filter((i) => i !== null && typeof i === 'object').slice(0, MAX_EVENT_ITEMS).map((i) => ({
    templateId: word(i.TemplateId),
    status: word(i.SubscribeStatusString),
    msgid: word(i.MsgID),
    errorCode: /^-?\d{1,9}$/.test(word(i.ErrorCode)) ? Number(word(i.ErrorCode)) : -1,
    errorStatus: word(i.ErrorStatus).slice(0, 200),
  }));
  return { kind: event.Event, openid: word(event.FromUserName).slice(0, 128), createTime: word(event.CreateTime), items };
}

// Takes one send, sends `built`, settles the ledger by WeChat's answer:
// { answer, fields } with the fields the send log keeps.
/**
 * Sends `payload` and reads WeChat's answer once, for a business send and a
 * reminder alike: { sent } when WeChat took it, { error } when it refused
 * (the error has its errCode), {} when no answer came (it may have sent it).
 */
async function callSend(payload) {
  let reply;
  try {
    reply = await cloud.openapi.subscribeMessage.send(payload);
  } catch (thrown) {
    reply = thrown;
  }
  try {
    return { sent: wxs.interpretSend(reply) };
  } catch (e) {
    return e instanceof wxs.WxSubscribeError && e.errCode !== undefined ? { error: e } : {};
  }
}

async function spend(ledger, openid, template, built) {
  const slot = ledger.slot(openid, template.id);
  if (!await slot.take()) {
    return {
      answer: failure('no-accept', 'quota', 'no accept is recorded for this template', 'ask the user to subscribe (a tap), then send'),
      fields: { outcome: 'refused' },
    };
  }
  const { sent, error } = await callSend(built.payload);
  if (sent) return { answer: { ok: true, msgid: sent.msgid, changes: built.changes }, fields: { outcome: 'sent', msgid: String(sent.msgid), errcode: 0 } };
  // No answer from WeChat (a timeout, the network): the send stays spent.
  if (!error) return { answer: UNKNOWN_OUTCOME(), fields: { outcome: 'unknown' } };
  if (error.kind === 'quota') await slot.empty().catch(() => {});
  else await slot.giveBack().catch(() => {});
  return { answer: fromError(error), fields: { outcome: 'failed', errcode: error.errCode } };
}

// One send under an idempotency key: the same key again answers the first answer.
async function keyedSend(ledger, key, openid, template, request, source) {
  const first = await ledger.claim(key, { openid, templateId: template.id, source });
  if (first) {
    if (first.answer) return first.answer;
    if (Date.now() - first.at < SEND_LEASE_MS) {
      return failure('key-in-progress', 'busy', 'a send with this key is still running', 'ask again with the same key later; it answers the first send\'s outcome', true);
    }
    await ledger.finish(key, { outcome: 'unknown', answer: UNKNOWN_OUTCOME() });
    return UNKNOWN_OUTCOME();
  }
  let result;
  try {
    const built = wxs.buildPayload(sendTemplate(template), { ...request, touser: openid, templateId: template.id }, { via: 'cloud' });
    result = await spend(ledger, openid, template, built);
  } catch (error) {
    result = { answer: fromError(error), fields: { outcome: 'refused' } };
  }
  await ledger.finish(key, { ...result.fields, answer: result.answer }).catch((e) => console.error('subscribe: a send\'s answer was not kept', e && e.message));
  return result.answer;
}

const pageActions = {
  async list() {
    const templates = TEMPLATES.map((t) => ({
      id: t.id, title: t.title, kind: t.kind, content: t.content, keywords: wxs.describeTemplate(sendTemplate(t)).keywords,
    }));
    return { ok: true, templates };
  },

  // At most one send per template per call (what one popup can grant), and
  // only for the app's templates; with message push, pending until WeChat's event.
  async report(ledger, event, openid) {
    const accepts = event.accepts !== null && typeof event.accepts === 'object' ? event.accepts : {};
    const push = process.env.WXS_PUSH === '1';
    const recorded = {};
    for (const template of TEMPLATES) {
      if (!Object.prototype.hasOwnProperty.call(accepts, template.id)) continue;
      const n = Number(accepts[template.id]);
      if (!Number.isFinite(n) || n < 1) continue;
      const slot = ledger.slot(openid, template.id);
      await (push ? slot.report() : slot.add());
      recorded[template.id] = 1;
    }
    const counts = (await ledger.inHand(openid))[push ? 'pending' : 'sends'];
    const answer = { ok: true, recorded, [push ? 'pending' : 'sends']: {} };
    for (const id of Object.keys(recorded)) answer[push ? 'pending' : 'sends'][id] = counts[id] || 0;
    return answer;
  },

  async sends(ledger, event, openid) {
    return { ok: true, ...await ledger.inHand(openid) };
  },

  // The demo's send-to-myself: each keyword's example value, never the page's text.
  async demoSend(ledger, event, openid) {
    if (process.env.WXS_DEMO !== '1') {
      return failure('not-for-pages', 'input', 'a page cannot send', 'sends come from business code; the demo\'s send needs WXS_DEMO=1 on the function');
    }
    const { template, refused } = templateOf(event.templateId);
    if (refused) return refused;
    const data = {};
    for (const k of wxs.describeTemplate(sendTemplate(template)).keywords) data[k.key] = k.example;
    return keyedSend(ledger, 'demo:' + crypto.randomUUID(), openid, template, { data }, 'demo');
  },
};

// RFC 3339 text as ms since the epoch, or NaN.
function instant(text) {
  const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
  return typeof text === 'string' && rfc3339.test(text) ? Date.parse(text) : NaN;
}

/** A reminder as the actions answer it. */
function shownReminder(doc) {
  const { _id, openid, templateId, status, sendAt, deadline, attempts, msgid, errcode, reason, sentAt, delivery, deliveryStatus } = doc;
  const iso = (ms) => (ms ? new Date(ms).toISOString() : undefined);
  return { id: _id, openid, templateId, status, sendAt: iso(sendAt), deadline: iso(deadline), attempts, msgid, errcode, reason, sentAt: iso(sentAt), delivery, deliveryStatus };
}

// The timer: the reminders due, each claimed by one run only, until the run's budget is spent.
async function deliverDue(ledger) {
  const rem = ledger.reminders;
  const owner = 'run-' + crypto.randomUUID();
  const started = Date.now();
  const counts = { sent: 0, failed: 0, unknown: 0, later: 0 };
  await rem.recover();
  while (Date.now() - started < rem.RUN_BUDGET_MS) {
    const claimed = await rem.claim(owner);
    if (claimed.length === 0) break;
    for (const reminder of claimed) {
      if (!await rem.called(reminder._id, owner)) continue;
      const { noneLeft, ...fields } = ending(reminder, await callSend(reminder.payload), Date.now());
      if (!await rem.end(reminder._id, owner, fields)) continue;
      counts[fields.status === 'scheduled' ? 'later' : fields.status] += 1;
      if (fields.status === 'failed') {
        const slot = ledger.slot(reminder.openid, reminder.templateId);
        await (noneLeft ? slot.empty() : slot.giveBack());
      }
    }
  }
  return { ok: true, ...counts };
}

const businessActions = {
  async send(ledger, event) {
    const refused = text(event.openid, 'openid', 128) || text(event.key, 'key', 128);
    if (refused) return refused;
    const found = templateOf(event.templateId);
    if (found.refused) return found.refused;
    const request = { data: event.data, page: event.page, miniprogramState: event.state, lang: event.lang };
    return keyedSend(ledger, event.key, event.openid, found.template, request, 'business');
  },

  async sends(ledger, event) {
    return text(event.openid, 'openid', 128) || { ok: true, ...await ledger.inHand(event.openid) };
  },

  async remind(ledger, event) {
    const refused = text(event.openid, 'openid', 128) || text(event.key, 'key', 128);
    if (refused) return refused;
    const found = templateOf(event.templateId);
    if (found.refused) return found.refused;
    const sendAt = instant(event.sendAt);
    const deadline = event.deadline === undefined ? sendAt + 3600000 : instant(event.deadline);
    if (!Number.isFinite(sendAt) || !Number.isFinite(deadline) || deadline < sendAt) {
      return failure('bad-time', 'input', 'sendAt and deadline must be RFC 3339 times, the deadline not before sendAt',
        'write 2026-12-03T18:00:00+08:00; without a deadline a busy WeChat may delay it an hour');
    }
    let built;
    try {
      const request = { touser: event.openid, templateId: found.template.id, page: event.page, data: event.data, miniprogramState: event.state, lang: event.lang };
      built = wxs.buildPayload(sendTemplate(found.template), request, { via: 'cloud' });
    } catch (error) {
      return fromError(error);
    }
    const made = await ledger.reminders.make(event.key, { openid: event.openid, templateId: found.template.id, payload: built.payload, sendAt, deadline });
    if (made.none !== undefined) {
      const answer = failure('no-accept', 'quota', 'the user has no send in hand for this template', 'ask the user to subscribe (a tap) first; a reminder reserves one send when it is made');
      return { ...answer, sends: made.none };
    }
    return { ok: true, id: event.key, status: made.before ? made.before.status : 'scheduled' };
  },

  async reminder(ledger, event) {
    const refused = text(event.key, 'key', 128);
    const doc = refused ? null : await ledger.reminders.get(event.key);
    return refused || (doc ? { ok: true, reminder: shownReminder(doc) } : failure('no-reminder', 'input', 'no reminder with this key', 'use the key remind was given'));
  },

  async cancel(ledger, event) {
    const refused = text(event.key, 'key', 128);
    if (refused) return refused;
    const doc = await ledger.reminders.get(event.key);
    if (!doc) return failure('no-reminder', 'input', 'no reminder with this key', 'use the key remind was given');
    if (!await ledger.reminders.cancel(event.key)) {
      return failure('not-cancellable', 'input', 'the reminder is ' + doc.status + ': only a scheduled one can be cancelled', 'read its status with the reminder action');
    }
    await ledger.slot(doc.openid, doc.templateId).giveBack();
    return { ok: true, id: event.key, status: 'cancelled' };
  },

  async log(ledger, event) {
    const since = Number.isFinite(event.since) ? event.since : 0;
    return text(event.openid, 'openid', 128) || { ok: true, sends: await ledger.sends(event.openid, since) };
  },
};

function action(actions, event, also) {
  const name = event && typeof event.action === 'string' ? event.action : '';
  if (Object.prototype.hasOwnProperty.call(actions, name)) return actions[name];
  return () => failure('unknown-action', 'input', 'unknown action ' + clip(name), 'use ' + Object.keys(actions).join(', ') + also);
}

exports.main = async (event) => {
  const { OPENID, SOURCE } = cloud.getWXContext();
  const chain = String(SOURCE || '').split(',');
  const fromPage = PAGE_SOURCES.includes(chain[chain.length - 1]);
  try {
    const ledger = opened(cloud.database());
    const push = pushEvent(event);
    if (fromPage) {
      if (push) return failure('not-for-pages', 'input', 'a page cannot deliver WeChat\'s events', 'route message push to this function in the cloud console');
      if (!OPENID) return failure('no-user', 'input', 'called without a user', 'call it from the mini-program with wx.cloud.callFunction');
      const name = event && event.action;
      if (Object.prototype.hasOwnProperty.call(businessActions, name) && !Object.prototype.hasOwnProperty.call(pageActions, name)) {
        return failure('not-for-pages', 'input', 'a page cannot send, schedule or read what was sent', 'sends come from business code: another cloud function or a timer calls send or remind');
      }
      return await action(pageActions, event, '')(ledger, event, OPENID);
    }
    if (event && event.Type === 'Timer') return await deliverDue(ledger);
    if (push) {
      // A failure throws: the invocation fails, and WeChat delivers the event again.
      await ledger.takeEvent(push);
      return 'success';
    }
    return await action(businessActions, event, ', or route message push here')(ledger, event);
  } catch (error) {
    if (!fromPage && pushEvent(event)) throw new Error('subscribe: the event was not taken; WeChat delivers it again');
    return fromError(error);
  }
};

// The demo's cloud function. Actions:
//   list:   the app's templates (the allowlist) with their keywords
//   report: record accepts the mini-program reports ({ accepts: { [id]: n } })
//   send:   check and send one message ({ templateId, data, page?, normalise? })
// The receiver is always the caller (cloud.getWXContext().OPENID), never an
// openid from the request. Only allowlisted templates are sent. Values are
// checked by wx-subscribe (the same Rust code as the mini-program) before
// WeChat sees them, and WeChat's errors come back as its error kinds.
// No AppSecret or access token: cloud.openapi needs neither.
const cloud = require('wx-server-sdk');
const wxs = require('./wx-subscribe');
const TEMPLATES = require('./templates.js');

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });

const QUOTA = 'subscribe_quota';

// What the caller sees of an error: the library's fields, never WeChat's raw
// errMsg, a stack or a path; an error that is not the library's is internal.
function fromError(error) {
  if (!(error instanceof wxs.WxSubscribeError)) {
    return failure('internal', 'internal', 'the cloud function failed inside', 'try again; if it keeps failing, read the function\'s logs');
  }
  const { code, kind, advice, userMessage, retryable, errCode, field } = error;
  const message = kind === 'unknown'
    ? 'WeChat answered a failure this function does not know (errCode ' + errCode + ')'
    : error.message;
  return { ok: false, error: { code, kind, message, advice, userMessage, retryable, errCode, field } };
}

function failure(code, kind, message, advice) {
  return fromError(new wxs.WxSubscribeError({ code, kind, message, advice }));
}

// A caller's text in a message, cut short.
function clip(value) {
  return String(value).slice(0, 40);
}

function sendTemplate(template) {
  return { priTmplId: template.id, content: template.content };
}

/** The most sends one template can hold for one user. */
const MAX_SENDS = 10000;

// The ledger: one document per user and template, { openid, templateId, sends }.
// Every change is one conditional update in the database (atomic there), never
// a read followed by a write.
function ledger(openid, templateId) {
  const db = cloud.database();
  const _ = db.command;
  const id = openid + ':' + templateId;
  const docs = db.collection(QUOTA);
  return {
    // Adds one send (up to MAX_SENDS); creates the document the first time.
    async add() {
      const res = await docs.where({ _id: id, sends: _.lt(MAX_SENDS) }).update({ data: { sends: _.inc(1), updatedAt: Date.now() } });
      if (res.stats.updated === 1) return;
      try {
        await docs.add({ data: { _id: id, openid, templateId, sends: 1, updatedAt: Date.now() } });
      } catch (exists) {
        // Created meanwhile, or at MAX_SENDS: one more conditional update settles it.
        await docs.where({ _id: id, sends: _.lt(MAX_SENDS) }).update({ data: { sends: _.inc(1), updatedAt: Date.now() } });
      }
    },
    // Takes one send if there is one: true when taken.
    async take() {
      const res = await docs.where({ _id: id, sends: _.gt(0) }).update({ data: { sends: _.inc(-1), updatedAt: Date.now() } });
      return res.stats.updated === 1;
    },
    async giveBack() {
      await docs.where({ _id: id }).update({ data: { sends: _.inc(1), updatedAt: Date.now() } });
    },
    async empty() {
      await docs.where({ _id: id }).update({ data: { sends: 0, updatedAt: Date.now() } });
    },
    async sends() {
      const res = await docs.where({ _id: id }).get();
      return res.data.length ? res.data[0].sends : 0;
    },
  };
}

const actions = {
  async list() {
    const templates = TEMPLATES.map((t) => ({
      id: t.id, title: t.title, kind: t.kind, content: t.content, keywords: wxs.describeTemplate(sendTemplate(t)).keywords,
    }));
    return { ok: true, templates };
  },

  // Records reported accepts: at most one send per template per call, what one
  // request can grant, and only for the app's templates.
  async report(event, openid) {
    const accepts = event.accepts !== null && typeof event.accepts === 'object' ? event.accepts : {};
    const recorded = {};
    const sends = {};
    for (const template of TEMPLATES) {
      if (!Object.prototype.hasOwnProperty.call(accepts, template.id)) continue;
      const n = Number(accepts[template.id]);
      if (!Number.isFinite(n) || n < 1) continue;
      const l = ledger(openid, template.id);
      await l.add();
      recorded[template.id] = 1;
      sends[template.id] = await l.sends();
    }
    return { ok: true, recorded, sends };
  },

  // Checks, takes one send from the ledger, then sends; the send is given back
  // only when WeChat says it was not sent, and 43101 empties the ledger.
  async send(event, openid) {
    const template = TEMPLATES.find((t) => t.id === event.templateId);
    if (!template) {
      return failure('template-not-allowed', 'input', 'this template is not on the app\'s allowlist', 'send one of the templates the list action returns');
    }
    let built;
    try {
      const request = { touser: openid, templateId: template.id, page: event.page, data: event.data, miniprogramState: event.miniprogramState };
      built = wxs.buildPayload(sendTemplate(template), request, { via: 'cloud', normalise: event.normalise === true });
    } catch (error) {
      return fromError(error);
    }
    const l = ledger(openid, template.id);
    if (!await l.take()) {
      return failure('no-accept', 'quota', 'no accept is recorded for this template', 'ask the user to subscribe (a tap), report the accept, then send');
    }
    let answer;
    try {
      answer = await cloud.openapi.subscribeMessage.send(built.payload);
    } catch (thrown) {
      answer = thrown;
    }
    try {
      const sent = wxs.interpretSend(answer);
      return { ok: true, msgid: sent.msgid, changes: built.changes };
    } catch (error) {
      if (error.kind === 'quota') await l.empty().catch(() => {});
      else if (error.errCode !== undefined) await l.giveBack().catch(() => {});
      return fromError(error);
    }
  },
};

exports.main = async (event) => {
  const { OPENID } = cloud.getWXContext();
  if (!OPENID) {
    return failure('no-user', 'input', 'called without a user', 'call it from the mini-program with wx.cloud.callFunction');
  }
  const name = event && typeof event.action === 'string' ? event.action : '';
  if (!Object.prototype.hasOwnProperty.call(actions, name)) {
    return failure('unknown-action', 'input', 'unknown action ' + clip(name), 'use list, report or send');
  }
  try {
    return await actions[name](event, OPENID);
  } catch (error) {
    return fromError(error);
  }
};

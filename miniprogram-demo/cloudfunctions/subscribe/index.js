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

function fromError(error) {
  const { code, kind, message, advice, userMessage, retryable, errCode, field } = error;
  return { ok: false, error: { code, kind, message, advice, userMessage, retryable, errCode, field } };
}

function failure(code, kind, message, advice) {
  return fromError(new wxs.WxSubscribeError({ code, kind, message, advice }));
}

function sendTemplate(template) {
  return { priTmplId: template.id, content: template.content };
}

// The sends a user has in hand for one template (the quota the accepts bought).
async function quotaOf(openid, templateId) {
  const id = openid + ':' + templateId;
  const doc = cloud.database().collection(QUOTA).doc(id);
  const found = await doc.get().then((res) => res.data, () => null);
  return { doc, sends: found ? found.sends : 0 };
}

async function setQuota(q, openid, templateId, sends) {
  await q.doc.set({ data: { openid, templateId, sends, updatedAt: Date.now() } });
}

const actions = {
  async list() {
    const templates = TEMPLATES.map((t) => ({
      id: t.id, title: t.title, kind: t.kind, content: t.content, keywords: wxs.describeTemplate(sendTemplate(t)).keywords,
    }));
    return { ok: true, templates };
  },

  async report(event, openid) {
    const accepts = event.accepts && typeof event.accepts === 'object' ? event.accepts : {};
    const sends = {};
    for (const template of TEMPLATES) {
      const n = Number(accepts[template.id]);
      if (!Number.isInteger(n) || n <= 0) continue;
      const q = await quotaOf(openid, template.id);
      sends[template.id] = q.sends + n;
      await setQuota(q, openid, template.id, sends[template.id]);
    }
    return { ok: true, sends };
  },

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
    const q = await quotaOf(openid, template.id);
    try {
      const sent = wxs.interpretSend(await cloud.openapi.subscribeMessage.send(built.payload));
      await setQuota(q, openid, template.id, Math.max(0, q.sends - 1));
      return { ok: true, msgid: sent.msgid, changes: built.changes };
    } catch (thrown) {
      let error = thrown;
      try {
        wxs.interpretSend(thrown);
      } catch (interpreted) {
        error = interpreted;
      }
      if (error.kind === 'quota') await setQuota(q, openid, template.id, 0);
      return fromError(error);
    }
  },
};

exports.main = async (event) => {
  const { OPENID } = cloud.getWXContext();
  if (!OPENID) {
    return failure('no-user', 'input', 'called without a user', 'call it from the mini-program with wx.cloud.callFunction');
  }
  const action = actions[event && event.action];
  if (!action) {
    return failure('unknown-action', 'input', 'unknown action ' + (event && event.action), 'use list, report or send');
  }
  return action(event || {}, OPENID);
};

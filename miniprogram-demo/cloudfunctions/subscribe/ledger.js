// The cloud function's ledger, in the cloud database:
//   subscribe_quota   one document per user and template: { openid, templateId, sends, pending }
//   subscribe_events  one document per message push event taken (its key), so a retry counts once
//   subscribe_log     one document per send: { openid, templateId, source, at, outcome, msgid,
//                     errcode, delivery, deliveryStatus, answer } (_id: the idempotency key)
// A send is taken and given back by conditional updates (atomic in the database,
// never a read followed by a write); a popup or change event is taken in one
// transaction with its key, so a retried event changes nothing.
'use strict';
const crypto = require('node:crypto');
const { read } = require('./read.js');
const { reminders } = require('./reminders.js');

const QUOTA = 'subscribe_quota';
const EVENTS = 'subscribe_events';
const LOG = 'subscribe_log';

/** The most sends (or pending reports) one template can hold for one user. */
const MAX_SENDS = 10000;
/** The most rows one send-log answer holds (the cloud database's own cap on a get is 100). */
const LOG_LIMIT = 100;

function opened(db) {
  const _ = db.command;
  const quota = db.collection(QUOTA);
  const log = db.collection(LOG);
  const now = () => Date.now();
  const later = reminders(db, QUOTA);

  // One user's document for one template.
  function slot(openid, templateId) {
    const id = openid + ':' + templateId;
    // Adds one to `field` (up to MAX_SENDS); creates the document the first time.
    async function bump(field) {
      const inc = { [field]: _.inc(1), updatedAt: now() };
      const res = await quota.where({ _id: id, [field]: _.lt(MAX_SENDS) }).update({ data: inc });
      if (res.stats.updated === 1) return;
      const fresh = await quota.where({ _id: id }).get();
      if (fresh.data.length === 0) {
        try {
          await quota.add({ data: { _id: id, openid, templateId, sends: 0, pending: 0, [field]: 1, updatedAt: now() } });
          return;
        } catch (exists) {
          // Created meanwhile: one more conditional update settles it.
        }
      }
      await quota.where({ _id: id, [field]: _.lt(MAX_SENDS) }).update({ data: inc });
    }
    return {
      /** One more send: the client's word, where no message push comes. */
      add: () => bump('sends'),
      /** One more report waiting for WeChat's popup event. */
      report: () => bump('pending'),
      /** Takes one send if there is one: true when taken. */
      async take() {
        const res = await quota.where({ _id: id, sends: _.gt(0) }).update({ data: { sends: _.inc(-1), updatedAt: now() } });
        return res.stats.updated === 1;
      },
      async giveBack() {
        await quota.where({ _id: id, sends: _.lt(MAX_SENDS) }).update({ data: { sends: _.inc(1), updatedAt: now() } });
      },
      async empty() {
        await quota.where({ _id: id }).update({ data: { sends: 0, pending: 0, updatedAt: now() } });
      },
    };
  }

  /** `{ sends: { [templateId]: n }, pending: { [templateId]: n } }` of one user. */
  async function inHand(openid) {
    const res = await quota.where({ openid }).get();
    const sends = {};
    const pending = {};
    for (const d of res.data) {
      if (d.sends > 0) sends[d.templateId] = d.sends;
      if (d.pending > 0) pending[d.templateId] = d.pending;
    }
    return { sends, pending };
  }

  // Popup accepts add a send each (and settle a pending report); a change-event
  // reject zeroes the template. All of it, and the event's key, in one transaction.
  async function takeLedgerEvent(event, key) {
    const delta = new Map();
    for (const item of event.items) {
      const accept = event.kind === 'subscribe_msg_popup_event' && /^accept/.test(item.status);
      const reject = event.kind === 'subscribe_msg_change_event' && item.status === 'reject';
      if (!accept && !reject) continue;
      const d = delta.get(item.templateId) || { add: 0, zero: false };
      if (accept) d.add += 1;
      else d.zero = true;
      delta.set(item.templateId, d);
    }
    return db.runTransaction(async (t) => {
      if (await read(t, EVENTS, key)) return false;
      await t.collection(EVENTS).doc(key).set({ data: { kind: event.kind, openid: event.openid, at: now() } });
      for (const [templateId, d] of delta) {
        const id = event.openid + ':' + templateId;
        const doc = (await read(t, QUOTA, id)) || { sends: 0, pending: 0 };
        const sends = d.zero ? 0 : Math.min(MAX_SENDS, (doc.sends || 0) + d.add);
        const pending = d.zero ? 0 : Math.max(0, (doc.pending || 0) - d.add);
        await t.collection(QUOTA).doc(id).set({ data: { openid: event.openid, templateId, sends, pending, updatedAt: now() } });
      }
      return true;
    });
  }

  // A sent event: the delivery of its msgid, or of the oldest send whose answer was lost.
  async function settle(openid, item) {
    const delivery = { delivery: item.errorCode, deliveryStatus: item.errorStatus };
    const known = await log.where({ openid, msgid: item.msgid }).update({ data: delivery });
    if (known.stats.updated > 0) return;
    const lost = await log.where({ openid, templateId: item.templateId, outcome: 'unknown' }).get();
    for (const doc of lost.data.sort((a, b) => a.at - b.at)) {
      const res = await log.where({ _id: doc._id, outcome: 'unknown' }).update({ data: { outcome: 'sent', msgid: item.msgid, ...delivery } });
      if (res.stats.updated === 1) return;
    }
    await later.settle(openid, item);
  }

  // Its key first (a retry finds it and stops); on a failure the key goes again, so WeChat's retry can settle it.
  async function takeSentEvent(event, key) {
    try {
      await db.collection(EVENTS).add({ data: { _id: key, kind: event.kind, openid: event.openid, at: now() } });
    } catch (exists) {
      const seen = await db.collection(EVENTS).where({ _id: key }).get();
      if (seen.data.length > 0) return false;
      throw exists;
    }
    try {
      for (const item of event.items) await settle(event.openid, item);
    } catch (error) {
      await db.collection(EVENTS).where({ _id: key }).remove().catch(() => {});
      throw error;
    }
    return true;
  }

  return {
    slot,
    inHand,
    /** The reminders (reminders.js). */
    reminders: later,
    /** Takes a message push event once: true when it was new. */
    takeEvent(event) {
      const key = eventKey(event);
      return event.kind === 'subscribe_msg_sent_event' ? takeSentEvent(event, key) : takeLedgerEvent(event, key);
    },
    /**
     * Claims `key` for a send: null when this call is the first, else what the
     * first call answered (`answer` is absent while it still runs).
     */
    async claim(key, row) {
      try {
        await log.add({ data: { _id: key, ...row, at: now(), outcome: 'sending' } });
        return null;
      } catch (exists) {
        const res = await log.where({ _id: key }).get();
        if (res.data.length === 0) throw exists;
        return res.data[0];
      }
    },
    /** Keeps a send's outcome and answer under its key. */
    async finish(key, fields) {
      await log.where({ _id: key }).update({ data: fields });
    },
    /** One user's sends since `since` (ms since the epoch), oldest first. */
    async sends(openid, since) {
      const res = await log.where({ openid, at: _.gte(since) }).get();
      return res.data
        .sort((a, b) => a.at - b.at)
        .slice(0, LOG_LIMIT)
        .map((d) => ({
          at: d.at, templateId: d.templateId, source: d.source, outcome: d.outcome, msgid: d.msgid || null,
          errcode: d.errcode === undefined ? null : d.errcode, delivery: d.delivery === undefined ? null : d.delivery,
          deliveryStatus: d.deliveryStatus || null,
        }));
    },
  };
}

/** What makes two deliveries of a push event the same event (WeChat retries for 15 s). */
function eventKey(event) {
  const lines = [event.openid, event.createTime, event.kind];
  for (const i of event.items) lines.push([i.templateId, i.status, i.msgid, i.errorCode].join('|'));
  return crypto.createHash('sha256').update(lines.join('\n')).digest('hex');
}

module.exports = { opened, MAX_SENDS };

// Reminders in the cloud database (subscribe_reminders, _id: the business's
// key): made with one send reserved in the same transaction, delivered by the
// function's timer trigger (config.json, once a minute). Each run claims due
// reminders by conditional updates, so two overlapping runs never take the
// same one; it marks a reminder called just before the call, so a run that
// stops before its call leaves it to the next run once its lease ends, and
// one that stops during the call leaves it `unknown` for the sent event.
// Statuses: scheduled, sending, sent, failed, unknown, cancelled.
'use strict';
const { read } = require('./read.js');

const REMINDERS = 'subscribe_reminders';
/** How long a run holds a claimed reminder: longer than a function may run (60 s). */
const LEASE_MS = 90000;
/** The most reminders one run claims, and how long it keeps claiming (a run has 3 s by default). */
const RUN_BATCH = 20;
const RUN_BUDGET_MS = 2000;
/** The longest wait between two tries of a reminder WeChat was busy for. */
const MOST_BACKOFF_MS = 300000;

function reminders(db, quotaName) {
  const _ = db.command;
  const docs = db.collection(REMINDERS);
  const now = () => Date.now();

  return {
    /**
     * Makes reminder `key` and reserves one send, in one transaction:
     * { made: true }, { before: doc } (the key made one already), or { none: n }.
     */
    async make(key, fields) {
      return db.runTransaction(async (t) => {
        const before = await read(t, REMINDERS, key);
        if (before) return { before: { _id: key, ...before } };
        const quotaId = fields.openid + ':' + fields.templateId;
        const quota = await read(t, quotaName, quotaId);
        if (!quota || !(quota.sends > 0)) return { none: quota ? quota.sends || 0 : 0 };
        await t.collection(quotaName).doc(quotaId).set({ data: { ...withoutId(quota), sends: quota.sends - 1, updatedAt: now() } });
        await t.collection(REMINDERS).doc(key).set({
          data: { ...fields, status: 'scheduled', attempts: 0, owner: '', leaseUntil: 0, calledAt: 0, nextTry: fields.sendAt, createdAt: now() },
        });
        return { made: true };
      });
    },

    async get(key) {
      const res = await docs.where({ _id: key }).get();
      return res.data[0] || null;
    },

    /** Cancels a scheduled reminder: true when it was scheduled (the caller gives the send back). */
    async cancel(key) {
      const res = await docs.where({ _id: key, status: 'scheduled' }).update({ data: { status: 'cancelled' } });
      return res.stats.updated === 1;
    },

    /** Ends the leases that ran out: never called, scheduled again; called, unknown. */
    async recover() {
      const t = now();
      await docs.where({ status: 'sending', leaseUntil: _.lt(t), calledAt: 0 }).update({ data: { status: 'scheduled', owner: '', nextTry: t } });
      await docs.where({ status: 'sending', leaseUntil: _.lt(t), calledAt: _.gt(0) }).update({ data: { status: 'unknown', owner: '' } });
    },

    /** Claims due reminders for run `owner`: the ones this run took. */
    async claim(owner) {
      const t = now();
      const due = await docs.where({ status: 'scheduled', nextTry: _.lte(t) }).limit(RUN_BATCH).get();
      const mine = [];
      for (const doc of due.data) {
        const res = await docs.where({ _id: doc._id, status: 'scheduled' })
          .update({ data: { status: 'sending', owner, leaseUntil: t + LEASE_MS, attempts: _.inc(1) } });
        if (res.stats.updated === 1) mine.push({ ...doc, attempts: (doc.attempts || 0) + 1 });
      }
      return mine;
    },

    /** Marks a claimed reminder called: false when `owner` no longer holds it. */
    async called(id, owner) {
      const res = await docs.where({ _id: id, owner, status: 'sending' }).update({ data: { calledAt: now() } });
      return res.stats.updated === 1;
    },

    /** Ends `owner`'s call: `fields` as the reminder's status and what WeChat said. */
    async end(id, owner, fields) {
      const res = await docs.where({ _id: id, owner, status: 'sending' }).update({ data: { ...fields, owner: '', leaseUntil: 0 } });
      return res.stats.updated === 1;
    },

    /** A sent event for a user and template: settles their oldest `unknown` reminder. */
    async settle(openid, item) {
      const lost = await docs.where({ openid, templateId: item.templateId, status: 'unknown' }).get();
      for (const doc of lost.data.sort((a, b) => a.sendAt - b.sendAt)) {
        const res = await docs.where({ _id: doc._id, status: 'unknown' })
          .update({ data: { status: 'sent', msgid: item.msgid, delivery: item.errorCode, deliveryStatus: item.errorStatus } });
        if (res.stats.updated === 1) return true;
      }
      return false;
    },

    RUN_BUDGET_MS,
  };
}

function withoutId(doc) {
  const { _id, ...rest } = doc;
  return rest;
}

/**
 * How a call ended, from what WeChat answered (callSend in index.js: { sent },
 * { error } or {} when the answer was lost): the reminder's new fields.
 */
function ending(reminder, { sent, error }, t) {
  if (sent) return { status: 'sent', msgid: String(sent.msgid), errcode: 0, sentAt: t };
  if (!error) return { status: 'unknown' };
  const busy = error.errCode === -1 || error.errCode === 45009;
  const wait = Math.min(1000 * 2 ** Math.min(reminder.attempts - 1, 20), MOST_BACKOFF_MS);
  if (busy && t + wait <= reminder.deadline) {
    return { status: 'scheduled', nextTry: t + wait, calledAt: 0, errcode: error.errCode, reason: 'WeChat was busy (' + error.errCode + ')' };
  }
  const reason = busy ? 'WeChat was busy (' + error.errCode + '); gave up at the reminder\'s deadline' : error.message;
  return { status: 'failed', errcode: error.errCode, reason, noneLeft: error.kind === 'quota' };
}

module.exports = { reminders, ending, LEASE_MS };

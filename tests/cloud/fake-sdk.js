// An emulated wx-server-sdk for the cloud function's tests: the caller's
// context (OPENID and SOURCE), a document database with conditional updates
// and transactions, and cloud.openapi.subscribeMessage.send that answers as
// WeChat does (errCode 0, or a thrown error with errCode/errMsg), or loses
// its answer.
'use strict';

const state = {
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  // Who called: 'wx_client' (a page), 'wx_trigger', 'wx_client,scf' (a function a page called), ...
  source: 'wx_client',
  docs: new Map(),
  sent: [],
  // The next send fails with this { errCode, errMsg }, once; { lost: true }
  // sends it and then throws without an errCode, as a timeout does.
  nextFailure: null,
  transactions: 0,
  failDatabase: false,
  databaseCalls: 0,
};

// Query and update operators, as db.command gives them.
const command = {
  gt: (value) => ({ op: 'gt', value }),
  gte: (value) => ({ op: 'gte', value }),
  lt: (value) => ({ op: 'lt', value }),
  lte: (value) => ({ op: 'lte', value }),
  inc: (value) => ({ op: 'inc', value }),
};

function matches(doc, where) {
  return Object.keys(where).every((field) => {
    const want = where[field];
    const have = field === '_id' ? doc._id : doc[field];
    if (want && want.op === 'gt') return have > want.value;
    if (want && want.op === 'gte') return have >= want.value;
    if (want && want.op === 'lt') return have < want.value;
    if (want && want.op === 'lte') return have <= want.value;
    return have === want;
  });
}

// Each call reads or writes in one step, as the cloud database does per
// document: two calls never interleave inside one. state.failDatabase makes
// every call fail.
function collection(name) {
  const all = () => [...state.docs.entries()]
    .filter(([key]) => key.startsWith(name + '/'))
    .map(([key, doc]) => ({ _id: key.slice(name.length + 1), ...doc }));
  const checked = async (fn) => {
    await null;
    if (state.failDatabase) throw new Error('database: -501001 resource system error');
    state.databaseCalls += 1;
    return fn();
  };
  return {
    where(where) {
      let most = Infinity;
      return {
        limit(n) {
          most = n;
          return this;
        },
        get: () => checked(() => ({ data: all().filter((d) => matches(d, where)).slice(0, most) })),
        update: ({ data }) => checked(() => {
          const hit = all().filter((d) => matches(d, where));
          for (const d of hit) {
            const next = { ...state.docs.get(name + '/' + d._id) };
            for (const field of Object.keys(data)) {
              const v = data[field];
              next[field] = v && v.op === 'inc' ? (next[field] || 0) + v.value : v;
            }
            state.docs.set(name + '/' + d._id, next);
          }
          return { stats: { updated: hit.length } };
        }),
        remove: () => checked(() => {
          const hit = all().filter((d) => matches(d, where));
          for (const d of hit) state.docs.delete(name + '/' + d._id);
          return { stats: { removed: hit.length } };
        }),
      };
    },
    add: ({ data }) => checked(() => {
      const key = name + '/' + data._id;
      if (state.docs.has(key)) throw new Error('database: duplicate key _id ' + data._id);
      const { _id, ...rest } = data;
      state.docs.set(key, rest);
      return { _id };
    }),
  };
}

// db.runTransaction: the callback reads documents by id and stages set()s;
// the commit is one step, and a document read that changed meanwhile makes
// the transaction run again (as the cloud database's optimistic one does),
// at most 3 times.
async function runTransaction(callback) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const seen = new Map();
    const staged = new Map();
    const transaction = {
      collection: (name) => ({
        doc: (id) => ({
          get: async () => {
            await null;
            if (state.failDatabase) throw new Error('database: -501001 resource system error');
            const key = name + '/' + id;
            seen.set(key, JSON.stringify(state.docs.get(key)));
            if (!state.docs.has(key)) throw new Error('document.get:fail document with _id ' + id + ' does not exist');
            return { data: { _id: id, ...state.docs.get(key) } };
          },
          set: async ({ data }) => { staged.set(name + '/' + id, { ...data }); },
        }),
      }),
    };
    const result = await callback(transaction);
    await null;
    if ([...seen].every(([key, was]) => JSON.stringify(state.docs.get(key)) === was)) {
      for (const [key, doc] of staged) state.docs.set(key, doc);
      state.transactions += 1;
      return result;
    }
  }
  throw new Error('database: transaction conflict, tried 3 times');
}

// Makes require('wx-server-sdk') give this module, from anywhere.
function install() {
  const Module = require('node:module');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === 'wx-server-sdk' ? __filename : resolve.call(this, request, ...rest);
  };
}

module.exports = {
  state,
  install,
  DYNAMIC_CURRENT_ENV: Symbol('DYNAMIC_CURRENT_ENV'),
  init() {},
  getWXContext() {
    return { OPENID: state.openid, APPID: 'touristappid', SOURCE: state.source };
  },
  database() {
    return { collection, command, runTransaction };
  },
  openapi: {
    subscribeMessage: {
      async send(payload) {
        await null;
        state.sent.push(payload);
        const failure = state.nextFailure;
        state.nextFailure = null;
        if (failure && failure.lost) throw new Error('openapi.subscribeMessage.send:fail timeout');
        if (failure) {
          const error = new Error('openapi.subscribeMessage.send:fail ' + failure.errCode + ' ' + failure.errMsg);
          error.errCode = failure.errCode;
          error.errMsg = failure.errMsg;
          throw error;
        }
        return { errCode: 0, errMsg: 'openapi.subscribeMessage.send:ok', msgId: String(3042002012309 + state.sent.length) };
      },
    },
  },
};

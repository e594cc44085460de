// An emulated wx-server-sdk for the cloud function's tests: the caller's
// context, a document database, and cloud.openapi.subscribeMessage.send that
// answers as WeChat does (errCode 0, or a thrown error with errCode/errMsg).
'use strict';

const state = {
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  docs: new Map(),
  sent: [],
  // The next send fails with this { errCode, errMsg }, once.
  nextFailure: null,
  failDatabase: false,
  databaseCalls: 0,
};

// Query and update operators, as db.command gives them.
const command = {
  gt: (value) => ({ op: 'gt', value }),
  lt: (value) => ({ op: 'lt', value }),
  inc: (value) => ({ op: 'inc', value }),
};

function matches(doc, where) {
  return Object.keys(where).every((field) => {
    const want = where[field];
    const have = field === '_id' ? doc._id : doc[field];
    if (want && want.op === 'gt') return have > want.value;
    if (want && want.op === 'lt') return have < want.value;
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
      return {
        get: () => checked(() => ({ data: all().filter((d) => matches(d, where)) })),
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
    return { OPENID: state.openid, APPID: 'touristappid' };
  },
  database() {
    return { collection, command };
  },
  openapi: {
    subscribeMessage: {
      async send(payload) {
        await null;
        state.sent.push(payload);
        const failure = state.nextFailure;
        state.nextFailure = null;
        if (failure) {
          const error = new Error('openapi.subscribeMessage.send:fail ' + failure.errCode + ' ' + failure.errMsg);
          error.errCode = failure.errCode;
          error.errMsg = failure.errMsg;
          throw error;
        }
        return { errCode: 0, errMsg: 'openapi.subscribeMessage.send:ok', msgId: '3042002012310' };
      },
    },
  },
};

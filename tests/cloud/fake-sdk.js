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
};

function collection(name) {
  return {
    doc(id) {
      const key = name + '/' + id;
      return {
        async get() {
          if (!state.docs.has(key)) throw new Error('document.get:fail document with _id ' + id + ' does not exist');
          return { data: { _id: id, ...state.docs.get(key) } };
        },
        async set({ data }) {
          state.docs.set(key, { ...data });
          return { _id: id, stats: { updated: 1 } };
        },
      };
    },
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
    return { collection };
  },
  openapi: {
    subscribeMessage: {
      async send(payload) {
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

// What the library remembers between visits, in wx storage under one versioned
// key: the last known state per template, and the accepts not yet reported to
// the app's server (which owns the send quota). Corrupt or foreign data in the
// key is discarded, never thrown.
'use strict';

var STORAGE_KEY = 'wx-subscribe:v1';
var VERSION = 1;

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function empty() {
  return { v: VERSION, states: {}, pending: {} };
}

// Keeps only well-formed entries of a stored record; anything else gives an empty record.
function sanitise(stored) {
  var clean = empty();
  if (!isPlainObject(stored) || stored.v !== VERSION) return clean;
  if (isPlainObject(stored.states)) {
    Object.keys(stored.states).forEach(function (id) {
      if (typeof stored.states[id] === 'string') clean.states[id] = stored.states[id];
    });
  }
  if (isPlainObject(stored.pending)) {
    Object.keys(stored.pending).forEach(function (id) {
      var n = stored.pending[id];
      if (typeof n === 'number' && n > 0 && n % 1 === 0) clean.pending[id] = n;
    });
  }
  return clean;
}

function read(wxApi) {
  try {
    return sanitise(wxApi.getStorageSync(STORAGE_KEY));
  } catch (e) {
    return empty();
  }
}

function write(wxApi, record) {
  try {
    wxApi.setStorageSync(STORAGE_KEY, record);
  } catch (e) {
    // Storage full or unavailable: the library works on without remembering.
  }
}

/** Records the states of a plan and the accepted one-time ids of an outcome. */
function remember(wxApi, plan, acceptedOneTime) {
  var record = read(wxApi);
  plan.templates.forEach(function (t) { record.states[t.id] = t.state; });
  acceptedOneTime.forEach(function (id) { record.pending[id] = (record.pending[id] || 0) + 1; });
  write(wxApi, record);
}

/** Takes reported accepts ({ [id]: count }) off the pending ones. */
function confirm(wxApi, reported) {
  var record = read(wxApi);
  Object.keys(reported || {}).forEach(function (id) {
    var left = (record.pending[id] || 0) - (Number(reported[id]) || 0);
    if (left > 0) record.pending[id] = left;
    else delete record.pending[id];
  });
  write(wxApi, record);
  return record.pending;
}

module.exports = { STORAGE_KEY: STORAGE_KEY, read: read, remember: remember, confirm: confirm };

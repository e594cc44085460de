// What the library remembers between visits, in wx storage under one key.
// What the record holds and every rule for it (how long a ban holds, how
// accepts add up and are taken off, what is pruned, what a corrupt record
// reads as) is the core's: src/memory.rs, through loader.remember(). This
// file moves the record in and out of storage, and keeps in memory every
// change storage did not take:
// - a change is written at once; if storage cannot be read or written, it
//   stays in memory, counts in what the page is shown, and is written by a
//   later call;
// - nothing is written over a record that could not be read.
'use strict';

var boundary = require('./boundary.js');
var loader = require('./loader.js');

var STORAGE_KEY = 'wx-subscribe:v1';

function onlyStates(change) {
  return Object.keys(change).length === 1 && change.states !== undefined;
}

function store(wxApi) {
  var unsaved = []; // changes not written yet, oldest first
  var last = null;  // the record as last read or written

  function now() {
    return Date.now();
  }

  // The record `stored` with the unsaved changes, as the core merges it. A
  // stored value too large to cross (written by something else) keeps only its
  // pending accepts, and if even those are too large, it reads as empty.
  function merge(stored) {
    var pendingOnly = boundary.isObject(stored) ? { v: stored.v, pending: stored.pending } : null;
    var candidates = [stored, pendingOnly, null];
    for (var i = 0; ; i++) {
      try {
        return loader.remember(candidates[i], unsaved, now());
      } catch (error) {
        if (error.kind !== 'input' || i === candidates.length - 1) throw error;
      }
    }
  }

  function read() {
    try {
      last = wxApi.getStorageSync(STORAGE_KEY);
      return true;
    } catch (e) {
      return false;
    }
  }

  // Writes the unsaved changes over what storage holds now; keeps them when
  // storage cannot be read or written. Gives the record with them.
  function save() {
    if (!read()) return merge(last);
    var record = merge(last);
    try {
      wxApi.setStorageSync(STORAGE_KEY, record);
    } catch (e) {
      return record;
    }
    unsaved = [];
    last = record;
    return record;
  }

  return {
    /**
     * Records a change ({ states?, accepted?, reported?, tooMany? }), or a
     * list of them oldest first, in one write; gives the record.
     */
    note: function (changes) {
      [].concat(changes).forEach(function (change) {
        // A plan's states replace the states of earlier plans, so while storage
        // fails only the newest of those waits; accepts and reports all wait.
        if (onlyStates(change)) unsaved = unsaved.filter(function (c) { return !onlyStates(c); });
        unsaved.push(change);
      });
      return save();
    },
    /** The record, with what storage has not taken yet (written now if it can be). */
    view: function () {
      return unsaved.length > 0 ? save() : (read(), merge(last));
    },
  };
}

module.exports = { STORAGE_KEY: STORAGE_KEY, store: store };

// The remembered record through the page's module: remember(stored, changes,
// now), whose rules are src/memory.rs's. A record and changes as this library
// writes them cross as numbers (merge_from_codes in src/memory.rs: the order
// is documented there), each template id replaced by its position in a list
// kept here, so no id crosses either way: without JIT, ids as JSON text in and
// out were nine tenths of the call. Anything else (a member this library does
// not write, a value of another type, more entries than the caps allow, a
// `now` that is no time) crosses as JSON text instead, to be judged and
// refused exactly as before. Either way the record comes back as numbers
// (Record::numbers), keyed by position or by id.
'use strict';

var boundary = require('./boundary.js');
var names = require('./names.js');

// Each state's name (from the core); in the numbers a state is its index plus one.
var STATES = names.STATES;
var STATE_CODES = Object.create(null);
STATES.forEach(function (name, i) { STATE_CODES[name] = i + 1; });

var NO_CODES = new Float64Array(0);

// The members each part of a record or a change may have, to cross as numbers.
var RECORD_KEYS = ['v', 'states', 'pending', 'idsPerRequest'];
var LEARNED_KEYS = ['ids', 'at'];
var STATE_KEYS = ['state', 'at'];
var CHANGE_KEYS = ['states', 'accepted', 'reported', 'tooMany'];

// An object as JSON.parse makes them (JSON.stringify would write another
// object, one with a toJSON() of its prototype's say, as something else).
function isPlain(value) {
  if (!boundary.isObject(value)) return false;
  var proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// The keys of `value` when it is a plain object with no key but `allowed`, else null.
function keysWithin(value, allowed) {
  if (!isPlain(value)) return null;
  var keys = Object.keys(value);
  for (var i = 0; i < keys.length; i++) {
    if (allowed.indexOf(keys[i]) < 0) return null;
  }
  return keys;
}

// The numbers of merge_from_codes for these arguments and the ids their keys
// stand for, or null where they cross as text.
function encode(stored, changes, now) {
  if (typeof now !== 'number' || !(now >= 0 && now < Infinity)) return null;
  var ids = [];
  var positions = Object.create(null);
  var units = 0;
  var out = [now];
  // What one value is as a number: false where it is not one.
  function number(value) {
    if (typeof value !== 'number') return false;
    out.push(value);
    return true;
  }
  function state(value) {
    if (typeof value !== 'string') return false;
    out.push(STATE_CODES[value] || 0);
    return true;
  }
  function remembered(value) {
    return keysWithin(value, STATE_KEYS) !== null && state(value.state) && number(value.at);
  }
  // An object's entries: how many, then per entry its key's position and what `put` writes.
  function entries(object, put) {
    if (object === undefined) return number(0);
    if (!isPlain(object)) return false;
    var keys = Object.keys(object);
    if (keys.length > boundary.LIMITS.values) return false;
    out.push(keys.length);
    for (var i = 0; i < keys.length; i++) {
      var id = keys[i];
      var at = positions[id];
      if (at === undefined) {
        at = positions[id] = ids.length;
        ids.push(id);
        units += id.length;
        if (id.length > boundary.LIMITS.stringUnits || units > boundary.LIMITS.units) return false;
      }
      out.push(at);
      if (!put(object[id])) return false;
    }
    return true;
  }
  function optional(value, put) {
    return value === undefined ? number(-1) : put(value);
  }
  if (stored === null || stored === undefined) {
    out.push(-1, -1, -1, 0, 0);
  } else {
    if (keysWithin(stored, RECORD_KEYS) === null || !optional(stored.v, number)) return null;
    var learned = stored.idsPerRequest;
    if (learned === undefined) {
      out.push(-1, -1);
    } else if (keysWithin(learned, LEARNED_KEYS) === null || !number(learned.ids) || !number(learned.at)) {
      return null;
    }
    if (!entries(stored.states, remembered) || !entries(stored.pending, number)) return null;
  }
  var list = Array.isArray(changes) ? changes : changes === null || changes === undefined ? [] : [changes];
  if (list.length > boundary.LIMITS.values) return null;
  out.push(list.length);
  for (var c = 0; c < list.length; c++) {
    var change = list[c];
    if (keysWithin(change, CHANGE_KEYS) === null ||
        !entries(change.states, state) || !entries(change.accepted, number) ||
        !entries(change.reported, number) || !optional(change.tooMany, number)) return null;
  }
  if (out.length > boundary.LIMITS.values) return null;
  return { codes: new Float64Array(out), ids: ids };
}

// The record Record::numbers stands for, its keys positions in `ids` (or, without `ids`, text).
function decode(numbers, ids) {
  var at = 1;
  var record = { v: numbers[at++], states: {}, pending: {} };
  function key() {
    if (ids) return ids[numbers[at++]];
    var text = boundary.textAt(numbers, at);
    at = boundary.after(numbers, at);
    return text;
  }
  // As JSON.parse would set it: a key '__proto__' is a member like any other.
  function set(object, id, value) {
    if (id === '__proto__') Object.defineProperty(object, id, { value: value, enumerable: true, writable: true, configurable: true });
    else object[id] = value;
  }
  for (var s = numbers[at++]; s > 0; s--) {
    var id = key();
    set(record.states, id, { state: STATES[numbers[at]], at: numbers[at + 1] });
    at += 2;
  }
  for (var p = numbers[at++]; p > 0; p--) {
    set(record.pending, key(), numbers[at++]);
  }
  if (numbers[at] >= 0) record.idsPerRequest = { ids: numbers[at], at: numbers[at + 1] };
  return record;
}

/** remember(stored, changes, now) on `instance`: the stored record with the changes. */
function remember(instance, stored, changes, now) {
  var encoded;
  try {
    encoded = encode(stored, changes, now);
  } catch (thrown) {
    throw boundary.unreadable(thrown);
  }
  if (encoded) return decode(boundary.callNumbers(instance, 'remember', '', encoded.codes), encoded.ids);
  return decode(boundary.callNumbers(instance, 'remember', boundary.serialise([stored, changes, now]), NO_CODES), null);
}

module.exports = { remember: remember };

// The remembered record through the page's module: remember(stored, changes,
// now), whose rules are src/memory.rs's. The arguments cross as numbers only
// (merge_from_codes in src/memory.rs: the order is documented there), each
// template id replaced by its position in a list kept here, so no id crosses
// either way: without JIT, ids as JSON text in and out were nine tenths of the
// call. A record and changes as this library writes them are written as they
// are; anything else (a member this library does not write, a value of
// another type, a getter, a Proxy) is first copied as plain data, as JSON
// would carry it (refused past the caps), and that copy is written: a member
// that is no object as none, a value that is no number as NaN, a state that
// is no state's name as 0, for the module to judge each by the same rules.
// The record comes back as numbers (Record::numbers), keyed by position.
'use strict';

var boundary = require('./boundary.js');
var names = require('./names.js');

// Each state's name (from the core); in the numbers a state is its index plus one.
var STATES = names.STATES;
var STATE_CODES = Object.create(null);
STATES.forEach(function (name, i) { STATE_CODES[name] = i + 1; });

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
// stand for. Strict, it takes only a record and changes as this library
// writes them, and gives null for anything else; loose, it takes any plain
// data (a copy made by JSON.parse) and writes what has no number as above.
function encode(stored, changes, now, loose) {
  if (!loose && (typeof now !== 'number' || !(now >= 0 && now < Infinity))) return null;
  var ids = [];
  var positions = Object.create(null);
  var units = 0;
  var out = [typeof now === 'number' ? now : NaN];
  // A member `keys` allows, or an object (loose: any object, its other members left out).
  function shaped(value, keys) {
    return loose ? isPlain(value) : keysWithin(value, keys) !== null;
  }
  // What one value is as a number: false where it is not one (loose: NaN).
  function number(value) {
    if (typeof value !== 'number' && !loose) return false;
    out.push(typeof value === 'number' ? value : NaN);
    return true;
  }
  function state(value) {
    if (typeof value !== 'string' && !loose) return false;
    out.push(typeof value === 'string' && STATE_CODES[value] || 0);
    return true;
  }
  function remembered(value) {
    if (shaped(value, STATE_KEYS)) return state(value.state) && number(value.at);
    return loose && number(0) && number(NaN);
  }
  // An object's entries: how many, then per entry its key's position and what `put` writes.
  function entries(object, put) {
    if (object === undefined || (loose && !isPlain(object))) return number(0);
    if (!isPlain(object)) return false;
    var keys = Object.keys(object);
    if (keys.length > boundary.LIMITS.values && !loose) return false;
    out.push(keys.length);
    for (var i = 0; i < keys.length; i++) {
      var id = keys[i];
      var at = positions[id];
      if (at === undefined) {
        at = positions[id] = ids.length;
        ids.push(id);
        units += id.length;
        if (!loose && (id.length > boundary.LIMITS.stringUnits || units > boundary.LIMITS.units)) return false;
      }
      out.push(at);
      if (!put(object[id])) return false;
    }
    return true;
  }
  function optional(value, put) {
    return value === undefined ? number(-1) : put(value);
  }
  if (stored === null || stored === undefined || (loose && !isPlain(stored))) {
    out.push(-1, -1, -1, 0, 0);
  } else {
    if (!shaped(stored, RECORD_KEYS) || !optional(stored.v, number)) return null;
    var learned = stored.idsPerRequest;
    if (learned === undefined) {
      out.push(-1, -1);
    } else if (!shaped(learned, LEARNED_KEYS)) {
      if (!loose) return null;
      out.push(NaN, NaN);
    } else if (!number(learned.ids) || !number(learned.at)) {
      return null;
    }
    if (!entries(stored.states, remembered) || !entries(stored.pending, number)) return null;
  }
  var list = Array.isArray(changes) ? changes : changes === null || changes === undefined ? [] : [changes];
  if (list.length > boundary.LIMITS.values && !loose) return null;
  out.push(list.length);
  for (var c = 0; c < list.length; c++) {
    var change = shaped(list[c], CHANGE_KEYS) ? list[c] : loose ? {} : null;
    if (change === null ||
        !entries(change.states, state) || !entries(change.accepted, number) ||
        !entries(change.reported, number) || !optional(change.tooMany, number)) return null;
  }
  if (out.length > boundary.LIMITS.values && !loose) return null;
  return { codes: new Float64Array(out), ids: ids };
}

// The record Record::numbers stands for, its keys positions in `ids`.
function decode(numbers, ids) {
  var at = 1;
  var record = { v: numbers[at++], states: {}, pending: {} };
  // As JSON.parse would set it: a key '__proto__' is a member like any other.
  function set(object, id, value) {
    if (id === '__proto__') Object.defineProperty(object, id, { value: value, enumerable: true, writable: true, configurable: true });
    else object[id] = value;
  }
  for (var s = numbers[at++]; s > 0; s--) {
    set(record.states, ids[numbers[at]], { state: STATES[numbers[at + 1]], at: numbers[at + 2] });
    at += 3;
  }
  for (var p = numbers[at++]; p > 0; p--) {
    set(record.pending, ids[numbers[at]], numbers[at + 1]);
    at += 2;
  }
  if (numbers[at] >= 0) record.idsPerRequest = { ids: numbers[at], at: numbers[at + 1] };
  return record;
}

/** remember(stored, changes, now) on `instance`: the stored record with the changes. */
function remember(instance, stored, changes, now) {
  var encoded;
  try {
    encoded = encode(stored, changes, now, false);
  } catch (thrown) {
    throw boundary.unreadable(thrown);
  }
  if (!encoded) {
    var copy = JSON.parse(boundary.serialise([stored, changes, now]));
    encoded = encode(copy[0], copy[1], copy[2], true);
  }
  return decode(boundary.callNumbers(instance, 'remember', encoded.codes), encoded.ids);
}

module.exports = { remember: remember };

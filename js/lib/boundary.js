// The JS half of the wasm boundary (the Rust half is src/wasm.rs). One call
// crosses once each way:
// - in: the arguments become one JSON text, measured while JSON.stringify
//   writes it (inside a try/catch, so a throwing getter, a revoked Proxy, a
//   cycle or a BigInt is an 'input' error here and never reaches wasm) and
//   refused past the caps before anything is copied; then its UTF-16 code
//   units are copied into wasm memory. Phones have no TextEncoder, and a
//   string's code units are what a JS loop can copy fastest.
// - out: the answer's JSON text comes back as UTF-16 code units and is
//   decoded with String.fromCharCode and JSON.parse, native on every engine;
//   plan's and interpretResult's answers, on the tap path, come back as
//   numbers (a Float64Array, src/numbers.rs) that templates.js reads by index.
// The exports never call into JS and never throw: an exception out of one is
// a trap (a bug, or out of memory). The instance is then marked broken, the
// call throws an 'internal' WxSubscribeError, and the owner of the instance
// (loader.js, node/index.js) gives the next call a fresh one. An instance
// whose memory grew past RETIRE_BYTES (wasm memory never shrinks) is marked
// oversized: its owner swaps it for a fresh one when it has one at hand.
'use strict';

var WxSubscribeError = require('./error.js');

/** The caps on one call's input; the Rust reader (src/json/mod.rs) has the same. */
var LIMITS = {
  /** UTF-16 code units of the arguments' JSON text. */
  units: 2097152,
  /** Values in the arguments (strings, numbers, arrays, objects, ...). */
  values: 262144,
  /** UTF-16 code units of one string. */
  stringUnits: 524288,
  /** Levels of nested arrays and objects, the arguments' own array being the first. */
  depth: 24,
};

/** An instance whose memory grew past this is replaced when a fresh one is at hand (bytes). */
var RETIRE_BYTES = 8 * 1024 * 1024;

var INPUT_ADVICE = 'pass plain data (objects, arrays, strings, numbers, booleans) within the documented limits';

function inputError(code, message) {
  return new WxSubscribeError({ code: code, kind: 'input', retryable: false, message: message, advice: INPUT_ADVICE });
}

function tooLarge(what, limit) {
  return inputError('input-too-large', 'the input has more than ' + limit + ' ' + what);
}

// A thrown value's message, cut short, without trusting the value.
function describe(thrown) {
  try {
    var message = thrown && thrown.message;
    return typeof message === 'string' ? message.slice(0, 100) : '';
  } catch (e) {
    return '';
  }
}

/** The 'input' error for a value that threw while it was read. */
function unreadable(thrown) {
  return inputError('input-unreadable', 'the input could not be read as data (a getter or Proxy threw, it refers to itself, or it nests too deep): ' + describe(thrown));
}

/**
 * Whether `value` is an object or an array (not null, not a function).
 * Written so that DevTools' ES6 transform (babel) leaves it as it is: it
 * rewrites a bare `typeof`, or one compared with 'object' or 'symbol', into
 * a call to a helper each file would require; no file here has one.
 */
function isObject(value) {
  return Object(value) === value && typeof value !== 'function';
}

/** The JSON text of `args`, measured as it is written; throws an 'input' WxSubscribeError. */
function serialise(args) {
  var values = 0;
  var units = 0;
  var refused = null;
  // The containers being written, outermost first. JSON.stringify walks depth
  // first and calls this with the container a value is in as `this`, so the
  // containers left open are those down to `this`: a value's level is how
  // many. Deep input is refused at the first level too many, before the
  // engine walks the rest.
  var open = [];
  function measure(key, value) {
    values += 1;
    units += key.length + 4;
    while (open.length > 0 && open[open.length - 1] !== this) open.pop();
    if (typeof value === 'string') {
      units += value.length;
      if (value.length > LIMITS.stringUnits) refused = tooLarge('UTF-16 code units in one string', LIMITS.stringUnits);
    } else if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') {
      units += 24;
    } else if (isObject(value)) {
      if (open.length >= LIMITS.depth) {
        refused = inputError('input-too-deep', 'input nests arrays/objects more than ' + LIMITS.depth + ' levels deep (or refers to itself)');
        throw refused;
      }
      open.push(value);
      // Arrays and typed arrays: refused by their length, before the engine walks them.
      if ((Array.isArray(value) || ArrayBuffer.isView(value)) && value.length > LIMITS.values) {
        refused = tooLarge('values', LIMITS.values);
      }
    } else {
      refused = inputError('input-unreadable', 'the input holds a function, a symbol or a BigInt, which is not data');
    }
    if (values > LIMITS.values) refused = tooLarge('values', LIMITS.values);
    if (units > LIMITS.units) refused = tooLarge('UTF-16 code units of JSON', LIMITS.units);
    if (refused) throw refused;
    return value;
  }
  var text;
  try {
    text = JSON.stringify(args, measure);
  } catch (thrown) {
    if (thrown === refused) throw refused;
    throw unreadable(thrown);
  }
  if (text.length > LIMITS.units) throw tooLarge('UTF-16 code units of JSON', LIMITS.units);
  return text;
}

function internal(message) {
  return new WxSubscribeError({
    code: 'wasm-trapped', kind: 'internal', retryable: true, message: message,
    advice: 'try again: the next call runs on a fresh module; report it if it happens again',
  });
}

/** The text of UTF-16 code units (a typed array), with native calls. */
function fromUnits(units) {
  var parts = [];
  for (var i = 0; i < units.length; i += 8192) {
    parts.push(String.fromCharCode.apply(null, units.subarray(i, i + 8192)));
  }
  return parts.join('');
}

/**
 * In a numbers answer (src/numbers.rs), a run starts at `at` with its length
 * (-1 for none): where the next number after it is.
 */
function after(numbers, at) {
  return at + 1 + Math.max(numbers[at], 0);
}

/** The text of the run at `at` of a numbers answer: its UTF-16 code units. */
function textAt(numbers, at) {
  return fromUnits(numbers.subarray(at + 1, at + 1 + numbers[at]));
}

/** Decodes an answer: its `ok` value, or throws its `error` as a WxSubscribeError. */
function decode(units) {
  var answer;
  try {
    answer = JSON.parse(fromUnits(units));
  } catch (e) {
    throw internal('the wasm module answered text that is not JSON');
  }
  if (answer.error) throw new WxSubscribeError(answer.error);
  return answer.ok;
}

/**
 * Calls export `name` of `instance` ({ exports, memory, broken, oversized })
 * with what it takes, in order: JSON text already measured (serialise), and
 * for `plan` its numbers (a Float64Array); `remember` takes only numbers.
 * Returns what the export answered, as it is. Marks the instance broken on a
 * trap, oversized when its memory grew past RETIRE_BYTES.
 */
function run(instance, name, input, codes) {
  var answer;
  try {
    // Text's code units go straight into wasm memory (js/lib/glue.js).
    answer = instance.exports[name](input, codes);
  } catch (trap) {
    instance.broken = true;
    throw internal('the wasm module trapped in ' + name + '(): ' + describe(trap));
  }
  if (instance.memory && instance.memory.buffer.byteLength > RETIRE_BYTES) instance.oversized = true;
  return answer;
}

/** run(), with the answer's JSON text decoded. */
function callText(instance, name, text) {
  return decode(run(instance, name, text));
}

/**
 * Calls an export that answers numbers (src/numbers.rs): they start with 0
 * and are returned as they are (a Float64Array); an error comes as its JSON
 * text, one code unit per number, and is thrown as a WxSubscribeError.
 */
function callNumbers(instance, name, input, codes) {
  var numbers = run(instance, name, input, codes);
  if (numbers[0] === 0) return numbers;
  decode(numbers);
  throw internal('the wasm module answered ' + name + '() with neither numbers nor an error');
}

/** Calls export `name` with the arguments `args` (an array). */
function call(instance, name, args) {
  return callText(instance, name, serialise(args));
}

module.exports = {
  LIMITS: LIMITS,
  isObject: isObject,
  serialise: serialise,
  unreadable: unreadable,
  call: call,
  callText: callText,
  callNumbers: callNumbers,
  fromUnits: fromUnits,
  after: after,
  textAt: textAt,
  internal: internal,
};

// Template lists cross into the wasm module once per instance (src/registry.rs):
// a page plans again after every answer with the same list, and on a phone
// every character that crosses costs, in both directions (the module runs
// interpreted there). plan() registers the list the first time (keyed by its
// JSON text); registering answers the list as read and the names the module's
// numbers stand for. Later plans pass the list's handle, and name what they
// can by numbers: per template, the choice the setting kept, the state the
// record remembered (with its time) and this round's answers go in a
// Float64Array, copied natively, after a head (the handle, the main switch,
// now, the record's version, options as before). What has no number (a value
// the module must judge) stays in the JSON text, keyed by template position;
// when nothing does, no text is sent. The module answers a layout as numbers,
// by position, which expand() fills in with the ids, titles, kinds and names;
// interpretResult answers numbers too, which outcome() reads.
'use strict';

var boundary = require('./boundary.js');
var names = require('./names.js');

/** Each plan state in the user's words, in Chinese, for a page's list of templates. */
var STATE_LABELS = {
  'ask': '待订阅',
  'top-up': '已保持订阅 · 自动续订',
  'kept-rejected': '已拒绝 · 需在设置中打开',
  'banned': '暂不可订阅',
  'switched-off': '订阅消息已关闭',
  'accepted': '本次已订阅',
  'rejected': '本次未订阅',
  'unsettled': '本次未能订阅',
};

var hasOwn = Object.prototype.hasOwnProperty;

function isPlainObject(value) {
  return boundary.isObject(value) && !Array.isArray(value);
}

/**
 * A template list measured and written once: plan() and subscriber() take it
 * where they take a list, and skip measuring the list again on every call.
 */
function TemplateList(templates) {
  this.text = boundary.serialise([templates]);
}

function listOf(templates) {
  var isList;
  try {
    isList = templates instanceof TemplateList; // a revoked Proxy throws here
  } catch (thrown) {
    throw boundary.unreadable(thrown);
  }
  return isList ? templates : new TemplateList(templates);
}

// The list as registered in `instance`: { text, handle, ids }.
function registered(instance, list, again) {
  var lists = instance.lists || (instance.lists = []);
  for (var i = 0; i < lists.length; i++) {
    if (lists[i].text !== list.text) continue;
    if (!again) return lists[i];
    lists.splice(i, 1);
    break;
  }
  var answer = boundary.callText(instance, 'registerTemplates', list.text);
  var ids = answer.templates.map(function (t) { return t.id; });
  var named = answer.names;
  var entry = {
    text: list.text, handle: answer.handle, templates: answer.templates, ids: ids,
    names: named, keptCodes: codesOf(named.kept), stateCodes: codesOf(named.states),
  };
  lists.push(entry);
  if (lists.length > names.KEPT_LISTS) lists.shift();
  return entry;
}

// Each name's number: 1 + its index in `names`.
function codesOf(names) {
  var codes = Object.create(null);
  for (var i = 0; i < names.length; i++) codes[names[i]] = i + 1;
  return codes;
}

// A plan's Float64Array (src/registry.rs, sizes from the core): a head of
// PLAN_HEAD numbers, [handle, mainSwitch, now, v, asBefore], then
// CODES_PER_TEMPLATE per template, [kept, state, at, answered].
var PLAN_HEAD = names.PLAN_HEAD;
var CODES_PER_TEMPLATE = names.CODES_PER_TEMPLATE;

// Each status's name by its number, and the counts in the numbers' order (from the core).
var STATUSES = names.STATUSES;
var OUTCOME_COUNTS = names.OUTCOME_COUNTS;

// The object `object` keyed by the list's ids, split: what `code(value,
// codes, at)` writes a number for goes into `codes` (`at` being where the
// template's numbers start); the rest stays, keyed by position, in the
// object returned, or undefined when nothing rests (JSON.stringify then
// leaves it out).
function split(object, ids, codes, code) {
  var rest;
  for (var i = 0; i < ids.length; i++) {
    if (!hasOwn.call(object, ids[i])) continue;
    var value = object[ids[i]];
    if (!code(value, codes, PLAN_HEAD + i * CODES_PER_TEMPLATE)) (rest || (rest = {}))[i] = value;
  }
  return rest;
}

// The client facts among a plan's options (all but `now`).
var CLIENT_FACTS = ['idsPerRequest', 'baseLibrary', 'wechatVersion', 'platform'];

// The client facts of `options` as one key, when it holds nothing but them
// (as primitives) and `now`, with a copy of what was read (each member read
// once, so what is sent is what the key says); else null. A plan whose key
// is that of the last plan made on the instance sends only `now`
// (src/registry.rs keeps the rest).
function facts(options) {
  if (!isPlainObject(options)) return null;
  var keys = Object.keys(options);
  for (var i = 0; i < keys.length; i++) {
    if (keys[i] !== 'now' && CLIENT_FACTS.indexOf(keys[i]) < 0) return null;
  }
  var key = '';
  var copy = {};
  for (var j = 0; j < CLIENT_FACTS.length; j++) {
    var value = options[CLIENT_FACTS[j]];
    if (value !== undefined && typeof value !== 'string' && typeof value !== 'number') return null;
    key += (typeof value === 'string' ? '"' : '') + value + '|';
    if (value !== undefined) copy[CLIENT_FACTS[j]] = value;
  }
  if (hasOwn.call(options, 'now')) copy.now = options.now;
  return { key: key, copy: copy };
}

// A time, a version: a finite number, not negative (-1 in a plan's head is "none").
function isCount(value) {
  return typeof value === 'number' && value >= 0 && value < Infinity;
}

// The head of a plan's numbers (src/registry.rs, head_args), from the
// arguments as they would be sent: true when it says all they say (the plan
// then sends no text).
function head(codes, args) {
  var setting = args[1];
  var options = args[2];
  var record = args[4];
  var main = setting == null ? 0 : isPlainObject(setting) && setting.itemSettings === undefined ? [undefined, false, true].indexOf(setting.mainSwitch) : -1;
  var keys = isPlainObject(options) ? Object.keys(options) : ['not an object'];
  // Only a copy made here has no key but `now`: the app's own object is not read again.
  var now = keys.length === 0 ? undefined : keys.length === 1 && keys[0] === 'now' ? options.now : null;
  var version = record ? record.v : undefined;
  var plain = main >= 0 && (now === undefined || isCount(now)) && args[3] === undefined &&
    (record === null || (record.states === undefined && record.idsPerRequest === undefined && (version === undefined || isCount(version))));
  codes.set([args[0], main, now === undefined ? -1 : now, version === undefined ? -1 : version, args[5] ? 1 : 0]);
  return plain;
}

// The plan's input: its JSON text ('' when its numbers say it all), its numbers, and its options' key.
function planInput(instance, entry, setting, options, answered, remembered) {
  var codes = new Float64Array(PLAN_HEAD + entry.ids.length * CODES_PER_TEMPLATE);
  function kept(value, out, at) {
    var code = typeof value === 'string' && entry.keptCodes[value];
    if (code) out[at] = code;
    return code;
  }
  function state(value, out, at) {
    if (!isPlainObject(value)) return 0;
    var name = value.state;
    var learned = value.at;
    var code = typeof name === 'string' && typeof learned === 'number' && entry.stateCodes[name];
    if (code) {
      out[at + 1] = code;
      out[at + 2] = learned;
    }
    return code;
  }
  // A status name, or an array of them (oldest first): the digits of one number, oldest lowest.
  function answers(value, out, at) {
    var list = Array.isArray(value) ? value : [value];
    if (list.length === 0 || list.length > names.MAX_CODED_ANSWERS) return 0;
    var code = 0;
    for (var i = list.length - 1; i >= 0; i--) {
      var status = typeof list[i] === 'string' ? STATUSES.indexOf(list[i]) : -1;
      if (status < 0) return 0;
      code = code * names.ANSWER_BASE + status + 1;
    }
    out[at + 3] = code;
    return code;
  }
  var args;
  try {
    var shaped = setting;
    if (isPlainObject(setting)) {
      shaped = { mainSwitch: setting.mainSwitch };
      var items = setting.itemSettings;
      if (items !== undefined) shaped.itemSettings = isPlainObject(items) ? split(items, entry.ids, codes, kept) : items;
    }
    var record = null;
    if (isPlainObject(remembered)) {
      var states = remembered.states;
      record = { v: remembered.v, states: isPlainObject(states) ? split(states, entry.ids, codes, state) : states, idsPerRequest: remembered.idsPerRequest };
    }
    var read = facts(options);
    var key = read && read.key;
    var asBefore = key !== null && key === instance.planFacts;
    var sent = !read ? options : asBefore ? { now: read.copy.now } : read.copy;
    args = [entry.handle, shaped, sent, answered == null ? undefined : isPlainObject(answered) ? split(answered, entry.ids, codes, answers) : answered, record];
    if (asBefore) args.push(true);
    var text = head(codes, args) ? '' : null;
  } catch (thrown) {
    throw boundary.unreadable(thrown);
  }
  return { text: text === null ? boundary.serialise(args) : text, codes: codes, key: key };
}

// The ids at the positions of the run at `at`.
function idsAt(numbers, at, ids) {
  var list = new Array(numbers[at]);
  for (var i = 0; i < list.length; i++) list[i] = ids[numbers[at + 1 + i]];
  return list;
}

// The Plan a layout stands for, read from its numbers (Layout::numbers in
// src/registry.rs: the order is documented there): positions become the
// registered ids, numbers become names, and each template gets its id, title
// and kind (fields in the order of src/plan.rs).
function expand(numbers, entry) {
  var ids = entry.ids;
  var names = entry.names;
  var n = ids.length;
  var at = 3;
  var counts = {};
  for (var c = 0; c < names.counts.length; c++) counts[names.counts[c]] = numbers[at++];
  var states = at;
  var kept = at + n;
  at += 2 * n;
  var batches = new Array(numbers[at++]);
  for (var b = 0; b < batches.length; b++) {
    batches[b] = { kind: names.kinds[numbers[at]], ids: idsAt(numbers, at + 2, ids), popup: numbers[at + 1] === 1 };
    at = boundary.after(numbers, at + 2);
  }
  var advice = new Array(numbers[at++]);
  for (var a = 0; a < advice.length; a++) {
    var piece = names.advice[numbers[at]];
    advice[a] = { code: piece[0], ids: idsAt(numbers, at + 1, ids), message: piece[1] };
    at = boundary.after(numbers, at + 1);
  }
  var planned = new Array(n);
  for (var t = 0; t < n; t++) {
    var template = entry.templates[t];
    var p = { id: template.id };
    if (template.title !== undefined) p.title = template.title;
    p.kind = template.kind;
    p.state = names.states[numbers[states + t]];
    var choice = numbers[kept + t];
    if (choice > names.kept.length) {
      // A choice without a number: its text comes last.
      p.kept = { choice: 'other', raw: boundary.textAt(numbers, at) };
      at = boundary.after(numbers, at);
    } else if (choice > 0) {
      p.kept = { choice: names.kept[choice - 1] };
    }
    planned[t] = p;
  }
  var main = numbers[1];
  return {
    mainSwitch: main === 0 ? null : main === 2,
    idsPerRequest: numbers[2],
    templates: planned,
    batches: batches,
    counts: counts,
    advice: advice,
  };
}

/** plan(templates, setting, options, answered, remembered) on `instance`. */
function plan(instance, templates, setting, options, answered, remembered) {
  var list = listOf(templates);
  var entry = registered(instance, list, false);
  for (var attempt = 0; ; attempt++) {
    var input = planInput(instance, entry, setting, options, answered, remembered);
    try {
      var layout = boundary.callNumbers(instance, 'plan', input.text, input.codes);
      instance.planFacts = input.key;
      return expand(layout, entry);
    } catch (error) {
      // What the module no longer holds is sent again, once each.
      if (attempt < 2 && error.code === 'templates-not-registered') entry = registered(instance, list, true);
      else if (attempt < 2 && error.code === 'options-not-kept') instance.planFacts = null;
      else throw error;
    }
  }
}

// The members of a request's result that are about the request, not about a template id.
var RESULT_FIELDS = ['errMsg', 'errCode', 'errmsg', 'errcode'];

/**
 * interpretResult(batch, result) on `instance`. A request crosses by
 * position: the result's answer for each id in the request's order, and its
 * own fields apart; the module answers by position (no id is written back),
 * and the positions become the ids again here. A result carries each id
 * twice, both ways, and ids are long; and nothing needs looking up. A batch
 * or result that is not plain data with string ids is first copied as JSON
 * would carry it (refused past the caps), and the copied batch goes too, for
 * the module to judge its ids before anything else.
 */
function interpret(instance, batch, result) {
  var args;
  try {
    args = byPosition(batch, result, false);
  } catch (thrown) {
    throw boundary.unreadable(thrown);
  }
  if (!args) {
    var copy = JSON.parse(boundary.serialise([batch, result]));
    args = byPosition(copy[0], copy[1], true);
  }
  return outcome(boundary.callNumbers(instance, 'interpretResult', boundary.serialise(args.sent)), args.ids);
}

// The arguments of interpretResult by position ({ sent, ids }). Unless
// `copied`, null where the batch or result is not plain data with string ids.
function byPosition(batch, result, copied) {
  var fromPlan = isPlainObject(batch); // { ids, kind }, else an array of ids
  var object = isPlainObject(result);
  var ids = fromPlan ? batch.ids : batch;
  // A batch past the cap is left for serialise() to refuse before anything walks it.
  var named = Array.isArray(ids) && (copied || ids.length <= boundary.LIMITS.values) &&
    ids.every(function (id) { return typeof id === 'string'; });
  if (!copied && !(named && object)) return null;
  ids = named ? ids : [];
  // A result that is no object is sent as it is, for the module to refuse.
  var fields = result;
  var answers = [];
  if (object) {
    fields = {};
    RESULT_FIELDS.forEach(function (field) { if (hasOwn.call(result, field)) fields[field] = result[field]; });
    answers = ids.map(function (id) { return hasOwn.call(result, id) ? result[id] : null; });
  }
  return { sent: [fromPlan ? { kind: batch.kind } : null, fields, answers, copied ? batch : null], ids: ids };
}

// The Outcome interpretResult's numbers stand for (answers() in
// src/numbers.rs: the order is documented there), with the request's `ids`.
function outcome(numbers, ids) {
  var at = 2;
  var counts = {};
  for (var c = 0; c < OUTCOME_COUNTS.length; c++) counts[OUTCOME_COUNTS[c]] = numbers[at++];
  var results = new Array(numbers[at++]);
  for (var r = 0; r < results.length; r++) {
    results[r] = { id: ids[r], status: STATUSES[numbers[at++]] };
    if (numbers[at] >= 0) results[r].raw = boundary.textAt(numbers, at);
    at = boundary.after(numbers, at);
  }
  var accepted = idsAt(numbers, at, ids);
  return { results: results, accepted: accepted, sends: numbers[1] === 1 ? accepted.slice() : [], counts: counts };
}

module.exports = { TemplateList: TemplateList, plan: plan, interpret: interpret, STATE_LABELS: STATE_LABELS };

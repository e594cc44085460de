// Template lists cross into the wasm module once per instance (src/registry.rs):
// a page plans again after every answer with the same list, and on a phone
// every character that crosses costs, in both directions. plan() registers
// the list the first time (keyed by its JSON text) and then passes the list's
// handle, with the setting's itemSettings, the answered ids and the
// remembered states keyed by template position. The module answers a layout by position, which expand()
// fills in with the ids, titles and kinds the registration answered.
'use strict';

var boundary = require('./boundary.js');

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

/** Lists kept per instance; src/registry.rs keeps as many. */
var KEPT_LISTS = 8;

var hasOwn = Object.prototype.hasOwnProperty;

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
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
  var entry = { text: list.text, handle: answer.handle, templates: answer.templates, ids: ids };
  lists.push(entry);
  if (lists.length > KEPT_LISTS) lists.shift();
  return entry;
}

// An object keyed by template id, keyed by position instead (only the list's
// ids are looked up); anything else as it is, for the planner to judge.
function byPosition(object, ids) {
  if (!isPlainObject(object)) return object;
  var keyed = {};
  for (var i = 0; i < ids.length; i++) {
    if (hasOwn.call(object, ids[i])) keyed[i] = object[ids[i]];
  }
  return keyed;
}

// A stored record (src/memory.rs) with its states keyed by position.
function recordByPosition(record, ids) {
  if (!isPlainObject(record)) return null;
  return { v: record.v, states: byPosition(record.states, ids), idsPerRequest: record.idsPerRequest };
}

function planText(entry, setting, options, answered, remembered) {
  var args;
  try {
    var shaped = setting;
    if (isPlainObject(setting)) {
      shaped = { mainSwitch: setting.mainSwitch };
      if (setting.itemSettings !== undefined) shaped.itemSettings = byPosition(setting.itemSettings, entry.ids);
    }
    args = [entry.handle, shaped, options, byPosition(answered, entry.ids), recordByPosition(remembered, entry.ids)];
  } catch (thrown) {
    throw boundary.unreadable(thrown);
  }
  return boundary.serialise(args);
}

// The Plan a layout stands for: positions become the registered ids, and
// each template gets its id, title and kind (fields in the order of src/plan.rs).
function expand(layout, entry) {
  var ids = entry.ids;
  function idsOf(positions) {
    var out = new Array(positions.length);
    for (var i = 0; i < positions.length; i++) out[i] = ids[positions[i]];
    return out;
  }
  var planned = new Array(entry.templates.length);
  for (var i = 0; i < planned.length; i++) {
    var t = entry.templates[i];
    var p = { id: t.id };
    if (t.title !== undefined) p.title = t.title;
    p.kind = t.kind;
    p.state = layout.states[i];
    if (layout.kept[i]) p.kept = layout.kept[i];
    planned[i] = p;
  }
  return {
    mainSwitch: layout.mainSwitch,
    idsPerRequest: layout.idsPerRequest,
    templates: planned,
    batches: layout.batches.map(function (b) { return { kind: b.kind, ids: idsOf(b.ids), popup: b.popup }; }),
    counts: layout.counts,
    advice: layout.advice.map(function (a) { return { code: a.code, ids: idsOf(a.ids), message: a.message }; }),
  };
}

/** plan(templates, setting, options, answered, remembered) on `instance`. */
function plan(instance, templates, setting, options, answered, remembered) {
  var list = listOf(templates);
  var entry = registered(instance, list, false);
  var layout;
  try {
    layout = boundary.callText(instance, 'plan', planText(entry, setting, options, answered, remembered));
  } catch (error) {
    if (error.code !== 'templates-not-registered') throw error;
    entry = registered(instance, list, true);
    layout = boundary.callText(instance, 'plan', planText(entry, setting, options, answered, remembered));
  }
  return expand(layout, entry);
}

module.exports = { TemplateList: TemplateList, plan: plan, STATE_LABELS: STATE_LABELS };

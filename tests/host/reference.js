// A plain, idiomatic JS implementation of the subscribe side's rules (plan,
// interpretResult and remember), written for the benchmark to compare against: the
// same checks and the same output as the wasm module, with Maps and Sets where
// a JS developer would use them, nothing tuned to lose. bench.js checks that
// both give the same answers on its inputs before it times them.
// Loaded before bench.js; it shares `reference` through the global object.

(function () {
  var KINDS = { 'one-time': 'one-time', 'long-term': 'long-term', device: 'device', 2: 'one-time', 3: 'long-term' };
  var ADVICE = {
    switchedOff: '订阅消息已关闭：请在设置页打开「接收订阅消息」后再订阅',
    keptRejected: '你曾选择不再接收这些通知：可在设置页的「订阅消息」里重新打开',
    banned: '这些通知暂时无法订阅',
    unsettled: '这些通知这次没有订阅成功，下次进入时可以再试',
    silent: '已保持订阅的通知将自动续订，不会弹窗',
  };

  function fail(code, message) {
    var e = new Error(message);
    e.code = code;
    throw e;
  }

  function readTemplates(list) {
    if (!Array.isArray(list)) fail('templates-not-a-list', 'templates must be an array');
    var seen = new Map();
    return list.map(function (entry, i) {
      var record = typeof entry === 'string' ? { id: entry } : entry;
      if (record === null || typeof record !== 'object') fail('template-bad-entry', 'templates[' + i + ']');
      var id = record.id !== undefined && record.id !== null ? record.id : record.priTmplId;
      if (typeof id !== 'string' || id === '' || /[\s\u0000-\u001f]/.test(id) || id.length > 128) fail('template-bad-id', 'templates[' + i + '].id');
      if (seen.has(id)) fail('template-duplicate-id', 'templates[' + i + ']');
      seen.set(id, i);
      var title = record.title === null ? undefined : record.title;
      if (title !== undefined && typeof title !== 'string') fail('template-bad-title', 'templates[' + i + '].title');
      var rawKind = record.kind !== undefined && record.kind !== null ? record.kind : record.type;
      var kind = rawKind === undefined || rawKind === null ? 'one-time' : KINDS[rawKind];
      if (!kind) fail('template-bad-kind', 'templates[' + i + '].kind');
      return { id: id, title: title, kind: kind };
    });
  }

  function keptChoice(value) {
    if (typeof value !== 'string') return { choice: 'other', raw: value === null ? 'null' : 'a ' + typeof value };
    if (value.indexOf('accept') === 0) return { choice: 'accept' };
    if (value === 'reject' || value === 'ban') return { choice: value };
    return { choice: 'other', raw: value };
  }

  function status(raw) {
    if (raw.indexOf('accept') === 0) return 'accept';
    return ['reject', 'ban', 'filter', 'missing'].indexOf(raw) >= 0 ? raw : 'unknown';
  }

  function version(text) {
    return String(text).split('.').map(Number);
  }

  function below(v, wanted) {
    for (var i = 0; i < 3; i++) {
      var n = v[i] || 0;
      if (n !== wanted[i]) return n < wanted[i];
    }
    return false;
  }

  function idsPerRequest(options) {
    var n = options.idsPerRequest === undefined ? 3 : options.idsPerRequest;
    if (typeof n !== 'number' || n % 1 !== 0 || n < 1 || n > 5) fail('options-bad-ids-per-request', 'idsPerRequest');
    if (options.baseLibrary && below(version(options.baseLibrary), [2, 8, 4])) return 1;
    var platform = String(options.platform || '').toLowerCase();
    if (options.wechatVersion && platform === 'ios' && below(version(options.wechatVersion), [7, 0, 6])) return 1;
    if (options.wechatVersion && platform === 'android' && below(version(options.wechatVersion), [7, 0, 7])) return 1;
    return n;
  }

  var BAN_HOLDS_MS = 7 * 24 * 3600 * 1000;

  // answers: this round's statuses, oldest first; remembered: { state, at } from earlier visits.
  function stateOf(mainSwitch, kept, answers, remembered, now) {
    if (mainSwitch === false) return 'switched-off';
    var answer = answers[answers.length - 1];
    var unsettled = answers.filter(function (a) { return a === 'filter' || a === 'unknown' || a === 'missing'; }).length;
    if ((kept && kept.choice === 'ban') || answer === 'ban') return 'banned';
    if (kept && kept.choice === 'reject') return 'kept-rejected';
    if (answer === 'accept') return 'accepted';
    if (answer === 'reject') return 'rejected';
    if (unsettled >= 2) return 'unsettled';
    if (kept && kept.choice === 'accept') return 'top-up';
    var ban = remembered && remembered.state === 'banned' && now >= remembered.at && now - remembered.at < BAN_HOLDS_MS;
    if (ban && (!kept || kept.choice === 'other')) return 'banned';
    return 'ask';
  }

  // The fewest batches a kind's templates fit in: max(ceil(n / limit), most sharing a title).
  function fewest(members, limit) {
    var shared = new Map();
    var most = 0;
    members.forEach(function (m) {
      if (m.title === undefined) return;
      shared.set(m.title, (shared.get(m.title) || 0) + 1);
      most = Math.max(most, shared.get(m.title));
    });
    return { count: Math.max(Math.ceil(members.length / limit), most), shared: shared };
  }

  // Those templates in that many batches: most-shared titles first, dealt in turn.
  function dealt(kind, members, limit) {
    var f = fewest(members, limit);
    var firstOf = new Map();
    members.forEach(function (m) { if (m.title !== undefined && !firstOf.has(m.title)) firstOf.set(m.title, m.titleNumber); });
    var sorted = members.slice().sort(function (a, b) {
      var sa = a.title === undefined ? 1 : f.shared.get(a.title);
      var sb = b.title === undefined ? 1 : f.shared.get(b.title);
      var ga = a.title === undefined ? a.order : a.titleNumber;
      var gb = b.title === undefined ? b.order : b.titleNumber;
      return sb - sa || ga - gb || a.order - b.order;
    });
    var batches = [];
    for (var i = 0; i < f.count; i++) batches.push({ kind: kind, members: [], popup: false });
    sorted.forEach(function (m, turn) { batches[turn % f.count].members.push(m); });
    batches.forEach(function (b) { b.popup = b.members.some(function (m) { return m.state === 'ask'; }); });
    return batches;
  }

  // First fit in the app's order: popup templates, then silent ones into the
  // popup batches' free places, then silent batches.
  function fits(batch, t, limit) {
    return batch.kind === t.kind && batch.members.length < limit &&
      (t.title === undefined || batch.members.every(function (m) { return m.title !== t.title; }));
  }

  function place(batches, t, limit, popup, mayOpen) {
    for (var i = 0; i < batches.length; i++) {
      if (fits(batches[i], t, limit)) {
        batches[i].members.push(t);
        return true;
      }
    }
    if (mayOpen) batches.push({ kind: t.kind, members: [t], popup: popup });
    return mayOpen;
  }

  function plan(templates, setting, options, answered, remembered) {
    var list = readTemplates(templates);
    setting = setting || {};
    options = options || {};
    var mainSwitch = typeof setting.mainSwitch === 'boolean' ? setting.mainSwitch : null;
    var items = setting.itemSettings || {};
    var states = remembered && remembered.v === 2 && remembered.states || {};
    var titleNumbers = new Map();
    var planned = list.map(function (t, order) {
      var kept = Object.prototype.hasOwnProperty.call(items, t.id) ? keptChoice(items[t.id]) : undefined;
      var given = answered && answered[t.id];
      var answers = (typeof given === 'string' ? [given] : Array.isArray(given) ? given : []).map(status);
      var before = Object.prototype.hasOwnProperty.call(states, t.id) ? states[t.id] : undefined;
      var state = stateOf(mainSwitch, kept, answers, before, options.now === undefined ? NaN : options.now);
      var p = { id: t.id, title: t.title, kind: t.kind, state: state, kept: kept };
      if (t.title !== undefined && !titleNumbers.has(t.title)) titleNumbers.set(t.title, order);
      Object.defineProperty(p, 'order', { value: order });
      Object.defineProperty(p, 'titleNumber', { value: titleNumbers.get(t.title) });
      return p;
    });
    var limit = idsPerRequest(options);
    var popup = [];
    var silent = [];
    planned.forEach(function (p) { if (p.state === 'ask') place(popup, p, limit, true, true); });
    planned.forEach(function (p) {
      if (p.state === 'top-up' && !place(popup, p, limit, true, false)) place(silent, p, limit, false, true);
    });
    var all = popup.concat(silent);
    ['one-time', 'long-term', 'device'].forEach(function (kind) {
      var members = planned.filter(function (p) { return p.kind === kind && (p.state === 'ask' || p.state === 'top-up'); });
      var used = all.filter(function (b) { return b.kind === kind; }).length;
      if (used > fewest(members, limit).count) {
        all = all.filter(function (b) { return b.kind !== kind; }).concat(dealt(kind, members, limit));
      }
    });
    all.forEach(function (b) {
      b.members.sort(function (x, y) { return x.order - y.order; });
      var asked = b.members.filter(function (m) { return m.state === 'ask'; })[0];
      b.key = (asked || b.members[0]).order;
    });
    all.sort(function (x, y) { return (x.popup === y.popup ? 0 : x.popup ? -1 : 1) || x.key - y.key; });
    var batches = all.map(function (b) {
      return { kind: b.kind, ids: b.members.map(function (m) { return m.id; }), popup: b.popup };
    });
    var counts = { ask: 0, topUp: 0, keptRejected: 0, banned: 0, switchedOff: 0, accepted: 0, rejected: 0, unsettled: 0 };
    var names = { ask: 'ask', 'top-up': 'topUp', 'kept-rejected': 'keptRejected', banned: 'banned', 'switched-off': 'switchedOff', accepted: 'accepted', rejected: 'rejected', unsettled: 'unsettled' };
    planned.forEach(function (p) { counts[names[p.state]] += 1; });
    var advice = [];
    function advise(code, ids, message) {
      if (ids.length) advice.push({ code: code, ids: ids, message: message });
    }
    function idsIn(state) {
      return planned.filter(function (p) { return p.state === state; }).map(function (p) { return p.id; });
    }
    advise('open-settings', idsIn('switched-off'), ADVICE.switchedOff);
    advise('open-settings', idsIn('kept-rejected'), ADVICE.keptRejected);
    advise('banned', idsIn('banned'), ADVICE.banned);
    advise('unsettled', idsIn('unsettled'), ADVICE.unsettled);
    advise('renew-silently', [].concat.apply([], batches.filter(function (b) { return !b.popup; }).map(function (b) { return b.ids; })), ADVICE.silent);
    return {
      mainSwitch: mainSwitch,
      idsPerRequest: limit,
      templates: planned.map(function (p) {
        var out = { id: p.id };
        if (p.title !== undefined) out.title = p.title;
        out.kind = p.kind;
        out.state = p.state;
        if (p.kept) out.kept = p.kept;
        return out;
      }),
      batches: batches,
      counts: counts,
      advice: advice,
    };
  }

  var FAILURES = {
    10001: 'empty-template-ids', 10002: 'network-list-failed', 10003: 'network-subscribe-failed',
    10004: 'invalid-template-id', 10005: 'popup-not-shown', 20001: 'unknown-template', 20002: 'mixed-template-kinds',
    20003: 'too-many-ids', 20004: 'main-switch-off', 20005: 'app-banned', 20013: 'device-template-on-wrong-api',
  };

  function interpretResult(batch, result) {
    var ids = Array.isArray(batch) ? batch : batch && batch.ids;
    if (!Array.isArray(ids) || !ids.every(function (id) { return typeof id === 'string'; })) fail('batch-bad-ids', 'the batch');
    if (result === null || typeof result !== 'object' || Array.isArray(result)) fail('result-not-an-object', 'the result');
    var errMsg = typeof result.errMsg === 'string' ? result.errMsg : '';
    if ((result.errCode !== undefined && result.errCode !== 0) || (errMsg && !/:ok$/.test(errMsg))) {
      fail(FAILURES[result.errCode] || 'unknown', errMsg);
    }
    var counts = { accepted: 0, rejected: 0, banned: 0, filtered: 0, unknown: 0, missing: 0 };
    var key = { accept: 'accepted', reject: 'rejected', ban: 'banned', filter: 'filtered', unknown: 'unknown', missing: 'missing' };
    var accepted = [];
    var results = ids.map(function (id) {
      var value = result[id];
      var raw = value === undefined || value === null ? undefined : typeof value === 'string' ? value : 'a ' + typeof value;
      var s = raw === undefined ? 'missing' : status(raw);
      counts[key[s]] += 1;
      if (s === 'accept') accepted.push(id);
      var out = { id: id, status: s };
      if (raw !== undefined) out.raw = raw;
      return out;
    });
    var sends = batch && batch.kind !== undefined && batch.kind !== 'one-time' ? [] : accepted.slice();
    return { results: results, accepted: accepted, sends: sends, counts: counts };
  }

  // The remembered record's rules (src/memory.rs): what is not well formed
  // is dropped, changes apply in order, then what is too old or too much goes.
  var STATES = ['ask', 'top-up', 'kept-rejected', 'banned', 'switched-off', 'accepted', 'rejected', 'unsettled'];
  var KEEP_MS = 30 * 24 * 3600 * 1000;
  var MAX_STATES = 200;
  var MAX_PENDING_TEMPLATES = 200;
  var MAX_PENDING = 10000;

  function isObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
  function count(value) {
    return typeof value === 'number' && value % 1 === 0 && value >= 0 && value <= 4294967295 ? value : undefined;
  }
  function time(value) {
    return typeof value === 'number' && value >= 0 && value < Infinity ? value : undefined;
  }
  function positive(value) {
    var n = count(value);
    return n > 0 ? n : undefined;
  }
  // A Map of the object's entries whose values `read` accepts.
  function entries(object, read) {
    var map = new Map();
    if (!isObject(object)) return map;
    Object.keys(object).forEach(function (key) {
      var value = object[key] === null ? undefined : read(object[key]);
      if (value !== undefined) map.set(key, value);
    });
    return map;
  }

  function readRecord(stored) {
    var record = { states: new Map(), pending: new Map(), idsPerRequest: undefined };
    var v = isObject(stored) ? count(stored.v) : undefined;
    if (v !== 1 && v !== 2) return record;
    record.pending = entries(stored.pending, function (n) { return positive(n) && Math.min(n, MAX_PENDING); });
    if (v === 1) return record;
    record.states = entries(stored.states, function (r) {
      return isObject(r) && STATES.indexOf(r.state) >= 0 && time(r.at) !== undefined ? { state: r.state, at: r.at } : undefined;
    });
    var l = stored.idsPerRequest;
    if (isObject(l) && count(l.ids) >= 1 && count(l.ids) <= 5 && time(l.at) !== undefined) record.idsPerRequest = { ids: l.ids, at: l.at };
    return record;
  }

  function apply(record, change, now) {
    var c = isObject(change) ? change : {};
    entries(c.states, function (s) { return STATES.indexOf(s) >= 0 ? s : undefined; }).forEach(function (state, id) {
      var known = record.states.get(id);
      if (!known || known.state !== state) record.states.set(id, { state: state, at: now });
    });
    entries(c.accepted, positive).forEach(function (n, id) {
      record.pending.set(id, Math.min((record.pending.get(id) || 0) + n, MAX_PENDING));
    });
    entries(c.reported, positive).forEach(function (n, id) {
      if (record.pending.has(id)) record.pending.set(id, Math.max(record.pending.get(id) - n, 0));
    });
    record.pending.forEach(function (n, id) { if (n === 0) record.pending.delete(id); });
    var refused = positive(c.tooMany);
    if (refused) record.idsPerRequest = { ids: refused > 3 ? 3 : 1, at: now };
  }

  function remember(stored, changes, now) {
    if (time(now) === undefined) fail('memory-bad-now', 'now');
    var record = readRecord(stored);
    (Array.isArray(changes) ? changes : changes == null ? [] : [changes]).forEach(function (c) { apply(record, c, now); });
    var fresh = function (at) { return at <= now && now - at < KEEP_MS; };
    var states = Array.from(record.states).filter(function (e) { return fresh(e[1].at); });
    if (states.length > MAX_STATES) {
      var newest = states.map(function (e, i) { return i; }).sort(function (a, b) { return states[b][1].at - states[a][1].at || a - b; });
      var keep = new Set(newest.slice(0, MAX_STATES));
      states = states.filter(function (e, i) { return keep.has(i); });
    }
    var out = { v: 2, states: {}, pending: {} };
    states.forEach(function (e) { out.states[e[0]] = e[1]; });
    Array.from(record.pending).slice(0, MAX_PENDING_TEMPLATES).forEach(function (e) { out.pending[e[0]] = e[1]; });
    if (record.idsPerRequest && fresh(record.idsPerRequest.at)) out.idsPerRequest = record.idsPerRequest;
    return out;
  }

  (typeof globalThis !== 'undefined' ? globalThis : this).reference = { plan: plan, interpretResult: interpretResult, remember: remember };
})();

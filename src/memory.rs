//! What the library remembers between visits (the JS side keeps it in wx
//! storage under one key): the last state learned per template and when, the
//! accepts not yet reported to the app's server, and how many ids this client
//! took in one request. The rules for that record live here:
//!
//! - a template WeChat answered `ban` for stays banned for [`BAN_HOLDS_MS`]
//!   (7 days), unless the user's setting now keeps a choice for it; every
//!   other state is learned again on each visit;
//! - a state's time is when it was learned, and stays the same while the state does;
//! - pending accepts only grow by what an answer accepted and only shrink by
//!   what the app reported, never below 0 and never past [`MAX_PENDING`] per template;
//! - after a 20003 the client's limit drops straight to what WeChat documents:
//!   3 ids, or 1 when 3 or fewer were refused; it holds [`KEEP_MS`];
//! - states older than [`KEEP_MS`] are dropped, and at most [`MAX_STATES`] are kept
//!   (the newest); a record that is not a valid record reads as empty.

use crate::error::Error;
use crate::text::decimal;
use crate::index::{heapsort, Index};
use crate::options::DEFAULT_IDS_PER_REQUEST;
use crate::state::TemplateState;
use crate::value::{moment, time};
use crate::value::Value;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// The version of the stored record; a record of another version is read as empty
/// (a version 1 record keeps its pending accepts).
pub const RECORD_VERSION: u32 = 2;
/// How long a `ban` answer is remembered: 7 days, in milliseconds.
pub const BAN_HOLDS_MS: f64 = 7.0 * DAY_MS;
/// How long a learned state or limit is kept: 30 days, in milliseconds.
pub const KEEP_MS: f64 = 30.0 * DAY_MS;
/// The most template states a record keeps (the most recently learned).
pub const MAX_STATES: usize = 200;
/// The most templates with pending accepts a record keeps.
pub const MAX_PENDING_TEMPLATES: usize = 200;
/// The most pending accepts one template can hold in a record.
pub const MAX_PENDING: u32 = 10_000;
const DAY_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;

/// A state learned for a template, and when (milliseconds since 1970, as `Date.now()`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Remembered {
    /// The state the last plan gave it.
    pub state: TemplateState,
    /// When that state was first learned.
    pub at: f64,
}

impl Remembered {
    /// Reads `{ state, at }`; anything else is not a remembered state.
    pub fn read(value: &Value) -> Option<Remembered> {
        let state = TemplateState::from_name(value.get("state")?.as_str()?)?;
        Some(Remembered { state, at: time(value.get("at")?)? })
    }

    /// Reads a state given by its number (1 + its index in [`TemplateState::ALL`])
    /// and its time, with the rules of [`Remembered::read`].
    pub fn from_code(state: f64, at: f64) -> Option<Remembered> {
        Some(Remembered { state: TemplateState::from_code(state)?, at: moment(at)? })
    }

    /// Whether this remembered state still decides the plan at `now`: only a ban
    /// does, for [`BAN_HOLDS_MS`] after it was learned (a time in the future,
    /// from a clock set back, does not hold).
    pub fn holds(&self, now: f64) -> bool {
        self.state == TemplateState::Banned && now >= self.at && now - self.at < BAN_HOLDS_MS
    }
}

/// The most ids per request this client took, learned from a 20003, and when.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Learned {
    /// Ids per request.
    pub ids: u32,
    /// When it was learned.
    pub at: f64,
}

impl Learned {
    /// Reads `{ ids, at }`'s numbers: ids from 1 to 5 and a time, or it is not a learned limit.
    fn read(ids: f64, at: f64) -> Option<Learned> {
        let ids = whole(ids).filter(|n| (1..=5).contains(n))?;
        Some(Learned { ids, at: moment(at)? })
    }
}

/// What one answer or one report changes in the record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    /// The state each template of a plan is in: `{ [id]: state }`.
    pub states: Vec<(String, TemplateState)>,
    /// Accepts that each add one send: `{ [id]: count }`.
    pub accepted: Vec<(String, u32)>,
    /// Accepts the app reported to its server: `{ [id]: count }`.
    pub reported: Vec<(String, u32)>,
    /// A 20003 answered a request of this many ids.
    pub too_many: Option<u32>,
}

impl Change {
    /// Reads `{ states?, accepted?, reported?, tooMany? }`; entries of the wrong
    /// shape are left out (a change comes from this library's JS side).
    pub fn read(value: &Value) -> Change {
        let counts = |key| entries(value.get(key), &|v| positive(number(v)));
        Change {
            states: entries(value.get("states"), &|v| v.as_str().and_then(TemplateState::from_name)),
            accepted: counts("accepted"),
            reported: counts("reported"),
            too_many: value.get("tooMany").and_then(|n| positive(number(n))),
        }
    }
}

/// The stored record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// The last state learned per template id.
    pub states: Vec<(String, Remembered)>,
    /// Accepts not yet reported to the app's server, per template id.
    pub pending: Vec<(String, u32)>,
    /// What this client took after a 20003.
    pub ids_per_request: Option<Learned>,
}

impl Record {
    /// Reads a stored record as it is found in storage: whatever is not a
    /// well-formed entry is dropped, and anything that is no record reads as empty.
    pub fn read(stored: &Value) -> Record {
        let pending = || entries(stored.get("pending"), &|v| pending_count(number(v)));
        match Record::version(stored) {
            Some(RECORD_VERSION) => Record {
                states: entries(stored.get("states"), &Remembered::read),
                pending: pending(),
                ids_per_request: stored.get("idsPerRequest").and_then(|l| Learned::read(number(l.get("ids")?), number(l.get("at")?))),
            },
            Some(1) => Record { pending: pending(), ..Record::default() },
            _ => Record::default(),
        }
    }

    /// The version a stored record says it has; only [`RECORD_VERSION`] keeps states.
    pub fn version(stored: &Value) -> Option<u32> {
        stored.get("v").and_then(|v| whole(number(v)))
    }

    /// Applies one change learned at `now`.
    pub fn apply(&mut self, change: &Change, now: f64) {
        for ((id, state), at) in change.states.iter().zip(positions(&self.states, &change.states)) {
            match at {
                Some(at) if self.states[at].1.state == *state => {}
                Some(at) => self.states[at].1 = Remembered { state: *state, at: now },
                None => self.states.push((id.clone(), Remembered { state: *state, at: now })),
            }
        }
        for ((id, n), at) in change.accepted.iter().zip(positions(&self.pending, &change.accepted)) {
            match at {
                Some(at) => self.pending[at].1 = self.pending[at].1.saturating_add(*n).min(MAX_PENDING),
                None => self.pending.push((id.clone(), (*n).min(MAX_PENDING))),
            }
        }
        for ((_, n), at) in change.reported.iter().zip(positions(&self.pending, &change.reported)) {
            if let Some(at) = at {
                self.pending[at].1 = self.pending[at].1.saturating_sub(*n);
            }
        }
        self.pending.retain(|(_, n)| *n > 0);
        if let Some(refused) = change.too_many {
            let ids = if refused as usize > DEFAULT_IDS_PER_REQUEST { DEFAULT_IDS_PER_REQUEST as u32 } else { 1 };
            self.ids_per_request = Some(Learned { ids, at: now });
        }
    }

    /// Drops what is too old or too much at `now`: states and a limit older
    /// than [`KEEP_MS`] (or from the future), all but the newest [`MAX_STATES`]
    /// states, and pending templates past [`MAX_PENDING_TEMPLATES`] (the first kept).
    pub fn prune(&mut self, now: f64) {
        let fresh = |at: f64| at <= now && now - at < KEEP_MS;
        self.states.retain(|(_, r)| fresh(r.at));
        if self.states.len() > MAX_STATES {
            // Newest first; equal times keep their order. Times are not
            // negative, so their bits order as they do.
            let mut order: Vec<(u64, usize)> = self.states.iter().enumerate().map(|(i, (_, r))| (u64::MAX - r.at.to_bits(), i)).collect();
            heapsort(&mut order);
            let mut keep = vec![false; self.states.len()];
            order.iter().take(MAX_STATES).for_each(|&(_, i)| keep[i] = true);
            let mut i = 0;
            self.states.retain(|_| (keep[i], i += 1).0);
        }
        self.pending.truncate(MAX_PENDING_TEMPLATES);
        self.ids_per_request = self.ids_per_request.filter(|l| fresh(l.at));
    }

    /// The stored record, with `changes` applied in order at `now`, then pruned.
    pub fn merge(stored: &Value, changes: &[Change], now: f64) -> Record {
        let mut record = Record::read(stored);
        for change in changes {
            record.apply(change, now);
        }
        record.prune(now);
        record
    }

    /// The remembered state of `id`, if any.
    pub fn state(&self, id: &str) -> Option<Remembered> {
        self.states.iter().find(|(known, _)| known == id).map(|(_, r)| *r)
    }
}

/// The entries of an object whose values `read` accepts (JSON.stringify writes
/// no key twice; a repeated key from elsewhere only makes a later entry that
/// lookups never reach).
fn entries<T>(object: Option<&Value>, read: &dyn Fn(&Value) -> Option<T>) -> Vec<(String, T)> {
    let Some(Value::Object(members)) = object else { return Vec::new() };
    members.iter().filter_map(|(key, value)| Some((key.clone(), read(value)?))).collect()
}

/// Where each id of `wanted` stands in `entries`, if it does (ids added after
/// the first of a repeated id are not looked for: `entries()` keeps ids unique).
fn positions<T, U>(entries: &[(String, T)], wanted: &[(String, U)]) -> Vec<Option<usize>> {
    let index = Index::new(entries.iter().map(|(id, _)| id.as_str()));
    wanted.iter().map(|(id, _)| index.first(id)).collect()
}

/// The number a value is, or NaN (which no rule below accepts).
fn number(value: &Value) -> f64 {
    match value {
        Value::Number(n) => *n,
        _ => f64::NAN,
    }
}

/// A whole number from 0 to `u32::MAX`.
fn whole(n: f64) -> Option<u32> {
    (n.fract() == 0.0 && n >= 0.0 && n <= f64::from(u32::MAX)).then_some(n as u32)
}

/// A whole number above 0: a count that changes something.
fn positive(n: f64) -> Option<u32> {
    whole(n).filter(|&n| n > 0)
}

/// A template's pending accepts as a record keeps them: above 0, at most [`MAX_PENDING`].
fn pending_count(n: f64) -> Option<u32> {
    positive(n).map(|n| n.min(MAX_PENDING))
}

/// Entries written as a JSON object.
struct Map<'a, V>(&'a [(String, V)]);

impl<V: Serialize> Serialize for Map<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("v", &RECORD_VERSION)?;
        map.serialize_entry("states", &Map(&self.states))?;
        map.serialize_entry("pending", &Map(&self.pending))?;
        if let Some(l) = self.ids_per_request {
            map.serialize_entry("idsPerRequest", &l)?;
        }
        map.end()
    }
}

/// The `remember` export's numbers: the stored record, the changes and
/// `now`, as the JS side writes them (`js/lib/record.js`). No template id
/// crosses: each key is the id's position in a list the JS side keeps. In
/// this order:
///
/// - `now`; the stored record's `v` and its `idsPerRequest`'s `ids` and
///   `at` (each `-1` when not given);
/// - how many stored states, then per state its key, its state (1 + its
///   index in [`TemplateState::NAMES`], or `0`) and its `at`;
/// - how many pending templates, then per template its key and its count;
/// - how many changes, then per change: how many states, then per state
///   its key and its state; how many accepted templates, then per template
///   its key and its count; the same for the reported; and `tooMany` (`-1`
///   when not given).
///
/// Whatever the arguments are, the JS side writes them so: a member that
/// is no object reads as none, a value that is no number is NaN and a
/// state that is no state's name is `0`, which no rule accepts. Each number
/// is then judged by the rules [`Record::read`] and [`Change::read`] apply
/// to the values themselves ([`Record::merge`]), and the record comes back
/// keyed by position (see `numbers::record` in `numbers.rs`). A `now` that
/// is no time, and numbers that do not fit this order, are input errors.
pub fn merge_from_codes(codes: &[f64]) -> Result<Record, Error> {
    if codes.first().and_then(|&now| moment(now)).is_none() {
        let message = "now must be a time in milliseconds: a finite number, not negative".to_owned();
        return Err(Error::input("memory-bad-now", message, "pass Date.now() as the third argument"));
    }
    let mut c = Codes { rest: codes, keys: codes.len(), short: false };
    c.merge().filter(|_| c.rest.is_empty() && !c.short).ok_or_else(bad_codes)
}

/// The input error for numbers that do not fit [`merge_from_codes`]'s order.
fn bad_codes() -> Error {
    Error::input("memory-bad-codes", "the record's numbers are not in the order the module reads".to_owned(), "pass the numbers the JS side writes, or none")
}

/// The numbers of [`merge_from_codes`] not read yet, the bound on a key (a
/// position in the JS side's list of ids, which has no more ids than the
/// numbers have entries), and whether a read went past the end.
struct Codes<'a> {
    rest: &'a [f64],
    keys: usize,
    short: bool,
}

impl Codes<'_> {
    /// The next number; NaN past the end, which no rule takes.
    fn next(&mut self) -> f64 {
        let Some((&n, rest)) = self.rest.split_first() else {
            self.short = true;
            return f64::NAN;
        };
        self.rest = rest;
        n
    }

    /// The record and changes, merged; `None` where the numbers are out of order.
    fn merge(&mut self) -> Option<Record> {
        let now = moment(self.next())?;
        let (version, ids, at) = (whole(self.next()), self.next(), self.next());
        let states = self.entries(2, &|n| Remembered::from_code(n[0], n[1]))?;
        let pending = self.entries(1, &|n| pending_count(n[0]))?;
        let mut record = match version {
            Some(RECORD_VERSION) => Record { states, pending, ids_per_request: Learned::read(ids, at) },
            Some(1) => Record { pending, ..Record::default() },
            _ => Record::default(),
        };
        // Each change is applied as it is read: in order, as merge() applies them.
        for _ in 0..self.count()? {
            let counts = |c: &mut Self| c.entries(1, &|n| positive(n[0]));
            let change = Change {
                states: self.entries(1, &|n| TemplateState::from_code(n[0]))?,
                accepted: counts(self)?,
                reported: counts(self)?,
                too_many: positive(self.next()),
            };
            record.apply(&change, now);
        }
        record.prune(now);
        Some(record)
    }

    /// A count of entries that the numbers left can hold.
    fn count(&mut self) -> Option<usize> {
        whole(self.next()).map(|n| n as usize).filter(|&n| n <= self.rest.len())
    }

    /// Entries of a key and `width` numbers each, those `read` accepts kept,
    /// keyed by their position written out (`"12"`).
    fn entries<T>(&mut self, width: usize, read: &dyn Fn(&[f64]) -> Option<T>) -> Option<Vec<(String, T)>> {
        let count = self.count()?;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            let key = whole(self.next()).filter(|&k| (k as usize) < self.keys)?;
            let numbers = self.rest.get(..width)?;
            self.rest = &self.rest[width..];
            if let Some(value) = read(numbers) {
                entries.push((decimal(key.into()), value));
            }
        }
        Some(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }
    const NOW: f64 = 1_790_000_000_000.0;

    /// The merged record as serde writes it ([`Record::merge`], `changes`
    /// being one change or an array of them), checked equal to what the
    /// module answers from the numbers the JS side writes for the same values.
    fn merged(stored: &str, changes: &str, now: f64) -> String {
        let (stored, changes) = (json(stored), json(changes));
        let list: Vec<Change> = change_list(&changes).iter().map(Change::read).collect();
        let serde = serde_json::to_string(&Record::merge(&stored, &list, now)).unwrap();
        let (codes, ids) = codes(&stored, &changes, now);
        let by_position = merge_from_codes(&codes).unwrap();
        assert_eq!(read_numbers(&crate::numbers::record(&by_position), &ids), json(&serde), "{stored:?} {changes:?}");
        serde
    }

    /// The changes `remember()` takes: one change, an array of them, or `null` for none.
    fn change_list(changes: &Value) -> Vec<Value> {
        match changes {
            Value::Array(items) => items.clone(),
            Value::Null => Vec::new(),
            one => vec![one.clone()],
        }
    }

    /// A record answer read back as `js/lib/record.js` reads it (the keys
    /// are positions in `ids`), as a value.
    fn read_numbers(numbers: &[f64], ids: &[String]) -> Value {
        let mut at = 1;
        let mut next = || (numbers[at], at += 1).0;
        let key = |next: &mut dyn FnMut() -> f64| ids[next() as usize].clone();
        let n = Value::Number;
        let mut members = vec![("v".to_owned(), n(next()))];
        let states = (0..next() as usize)
            .map(|_| {
                let id = key(&mut next);
                let state = Value::String(TemplateState::NAMES[next() as usize].to_owned());
                (id, Value::Object(vec![("state".to_owned(), state), ("at".to_owned(), n(next()))]))
            })
            .collect();
        members.push(("states".to_owned(), Value::Object(states)));
        let pending = (0..next() as usize).map(|_| (key(&mut next), n(next()))).collect();
        members.push(("pending".to_owned(), Value::Object(pending)));
        let (ids, at) = (next(), next());
        if ids >= 0.0 {
            members.push(("idsPerRequest".to_owned(), Value::Object(vec![("ids".to_owned(), n(ids)), ("at".to_owned(), n(at))])));
        }
        Value::Object(members)
    }

    /// The numbers `js/lib/record.js` writes for these arguments (as JSON
    /// gives them) and the ids their keys stand for: a member that is no
    /// object reads as none, a value that is no number as NaN, a state that is
    /// no state's name as `0`, and members it has no place for are left out.
    fn codes(stored: &Value, changes: &Value, now: f64) -> (Vec<f64>, Vec<String>) {
        let (mut out, mut ids) = (vec![now], Vec::<String>::new());
        let object = |v: &Value| match v {
            Value::Object(m) => Some(m.clone()),
            _ => None,
        };
        let member = |m: &[(String, Value)], key: &str| m.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let number = |v: Option<Value>| match v {
            Some(Value::Number(n)) => n,
            _ => f64::NAN,
        };
        let optional = |v: Option<Value>| if v.is_none() { -1.0 } else { number(v) };
        let state = |v: Option<Value>| v.as_ref().and_then(Value::as_str).and_then(TemplateState::from_name).map_or(0.0, |s| s as usize as f64 + 1.0);
        // An object's entries: its count, then per entry its key's position and what `read` gives.
        let mut entries = |out: &mut Vec<f64>, v: Option<Value>, read: &dyn Fn(&Value) -> Vec<f64>| {
            let members = v.as_ref().and_then(object).unwrap_or_default();
            out.push(members.len() as f64);
            for (k, v) in members {
                let at = ids.iter().position(|id| *id == k).unwrap_or_else(|| (ids.push(k), ids.len() - 1).1);
                out.push(at as f64);
                out.extend(read(&v));
            }
        };
        match object(stored) {
            None => out.extend([-1.0, -1.0, -1.0, 0.0, 0.0]),
            Some(top) => {
                out.push(optional(member(&top, "v")));
                match member(&top, "idsPerRequest") {
                    None => out.extend([-1.0, -1.0]),
                    Some(l) => {
                        let l = object(&l).unwrap_or_default();
                        out.extend([number(member(&l, "ids")), number(member(&l, "at"))]);
                    }
                }
                entries(&mut out, member(&top, "states"), &|r| {
                    let r = object(r).unwrap_or_default();
                    vec![state(member(&r, "state")), number(member(&r, "at"))]
                });
                entries(&mut out, member(&top, "pending"), &|n| vec![number(Some(n.clone()))]);
            }
        }
        let changes = change_list(changes);
        out.push(changes.len() as f64);
        for change in &changes {
            let c = object(change).unwrap_or_default();
            entries(&mut out, member(&c, "states"), &|s| vec![state(Some(s.clone()))]);
            entries(&mut out, member(&c, "accepted"), &|n| vec![number(Some(n.clone()))]);
            entries(&mut out, member(&c, "reported"), &|n| vec![number(Some(n.clone()))]);
            out.push(optional(member(&c, "tooMany")));
        }
        (out, ids)
    }

    #[test]
    fn pending_accepts_grow_by_accepts_and_shrink_by_reports_never_below_zero() {
        let stored = r#"{"v":2,"states":{},"pending":{"a":2}}"#;
        let out = merged(stored, r#"[{"accepted":{"a":1,"b":1}},{"reported":{"a":5,"b":0,"c":1}}]"#, NOW);
        assert_eq!(out, r#"{"v":2,"states":{},"pending":{"b":1}}"#);
    }

    #[test]
    fn a_state_keeps_the_time_it_was_first_learned_while_it_stays_the_same() {
        let stored = format!(r#"{{"v":2,"states":{{"a":{{"state":"banned","at":{}}}}},"pending":{{}}}}"#, NOW - 1000.0);
        let same = Record::read(&json(&merged(&stored, r#"{"states":{"a":"banned"}}"#, NOW)));
        assert_eq!(same.state("a").unwrap().at, NOW - 1000.0);
        let changed = Record::read(&json(&merged(&stored, r#"{"states":{"a":"ask"}}"#, NOW)));
        assert_eq!(changed.state("a").unwrap(), Remembered { state: TemplateState::Ask, at: NOW });
    }

    #[test]
    fn a_20003_drops_the_limit_to_3_or_to_1_when_3_or_fewer_were_refused() {
        let empty = "null";
        assert!(merged(empty, r#"{"tooMany":5}"#, NOW).contains(r#""idsPerRequest":{"ids":3,"#));
        assert!(merged(empty, r#"{"tooMany":3}"#, NOW).contains(r#""idsPerRequest":{"ids":1,"#));
        let learned = format!(r#"{{"v":2,"idsPerRequest":{{"ids":1,"at":{}}}}}"#, NOW - KEEP_MS);
        assert!(!merged(&learned, "null", NOW).contains("idsPerRequest"), "forgotten after 30 days");
    }

    #[test]
    fn old_states_are_dropped_and_only_the_newest_are_kept() {
        let mut states: Vec<String> = (0..MAX_STATES + 50).map(|i| format!(r#""t{i}":{{"state":"ask","at":{}}}"#, NOW - i as f64)).collect();
        states.push(format!(r#""old":{{"state":"banned","at":{}}}"#, NOW - KEEP_MS));
        let record = Record::read(&json(&merged(&format!(r#"{{"v":2,"states":{{{}}}}}"#, states.join(",")), "null", NOW)));
        assert_eq!(record.states.len(), MAX_STATES);
        assert!(record.state("t0").is_some() && record.state(&format!("t{}", MAX_STATES - 1)).is_some());
        assert!(record.state(&format!("t{MAX_STATES}")).is_none() && record.state("old").is_none());
    }

    #[test]
    fn what_is_not_a_record_reads_as_empty_and_a_version_1_record_keeps_its_pending_accepts() {
        for corrupt in ["null", "7", r#""text""#, "[]", r#"{"v":3,"pending":{"a":1}}"#] {
            assert_eq!(Record::read(&json(corrupt)), Record::default(), "{corrupt}");
        }
        let v1 = Record::read(&json(r#"{"v":1,"states":{"a":"banned"},"pending":{"a":2,"b":-1,"c":1.5,"d":"3"}}"#));
        assert_eq!(v1, Record { pending: vec![("a".into(), 2)], ..Record::default() });
        let bad = Record::read(&json(r#"{"v":2,"states":{"a":{"state":"odd","at":1},"b":{"state":"ask"}},"pending":{"x":1e12}}"#));
        assert_eq!(bad.states, []);
        assert_eq!(bad.pending, [], "a count past u32 is no count");
        let capped = Record::read(&json(r#"{"v":2,"pending":{"x":4000000000}}"#));
        assert_eq!(capped.pending, [("x".to_owned(), MAX_PENDING)]);
    }

    #[test]
    fn records_as_this_library_writes_them_merge_the_same_from_numbers() {
        let stored = format!(
            r#"{{"v":2,"states":{{"a":{{"state":"banned","at":{}}},"b":{{"state":"odd","at":1}},"c":{{"state":"ask","at":-1}}}},"pending":{{"a":2,"b":1.5,"d":4000000000}},"idsPerRequest":{{"ids":1,"at":{}}}}}"#,
            NOW - 1000.0,
            NOW - 5.0
        );
        let changes = r#"[{"states":{"a":"ask","e":"accepted","f":"odd"},"accepted":{"e":2,"f":0}},{"reported":{"a":1,"d":3},"tooMany":4}]"#;
        for (stored, changes) in [(stored.as_str(), changes), (r#"{"v":1,"pending":{"a":1}}"#, "[]"), ("null", r#"{"accepted":{"a":1}}"#), (r#"{"v":2.5,"states":{}}"#, "null")] {
            merged(stored, changes, NOW);
        }
    }

    #[test]
    fn numbers_out_of_order_are_an_input_error() {
        let good = codes(&json(r#"{"v":2,"pending":{"a":1}}"#), &json("null"), NOW).0;
        assert!(merge_from_codes(&good).is_ok());
        for cut in 1..good.len() {
            assert_eq!(merge_from_codes(&good[..cut]).unwrap_err().code, "memory-bad-codes", "{cut}");
        }
        let mut longer = good.clone();
        longer.push(0.0);
        assert_eq!(merge_from_codes(&longer).unwrap_err().code, "memory-bad-codes");
        for (at, n, what) in [(5, 1e9, "a count the numbers cannot hold"), (6, 1e9, "a key past any list of ids"), (6, 0.5, "a key that is no position")] {
            let mut bad = good.clone();
            bad[at] = n;
            assert_eq!(merge_from_codes(&bad).unwrap_err().code, "memory-bad-codes", "{what}");
        }
    }

    #[test]
    fn a_merge_without_a_time_is_an_input_error() {
        let good = codes(&json(r#"{"v":2,"pending":{"a":1}}"#), &json("null"), NOW).0;
        for now in [f64::NAN, -1.0, f64::INFINITY] {
            let e = merge_from_codes(&[[now].as_slice(), &good[1..]].concat()).unwrap_err();
            assert_eq!((e.code, e.kind), ("memory-bad-now", crate::ErrorKind::Input), "{now}");
        }
        assert_eq!(merge_from_codes(&[]).unwrap_err().code, "memory-bad-now");
    }

    #[test]
    fn values_this_library_does_not_write_merge_from_numbers_as_the_values_read() {
        let odd = [
            (r#""a string""#, r#"[1,"x",null,{"accepted":"a"}]"#),
            (r#"[{"v":2}]"#, r#"{"accepted":{"a":"1","b":2},"reported":[1],"tooMany":"4"}"#),
            (r#"{"v":"2","pending":{"a":1}}"#, "null"),
            (r#"{"v":2,"extra":true,"states":{"a":{"state":"banned","at":"now"},"b":{"state":3,"at":1},"c":"ask","d":{"state":"banned","at":5,"more":1}},"pending":{"a":null,"b":-2,"c":3}}"#, r#"{"states":{"a":"banned","b":7,"c":null},"other":1}"#),
            (r#"{"v":2,"idsPerRequest":{"ids":"3","at":1}}"#, r#"{"tooMany":3}"#),
            (r#"{"v":2,"idsPerRequest":[3,1],"states":[1,2],"pending":"many"}"#, "[]"),
            (r#"{"v":null,"states":{"a":{"state":"ask","at":1}}}"#, "[]"),
        ];
        for (stored, changes) in odd {
            merged(stored, changes, NOW);
        }
    }
}

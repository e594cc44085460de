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

use crate::index::{heapsort, Index};
use crate::json::{Direct, Text};
use crate::options::DEFAULT_IDS_PER_REQUEST;
use crate::plan::TemplateState;
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
        let state = *TemplateState::ALL.get(code_index(state)?)?;
        Some(Remembered { state, at: time(&Value::Number(at))? })
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
        let counts = |key| entries(value.get(key), &|v| count(v).filter(|&n| n > 0));
        Change {
            states: entries(value.get("states"), &|v| v.as_str().and_then(TemplateState::from_name)),
            accepted: counts("accepted"),
            reported: counts("reported"),
            too_many: value.get("tooMany").and_then(count).filter(|&n| n > 0),
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
        let pending = || entries(stored.get("pending"), &|v| count(v).filter(|&n| n > 0).map(|n| n.min(MAX_PENDING)));
        match Record::version(stored) {
            Some(RECORD_VERSION) => Record {
                states: entries(stored.get("states"), &Remembered::read),
                pending: pending(),
                ids_per_request: stored.get("idsPerRequest").and_then(|l| {
                    let ids = l.get("ids").and_then(count).filter(|n| (1..=5).contains(n))?;
                    Some(Learned { ids, at: time(l.get("at")?)? })
                }),
            },
            Some(1) => Record { pending: pending(), ..Record::default() },
            _ => Record::default(),
        }
    }

    /// The version a stored record says it has; only [`RECORD_VERSION`] keeps states.
    pub fn version(stored: &Value) -> Option<u32> {
        stored.get("v").and_then(count)
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

/// Reads the `merge` export's arguments: `[stored, changes, now]`, where
/// `changes` is one change or an array of them and `now` is `Date.now()`.
pub fn merge_from_values(args: &Value) -> Result<Record, crate::Error> {
    let Some(now) = time(args.at(2)) else {
        let advice = "pass Date.now() as the third argument";
        return Err(crate::Error::shape("memory-bad-now", "now", "a time in milliseconds", args.at(2), advice));
    };
    let changes = match args.at(1) {
        Value::Array(items) => items.iter().map(Change::read).collect(),
        Value::Null => Vec::new(),
        one => vec![Change::read(one)],
    };
    Ok(Record::merge(args.at(0), &changes, now))
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

/// A time in milliseconds since 1970: a finite number, not negative.
pub(crate) fn time(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) if n.is_finite() && *n >= 0.0 => Some(*n),
        _ => None,
    }
}

/// The index a number stands for, 1-based with 0 for none: `Some(n - 1)` for a whole `n >= 1`.
pub(crate) fn code_index(code: f64) -> Option<usize> {
    ((1.0..=255.0).contains(&code) && code.fract() == 0.0).then(|| code as usize - 1)
}

/// A whole number from 0 to `u32::MAX`.
fn count(value: &Value) -> Option<u32> {
    match value {
        Value::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n <= f64::from(u32::MAX) => Some(*n as u32),
        _ => None,
    }
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

/// Written as its `Serialize` writes it (a test keeps the two equal), without
/// serde's plumbing: the page's module writes every answer this way.
impl Direct for Record {
    fn write(&self, out: &mut Text<'_>) {
        out.raw("{\"v\":").number(RECORD_VERSION as usize).raw(",\"states\":{");
        for (i, (id, r)) in self.states.iter().enumerate() {
            out.raw(if i > 0 { "," } else { "" }).string(id).raw(":{\"state\":").string(r.state.name());
            out.raw(",\"at\":").float(r.at).raw("}");
        }
        out.raw("},\"pending\":{");
        for (i, (id, n)) in self.pending.iter().enumerate() {
            out.raw(if i > 0 { "," } else { "" }).string(id).raw(":").number(*n as usize);
        }
        out.raw("}");
        if let Some(l) = self.ids_per_request {
            out.raw(",\"idsPerRequest\":{\"ids\":").number(l.ids as usize).raw(",\"at\":").float(l.at).raw("}");
        }
        out.raw("}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }
    const NOW: f64 = 1_790_000_000_000.0;

    /// The merged record as the module answers it, checked equal to its `Serialize`.
    fn merged(stored: &str, changes: &str, now: f64) -> String {
        let record = merge_from_values(&json(&format!("[{stored},{changes},{now}]"))).unwrap();
        let serde = serde_json::to_string(&record).unwrap();
        // Read back as this crate reads JSON (numbers as f64: serde_json writes `1.0` where JS writes `1`).
        let direct = crate::json::read(&crate::json::answer_direct(&Ok(record))).unwrap();
        let units: Vec<u16> = serde.encode_utf16().collect();
        assert_eq!(direct.get("ok"), Some(&crate::json::read(&units).unwrap()));
        serde
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
    fn a_merge_without_a_time_is_an_input_error() {
        let e = merge_from_values(&json(r#"[null,null,"now"]"#)).unwrap_err();
        assert_eq!((e.code, e.kind), ("memory-bad-now", crate::ErrorKind::Input));
    }
}

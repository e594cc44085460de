//! Template lists that cross into the module once. A page plans again after
//! every answer with the same list; on a phone each character that crosses
//! costs (the module runs interpreted there, and the JS side copies strings
//! one code unit at a time: phones have no `TextEncoder`), so a list is
//! registered once and later plans name templates by their position in it.
//!
//! Names cross as numbers too. Registering answers the [`Names`] a plan's
//! numbers stand for; a plan takes, beside its JSON text, a typed array of
//! [`CODES_PER_TEMPLATE`] numbers per template (the choice the setting kept,
//! the state the record remembered and when, what this round answered), and
//! answers a [`Layout`] as numbers only ([`Layout::numbers`]). Whatever in
//! the input has no number (a choice WeChat named in a way this library does
//! not know, a record entry that is not well formed, an answer that is no
//! status name) stays in the JSON text, keyed by position, and is read there
//! with the same rules.

use crate::error::{Error, ErrorKind};
use crate::json::{Direct, Text};
use crate::memory::{Record, Remembered, RECORD_VERSION};
use crate::state::code_index;
use crate::numbers::{position, Numbers};
use crate::options::{parse_options, PlanOptions};
use crate::outcome::Status;
use crate::plan::{layout, parse_answered_as, title_numbers, Answers, Known, Layout, TemplateState, ADVICE};
use crate::setting::{parse_setting, KeptChoice};
use crate::template::{parse_templates, Template, TemplateKind};
use crate::value::Value;
use std::cell::Cell;

/// Numbers per template in a plan's typed array: `[kept, state, at, answered]`.
/// `kept` is 0 (none given here) or 1 + the choice's index in [`Names::kept`];
/// `state` is 0 (none given here) or 1 + the state's index in [`Names::states`];
/// `at` is when the state was learned (ms since 1970); `answered` is 0 (none
/// given here) or the statuses this round answered, oldest first, as the
/// digits of a number in base [`ANSWER_BASE`], lowest first, each 1 + the
/// status's index in [`Status::NAMES`] (so at most [`MAX_CODED_ANSWERS`]).
pub const CODES_PER_TEMPLATE: usize = 4;

/// The base of the numbers that give a template's answers (see [`CODES_PER_TEMPLATE`]).
pub const ANSWER_BASE: u64 = 8;

/// The most answers one such number holds whatever they are: their digits
/// stay within the whole numbers an `f64` holds exactly (2^53).
pub const MAX_CODED_ANSWERS: u32 = 17;

/// Numbers before the templates' in a plan's typed array: `[handle, main
/// switch, now, record version, as before]`, what the plan's arguments say
/// when it sends no JSON text (see [`head_args`]).
pub const PLAN_HEAD: usize = 5;

/// How many lists are kept; registering one more forgets the oldest.
pub const KEPT_LISTS: usize = 8;

/// The lists registered so far, newest last, and the options of the last plan.
#[derive(Debug)]
pub struct Registry {
    /// Handle, templates, and their title numbers (see [`title_numbers`]).
    lists: Vec<(u32, Vec<Template>, Vec<Option<usize>>)>,
    last: u32,
    /// The options the last plan made was made with: a plan may say it has the
    /// same ones, but for `now` (a page plans with the same client facts every time).
    options: Cell<Option<PlanOptions>>,
}

/// A registered list: its handle, and its templates as read (what later
/// calls' positions refer to, and what the JS side fills a layout in with).
/// Written as `{ handle, templates: [{ id, title?, kind }], names }`.
#[derive(Debug)]
pub struct Registered<'a> {
    /// The handle later plans pass.
    pub handle: u32,
    /// The templates, in the list's order: `{ id, title?, kind }`.
    pub templates: &'a [Template],
    /// What the numbers of plans stand for.
    pub names: Names,
}

/// What the numbers in a plan's input and [`Layout`] stand for: the index
/// in each list (1 + the index where 0 means none). Written as
/// `{ states, kept, kinds, advice: [[code, message]], counts }`.
#[derive(Debug)]
pub struct Names {
    /// Template states ([`TemplateState`]).
    pub states: &'static [&'static str],
    /// Kept choices ([`KeptChoice::CODED`]).
    pub kept: [&'static str; 3],
    /// Template kinds ([`TemplateKind`]).
    pub kinds: &'static [&'static str],
    /// Advice: its code and the sentence for the user ([`ADVICE`]).
    pub advice: [(&'static str, &'static str); 5],
    /// The counts, in the order a layout's numbers give them ([`COUNT_NAMES`]).
    pub counts: [&'static str; 8],
}

const NAMES: Names = Names { states: TemplateState::NAMES, kept: KeptChoice::CODED_NAMES, kinds: TemplateKind::NAMES, advice: ADVICE, counts: COUNT_NAMES };

impl Direct for Registered<'_> {
    fn write(&self, out: &mut Text<'_>) {
        out.raw("{\"handle\":").number(self.handle as usize).raw(",\"templates\":").list(self.templates, |out, t| {
            out.raw("{\"id\":").string(&t.id);
            if let Some(title) = &t.title {
                out.raw(",\"title\":").string(title);
            }
            out.raw(",\"kind\":").string(t.kind.name()).raw("}");
        });
        let names = |out: &mut Text<'_>, name: &&str| {
            out.string(name);
        };
        let n = &self.names;
        out.raw(",\"names\":{\"states\":").list(n.states, names).raw(",\"kept\":").list(&n.kept, names);
        out.raw(",\"kinds\":").list(n.kinds, names).raw(",\"advice\":").list(&n.advice, |out, (code, message)| {
            out.raw("[").string(code).raw(",").string(message).raw("]");
        });
        out.raw(",\"counts\":").list(&n.counts, names).raw("}}");
    }
}

/// The names of a layout's counts, in the order its numbers give them
/// (the fields of [`crate::plan::StateCounts`], as JS names them).
pub const COUNT_NAMES: [&str; 8] = ["ask", "topUp", "keptRejected", "banned", "switchedOff", "accepted", "rejected", "unsettled"];

/// A kept choice's number in a layout's numbers when WeChat named it in a
/// way this library does not know (one past the numbers of [`Names::kept`]).
pub const OTHER_KEPT: usize = KeptChoice::CODED.len() + 1;

impl Layout {
    /// The layout as the plan export answers it (see `numbers.rs`),
    /// every name a number as [`Names`] gives it, in this order:
    ///
    /// - `0`, the main switch (`0` unknown, `1` off, `2` on), ids per
    ///   request, then the counts in [`Names::counts`] order;
    /// - per template, its state; then per template, its kept choice (`0`
    ///   none, its number, or [`OTHER_KEPT`] for a choice WeChat named in a
    ///   way this library does not know, whose text comes last);
    /// - how many batches, then per batch its kind, popup (`0` or `1`), how
    ///   many templates, and their positions;
    /// - how many pieces of advice, then per piece its number, how many
    ///   templates, and their positions;
    /// - per [`OTHER_KEPT`] choice, in the list's order, its text.
    pub(crate) fn numbers(&self) -> Vec<f64> {
        let mut out = Numbers::answer(16 + 3 * self.states.len());
        let c = &self.counts;
        out.whole(self.main_switch.map_or(0, |on| 1 + usize::from(on))).put(self.ids_per_request.into());
        for count in [c.ask, c.top_up, c.kept_rejected, c.banned, c.switched_off, c.accepted, c.rejected, c.unsettled] {
            out.put(count.into());
        }
        for &state in &self.states {
            out.whole(state as usize);
        }
        for kept in &self.kept {
            out.whole(kept.as_ref().map_or(0, |choice| choice.code().unwrap_or(OTHER_KEPT)));
        }
        out.whole(self.batches.len());
        for batch in &self.batches {
            out.whole(batch.kind as usize).whole(usize::from(batch.popup)).positions(&batch.ids);
        }
        out.whole(self.advice.len());
        for (advice, ids) in &self.advice {
            out.whole(*advice).positions(ids);
        }
        for kept in &self.kept {
            if let Some(KeptChoice::Other(raw)) = kept {
                out.text(raw);
            }
        }
        out.done()
    }
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::new()
    }
}

impl Registry {
    /// No list registered yet (`const`, so the wasm module's registry needs no lazy start).
    pub const fn new() -> Registry {
        Registry { lists: Vec::new(), last: 0, options: Cell::new(None) }
    }

    /// Reads and registers a template list (as [`parse_templates`] reads it).
    pub fn register(&mut self, templates: &Value) -> Result<Registered<'_>, Error> {
        let templates = parse_templates(templates)?;
        if self.lists.len() == KEPT_LISTS {
            self.lists.remove(0);
        }
        self.last = self.last.wrapping_add(1);
        let titles = title_numbers(&templates);
        self.lists.push((self.last, templates, titles));
        Ok(Registered { handle: self.last, templates: self.lists.last().map_or(&[], |(_, list, _)| list.as_slice()), names: NAMES })
    }

    /// The templates of a registered list, and their title numbers.
    pub fn templates(&self, handle: &Value) -> Result<(&[Template], &[Option<usize>]), Error> {
        let found = match handle {
            Value::Number(n) => self.lists.iter().find(|(h, _, _)| f64::from(*h) == *n),
            _ => None,
        };
        found.map(|(_, list, titles)| (list.as_slice(), titles.as_slice())).ok_or_else(|| {
            let message = "the template list is no longer registered in this module".to_owned();
            Error::new("templates-not-registered", ErrorKind::Internal, true, message, "register the list again (the JS side does this by itself)")
        })
    }

    /// Plans for a registered list, by position: `args` is `[handle, setting,
    /// options, answered, remembered, as_before]` (`as_before`: the options
    /// are those of the last plan made, but for `now`), where `setting.itemSettings`,
    /// `answered` and `remembered.states` (a stored record, see
    /// [`crate::memory`]) are keyed by template position (`"0"`, `"1"`, ...)
    /// instead of id; keys that are no position of the list are ignored, as
    /// ids the list does not have are. `codes` is empty, or holds a head of
    /// [`PLAN_HEAD`] numbers (left to [`head_args`]: `args` says the same)
    /// and then [`CODES_PER_TEMPLATE`] numbers per template of the list,
    /// which add to (and win over) what `args` gives for that position.
    pub fn layout(&self, args: &Value, codes: &[f64]) -> Result<Layout, Error> {
        let (templates, titles) = self.templates(args.at(0))?;
        let setting = parse_setting(args.at(1))?;
        let options = self.options(args.at(2), args.at(5))?;
        let mut known = Vec::new();
        known.resize_with(templates.len(), Known::default);
        for (key, choice) in setting.item_settings {
            if let Some(k) = position(&key).and_then(|i| known.get_mut(i)) {
                k.kept = Some(choice);
            }
        }
        for (key, answers) in parse_answered_as(args.at(3), &|key| id_at(templates, key))? {
            if let Some(k) = position(&key).and_then(|i| known.get_mut(i)) {
                k.answers = answers;
            }
        }
        let remembered = Record::read(args.at(4));
        for (key, state) in remembered.states {
            if let Some(k) = position(&key).and_then(|i| known.get_mut(i)) {
                k.remembered = Some(state);
            }
        }
        apply_codes(&mut known, codes, Record::version(args.at(4)) == Some(RECORD_VERSION))?;
        let learned = remembered.ids_per_request.map(|l| l.ids as usize);
        let planned = layout(templates, titles, setting.main_switch, known, learned, &options)?;
        // Kept only when the plan is made, as the JS side keeps what it sent.
        self.options.set(Some(options));
        Ok(planned)
    }

    /// The plan's options: as given, or, when `as_before` is `true`, those of
    /// the last plan with `now` as given (`given` is then `{ now }`).
    fn options(&self, given: &Value, as_before: &Value) -> Result<PlanOptions, Error> {
        let mut options = parse_options(given)?;
        if matches!(as_before, Value::Bool(true)) {
            let now = options.now;
            options = self.options.get().ok_or_else(|| {
                let message = "the plan said its options were those of the last plan, and this module has made none".to_owned();
                Error::new("options-not-kept", ErrorKind::Internal, true, message, "plan again with the options in full (the JS side does this by itself)")
            })?;
            options.now = now;
        }
        Ok(options)
    }
}

/// The arguments the head of a plan's numbers stands for (see
/// [`PLAN_HEAD`]), for a plan that sends no JSON text: `[handle, {
/// mainSwitch }, { now }, null, { v }, as_before]`, where the main switch is
/// `0` (not given), `1` (off) or `2` (on), `now` is `-1` when not given, the
/// record's version is `-1` when there is no record, and `as_before` is `0`
/// or `1`. The JS side sends no text only when every argument has a number.
pub fn head_args(codes: &[f64]) -> Result<Value, Error> {
    let bad = || bad_codes("the plan has no text, and its numbers have no head");
    let Some(&[handle, main_switch, now, version, as_before]) = codes.get(..PLAN_HEAD) else { return Err(bad()) };
    let member = |key: &str, value: Value| Value::Object(vec![(key.to_owned(), value)]);
    let setting = match main_switch {
        0.0 => Value::Object(Vec::new()),
        1.0 | 2.0 => member("mainSwitch", Value::Bool(main_switch == 2.0)),
        _ => return Err(bad()),
    };
    let options = if now == -1.0 { Value::Object(Vec::new()) } else { member("now", Value::Number(now)) };
    let record = if version == -1.0 { Value::Null } else { member("v", Value::Number(version)) };
    Ok(Value::Array(vec![Value::Number(handle), setting, options, Value::Null, record, Value::Bool(as_before == 1.0)]))
}

/// The id of the template at the position `key` names, or `key` itself.
fn id_at(templates: &[Template], key: &str) -> String {
    position(key).and_then(|i| templates.get(i)).map_or(key, |t| &t.id).to_owned()
}

/// The input error for numbers that do not fit: what is wrong with them.
fn bad_codes(what: &str) -> Error {
    Error::input("plan-bad-codes", what.to_owned(), "pass the numbers the JS side writes for this list, or none")
}

/// Adds what `codes` says (see [`CODES_PER_TEMPLATE`]) to `known`: the kept
/// choices, the remembered states when the record is one that keeps them,
/// and this round's answers.
fn apply_codes(known: &mut [Known], codes: &[f64], record_keeps_states: bool) -> Result<(), Error> {
    if codes.is_empty() {
        return Ok(());
    }
    let templates = known.len();
    let bad = || bad_codes(&["the plan's numbers do not fit the registered list of ", &crate::text::decimal(templates as i64), " templates"].concat());
    if codes.len() != PLAN_HEAD + templates * CODES_PER_TEMPLATE {
        return Err(bad());
    }
    for (k, code) in known.iter_mut().zip(codes[PLAN_HEAD..].chunks_exact(CODES_PER_TEMPLATE)) {
        if code[0] != 0.0 {
            k.kept = Some(code_index(code[0]).and_then(|i| KeptChoice::CODED.get(i)).ok_or_else(bad)?.clone());
        }
        if code[1] != 0.0 && record_keeps_states {
            k.remembered = Remembered::from_code(code[1], code[2]).or(k.remembered);
        }
        if code[3] != 0.0 {
            k.answers = answered(code[3]).ok_or_else(bad)?;
        }
    }
    Ok(())
}

/// The answers a number gives (see [`CODES_PER_TEMPLATE`]), if it is one.
fn answered(code: f64) -> Option<Answers> {
    if !(code.fract() == 0.0 && code > 0.0 && code <= 9_007_199_254_740_992.0) {
        return None;
    }
    let (mut rest, mut answers) = (code as u64, Answers::default());
    while rest > 0 {
        let digit = (rest % ANSWER_BASE) as usize;
        answers = answers.then(*Status::ALL.get(digit.checked_sub(1)?)?);
        rest /= ANSWER_BASE;
    }
    Some(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_registered_list_plans_like_the_list_itself() {
        let mut registry = Registry::default();
        let list = json(r#"[{"id":"a","title":"发货"},{"id":"b","title":"发货"},"c"]"#);
        let handle = registry.register(&list).unwrap().handle;
        let args = json(&format!(r#"[{handle},{{"mainSwitch":true,"itemSettings":{{"2":"reject","9":"accept","x":"ban"}}}},{{"idsPerRequest":2}},{{"0":"accept"}}]"#));
        let templates = registry.templates(args.at(0)).unwrap().0.to_vec();
        let by_position = registry.layout(&args, &[]).unwrap().resolve(&templates);
        let by_id = crate::plan_from_values(&list, &json(r#"{"mainSwitch":true,"itemSettings":{"c":"reject"}}"#), &json(r#"{"idsPerRequest":2}"#), &json(r#"{"a":"accept"}"#), &Value::Null).unwrap();
        assert_eq!(by_position, by_id);
    }

    #[test]
    fn the_most_coded_answers_are_as_many_as_fit_an_exact_f64() {
        // Each answer the status with the highest digit, the most a number of that many can be.
        let highest = Status::ALL.len() as u64;
        let code = |answers: u32| (0..answers).fold(0, |code, _| code * ANSWER_BASE + highest);
        assert!(code(MAX_CODED_ANSWERS) <= 1 << 53 && code(MAX_CODED_ANSWERS + 1) > 1 << 53);
        assert_eq!(answered(code(MAX_CODED_ANSWERS) as f64).map(|a| a.unsettled), Some(MAX_CODED_ANSWERS));
    }

    #[test]
    fn registering_answers_the_templates_and_forgets_the_oldest_list() {
        let mut registry = Registry::default();
        let first = registry.register(&json(r#"[{"priTmplId":"x","type":3},"y"]"#)).unwrap();
        assert_eq!(first.handle, 1);
        assert_eq!(serde_json::to_string(first.templates).unwrap(), r#"[{"id":"x","kind":"long-term"},{"id":"y","kind":"one-time"}]"#);
        for _ in 0..KEPT_LISTS {
            registry.register(&json(r#"["z"]"#)).unwrap();
        }
        let e = registry.layout(&json("[1,null,null,null]"), &[]).unwrap_err();
        assert_eq!((e.code, e.kind, e.retryable), ("templates-not-registered", ErrorKind::Internal, true));
        assert!(registry.layout(&json("[9,null,null,null]"), &[]).is_ok());
        assert_eq!(registry.register(&json(r#"["a","a"]"#)).unwrap_err().code, "template-duplicate-id");
    }

    /// Every kept choice and remembered state, given as text by position and
    /// given as numbers: the same layout.
    #[test]
    fn numbers_plan_exactly_as_the_text_they_stand_for() {
        let mut registry = Registry::default();
        let ids: Vec<String> = (0..40).map(|i| format!("t{i}")).collect();
        let handle = registry.register(&json(&serde_json::to_string(&ids).unwrap())).unwrap().handle;
        let now = 1_800_000_000_000.0;
        // The head is left to the text here (see `a_plan_without_text_reads_its_head`).
        let (mut kept, mut states, mut answered, mut codes) = (serde_json::Map::new(), serde_json::Map::new(), serde_json::Map::new(), vec![0.0; PLAN_HEAD]);
        for i in 0..ids.len() {
            let choice = i % 4; // none, then each coded choice
            if choice > 0 {
                kept.insert(i.to_string(), KeptChoice::CODED_NAMES[choice - 1].into());
            }
            let state = (i / 4) % (TemplateState::ALL.len() + 1); // none, then each state
            let at = now - ((i % 5) as f64) * 86_400_000.0;
            if state > 0 {
                states.insert(i.to_string(), serde_json::json!({ "state": TemplateState::NAMES[state - 1], "at": at }));
            }
            // None, one status, or several (oldest first): every status at every place.
            let statuses: Vec<usize> = (0..i % 3).map(|k| (i + k) % Status::ALL.len()).collect();
            if !statuses.is_empty() {
                answered.insert(i.to_string(), statuses.iter().map(|&s| Status::NAMES[s]).collect::<Vec<_>>().into());
            }
            let answers = statuses.iter().rev().fold(0, |code, &s| code * ANSWER_BASE + 1 + s as u64);
            codes.extend([choice as f64, state as f64, at, answers as f64]);
        }
        let options = serde_json::json!({ "now": now });
        // A record of another version keeps no states, given either way.
        for v in [2, 1] {
            let as_text = serde_json::json!([handle, { "itemSettings": kept }, options, answered, { "v": v, "states": states }]);
            let as_numbers = serde_json::json!([handle, {}, options, null, { "v": v }]);
            let from_text = registry.layout(&json(&as_text.to_string()), &[]).unwrap();
            assert_eq!(registry.layout(&json(&as_numbers.to_string()), &codes).unwrap(), from_text);
            assert!(from_text.kept.iter().any(Option::is_some));
            assert!(from_text.states.contains(&TemplateState::Accepted) && from_text.states.contains(&TemplateState::Rejected), "answers count");
            assert_eq!(from_text.states[16] == TemplateState::Banned, v == 2, "t16 is remembered as banned a day ago");
        }
    }

    /// A plan that sends no text: its head stands for the arguments the text would give.
    #[test]
    fn a_plan_without_text_reads_its_head() {
        let mut registry = Registry::default();
        registry.register(&json(r#"["a","b","c"]"#)).unwrap();
        let day = 86_400_000.0;
        let per_template = [0.0, 4.0, 0.0, 0.0, 0.0, 4.0, 10.0 * day, 0.0, 2.0, 0.0, 0.0, 0.0]; // a: banned now, b: banned 10 days ago, c: kept rejected
        let cases = [
            ([1.0, 2.0, 11.0 * day, 2.0, 0.0], r#"[1,{"mainSwitch":true},{"now":950400000},null,{"v":2},false]"#),
            ([1.0, 1.0, -1.0, -1.0, 0.0], r#"[1,{"mainSwitch":false},{},null,null]"#),
            ([1.0, 0.0, 5.0 * day, 1.0, 0.0], r#"[1,{},{"now":432000000},null,{"v":1}]"#),
        ];
        for (head, text) in cases {
            let codes = [head.as_slice(), &per_template].concat();
            let by_head = registry.layout(&head_args(&codes).unwrap(), &codes).unwrap();
            assert_eq!(by_head, registry.layout(&json(text), &codes).unwrap(), "{text}");
        }
        let banned = registry.layout(&head_args(&[[1.0, 2.0, 11.0 * day, 2.0, 0.0].as_slice(), &per_template].concat()).unwrap(), &[]).unwrap();
        assert_eq!(banned.main_switch, Some(true));
        // As before: the options of the last plan, with this plan's now.
        registry.layout(&json(r#"[1,null,{"idsPerRequest":1}]"#), &[]).unwrap();
        let as_before = registry.layout(&head_args(&[1.0, 2.0, 3.0, -1.0, 1.0]).unwrap(), &[]).unwrap();
        assert_eq!((as_before.ids_per_request, registry.options.get().and_then(|o| o.now)), (1, Some(3.0)));
        for bad in [&[1.0, 2.0, 3.0][..], &[1.0, 3.0, 3.0, -1.0, 0.0]] {
            assert_eq!(head_args(bad).unwrap_err().code, "plan-bad-codes", "{bad:?}");
        }
    }

    #[test]
    fn numbers_that_do_not_fit_the_list_are_an_input_error() {
        let mut registry = Registry::default();
        registry.register(&json(r#"["a","b"]"#)).unwrap();
        let with = |first: [f64; CODES_PER_TEMPLATE]| [[0.0; PLAN_HEAD].as_slice(), &first, &[0.0; CODES_PER_TEMPLATE]].concat();
        let bad = [
            vec![0.0; 3],
            vec![0.0; PLAN_HEAD + 4],
            vec![0.0; PLAN_HEAD + 9],
            with([4.0, 0.0, 0.0, 0.0]),
            with([0.5, 0.0, 0.0, 0.0]),
            with([f64::NAN, 0.0, 0.0, 0.0]),
            with([0.0, 0.0, 0.0, 7.0]), // an answer digit past the statuses
            with([0.0, 0.0, 0.0, 8.0]), // a 0 digit below a status
            with([0.0, 0.0, 0.0, -1.0]),
            with([0.0, 0.0, 0.0, 1e300]),
        ];
        for codes in &bad {
            let e = registry.layout(&json("[1]"), codes).unwrap_err();
            assert_eq!((e.code, e.kind), ("plan-bad-codes", ErrorKind::Input), "{codes:?}");
        }
        // A state number that names no state, or a bad time, is dropped as a bad record entry is.
        let codes = [[0.0; PLAN_HEAD].as_slice(), &[0.0, 99.0, 0.0, 0.0, 0.0, 4.0, -1.0, 0.0]].concat();
        let layout = registry.layout(&json(r#"[1,null,null,null,{"v":2}]"#), &codes).unwrap();
        assert_eq!(layout.states, [TemplateState::Ask, TemplateState::Ask]);
    }

    #[test]
    fn a_layout_answers_names_as_numbers() {
        let mut registry = Registry::default();
        let written = crate::json::answer_direct(&registry.register(&json(r#"["a","b",{"id":"c","type":3,"title":"标题"}]"#)));
        let registered: serde_json::Value = serde_json::from_str(&String::from_utf16(&written).unwrap()).unwrap();
        assert_eq!(registered["ok"]["templates"][2], serde_json::json!({ "id": "c", "title": "标题", "kind": "long-term" }));
        let names = &registered["ok"]["names"];
        assert_eq!(names["states"][TemplateState::TopUp as usize], "top-up");
        assert_eq!(names["kinds"][2], "device");
        assert_eq!(names["advice"][4][0], "renew-silently");
        let layout = registry.layout(&json(r#"[1,{"itemSettings":{"0":"accept","1":"wé"}},null,null]"#), &[]).unwrap();
        let counts = serde_json::to_value(layout.counts).unwrap();
        let by_name: Vec<_> = names["counts"].as_array().unwrap().iter().map(|name| counts[name.as_str().unwrap()].clone()).collect();
        assert_eq!(by_name, [2, 1, 0, 0, 0, 0, 0, 0], "every count, in the names' order");
        #[rustfmt::skip]
        let expected = [
            0, 0, 3, // a layout, main switch unknown, 3 ids per request
            2, 1, 0, 0, 0, 0, 0, 0, // counts
            1, 0, 0, // states: top-up, ask, ask
            1, OTHER_KEPT, 0, // kept: accept, a choice without a number, none
            2, 0, 1, 2, 0, 1, 1, 1, 1, 2, // two batches: [kind, popup, n, ...positions]
            0, // no advice
            2, 119, 233, // the text of the choice without a number: its length, then its code units
        ].map(|n| n as f64);
        assert_eq!(layout.numbers(), expected);
    }

    #[test]
    fn a_layout_numbers_its_advice_and_every_batch() {
        let mut registry = Registry::default();
        registry.register(&json(r#"["a","b","c"]"#)).unwrap();
        let args = json(r#"[1,{"mainSwitch":true,"itemSettings":{"0":"reject","1":"accept"}},{"idsPerRequest":1},{"2":"ban"}]"#);
        let layout = registry.layout(&args, &[]).unwrap();
        let numbers = layout.numbers();
        assert_eq!(numbers[..3], [0.0, 2.0, 1.0], "a layout, main switch on, 1 id per request");
        let mut read = numbers[3 + COUNT_NAMES.len() + 2 * 3..].iter().map(|&n| n as usize);
        let mut next = || read.next().expect("a number");
        assert_eq!(next(), layout.batches.len());
        for batch in &layout.batches {
            assert_eq!([next(), next(), next()], [batch.kind as usize, usize::from(batch.popup), batch.ids.len()]);
            assert_eq!(batch.ids.iter().map(|_| next()).collect::<Vec<_>>(), batch.ids);
        }
        assert_eq!(next(), layout.advice.len());
        assert!(layout.advice.len() >= 2, "kept rejected and banned each give advice");
        for (advice, ids) in &layout.advice {
            assert_eq!([next(), next()], [*advice, ids.len()]);
            assert_eq!(ids.iter().map(|_| next()).collect::<Vec<_>>(), *ids);
        }
        assert_eq!(read.next(), None, "nothing more: no choice without a number");
    }

    #[test]
    fn options_as_before_are_the_last_plans_with_a_new_now() {
        let mut registry = Registry::default();
        registry.register(&json(r#"["a","b"]"#)).unwrap();
        let e = registry.layout(&json(r#"[1,null,{"now":5},null,null,true]"#), &[]).unwrap_err();
        assert_eq!((e.code, e.kind, e.retryable), ("options-not-kept", ErrorKind::Internal, true));
        let full = registry.layout(&json(r#"[1,null,{"idsPerRequest":1,"now":5}]"#), &[]).unwrap();
        assert_eq!(full.batches.len(), 2);
        let before = registry.layout(&json(r#"[1,null,{"now":6},null,null,true]"#), &[]).unwrap();
        assert_eq!(before, full, "idsPerRequest 1 is kept");
        assert_eq!(registry.options.get().and_then(|o| o.now), Some(6.0));
        // A plan that fails keeps nothing, as the JS side keeps nothing of it.
        assert!(registry.layout(&json(r#"[1,null,{"idsPerRequest":2},[]]"#), &[]).is_err());
        assert_eq!(registry.layout(&json(r#"[1,null,{"now":7},null,null,true]"#), &[]).unwrap().ids_per_request, 1);
    }

    #[test]
    fn shape_errors_still_come_from_the_planner() {
        let mut registry = Registry::default();
        registry.register(&json(r#"["a"]"#)).unwrap();
        assert_eq!(registry.layout(&json(r#"[1,{"mainSwitch":"yes"}]"#), &[]).unwrap_err().code, "setting-bad-main-switch");
        assert_eq!(registry.layout(&json(r#"[1,{"itemSettings":[1]}]"#), &[]).unwrap_err().code, "setting-bad-item-settings");
        let by_position = registry.layout(&json(r#"[1,null,null,{"0":5}]"#), &[]).unwrap_err();
        assert_eq!(by_position.code, "answered-bad-status");
        assert!(by_position.message.starts_with("answered['a'] must be"), "named by id, not position: {}", by_position.message);
        assert_eq!(registry.layout(&json(r#"[1,null,null,[]]"#), &[]).unwrap_err().code, "answered-not-an-object");
        assert_eq!(registry.layout(&json(r#"[1,null,{"idsPerRequest":9}]"#), &[]).unwrap_err().code, "options-bad-ids-per-request");
    }
}

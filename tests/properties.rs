//! Property tests: the batch rules hold on every random case, and no input at
//! all makes the entry points the wasm boundary calls panic. Native only.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use wx_subscribe::{
    interpret_from_values, plan, plan::Answers, plan_from_values, PlanOptions, Record, Status, SubscriptionsSetting, Template,
    TemplateKind, TemplateState, Value,
};

const IDS: [&str; 14] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"];
const TITLES: [&str; 4] = ["发货通知", "退款通知", "签到提醒", "Order shipped"];
const KEPT: [&str; 6] = ["accept", "reject", "ban", "acceptWithAlert", "later", "accept"];
const ANSWERS: [&str; 7] = ["accept", "reject", "ban", "filter", "missing", "acceptWithAudio", "maybe"];

fn kind() -> impl Strategy<Value = TemplateKind> {
    prop_oneof![Just(TemplateKind::OneTime), Just(TemplateKind::LongTerm), Just(TemplateKind::Device)]
}

/// Up to 14 templates with distinct ids, random titles (often shared) and
/// kinds, some wanting several sends with some in hand.
fn templates() -> impl Strategy<Value = Vec<Template>> {
    proptest::sample::subsequence(IDS.to_vec(), 0..=IDS.len()).prop_flat_map(|ids| {
        let n = ids.len();
        (Just(ids), proptest::collection::vec((proptest::option::of(0..TITLES.len()), kind(), 1..=3u32, 0..=2u32), n))
    }).prop_map(|(ids, extras)| {
        ids.into_iter()
            .zip(extras)
            .map(|(id, (title, kind, want, have))| Template { id: id.into(), title: title.map(|t| TITLES[t].into()), kind, want, have })
            .collect()
    })
}

fn setting() -> impl Strategy<Value = SubscriptionsSetting> {
    let items = proptest::collection::vec((0..IDS.len() + 2, 0..KEPT.len()), 0..10);
    (proptest::option::of(any::<bool>()), items).prop_map(|(main_switch, items)| {
        let mut members = Vec::new();
        for (i, k) in items {
            let id = IDS.get(i).copied().unwrap_or(if i == IDS.len() { "SYS_MSG_TYPE_RANK" } else { "foreign" });
            if !members.iter().any(|(m, _): &(String, Value)| m == id) {
                members.push((id.to_owned(), Value::String(KEPT[k].into())));
            }
        }
        let mut object = vec![("itemSettings".to_owned(), Value::Object(members))];
        if let Some(on) = main_switch {
            object.push(("mainSwitch".to_owned(), Value::Bool(on)));
        }
        wx_subscribe::setting::parse_setting(&Value::Object(object)).unwrap()
    })
}

/// What a round answered: one to three statuses for some templates.
fn answered() -> impl Strategy<Value = Vec<(String, Answers)>> {
    proptest::collection::vec((0..IDS.len(), proptest::collection::vec(0..ANSWERS.len(), 1..4)), 0..8).prop_map(|list| {
        list.into_iter().map(|(i, a)| (IDS[i].to_owned(), Answers::of(a.into_iter().map(|a| Status::from_raw(ANSWERS[a]))))).collect()
    })
}

fn options() -> impl Strategy<Value = PlanOptions> {
    (1usize..=5).prop_map(|n| PlanOptions { ids_per_request: n, ..PlanOptions::default() })
}

/// Any JSON-like value, nested a few levels.
fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(Value::Number),
        prop_oneof![Just(2.0), Just(3.0), Just(20003.0), Just(-1.0)].prop_map(Value::Number),
        "[a-z订阅 ]{0,6}".prop_map(Value::String),
        proptest::sample::select(vec![
            "a", "accept", "reject", "one-time", "device", "2.8.3", "ios", "requestSubscribeMessage:ok", ":fail cancel",
            "名称:{{thing1.DATA}}\n时间:{{date2.DATA}}", "thing", "date", "2019-10-01", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "cloud",
        ])
            .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        let key = proptest::sample::select(vec![
            "id", "priTmplId", "title", "kind", "type", "mainSwitch", "itemSettings", "idsPerRequest",
            "baseLibrary", "wechatVersion", "platform", "ids", "errCode", "errMsg", "a", "b",
            "content", "keywords", "key", "kid", "rule", "keywordEnumValueList", "keywordCode", "enumValueList",
            "data", "value", "touser", "page", "thing1", "date2", "via", "normalise", "errcode", "msgid",
        ]);
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.prop_map(String::from), inner), 0..6).prop_map(Value::Object),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn batch_rules_hold_on_every_case(templates in templates(), setting in setting(), options in options(), answered in answered()) {
        let p = plan(&templates, &setting, &options, &answered, &Record::default()).unwrap();
        let limit = options.ids_per_request;
        let position = |id: &str| templates.iter().position(|t| t.id == id).unwrap();
        let mut seen = Vec::new();
        let mut silent_started = false;
        for batch in &p.batches {
            prop_assert!(!batch.ids.is_empty() && batch.ids.len() <= limit, "size {} limit {}", batch.ids.len(), limit);
            let members: Vec<&Template> = batch.ids.iter().map(|id| &templates[position(id)]).collect();
            prop_assert!(members.iter().all(|t| t.kind == batch.kind), "one kind per batch");
            for (i, a) in members.iter().enumerate() {
                for b in &members[i + 1..] {
                    prop_assert!(a.title.is_none() || a.title != b.title, "no shared title in a batch");
                }
            }
            let order: Vec<usize> = batch.ids.iter().map(|id| position(id)).collect();
            prop_assert!(order.windows(2).all(|w| w[0] < w[1]), "app order within a batch");
            let states: Vec<TemplateState> = batch.ids.iter().map(|id| p.templates[position(id)].state).collect();
            if batch.popup {
                prop_assert!(!silent_started, "popup batches first");
                prop_assert!(states.contains(&TemplateState::Ask), "a popup batch asks for something");
            } else {
                silent_started = true;
                prop_assert!(states.iter().all(|s| *s == TemplateState::TopUp), "silent batches only top up");
            }
            seen.extend(batch.ids.iter().cloned());
        }
        // Every requestable id in exactly one batch, and nothing else.
        let mut requestable: Vec<String> = p.templates.iter().filter(|t| t.state.is_requested()).map(|t| t.id.clone()).collect();
        let mut sorted_seen = seen.clone();
        requestable.sort();
        sorted_seen.sort();
        prop_assert_eq!(sorted_seen, requestable);
        // The main switch off requests nothing.
        if setting.main_switch == Some(false) {
            prop_assert!(p.batches.is_empty());
        }
        // A template is asked while it has fewer sends than it wants, and only then.
        for (t, planned) in templates.iter().zip(&p.templates) {
            let accepts = answered.iter().find(|(id, _)| *id == t.id).map_or(0, |(_, a)| a.accepts);
            if planned.state.is_requested() {
                prop_assert!(t.have + accepts < t.want, "{} asked with {} + {} of {}", t.id, t.have, accepts, t.want);
            }
            if planned.state == TemplateState::Accepted {
                prop_assert!(t.have + accepts >= t.want, "{} done with {} + {} of {}", t.id, t.have, accepts, t.want);
            }
        }
        let c = p.counts;
        prop_assert_eq!((c.ask + c.top_up + c.kept_rejected + c.banned + c.switched_off + c.accepted + c.rejected + c.unsettled) as usize, templates.len());
    }

    #[test]
    fn outcomes_give_every_batch_id_one_result(batch in proptest::collection::vec(0..IDS.len(), 0..6), result in any_value()) {
        let batch_value = Value::Array(batch.iter().map(|&i| Value::String(IDS[i].into())).collect());
        if let Ok(o) = interpret_from_values(&batch_value, &result) {
            prop_assert_eq!(o.results.len(), batch.len());
            let c = o.counts;
            prop_assert_eq!((c.accepted + c.rejected + c.banned + c.filtered + c.unknown + c.missing) as usize, batch.len());
            for r in &o.results {
                prop_assert_eq!(o.accepted.contains(&r.id), r.status == Status::Accept);
            }
        }
    }

    #[test]
    fn planning_never_panics_on_any_input(t in any_value(), s in any_value(), o in any_value(), a in any_value()) {
        if let Err(e) = plan_from_values(&t, &s, &o, &a, &t) {
            prop_assert!(!e.message.is_empty() && !e.advice.is_empty());
        }
    }

    #[test]
    fn interpreting_never_panics_on_any_input(b in any_value(), r in any_value()) {
        if let Err(e) = interpret_from_values(&b, &r) {
            prop_assert!(!e.message.is_empty() && !e.advice.is_empty());
        }
    }

    #[test]
    fn template_lists_of_any_entries_never_panic(entries in proptest::collection::vec(any_value(), 0..8)) {
        let _ = plan_from_values(&Value::Array(entries), &Value::Null, &Value::Null, &Value::Null, &Value::Null);
    }
}

const KEYWORD_TYPES: [&str; 12] = [
    "thing", "number", "letter", "symbol", "character_string", "time", "date", "amount", "phone_number", "car_number", "name", "phrase",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_normalised_thing_always_validates(text in "\\PC{0,40}") {
        use wx_subscribe::send::{normalise, rules::check, KeywordType};
        let value = normalise(KeywordType::Thing, &text);
        if !value.is_empty() {
            prop_assert!(check(KeywordType::Thing, &value, &[]).is_ok(), "{:?} -> {:?}", text, value);
        }
    }

    #[test]
    fn a_normalised_timestamp_always_validates_as_date_and_time(ms in 0.0f64..253_402_300_000_000.0, offset in -720i32..=840) {
        use wx_subscribe::send::{format_timestamp, rules::check, KeywordType};
        if let Some(date) = format_timestamp(ms, offset, false) {
            prop_assert!(check(KeywordType::Date, &date, &[]).is_ok(), "{}", date);
        }
        if let Some(time) = format_timestamp(ms, offset, true) {
            prop_assert!(check(KeywordType::Time, &time, &[]).is_ok(), "{}", time);
            prop_assert!(check(KeywordType::Date, &time, &[]).is_ok(), "{}", time);
        }
    }

    #[test]
    fn every_rule_takes_any_text_without_panicking(kind in 0..KEYWORD_TYPES.len(), text in "\\PC{0,40}") {
        use wx_subscribe::send::{rules::check, KeywordType};
        let kind = KeywordType::from_name(KEYWORD_TYPES[kind]).unwrap();
        if let Err(problem) = check(kind, &text, &[]) {
            prop_assert!(!problem.fix.is_empty());
        }
    }

    #[test]
    fn checking_and_building_never_panic_on_any_input(t in any_value(), d in any_value(), o in any_value()) {
        let _ = wx_subscribe::check_from_values(&t, &d, &o);
        let _ = wx_subscribe::payload_from_values(&t, &d, &o);
        let _ = wx_subscribe::send_result_from_values(&d);
        let _ = wx_subscribe::describe_from_values(&t);
    }

    #[test]
    fn content_strings_of_any_shape_never_panic(content in "(\\PC|\\{\\{|\\}\\}|\\.DATA|thing[0-9]|\n){0,30}") {
        let _ = wx_subscribe::send::template::parse_content(&content);
    }
}

/// The fewest batches `members` fit in, by trying every way to group them:
/// each template goes into a batch so far or a new one, as long as the batch
/// has room and no template of its title.
fn brute_force_fewest(members: &[&Template], limit: usize) -> usize {
    fn search(members: &[&Template], limit: usize, batches: &mut Vec<Vec<usize>>, at: usize, best: &mut usize) {
        if batches.len() >= *best {
            return;
        }
        if at == members.len() {
            *best = batches.len();
            return;
        }
        let title = &members[at].title;
        for b in 0..batches.len() {
            if batches[b].len() < limit && (title.is_none() || batches[b].iter().all(|&m| members[m].title != *title)) {
                batches[b].push(at);
                search(members, limit, batches, at + 1, best);
                batches[b].pop();
            }
        }
        batches.push(vec![at]);
        search(members, limit, batches, at + 1, best);
        batches.pop();
    }
    let mut best = members.len();
    search(members, limit, &mut Vec::new(), 0, &mut best);
    best
}

/// First fit as plainly as it can be written (the planner's first version):
/// each template scans every batch opened so far. The planner must give
/// exactly these batches, in near-linear time.
fn plain_first_fit(p: &wx_subscribe::Plan, templates: &[Template], limit: usize) -> Vec<(TemplateKind, Vec<String>, bool)> {
    let takes = |batch: &(TemplateKind, Vec<usize>, bool), i: usize| {
        let t = &templates[i];
        batch.0 == t.kind && batch.1.len() < limit && (t.title.is_none() || batch.1.iter().all(|&m| templates[m].title != t.title))
    };
    let mut popup: Vec<(TemplateKind, Vec<usize>, bool)> = Vec::new();
    let mut silent: Vec<(TemplateKind, Vec<usize>, bool)> = Vec::new();
    for (i, planned) in p.templates.iter().enumerate().filter(|(_, t)| t.state == TemplateState::Ask) {
        match popup.iter().position(|b| takes(b, i)) {
            Some(b) => popup[b].1.push(i),
            None => popup.push((planned.kind, vec![i], true)),
        }
    }
    for (i, planned) in p.templates.iter().enumerate().filter(|(_, t)| t.state == TemplateState::TopUp) {
        if let Some(b) = popup.iter().position(|b| takes(b, i)) {
            popup[b].1.push(i);
            popup[b].1.sort();
        } else {
            match silent.iter().position(|b| takes(b, i)) {
                Some(b) => silent[b].1.push(i),
                None => silent.push((planned.kind, vec![i], false)),
            }
        }
    }
    popup.into_iter().chain(silent).map(|(kind, members, popup)| (kind, members.iter().map(|&m| templates[m].id.clone()).collect(), popup)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn first_fit_is_kept_wherever_it_reaches_the_fewest_batches(templates in templates(), setting in setting(), options in options(), answered in answered()) {
        let p = plan(&templates, &setting, &options, &answered, &Record::default()).unwrap();
        let batches: Vec<(TemplateKind, Vec<String>, bool)> = p.batches.iter().map(|b| (b.kind, b.ids.clone(), b.popup)).collect();
        let first_fit = plain_first_fit(&p, &templates, options.ids_per_request);
        let of_kind = |list: &[(TemplateKind, Vec<String>, bool)], kind| list.iter().filter(|b| b.0 == kind).count();
        let mut optimal = true;
        for kind in [TemplateKind::OneTime, TemplateKind::LongTerm, TemplateKind::Device] {
            prop_assert!(of_kind(&batches, kind) <= of_kind(&first_fit, kind), "never more taps than first fit");
            optimal &= of_kind(&batches, kind) == of_kind(&first_fit, kind);
        }
        if optimal {
            prop_assert_eq!(batches, first_fit, "the app's order decides between plans of as many taps");
        }
    }

    #[test]
    fn the_plan_has_the_fewest_batches_a_brute_force_search_finds(
        list in proptest::collection::vec((proptest::option::of(0..3usize), 0..2usize, any::<bool>()), 0..9),
        limit in 1usize..=5,
    ) {
        // Small cases, every set partition searched: titles and kinds from a few, some kept as accepted.
        let templates: Vec<Template> = list.iter().enumerate().map(|(i, (title, kind, _))| Template {
            id: IDS[i].into(),
            title: title.map(|t| TITLES[t].into()),
            kind: [TemplateKind::OneTime, TemplateKind::LongTerm][*kind],
            want: 1,
            have: 0,
        }).collect();
        let kept: Vec<(String, Value)> = list.iter().enumerate().filter(|(_, t)| t.2).map(|(i, _)| (IDS[i].to_owned(), Value::String("accept".into()))).collect();
        let setting = wx_subscribe::setting::parse_setting(&Value::Object(vec![("itemSettings".into(), Value::Object(kept))])).unwrap();
        let options = PlanOptions { ids_per_request: limit, ..PlanOptions::default() };
        let p = plan(&templates, &setting, &options, &[], &Record::default()).unwrap();
        for kind in [TemplateKind::OneTime, TemplateKind::LongTerm] {
            let members: Vec<&Template> = templates.iter().filter(|t| t.kind == kind).collect();
            let fewest = brute_force_fewest(&members, limit);
            prop_assert_eq!(p.batches.iter().filter(|b| b.kind == kind).count(), fewest, "{:?} limit {}", kind, limit);
        }
    }

    #[test]
    fn json_text_round_trips_through_the_reader(value in any_value()) {
        // What JSON.stringify would send (serde_json writes the same JSON text), read back as UTF-16.
        let text = serde_json::to_string(&to_json(&value)).unwrap();
        let read = wx_subscribe::read_json(&text).unwrap();
        prop_assert!(same(&read, &to_value(&to_json(&value))), "{:?}", read);
    }
}

/// Equal, with numbers as the reader promises them: whole numbers up to 2^53
/// exactly, others to 12 significant digits (none of the core's inputs needs more).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if y.fract() == 0.0 && y.abs() <= 9_007_199_254_740_992.0 => x == y,
        (Value::Number(x), Value::Number(y)) => (x - y).abs() <= 1e-12 * y.abs() || y.abs() < 1e-290,
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().zip(y).all(|((k, p), (l, q))| k == l && same(p, q)),
        _ => a == b,
    }
}

/// A Value as serde_json's (non-finite numbers become null, as in JSON.stringify).
fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null | Value::Unpaired(_) => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::String(s) => s.clone().into(),
        Value::Array(items) => items.iter().map(to_json).collect(),
        Value::Object(members) => {
            let mut map = serde_json::Map::new();
            for (k, v) in members {
                map.insert(k.clone(), to_json(v));
            }
            map.into()
        }
    }
}

/// serde_json's value as the core's Value, numbers as f64 (what the reader keeps).
fn to_value(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(items) => Value::Array(items.iter().map(to_value).collect()),
        serde_json::Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), to_value(v))).collect()),
    }
}

//! The planner's rules (docs/wechat.md sections 1 to 3), one test per rule, and the
//! seed articles' cases. Native only: `cargo test`.
#![cfg(not(target_arch = "wasm32"))]

use wx_subscribe::{plan_from_values, Batch, Plan, TemplateKind, TemplateState, Value};

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Plans from JSON texts, as a page would pass them.
fn planned(templates: &str, setting: &str, options: &str, answered: &str) -> Plan {
    remembering(templates, setting, options, answered, "null")
}

/// Plans with a record earlier visits left.
fn remembering(templates: &str, setting: &str, options: &str, answered: &str, record: &str) -> Plan {
    plan_from_values(&json(templates), &json(setting), &json(options), &json(answered), &json(record)).unwrap()
}

fn ids(batch: &Batch) -> Vec<&str> {
    batch.ids.iter().map(String::as_str).collect()
}

fn state(plan: &Plan, id: &str) -> TemplateState {
    plan.templates.iter().find(|t| t.id == id).unwrap().state
}

const SEVEN: &str = r#"["t1","t2","t3","t4","t5","t6","t7"]"#;

#[test]
fn main_switch_off_requests_nothing_and_sends_the_user_to_the_settings_page() {
    let p = planned(SEVEN, r#"{"mainSwitch":false,"itemSettings":{"t1":"accept"}}"#, "null", "null");
    assert!(p.batches.is_empty());
    assert_eq!(p.counts.switched_off, 7);
    assert_eq!(p.advice.len(), 1);
    assert_eq!(p.advice[0].code, "open-settings");
    assert_eq!(p.advice[0].ids.len(), 7);
}

#[test]
fn a_missing_main_switch_is_unknown_not_off() {
    let p = planned(SEVEN, "{}", "null", "null");
    assert_eq!(p.main_switch, None);
    assert_eq!(p.counts.ask, 7);
    assert_eq!(p.batches.len(), 3);
}

#[test]
fn kept_rejects_are_not_requested_and_need_the_settings_page() {
    let p = planned(r#"["a","b"]"#, r#"{"mainSwitch":true,"itemSettings":{"a":"reject"}}"#, "null", "null");
    assert_eq!(state(&p, "a"), TemplateState::KeptRejected);
    assert_eq!(p.batches.len(), 1);
    assert_eq!(ids(&p.batches[0]), ["b"]);
    assert_eq!(p.advice[0].code, "open-settings");
    assert_eq!(p.advice[0].ids, ["a"]);
}

#[test]
fn kept_bans_are_never_requested_and_reported_banned() {
    let p = planned(r#"["a","b"]"#, r#"{"mainSwitch":true,"itemSettings":{"a":"ban"}}"#, "null", "null");
    assert_eq!(state(&p, "a"), TemplateState::Banned);
    assert_eq!(ids(&p.batches[0]), ["b"]);
    assert_eq!(p.advice[0].code, "banned");
}

#[test]
fn kept_accepts_are_requested_again_silently_to_top_up_the_quota() {
    // Seed 003: after "always keep", later requests show no popup but still
    // grant one send each, so they must be asked again, not skipped.
    let p = planned(r#"["a","b"]"#, r#"{"mainSwitch":true,"itemSettings":{"a":"accept","b":"acceptWithAlert"}}"#, "null", "null");
    assert_eq!(state(&p, "a"), TemplateState::TopUp);
    assert_eq!(state(&p, "b"), TemplateState::TopUp);
    assert_eq!(p.batches.len(), 1);
    assert!(!p.batches[0].popup, "no popup shows for kept accepts");
    assert_eq!(p.advice[0].code, "renew-silently");
}

#[test]
fn the_rest_is_asked_with_a_popup() {
    let p = planned(r#"["a"]"#, r#"{"mainSwitch":true}"#, "null", "null");
    assert_eq!(state(&p, "a"), TemplateState::Ask);
    assert!(p.batches[0].popup);
}

#[test]
fn batches_never_carry_more_ids_than_the_limit() {
    let p = planned(SEVEN, "null", "null", "null");
    let sizes: Vec<usize> = p.batches.iter().map(|b| b.ids.len()).collect();
    assert_eq!(sizes, [3, 3, 1]);
    let p = planned(SEVEN, "null", r#"{"idsPerRequest":5}"#, "null");
    let sizes: Vec<usize> = p.batches.iter().map(|b| b.ids.len()).collect();
    assert_eq!(sizes, [5, 2]);
}

#[test]
fn one_time_and_long_term_templates_never_share_a_batch() {
    let p = planned(
        r#"[{"id":"a"},{"id":"b","kind":"long-term"},{"id":"c"},{"id":"d","type":3}]"#,
        "null", "null", "null",
    );
    assert_eq!(p.batches.len(), 2);
    assert_eq!((p.batches[0].kind, ids(&p.batches[0])), (TemplateKind::OneTime, vec!["a", "c"]));
    assert_eq!((p.batches[1].kind, ids(&p.batches[1])), (TemplateKind::LongTerm, vec!["b", "d"]));
}

#[test]
fn device_templates_get_batches_of_their_own() {
    let p = planned(r#"[{"id":"a"},{"id":"d1","kind":"device"},{"id":"d2","kind":"device"}]"#, "null", "null", "null");
    assert_eq!(p.batches.len(), 2);
    assert_eq!((p.batches[1].kind, ids(&p.batches[1])), (TemplateKind::Device, vec!["d1", "d2"]));
}

#[test]
fn templates_with_the_same_title_never_share_a_batch() {
    // Two ids with the same title in one request: WeChat keeps one and
    // answers 'filter' for the rest (docs/wechat.md section 2).
    let p = planned(
        r#"[{"id":"a","title":"发货通知"},{"id":"b","title":"发货通知"},{"id":"c","title":"退款通知"}]"#,
        "null", "null", "null",
    );
    assert_eq!(p.batches.len(), 2);
    assert_eq!(ids(&p.batches[0]), ["a", "c"]);
    assert_eq!(ids(&p.batches[1]), ["b"]);
}

#[test]
fn the_app_order_is_kept_within_each_batch() {
    let p = planned(
        r#"[{"id":"a","title":"X"},{"id":"b","title":"X"},{"id":"c"},{"id":"d"}]"#,
        r#"{"mainSwitch":true,"itemSettings":{"c":"accept"}}"#, "null", "null",
    );
    assert_eq!(ids(&p.batches[0]), ["a", "c", "d"]);
    assert_eq!(ids(&p.batches[1]), ["b"]);
}

#[test]
fn silent_ids_fill_the_free_places_of_popup_batches_of_their_kind() {
    let p = planned(
        r#"["a","b",{"id":"L","kind":"long-term"}]"#,
        r#"{"mainSwitch":true,"itemSettings":{"b":"accept","L":"accept"}}"#, "null", "null",
    );
    assert_eq!(p.batches.len(), 2);
    assert!(p.batches[0].popup);
    assert_eq!(ids(&p.batches[0]), ["a", "b"], "b rides along with the tap for a");
    assert!(!p.batches[1].popup, "no long-term popup batch to ride along with");
    assert_eq!(ids(&p.batches[1]), ["L"]);
}

#[test]
fn leftover_silent_ids_form_silent_batches_after_the_popup_batches() {
    let p = planned(
        SEVEN,
        r#"{"mainSwitch":true,"itemSettings":{"t1":"accept","t2":"accept","t3":"accept","t4":"accept","t5":"accept"}}"#,
        "null", "null",
    );
    let shape: Vec<(bool, Vec<&str>)> = p.batches.iter().map(|b| (b.popup, ids(b))).collect();
    assert_eq!(shape, [
        (true, vec!["t1", "t6", "t7"]),
        (false, vec!["t2", "t3", "t4"]),
        (false, vec!["t5"]),
    ]);
}

#[test]
fn old_clients_get_one_id_per_request() {
    let p = planned(SEVEN, "null", r#"{"baseLibrary":"2.8.3"}"#, "null");
    assert_eq!(p.ids_per_request, 1);
    assert_eq!(p.batches.len(), 7);
    let p = planned(SEVEN, "null", r#"{"platform":"ios","wechatVersion":"7.0.5"}"#, "null");
    assert_eq!(p.batches.len(), 7);
}

#[test]
fn base_library_below_2_4_4_is_unsupported() {
    let e = plan_from_values(&json(SEVEN), &Value::Null, &json(r#"{"baseLibrary":"2.4.3"}"#), &Value::Null, &Value::Null).unwrap_err();
    assert_eq!(e.code, "subscribe-unsupported");
    assert!(e.message.contains("2.4.3"), "{}", e.message);
}

#[test]
fn after_a_partial_success_the_next_plan_asks_only_for_what_is_left() {
    let answered = r#"{"t1":"accept","t2":"reject","t3":"acceptWithAudio"}"#;
    let p = planned(SEVEN, r#"{"mainSwitch":true}"#, "null", answered);
    assert_eq!(state(&p, "t1"), TemplateState::Accepted);
    assert_eq!(state(&p, "t2"), TemplateState::Rejected);
    assert_eq!((p.counts.accepted, p.counts.rejected, p.counts.ask), (2, 1, 4));
    let all: Vec<&str> = p.batches.iter().flat_map(|b| ids(b)).collect();
    assert_eq!(all, ["t4", "t5", "t6", "t7"]);
}

#[test]
fn filtered_missing_and_unknown_answers_are_asked_again() {
    let p = planned(SEVEN, "null", "null", r#"{"t1":"filter","t2":"missing","t3":"maybe","t4":"ban"}"#);
    for id in ["t1", "t2", "t3"] {
        assert_eq!(state(&p, id), TemplateState::Ask, "{id}");
    }
    assert_eq!(state(&p, "t4"), TemplateState::Banned);
}

#[test]
fn system_keys_and_ids_the_app_does_not_use_are_ignored() {
    let p = planned(
        r#"["a"]"#,
        r#"{"mainSwitch":true,"itemSettings":{"SYS_MSG_TYPE_INTERACTIVE":"reject","other":"reject"}}"#,
        "null", "null",
    );
    assert_eq!(p.templates.len(), 1);
    assert_eq!(state(&p, "a"), TemplateState::Ask);
    assert!(p.advice.is_empty());
}

#[test]
fn kept_values_of_unknown_meaning_are_asked_with_a_popup_and_reported() {
    let p = planned(r#"["a"]"#, r#"{"itemSettings":{"a":"later"}}"#, "null", "null");
    assert_eq!(state(&p, "a"), TemplateState::Ask);
    assert_eq!(p.templates[0].kept, Some(wx_subscribe::KeptChoice::Other("later".into())));
    assert!(p.batches[0].popup);
}

#[test]
fn seed_000_diff_excludes_kept_rejects_that_its_object_keys_bug_kept_asking_for() {
    // Seed 000 diffed with Object.keys(arr): the keys of the id array ("0", "1", "2"),
    // never the template ids, so nothing was ever filtered out.
    let server = ["3icSr0YIBLcMSYXchHBTWgCiAAom4lrkJqZAf2pVc", "xVA_zdzgM8zPtpDOO92rpK9kQumz4O84E7sTy9Ihfds", "sG80CJj2GvArifGRCWOJhumIyY5mQnM94RWGQkdctGc"];
    let seed_keys: Vec<String> = (0..server.len()).map(|i| i.to_string()).collect();
    let seed_asked: Vec<&str> = server.iter().copied().filter(|id| !seed_keys.contains(&id.to_string())).collect();
    assert_eq!(seed_asked.len(), 3, "the seed asks for the kept reject again");

    let templates = serde_json::to_string(&server).unwrap();
    let setting = format!(r#"{{"mainSwitch":true,"itemSettings":{{"{}":"reject","{}":"accept"}}}}"#, server[1], server[2]);
    let p = planned(&templates, &setting, "null", "null");
    assert_eq!(state(&p, server[1]), TemplateState::KeptRejected);
    // What the seed meant (skip every kept id) would lose the quota of the kept accept:
    assert_eq!(state(&p, server[2]), TemplateState::TopUp);
    assert_eq!(ids(&p.batches[0]), [server[0], server[2]]);
}

#[test]
fn seed_000_main_switch_off_returned_silently_where_the_plan_says_what_to_do() {
    let p = planned(r#"["a"]"#, r#"{"mainSwitch":false}"#, "null", "null");
    assert_eq!(p.advice[0].code, "open-settings");
    assert!(p.advice[0].message.contains("设置"));
}

const DAY: f64 = 24.0 * 3600.0 * 1000.0;
const NOW: f64 = 1_790_000_000_000.0;

fn record(state: &str, days_ago: f64) -> String {
    format!(r#"{{"v":2,"states":{{"t2":{{"state":"{state}","at":{}}}}},"pending":{{}}}}"#, NOW - days_ago * DAY)
}

#[test]
fn a_remembered_ban_holds_for_7_days_then_the_template_is_asked_again() {
    let now = format!(r#"{{"now":{NOW}}}"#);
    let p = remembering(SEVEN, r#"{"mainSwitch":true}"#, &now, "null", &record("banned", 6.9));
    assert_eq!(state(&p, "t2"), TemplateState::Banned);
    assert!(p.batches.iter().all(|b| !b.ids.contains(&"t2".to_owned())));
    assert_eq!(p.advice.iter().find(|a| a.code == "banned").unwrap().ids, ["t2"]);
    let p = remembering(SEVEN, r#"{"mainSwitch":true}"#, &now, "null", &record("banned", 7.0));
    assert_eq!(state(&p, "t2"), TemplateState::Ask, "7 days on, asked again");
}

#[test]
fn only_a_ban_is_remembered_and_the_users_kept_choice_wins_over_it() {
    let now = format!(r#"{{"now":{NOW}}}"#);
    for other in ["rejected", "accepted", "unsettled", "kept-rejected"] {
        assert_eq!(state(&remembering(SEVEN, "null", &now, "null", &record(other, 0.5)), "t2"), TemplateState::Ask, "{other}");
    }
    let p = remembering(SEVEN, r#"{"itemSettings":{"t2":"accept"}}"#, &now, "null", &record("banned", 1.0));
    assert_eq!(state(&p, "t2"), TemplateState::TopUp);
    let future = remembering(SEVEN, "null", &now, "null", &record("banned", -1.0));
    assert_eq!(state(&future, "t2"), TemplateState::Ask, "a ban from the future (a clock set back) does not hold");
}

#[test]
fn a_template_answered_twice_with_nothing_that_settles_it_is_left_unsettled() {
    let once = planned(SEVEN, "null", "null", r#"{"t1":"filter","t2":["maybe"],"t3":["missing"]}"#);
    assert_eq!([state(&once, "t1"), state(&once, "t2"), state(&once, "t3")], [TemplateState::Ask; 3], "asked once more");
    let twice = planned(SEVEN, "null", "null", r#"{"t1":["filter","maybe"],"t2":["maybe","missing"],"t3":["filter","accept"]}"#);
    assert_eq!([state(&twice, "t1"), state(&twice, "t2"), state(&twice, "t3")], [TemplateState::Unsettled, TemplateState::Unsettled, TemplateState::Accepted]);
    assert_eq!(twice.counts.unsettled, 2);
    assert_eq!(twice.advice.iter().find(|a| a.code == "unsettled").unwrap().ids, ["t1", "t2"]);
    assert!(twice.batches.iter().all(|b| !b.ids.iter().any(|id| id == "t1" || id == "t2")));
}

#[test]
fn a_limit_learned_from_20003_caps_the_batches_until_it_is_forgotten() {
    let learned = r#"{"v":2,"states":{},"pending":{},"idsPerRequest":{"ids":1,"at":5}}"#;
    let p = remembering(SEVEN, "null", r#"{"idsPerRequest":5}"#, "null", learned);
    assert_eq!((p.ids_per_request, p.batches.len()), (1, 7));
}

#[test]
fn shared_titles_take_the_fewest_taps_where_first_fit_in_app_order_takes_more() {
    // Six titles, then three templates of one title. First fit in the app's order
    // fills two taps with the six, then needs a tap for each of the three: 5 taps.
    // The fewest is max(ceil(9 / 3), 3) = 3: each tap carries one of the three.
    let list = r#"[{"id":"b","title":"B"},{"id":"c","title":"C"},{"id":"d","title":"D"},{"id":"e","title":"E"},
        {"id":"f","title":"F"},{"id":"g","title":"G"},{"id":"a1","title":"A"},{"id":"a2","title":"A"},{"id":"a3","title":"A"}]"#;
    let p = planned(list, "null", "null", "null");
    assert_eq!(p.batches.len(), 3, "{:?}", p.batches);
    for b in &p.batches {
        assert!(b.ids.len() <= 3);
    }
    // Where first fit already takes the fewest, its batches in the app's order are kept.
    assert_eq!(ids(&planned(SEVEN, "null", "null", "null").batches[0]), ["t1", "t2", "t3"]);
}

#[test]
fn a_template_that_wants_several_sends_is_asked_tap_by_tap_until_it_has_them() {
    let list = r#"[{"id":"expiry","title":"到期提醒","want":3},"other"]"#;
    let on = r#"{"mainSwitch":true}"#;
    let first = planned(list, on, "null", "null");
    assert_eq!(ids(&first.batches[0]), ["expiry", "other"]);
    let second = planned(list, on, "null", r#"{"expiry":"accept","other":"accept"}"#);
    assert_eq!((state(&second, "expiry"), state(&second, "other")), (TemplateState::Ask, TemplateState::Accepted));
    assert_eq!(ids(&second.batches[0]), ["expiry"], "one more popup for the second send");
    let third = planned(list, on, "null", r#"{"expiry":["accept","accept","accept"]}"#);
    assert_eq!(state(&third, "expiry"), TemplateState::Accepted);
    assert!(third.batches.iter().all(|b| !b.ids.contains(&"expiry".to_owned())));
    let rejected = planned(list, on, "null", r#"{"expiry":["accept","reject"]}"#);
    assert_eq!(state(&rejected, "expiry"), TemplateState::Rejected, "a reject ends the round");
}

#[test]
fn a_kept_accept_makes_the_extra_asks_silent_and_the_servers_count_is_where_it_starts() {
    let kept = r#"{"mainSwitch":true,"itemSettings":{"expiry":"accept"}}"#;
    let p = planned(r#"[{"id":"expiry","want":3,"have":1}]"#, kept, "null", r#"{"expiry":"accept"}"#);
    assert_eq!(state(&p, "expiry"), TemplateState::TopUp);
    assert!(!p.batches[0].popup, "silent: the user kept the accept");
    let done = planned(r#"[{"id":"expiry","want":3,"have":1}]"#, kept, "null", r#"{"expiry":["accept","accept"]}"#);
    assert_eq!(state(&done, "expiry"), TemplateState::Accepted);
    let enough = planned(r#"[{"id":"expiry","want":2,"have":2}]"#, r#"{"mainSwitch":true}"#, "null", "null");
    assert_eq!(state(&enough, "expiry"), TemplateState::Accepted, "already in hand: nothing to ask");
    assert!(enough.batches.is_empty());
}

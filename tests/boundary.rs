//! The wasm boundary, run by `wasm-pack test --node`: JSON text in UTF-16 in,
//! an `{"ok"}`/`{"error"}` answer out (`plan`, `interpretResult` and
//! `remember`: numbers, or the error answer), one crossing each way, and no input that traps the
//! module or grows its memory call after call.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;
use wx_subscribe::{MAX_INPUT_UNITS, MAX_STRING_UNITS};
use wx_subscribe::wasm::{build_payload, check_data, interpret_result, interpret_send, plan, register_templates, remember, version};

fn units(text: &str) -> Vec<u16> {
    text.encode_utf16().collect()
}

/// The answer as JSON.
fn answer(units: Box<[u16]>) -> serde_json::Value {
    serde_json::from_str(&String::from_utf16(&units).expect("answers are well-formed UTF-16")).expect("answers are JSON")
}

/// A numbers answer (`plan`, `interpretResult`): its numbers (they start
/// with 0), or else the error answer, one code unit per number.
fn numbers(answered: Box<[f64]>) -> Result<Vec<f64>, serde_json::Value> {
    if answered.first() == Some(&0.0) {
        Ok(answered.to_vec())
    } else {
        Err(answer(answered.iter().map(|&unit| unit as u16).collect()))
    }
}

/// Text in a numbers answer: its length, then its UTF-16 code units.
fn text(text: &str) -> Vec<f64> {
    let units = units(text);
    std::iter::once(units.len() as f64).chain(units.into_iter().map(f64::from)).collect()
}

/// Registers a list; its handle and the templates as the module read them.
fn register(templates: &str) -> (u64, serde_json::Value) {
    let a = answer(register_templates(&units(&format!("[{templates}]"))));
    (a["ok"]["handle"].as_u64().expect("a handle"), a["ok"]["templates"].clone())
}

#[wasm_bindgen_test]
fn a_registered_list_plans_by_position() {
    let (handle, _) = register(r#"[{"id":"a","title":"发货通知"},"b",{"priTmplId":"c","type":3}]"#);
    let a = numbers(plan(&units(&format!(r#"[{handle},{{"mainSwitch":true,"itemSettings":{{"1":"accept"}}}},null,{{}}]"#)), &[])).expect("a layout");
    #[rustfmt::skip]
    let expected = [
        0, 2, 3, // a layout, main switch on, 3 ids per request
        2, 1, 0, 0, 0, 0, 0, 0, // counts: ask 2, top-up 1
        0, 1, 0, 0, 1, 0, // states by number (ask, top-up, ask), then kept (accept)
        2, 0, 1, 2, 0, 1, 1, 1, 1, 2, // batches: [kind, popup, n, ...positions]
        0, // no advice
    ].map(f64::from);
    assert_eq!(a, expected);
    // The same, with the kept choice given as numbers beside the text: a head (left to the
    // text), then [kept, state, at, answered] per template.
    let head = [0.0; 5];
    let by_numbers = numbers(plan(&units(&format!(r#"[{handle},{{"mainSwitch":true}},null,{{}}]"#)), &[&head[..], &[0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]].concat()));
    assert_eq!(by_numbers, Ok(a.clone()));
    // And with no text at all: the head is [handle, main switch on, no now, no record, not as before].
    let no_text = numbers(plan(&[], &[handle as f64, 2.0, -1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]));
    assert_eq!(no_text, Ok(a));
    // This round's answers as numbers: 'accept' for the first template, 'reject' then 'accept' for the third (8 * 1 + 2).
    let answered = numbers(plan(&units(&format!(r#"[{handle},{{"mainSwitch":true}}]"#)), &[&head[..], &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0]].concat()));
    let as_text = numbers(plan(&units(&format!(r#"[{handle},{{"mainSwitch":true}},null,{{"0":"accept","2":["reject","accept"]}}]"#)), &[]));
    assert_eq!(answered, as_text);
    assert_eq!(answered.expect("a layout")[3..11], [1.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0], "counts: ask 1, accepted 2");
    let e = numbers(plan(&units(&format!("[{handle}]")), &[1.0])).expect_err("an error")["error"].clone();
    assert_eq!((e["code"].as_str(), e["kind"].as_str()), (Some("plan-bad-codes"), Some("input")));
}

#[wasm_bindgen_test]
fn registering_answers_the_templates_as_read_in_order() {
    let (_, templates) = register(r#"["x",{"priTmplId":"订阅","type":3,"title":"签到"}]"#);
    assert_eq!(templates, serde_json::json!([{"id":"x","kind":"one-time"},{"id":"订阅","title":"签到","kind":"long-term"}]));
}

#[wasm_bindgen_test]
fn a_record_crosses_as_numbers_both_ways() {
    // [now, v, idsPerRequest, states: 1 (key 0: banned at 5), pending: 1 (key 1: 2), changes: 1
    // (states: key 1 accepted; accepted: key 0 one; reported: none; no tooMany)].
    #[rustfmt::skip]
    let codes = [
        10.0, 2.0, -1.0, -1.0,
        1.0, 0.0, 4.0, 5.0,
        1.0, 1.0, 2.0,
        1.0, 1.0, 1.0, 6.0, 1.0, 0.0, 1.0, 0.0, -1.0,
    ];
    let by_position = numbers(remember(&codes)).expect("a record");
    // [0, v, states: 2 (key 0 banned at 5, key 1 accepted at 10), pending: 2 (key 1: 2, key 0: 1), no limit].
    assert_eq!(by_position, [0.0, 2.0, 2.0, 0.0, 3.0, 5.0, 1.0, 5.0, 10.0, 2.0, 1.0, 2.0, 0.0, 1.0, -1.0, -1.0]);
    let bad = numbers(remember(&codes[..7])).expect_err("numbers cut short");
    assert_eq!(bad["error"]["code"], "memory-bad-codes");
    let no_time = numbers(remember(&[[f64::NAN].as_slice(), &codes[1..]].concat())).expect_err("no time");
    assert_eq!(no_time["error"]["code"], "memory-bad-now");
}

#[wasm_bindgen_test]
fn errors_are_answers_with_code_kind_message_and_advice() {
    let a = answer(register_templates(&units(r#"[["a","a"]]"#)));
    let e = &a["error"];
    assert_eq!((e["code"].as_str(), e["kind"].as_str(), e["retryable"].as_bool()), (Some("template-duplicate-id"), Some("input"), Some(false)));
    assert!(e["message"].as_str().unwrap().contains("templates[1]"));
    assert!(!e["advice"].as_str().unwrap().is_empty());
    let e = numbers(plan(&units("[123456,null,null,null]"), &[])).expect_err("an error")["error"].clone();
    assert_eq!((e["code"].as_str(), e["kind"].as_str()), (Some("templates-not-registered"), Some("internal")));
}

#[wasm_bindgen_test]
fn interpret_result_reads_success_and_fail_results() {
    // Answers name templates by position: no id crosses back.
    let o = numbers(interpret_result(&units(r#"[null,{"errMsg":"requestSubscribeMessage:ok"},["acceptWithAlert","reject"]]"#)));
    // 0, sends, counts (accepted, rejected, banned, filtered, unknown, missing),
    // then per result its status and raw text, then the accepted positions.
    let mut expected = vec![0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0];
    expected.extend(text("acceptWithAlert").into_iter().chain([1.0]).chain(text("reject")).chain([1.0, 0.0]));
    assert_eq!(o, Ok(expected));
    let o = numbers(interpret_result(&units(r#"[{"kind":"long-term"},{"errMsg":"requestSubscribeMessage:ok"},["reject","accept"]]"#)));
    // No sends (long-term).
    let mut expected = vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 2.0, 1.0];
    expected.extend(text("reject").into_iter().chain([0.0]).chain(text("accept")).chain([1.0, 1.0]));
    assert_eq!(o, Ok(expected));
    let e = numbers(interpret_result(&units(r#"[null,{"errMsg":"requestSubscribeMessage:fail","errCode":20003},[null]]"#))).expect_err("an error");
    assert_eq!((e["error"]["code"].as_str(), e["error"]["errCode"].as_i64()), (Some("too-many-ids"), Some(20003)));
    // A batch the JS side could not name by position comes too, and its ids are judged first.
    let e = numbers(interpret_result(&units(r#"[null,"oops",[],["a",5]]"#))).expect_err("an error");
    assert_eq!(e["error"]["code"], "batch-bad-ids");
}

#[wasm_bindgen_test]
fn chinese_emoji_and_lone_surrogates_cross_as_utf16() {
    let (_, templates) = register(r#"[{"id":"订单","title":"订单号：第二件🎉"}]"#);
    assert_eq!(templates[0]["title"], "订单号：第二件🎉");
    assert_eq!(templates[0]["id"], "订单");
    // A lone surrogate, raw in the text: strictly a violation, normalised a change.
    let mut input = units(r#"[{"content":"名称:{{thing1.DATA}}"},{"thing1":"a"#);
    input.push(0xd800);
    input.extend(units(r#"b"}]"#));
    let c = answer(check_data(&input));
    assert_eq!(c["ok"]["violations"][0]["code"], "lone-surrogate");
    let mut normalised = input.clone();
    normalised.truncate(normalised.len() - 1);
    normalised.extend(units(r#",{"normalise":true}]"#));
    let c = answer(check_data(&normalised));
    assert_eq!((c["ok"]["ok"].as_bool(), c["ok"]["data"]["thing1"]["value"].as_str()), (Some(true), Some("ab")));
    assert_eq!(c["ok"]["changes"][0]["to"], "ab");
}

#[wasm_bindgen_test]
fn input_past_the_caps_is_an_input_error_and_quotes_stay_short() {
    let huge = vec![u16::from(b' '); MAX_INPUT_UNITS + 1];
    assert_eq!(answer(check_data(&huge))["error"]["code"], "input-too-large");
    let long_id = "x".repeat(MAX_STRING_UNITS - 10);
    let e = answer(register_templates(&units(&format!(r#"[["{long_id}","{long_id}"]]"#))));
    let message = e["error"]["message"].as_str().unwrap();
    assert!(message.len() < 200, "a message quotes a short prefix, got {} bytes", message.len());
    for bad in ["", "[", "{\"a\":}", "[1,]", "nul", "[\"\\x\"]"] {
        assert_eq!(answer(interpret_send(&units(bad)))["error"]["code"], "input-unreadable", "{bad}");
    }
    let deep = "[".repeat(100) + &"]".repeat(100);
    assert_eq!(answer(interpret_send(&units(&deep)))["error"]["code"], "input-too-deep");
}

#[wasm_bindgen_test]
fn build_payload_and_interpret_send_cross_the_boundary() {
    let seed = r#"{"priTmplId":"TPL","content":"下单时间:{{date2.DATA}}\n商品名称:{{thing4.DATA}}"}"#;
    let b = answer(build_payload(&units(&format!(
        r#"[{seed},{{"touser":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","data":{{"date2":"2015-01-05","thing4":"阿里巴巴"}}}},{{"via":"cloud"}}]"#
    ))));
    assert_eq!(b["ok"]["payload"]["templateId"], "TPL");
    assert_eq!(b["ok"]["payload"]["data"]["thing4"]["value"], "阿里巴巴");
    let e = answer(interpret_send(&units(r#"[{"errcode":47003,"errmsg":"argument invalid! data.thing4.value invalid"}]"#)));
    assert_eq!(e["error"]["field"], "data.thing4.value");
    assert_eq!(answer(interpret_send(&units(r#"[{"errcode":0,"msgid":7}]"#)))["ok"]["msgid"], "7");
    assert_eq!(answer(version())["ok"], env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn thousands_of_calls_do_not_grow_memory() {
    let bytes = || core::arch::wasm32::memory_size(0) * 65536;
    let (handle, _) = register(r#"[{"id":"a","title":"发货通知"},{"id":"b","title":"发货通知"},"c","d","e","f","g"]"#);
    let plan_input = units(&format!(r#"[{handle},{{"mainSwitch":true,"itemSettings":{{"2":"accept","3":"reject"}}}},null,null]"#));
    let check_input = units(r#"[{"content":"下单时间:{{date2.DATA}}\n商品名称:{{thing4.DATA}}"},{"date2":"2015年01月05日","thing4":"这是一个非常非常长的商品名称超过了二十个字"}]"#);
    let once = || {
        assert!(numbers(plan(&plan_input, &[])).is_ok());
        assert!(answer(check_data(&check_input)).get("ok").is_some());
        assert!(answer(interpret_send(&units("[1"))).get("error").is_some());
        // A list that fails to register: its error is made in lasting memory.
        assert_eq!(answer(register_templates(&units(r#"[[{"id":"a","kind":"daily"}]]"#)))["error"]["code"], "template-bad-kind");
    };
    for _ in 0..200 {
        once();
    }
    let before = bytes();
    for _ in 0..5000 {
        once();
    }
    assert_eq!(bytes(), before, "the heap grew across calls");
}

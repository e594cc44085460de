//! The wasm boundary, run by `wasm-pack test --node`: JS values in, JS values
//! (or error values) out, and no input that traps the module.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Function, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use wx_subscribe::wasm::{build_payload, check_data, interpret_result, interpret_send, plan, version};

fn js(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, key| match key.parse::<u32>() {
        Ok(i) => Reflect::get_u32(&v, i).unwrap(),
        Err(_) => Reflect::get(&v, &JsValue::from_str(key)).unwrap(),
    })
}

fn text(value: &JsValue, path: &str) -> String {
    get(value, path).as_string().unwrap_or_default()
}

#[wasm_bindgen_test]
fn plan_returns_plain_objects_a_page_can_read() {
    let p = plan(js(r#"[{"id":"a","title":"发货通知"},"b"]"#), js(r#"{"mainSwitch":true,"itemSettings":{"b":"accept"}}"#), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
    assert_eq!(text(&p, "templates.0.title"), "发货通知");
    assert_eq!(text(&p, "templates.1.state"), "top-up");
    assert_eq!(text(&p, "batches.0.ids.1"), "b");
    assert_eq!(get(&p, "batches.0.popup").as_bool(), Some(true));
    assert_eq!(get(&p, "counts.topUp").as_f64(), Some(1.0));
    assert_eq!(get(&p, "idsPerRequest").as_f64(), Some(3.0));
    assert!(get(&p, "mainSwitch").as_bool() == Some(true));
    let first: Object = get(&p, "templates.0").unchecked_into();
    assert!(Object::keys(&first).length() >= 4, "fields, not a Map");
}

#[wasm_bindgen_test]
fn chinese_strings_round_trip_both_ways() {
    let title = "订单号：第二件🎉";
    let templates = Array::of1(&js(&format!(r#"{{"id":"订单","title":"{title}"}}"#)));
    let p = plan(templates.into(), JsValue::NULL, JsValue::NULL, JsValue::NULL).unwrap();
    assert_eq!(text(&p, "templates.0.title"), title);
    assert_eq!(text(&p, "templates.0.id"), "订单");
}

#[wasm_bindgen_test]
fn errors_are_values_with_code_kind_message_and_advice() {
    let e = plan(js(r#"["a","a"]"#), JsValue::NULL, JsValue::NULL, JsValue::NULL).unwrap_err();
    assert_eq!(text(&e, "code"), "template-duplicate-id");
    assert_eq!(text(&e, "kind"), "input");
    assert!(text(&e, "message").contains("templates[1]"));
    assert!(!text(&e, "advice").is_empty());
    assert_eq!(get(&e, "retryable").as_bool(), Some(false));
}

#[wasm_bindgen_test]
fn interpret_result_reads_success_and_fail_results() {
    let o = interpret_result(js(r#"{"ids":["a","b"],"popup":true}"#), js(r#"{"errMsg":"requestSubscribeMessage:ok","a":"acceptWithAlert","b":"reject"}"#)).unwrap();
    assert_eq!(text(&o, "accepted.0"), "a");
    assert_eq!(text(&o, "results.0.raw"), "acceptWithAlert");
    assert_eq!(text(&o, "results.1.status"), "reject");
    let e = interpret_result(js(r#"["a"]"#), js(r#"{"errMsg":"requestSubscribeMessage:fail","errCode":20003}"#)).unwrap_err();
    assert_eq!(text(&e, "code"), "too-many-ids");
    assert_eq!(get(&e, "errCode").as_f64(), Some(20003.0));
    assert_eq!(get(&e, "retryable").as_bool(), Some(true));
}

#[wasm_bindgen_test]
fn odd_js_values_are_errors_or_answers_never_traps() {
    let cyclic = Object::new();
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    let sparse = Array::new();
    sparse.set(5, JsValue::from_str("a"));
    let odd: Vec<JsValue> = vec![
        JsValue::UNDEFINED, JsValue::NULL, JsValue::from_f64(f64::NAN), JsValue::from_f64(f64::INFINITY),
        JsValue::from_f64(-0.0), JsValue::from_str(""), JsValue::symbol(Some("s")), JsValue::bigint_from_str("12"),
        Function::new_no_args("return 1").into(), cyclic.into(), sparse.into(), js_sys::Map::new().into(),
        js_sys::Date::new_0().into(), js_sys::Uint8Array::new_with_length(3).into(), js(r#"[[[[["deep"]]]]]"#),
        js(r#"{"id":"a","kind":2}"#), js(r#"[{"id":"a","kind":3},{"priTmplId":"b","type":2}]"#),
    ];
    for a in &odd {
        for b in &odd {
            let _ = plan(a.clone(), b.clone(), b.clone(), a.clone());
            let _ = interpret_result(a.clone(), b.clone());
            let _ = check_data(a.clone(), b.clone(), a.clone());
            let _ = build_payload(b.clone(), a.clone(), JsValue::UNDEFINED);
            let _ = interpret_send(a.clone());
        }
    }
    // Still working afterwards.
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
    assert!(plan(js(r#"["a"]"#), JsValue::NULL, JsValue::NULL, JsValue::NULL).is_ok());
}

#[wasm_bindgen_test]
fn cyclic_input_is_an_input_error() {
    let cyclic = Object::new();
    Reflect::set(&cyclic, &"id".into(), &"a".into()).unwrap();
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    let e = plan(Array::of1(&cyclic).into(), JsValue::NULL, JsValue::NULL, JsValue::NULL).unwrap_err();
    assert_eq!(text(&e, "code"), "input-unreadable");
}

const SEED_001: &str = r#"{"priTmplId":"TPL","content":"下单时间:{{date2.DATA}}\n商品名称:{{thing4.DATA}}"}"#;

#[wasm_bindgen_test]
fn check_data_returns_data_as_a_plain_object_wechat_takes() {
    let c = check_data(js(SEED_001), js(r#"{"date2":"2015年01月05日","thing4":{"value":"阿里巴巴"}}"#), JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&c, "ok").as_bool(), Some(true));
    assert_eq!(text(&c, "data.thing4.value"), "阿里巴巴");
    assert!(!get(&c, "data").is_instance_of::<js_sys::Map>(), "a plain object, not a Map");
    let c = check_data(js(SEED_001), js(r#"{"date2":"明天","thing4":"x"}"#), JsValue::UNDEFINED).unwrap();
    assert_eq!(text(&c, "violations.0.code"), "bad-format");
}

#[wasm_bindgen_test]
fn build_payload_and_interpret_send_cross_the_boundary() {
    let request = js(r#"{"touser":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","data":{"date2":"2015-01-05","thing4":"阿里巴巴"}}"#);
    let built = build_payload(js(SEED_001), request, js(r#"{"via":"cloud"}"#)).unwrap();
    assert_eq!(text(&built, "payload.templateId"), "TPL");
    assert_eq!(text(&built, "payload.data.thing4.value"), "阿里巴巴");
    let e = build_payload(js(SEED_001), js(r#"{"touser":"x y"}"#), JsValue::UNDEFINED).unwrap_err();
    assert_eq!(text(&e, "code"), "send-bad-openid");
    let e = interpret_send(js(r#"{"errcode":47003,"errmsg":"argument invalid! data.thing4.value invalid"}"#)).unwrap_err();
    assert_eq!(text(&e, "field"), "data.thing4.value");
    assert_eq!(text(&interpret_send(js(r#"{"errcode":0,"msgid":7}"#)).unwrap(), "msgid"), "7");
}

#[wasm_bindgen_test]
fn thousands_of_calls_do_not_grow_memory() {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let bytes = || memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length();
    let templates = js(r#"[{"id":"a","title":"发货通知"},{"id":"b","title":"发货通知"},"c","d","e","f","g"]"#);
    let setting = js(r#"{"mainSwitch":true,"itemSettings":{"c":"accept","d":"reject"}}"#);
    let data = js(r#"{"date2":"2015年01月05日","thing4":"这是一个非常非常长的商品名称超过了二十个字"}"#);
    let once = || {
        plan(templates.clone(), setting.clone(), JsValue::NULL, JsValue::NULL).unwrap();
        check_data(js(SEED_001), data.clone(), JsValue::NULL).unwrap();
        let _ = plan(js(r#"["a","a"]"#), JsValue::NULL, JsValue::NULL, JsValue::NULL);
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

//! The wasm boundary (public so `wasm-pack test` can call it): converts JS values to the core's [`Value`], calls the
//! core, and converts the answer (or the [`Error`]) back with serde-wasm-bindgen.
//! No logic lives here.

use crate::error::Error;
use crate::value::{Value, MAX_DEPTH, TOO_DEEP};
use js_sys::{Array, Object};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Converts a JS value; functions, symbols, bigints, too deep or cyclic input are errors.
fn read(value: &JsValue) -> Result<Value, JsValue> {
    read_at(value, 0).map_err(|message| {
        write(&Error::input(
            "input-unreadable",
            message,
            "pass plain objects, arrays, strings, numbers and booleans",
        ))
    })
}

fn read_at(value: &JsValue, depth: usize) -> Result<Value, String> {
    if value.is_null() || value.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(b) = value.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = value.as_f64() {
        return Ok(Value::Number(n));
    }
    if let Some(s) = value.as_string() {
        return Ok(Value::String(s));
    }
    if depth >= MAX_DEPTH {
        return Err(TOO_DEEP.to_owned());
    }
    if Array::is_array(value) {
        let items = value.unchecked_ref::<Array>().iter();
        return items.map(|item| read_at(&item, depth + 1)).collect::<Result<_, _>>().map(Value::Array);
    }
    if value.is_object() && !value.is_function() {
        let mut members = Vec::new();
        for entry in Object::entries(value.unchecked_ref::<Object>()).iter() {
            let entry: Array = entry.unchecked_into();
            let key = entry.get(0).as_string().unwrap_or_default();
            members.push((key, read_at(&entry.get(1), depth + 1)?));
        }
        return Ok(Value::Object(members));
    }
    let type_name = value.js_typeof().as_string().unwrap_or_default();
    Err(["the input holds a ", &type_name, " value, which is not data"].concat())
}

fn write<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
        .unwrap_or_else(JsValue::from)
}

fn answer<T: Serialize>(result: Result<T, Error>) -> Result<JsValue, JsValue> {
    result.as_ref().map(write).map_err(write)
}

/// See [`crate::plan_from_values`].
#[cfg(feature = "subscribe")]
#[wasm_bindgen]
pub fn plan(templates: JsValue, setting: JsValue, options: JsValue, answered: JsValue) -> Result<JsValue, JsValue> {
    let (t, s, o, a) = (read(&templates)?, read(&setting)?, read(&options)?, read(&answered)?);
    answer(crate::plan_from_values(&t, &s, &o, &a))
}

/// See [`crate::interpret_from_values`].
#[cfg(feature = "subscribe")]
#[wasm_bindgen(js_name = interpretResult)]
pub fn interpret_result(batch: JsValue, result: JsValue) -> Result<JsValue, JsValue> {
    let (b, r) = (read(&batch)?, read(&result)?);
    answer(crate::interpret_from_values(&b, &r))
}

/// See [`crate::describe_from_values`].
#[cfg(feature = "send")]
#[wasm_bindgen(js_name = describeTemplate)]
pub fn describe_template(template: JsValue) -> Result<JsValue, JsValue> {
    answer(crate::describe_from_values(&read(&template)?))
}

/// See [`crate::check_from_values`].
#[cfg(feature = "send")]
#[wasm_bindgen(js_name = checkData)]
pub fn check_data(template: JsValue, data: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (t, d, o) = (read(&template)?, read(&data)?, read(&options)?);
    answer(crate::check_from_values(&t, &d, &o))
}

/// See [`crate::payload_from_values`].
#[cfg(feature = "send")]
#[wasm_bindgen(js_name = buildPayload)]
pub fn build_payload(template: JsValue, request: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (t, r, o) = (read(&template)?, read(&request)?, read(&options)?);
    answer(crate::payload_from_values(&t, &r, &o))
}

/// See [`crate::send_result_from_values`].
#[cfg(feature = "send")]
#[wasm_bindgen(js_name = interpretSend)]
pub fn interpret_send(response: JsValue) -> Result<JsValue, JsValue> {
    answer(crate::send_result_from_values(&read(&response)?))
}

/// The crate's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

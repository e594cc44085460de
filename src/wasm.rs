//! The wasm boundary (public so `wasm-pack test` can call it). Each export
//! crosses once each way: it takes the JSON text of the call's arguments as
//! UTF-16 code units (one copy into wasm memory, made by the JS side after it
//! measured the input; `plan` also takes a typed array of numbers, see
//! [`crate::registry`]) and gives back the answer's JSON text, `{"ok":...}` or
//! `{"error":{code, kind, message, advice, ...}}`, which the JS side decodes
//! with native calls; `plan`, `interpretResult` and `remember`, which a page
//! calls after every answer, answer numbers instead (see [`crate::numbers`]),
//! and `remember` takes only numbers (see [`crate::memory::merge_from_codes`]).
//! Nothing here calls into JS, so no JS value (a throwing getter, a revoked
//! Proxy) can unwind through wasm frames. No logic lives here.

#[cfg(feature = "subscribe")]
use crate::arena::{self, scratch};
use crate::error::Error;
use crate::json;
#[cfg(feature = "subscribe")]
use crate::numbers;
use crate::value::Value;
#[cfg(feature = "send")]
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Reads the arguments, calls `f`, writes the answer with serde (the send
/// side: the page's module writes its answers with [`json::Direct`] or as numbers).
#[cfg(feature = "send")]
fn call<T: Serialize>(input: &[u16], f: impl FnOnce(&Value) -> Result<T, Error>) -> Box<[u16]> {
    call_with(json::writer::answer, || json::read(input), f)
}

/// [`call`], with the arguments read by `read` and the answer written by
/// `answer`. In the page's module all of it is in the call's scratch memory
/// (see [`arena`]).
fn call_with<T, U>(answer: fn(&Result<T, Error>) -> Vec<U>, read: impl FnOnce() -> Result<Value, Error>, f: impl FnOnce(&Value) -> Result<T, Error>) -> Box<[U]> {
    scratch(|| {
        let mut args = None;
        let result = read().and_then(|read| f(args.insert(read)));
        let answer = answer(&result);
        if cfg!(feature = "subscribe") {
            // The next call clears the arena at once: freeing the tree and the
            // answered value node by node would only cost time, and code to
            // walk them. An error is dropped: it may be in lasting memory
            // (a list that failed to register).
            std::mem::forget((args, result.ok()));
        }
        answer.into_boxed_slice()
    })
}

/// The send module has no arena: it is off the tap path, and the arena
/// would cost it a quarter of a KiB ([`crate::blocks`] serve it directly).
#[cfg(not(feature = "subscribe"))]
fn scratch<R>(call: impl FnOnce() -> R) -> R {
    call()
}

#[cfg(feature = "subscribe")]
thread_local! {
    static TEMPLATES: std::cell::RefCell<crate::registry::Registry> = const { std::cell::RefCell::new(crate::registry::Registry::new()) };
}

/// `[templates]`: see [`crate::registry::Registry::register`].
#[cfg(feature = "subscribe")]
#[wasm_bindgen(js_name = registerTemplates)]
pub fn register_templates(input: &[u16]) -> Box<[u16]> {
    // The list outlives the call: it is read and kept in lasting memory.
    TEMPLATES.with_borrow_mut(|registry| call_with(json::answer_direct, || json::read(input), |a| arena::lasting(|| registry.register(a.at(0)))))
}

/// `[handle, setting, options, answered, remembered, as_before?]`, and the
/// numbers: see [`crate::registry::Registry::layout`]. A plan whose arguments all have
/// numbers sends no text ([`crate::registry::head_args`]).
#[cfg(feature = "subscribe")]
#[wasm_bindgen]
pub fn plan(input: &[u16], codes: &[f64]) -> Box<[f64]> {
    let read = || if input.is_empty() { crate::registry::head_args(codes) } else { json::read(input) };
    TEMPLATES.with_borrow(|registry| call_with(|r| numbers::answer(r, crate::Layout::numbers), read, |a| registry.layout(a, codes)))
}

/// `[batch, result's own members, answers, asked]`: see
/// [`crate::interpret_positions`]; the answer names templates by position
/// (see [`numbers::answers`]).
#[cfg(feature = "subscribe")]
#[wasm_bindgen(js_name = interpretResult)]
pub fn interpret_result(input: &[u16]) -> Box<[f64]> {
    call_with(|r| numbers::answer(r, numbers::answers), || json::read(input), |a| crate::interpret_positions(a.at(0), a.at(1), a.at(2), a.at(3)))
}

/// The numbers of [`crate::memory::merge_from_codes`]; the record comes
/// back as numbers (see [`numbers::record`]).
#[cfg(feature = "subscribe")]
#[wasm_bindgen]
pub fn remember(codes: &[f64]) -> Box<[f64]> {
    call_with(|r| numbers::answer(r, numbers::record), || Ok(Value::Null), |_| crate::memory::merge_from_codes(codes))
}

/// `[template]`: see [`crate::describe_from_values`].
#[cfg(feature = "send")]
#[wasm_bindgen(js_name = describeTemplate)]
pub fn describe_template(input: &[u16]) -> Box<[u16]> {
    call(input, |a| crate::describe_from_values(a.at(0)))
}

/// `[template, data, options]`: see [`crate::check_from_values`].
#[cfg(feature = "send")]
#[wasm_bindgen(js_name = checkData)]
pub fn check_data(input: &[u16]) -> Box<[u16]> {
    call(input, |a| crate::check_from_values(a.at(0), a.at(1), a.at(2)))
}

/// `[template, request, options]`: see [`crate::payload_from_values`].
#[cfg(feature = "send")]
#[wasm_bindgen(js_name = buildPayload)]
pub fn build_payload(input: &[u16]) -> Box<[u16]> {
    call(input, |a| crate::payload_from_values(a.at(0), a.at(1), a.at(2)))
}

/// `[response]`: see [`crate::send_result_from_values`].
#[cfg(feature = "send")]
#[wasm_bindgen(js_name = interpretSend)]
pub fn interpret_send(input: &[u16]) -> Box<[u16]> {
    call(input, |a| crate::send_result_from_values(a.at(0)))
}

/// The crate's version, as an answer (`{"ok":"0.1.0"}`).
#[wasm_bindgen]
pub fn version() -> Box<[u16]> {
    scratch(|| json::answer_direct::<&str>(&Ok(env!("CARGO_PKG_VERSION"))).into_boxed_slice())
}

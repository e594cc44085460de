#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// Errors are values that carry their code, kind, message, advice and the
// user's sentence; they are made once per failed call, never in a loop.
#![allow(clippy::result_large_err)]

/// Gives a fieldless enum its names (in declaration order) as `name()`, and
/// serializes each value as its name: one table lookup, smaller in wasm than a
/// derived match per variant.
macro_rules! named {
    ($ty:ty, [$($name:literal),+ $(,)?]) => {
        impl $ty {
            /// Every value's name, in declaration order: a value's number is its index here.
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// The name this value has in JS.
            pub fn name(self) -> &'static str {
                Self::NAMES.get(self as usize).copied().unwrap_or("")
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }
    };
}

#[cfg(all(target_arch = "wasm32", feature = "subscribe"))]
mod arena;
#[cfg(target_arch = "wasm32")]
mod blocks;
pub mod error;
mod index;
mod state;
mod text;
// The wire: what crosses the wasm boundary, used by `wasm.rs` (built for
// wasm32 only), so a native build uses only part of it. The numbers layouts
// and the registry are the page module's alone (feature `subscribe`).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod json;
pub mod memory;
#[cfg(feature = "subscribe")]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod numbers;
pub mod options;
pub mod outcome;
pub mod plan;
#[cfg(feature = "subscribe")]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod registry;
/// The fixed sizes of the page module's numbers layouts, for the build's
/// generator of the JS side's names (`js-names`, which writes them into
/// `js/lib/names.js`): not an API.
#[cfg(feature = "subscribe")]
#[doc(hidden)]
pub mod layout_sizes {
    pub use crate::registry::{ANSWER_BASE, CODES_PER_TEMPLATE, KEPT_LISTS, MAX_CODED_ANSWERS, PLAN_HEAD};
}
pub mod send;
pub mod setting;
pub mod template;
pub mod value;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, ErrorKind, Failure};
pub use memory::{Change, Record, Remembered};
pub use options::{PlanOptions, Platform, Version};
pub use outcome::{interpret_fail, interpret_result, Outcome, Status, TemplateResult};
pub use plan::{layout, plan, Advice, Batch, Layout, Plan, PlannedTemplate, TemplateState};
pub use json::{MAX_INPUT_UNITS, MAX_STRING_UNITS};
pub use setting::{KeptChoice, SubscriptionsSetting};
pub use template::{Template, TemplateKind};
pub use value::Value;

// The Rust examples in docs/ run as doc tests, like the README's.
#[cfg(doctest)]
#[doc = include_str!("../docs/rust.md")]
struct RustDoc;
#[cfg(doctest)]
#[doc = include_str!("../docs/sending.md")]
struct SendingDoc;

/// Reads JSON text as the wasm modules read a page's input: within the same
/// caps ([`MAX_INPUT_UNITS`], [`MAX_STRING_UNITS`], 24 levels of nesting),
/// whole numbers exact up to 2^53. The send server reads WeChat's answers so.
pub fn read_json(text: &str) -> Result<Value, Error> {
    let units: Vec<u16> = text.encode_utf16().collect();
    json::read(&units)
}

/// Plans from input exactly as a page holds it: the app's template list, the
/// `subscriptionsSetting` of `wx.getSetting`, the options, what this round
/// already answered and the record earlier visits left (see [`memory`];
/// `null` for each of the last four is fine).
pub fn plan_from_values(templates: &Value, setting: &Value, options: &Value, answered: &Value, remembered: &Value) -> Result<Plan, Error> {
    let templates = template::parse_templates(templates)?;
    let (setting, options) = (setting::parse_setting(setting)?, options::parse_options(options)?);
    plan(&templates, &setting, &options, &plan::parse_answered(answered)?, &Record::read(remembered))
}

/// Interprets what a request's `success` or `fail` callback received, for the
/// batch it asked for (see [`interpret_batch`]).
pub fn interpret_from_values(batch: &Value, result: &Value) -> Result<Outcome, Error> {
    Ok(interpret_batch(batch, result)?.named())
}

/// [`interpret_from_values`] as [`outcome::Answers`], which keep the ids read.
pub fn interpret_batch(batch: &Value, result: &Value) -> Result<outcome::Answers, Error> {
    Ok(outcome::interpret_ids(outcome::parse_batch_ids(batch)?, result)?.for_batch(batch))
}

/// [`interpret_from_values`] for a request named by position, as the JS
/// `interpretResult()` calls it (see [`outcome::interpret_answers`]): `batch`
/// gives the kind, `result` the result's own members, `answers` the answer
/// for each id in order. `asked`, unless `null`, is the batch as the page gave
/// it, whose ids are checked first as [`interpret_from_values`] checks them
/// (the JS side passes it when it could not read them as template ids itself).
pub fn interpret_positions(batch: &Value, result: &Value, answers: &Value, asked: &Value) -> Result<outcome::Answers, Error> {
    if !matches!(asked, Value::Null) {
        outcome::batch_ids(asked)?;
    }
    Ok(outcome::interpret_answers(result, answers)?.for_batch(batch))
}

/// Describes a template for sending: its keywords, their types and labels.
/// This is what the JS `describeTemplate()` calls.
pub fn describe_from_values(template: &Value) -> Result<send::SendTemplate, Error> {
    send::parse_send_template(template)
}

/// Checks a message's `data` against its template; every broken rule is a
/// violation with a suggested fix. This is what the JS `checkData()` calls.
pub fn check_from_values(template: &Value, data: &Value, options: &Value) -> Result<send::DataCheck, Error> {
    let (_, options) = send::parse_send_options(options)?;
    Ok(send::check_data(&send::parse_send_template(template)?, data, &options))
}

/// Builds the body of `subscribeMessage.send` for the HTTPS or the cloud path.
/// This is what the JS `buildPayload()` calls.
pub fn payload_from_values(template: &Value, request: &Value, options: &Value) -> Result<send::Built, Error> {
    let (path, options) = send::parse_send_options(options)?;
    send::build_payload(&send::parse_send_template(template)?, request, path, &options)
}

/// Interprets what `subscribeMessage.send` answered. This is what the JS `interpretSend()` calls.
pub fn send_result_from_values(response: &Value) -> Result<send::Sent, Error> {
    send::interpret_send(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kebab(debug: &str) -> String {
        let mut out = String::new();
        for (i, c) in debug.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    #[test]
    fn every_name_is_the_kebab_case_of_its_variant() {
        for k in ErrorKind::ALL {
            assert_eq!(k.name(), kebab(&format!("{k:?}")));
            assert!(k.user_message().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{k:?} has a Chinese sentence");
        }
        for s in Status::ALL {
            assert_eq!(s.name(), kebab(&format!("{s:?}")));
        }
        for s in TemplateState::ALL {
            assert_eq!(s.name(), kebab(&format!("{s:?}")));
        }
        for k in [TemplateKind::OneTime, TemplateKind::LongTerm, TemplateKind::Device] {
            assert_eq!(k.name(), kebab(&format!("{k:?}")));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.name()));
        }
    }
}

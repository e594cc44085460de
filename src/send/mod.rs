//! The send side: a template's keywords, checking `data` against their rules
//! before sending, the body of `subscribeMessage.send` for both send paths, and
//! what WeChat answered. The same code runs in the page (a live preview), in a
//! cloud function (the Node build) and natively in a Rust server.

pub mod check;
pub mod payload;
pub mod response;
pub mod rules;
pub mod template;

pub use check::{check_data, format_timestamp, normalise, CheckOptions, DataCheck, Violation};
pub use payload::{build_payload, Built, Payload, SendPath};
pub use response::{interpret_send, Sent};
pub use template::{parse_send_template, Keyword, KeywordType, SendTemplate};

use crate::error::Error;
use crate::value::Value;

const OPTIONS_ADVICE: &str = "send options are { via: 'https' | 'cloud', normalise: bool, utcOffsetMinutes: number }, all optional";

/// Reads send options: `{ via?: 'https' | 'cloud', normalise?: bool, utcOffsetMinutes?: number }`.
pub fn parse_send_options(value: &Value) -> Result<(SendPath, CheckOptions), Error> {
    let mut options = CheckOptions::default();
    if matches!(value, Value::Null) {
        return Ok((SendPath::Https, options));
    }
    if !matches!(value, Value::Object(_)) {
        return Err(Error::shape("send-options-bad", "send options", "an object", value, OPTIONS_ADVICE));
    }
    let path = match value.get("via").map(|v| v.as_str()) {
        None | Some(Some("https")) => SendPath::Https,
        Some(Some("cloud")) => SendPath::Cloud,
        Some(_) => return Err(Error::input("send-options-bad", "options.via must be 'https' or 'cloud'".into(), OPTIONS_ADVICE)),
    };
    match value.get("normalise") {
        None => {}
        Some(Value::Bool(b)) => options.normalise = *b,
        Some(other) => return Err(Error::shape("send-options-bad", "options.normalise", "a boolean", other, OPTIONS_ADVICE)),
    }
    match value.get("utcOffsetMinutes") {
        None => {}
        Some(Value::Number(n)) if n.fract() == 0.0 && n.abs() <= 1440.0 => options.utc_offset_minutes = *n as i32,
        Some(other) => return Err(Error::shape("send-options-bad", "options.utcOffsetMinutes", "whole minutes from -1440 to 1440", other, OPTIONS_ADVICE)),
    }
    Ok((path, options))
}

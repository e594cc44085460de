//! What `subscribeMessage.send` answered (HTTPS `{ errcode, errmsg, msgid }`,
//! or a cloud call's `{ errCode, errMsg }`), as an error value or the message id.

use crate::error::{from_wechat, wechat_answer, Error, ErrorKind, Known};
use crate::text::decimal;
use crate::value::{quote, Value};
use serde::Serialize;

/// A message WeChat accepted.
///
/// A numeric `msgid` past 2^53 has lost digits by the time JSON.parse made it a
/// number; it is left out rather than given wrong. Parse it as a string to keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sent {
    /// The message id, as digits, when WeChat gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msgid: Option<String>,
}

use ErrorKind as K;

/// docs/wechat.md section 5: the send errors.
const SEND_FAILURES: &[Known] = &[
    Known(Some(40003), "", "bad-openid", K::Input, false,
        "touser is empty or not an openid of this mini-program",
        "send to the openid of the user who subscribed (cloud.getWXContext().OPENID in a cloud function)"),
    Known(Some(40037), "", "bad-template-id", K::Template, false,
        "the template id is empty or wrong",
        "use the priTmplId from getTemplateList"),
    Known(Some(43101), "", "no-quota", K::Quota, false,
        "the user refused, or has no send left for this template",
        "ask the user to subscribe again (each accepted one-time subscription allows one send)"),
    Known(Some(47003), "", "bad-data", K::Input, false,
        "a value broke its keyword's rule",
        "check the values with checkData before sending; the field is named in `field`"),
    Known(Some(41030), "", "page-not-released", K::Input, false,
        "the page is not in the released version of the mini-program",
        "use a page from app.json of the released version, relative to the root (pages/index/index)"),
    Known(Some(40001), "", "token-invalid", K::Token, true,
        "the access token is invalid",
        "refresh the access token once, then retry once"),
    Known(Some(42001), "", "token-expired", K::Token, true,
        "the access token has expired",
        "refresh the access token once, then retry once"),
    Known(Some(45009), "", "daily-limit", K::Limit, false,
        "the daily send limit is reached",
        "send again tomorrow"),
];

/// Interprets a send response: `Ok` with the msgid for errcode 0, else the error
/// (`no-quota` for 43101, `bad-data` with the `field` parsed out of a 47003's errmsg, ...).
pub fn interpret_send(response: &Value) -> Result<Sent, Error> {
    if !matches!(response, Value::Object(_)) {
        return Err(Error::shape("send-response-bad", "the send response", "an object", response,
            "pass the JSON WeChat answered, or the error a cloud call threw"));
    }
    let (err_code, err_msg) = wechat_answer(response);
    if err_code == Some(0) {
        let msgid = match response.get("msgid").or_else(|| response.get("msgId")) {
            Some(Value::String(s)) => Some(s.clone()),
            // Past 2^53 a number has already lost digits in JSON.parse: none is better than wrong.
            Some(Value::Number(n)) if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0 => Some(decimal(*n as i64)),
            _ => None,
        };
        return Ok(Sent { msgid });
    }
    let field = err_msg.as_deref().and_then(bad_field);
    let mut error = from_wechat(SEND_FAILURES, err_code, err_msg);
    if let Some(field) = field {
        error.message = [&error.message, ": ", &quote(&field)].concat();
        error.field = Some(field);
    }
    Err(error)
}

/// The field a 47003 names: `argument invalid! data.thing7.value invalid` -> `data.thing7.value`.
fn bad_field(err_msg: &str) -> Option<String> {
    err_msg
        .split(|c: char| c.is_whitespace() || c == ',' || c == '!')
        .find(|word| word.starts_with("data.") || word == &"touser" || word == &"page" || word == &"template_id")
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Sent, Error> {
        interpret_send(&serde_json::from_str(text).unwrap())
    }

    #[test]
    fn errcode_0_is_sent_with_its_msgid() {
        assert_eq!(read(r#"{"errcode":0,"errmsg":"ok","msgid":2944022981100519}"#).unwrap().msgid.as_deref(), Some("2944022981100519"));
        assert_eq!(read(r#"{"errcode":0,"errmsg":"ok","msgid":294402298110051942}"#).unwrap().msgid, None, "digits already lost");
        assert_eq!(read(r#"{"errcode":0,"errmsg":"ok","msgid":"294402298110051942"}"#).unwrap().msgid.as_deref(), Some("294402298110051942"));
        assert_eq!(read(r#"{"errCode":0,"errMsg":"openapi.subscribeMessage.send:ok"}"#).unwrap(), Sent { msgid: None });
    }

    #[test]
    fn every_send_error_maps_to_its_kind() {
        let table: &[(i32, &str, ErrorKind, bool)] = &[
            (40003, "bad-openid", K::Input, false), (40037, "bad-template-id", K::Template, false),
            (43101, "no-quota", K::Quota, false), (47003, "bad-data", K::Input, false),
            (41030, "page-not-released", K::Input, false), (40001, "token-invalid", K::Token, true),
            (42001, "token-expired", K::Token, true), (45009, "daily-limit", K::Limit, false),
        ];
        for &(code, name, kind, retryable) in table {
            let e = read(&format!(r#"{{"errcode":{code},"errmsg":"x"}}"#)).unwrap_err();
            assert_eq!((e.code, e.kind, e.retryable, e.err_code), (name, kind, retryable, Some(code)), "{code}");
        }
    }

    #[test]
    fn a_47003_names_the_field_from_errmsg() {
        let e = read(r#"{"errcode":47003,"errmsg":"argument invalid! data.thing7.value invalid rid: 6461"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("data.thing7.value"));
        assert!(e.message.ends_with(": data.thing7.value"), "{}", e.message);
    }

    #[test]
    fn cloud_call_errors_and_unknown_codes_keep_the_raw_values() {
        let e = read(r#"{"errCode":43101,"errMsg":"openapi.subscribeMessage.send:fail user refuse to accept the msg"}"#).unwrap_err();
        assert_eq!(e.kind, K::Quota);
        let e = read(r#"{"errCode":-604101,"errMsg":"function has no permission to call this API"}"#).unwrap_err();
        assert_eq!((e.code, e.kind, e.err_code), ("unknown", K::Unknown, Some(-604101)));
        assert!(e.message.contains("-604101"));
        assert_eq!(read("5").unwrap_err().code, "send-response-bad");
    }
}

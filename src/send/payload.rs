//! The body of `subscribeMessage.send`, for both send paths, built only from
//! values that keep their rules.

use super::check::{check_data, Change, CheckOptions, Data, DataCheck};
use super::template::SendTemplate;
use crate::error::Error;
use crate::value::{quote, Value};
use serde::Serialize;

/// Which API sends: HTTPS (`template_id`, `miniprogram_state`) or a cloud
/// function's `cloud.openapi.subscribeMessage.send` (`templateId`, `miniprogramState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendPath {
    /// `POST .../cgi-bin/message/subscribe/send?access_token=...`
    Https,
    /// `cloud.openapi.subscribeMessage.send`
    Cloud,
}

/// The send body. Serializes with the field names of its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// Which path's field names to use.
    pub path: SendPath,
    /// The receiver's openid.
    pub touser: String,
    /// The template id.
    pub template_id: String,
    /// A page of this mini-program, with an optional query.
    pub page: Option<String>,
    /// The keyword values.
    pub data: Data,
    /// `developer`, `trial` or `formal`.
    pub miniprogram_state: Option<String>,
    /// `zh_CN`, `en_US`, `zh_HK` or `zh_TW`.
    pub lang: Option<String>,
}

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let cloud = self.path == SendPath::Cloud;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("touser", &self.touser)?;
        map.serialize_entry(if cloud { "templateId" } else { "template_id" }, &self.template_id)?;
        if let Some(page) = &self.page {
            map.serialize_entry("page", page)?;
        }
        map.serialize_entry("data", &self.data)?;
        if let Some(state) = &self.miniprogram_state {
            map.serialize_entry(if cloud { "miniprogramState" } else { "miniprogram_state" }, state)?;
        }
        if let Some(lang) = &self.lang {
            map.serialize_entry("lang", lang)?;
        }
        map.end()
    }
}

/// The payload and what the normalisers changed on the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Built {
    /// The body to send.
    pub payload: Payload,
    /// Values the normalisers changed.
    pub changes: Vec<Change>,
}

const REQUEST_ADVICE: &str = "pass { touser, templateId, page?, data, miniprogramState?, lang? }";

fn text_field<'a>(request: &'a Value, names: &[&str], what: &str, needed: bool) -> Result<Option<&'a str>, Error> {
    match names.iter().find_map(|n| request.get(n)) {
        None if needed => Err(Error::input("send-missing-field", [what, " is missing"].concat(), REQUEST_ADVICE)),
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Error::shape("send-bad-field", what, "a string", other, REQUEST_ADVICE)),
    }
}

fn one_of(value: Option<&str>, allowed: &[&str], what: &str, code: &'static str) -> Result<Option<String>, Error> {
    match value {
        Some(v) if !allowed.contains(&v) => Err(Error::input(code, [what, " '", &quote(v), "' is not one of ", &allowed.join(", ")].concat(), REQUEST_ADVICE)),
        v => Ok(v.map(str::to_owned)),
    }
}

/// An openid: 1 to 64 letters, digits, `-` or `_` (WeChat's are 28).
fn check_openid(openid: &str) -> Result<(), Error> {
    let ok = !openid.is_empty() && openid.len() <= 64 && openid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        return Ok(());
    }
    Err(Error::input("send-bad-openid", ["touser '", &quote(openid), "' is not an openid"].concat(),
        "use the receiver's openid: in a cloud function, cloud.getWXContext().OPENID"))
}

/// A page path relative to the mini-program root, with an optional query: `pages/order/detail?id=1`.
fn check_page(page: &str) -> Result<(), Error> {
    let (path, _query) = page.split_once('?').unwrap_or((page, ""));
    let segment_ok = |s: &str| !s.is_empty() && s != "." && s != ".." && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if path.split('/').all(segment_ok) {
        return Ok(());
    }
    Err(Error::input("send-bad-page", ["page '", &quote(page), "' is not a page path of this mini-program"].concat(),
        "write it relative to the root, without a leading /, like pages/order/detail?id=1; it must be in the released version (else 41030)"))
}

/// Builds the send body for `request` (`{ touser, templateId, page?, data,
/// miniprogramState?, lang? }`, snake_case names work too). Fails with
/// `data-invalid`, naming every violation, unless every value keeps its rule.
pub fn build_payload(template: &SendTemplate, request: &Value, path: SendPath, options: &CheckOptions) -> Result<Built, Error> {
    if !matches!(request, Value::Object(_)) {
        return Err(Error::shape("send-bad-request", "the send request", "an object", request, REQUEST_ADVICE));
    }
    let touser = text_field(request, &["touser"], "touser", true)?.unwrap_or("");
    check_openid(touser)?;
    let template_id = text_field(request, &["templateId", "template_id"], "templateId", template.id.is_none())?
        .map(str::to_owned)
        .or_else(|| template.id.clone())
        .unwrap_or_default();
    let page = text_field(request, &["page"], "page", false)?;
    if let Some(page) = page {
        check_page(page)?;
    }
    let state = text_field(request, &["miniprogramState", "miniprogram_state"], "miniprogramState", false)?;
    let miniprogram_state = one_of(state, &["developer", "trial", "formal"], "miniprogramState", "send-bad-state")?;
    let lang = one_of(text_field(request, &["lang"], "lang", false)?, &["zh_CN", "en_US", "zh_HK", "zh_TW"], "lang", "send-bad-lang")?;
    let DataCheck { ok, data, violations, changes } = check_data(template, request.get("data").unwrap_or(&Value::Null), options);
    if !ok {
        let listed: Vec<&str> = violations.iter().map(|v| v.message.as_str()).collect();
        return Err(Error::input("data-invalid", listed.join("; "),
            "fix these values (checkData gives each with a suggested fix), or pass normalise: true for the fixable ones"));
    }
    let payload = Payload { path, touser: touser.to_owned(), template_id, page: page.map(str::to_owned), data, miniprogram_state, lang };
    Ok(Built { payload, changes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::send::template::parse_send_template;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn template() -> SendTemplate {
        parse_send_template(&json(r#"{"priTmplId":"TPL","content":"下单时间:{{date2.DATA}}\n商品名称:{{thing4.DATA}}"}"#)).unwrap()
    }

    const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

    fn build(request: &str, path: SendPath) -> Result<String, Error> {
        build_payload(&template(), &json(request), path, &CheckOptions::default()).map(|b| serde_json::to_string(&b.payload).unwrap())
    }

    #[test]
    fn https_and_cloud_bodies_use_their_own_field_names() {
        let request = format!(r#"{{"touser":"{OPENID}","page":"pages/order/detail?id=1","data":{{"date2":"2015年01月05日","thing4":"阿里巴巴"}},"miniprogramState":"trial","lang":"zh_CN"}}"#);
        assert_eq!(build(&request, SendPath::Https).unwrap(), format!(
            r#"{{"touser":"{OPENID}","template_id":"TPL","page":"pages/order/detail?id=1","data":{{"date2":{{"value":"2015年01月05日"}},"thing4":{{"value":"阿里巴巴"}}}},"miniprogram_state":"trial","lang":"zh_CN"}}"#));
        let cloud = build(&request, SendPath::Cloud).unwrap();
        assert!(cloud.contains(r#""templateId":"TPL""#) && cloud.contains(r#""miniprogramState":"trial""#), "{cloud}");
    }

    #[test]
    fn bad_values_fail_with_every_violation_named() {
        let request = format!(r#"{{"touser":"{OPENID}","data":{{"date2":"tomorrow","thing4":""}}}}"#);
        let e = build(&request, SendPath::Https).unwrap_err();
        assert_eq!(e.code, "data-invalid");
        assert!(e.message.contains("data.date2 ") && e.message.contains("data.thing4 is empty"), "{}", e.message);
    }

    #[test]
    fn openid_page_state_and_lang_are_checked() {
        let data = r#""data":{"date2":"2015-01-05","thing4":"x"}"#;
        let code = |extra: &str| build(&format!("{{{data},{extra}}}"), SendPath::Https).err().map_or("ok", |e| e.code);
        assert_eq!(code(&format!(r#""touser":"{OPENID}""#)), "ok");
        assert_eq!(code(r#""touser":"not an openid""#), "send-bad-openid");
        assert_eq!(code(r#""lang":"zh_CN""#), "send-missing-field");
        for bad in ["/pages/index/index", "https://x.com/a", "pages//a", "../a", ""] {
            assert_eq!(code(&format!(r#""touser":"{OPENID}","page":"{bad}""#)), "send-bad-page", "{bad}");
        }
        assert_eq!(code(&format!(r#""touser":"{OPENID}","page":"index?foo=bar""#)), "ok");
        assert_eq!(code(&format!(r#""touser":"{OPENID}","miniprogramState":"beta""#)), "send-bad-state");
        assert_eq!(code(&format!(r#""touser":"{OPENID}","lang":"fr_FR""#)), "send-bad-lang");
        assert_eq!(code(&format!(r#""touser":"{OPENID}","template_id":"OTHER""#)), "ok");
    }

    #[test]
    fn a_template_without_id_needs_one_in_the_request() {
        let t = parse_send_template(&json(r#"{"content":"{{thing1.DATA}}"}"#)).unwrap();
        let request = json(&format!(r#"{{"touser":"{OPENID}","data":{{"thing1":"x"}}}}"#));
        let e = build_payload(&t, &request, SendPath::Https, &CheckOptions::default()).unwrap_err();
        assert_eq!(e.code, "send-missing-field");
    }
}

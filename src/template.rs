//! The app's templates: what the server may send, as the page passes them in.

use crate::error::Error;
use crate::text::decimal;
use crate::index::Index;
use crate::value::{quote, Value};
use serde::Serialize;

/// The kind of a template. WeChat refuses a request that mixes kinds (20002),
/// and the client cannot tell a template's kind: the app must pass it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TemplateKind {
    /// One accepted request allows one send (`getTemplateList` type 2). The default.
    OneTime,
    /// Long-term subscription, for public-service apps (`getTemplateList` type 3).
    LongTerm,
    /// A device message, asked with `wx.requestSubscribeDeviceMessage`.
    Device,
}

named!(TemplateKind, ["one-time", "long-term", "device"]);

impl TemplateKind {
    /// Reads a kind from its name or from `getTemplateList`'s `type` number.
    fn from_value(value: &Value) -> Option<TemplateKind> {
        match value {
            Value::String(s) => match s.as_str() {
                "one-time" => Some(TemplateKind::OneTime),
                "long-term" => Some(TemplateKind::LongTerm),
                "device" => Some(TemplateKind::Device),
                _ => None,
            },
            Value::Number(n) if *n == 2.0 => Some(TemplateKind::OneTime),
            Value::Number(n) if *n == 3.0 => Some(TemplateKind::LongTerm),
            _ => None,
        }
    }
}

/// One template the app may ask the user to subscribe to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    /// The template id (`priTmplId` in `getTemplateList`).
    pub id: String,
    /// The template's title. Two templates with the same title in one request
    /// come back as `filter`, so the planner keeps them apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// One-time, long-term or device.
    pub kind: TemplateKind,
    /// How many sends the page wants in hand (1 to [`MAX_WANT`], default 1):
    /// the template stays in the plan, tap by tap, until `have` and this
    /// round's accepts reach it (several reminders need several accepts).
    #[serde(skip)]
    pub want: u32,
    /// The sends in hand when the page opened, as the server counts them (default 0).
    #[serde(skip)]
    pub have: u32,
}

impl Template {
    /// A one-time template with no title, wanting one send.
    pub fn one_time(id: &str) -> Template {
        Template {
            id: id.to_owned(),
            title: None,
            kind: TemplateKind::OneTime,
            want: 1,
            have: 0,
        }
    }
}

/// The most sends a page may want in hand for one template (`want`).
pub const MAX_WANT: u32 = 10;

/// The most templates one list may have.
pub const MAX_TEMPLATES: usize = 10_000;

const TEMPLATES_ADVICE: &str = "pass an array of template ids, or of { id, title, kind } records \
     (kind: 'one-time', 'long-term' or 'device'); getTemplateList's { priTmplId, title, type } records work as they are";

/// Reads the app's template list: bare ids or `{ id, title?, kind? }` records
/// (`priTmplId` and `type` as returned by `getTemplateList` are understood too).
///
/// Duplicates, empty or non-string ids, non-string titles and unknown kinds are
/// errors naming the bad entry.
pub fn parse_templates(value: &Value) -> Result<Vec<Template>, Error> {
    let Value::Array(entries) = value else {
        return Err(Error::shape("templates-not-a-list", "templates", "an array", value, TEMPLATES_ADVICE));
    };
    if entries.len() > MAX_TEMPLATES {
        let message = ["the list has ", &decimal(entries.len() as i64), " templates, over the limit of ", &decimal(MAX_TEMPLATES as i64)].concat();
        return Err(Error::input("too-many-templates", message, "pass the templates this page asks for; an account has far fewer"));
    }
    let templates = entries.iter().enumerate().map(|(index, entry)| parse_entry(index, entry)).collect::<Result<Vec<_>, _>>()?;
    if let Some((first, repeat)) = Index::new(templates.iter().map(|t| t.id.as_str())).first_repeat() {
        let id = quote(&templates[repeat].id);
        let message = [&named(repeat, ""), " repeats the id '", &id, "' of ", &named(first, "")].concat();
        return Err(Error::input("template-duplicate-id", message, "list each template once"));
    }
    Ok(templates)
}

fn parse_entry(index: usize, entry: &Value) -> Result<Template, Error> {
    let (id, title, kind, counts) = match entry {
        Value::String(_) => (entry, None, None, (None, None)),
        Value::Object(_) => (
            entry.get("id").or_else(|| entry.get("priTmplId")).unwrap_or(&Value::Null),
            entry.get("title"),
            entry.get("kind").or_else(|| entry.get("type")),
            (entry.get("want"), entry.get("have")),
        ),
        other => {
            let expected = "a template id or a { id, title, kind } record";
            return Err(Error::shape("template-bad-entry", &named(index, ""), expected, other, TEMPLATES_ADVICE));
        }
    };
    let id = parse_id(index, id)?;
    let title = match title {
        None => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(other) => {
            return Err(Error::shape("template-bad-title", &named(index, ".title"), "a string", other, TEMPLATES_ADVICE))
        }
    };
    let kind = match kind {
        None => TemplateKind::OneTime,
        Some(k) => TemplateKind::from_value(k).ok_or_else(|| {
            let message = [&named(index, ".kind "), &shown(k), " is not 'one-time', 'long-term', 'device', 2 or 3"].concat();
            Error::input("template-bad-kind", message, TEMPLATES_ADVICE)
        })?,
    };
    let want = count(index, ".want", counts.0, 1, MAX_WANT)?;
    let have = count(index, ".have", counts.1, 0, u32::MAX)?;
    Ok(Template { id, title, kind, want, have })
}

/// A whole number from `min` to `max`, or `default` when absent.
fn count(index: usize, field: &str, value: Option<&Value>, default: u32, max: u32) -> Result<u32, Error> {
    match value {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) if n.fract() == 0.0 && *n >= f64::from(default) && *n <= f64::from(max) => Ok(*n as u32),
        Some(other) => {
            let message = [&named(index, field), " ", &shown(other), " is not a whole number from ", &decimal(default.into()), " to ", &decimal(max.into())].concat();
            Err(Error::input("template-bad-count", message, "want: the sends the page wants in hand (1 to 10); have: the sends in hand, from your server"))
        }
    }
}

fn parse_id(index: usize, id: &Value) -> Result<String, Error> {
    let Value::String(id) = id else {
        return Err(Error::shape("template-bad-id", &named(index, ".id"), "a string", id, TEMPLATES_ADVICE));
    };
    let problem = if id.is_empty() {
        " is empty"
    } else if id.chars().any(|c| c.is_whitespace() || c.is_control()) || id.len() > 128 {
        " has white space or control characters, or is over 128 bytes"
    } else {
        return Ok(id.clone());
    };
    Err(Error::input(
        "template-bad-id",
        [&named(index, ".id '"), &quote(id), "'", problem].concat(),
        "copy the template id from the admin console or from getTemplateList's priTmplId",
    ))
}

/// Names an entry of the list: `templates[2].kind`.
fn named(index: usize, field: &str) -> String {
    ["templates[", &decimal(index as i64), "]", field].concat()
}

/// A value as it appears in a message: strings quoted, others by type.
pub(crate) fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => ["'", &quote(s), "'"].concat(),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => decimal(*n as i64),
        other => other.describe().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Vec<Template>, Error> {
        parse_templates(&serde_json::from_str(json).unwrap())
    }

    #[test]
    fn bare_ids_are_one_time_templates() {
        let t = read(r#"["a","b"]"#).unwrap();
        assert_eq!(t, vec![Template::one_time("a"), Template::one_time("b")]);
    }

    #[test]
    fn records_carry_title_and_kind() {
        let t = read(r#"[{"id":"a","title":"订单通知","kind":"long-term"},{"id":"d","kind":"device"}]"#).unwrap();
        assert_eq!(t[0].title.as_deref(), Some("订单通知"));
        assert_eq!(t[0].kind, TemplateKind::LongTerm);
        assert_eq!(t[1].kind, TemplateKind::Device);
    }

    #[test]
    fn get_template_list_records_work_as_they_are() {
        let t = read(r#"[{"priTmplId":"x","title":"签到提醒","type":3,"content":"c"},{"priTmplId":"y","type":2}]"#).unwrap();
        assert_eq!(t[0].id, "x");
        assert_eq!(t[0].kind, TemplateKind::LongTerm);
        assert_eq!(t[1].kind, TemplateKind::OneTime);
    }

    #[test]
    fn duplicate_ids_name_both_entries() {
        let e = read(r#"["a","b","a"]"#).unwrap_err();
        assert_eq!(e.code, "template-duplicate-id");
        assert!(e.message.contains("templates[2]") && e.message.contains("templates[0]"), "{}", e.message);
    }

    #[test]
    fn empty_and_non_string_ids_are_errors() {
        assert_eq!(read(r#"[""]"#).unwrap_err().code, "template-bad-id");
        let e = read(r#"["a",{"id":5}]"#).unwrap_err();
        assert!(e.message.contains("templates[1].id must be a string, got a number"), "{}", e.message);
        let e = read(r#"["a",7]"#).unwrap_err();
        assert_eq!(e.code, "template-bad-entry");
        assert!(e.message.contains("templates[1]"));
        assert_eq!(read(r#"[" a"]"#).unwrap_err().code, "template-bad-id");
        assert_eq!(read(r#"[{"title":"t"}]"#).unwrap_err().code, "template-bad-id");
    }

    #[test]
    fn unknown_kinds_are_errors_naming_the_value() {
        let e = read(r#"[{"id":"a","kind":"forever"}]"#).unwrap_err();
        assert_eq!(e.code, "template-bad-kind");
        assert!(e.message.contains("'forever'"), "{}", e.message);
        assert_eq!(read(r#"[{"id":"a","type":5}]"#).unwrap_err().code, "template-bad-kind");
    }

    #[test]
    fn non_string_titles_are_errors() {
        assert_eq!(read(r#"[{"id":"a","title":3}]"#).unwrap_err().code, "template-bad-title");
    }

    #[test]
    fn want_and_have_are_whole_counts_in_range() {
        let t = read(r#"[{"id":"a","want":3,"have":1},"b"]"#).unwrap();
        assert_eq!((t[0].want, t[0].have, t[1].want, t[1].have), (3, 1, 1, 0));
        for bad in [r#"[{"id":"a","want":0}]"#, r#"[{"id":"a","want":11}]"#, r#"[{"id":"a","want":1.5}]"#, r#"[{"id":"a","have":-1}]"#, r#"[{"id":"a","want":"3"}]"#] {
            let e = read(bad).unwrap_err();
            assert_eq!(e.code, "template-bad-count", "{bad}");
            assert!(e.message.starts_with("templates[0]."), "{}", e.message);
        }
    }

    #[test]
    fn a_non_list_is_an_error() {
        let e = read(r#"{"a":1}"#).unwrap_err();
        assert_eq!(e.code, "templates-not-a-list");
        assert!(e.message.contains("got an object"));
    }
}

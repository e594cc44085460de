//! Checking a message's `data` against its template, with opt-in normalisers.

// See rules.rs: Problem is the failure path's value.
#![allow(clippy::result_large_err)]

use super::rules::{check, Problem};
use super::template::{KeywordType, SendTemplate};
use crate::text::decimal;
use crate::template::shown;
use crate::index::Index;
use crate::value::{quote, Value};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// How to check: strictly (values are never changed, the default), or with the
/// normalisers: trim white space, shorten a `thing` to 20 characters with an
/// ellipsis, format date/time keys given as timestamps (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckOptions {
    /// Apply the normalisers.
    pub normalise: bool,
    /// The offset from UTC, in minutes, that timestamps are formatted in (default 480, China).
    pub utc_offset_minutes: i32,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { normalise: false, utc_offset_minutes: 480 }
    }
}

/// One value that breaks its keyword's rule, or a key that is missing or unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The data key (`thing4`).
    pub key: String,
    /// The keyword type (`"thing"`), or `"data"` for missing and unknown keys.
    pub rule: &'static str,
    /// `"empty"`, `"too-long"`, `"bad-character"`, `"bad-format"`, `"not-in-enum"`,
    /// `"not-a-string"`, `"lone-surrogate"`, `"missing"` or `"unknown-key"`.
    pub code: &'static str,
    /// What is wrong, starting with `data.<key>`.
    pub message: String,
    /// A suggested fix.
    pub fix: String,
    /// What is wrong, in Chinese, for the user who typed the value.
    pub user_message: String,
    /// The value's length in characters, for length violations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// The allowed length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The first character that is not allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub character: Option<String>,
    /// The value corrected (shortened, or without the refused characters), where
    /// that can be done without guessing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// A value the normalisers changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The data key.
    pub key: String,
    /// The value as given (a timestamp as its digits).
    pub from: String,
    /// The value as it will be sent.
    pub to: String,
}

/// `data` as WeChat takes it: `{ key: { value } }`, in the template's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Data(pub Vec<(String, String)>);

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Entry<'a> {
            value: &'a str,
        }
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, &Entry { value })?;
        }
        map.end()
    }
}

/// The result of checking `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataCheck {
    /// Whether every value keeps its rule.
    pub ok: bool,
    /// The values to send (normalised when asked), as WeChat takes them.
    pub data: Data,
    /// Every broken rule, in the template's order, then unknown keys.
    pub violations: Vec<Violation>,
    /// What the normalisers changed.
    pub changes: Vec<Change>,
}

/// The sentence a user reads for a problem with a value of type `rule`.
fn user_message(rule: &str, p: &Problem) -> String {
    let count = |n: Option<usize>| decimal(n.unwrap_or(0) as i64);
    match p.code {
        "empty" | "missing" => "请填写这一项".to_owned(),
        "too-long" => ["太长了：", &count(p.length), " 个字，最多 ", &count(p.limit), " 个"].concat(),
        "bad-character" => ["不能包含「", &p.character.map(String::from).unwrap_or_default(), "」"].concat(),
        "bad-format" => ["格式不对（", KeywordType::from_name(rule).map_or("模板给定的格式", KeywordType::hint), "）"].concat(),
        "not-in-enum" => "只能填写模板给定的值".to_owned(),
        "lone-surrogate" => "含有无法显示的字符，请删掉后再试".to_owned(),
        "not-a-string" => "请填写文字".to_owned(),
        "unknown-key" => "模板里没有这一项".to_owned(),
        _ => "内容格式不对，请联系开发者".to_owned(),
    }
}

fn violation(key: &str, rule: &'static str, p: Problem) -> Violation {
    Violation {
        key: key.to_owned(),
        rule,
        code: p.code,
        user_message: user_message(rule, &p),
        message: ["data.", &quote(key), " ", &p.message].concat(),
        fix: p.fix,
        length: p.length.map(|n| n as u32),
        limit: p.limit.map(|n| n as u32),
        character: p.character.map(String::from),
        suggestion: p.suggestion,
    }
}

fn data_violation(key: &str, code: &'static str, message: &str, fix: String) -> Violation {
    violation(key, "data", Problem { code, message: message.to_owned(), fix, length: None, limit: None, character: None, suggestion: None })
}

/// Checks `data` (`{ key: { value } }`, or `{ key: value }`) against `template`.
/// Never fails: everything wrong is a [`Violation`]; `data` that is not an object is one too.
pub fn check_data(template: &SendTemplate, data: &Value, options: &CheckOptions) -> DataCheck {
    let mut result = DataCheck { ok: true, data: Data::default(), violations: Vec::new(), changes: Vec::new() };
    let Value::Object(members) = data else {
        let message = ["must be an object { key: { value } }, got ", data.describe()].concat();
        result.violations.push(data_violation("", "not-an-object", &message, "pass the message's data object".into()));
        result.ok = false;
        return result;
    };
    let given_keys = Index::new(members.iter().map(|(key, _)| key.as_str()));
    for keyword in &template.keywords {
        let rule = keyword.kind.name();
        let given = given_keys.first(&keyword.key).map(|i| &members[i].1).filter(|v| **v != Value::Null);
        let given = given.map(|v| v.get("value").unwrap_or(v));
        let Some(given) = given.filter(|v| !matches!(v, Value::Object(_))) else {
            let fix = ["add data.", &quote(&keyword.key), " = { value: ... }"].concat();
            result.violations.push(data_violation(&keyword.key, "missing", "is missing", fix));
            continue;
        };
        let value = match value_text(keyword.kind, given, options) {
            Ok(value) => value,
            Err(problem) => {
                result.violations.push(violation(&keyword.key, rule, problem));
                continue;
            }
        };
        let original = match given {
            Value::String(s) | Value::Unpaired(s) => s.clone(),
            other => shown(other),
        };
        if value != original {
            result.changes.push(Change { key: keyword.key.clone(), from: original, to: value.clone() });
        }
        if let Err(problem) = check(keyword.kind, &value, &keyword.choices) {
            result.violations.push(violation(&keyword.key, rule, problem));
        }
        result.data.0.push((keyword.key.clone(), value));
    }
    let template_keys = Index::new(template.keywords.iter().map(|k| k.key.as_str()));
    let mut unknown = members.iter().filter(|(key, _)| template_keys.first(key).is_none()).peekable();
    if unknown.peek().is_some() {
        let fix = ["remove it: the template's keys are ", &listed(template.keywords.iter().map(|k| k.key.as_str()))].concat();
        for (key, _) in unknown {
            result.violations.push(data_violation(key, "unknown-key", "is not a key of this template", fix.clone()));
        }
    }
    result.ok = result.violations.is_empty();
    result
}

/// Names for a message: the first ten, quoted short, then how many more.
fn listed<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = names.len();
    let mut text = names.take(10).map(quote).collect::<Vec<_>>().join(", ");
    if total > 10 {
        text.push_str(&[" and ", &decimal(total as i64 - 10), " more"].concat());
    }
    text
}

/// The text to send for one value, normalised when asked.
fn value_text(kind: KeywordType, given: &Value, options: &CheckOptions) -> Result<String, Problem> {
    let timestamp = matches!(kind, KeywordType::Date | KeywordType::Time);
    match given {
        Value::String(s) if options.normalise => Ok(normalise(kind, s)),
        Value::String(s) => Ok(s.clone()),
        // A lone surrogate (U+FFFD here) cannot be sent: normalising drops it, strictly it is a violation.
        Value::Unpaired(s) if options.normalise => Ok(normalise(kind, &s.replace(char::REPLACEMENT_CHARACTER, ""))),
        Value::Unpaired(s) => Err(Problem {
            code: "lone-surrogate",
            suggestion: Some(s.replace(char::REPLACEMENT_CHARACTER, "")),
            ..not_text("holds a lone surrogate (half of a UTF-16 pair, often from cutting a string inside an emoji), which WeChat cannot store", "remove it, or check with normalise: true, which drops it")
        }),
        Value::Number(ms) if options.normalise && timestamp => format_timestamp(*ms, options.utc_offset_minutes, kind == KeywordType::Time)
            .ok_or_else(|| not_text("is a timestamp outside the years 1970 to 9999", "pass milliseconds since 1970 (Date.now())")),
        Value::Number(n) if !timestamp && n.fract() == 0.0 && n.abs() < 1e15 => Ok(decimal(*n as i64)),
        other => Err(not_text(
            &["must be a string, got ", other.describe()].concat(),
            if timestamp { "pass a string, or a timestamp with normalise: true" } else { "pass the value as a string" },
        )),
    }
}

fn not_text(message: &str, fix: &str) -> Problem {
    Problem { code: "not-a-string", message: message.to_owned(), fix: fix.to_owned(), length: None, limit: None, character: None, suggestion: None }
}

/// Trims white space; shortens a `thing` to 20 characters, the last one an ellipsis.
pub fn normalise(kind: KeywordType, value: &str) -> String {
    let trimmed = value.trim();
    if kind == KeywordType::Thing && trimmed.chars().count() > 20 {
        return trimmed.chars().take(19).chain(Some('…')).collect();
    }
    trimmed.to_owned()
}

/// Formats a timestamp (milliseconds since 1970, UTC) at `offset_minutes` from UTC:
/// `2024-03-05`, or `2024-03-05 15:01` with `with_time`. `None` outside 1970 to 9999.
pub fn format_timestamp(ms: f64, offset_minutes: i32, with_time: bool) -> Option<String> {
    // 253402300800000 ms is 10000-01-01 UTC.
    let minutes = (ms / 60_000.0).floor() + f64::from(offset_minutes);
    if !(0.0..253_402_300_800_000.0).contains(&ms) || !(0.0..5.0e9).contains(&minutes) {
        return None;
    }
    let minutes = minutes as i64;
    let (year, month, day) = civil(minutes.div_euclid(1440));
    if year > 9999 {
        return None;
    }
    let two = |n: i64| if n < 10 { ["0", &decimal(n)].concat() } else { decimal(n) };
    let date = [&decimal(year), "-", &two(month), "-", &two(day)].concat();
    if !with_time {
        return Some(date);
    }
    let of_day = minutes.rem_euclid(1440);
    Some([&date, " ", &two(of_day / 60), ":", &two(of_day % 60)].concat())
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::send::template::parse_send_template;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn seed_001() -> SendTemplate {
        parse_send_template(&json(r#"{"content":"下单时间:{{date2.DATA}}\n商品名称:{{thing4.DATA}}\n订单号:{{character_string9.DATA}}"}"#)).unwrap()
    }

    #[test]
    fn seed_001_data_passes_as_sent() {
        let data = json(r#"{"date2":{"value":"2015年01月05日"},"thing4":{"value":"阿里巴巴"},"character_string9":{"value":"123456789"}}"#);
        let c = check_data(&seed_001(), &data, &CheckOptions::default());
        assert!(c.ok, "{:?}", c.violations);
        assert_eq!(c.data.0[1], ("thing4".to_owned(), "阿里巴巴".to_owned()));
        assert!(c.changes.is_empty());
    }

    #[test]
    fn violations_name_the_key_the_rule_the_length_and_a_fix() {
        let data = json(r#"{"date2":"明天","thing4":"一二三四五六七八九十一二三四五六七八九十一","character_string9":"订单1","note1":"x"}"#);
        let c = check_data(&seed_001(), &data, &CheckOptions::default());
        assert!(!c.ok);
        let seen: Vec<(&str, &str, &str)> = c.violations.iter().map(|v| (v.key.as_str(), v.rule, v.code)).collect();
        assert_eq!(seen, [
            ("date2", "date", "bad-format"),
            ("thing4", "thing", "too-long"),
            ("character_string9", "character_string", "bad-character"),
            ("note1", "data", "unknown-key"),
        ]);
        assert_eq!((c.violations[1].length, c.violations[1].limit), (Some(21), Some(20)));
        assert_eq!(c.violations[2].character.as_deref(), Some("订"));
        assert!(c.violations[1].message.starts_with("data.thing4 "));
        assert!(c.violations[3].fix.contains("date2, thing4, character_string9"));
        let told: Vec<&str> = c.violations.iter().map(|v| v.user_message.as_str()).collect();
        assert_eq!(told, ["格式不对（如 2019-10-01 或 2019年10月1日）", "太长了：21 个字，最多 20 个", "不能包含「订」", "模板里没有这一项"]);
    }

    #[test]
    fn missing_keys_and_non_string_values_are_violations() {
        let c = check_data(&seed_001(), &json(r#"{"date2":true,"thing4":12}"#), &CheckOptions::default());
        let seen: Vec<(&str, &str)> = c.violations.iter().map(|v| (v.key.as_str(), v.code)).collect();
        assert_eq!(seen, [("date2", "not-a-string"), ("character_string9", "missing")]);
        assert_eq!(c.data.0[0], ("thing4".to_owned(), "12".to_owned()), "whole numbers are taken as their digits");
        let c = check_data(&seed_001(), &json("[]"), &CheckOptions::default());
        assert_eq!(c.violations[0].code, "not-an-object");
    }

    #[test]
    fn strict_mode_never_changes_values() {
        let data = json(r#"{"date2":1700000000000,"thing4":"  一二三四五六七八九十一二三四五六七八九十一 ","character_string9":"A1"}"#);
        let c = check_data(&seed_001(), &data, &CheckOptions::default());
        assert!(c.changes.is_empty());
        assert_eq!(c.violations[0].code, "not-a-string");
        assert_eq!(c.violations[1].code, "too-long");
    }

    #[test]
    fn normalisers_trim_shorten_things_and_format_timestamps() {
        let data = json(r#"{"date2":1700000000000,"thing4":"  一二三四五六七八九十一二三四五六七八九十一 ","character_string9":" A1 "}"#);
        let c = check_data(&seed_001(), &data, &CheckOptions { normalise: true, utc_offset_minutes: 480 });
        assert!(c.ok, "{:?}", c.violations);
        assert_eq!(c.data.0[0].1, "2023-11-15");
        assert_eq!(c.data.0[1].1, "一二三四五六七八九十一二三四五六七八九…");
        assert_eq!(c.data.0[2].1, "A1");
        assert_eq!(c.changes.len(), 3);
    }

    #[test]
    fn timestamps_format_in_the_given_offset() {
        // 2023-11-14 22:13:20 UTC
        assert_eq!(format_timestamp(1_700_000_000_000.0, 0, true).as_deref(), Some("2023-11-14 22:13"));
        assert_eq!(format_timestamp(1_700_000_000_000.0, 480, true).as_deref(), Some("2023-11-15 06:13"));
        assert_eq!(format_timestamp(1_700_000_000_000.0, -300, false).as_deref(), Some("2023-11-14"));
        assert_eq!(format_timestamp(0.0, 0, true).as_deref(), Some("1970-01-01 00:00"));
        assert_eq!(format_timestamp(951_782_400_000.0, 0, false).as_deref(), Some("2000-02-29"));
        assert_eq!(format_timestamp(-1.0, 0, false), None);
        assert_eq!(format_timestamp(f64::NAN, 0, false), None);
        assert_eq!(format_timestamp(1e300, 0, false), None);
        assert_eq!(format_timestamp(253_402_300_799_999.0, 0, true).as_deref(), Some("9999-12-31 23:59"));
        assert_eq!(format_timestamp(253_402_300_799_999.0, 1, true), None, "past 9999 in that offset");
    }

    #[test]
    fn data_serializes_as_wechat_takes_it() {
        let data = Data(vec![("thing4".into(), "阿里巴巴".into())]);
        assert_eq!(serde_json::to_string(&data).unwrap(), r#"{"thing4":{"value":"阿里巴巴"}}"#);
    }
}

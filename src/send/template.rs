//! A template as the send side needs it: its keywords and their types, from
//! `getTemplateList`'s `content` (`订单号:{{character_string9.DATA}}`) and
//! `keywordEnumValueList`, or from an explicit list of keys with rules.

use crate::error::Error;
use crate::text::{decimal, find};
use crate::template::shown;
use crate::index::Index;
use crate::value::{quote, Value};
use serde::Serialize;

/// A keyword's type, named by its key's prefix: `thing4` is a `thing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeywordType {
    /// At most 20 characters of anything.
    Thing,
    /// At most 32 digits, decimals allowed.
    Number,
    /// At most 32 letters.
    Letter,
    /// At most 5 symbols.
    Symbol,
    /// At most 32 digits, letters or symbols.
    CharacterString,
    /// A 24-hour time, a date may come first; a range joined with `~`.
    Time,
    /// A date, a time may follow; a range joined with `~`.
    Date,
    /// A currency sign and at most 10 digits, decimals allowed, may end with 元.
    Amount,
    /// At most 17 digits or symbols.
    PhoneNumber,
    /// At most 8 characters; first and last may be Chinese, the rest letters or digits.
    CarNumber,
    /// At most 10 Chinese characters, or 20 letters/symbols; mixed counts as Chinese.
    Name,
    /// At most 5 Chinese characters.
    Phrase,
    /// One of the template's `keywordEnumValueList` values.
    Enum,
}

const TYPES: [(&str, KeywordType); 13] = [
    ("thing", KeywordType::Thing),
    ("number", KeywordType::Number),
    ("letter", KeywordType::Letter),
    ("symbol", KeywordType::Symbol),
    ("character_string", KeywordType::CharacterString),
    ("time", KeywordType::Time),
    ("date", KeywordType::Date),
    ("amount", KeywordType::Amount),
    ("phone_number", KeywordType::PhoneNumber),
    ("car_number", KeywordType::CarNumber),
    ("name", KeywordType::Name),
    ("phrase", KeywordType::Phrase),
    ("enum", KeywordType::Enum),
];

impl Serialize for KeywordType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl KeywordType {
    /// The type named `name` (`"character_string"`).
    pub fn from_name(name: &str) -> Option<KeywordType> {
        TYPES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// What a value of this type looks like, in Chinese, for an input's placeholder.
    pub fn hint(self) -> &'static str {
        use KeywordType as T;
        match self {
            T::Thing => "20 个字以内",
            T::Number => "32 位以内数字，可带小数",
            T::Letter => "32 个以内字母",
            T::Symbol => "5 个以内符号",
            T::CharacterString => "32 位以内数字、字母或符号",
            T::Time => "24 小时制，如 15:01",
            T::Date => "如 2019-10-01 或 2019年10月1日",
            T::Amount => "如 ¥128.50",
            T::PhoneNumber => "17 位以内数字或符号",
            T::CarNumber => "8 位以内车牌号，如 粤A12345",
            T::Name => "10 个汉字或 20 个字母以内",
            T::Phrase => "5 个以内汉字",
            T::Enum => "模板给定的值",
        }
    }

    /// A value this type's rule accepts, for previews and demo messages
    /// (an enum has none of its own: [`Keyword::example`] takes its first choice).
    pub fn example(self) -> &'static str {
        use KeywordType as T;
        match self {
            T::Thing => "wx-subscribe 演示",
            T::Number => "1",
            T::Letter => "demo",
            T::Symbol => "-",
            T::CharacterString => "DEMO-001",
            T::Time => "12:00",
            T::Date => "2026-01-01",
            T::Amount => "¥1.00",
            T::PhoneNumber => "10086",
            T::CarNumber => "粤A12345",
            T::Name => "演示用户",
            T::Phrase => "已完成",
            T::Enum => "",
        }
    }

    /// The type's name as WeChat writes it.
    pub fn name(self) -> &'static str {
        TYPES.iter().find(|(_, t)| *t == self).map_or("", |(n, _)| n)
    }

    /// The type a key names: its prefix before the digits (`thing4` -> thing).
    pub fn of_key(key: &str) -> Option<KeywordType> {
        let prefix = key.trim_end_matches(|c: char| c.is_ascii_digit());
        if prefix.len() == key.len() {
            return None;
        }
        KeywordType::from_name(prefix)
    }
}

/// One keyword of a template. In JSON: `{ key, type, label?, hint, example, choices? }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword {
    /// The data key, e.g. `thing4`.
    pub key: String,
    /// Its type.
    pub kind: KeywordType,
    /// What the template calls it (`商品名称`), when known.
    pub label: Option<String>,
    /// What a value looks like, in Chinese (see [`KeywordType::hint`]).
    pub hint: &'static str,
    /// The allowed values of an enum keyword.
    pub choices: Vec<String>,
}

impl Keyword {
    /// A value the keyword's rule accepts: the first choice of an enum, else
    /// its type's [`KeywordType::example`].
    pub fn example(&self) -> &str {
        self.choices.first().map_or(self.kind.example(), String::as_str)
    }
}

impl Serialize for Keyword {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Keyword", 6)?;
        out.serialize_field("key", &self.key)?;
        out.serialize_field("type", &self.kind)?;
        if let Some(label) = &self.label {
            out.serialize_field("label", label)?;
        }
        out.serialize_field("hint", self.hint)?;
        out.serialize_field("example", self.example())?;
        if !self.choices.is_empty() {
            out.serialize_field("choices", &self.choices)?;
        }
        out.end()
    }
}

/// A template's keywords, in the template's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendTemplate {
    /// The template id, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The keywords.
    pub keywords: Vec<Keyword>,
}

impl SendTemplate {
    /// The keyword with data key `key`.
    pub fn keyword(&self, key: &str) -> Option<&Keyword> {
        self.keywords.iter().find(|k| k.key == key)
    }
}

const TEMPLATE_ADVICE: &str = "pass getTemplateList's record ({ priTmplId, content, keywordEnumValueList }) \
     or { id, keywords: [{ key: 'thing4', rule?, name?, enumValues? }] }";

fn bad(code: &'static str, message: String) -> Error {
    Error::input(code, message, TEMPLATE_ADVICE)
}

/// Reads a template description: `getTemplateList`'s record, or
/// `{ id, keywords: [{ key, rule?, name?, enumValues? }] }` (`getPubTemplateKeyWordsById`'s
/// `{ kid, name, rule }` records work as keywords too).
pub fn parse_send_template(value: &Value) -> Result<SendTemplate, Error> {
    if !matches!(value, Value::Object(_)) {
        return Err(Error::shape("send-template-bad", "the template", "an object", value, TEMPLATE_ADVICE));
    }
    let id = match value.get("id").or_else(|| value.get("priTmplId")) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(Error::shape("send-template-bad", "template.id", "a string", other, TEMPLATE_ADVICE)),
    };
    let mut keywords = match (value.get("content"), value.get("keywords")) {
        (Some(Value::String(content)), _) => parse_content(content)?,
        (Some(other), _) => return Err(Error::shape("send-template-bad", "template.content", "a string", other, TEMPLATE_ADVICE)),
        (None, Some(list)) => parse_keyword_list(list)?,
        (None, None) => return Err(bad("send-template-no-keywords", "the template has neither content nor keywords".into())),
    };
    if let Some(enums) = value.get("keywordEnumValueList") {
        apply_enum_values(&mut keywords, enums)?;
    }
    if let Some(k) = keywords.iter().find(|k| k.kind == KeywordType::Enum && k.choices.is_empty()) {
        return Err(bad("send-template-enum-without-values", ["enum keyword '", &quote(&k.key), "' has no keywordEnumValueList values"].concat()));
    }
    Ok(SendTemplate { id, keywords })
}

/// Parses `content`: `label:{{key.DATA}}` per line. Errors name the character position.
pub fn parse_content(content: &str) -> Result<Vec<Keyword>, Error> {
    let mut keywords: Vec<Keyword> = Vec::new();
    let mut positions = Vec::new();
    let mut rest = content;
    while let Some(open) = find(rest, "{{") {
        let at = content.len() - rest.len() + open;
        let position = || decimal(content[..at].chars().count() as i64);
        let after = &rest[open + 2..];
        let Some(close) = find(after, "}}") else {
            return Err(bad("content-unclosed", ["content: '{{' at character ", &position(), " has no closing '}}'"].concat()));
        };
        let inner = &after[..close];
        let key = inner.strip_suffix(".DATA").unwrap_or("");
        let Some(kind) = KeywordType::of_key(key) else {
            let message = ["content: '{{", &quote(inner), "}}' at character ", &position(), " is not {{type<digits>.DATA}} with a known type (thing, number, date, ...)"].concat();
            return Err(bad("content-bad-key", message));
        };
        // The label is the text before the placeholder, on its line and after the previous placeholder.
        let segment = &rest[..open];
        let line = segment[segment.as_bytes().iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1)..].trim();
        let label = line.strip_suffix(':').or_else(|| line.strip_suffix('：')).unwrap_or(line).trim();
        keywords.push(Keyword {
            key: key.to_owned(),
            kind,
            label: (!label.is_empty()).then(|| label.to_owned()),
            hint: kind.hint(),
            choices: Vec::new(),
        });
        positions.push(at);
        check_count(keywords.len())?;
        rest = &after[close + 2..];
    }
    if keywords.is_empty() {
        return Err(bad("content-no-keywords", "content has no {{key.DATA}} placeholder".into()));
    }
    if let Some((_, repeat)) = repeated(&keywords) {
        let position = decimal(content[..positions[repeat]].chars().count() as i64);
        let key = quote(&keywords[repeat].key);
        return Err(bad("content-duplicate-key", ["content: key '", &key, "' at character ", &position, " appears twice"].concat()));
    }
    Ok(keywords)
}

/// The most keywords one template may have (WeChat's have at most 5 to 10).
pub const MAX_KEYWORDS: usize = 10_000;

/// The first keyword whose key an earlier one has, with that earlier one; or
/// an error when there are more keywords than [`MAX_KEYWORDS`].
fn repeated(keywords: &[Keyword]) -> Option<(usize, usize)> {
    Index::new(keywords.iter().map(|k| k.key.as_str())).first_repeat()
}

fn check_count(count: usize) -> Result<(), Error> {
    if count <= MAX_KEYWORDS {
        return Ok(());
    }
    let message = ["the template has ", &decimal(count as i64), " keywords, over the limit of ", &decimal(MAX_KEYWORDS as i64)].concat();
    Err(bad("too-many-keywords", message))
}

fn parse_keyword_list(list: &Value) -> Result<Vec<Keyword>, Error> {
    let Value::Array(items) = list else {
        return Err(Error::shape("send-template-bad", "template.keywords", "an array", list, TEMPLATE_ADVICE));
    };
    check_count(items.len())?;
    let mut keywords: Vec<Keyword> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = || ["template.keywords[", &decimal(i as i64), "]"].concat();
        let rule = item.get("rule").and_then(Value::as_str);
        let key = match (item.get("key"), item.get("kid"), rule) {
            (Some(Value::String(k)), _, _) => k.clone(),
            (None, Some(Value::Number(kid)), Some(rule)) if kid.fract() == 0.0 && *kid >= 0.0 && *kid < 1e9 => [rule, &decimal(*kid as i64)].concat(),
            _ => return Err(bad("send-template-bad-keyword", [&at(), " needs a key ('thing4'), or a kid with a rule"].concat())),
        };
        let kind = rule.and_then(KeywordType::from_name).or_else(|| KeywordType::of_key(&key));
        let Some(kind) = kind else {
            return Err(bad("send-template-bad-keyword", [&at(), ": '", &quote(&key), "' names no known type (thing, number, date, ...)"].concat()));
        };
        let label = item.get("name").and_then(Value::as_str).map(str::to_owned);
        let choices = strings(item.get("enumValues"), &at())?;
        keywords.push(Keyword { key, kind, label, hint: kind.hint(), choices });
    }
    if let Some((_, repeat)) = repeated(&keywords) {
        let at = ["template.keywords[", &decimal(repeat as i64), "]"].concat();
        return Err(bad("send-template-bad-keyword", [&at, " repeats the key '", &quote(&keywords[repeat].key), "'"].concat()));
    }
    Ok(keywords)
}

fn strings(value: Option<&Value>, what: &str) -> Result<Vec<String>, Error> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| bad("send-template-bad-enum", [what, " has a value that is not a string: ", &shown(v)].concat())))
            .collect(),
        Some(other) => Err(Error::shape("send-template-bad-enum", what, "an array of strings", other, TEMPLATE_ADVICE)),
    }
}

/// `keywordEnumValueList`: `[{ keywordCode: 'phrase3', enumValueList: [...] }]`.
fn apply_enum_values(keywords: &mut [Keyword], list: &Value) -> Result<(), Error> {
    let Value::Array(items) = list else {
        return Err(Error::shape("send-template-bad-enum", "keywordEnumValueList", "an array", list, TEMPLATE_ADVICE));
    };
    let mut found = Vec::with_capacity(items.len());
    let index = Index::new(keywords.iter().map(|k| k.key.as_str()));
    for item in items {
        let code = item.get("keywordCode").and_then(Value::as_str).unwrap_or("");
        let Some(at) = index.first(code) else {
            return Err(bad("send-template-bad-enum", ["keywordEnumValueList names '", &quote(code), "', which the template does not have"].concat()));
        };
        found.push((at, strings(item.get("enumValueList"), "keywordEnumValueList.enumValueList")?));
    }
    for (at, choices) in found {
        keywords[at].choices = choices;
        keywords[at].kind = KeywordType::Enum;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn content_gives_keys_types_and_labels_seed_001() {
        let k = parse_content("下单时间:{{date2.DATA}}\n商品名称：{{thing4.DATA}}\n订单号:{{character_string9.DATA}}").unwrap();
        let seen: Vec<(&str, KeywordType, Option<&str>)> = k.iter().map(|k| (k.key.as_str(), k.kind, k.label.as_deref())).collect();
        assert_eq!(seen, [
            ("date2", KeywordType::Date, Some("下单时间")),
            ("thing4", KeywordType::Thing, Some("商品名称")),
            ("character_string9", KeywordType::CharacterString, Some("订单号")),
        ]);
    }

    #[test]
    fn a_keyword_shows_an_example_its_rule_accepts_the_first_choice_for_an_enum() {
        let t = parse_send_template(&json(r#"{"content":"状态:{{phrase3.DATA}}\n金额:{{amount1.DATA}}",
            "keywordEnumValueList":[{"keywordCode":"phrase3","enumValueList":["已发货","已签收"]}]}"#)).unwrap();
        assert_eq!(t.keywords.iter().map(Keyword::example).collect::<Vec<_>>(), ["已发货", "¥1.00"]);
        let mut units = Vec::new();
        crate::json::writer::write(&t.keywords[1], &mut units);
        let shown = String::from_utf16(&units).unwrap();
        assert!(shown.contains(r#""example":"¥1.00""#), "{shown}");
    }

    #[test]
    fn malformed_content_names_the_position() {
        let e = parse_content("订单:{{thing1.DATA}}\n备注:{{thing2.DATA").unwrap_err();
        assert_eq!(e.code, "content-unclosed");
        assert!(e.message.contains("character 22"), "{}", e.message);
        let e = parse_content("时间:{{when3.DATA}}").unwrap_err();
        assert_eq!(e.code, "content-bad-key");
        assert!(e.message.contains("character 3"), "{}", e.message);
        assert_eq!(parse_content("{{thing1}}").unwrap_err().code, "content-bad-key");
        assert_eq!(parse_content("{{thing.DATA}}").unwrap_err().code, "content-bad-key", "digits are needed");
        assert_eq!(parse_content("{{thing1.DATA}}{{thing1.DATA}}").unwrap_err().code, "content-duplicate-key");
        assert_eq!(parse_content("no placeholders").unwrap_err().code, "content-no-keywords");
    }

    #[test]
    fn enum_values_make_a_keyword_an_enum() {
        let t = parse_send_template(&json(r#"{"priTmplId":"x","content":"状态:{{phrase3.DATA}}","keywordEnumValueList":[{"keywordCode":"phrase3","enumValueList":["已发货","已签收"]}]}"#)).unwrap();
        assert_eq!(t.id.as_deref(), Some("x"));
        assert_eq!(t.keywords[0].kind, KeywordType::Enum);
        assert_eq!(t.keywords[0].choices, ["已发货", "已签收"]);
        let e = parse_send_template(&json(r#"{"content":"{{thing1.DATA}}","keywordEnumValueList":[{"keywordCode":"thing9","enumValueList":[]}]}"#)).unwrap_err();
        assert_eq!(e.code, "send-template-bad-enum");
        let e = parse_send_template(&json(r#"{"content":"{{enum1.DATA}}"}"#)).unwrap_err();
        assert_eq!(e.code, "send-template-enum-without-values");
    }

    #[test]
    fn explicit_keyword_lists_and_pub_template_records() {
        let t = parse_send_template(&json(r#"{"keywords":[{"key":"thing4","name":"商品"},{"kid":2,"rule":"date","name":"时间"},{"key":"x1","rule":"phrase"}]}"#)).unwrap();
        let keys: Vec<(&str, KeywordType)> = t.keywords.iter().map(|k| (k.key.as_str(), k.kind)).collect();
        assert_eq!(keys, [("thing4", KeywordType::Thing), ("date2", KeywordType::Date), ("x1", KeywordType::Phrase)]);
        assert_eq!(parse_send_template(&json(r#"{"keywords":[{"key":"foo"}]}"#)).unwrap_err().code, "send-template-bad-keyword");
        assert_eq!(parse_send_template(&json(r#"{"keywords":[{"name":"x"}]}"#)).unwrap_err().code, "send-template-bad-keyword");
        assert_eq!(parse_send_template(&json(r#"{"id":"x"}"#)).unwrap_err().code, "send-template-no-keywords");
        assert_eq!(parse_send_template(&json("[]")).unwrap_err().code, "send-template-bad");
    }
}

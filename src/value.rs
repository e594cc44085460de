//! A small JSON-like tree: what a JS value (or a JSON document) becomes before
//! the core reads it. The core checks shapes itself, so every error names the
//! bad entry (`templates[2].kind`), and the same checks run natively in tests.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

pub use crate::text::{quote, QUOTED_CHARS};

/// How deep arrays and objects may nest. Deeper input (or a cyclic JS object)
/// is refused with an error instead of exhausting the wasm stack.
pub const MAX_DEPTH: usize = 24;

/// A value as the app or WeChat handed it over.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null` or `undefined`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// Any number.
    Number(f64),
    /// A string.
    String(String),
    /// A string that held a lone UTF-16 surrogate (half of a pair, which no
    /// UTF-8 text can hold): each one is U+FFFD here. Only JS input makes it;
    /// the send checks report it, everything else refuses it as not a string.
    Unpaired(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, with its keys in the order given.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The value's type in words, for error messages ("a number").
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Unpaired(_) => "a string with a lone surrogate (half of a UTF-16 pair)",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// The member `key` of an object; `None` for other values and for a member
    /// that is `null`/`undefined`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members
                .iter()
                .find(|(k, v)| k == key && !matches!(v, Value::Null))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Item `index` of an array (a call's arguments); `Null` where there is none.
    pub fn at(&self, index: usize) -> &Value {
        match self {
            Value::Array(items) => items.get(index).unwrap_or(&Value::Null),
            _ => &Value::Null,
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Reads a [`Value`] with a depth budget.
struct Seed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// The message for input nested deeper than [`MAX_DEPTH`].
pub const TOO_DEEP: &str = "input nests arrays/objects more than 24 levels deep (or refers to itself)";

impl Seed {
    fn nested<E: de::Error>(&self) -> Result<Seed, E> {
        if self.depth >= MAX_DEPTH {
            Err(E::custom(TOO_DEEP))
        } else {
            Ok(Seed { depth: self.depth + 1 })
        }
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON-like value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.nested()?)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self.nested()?)?;
            members.push((key, value));
        }
        Ok(Value::Object(members))
    }
}

impl<'de> de::Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        Seed { depth: 0 }.deserialize(deserializer)
    }
}

/// A time in milliseconds since 1970: a finite number, not negative.
pub(crate) fn time(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => moment(*n),
        _ => None,
    }
}

/// [`time`], of a number.
pub(crate) fn moment(n: f64) -> Option<f64> {
    (n.is_finite() && n >= 0.0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_reads_into_value() {
        let v: Value = serde_json::from_str(r#"{"a":[1,"订阅",true,null]}"#).unwrap();
        let a = v.get("a").unwrap();
        assert_eq!(
            a,
            &Value::Array(vec![
                Value::Number(1.0),
                Value::String("订阅".into()),
                Value::Bool(true),
                Value::Null
            ])
        );
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        let err = serde_json::from_str::<Value>(&deep).unwrap_err();
        assert!(err.to_string().contains("24 levels"), "{err}");
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(serde_json::from_str::<Value>(&ok).is_ok());
    }

    #[test]
    fn null_members_read_as_absent() {
        let v: Value = serde_json::from_str(r#"{"title":null}"#).unwrap();
        assert_eq!(v.get("title"), None);
    }
}

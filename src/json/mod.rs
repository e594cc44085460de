//! JSON text in UTF-16 code units, both ways: how a call's arguments come in
//! from JS and how its answer goes back. UTF-16 because that is what a JS
//! string is: the JS side copies a string's code units in and decodes the
//! answer with `String.fromCharCode` and `JSON.parse`, native on every engine,
//! where phones have no `TextEncoder`/`TextDecoder`.
//!
//! The reader measures before it builds: text, values, string length and
//! nesting are capped ([`MAX_INPUT_UNITS`], [`MAX_VALUES`], [`MAX_STRING_UNITS`],
//! [`MAX_DEPTH`]), so no input can take unbounded memory or time. A string that
//! holds a lone surrogate becomes [`Value::Unpaired`].
//!
//! Why not `serde_json`: it reads UTF-8, so every call's input would be
//! transcoded first (by the module: the JS side has no `TextEncoder` on
//! phones), and it has no place for a lone surrogate, which a JS string may
//! hold. The answers' writer [`Direct`] leaves serde's per-field plumbing
//! out of the page module: 4.7 KB smaller when it was measured (issue 12).
//! The send module writes its answers with serde (`writer.rs`).

use crate::error::Error;
use crate::text::{decimal, each_digit};
use crate::value::{Value, MAX_DEPTH, TOO_DEEP};

#[cfg(feature = "send")]
pub mod writer;

/// The most UTF-16 code units the JSON text of one call's arguments may have (2 Mi).
pub const MAX_INPUT_UNITS: usize = 2 * 1024 * 1024;
/// The most values (strings, numbers, arrays, objects, ...) one call's arguments may hold.
pub const MAX_VALUES: usize = 262_144;
/// The most UTF-16 code units one string may have (512 Ki: the content of a template with 10,000 keywords fits).
pub const MAX_STRING_UNITS: usize = 512 * 1024;

const INPUT_ADVICE: &str = "pass plain data (objects, arrays, strings, numbers, booleans) within the documented limits";

fn too_large(what: &str, limit: usize) -> Error {
    Error::input("input-too-large", ["the input has more than ", &decimal(limit as i64), " ", what].concat(), INPUT_ADVICE)
}

/// Why the reader stopped, made an [`Error`] once at the end. The reader's
/// results stay a few bytes wide: on a phone without JIT every byte a result
/// moves is interpreted, and an `Error` is seventy of them.
enum Stop {
    /// Not JSON text, at this code unit.
    Malformed(usize),
    /// Past a cap: what, and the cap.
    TooLarge(&'static str, usize),
    /// Nested past [`MAX_DEPTH`].
    TooDeep,
}

impl From<Stop> for Error {
    fn from(stop: Stop) -> Error {
        match stop {
            Stop::Malformed(at) => {
                Error::input("input-unreadable", ["the input is not JSON text (at code unit ", &decimal(at as i64), ")"].concat(), INPUT_ADVICE)
            }
            Stop::TooLarge(what, limit) => too_large(what, limit),
            Stop::TooDeep => Error::input("input-too-deep", TOO_DEEP.to_owned(), INPUT_ADVICE),
        }
    }
}

/// Reads one JSON value from UTF-16 text, within the caps.
pub fn read(units: &[u16]) -> Result<Value, Error> {
    if units.len() > MAX_INPUT_UNITS {
        return Err(too_large("UTF-16 code units of JSON", MAX_INPUT_UNITS));
    }
    let mut reader = Reader { units, at: 0, values: 0 };
    let value = reader.value(0)?;
    reader.space();
    if reader.at != units.len() {
        return Err(Stop::Malformed(reader.at).into());
    }
    Ok(value)
}

struct Reader<'a> {
    units: &'a [u16],
    at: usize,
    values: usize,
}

impl Reader<'_> {
    #[inline(always)]
    fn peek(&self) -> Option<u16> {
        self.units.get(self.at).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(0x20 | 0x09 | 0x0a | 0x0d)) {
            self.at += 1;
        }
    }

    fn expect(&mut self, unit: u8) -> Result<(), Stop> {
        self.space();
        if self.peek() != Some(unit.into()) {
            return Err(Stop::Malformed(self.at));
        }
        self.at += 1;
        Ok(())
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, Stop> {
        let end = self.at + word.len();
        if self.units.get(self.at..end).is_some_and(|u| u.iter().zip(word.bytes()).all(|(a, b)| *a == u16::from(b))) {
            self.at = end;
            return Ok(value);
        }
        Err(Stop::Malformed(self.at))
    }

    fn value(&mut self, depth: usize) -> Result<Value, Stop> {
        self.space();
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(Stop::TooLarge("values", MAX_VALUES));
        }
        match self.peek().and_then(|u| u8::try_from(u).ok()) {
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'"') => Ok(match self.string()? {
                (text, false) => Value::String(text),
                (text, true) => Value::Unpaired(text),
            }),
            Some(b'[' | b'{') if depth >= MAX_DEPTH => Err(Stop::TooDeep),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.close(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.close(b']') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Ok(Value::Array(items))
            }
            Some(b'{') => {
                self.at += 1;
                let mut members = Vec::new();
                if !self.close(b'}') {
                    loop {
                        self.space();
                        let (key, _) = self.string()?;
                        self.expect(b':')?;
                        members.push((key, self.value(depth + 1)?));
                        if self.close(b'}') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Ok(Value::Object(members))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(Stop::Malformed(self.at)),
        }
    }

    /// Consumes `unit` if it comes next (after white space).
    fn close(&mut self, unit: u8) -> bool {
        self.space();
        let found = self.peek() == Some(unit.into());
        self.at += usize::from(found);
        found
    }

    /// A number, exact for whole numbers up to 2^53 (all the core reads:
    /// counts, codes, timestamps); other values are as near as 19 digits give.
    fn number(&mut self) -> Result<Value, Stop> {
        let start = self.at;
        let negative = self.peek() == Some(b'-'.into());
        self.at += usize::from(negative);
        let (mut mantissa, mut exponent, mut digits) = (0u64, 0i32, 0);
        let mut fraction = false;
        // Zeros after the decimal point count only once a digit follows them:
        // `1795.0` is the whole number 1795, exactly.
        let mut zeros = 0;
        while let Some(unit) = self.peek() {
            match unit {
                0x30 if fraction => {
                    zeros += 1;
                    digits += 1;
                }
                0x31..=0x39 if fraction => {
                    for _ in 0..=zeros {
                        if mantissa < 100_000_000_000_000_000 {
                            mantissa *= 10;
                            exponent -= 1;
                        }
                    }
                    mantissa += u64::from(unit - 0x30);
                    zeros = 0;
                    digits += 1;
                }
                0x30..=0x39 => {
                    if mantissa < 1_000_000_000_000_000_000 {
                        mantissa = mantissa * 10 + u64::from(unit - 0x30);
                    } else {
                        exponent += 1;
                    }
                    digits += 1;
                }
                0x2e if !fraction => fraction = true,
                _ => break,
            }
            self.at += 1;
        }
        if digits == 0 {
            return Err(Stop::Malformed(start));
        }
        if matches!(self.peek(), Some(0x65 | 0x45)) {
            self.at += 1;
            let sign = match self.peek() {
                Some(0x2d) => -1,
                Some(0x2b) => 1,
                _ => 0,
            };
            self.at += usize::from(sign != 0);
            let mut power = 0i32;
            let first = self.at;
            while let Some(unit @ 0x30..=0x39) = self.peek() {
                power = (power * 10 + i32::from(unit - 0x30)).min(10_000);
                self.at += 1;
            }
            if self.at == first {
                return Err(Stop::Malformed(start));
            }
            exponent += if sign < 0 { -power } else { power };
        }
        let magnitude = mantissa as f64;
        let value = if exponent >= 0 { magnitude * 10f64.powi(exponent) } else { magnitude / 10f64.powi(-exponent) };
        Ok(Value::Number(if negative { -value } else { value }))
    }

    fn hex(&mut self) -> Result<u16, Stop> {
        let mut unit = 0u16;
        for _ in 0..4 {
            let digit = self.peek().and_then(|u| char::from_u32(u.into())).and_then(|c| c.to_digit(16));
            let Some(digit) = digit else { return Err(Stop::Malformed(self.at)) };
            unit = unit * 16 + digit as u16;
            self.at += 1;
        }
        Ok(unit)
    }

    /// A string, and whether it held a lone surrogate (each one is U+FFFD in the text).
    fn string(&mut self) -> Result<(String, bool), Stop> {
        if self.peek() != Some(b'"'.into()) {
            return Err(Stop::Malformed(self.at));
        }
        self.at += 1;
        let start = self.at;
        // Plain ASCII up to the closing quote (ids, keys, codes): one pass to
        // find its end, one to copy it, no decoding.
        let mut end = start;
        while end < self.units.len() && (0x20..0x7f).contains(&self.units[end]) && self.units[end] != 0x22 && self.units[end] != 0x5c {
            end += 1;
        }
        if end < self.units.len() && self.units[end] == 0x22 && end - start <= MAX_STRING_UNITS {
            self.at = end + 1;
            return Ok((ascii(&self.units[start..end]), false));
        }
        let mut code_units: Vec<u16> = Vec::new();
        loop {
            let Some(unit) = self.peek() else { return Err(Stop::Malformed(self.at)) };
            self.at += 1;
            match unit {
                0x22 => break,
                0x5c => {
                    let escaped = self.peek().ok_or(Stop::Malformed(self.at))?;
                    self.at += 1;
                    code_units.push(match u8::try_from(escaped).unwrap_or(0) {
                        b'"' => 0x22,
                        b'\\' => 0x5c,
                        b'/' => 0x2f,
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => 0x0a,
                        b'r' => 0x0d,
                        b't' => 0x09,
                        b'u' => self.hex()?,
                        _ => return Err(Stop::Malformed(self.at - 1)),
                    });
                }
                0..=0x1f => return Err(Stop::Malformed(self.at - 1)),
                _ => code_units.push(unit),
            }
            if self.at - start > MAX_STRING_UNITS {
                return Err(Stop::TooLarge("UTF-16 code units in one string", MAX_STRING_UNITS));
            }
        }
        let mut lone = false;
        let text = char::decode_utf16(code_units)
            .map(|c| {
                c.unwrap_or_else(|_| {
                    lone = true;
                    char::REPLACEMENT_CHARACTER
                })
            })
            .collect();
        Ok((text, lone))
    }
}

/// The text of UTF-16 code units that are all printable ASCII (the caller
/// checked): a character each, no decoding.
fn ascii(units: &[u16]) -> String {
    units.iter().map(|&unit| char::from(unit as u8)).collect()
}

/// The answer of one call, its value written by [`Direct`] (the send
/// module's `writer` writes its values with serde).
pub fn answer_direct<T: Direct>(result: &Result<T, Error>) -> Vec<u16> {
    envelope(result.as_ref(), |value, out| value.write(&mut Text(out)))
}

/// The answer `{"error":{code, kind, message, ...}}` of a call that failed.
#[cfg(feature = "subscribe")]
pub fn error_answer(error: &Error) -> Vec<u16> {
    envelope::<()>(Err(error), |_, _| {})
}

fn envelope<T>(result: Result<&T, &Error>, write_ok: impl FnOnce(&T, &mut Vec<u16>)) -> Vec<u16> {
    let mut out = Vec::with_capacity(1024);
    match result {
        Ok(value) => {
            text(&mut out, "{\"ok\":");
            write_ok(value, &mut out);
        }
        Err(error) => {
            text(&mut out, "{\"error\":");
            error.write(&mut Text(&mut out));
        }
    }
    out.push(u16::from(b'}'));
    out
}

/// A value written straight as JSON text. For the answers on the tap path:
/// serde's plumbing per field runs interpreted on phones, and costs more
/// there than the text it writes.
pub trait Direct {
    /// Writes the value.
    fn write(&self, out: &mut Text<'_>);
}

impl Direct for &str {
    fn write(&self, out: &mut Text<'_>) {
        out.string(self);
    }
}

/// JSON text being written by a [`Direct`] value: the writer's pieces.
pub struct Text<'a>(&'a mut Vec<u16>);

impl Text<'_> {
    /// Writes ASCII text as it is: punctuation, keys with their quotes.
    pub fn raw(&mut self, ascii: &str) -> &mut Self {
        text(self.0, ascii);
        self
    }

    /// Writes a whole number, as every writer here writes one.
    #[cfg(feature = "subscribe")]
    pub fn number(&mut self, n: usize) -> &mut Self {
        if n < 10 {
            self.0.push(u16::from(b'0') + n as u16);
        } else {
            each_digit(n as u64, |d| self.0.push(u16::from(d)));
        }
        self
    }

    /// Writes any number, as every writer here writes one.
    pub fn float(&mut self, n: f64) -> &mut Self {
        number(self.0, n);
        self
    }

    /// Writes `true` or `false`.
    pub fn bool(&mut self, b: bool) -> &mut Self {
        self.raw(if b { "true" } else { "false" })
    }

    /// Writes a JSON string.
    pub fn string(&mut self, value: &str) -> &mut Self {
        quoted(self.0, value);
        self
    }

    /// Writes `[a,b,...]`, each item by `item`.
    #[cfg(feature = "subscribe")]
    pub fn list<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T)) -> &mut Self {
        self.0.push(u16::from(b'['));
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                self.0.push(u16::from(b','));
            }
            item(self, x);
        }
        self.0.push(u16::from(b']'));
        self
    }
}

/// Appends ASCII (or any bytes below 0x80) unit for unit. Never inlined:
/// [`Text::raw`], which calls it, is inlined at every key an answer writes,
/// and this inlined there too made the page module 677 bytes larger
/// compressed (measured when the serde writer moved to `writer.rs`).
#[inline(never)]
fn text(out: &mut Vec<u16>, ascii: &str) {
    out.extend(ascii.bytes().map(u16::from));
}

/// Writes a number: whole numbers exactly (up to 2^53, as JS has them),
/// others cut to their whole part, `null` for what JSON has no number for.
fn number(out: &mut Vec<u16>, v: f64) {
    if v.is_finite() {
        let n = v.trunc().clamp(-9.007_199_254_740_992e15, 9.007_199_254_740_992e15) as i64;
        if n < 0 {
            out.push(u16::from(b'-'));
        }
        each_digit(n.unsigned_abs(), |d| out.push(u16::from(d)));
    } else {
        text(out, "null");
    }
}

/// Writes `value` as a JSON string: printable ASCII (ids, keys, names) one
/// unit per byte, anything else through [`escaped`].
fn quoted(out: &mut Vec<u16>, value: &str) {
    let bytes = value.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(u16::from(b'"'));
    let mut i = 0;
    while i < bytes.len() {
        // A run of characters written as they are, then one escaped.
        let plain = bytes[i..].iter().take_while(|&&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\').count();
        text(out, &value[i..i + plain]);
        i += plain;
        if i < bytes.len() {
            i += escaped(out, &value[i..]);
        }
    }
    out.push(u16::from(b'"'));
}

/// Writes the first character of `rest` (a quote, a backslash, a control
/// character or one past ASCII) as JSON text; how many bytes it took.
fn escaped(out: &mut Vec<u16>, rest: &str) -> usize {
    let c = rest.chars().next().unwrap_or('\0');
    match c {
        '"' | '\\' => {
            out.push(u16::from(b'\\'));
            out.push(c as u16);
        }
        '\0'..='\u{1f}' => {
            let hex = b"0123456789abcdef";
            for unit in [b'\\', b'u', b'0', b'0', hex[c as usize >> 4], hex[c as usize & 15]] {
                out.push(u16::from(unit));
            }
        }
        _ => {
            for &unit in c.encode_utf16(&mut [0; 2]).iter() {
                out.push(unit);
            }
        }
    }
    c.len_utf8()
}

/// Written as serde writes it but for `userMessage` (a test keeps the two
/// equal), without serde's plumbing: every call's error goes this way. The
/// JS side gives the error its `userMessage` from the kind (`js/lib/error.js`
/// has the same table, a test keeps them equal), so neither wasm module
/// carries the sentences.
impl Direct for Error {
    fn write(&self, out: &mut Text<'_>) {
        out.raw("{\"code\":").string(self.code).raw(",\"kind\":").string(self.kind.name());
        out.raw(",\"message\":").string(&self.message).raw(",\"advice\":").string(self.advice);
        out.raw(",\"retryable\":").bool(self.retryable);
        if let Some(code) = self.err_code {
            out.raw(",\"errCode\":").float(code.into());
        }
        if let Some(message) = &self.err_msg {
            out.raw(",\"errMsg\":").string(message);
        }
        if let Some(field) = &self.field {
            out.raw(",\"field\":").string(field);
        }
        out.raw("}");
    }
}

#[cfg(test)]
mod tests {
    use super::writer::{answer, write};
    use super::*;
    use serde::Serialize;

    fn units(text: &str) -> Vec<u16> {
        text.encode_utf16().collect()
    }

    fn written<T: Serialize>(value: &T) -> String {
        let mut out = Vec::new();
        write(value, &mut out);
        String::from_utf16(&out).unwrap()
    }

    #[test]
    fn reads_what_json_stringify_writes() {
        let v = read(&units(r#" {"a":[1,-2.5,3e2,"订阅🎉",true,false,null],"b":{"c":"\"\\\/\b\f\n\r\t\u4e2d"}} "#)).unwrap();
        let expected: Value = serde_json::from_str(r#"{"a":[1,-2.5,300,"订阅🎉",true,false,null],"b":{"c":"\"\\/\b\f\n\r\t中"}}"#).unwrap();
        assert_eq!(v, expected);
    }

    #[test]
    fn whole_numbers_are_exact_up_to_2_pow_53() {
        assert_eq!(read(&units("9007199254740992")).unwrap(), Value::Number(9_007_199_254_740_992.0));
        assert_eq!(read(&units("1700000000000")).unwrap(), Value::Number(1_700_000_000_000.0));
        assert_eq!(read(&units("1e+21")).unwrap(), Value::Number(1e21));
        assert_eq!(read(&units("-0.125")).unwrap(), Value::Number(-0.125));
        assert_eq!(read(&units("-2098058450461795.000")).unwrap(), Value::Number(-2_098_058_450_461_795.0));
        assert_eq!(read(&units("0.0012")).unwrap(), Value::Number(0.0012));
        for bad in ["-", "1e", ".5", "01x", "tru", "[1,]", "{\"a\"}", "\"open", "[1 2]", "", "\"\u{1}\""] {
            assert_eq!(read(&units(bad)).unwrap_err().code, "input-unreadable", "{bad}");
        }
    }

    #[test]
    fn lone_surrogates_make_an_unpaired_string_raw_or_escaped() {
        let mut raw = units("\"a");
        raw.push(0xd800);
        raw.extend(units("b\""));
        assert_eq!(read(&raw).unwrap(), Value::Unpaired("a\u{fffd}b".into()));
        assert_eq!(read(&units(r#""\udc00""#)).unwrap(), Value::Unpaired("\u{fffd}".into()));
        assert_eq!(read(&units(r#""\ud83c\udf89""#)).unwrap(), Value::String("🎉".into()), "an escaped pair is one character");
    }

    #[test]
    fn caps_are_input_errors_before_anything_large_is_built() {
        let many = ["[", &"0,".repeat(MAX_VALUES), "0]"].concat();
        let e = read(&units(&many)).unwrap_err();
        assert_eq!((e.code, e.kind.name()), ("input-too-large", "input"));
        assert!(e.message.contains("262144 values"), "{}", e.message);
        let long = ["\"", &"x".repeat(MAX_STRING_UNITS + 1), "\""].concat();
        assert!(read(&units(&long)).unwrap_err().message.contains("in one string"));
        assert!(read(&vec![0x20; MAX_INPUT_UNITS + 1]).unwrap_err().message.contains("code units of JSON"));
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(read(&units(&deep)).unwrap_err().code, "input-too-deep");
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(read(&units(&ok)).is_ok());
    }

    #[test]
    fn writes_json_that_serde_json_reads_back() {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Sample<'a> {
            text: &'a str,
            count: u32,
            missing: Option<u8>,
            list: Vec<i64>,
            flag: bool,
        }
        let s = Sample { text: "订阅\"\\\n\u{1}🎉", count: 7, missing: None, list: vec![-3, 9_007_199_254_740_992], flag: true };
        let text = written(&s);
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, serde_json::json!({"text":"订阅\"\\\n\u{1}🎉","count":7,"missing":null,"list":[-3,9_007_199_254_740_992_i64],"flag":true}));
        assert_eq!(written(&f64::NAN), "null");
    }

    #[test]
    fn answers_are_ok_or_error_envelopes() {
        let ok: Result<u32, Error> = Ok(3);
        assert_eq!(String::from_utf16(&answer(&ok)).unwrap(), r#"{"ok":3}"#);
        let err: Result<u32, Error> = Err(Error::input("x", "m".into(), "a"));
        let text = String::from_utf16(&answer(&err)).unwrap();
        assert!(text.starts_with(r#"{"error":{"code":"x","kind":"input","message":"m""#), "{text}");
    }

    // proptest is a native dev-dependency only (the wasm tests run under wasm-pack).
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn any_text_round_trips_through_the_writer(text in "\\PC{0,60}|[\\x00-\\x1f\"\\\\]{0,8}") {
            let mut units = Vec::new();
            write(&text, &mut units);
            let written = String::from_utf16(&units).unwrap();
            proptest::prop_assert_eq!(serde_json::from_str::<String>(&written).unwrap(), text);
        }
    }
}

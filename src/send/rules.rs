//! The keyword value rules of docs/wechat.md section 5. Lengths count Unicode scalar
//! values: a Chinese character, a letter and an emoji each count as one.

// A Problem is built only on the failure path of a per-value check; boxing it
// would cost an allocation and buy nothing.
#![allow(clippy::result_large_err)]

use super::template::KeywordType;
use crate::text::decimal;
use crate::value::quote;

/// Why a value breaks its keyword's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `"empty"`, `"too-long"`, `"bad-character"`, `"bad-format"` or `"not-in-enum"`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// A suggested fix.
    pub fix: String,
    /// The value's length in characters, for length problems.
    pub length: Option<usize>,
    /// The allowed length.
    pub limit: Option<usize>,
    /// The first character that is not allowed.
    pub character: Option<char>,
    /// The value corrected, where that can be done without guessing: shortened, or
    /// with the characters the type refuses taken out.
    pub suggestion: Option<String>,
}

fn problem(code: &'static str, message: String, fix: String) -> Problem {
    Problem { code, message, fix, length: None, limit: None, character: None, suggestion: None }
}

/// Whether `c` is a Chinese character (CJK ideographs).
///
/// Checked against maintained crates (issue 12): `unicode-script` gives the Han
/// script, but it brings its script tables into the wasm module (several KB)
/// and counts characters WeChat's `phrase`/`name` rules do not take (Han
/// radicals, ideographic punctuation, compatibility supplements). The blocks
/// below are the ideographs those rules mean, and cost a few comparisons.
pub fn is_chinese(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

fn is_symbol(c: char) -> bool {
    c.is_ascii_punctuation()
}

fn is_name_character(c: char) -> bool {
    is_chinese(c) || c.is_ascii_alphabetic() || is_symbol(c) || c == ' ' || c == '·'
}

fn too_long(value: &str, limit: usize, what: &str) -> Result<(), Problem> {
    let length = value.chars().count();
    if length <= limit {
        return Ok(());
    }
    let n = |x: usize| decimal(x as i64);
    let message = ["is ", &n(length), " characters, over the limit of ", &n(limit), " for ", what].concat();
    let thing = what == "thing";
    let shortened: String = if thing {
        value.chars().take(limit - 1).chain(Some('…')).collect()
    } else {
        value.chars().take(limit).collect()
    };
    let fix = ["shorten it to ", &n(limit), " characters, e.g. '", &shortened, "'"].concat();
    let suggestion = Some(shortened);
    Err(Problem { length: Some(length), limit: Some(limit), suggestion, ..problem("too-long", message, fix) })
}

fn only(value: &str, allowed: fn(char) -> bool, what: &str, takes: &str) -> Result<(), Problem> {
    match value.chars().find(|c| !allowed(*c)) {
        None => Ok(()),
        Some(c) => {
            let shown = String::from(c);
            let message = ["has '", &shown, "', which a ", what, " does not take"].concat();
            let fix = ["remove '", &shown, "': a ", what, " takes ", takes].concat();
            let kept: String = value.chars().filter(|c| allowed(*c)).collect();
            let suggestion = (!kept.is_empty()).then_some(kept);
            Err(Problem { character: Some(c), suggestion, ..problem("bad-character", message, fix) })
        }
    }
}

fn format(ok: bool, value: &str, what: &str, fix: &str) -> Result<(), Problem> {
    if ok {
        return Ok(());
    }
    Err(problem("bad-format", ["'", &quote(value), "' is not a valid ", what].concat(), fix.to_owned()))
}

const DATE_FIX: &str = "write it as 2019-10-01 or 2019年10月1日; a time may follow (2019-10-01 15:01), and a range joins two with ~";
const TIME_FIX: &str = "write a 24-hour time like 15:01 or 15:01:30, optionally after a date (2019-10-01 15:01); a range joins two with ~";

/// Checks `value` against the rule of `kind` (`choices` for enums).
pub fn check(kind: KeywordType, value: &str, choices: &[String]) -> Result<(), Problem> {
    use KeywordType as T;
    if value.trim().is_empty() {
        return Err(problem("empty", "is empty".into(), "fill it in: WeChat rejects empty values".into()));
    }
    let name = kind.name();
    match kind {
        T::Thing => too_long(value, 20, name),
        T::Number => {
            too_long(value, 32, name)?;
            format(is_decimal(value), value, name, "write digits with an optional decimal point, like 42 or 3.14")
        }
        T::Letter => {
            too_long(value, 32, name)?;
            only(value, |c| c.is_ascii_alphabetic(), name, "letters only")
        }
        T::Symbol => {
            too_long(value, 5, name)?;
            only(value, is_symbol, name, "symbols only")
        }
        T::CharacterString => {
            too_long(value, 32, name)?;
            only(value, |c| c.is_ascii_alphanumeric() || is_symbol(c), name, "digits, letters and symbols only")
        }
        T::PhoneNumber => {
            too_long(value, 17, name)?;
            only(value, |c| c.is_ascii_digit() || is_symbol(c), name, "digits and symbols only")
        }
        T::CarNumber => {
            too_long(value, 8, name)?;
            let last = value.chars().count() - 1;
            let mut chars = value.chars().enumerate();
            let bad = chars.find(|(i, c)| !(c.is_ascii_alphanumeric() || ((*i == 0 || *i == last) && is_chinese(*c))));
            match bad {
                None => Ok(()),
                Some((_, c)) => only(&String::from(c), |_| false, name, "letters and digits, and a Chinese character first or last"),
            }
        }
        T::Name => {
            let chinese = value.chars().any(is_chinese);
            too_long(value, if chinese { 10 } else { 20 }, name)?;
            only(value, is_name_character, name, "Chinese characters, letters and symbols only")
        }
        T::Phrase => {
            too_long(value, 5, name)?;
            only(value, is_chinese, name, "Chinese characters only")
        }
        T::Amount => format(is_amount(value), value, name, "write a currency sign and up to 10 digits, like ¥128.50 (it may end with 元)"),
        T::Date => format(is_range(value, true), value, name, DATE_FIX),
        T::Time => format(is_range(value, false), value, name, TIME_FIX),
        T::Enum => {
            if choices.iter().any(|c| c == value) {
                return Ok(());
            }
            let names: Vec<&str> = choices.iter().map(String::as_str).collect();
            let fix = ["use one of: ", &names.join(", ")].concat();
            Err(problem("not-in-enum", ["'", &quote(value), "' is not one of the template's values"].concat(), fix))
        }
    }
}

/// Digits with an optional decimal point between digits.
fn is_decimal(text: &str) -> bool {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

/// An optional currency sign, at most 10 digits (decimals allowed), an optional 元.
fn is_amount(text: &str) -> bool {
    let body = text.strip_suffix('元').unwrap_or(text);
    let body = body.strip_prefix(['¥', '￥', '$', '€', '£', '₩', '₹']).unwrap_or(body);
    let digits = body.bytes().filter(u8::is_ascii_digit).count();
    is_decimal(body) && digits <= 10
}

/// One date/time or two joined by `~` (spaces allowed around it).
fn is_range(text: &str, need_date: bool) -> bool {
    match text.split_once('~') {
        Some((a, b)) => datetime(a.trim(), need_date) && datetime(b.trim(), need_date),
        None => datetime(text, need_date),
    }
}

/// A date with an optional time (`need_date`), or a time with an optional date before it.
fn datetime(text: &str, need_date: bool) -> bool {
    match date(text) {
        Some("") => need_date,
        Some(rest) => clock(rest.strip_prefix(' ').unwrap_or(rest)),
        None => !need_date && clock(text),
    }
}

/// Reads 1 to `max` digits at the start of `text`.
fn digits(text: &str, max: usize) -> Option<(u32, &str)> {
    let n = text.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    Some((text[..n].parse().ok()?, &text[n..]))
}

/// `2019-10-01`, `2019/10/1`, `2019.10.01` or `2019年10月1日`; returns what follows.
///
/// Checked against maintained crates (issue 12): `chrono` and `time` parse one
/// format string at a time, so the four forms WeChat takes (with optional
/// zero padding and the `年月日` form) would need several parses and their
/// parsing and calendar code in the wasm module (tens of KB with `chrono`).
/// What is needed here is the Gregorian month lengths, which this does.
fn date(text: &str) -> Option<&str> {
    let (year, rest) = digits(text, 4)?;
    if text.len() - rest.len() != 4 {
        return None;
    }
    let (sep, rest) = if let Some(r) = rest.strip_prefix('年') { ("年", r) } else {
        let sep = rest.get(..1).filter(|s| ["-", "/", "."].contains(s))?;
        (sep, &rest[1..])
    };
    let (month, rest) = digits(rest, 2)?;
    let rest = rest.strip_prefix(if sep == "年" { "月" } else { sep })?;
    let (day, rest) = digits(rest, 2)?;
    let rest = if sep == "年" { rest.strip_prefix('日')? } else { rest };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let valid = (1..=12).contains(&month) && day >= 1 && day <= days[(month - 1) as usize];
    valid.then_some(rest)
}

/// Exactly two digits at the start of `text`, at most `max`; returns what follows.
fn two_digits(text: &str, max: u32) -> Option<&str> {
    let (n, rest) = digits(text, 2)?;
    (text.len() - rest.len() == 2 && n <= max).then_some(rest)
}

/// `15:01` or `15:01:30`, 24-hour, and nothing after.
fn clock(text: &str) -> bool {
    let two = two_digits;
    let Some((hour, rest)) = digits(text, 2) else { return false };
    if hour > 23 {
        return false;
    }
    let Some(rest) = rest.strip_prefix(':').and_then(|r| two(r, 59)) else { return false };
    match rest.strip_prefix(':') {
        Some(r) => two(r, 59) == Some(""),
        None => rest.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use KeywordType as T;

    fn ok(kind: KeywordType, value: &str) -> bool {
        check(kind, value, &[]).is_ok()
    }
    fn code(kind: KeywordType, value: &str) -> &'static str {
        check(kind, value, &[]).err().map_or("ok", |p| p.code)
    }
    fn of(c: char, n: usize) -> String {
        std::iter::repeat_n(c, n).collect()
    }

    #[test]
    fn every_rule_rejects_empty_values() {
        for (_, kind) in TYPES_FOR_TESTS {
            assert_eq!(code(kind, ""), "empty");
            assert_eq!(code(kind, "  "), "empty");
        }
    }

    #[test]
    fn every_type_example_passes_its_own_rule() {
        for (name, kind) in TYPES_FOR_TESTS {
            if kind == T::Enum {
                assert_eq!(kind.example(), "", "an enum's example is its first choice");
                continue;
            }
            assert_eq!(code(kind, kind.example()), "ok", "{name}: {}", kind.example());
        }
    }

    const TYPES_FOR_TESTS: [(&str, KeywordType); 13] = [
        ("thing", T::Thing), ("number", T::Number), ("letter", T::Letter), ("symbol", T::Symbol),
        ("character_string", T::CharacterString), ("time", T::Time), ("date", T::Date), ("amount", T::Amount),
        ("phone_number", T::PhoneNumber), ("car_number", T::CarNumber), ("name", T::Name), ("phrase", T::Phrase),
        ("enum", T::Enum),
    ];

    #[test]
    fn thing_takes_20_characters_of_anything_chinese_or_latin() {
        assert!(ok(T::Thing, &of('订', 20)));
        assert!(ok(T::Thing, &of('a', 19)));
        let p = check(T::Thing, &of('订', 21), &[]).unwrap_err();
        assert_eq!((p.code, p.length, p.limit), ("too-long", Some(21), Some(20)));
        assert!(p.fix.contains(&(of('订', 19) + "…")), "{}", p.fix);
        assert_eq!(p.suggestion, Some(of('订', 19) + "…"));
        assert_eq!(check(T::Number, &of('9', 33), &[]).unwrap_err().suggestion, Some(of('9', 32)));
        assert_eq!(code(T::Thing, &of('x', 21)), "too-long");
        assert!(ok(T::Thing, "🎉 emoji count as one"));
    }

    #[test]
    fn number_takes_32_digits_with_decimals() {
        assert!(ok(T::Number, &of('9', 32)));
        assert!(ok(T::Number, "3.14"));
        assert_eq!(code(T::Number, &of('9', 33)), "too-long");
        for bad in ["1.2.3", ".5", "5.", "-1", "1e5", "１２"] {
            assert_eq!(code(T::Number, bad), "bad-format", "{bad}");
        }
    }

    #[test]
    fn letter_takes_32_letters_only() {
        assert!(ok(T::Letter, &of('a', 32)));
        assert_eq!(code(T::Letter, &of('a', 33)), "too-long");
        let p = check(T::Letter, "abc1", &[]).unwrap_err();
        assert_eq!((p.code, p.character), ("bad-character", Some('1')));
        assert_eq!(p.suggestion.as_deref(), Some("abc"));
        assert_eq!(check(T::Letter, "123", &[]).unwrap_err().suggestion, None, "nothing left to suggest");
        assert_eq!(code(T::Letter, "订单"), "bad-character");
    }

    #[test]
    fn symbol_takes_5_symbols_only() {
        assert!(ok(T::Symbol, "!@#$%"));
        assert_eq!(code(T::Symbol, "!@#$%^"), "too-long");
        assert_eq!(code(T::Symbol, "!a"), "bad-character");
    }

    #[test]
    fn character_string_takes_32_digits_letters_or_symbols() {
        assert!(ok(T::CharacterString, "123456789"));
        assert!(ok(T::CharacterString, &of('A', 32)));
        assert_eq!(code(T::CharacterString, &of('A', 33)), "too-long");
        assert_eq!(code(T::CharacterString, "订单123"), "bad-character");
        assert_eq!(code(T::CharacterString, "12 34"), "bad-character");
    }

    #[test]
    fn time_is_24_hour_with_an_optional_date_and_ranges() {
        for good in ["15:01", "00:00", "23:59:59", "2019-10-01 15:01", "2019年10月1日 15:01", "2019年10月1日15:01", "10:00~12:00", "10:00 ~ 12:00"] {
            assert!(ok(T::Time, good), "{good}");
        }
        for bad in ["24:00", "15:60", "3pm", "15", "2019-10-01", "15:01~", "1:2"] {
            assert_eq!(code(T::Time, bad), "bad-format", "{bad}");
        }
    }

    #[test]
    fn date_is_year_month_day_with_an_optional_time_and_ranges() {
        for good in ["2019-10-01", "2015年01月05日", "2019/2/28", "2020-02-29", "2019-10-01 15:01", "2019-10-01~2019-10-07", "2019.10.01"] {
            assert!(ok(T::Date, good), "{good}");
        }
        for bad in ["2019-02-29", "2019-13-01", "19-10-01", "2019-10", "15:01", "2019年10月1", "2019-10/01", "明天"] {
            assert_eq!(code(T::Date, bad), "bad-format", "{bad}");
        }
    }

    #[test]
    fn seed_000_date_written_with_moment_hh_mm_dd_is_refused() {
        // Seed 000 formats date2 with moment's 'YYYY-MM-DD hh:mm:dd': 'dd' is the weekday.
        let p = check(T::Date, "2020-03-05 03:12:Th", &[]).unwrap_err();
        assert_eq!(p.code, "bad-format");
        assert!(p.fix.contains("2019-10-01 15:01"));
    }

    #[test]
    fn amount_is_a_currency_sign_and_at_most_10_digits() {
        for good in ["¥128.50", "￥100", "100元", "$9999999999", "¥12.5元"] {
            assert!(ok(T::Amount, good), "{good}");
        }
        for bad in ["¥12345678901", "¥¥1", "一百元", "¥", "12.3.4"] {
            assert_eq!(code(T::Amount, bad), "bad-format", "{bad}");
        }
    }

    #[test]
    fn phone_number_takes_17_digits_or_symbols() {
        assert!(ok(T::PhoneNumber, "+86-138-0013-8000"));
        assert_eq!(code(T::PhoneNumber, &of('1', 18)), "too-long");
        assert_eq!(code(T::PhoneNumber, "138abc"), "bad-character");
    }

    #[test]
    fn car_number_takes_8_with_chinese_only_first_or_last() {
        for good in ["粤A12345", "粤B1234学", "AB12345"] {
            assert!(ok(T::CarNumber, good), "{good}");
        }
        assert_eq!(code(T::CarNumber, "粤A1234567"), "too-long");
        let p = check(T::CarNumber, "粤A京345", &[]).unwrap_err();
        assert_eq!((p.code, p.character), ("bad-character", Some('京')));
    }

    #[test]
    fn name_takes_10_chinese_or_20_latin_and_mixed_counts_as_chinese() {
        assert!(ok(T::Name, &of('张', 10)));
        assert_eq!(code(T::Name, &of('张', 11)), "too-long");
        assert!(ok(T::Name, "John Smith-Jones"));
        assert!(ok(T::Name, &of('a', 20)));
        assert_eq!(code(T::Name, &of('a', 21)), "too-long");
        assert_eq!(code(T::Name, "张abcdefghij"), "too-long", "11 mixed counts as Chinese");
        assert_eq!(code(T::Name, "Agent 007"), "bad-character");
    }

    #[test]
    fn phrase_takes_5_chinese_characters_only() {
        assert!(ok(T::Phrase, "已发货"));
        assert_eq!(code(T::Phrase, "配送中的订单"), "too-long");
        assert_eq!(code(T::Phrase, "ok"), "bad-character");
    }

    #[test]
    fn enum_takes_only_the_template_values() {
        let choices = vec!["已发货".to_owned(), "已签收".to_owned()];
        assert!(check(T::Enum, "已签收", &choices).is_ok());
        let p = check(T::Enum, "已取消", &choices).unwrap_err();
        assert_eq!(p.code, "not-in-enum");
        assert!(p.fix.contains("已发货, 已签收"));
    }
}

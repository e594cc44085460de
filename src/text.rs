//! Text helpers every layer uses: whole numbers in decimal and quoted input,
//! written without the standard formatting machinery (large in wasm).

/// Where `needle` first stands in `haystack` (a byte offset). A plain search:
/// the standard one brings a large two-way searcher into the wasm module.
pub(crate) fn find(haystack: &str, needle: &str) -> Option<usize> {
    haystack.as_bytes().windows(needle.len().max(1)).position(|w| w == needle.as_bytes())
}

/// How many characters of the input a message quotes before it cuts.
pub const QUOTED_CHARS: usize = 40;

/// `text` as a message quotes it: the first [`QUOTED_CHARS`] characters, then
/// `…` and its full size in UTF-8 bytes when there is more, so a huge input never makes a huge message.
pub fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => [&text[..cut], "… (", &decimal(text.len() as i64), " bytes)"].concat(),
    }
}

/// A whole number in decimal, without the formatting machinery (it is large in wasm).
pub(crate) fn decimal(n: i64) -> String {
    // Room for any i64: one allocation, never grown.
    let mut text = String::with_capacity(20);
    if n < 0 {
        text.push('-');
    }
    each_digit(n.unsigned_abs(), |d| text.push(char::from(d)));
    text
}

/// Gives the decimal digits of `n` (ASCII), from the first, to `digit`: no
/// buffer to clear and no digits to move (the JSON writer uses it too).
pub(crate) fn each_digit(n: u64, mut digit: impl FnMut(u8)) {
    let mut power = 1;
    while power <= n / 10 {
        power *= 10;
    }
    loop {
        digit(b'0' + (n / power % 10) as u8);
        if power == 1 {
            break;
        }
        power /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_as_rust_formats_them() {
        for n in [0, 7, 10, 99, 12345, -1, -40001, i64::MAX, i64::MIN] {
            assert_eq!(decimal(n), n.to_string());
        }
    }

    #[test]
    fn quotes_cut_long_text_and_say_its_length() {
        assert_eq!(quote("订阅"), "订阅");
        let long = "订".repeat(1_000_000);
        let q = quote(&long);
        assert!(q.starts_with(&"订".repeat(QUOTED_CHARS)) && q.ends_with("… (3000000 bytes)"), "{q}");
        assert!(q.chars().count() < 80);
    }
}

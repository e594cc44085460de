//! Answers as numbers, for the calls a page makes after every answer
//! (`plan`, `interpretResult`, `remember`): on a phone the module runs interpreted, and writing
//! JSON text costs there, unit by unit, more than the work it reports; the JS
//! side would then parse it again. A numbers answer is a list of `f64` that
//! crosses with one native copy (a `Float64Array`) and that the JS side reads
//! by index. Names are numbers (an index in a list of names the JS side
//! holds), text is its length and then its UTF-16 code units.
//!
//! A numbers answer starts with `0`. A failed call answers its
//! `{"error":...}` JSON text instead, one code unit per number, which starts
//! with `{`: the JS side tells the two apart by the first number.

use crate::error::Error;
use crate::memory::{Record, RECORD_VERSION};
use crate::outcome::Answers;

/// A numbers answer being written. One call per number: a push inlined at
/// every place would make the module larger, not faster on a phone.
pub struct Numbers(Vec<f64>);

impl Numbers {
    /// A numbers answer: `0`, then what the caller writes.
    pub fn answer(capacity: usize) -> Numbers {
        let mut out = Numbers(Vec::with_capacity(capacity));
        out.put(0.0);
        out
    }

    /// Writes a number.
    #[inline(never)]
    pub fn put(&mut self, n: f64) -> &mut Self {
        self.0.push(n);
        self
    }

    /// Writes a whole number.
    pub fn whole(&mut self, n: usize) -> &mut Self {
        self.put(n as f64)
    }

    /// Writes how many positions, then each.
    pub fn positions(&mut self, positions: &[usize]) -> &mut Self {
        self.whole(positions.len());
        for &at in positions {
            self.whole(at);
        }
        self
    }

    /// Writes text: how many UTF-16 code units, then each.
    pub fn text(&mut self, text: &str) -> &mut Self {
        let at = self.0.len();
        self.put(0.0);
        for unit in text.encode_utf16() {
            self.put(unit.into());
        }
        self.0[at] = (self.0.len() - at - 1) as f64;
        self
    }

    /// The numbers written.
    pub fn done(self) -> Vec<f64> {
        self.0
    }
}

/// A call's answer: `numbers(value)` when it succeeded, else the error's
/// JSON text (`{"error":...}`), one code unit per number.
pub fn answer<T>(result: &Result<T, Error>, numbers: impl FnOnce(&T) -> Vec<f64>) -> Vec<f64> {
    match result {
        Ok(value) => numbers(value),
        Err(error) => crate::json::error_answer(error).into_iter().map(f64::from).collect(),
    }
}

/// The answers as the `interpretResult` export gives them, by position in
/// the request (the JS side knows its ids; none is written back), in this
/// order:
///
/// - `0`, whether the accepts add sends (`0` or `1`), then the counts in
///   the order of [`crate::outcome::OutcomeCounts::NAMES`];
/// - how many results, then per result its status (its index in
///   [`crate::Status::NAMES`]) and the text of its raw value, or `-1` for none;
/// - how many positions were accepted, then each.
pub fn answers(answers: &Answers) -> Vec<f64> {
    // Room for all of it, so that a large request's answer is not copied to
    // grow: two numbers a result (its status, its raw text's length), then
    // the texts, whose UTF-8 bytes bound their UTF-16 code units.
    let mut room = 16 + 2 * answers.results.len() + answers.accepted.len();
    for (_, raw) in &answers.results {
        room += raw.as_ref().map_or(0, String::len);
    }
    let mut out = Numbers::answer(room);
    out.whole(usize::from(answers.sends));
    for count in answers.counts.in_order() {
        out.put(count.into());
    }
    out.whole(answers.results.len());
    for (status, raw) in &answers.results {
        out.whole(*status as usize);
        match raw {
            Some(raw) => out.text(raw),
            None => out.put(-1.0),
        };
    }
    out.positions(&answers.accepted);
    out.done()
}

/// The record as the `remember` export answers it, in this order: `0`,
/// [`RECORD_VERSION`]; how many states, then per state its key (its
/// position, see [`crate::memory::merge_from_codes`]), its state (its index
/// in [`crate::TemplateState::NAMES`]) and its time; how many pending
/// templates, then per template its key and its count; the learned ids per
/// request and when, or `-1` and `-1`.
pub fn record(record: &Record) -> Vec<f64> {
    let mut out = Numbers::answer(8 + 4 * record.states.len() + 3 * record.pending.len());
    let key = |id: &str| position(id).unwrap_or(0);
    out.whole(RECORD_VERSION as usize).whole(record.states.len());
    for (id, r) in &record.states {
        out.whole(key(id)).whole(r.state as usize).put(r.at);
    }
    out.whole(record.pending.len());
    for (id, n) in &record.pending {
        out.whole(key(id)).whole(*n as usize);
    }
    match record.ids_per_request {
        Some(l) => out.whole(l.ids as usize).put(l.at),
        None => out.put(-1.0).put(-1.0),
    };
    out.done()
}

/// A key that is a position: `"12"` (digits only, as JS writes an index).
pub(crate) fn position(key: &str) -> Option<usize> {
    if key.is_empty() || key.len() > 9 || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(key.bytes().fold(0, |n, b| n * 10 + usize::from(b - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_start_with_0_and_errors_with_their_json_text() {
        let mut out = Numbers::answer(0);
        out.whole(7).positions(&[2, 5]).text("é𝄞");
        assert_eq!(out.done(), [0.0, 7.0, 2.0, 2.0, 5.0, 3.0, 233.0, 55348.0, 56606.0]);
        let failed: Result<(), Error> = Err(Error::input("some-code", "what happened".to_owned(), "what to do"));
        let text: Vec<u16> = answer(&failed, |_| Vec::new()).into_iter().map(|unit| unit as u16).collect();
        let error: serde_json::Value = serde_json::from_str(&String::from_utf16(&text).unwrap()).unwrap();
        assert_eq!(error["error"]["code"], "some-code");
        assert_eq!(answer(&Ok(()), |_| vec![0.0, 1.0]), [0.0, 1.0]);
    }

    #[test]
    fn only_digit_keys_are_positions() {
        assert_eq!(position("12"), Some(12));
        for bad in ["", "-1", "1e3", " 1", "12345678901", "x"] {
            assert_eq!(position(bad), None, "{bad}");
        }
    }
}

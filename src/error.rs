//! Errors as values: every failure carries a stable `code`, a `kind` a page can
//! switch on, a `message` for the developer and `advice` on what to do next.
//! The JS side receives exactly these fields (see `js/lib/index.d.ts`).

use crate::value::Value;
use serde::Serialize;

/// What kind of failure this is: the category a page switches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The app passed input of the wrong shape (templates, setting, options).
    Input,
    /// The call did not come straight from a user tap, or the tap was already used.
    Gesture,
    /// A previous subscribe request has not ended yet.
    Busy,
    /// The user closed the popup without answering.
    Cancelled,
    /// The network failed while WeChat fetched or saved the subscription.
    Network,
    /// The popup could not show, usually because the app went to the background.
    Background,
    /// Only the user can fix it, on the settings page (`wx.openSetting`).
    Settings,
    /// The mini-program is banned from subscription messages.
    Banned,
    /// A template id is unknown, of another kind, or meant for another API.
    Template,
    /// The batch was refused as a whole: too many ids or mixed kinds.
    Batch,
    /// A device message ticket (`snTicket`) or model did not fit.
    Device,
    /// The client (base library or WeChat version) cannot do this.
    Unsupported,
    /// The wasm module was used before `init()` finished.
    NotReady,
    /// WeChat answered something this library does not know; the raw code and
    /// message are kept.
    Unknown,
}

/// A failure, as a value. Nothing in this crate panics on bad input: it returns this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Error {
    /// Stable machine-readable code, e.g. `"too-many-ids"` or `"template-duplicate-id"`.
    pub code: &'static str,
    /// The category of the failure.
    pub kind: ErrorKind,
    /// What happened, naming the bad entry where there is one.
    pub message: String,
    /// What to do about it.
    pub advice: &'static str,
    /// Whether asking again (on a later tap) can succeed without other changes.
    pub retryable: bool,
    /// The `errCode` WeChat answered, when the error came from WeChat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub err_code: Option<i32>,
    /// The `errMsg` WeChat answered, when the error came from WeChat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub err_msg: Option<String>,
}

impl Error {
    /// An input error: the app's data does not have the expected shape.
    pub fn input(code: &'static str, message: String, advice: &'static str) -> Error {
        Error {
            code,
            kind: ErrorKind::Input,
            message,
            advice,
            retryable: false,
            err_code: None,
            err_msg: None,
        }
    }

    /// An input error worded "`what` must be `expected`, got `a number`".
    pub fn shape(code: &'static str, what: &str, expected: &str, got: &Value, advice: &'static str) -> Error {
        Error::input(code, [what, " must be ", expected, ", got ", got.describe()].concat(), advice)
    }
}

/// A whole number in decimal, without the formatting machinery (it is large in wasm).
pub(crate) fn decimal(n: i64) -> String {
    let mut text = String::new();
    let mut rest = n.unsigned_abs();
    loop {
        text.insert(0, char::from(b'0' + (rest % 10) as u8));
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        text.insert(0, '-');
    }
    text
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.code, self.message, self.advice)
    }
}

impl std::error::Error for Error {}

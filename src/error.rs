//! Errors as values: every failure carries a stable `code`, a `kind` a page can
//! switch on, a `message` for the developer and `advice` on what to do next.
//! The JS side receives exactly these fields (see `js/lib/index.d.ts`).

use crate::text::{decimal, find, quote};
use crate::value::Value;
use serde::Serialize;

/// What kind of failure this is: the category a page switches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Sending: the user refused, or has no send left; ask them to subscribe again.
    Quota,
    /// Sending: the access token is invalid or expired; refresh it once, then retry once.
    Token,
    /// Sending: the daily limit is reached.
    Limit,
    /// WeChat answered something this library does not know; the raw code and
    /// message are kept.
    Unknown,
    /// The library failed inside (the wasm module trapped or ran out of memory);
    /// the next call runs on a fresh module.
    Internal,
    /// The package is not set up right: its wasm file could not be loaded from
    /// the code package (a wrong path, or "Build npm" not run). Fix the build,
    /// not the user's WeChat.
    Setup,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 19] = {
        use ErrorKind as K;
        [K::Input, K::Gesture, K::Busy, K::Cancelled, K::Network, K::Background, K::Settings, K::Banned, K::Template,
            K::Batch, K::Device, K::Unsupported, K::NotReady, K::Quota, K::Token, K::Limit, K::Unknown, K::Internal, K::Setup]
    };

    /// A sentence for the user, in Chinese, that a page can show as it is.
    pub fn user_message(self) -> &'static str {
        const SENTENCES: &[&str] = &[
            "内容不符合要求，请按提示修改。",
            "请直接点击按钮订阅。",
            "上一次订阅还没有完成，请稍候。",
            "已取消，可以稍后再订阅。",
            "网络不太好，请稍后再试。",
            "请回到小程序后再点一次。",
            "订阅消息已关闭，请到设置页打开。",
            "这个小程序暂时无法订阅消息。",
            "这个通知暂时无法订阅，请稍后再试。",
            "已重新分组，请再点一次订阅。",
            "设备信息已失效，请重新连接设备后再订阅。",
            "当前微信版本过低，请升级微信后再订阅。",
            "正在加载，请稍后再试。",
            "还没有可用的订阅次数，请先订阅这个通知。",
            "服务暂时不可用，请稍后再试。",
            "今天的发送次数已用完，请明天再试。",
            "订阅暂时不可用，请稍后再试。",
            "出了点问题，请再试一次。",
            "小程序安装不完整，请联系开发者。",
        ];
        SENTENCES.get(self as usize).copied().unwrap_or("")
    }
}

named!(ErrorKind, ["input", "gesture", "busy", "cancelled", "network", "background", "settings", "banned", "template", "batch", "device", "unsupported", "not-ready", "quota", "token", "limit", "unknown", "internal", "setup"]);

/// A failure, as a value. Nothing in this crate panics on bad input: it returns this.
/// Serialized as `{ code, kind, message, advice, userMessage, retryable, errCode?, errMsg?, field? }`.
/// Its fields ([`Failure`]) are behind one pointer, so that a `Result` carrying
/// it is no larger than its value: every `?` moves a pointer, not the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<Failure>);

impl std::ops::Deref for Error {
    type Target = Failure;
    fn deref(&self) -> &Failure {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut Failure {
        &mut self.0
    }
}

/// What an [`Error`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
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
    pub err_code: Option<i32>,
    /// The `errMsg` WeChat answered, when the error came from WeChat.
    pub err_msg: Option<String>,
    /// The field WeChat named as wrong (`data.thing7.value` in a 47003), if any.
    pub field: Option<String>,
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Error", 9)?;
        out.serialize_field("code", self.code)?;
        out.serialize_field("kind", &self.kind)?;
        out.serialize_field("message", &self.message)?;
        out.serialize_field("advice", self.advice)?;
        out.serialize_field("userMessage", self.user_message())?;
        out.serialize_field("retryable", &self.retryable)?;
        if let Some(code) = self.err_code {
            out.serialize_field("errCode", &code)?;
        }
        if let Some(message) = &self.err_msg {
            out.serialize_field("errMsg", message)?;
        }
        if let Some(field) = &self.field {
            out.serialize_field("field", field)?;
        }
        out.end()
    }
}

impl Error {
    /// An error that did not come from WeChat (no `errCode`, `errMsg` or field).
    pub fn new(code: &'static str, kind: ErrorKind, retryable: bool, message: String, advice: &'static str) -> Error {
        Error(Box::new(Failure { code, kind, message, advice, retryable, err_code: None, err_msg: None, field: None }))
    }

    /// A sentence for the user, in Chinese, that a page can show as it is
    /// (by kind: see [`ErrorKind::user_message`]).
    pub fn user_message(&self) -> &'static str {
        self.kind.user_message()
    }

    /// An input error: the app's data does not have the expected shape.
    pub fn input(code: &'static str, message: String, advice: &'static str) -> Error {
        Error::new(code, ErrorKind::Input, false, message, advice)
    }

    /// An input error worded "`what` must be `expected`, got `a number`".
    pub fn shape(code: &'static str, what: &str, expected: &str, got: &Value, advice: &'static str) -> Error {
        Error::input(code, [what, " must be ", expected, ", got ", got.describe()].concat(), advice)
    }
}

/// One failure WeChat is known to answer, a row of a table:
/// `Known(errCode, text, code, kind, retryable, message, advice)`, where `text`
/// is a piece of the message (lower case) that identifies the failure, or "".
pub(crate) struct Known(
    pub(crate) Option<i32>,
    pub(crate) &'static str,
    pub(crate) &'static str,
    pub(crate) ErrorKind,
    pub(crate) bool,
    pub(crate) &'static str,
    pub(crate) &'static str,
);

/// The code and message of a WeChat answer: `errCode`/`errMsg` (client, cloud)
/// or `errcode`/`errmsg` (HTTPS).
pub(crate) fn wechat_answer(answer: &Value) -> (Option<i32>, Option<String>) {
    let code = match answer.get("errCode").or_else(|| answer.get("errcode")) {
        Some(Value::Number(n)) if n.fract() == 0.0 && n.abs() <= i32::MAX as f64 => Some(*n as i32),
        _ => None,
    };
    let message = answer.get("errMsg").or_else(|| answer.get("errmsg")).and_then(Value::as_str);
    (code, message.map(str::to_owned))
}

/// The error for a WeChat failure: the row of `table` whose text the message
/// contains, else the row of the code; a failure no row knows keeps the raw
/// code and message, with kind `unknown`.
pub(crate) fn from_wechat(table: &[Known], err_code: Option<i32>, err_msg: Option<String>) -> Error {
    let lowered = err_msg.as_deref().unwrap_or("").to_ascii_lowercase();
    let has = |text: &str| find(&lowered, text).is_some();
    let row = table
        .iter()
        .find(|k| !k.1.is_empty() && has(k.1))
        .or_else(|| table.iter().find(|k| k.0.is_some() && k.0 == err_code));
    let (code, kind, retryable, message, advice) = match row {
        Some(&Known(_, _, code, kind, retryable, message, advice)) => (code, kind, retryable, message.to_owned(), advice),
        None => (
            "unknown",
            ErrorKind::Unknown,
            false,
            [
                "WeChat answered a failure this library does not know: errCode ",
                &err_code.map_or_else(|| "none".to_owned(), |c| decimal(c.into())),
                ", errMsg '",
                &quote(err_msg.as_deref().unwrap_or("")),
                "'",
            ]
            .concat(),
            "report it with the raw errCode and errMsg; asking again later may work",
        ),
    };
    Error(Box::new(Failure { code, kind, message, advice, retryable, err_code, err_msg, field: None }))
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.code, self.message, self.advice)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_written_as_serde_writes_it_but_for_the_sentence() {
        let mut full = Error::new("too-many-ids", ErrorKind::Batch, true, "a \"quoted\" 消息".to_owned(), "advice");
        (full.err_code, full.err_msg, full.field) = (Some(-20003), Some("requestSubscribeMessage:fail".to_owned()), Some("data.thing1".to_owned()));
        for error in [Error::input("input-unreadable", "bare".to_owned(), "pass data"), full] {
            let text = String::from_utf16(&crate::json::answer_direct::<&str>(&Err(error.clone()))).unwrap();
            let written: serde_json::Value = serde_json::from_str(&text).unwrap();
            let mut serde = serde_json::to_value(&error).unwrap();
            assert_eq!(serde["userMessage"].take(), error.kind.user_message(), "serde writes the user's sentence");
            serde.as_object_mut().unwrap().remove("userMessage");
            assert_eq!(written["error"], serde, "the boundary leaves the sentence to the JS side");
        }
    }
}

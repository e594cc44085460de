//! Every failure the server answers: the crate's error shape (`code`, `kind`,
//! `message`, `advice`, `userMessage`) under `{ ok: false, error }`, with an
//! HTTP status. Nothing raw from WeChat or the database reaches the caller.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use wx_subscribe::{Error, ErrorKind};

/// A failure with its HTTP status.
#[derive(Debug)]
pub struct Problem {
    /// The status to answer.
    pub status: StatusCode,
    /// What went wrong, as the crate describes errors.
    pub error: Error,
}

impl Problem {
    /// A failure of `kind` with this status.
    pub fn new(status: StatusCode, code: &'static str, kind: ErrorKind, message: impl Into<String>, advice: &'static str) -> Problem {
        Problem { status, error: Error::new(code, kind, false, message.into(), advice) }
    }

    /// The caller's request is wrong.
    pub fn input(code: &'static str, message: impl Into<String>, advice: &'static str) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, code, ErrorKind::Input, message, advice)
    }

    /// No valid session.
    pub fn unauthorised() -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "no-session", ErrorKind::Input, "no valid session",
            "log in first (POST /login with a wx.login code) and send Authorization: Bearer <session>")
    }

    /// The database failed: said without its details.
    pub fn storage(_: sqlx::Error) -> Problem {
        let mut p = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "storage-failed", ErrorKind::Network, "the ledger could not be read or written", "try again later");
        p.error.retryable = true;
        p
    }

    /// WeChat could not be reached, or a call other than a send got no answer.
    pub fn upstream() -> Problem {
        let mut p = Problem::new(StatusCode::BAD_GATEWAY, "wechat-unreachable", ErrorKind::Network, "WeChat's API did not answer", "try again later");
        p.error.retryable = true;
        p
    }

    /// A send whose answer was lost (a timeout, a broken answer): WeChat may
    /// have sent it. Not retryable: a retry could send twice. The send stays spent.
    pub fn unknown_outcome() -> Problem {
        Problem::new(StatusCode::BAD_GATEWAY, "send-outcome-unknown", ErrorKind::Network,
            "WeChat's answer to the send was lost: it may or may not have been sent",
            "do not send again; the send stays spent, and WeChat's sent event settles it")
    }

    /// An error the crate gave (a send error, a check), with the status its kind calls for.
    pub fn from_error(mut error: Error) -> Problem {
        if error.kind == ErrorKind::Unknown {
            // WeChat's own words stay in the server's hands.
            let code = error.err_code.map_or_else(|| "none".to_owned(), |c| c.to_string());
            error.message = format!("WeChat answered a failure this server does not know (errCode {code})");
        }
        let status = match error.kind {
            ErrorKind::Input | ErrorKind::Template => StatusCode::BAD_REQUEST,
            ErrorKind::Quota => StatusCode::CONFLICT,
            ErrorKind::Limit => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_GATEWAY,
        };
        Problem { status, error }
    }
}

impl Problem {
    /// The JSON body answered: `{ ok: false, error: { code, kind, message, advice, userMessage, retryable, errCode?, field? } }`.
    pub fn body(&self) -> serde_json::Value {
        let e = &self.error;
        let mut body = serde_json::json!({
            "code": e.code, "kind": e.kind.name(), "message": e.message, "advice": e.advice,
            "userMessage": e.user_message(), "retryable": e.retryable,
        });
        if let Some(code) = e.err_code {
            body["errCode"] = code.into();
        }
        if let Some(field) = &e.field {
            body["field"] = field.clone().into();
        }
        serde_json::json!({ "ok": false, "error": body })
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

//! WeChat's server API: `jscode2session`, the access token, the template list
//! and `subscribeMessage.send`.
//!
//! The access token comes from `stable_token`, so several instances of this
//! server do not invalidate each other's token. It is cached until 5 minutes
//! before it expires, and one refresh runs at a time: callers that need a
//! token while one is being fetched wait for that one (single flight). A call
//! WeChat answers with 40001 or 42001 (token invalid or expired) refreshes the
//! token once, unless another caller already did, and is retried once. The
//! token and the AppSecret are never logged and never in an error.

use crate::config::{Config, Secret};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Refresh this long before the token expires.
const EARLY: Duration = Duration::from_secs(300);

/// Why a call to WeChat gave no answer to act on.
#[derive(Debug)]
pub enum Failure {
    /// Not reached, timed out, or not JSON.
    Unreachable,
    /// WeChat answered with an `errcode`: its answer as it came.
    Answered(Value),
}

struct Token {
    value: String,
    until: Instant,
}

/// A client of WeChat's API for one mini-program.
pub struct WeChat {
    http: reqwest::Client,
    base: String,
    appid: String,
    secret: Secret,
    token: Mutex<Option<Token>>,
    fetches: AtomicU64,
}

fn errcode(answer: &Value) -> i64 {
    answer.get("errcode").and_then(Value::as_i64).unwrap_or(0)
}

impl WeChat {
    /// A client for the mini-program in `config`.
    pub fn new(config: &Config) -> WeChat {
        let http = reqwest::Client::builder().timeout(config.wechat_timeout).build().expect("a TLS client with rustls");
        WeChat {
            http,
            base: config.wechat_api.trim_end_matches('/').to_owned(),
            appid: config.appid.clone(),
            secret: config.secret.clone(),
            token: Mutex::new(None),
            fetches: AtomicU64::new(0),
        }
    }

    /// How many times a token was fetched (for the figures and tests).
    pub fn token_fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// JSON from WeChat; errors never carry the URL (it holds the token).
    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Value, Failure> {
        let response = request.send().await.map_err(|_| Failure::Unreachable)?;
        let answer: Value = response.json().await.map_err(|_| Failure::Unreachable)?;
        if errcode(&answer) != 0 { Err(Failure::Answered(answer)) } else { Ok(answer) }
    }

    /// The openid for a `wx.login` code. The session_key stays here and is dropped.
    pub async fn openid(&self, code: &str) -> Result<String, Failure> {
        let url = format!("{}/sns/jscode2session", self.base);
        let query = [("appid", self.appid.as_str()), ("secret", self.secret.0.as_str()), ("js_code", code), ("grant_type", "authorization_code")];
        let answer = self.call(self.http.get(url).query(&query)).await?;
        answer.get("openid").and_then(Value::as_str).map(str::to_owned).ok_or(Failure::Unreachable)
    }

    /// A valid token: the cached one, or one fetched now (by one caller at a time).
    async fn token(&self, stale: Option<&str>) -> Result<String, Failure> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref() {
            let fresh = Instant::now() + EARLY < t.until;
            if fresh && stale != Some(t.value.as_str()) {
                return Ok(t.value.clone());
            }
        }
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let body = json!({
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret.0,
            "force_refresh": stale.is_some(),
        });
        let answer = self.call(self.http.post(format!("{}/cgi-bin/stable_token", self.base)).json(&body)).await?;
        let value = answer.get("access_token").and_then(Value::as_str).ok_or(Failure::Unreachable)?.to_owned();
        let seconds = answer.get("expires_in").and_then(Value::as_u64).unwrap_or(7200);
        *cached = Some(Token { value: value.clone(), until: Instant::now() + Duration::from_secs(seconds) });
        Ok(value)
    }

    /// Calls `make(token)`; on 40001/42001 refreshes the token once and calls once more.
    async fn with_token<F>(&self, make: F) -> Result<Value, Failure>
    where
        F: Fn(&str) -> reqwest::RequestBuilder,
    {
        let token = self.token(None).await?;
        match self.call(make(&token)).await {
            Err(Failure::Answered(a)) if matches!(errcode(&a), 40001 | 42001) => {
                let fresh = self.token(Some(&token)).await?;
                self.call(make(&fresh)).await
            }
            other => other,
        }
    }

    /// The account's templates (`getTemplateList`): `data` as WeChat gives it.
    pub async fn templates(&self) -> Result<Value, Failure> {
        let url = format!("{}/wxaapi/newtmpl/gettemplate", self.base);
        let answer = self.with_token(|t| self.http.get(&url).query(&[("access_token", t)])).await?;
        Ok(answer.get("data").cloned().unwrap_or(Value::Array(Vec::new())))
    }

    /// Sends one message (`subscribeMessage.send`): WeChat's answer, success or not.
    pub async fn send(&self, payload: &Value) -> Result<Value, Failure> {
        let url = format!("{}/cgi-bin/message/subscribe/send", self.base);
        match self.with_token(|t| self.http.post(&url).query(&[("access_token", t)]).json(payload)).await {
            Err(Failure::Answered(a)) => Ok(a),
            other => other,
        }
    }
}

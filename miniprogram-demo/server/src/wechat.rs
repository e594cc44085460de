//! WeChat's server API: `jscode2session`, the access token, the template list
//! and `subscribeMessage.send`.
//!
//! The access token comes from `stable_token` in normal mode only, never
//! `force_refresh` (which invalidates every other instance's token and is
//! limited to 20 a day). It is kept in the database and shared by every
//! instance: one instance at a time holds a lease to fetch it, the others read
//! what it stored, so N instances make one fetch per renewal. Within an
//! instance one caller at a time looks (the others wait for its answer). A
//! token is renewed 5 minutes before it expires. A call answered 40001 or 42001
//! fetches again in normal mode once (unless another caller already did) and is
//! retried once; a call answered -1 (busy) is retried with backoff. Each call
//! writes one log line (API, errcode, latency), never the token, the secret or
//! a whole openid.

use crate::config::{Config, Secret};
use crate::db::Ledger;
use crate::metrics::Metrics;
use futures_util::stream::{self, StreamExt};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{oneshot, Mutex};

/// Renew this many seconds before the token expires.
const EARLY: i64 = 300;
/// How long an instance may hold the lease to fetch the token, in seconds.
const TOKEN_LEASE: i64 = 30;
/// Tries of a call WeChat answers -1 (busy), and the first wait between them.
const BUSY_TRIES: u32 = 3;
const BUSY_WAIT: Duration = Duration::from_millis(200);

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The first 6 characters of an openid, for a log line.
pub fn short(openid: &str) -> String {
    openid.chars().take(6).chain("…".chars()).collect()
}

/// Why a call to WeChat gave no answer to act on.
#[derive(Debug)]
pub enum Failure {
    /// WeChat was not reached: the request never left (no connection).
    NotSent,
    /// The request left, and no answer came back in time, or one that is not JSON.
    NoAnswer,
    /// WeChat answered with an `errcode`: its answer as it came.
    Answered(Value),
}

struct Token {
    value: String,
    /// Seconds since the epoch.
    expires_at: i64,
}

impl Token {
    fn usable(&self, stale: Option<&str>) -> bool {
        !self.value.is_empty() && self.expires_at - EARLY > now_secs() && stale != Some(self.value.as_str())
    }
}

/// A client of WeChat's API for one mini-program.
pub struct WeChat {
    http: reqwest::Client,
    base: String,
    appid: String,
    secret: Secret,
    ledger: Ledger,
    instance: String,
    metrics: Arc<Metrics>,
    token: Mutex<Option<Token>>,
    fetches: AtomicU64,
    timeout: Duration,
}

/// The errcode of an answer (0 when it has none).
pub fn errcode(answer: &Value) -> i64 {
    answer.get("errcode").and_then(Value::as_i64).unwrap_or(0)
}

/// The errcodes this server acts on; any other is logged with its errmsg.
const KNOWN: &[i64] = &[40001, 42001, 40003, 40029, 40037, 40125, 40164, 40226, 41030, 43101, 45009, 45011, 47003];

/// An answer cut to 200 characters, for a log line.
fn clip(answer: &Value) -> String {
    answer.get("errmsg").and_then(Value::as_str).unwrap_or("").chars().take(200).collect()
}

impl WeChat {
    /// A client for the mini-program in `config`, as `instance`, sharing its token through `ledger`.
    pub fn new(config: &Config, ledger: Ledger, instance: &str, metrics: Arc<Metrics>) -> WeChat {
        let http = reqwest::Client::builder().timeout(config.wechat_timeout).build().expect("a TLS client with rustls");
        WeChat {
            http,
            base: config.wechat_api.trim_end_matches('/').to_owned(),
            appid: config.appid.clone(),
            secret: config.secret.clone(),
            ledger,
            instance: instance.to_owned(),
            metrics,
            token: Mutex::new(None),
            fetches: AtomicU64::new(0),
            timeout: config.wechat_timeout,
        }
    }

    /// How many times this instance fetched a token (for the figures and tests).
    pub fn token_fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// JSON from WeChat, as `api` in the log and the metrics; errors never
    /// carry the URL (it holds the token). Retries -1 (busy) with backoff,
    /// each try a request made by `request`.
    async fn call(&self, api: &'static str, request: impl Fn() -> reqwest::RequestBuilder) -> Result<Value, Failure> {
        let mut wait = BUSY_WAIT;
        for attempt in 1..=BUSY_TRIES {
            let started = Instant::now();
            let answer = match request().send().await {
                Ok(response) => response.json::<Value>().await.ok(),
                Err(e) if e.is_connect() => {
                    tracing::info!(api, errcode = -2, attempt, "wechat call not connected");
                    self.metrics.wechat_call(api, -2);
                    return Err(Failure::NotSent);
                }
                Err(_) => None,
            };
            let code = answer.as_ref().map_or(-2, errcode);
            let latency_ms = started.elapsed().as_millis() as u64;
            tracing::info!(api, errcode = code, latency_ms, attempt, "wechat call");
            self.metrics.wechat_call(api, code);
            match answer {
                None => return Err(Failure::NoAnswer),
                Some(a) if code == 0 => return Ok(a),
                Some(_) if code == -1 && attempt < BUSY_TRIES => {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                Some(a) => {
                    if code != -1 && !KNOWN.contains(&code) {
                        tracing::warn!(api, errcode = code, errmsg = %clip(&a), "wechat answered an errcode this server does not know");
                    }
                    return Err(Failure::Answered(a));
                }
            }
        }
        Err(Failure::NoAnswer)
    }

    /// The openid for a `wx.login` code. The session_key stays here and is dropped.
    pub async fn openid(&self, code: &str) -> Result<String, Failure> {
        let url = format!("{}/sns/jscode2session", self.base);
        let query = [("appid", self.appid.as_str()), ("secret", self.secret.0.as_str()), ("js_code", code), ("grant_type", "authorization_code")];
        let answer = self.call("jscode2session", || self.http.get(&url).query(&query)).await?;
        answer.get("openid").and_then(Value::as_str).map(str::to_owned).ok_or(Failure::NoAnswer)
    }

    /// Fetches a token from `stable_token`, in normal mode.
    async fn fetch_token(&self) -> Result<Token, Failure> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        self.metrics.token_renewal();
        let body = json!({ "grant_type": "client_credential", "appid": self.appid, "secret": self.secret.0, "force_refresh": false });
        let url = format!("{}/cgi-bin/stable_token", self.base);
        let answer = self.call("stable_token", || self.http.post(&url).json(&body)).await?;
        let value = answer.get("access_token").and_then(Value::as_str).ok_or(Failure::NoAnswer)?.to_owned();
        let seconds = answer.get("expires_in").and_then(Value::as_i64).unwrap_or(7200);
        Ok(Token { value, expires_at: now_secs() + seconds })
    }

    /// A usable token other than `stale`: this instance's, the shared one, or
    /// one this instance fetches holding the lease. Without a usable one in
    /// time (another instance's fetch failing), the last one fetched.
    async fn token(&self, stale: Option<&str>) -> Result<String, Failure> {
        let mut local = self.token.lock().await;
        if let Some(t) = local.as_ref().filter(|t| t.usable(stale)) {
            return Ok(t.value.clone());
        }
        let deadline = Instant::now() + self.timeout * 2;
        loop {
            let now = now_secs();
            let (value, expires_at) = self.ledger.token().await.map_err(|_| Failure::NoAnswer)?;
            let shared = Token { value, expires_at };
            if shared.usable(stale) {
                let value = shared.value.clone();
                *local = Some(shared);
                return Ok(value);
            }
            if self.ledger.lease_token(&self.instance, now, now + TOKEN_LEASE).await.map_err(|_| Failure::NoAnswer)? {
                // Another instance may have stored one between the read and the lease.
                let (value, expires_at) = self.ledger.token().await.map_err(|_| Failure::NoAnswer)?;
                let stored = Token { value, expires_at };
                let fetched = if stored.usable(stale) { Ok(stored) } else { self.fetch_token().await };
                return match fetched {
                    Ok(t) => {
                        self.ledger.store_token(&self.instance, &t.value, t.expires_at).await.map_err(|_| Failure::NoAnswer)?;
                        let value = t.value.clone();
                        *local = Some(t);
                        Ok(value)
                    }
                    Err(failure) => {
                        let _ = self.ledger.release_token(&self.instance).await;
                        Err(failure)
                    }
                };
            }
            if Instant::now() > deadline {
                return Err(Failure::NoAnswer);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The start-up check: one token fetch (normal mode, which invalidates
    /// nothing), whatever the database holds. A wrong AppSecret (40125) or an
    /// address missing from the IP whitelist (40164) is an error to stop on;
    /// WeChat out of reach is not (it may come back).
    pub async fn check(&self) -> Result<(), String> {
        match self.fetch_token().await {
            Err(Failure::Answered(a)) if errcode(&a) == 40125 => {
                Err("WeChat refused the AppSecret (40125): check WXS_SECRET or WXS_SECRET_FILE against the admin console".into())
            }
            Err(Failure::Answered(a)) if errcode(&a) == 40164 => Err(
                "WeChat refused this server's address (40164): add its outgoing IP to the IP whitelist in the admin console (开发管理 → 开发设置)".into(),
            ),
            Err(Failure::Answered(a)) => Err(format!("WeChat refused the token request (errcode {})", errcode(&a))),
            Err(Failure::NoAnswer | Failure::NotSent) => {
                tracing::warn!("WeChat did not answer the start-up token request; going on");
                Ok(())
            }
            Ok(_) => Ok(()),
        }
    }

    /// Calls `make(token)` as `api`; on 40001/42001 fetches the token again (normal mode) once and calls once more.
    async fn with_token<F>(&self, api: &'static str, make: F) -> Result<Value, Failure>
    where
        F: Fn(&str) -> reqwest::RequestBuilder,
    {
        // Without a token the call itself was never made.
        let unmade = |f: Failure| if matches!(f, Failure::NoAnswer) { Failure::NotSent } else { f };
        let token = self.token(None).await.map_err(unmade)?;
        match self.call(api, || make(&token)).await {
            Err(Failure::Answered(a)) if matches!(errcode(&a), 40001 | 42001) => {
                let fresh = self.token(Some(&token)).await.map_err(unmade)?;
                self.call(api, || make(&fresh)).await
            }
            other => other,
        }
    }

    /// The account's templates (`getTemplateList`): `data` as WeChat gives it.
    pub async fn templates(&self) -> Result<Value, Failure> {
        let url = format!("{}/wxaapi/newtmpl/gettemplate", self.base);
        let answer = self.with_token("gettemplate", |t| self.http.get(&url).query(&[("access_token", t)])).await?;
        Ok(answer.get("data").cloned().unwrap_or(Value::Array(Vec::new())))
    }

    /// Sends one message (`subscribeMessage.send`): what WeChat's answer means.
    pub async fn send(&self, payload: &Value) -> SendAnswer {
        let url = format!("{}/cgi-bin/message/subscribe/send", self.base);
        SendAnswer::of(self.with_token("send", |t| self.http.post(&url).query(&[("access_token", t)]).json(payload)).await)
    }

    /// [`WeChat::send`], its first request held one byte short of complete
    /// until `marked` says the send is recorded as called (`true`), and cut
    /// off (so WeChat never takes it) when it says not. The record and the
    /// request overlap, and a process killed before the record is committed
    /// has sent nothing WeChat will act on: only the last byte's write lies
    /// between the two. Requests after the first (a new token, -1) go whole.
    /// A first request that fails before its last byte is released (the
    /// mark failed, or took longer than the timeout) is `NotSent`: WeChat
    /// never had it whole.
    pub async fn send_held(&self, payload: &Value, marked: oneshot::Receiver<bool>) -> SendAnswer {
        let url = format!("{}/cgi-bin/message/subscribe/send", self.base);
        let body = serde_json::to_vec(payload).unwrap_or_default();
        let gate = std::sync::Mutex::new(Some(marked));
        let released = Arc::new(AtomicBool::new(false));
        let answer = self
            .with_token("send", |t| {
                let request = self.http.post(&url).query(&[("access_token", t)]).header(CONTENT_TYPE, "application/json");
                match gate.lock().ok().and_then(|mut g| g.take()) {
                    Some(marked) => request.header(CONTENT_LENGTH, body.len()).body(held(body.clone(), marked, released.clone())),
                    None => request.body(body.clone()),
                }
            })
            .await;
        SendAnswer::of(match answer {
            Err(Failure::NoAnswer) if !released.load(Ordering::Acquire) => Err(Failure::NotSent),
            other => other,
        })
    }
}

/// A body that sends all of `bytes` but the last, then the last once
/// `marked` says `true` (and sets `released`); on `false` (or a dropped
/// sender) it fails, and the request is cut off one byte short.
fn held(mut bytes: Vec<u8>, marked: oneshot::Receiver<bool>, released: Arc<AtomicBool>) -> reqwest::Body {
    let last = bytes.split_off(bytes.len().saturating_sub(1));
    let first = stream::once(std::future::ready(Ok::<_, std::io::Error>(bytes)));
    let rest = stream::once(async move {
        match marked.await {
            Ok(true) => {
                released.store(true, Ordering::Release);
                Ok(last)
            }
            _ => Err(std::io::Error::other("the send was not recorded as called; its request is cut off")),
        }
    });
    reqwest::Body::wrap_stream(first.chain(rest))
}

/// What WeChat's answer to a send means: the one reading that the internal
/// send and the reminder worker both settle the ledger by.
#[derive(Debug)]
pub enum SendAnswer {
    /// WeChat took it (errcode 0).
    Sent { msgid: Option<String> },
    /// WeChat refused it: its errcode, and the crate's error for it.
    Refused { errcode: i64, error: wx_subscribe::Error },
    /// WeChat was not reached (or no token could be had): nothing was sent.
    NotSent,
    /// The answer was lost or unreadable: WeChat may have sent it.
    Lost,
}

impl SendAnswer {
    /// The meaning of what a call to the send API came back with.
    pub(crate) fn of(answer: Result<Value, Failure>) -> SendAnswer {
        let reply = match answer {
            Ok(reply) | Err(Failure::Answered(reply)) => reply,
            Err(Failure::NotSent) => return SendAnswer::NotSent,
            Err(Failure::NoAnswer) => return SendAnswer::Lost,
        };
        match crate::crate_value(&reply).map(|v| wx_subscribe::send_result_from_values(&v)) {
            Some(Ok(sent)) => SendAnswer::Sent { msgid: sent.msgid },
            Some(Err(error)) => SendAnswer::Refused { errcode: errcode(&reply), error },
            None => SendAnswer::Lost,
        }
    }

    /// How the send log names it: `sent`, `failed` (not sent) or `unknown`.
    pub fn outcome(&self) -> &'static str {
        match self {
            SendAnswer::Sent { .. } => "sent",
            SendAnswer::Refused { .. } | SendAnswer::NotSent => "failed",
            SendAnswer::Lost => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_send_answer_reads_as_the_platform_means_it() {
        assert!(matches!(SendAnswer::of(Ok(json!({ "errcode": 0, "msgid": 7 }))), SendAnswer::Sent { msgid: Some(m) } if m == "7"));
        let SendAnswer::Refused { errcode, error } = SendAnswer::of(Err(Failure::Answered(json!({ "errcode": 43101, "errmsg": "user refuse" })))) else { panic!("refused") };
        assert_eq!((errcode, error.kind), (43101, wx_subscribe::ErrorKind::Quota));
        assert!(matches!(SendAnswer::of(Err(Failure::NotSent)), SendAnswer::NotSent));
        assert!(matches!(SendAnswer::of(Err(Failure::NoAnswer)), SendAnswer::Lost));
        assert_eq!(SendAnswer::of(Ok(json!({ "errcode": 40037 }))).outcome(), "failed");
        assert_eq!(SendAnswer::Lost.outcome(), "unknown");
    }

    /// Posts a held body of `body` to a bare listener; gives what the
    /// listener read before the gate (all but the body's last byte, and then
    /// nothing for 200 ms), the gate, the connection, the post and whether the last byte was released.
    async fn held_post(body: &[u8]) -> (Vec<u8>, oneshot::Sender<bool>, tokio::net::TcpStream, tokio::task::JoinHandle<bool>, Arc<AtomicBool>) {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/send", listener.local_addr().unwrap());
        let (open, marked) = oneshot::channel();
        let released = Arc::new(AtomicBool::new(false));
        let request = reqwest::Client::new().post(url).header(CONTENT_LENGTH, body.len()).body(held(body.to_vec(), marked, released.clone()));
        let post = tokio::spawn(async move { request.send().await.is_ok() });
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut read = Vec::new();
        let mut buf = [0u8; 4096];
        // Everything up to the body's last byte, then 200 ms in which nothing more may come.
        let short = &body[..body.len() - 1];
        while !read.ends_with(short) {
            let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut buf)).await.expect("the request within 10 s").unwrap();
            assert!(n > 0, "the connection closed before the gate");
            read.extend_from_slice(&buf[..n]);
        }
        let more = tokio::time::timeout(Duration::from_millis(200), conn.read(&mut buf)).await;
        assert!(more.is_err(), "nothing more before the gate: {more:?}");
        assert!(!released.load(Ordering::Acquire), "nothing released before the gate");
        (read, open, conn, post, released)
    }

    #[tokio::test]
    async fn a_held_send_waits_one_byte_short_until_marked_then_completes() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let body = br#"{"touser":"o1","template_id":"T"}"#;
        let (before, open, mut conn, post, released) = held_post(body).await;
        let text = String::from_utf8_lossy(&before).into_owned();
        assert!(text.contains(&format!("content-length: {}", body.len())), "{text}");
        open.send(true).unwrap();
        let mut last = [0u8; 1];
        conn.read_exact(&mut last).await.unwrap();
        assert_eq!(last[0], b'}');
        assert!(released.load(Ordering::Acquire), "the last byte released");
        conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}").await.unwrap();
        assert!(post.await.unwrap(), "the request completed");
    }

    #[tokio::test]
    async fn a_held_send_not_marked_is_cut_off_one_byte_short() {
        use tokio::io::AsyncReadExt;
        let body = br#"{"touser":"o1","template_id":"T"}"#;
        let (before, open, mut conn, post, released) = held_post(body).await;
        open.send(false).unwrap();
        let mut after = Vec::new();
        conn.read_to_end(&mut after).await.unwrap();
        assert!(after.is_empty(), "nothing more after the gate closed: {after:?}");
        assert!(!before.ends_with(b"}"), "the body never completed");
        assert!(!post.await.unwrap(), "the request failed");
        assert!(!released.load(Ordering::Acquire), "so its send reads as not sent");
    }
}

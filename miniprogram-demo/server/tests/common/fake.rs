//! A fake of WeChat's server API on 127.0.0.1, for the server's tests: the
//! routes the server calls, with knobs for token expiry and rotation, forced
//! send errors, delays and failures.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the fake knows and counts.
#[derive(Default)]
pub struct Fake {
    pub tokens_issued: u64,
    pub forced_refreshes: u64,
    pub current: String,
    pub revoked: HashSet<String>,
    /// Errors the next sends answer with (errcode, errmsg), in order.
    pub send_errors: VecDeque<(i64, String)>,
    pub send_delay: Duration,
    /// Answer every call with HTTP 500 and no JSON.
    pub failing: bool,
    /// Sends WeChat took, per (openid, template).
    pub sent: HashMap<(String, String), u64>,
    pub template_list_calls: u64,
    pub expires_in: u64,
    /// Calls to stable_token.
    pub stable_token_calls: u64,
    /// Answer this many of the next sends with -1 (busy).
    pub busy: u64,
    /// Answer this many of the next token fetches and template lists with -1 (busy).
    pub busy_calls: u64,
    /// The `data` of the last send WeChat took.
    pub last_data: Value,
    /// Send requests that reached the fake, answered or not.
    pub send_calls: u64,
    /// Every send WeChat took: (openid, ms since the epoch, msgid).
    pub took: Vec<(String, i64, u64)>,
}

pub type Shared = Arc<Mutex<Fake>>;

pub const TEMPLATE: &str = "TPL_ORDER";
pub const LONG_TERM: &str = "TPL_NOTICE";

fn failing(fake: &Shared) -> Option<Response> {
    fake.lock().unwrap().failing.then(|| (StatusCode::INTERNAL_SERVER_ERROR, "upstream down").into_response())
}

async fn code2session(State(fake): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Some(r) = failing(&fake) {
        return r;
    }
    match q.get("js_code").and_then(|c| c.strip_prefix("code-")) {
        Some(openid) if q.get("secret").map(String::as_str) == Some("test-secret") => {
            Json(json!({ "openid": openid, "session_key": "SECRET_SESSION_KEY" })).into_response()
        }
        _ => Json(json!({ "errcode": 40029, "errmsg": "invalid code" })).into_response(),
    }
}

async fn stable_token(State(fake): State<Shared>, Json(body): Json<Value>) -> Response {
    if let Some(r) = failing(&fake) {
        return r;
    }
    let mut f = fake.lock().unwrap();
    if let Some(r) = busy_call(&mut f) {
        return r;
    }
    if body["secret"] != "test-secret" {
        return Json(json!({ "errcode": 40125, "errmsg": "invalid appsecret" })).into_response();
    }
    f.stable_token_calls += 1;
    let force = body["force_refresh"] == true;
    if force {
        f.forced_refreshes += 1;
    }
    if force || f.current.is_empty() || f.revoked.contains(&f.current) {
        f.tokens_issued += 1;
        f.current = format!("TOKEN{}", f.tokens_issued);
    }
    let expires_in = if f.expires_in == 0 { 7200 } else { f.expires_in };
    Json(json!({ "access_token": f.current, "expires_in": expires_in })).into_response()
}

fn busy_call(f: &mut Fake) -> Option<Response> {
    (f.busy_calls > 0).then(|| {
        f.busy_calls -= 1;
        Json(json!({ "errcode": -1, "errmsg": "system error" })).into_response()
    })
}

fn token_error(f: &Fake, q: &HashMap<String, String>) -> Option<Response> {
    let token = q.get("access_token")?;
    (token != &f.current || f.revoked.contains(token))
        .then(|| Json(json!({ "errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest" })).into_response())
}

async fn templates(State(fake): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Some(r) = failing(&fake) {
        return r;
    }
    let mut f = fake.lock().unwrap();
    if let Some(r) = token_error(&f, &q) {
        return r;
    }
    if let Some(r) = busy_call(&mut f) {
        return r;
    }
    f.template_list_calls += 1;
    Json(json!({ "errcode": 0, "errmsg": "ok", "data": [
        { "priTmplId": TEMPLATE, "title": "订单发货提醒", "type": 2, "content": "商品名称:{{thing1.DATA}}\n发货时间:{{date2.DATA}}\n", "example": "" },
        { "priTmplId": LONG_TERM, "title": "课程通知", "type": 3, "content": "课程:{{thing1.DATA}}\n", "example": "" },
    ] })).into_response()
}

/// WeChat decides on a send when it arrives, then its answer takes
/// `send_delay` to come back: a caller that gives up or dies meanwhile does
/// not undo a send WeChat took.
async fn send(State(fake): State<Shared>, Query(q): Query<HashMap<String, String>>, Json(body): Json<Value>) -> Response {
    if let Some(r) = failing(&fake) {
        return r;
    }
    let (answer, delay) = {
        let mut f = fake.lock().unwrap();
        f.send_calls += 1;
        (decide(&mut f, &q, &body), f.send_delay)
    };
    tokio::time::sleep(delay).await;
    answer
}

fn decide(f: &mut Fake, q: &HashMap<String, String>, body: &Value) -> Response {
    if let Some(r) = token_error(f, q) {
        return r;
    }
    if f.busy > 0 {
        f.busy -= 1;
        return Json(json!({ "errcode": -1, "errmsg": "system error" })).into_response();
    }
    if let Some((code, message)) = f.send_errors.pop_front() {
        return Json(json!({ "errcode": code, "errmsg": message })).into_response();
    }
    let key = (body["touser"].as_str().unwrap_or("").to_owned(), body["template_id"].as_str().unwrap_or("").to_owned());
    *f.sent.entry(key.clone()).or_default() += 1;
    f.last_data = body["data"].clone();
    let msgid = 3_000_000_000_u64 + f.took.len() as u64;
    let at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    f.took.push((key.0, at, msgid));
    Json(json!({ "errcode": 0, "errmsg": "ok", "msgid": msgid })).into_response()
}

/// Starts the fake; gives its base URL and state.
pub async fn start() -> (String, Shared) {
    let fake: Shared = Arc::default();
    let app = Router::new()
        .route("/sns/jscode2session", get(code2session))
        .route("/cgi-bin/stable_token", post(stable_token))
        .route("/wxaapi/newtmpl/gettemplate", get(templates))
        .route("/cgi-bin/message/subscribe/send", post(send))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, fake)
}

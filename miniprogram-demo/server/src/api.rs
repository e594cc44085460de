//! The routes. Every body is JSON of at most [`MAX_BODY`] bytes, with no field
//! the route does not know; every route but `/login` and `/templates` needs
//! `Authorization: Bearer <session>`, and acts only for that session's user:
//! the openid always comes from the session, never from the request.
//!
//! - `POST /login {code}`: a `wx.login` code for a session `{session, expiresIn}`.
//! - `GET /templates`: the account's templates, as the planner reads them.
//! - `POST /report {accepts: {id: n}}`: accepts the page reported; at most one
//!   send per template per call (what one request can grant) for templates of the account.
//! - `GET /sends`: the caller's sends in hand.
//! - `POST /send {templateId, data, page?}`: checks the data with wx-subscribe,
//!   takes one send from the ledger, and sends to the caller.

use crate::db::{Ledger, Settle};
use crate::problem::Problem;
use crate::wechat::{Failure, WeChat};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

/// The largest request body taken, in bytes.
pub const MAX_BODY: usize = 16 * 1024;
/// How long a session lasts.
pub const SESSION_SECS: i64 = 7 * 24 * 3600;

/// What every route shares.
pub struct Server {
    /// The ledger.
    pub ledger: Ledger,
    /// WeChat's API.
    pub wechat: WeChat,
    templates: Mutex<Option<(Instant, Arc<Vec<Value>>)>>,
    templates_ttl: Duration,
}

impl Server {
    /// The server's shared state.
    pub fn new(ledger: Ledger, wechat: WeChat, templates_ttl: Duration) -> Server {
        Server { ledger, wechat, templates: Mutex::new(None), templates_ttl }
    }
}

type Shared = State<Arc<Server>>;

/// The routes, over `server`.
pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/templates", get(templates))
        .route("/report", post(report))
        .route("/sends", get(sends))
        .route("/send", post(send))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(server)
}

/// A JSON body whose rejections are answered in the server's error shape.
struct Body<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(JsonRejection::BytesRejection(_)) => Err(Problem::input("body-too-large",
                format!("the body is over {MAX_BODY} bytes"), "send a smaller body")),
            Err(rejection) => Err(Problem::input("bad-body", clip(&rejection.body_text()),
                "send JSON with exactly the fields this route takes (see the README)")),
        }
    }
}

/// A message cut to 200 characters, so no huge input is echoed back.
fn clip(text: &str) -> String {
    text.chars().take(200).collect()
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system's random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The caller's openid, from the session in the Authorization header.
async fn caller(server: &Server, headers: &HeaderMap) -> Result<String, Problem> {
    let token = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let token = token.filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())).ok_or_else(Problem::unauthorised)?;
    server.ledger.session(token, now_secs()).await.map_err(Problem::storage)?.ok_or_else(Problem::unauthorised)
}

fn wechat_problem(failure: Failure) -> Problem {
    match failure {
        Failure::Unreachable => Problem::upstream(),
        Failure::Answered(answer) => match crate::crate_value(&answer).map(|v| wx_subscribe::send_result_from_values(&v)) {
            Some(Err(error)) => Problem::from_error(error),
            _ => Problem::upstream(),
        },
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    code: String,
}

async fn login(State(server): Shared, Body(body): Body<Login>) -> Result<Json<Value>, Problem> {
    if body.code.is_empty() || body.code.len() > 128 {
        return Err(Problem::input("bad-code", "code must be the wx.login code", "pass the code wx.login gave"));
    }
    let openid = match server.wechat.openid(&body.code).await {
        Ok(openid) => openid,
        Err(Failure::Answered(_)) => {
            return Err(Problem::input("code-refused", "WeChat refused the code (used, expired or from another app)", "call wx.login again and log in with the new code"))
        }
        Err(failure) => return Err(wechat_problem(failure)),
    };
    let session = random_token();
    server.ledger.add_session(&session, &openid, now_secs() + SESSION_SECS).await.map_err(Problem::storage)?;
    Ok(Json(json!({ "ok": true, "session": session, "expiresIn": SESSION_SECS })))
}

/// The account's templates, cached: `[{ id, title, kind, content, keywords }]`.
async fn template_list(server: &Server) -> Result<Arc<Vec<Value>>, Problem> {
    let mut cache = server.templates.lock().await;
    if let Some((at, list)) = cache.as_ref() {
        if at.elapsed() < server.templates_ttl {
            return Ok(list.clone());
        }
    }
    let data = server.wechat.templates().await.map_err(wechat_problem)?;
    let list: Vec<Value> = data.as_array().into_iter().flatten().filter_map(crate::shape_template).collect();
    let list = Arc::new(list);
    *cache = Some((Instant::now(), list.clone()));
    Ok(list)
}

async fn templates(State(server): Shared) -> Result<Json<Value>, Problem> {
    let list = template_list(&server).await?;
    Ok(Json(json!({ "ok": true, "templates": *list })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    accepts: BTreeMap<String, u64>,
}

async fn report(State(server): Shared, headers: HeaderMap, Body(body): Body<Report>) -> Result<Json<Value>, Problem> {
    let openid = caller(&server, &headers).await?;
    let list = template_list(&server).await?;
    if body.accepts.len() > list.len().max(1) {
        return Err(Problem::input("report-too-many", "more templates than the account has", "report the accepts of your templates only"));
    }
    // Every id is checked before anything is recorded: a report is taken whole or not at all.
    if let Some(id) = body.accepts.keys().find(|id| !list.iter().any(|t| t["id"] == id.as_str())) {
        return Err(Problem::input("unknown-template", format!("'{}' is not a template of this account", clip(id)), "report only ids from GET /templates"));
    }
    let mut recorded = Map::new();
    let mut sends = Map::new();
    for (id, n) in &body.accepts {
        if *n == 0 {
            continue;
        }
        // One request grants at most one send per template.
        let count = server.ledger.add(&openid, id, 1).await.map_err(Problem::storage)?;
        recorded.insert(id.clone(), 1.into());
        sends.insert(id.clone(), count.into());
    }
    Ok(Json(json!({ "ok": true, "recorded": recorded, "sends": sends })))
}

async fn sends(State(server): Shared, headers: HeaderMap) -> Result<Json<Value>, Problem> {
    let openid = caller(&server, &headers).await?;
    let all = server.ledger.all(&openid).await.map_err(Problem::storage)?;
    let sends: Map<String, Value> = all.into_iter().map(|(id, n)| (id, n.into())).collect();
    Ok(Json(json!({ "ok": true, "sends": sends })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SendBody {
    template_id: String,
    data: Value,
    #[serde(default)]
    page: Option<String>,
}

async fn send(State(server): Shared, headers: HeaderMap, Body(body): Body<SendBody>) -> Result<Json<Value>, Problem> {
    let openid = caller(&server, &headers).await?;
    let list = template_list(&server).await?;
    let template = list.iter().find(|t| t["id"] == body.template_id.as_str()).ok_or_else(|| {
        Problem::input("unknown-template", format!("'{}' is not a template of this account", clip(&body.template_id)), "send only ids from GET /templates")
    })?;
    let mut request = json!({ "touser": openid, "templateId": body.template_id, "data": body.data });
    if let Some(page) = body.page {
        request["page"] = page.into();
    }
    let send_template = json!({ "priTmplId": template["id"], "content": template["content"] });
    let payload = crate::build_payload(&send_template, &request).map_err(Problem::from_error)?;
    let spending = random_token();
    if server.ledger.take(&openid, &body.template_id, &spending).await.map_err(Problem::storage)?.is_none() {
        return Err(Problem::new(axum::http::StatusCode::CONFLICT, "no-accept", wx_subscribe::ErrorKind::Quota,
            "no accept is recorded for this template", "ask the user to subscribe (a tap), report the accept, then send"));
    }
    let answer = server.wechat.send(&payload).await;
    let outcome = match &answer {
        Ok(a) => crate::crate_value(a).map(|v| wx_subscribe::send_result_from_values(&v)),
        Err(_) => None,
    };
    let how = match &outcome {
        Some(Ok(_)) => Settle::Sent,
        Some(Err(e)) if e.kind == wx_subscribe::ErrorKind::Quota => Settle::NoneLeft,
        Some(Err(_)) => Settle::GiveBack,
        // No answer: WeChat may have sent it. The send stays spent.
        None => Settle::Sent,
    };
    server.ledger.settle(&spending, how).await.map_err(Problem::storage)?;
    match outcome {
        Some(Ok(sent)) => Ok(Json(json!({ "ok": true, "msgid": sent.msgid }))),
        Some(Err(error)) => Err(Problem::from_error(error)),
        None => Err(answer.err().map_or_else(Problem::upstream, wechat_problem)),
    }
}

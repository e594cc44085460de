//! The routes. Every body is JSON of at most [`MAX_BODY`] bytes, with no field
//! the route does not know; every route but `/login` and `/templates` needs
//! `Authorization: Bearer <session>`, and acts only for that session's user:
//! the openid always comes from the session, never from the request.
//!
//! - `POST /login {code}`: a `wx.login` code for a session `{session, expiresIn}`.
//! - `GET /templates`: the account's templates, as the planner reads them.
//! - `POST /report {accepts: {id: n}}`: accepts the page reported; at most one
//!   per template per call (what one request can grant) for templates of the
//!   account. Without message push they are sends in hand, on the client's
//!   word; with it (`WXS_PUSH_TOKEN`) they are pending until WeChat's popup
//!   event, which alone adds sends.
//! - `GET /sends`: the caller's sends in hand (and pending reports, with push).
//! - `GET|POST /wechat/push`: message push ([`crate::push`]), with `WXS_PUSH_TOKEN` only.
//!
//! `/login` and `/report` are rate-limited per address and `/report` per user
//! too ([`crate::limits`]): 429 with `Retry-After`.
//! - `POST /demo/send {templateId}`, with `WXS_DEMO=1` only: sends the caller
//!   fixed content the server writes for the template (a page never writes
//!   what the account's templates say; business code sends through
//!   [`crate::internal`]). `POST /demo/remind {templateId}` makes the same
//!   message a reminder, due `WXS_DEMO_REMIND_SECS` (60) from now.
//! - `GET /healthz`: `{ok, database}`, 200 when the database answers, 503 when not.
//! - `GET /metrics`: Prometheus text ([`crate::metrics`]).
//!
//! A send runs to its end in a task of its own, even if the caller goes away,
//! and a shutdown waits for the sends in flight ([`Server::in_flight`]).

use crate::config::{random_name, Config};
use crate::db::{Ledger, LogEntry, Settle, Spending};
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::problem::Problem;
use crate::push::{PushConfig, PushQuery, Refused};
use crate::wechat::{now_secs, Failure, SendAnswer, WeChat};
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, MatchedPath, Query, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use tokio_util::task::TaskTracker;

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
    /// The counters `GET /metrics` answers.
    pub metrics: Arc<Metrics>,
    /// The sends in flight: a shutdown closes it and waits for them.
    pub in_flight: TaskTracker,
    limits: Limits,
    templates: Mutex<Option<(Instant, Arc<Vec<Value>>)>>,
    templates_ttl: Duration,
    instance: String,
    send_lease: Duration,
    push: Option<PushConfig>,
    demo: bool,
    demo_remind: Duration,
}

impl Server {
    /// How long a send in flight belongs to this instance.
    pub fn send_lease(&self) -> Duration {
        self.send_lease
    }

    /// This instance's name (`WXS_INSTANCE`, or random).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The server's shared state.
    pub fn new(ledger: Ledger, wechat: WeChat, metrics: Arc<Metrics>, config: &Config) -> Server {
        Server {
            ledger,
            wechat,
            metrics,
            in_flight: TaskTracker::new(),
            limits: Limits::new(config.rate.0, config.rate.1),
            templates: Mutex::new(None),
            templates_ttl: config.templates_ttl,
            instance: config.instance.clone(),
            send_lease: config.send_lease(),
            push: config.push.clone(),
            demo: config.demo,
            demo_remind: config.demo_remind,
        }
    }
}

pub(crate) type Shared = State<Arc<Server>>;

/// The routes, over `server`.
pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/login", post(login).layer(middleware::from_fn_with_state(server.clone(), limit_address)))
        .route("/templates", get(templates))
        .route("/report", post(report).layer(middleware::from_fn_with_state(server.clone(), limit_address)))
        .route("/sends", get(sends))
        .route("/demo/send", post(demo_send))
        .route("/demo/remind", post(demo_remind))
        .route("/wechat/push", get(push_check).post(push_event))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(server.clone(), count_request))
        .with_state(server)
}

/// The per-address limit of `/login` and `/report`.
async fn limit_address(State(server): Shared, request: Request, next: Next) -> Response {
    let address = request.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    match server.limits.address(address) {
        Ok(()) => next.run(request).await,
        Err(refused) => refused,
    }
}

/// Counts every answer by its route (the matched path) and status.
async fn count_request(State(server): Shared, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or_else(|| "(none)".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    server.metrics.request(&route, response.status().as_u16());
    response
}

async fn healthz(State(server): Shared) -> Response {
    match server.ledger.ping().await {
        Ok(()) => Json(json!({ "ok": true, "database": "up" })).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "ok": false, "database": "down" }))).into_response(),
    }
}

async fn metrics(State(server): Shared) -> Response {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], server.metrics.render()).into_response()
}

/// A JSON body whose rejections are answered in the server's error shape.
pub(crate) struct Body<T>(pub(crate) T);

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
pub(crate) fn clip(text: &str) -> String {
    text.chars().take(200).collect()
}


/// The caller's openid, from the session in the Authorization header.
async fn caller(server: &Server, headers: &HeaderMap) -> Result<String, Problem> {
    let token = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let token = token.filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())).ok_or_else(Problem::unauthorised)?;
    server.ledger.session(token, now_secs()).await.map_err(Problem::storage)?.ok_or_else(Problem::unauthorised)
}

fn wechat_problem(failure: Failure) -> Problem {
    match failure {
        Failure::NotSent | Failure::NoAnswer => Problem::upstream(),
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
    let session = random_name(32);
    let now = now_secs();
    server.ledger.add_session(&session, &openid, now, now + SESSION_SECS).await.map_err(Problem::storage)?;
    Ok(Json(json!({ "ok": true, "session": session, "expiresIn": SESSION_SECS })))
}

/// The account's templates, cached: `[{ id, title, kind, content, keywords }]`.
pub(crate) async fn template_list(server: &Server) -> Result<Arc<Vec<Value>>, Problem> {
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

async fn report(State(server): Shared, headers: HeaderMap, Body(body): Body<Report>) -> Result<Response, Problem> {
    let openid = caller(&server, &headers).await?;
    if let Err(refused) = server.limits.user(&openid) {
        return Ok(refused);
    }
    let list = template_list(&server).await?;
    if body.accepts.len() > list.len().max(1) {
        return Err(Problem::input("report-too-many", "more templates than the account has", "report the accepts of your templates only"));
    }
    // Every id is checked before anything is recorded: a report is taken whole or not at all.
    if let Some(id) = body.accepts.keys().find(|id| !list.iter().any(|t| t["id"] == id.as_str())) {
        return Err(Problem::input("unknown-template", format!("'{}' is not a template of this account", clip(id)), "report only ids from GET /templates"));
    }
    let mut recorded = Map::new();
    let mut counts = Map::new();
    for (id, n) in &body.accepts {
        if *n == 0 {
            continue;
        }
        // One request grants at most one send per template. With message push,
        // the page's word waits for WeChat's.
        let count = if server.push.is_some() { server.ledger.report_pending(&openid, id).await } else { server.ledger.add(&openid, id, 1).await };
        recorded.insert(id.clone(), 1.into());
        counts.insert(id.clone(), count.map_err(Problem::storage)?.into());
    }
    let field = if server.push.is_some() { "pending" } else { "sends" };
    Ok(Json(json!({ "ok": true, "recorded": recorded, field: counts })).into_response())
}

/// A user's sends in hand, and with message push the reports still pending: `{ sends, pending? }`.
pub(crate) async fn in_hand(server: &Server, openid: &str) -> Result<Value, Problem> {
    let as_map = |rows: Vec<(String, i64)>| -> Map<String, Value> { rows.into_iter().map(|(id, n)| (id, n.into())).collect() };
    let mut answer = json!({ "ok": true, "sends": as_map(server.ledger.all(openid).await.map_err(Problem::storage)?) });
    if server.push.is_some() {
        answer["pending"] = as_map(server.ledger.pending(openid).await.map_err(Problem::storage)?).into();
    }
    Ok(answer)
}

async fn sends(State(server): Shared, headers: HeaderMap) -> Result<Json<Value>, Problem> {
    let openid = caller(&server, &headers).await?;
    Ok(Json(in_hand(&server, &openid).await?))
}

/// Message push's URL check: the `echostr` when the signature is WeChat's.
async fn push_check(State(server): Shared, Query(q): Query<PushQuery>) -> Response {
    let Some(push) = &server.push else { return StatusCode::NOT_FOUND.into_response() };
    match push.echo(&q, now_secs()) {
        Ok(echo) => echo.into_response(),
        Err(refused) => push_refused(refused),
    }
}

/// A message push event: checked, read, and taken into the ledger once.
async fn push_event(State(server): Shared, Query(q): Query<PushQuery>, body: String) -> Response {
    let Some(push) = &server.push else { return StatusCode::NOT_FOUND.into_response() };
    let now = now_secs();
    let event = match push.open(&q, &body, now).and_then(|text| crate::push::parse(&text)) {
        Ok(Some(event)) => event,
        Ok(None) => return "success".into_response(),
        Err(refused) => return push_refused(refused),
    };
    match server.ledger.apply_push(&event, now).await {
        Ok(fresh) => {
            server.metrics.push_event(if fresh { event.kind.name() } else { "duplicate" });
            tracing::info!(event = event.kind.name(), openid = %crate::wechat::short(&event.openid), templates = event.items.len(), duplicate = !fresh, "push event");
            "success".into_response()
        }
        // No answer but an error: WeChat delivers the event again.
        Err(e) => Problem::storage(e).into_response(),
    }
}

fn push_refused(refused: Refused) -> Response {
    let (status, what) = match refused {
        Refused::Signature => (StatusCode::UNAUTHORIZED, "the signature is not WeChat's"),
        Refused::Stale => (StatusCode::UNAUTHORIZED, "the timestamp is more than 5 minutes off"),
        Refused::Unreadable(why) => (StatusCode::BAD_REQUEST, why),
    };
    tracing::warn!(status = status.as_u16(), why = what, "push refused");
    (status, what).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DemoSend {
    template_id: String,
}

fn no_demo() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "no-route", wx_subscribe::ErrorKind::Input, "no such route", "sends come from business code: POST /internal/send")
}

/// The demo's message for a template, to `openid`: each keyword's example value, never the page's text.
async fn demo_payload(server: &Server, openid: &str, template_id: &str) -> Result<Value, Problem> {
    let list = template_list(server).await?;
    let keywords = list.iter().find(|t| t["id"] == template_id).map(|t| t["keywords"].clone()).unwrap_or(Value::Null);
    let data: Map<String, Value> = keywords
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| Some((k["key"].as_str()?.to_owned(), k["example"].clone())))
        .collect();
    payload_for(server, openid, template_id, json!({ "data": data })).await
}

/// The demo's send: fixed content the server writes, to the caller, with `WXS_DEMO=1` only.
async fn demo_send(State(server): Shared, headers: HeaderMap, Body(body): Body<DemoSend>) -> Result<Json<Value>, Problem> {
    if !server.demo {
        return Err(no_demo());
    }
    let openid = caller(&server, &headers).await?;
    let payload = demo_payload(&server, &openid, &body.template_id).await?;
    // The send runs to its end in a task of its own: a caller that goes away
    // does not leave it half done, and a shutdown waits for it.
    let task = server.in_flight.spawn(spend(server.clone(), openid, body.template_id, payload, "demo"));
    task.await.unwrap_or_else(|_| Err(Problem::upstream()))
}

/// The demo's "remind me": the same content as a reminder to the caller,
/// due `WXS_DEMO_REMIND_SECS` from now, with `WXS_DEMO=1` only.
async fn demo_remind(State(server): Shared, headers: HeaderMap, Body(body): Body<DemoSend>) -> Result<Response, Problem> {
    if !server.demo {
        return Err(no_demo());
    }
    let openid = caller(&server, &headers).await?;
    let payload = demo_payload(&server, &openid, &body.template_id).await?;
    let due = crate::wechat::now_ms() + server.demo_remind.as_millis() as i64;
    let key = format!("demo-{}", random_name(8));
    crate::reminder_routes::schedule(&server, &openid, &body.template_id, &payload, (due, due + crate::reminder_routes::DEFAULT_GRACE_MS), &key).await
}

/// The send body for `openid` and a template of the account, from `request`
/// (`data`, and `page`, `miniprogramState`, `lang` as given), checked by the
/// crate: a broken rule is an error naming the keyword, before anything is spent.
pub(crate) async fn payload_for(server: &Server, openid: &str, template_id: &str, mut request: Value) -> Result<Value, Problem> {
    let list = template_list(server).await?;
    let template = list.iter().find(|t| t["id"] == template_id).ok_or_else(|| {
        Problem::input("unknown-template", format!("'{}' is not a template of this account", clip(template_id)), "send only ids from GET /templates")
    })?;
    request["touser"] = openid.into();
    request["templateId"] = template_id.into();
    let send_template = json!({ "priTmplId": template["id"], "content": template["content"] });
    crate::build_payload(&send_template, &request).map_err(Problem::from_error)
}

/// Takes one send from the ledger, sends `payload`, and settles the ledger by WeChat's answer.
pub(crate) async fn spend(server: Arc<Server>, openid: String, template_id: String, payload: Value, source: &'static str) -> Result<Json<Value>, Problem> {
    let id = random_name(16);
    let lease_until = now_secs() + server.send_lease.as_secs() as i64;
    let spending = Spending { id: &id, instance: &server.instance, lease_until };
    if server.ledger.take(&openid, &template_id, &spending).await.map_err(Problem::storage)?.is_none() {
        server.metrics.send("no-accept");
        return Err(Problem::new(StatusCode::CONFLICT, "no-accept", wx_subscribe::ErrorKind::Quota,
            "no accept is recorded for this template", "ask the user to subscribe (a tap), report the accept, then send"));
    }
    let answer = server.wechat.send(&payload).await;
    let how = match &answer {
        SendAnswer::Refused { error, .. } if error.kind == wx_subscribe::ErrorKind::Quota => Settle::NoneLeft,
        SendAnswer::Refused { .. } | SendAnswer::NotSent => Settle::GiveBack,
        // Lost: WeChat may have sent it. The send stays spent.
        SendAnswer::Sent { .. } | SendAnswer::Lost => Settle::Sent,
    };
    let logged = LogEntry {
        at: now_secs(),
        source,
        outcome: answer.outcome(),
        msgid: match &answer {
            SendAnswer::Sent { msgid } => msgid.clone(),
            _ => None,
        },
        errcode: match &answer {
            SendAnswer::Sent { .. } => Some(0),
            SendAnswer::Refused { errcode, .. } => Some(*errcode),
            SendAnswer::NotSent | SendAnswer::Lost => None,
        },
    };
    server.ledger.settle(&id, how, Some(&logged)).await.map_err(Problem::storage)?;
    let result = match answer {
        SendAnswer::Sent { msgid } => Ok(Json(json!({ "ok": true, "msgid": msgid }))),
        SendAnswer::Refused { error, .. } => Err(Problem::from_error(error)),
        SendAnswer::NotSent => Err(Problem::upstream()),
        SendAnswer::Lost => Err(Problem::unknown_outcome()),
    };
    server.metrics.send(match &result {
        Ok(_) => "sent",
        Err(p) if p.error.code == "send-outcome-unknown" => "unknown",
        Err(_) => "failed",
    });
    tracing::info!(openid = %crate::wechat::short(&openid), template = %template_id, outcome = ?how, "send settled");
    result
}

//! The routes business code calls, under `/internal`, only when
//! `WXS_INTERNAL_KEY` is set, and each only with
//! `Authorization: Bearer $WXS_INTERNAL_KEY` (401 without it). A page never
//! calls them: the business writes the message, and the page cannot make the
//! account's templates say anything.
//!
//! - `POST /internal/send {openid, templateId, data, page?, state?, lang?, key}`
//!   sends now. The crate checks the content first (a broken rule is a 400
//!   naming the keyword, nothing spent); with no send in hand it is a 409
//!   `no-accept` without calling WeChat. `key` is an idempotency key: the same
//!   key again answers exactly the first answer and never sends twice.
//! - `GET /internal/users/{openid}/sends`: `{"sends": {"<templateId>": n}}`
//!   (and `pending` with message push).
//! - `GET /internal/sends?openid=&since=`: the send log of one user since
//!   `since` (seconds since the epoch): time, template, source, msgid, errcode,
//!   and the delivery from the sent event.
//! - The reminder routes of [`crate::reminder_routes`].

use crate::api::{clip, in_hand, payload_for, spend, Body, Server, Shared};
use crate::config::Secret;
use crate::db::KeptAnswer;
use crate::problem::Problem;
use crate::wechat::now_secs;
use axum::extract::{Path, Query, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The most rows one send-log answer holds.
const LOG_LIMIT: i64 = 1000;

/// The internal routes, behind `key`.
pub fn router(server: Arc<Server>, key: Secret) -> Router {
    Router::new()
        .route("/send", post(send))
        .route("/users/{openid}/sends", get(user_sends))
        .route("/sends", get(log))
        .merge(crate::reminder_routes::routes())
        .layer(middleware::from_fn_with_state(Arc::new(key), require_key))
        .with_state(server)
}

/// Equal in time that depends on the length only.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

async fn require_key(State(key): State<Arc<Secret>>, request: Request, next: Next) -> Response {
    let given = request.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if given.is_some_and(|g| same(g.as_bytes(), key.0.as_bytes())) {
        return next.run(request).await;
    }
    Problem::new(StatusCode::UNAUTHORIZED, "no-internal-key", wx_subscribe::ErrorKind::Input, "the internal key is missing or wrong",
        "send Authorization: Bearer $WXS_INTERNAL_KEY (from the server's environment; never ship it in a page)").into_response()
}

/// A message business code sends, now (`/internal/send`) or later
/// (`/internal/reminders`, with `sendAt` and `deadline`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Message {
    pub openid: String,
    pub template_id: String,
    pub data: Value,
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    pub key: String,
    #[serde(default)]
    pub send_at: Option<String>,
    #[serde(default)]
    pub deadline: Option<String>,
}

impl Message {
    /// Its receiver and key checked; then the send body, checked by the crate
    /// against the account's template (a broken rule names the keyword).
    pub async fn payload(&self, server: &Server) -> Result<Value, Problem> {
        text("openid", &self.openid, 128)?;
        text("key", &self.key, 128)?;
        let mut request = json!({ "data": self.data });
        for (field, value) in [("page", &self.page), ("miniprogramState", &self.state), ("lang", &self.lang)] {
            if let Some(v) = value {
                request[field] = v.as_str().into();
            }
        }
        payload_for(server, &self.openid, &self.template_id, request).await
    }
}

pub(crate) fn text(what: &'static str, value: &str, max: usize) -> Result<(), Problem> {
    if value.is_empty() || value.chars().count() > max {
        return Err(Problem::input("bad-body", format!("{what} must be 1 to {max} characters, got '{}'", clip(value)), "see the route's fields in docs/server.md"));
    }
    Ok(())
}

async fn send(State(server): Shared, Body(body): Body<Message>) -> Response {
    if body.send_at.is_some() || body.deadline.is_some() {
        return Problem::input("bad-body", "sendAt and deadline belong to a reminder", "schedule it with POST /internal/reminders").into_response();
    }
    if let Err(problem) = text("openid", &body.openid, 128).and(text("key", &body.key, 128)) {
        return problem.into_response();
    }
    let now = now_secs();
    let first = match server.ledger.claim_key(&body.key, now).await {
        Ok(first) => first,
        Err(e) => return Problem::storage(e).into_response(),
    };
    if let Some(answer) = first {
        return answered_before(&server, &body.key, answer).await;
    }
    let sent = match body.payload(&server).await {
        Ok(payload) => {
            let task = server.in_flight.spawn(spend(server.clone(), body.openid.clone(), body.template_id.clone(), payload, "internal"));
            task.await.unwrap_or_else(|_| Err(Problem::upstream()))
        }
        Err(p) => Err(p),
    };
    let (status, answer) = match sent {
        Ok(Json(v)) => (StatusCode::OK, v),
        Err(p) => (p.status, p.body()),
    };
    if let Err(e) = server.ledger.finish_key(&body.key, i64::from(status.as_u16()), &answer.to_string()).await {
        tracing::warn!(error = %e, "an idempotency key's answer could not be kept");
    }
    (status, Json(answer)).into_response()
}

/// The same key again: the first answer, once the first request has one. A
/// first request with no answer once a send's lease has passed since its claim
/// ended without one (its instance stopped): its outcome is unknown, and that
/// is kept as the key's answer.
async fn answered_before(server: &Server, key: &str, mut kept: KeptAnswer) -> Response {
    let deadline = tokio::time::Instant::now() + server.send_lease();
    while kept.status == 0 && tokio::time::Instant::now() < deadline && now_secs() - kept.claimed_at <= server.send_lease().as_secs() as i64 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        kept = match server.ledger.claim_key(key, now_secs()).await {
            Ok(Some(k)) => k,
            Ok(None) | Err(_) => break,
        };
    }
    if kept.status == 0 && now_secs() - kept.claimed_at > server.send_lease().as_secs() as i64 {
        let unknown = Problem::unknown_outcome();
        if let Err(e) = server.ledger.finish_key(key, i64::from(unknown.status.as_u16()), &unknown.body().to_string()).await {
            tracing::warn!(error = %e, "an idempotency key's answer could not be kept");
        }
        return unknown.into_response();
    }
    let status = StatusCode::from_u16(kept.status as u16).ok().filter(|_| kept.status != 0);
    match (status, serde_json::from_str::<Value>(&kept.body)) {
        (Some(status), Ok(body)) => (status, Json(body)).into_response(),
        _ => Problem::new(StatusCode::CONFLICT, "key-in-progress", wx_subscribe::ErrorKind::Busy, "a send with this key is still running",
            "ask again with the same key later; it answers the first send's outcome").into_response(),
    }
}

async fn user_sends(State(server): Shared, Path(openid): Path<String>) -> Result<Json<Value>, Problem> {
    text("openid", &openid, 128)?;
    let mut answer = in_hand(&server, &openid).await?;
    answer.as_object_mut().map(|o| o.remove("ok"));
    Ok(Json(answer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogQuery {
    openid: String,
    #[serde(default)]
    since: i64,
}

async fn log(State(server): Shared, Query(q): Query<LogQuery>) -> Result<Json<Value>, Problem> {
    text("openid", &q.openid, 128)?;
    let rows = server.ledger.send_log(&q.openid, q.since, LOG_LIMIT).await.map_err(Problem::storage)?;
    Ok(Json(json!({ "sends": rows })))
}

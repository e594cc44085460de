//! The reminder routes, under `/internal` (behind `WXS_INTERNAL_KEY`):
//!
//! - `POST /internal/reminders {openid, templateId, data, page?, state?, lang?, sendAt, deadline?, key}`
//!   makes a reminder: `201 {id, status: "scheduled", sendAt}`. The content is checked
//!   now (a broken rule is a 400 naming the keyword, nothing stored), and one
//!   send is reserved (with none in hand: 409 `no-accept` with `sends`, nothing
//!   stored). `sendAt` and `deadline` are RFC 3339; a busy WeChat may delay the
//!   reminder up to `deadline` (default: an hour after `sendAt`). The same
//!   `key` again answers `200` with the same reminder and reserves nothing.
//! - `GET /internal/reminders/{id}`: the reminder.
//! - `DELETE /internal/reminders/{id}`: cancels a scheduled reminder and gives
//!   its send back (409 `not-cancellable` once it is being sent or ended).
//! - `GET /internal/reminders?openid=`: that user's reminders by due time.

use crate::api::{Body, Server, Shared};
use crate::internal::{text, Message};
use crate::problem::Problem;
use crate::reminders::{Made, NewReminder, Reminder};
use crate::wechat::now_ms;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The most reminders one list answer holds.
const LIST_LIMIT: i64 = 1000;
/// How far ahead a reminder may be made: a year.
const MOST_AHEAD_MS: i64 = 366 * 24 * 3600 * 1000;
/// A reminder's deadline when none is given: an hour after it is due.
pub(crate) const DEFAULT_GRACE_MS: i64 = 3600 * 1000;

/// The reminder routes (the caller adds the key check).
pub fn routes() -> Router<Arc<Server>> {
    Router::new().route("/reminders", get(list).post(make)).route("/reminders/{id}", get(one).delete(cancel))
}

/// RFC 3339 text as ms since the epoch.
fn instant(field: &'static str, text: &str) -> Result<i64, Problem> {
    OffsetDateTime::parse(text, &Rfc3339).map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64).map_err(|_| {
        Problem::input("bad-time", format!("{field} must be an RFC 3339 time such as 2026-12-03T18:00:00+08:00, got '{}'", crate::api::clip(text)),
            "write the time with its offset: 2026-12-03T18:00:00+08:00 or 2026-12-03T10:00:00Z")
    })
}

/// ms since the epoch as RFC 3339 (UTC).
fn rfc3339(ms: i64) -> Value {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok().and_then(|t| t.format(&Rfc3339).ok()).map_or(Value::Null, Value::String)
}

/// A reminder as the routes answer it.
fn shown(r: &Reminder) -> Value {
    let mut out = json!({
        "id": r.id, "openid": r.openid, "templateId": r.template_id, "status": r.status,
        "sendAt": rfc3339(r.send_at_ms), "deadline": rfc3339(r.deadline_ms), "attempts": r.attempts, "createdAt": rfc3339(r.created_at_ms),
    });
    let extra: [(&str, Option<Value>); 6] = [
        ("msgid", r.msgid.clone().map(Value::String)),
        ("errcode", r.errcode.map(Value::from)),
        ("reason", r.reason.clone().map(Value::String)),
        ("sentAt", r.sent_at_ms.map(rfc3339)),
        ("delivery", r.delivery.map(Value::from)),
        ("deliveryStatus", r.delivery_status.clone().map(Value::String)),
    ];
    for (field, value) in extra {
        if let Some(v) = value {
            out[field] = v;
        }
    }
    out
}

async fn make(State(server): Shared, Body(body): Body<Message>) -> Result<Response, Problem> {
    let now = now_ms();
    let send_at_ms = instant("sendAt", body.send_at.as_deref().unwrap_or(""))?;
    if send_at_ms > now + MOST_AHEAD_MS {
        return Err(Problem::input("bad-time", "sendAt is more than a year ahead", "schedule reminders at most a year ahead"));
    }
    let deadline_ms = match &body.deadline {
        Some(d) => instant("deadline", d)?,
        None => send_at_ms + DEFAULT_GRACE_MS,
    };
    if deadline_ms < send_at_ms {
        return Err(Problem::input("bad-time", "deadline is before sendAt", "give a deadline at or after sendAt, or none (an hour after sendAt)"));
    }
    let payload = body.payload(&server).await?;
    schedule(&server, &body.openid, &body.template_id, &payload, (send_at_ms, deadline_ms), &body.key).await
}

/// Makes a reminder of a checked `payload`, due at `when.0` and late at most
/// until `when.1` (ms since the epoch): the answer of `POST /internal/reminders`.
pub(crate) async fn schedule(server: &Server, openid: &str, template_id: &str, payload: &Value, when: (i64, i64), key: &str) -> Result<Response, Problem> {
    let id = format!("rem-{}", crate::config::random_name(12));
    let payload = payload.to_string();
    let new = NewReminder { id: &id, key, openid, template_id, payload: &payload, send_at_ms: when.0, deadline_ms: when.1, now_ms: now_ms() };
    match server.ledger.make_reminder(&new).await.map_err(Problem::storage)? {
        Made::New => Ok((StatusCode::CREATED, Json(json!({ "id": id, "status": "scheduled", "sendAt": rfc3339(when.0) }))).into_response()),
        Made::Before(r) => Ok((StatusCode::OK, Json(json!({ "id": r.id, "status": r.status, "sendAt": rfc3339(r.send_at_ms) }))).into_response()),
        Made::NoAccept(sends) => {
            let problem = Problem::new(StatusCode::CONFLICT, "no-accept", wx_subscribe::ErrorKind::Quota, "the user has no send in hand for this template",
                "ask the user to subscribe (a tap) first; a reminder reserves one send when it is made");
            let mut answer = problem.body();
            answer["sends"] = sends.into();
            Ok((problem.status, Json(answer)).into_response())
        }
    }
}

fn missing(id: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "no-reminder", wx_subscribe::ErrorKind::Input, format!("no reminder '{}'", crate::api::clip(id)),
        "use the id POST /internal/reminders answered")
}

async fn one(State(server): Shared, Path(id): Path<String>) -> Result<Json<Value>, Problem> {
    let reminder = server.ledger.reminder(&id).await.map_err(Problem::storage)?.ok_or_else(|| missing(&id))?;
    Ok(Json(shown(&reminder)))
}

async fn cancel(State(server): Shared, Path(id): Path<String>) -> Result<Json<Value>, Problem> {
    if server.ledger.cancel_reminder(&id).await.map_err(Problem::storage)? {
        return Ok(Json(json!({ "id": id, "status": "cancelled" })));
    }
    let reminder = server.ledger.reminder(&id).await.map_err(Problem::storage)?.ok_or_else(|| missing(&id))?;
    Err(Problem::new(StatusCode::CONFLICT, "not-cancellable", wx_subscribe::ErrorKind::Input,
        format!("the reminder is {}: only a scheduled one can be cancelled", reminder.status), "read its status with GET /internal/reminders/{id}"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    openid: String,
}

async fn list(State(server): Shared, Query(q): Query<ListQuery>) -> Result<Json<Value>, Problem> {
    text("openid", &q.openid, 128)?;
    let rows = server.ledger.reminders_of(&q.openid, LIST_LIMIT).await.map_err(Problem::storage)?;
    Ok(Json(json!({ "reminders": rows.iter().map(shown).collect::<Vec<_>>() })))
}

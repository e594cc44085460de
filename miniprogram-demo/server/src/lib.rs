//! A self-hosted server for mini-programs that send subscription messages
//! from their own backend (seeds 000 and 002): WeChat login, the account's
//! template list, reported accepts and sends, with a quota ledger that holds
//! (see [`db`]). It uses the wx-subscribe crate natively for the checks, the
//! payloads and the send errors.
// The crate's errors are values with every field a caller shows; one is made per failed request.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod config;
pub mod db;
pub mod internal;
pub mod limits;
pub mod metrics;
pub mod problem;
pub mod push;
pub mod reminder_routes;
pub mod reminders;
pub mod scheduler;
pub mod wechat;

use serde_json::{json, Value};
use std::sync::Arc;

/// Opens the ledger (migrating it, and giving back the sends of instances
/// whose lease ended) and makes the routes for `config`.
pub async fn app(config: &config::Config) -> Result<(axum::Router, Arc<api::Server>), sqlx::Error> {
    let ledger = db::Ledger::open(&config.database_url, Some(wechat::now_secs())).await?;
    let metrics = Arc::new(metrics::Metrics::default());
    let wechat = wechat::WeChat::new(config, ledger.clone(), &config.instance, metrics.clone());
    let server = Arc::new(api::Server::new(ledger.clone(), wechat, metrics, config));
    // Sends and reminders left in flight by an instance that stopped come back once their lease ends.
    let every = config.send_lease();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            match ledger.recover(wechat::now_secs()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(given_back = n, "sends of a stopped instance given back"),
                Err(e) => tracing::warn!(error = %e, "the lease sweep could not read the ledger"),
            }
            match ledger.recover_reminders(wechat::now_ms()).await {
                Ok((0, 0)) => {}
                Ok((again, unknown)) => tracing::info!(again, unknown, "reminders of a stopped instance taken back"),
                Err(e) => tracing::warn!(error = %e, "the lease sweep could not read the reminders"),
            }
        }
    });
    scheduler::spawn(server.clone(), config.reminders);
    let mut router = api::router(server.clone());
    if let Some(key) = &config.internal_key {
        router = router.nest("/internal", internal::router(server.clone(), key.clone()));
    }
    Ok((router, server))
}

/// A JSON value as the crate reads values.
pub fn crate_value(value: &Value) -> Option<wx_subscribe::Value> {
    wx_subscribe::read_json(&value.to_string()).ok()
}

/// The send body for `request` (`{ touser, templateId, page?, data }`), checked
/// against `template` (`{ priTmplId, content }`) by the crate.
pub fn build_payload(template: &Value, request: &Value) -> Result<Value, wx_subscribe::Error> {
    let (Some(t), Some(r)) = (crate_value(template), crate_value(request)) else {
        return Err(wx_subscribe::Error::input("bad-body", "the request could not be read".into(), "send JSON"));
    };
    let built = wx_subscribe::payload_from_values(&t, &r, &wx_subscribe::Value::Null)?;
    Ok(serde_json::to_value(&built.payload).unwrap_or(Value::Null))
}

/// One entry of `getTemplateList` as the planner reads it:
/// `{ id, title, kind, content, keywords }`; entries without an id are left out.
pub fn shape_template(entry: &Value) -> Option<Value> {
    let id = entry.get("priTmplId")?.as_str()?;
    let kind = match entry.get("type").and_then(Value::as_i64) {
        Some(3) => "long-term",
        _ => "one-time",
    };
    let content = entry.get("content").and_then(Value::as_str).unwrap_or("");
    let keywords = crate_value(&json!({ "priTmplId": id, "content": content }))
        .and_then(|v| wx_subscribe::describe_from_values(&v).ok())
        .and_then(|t| serde_json::to_value(t.keywords).ok())
        .unwrap_or(Value::Array(Vec::new()));
    Some(json!({ "id": id, "title": entry.get("title").cloned().unwrap_or(Value::Null), "kind": kind, "content": content, "keywords": keywords }))
}

//! The reminder worker. Every instance runs one: it claims due reminders in
//! batches (as many as it has room for), calls WeChat for each within a cap on
//! sends per second, and ends each call in the ledger (see [`crate::reminders`]).
//!
//! - WeChat took it: `sent`, with the msgid.
//! - WeChat refused it: `failed` with the errcode and its reason; the reserved
//!   send comes back, except on 43101, which zeroes the user's template.
//! - Busy (-1, after the client's own retries), the daily limit (45009), or
//!   WeChat out of reach: `scheduled` again with backoff, until the
//!   reminder's deadline; past it, `failed`.
//! - The answer was lost: `unknown`, settled by the sent event, never resent.
//!
//! A reminder is marked called before WeChat can act on its request: the two
//! overlap, the request held one byte short of complete until the mark is
//! committed ([`crate::wechat::WeChat::send_held`]). An instance killed before
//! the mark has sent nothing, and the lease brings the reminder back; killed
//! after it, the reminder is `unknown`, and only the last byte's write lies
//! between the mark and a request WeChat takes.
//!
//! A stopping instance claims nothing more; the calls it started run to their
//! end with the sends in flight.

use crate::api::Server;
use crate::reminders::{Claimed, Ending};
use crate::wechat::{now_ms, SendAnswer};
use governor::{Quota, RateLimiter};
use serde_json::Value;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

/// How the worker runs.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// How often it looks for due reminders when there were none.
    pub poll: Duration,
    /// Calls to WeChat in flight at most.
    pub in_flight: usize,
    /// Calls to WeChat a second at most, for this instance.
    pub per_second: u32,
}

/// The longest wait between two tries of a reminder WeChat was busy for.
const MOST_BACKOFF_MS: i64 = 300_000;

/// Starts the worker of `server`.
pub fn spawn(server: Arc<Server>, pace: Pace) {
    tokio::spawn(run(server, pace));
}

async fn run(server: Arc<Server>, pace: Pace) {
    let room = Arc::new(Semaphore::new(pace.in_flight.max(1)));
    let limiter = RateLimiter::direct(Quota::per_second(NonZeroU32::new(pace.per_second.max(1)).unwrap_or(NonZeroU32::MIN)));
    let lease_ms = server.send_lease().as_millis() as i64;
    loop {
        if server.in_flight.is_closed() {
            return;
        }
        // Wait for room first: a claimed reminder's lease runs while it waits.
        let first = match room.clone().acquire_owned().await {
            Ok(permit) => permit,
            Err(_) => return,
        };
        if room.available_permits() + 1 < pace.in_flight / 2 {
            // Busy: let more calls end, then claim them together (fewer, larger claims).
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let free = room.available_permits() + 1;
        let now = now_ms();
        let claimed = match server.ledger.claim_due(server.instance(), now, now + lease_ms, free as i64).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "the reminder worker could not claim due reminders");
                Vec::new()
            }
        };
        let full = claimed.len() == free;
        let mut permit = Some(first);
        for reminder in claimed {
            let permit = match permit.take() {
                Some(p) => p,
                None => match room.clone().acquire_owned().await {
                    Ok(p) => p,
                    Err(_) => return,
                },
            };
            limiter.until_ready().await;
            server.in_flight.spawn(deliver(server.clone(), reminder, permit));
        }
        drop(permit);
        if !full {
            tokio::time::sleep(pace.poll).await;
        }
    }
}

/// Calls WeChat for one claimed reminder and ends it in the ledger.
async fn deliver(server: Arc<Server>, reminder: Claimed, _permit: OwnedSemaphorePermit) {
    let owner = server.instance();
    // The mark and the call overlap: the request waits one byte short of
    // complete until the mark is committed, and is cut off if it is not.
    let (open, gate) = oneshot::channel();
    let marking = async {
        let marked = server.ledger.mark_called(&reminder.id, owner, now_ms()).await;
        let _ = open.send(matches!(marked, Ok(true)));
        marked
    };
    let calling = async {
        match serde_json::from_str::<Value>(&reminder.payload) {
            Ok(payload) => server.wechat.send_held(&payload, gate).await,
            Err(_) => SendAnswer::NotSent,
        }
    };
    let (marked, answer) = tokio::join!(marking, calling);
    match marked {
        Ok(true) => {}
        Ok(false) => return tracing::warn!(reminder = %reminder.id, "a reminder's lease ended before its call; another instance takes it"),
        Err(e) => return tracing::warn!(reminder = %reminder.id, error = %e, "a reminder could not be marked called; its lease brings it back"),
    }
    let now = now_ms();
    let ending = ending(&answer, &reminder, now);
    let outcome = match &ending {
        Ending::Sent { .. } => "sent",
        Ending::Failed { .. } => "failed",
        Ending::Unknown => "unknown",
        Ending::Later { .. } => "later",
    };
    match server.ledger.end_reminder(&reminder.id, owner, &ending, now).await {
        Ok(true) => {
            server.metrics.reminder(outcome);
            tracing::info!(reminder = %reminder.id, openid = %crate::wechat::short(&reminder.openid), outcome,
                late_ms = now - reminder.send_at_ms, attempts = reminder.attempts, "reminder call ended");
        }
        Ok(false) => tracing::warn!(reminder = %reminder.id, outcome, "a reminder's lease ended during its call; it is settled as unknown"),
        Err(e) => tracing::warn!(reminder = %reminder.id, outcome, error = %e, "a reminder's end could not be written; its lease makes it unknown"),
    }
}

/// How a call ended, from WeChat's answer.
fn ending(answer: &SendAnswer, reminder: &Claimed, now: i64) -> Ending {
    let later = |code: Option<i64>, reason: &str| {
        let wait = (1000_i64 << (reminder.attempts - 1).clamp(0, 20)).min(MOST_BACKOFF_MS);
        if now + wait <= reminder.deadline_ms {
            Ending::Later { next_try_ms: now + wait, errcode: code, reason: reason.to_owned() }
        } else {
            Ending::Failed { errcode: code, reason: format!("{reason}; gave up at the reminder's deadline"), none_left: false }
        }
    };
    match answer {
        SendAnswer::Sent { msgid } => Ending::Sent { msgid: msgid.clone() },
        SendAnswer::Refused { errcode: -1, .. } => later(Some(-1), "WeChat was busy (-1)"),
        SendAnswer::Refused { errcode: 45009, .. } => later(Some(45009), "the account reached its daily limit (45009)"),
        SendAnswer::Refused { errcode, error } => Ending::Failed { errcode: Some(*errcode), reason: error.message.clone(), none_left: error.kind == wx_subscribe::ErrorKind::Quota },
        SendAnswer::NotSent => later(None, "WeChat was out of reach"),
        SendAnswer::Lost => Ending::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::Failure;
    use serde_json::json;

    fn claimed(attempts: i64, deadline_ms: i64) -> Claimed {
        Claimed { id: "r".into(), openid: "o".into(), template_id: "t".into(), payload: "{}".into(), send_at_ms: 0, deadline_ms, attempts }
    }

    /// How the call of `reminder` ends at time 0 when WeChat answered `answer`.
    fn ended(answer: Result<Value, Failure>, reminder: &Claimed) -> Ending {
        ending(&SendAnswer::of(answer), reminder, 0)
    }

    #[test]
    fn each_answer_ends_the_call_as_the_platform_means_it() {
        let r = claimed(1, 60_000);
        assert_eq!(ended(Ok(json!({ "errcode": 0, "msgid": 7 })), &r), Ending::Sent { msgid: Some("7".into()) });
        assert!(matches!(ended(Ok(json!({ "errcode": 43101, "errmsg": "user refuse" })), &r), Ending::Failed { none_left: true, errcode: Some(43101), .. }));
        assert!(matches!(ended(Ok(json!({ "errcode": 40037, "errmsg": "invalid template id" })), &r), Ending::Failed { none_left: false, errcode: Some(40037), .. }));
        assert!(matches!(ended(Ok(json!({ "errcode": -1 })), &r), Ending::Later { next_try_ms: 1000, errcode: Some(-1), .. }));
        assert!(matches!(ended(Ok(json!({ "errcode": 45009 })), &claimed(3, 60_000)), Ending::Later { next_try_ms: 4000, .. }));
        assert!(matches!(ended(Err(Failure::NotSent), &r), Ending::Later { errcode: None, .. }));
        assert_eq!(ended(Err(Failure::NoAnswer), &r), Ending::Unknown);
    }

    #[test]
    fn busy_past_the_deadline_fails_and_the_backoff_is_capped() {
        assert!(matches!(ended(Ok(json!({ "errcode": -1 })), &claimed(1, 500)), Ending::Failed { none_left: false, errcode: Some(-1), .. }));
        assert!(matches!(ended(Ok(json!({ "errcode": -1 })), &claimed(40, i64::MAX)), Ending::Later { next_try_ms: MOST_BACKOFF_MS, .. }));
    }
}

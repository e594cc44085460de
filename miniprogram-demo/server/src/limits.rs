//! Rate limits on the routes a page can call without cost to itself but with
//! cost to the account: `/login` (each one is a call to WeChat) and `/report`.
//! Per address (the peer's IP) on both, and per user on `/report`; past a
//! limit the answer is 429 with `Retry-After`. Kept in memory, per instance
//! (GCRA, `governor`).

use crate::problem::Problem;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// A key's requests a minute; a third of them may come at once.
fn limiter<K: std::hash::Hash + Eq + Clone>(per_minute: u32) -> DefaultKeyedRateLimiter<K> {
    let rate = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
    RateLimiter::keyed(Quota::per_minute(rate).allow_burst(NonZeroU32::new(per_minute / 3).unwrap_or(NonZeroU32::MIN)))
}

/// The limits of one instance.
pub struct Limits {
    addresses: DefaultKeyedRateLimiter<IpAddr>,
    users: DefaultKeyedRateLimiter<String>,
}

impl Limits {
    /// `per_address` and `per_user` requests a minute.
    pub fn new(per_address: u32, per_user: u32) -> Limits {
        Limits { addresses: limiter(per_address), users: limiter(per_user) }
    }
}

fn refused(wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs() + 1;
    let mut p = Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", wx_subscribe::ErrorKind::Limit,
        format!("too many requests; try again in {seconds} s"), "wait for Retry-After, then try again");
    p.error.retryable = true;
    let mut response = p.into_response();
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
    response
}

impl Limits {
    /// One more request from `address` (none known: not limited here).
    pub fn address(&self, address: Option<IpAddr>) -> Result<(), Response> {
        let Some(address) = address else { return Ok(()) };
        self.addresses.check_key(&address).map_err(|not| refused(not.wait_time_from(DefaultClock::default().now())))
    }

    /// One more request from the user `openid`.
    pub fn user(&self, openid: &str) -> Result<(), Response> {
        self.users.check_key(&openid.to_owned()).map_err(|not| refused(not.wait_time_from(DefaultClock::default().now())))
    }
}

//! The server's tests, shared by both databases: `tests/sqlite.rs` runs each
//! case on a fresh SQLite file, `tests/postgres.rs` runs them all on the
//! PostgreSQL server `.ci/test` starts. Each case uses users of its own.
#![allow(dead_code)]

pub mod fake;
pub mod reminder_bench;
pub mod wechat_push;

/// Calls `$run!` with every case that runs on one server in this process.
macro_rules! every_case {
    ($run:ident) => {
        $run!(
            login_gives_a_session_and_the_session_key_never_leaves,
            routes_refuse_unknown_fields_oversized_bodies_and_missing_sessions,
            templates_are_shaped_for_the_planner_and_cached,
            a_send_without_a_recorded_accept_is_refused_before_wechat,
            a_report_records_at_most_one_send_per_template_per_call,
            one_user_can_never_spend_or_read_anothers_accepts,
            a_thousand_concurrent_sends_against_100_accepts_send_exactly_100,
            send_errors_are_mapped_a_47003_gives_the_send_back_and_a_43101_empties_the_ledger,
            fifty_concurrent_token_expiries_make_one_fetch_and_no_forced_refresh,
            three_instances_share_one_token_through_a_revocation,
            health_and_metrics_answer,
            login_and_report_are_rate_limited_with_retry_after,
            the_push_url_check_answers_the_echostr_only_when_signed,
            forged_replayed_and_stale_push_events_change_nothing,
            push_events_in_json_xml_and_safe_mode_keep_the_ledger,
            with_push_the_pages_report_is_pending_until_wechats_event,
            a_lost_answer_is_settled_by_its_sent_event,
            internal_routes_exist_only_with_their_key,
            an_internal_send_checks_first_and_a_key_never_sends_twice,
            the_token_is_cached_and_refreshed_before_it_expires,
            a_lost_answer_is_unknown_not_retryable_and_nothing_raw_reaches_the_caller,
            data_that_breaks_a_keyword_rule_is_refused_before_the_ledger,
            the_page_writes_no_message_the_demo_route_writes_its_own,
            busy_token_and_template_calls_are_retried_with_backoff,
            a_send_runs_to_its_end_when_its_caller_goes_away,
            a_stopped_instances_send_comes_back_when_its_lease_ends,
            a_key_whose_first_request_died_answers_unknown_once_its_lease_passed,
            reminders_are_checked_and_reserve_a_send_when_made_and_cancelling_gives_it_back,
            a_due_reminder_is_sent_once_on_time,
            busy_refused_and_late_reminders_end_honestly,
            a_lost_reminder_answer_is_unknown_never_resent_and_its_sent_event_settles_it,
            a_stopped_instances_reminders_come_back_when_their_lease_ends,
            a_claim_takes_no_more_than_its_room_when_the_statistics_are_stale,
            a_held_send_whose_mark_outlasts_the_timeout_is_not_sent
        );
    };
}

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use wx_subscribe_server::api::Server;
use wx_subscribe_server::config::{Config, Secret};

/// A server on 127.0.0.1 against a fake WeChat.
pub struct Harness {
    pub base: String,
    pub fake: fake::Shared,
    /// The in-process server (None when the server runs as its own process).
    pub server: Option<Arc<Server>>,
    pub http: reqwest::Client,
    pub database_url: String,
    pub fake_base: String,
}

pub const INTERNAL_KEY: &str = "internal-key-0123456789";

pub fn config(database_url: &str, wechat: &str) -> Config {
    Config {
        appid: "wx-test-app".into(),
        secret: Secret("test-secret".into()),
        database_url: database_url.into(),
        wechat_api: wechat.into(),
        templates_ttl: Duration::from_secs(600),
        wechat_timeout: Duration::from_millis(800),
        instance: wx_subscribe_server::config::random_name(4),
        shutdown: Duration::from_secs(5),
        push: None,
        internal_key: None,
        // The cases report hundreds of accepts from 127.0.0.1; one case checks the limits.
        rate: (1_000_000, 1_000_000),
        demo: true,
        demo_remind: Duration::from_secs(60),
        reminders: wx_subscribe_server::scheduler::Pace { poll: Duration::from_millis(50), in_flight: 32, per_second: 1000 },
    }
}

impl Harness {
    pub async fn start(database_url: &str) -> Harness {
        let (fake_base, fake) = fake::start().await;
        Harness::on(database_url, fake_base, fake, |_| {}).await
    }

    /// Another server (instance) on the same database and fake WeChat.
    pub async fn another(&self) -> Harness {
        Harness::on(&self.database_url, self.fake_base.clone(), self.fake.clone(), |_| {}).await
    }

    /// Another instance with the default rate limits.
    pub async fn with_default_limits(&self) -> Harness {
        Harness::on(&self.database_url, self.fake_base.clone(), self.fake.clone(), |c| c.rate = (60, 30)).await
    }

    /// Another instance with message push on (safe mode possible) and the internal routes.
    pub async fn with_push(&self) -> Harness {
        Harness::on(&self.database_url, self.fake_base.clone(), self.fake.clone(), |c| {
            c.push = Some(wx_subscribe_server::push::PushConfig {
                token: wechat_push::TOKEN.into(),
                aes_key: Some(wx_subscribe_server::push::aes_key(&wechat_push::encoding_aes_key()).unwrap()),
                appid: wechat_push::APPID.into(),
            });
            c.internal_key = Some(Secret(INTERNAL_KEY.into()));
        })
        .await
    }

    async fn on(database_url: &str, fake_base: String, fake: fake::Shared, adjust: impl FnOnce(&mut Config)) -> Harness {
        let mut config = config(database_url, &fake_base);
        adjust(&mut config);
        let (router, server) = wx_subscribe_server::app(&config).await.expect("the ledger opens");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
        let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
        Harness { base, fake, server: Some(server), http, database_url: database_url.into(), fake_base }
    }

    /// A fresh SQLite file for one test.
    pub async fn sqlite(name: &str) -> Harness {
        let path = std::env::temp_dir().join(format!("wxs-server-{name}-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        Harness::start(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    pub async fn call(&self, method: &str, path: &str, session: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        self.call_on(&self.http, method, path, session, body).await
    }

    /// [`Harness::call`] on a connection of its own, never used again: a
    /// server that refuses a body before reading it all closes the
    /// connection, and a pooled connection would then fail the next request
    /// with a broken pipe.
    pub async fn call_alone(&self, method: &str, path: &str, session: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let alone = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
        self.call_on(&alone, method, path, session, body).await
    }

    async fn call_on(&self, http: &reqwest::Client, method: &str, path: &str, session: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = match method {
            "GET" => http.get(format!("{}{path}", self.base)),
            "INTERNAL-GET" => http.get(format!("{}{path}", self.base)).bearer_auth(INTERNAL_KEY),
            "INTERNAL-POST" => http.post(format!("{}{path}", self.base)).bearer_auth(INTERNAL_KEY),
            _ => http.post(format!("{}{path}", self.base)),
        };
        if let Some(s) = session {
            request = request.bearer_auth(s);
        }
        if let Some(b) = body {
            request = request.json(&b);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Logs `openid` in; gives the session.
    pub async fn login(&self, openid: &str) -> String {
        let (status, body) = self.call("POST", "/login", None, Some(json!({ "code": format!("code-{openid}") }))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["session"].as_str().unwrap().to_owned()
    }

    pub async fn report(&self, session: &str, times: usize) {
        for _ in 0..times {
            let (status, body) = self.call("POST", "/report", Some(session), Some(json!({ "accepts": { fake::TEMPLATE: 1 } }))).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    }

    pub async fn send(&self, session: &str) -> (StatusCode, Value) {
        self.call("POST", "/demo/send", Some(session), Some(json!({ "templateId": fake::TEMPLATE }))).await
    }

    pub async fn sends(&self, session: &str) -> i64 {
        let (_, body) = self.call("GET", "/sends", Some(session), None).await;
        body["sends"][fake::TEMPLATE].as_i64().unwrap_or(0)
    }

    pub fn sent_to(&self, openid: &str) -> u64 {
        *self.fake.lock().unwrap().sent.get(&(openid.to_owned(), fake::TEMPLATE.to_owned())).unwrap_or(&0)
    }
}

pub async fn login_gives_a_session_and_the_session_key_never_leaves(h: &Harness) {
    let (status, body) = h.call("POST", "/login", None, Some(json!({ "code": "code-alice-login" }))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["session"].as_str().unwrap().len(), 64);
    assert!(!body.to_string().contains("SECRET_SESSION_KEY") && !body.to_string().contains("alice"), "{body}");
    let (status, body) = h.call("POST", "/login", None, Some(json!({ "code": "stolen" }))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("code-refused")));
}

pub async fn routes_refuse_unknown_fields_oversized_bodies_and_missing_sessions(h: &Harness) {
    let s = h.login("bob-fields").await;
    // The receiver is never taken from the request.
    let (status, body) = h.call("POST", "/demo/send", Some(&s), Some(json!({ "templateId": fake::TEMPLATE, "touser": "mallory" }))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad-body")));
    assert!(body["error"]["message"].as_str().unwrap().contains("touser"), "{body}");
    let huge = "x".repeat(64 * 1024);
    let (status, body) = h.call_alone("POST", "/report", Some(&s), Some(json!({ "accepts": { huge: 1 } }))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("body-too-large")));
    assert!(body.to_string().len() < 1000, "nothing huge is echoed back");
    for session in [None, Some("not-a-session"), Some(&"0".repeat(64)[..])] {
        let (status, body) = h.call("GET", "/sends", session, None).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("no-session")));
    }
    let (status, body) = h.call("POST", "/report", Some(&s), Some(json!({ "accepts": { fake::TEMPLATE: 1, "constructor": 1 } }))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("unknown-template")));
    assert_eq!(h.sends(&s).await, 0, "a report with an unknown id records nothing");
    assert!(body["error"]["userMessage"].as_str().is_some_and(|m| !m.is_empty()));
}

pub async fn templates_are_shaped_for_the_planner_and_cached(h: &Harness) {
    let (status, body) = h.call("GET", "/templates", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let first = &body["templates"][0];
    assert_eq!((first["id"].as_str(), first["kind"].as_str(), first["title"].as_str()), (Some(fake::TEMPLATE), Some("one-time"), Some("订单发货提醒")));
    assert_eq!(first["keywords"][0]["key"], "thing1");
    assert_eq!(first["keywords"][0]["label"], "商品名称");
    assert_eq!(body["templates"][1]["kind"], "long-term");
    h.call("GET", "/templates", None, None).await;
    assert_eq!(h.fake.lock().unwrap().template_list_calls, 1, "cached");
}

pub async fn a_send_without_a_recorded_accept_is_refused_before_wechat(h: &Harness) {
    let s = h.login("carol-none").await;
    let (status, body) = h.send(&s).await;
    assert_eq!((status, body["error"]["code"].as_str(), body["error"]["kind"].as_str()), (StatusCode::CONFLICT, Some("no-accept"), Some("quota")));
    assert_eq!(h.sent_to("carol-none"), 0);
}

pub async fn a_report_records_at_most_one_send_per_template_per_call(h: &Harness) {
    let s = h.login("dave-report").await;
    let (status, body) = h.call("POST", "/report", Some(&s), Some(json!({ "accepts": { fake::TEMPLATE: 1_000_000_000_000_000_u64 } }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["recorded"][fake::TEMPLATE], 1);
    assert_eq!(h.sends(&s).await, 1);
}

pub async fn one_user_can_never_spend_or_read_anothers_accepts(h: &Harness) {
    let alice = h.login("alice-own").await;
    let bob = h.login("bob-own").await;
    h.report(&alice, 1).await;
    assert_eq!(h.sends(&bob).await, 0, "bob reads only his own");
    let (status, _) = h.send(&bob).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(h.sends(&alice).await, 1, "alice's accept is still hers");
    let (status, _) = h.send(&alice).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((h.sent_to("alice-own"), h.sent_to("bob-own")), (1, 0));
}

pub async fn a_thousand_concurrent_sends_against_100_accepts_send_exactly_100(h: &Harness) {
    let s = h.login("erin-race").await;
    h.report(&s, 100).await;
    let sends = (0..1000).map(|_| {
        let h = (h.http.clone(), h.base.clone(), s.clone());
        tokio::spawn(async move {
            let r = h.0.post(format!("{}/demo/send", h.1)).bearer_auth(&h.2).json(&json!({ "templateId": fake::TEMPLATE })).send().await.unwrap();
            r.status()
        })
    });
    let statuses: Vec<StatusCode> = futures_join(sends.collect()).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    println!("figure: 1000 concurrent sends against 100 accepts: {ok} sent, {refused} refused, WeChat took {}", h.sent_to("erin-race"));
    assert_eq!((ok, refused, h.sent_to("erin-race")), (100, 900, 100));
    assert_eq!(h.sends(&s).await, 0);
}

async fn futures_join<T: Send + 'static>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

pub async fn send_errors_are_mapped_a_47003_gives_the_send_back_and_a_43101_empties_the_ledger(h: &Harness) {
    let s = h.login("frank-errors").await;
    h.report(&s, 3).await;
    h.fake.lock().unwrap().send_errors.push_back((47003, "argument invalid! data.thing1.value invalid".into()));
    let (status, body) = h.send(&s).await;
    assert_eq!((status, body["error"]["errCode"].as_i64()), (StatusCode::BAD_REQUEST, Some(47003)));
    assert_eq!(body["error"]["field"], "data.thing1.value");
    assert_eq!(h.sends(&s).await, 3, "not sent: given back");
    h.fake.lock().unwrap().send_errors.push_back((43101, "user refuse to accept the msg".into()));
    let (status, body) = h.send(&s).await;
    assert_eq!((status, body["error"]["kind"].as_str()), (StatusCode::CONFLICT, Some("quota")));
    assert_eq!(h.sends(&s).await, 0, "43101: WeChat says none are left");
    h.report(&s, 1).await;
    h.fake.lock().unwrap().send_errors.push_back((99999, "secret internals at /srv/app".into()));
    let (_, body) = h.send(&s).await;
    assert!(!body.to_string().contains("/srv/app"), "raw WeChat text stays on the server: {body}");
}

/// `n` concurrent sends for the session `s` on the servers at `bases`, taking turns: their statuses.
async fn concurrent_sends(http: &reqwest::Client, bases: &[String], s: &str, n: usize) -> Vec<StatusCode> {
    let sends: Vec<_> = (0..n).map(|i| {
        let (http, base, s) = (http.clone(), bases[i % bases.len()].clone(), s.to_owned());
        tokio::spawn(async move {
            http.post(format!("{base}/demo/send")).bearer_auth(&s).json(&json!({ "templateId": fake::TEMPLATE })).send().await.unwrap().status()
        })
    }).collect();
    futures_join(sends).await
}

/// Revokes the token WeChat last gave: every call with it answers 40001.
fn revoke(h: &Harness) {
    let mut f = h.fake.lock().unwrap();
    let current = f.current.clone();
    f.revoked.insert(current);
}

pub async fn fifty_concurrent_token_expiries_make_one_fetch_and_no_forced_refresh(h: &Harness) {
    let s = h.login("grace-token").await;
    h.report(&s, 51).await;
    let (status, _) = h.send(&s).await; // a token is fetched and works
    assert_eq!(status, StatusCode::OK);
    let before = h.fake.lock().unwrap().stable_token_calls;
    revoke(h); // 40001 mid-flight, for every send using it
    let statuses = concurrent_sends(&h.http, std::slice::from_ref(&h.base), &s, 50).await;
    let (fetches, forced) = { let f = h.fake.lock().unwrap(); (f.stable_token_calls - before, f.forced_refreshes) };
    println!("figure: 50 concurrent sends with a revoked token: {fetches} token fetch(es), {forced} forced refresh(es)");
    assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    assert_eq!((fetches, forced), (1, 0));
}

pub async fn three_instances_share_one_token_through_a_revocation(h: &Harness) {
    let (b, c) = (h.another().await, h.another().await);
    let s = h.login("olivia-three").await;
    h.report(&s, 500).await;
    let before = h.fake.lock().unwrap().stable_token_calls;
    let bases = [h.base.clone(), b.base.clone(), c.base.clone()];
    let first = concurrent_sends(&h.http, &bases, &s, 250).await;
    revoke(h);
    let second = concurrent_sends(&h.http, &bases, &s, 250).await;
    let (fetches, forced) = { let f = h.fake.lock().unwrap(); (f.stable_token_calls - before, f.forced_refreshes) };
    let sent = h.sent_to("olivia-three");
    let ok = first.iter().chain(&second).filter(|s| **s == StatusCode::OK).count();
    println!("figure: 3 instances, 500 concurrent sends, the token revoked half-way: {ok} sent, WeChat took {sent}, {fetches} token fetch(es), {forced} forced refresh(es)");
    assert_eq!((ok, sent), (500, 500), "{first:?} {second:?}");
    assert_eq!(forced, 0);
    assert!(fetches <= 2, "{fetches} token fetches for one renewal");
}

pub async fn health_and_metrics_answer(h: &Harness) {
    let (status, body) = h.call("GET", "/healthz", None, None).await;
    assert_eq!((status, body["database"].as_str()), (StatusCode::OK, Some("up")));
    let s = h.login("paul-metrics").await;
    h.report(&s, 1).await;
    assert_eq!(h.send(&s).await.0, StatusCode::OK);
    let text = h.http.get(format!("{}/metrics", h.base)).send().await.unwrap().text().await.unwrap();
    for line in [
        "wxs_http_requests_total{route=\"/demo/send\",status=\"200\"} 1",
        "wxs_wechat_calls_total{api=\"send\",errcode=\"0\"} 1",
        "wxs_sends_total{outcome=\"sent\"} 1",
        "wxs_token_renewals_total 1",
    ] {
        assert!(text.contains(line), "no '{line}' in\n{text}");
    }
    assert!(!text.contains("paul") && !text.contains("TOKEN"), "{text}");
}

pub async fn the_token_is_cached_and_refreshed_before_it_expires(h: &Harness) {
    let s = h.login("heidi-cache").await;
    h.report(&s, 5).await;
    for _ in 0..2 {
        assert_eq!(h.send(&s).await.0, StatusCode::OK);
    }
    let cached = h.server.as_ref().unwrap().wechat.token_fetches();
    assert_eq!(cached, 1, "one token for the template list and both sends");
    {
        // The next token WeChat gives lives 200 s, less than the 5 minutes kept in hand.
        let mut f = h.fake.lock().unwrap();
        f.expires_in = 200;
        let current = f.current.clone();
        f.revoked.insert(current);
    }
    for _ in 0..3 {
        assert_eq!(h.send(&s).await.0, StatusCode::OK);
    }
    // The first send fetches again on 40001; each later one finds the token about to expire.
    assert_eq!(h.server.as_ref().unwrap().wechat.token_fetches(), cached + 3);
    assert_eq!(h.fake.lock().unwrap().forced_refreshes, 0, "never force_refresh");
}

pub async fn a_lost_answer_is_unknown_not_retryable_and_nothing_raw_reaches_the_caller(h: &Harness) {
    let s = h.login("ivan-slow").await;
    h.report(&s, 3).await;
    h.fake.lock().unwrap().send_delay = Duration::from_millis(1500);
    let (status, body) = h.send(&s).await;
    assert_eq!((status, body["error"]["code"].as_str(), body["error"]["retryable"].as_bool()), (StatusCode::BAD_GATEWAY, Some("send-outcome-unknown"), Some(false)));
    assert!(!body.to_string().contains("access_token") && !body.to_string().contains("TOKEN"), "{body}");
    assert_eq!(h.sends(&s).await, 2, "WeChat may have sent it: the send stays spent");
    {
        let mut f = h.fake.lock().unwrap();
        f.send_delay = Duration::ZERO;
        f.failing = true;
    }
    let (status, body) = h.send(&s).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_GATEWAY, Some("send-outcome-unknown")), "an answer that is not JSON: {body}");
    assert_eq!(h.sends(&s).await, 1);
    {
        let mut f = h.fake.lock().unwrap();
        f.failing = false;
        f.busy = 2; // -1 twice, then the send goes through
    }
    let (status, body) = h.send(&s).await;
    assert_eq!(status, StatusCode::OK, "busy twice, retried with backoff: {body}");
    assert_eq!(h.fake.lock().unwrap().busy, 0);
}

pub async fn data_that_breaks_a_keyword_rule_is_refused_before_the_ledger(h: &Harness) {
    let s = h.login("judy-data").await;
    h.report(&s, 1).await;
    let p = h.with_push().await;
    let data = json!({ "thing1": { "value": "一二三四五六七八九十一二三四五六七八九十一" }, "date2": { "value": "明天" } });
    let (status, body) = p.call("INTERNAL-POST", "/internal/send", None, Some(json!({ "openid": "judy-data", "templateId": fake::TEMPLATE, "data": data, "key": "judy-1" }))).await;
    assert_eq!((status, body["error"]["kind"].as_str()), (StatusCode::BAD_REQUEST, Some("input")), "{body}");
    assert_eq!(h.sends(&s).await, 1, "nothing spent");
}

pub async fn the_page_writes_no_message_the_demo_route_writes_its_own(h: &Harness) {
    let s = h.login("zoe-demo").await;
    h.report(&s, 1).await;
    let data = json!({ "thing1": "anything a page likes", "date2": "2026-11-23" });
    let (status, _) = h.call("POST", "/send", Some(&s), Some(json!({ "templateId": fake::TEMPLATE, "data": data }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no page-facing send");
    let off = Harness::on(&h.database_url, h.fake_base.clone(), h.fake.clone(), |c| c.demo = false).await;
    let (status, _) = off.call("POST", "/demo/send", Some(&s), Some(json!({ "templateId": fake::TEMPLATE }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no demo route without WXS_DEMO=1");
    let (status, _) = off.call("POST", "/demo/remind", Some(&s), Some(json!({ "templateId": fake::TEMPLATE }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no demo reminder without WXS_DEMO=1");
    assert_eq!(h.sends(&s).await, 1);
    let (status, body) = h.call("POST", "/demo/send", Some(&s), Some(json!({ "templateId": fake::TEMPLATE, "data": data }))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad-body")), "the demo takes no data: {body}");
    assert_eq!(h.send(&s).await.0, StatusCode::OK);
    let sent = h.fake.lock().unwrap().last_data.clone();
    assert_eq!(sent["thing1"]["value"], "wx-subscribe 演示", "server-written: {sent}");
}

/// The log file of the server binary listening at `base` (`http://127.0.0.1:port`).
pub fn server_log(base: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("wxs-server-{}.log", base.rsplit(':').next().unwrap_or_default()))
}

/// The server binary on `database_url` against the fake at `wechat`, with `vars`; gives the child and its base URL.
async fn spawn_binary(database_url: &str, wechat: &str, vars: &[(&str, &str)]) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_wx-subscribe-server"))
        .env("WXS_APPID", "wx-test-app")
        .env("WXS_SECRET", "test-secret")
        .env("WXS_DATABASE_URL", database_url)
        .env("WXS_BIND", format!("127.0.0.1:{port}"))
        .env("WXS_WECHAT_API", wechat)
        .env("WXS_WECHAT_TIMEOUT_MS", "5000")
        .env("WXS_RATE_ADDRESS", "1000000")
        .env("WXS_DEMO", "1")
        .env("WXS_RATE_USER", "1000000")
        .envs(vars.iter().copied())
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        // Its log (a line per WeChat call) goes to a file of its own.
        .stderr(std::fs::File::create(server_log(&base)).unwrap())
        .spawn()
        .expect("the server binary starts");
    for _ in 0..400 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the server binary did not listen on {base}");
}

/// `n` sends for `openid` started on the server at `base`, not awaited.
fn start_sends(base: &str, session: &str, n: usize) -> Vec<tokio::task::JoinHandle<Result<StatusCode, reqwest::Error>>> {
    (0..n).map(|_| {
        let (http, base, s) = (reqwest::Client::new(), base.to_owned(), session.to_owned());
        tokio::spawn(async move {
            http.post(format!("{base}/demo/send")).bearer_auth(&s).json(&json!({ "templateId": fake::TEMPLATE })).send().await.map(|r| r.status())
        })
    }).collect()
}

/// Three instances; one is killed (SIGKILL) with sends in flight and started
/// again at once: it gives back no send of the live instances, and its own
/// come back once their lease ends.
pub async fn a_killed_instance_restarted_recovers_no_row_of_the_live_ones(database_url: &str) {
    let (fake_base, fake) = fake::start().await;
    let (mut a, a_base) = spawn_binary(database_url, &fake_base, &[("WXS_INSTANCE", "a")]).await;
    let (_b, b_base) = spawn_binary(database_url, &fake_base, &[("WXS_INSTANCE", "b")]).await;
    let (_c, _) = spawn_binary(database_url, &fake_base, &[("WXS_INSTANCE", "c")]).await;
    let h = Harness { base: a_base.clone(), fake: fake.clone(), server: None, http: reqwest::Client::new(), database_url: database_url.into(), fake_base: fake_base.clone() };
    let s = h.login("kim-restart").await;
    h.report(&s, 40).await;
    fake.lock().unwrap().send_delay = Duration::from_millis(3000);
    let on_a = start_sends(&a_base, &s, 20);
    let on_b = start_sends(&b_base, &s, 20);
    tokio::time::sleep(Duration::from_millis(800)).await;
    a.kill().await.expect("SIGKILL");
    let cut = futures_join(on_a).await.into_iter().filter(|r| r.is_err()).count();
    // Started again at once, while b's sends are still in flight.
    let (_a, a_base) = spawn_binary(database_url, &fake_base, &[("WXS_INSTANCE", "a")]).await;
    let h = Harness { base: a_base, ..h };
    let b_answers = futures_join(on_b).await;
    let b_sent = b_answers.iter().filter(|r| matches!(r, Ok(s) if *s == StatusCode::OK)).count();
    let in_hand = h.sends(&s).await;
    let took = h.sent_to("kim-restart");
    println!("figure: SIGKILL of 1 of 3 instances with 20 sends in flight, restarted at once: {cut} cut off, the live instance's 20 all settled as sent ({b_sent}), {in_hand} in hand, WeChat took {took}");
    assert_eq!(cut, 20, "every send on the killed instance was cut off");
    assert_eq!(b_sent, 20, "the restart gave back none of the live instance's sends");
    // 40 reported, 20 sent by b, 20 in flight on a when it died: WeChat took them
    // (they were answered after the kill) or not; they are spent until a's lease ends.
    assert_eq!(in_hand, 0, "a's sends stay spent while their lease holds");
}

/// A database made by the first release (tables made at start, no migrations)
/// at `database_url` takes the migrations: its sends in hand stay, its sends
/// in flight (no owner, no lease) are given back, its plain-text sessions end.
pub async fn a_database_of_the_first_release_is_migrated(database_url: &str) {
    use sqlx::any::{install_default_drivers, AnyPoolOptions};
    install_default_drivers();
    let old = AnyPoolOptions::new().max_connections(1).connect(database_url).await.unwrap();
    for statement in [
        "CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, openid TEXT NOT NULL, expires_at BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS sends (openid TEXT NOT NULL, template_id TEXT NOT NULL, count BIGINT NOT NULL, PRIMARY KEY (openid, template_id))",
        "CREATE TABLE IF NOT EXISTS spending (id TEXT PRIMARY KEY, openid TEXT NOT NULL, template_id TEXT NOT NULL)",
        "INSERT INTO sessions (token, openid, expires_at) VALUES ('plain-token', 'olga', 9999999999)",
        "INSERT INTO sends (openid, template_id, count) VALUES ('olga', 'TPL_ORDER', 3)",
        "INSERT INTO spending (id, openid, template_id) VALUES ('in-flight', 'olga', 'TPL_ORDER')",
    ] {
        sqlx::query(statement).execute(&old).await.unwrap();
    }
    old.close().await;
    let ledger = wx_subscribe_server::db::Ledger::open(database_url, Some(wx_subscribe_server::wechat::now_secs())).await.expect("migrated");
    assert_eq!(ledger.count("olga", "TPL_ORDER").await.unwrap(), 4, "3 in hand, and the one in flight given back");
    assert_eq!(ledger.session("plain-token", 0).await.unwrap(), None, "plain-text sessions end");
    ledger.add_session("new-token", "olga", 0, 9_999_999_999).await.unwrap();
    assert_eq!(ledger.session("new-token", 0).await.unwrap().as_deref(), Some("olga"));
    // Opening again runs nothing more.
    wx_subscribe_server::db::Ledger::open(database_url, None).await.expect("up to date");
}

/// A wrong AppSecret stops the binary at start, with the fix.
pub async fn a_wrong_secret_stops_the_server_at_start(database_url: &str) {
    let (fake_base, _fake) = fake::start().await;
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_wx-subscribe-server"))
        .env("WXS_APPID", "wx-test-app")
        .env("WXS_SECRET", "a-wrong-secret")
        .env("WXS_DATABASE_URL", database_url)
        .env("WXS_BIND", "127.0.0.1:0")
        .env("WXS_WECHAT_API", &fake_base)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), run).await.expect("the server stops at start").expect("the server binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("40125") && stderr.contains("WXS_SECRET"), "{stderr}");
    assert!(!stderr.contains("a-wrong-secret"), "the secret is never printed: {stderr}");
}

/// Posts `body` to `/wechat/push?query`: the status and the answer's text.
pub async fn push(h: &Harness, query: &str, body: String) -> (StatusCode, String) {
    let r = h.http.post(format!("{}/wechat/push?{query}", h.base)).body(body).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// What the ledger holds for `openid`: (sends in hand, pending) of the test template.
async fn held(h: &Harness, openid: &str) -> (i64, i64) {
    let (_, body) = h.call("INTERNAL-GET", &format!("/internal/users/{openid}/sends"), None, None).await;
    (body["sends"][fake::TEMPLATE].as_i64().unwrap_or(0), body["pending"][fake::TEMPLATE].as_i64().unwrap_or(0))
}

pub async fn the_push_url_check_answers_the_echostr_only_when_signed(h: &Harness) {
    let p = h.with_push().await;
    let now = wx_subscribe_server::wechat::now_secs();
    let url = |q: String| format!("{}/wechat/push?{q}&echostr=echo123", p.base);
    let r = p.http.get(url(wechat_push::query(now, None))).send().await.unwrap();
    assert_eq!((r.status(), r.text().await.unwrap()), (StatusCode::OK, "echo123".to_owned()));
    let forged = wechat_push::query(now, None).replace("nonce=nonce42", "nonce=other");
    let r = p.http.get(url(forged)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(!r.text().await.unwrap().contains("echo123"));
    let r = h.http.get(url(wechat_push::query(now, None)).replace(&p.base, &h.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "no push route without WXS_PUSH_TOKEN");
}

pub async fn forged_replayed_and_stale_push_events_change_nothing(h: &Harness) {
    let p = h.with_push().await;
    let now = wx_subscribe_server::wechat::now_secs();
    let event = wechat_push::popup_json("quinn-push", now, &[(fake::TEMPLATE, "accept")]);
    let forged = wechat_push::query(now, None).replace("signature=", "signature=0");
    let stale = wechat_push::query(now - 600, None);
    let mut refused = 0;
    for q in [forged, stale, "timestamp=1&nonce=2".to_owned()] {
        let (status, _) = push(&p, &q, event.clone()).await;
        refused += usize::from(status == StatusCode::UNAUTHORIZED);
    }
    let after_refused = held(&p, "quinn-push").await;
    for _ in 0..3 {
        let (status, text) = push(&p, &wechat_push::query(now, None), event.clone()).await;
        assert_eq!((status, text.as_str()), (StatusCode::OK, "success"));
    }
    let after_three = held(&p, "quinn-push").await;
    println!("figure: forged, stale and unsigned push events: {refused} of 3 refused, ledger {after_refused:?}; one popup accept delivered 3 times: {} send(s) added", after_three.0);
    assert_eq!((refused, after_refused), (3, (0, 0)));
    assert_eq!(after_three.0, 1, "the same event delivered 3 times counts once");
}

pub async fn push_events_in_json_xml_and_safe_mode_keep_the_ledger(h: &Harness) {
    let p = h.with_push().await;
    let now = wx_subscribe_server::wechat::now_secs();
    let user = "rosa-push";
    // Several templates: List is an array.
    let two = wechat_push::popup_json(user, now, &[(fake::TEMPLATE, "accept"), (fake::LONG_TERM, "reject")]);
    assert_eq!(push(&p, &wechat_push::query(now, None), two).await.0, StatusCode::OK);
    // XML, in safe mode, JSON-wrapped and XML-wrapped.
    let accept = [("TemplateId", fake::TEMPLATE), ("SubscribeStatusString", "accept"), ("PopupScene", "2")];
    let x = wechat_push::xml(user, now + 1, "subscribe_msg_popup_event", "SubscribeMsgPopupEvent", &[&accept]);
    assert_eq!(push(&p, &wechat_push::query(now, None), x).await.0, StatusCode::OK);
    let sealed = wechat_push::encrypt(&wechat_push::popup_json(user, now + 2, &[(fake::TEMPLATE, "acceptWithAlert")]), wechat_push::APPID);
    let body = json!({ "ToUserName": "gh_test", "Encrypt": sealed }).to_string();
    assert_eq!(push(&p, &wechat_push::query(now, Some(&sealed)), body).await.0, StatusCode::OK);
    let sealed = wechat_push::encrypt(&wechat_push::xml(user, now + 3, "subscribe_msg_popup_event", "SubscribeMsgPopupEvent", &[&accept]), wechat_push::APPID);
    let body = format!("<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{sealed}]]></Encrypt></xml>");
    assert_eq!(push(&p, &wechat_push::query(now, Some(&sealed)), body).await.0, StatusCode::OK);
    assert_eq!(held(&p, user).await.0, 4, "four popup accepts");
    // Another AppID's event, or a wrong msg_signature: refused, nothing changes.
    let theirs = wechat_push::encrypt(&wechat_push::popup_json(user, now + 4, &[(fake::TEMPLATE, "accept")]), "wx-someone-else");
    let body = json!({ "ToUserName": "gh_test", "Encrypt": theirs }).to_string();
    assert_eq!(push(&p, &wechat_push::query(now, Some(&theirs)), body.clone()).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(push(&p, &wechat_push::query(now, Some("other")), body).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(held(&p, user).await.0, 4);
    // The user turns the template off in the settings page: the sends in hand are gone.
    let off = [("TemplateId", fake::TEMPLATE), ("SubscribeStatusString", "reject")];
    let x = wechat_push::xml(user, now + 5, "subscribe_msg_change_event", "SubscribeMsgChangeEvent", &[&off]);
    assert_eq!(push(&p, &wechat_push::query(now, None), x).await.0, StatusCode::OK);
    assert_eq!(held(&p, user).await.0, 0);
    // Another event (a plain message) is answered and left alone.
    let other = json!({ "FromUserName": user, "CreateTime": now, "MsgType": "text", "Content": "hi" }).to_string();
    assert_eq!(push(&p, &wechat_push::query(now, None), other).await, (StatusCode::OK, "success".to_owned()));
}

pub async fn with_push_the_pages_report_is_pending_until_wechats_event(h: &Harness) {
    let p = h.with_push().await;
    let s = p.login("sam-pending").await;
    for _ in 0..3 {
        let (status, body) = p.call("POST", "/report", Some(&s), Some(json!({ "accepts": { fake::TEMPLATE: 1 } }))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("sends").is_none() && body["pending"][fake::TEMPLATE].is_i64(), "{body}");
    }
    assert_eq!(held(&p, "sam-pending").await, (0, 3), "the page's word adds no send");
    assert_eq!(p.send(&s).await.0, StatusCode::CONFLICT, "nothing to spend on the page's word");
    let now = wx_subscribe_server::wechat::now_secs();
    push(&p, &wechat_push::query(now, None), wechat_push::popup_json("sam-pending", now, &[(fake::TEMPLATE, "accept")])).await;
    assert_eq!(held(&p, "sam-pending").await, (1, 2), "WeChat's event adds the send and settles one report");
    assert_eq!(p.send(&s).await.0, StatusCode::OK);
}

pub async fn a_lost_answer_is_settled_by_its_sent_event(h: &Harness) {
    let p = h.with_push().await;
    let user = "tara-lost";
    let now = wx_subscribe_server::wechat::now_secs();
    push(&p, &wechat_push::query(now, None), wechat_push::popup_json(user, now, &[(fake::TEMPLATE, "accept")])).await;
    h.fake.lock().unwrap().send_delay = Duration::from_millis(1500);
    let data = json!({ "thing1": "机械键盘", "date2": "2026-11-23" });
    let (status, body) = p.call("INTERNAL-POST", "/internal/send", None, Some(json!({ "openid": user, "templateId": fake::TEMPLATE, "data": data, "key": "lost-1" }))).await;
    h.fake.lock().unwrap().send_delay = Duration::ZERO;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_GATEWAY, Some("send-outcome-unknown")), "{body}");
    let log = |p: &Harness| {
        let p = (p.http.clone(), p.base.clone());
        async move {
            let r = p.0.get(format!("{}/internal/sends?openid={user}&since=0", p.1)).bearer_auth(INTERNAL_KEY).send().await.unwrap();
            r.json::<Value>().await.unwrap()["sends"].as_array().unwrap().clone()
        }
    };
    let before = log(&p).await;
    assert_eq!((before.len(), before[0]["outcome"].as_str()), (1, Some("unknown")));
    // The same key again answers the same, and sends nothing more.
    let (again, body2) = p.call("INTERNAL-POST", "/internal/send", None, Some(json!({ "openid": user, "templateId": fake::TEMPLATE, "data": data, "key": "lost-1" }))).await;
    assert_eq!((again, body2), (status, body));
    push(&p, &wechat_push::query(now, None), wechat_push::sent_json(user, now + 9, fake::TEMPLATE, "7777", 0)).await;
    let after = log(&p).await;
    println!("figure: a send whose answer was lost, then its sent event: {} send(s) in the log, outcome {}, delivery {}", after.len(), after[0]["outcome"], after[0]["delivery"]);
    assert_eq!(after.len(), 1, "no duplicate");
    assert_eq!((after[0]["outcome"].as_str(), after[0]["msgid"].as_str(), after[0]["delivery"].as_i64()), (Some("sent"), Some("7777"), Some(0)));
    assert_eq!(held(&p, user).await.0, 0, "it stays spent");
}

pub async fn internal_routes_exist_only_with_their_key(h: &Harness) {
    let body = json!({ "openid": "u", "templateId": fake::TEMPLATE, "data": {}, "key": "k" });
    let (status, _) = h.call("INTERNAL-POST", "/internal/send", None, Some(body.clone())).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no internal routes without WXS_INTERNAL_KEY");
    let p = h.with_push().await;
    let (status, answer) = p.call("POST", "/internal/send", None, Some(body.clone())).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("no-internal-key")));
    let s = p.login("uma-page").await;
    let (status, _) = p.call("POST", "/internal/send", Some(&s), Some(body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a page's session is not the internal key");
    let (status, _) = p.call("GET", "/internal/users/u/sends", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

pub async fn an_internal_send_checks_first_and_a_key_never_sends_twice(h: &Harness) {
    let p = h.with_push().await;
    let user = "vera-internal";
    let send = |key: &str, data: Value| json!({ "openid": user, "templateId": fake::TEMPLATE, "data": data, "key": key, "state": "formal", "lang": "zh_CN" });
    let good = json!({ "thing1": "机械键盘", "date2": "2026-11-23" });
    let (status, body) = p.call("INTERNAL-POST", "/internal/send", None, Some(send("no-accept-1", good.clone()))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("no-accept")), "{body}");
    assert_eq!(h.sent_to(user), 0, "WeChat never called");
    let now = wx_subscribe_server::wechat::now_secs();
    push(&p, &wechat_push::query(now, None), wechat_push::popup_json(user, now, &[(fake::TEMPLATE, "accept")])).await;
    push(&p, &wechat_push::query(now, None), wechat_push::popup_json(user, now + 1, &[(fake::TEMPLATE, "accept")])).await;
    let bad = json!({ "thing1": "一二三四五六七八九十一二三四五六七八九十一", "date2": "2026-11-23" });
    let (status, body) = p.call("INTERNAL-POST", "/internal/send", None, Some(send("bad-1", bad))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("thing1"), "the body names the keyword: {body}");
    assert_eq!(held(&p, user).await.0, 2, "nothing spent");
    // 20 requests with one key at once: one send.
    let calls: Vec<_> = (0..20).map(|_| {
        let (http, base, body) = (p.http.clone(), p.base.clone(), send("order-42-shipped", good.clone()));
        tokio::spawn(async move {
            let r = http.post(format!("{base}/internal/send")).bearer_auth(INTERNAL_KEY).json(&body).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        })
    }).collect();
    let answers = futures_join(calls).await;
    assert!(answers.iter().all(|a| *a == answers[0]), "every answer is the first: {answers:?}");
    assert_eq!((answers[0].0, answers[0].1["ok"].as_bool()), (StatusCode::OK, Some(true)));
    assert_eq!(h.sent_to(user), 1, "one key, one send");
    assert_eq!(held(&p, user).await.0, 1);
    let (status, body) = p.call("INTERNAL-GET", &format!("/internal/sends?openid={user}&since=0"), None, None).await;
    assert_eq!(status, StatusCode::OK);
    let log = body["sends"].as_array().unwrap();
    assert_eq!(log.len(), 1, "{body}");
    assert_eq!((log[0]["source"].as_str(), log[0]["outcome"].as_str(), log[0]["errcode"].as_i64()), (Some("internal"), Some("sent"), Some(0)));
    assert_eq!(log[0]["msgid"], answers[0].1["msgid"]);
}

/// SIGTERM with 50 sends in flight: the server stops taking requests, and all
/// 50 run to their end before it exits.
pub async fn sigterm_lets_the_sends_in_flight_finish(database_url: &str) {
    let (fake_base, fake) = fake::start().await;
    let (mut child, base) = spawn_binary(database_url, &fake_base, &[("WXS_INSTANCE", "term")]).await;
    let h = Harness { base: base.clone(), fake: fake.clone(), server: None, http: reqwest::Client::new(), database_url: database_url.into(), fake_base };
    let s = h.login("wes-term").await;
    h.report(&s, 50).await;
    fake.lock().unwrap().send_delay = Duration::from_millis(1500);
    let inflight = start_sends(&base, &s, 50);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = child.id().expect("running").to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let answers = futures_join(inflight).await;
    let ok = answers.iter().filter(|r| matches!(r, Ok(s) if *s == StatusCode::OK)).count();
    let exit = tokio::time::timeout(Duration::from_secs(20), child.wait()).await.expect("it exits").unwrap();
    let took = h.sent_to("wes-term");
    println!("figure: SIGTERM with 50 sends in flight: {ok} of 50 answered as sent, WeChat took {took}, the process ended with {}", exit.code().map_or("a signal".to_owned(), |c| format!("code {c}")));
    assert_eq!((ok, took), (50, 50));
    assert!(exit.success(), "{exit}");
}

pub async fn login_and_report_are_rate_limited_with_retry_after(h: &Harness) {
    let l = h.with_default_limits().await;
    let s = l.login("xena-limits").await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..15 {
        let r = l.http.post(format!("{}/report", l.base)).bearer_auth(&s).json(&json!({ "accepts": { fake::TEMPLATE: 1 } })).send().await.unwrap();
        statuses.push(r.status());
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            retry_after = r.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        }
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 10, "a user's burst is a third of 30 a minute: {statuses:?}");
    assert!(retry_after.is_some_and(|s| (1..=3).contains(&s)), "{retry_after:?}");
    assert_eq!(l.sends(&s).await, 10, "refused reports record nothing");
    let mut logins = 0;
    for i in 0..25 {
        let (status, _) = l.call("POST", "/login", None, Some(json!({ "code": format!("code-flood-{i}") }))).await;
        logins += usize::from(status == StatusCode::OK);
    }
    assert!(logins < 20, "an address's burst is a third of 60 a minute: {logins} logins went to WeChat");
}

/// Rows in flight (`spending`) of one user, read from the database itself.
async fn in_flight_of(h: &Harness, openid: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&h.database_url).await.unwrap();
    let row = sqlx::query("SELECT COUNT(*) FROM spending WHERE openid = $1").bind(openid).fetch_one(&pool).await.unwrap();
    sqlx::Row::try_get(&row, 0).unwrap()
}

pub async fn busy_token_and_template_calls_are_retried_with_backoff(h: &Harness) {
    revoke(h);
    h.fake.lock().unwrap().busy_calls = 2;
    let (status, body) = h.call("GET", "/templates", None, None).await;
    assert_eq!(status, StatusCode::OK, "the token fetch answered -1 twice, then a token: {body}");
    assert_eq!(h.fake.lock().unwrap().busy_calls, 0);
    let other = h.another().await;
    h.fake.lock().unwrap().busy_calls = 1;
    let (status, body) = other.call("GET", "/templates", None, None).await;
    assert_eq!(status, StatusCode::OK, "the template list answered -1 once, then the list: {body}");
    let f = h.fake.lock().unwrap();
    assert_eq!((f.busy_calls, f.forced_refreshes), (0, 0));
}

pub async fn a_send_runs_to_its_end_when_its_caller_goes_away(h: &Harness) {
    let s = h.login("gus-gone").await;
    h.report(&s, 1).await;
    // WeChat answers in 600 ms (within the server's 800 ms timeout); the caller waits 200 ms.
    h.fake.lock().unwrap().send_delay = Duration::from_millis(600);
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().unwrap();
    let cut = impatient.post(format!("{}/demo/send", h.base)).bearer_auth(&s).json(&json!({ "templateId": fake::TEMPLATE })).send().await;
    assert!(cut.is_err(), "the caller gave up before WeChat answered");
    for _ in 0..40 {
        if h.sent_to("gus-gone") == 1 && in_flight_of(h, "gus-gone").await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    h.fake.lock().unwrap().send_delay = Duration::ZERO;
    assert_eq!(h.sent_to("gus-gone"), 1, "the send reached WeChat");
    assert_eq!(in_flight_of(h, "gus-gone").await, 0, "and was settled: no row left in flight");
    assert_eq!(h.sends(&s).await, 0, "spent, not given back");
}

pub async fn a_stopped_instances_send_comes_back_when_its_lease_ends(h: &Harness) {
    let server = h.server.as_ref().expect("an in-process server");
    let user = "sid-stopped";
    server.ledger.add(user, fake::TEMPLATE, 1).await.unwrap();
    let now = wx_subscribe_server::wechat::now_secs();
    let gone = wx_subscribe_server::db::Spending { id: "gone-instance-row", instance: "gone", lease_until: now + 1 };
    assert!(server.ledger.take(user, fake::TEMPLATE, &gone).await.unwrap().is_some());
    assert_eq!(server.ledger.count(user, fake::TEMPLATE).await.unwrap(), 0);
    // No request touches it: the sweep that runs every lease gives it back.
    let started = std::time::Instant::now();
    while server.ledger.count(user, fake::TEMPLATE).await.unwrap() == 0 && started.elapsed() < server.send_lease() * 3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("figure: a stopped instance's send in flight, given back by the periodic sweep: after {:.1} s (lease {:.1} s)",
        started.elapsed().as_secs_f64(), server.send_lease().as_secs_f64());
    assert_eq!(server.ledger.count(user, fake::TEMPLATE).await.unwrap(), 1);
    assert_eq!(in_flight_of(h, user).await, 0);
}

pub async fn a_key_whose_first_request_died_answers_unknown_once_its_lease_passed(h: &Harness) {
    let p = h.with_push().await;
    let server = p.server.as_ref().expect("an in-process server");
    let user = "dora-dead";
    server.ledger.add(user, fake::TEMPLATE, 1).await.unwrap();
    let lease = server.send_lease().as_secs() as i64;
    let long_ago = wx_subscribe_server::wechat::now_secs() - lease - 5;
    assert!(server.ledger.claim_key("died-1", long_ago).await.unwrap().is_none(), "a first request claimed it, then its instance stopped");
    let body = json!({ "openid": user, "templateId": fake::TEMPLATE, "data": { "thing1": "机械键盘", "date2": "2026-11-23" }, "key": "died-1" });
    let (status, answer) = p.call("INTERNAL-POST", "/internal/send", None, Some(body.clone())).await;
    assert_eq!((status, answer["error"]["code"].as_str(), answer["error"]["retryable"].as_bool()), (StatusCode::BAD_GATEWAY, Some("send-outcome-unknown"), Some(false)), "{answer}");
    let again = p.call("INTERNAL-POST", "/internal/send", None, Some(body)).await;
    assert_eq!(again, (status, answer), "the key keeps that answer");
    assert_eq!(h.sent_to(user), 0, "never sent blindly");
    assert_eq!(server.ledger.count(user, fake::TEMPLATE).await.unwrap(), 1, "nothing taken");
}

/// RFC 3339 for `ms` from now.
fn rfc3339_in(ms: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::milliseconds(ms);
    at.format(&time::format_description::well_known::Rfc3339).unwrap()
}

/// `n` sends in hand for `user`, from WeChat's popup events.
async fn accepts(p: &Harness, user: &str, n: i64) {
    let now = wx_subscribe_server::wechat::now_secs();
    for i in 0..n {
        push(p, &wechat_push::query(now, None), wechat_push::popup_json(user, now + 1000 + i, &[(fake::TEMPLATE, "accept")])).await;
    }
}

fn reminder_body(user: &str, key: &str, send_at: &str) -> Value {
    json!({ "openid": user, "templateId": fake::TEMPLATE, "data": { "thing1": "会员到期", "date2": "2026-12-31" }, "sendAt": send_at, "key": key })
}

/// Polls the reminder `id` until `done` holds of it (at most `seconds`); gives it.
async fn reminder_until(p: &Harness, id: &str, seconds: u64, done: impl Fn(&Value) -> bool) -> Value {
    let started = std::time::Instant::now();
    loop {
        let (_, r) = p.call("INTERNAL-GET", &format!("/internal/reminders/{id}"), None, None).await;
        if done(&r) || started.elapsed() > Duration::from_secs(seconds) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn make_reminder(p: &Harness, body: Value) -> (StatusCode, Value) {
    p.call("INTERNAL-POST", "/internal/reminders", None, Some(body)).await
}

async fn delete(p: &Harness, path: &str) -> (StatusCode, Value) {
    let r = p.http.delete(format!("{}{path}", p.base)).bearer_auth(INTERNAL_KEY).send().await.unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

pub async fn reminders_are_checked_and_reserve_a_send_when_made_and_cancelling_gives_it_back(h: &Harness) {
    let p = h.with_push().await;
    let user = "rita-remind";
    accepts(&p, user, 2).await;
    let later = rfc3339_in(3_600_000);
    let mut bad = reminder_body(user, "bad", &later);
    bad["data"]["thing1"] = "一二三四五六七八九十一二三四五六七八九十一".into();
    let (status, body) = make_reminder(&p, bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("thing1"), "the body names the keyword: {body}");
    let (status, body) = make_reminder(&p, reminder_body(user, "when", "tomorrow at six")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad-time")));
    assert_eq!(held(&p, user).await.0, 2, "nothing reserved by a refused reminder");
    let (status, first) = make_reminder(&p, reminder_body(user, "renewal-1", &later)).await;
    assert_eq!((status, first["status"].as_str()), (StatusCode::CREATED, Some("scheduled")), "{first}");
    assert_eq!(held(&p, user).await.0, 1, "one send reserved");
    let (status, again) = make_reminder(&p, reminder_body(user, "renewal-1", &later)).await;
    assert_eq!((status, &again["id"]), (StatusCode::OK, &first["id"]), "the same key, the same reminder");
    assert_eq!(held(&p, user).await.0, 1, "and nothing more reserved");
    let (status, _) = make_reminder(&p, reminder_body(user, "renewal-2", &later)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, none) = make_reminder(&p, reminder_body(user, "renewal-3", &later)).await;
    assert_eq!((status, none["error"]["code"].as_str(), none["sends"].as_i64()), (StatusCode::CONFLICT, Some("no-accept"), Some(0)), "{none}");
    let id = first["id"].as_str().unwrap();
    let (_, shown) = p.call("INTERNAL-GET", &format!("/internal/reminders/{id}"), None, None).await;
    assert_eq!((shown["status"].as_str(), shown["templateId"].as_str(), shown["attempts"].as_i64()), (Some("scheduled"), Some(fake::TEMPLATE), Some(0)));
    assert!(shown["sendAt"].as_str().unwrap().ends_with('Z'), "{shown}");
    assert_eq!(delete(&p, &format!("/internal/reminders/{id}")).await.1["status"], "cancelled");
    assert_eq!(held(&p, user).await.0, 1, "cancelling gives the send back");
    let (status, body) = delete(&p, &format!("/internal/reminders/{id}")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("not-cancellable")));
    assert_eq!(delete(&p, "/internal/reminders/rem-none").await.0, StatusCode::NOT_FOUND);
    let (_, list) = p.call("INTERNAL-GET", &format!("/internal/reminders?openid={user}"), None, None).await;
    let statuses: Vec<&str> = list["reminders"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.len(), 2, "the refused ones were never stored: {list}");
    assert!(statuses.contains(&"cancelled") && statuses.contains(&"scheduled"));
    assert_eq!(h.fake.lock().unwrap().send_calls, 0, "nothing is sent before its time");
}

pub async fn a_due_reminder_is_sent_once_on_time(h: &Harness) {
    let p = h.with_push().await;
    let user = "otto-ontime";
    accepts(&p, user, 1).await;
    let due = wx_subscribe_server::wechat::now_ms() + 1000;
    let (_, made) = make_reminder(&p, reminder_body(user, "on-time", &rfc3339_in(1000))).await;
    let id = made["id"].as_str().unwrap();
    let sent = reminder_until(&p, id, 10, |r| r["status"] != "scheduled" && r["status"] != "sending").await;
    let took = h.fake.lock().unwrap().took.iter().find(|t| t.0 == user).map(|t| t.1).expect("WeChat took it");
    println!("figure: a reminder due in 1 s: reached the fake WeChat {} ms after its time", took - due);
    assert_eq!((sent["status"].as_str(), sent["attempts"].as_i64()), (Some("sent"), Some(1)), "{sent}");
    assert!(sent["msgid"].is_string() && sent["sentAt"].is_string(), "{sent}");
    assert!(took >= due - 5, "not early");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.sent_to(user), 1, "sent once");
    assert_eq!(held(&p, user).await.0, 0);
    let (_, log) = p.call("INTERNAL-GET", &format!("/internal/sends?openid={user}&since=0"), None, None).await;
    assert_eq!((log["sends"][0]["source"].as_str(), log["sends"][0]["outcome"].as_str()), (Some("reminder"), Some("sent")), "{log}");
}

pub async fn busy_refused_and_late_reminders_end_honestly(h: &Harness) {
    let p = h.with_push().await;
    let user = "bea-busy";
    accepts(&p, user, 5).await;
    let now = || rfc3339_in(0);
    // -1 five times: the client tries 3 times a call, then the worker waits 1 s and calls again.
    h.fake.lock().unwrap().busy = 5;
    let (_, busy) = make_reminder(&p, reminder_body(user, "busy", &now())).await;
    let busy = reminder_until(&p, busy["id"].as_str().unwrap(), 10, |r| r["status"] == "sent" || r["status"] == "failed").await;
    assert_eq!((busy["status"].as_str(), busy["attempts"].as_i64()), (Some("sent"), Some(2)), "{busy}");
    // A deleted template: failed, the reserved send given back.
    h.fake.lock().unwrap().send_errors.push_back((40037, "invalid template id".into()));
    let (_, gone) = make_reminder(&p, reminder_body(user, "gone", &now())).await;
    let gone = reminder_until(&p, gone["id"].as_str().unwrap(), 10, |r| r["status"] == "failed").await;
    assert_eq!((gone["status"].as_str(), gone["errcode"].as_i64()), (Some("failed"), Some(40037)), "{gone}");
    assert!(gone["reason"].is_string());
    assert_eq!(held(&p, user).await.0, 4, "5 accepts, 1 sent; the failed one's reserved send came back");
    // Busy past its deadline: failed, given back.
    h.fake.lock().unwrap().busy = 1000;
    let mut late = reminder_body(user, "late", &now());
    late["deadline"] = rfc3339_in(500).into();
    let (_, late) = make_reminder(&p, late).await;
    let late = reminder_until(&p, late["id"].as_str().unwrap(), 10, |r| r["status"] == "failed").await;
    h.fake.lock().unwrap().busy = 0;
    assert_eq!((late["status"].as_str(), late["errcode"].as_i64()), (Some("failed"), Some(-1)), "{late}");
    assert!(late["reason"].as_str().unwrap().contains("deadline"), "{late}");
    assert_eq!(held(&p, user).await.0, 4);
    // 43101: the user has nothing left; the reminder fails and the template is zeroed.
    h.fake.lock().unwrap().send_errors.push_back((43101, "user refuse to accept the msg".into()));
    let (_, refused) = make_reminder(&p, reminder_body(user, "refused", &now())).await;
    let refused = reminder_until(&p, refused["id"].as_str().unwrap(), 10, |r| r["status"] == "failed").await;
    assert_eq!(refused["errcode"].as_i64(), Some(43101), "{refused}");
    assert_eq!(held(&p, user).await.0, 0, "43101 zeroes the ledger");
    assert_eq!(h.sent_to(user), 1);
}

pub async fn a_lost_reminder_answer_is_unknown_never_resent_and_its_sent_event_settles_it(h: &Harness) {
    let p = h.with_push().await;
    let user = "lou-lost";
    accepts(&p, user, 1).await;
    h.fake.lock().unwrap().send_delay = Duration::from_millis(1500);
    let (_, made) = make_reminder(&p, reminder_body(user, "lost", &rfc3339_in(0))).await;
    let id = made["id"].as_str().unwrap().to_owned();
    let lost = reminder_until(&p, &id, 10, |r| r["status"] == "unknown").await;
    h.fake.lock().unwrap().send_delay = Duration::ZERO;
    assert_eq!(lost["status"].as_str(), Some("unknown"), "{lost}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.fake.lock().unwrap().send_calls, 1, "never sent again blindly");
    let now = wx_subscribe_server::wechat::now_secs();
    push(&p, &wechat_push::query(now, None), wechat_push::sent_json(user, now, fake::TEMPLATE, "8888", 0)).await;
    let (_, settled) = p.call("INTERNAL-GET", &format!("/internal/reminders/{id}"), None, None).await;
    assert_eq!((settled["status"].as_str(), settled["msgid"].as_str(), settled["delivery"].as_i64()), (Some("sent"), Some("8888"), Some(0)), "{settled}");
    assert_eq!(held(&p, user).await.0, 0, "it stays spent");
}

pub async fn a_stopped_instances_reminders_come_back_when_their_lease_ends(h: &Harness) {
    let p = h.with_push().await;
    let server = p.server.as_ref().expect("an in-process server");
    let user = "sue-stopped";
    accepts(&p, user, 2).await;
    // Another instance took both and stopped: one before its call, one during
    // it. Its leases end in 100 ms.
    let mut ids = Vec::new();
    for key in ["stopped-before", "stopped-during"] {
        let (_, made) = make_reminder(&p, reminder_body(user, key, &rfc3339_in(60_000))).await;
        ids.push(made["id"].as_str().unwrap().to_owned());
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&h.database_url).await.unwrap();
    let now = wx_subscribe_server::wechat::now_ms();
    for (id, called) in [(&ids[0], None), (&ids[1], Some(now))] {
        sqlx::query("UPDATE reminders SET status = 'sending', owner = 'gone', lease_until_ms = $1, send_at_ms = 0, next_try_ms = 0, attempts = 1, called_at_ms = $2 WHERE id = $3")
            .bind(now + 100).bind(called).bind(id).execute(&pool).await.unwrap();
    }
    let before = reminder_until(&p, &ids[0], server.send_lease().as_secs() * 3, |r| r["status"] == "sent").await;
    let during = reminder_until(&p, &ids[1], 5, |r| r["status"] == "unknown").await;
    println!("figure: a stopped instance's reminders: the one never called sent by another instance ({}), the one called left {} for its sent event",
        before["status"], during["status"]);
    assert_eq!(before["status"].as_str(), Some("sent"), "{before}");
    assert_eq!(during["status"].as_str(), Some("unknown"), "{during}");
    assert_eq!(h.sent_to(user), 1, "the called one is never resent");
}

/// A burst of due reminders made after the database last gathered its
/// statistics (PostgreSQL's autovacuum analyzes a minute later at best): each
/// claim still takes at most the room it asks for, and every reminder once.
/// The rows are due far in the future, out of the running workers' reach.
pub async fn a_claim_takes_no_more_than_its_room_when_the_statistics_are_stale(h: &Harness) {
    const BURST: usize = 2_000;
    const FAR: i64 = 4_102_444_800_000; // 2100-01-01
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&h.database_url).await.unwrap();
    if h.database_url.starts_with("postgres") {
        sqlx::query("ALTER TABLE reminders SET (autovacuum_enabled = false)").execute(&pool).await.unwrap();
    }
    let insert = |i: usize, status: &'static str| {
        sqlx::query("INSERT INTO reminders (id, idem_key, openid, template_id, payload, send_at_ms, deadline_ms, next_try_ms, status, attempts, owner, \
                     lease_until_ms, created_at_ms) VALUES ($1, $1, 'stale-stats', $2, '{}', $3, $3, $3, $4, 0, '', 0, 0)")
            .bind(format!("stale-{status}-{i}"))
            .bind(fake::TEMPLATE)
            .bind(FAR)
            .bind(status)
    };
    let mut tx = pool.begin().await.unwrap();
    for i in 0..BURST {
        insert(i, "sent").execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE reminders").execute(&pool).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    for i in 0..BURST {
        insert(i, "scheduled").execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let ledger = wx_subscribe_server::db::Ledger::open(&h.database_url, None).await.expect("migrated");
    let (mut sizes, mut seen) = (Vec::new(), std::collections::HashSet::new());
    loop {
        let claimed = ledger.claim_due("stale-stats-claimer", FAR, FAR + 60_000, 64).await.unwrap();
        if claimed.is_empty() {
            break;
        }
        sizes.push(claimed.len());
        assert!(claimed.len() <= 64, "one claim took {} reminders for a room of 64", claimed.len());
        for c in claimed {
            assert!(seen.insert(c.id.clone()), "{} claimed twice", c.id);
        }
    }
    println!("figure: {BURST} reminders due after the last ANALYZE, claimed 64 at a time: {} claims, the largest {}", sizes.len(), sizes.iter().max().unwrap_or(&0));
    assert_eq!(seen.len(), BURST, "every scheduled reminder claimed once");
}

/// A reminder's held request whose mark takes longer than the WeChat timeout:
/// its last byte never left, so WeChat never had it whole, and the answer is
/// `NotSent` (tried again), not a lost answer left `unknown`.
pub async fn a_held_send_whose_mark_outlasts_the_timeout_is_not_sent(h: &Harness) {
    let server = h.server.as_ref().expect("an in-process server");
    let user = "hal-held";
    let payload = json!({ "touser": user, "template_id": fake::TEMPLATE, "data": { "thing1": { "value": "会员到期" }, "date2": { "value": "2026-12-31" } } });
    // The mark never answers while the request runs: the sender stays open until after it.
    let (mark, marked) = tokio::sync::oneshot::channel::<bool>();
    let answer = server.wechat.send_held(&payload, marked).await;
    drop(mark);
    println!("figure: a held send whose mark outlasted the timeout: {answer:?}, WeChat took {}", h.sent_to(user));
    assert!(matches!(answer, wx_subscribe_server::wechat::SendAnswer::NotSent), "{answer:?}");
    assert_eq!(h.sent_to(user), 0, "WeChat never had the request whole");
}

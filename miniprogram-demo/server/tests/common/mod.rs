//! The server's tests, shared by both databases: `tests/sqlite.rs` runs each
//! case on a fresh SQLite file, `tests/postgres.rs` runs them all on the
//! PostgreSQL server `.ci/test` starts. Each case uses users of its own.
#![allow(dead_code)]

pub mod fake;

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
            fifty_concurrent_token_expiries_make_one_refresh,
            the_token_is_cached_and_refreshed_before_it_expires,
            a_slow_or_failing_wechat_is_a_retryable_error_and_nothing_raw_reaches_the_caller,
            data_that_breaks_a_keyword_rule_is_refused_before_the_ledger
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

pub fn config(database_url: &str, wechat: &str) -> Config {
    Config {
        appid: "wx-test-app".into(),
        secret: Secret("test-secret".into()),
        database_url: database_url.into(),
        wechat_api: wechat.into(),
        templates_ttl: Duration::from_secs(600),
        wechat_timeout: Duration::from_millis(800),
    }
}

impl Harness {
    pub async fn start(database_url: &str) -> Harness {
        let (fake_base, fake) = fake::start().await;
        let (router, server) = wx_subscribe_server::app(&config(database_url, &fake_base)).await.expect("the ledger opens");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
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
        let data = json!({ "thing1": { "value": "机械键盘" }, "date2": { "value": "2026-11-23" } });
        self.call("POST", "/send", Some(session), Some(json!({ "templateId": fake::TEMPLATE, "data": data }))).await
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
    let (status, body) = h.call("POST", "/send", Some(&s), Some(json!({ "templateId": fake::TEMPLATE, "data": {}, "touser": "mallory" }))).await;
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
            let data = json!({ "thing1": { "value": "机械键盘" }, "date2": { "value": "2026-11-23" } });
            let r = h.0.post(format!("{}/send", h.1)).bearer_auth(&h.2).json(&json!({ "templateId": fake::TEMPLATE, "data": data })).send().await.unwrap();
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

pub async fn fifty_concurrent_token_expiries_make_one_refresh(h: &Harness) {
    let s = h.login("grace-token").await;
    h.report(&s, 51).await;
    let (status, _) = h.send(&s).await; // a token is fetched and works
    assert_eq!(status, StatusCode::OK);
    let before = (h.server.as_ref().unwrap().wechat.token_fetches(), h.fake.lock().unwrap().forced_refreshes);
    {
        let mut f = h.fake.lock().unwrap();
        let current = f.current.clone();
        f.revoked.insert(current); // 40001 mid-flight, for every send using it
    }
    let sends: Vec<_> = (0..50).map(|_| {
        let (http, base, s) = (h.http.clone(), h.base.clone(), s.clone());
        tokio::spawn(async move {
            let data = json!({ "thing1": { "value": "机械键盘" }, "date2": { "value": "2026-11-23" } });
            http.post(format!("{base}/send")).bearer_auth(&s).json(&json!({ "templateId": fake::TEMPLATE, "data": data })).send().await.unwrap().status()
        })
    }).collect();
    let statuses = futures_join(sends).await;
    let after = (h.server.as_ref().unwrap().wechat.token_fetches(), h.fake.lock().unwrap().forced_refreshes);
    println!("figure: 50 concurrent sends with a revoked token: {} token fetch(es), {} forced refresh(es)", after.0 - before.0, after.1 - before.1);
    assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    assert_eq!((after.0 - before.0, after.1 - before.1), (1, 1));
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
    // The first send refreshes on 40001; each later one finds the token about to expire.
    assert_eq!(h.server.as_ref().unwrap().wechat.token_fetches(), cached + 3);
    assert_eq!(h.fake.lock().unwrap().forced_refreshes, 1);
}

pub async fn a_slow_or_failing_wechat_is_a_retryable_error_and_nothing_raw_reaches_the_caller(h: &Harness) {
    let s = h.login("ivan-slow").await;
    h.report(&s, 2).await;
    h.fake.lock().unwrap().send_delay = Duration::from_millis(1500);
    let (status, body) = h.send(&s).await;
    assert_eq!((status, body["error"]["code"].as_str(), body["error"]["retryable"].as_bool()), (StatusCode::BAD_GATEWAY, Some("wechat-unreachable"), Some(true)));
    assert!(!body.to_string().contains("access_token") && !body.to_string().contains("TOKEN"), "{body}");
    assert_eq!(h.sends(&s).await, 1, "WeChat may have sent it: the send stays spent");
    {
        let mut f = h.fake.lock().unwrap();
        f.send_delay = Duration::ZERO;
        f.failing = true;
    }
    let (status, body) = h.send(&s).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_GATEWAY, Some("wechat-unreachable")));
    h.fake.lock().unwrap().failing = false;
}

pub async fn data_that_breaks_a_keyword_rule_is_refused_before_the_ledger(h: &Harness) {
    let s = h.login("judy-data").await;
    h.report(&s, 1).await;
    let data = json!({ "thing1": { "value": "一二三四五六七八九十一二三四五六七八九十一" }, "date2": { "value": "明天" } });
    let (status, body) = h.call("POST", "/send", Some(&s), Some(json!({ "templateId": fake::TEMPLATE, "data": data }))).await;
    assert_eq!((status, body["error"]["kind"].as_str()), (StatusCode::BAD_REQUEST, Some("input")), "{body}");
    assert_eq!(h.sends(&s).await, 1, "nothing spent");
}

/// The server binary on `database_url` against the fake at `wechat`; gives the child and its base URL.
async fn spawn_binary(database_url: &str, wechat: &str) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_wx-subscribe-server"))
        .env("WXS_APPID", "wx-test-app")
        .env("WXS_SECRET", "test-secret")
        .env("WXS_DATABASE_URL", database_url)
        .env("WXS_BIND", format!("127.0.0.1:{port}"))
        .env("WXS_WECHAT_API", wechat)
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the server binary starts");
    for _ in 0..200 {
        if reqwest::get(format!("{base}/sends")).await.is_ok() {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the server binary did not listen on {base}");
}

pub async fn a_server_killed_mid_send_and_restarted_loses_no_recorded_accept(database_url: &str) {
    let (fake_base, fake) = fake::start().await;
    fake.lock().unwrap().send_delay = Duration::from_secs(3);
    let (mut child, base) = spawn_binary(database_url, &fake_base).await;
    let h = Harness { base, fake: fake.clone(), server: None, http: reqwest::Client::new(), database_url: database_url.into(), fake_base: fake_base.clone() };
    let s = h.login("kim-restart").await;
    h.report(&s, 20).await;
    let inflight: Vec<_> = (0..20).map(|_| {
        let (http, base, s) = (h.http.clone(), h.base.clone(), s.clone());
        tokio::spawn(async move {
            let data = json!({ "thing1": { "value": "机械键盘" }, "date2": { "value": "2026-11-23" } });
            http.post(format!("{base}/send")).bearer_auth(&s).json(&json!({ "templateId": fake::TEMPLATE, "data": data })).send().await.map(|r| r.status())
        })
    }).collect();
    tokio::time::sleep(Duration::from_millis(600)).await;
    child.kill().await.expect("SIGKILL");
    let answered = futures_join(inflight).await.into_iter().filter(|r| r.is_ok()).count();
    assert_eq!(answered, 0, "every send was cut off mid-flight");
    let (_child, base) = spawn_binary(database_url, &fake_base).await;
    let h = Harness { base, ..h };
    let left = h.sends(&s).await;
    println!("figure: killed with 20 sends in flight, restarted: {left} of 20 recorded accepts in the ledger, WeChat took {}", h.sent_to("kim-restart"));
    assert_eq!(left, 20, "the session and every accept survived the kill");
}

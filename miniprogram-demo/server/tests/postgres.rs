//! The same cases as `tests/sqlite.rs`, on PostgreSQL: `.ci/test` starts a
//! server from Debian's package and passes its URL in WXS_TEST_POSTGRES_URL.
//! Run with `--features postgres-tests`.

#[macro_use]
mod common;

use common::Harness;

/// A new empty database on the test server: its URL.
async fn fresh(url: &str, name: &str) -> String {
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(url).await.unwrap();
    let db = format!("wxs_{name}_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {db}")).execute(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {db}")).execute(&admin).await.unwrap();
    format!("{}/{db}", url.rsplit_once('/').unwrap().0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_case_on_postgres() {
    let url = std::env::var("WXS_TEST_POSTGRES_URL").expect("WXS_TEST_POSTGRES_URL: .ci/test starts PostgreSQL and sets it");
    // Each case on a database of its own: the servers of earlier cases keep
    // running (their reminder workers too) until the process ends.
    let mut n = 0;
    macro_rules! cases {
        ($($case:ident),+ $(,)?) => {$(
            println!("postgres: {}", stringify!($case));
            n += 1;
            common::$case(&Harness::start(&fresh(&url, &format!("case{n}")).await).await).await;
        )+};
    }
    every_case!(cases);
    common::a_killed_instance_restarted_recovers_no_row_of_the_live_ones(&fresh(&url, "restart").await).await;
    common::a_wrong_secret_stops_the_server_at_start(&fresh(&url, "secret").await).await;
    common::sigterm_lets_the_sends_in_flight_finish(&fresh(&url, "sigterm").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_of_the_first_release_is_migrated_on_postgres() {
    let url = std::env::var("WXS_TEST_POSTGRES_URL").expect("WXS_TEST_POSTGRES_URL: .ci/test starts PostgreSQL and sets it");
    common::a_database_of_the_first_release_is_migrated(&fresh(&url, "upgrade").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a benchmark of a few minutes: .ci/test runs it with --ignored"]
async fn ten_thousand_reminders_on_postgres() {
    let url = std::env::var("WXS_TEST_POSTGRES_URL").expect("WXS_TEST_POSTGRES_URL: .ci/test starts PostgreSQL and sets it");
    common::reminder_bench::ten_thousand_reminders(&fresh(&url, "bench").await, 3, "on PostgreSQL, 3 instances").await;
}

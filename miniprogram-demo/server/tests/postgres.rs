//! The same cases as `tests/sqlite.rs`, on PostgreSQL: `.ci/test` starts a
//! server from Debian's package and passes its URL in WXS_TEST_POSTGRES_URL.
//! Run with `--features postgres-tests`.

#[macro_use]
mod common;

use common::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_case_on_postgres() {
    let url = std::env::var("WXS_TEST_POSTGRES_URL").expect("WXS_TEST_POSTGRES_URL: .ci/test starts PostgreSQL and sets it");
    macro_rules! cases {
        ($($case:ident),+ $(,)?) => {$(
            println!("postgres: {}", stringify!($case));
            common::$case(&Harness::start(&url).await).await;
        )+};
    }
    every_case!(cases);
    common::a_server_killed_mid_send_and_restarted_loses_no_recorded_accept(&url).await;
}

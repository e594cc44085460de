//! The same cases as `tests/sqlite.rs`, on PostgreSQL: `.ci/test` starts a
//! server from Debian's package and passes its URL in WXS_TEST_POSTGRES_URL.
//! Run with `--features postgres-tests`.

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
    cases!(
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
        data_that_breaks_a_keyword_rule_is_refused_before_the_ledger,
    );
    common::a_server_killed_mid_send_and_restarted_loses_no_recorded_accept(&url).await;
}

//! The server's tests on SQLite, the embedded default: each case on a fresh
//! file, against a fake WeChat on 127.0.0.1.

#[macro_use]
mod common;

use common::Harness;

macro_rules! on_sqlite {
    ($($case:ident),+ $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $case() {
            common::$case(&Harness::sqlite(stringify!($case)).await).await;
        }
    )+};
}

every_case!(on_sqlite);

/// A fresh SQLite file's URL.
fn fresh(name: &str) -> String {
    let path = std::env::temp_dir().join(format!("wxs-server-{name}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    format!("sqlite://{}?mode=rwc", path.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_instance_restarted_recovers_no_row_of_the_live_ones() {
    common::a_killed_instance_restarted_recovers_no_row_of_the_live_ones(&fresh("restart")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_of_the_first_release_is_migrated() {
    common::a_database_of_the_first_release_is_migrated(&fresh("upgrade")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_wrong_secret_stops_the_server_at_start() {
    common::a_wrong_secret_stops_the_server_at_start(&fresh("secret")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_the_sends_in_flight_finish() {
    common::sigterm_lets_the_sends_in_flight_finish(&fresh("sigterm")).await;
}

#[test]
fn the_embedded_migrations_are_the_files_of_the_migrations_folder() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<(i64, String)> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name.split('_').next().unwrap().parse().unwrap(), std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    let embedded: Vec<(i64, String)> = wx_subscribe_server::db::MIGRATIONS.iter().map(|&(v, _, sql)| (v, sql.to_owned())).collect();
    assert_eq!(embedded, files);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a benchmark of a few minutes: .ci/test runs it with --ignored"]
async fn ten_thousand_reminders() {
    common::reminder_bench::ten_thousand_reminders(&fresh("bench"), 1, "on SQLite, 1 instance").await;
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_send_and_restarted_loses_no_recorded_accept() {
    let path = std::env::temp_dir().join(format!("wxs-server-restart-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    common::a_server_killed_mid_send_and_restarted_loses_no_recorded_accept(&format!("sqlite://{}?mode=rwc", path.display())).await;
}

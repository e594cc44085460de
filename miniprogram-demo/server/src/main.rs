//! Runs the server: settings from the environment (see `config`), SQLite by default.
//!   WXS_APPID=... WXS_SECRET_FILE=/etc/wx-secret cargo run -p wx-subscribe-server
//!
//! At start it migrates the database and fetches one token (a wrong AppSecret
//! or an address missing from the IP whitelist stops it there, with the fix).
//! On SIGTERM or Ctrl-C it stops taking requests, lets the sends in flight
//! finish within `WXS_SHUTDOWN_SECS`, and exits.

use std::process::exit;

fn fail(code: i32, message: impl std::fmt::Display) -> ! {
    eprintln!("wx-subscribe-server: {message}");
    exit(code)
}

async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("a SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

#[tokio::main]
async fn main() {
    // The log goes to stderr; stdout carries only the start and stop lines.
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false).with_ansi(false).init();
    let (config, bind) = wx_subscribe_server::config::Config::from_vars(|k| std::env::var(k).ok()).unwrap_or_else(|m| fail(2, m));
    let (router, server) = wx_subscribe_server::app(&config)
        .await
        .unwrap_or_else(|e| fail(1, format!("the database at WXS_DATABASE_URL could not be opened or migrated: {e}")));
    if let Err(message) = server.wechat.check().await {
        fail(1, message);
    }
    let listener = tokio::net::TcpListener::bind(&bind).await.unwrap_or_else(|e| fail(1, format!("cannot listen on {bind}: {e}")));
    println!("wx-subscribe-server: listening on http://{}", listener.local_addr().map_or(bind, |a| a.to_string()));
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, service).with_graceful_shutdown(stop_signal()).await;
    // Stopped taking requests: the sends in flight run to their end, within the bound.
    server.in_flight.close();
    let finished = tokio::time::timeout(config.shutdown, server.in_flight.wait()).await.is_ok();
    println!("wx-subscribe-server: stopped; sends in flight {}", if finished { "all settled" } else { "cut off at WXS_SHUTDOWN_SECS" });
    if let Err(e) = served {
        fail(1, e);
    }
}

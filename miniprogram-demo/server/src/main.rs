//! Runs the server: settings from the environment (see `config`), SQLite by default.
//!   WXS_APPID=... WXS_SECRET_FILE=/etc/wx-secret cargo run -p wx-subscribe-server

#[tokio::main]
async fn main() {
    let (config, bind) = match wx_subscribe_server::config::Config::from_vars(|k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("wx-subscribe-server: {message}");
            std::process::exit(2);
        }
    };
    let (router, _) = match wx_subscribe_server::app(&config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("wx-subscribe-server: the database at WXS_DATABASE_URL could not be opened: {e}");
            std::process::exit(1);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("wx-subscribe-server: cannot listen on {bind}: {e}");
            std::process::exit(1);
        }
    };
    println!("wx-subscribe-server: listening on http://{}", listener.local_addr().map_or(bind, |a| a.to_string()));
    if let Err(e) = axum::serve(listener, router).await {
        eprintln!("wx-subscribe-server: {e}");
        std::process::exit(1);
    }
}

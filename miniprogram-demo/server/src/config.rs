//! What the server reads at start, from the environment (never from the repo):
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `WXS_APPID` | the mini-program's AppID | required |
//! | `WXS_SECRET` or `WXS_SECRET_FILE` | its AppSecret, or a file holding it | required |
//! | `WXS_DATABASE_URL` | `sqlite://path?mode=rwc` or `postgres://...` | `sqlite://wx-subscribe.db?mode=rwc` |
//! | `WXS_BIND` | address to listen on | `127.0.0.1:8080` |
//! | `WXS_WECHAT_API` | WeChat's API base (tests point it at a fake) | `https://api.weixin.qq.com` |
//! | `WXS_TEMPLATES_TTL_SECS` | how long the template list is cached | `600` |
//! | `WXS_WECHAT_TIMEOUT_MS` | how long one call to WeChat may take | `10000` |
//! | `WXS_INSTANCE` | this instance's name, on the rows it owns | random |
//! | `WXS_SHUTDOWN_SECS` | after SIGTERM, how long sends in flight may take to finish | `30` |
//! | `WXS_PUSH_TOKEN` | message push's Token: turns on `/wechat/push`, and makes WeChat's events the ledger's source | off |
//! | `WXS_PUSH_AES_KEY` | message push's EncodingAESKey, for safe (encrypted) mode | none |
//! | `WXS_RATE_ADDRESS` | `/login` and `/report` requests a minute from one address (a third at once) | `60` |
//! | `WXS_RATE_USER` | `/report` requests a minute from one user | `30` |
//! | `WXS_DEMO` | `1`: turns on `POST /demo/send` and `POST /demo/remind`, which send fixed, server-written content to the caller | off |
//! | `WXS_INTERNAL_KEY` | the key business code sends as `Authorization: Bearer …`: turns on `/internal/*` | off |
//! | `WXS_DEMO_REMIND_SECS` | how far ahead `POST /demo/remind` schedules | `60` |
//! | `WXS_REMINDER_RATE` | reminder calls to WeChat a second, for this instance | `100` |
//! | `WXS_REMINDER_IN_FLIGHT` | reminder calls in flight at once, for this instance | `32` |
//! | `WXS_REMINDER_POLL_MS` | how often an idle instance looks for due reminders | `200` |

use std::time::Duration;

/// The server's settings.
#[derive(Clone)]
pub struct Config {
    /// The mini-program's AppID.
    pub appid: String,
    /// Its AppSecret: kept out of `Debug` and of every log line.
    pub secret: Secret,
    /// Where the ledger lives.
    pub database_url: String,
    /// Where WeChat's API is.
    pub wechat_api: String,
    /// How long the template list is cached.
    pub templates_ttl: Duration,
    /// How long one call to WeChat may take.
    pub wechat_timeout: Duration,
    /// This instance's name, on the sends it takes.
    pub instance: String,
    /// After SIGTERM, how long sends in flight may take to finish.
    pub shutdown: Duration,
    /// Message push, when its Token is set.
    pub push: Option<crate::push::PushConfig>,
    /// The internal routes' key, when set.
    pub internal_key: Option<Secret>,
    /// Requests a minute from one address to `/login` and `/report`, and from one user to `/report`.
    pub rate: (u32, u32),
    /// `POST /demo/send` and `POST /demo/remind` are on.
    pub demo: bool,
    /// How far ahead `POST /demo/remind` schedules.
    pub demo_remind: Duration,
    /// How the reminder worker runs.
    pub reminders: crate::scheduler::Pace,
}

impl Config {
    /// How long a send in flight belongs to its instance: past it, another
    /// instance may give the send back. Room for every call a send can make (a
    /// token fetch, the send, its retry after 40001, the waits on -1) and a margin.
    pub fn send_lease(&self) -> Duration {
        self.wechat_timeout * 4 + Duration::from_secs(2)
    }
}

/// A random name of 16 hex digits.
pub fn random_name(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).expect("the system's random source");
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// A value that never prints.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(secret)")
    }
}

impl Config {
    /// Reads the settings from `var` (the process environment in `main`).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<(Config, String), String> {
        let appid = var("WXS_APPID").filter(|v| !v.is_empty()).ok_or("WXS_APPID is not set")?;
        let secret = match (var("WXS_SECRET"), var("WXS_SECRET_FILE")) {
            (Some(s), _) if !s.is_empty() => s,
            (_, Some(path)) => std::fs::read_to_string(&path)
                .map_err(|e| format!("WXS_SECRET_FILE {path}: {e}"))?
                .trim()
                .to_owned(),
            _ => return Err("set WXS_SECRET or WXS_SECRET_FILE (the AppSecret stays on the server)".into()),
        };
        let number = |name: &str, default: u64| match var(name) {
            Some(v) => v.parse::<u64>().map_err(|_| format!("{name} must be a whole number, got {v}")),
            None => Ok(default),
        };
        let ttl = number("WXS_TEMPLATES_TTL_SECS", 600)?;
        let timeout = number("WXS_WECHAT_TIMEOUT_MS", 10_000)?;
        let shutdown = number("WXS_SHUTDOWN_SECS", 30)?;
        let rate = (number("WXS_RATE_ADDRESS", 60)?.min(u32::MAX.into()) as u32, number("WXS_RATE_USER", 30)?.min(u32::MAX.into()) as u32);
        let push = match var("WXS_PUSH_TOKEN").filter(|v| !v.is_empty()) {
            None => None,
            Some(token) => Some(crate::push::PushConfig {
                token,
                aes_key: var("WXS_PUSH_AES_KEY").filter(|v| !v.is_empty()).map(|k| crate::push::aes_key(&k)).transpose()?,
                appid: appid.clone(),
            }),
        };
        let internal_key = var("WXS_INTERNAL_KEY").filter(|v| !v.is_empty()).map(Secret);
        if internal_key.as_ref().is_some_and(|k| k.0.len() < 16) {
            return Err("WXS_INTERNAL_KEY must be at least 16 characters".into());
        }
        let config = Config {
            appid,
            secret: Secret(secret),
            database_url: var("WXS_DATABASE_URL").unwrap_or_else(|| "sqlite://wx-subscribe.db?mode=rwc".into()),
            wechat_api: var("WXS_WECHAT_API").unwrap_or_else(|| "https://api.weixin.qq.com".into()),
            templates_ttl: Duration::from_secs(ttl),
            wechat_timeout: Duration::from_millis(timeout),
            instance: var("WXS_INSTANCE").filter(|v| !v.is_empty()).unwrap_or_else(|| random_name(8)),
            shutdown: Duration::from_secs(shutdown),
            push,
            internal_key,
            rate,
            demo: var("WXS_DEMO").as_deref() == Some("1"),
            demo_remind: Duration::from_secs(number("WXS_DEMO_REMIND_SECS", 60)?),
            reminders: crate::scheduler::Pace {
                poll: Duration::from_millis(number("WXS_REMINDER_POLL_MS", 200)?.max(10)),
                in_flight: number("WXS_REMINDER_IN_FLIGHT", 32)?.clamp(1, 1024) as usize,
                per_second: number("WXS_REMINDER_RATE", 100)?.clamp(1, 100_000) as u32,
            },
        };
        Ok((config, var("WXS_BIND").unwrap_or_else(|| "127.0.0.1:8080".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Config, String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_vars(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())).map(|(c, _)| c)
    }

    const NEEDED: [(&str, &str); 2] = [("WXS_APPID", "wx1"), ("WXS_SECRET", "s")];

    #[test]
    fn the_reminder_settings_have_defaults_and_are_kept_in_range() {
        let c = read(&NEEDED).unwrap();
        assert_eq!((c.reminders.poll, c.reminders.in_flight, c.reminders.per_second), (Duration::from_millis(200), 32, 100));
        assert_eq!((c.demo, c.demo_remind), (false, Duration::from_secs(60)));
        let set = [NEEDED[0], NEEDED[1], ("WXS_REMINDER_POLL_MS", "1"), ("WXS_REMINDER_IN_FLIGHT", "0"), ("WXS_REMINDER_RATE", "999999"), ("WXS_DEMO", "1"), ("WXS_DEMO_REMIND_SECS", "5")];
        let c = read(&set).unwrap();
        assert_eq!((c.reminders.poll, c.reminders.in_flight, c.reminders.per_second), (Duration::from_millis(10), 1, 100_000));
        assert_eq!((c.demo, c.demo_remind), (true, Duration::from_secs(5)));
    }

    #[test]
    fn a_setting_that_is_not_a_whole_number_is_refused_by_name() {
        let e = read(&[NEEDED[0], NEEDED[1], ("WXS_REMINDER_RATE", "fast")]).err().unwrap();
        assert_eq!(e, "WXS_REMINDER_RATE must be a whole number, got fast");
        assert!(read(&[NEEDED[0], NEEDED[1], ("WXS_DEMO_REMIND_SECS", "-1")]).is_err());
        assert_eq!(read(&[NEEDED[0]]).err().unwrap(), "set WXS_SECRET or WXS_SECRET_FILE (the AppSecret stays on the server)");
    }
}

//! Planner options: how many ids one request may carry, and what the client can do.

use crate::error::Error;
use crate::text::decimal;
use crate::template::shown;
use crate::value::Value;

/// A dotted version such as a base library `"2.10.1"` or WeChat `"7.0.6"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    /// Reads `"major.minor.patch"` (missing parts are 0); `None` if it is not that.
    pub fn parse(text: &str) -> Option<Version> {
        let (mut parts, mut part, mut digits) = ([0u32; 3], 0, 0);
        for b in text.bytes() {
            if b == b'.' {
                // A dot ends a part that has digits, and there are three parts at most.
                if digits == 0 || part == 2 {
                    return None;
                }
                (part, digits) = (part + 1, 0);
                continue;
            }
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            parts[part] = parts[part].checked_mul(10)?.checked_add(digit.into())?;
            digits += 1;
        }
        (digits > 0).then_some(Version(parts[0], parts[1], parts[2]))
    }

    /// The version as `"major.minor.patch"`.
    pub fn dotted(&self) -> String {
        let part = |n: u32| decimal(n.into());
        [&part(self.0), ".", &part(self.1), ".", &part(self.2)].concat()
    }
}

/// The platform the mini-program runs on, as `wx.getDeviceInfo().platform` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// iPhone / iPad.
    Ios,
    /// Android phones.
    Android,
    /// Anything else (DevTools, Windows, Mac, HarmonyOS, ...).
    Other,
}

/// The options the planner works with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanOptions {
    /// The most ids one request may carry (1 to 5, default 3). Old clients get 1 whatever this says.
    pub ids_per_request: usize,
    /// The base library version (`SDKVersion`), if known.
    pub base_library: Option<Version>,
    /// The WeChat client version, if known.
    pub wechat_version: Option<Version>,
    /// The platform, if known.
    pub platform: Option<Platform>,
    /// The time of planning (`Date.now()`), which decides whether a remembered
    /// ban still holds; without it, remembered bans hold.
    pub now: Option<f64>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            ids_per_request: DEFAULT_IDS_PER_REQUEST,
            base_library: None,
            wechat_version: None,
            platform: None,
            now: None,
        }
    }
}

/// Ids per request when nothing else is said: what the seeds and the English docs allow.
pub const DEFAULT_IDS_PER_REQUEST: usize = 3;
/// The most ids per request any document allows (the newest Chinese docs say 5).
pub const MAX_IDS_PER_REQUEST: usize = 5;
/// The first base library with `wx.requestSubscribeMessage`.
pub const FIRST_SUBSCRIBE_BASE_LIBRARY: Version = Version(2, 4, 4);

impl PlanOptions {
    /// How many ids one request may really carry on this client: base library
    /// below 2.8.4, iOS WeChat below 7.0.6 and Android WeChat below 7.0.7 take one.
    pub fn effective_ids_per_request(&self) -> usize {
        let old_library = self.base_library.is_some_and(|v| v < Version(2, 8, 4));
        let old_client = match (self.platform, self.wechat_version) {
            (Some(Platform::Ios), Some(v)) => v < Version(7, 0, 6),
            (Some(Platform::Android), Some(v)) => v < Version(7, 0, 7),
            _ => false,
        };
        if old_library || old_client {
            1
        } else {
            self.ids_per_request
        }
    }
}

const OPTIONS_ADVICE: &str = "options are { idsPerRequest: 1..5, baseLibrary: '2.10.1', wechatVersion: '8.0.50', platform: 'ios' | 'android' | ..., now: Date.now() }, all optional";

/// Reads the options object (`null`/`undefined` means all defaults).
pub fn parse_options(value: &Value) -> Result<PlanOptions, Error> {
    let mut options = PlanOptions::default();
    match value {
        Value::Null => return Ok(options),
        Value::Object(_) => {}
        other => {
            return Err(Error::shape("options-not-an-object", "options", "an object", other, OPTIONS_ADVICE))
        }
    }
    if let Some(n) = value.get("idsPerRequest") {
        options.ids_per_request = match n {
            Value::Number(n) if n.fract() == 0.0 && (1.0..=MAX_IDS_PER_REQUEST as f64).contains(n) => *n as usize,
            other => {
                return Err(Error::input(
                    "options-bad-ids-per-request",
                    ["options.idsPerRequest must be a whole number from 1 to 5, got ", &shown(other)].concat(),
                    OPTIONS_ADVICE,
                ))
            }
        };
    }
    options.base_library = version_option(value, "baseLibrary")?;
    options.wechat_version = version_option(value, "wechatVersion")?;
    options.platform = match value.get("platform") {
        None => None,
        Some(Value::String(p)) => Some(match p.to_ascii_lowercase().as_str() {
            "ios" => Platform::Ios,
            "android" => Platform::Android,
            _ => Platform::Other,
        }),
        Some(other) => {
            return Err(Error::shape("options-bad-platform", "options.platform", "a string", other, OPTIONS_ADVICE))
        }
    };
    options.now = match value.get("now") {
        None => None,
        Some(v) => Some(crate::value::time(v).ok_or_else(|| {
            Error::shape("options-bad-now", "options.now", "a time in milliseconds (Date.now())", v, OPTIONS_ADVICE)
        })?),
    };
    Ok(options)
}

fn version_option(value: &Value, name: &'static str) -> Result<Option<Version>, Error> {
    match value.get(name) {
        None => Ok(None),
        Some(v) => v.as_str().and_then(Version::parse).map(Some).ok_or_else(|| {
            Error::input(
                "options-bad-version",
                ["options.", name, " must be a version like '2.10.1', got ", &shown(v)].concat(),
                OPTIONS_ADVICE,
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<PlanOptions, Error> {
        parse_options(&serde_json::from_str(json).unwrap())
    }

    #[test]
    fn versions_parse_and_compare() {
        assert_eq!(Version::parse("2.10.1"), Some(Version(2, 10, 1)));
        assert_eq!(Version::parse("8.0"), Some(Version(8, 0, 0)));
        assert_eq!(Version::parse("7"), Some(Version(7, 0, 0)));
        assert!(Version::parse("2.9.9") < Version::parse("2.10.0"));
        for bad in ["", ".", "2.", ".2", "1.2.", "2..1", "a.b", "1.2.3.4", "-1", "99999999999", "1.2.x"] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn ids_per_request_defaults_to_3_and_allows_1_to_5() {
        assert_eq!(read("null").unwrap().ids_per_request, 3);
        assert_eq!(read(r#"{"idsPerRequest":5}"#).unwrap().ids_per_request, 5);
        for bad in ["0", "6", "2.5", "\"3\""] {
            let e = read(&format!(r#"{{"idsPerRequest":{bad}}}"#)).unwrap_err();
            assert_eq!(e.code, "options-bad-ids-per-request", "{bad}");
        }
    }

    #[test]
    fn old_base_library_means_one_id_per_request() {
        let o = read(r#"{"baseLibrary":"2.8.3","idsPerRequest":5}"#).unwrap();
        assert_eq!(o.effective_ids_per_request(), 1);
        let o = read(r#"{"baseLibrary":"2.8.4"}"#).unwrap();
        assert_eq!(o.effective_ids_per_request(), 3);
    }

    #[test]
    fn old_ios_wechat_below_7_0_6_means_one_id_per_request() {
        assert_eq!(read(r#"{"platform":"ios","wechatVersion":"7.0.5"}"#).unwrap().effective_ids_per_request(), 1);
        assert_eq!(read(r#"{"platform":"ios","wechatVersion":"7.0.6"}"#).unwrap().effective_ids_per_request(), 3);
    }

    #[test]
    fn old_android_wechat_below_7_0_7_means_one_id_per_request() {
        assert_eq!(read(r#"{"platform":"android","wechatVersion":"7.0.6"}"#).unwrap().effective_ids_per_request(), 1);
        assert_eq!(read(r#"{"platform":"android","wechatVersion":"7.0.7"}"#).unwrap().effective_ids_per_request(), 3);
        assert_eq!(read(r#"{"platform":"devtools","wechatVersion":"7.0.0"}"#).unwrap().effective_ids_per_request(), 3);
    }

    #[test]
    fn bad_versions_and_shapes_are_errors() {
        assert_eq!(read(r#"{"baseLibrary":"latest"}"#).unwrap_err().code, "options-bad-version");
        assert_eq!(read(r#"{"wechatVersion":8}"#).unwrap_err().code, "options-bad-version");
        assert_eq!(read(r#"{"platform":1}"#).unwrap_err().code, "options-bad-platform");
        assert_eq!(read("3").unwrap_err().code, "options-not-an-object");
        assert_eq!(read(r#"{"now":-1}"#).unwrap_err().code, "options-bad-now");
    }
}

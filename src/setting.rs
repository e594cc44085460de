//! The user's subscription setting, exactly as
//! `wx.getSetting({ withSubscriptions: true })` returns it in `subscriptionsSetting`.

use crate::error::Error;
use crate::value::Value;
use serde::Serialize;

/// A choice the user kept with "always keep this choice, don't ask again".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "choice", content = "raw")]
pub enum KeptChoice {
    /// Kept as accepted: requests return `accept` without a popup.
    Accept,
    /// Kept as rejected: the popup never shows again; only the settings page helps.
    Reject,
    /// Banned by WeChat.
    Ban,
    /// A value this library does not know, kept as WeChat gave it.
    Other(String),
}

impl KeptChoice {
    /// The choices a plan's input and answer can name by a number: 1 + their
    /// index here (see `registry.rs`); any other stays a string.
    pub const CODED: [KeptChoice; 3] = [KeptChoice::Accept, KeptChoice::Reject, KeptChoice::Ban];
    /// The names of [`KeptChoice::CODED`], as `choice` gives them.
    pub const CODED_NAMES: [&'static str; 3] = ["accept", "reject", "ban"];

    /// Its number in a plan's input and answer: 1 + its index in [`KeptChoice::CODED`], if it has one.
    pub fn code(&self) -> Option<usize> {
        KeptChoice::CODED.iter().position(|c| c == self).map(|i| i + 1)
    }

    fn from_value(value: &Value) -> KeptChoice {
        match value.as_str() {
            Some(s) if s.starts_with("accept") => KeptChoice::Accept,
            Some("reject") => KeptChoice::Reject,
            Some("ban") => KeptChoice::Ban,
            Some(s) => KeptChoice::Other(s.to_owned()),
            None => KeptChoice::Other(value.describe().to_owned()),
        }
    }
}

/// What `wx.getSetting` said about subscriptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionsSetting {
    /// The main switch: `Some(false)` means the user turned all subscription
    /// messages off. `None` when WeChat did not say (older base library): unknown, not off.
    pub main_switch: Option<bool>,
    /// Kept choices by template id, in WeChat's order. System keys
    /// (`SYS_MSG_TYPE_*`) are dropped; ids the app does not use are ignored by the planner.
    pub item_settings: Vec<(String, KeptChoice)>,
}

impl SubscriptionsSetting {
    /// The choice kept for `id`, if any.
    pub fn kept(&self, id: &str) -> Option<&KeptChoice> {
        self.item_settings.iter().find(|(k, _)| k == id).map(|(_, c)| c)
    }
}

const SETTING_ADVICE: &str =
    "pass res.subscriptionsSetting from wx.getSetting({ withSubscriptions: true }) as it is (or undefined)";

/// Reads `subscriptionsSetting`. `null`/`undefined` (no setting read yet, or an
/// old base library) means: main switch unknown, nothing kept.
pub fn parse_setting(value: &Value) -> Result<SubscriptionsSetting, Error> {
    match value {
        Value::Null => return Ok(SubscriptionsSetting::default()),
        Value::Object(_) => {}
        other => {
            return Err(Error::shape("setting-not-an-object", "the subscriptions setting", "an object", other, SETTING_ADVICE))
        }
    }
    let main_switch = match value.get("mainSwitch") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            return Err(Error::shape("setting-bad-main-switch", "subscriptionsSetting.mainSwitch", "a boolean", other, SETTING_ADVICE))
        }
    };
    let item_settings = match value.get("itemSettings") {
        None => Vec::new(),
        Some(Value::Object(members)) => members
            .iter()
            .filter(|(id, _)| !id.starts_with("SYS_MSG_TYPE_"))
            .map(|(id, choice)| (id.clone(), KeptChoice::from_value(choice)))
            .collect(),
        Some(other) => {
            return Err(Error::shape("setting-bad-item-settings", "subscriptionsSetting.itemSettings", "an object", other, SETTING_ADVICE))
        }
    };
    Ok(SubscriptionsSetting { main_switch, item_settings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<SubscriptionsSetting, Error> {
        parse_setting(&serde_json::from_str(json).unwrap())
    }

    #[test]
    fn coded_choices_are_named_as_they_serialize() {
        for (choice, name) in KeptChoice::CODED.iter().zip(KeptChoice::CODED_NAMES) {
            assert_eq!(serde_json::to_value(choice).unwrap()["choice"], name);
            assert_eq!(KeptChoice::from_value(&Value::String(name.to_owned())), *choice);
        }
        assert_eq!(KeptChoice::Other("x".into()).code(), None);
    }

    #[test]
    fn missing_main_switch_is_unknown_not_off() {
        assert_eq!(read("{}").unwrap().main_switch, None);
        assert_eq!(read("null").unwrap(), SubscriptionsSetting::default());
        assert_eq!(read(r#"{"mainSwitch":false}"#).unwrap().main_switch, Some(false));
    }

    #[test]
    fn missing_item_settings_keeps_nothing() {
        assert!(read(r#"{"mainSwitch":true}"#).unwrap().item_settings.is_empty());
    }

    #[test]
    fn system_keys_are_not_template_ids() {
        let s = read(r#"{"mainSwitch":true,"itemSettings":{"SYS_MSG_TYPE_INTERACTIVE":"accept","SYS_MSG_TYPE_RANK":"reject","t1":"reject"}}"#).unwrap();
        assert_eq!(s.item_settings, vec![("t1".to_owned(), KeptChoice::Reject)]);
    }

    #[test]
    fn unknown_kept_values_are_kept_as_other() {
        let s = read(r#"{"itemSettings":{"a":"acceptWithAlert","b":"ban","c":"later","d":5}}"#).unwrap();
        assert_eq!(s.kept("a"), Some(&KeptChoice::Accept));
        assert_eq!(s.kept("b"), Some(&KeptChoice::Ban));
        assert_eq!(s.kept("c"), Some(&KeptChoice::Other("later".into())));
        assert_eq!(s.kept("d"), Some(&KeptChoice::Other("a number".into())));
    }

    #[test]
    fn wrong_shapes_are_errors() {
        assert_eq!(read("[]").unwrap_err().code, "setting-not-an-object");
        assert_eq!(read(r#"{"mainSwitch":"yes"}"#).unwrap_err().code, "setting-bad-main-switch");
        assert_eq!(read(r#"{"itemSettings":["a"]}"#).unwrap_err().code, "setting-bad-item-settings");
    }
}

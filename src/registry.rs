//! Template lists that cross into the module once. A page plans again after
//! every answer with the same list; on a phone each character that crosses
//! costs (the JS side copies strings one code unit at a time: phones have no
//! `TextEncoder`), so a list is registered once and later plans name templates
//! by their position in it.

use crate::error::{Error, ErrorKind};
use crate::options::parse_options;
use crate::memory::Record;
use crate::plan::{layout, parse_answered, title_numbers, Known, Layout};
use crate::setting::parse_setting;
use crate::template::{parse_templates, Template};
use crate::value::Value;
use serde::Serialize;

/// How many lists are kept; registering one more forgets the oldest.
pub const KEPT_LISTS: usize = 8;

/// The lists registered so far, newest last.
#[derive(Debug, Default)]
pub struct Registry {
    /// Handle, templates, and their title numbers (see [`title_numbers`]).
    lists: Vec<(u32, Vec<Template>, Vec<Option<usize>>)>,
    last: u32,
}

/// A registered list: its handle, and its templates as read (what later
/// calls' positions refer to, and what the JS side fills a layout in with).
#[derive(Debug, Serialize)]
pub struct Registered<'a> {
    /// The handle later plans pass.
    pub handle: u32,
    /// The templates, in the list's order: `{ id, title?, kind }`.
    pub templates: &'a [Template],
}

impl Registry {
    /// Reads and registers a template list (as [`parse_templates`] reads it).
    pub fn register(&mut self, templates: &Value) -> Result<Registered<'_>, Error> {
        let templates = parse_templates(templates)?;
        if self.lists.len() == KEPT_LISTS {
            self.lists.remove(0);
        }
        self.last = self.last.wrapping_add(1);
        let titles = title_numbers(&templates);
        self.lists.push((self.last, templates, titles));
        Ok(Registered { handle: self.last, templates: self.lists.last().map_or(&[], |(_, list, _)| list.as_slice()) })
    }

    /// The templates of a registered list, and their title numbers.
    pub fn templates(&self, handle: &Value) -> Result<(&[Template], &[Option<usize>]), Error> {
        let found = match handle {
            Value::Number(n) => self.lists.iter().find(|(h, _, _)| f64::from(*h) == *n),
            _ => None,
        };
        found.map(|(_, list, titles)| (list.as_slice(), titles.as_slice())).ok_or_else(|| {
            let message = "the template list is no longer registered in this module".to_owned();
            Error::new("templates-not-registered", ErrorKind::Internal, true, message, "register the list again (the JS side does this by itself)")
        })
    }

    /// Plans for a registered list, by position: `args` is `[handle, setting,
    /// options, answered, remembered]`, where `setting.itemSettings`,
    /// `answered` and `remembered.states` (a stored record, see
    /// [`crate::memory`]) are keyed by template position (`"0"`, `"1"`, ...)
    /// instead of id; keys that are no position of the list are ignored, as
    /// ids the list does not have are.
    pub fn layout(&self, args: &Value) -> Result<Layout, Error> {
        let (templates, titles) = self.templates(args.at(0))?;
        let setting = parse_setting(args.at(1))?;
        let options = parse_options(args.at(2))?;
        let mut known = vec![Known::default(); templates.len()];
        for (key, choice) in setting.item_settings {
            if let Some(k) = position(&key).and_then(|i| known.get_mut(i)) {
                k.kept = Some(choice);
            }
        }
        for (key, answers) in parse_answered(args.at(3))? {
            if let Some(k) = position(&key).and_then(|i| known.get_mut(i)) {
                k.answers = answers;
            }
        }
        let remembered = Record::read(args.at(4));
        for (key, state) in remembered.states {
            if let Some(k) = position(&key).and_then(|i| known.get_mut(i)) {
                k.remembered = Some(state);
            }
        }
        let learned = remembered.ids_per_request.map(|l| l.ids as usize);
        layout(templates, titles, setting.main_switch, known, learned, &options)
    }
}

/// A key that is a position: `"12"` (digits only, as JS writes an index).
fn position(key: &str) -> Option<usize> {
    if key.is_empty() || key.len() > 9 || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(key.bytes().fold(0, |n, b| n * 10 + usize::from(b - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_registered_list_plans_like_the_list_itself() {
        let mut registry = Registry::default();
        let list = json(r#"[{"id":"a","title":"发货"},{"id":"b","title":"发货"},"c"]"#);
        let handle = registry.register(&list).unwrap().handle;
        let args = json(&format!(r#"[{handle},{{"mainSwitch":true,"itemSettings":{{"2":"reject","9":"accept","x":"ban"}}}},{{"idsPerRequest":2}},{{"0":"accept"}}]"#));
        let templates = registry.templates(args.at(0)).unwrap().0.to_vec();
        let by_position = registry.layout(&args).unwrap().resolve(&templates);
        let by_id = crate::plan_from_values(&list, &json(r#"{"mainSwitch":true,"itemSettings":{"c":"reject"}}"#), &json(r#"{"idsPerRequest":2}"#), &json(r#"{"a":"accept"}"#), &Value::Null).unwrap();
        assert_eq!(by_position, by_id);
    }

    #[test]
    fn registering_answers_the_templates_and_forgets_the_oldest_list() {
        let mut registry = Registry::default();
        let first = registry.register(&json(r#"[{"priTmplId":"x","type":3},"y"]"#)).unwrap();
        assert_eq!(first.handle, 1);
        assert_eq!(serde_json::to_string(first.templates).unwrap(), r#"[{"id":"x","kind":"long-term"},{"id":"y","kind":"one-time"}]"#);
        for _ in 0..KEPT_LISTS {
            registry.register(&json(r#"["z"]"#)).unwrap();
        }
        let e = registry.layout(&json("[1,null,null,null]")).unwrap_err();
        assert_eq!((e.code, e.kind, e.retryable), ("templates-not-registered", ErrorKind::Internal, true));
        assert!(registry.layout(&json("[9,null,null,null]")).is_ok());
        assert_eq!(registry.register(&json(r#"["a","a"]"#)).unwrap_err().code, "template-duplicate-id");
    }

    #[test]
    fn only_digit_keys_are_positions() {
        assert_eq!(position("12"), Some(12));
        for bad in ["", "-1", "1e3", " 1", "12345678901", "x"] {
            assert_eq!(position(bad), None, "{bad}");
        }
    }

    #[test]
    fn shape_errors_still_come_from_the_planner() {
        let mut registry = Registry::default();
        registry.register(&json(r#"["a"]"#)).unwrap();
        assert_eq!(registry.layout(&json(r#"[1,{"mainSwitch":"yes"}]"#)).unwrap_err().code, "setting-bad-main-switch");
        assert_eq!(registry.layout(&json(r#"[1,{"itemSettings":[1]}]"#)).unwrap_err().code, "setting-bad-item-settings");
        assert_eq!(registry.layout(&json(r#"[1,null,null,{"0":5}]"#)).unwrap_err().code, "answered-bad-status");
        assert_eq!(registry.layout(&json(r#"[1,null,null,[]]"#)).unwrap_err().code, "answered-not-an-object");
        assert_eq!(registry.layout(&json(r#"[1,null,{"idsPerRequest":9}]"#)).unwrap_err().code, "options-bad-ids-per-request");
    }
}

//! Template lists that cross into the module once. A page plans again after
//! every answer with the same list; on a phone each character that crosses
//! costs (the JS side copies strings one code unit at a time: phones have no
//! `TextEncoder`), so a list is registered once and later plans name templates
//! by their position in it.

use crate::error::{Error, ErrorKind};
use crate::plan::Plan;
use crate::template::{parse_templates, Template};
use crate::value::Value;
use serde::Serialize;

/// How many lists are kept; registering one more forgets the oldest.
pub const KEPT_LISTS: usize = 8;

/// The lists registered so far, newest last.
#[derive(Debug, Default)]
pub struct Registry {
    lists: Vec<(u32, Vec<Template>)>,
    last: u32,
}

/// A registered list: its handle, and its ids in the list's order (what later
/// calls' positions refer to).
#[derive(Debug, Serialize)]
pub struct Registered<'a> {
    /// The handle later plans pass.
    pub handle: u32,
    /// The template ids, in the list's order.
    pub ids: Vec<&'a str>,
}

impl Registry {
    /// Reads and registers a template list (as [`parse_templates`] reads it).
    pub fn register(&mut self, templates: &Value) -> Result<Registered<'_>, Error> {
        let templates = parse_templates(templates)?;
        if self.lists.len() == KEPT_LISTS {
            self.lists.remove(0);
        }
        self.last = self.last.wrapping_add(1);
        self.lists.push((self.last, templates));
        let ids = self.lists.last().map_or_else(Vec::new, |(_, list)| list.iter().map(|t| t.id.as_str()).collect());
        Ok(Registered { handle: self.last, ids })
    }

    /// Plans for a registered list: `args` is `[handle, setting, options, answered]`,
    /// where `setting.itemSettings` and `answered` are keyed by template position
    /// (`"0"`, `"1"`, ...) instead of id. Otherwise as [`crate::plan_from_values`].
    pub fn plan(&self, args: &Value) -> Result<Plan, Error> {
        let handle = match args.at(0) {
            Value::Number(n) => *n,
            _ => -1.0,
        };
        let Some((_, templates)) = self.lists.iter().find(|(h, _)| f64::from(*h) == handle) else {
            return Err(Error {
                code: "templates-not-registered",
                kind: ErrorKind::Internal,
                message: "the template list is no longer registered in this module".to_owned(),
                advice: "register the list again (the JS side does this by itself)",
                retryable: true,
                err_code: None,
                err_msg: None,
                field: None,
            });
        };
        let setting = match args.at(1) {
            Value::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(key, value)| (key.clone(), if key == "itemSettings" { by_id(value, templates) } else { value.clone() }))
                    .collect(),
            ),
            other => other.clone(),
        };
        crate::plan_from_parts(templates, &setting, args.at(2), &by_id(args.at(3), templates))
    }
}

/// An object keyed by template position, keyed by template id again; members
/// whose key is no position of the list are dropped. Other values as they are.
fn by_id(value: &Value, templates: &[Template]) -> Value {
    let Value::Object(members) = value else { return value.clone() };
    let id_of = |key: &str| key.parse::<usize>().ok().and_then(|i| templates.get(i)).map(|t| t.id.clone());
    Value::Object(members.iter().filter_map(|(key, v)| Some((id_of(key)?, v.clone()))).collect())
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
        let by_position = registry
            .plan(&json(&format!(r#"[{handle},{{"mainSwitch":true,"itemSettings":{{"2":"reject","9":"accept","x":"ban"}}}},{{"idsPerRequest":2}},{{"0":"accept"}}]"#)))
            .unwrap();
        let by_id = crate::plan_from_values(&list, &json(r#"{"mainSwitch":true,"itemSettings":{"c":"reject"}}"#), &json(r#"{"idsPerRequest":2}"#), &json(r#"{"a":"accept"}"#)).unwrap();
        assert_eq!(by_position, by_id);
    }

    #[test]
    fn registering_returns_the_ids_and_forgets_the_oldest_list() {
        let mut registry = Registry::default();
        let first = registry.register(&json(r#"[{"priTmplId":"x"},"y"]"#)).unwrap();
        assert_eq!((first.handle, first.ids), (1, vec!["x", "y"]));
        for _ in 0..KEPT_LISTS {
            registry.register(&json(r#"["z"]"#)).unwrap();
        }
        let e = registry.plan(&json("[1,null,null,null]")).unwrap_err();
        assert_eq!((e.code, e.kind, e.retryable), ("templates-not-registered", ErrorKind::Internal, true));
        assert!(registry.plan(&json("[9,null,null,null]")).is_ok());
        assert_eq!(registry.register(&json(r#"["a","a"]"#)).unwrap_err().code, "template-duplicate-id");
    }

    #[test]
    fn shape_errors_still_come_from_the_planner() {
        let mut registry = Registry::default();
        registry.register(&json(r#"["a"]"#)).unwrap();
        assert_eq!(registry.plan(&json(r#"[1,{"mainSwitch":"yes"}]"#)).unwrap_err().code, "setting-bad-main-switch");
        assert_eq!(registry.plan(&json(r#"[1,{"itemSettings":[1]}]"#)).unwrap_err().code, "setting-bad-item-settings");
        assert_eq!(registry.plan(&json(r#"[1,null,null,{"0":5}]"#)).unwrap_err().code, "answered-bad-status");
        assert_eq!(registry.plan(&json(r#"[1,null,null,[]]"#)).unwrap_err().code, "answered-not-an-object");
    }
}

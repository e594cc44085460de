#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod error;
pub mod options;
pub mod outcome;
pub mod plan;
pub mod setting;
pub mod template;
pub mod value;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, ErrorKind};
pub use options::{PlanOptions, Platform, Version};
pub use outcome::{interpret_fail, interpret_result, Outcome, Status, TemplateResult};
pub use plan::{plan, Advice, Batch, Plan, PlannedTemplate, TemplateState};
pub use setting::{KeptChoice, SubscriptionsSetting};
pub use template::{Template, TemplateKind};
pub use value::Value;

/// Plans from input exactly as a page holds it: the app's template list, the
/// `subscriptionsSetting` of `wx.getSetting`, the options and what this round
/// already answered (`null` for each of the last three is fine).
/// This is what the JS `plan()` calls.
pub fn plan_from_values(templates: &Value, setting: &Value, options: &Value, answered: &Value) -> Result<Plan, Error> {
    plan(
        &template::parse_templates(templates)?,
        &setting::parse_setting(setting)?,
        &options::parse_options(options)?,
        &plan::parse_answered(answered)?,
    )
}

/// Interprets what a request's `success` or `fail` callback received, for the
/// batch it asked for. This is what the JS `interpretResult()` calls.
pub fn interpret_from_values(batch: &Value, result: &Value) -> Result<Outcome, Error> {
    interpret_result(&outcome::parse_batch_ids(batch)?, result)
}

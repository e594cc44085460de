//! The planner: from the app's templates, the user's setting and what was
//! already answered, decide what to ask, in which batches, and what to tell the user.

use crate::error::{Error, ErrorKind};
use crate::options::{PlanOptions, FIRST_SUBSCRIBE_BASE_LIBRARY};
use crate::outcome::Status;
use crate::setting::{KeptChoice, SubscriptionsSetting};
use crate::template::{Template, TemplateKind};
use crate::value::Value;
use serde::Serialize;

/// Where a template stands for this round of asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateState {
    /// Will be asked, with a popup.
    Ask,
    /// Kept as accepted: asked again silently (no popup), because each request
    /// adds one more send to the quota.
    TopUp,
    /// Kept as rejected: the popup never shows again; only the settings page helps.
    KeptRejected,
    /// Banned by WeChat: never asked.
    Banned,
    /// The main switch is off: nothing can be asked until the user turns it on.
    SwitchedOff,
    /// Accepted in this round: not asked again until the next round.
    Accepted,
    /// Rejected in this round: not asked again until the next round.
    Rejected,
}

named!(TemplateState, ["ask", "top-up", "kept-rejected", "banned", "switched-off", "accepted", "rejected"]);

impl TemplateState {
    /// Whether a template in this state goes into a batch.
    pub fn is_requested(self) -> bool {
        matches!(self, TemplateState::Ask | TemplateState::TopUp)
    }
}

/// One template with its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedTemplate {
    /// The template id.
    pub id: String,
    /// The template's title, if the app gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// One-time, long-term or device.
    pub kind: TemplateKind,
    /// Where it stands.
    pub state: TemplateState,
    /// The choice the user kept for it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<KeptChoice>,
}

/// One request: the ids one tap asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Batch {
    /// The kind of every template in it (kinds are never mixed).
    pub kind: TemplateKind,
    /// The template ids, in the app's order.
    pub ids: Vec<String>,
    /// Whether WeChat shows a popup. `false` when every id is kept as accepted:
    /// the request silently adds one send per id, and the page can say "renewed".
    pub popup: bool,
}

/// How many templates are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StateCounts {
    /// Will be asked with a popup.
    pub ask: u32,
    /// Will be topped up silently.
    pub top_up: u32,
    /// Kept as rejected.
    pub kept_rejected: u32,
    /// Banned.
    pub banned: u32,
    /// Main switch off.
    pub switched_off: u32,
    /// Accepted this round.
    pub accepted: u32,
    /// Rejected this round.
    pub rejected: u32,
}

/// Something the page should tell the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice {
    /// `"open-settings"` (main switch off, or choices kept as rejected),
    /// `"banned"` or `"renew-silently"`.
    pub code: &'static str,
    /// The templates it is about.
    pub ids: Vec<String>,
    /// A sentence for the user, in Chinese.
    pub message: &'static str,
}

/// The plan: what a page shows and asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// The main switch as read: `None` when unknown.
    pub main_switch: Option<bool>,
    /// The most ids one batch carries on this client.
    pub ids_per_request: u32,
    /// Every template of the app, in its order, with its state.
    pub templates: Vec<PlannedTemplate>,
    /// The requests to make, one per tap: popup batches first, then silent ones.
    pub batches: Vec<Batch>,
    /// How many templates are in each state.
    pub counts: StateCounts,
    /// What the page should tell the user.
    pub advice: Vec<Advice>,
}

const ANSWERED_ADVICE: &str = "pass { [templateId]: status } built from earlier outcomes' results";

/// Reads what was already answered this round: `{ [id]: status }` with WeChat's
/// status values (`"accept"`, `"acceptWithAlert"`, `"reject"`, ...).
pub fn parse_answered(value: &Value) -> Result<Vec<(String, Status)>, Error> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Object(members) => members
            .iter()
            .map(|(id, v)| match v.as_str() {
                Some(raw) => Ok((id.clone(), Status::from_raw(raw))),
                None => Err(Error::shape("answered-bad-status", &["answered['", id, "']"].concat(), "a status string", v, ANSWERED_ADVICE)),
            })
            .collect(),
        other => Err(Error::shape("answered-not-an-object", "answered", "an object", other, ANSWERED_ADVICE)),
    }
}

/// Makes the plan.
///
/// `answered` holds what earlier requests of this round answered, so the plan
/// after a partial success asks only for what is left (filtered, unknown and
/// missing answers are asked again). Fails only when the client has no
/// `wx.requestSubscribeMessage` (base library below 2.4.4).
pub fn plan(
    templates: &[Template],
    setting: &SubscriptionsSetting,
    options: &PlanOptions,
    answered: &[(String, Status)],
) -> Result<Plan, Error> {
    if let Some(v) = options.base_library.filter(|v| *v < FIRST_SUBSCRIBE_BASE_LIBRARY) {
        return Err(Error {
            code: "subscribe-unsupported",
            kind: ErrorKind::Unsupported,
            message: ["base library ", &v.dotted(), " has no wx.requestSubscribeMessage (it needs 2.4.4)"].concat(),
            advice: "ask the user to update WeChat",
            retryable: false,
            err_code: None,
            err_msg: None,
            field: None,
        });
    }
    let planned: Vec<PlannedTemplate> = templates
        .iter()
        .map(|t| {
            let kept = setting.kept(&t.id).cloned();
            let answer = answered.iter().find(|(id, _)| *id == t.id).map(|(_, s)| *s);
            let state = state_of(setting.main_switch, kept.as_ref(), answer);
            PlannedTemplate { id: t.id.clone(), title: t.title.clone(), kind: t.kind, state, kept }
        })
        .collect();
    let limit = options.effective_ids_per_request();
    let batches = make_batches(&planned, limit);
    let counts = count(&planned);
    let advice = advise(&planned, &batches);
    Ok(Plan {
        main_switch: setting.main_switch,
        ids_per_request: limit as u32,
        templates: planned,
        batches,
        counts,
        advice,
    })
}

fn state_of(main_switch: Option<bool>, kept: Option<&KeptChoice>, answer: Option<Status>) -> TemplateState {
    if main_switch == Some(false) {
        return TemplateState::SwitchedOff;
    }
    match (kept, answer) {
        (Some(KeptChoice::Ban), _) | (_, Some(Status::Ban)) => TemplateState::Banned,
        (Some(KeptChoice::Reject), _) => TemplateState::KeptRejected,
        (_, Some(Status::Accept)) => TemplateState::Accepted,
        (_, Some(Status::Reject)) => TemplateState::Rejected,
        (Some(KeptChoice::Accept), _) => TemplateState::TopUp,
        _ => TemplateState::Ask,
    }
}

/// A batch being filled: indexes into the planned templates, kept in the app's order.
struct Filling {
    kind: TemplateKind,
    members: Vec<usize>,
    popup: bool,
}

impl Filling {
    fn takes(&self, planned: &[PlannedTemplate], t: &PlannedTemplate, limit: usize) -> bool {
        self.kind == t.kind
            && self.members.len() < limit
            && (t.title.is_none() || self.members.iter().all(|&m| planned[m].title != t.title))
    }

    fn add(&mut self, index: usize) {
        let at = self.members.partition_point(|&m| m < index);
        self.members.insert(at, index);
    }
}

/// First fit, in the app's order: popup templates first; silent ones then fill the
/// free places of popup batches of their kind; the rest form silent batches.
fn make_batches(planned: &[PlannedTemplate], limit: usize) -> Vec<Batch> {
    let in_state = |state| (0..planned.len()).filter(move |&i| planned[i].state == state);
    let mut popup: Vec<Filling> = Vec::new();
    for index in in_state(TemplateState::Ask) {
        place(&mut popup, planned, index, limit, true);
    }
    let mut silent: Vec<Filling> = Vec::new();
    for index in in_state(TemplateState::TopUp) {
        let t = &planned[index];
        match popup.iter_mut().find(|b| b.takes(planned, t, limit)) {
            Some(batch) => batch.add(index),
            None => place(&mut silent, planned, index, limit, false),
        }
    }
    popup
        .into_iter()
        .chain(silent)
        .map(|b| Batch {
            kind: b.kind,
            ids: b.members.iter().map(|&m| planned[m].id.clone()).collect(),
            popup: b.popup,
        })
        .collect()
}

fn place(batches: &mut Vec<Filling>, planned: &[PlannedTemplate], index: usize, limit: usize, popup: bool) {
    let t = &planned[index];
    match batches.iter_mut().find(|b| b.takes(planned, t, limit)) {
        Some(batch) => batch.add(index),
        None => batches.push(Filling { kind: t.kind, members: vec![index], popup }),
    }
}

fn count(planned: &[PlannedTemplate]) -> StateCounts {
    let mut c = StateCounts::default();
    for p in planned {
        *match p.state {
            TemplateState::Ask => &mut c.ask,
            TemplateState::TopUp => &mut c.top_up,
            TemplateState::KeptRejected => &mut c.kept_rejected,
            TemplateState::Banned => &mut c.banned,
            TemplateState::SwitchedOff => &mut c.switched_off,
            TemplateState::Accepted => &mut c.accepted,
            TemplateState::Rejected => &mut c.rejected,
        } += 1;
    }
    c
}

fn ids_in(planned: &[PlannedTemplate], state: TemplateState) -> Vec<String> {
    planned.iter().filter(|p| p.state == state).map(|p| p.id.clone()).collect()
}

fn advise(planned: &[PlannedTemplate], batches: &[Batch]) -> Vec<Advice> {
    let mut advice = Vec::new();
    let mut add = |code, ids: Vec<String>, message| {
        if !ids.is_empty() {
            advice.push(Advice { code, ids, message });
        }
    };
    add("open-settings", ids_in(planned, TemplateState::SwitchedOff),
        "订阅消息已关闭：请在设置页打开「接收订阅消息」后再订阅");
    add("open-settings", ids_in(planned, TemplateState::KeptRejected),
        "你曾选择不再接收这些通知：可在设置页的「订阅消息」里重新打开");
    add("banned", ids_in(planned, TemplateState::Banned), "这些通知暂时无法订阅");
    let silent: Vec<String> = batches.iter().filter(|b| !b.popup).flat_map(|b| b.ids.clone()).collect();
    add("renew-silently", silent, "已保持订阅的通知将自动续订，不会弹窗");
    advice
}

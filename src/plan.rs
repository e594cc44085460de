//! The planner: from the app's templates, the user's setting and what was
//! already answered, decide what to ask, in which batches, and what to tell the user.

use crate::error::{Error, ErrorKind};
use crate::options::{PlanOptions, FIRST_SUBSCRIBE_BASE_LIBRARY};
use crate::outcome::Status;
use crate::setting::{KeptChoice, SubscriptionsSetting};
use crate::template::{Template, TemplateKind};
use crate::index::Index;
use crate::value::{quote, Value};
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

/// One request: the ids one tap asks for. In a [`Layout`], templates are
/// named by their position in the list (`Batch<usize>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Batch<Id = String> {
    /// The kind of every template in it (kinds are never mixed).
    pub kind: TemplateKind,
    /// The template ids (or positions), in the app's order.
    pub ids: Vec<Id>,
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

/// Something the page should tell the user. In a [`Layout`], templates are
/// named by their position in the list (`Advice<usize>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice<Id = String> {
    /// `"open-settings"` (main switch off, or choices kept as rejected),
    /// `"banned"` or `"renew-silently"`.
    pub code: &'static str,
    /// The templates it is about (ids, or positions).
    pub ids: Vec<Id>,
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
                None => Err(Error::shape("answered-bad-status", &["answered['", &quote(id), "']"].concat(), "a status string", v, ANSWERED_ADVICE)),
            })
            .collect(),
        other => Err(Error::shape("answered-not-an-object", "answered", "an object", other, ANSWERED_ADVICE)),
    }
}

/// What the planner decides, by template position: the [`Plan`] before ids
/// and titles are filled in. The wasm boundary sends this (the JS side knows
/// the ids and titles of a registered list), so an answer stays small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Layout {
    /// The main switch as read: `None` when unknown.
    pub main_switch: Option<bool>,
    /// The most ids one batch carries on this client.
    pub ids_per_request: u32,
    /// Each template's state, in the list's order.
    pub states: Vec<TemplateState>,
    /// Each template's kept choice, in the list's order.
    pub kept: Vec<Option<KeptChoice>>,
    /// The requests to make: popup batches first, then silent ones.
    pub batches: Vec<Batch<usize>>,
    /// How many templates are in each state.
    pub counts: StateCounts,
    /// What the page should tell the user.
    pub advice: Vec<Advice<usize>>,
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
    let kept = Index::new(setting.item_settings.iter().map(|(id, _)| id.as_str()));
    let answers = Index::new(answered.iter().map(|(id, _)| id.as_str()));
    let kept: Vec<Option<KeptChoice>> = templates.iter().map(|t| kept.first(&t.id).map(|i| setting.item_settings[i].1.clone())).collect();
    let answers: Vec<Option<Status>> = templates.iter().map(|t| answers.first(&t.id).map(|i| answered[i].1)).collect();
    Ok(layout(templates, &title_numbers(templates), setting.main_switch, kept, &answers, options)?.resolve(templates))
}

/// Each template's title as a number: templates with the same title have the
/// same number (a position in the list), untitled ones have none.
pub fn title_numbers(templates: &[Template]) -> Vec<Option<usize>> {
    let titles = Index::new(templates.iter().map(|t| t.title.as_deref().unwrap_or("")));
    templates.iter().map(|t| t.title.as_deref().and_then(|title| titles.first(title))).collect()
}

/// Makes the plan by position: `titles` (from [`title_numbers`]), `kept` and
/// `answers` are aligned with `templates`.
pub fn layout(
    templates: &[Template],
    titles: &[Option<usize>],
    main_switch: Option<bool>,
    kept: Vec<Option<KeptChoice>>,
    answers: &[Option<Status>],
    options: &PlanOptions,
) -> Result<Layout, Error> {
    if let Some(v) = options.base_library.filter(|v| *v < FIRST_SUBSCRIBE_BASE_LIBRARY) {
        let message = ["base library ", &v.dotted(), " has no wx.requestSubscribeMessage (it needs 2.4.4)"].concat();
        return Err(Error::new("subscribe-unsupported", ErrorKind::Unsupported, false, message, "ask the user to update WeChat"));
    }
    let states: Vec<TemplateState> = (0..templates.len())
        .map(|i| state_of(main_switch, kept.get(i).and_then(Option::as_ref), answers.get(i).copied().flatten()))
        .collect();
    let limit = options.effective_ids_per_request();
    let batches = make_batches(templates, titles, &states, limit);
    let counts = count(&states);
    let advice = advise(&states, &batches);
    Ok(Layout { main_switch, ids_per_request: limit as u32, states, kept, batches, counts, advice })
}

impl Layout {
    /// The plan with ids and titles, for `templates` (the list it was made for).
    pub fn resolve(self, templates: &[Template]) -> Plan {
        let ids = |members: &[usize]| members.iter().map(|&m| templates[m].id.clone()).collect();
        Plan {
            main_switch: self.main_switch,
            ids_per_request: self.ids_per_request,
            templates: templates
                .iter()
                .zip(self.states)
                .zip(self.kept)
                .map(|((t, state), kept)| PlannedTemplate { id: t.id.clone(), title: t.title.clone(), kind: t.kind, state, kept })
                .collect(),
            batches: self
                .batches
                .iter()
                .map(|b| Batch { kind: b.kind, ids: ids(&b.ids), popup: b.popup })
                .collect(),
            counts: self.counts,
            advice: self.advice.iter().map(|a| Advice { code: a.code, ids: ids(&a.ids), message: a.message }).collect(),
        }
    }
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

/// A batch being filled: positions of templates, kept in the list's order.
struct Filling {
    kind: TemplateKind,
    members: Vec<usize>,
}

/// First fit in near-linear time: a template goes into the first batch (in the
/// order batches were opened) of its kind that has room and no template of its
/// title. Per kind, `next_open` finds the next batch with room (a union-find
/// that skips full ones), and `after[title]` is where the title's last batch
/// ends: every earlier batch is full or has that title, because a title's
/// templates are placed in ever later batches.
struct FirstFit {
    batches: Vec<Filling>,
    /// Per kind: positions in `batches`, in the order they were opened.
    of_kind: [Vec<usize>; 3],
    /// Per kind, per position in `of_kind`: itself while that batch has room, else a later position.
    next_open: [Vec<usize>; 3],
    /// Per kind and title number (`kind * titles + title`): the position in
    /// `of_kind` after the title's last batch.
    after: Vec<usize>,
    titles: usize,
}

impl FirstFit {
    fn new(titles: usize) -> FirstFit {
        FirstFit { batches: Vec::new(), of_kind: Default::default(), next_open: Default::default(), after: vec![0; 3 * titles], titles }
    }

    /// The first position at or after `from` whose batch has room (or the end).
    fn open_from(next_open: &mut [usize], from: usize) -> usize {
        let mut root = from;
        while root < next_open.len() && next_open[root] != root {
            root = next_open[root];
        }
        let mut at = from;
        while at < next_open.len() && next_open[at] != at {
            at = std::mem::replace(&mut next_open[at], root);
        }
        root
    }

    /// Puts template `index` into the first batch that takes it, opening a new
    /// batch if `may_open`; false when it was not placed.
    fn place(&mut self, index: usize, kind: TemplateKind, title: Option<usize>, limit: usize, may_open: bool) -> bool {
        let k = kind as usize;
        let from = title.map_or(0, |t| self.after[k * self.titles + t]);
        let at = FirstFit::open_from(&mut self.next_open[k], from);
        if at == self.of_kind[k].len() {
            if !may_open {
                return false;
            }
            self.of_kind[k].push(self.batches.len());
            self.next_open[k].push(at);
            self.batches.push(Filling { kind, members: Vec::new() });
        }
        let members = &mut self.batches[self.of_kind[k][at]].members;
        members.insert(members.partition_point(|&m| m < index), index);
        if members.len() >= limit {
            self.next_open[k][at] = at + 1;
        }
        if let Some(t) = title {
            self.after[k * self.titles + t] = at + 1;
        }
        true
    }

    fn into_batches(self, popup: bool) -> impl Iterator<Item = Batch<usize>> {
        self.batches.into_iter().map(move |b| Batch { kind: b.kind, ids: b.members, popup })
    }
}

/// First fit, in the app's order: popup templates first; silent ones then fill the
/// free places of popup batches of their kind; the rest form silent batches.
fn make_batches(templates: &[Template], titles: &[Option<usize>], states: &[TemplateState], limit: usize) -> Vec<Batch<usize>> {
    let title_of = |index: usize| titles.get(index).copied().flatten();
    let in_state = |state| (0..templates.len()).filter(move |&i| states[i] == state);
    let mut popup = FirstFit::new(templates.len());
    for index in in_state(TemplateState::Ask) {
        popup.place(index, templates[index].kind, title_of(index), limit, true);
    }
    let mut silent = FirstFit::new(templates.len());
    for index in in_state(TemplateState::TopUp) {
        let (kind, title) = (templates[index].kind, title_of(index));
        if !popup.place(index, kind, title, limit, false) {
            silent.place(index, kind, title, limit, true);
        }
    }
    popup.into_batches(true).chain(silent.into_batches(false)).collect()
}

fn count(states: &[TemplateState]) -> StateCounts {
    let mut c = StateCounts::default();
    for state in states {
        *match state {
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

fn advise(states: &[TemplateState], batches: &[Batch<usize>]) -> Vec<Advice<usize>> {
    let mut advice = Vec::new();
    let mut add = |code, ids: Vec<usize>, message| {
        if !ids.is_empty() {
            advice.push(Advice { code, ids, message });
        }
    };
    let in_state = |state| (0..states.len()).filter(|&i| states[i] == state).collect();
    add("open-settings", in_state(TemplateState::SwitchedOff),
        "订阅消息已关闭：请在设置页打开「接收订阅消息」后再订阅");
    add("open-settings", in_state(TemplateState::KeptRejected),
        "你曾选择不再接收这些通知：可在设置页的「订阅消息」里重新打开");
    add("banned", in_state(TemplateState::Banned), "这些通知暂时无法订阅");
    let silent = batches.iter().filter(|b| !b.popup).flat_map(|b| b.ids.iter().copied()).collect();
    add("renew-silently", silent, "已保持订阅的通知将自动续订，不会弹窗");
    advice
}

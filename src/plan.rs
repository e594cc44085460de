//! The planner: from the app's templates, the user's setting and what was
//! already answered, decide what to ask, in which batches, and what to tell the user.

use crate::error::{Error, ErrorKind};
use crate::options::{PlanOptions, FIRST_SUBSCRIBE_BASE_LIBRARY};
use crate::outcome::Status;
use crate::setting::{KeptChoice, SubscriptionsSetting};
use crate::template::{Template, TemplateKind};
use crate::index::{heapsort, Index};
use crate::memory::{Record, Remembered};
use crate::value::{quote, Value};
use serde::Serialize;

pub use crate::state::TemplateState;

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
    /// Left unsettled this round.
    pub unsettled: u32,
}

/// Something the page should tell the user (one of [`ADVICE`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice {
    /// `"open-settings"` (main switch off, or choices kept as rejected),
    /// `"banned"`, `"unsettled"` (answered twice with nothing that settles it;
    /// asked again next visit) or `"renew-silently"`.
    pub code: &'static str,
    /// The ids of the templates it is about.
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

const ANSWERED_ADVICE: &str =
    "pass { [templateId]: status } (or an array of a template's statuses, oldest first) built from earlier outcomes' results";

/// What one template was answered this round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Answers {
    /// The last answer.
    pub last: Option<Status>,
    /// How many answers settled nothing (`filter`, unknown or missing).
    pub unsettled: u32,
    /// How many answers were accepts.
    pub accepts: u32,
}

impl Answers {
    /// The answers of a list of statuses, oldest first.
    pub fn of(statuses: impl IntoIterator<Item = Status>) -> Answers {
        statuses.into_iter().fold(Answers::default(), Answers::then)
    }

    /// These answers, and then `status`.
    pub fn then(self, status: Status) -> Answers {
        Answers {
            last: Some(status),
            unsettled: self.unsettled + u32::from(matches!(status, Status::Filter | Status::Unknown | Status::Missing)),
            accepts: self.accepts + u32::from(status == Status::Accept),
        }
    }
}

/// How many answers that settle nothing a template gets in one round: it is
/// asked again once, then left as [`TemplateState::Unsettled`].
pub const UNSETTLED_ANSWERS: u32 = 2;

/// Reads what was already answered this round: `{ [id]: status }` with WeChat's
/// status values (`"accept"`, `"acceptWithAlert"`, `"reject"`, ...), or
/// `{ [id]: [status, ...] }` with every answer of the round, oldest first.
pub fn parse_answered(value: &Value) -> Result<Vec<(String, Answers)>, Error> {
    parse_answered_as(value, &|key| key.to_owned())
}

/// [`parse_answered`], where an error names a template by the id
/// `id_of(key)` gives: answers keyed by position are named by id, as the page wrote them.
pub(crate) fn parse_answered_as(value: &Value, id_of: &dyn Fn(&str) -> String) -> Result<Vec<(String, Answers)>, Error> {
    let bad = |key: &str, v: &Value| {
        Error::shape("answered-bad-status", &["answered['", &quote(&id_of(key)), "']"].concat(), "a status string or an array of them", v, ANSWERED_ADVICE)
    };
    let statuses = |id: &str, v: &Value| -> Result<Answers, Error> {
        match v {
            Value::String(raw) => Ok(Answers::of([Status::from_raw(raw)])),
            Value::Array(items) => items
                .iter()
                .map(|item| item.as_str().map(Status::from_raw).ok_or_else(|| bad(id, v)))
                .collect::<Result<Vec<_>, _>>()
                .map(Answers::of),
            other => Err(bad(id, other)),
        }
    };
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Object(members) => members.iter().map(|(id, v)| Ok((id.clone(), statuses(id, v)?))).collect(),
        other => Err(Error::shape("answered-not-an-object", "answered", "an object", other, ANSWERED_ADVICE)),
    }
}

/// What is known of one template when planning.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Known {
    /// The choice the user kept, from the setting.
    pub kept: Option<KeptChoice>,
    /// What this round answered.
    pub answers: Answers,
    /// What an earlier visit learned (see [`crate::memory`]).
    pub remembered: Option<Remembered>,
}

/// What the planner decides, by template position: the [`Plan`] before ids
/// and titles are filled in. The wasm boundary sends this (the JS side knows
/// the ids and titles of a registered list), so an answer stays small.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// What the page should tell the user: each piece's index in [`ADVICE`], and its templates.
    pub advice: Vec<(usize, Vec<usize>)>,
}

/// Makes the plan.
///
/// `answered` holds what earlier requests of this round answered, so the plan
/// after a partial success asks only for what is left (filtered, unknown and
/// missing answers are asked once more, then left unsettled). `remembered` is
/// what earlier visits learned (a ban holds for a while; a limit this client
/// showed with a 20003). Fails only when the client has no
/// `wx.requestSubscribeMessage` (base library below 2.4.4).
pub fn plan(
    templates: &[Template],
    setting: &SubscriptionsSetting,
    options: &PlanOptions,
    answered: &[(String, Answers)],
    remembered: &Record,
) -> Result<Plan, Error> {
    let kept = Index::new(setting.item_settings.iter().map(|(id, _)| id.as_str()));
    let answers = Index::new(answered.iter().map(|(id, _)| id.as_str()));
    let states = Index::new(remembered.states.iter().map(|(id, _)| id.as_str()));
    let known: Vec<Known> = templates
        .iter()
        .map(|t| Known {
            kept: kept.first(&t.id).map(|i| setting.item_settings[i].1.clone()),
            answers: answers.first(&t.id).map(|i| answered[i].1).unwrap_or_default(),
            remembered: states.first(&t.id).map(|i| remembered.states[i].1),
        })
        .collect();
    let learned = remembered.ids_per_request.map(|l| l.ids as usize);
    Ok(layout(templates, &title_numbers(templates), setting.main_switch, known, learned, options)?.resolve(templates))
}

/// Each template's title as a number: templates with the same title have the
/// same number (a position in the list), untitled ones have none.
pub fn title_numbers(templates: &[Template]) -> Vec<Option<usize>> {
    let titles = Index::new(templates.iter().map(|t| t.title.as_deref().unwrap_or("")));
    templates.iter().map(|t| t.title.as_deref().and_then(|title| titles.first(title))).collect()
}

/// Makes the plan by position: `titles` (from [`title_numbers`]) and `known`
/// are aligned with `templates`; `learned` is the most ids per request this
/// client took (after a 20003), if known.
pub fn layout(
    templates: &[Template],
    titles: &[Option<usize>],
    main_switch: Option<bool>,
    known: Vec<Known>,
    learned: Option<usize>,
    options: &PlanOptions,
) -> Result<Layout, Error> {
    if let Some(v) = options.base_library.filter(|v| *v < FIRST_SUBSCRIBE_BASE_LIBRARY) {
        let message = ["base library ", &v.dotted(), " has no wx.requestSubscribeMessage (it needs 2.4.4)"].concat();
        return Err(Error::new("subscribe-unsupported", ErrorKind::Unsupported, false, message, "ask the user to update WeChat"));
    }
    let now = options.now.unwrap_or(f64::NAN);
    let states: Vec<TemplateState> = (0..templates.len())
        .map(|i| known.get(i).map_or(TemplateState::Ask, |k| state_of(main_switch, &templates[i], k, now)))
        .collect();
    let limit = learned.map_or(options.effective_ids_per_request(), |l| l.clamp(1, options.effective_ids_per_request()));
    let batches = make_batches(templates, titles, &states, limit);
    let counts = count(&states);
    let advice = advise(&states, &batches);
    let kept = known.into_iter().map(|k| k.kept).chain(std::iter::repeat(None)).take(templates.len()).collect();
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
            advice: self.advice.iter().map(|(k, members)| Advice { code: ADVICE[*k].0, ids: ids(members), message: ADVICE[*k].1 }).collect(),
        }
    }
}

/// A template's state: the main switch first, then what the user keeps, then
/// this round's answers, then a ban an earlier visit learned. A template that
/// wants more sends than it has and was accepted is asked again (silently
/// when the accept is kept) until it has them.
fn state_of(main_switch: Option<bool>, template: &Template, known: &Known, now: f64) -> TemplateState {
    if main_switch == Some(false) {
        return TemplateState::SwitchedOff;
    }
    let remembered_ban = known.remembered.is_some_and(|r| if now.is_nan() { r.state == TemplateState::Banned } else { r.holds(now) });
    let enough = template.have.saturating_add(known.answers.accepts) >= template.want;
    match (&known.kept, known.answers.last) {
        (Some(KeptChoice::Ban), _) | (_, Some(Status::Ban)) => TemplateState::Banned,
        (Some(KeptChoice::Reject), _) => TemplateState::KeptRejected,
        // Accepted as often as wanted this round, or in hand already (the server's count).
        _ if enough && (known.answers.accepts > 0 || template.have > 0) => TemplateState::Accepted,
        (_, Some(Status::Reject)) => TemplateState::Rejected,
        _ if known.answers.unsettled >= UNSETTLED_ANSWERS => TemplateState::Unsettled,
        (Some(KeptChoice::Accept), _) => TemplateState::TopUp,
        (None | Some(KeptChoice::Other(_)), _) if remembered_ban => TemplateState::Banned,
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

/// The batches: the fewest the rules allow, with the app's order as the tie-break.
///
/// Per kind, the fewest is `max(ceil(n / limit), m)` for `n` templates to ask
/// and `m` the most of them that share a title (each must go in its own batch).
/// First fit in the app's order is used for a kind wherever it reaches that;
/// where shared titles make it use more, [`round_robin`] reaches it. Popup
/// batches come first, then silent ones, each in the order of their first template.
fn make_batches(templates: &[Template], titles: &[Option<usize>], states: &[TemplateState], limit: usize) -> Vec<Batch<usize>> {
    let title_of = |index: usize| titles.get(index).copied().flatten();
    let mut batches = first_fit(templates, &title_of, states, limit);
    let mut requested: [Vec<usize>; 3] = Default::default();
    for (i, t) in templates.iter().enumerate() {
        if states[i].is_requested() {
            requested[t.kind as usize].push(i);
        }
    }
    for kind in [TemplateKind::OneTime, TemplateKind::LongTerm, TemplateKind::Device] {
        let members = &requested[kind as usize];
        let used = batches.iter().filter(|b| b.kind == kind).count();
        if used > fewest_batches(members, &title_of, limit, templates.len()) {
            batches.retain(|b| b.kind != kind);
            batches.extend(round_robin(kind, members, &title_of, states, limit, templates.len()));
        }
    }
    // Popup batches by their first template to ask, then silent ones by their
    // first template. A template is in one batch at most, so no two batches
    // have the same key: a table by key puts them in order in linear time.
    let n = templates.len();
    let mut by_key = vec![usize::MAX; 2 * n];
    for (at, b) in batches.iter().enumerate() {
        let first = b.ids.iter().copied().find(|&i| states[i] == TemplateState::Ask).or(b.ids.first().copied());
        if let Some(key) = first.map(|first| usize::from(!b.popup) * n + first) {
            by_key[key] = at;
        }
    }
    let mut slots: Vec<Option<Batch<usize>>> = batches.into_iter().map(Some).collect();
    by_key.into_iter().filter_map(|at| slots.get_mut(at)?.take()).collect()
}

/// How many templates share each title (by title number), among `members`.
fn title_counts(members: &[usize], title_of: &impl Fn(usize) -> Option<usize>, len: usize) -> Vec<usize> {
    let mut counts = vec![0; len];
    for &i in members {
        if let Some(t) = title_of(i) {
            counts[t] += 1;
        }
    }
    counts
}

/// The fewest batches `members` (all of one kind) fit in.
fn fewest_batches(members: &[usize], title_of: &impl Fn(usize) -> Option<usize>, limit: usize, len: usize) -> usize {
    let shared = title_counts(members, title_of, len).into_iter().max().unwrap_or(0);
    members.len().div_ceil(limit).max(shared).max(usize::from(!members.is_empty()))
}

/// `members` (all of one kind) in exactly [`fewest_batches`] batches: sorted
/// by how many share their title (most first, a title's templates together),
/// then dealt out to the batches in turn. No batch gets two of one title (no
/// title has more templates than there are batches) or more than `limit`
/// (there are at least `n / limit` batches).
fn round_robin(
    kind: TemplateKind,
    members: &[usize],
    title_of: &impl Fn(usize) -> Option<usize>,
    states: &[TemplateState],
    limit: usize,
    len: usize,
) -> Vec<Batch<usize>> {
    let count = fewest_batches(members, title_of, limit, len);
    let shared = title_counts(members, title_of, len);
    let mut dealt: Vec<(usize, usize, usize)> = members
        .iter()
        .map(|&i| match title_of(i) {
            Some(t) => (usize::MAX - shared[t], t, i),
            None => (usize::MAX - 1, i, i),
        })
        .collect();
    heapsort(&mut dealt);
    let mut batches: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (turn, (_, _, i)) in dealt.into_iter().enumerate() {
        batches[turn % count].push(i);
    }
    batches
        .into_iter()
        .map(|mut ids| {
            heapsort(&mut ids);
            let popup = ids.iter().any(|&i| states[i] == TemplateState::Ask);
            Batch { kind, ids, popup }
        })
        .collect()
}

/// First fit, in the app's order: popup templates first; silent ones then fill the
/// free places of popup batches of their kind; the rest form silent batches.
fn first_fit(templates: &[Template], title_of: &impl Fn(usize) -> Option<usize>, states: &[TemplateState], limit: usize) -> Vec<Batch<usize>> {
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
            TemplateState::Unsettled => &mut c.unsettled,
        } += 1;
    }
    c
}

/// Every piece of advice a plan can give, in the order it gives them: the
/// code, and the sentence for the user (a [`Layout`] names them by index).
pub const ADVICE: [(&str, &str); 5] = [
    ("open-settings", "订阅消息已关闭：请在设置页打开「接收订阅消息」后再订阅"),
    ("open-settings", "你曾选择不再接收这些通知：可在设置页的「订阅消息」里重新打开"),
    ("banned", "这些通知暂时无法订阅"),
    ("unsettled", "这些通知这次没有订阅成功，下次进入时可以再试"),
    ("renew-silently", "已保持订阅的通知将自动续订，不会弹窗"),
];

fn advise(states: &[TemplateState], batches: &[Batch<usize>]) -> Vec<(usize, Vec<usize>)> {
    // One pass over the states: the module runs interpreted on phones.
    let mut about: [Vec<usize>; 5] = Default::default();
    for (i, state) in states.iter().enumerate() {
        let k = match state {
            TemplateState::SwitchedOff => 0,
            TemplateState::KeptRejected => 1,
            TemplateState::Banned => 2,
            TemplateState::Unsettled => 3,
            _ => continue,
        };
        about[k].push(i);
    }
    about[4] = batches.iter().filter(|b| !b.popup).flat_map(|b| b.ids.iter().copied()).collect();
    about.into_iter().enumerate().filter(|(_, ids)| !ids.is_empty()).collect()
}

//! A template's state in a plan, and the numbers that stand for states and
//! other names where they cross the boundary: the words the planner, the
//! record and the wire share.

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
    /// Answered twice this round with something that settles nothing (`filter`,
    /// a value this library does not know, or no value): not asked again until
    /// the next round.
    Unsettled,
}

named!(TemplateState, ["ask", "top-up", "kept-rejected", "banned", "switched-off", "accepted", "rejected", "unsettled"]);

impl TemplateState {
    /// Every state, in declaration order.
    pub const ALL: [TemplateState; 8] = [
        TemplateState::Ask, TemplateState::TopUp, TemplateState::KeptRejected, TemplateState::Banned,
        TemplateState::SwitchedOff, TemplateState::Accepted, TemplateState::Rejected, TemplateState::Unsettled,
    ];

    /// The state named `name` (as [`TemplateState::name`] gives it), if any.
    pub fn from_name(name: &str) -> Option<TemplateState> {
        let at = TemplateState::NAMES.iter().position(|n| *n == name)?;
        TemplateState::ALL.get(at).copied()
    }

    /// The state a number stands for: 1 + its index in [`TemplateState::ALL`] .
    pub fn from_code(code: f64) -> Option<TemplateState> {
        TemplateState::ALL.get(code_index(code)?).copied()
    }

    /// Whether a template in this state goes into a batch.
    pub fn is_requested(self) -> bool {
        matches!(self, TemplateState::Ask | TemplateState::TopUp)
    }
}

/// The index a number stands for, 1-based with 0 for none: `Some(n - 1)` for a whole `n >= 1`.
pub(crate) fn code_index(code: f64) -> Option<usize> {
    ((1.0..=255.0).contains(&code) && code.fract() == 0.0).then(|| code as usize - 1)
}

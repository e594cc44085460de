//! What `GET /metrics` answers, in Prometheus text: requests by route and
//! status, WeChat calls by API and errcode, sends by outcome, token renewals,
//! push events by kind, and reminder calls by how they ended. One registry per server, so several servers in one
//! process (the tests) keep their own counts.

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    api: &'static str,
    errcode: i64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

/// The server's counters.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    wechat_calls: Family<CallLabels, Counter>,
    sends: Family<OutcomeLabels, Counter>,
    token_renewals: Counter,
    push_events: Family<KindLabels, Counter>,
    reminders: Family<OutcomeLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let (requests, wechat_calls, sends) = (Family::default(), Family::default(), Family::default());
        let (token_renewals, push_events, reminders) = (Counter::default(), Family::default(), Family::default());
        let mut registry = Registry::with_prefix("wxs");
        registry.register("http_requests", "Requests answered, by route and status", requests.clone());
        registry.register("wechat_calls", "Calls to WeChat's API, by API and errcode (-2: no answer)", wechat_calls.clone());
        registry.register("sends", "Sends, by outcome (sent, failed, unknown, no-accept)", sends.clone());
        registry.register("token_renewals", "Access tokens fetched from stable_token by this instance", token_renewals.clone());
        registry.register("push_events", "Message push events taken, by kind", push_events.clone());
        registry.register("reminders", "Reminder calls, by how they ended (sent, failed, unknown, later)", reminders.clone());
        Metrics { registry, requests, wechat_calls, sends, token_renewals, push_events, reminders }
    }
}

impl Metrics {
    /// A request answered on `route` (the matched path, never the raw URL).
    pub fn request(&self, route: &str, status: u16) {
        self.requests.get_or_create(&RequestLabels { route: route.to_owned(), status }).inc();
    }

    /// A call to WeChat's `api` that answered `errcode` (-2: no answer).
    pub fn wechat_call(&self, api: &'static str, errcode: i64) {
        self.wechat_calls.get_or_create(&CallLabels { api, errcode }).inc();
    }

    /// A send that ended as `outcome`.
    pub fn send(&self, outcome: &'static str) {
        self.sends.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// A token fetched.
    pub fn token_renewal(&self) {
        self.token_renewals.inc();
    }

    /// A push event of `kind` taken.
    pub fn push_event(&self, kind: &str) {
        self.push_events.get_or_create(&KindLabels { kind: kind.to_owned() }).inc();
    }

    /// A reminder call that ended as `outcome`.
    pub fn reminder(&self, outcome: &'static str) {
        self.reminders.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// The Prometheus text.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}

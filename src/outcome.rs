//! What WeChat answered to one request, in the user's words: which templates
//! were accepted (each one is one more send in the quota), rejected, banned or
//! filtered, and what a failed request means.

use crate::error::{from_wechat, wechat_answer, Error, ErrorKind, Known};
use crate::index::Index;
use crate::template::TemplateKind;
use crate::value::Value;
use serde::Serialize;

/// The answer for one template of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Accepted: one more send in the quota. Covers every value starting with
    /// `accept` (`acceptWithAudio`, `acceptWithAlert`, `acceptWithForcePush`, ...).
    Accept,
    /// The user said no.
    Reject,
    /// Banned by WeChat.
    Ban,
    /// Dropped because another template in the request has the same title.
    Filter,
    /// A value this library does not know: never counted as accepted.
    Unknown,
    /// The template was in the request but not in the answer.
    Missing,
}

named!(Status, ["accept", "reject", "ban", "filter", "unknown", "missing"]);

impl Status {
    /// Every status, in declaration order (a status's number is its index here).
    pub const ALL: [Status; 6] = [Status::Accept, Status::Reject, Status::Ban, Status::Filter, Status::Unknown, Status::Missing];

    /// Reads a status value as WeChat gives it (`"accept"`, `"acceptWithAlert"`, `"reject"`, ...).
    pub fn from_raw(raw: &str) -> Status {
        match raw {
            s if s.starts_with("accept") => Status::Accept,
            "reject" => Status::Reject,
            "ban" => Status::Ban,
            "filter" => Status::Filter,
            "missing" => Status::Missing,
            _ => Status::Unknown,
        }
    }
}

/// One template's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateResult {
    /// The template id.
    pub id: String,
    /// The answer.
    pub status: Status,
    /// The value exactly as WeChat gave it (keeps the accept variant, e.g.
    /// `"acceptWithAlert"`); absent when the id was missing from the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

/// Counts of one request's answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    /// Accepted (each adds one send to that template's quota).
    pub accepted: u32,
    /// Rejected.
    pub rejected: u32,
    /// Banned.
    pub banned: u32,
    /// Filtered for a duplicate title.
    pub filtered: u32,
    /// Values this library does not know.
    pub unknown: u32,
    /// In the request but not in the answer.
    pub missing: u32,
}

impl OutcomeCounts {
    /// The counts' names, in the order [`OutcomeCounts::in_order`] gives them
    /// (the order of the fields, as serde writes them).
    pub const NAMES: [&'static str; 6] = ["accepted", "rejected", "banned", "filtered", "unknown", "missing"];

    /// The counts in the order of [`OutcomeCounts::NAMES`].
    pub fn in_order(&self) -> [u32; 6] {
        [self.accepted, self.rejected, self.banned, self.filtered, self.unknown, self.missing]
    }
}

/// The interpreted answer to one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// One result per id of the request, in the request's order.
    pub results: Vec<TemplateResult>,
    /// The ids accepted.
    pub accepted: Vec<String>,
    /// The accepted ids that each add one send to the quota: those of one-time
    /// templates (a long-term accept allows sends without counting). A batch
    /// given as a bare array of ids is taken as one-time.
    pub sends: Vec<String>,
    /// How many of each answer.
    pub counts: OutcomeCounts,
}

/// One request's answers by position, as the wasm module writes them: an
/// [`Outcome`] whose ids are positions in the request (the caller holds the
/// ids; [`Answers::named`] gives the outcome). Written as `{ results:
/// [{ id: position, status, raw? }], accepted: [position], sends: [position],
/// counts, ids? }`, without serde's plumbing: this answer is on the tap path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    /// Each position's answer and the value as WeChat gave it (see [`TemplateResult`]).
    pub results: Vec<(Status, Option<String>)>,
    /// The positions accepted.
    pub accepted: Vec<usize>,
    /// Whether the accepts add sends to the quota (see [`batch_counts_sends`]).
    pub sends: bool,
    /// How many of each answer.
    pub counts: OutcomeCounts,
    /// The request's ids, when they were read here (a request given by id).
    pub ids: Option<Vec<String>>,
}

impl Answers {
    /// These answers for the request `batch`: accepts add sends to the quota
    /// only where the batch's kind has them (see [`batch_counts_sends`]).
    pub fn for_batch(self, batch: &Value) -> Answers {
        Answers { sends: batch_counts_sends(batch), ..self }
    }

    /// The outcome these answers give the request's ids (`ids` if given here,
    /// else `["0", "1", ...]`).
    pub fn named(self) -> Outcome {
        let ids = self.ids.unwrap_or_else(|| (0..self.results.len()).map(|i| crate::text::decimal(i as i64)).collect());
        let results = ids.iter().zip(self.results).map(|(id, (status, raw))| TemplateResult { id: id.clone(), status, raw }).collect();
        let accepted: Vec<String> = self.accepted.iter().map(|&i| ids[i].clone()).collect();
        let sends = if self.sends { accepted.clone() } else { Vec::new() };
        Outcome { results, accepted, sends, counts: self.counts }
    }
}

/// Whether accepts of this batch (`{ kind }` of a plan batch) add sends to the
/// quota: they do unless its kind is long-term or device.
pub fn batch_counts_sends(batch: &Value) -> bool {
    batch.get("kind").and_then(Value::as_str).is_none_or(|kind| kind == TemplateKind::OneTime.name())
}

/// Reads the ids of the request: a batch from the plan (`{ ids: [...] }`) or an array of ids.
pub fn parse_batch_ids(value: &Value) -> Result<Vec<String>, Error> {
    Ok(batch_ids(value)?.iter().filter_map(Value::as_str).map(str::to_owned).collect())
}

/// The ids of the request as [`parse_batch_ids`] reads them, checked to be
/// strings but left as they are.
pub fn batch_ids(value: &Value) -> Result<&[Value], Error> {
    let ids = match value {
        Value::Object(_) => value.get("ids").unwrap_or(&Value::Null),
        other => other,
    };
    match ids {
        Value::Array(items) if items.iter().all(|item| item.as_str().is_some()) => Ok(items),
        _ => {
            let expected = "a plan batch { ids } or an array of template ids";
            Err(Error::shape("batch-bad-ids", "the batch", expected, ids, "pass the batch you gave to wx.requestSubscribeMessage"))
        }
    }
}

/// Interprets what a `success` or `fail` callback of `wx.requestSubscribeMessage`
/// (or `wx.requestSubscribeDeviceMessage`) received for the request `batch`.
///
/// A success result gives every id of the batch a [`Status`]; ids not in the batch
/// are ignored. A fail result (an `errCode`, or an `errMsg` without `:ok`) is
/// returned as the [`Error`] that [`interpret_fail`] gives.
pub fn interpret_result(batch: &[String], result: &Value) -> Result<Outcome, Error> {
    Ok(interpret_ids(batch.to_vec(), result)?.named())
}

/// [`interpret_result`] as [`Answers`], which keep the ids.
pub fn interpret_ids(batch: Vec<String>, result: &Value) -> Result<Answers, Error> {
    let members = success_members(result)?;
    let index = Index::new(members.iter().map(|(id, _)| id.as_str()));
    let answers = by_position(batch.len(), &|i| index.first(&batch[i]).map(|at| &members[at].1));
    Ok(Answers { ids: Some(batch), ..answers })
}

/// [`interpret_result`] for a request named by position, as the JS side
/// passes it: `answers[i]` is what the result held for the request's `i`-th
/// id (`null` for nothing), and `result` holds the rest (`errMsg`,
/// `errCode`). No id is looked up or written, so a request of any size takes
/// time in proportion. `sends` is left true (see [`Answers::for_batch`]).
pub fn interpret_answers(result: &Value, answers: &Value) -> Result<Answers, Error> {
    success_members(result)?;
    let Value::Array(answers) = answers else {
        return Err(Error::shape("batch-bad-ids", "the answers by position", "an array", answers, "pass the answers in the request's order"));
    };
    Ok(by_position(answers.len(), &|i| answers.get(i)))
}

/// The members of a success result, or the error a fail result stands for.
fn success_members(result: &Value) -> Result<&[(String, Value)], Error> {
    let Value::Object(members) = result else {
        let advice = "pass the object your success or fail callback received";
        return Err(Error::shape("result-not-an-object", "the request's result", "an object", result, advice));
    };
    let err_msg = result.get("errMsg").and_then(Value::as_str).unwrap_or("");
    let failed_code = result.get("errCode").is_some_and(|code| !matches!(code, Value::Number(n) if *n == 0.0));
    if failed_code || (!err_msg.is_empty() && !err_msg.ends_with(":ok")) {
        return Err(interpret_fail(result));
    }
    Ok(members)
}

/// The answers to a request of `len` templates, where `answer(i)` is what
/// the result holds for the `i`-th.
fn by_position<'a>(len: usize, answer: &dyn Fn(usize) -> Option<&'a Value>) -> Answers {
    let mut counts = OutcomeCounts::default();
    let mut accepted = Vec::new();
    let results = (0..len)
        .map(|i| {
            let raw = answer(i).filter(|v| !matches!(v, Value::Null)).map(|v| v.as_str().unwrap_or(v.describe()).to_owned());
            let status = raw.as_deref().map_or(Status::Missing, Status::from_raw);
            *match status {
                Status::Accept => &mut counts.accepted,
                Status::Reject => &mut counts.rejected,
                Status::Ban => &mut counts.banned,
                Status::Filter => &mut counts.filtered,
                Status::Unknown => &mut counts.unknown,
                Status::Missing => &mut counts.missing,
            } += 1;
            if status == Status::Accept {
                accepted.push(i);
            }
            (status, raw)
        })
        .collect();
    Answers { results, accepted, sends: true, counts, ids: None }
}

use ErrorKind as K;

/// docs/wechat.md section 2 and 4: every failure WeChat is known to answer.
const FAILURES: &[Known] = &[
    Known(None, "tap gesture", "no-tap-gesture", K::Gesture, true,
        "the request did not come straight from a user tap (or the tap was already used)",
        "call it synchronously in the bindtap handler, with no await, Promise or setTimeout before it; one tap asks for one batch"),
    Known(None, "last call has not ended", "request-still-open", K::Busy, true,
        "a previous subscribe request has not ended",
        "wait for the open request to finish, then ask on the next tap"),
    Known(None, ":fail cancel", "cancelled", K::Cancelled, true,
        "the user closed the popup without answering",
        "leave the templates as they are; the user can subscribe on a later tap"),
    Known(Some(10001), "", "empty-template-ids", K::Input, false,
        "the request had no template ids",
        "ask only for a plan batch; a plan never has an empty batch"),
    Known(Some(10002), "", "network-list-failed", K::Network, true,
        "the network failed while WeChat fetched the template list",
        "ask again on the next tap"),
    Known(Some(10003), "", "network-subscribe-failed", K::Network, true,
        "the network failed while WeChat saved the subscription",
        "ask again on the next tap"),
    Known(Some(10004), "", "invalid-template-id", K::Template, false,
        "a template id is not a valid id",
        "template ids must be strings as in getTemplateList's priTmplId"),
    Known(Some(10005), "", "popup-not-shown", K::Background, true,
        "the popup could not show, usually because the app went to the background",
        "ask again when the page is shown again (onShow)"),
    Known(Some(20001), "", "unknown-template", K::Template, false,
        "WeChat has no such template, or its kind does not match",
        "check the id in the admin console and pass the template's kind (getTemplateList's type)"),
    Known(Some(20002), "", "mixed-template-kinds", K::Batch, true,
        "one-time and long-term templates were mixed in one request",
        "pass each template's kind so the planner keeps kinds in separate batches"),
    Known(Some(20003), "", "too-many-ids", K::Batch, true,
        "the request carried more ids than this client allows",
        "plan again with a lower idsPerRequest (split the batch) and ask on the next tap"),
    Known(Some(20004), "", "main-switch-off", K::Settings, false,
        "the user turned all subscription messages off",
        "offer the settings page (wx.openSetting, from a tap), then read the setting again"),
    Known(Some(20005), "", "app-banned", K::Banned, false,
        "this mini-program is banned from subscription messages",
        "nothing to ask; check the notices in the admin console"),
    Known(Some(20013), "", "device-template-on-wrong-api", K::Template, false,
        "a device template was asked through wx.requestSubscribeMessage",
        "give device templates kind 'device' so they are asked with wx.requestSubscribeDeviceMessage"),
    Known(Some(19720726), "", "device-ticket-invalid", K::Device, false,
        "the device snTicket is not valid",
        "get a fresh snTicket from your server for this sn and modelId"),
    Known(Some(19720727), "", "device-ticket-expired", K::Device, true,
        "the device snTicket has expired",
        "get a fresh snTicket from your server and ask again on the next tap"),
    Known(Some(19720728), "", "device-template-unknown", K::Template, false,
        "WeChat has no such device template",
        "check the device template id in the admin console"),
    Known(Some(19720736), "", "device-model-mismatch", K::Template, false,
        "the device template does not belong to this modelId",
        "ask with the modelId the template was registered for"),
];

/// Interprets a `fail` callback's result (`{ errMsg, errCode? }`): each known
/// failure maps to a code, a kind, whether asking again can help, and advice.
/// Unknown codes give kind `unknown` with the raw code and message kept.
pub fn interpret_fail(result: &Value) -> Error {
    let (err_code, err_msg) = wechat_answer(result);
    from_wechat(FAILURES, err_code, err_msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }
    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }
    fn fail(text: &str) -> Error {
        interpret_fail(&json(text))
    }

    /// What [`Answers`] write, read back as JS reads them (js/lib/templates.js):
    /// the outcome's JSON shape, by position.
    fn written(answers: Answers) -> serde_json::Value {
        let numbers = crate::numbers::answers(&answers);
        let mut read = numbers.iter().copied();
        let mut next = || read.next().expect("a number");
        let text = |next: &mut dyn FnMut() -> f64, length: f64| String::from_utf16(&(0..length as usize).map(|_| next() as u16).collect::<Vec<_>>()).unwrap();
        assert_eq!(next(), 0.0, "a numbers answer");
        let sends = next() == 1.0;
        let names = ["accepted", "rejected", "banned", "filtered", "unknown", "missing"];
        let counts: serde_json::Map<_, _> = names.iter().map(|name| (name.to_string(), (next() as u64).into())).collect();
        let mut results = Vec::new();
        for position in 0..next() as usize {
            let mut result = serde_json::json!({ "id": position, "status": Status::NAMES[next() as usize] });
            let length = next();
            if length >= 0.0 {
                result["raw"] = text(&mut next, length).into();
            }
            results.push(result);
        }
        let accepted: Vec<u64> = (0..next() as usize).map(|_| next() as u64).collect();
        let sent = if sends { accepted.clone() } else { Vec::new() };
        let written = serde_json::json!({ "results": results, "accepted": accepted, "sends": sent, "counts": counts });
        assert_eq!(read.next(), None, "nothing more");
        written
    }

    #[test]
    fn answers_are_written_as_serde_writes_the_outcome_but_by_position() {
        let r = json(r#"{"errMsg":"requestSubscribeMessage:ok","a":"acceptWithAlert","b":"reject","c":"ban","d":"filter","e":"新值","g":"accept"}"#);
        let batch = ids(&["a", "b", "c", "d", "e", "f\"引号", "g"]);
        let mut expected = serde_json::to_value(interpret_result(&batch, &r).unwrap()).unwrap();
        for (at, r) in expected["results"].as_array_mut().unwrap().iter_mut().enumerate() {
            r["id"] = at.into();
        }
        (expected["accepted"], expected["sends"]) = (serde_json::json!([0, 6]), serde_json::json!([0, 6]));
        assert_eq!(written(interpret_ids(batch, &r).unwrap()), expected);
    }

    /// Each count's name is its field's, in the order serde writes them
    /// (js/lib/names.js, generated from these names, reads them in this order).
    #[test]
    fn the_counts_are_named_in_the_order_of_their_fields() {
        let counts = OutcomeCounts { accepted: 1, rejected: 2, banned: 3, filtered: 4, unknown: 5, missing: 6 };
        let written = serde_json::to_string(&counts).unwrap();
        let named: Vec<String> = OutcomeCounts::NAMES.iter().zip(counts.in_order()).map(|(name, n)| format!("\"{name}\":{n}")).collect();
        assert_eq!(written, format!("{{{}}}", named.join(",")));
    }

    /// A large request's answer is written into room counted for it: never
    /// grown (a copy), and no larger than it needs but a number a result.
    #[test]
    fn the_answer_is_written_into_the_room_it_needs() {
        let answers: Vec<&str> = (0..1000).map(|i| ["accept", "reject", "acceptWithForcePush", "ban"][i % 4]).collect();
        let fields = json(r#"{"errMsg":"requestSubscribeMessage:ok"}"#);
        let batch: Vec<String> = (0..1000).map(|i| format!("tmpl-{i}")).collect();
        let result = serde_json::json!(batch.iter().zip(&answers).map(|(id, a)| (id.clone(), serde_json::json!(a))).collect::<serde_json::Map<_, _>>());
        let by_position = crate::numbers::answers(&interpret_answers(&fields, &json(&serde_json::to_string(&answers).unwrap())).unwrap());
        let by_id = crate::numbers::answers(&interpret_ids(batch, &json(&result.to_string())).unwrap());
        for numbers in [by_position, by_id] {
            assert!(numbers.capacity() <= numbers.len() + 1000 + 16, "{} numbers in room for {}", numbers.len(), numbers.capacity());
        }
    }

    #[test]
    fn answers_by_position_interpret_as_the_result_by_id() {
        let r = json(r#"{"errMsg":"requestSubscribeMessage:ok","a":"acceptWithAlert","b":"reject","d":7,"e":null}"#);
        let batch = ids(&["a", "b", "c", "d", "e"]);
        let fields = json(r#"{"errMsg":"requestSubscribeMessage:ok"}"#);
        let by_position = interpret_answers(&fields, &json(r#"["acceptWithAlert","reject",null,7,null]"#)).unwrap();
        assert_eq!(Answers { ids: Some(batch.clone()), ..by_position.clone() }, interpret_ids(batch, &r).unwrap());
        assert_eq!(by_position.clone().named().accepted, ["0"]);
        assert!(written(by_position).get("ids").is_none(), "no id crosses back");
        let failed = json(r#"{"errMsg":"requestSubscribeMessage:fail","errCode":20004}"#);
        assert_eq!(interpret_answers(&failed, &json("[]")).unwrap_err().code, "main-switch-off");
        assert_eq!(interpret_answers(&fields, &json("{}")).unwrap_err().code, "batch-bad-ids");
    }

    #[test]
    fn seed_001_result_values_accept_reject_ban_filter() {
        let r = json(r#"{"errMsg":"requestSubscribeMessage:ok","a":"accept","b":"reject","c":"ban","d":"filter"}"#);
        let o = interpret_result(&ids(&["a", "b", "c", "d"]), &r).unwrap();
        let statuses: Vec<Status> = o.results.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [Status::Accept, Status::Reject, Status::Ban, Status::Filter]);
        assert_eq!(o.accepted, ids(&["a"]));
        assert_eq!(o.counts, OutcomeCounts { accepted: 1, rejected: 1, banned: 1, filtered: 1, unknown: 0, missing: 0 });
    }

    #[test]
    fn every_accept_variant_counts_as_accepted_and_keeps_its_raw_value() {
        let r = json(r#"{"errMsg":"requestSubscribeMessage:ok","a":"acceptWithAudio","b":"acceptWithAlert","c":"acceptWithForcePush"}"#);
        let o = interpret_result(&ids(&["a", "b", "c"]), &r).unwrap();
        assert_eq!(o.counts.accepted, 3);
        assert_eq!(o.results[1].raw.as_deref(), Some("acceptWithAlert"));
    }

    #[test]
    fn unknown_values_are_never_accepted() {
        let o = interpret_result(&ids(&["a", "b"]), &json(r#"{"a":"maybe","b":7}"#)).unwrap();
        assert_eq!(o.counts.unknown, 2);
        assert!(o.accepted.is_empty());
        assert_eq!(o.results[1].raw.as_deref(), Some("a number"));
    }

    #[test]
    fn ids_missing_from_the_result_are_missing_and_others_are_ignored() {
        let o = interpret_result(&ids(&["a", "b"]), &json(r#"{"errMsg":"requestSubscribeMessage:ok","a":"accept","zzz":"accept"}"#)).unwrap();
        assert_eq!(o.results.len(), 2);
        assert_eq!(o.results[1].status, Status::Missing);
        assert_eq!(o.results[1].raw, None);
        assert_eq!(o.accepted, ids(&["a"]));
    }

    #[test]
    fn a_fail_result_given_to_interpret_result_is_the_fail_error() {
        let e = interpret_result(&ids(&["a"]), &json(r#"{"errMsg":"requestSubscribeMessage:fail ...","errCode":20004}"#)).unwrap_err();
        assert_eq!(e.code, "main-switch-off");
        let e = interpret_result(&ids(&["a"]), &json(r#"{"errMsg":"requestSubscribeMessage:fail cancel"}"#)).unwrap_err();
        assert_eq!(e.code, "cancelled");
        assert_eq!(interpret_result(&ids(&["a"]), &json("[]")).unwrap_err().code, "result-not-an-object");
    }

    #[test]
    fn a_success_result_that_carries_err_code_0_is_a_success() {
        let o = interpret_result(&ids(&["a"]), &json(r#"{"errMsg":"requestSubscribeMessage:ok","errCode":0,"a":"accept"}"#)).unwrap();
        assert_eq!(o.accepted, ids(&["a"]));
        let e = interpret_result(&ids(&["a"]), &json(r#"{"errMsg":"requestSubscribeMessage:ok","errCode":20004}"#)).unwrap_err();
        assert_eq!(e.code, "main-switch-off", "any other code is a failure");
    }

    #[test]
    fn every_error_code_of_the_table_maps_to_its_kind() {
        let table: &[(i32, &str, ErrorKind, bool)] = &[
            (10001, "empty-template-ids", K::Input, false),
            (10002, "network-list-failed", K::Network, true),
            (10003, "network-subscribe-failed", K::Network, true),
            (10004, "invalid-template-id", K::Template, false),
            (10005, "popup-not-shown", K::Background, true),
            (20001, "unknown-template", K::Template, false),
            (20002, "mixed-template-kinds", K::Batch, true),
            (20003, "too-many-ids", K::Batch, true),
            (20004, "main-switch-off", K::Settings, false),
            (20005, "app-banned", K::Banned, false),
            (20013, "device-template-on-wrong-api", K::Template, false),
            (19720726, "device-ticket-invalid", K::Device, false),
            (19720727, "device-ticket-expired", K::Device, true),
            (19720728, "device-template-unknown", K::Template, false),
            (19720736, "device-model-mismatch", K::Template, false),
        ];
        for &(code, name, kind, retryable) in table {
            let e = fail(&format!(r#"{{"errMsg":"requestSubscribeMessage:fail x","errCode":{code}}}"#));
            assert_eq!((e.code, e.kind, e.retryable, e.err_code), (name, kind, retryable, Some(code)), "{code}");
            assert!(!e.advice.is_empty());
        }
    }

    #[test]
    fn code_less_messages_no_tap_gesture_busy_and_cancel() {
        let e = fail(r#"{"errMsg":"requestSubscribeMessage:fail can only be invoked by user TAP gesture."}"#);
        assert_eq!((e.code, e.kind), ("no-tap-gesture", K::Gesture));
        assert!(e.advice.contains("bindtap"));
        assert_eq!(fail(r#"{"errMsg":"requestSubscribeMessage:fail last call has not ended"}"#).kind, K::Busy);
        assert_eq!(fail(r#"{"errMsg":"requestSubscribeMessage:fail cancel"}"#).kind, K::Cancelled);
    }

    #[test]
    fn unknown_codes_keep_the_raw_code_and_message() {
        let e = fail(r#"{"errMsg":"requestSubscribeMessage:fail new thing","errCode":99999}"#);
        assert_eq!((e.code, e.kind, e.err_code), ("unknown", K::Unknown, Some(99999)));
        assert_eq!(e.err_msg.as_deref(), Some("requestSubscribeMessage:fail new thing"));
        assert!(e.message.contains("99999") && e.message.contains("new thing"));
        let e = fail("{}");
        assert_eq!(e.kind, K::Unknown);
        assert!(e.message.contains("errCode none"));
    }

    #[test]
    fn batch_ids_come_from_a_plan_batch_or_an_array() {
        assert_eq!(parse_batch_ids(&json(r#"{"ids":["a","b"],"popup":true}"#)).unwrap(), ids(&["a", "b"]));
        assert_eq!(parse_batch_ids(&json(r#"["a"]"#)).unwrap(), ids(&["a"]));
        assert_eq!(parse_batch_ids(&json(r#"["a",1]"#)).unwrap_err().code, "batch-bad-ids");
        assert_eq!(parse_batch_ids(&json(r#"{"x":1}"#)).unwrap_err().code, "batch-bad-ids");
    }
}

//! Message push (消息推送): what WeChat tells the server by itself, checked and
//! read. `GET /wechat/push` is the URL check, `POST /wechat/push` brings events
//! (docs/wechat.md section 10).
//!
//! - Every request is signed: `signature` is the SHA-1 of the token, the
//!   `timestamp` and the `nonce`, sorted and joined; in safe mode
//!   `msg_signature` also covers the `Encrypt` field. A bad signature, or a
//!   `timestamp` more than 5 minutes off, is refused before anything is read.
//! - Safe mode: `Encrypt` is base64 of AES-256-CBC (key from the
//!   EncodingAESKey, IV its first 16 bytes, PKCS#7 padding to 32 bytes) over 16
//!   random bytes, a 4-byte length, the event, and the AppID, which must be ours.
//! - JSON or XML, and a `List` that is one object or an array.
//!
//! What the events do to the ledger is [`crate::db::Ledger::apply_push`].

use aes::cipher::{BlockDecryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use sha1::{Digest, Sha1};
use sha2::Sha256;

/// How far a request's timestamp may be from the server's clock, in seconds.
pub const MAX_SKEW: i64 = 300;

/// The push settings: the Token, and for safe mode the EncodingAESKey.
#[derive(Clone)]
pub struct PushConfig {
    /// The Token set in the admin console.
    pub token: String,
    /// The AES key, decoded from the EncodingAESKey (safe and compatible mode).
    pub aes_key: Option<[u8; 32]>,
    /// The mini-program's AppID, which an encrypted event must end with.
    pub appid: String,
}

/// Decodes an EncodingAESKey (43 characters of base64) into its 32-byte key.
pub fn aes_key(encoding_aes_key: &str) -> Result<[u8; 32], String> {
    let bytes = STANDARD
        .decode(format!("{encoding_aes_key}="))
        .map_err(|_| "WXS_PUSH_AES_KEY is not an EncodingAESKey (43 characters of base64)".to_owned())?;
    bytes.try_into().map_err(|_| "WXS_PUSH_AES_KEY must decode to 32 bytes (43 characters)".to_owned())
}

/// Why a push request was refused: every one answers 401 or 400 and touches nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The signature does not match, or a field it needs is missing.
    Signature,
    /// The timestamp is more than [`MAX_SKEW`] seconds off.
    Stale,
    /// The body cannot be read: not JSON or XML, not decryptable, or another AppID's.
    Unreadable(&'static str),
}

/// The query of a push request.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PushQuery {
    /// SHA-1 of token, timestamp, nonce.
    #[serde(default)]
    pub signature: String,
    /// Seconds since the epoch, as WeChat sent it.
    #[serde(default)]
    pub timestamp: String,
    /// A random string.
    #[serde(default)]
    pub nonce: String,
    /// The URL check's string to echo.
    pub echostr: Option<String>,
    /// `aes` in safe mode.
    pub encrypt_type: Option<String>,
    /// SHA-1 of token, timestamp, nonce and `Encrypt`, in safe mode.
    pub msg_signature: Option<String>,
}

/// The SHA-1 of `parts`, sorted and joined, in hex: WeChat's signature.
pub fn signature(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    hex(&Sha1::digest(sorted.concat().as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl PushConfig {
    /// Checks the signature over token, timestamp and nonce, and the timestamp against `now`.
    fn check(&self, q: &PushQuery, now: i64) -> Result<(), Refused> {
        if q.signature.is_empty() || signature(&[&self.token, &q.timestamp, &q.nonce]) != q.signature {
            return Err(Refused::Signature);
        }
        let at: i64 = q.timestamp.parse().map_err(|_| Refused::Signature)?;
        if (now - at).abs() > MAX_SKEW {
            return Err(Refused::Stale);
        }
        Ok(())
    }

    /// The URL check: the `echostr` to answer, when the request is WeChat's.
    pub fn echo(&self, q: &PushQuery, now: i64) -> Result<String, Refused> {
        self.check(q, now)?;
        q.echostr.clone().ok_or(Refused::Signature)
    }

    /// The event a POST carries, checked and decrypted: its plaintext.
    pub fn open(&self, q: &PushQuery, body: &str, now: i64) -> Result<String, Refused> {
        self.check(q, now)?;
        let Some(encrypted) = encrypted_field(body)? else {
            return if q.encrypt_type.as_deref() == Some("aes") { Err(Refused::Unreadable("no Encrypt in a safe-mode body")) } else { Ok(body.to_owned()) };
        };
        let given = q.msg_signature.as_deref().ok_or(Refused::Signature)?;
        if signature(&[&self.token, &q.timestamp, &q.nonce, &encrypted]) != given {
            return Err(Refused::Signature);
        }
        let key = self.aes_key.ok_or(Refused::Unreadable("an encrypted event, and WXS_PUSH_AES_KEY is not set"))?;
        self.decrypt(&key, &encrypted)
    }

    fn decrypt(&self, key: &[u8; 32], encrypted: &str) -> Result<String, Refused> {
        let mut data = STANDARD.decode(encrypted.trim()).map_err(|_| Refused::Unreadable("Encrypt is not base64"))?;
        if data.is_empty() || data.len() % 16 != 0 {
            return Err(Refused::Unreadable("Encrypt is not whole AES blocks"));
        }
        let iv: [u8; 16] = key[..16].try_into().unwrap_or([0; 16]);
        let plain = cbc::Decryptor::<aes::Aes256>::new(key.into(), &iv.into())
            .decrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut data)
            .map_err(|_| Refused::Unreadable("Encrypt does not decrypt"))?;
        // PKCS#7 to 32-byte blocks: the last byte says how many bytes pad.
        let pad = *plain.last().unwrap_or(&0) as usize;
        if pad == 0 || pad > 32 || pad > plain.len() {
            return Err(Refused::Unreadable("Encrypt's padding is wrong"));
        }
        let plain = &plain[..plain.len() - pad];
        let length = plain.get(16..20).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize).ok_or(Refused::Unreadable("Encrypt is too short"))?;
        let event = plain.get(20..20 + length).ok_or(Refused::Unreadable("Encrypt's length is wrong"))?;
        if &plain[20 + length..] != self.appid.as_bytes() {
            return Err(Refused::Unreadable("the event is for another AppID"));
        }
        String::from_utf8(event.to_vec()).map_err(|_| Refused::Unreadable("the event is not UTF-8"))
    }
}

/// The `Encrypt` field of a body, JSON or XML, if it has one.
fn encrypted_field(body: &str) -> Result<Option<String>, Refused> {
    if body.trim_start().starts_with('<') {
        let doc = roxmltree::Document::parse(body).map_err(|_| Refused::Unreadable("the body is not XML"))?;
        return Ok(doc.root_element().children().find(|n| n.has_tag_name("Encrypt")).and_then(|n| n.text()).map(str::to_owned));
    }
    let value: Value = serde_json::from_str(body).map_err(|_| Refused::Unreadable("the body is not JSON or XML"))?;
    Ok(value.get("Encrypt").and_then(Value::as_str).map(str::to_owned))
}

/// The three subscription events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The user answered a popup.
    Popup,
    /// The user changed a template in the settings page.
    Change,
    /// The outcome of a send.
    Sent,
}

impl Kind {
    /// The event's name, as WeChat writes it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Popup => "subscribe_msg_popup_event",
            Kind::Change => "subscribe_msg_change_event",
            Kind::Sent => "subscribe_msg_sent_event",
        }
    }

    fn xml_wrapper(self) -> &'static str {
        match self {
            Kind::Popup => "SubscribeMsgPopupEvent",
            Kind::Change => "SubscribeMsgChangeEvent",
            Kind::Sent => "SubscribeMsgSentEvent",
        }
    }
}

/// One template's line of an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    /// The template.
    pub template_id: String,
    /// `accept` or `reject` (popup and change events).
    pub status: String,
    /// The send's msgid (sent events).
    pub msgid: String,
    /// 0 delivered, anything else not (sent events).
    pub error_code: i64,
    /// The delivery in words (sent events).
    pub error_status: String,
}

/// A subscription event, as read from JSON or XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The user's openid (`FromUserName`).
    pub openid: String,
    /// `CreateTime`, as sent (a number or a string).
    pub create_time: String,
    /// Which event.
    pub kind: Kind,
    /// Its templates.
    pub items: Vec<Item>,
}

impl Event {
    /// What makes a delivery of this event the same as another: WeChat sends
    /// an event again when no answer came in 5 s.
    pub fn key(&self) -> String {
        let mut text = format!("{}\n{}\n{}", self.openid, self.create_time, self.kind.name());
        for i in &self.items {
            text.push_str(&format!("\n{}|{}|{}|{}", i.template_id, i.status, i.msgid, i.error_code));
        }
        hex(&Sha256::digest(text.as_bytes()))
    }
}

/// Reads an event's plaintext: `Ok(None)` for an event that is not a
/// subscription event (answered `success` and left alone).
pub fn parse(text: &str) -> Result<Option<Event>, Refused> {
    if text.trim_start().starts_with('<') { parse_xml(text) } else { parse_json(text) }
}

fn kind_of(name: &str) -> Option<Kind> {
    [Kind::Popup, Kind::Change, Kind::Sent].into_iter().find(|k| k.name() == name)
}

fn json_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn parse_json(text: &str) -> Result<Option<Event>, Refused> {
    let value: Value = serde_json::from_str(text).map_err(|_| Refused::Unreadable("the event is not JSON or XML"))?;
    let Some(kind) = value.get("Event").and_then(Value::as_str).and_then(kind_of) else { return Ok(None) };
    let list = match value.get("List") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item @ Value::Object(_)) => vec![item],
        _ => Vec::new(),
    };
    let items = list
        .into_iter()
        .map(|i| Item {
            template_id: json_text(i.get("TemplateId")),
            status: json_text(i.get("SubscribeStatusString")),
            msgid: json_text(i.get("MsgID")),
            error_code: json_text(i.get("ErrorCode")).parse().unwrap_or(-1),
            error_status: json_text(i.get("ErrorStatus")),
        })
        .collect();
    event(json_text(value.get("FromUserName")), json_text(value.get("CreateTime")), kind, items)
}

fn parse_xml(text: &str) -> Result<Option<Event>, Refused> {
    let doc = roxmltree::Document::parse(text).map_err(|_| Refused::Unreadable("the event is not XML"))?;
    let root = doc.root_element();
    let field = |node: roxmltree::Node, name: &str| node.children().find(|n| n.has_tag_name(name)).and_then(|n| n.text()).unwrap_or("").trim().to_owned();
    let Some(kind) = kind_of(&field(root, "Event")) else { return Ok(None) };
    let items = root
        .children()
        .filter(|n| n.has_tag_name(kind.xml_wrapper()))
        .flat_map(|w| w.children().filter(|n| n.has_tag_name("List")))
        .map(|i| Item {
            template_id: field(i, "TemplateId"),
            status: field(i, "SubscribeStatusString"),
            msgid: field(i, "MsgID"),
            error_code: field(i, "ErrorCode").parse().unwrap_or(-1),
            error_status: field(i, "ErrorStatus"),
        })
        .collect();
    event(field(root, "FromUserName"), field(root, "CreateTime"), kind, items)
}

fn event(openid: String, create_time: String, kind: Kind, items: Vec<Item>) -> Result<Option<Event>, Refused> {
    if openid.is_empty() || items.is_empty() || items.iter().any(|i| i.template_id.is_empty()) {
        return Err(Refused::Unreadable("a subscription event without its user or templates"));
    }
    Ok(Some(Event { openid, create_time, kind, items }))
}

//! Plays WeChat's message push for the tests: signs requests, encrypts events
//! in safe mode, and writes the three subscription events as JSON or XML.

use aes::cipher::{BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

pub const TOKEN: &str = "push-token";
pub const APPID: &str = "wx-test-app";

/// The EncodingAESKey (43 characters) of a fixed test key.
pub fn encoding_aes_key() -> String {
    STANDARD.encode([7u8; 32]).trim_end_matches('=').to_owned()
}

/// The query WeChat sends: signature over token, timestamp and nonce (and
/// `msg_signature` over the Encrypt field too, in safe mode).
pub fn query(timestamp: i64, encrypt: Option<&str>) -> String {
    let (ts, nonce) = (timestamp.to_string(), "nonce42".to_owned());
    let signature = wx_subscribe_server::push::signature(&[TOKEN, &ts, &nonce]);
    let mut q = format!("signature={signature}&timestamp={ts}&nonce={nonce}");
    if let Some(e) = encrypt {
        let m = wx_subscribe_server::push::signature(&[TOKEN, &ts, &nonce, e]);
        q.push_str(&format!("&encrypt_type=aes&msg_signature={m}"));
    }
    q
}

/// `event` encrypted for `appid` as WeChat does in safe mode: base64 of AES-256-CBC.
pub fn encrypt(event: &str, appid: &str) -> String {
    let key = [7u8; 32];
    let mut plain = vec![1u8; 16];
    plain.extend((event.len() as u32).to_be_bytes());
    plain.extend(event.as_bytes());
    plain.extend(appid.as_bytes());
    let pad = 32 - plain.len() % 32;
    plain.extend(std::iter::repeat_n(pad as u8, pad));
    let len = plain.len();
    let iv: [u8; 16] = key[..16].try_into().unwrap();
    let sealed = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into())
        .encrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut plain, len)
        .unwrap()
        .to_vec();
    STANDARD.encode(sealed)
}

/// A popup event as JSON, `List` an object for one template and an array for several.
pub fn popup_json(openid: &str, at: i64, answers: &[(&str, &str)]) -> String {
    let items: Vec<_> = answers.iter().map(|(t, s)| json!({ "TemplateId": t, "SubscribeStatusString": s, "PopupScene": "0" })).collect();
    let list = if items.len() == 1 { items[0].clone() } else { json!(items) };
    json!({ "ToUserName": "gh_test", "FromUserName": openid, "CreateTime": at, "MsgType": "event", "Event": "subscribe_msg_popup_event", "List": list }).to_string()
}

/// An event as XML, its items wrapped as WeChat wraps them.
pub fn xml(openid: &str, at: i64, event: &str, wrapper: &str, items: &[&[(&str, &str)]]) -> String {
    let lists: String = items
        .iter()
        .map(|fields| format!("<List>{}</List>", fields.iter().map(|(k, v)| format!("<{k}><![CDATA[{v}]]></{k}>")).collect::<String>()))
        .collect();
    format!("<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{at}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event><{wrapper}>{lists}</{wrapper}></xml>")
}

/// A sent event as JSON.
pub fn sent_json(openid: &str, at: i64, template: &str, msgid: &str, code: i64) -> String {
    json!({ "ToUserName": "gh_test", "FromUserName": openid, "CreateTime": at.to_string(), "MsgType": "event", "Event": "subscribe_msg_sent_event",
            "List": { "TemplateId": template, "MsgID": msgid, "ErrorCode": code.to_string(), "ErrorStatus": if code == 0 { "success" } else { "fail" } } }).to_string()
}

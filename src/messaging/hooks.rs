//! Hearing back from the networks: their webhooks' signatures and handshakes, and what their event
//! bodies say — a person wrote (a reply), a message of ours was sent, delivered, read or failed (a
//! status), or the network echoes a message we sent. Pure: the web edge verifies and parses here, and
//! `app::hooks` acts on the events.
//!
//! - Meta (WhatsApp, Messenger, Instagram): GET `hub.mode=subscribe`, `hub.verify_token`,
//!   `hub.challenge` answered with the challenge; POST bodies signed in `X-Hub-Signature-256:
//!   sha256=<hex HMAC-SHA256(app secret, raw body)>`.
//! - X: GET `crc_token` answered with `{"response_token": "sha256=<base64 HMAC-SHA256(consumer
//!   secret, crc_token)>"}`; POST bodies signed in `x-twitter-webhooks-signature` the same way.

use base64::Engine;
use chrono::{DateTime, Duration, TimeZone, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use uuid::Uuid;

use super::outbox::Hold;
use crate::domain::{MessageState, Network};

/// A failure a network reported later and means as "not now".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    pub after: Duration,
    /// What else must wait as long, as when the network says so in its answer to a send: every message
    /// of the airline's account, or every message to the same person.
    pub hold: Hold,
    /// The airline's account the webhook names (WhatsApp's `phone_number_id`), whose sends are held.
    pub account: Option<String>,
}

/// One thing a network's webhook told aboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookEvent {
    /// A person wrote to the airline.
    Reply {
        network: Network,
        message_id: String,
        sender_id: String,
        /// None where only ciphertext came.
        text: Option<String>,
        at: DateTime<Utc>,
    },
    /// A message of ours moved on: sent, delivered, read, or failed with the network's words.
    Status {
        network: Network,
        provider_message_id: Option<String>,
        /// Our message id, where the network carries it back (WhatsApp's `biz_opaque_callback_data`,
        /// Messenger's `metadata`).
        our_id: Option<Uuid>,
        state: MessageState,
        error: Option<String>,
        /// For a failure the network means as "not now" (a throughput or per-person limit): when the
        /// message may go again, and what else waits as long. It was not delivered, so sending it again
        /// sends it once.
        retry: Option<Retry>,
        at: DateTime<Utc>,
    },
    /// Every message of ours to `recipient_id` sent up to `up_to` reached `state` (Messenger's and
    /// Instagram's `delivery.watermark` and `read.watermark`).
    Watermark {
        network: Network,
        recipient_id: String,
        state: MessageState,
        up_to: DateTime<Utc>,
        at: DateTime<Utc>,
    },
}

fn mac(secret: &[u8], body: &[u8]) -> Hmac<Sha256> {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(body);
    mac
}

/// Whether `header` (`sha256=<hex>`) is the HMAC of the raw `body` under `secret`, compared in constant
/// time.
pub fn meta_signature_valid(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_sig) else {
        return false;
    };
    mac(secret.as_bytes(), body).verify_slice(&expected).is_ok()
}

/// `sha256=<base64 HMAC>`: X's CRC response token, and its signature of a body.
pub fn x_token(secret: &str, data: &[u8]) -> String {
    let digest = mac(secret.as_bytes(), data).finalize().into_bytes();
    format!(
        "sha256={}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Whether `header` (`sha256=<base64>`) is X's signature of the raw `body`, compared in constant time.
pub fn x_signature_valid(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(b64) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(b64) else {
        return false;
    };
    mac(secret.as_bytes(), body).verify_slice(&expected).is_ok()
}

fn from_seconds(value: &Value) -> Option<DateTime<Utc>> {
    let seconds = value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))?;
    Utc.timestamp_opt(seconds, 0).single()
}

fn from_millis(value: &Value) -> Option<DateTime<Utc>> {
    let millis = value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))?;
    Utc.timestamp_millis_opt(millis).single()
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

fn array(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

/// The events in a Meta webhook body; `Err` names what is missing in a body that is not one.
pub fn parse_meta(body: &Value, now: DateTime<Utc>) -> Result<Vec<HookEvent>, String> {
    let object = body["object"]
        .as_str()
        .ok_or("the body names no \"object\"")?;
    let entries = body["entry"]
        .as_array()
        .ok_or("the body has no \"entry\" list")?;
    let mut events = Vec::new();
    match object {
        "whatsapp_business_account" => {
            for change in entries.iter().flat_map(|e| array(&e["changes"])) {
                let value = &change["value"];
                for m in array(&value["messages"]) {
                    let (Some(id), Some(from)) = (text(&m["id"]), text(&m["from"])) else {
                        continue;
                    };
                    events.push(HookEvent::Reply {
                        network: Network::Whatsapp,
                        message_id: id,
                        sender_id: from,
                        text: text(&m["text"]["body"])
                            .or_else(|| text(&m["button"]["text"]))
                            .or_else(|| text(&m["interactive"]["button_reply"]["title"])),
                        at: from_seconds(&m["timestamp"]).unwrap_or(now),
                    });
                }
                for s in array(&value["statuses"]) {
                    let state = match s["status"].as_str() {
                        Some("sent") => MessageState::Sent,
                        Some("delivered") => MessageState::Delivered,
                        Some("read") => MessageState::Read,
                        Some("failed") => MessageState::Failed,
                        _ => continue,
                    };
                    let code = array(&s["errors"]).first().and_then(|e| e["code"].as_i64());
                    let error = array(&s["errors"]).first().map(|e| {
                        let code = e["code"].as_i64().unwrap_or(0);
                        let words =
                            whatsapp_failure(code)
                                .map(str::to_string)
                                .unwrap_or_else(|| {
                                    text(&e["error_data"]["details"])
                                        .or_else(|| text(&e["message"]))
                                        .or_else(|| text(&e["title"]))
                                        .unwrap_or_else(|| "failed".to_string())
                                });
                        format!("WhatsApp could not deliver it ({code}): {words}")
                    });
                    events.push(HookEvent::Status {
                        network: Network::Whatsapp,
                        provider_message_id: text(&s["id"]),
                        our_id: s["biz_opaque_callback_data"]
                            .as_str()
                            .and_then(|v| Uuid::parse_str(v).ok()),
                        state,
                        error,
                        retry: code
                            .filter(|_| state == MessageState::Failed)
                            .and_then(whatsapp_retry)
                            .map(|(after, hold)| Retry {
                                after,
                                hold,
                                account: text(&value["metadata"]["phone_number_id"]),
                            }),
                        at: from_seconds(&s["timestamp"]).unwrap_or(now),
                    });
                }
            }
        }
        "page" | "instagram" => {
            let network = if object == "page" {
                Network::Facebook
            } else {
                Network::Instagram
            };
            for m in entries.iter().flat_map(|e| array(&e["messaging"])) {
                let at = from_millis(&m["timestamp"]).unwrap_or(now);
                let sender = text(&m["sender"]["id"]);
                let message = &m["message"];
                if message.is_object() {
                    let Some(mid) = text(&message["mid"]) else {
                        continue;
                    };
                    if message["is_echo"].as_bool() == Some(true) {
                        // The network shows back what the page sent: ours is confirmed as sent.
                        events.push(HookEvent::Status {
                            network,
                            provider_message_id: Some(mid),
                            our_id: message["metadata"]
                                .as_str()
                                .and_then(|v| Uuid::parse_str(v).ok()),
                            state: MessageState::Sent,
                            error: None,
                            retry: None,
                            at,
                        });
                    } else if let Some(sender) = sender {
                        events.push(HookEvent::Reply {
                            network,
                            message_id: mid,
                            sender_id: sender,
                            text: text(&message["text"]),
                            at,
                        });
                    }
                    continue;
                }
                let watermarks = [
                    (&m["delivery"]["watermark"], MessageState::Delivered),
                    (&m["read"]["watermark"], MessageState::Read),
                ];
                for (watermark, state) in watermarks {
                    if let (Some(up_to), Some(recipient_id)) = (from_millis(watermark), &sender) {
                        events.push(HookEvent::Watermark {
                            network,
                            recipient_id: recipient_id.clone(),
                            state,
                            up_to,
                            at,
                        });
                    }
                }
                for mid in array(&m["delivery"]["mids"]) {
                    events.push(HookEvent::Status {
                        network,
                        provider_message_id: text(mid),
                        our_id: None,
                        state: MessageState::Delivered,
                        error: None,
                        retry: None,
                        at,
                    });
                }
                if let Some(mid) = text(&m["read"]["mid"]) {
                    events.push(HookEvent::Status {
                        network,
                        provider_message_id: Some(mid),
                        our_id: None,
                        state: MessageState::Read,
                        error: None,
                        retry: None,
                        at,
                    });
                }
            }
        }
        other => return Err(format!("aboard does not read \"{other}\" webhooks")),
    }
    Ok(events)
}

/// WhatsApp's failure codes in a status webhook, in plain words.
fn whatsapp_failure(code: i64) -> Option<&'static str> {
    match code {
        131047 => Some(
            "more than 24 hours had passed since the person last wrote, so only an approved template may be sent",
        ),
        131026 => {
            Some("the number may not be on WhatsApp, or may not accept messages from businesses")
        }
        131056 => {
            Some("too many messages to this person in a short time; it goes again in a minute")
        }
        130429 => Some("the airline's number reached its throughput limit; it goes again shortly"),
        131048 => Some(
            "WhatsApp limited the airline's number for sending too many messages; it goes again later",
        ),
        _ => None,
    }
}

/// When a message WhatsApp failed with a "not now" code may go again, and what waits with it: its
/// limits are per second (throughput, the number), per person (a minute is WhatsApp's advice) and the
/// spam rate limit of the number.
fn whatsapp_retry(code: i64) -> Option<(Duration, Hold)> {
    match code {
        130429 => Some((Duration::seconds(10), Hold::App)),
        131056 => Some((Duration::seconds(60), Hold::Recipient)),
        131048 => Some((Duration::minutes(5), Hold::App)),
        _ => None,
    }
}

/// The direct messages in an X Account Activity body: the person's are replies, the airline's own
/// (`sender_id` is `own_user_id`) confirm ours as sent.
pub fn parse_x(body: &Value, own_user_id: &str, now: DateTime<Utc>) -> Vec<HookEvent> {
    let mut events = Vec::new();
    for e in array(&body["direct_message_events"]) {
        if e["type"].as_str() != Some("message_create") {
            continue;
        }
        let Some(id) = text(&e["id"]) else {
            continue;
        };
        let create = &e["message_create"];
        let Some(sender) = text(&create["sender_id"]) else {
            continue;
        };
        let at = from_millis(&e["created_timestamp"]).unwrap_or(now);
        if sender == own_user_id {
            events.push(HookEvent::Status {
                network: Network::X,
                provider_message_id: Some(id),
                our_id: None,
                state: MessageState::Sent,
                error: None,
                retry: None,
                at,
            });
        } else {
            events.push(HookEvent::Reply {
                network: Network::X,
                message_id: id,
                sender_id: sender,
                text: text(&create["message_data"]["text"]),
                at,
            });
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_on_the_raw_body() {
        let body = br#"{"object":"page","entry":[]}"#;
        let good = format!(
            "sha256={}",
            hex::encode(mac(b"app-secret", body).finalize().into_bytes())
        );
        assert!(meta_signature_valid("app-secret", body, Some(&good)));
        assert!(!meta_signature_valid("other", body, Some(&good)));
        assert!(!meta_signature_valid("app-secret", b"{}", Some(&good)));
        assert!(!meta_signature_valid("app-secret", body, None));
        assert!(!meta_signature_valid("app-secret", body, Some("sha256=zz")));
        let token = x_token("consumer-secret", b"challenge");
        assert!(x_signature_valid(
            "consumer-secret",
            b"challenge",
            Some(&token)
        ));
        assert!(!x_signature_valid(
            "consumer-secret",
            b"other",
            Some(&token)
        ));
    }
}

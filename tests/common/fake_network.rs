//! A local stand-in for a network's send API: it records every request (path, bearer token, JSON body)
//! and answers from a script of documented answers (status, headers, body), then with the network's
//! usual success.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct Request {
    /// When the request arrived.
    pub at: std::time::Instant,
    pub path: String,
    pub bearer: Option<String>,
    pub body: Value,
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Answer {
    pub fn new(status: u16, body: Value) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// Which network's success body the fake gives when its script is empty.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Whatsapp,
    /// Messenger's Send API; calling back, it reports each message delivered (mids and watermark).
    Meta,
    /// Instagram's, which answers as Messenger's; calling back, it echoes each message it sent (Instagram
    /// has no delivery receipts, only reads).
    Instagram,
    X,
}

#[derive(Clone)]
pub struct FakeNetwork {
    kind: Kind,
    pub script: Arc<Mutex<VecDeque<Answer>>>,
    pub received: Arc<Mutex<Vec<Request>>>,
    /// aboard's webhook and the app secret: a WhatsApp fake reports "delivered" for each message it
    /// accepted, signed, as the Cloud API does; Messenger reports it delivered, Instagram echoes it.
    callback: Arc<Mutex<Option<(String, String)>>>,
}

impl FakeNetwork {
    pub fn new(kind: Kind) -> FakeNetwork {
        FakeNetwork {
            kind,
            script: Arc::default(),
            received: Arc::default(),
            callback: Arc::default(),
        }
    }

    pub fn calls_back(&self, webhook_url: &str, app_secret: &str) {
        *self.callback.lock().unwrap() = Some((webhook_url.to_string(), app_secret.to_string()));
    }

    pub fn then(&self, answer: Answer) -> &Self {
        self.script.lock().unwrap().push_back(answer);
        self
    }

    pub fn received(&self) -> Vec<Request> {
        self.received.lock().unwrap().clone()
    }

    /// Serves on a free port; returns the base URL.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .route("/{*path}", axum::routing::post(receive))
            .with_state(self.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        format!("http://{address}")
    }

    fn success(&self, n: usize) -> Answer {
        match self.kind {
            Kind::Whatsapp => Answer::new(
                200,
                json!({"messaging_product": "whatsapp",
                       "contacts": [{"input": "34600000000", "wa_id": "34600000000"}],
                       "messages": [{"id": format!("wamid.HBgL{n}")}]}),
            ),
            Kind::Meta | Kind::Instagram => Answer::new(
                200,
                json!({"recipient_id": "1254477777772919", "message_id": format!("m_AG5Hz2U{n}")}),
            ),
            Kind::X => Answer::new(
                201,
                json!({"data": {"dm_conversation_id": "1346889436626259968-1581011", "dm_event_id": format!("158209{n}")}}),
            ),
        }
    }
}

async fn receive(
    State(fake): State<FakeNetwork>,
    Path(path): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let n = {
        let mut received = fake.received.lock().unwrap();
        received.push(Request {
            at: std::time::Instant::now(),
            path: format!("/{path}"),
            bearer,
            body,
        });
        received.len()
    };
    let next = fake.script.lock().unwrap().pop_front();
    let answer = next.unwrap_or_else(|| fake.success(n));
    let callback = fake.callback.lock().unwrap().clone();
    if let (Kind::Whatsapp, Some((url, secret)), 200) = (fake.kind, callback, answer.status) {
        let wamid = answer.body["messages"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let to = fake.received.lock().unwrap()[n - 1].body["to"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let ours = fake.received.lock().unwrap()[n - 1].body["biz_opaque_callback_data"].clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let body = whatsapp_statuses(&[(&wamid, "delivered", &to, ours.as_str())]);
            post_signed_meta(&url, &secret, &body).await;
        });
    }
    let callback = fake.callback.lock().unwrap().clone();
    if let (Kind::Meta | Kind::Instagram, Some((url, secret)), 200) =
        (fake.kind, callback, answer.status)
    {
        let request = fake.received.lock().unwrap()[n - 1].clone();
        let account = request
            .path
            .split('/')
            .nth(2)
            .unwrap_or_default()
            .to_string();
        let to = request.body["recipient"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mid = answer.body["message_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let kind = fake.kind;
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let body = match kind {
                Kind::Instagram => meta_messaging(
                    "instagram",
                    &account,
                    json!({"sender": {"id": account}, "recipient": {"id": to},
                           "timestamp": chrono::Utc::now().timestamp_millis(),
                           "message": {"mid": mid, "text": request.body["message"]["text"], "is_echo": true}}),
                ),
                _ => meta_messaging(
                    "page",
                    &account,
                    meta_delivery(
                        &to,
                        &account,
                        &[&mid],
                        chrono::Utc::now().timestamp_millis(),
                    ),
                ),
            };
            post_signed_meta(&url, &secret, &body).await;
        });
    }
    let mut response = (
        StatusCode::from_u16(answer.status).unwrap(),
        Json(answer.body),
    )
        .into_response();
    for (name, value) in answer.headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    response
}

/// A Messenger (`object` "page") or Instagram ("instagram") webhook body with one messaging event.
pub fn meta_messaging(object: &str, account: &str, event: Value) -> Value {
    json!({"object": object, "entry": [{"id": account, "time": chrono::Utc::now().timestamp_millis(),
                                         "messaging": [event]}]})
}

/// `message_deliveries`: these mids, and every message before the watermark (ms), were delivered.
pub fn meta_delivery(person: &str, account: &str, mids: &[&str], watermark: i64) -> Value {
    json!({"sender": {"id": person}, "recipient": {"id": account},
           "delivery": {"mids": mids, "watermark": watermark}})
}

/// `message_reads` (Messenger): every message sent up to the watermark (ms) was read.
pub fn meta_read_watermark(person: &str, account: &str, watermark: i64) -> Value {
    json!({"sender": {"id": person}, "recipient": {"id": account},
           "timestamp": chrono::Utc::now().timestamp_millis(), "read": {"watermark": watermark}})
}

/// `messaging_seen` (Instagram): the person saw this message.
pub fn meta_read_mid(person: &str, account: &str, mid: &str) -> Value {
    json!({"sender": {"id": person}, "recipient": {"id": account},
           "timestamp": chrono::Utc::now().timestamp_millis(), "read": {"mid": mid}})
}

/// `messages`: the person wrote.
pub fn meta_text(person: &str, account: &str, mid: &str, text: &str) -> Value {
    json!({"sender": {"id": person}, "recipient": {"id": account},
           "timestamp": chrono::Utc::now().timestamp_millis(),
           "message": {"mid": mid, "text": text}})
}

/// Meta's error body, as the Graph API writes it.
pub fn meta_error(code: i64, subcode: Option<i64>, message: &str, details: Option<&str>) -> Value {
    let mut error = json!({"message": message, "type": "OAuthException", "code": code,
                           "fbtrace_id": "AbCdEf123"});
    if let Some(subcode) = subcode {
        error["error_subcode"] = json!(subcode);
    }
    if let Some(details) = details {
        error["error_data"] = json!({"messaging_product": "whatsapp", "details": details});
    }
    json!({ "error": error })
}

/// A WhatsApp Cloud API webhook body carrying statuses: (wamid, status, recipient, our callback data).
pub fn whatsapp_statuses(statuses: &[(&str, &str, &str, Option<&str>)]) -> Value {
    let statuses: Vec<Value> = statuses
        .iter()
        .map(|(id, status, to, ours)| {
            let mut s = json!({"id": id, "status": status, "timestamp": chrono::Utc::now().timestamp().to_string(),
                               "recipient_id": to,
                               "conversation": {"id": "CONVERSATION_ID", "origin": {"type": "utility"}},
                               "pricing": {"billable": true, "pricing_model": "PMP", "category": "utility"}});
            if let Some(ours) = ours {
                s["biz_opaque_callback_data"] = json!(ours);
            }
            s
        })
        .collect();
    whatsapp_value(json!({"statuses": statuses}))
}

/// A WhatsApp webhook body with one text message from `from`.
pub fn whatsapp_reply(id: &str, from: &str, text: &str) -> Value {
    whatsapp_value(json!({
        "contacts": [{"profile": {"name": "Pasajero"}, "wa_id": from}],
        "messages": [{"from": from, "id": id, "timestamp": chrono::Utc::now().timestamp().to_string(),
                      "type": "text", "text": {"body": text}}]
    }))
}

fn whatsapp_value(fields: Value) -> Value {
    let mut value = json!({"messaging_product": "whatsapp",
                           "metadata": {"display_phone_number": "15550001111", "phone_number_id": "106540352242922"}});
    for (k, v) in fields.as_object().unwrap() {
        value[k] = v.clone();
    }
    json!({"object": "whatsapp_business_account",
           "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]})
}

/// `sha256=<hex HMAC-SHA256>` of the body, as Meta signs its webhooks.
pub fn meta_signature(secret: &str, body: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// POSTs a webhook body signed as Meta signs it; returns the status.
pub async fn post_signed_meta(url: &str, secret: &str, body: &Value) -> u16 {
    let raw = serde_json::to_vec(body).unwrap();
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", meta_signature(secret, &raw))
        .body(raw)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

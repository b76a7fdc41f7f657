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
    Meta,
    X,
}

#[derive(Clone)]
pub struct FakeNetwork {
    kind: Kind,
    pub script: Arc<Mutex<VecDeque<Answer>>>,
    pub received: Arc<Mutex<Vec<Request>>>,
}

impl FakeNetwork {
    pub fn new(kind: Kind) -> FakeNetwork {
        FakeNetwork {
            kind,
            script: Arc::default(),
            received: Arc::default(),
        }
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
            Kind::Meta => Answer::new(
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
            path: format!("/{path}"),
            bearer,
            body,
        });
        received.len()
    };
    let next = fake.script.lock().unwrap().pop_front();
    let answer = next.unwrap_or_else(|| fake.success(n));
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

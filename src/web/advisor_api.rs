//! The advisor console as JSON, under the same roles and language scopes as the pages (the checks live in
//! `advisor`): the queue, a task's messages, and sending one.
//!
//! Sending answers 201 with the queued message. Every refusal is 409 or 422 with `{"error": "<reason in
//! words>", "code": "<stable code>"}`: `not_eligible` (the network does not allow it now), `near_duplicate`
//! (with a `near_duplicate` object; send again with `"confirm": true` to send anyway), `template_required`,
//! `not_claimed`, `taken`, `invalid`. The same `idempotency_key` for the same task queues one message.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::advisor::{self, AdvisorError, NearDuplicate, SendRequest};
use super::auth::Staff;
use super::{AppState, WebError};
use crate::domain::records::{Message, Task};
use crate::domain::{FlightStatus, MessageState, Network};

impl IntoResponse for AdvisorError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match self {
            AdvisorError::Web(e) => e.into_response(),
            AdvisorError::NearDuplicate(warning) => {
                let error = AdvisorError::NearDuplicate(warning.clone()).to_string();
                let body = serde_json::json!({
                    "error": error, "code": code, "near_duplicate": warning,
                });
                (status, Json(body)).into_response()
            }
            other => {
                let body = serde_json::json!({ "error": other.to_string(), "code": code });
                (status, Json(body)).into_response()
            }
        }
    }
}

#[derive(Serialize)]
pub struct QueuePerson {
    pub id: Uuid,
    pub display_name: String,
    pub language: Option<String>,
}

#[derive(Serialize)]
pub struct QueueFlight {
    pub id: Uuid,
    pub number: String,
    pub origin: String,
    pub destination: Option<String>,
    pub departure: Option<DateTime<Utc>>,
    pub status: FlightStatus,
}

#[derive(Serialize)]
pub struct QueueEntry {
    pub task: Task,
    pub person: QueuePerson,
    pub flight: Option<QueueFlight>,
}

#[derive(Serialize)]
pub struct QueueResponse {
    pub tasks: Vec<QueueEntry>,
}

/// GET /api/advisor/queue: the caller's social tasks, most urgent first.
pub async fn queue(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<QueueResponse>, AdvisorError> {
    let queue = advisor::queue(&state, &staff).await?;
    let mut tasks = Vec::with_capacity(queue.len());
    for social in queue {
        let flight = state
            .store
            .flight(social.task.new.flight_id)
            .await?
            .map(|f| QueueFlight {
                id: f.id,
                number: f.key.flight.to_string(),
                origin: f.key.origin.to_string(),
                destination: f.destination.as_ref().map(ToString::to_string),
                departure: f.departure.best(),
                status: f.status,
            });
        tasks.push(QueueEntry {
            person: QueuePerson {
                id: social.person.id,
                display_name: social.person.record.display_name.clone(),
                language: social.person.record.language.clone(),
            },
            task: social.task,
            flight,
        });
    }
    Ok(Json(QueueResponse { tasks }))
}

/// A message as the API shows it.
#[derive(Serialize)]
pub struct MessageView {
    pub id: Uuid,
    pub task_id: Uuid,
    pub network: Network,
    pub recipient: String,
    pub body: String,
    pub author: String,
    pub state: MessageState,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The connector's reason for the last failure, in its words.
    pub last_error: Option<String>,
    pub provider_message_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        MessageView {
            id: m.id,
            task_id: m.new.task_id,
            network: m.new.network,
            recipient: m.new.recipient,
            body: m.new.body,
            author: m.new.author,
            state: m.state,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            provider_message_id: m.provider_message_id,
            created_at: m.created_at,
            sent_at: m.sent_at,
        }
    }
}

#[derive(Serialize)]
pub struct MessagesResponse {
    pub messages: Vec<MessageView>,
}

fn task_id(id: &str) -> Result<Uuid, AdvisorError> {
    Uuid::parse_str(id)
        .map_err(|_| AdvisorError::Web(WebError::NotFound(format!("social task {id}"))))
}

/// GET /api/tasks/{id}/messages
pub async fn messages(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<MessagesResponse>, AdvisorError> {
    let messages = advisor::task_messages(&state, &staff, task_id(&id)?).await?;
    Ok(Json(MessagesResponse {
        messages: messages.into_iter().map(MessageView::from).collect(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    pub network: Network,
    #[serde(default)]
    pub body: String,
    pub template: Option<String>,
    #[serde(default)]
    pub parameters: Vec<String>,
    #[serde(default)]
    pub confirm: bool,
    /// Retrying with the same key never sends twice; without one, each request is a new message.
    pub idempotency_key: Option<String>,
}

#[derive(Serialize)]
pub struct SentResponse {
    pub message: MessageView,
    /// The near-duplicate that `confirm` overrode, if any.
    pub near_duplicate: Option<NearDuplicate>,
}

/// POST /api/tasks/{id}/messages
pub async fn send(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    body: Result<Json<SendBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<SentResponse>), AdvisorError> {
    let id = task_id(&id)?;
    let Json(body) = body.map_err(|e| AdvisorError::Invalid(e.body_text()))?;
    let request = SendRequest {
        network: Some(body.network),
        body: body.body,
        template: body.template,
        parameters: body.parameters,
        confirm: body.confirm,
        key: format!(
            "api:{}",
            body.idempotency_key
                .filter(|k| !k.trim().is_empty())
                .unwrap_or_else(|| Uuid::now_v7().to_string())
        ),
    };
    let (message, near_duplicate) = advisor::send_message(&state, &staff, id, &request).await?;
    Ok((
        StatusCode::CREATED,
        Json(SentResponse {
            message: message.into(),
            near_duplicate,
        }),
    ))
}

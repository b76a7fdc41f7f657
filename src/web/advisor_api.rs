//! The advisor console as JSON, under the same roles and language scopes as the pages (both call
//! `app::advisor`): the queue, a task's messages, sending one, and sending again one the network never
//! confirmed.
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
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Staff;
use super::openapi::ErrorBody;
use super::{AppState, WebError};
use crate::app::ServiceError;
use crate::app::advisor::{self, AdvisorError, NearDuplicate, SendRequest};
use crate::domain::records::{Message, Task, TemplateUse};
use crate::domain::{FlightStatus, MessageMode, MessageState, Network};

/// Why the advisor API refused a request: the reason in words and a stable code.
#[derive(Serialize, ToSchema)]
pub struct AdvisorRefusal {
    pub error: String,
    /// `not_eligible`, `near_duplicate`, `template_required`, `not_claimed`, `taken` or `invalid`.
    pub code: &'static str,
    /// The earlier message a new text nearly repeats; send again with `"confirm": true` to send anyway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub near_duplicate: Option<NearDuplicate>,
}

impl IntoResponse for AdvisorError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let near_duplicate = match self {
            AdvisorError::Service(e) => return WebError::from(e).into_response(),
            AdvisorError::NearDuplicate(ref warning) => Some(warning.clone()),
            _ => None,
        };
        let body = AdvisorRefusal {
            error: self.to_string(),
            code,
            near_duplicate,
        };
        (status, Json(body)).into_response()
    }
}

#[derive(Serialize, ToSchema)]
pub struct QueuePerson {
    pub id: Uuid,
    pub display_name: String,
    pub language: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueFlight {
    pub id: Uuid,
    pub number: String,
    pub origin: String,
    pub destination: Option<String>,
    pub departure: Option<DateTime<Utc>>,
    pub status: FlightStatus,
}

#[derive(Serialize, ToSchema)]
pub struct QueueEntry {
    pub task: Task,
    pub person: QueuePerson,
    pub flight: Option<QueueFlight>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueResponse {
    pub tasks: Vec<QueueEntry>,
}

/// The caller's social tasks, most urgent first.
#[utoipa::path(
    get,
    path = "/api/advisor/queue",
    tag = "advisor",
    description = "Social tasks for the caller's languages: open ones and those the caller claimed. Roles: advisor, ops",
    responses((status = OK, description = "The queue, most urgent first", body = QueueResponse))
)]
pub async fn queue(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<QueueResponse>, AdvisorError> {
    let queue = advisor::queue(state.store.as_ref(), &staff.caller()).await?;
    let tasks = queue
        .tasks
        .into_iter()
        .map(|entry| QueueEntry {
            flight: queue
                .flights
                .get(&entry.task.new.flight_id)
                .map(|f| QueueFlight {
                    id: f.id,
                    number: f.key.flight.to_string(),
                    origin: f.key.origin.to_string(),
                    destination: f.destination.as_ref().map(ToString::to_string),
                    departure: f.departure.best(),
                    status: f.status,
                }),
            person: QueuePerson {
                id: entry.task.new.person_id,
                display_name: entry.display_name,
                language: entry.language,
            },
            task: entry.task,
        })
        .collect();
    Ok(Json(QueueResponse { tasks }))
}

/// A message as the API shows it.
#[derive(Serialize, ToSchema)]
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
    /// How it goes out, exactly as written.
    pub mode: MessageMode,
    pub tag: Option<String>,
    pub template: Option<TemplateUse>,
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
            mode: m.new.mode,
            tag: m.new.tag,
            template: m.new.template,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MessagesResponse {
    pub messages: Vec<MessageView>,
}

fn task_id(id: &str) -> Result<Uuid, AdvisorError> {
    Uuid::parse_str(id).map_err(|_| advisor::not_found(id))
}

/// A social task's messages, oldest first.
#[utoipa::path(
    get,
    path = "/api/tasks/{id}/messages",
    tag = "advisor",
    description = "A social task's messages, oldest first, with their delivery state. Roles: advisor, ops",
    params(("id" = Uuid, Path, description = "The social task")),
    responses(
        (status = OK, description = "The task's messages", body = MessagesResponse),
        (status = NOT_FOUND, description = "No such social task", body = ErrorBody),
    )
)]
pub async fn messages(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<MessagesResponse>, AdvisorError> {
    let messages = advisor::messages(state.store.as_ref(), &staff.caller(), task_id(&id)?).await?;
    Ok(Json(MessagesResponse {
        messages: messages.into_iter().map(MessageView::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
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

#[derive(Serialize, ToSchema)]
pub struct SentResponse {
    pub message: MessageView,
    /// The near-duplicate that `confirm` overrode, if any.
    pub near_duplicate: Option<NearDuplicate>,
}

/// Queues a message to the task's person.
#[utoipa::path(
    post,
    path = "/api/tasks/{id}/messages",
    tag = "advisor",
    description = "Queue a message to the task's person; the outbox delivers it. The task must be claimed by \
        the caller. Roles: advisor, ops",
    params(("id" = Uuid, Path, description = "The social task")),
    request_body = SendBody,
    responses(
        (status = CREATED, description = "The message, queued", body = SentResponse),
        (status = NOT_FOUND, description = "No such social task", body = ErrorBody),
        (status = CONFLICT, description = "Not allowed now: see `code`", body = AdvisorRefusal),
        (status = UNPROCESSABLE_ENTITY, description = "The request is not valid: see `code`", body = AdvisorRefusal),
    )
)]
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
    let (message, near_duplicate) = advisor::send(
        state.store.as_ref(),
        &state.messaging,
        &staff.caller(),
        id,
        &request,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(SentResponse {
            message: message.into(),
            near_duplicate,
        }),
    ))
}

/// Sends again a message the network never confirmed.
#[utoipa::path(
    post,
    path = "/api/tasks/{id}/messages/{message}/again",
    tag = "advisor",
    description = "Send again, exactly as it was written (mode, tag, template and parameters), a message whose \
        delivery the network never confirmed (state `unconfirmed`: its request left, no answer came, and no \
        status arrived within `[outbox] confirm_seconds`). The advisor holding the task decides; the network's \
        rules are checked again now. Idempotent: however often it is asked, one new message is queued (201 the \
        first time, 200 with the same message after). A message in any other state is refused with `invalid`. \
        Roles: advisor, ops",
    params(
        ("id" = Uuid, Path, description = "The social task"),
        ("message" = Uuid, Path, description = "The message the network never confirmed"),
    ),
    responses(
        (status = CREATED, description = "The new message, queued", body = MessageView),
        (status = OK, description = "Already sent again: the same new message", body = MessageView),
        (status = NOT_FOUND, description = "No such social task or message", body = ErrorBody),
        (status = CONFLICT, description = "Not allowed now: see `code`", body = AdvisorRefusal),
        (status = UNPROCESSABLE_ENTITY, description = "Not a message to send again: see `code`", body = AdvisorRefusal),
    )
)]
pub async fn send_again(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, message)): Path<(String, String)>,
) -> Result<(StatusCode, Json<MessageView>), AdvisorError> {
    let id = task_id(&id)?;
    let message = Uuid::parse_str(&message)
        .map_err(|_| AdvisorError::from(ServiceError::NotFound(format!("message {message}"))))?;
    let (again, queued) =
        advisor::send_again(state.store.as_ref(), &staff.caller(), id, message).await?;
    let status = if queued {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(again.into())))
}

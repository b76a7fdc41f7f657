//! The in-person task API, for gate readers, gate agents and ops: list tasks in the caller's scope, claim
//! one, close one with its outcome. A task is shown as `TaskView`: who (name, seat, language) and the
//! one-line brief, never the registry detail behind it (followers, cases, the rule's reasons). The gate
//! pages render the same views and close tasks through `close_task`. Depends on `store` and `domain`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::{AuthError, Staff};
use super::openapi::ErrorBody;
use super::{AppState, WebError};
use crate::domain::records::{Task, TaskTransition};
use crate::domain::{Channel, Iata, Role, Seat, TaskOutcome, TaskState};
use crate::store::{PassengerTask, StoreError, TaskFilter};
use crate::{clock, tasks};

/// The channels a gate agent works: in person, at the gate or in the cabin.
pub const IN_PERSON: [Channel; 2] = [Channel::Gate, Channel::Cabin];

/// The most tasks one listing returns.
const LIST_LIMIT: i64 = 500;

/// One task as staff at the gate see it: who, where they sit, their language and one line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskView {
    pub id: Uuid,
    pub flight_id: Uuid,
    pub station: String,
    pub gate: Option<String>,
    pub channel: Channel,
    pub state: TaskState,
    pub priority: i16,
    pub due_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// As the manifest spells it: `SURNAME/GIVEN TITLE`.
    pub name: String,
    pub seat: Option<String>,
    /// The person's preferred language (ISO 639-1), when the registry knows it.
    pub language: Option<String>,
    pub brief: String,
    pub assignee: Option<String>,
    pub outcome: Option<TaskOutcome>,
    #[serde(skip)]
    seat_order: Option<Seat>,
}

/// Each listed task as the gate shows it, ordered by seat (row, then letter; tasks without a seat last).
pub fn task_views(listed: Vec<PassengerTask>) -> Vec<TaskView> {
    let mut views: Vec<TaskView> = listed.into_iter().map(task_view).collect();
    views.sort_by(|a, b| {
        (a.seat_order.is_none(), &a.seat_order, &a.name).cmp(&(
            b.seat_order.is_none(),
            &b.seat_order,
            &b.name,
        ))
    });
    views
}

fn task_view(listed: PassengerTask) -> TaskView {
    let mut name = format!("{}/{}", listed.surname, listed.given_name);
    if let Some(title) = listed.title {
        name.push(' ');
        name.push_str(&title);
    }
    let task = listed.task;
    TaskView {
        id: task.id,
        flight_id: task.new.flight_id,
        station: task.new.station,
        gate: task.new.gate,
        channel: task.new.channel,
        state: task.state,
        priority: task.new.priority,
        due_at: task.new.due_at,
        expires_at: task.new.expires_at,
        seat_order: listed.seat.as_deref().and_then(|s| Seat::parse(s).ok()),
        name,
        seat: listed.seat,
        language: listed.language,
        brief: task.new.brief,
        assignee: task.assignee,
        outcome: task.outcome,
    }
}

/// Why a task request was refused, beyond sign-in and scope.
#[derive(Debug, thiserror::Error)]
pub enum TaskApiError {
    #[error("{field}: {why}")]
    Invalid { field: &'static str, why: String },
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Web(#[from] WebError),
}

impl From<AuthError> for TaskApiError {
    fn from(e: AuthError) -> Self {
        TaskApiError::Web(WebError::Auth(e))
    }
}

impl From<StoreError> for TaskApiError {
    fn from(e: StoreError) -> Self {
        TaskApiError::Web(WebError::from(e))
    }
}

impl IntoResponse for TaskApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            TaskApiError::Invalid { .. } => StatusCode::BAD_REQUEST,
            TaskApiError::Conflict(_) => StatusCode::CONFLICT,
            TaskApiError::Web(_) => {
                let TaskApiError::Web(e) = self else {
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                };
                return e.into_response();
            }
        };
        let error = self.to_string();
        (status, Json(ErrorBody { error })).into_response()
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// An IATA code; gate callers see their stations only.
    station: Option<String>,
    gate: Option<String>,
    /// The flight's id.
    flight: Option<Uuid>,
    /// Comma-separated channel words.
    channel: Option<String>,
    /// Comma-separated state words.
    state: Option<String>,
}

fn words<T: std::str::FromStr>(
    field: &'static str,
    raw: Option<&str>,
) -> Result<Vec<T>, TaskApiError>
where
    T::Err: std::fmt::Display,
{
    raw.into_iter()
        .flat_map(|r| r.split(','))
        .filter(|w| !w.trim().is_empty())
        .map(|w| {
            w.parse().map_err(|e: T::Err| TaskApiError::Invalid {
                field,
                why: e.to_string(),
            })
        })
        .collect()
}

/// The filter a caller may run: gate agents only their stations' in-person tasks, ops anything.
fn scoped_filter(staff: &Staff, query: &TaskQuery) -> Result<TaskFilter, TaskApiError> {
    staff.require_role(&[Role::Gate, Role::Ops])?;
    let mut channels: Vec<Channel> = words("channel", query.channel.as_deref())?;
    let states: Vec<TaskState> = words("state", query.state.as_deref())?;
    let mut stations = Vec::new();
    if let Some(raw) = query.station.as_deref() {
        let station = Iata::parse(raw).map_err(|e| TaskApiError::Invalid {
            field: "station",
            why: e.to_string(),
        })?;
        staff.require_station(&station)?;
        stations.push(station.to_string());
    }
    if staff.role() == Role::Gate {
        if stations.is_empty() {
            stations = staff
                .grant
                .scopes()
                .stations
                .iter()
                .map(|s| s.to_string())
                .collect();
        }
        if channels.is_empty() {
            channels = IN_PERSON.to_vec();
        } else if channels.iter().any(|c| !IN_PERSON.contains(c)) {
            return Err(AuthError::Forbidden {
                surface: staff.surface,
                language: staff.ui_language,
            }
            .into());
        }
    }
    Ok(TaskFilter {
        stations,
        gate: query.gate.clone().filter(|g| !g.trim().is_empty()),
        flight_id: query.flight,
        channels,
        states,
        limit: Some(LIST_LIMIT),
    })
}

/// In-person tasks in the caller's scope, by seat.
#[utoipa::path(
    get,
    path = "/api/tasks",
    tag = "tasks",
    description = "In-person (gate and cabin) tasks, filtered by station, gate, flight, channel and state, in \
        seat order. Roles: gate (its stations, in-person channels), ops",
    params(TaskQuery),
    responses(
        (status = OK, description = "The tasks, by seat", body = Vec<TaskView>),
        (status = BAD_REQUEST, description = "A filter that cannot be read", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<TaskQuery>,
) -> Result<Json<Vec<TaskView>>, TaskApiError> {
    let filter = scoped_filter(&staff, &query)?;
    Ok(Json(task_views(
        state.store.passenger_tasks(&filter).await?,
    )))
}

/// The task, when the caller may work it: gate agents the in-person tasks of their stations, ops any
/// in-person task. Social tasks belong to the advisors' endpoints.
pub async fn workable_task(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
) -> Result<Task, TaskApiError> {
    staff.require_role(&[Role::Gate, Role::Ops])?;
    let task = state
        .store
        .task(id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("no task {id}")))?;
    let station = Iata::parse(&task.new.station)
        .map_err(|e| WebError::Internal(StoreError::Corrupt(format!("task {id} station: {e}"))))?;
    staff.require_station(&station)?;
    if !IN_PERSON.contains(&task.new.channel) {
        return Err(AuthError::Forbidden {
            surface: staff.surface,
            language: staff.ui_language,
        }
        .into());
    }
    Ok(task)
}

async fn one_view(state: &AppState, task: Task) -> Result<TaskView, TaskApiError> {
    let listed = state
        .store
        .passenger_task(task.id)
        .await?
        .ok_or_else(|| TaskApiError::Conflict("the task disappeared".to_string()))?;
    Ok(task_view(listed))
}

/// An open task becomes the caller's ("I'm going"); a task someone else claimed first is a `Conflict`.
/// The API and the gate page's button both claim through here.
pub async fn claim_task(state: &AppState, staff: &Staff, id: Uuid) -> Result<Task, TaskApiError> {
    let task = workable_task(state, staff, id).await?;
    let transition = TaskTransition {
        task_id: task.id,
        from: vec![TaskState::Open],
        to: TaskState::Claimed,
        actor: staff.actor(),
        assignee: Some(staff.name.clone()),
        outcome: None,
        note: None,
        at: clock::now(),
    };
    state
        .store
        .transition_task(&transition)
        .await?
        .ok_or_else(|| {
            TaskApiError::Conflict(format!(
                "task {id} is {} and can no longer be claimed",
                task.state
            ))
        })
}

/// An open task becomes the caller's.
#[utoipa::path(
    post,
    path = "/api/tasks/{id}/claim",
    tag = "tasks",
    description = "Claim an open in-person task. Roles: gate (its stations), ops",
    params(("id" = Uuid, Path, description = "The task")),
    responses(
        (status = OK, description = "The task, claimed by the caller", body = TaskView),
        (status = NOT_FOUND, description = "No such task", body = ErrorBody),
        (status = CONFLICT, description = "The task is no longer open", body = ErrorBody),
    )
)]
pub async fn claim(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
) -> Result<Json<TaskView>, TaskApiError> {
    let claimed = claim_task(&state, &staff, id).await?;
    Ok(Json(one_view(&state, claimed).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseRequest {
    /// A `TaskOutcome` word other than `message_sent`.
    pub outcome: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// The longest note kept with an outcome.
const NOTE_LIMIT: usize = 1000;

/// Records an in-person outcome: the task (open or claimed) becomes done; "talked, new issue" opens a
/// case on the person with the note and "asked not to be contacted" records their opt-out, both kept as
/// aboard's own (registry imports never replace them); "offloaded" takes the passenger off the flight and
/// cancels their other open follow-ups. Refuses the outcome of another channel.
pub async fn close_task(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    outcome: &str,
    note: Option<&str>,
) -> Result<Task, TaskApiError> {
    let outcome: TaskOutcome = outcome
        .parse()
        .map_err(|e: crate::domain::UnknownVariant| TaskApiError::Invalid {
            field: "outcome",
            why: e.to_string(),
        })?;
    if outcome == TaskOutcome::MessageSent {
        return Err(TaskApiError::Invalid {
            field: "outcome",
            why: "message_sent is the outcome of a social task; at the gate use talked_all_well, \
                  talked_new_issue, not_found, declined, asked_no_contact or offloaded"
                .to_string(),
        });
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > NOTE_LIMIT) {
        return Err(TaskApiError::Invalid {
            field: "note",
            why: format!("at most {NOTE_LIMIT} characters"),
        });
    }
    let task = workable_task(state, staff, id).await?;
    let now = clock::now();
    let transition = TaskTransition {
        task_id: task.id,
        from: vec![TaskState::Open, TaskState::Claimed],
        to: TaskState::Done,
        actor: staff.actor(),
        assignee: Some(staff.name.clone()),
        outcome: Some(outcome),
        note: note.map(str::to_string),
        at: now,
    };
    let record = tasks::outcome_record(&task, outcome, note, now);
    let done = match &record {
        Some(record) => {
            state
                .store
                .close_task_recording(&transition, record)
                .await?
        }
        None => state.store.transition_task(&transition).await?,
    };
    let done = done.ok_or_else(|| {
        TaskApiError::Conflict(format!(
            "task {id} is already {}; its outcome was recorded before",
            task.state
        ))
    })?;
    if outcome == TaskOutcome::Offloaded {
        // After the task is done, so that the cancellation of the passenger's open follow-ups spares it.
        state
            .engine
            .passenger_offloaded(
                done.new.passenger_id,
                note.unwrap_or(OFFLOADED_AT_THE_GATE),
                &staff.actor(),
                now,
            )
            .await
            .map_err(WebError::from)?;
    }
    Ok(done)
}

/// The reason an offload is recorded with when the agent wrote no note.
const OFFLOADED_AT_THE_GATE: &str = "at the gate";

/// Records an in-person task's outcome.
#[utoipa::path(
    post,
    path = "/api/tasks/{id}/close",
    tag = "tasks",
    description = "Record an in-person task's outcome; `offloaded` also takes the passenger off the flight. \
        Roles: gate (its stations), ops",
    params(("id" = Uuid, Path, description = "The task")),
    request_body = CloseRequest,
    responses(
        (status = OK, description = "The task, done", body = TaskView),
        (status = BAD_REQUEST, description = "An outcome or note that is not valid", body = ErrorBody),
        (status = NOT_FOUND, description = "No such task", body = ErrorBody),
        (status = CONFLICT, description = "The outcome was recorded before", body = ErrorBody),
    )
)]
pub async fn close(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    Json(request): Json<CloseRequest>,
) -> Result<Json<TaskView>, TaskApiError> {
    let done = close_task(
        &state,
        &staff,
        id,
        &request.outcome,
        request.note.as_deref(),
    )
    .await?;
    Ok(Json(one_view(&state, done).await?))
}

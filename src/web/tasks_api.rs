//! The in-person task API, for gate readers, gate agents and ops: list tasks in the caller's scope, claim
//! one, close one with its outcome. A task is shown as `TaskView`: who (name, seat, language) and the
//! one-line brief, never the registry detail behind it (followers, cases, the rule's reasons). The gate
//! pages render the same views; both claim and close through `app::in_person`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Staff;
use super::openapi::ErrorBody;
use super::{AppState, WebError};
use crate::app::ServiceError;
use crate::app::in_person::{self, IN_PERSON, TaskError};
use crate::domain::records::Task;
use crate::domain::{Channel, Iata, Role, Seat, TaskOutcome, TaskState, UiLanguage};
use crate::store::{PassengerTask, TaskFilter};

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
    /// In English.
    pub brief: String,
    /// The brief in the other languages its rule writes it in, by language code.
    pub briefs: BTreeMap<UiLanguage, String>,
    pub assignee: Option<String>,
    pub outcome: Option<TaskOutcome>,
    /// When the task was escalated, close to or past its deadline: it is listed first.
    pub escalated_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    seat_order: Option<Seat>,
}

/// Each listed task as the gate shows it: escalated ones first, then by seat (row, then letter; tasks
/// without a seat last).
pub fn task_views(listed: Vec<PassengerTask>) -> Vec<TaskView> {
    let mut views: Vec<TaskView> = listed.into_iter().map(task_view).collect();
    views.sort_by(|a, b| {
        (
            a.escalated_at.is_none(),
            a.seat_order.is_none(),
            &a.seat_order,
            &a.name,
        )
            .cmp(&(
                b.escalated_at.is_none(),
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
        briefs: task.new.briefs,
        assignee: task.assignee,
        outcome: task.outcome,
        escalated_at: task.escalated_at,
    }
}

impl IntoResponse for TaskError {
    fn into_response(self) -> Response {
        let status = match self {
            TaskError::Invalid { .. } => StatusCode::BAD_REQUEST,
            TaskError::Conflict(_) => StatusCode::CONFLICT,
            TaskError::Service(e) => return WebError::from(e).into_response(),
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

fn words<T: std::str::FromStr>(field: &'static str, raw: Option<&str>) -> Result<Vec<T>, TaskError>
where
    T::Err: std::fmt::Display,
{
    raw.into_iter()
        .flat_map(|r| r.split(','))
        .filter(|w| !w.trim().is_empty())
        .map(|w| {
            w.parse().map_err(|e: T::Err| TaskError::Invalid {
                field,
                why: e.to_string(),
            })
        })
        .collect()
}

/// The filter a caller may run: gate agents only their stations' in-person tasks, ops anything.
fn scoped_filter(staff: &Staff, query: &TaskQuery) -> Result<TaskFilter, TaskError> {
    in_person::require_gate_role(&staff.caller())?;
    let mut channels: Vec<Channel> = words("channel", query.channel.as_deref())?;
    let states: Vec<TaskState> = words("state", query.state.as_deref())?;
    let mut stations = Vec::new();
    if let Some(raw) = query.station.as_deref() {
        let station = Iata::parse(raw).map_err(|e| TaskError::Invalid {
            field: "station",
            why: e.to_string(),
        })?;
        if !staff.grant.allows_station(&station) {
            return Err(ServiceError::Forbidden.into());
        }
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
            return Err(ServiceError::Forbidden.into());
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
) -> Result<Json<Vec<TaskView>>, TaskError> {
    let filter = scoped_filter(&staff, &query)?;
    Ok(Json(task_views(
        state.store.passenger_tasks(&filter).await?,
    )))
}

async fn one_view(state: &AppState, task: Task) -> Result<TaskView, TaskError> {
    let listed = state
        .store
        .passenger_task(task.id)
        .await?
        .ok_or_else(|| TaskError::Conflict("the task disappeared".to_string()))?;
    Ok(task_view(listed))
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
) -> Result<Json<TaskView>, TaskError> {
    let claimed = in_person::claim(state.store.as_ref(), &staff.caller(), id).await?;
    Ok(Json(one_view(&state, claimed).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseRequest {
    /// A `TaskOutcome` word other than `message_sent`.
    pub outcome: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// An outcome word as a `TaskOutcome`.
pub fn parse_outcome(word: &str) -> Result<TaskOutcome, TaskError> {
    word.parse()
        .map_err(|e: crate::domain::UnknownVariant| TaskError::Invalid {
            field: "outcome",
            why: e.to_string(),
        })
}

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
) -> Result<Json<TaskView>, TaskError> {
    let outcome = parse_outcome(&request.outcome)?;
    let note = request.note.as_deref();
    let done = in_person::close(&state.engine, &staff.caller(), id, outcome, note).await?;
    Ok(Json(one_view(&state, done).await?))
}

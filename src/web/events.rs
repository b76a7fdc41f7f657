//! The event stream over HTTP: `GET /api/events` for the airline's systems and analysts, and the
//! /ops/events page, both pages of `app::events::stream` after a cursor. Ops and analysts; analysts read
//! details without their free text. Depends on `app::events` and the page plumbing in `pages`.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::auth::Staff;
use super::i18n::Msg;
use super::openapi::ErrorBody;
use super::pages::{PageContext, render};
use super::{AppState, WebError};
use crate::app::events::{self, DEFAULT_PAGE, EventPage, MAX_PAGE};
use crate::store::EventQuery;

/// The stream's filters as sent: every one optional, each checked with a message naming it.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// The `next` of the previous page: events after this one.
    pub after: Option<String>,
    /// Events at or after this instant (RFC 3339, or a date meaning its start in UTC).
    pub from: Option<String>,
    /// Events before this instant (RFC 3339, or a date meaning its start in UTC).
    pub to: Option<String>,
    /// An event kind (`task.created`) or a family of kinds (`task`).
    pub kind: Option<String>,
    /// A flight's id.
    pub flight: Option<String>,
    /// A registry person's id.
    pub person: Option<String>,
    /// A task's id.
    pub task: Option<String>,
    /// At most this many events (1 to 1,000; 100 when not given).
    pub limit: Option<String>,
}

fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn id(name: &str, value: &Option<String>) -> Result<Option<Uuid>, String> {
    filled(value)
        .map(|v| Uuid::parse_str(v).map_err(|_| format!("{name}: {v:?} is not an id (a UUID)")))
        .transpose()
}

fn instant(name: &str, value: &Option<String>) -> Result<Option<DateTime<Utc>>, String> {
    filled(value)
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .or_else(|_| {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
                })
                .map_err(|_| {
                    format!(
                        "{name}: {v:?} is neither a time (2026-11-22T10:00:00Z) nor a date (2026-11-22)"
                    )
                })
        })
        .transpose()
}

impl EventParams {
    /// The store's query, or what is wrong with a filter.
    pub fn query(&self) -> Result<EventQuery, String> {
        let kind = filled(&self.kind)
            .map(|k| {
                if k.len() <= 64
                    && k.bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.')
                {
                    Ok(k.to_string())
                } else {
                    Err(format!(
                        "kind: {k:?} is not an event kind (lower-case words and dots, as task.created)"
                    ))
                }
            })
            .transpose()?;
        let limit = match filled(&self.limit) {
            None => DEFAULT_PAGE,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
                _ => {
                    return Err(format!(
                        "limit: {v:?} is not a whole number from 1 to {MAX_PAGE}"
                    ));
                }
            },
        };
        let query = EventQuery {
            after: id("after", &self.after)?,
            from: instant("from", &self.from)?,
            to: instant("to", &self.to)?,
            kind,
            flight_id: id("flight", &self.flight)?,
            person_id: id("person", &self.person)?,
            task_id: id("task", &self.task)?,
            limit,
        };
        if let (Some(from), Some(to)) = (query.from, query.to)
            && from >= to
        {
            return Err("from: the range starts at or after its end (to)".to_string());
        }
        Ok(query)
    }
}

/// A page of the event stream, oldest first.
#[utoipa::path(
    get,
    path = "/api/events",
    tag = "events",
    description = "The append-only event log, oldest first after the cursor `after`, filtered by time, kind, \
        flight, person and task; follow `next` until it is absent. Analysts get each detail without its free \
        text. Roles: ops, analyst",
    params(EventParams),
    responses(
        (status = OK, description = "A page of events and the next page's cursor", body = EventPage),
        (status = BAD_REQUEST, description = "A filter that cannot be read, named with why", body = ErrorBody),
    )
)]
pub async fn api(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<EventParams>,
) -> Result<Response, WebError> {
    staff.require_role(events::EVENT_ROLES)?;
    let query = match params.query() {
        Ok(query) => query,
        Err(error) => {
            return Ok((StatusCode::BAD_REQUEST, Json(ErrorBody { error })).into_response());
        }
    };
    let page = events::stream(state.store.as_ref(), &staff.caller(), &query).await?;
    Ok(Json(page).into_response())
}

struct EventRow {
    at: String,
    kind: String,
    actor: String,
    subject: String,
    flight: String,
    person: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "ops_events.html")]
struct EventsPage {
    page: PageContext,
    /// The filters as sent, to fill the form again: from, to, kind, flight, person, task.
    filters: [(&'static str, String); 6],
    error: Option<String>,
    rows: Vec<EventRow>,
    next_href: Option<String>,
}

/// The page's link to the next page: the same filters, after the last event shown.
fn next_href(params: &EventParams, next: Uuid) -> String {
    let pairs = [
        ("from", &params.from),
        ("to", &params.to),
        ("kind", &params.kind),
        ("flight", &params.flight),
        ("person", &params.person),
        ("task", &params.task),
        ("limit", &params.limit),
    ];
    let mut kept: Vec<(&str, &str)> = pairs
        .into_iter()
        .filter_map(|(name, value)| filled(value).map(|v| (name, v)))
        .collect();
    let next = next.to_string();
    kept.push(("after", &next));
    format!(
        "/ops/events?{}",
        serde_urlencoded::to_string(&kept).unwrap_or_default()
    )
}

/// GET /ops/events — the event stream as a table, with its filters and a link to the next page.
pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<EventParams>,
) -> Result<Response, WebError> {
    staff.require_role(events::EVENT_ROLES)?;
    let page = PageContext::for_staff(&staff);
    let (rows, next, error) = match params.query() {
        Err(error) => (Vec::new(), None, Some(error)),
        Ok(query) => {
            let stream = events::stream(state.store.as_ref(), &staff.caller(), &query).await?;
            let rows = stream
                .events
                .into_iter()
                .map(|e| EventRow {
                    at: e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                    kind: e.kind,
                    actor: e.actor,
                    subject: format!("{} {}", e.subject_kind, e.subject_id),
                    flight: e.flight_id.map(|f| f.to_string()).unwrap_or_default(),
                    person: e.person_id.map(|p| p.to_string()).unwrap_or_default(),
                    detail: e.detail.to_string(),
                })
                .collect();
            (rows, stream.next, None)
        }
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let template = EventsPage {
        page,
        next_href: next.map(|n| next_href(&params, n)),
        filters: [
            ("from", &params.from),
            ("to", &params.to),
            ("kind", &params.kind),
            ("flight", &params.flight),
            ("person", &params.person),
            ("task", &params.task),
        ]
        .map(|(name, value)| (name, value.clone().unwrap_or_default())),
        error,
        rows,
    };
    Ok(render(status, &template))
}

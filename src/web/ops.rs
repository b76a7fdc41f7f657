//! The ops pages: the day's flights board per station with status, gate, local times and task counts;
//! the rules in force and their last reload; the scheduler's jobs (the import page is `ops_import`). Ops only. Depends on `store`, the
//! rules status and the scheduler the `AppState` holds, and the page plumbing in `pages`.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::auth::Staff;
use super::i18n;
use super::i18n::Msg;
use super::pages::{PageContext, error_page, render};
use super::{AppState, WebError};
use crate::clock;
use crate::domain::TaskState;

struct BoardRow {
    href: String,
    flight: String,
    destination: String,
    scheduled: String,
    estimated: String,
    status: &'static str,
    status_word: &'static str,
    gate: String,
    open: i64,
    claimed: i64,
    done: i64,
    ended: i64,
}

struct StationBoard {
    station: String,
    zone: String,
    flights: Vec<BoardRow>,
}

#[derive(Template)]
#[template(path = "ops_flights.html")]
struct FlightsPage {
    page: PageContext,
    date: String,
    previous: String,
    next: String,
    stations: Vec<StationBoard>,
}

#[derive(Deserialize)]
pub struct DateQuery {
    date: Option<String>,
}

/// GET /ops/flights?date=YYYY-MM-DD — the flights of a local date per station; without a date, each
/// station's operating day (from 3 hours ago to a day ahead, across midnight). A date that cannot be
/// read gets a page that says how to write one.
pub async fn flights(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<DateQuery>,
) -> Result<Response, WebError> {
    let now = clock::now();
    let date = match query
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => None,
        Some(raw) => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                return Ok(error_page(
                    StatusCode::BAD_REQUEST,
                    staff.ui_language,
                    Msg::BadAddress,
                    Msg::BadDateText,
                ));
            }
        },
    };
    let flights = match date {
        Some(date) => state.store.flights_on(date).await?,
        None => {
            let (from, to) = super::gate::operating_day(now);
            state.store.operating_flights(from, to, None).await?
        }
    };
    let mut dates: Vec<NaiveDate> = flights.iter().map(|f| f.key.local_date).collect();
    dates.sort_unstable();
    dates.dedup();
    let mut counts = Vec::new();
    for day in dates {
        counts.extend(state.store.task_counts_on(day).await?);
    }
    let language = staff.ui_language;
    let mut stations: BTreeMap<String, StationBoard> = BTreeMap::new();
    for flight in flights {
        let origin = flight.key.origin.clone();
        let of = |wanted: &[TaskState]| -> i64 {
            counts
                .iter()
                .filter(|c| c.flight_id == flight.id && wanted.contains(&c.state))
                .map(|c| c.tasks)
                .sum()
        };
        let local = |t: Option<DateTime<Utc>>| {
            t.map(|t| match date {
                Some(_) => i18n::local_time(t, &origin),
                None => i18n::day_time(t, &origin, now),
            })
            .unwrap_or_default()
        };
        let row = BoardRow {
            href: format!("/gate/flight/{}", flight.id),
            flight: flight.key.flight.to_string(),
            destination: flight
                .destination
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            scheduled: local(flight.departure.scheduled),
            estimated: local(flight.departure.actual.or(flight.departure.estimated)),
            status: i18n::flight_status_name(flight.status, language),
            status_word: flight.status.as_str(),
            gate: flight.gate.clone().unwrap_or_default(),
            open: of(&[TaskState::Open]),
            claimed: of(&[TaskState::Claimed]),
            done: of(&[TaskState::Done]),
            ended: of(&[TaskState::Expired, TaskState::Cancelled]),
        };
        stations
            .entry(origin.to_string())
            .or_insert_with(|| StationBoard {
                station: origin.to_string(),
                zone: i18n::zone_label(&origin, now),
                flights: Vec::new(),
            })
            .flights
            .push(row);
    }
    let page = PageContext::for_staff(&staff);
    let day = date.unwrap_or_else(|| now.date_naive());
    let template = FlightsPage {
        date: date.map_or_else(|| page.t(Msg::TodaysFlights).to_string(), |d| d.to_string()),
        page,
        previous: day.pred_opt().map(|d| d.to_string()).unwrap_or_default(),
        next: day.succ_opt().map(|d| d.to_string()).unwrap_or_default(),
        stations: stations.into_values().collect(),
    };
    Ok(render(StatusCode::OK, &template))
}

#[derive(Template)]
#[template(path = "ops_rules.html")]
struct RulesPage {
    page: PageContext,
    source: String,
    /// Each rule's id and description, in the viewer's language where the file gives it.
    rules: Vec<(String, String)>,
    loaded_at: String,
    last_error: Option<String>,
    last_error_at: String,
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// GET /ops/rules — the rules in force, where they came from, when they were loaded, the last refusal.
pub async fn rules(State(state): State<AppState>, staff: Staff) -> Result<Response, WebError> {
    let status = match state.rules_status.lock() {
        Ok(status) => status.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    let template = RulesPage {
        page: PageContext::for_staff(&staff),
        rules: status
            .rules
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    r.description_in(staff.ui_language).to_string(),
                )
            })
            .collect(),
        // A directory is shown as configured; the rules built in are named in the reader's language.
        source: if status.source == crate::app::reload::SHIPPED_SOURCE {
            Msg::ShippedRules.text(staff.ui_language).to_string()
        } else {
            status.source
        },
        loaded_at: utc(status.loaded_at),
        last_error: status.last_error,
        last_error_at: status.last_error_at.map(utc).unwrap_or_default(),
    };
    Ok(render(StatusCode::OK, &template))
}

struct JobRow {
    name: String,
    schedule: String,
    time_zone: String,
    enabled: bool,
    disabled_reason: String,
    next_run: String,
    last_tick: String,
    last_outcome: String,
    last_detail: String,
    instance: String,
}

#[derive(Template)]
#[template(path = "ops_scheduler.html")]
struct SchedulerPage {
    page: PageContext,
    jobs: Vec<JobRow>,
}

/// An instant on the job zone's wall clock, with the zone's abbreviation.
fn in_zone(t: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<Tz>() {
        Ok(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string(),
        Err(_) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// GET /ops/scheduler — every job: schedule, zone, whether it runs here, next and last run.
pub async fn scheduler(State(state): State<AppState>, staff: Staff) -> Result<Response, WebError> {
    let jobs = state
        .scheduler
        .status(clock::now())
        .await?
        .into_iter()
        .map(|j| {
            let zone = j.time_zone.clone();
            let last = j.last_run.as_ref();
            JobRow {
                next_run: j
                    .next_run
                    .as_ref()
                    .map(|n| in_zone(n.utc, &zone))
                    .unwrap_or_default(),
                // When it ran; a run that caught up a missed one (the service was down) says which.
                last_tick: last
                    .map(|l| match l.started_at - l.tick {
                        late if late > chrono::TimeDelta::minutes(1) => format!(
                            "{} ({} {})",
                            in_zone(l.started_at, &zone),
                            Msg::CatchUpOf.text(staff.ui_language),
                            in_zone(l.tick, &zone)
                        ),
                        _ => in_zone(l.started_at, &zone),
                    })
                    .unwrap_or_default(),
                last_outcome: last.and_then(|l| l.outcome.clone()).unwrap_or_default(),
                last_detail: last.and_then(|l| l.detail.clone()).unwrap_or_default(),
                instance: last.map(|l| l.instance.clone()).unwrap_or_default(),
                name: j.name,
                schedule: j.schedule,
                time_zone: zone,
                enabled: j.enabled,
                disabled_reason: j
                    .disabled
                    .as_ref()
                    .map(|why| i18n::job_unavailable(why, staff.ui_language))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let template = SchedulerPage {
        page: PageContext::for_staff(&staff),
        jobs,
    };
    Ok(render(StatusCode::OK, &template))
}

/// The ops pages, for the start page's links: (address, label).
pub fn links(language: crate::domain::UiLanguage) -> [(&'static str, &'static str); 5] {
    [
        ("/ops/import", Msg::ImportFiles.text(language)),
        ("/ops/flights", Msg::FlightsBoard.text(language)),
        ("/ops/rules", Msg::RulesInForce.text(language)),
        ("/ops/scheduler", Msg::SchedulerJobs.text(language)),
        ("/ops/events", Msg::EventStream.text(language)),
    ]
}

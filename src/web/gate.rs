//! The gate agent's pages: pick a station and gate or a flight; the live task list (flight header, tasks
//! by seat with name, language, priority and the one-line brief, one tap per outcome); the cabin crew's
//! printable list; and the server-sent events that tell an open page its list changed. The stream wakes
//! on the store's word that the station's tasks changed (`store::signals`: in process, and from other
//! instances through PostgreSQL's NOTIFY), then reads the station's `task_list_version` and tells the page
//! when it moved. Depends on `store`, `domain`,
//! `tasks_api` (views and outcomes) and the page plumbing in `pages`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, TimeDelta, Utc};
use futures::Stream;
use serde::Deserialize;
use uuid::Uuid;

use super::auth::Staff;
use super::i18n::{self, Msg};
use super::pages::{PageContext, error_page, render};
use super::tasks_api::{self, TaskView};
use super::{AppState, WebError};
use crate::app::in_person::{self, IN_PERSON, TaskError};
use crate::clock;
use crate::domain::records::Flight;
use crate::domain::{FlightStatus, Iata, Role, TaskOutcome, TaskState, UiLanguage};
use crate::store::{TaskFilter, TaskListVersion, signals};
use tokio::sync::broadcast;

/// A station's operating day, what its "today's flights" means: from three hours ago (the flights just
/// gone, whose follow-ups may still be closing) to a day ahead, across midnight.
pub(super) fn operating_day(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (now - TimeDelta::hours(3), now + TimeDelta::hours(24))
}

/// How long an open event stream goes without reading the station's version when it hears of no change:
/// the store's word of each change is what wakes it, this makes good a word lost (a PostgreSQL listener
/// that lost its connection) or never sent (another process writing the SQLite file, such as the CLI).
const RESYNC: Duration = Duration::from_secs(5);
/// How often an open event stream sends a heartbeat (an SSE comment): it keeps proxies and the tablet's
/// network from taking the quiet connection for a dead one. The stream itself stays up until the server
/// stops.
pub const HEARTBEAT: Duration = Duration::from_secs(10);

fn not_found(language: UiLanguage) -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        language,
        Msg::NotFound,
        Msg::NotFoundText,
    )
}

struct FlightChoice {
    href: String,
    label: String,
}

#[derive(Template)]
#[template(path = "gate_pick.html")]
struct PickPage {
    page: PageContext,
    /// The stations a gate agent may choose; empty for ops, who type one.
    stations: Vec<String>,
    flights: Vec<FlightChoice>,
}

#[derive(Deserialize)]
pub struct PickQuery {
    station: Option<String>,
    gate: Option<String>,
}

/// GET /gate: choose a station and gate, or one of today's flights; with `?station=` it goes there.
pub async fn pick(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<PickQuery>,
) -> Result<Response, WebError> {
    if let Some(raw) = query.station.as_deref().filter(|s| !s.trim().is_empty()) {
        let Ok(station) = Iata::parse(raw) else {
            return Ok(not_found(staff.ui_language));
        };
        return Ok(Redirect::to(&station_url(&station, query.gate.as_deref())).into_response());
    }
    let now = clock::now();
    let (from, to) = operating_day(now);
    let origins = (staff.role() != Role::Ops).then(|| staff.grant.scopes().stations.as_slice());
    let todays = state.store.operating_flights(from, to, origins).await?;
    let flights = todays
        .into_iter()
        .map(|flight| {
            let departure = flight
                .departure
                .best()
                .map(|t| departure_words(&flight, t, now, staff.ui_language))
                .unwrap_or_default();
            FlightChoice {
                href: format!("/gate/flight/{}", flight.id),
                label: format!(
                    "{} · {} · {departure}{}",
                    flight.key.flight,
                    flight.key.origin,
                    flight
                        .gate
                        .as_deref()
                        .map(|g| format!(" · {g}"))
                        .unwrap_or_default()
                ),
            }
        })
        .collect();
    let stations = if staff.role() == Role::Gate {
        staff
            .grant
            .scopes()
            .stations
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        Vec::new()
    };
    let template = PickPage {
        page: PageContext::for_staff(&staff),
        stations,
        flights,
    };
    Ok(render(StatusCode::OK, &template))
}

/// A departure as a list shows it: local time, dated when not today, and how far off while it is ahead.
fn departure_words(
    flight: &Flight,
    departure: DateTime<Utc>,
    now: DateTime<Utc>,
    language: UiLanguage,
) -> String {
    let time = i18n::day_time(departure, &flight.key.origin, now);
    let gone = matches!(
        flight.status,
        FlightStatus::Departed
            | FlightStatus::Arrived
            | FlightStatus::Cancelled
            | FlightStatus::Diverted
    );
    if departure > now && !gone {
        format!("{time} ({})", i18n::until(departure, now, language))
    } else {
        time
    }
}

fn station_url(station: &Iata, gate: Option<&str>) -> String {
    match gate.map(str::trim).filter(|g| !g.is_empty()) {
        Some(gate) => {
            let query = serde_urlencoded::to_string([("gate", gate)]).unwrap_or_default();
            format!("/gate/{station}?{query}")
        }
        None => format!("/gate/{station}"),
    }
}

/// The version token a page is rendered at; the event stream compares against it.
fn version_token(version: &TaskListVersion) -> String {
    format!(
        "{}-{}",
        version.tasks,
        version
            .latest
            .map_or(0, |t| t.timestamp_nanos_opt().unwrap_or(i64::MAX))
    )
}

struct TaskRow {
    view: TaskView,
    brief: i18n::Brief,
    channel: &'static str,
    state: &'static str,
    language: String,
    /// Who said "I'm going", by name, when someone has.
    claimed_by: Option<String>,
    /// The caller did.
    mine: bool,
    claimable: bool,
}

/// Who claimed what, in names the agents know each other by: the caller's login, and the display name
/// of every account (a token keeps its own name).
struct Claimants {
    me: String,
    names: HashMap<String, String>,
}

impl Claimants {
    /// Reads the accounts only when a task on the list is claimed.
    async fn of(state: &AppState, staff: &Staff, views: &[TaskView]) -> Result<Self, WebError> {
        let names = if views.iter().any(|v| v.assignee.is_some()) {
            state
                .store
                .staff_accounts()
                .await?
                .into_iter()
                .map(|a| (a.login.to_string(), a.display_name))
                .collect()
        } else {
            HashMap::new()
        };
        Ok(Claimants {
            me: staff.name.clone(),
            names,
        })
    }

    fn name(&self, assignee: &str) -> String {
        self.names
            .get(assignee)
            .cloned()
            .unwrap_or_else(|| assignee.to_string())
    }
}

struct FlightSection {
    id: Uuid,
    flight: String,
    route: String,
    scheduled: String,
    estimated: Option<String>,
    status: &'static str,
    status_word: &'static str,
    gate: String,
    tasks: Vec<TaskRow>,
}

fn section(
    flight: &Flight,
    views: Vec<TaskView>,
    language: UiLanguage,
    claimants: &Claimants,
) -> FlightSection {
    let origin = &flight.key.origin;
    let now = clock::now();
    let scheduled = flight.departure.scheduled;
    let estimated = flight
        .departure
        .actual
        .or(flight.departure.estimated)
        .filter(|e| Some(*e) != scheduled);
    FlightSection {
        id: flight.id,
        flight: flight.key.flight.to_string(),
        route: format!(
            "{origin} → {}",
            flight
                .destination
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default()
        ),
        scheduled: match estimated {
            Some(_) => scheduled.map(|t| i18n::day_time(t, origin, now)),
            None => scheduled.map(|t| departure_words(flight, t, now, language)),
        }
        .unwrap_or_default(),
        estimated: estimated.map(|t| departure_words(flight, t, now, language)),
        status: i18n::flight_status_name(flight.status, language),
        status_word: flight.status.as_str(),
        gate: flight.gate.clone().unwrap_or_default(),
        tasks: views
            .into_iter()
            .map(|view| TaskRow {
                brief: i18n::Brief::of(&view.brief, &view.briefs, language),
                channel: i18n::channel_name(view.channel, language),
                state: i18n::task_state_name(view.state, language),
                language: view.language.clone().unwrap_or_default().to_uppercase(),
                claimed_by: (view.state == TaskState::Claimed)
                    .then(|| view.assignee.as_deref().map(|a| claimants.name(a)))
                    .flatten(),
                mine: view.state == TaskState::Claimed
                    && view.assignee.as_deref() == Some(claimants.me.as_str()),
                claimable: view.state == TaskState::Open,
                view,
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "gate.html")]
struct GatePage {
    page: PageContext,
    heading: String,
    zone: String,
    /// Where the page reloads its list from when the stream says it changed.
    self_url: String,
    events_url: String,
    sections: Vec<FlightSection>,
    empty: &'static str,
}

/// Groups views by flight, flights with an escalated task first and then in departure order, each list
/// as `task_views` orders it.
async fn sections_for(
    state: &AppState,
    staff: &Staff,
    views: Vec<TaskView>,
) -> Result<Vec<FlightSection>, WebError> {
    let claimants = Claimants::of(state, staff, &views).await?;
    let mut ids: Vec<Uuid> = views.iter().map(|v| v.flight_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut flights = state.store.flights(&ids).await?;
    let escalated: std::collections::HashSet<Uuid> = views
        .iter()
        .filter(|v| v.escalated_at.is_some())
        .map(|v| v.flight_id)
        .collect();
    flights.sort_by_key(|f| {
        (
            !escalated.contains(&f.id),
            f.departure.best(),
            f.key.flight.to_string(),
        )
    });
    let mut views = views;
    Ok(flights
        .iter()
        .map(|flight| {
            let (mine, rest) = views.drain(..).partition(|v| v.flight_id == flight.id);
            views = rest;
            section(flight, mine, staff.ui_language, &claimants)
        })
        .collect())
}

fn open_in_person(filter: TaskFilter) -> TaskFilter {
    TaskFilter {
        channels: IN_PERSON.to_vec(),
        states: vec![TaskState::Open, TaskState::Claimed],
        limit: Some(500),
        ..filter
    }
}

#[derive(Deserialize)]
pub struct GateQuery {
    gate: Option<String>,
}

/// GET /gate/{station}?gate=S24 — the station's (or one gate's) open in-person tasks, by flight and seat.
pub async fn station(
    State(state): State<AppState>,
    staff: Staff,
    Path(station): Path<String>,
    Query(query): Query<GateQuery>,
) -> Result<Response, WebError> {
    let Ok(station) = Iata::parse(&station) else {
        return Ok(not_found(staff.ui_language));
    };
    staff.require_station(&station)?;
    // A code no airport has (a typo such as XXX) would show an empty list as if all were quiet.
    if crate::airports::lookup(&station).is_none() {
        return Ok(error_page(
            StatusCode::NOT_FOUND,
            staff.ui_language,
            Msg::UnknownStation,
            Msg::UnknownStationText,
        ));
    }
    let gate = query
        .gate
        .map(|g| g.trim().to_ascii_uppercase())
        .filter(|g| !g.is_empty());
    let version = state.store.task_list_version(station.as_str()).await?;
    let listed = state
        .store
        .passenger_tasks(&open_in_person(TaskFilter {
            stations: vec![station.to_string()],
            gate: gate.clone(),
            ..TaskFilter::default()
        }))
        .await?;
    let views = tasks_api::task_views(listed);
    let page = PageContext::for_staff(&staff);
    let template = GatePage {
        heading: match &gate {
            Some(g) => format!("{station} · {} {g}", page.t(Msg::Gate)),
            None => station.to_string(),
        },
        zone: i18n::zone_label(&station, clock::now()),
        self_url: station_url(&station, gate.as_deref()),
        events_url: format!("/gate/{station}/events?since={}", version_token(&version)),
        sections: sections_for(&state, &staff, views).await?,
        empty: page.t(Msg::NoOpenTasks),
        page,
    };
    Ok(render(StatusCode::OK, &template))
}

/// The flight, when the caller works its station.
async fn scoped_flight(state: &AppState, staff: &Staff, id: Uuid) -> Result<Flight, WebError> {
    let flight = state
        .store
        .flight(id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("no flight {id}")))?;
    staff.require_station(&flight.key.origin)?;
    Ok(flight)
}

async fn flight_views(state: &AppState, flight: &Flight) -> Result<Vec<TaskView>, WebError> {
    let listed = state
        .store
        .passenger_tasks(&open_in_person(TaskFilter {
            flight_id: Some(flight.id),
            ..TaskFilter::default()
        }))
        .await?;
    Ok(tasks_api::task_views(listed))
}

/// GET /gate/flight/{id} — one flight's header and its open in-person tasks by seat.
pub async fn flight(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let Ok(id) = id.parse::<Uuid>() else {
        return Ok(not_found(staff.ui_language));
    };
    let flight = match scoped_flight(&state, &staff, id).await {
        Err(WebError::NotFound(_)) => return Ok(not_found(staff.ui_language)),
        other => other?,
    };
    let origin = &flight.key.origin;
    let version = state.store.task_list_version(origin.as_str()).await?;
    let views = flight_views(&state, &flight).await?;
    let claimants = Claimants::of(&state, &staff, &views).await?;
    let page = PageContext::for_staff(&staff);
    let template = GatePage {
        heading: format!("{} · {origin}", flight.key.flight),
        zone: i18n::zone_label(origin, clock::now()),
        self_url: format!("/gate/flight/{id}"),
        events_url: format!("/gate/{origin}/events?since={}", version_token(&version)),
        sections: vec![section(&flight, views, staff.ui_language, &claimants)],
        empty: page.t(Msg::NoTasksForFlight),
        page,
    };
    Ok(render(StatusCode::OK, &template))
}

#[derive(Template)]
#[template(path = "gate_print.html")]
struct PrintPage {
    page: PageContext,
    zone: String,
    section: FlightSection,
}

/// GET /gate/flight/{id}/print — the cabin crew's list: seat, name, language and brief, by seat.
pub async fn print(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let Ok(id) = id.parse::<Uuid>() else {
        return Ok(not_found(staff.ui_language));
    };
    let flight = match scoped_flight(&state, &staff, id).await {
        Err(WebError::NotFound(_)) => return Ok(not_found(staff.ui_language)),
        other => other?,
    };
    let views = flight_views(&state, &flight).await?;
    // The cabin crew's list names nobody who claimed a task.
    let claimants = Claimants {
        me: staff.name.clone(),
        names: HashMap::new(),
    };
    let template = PrintPage {
        page: PageContext::for_staff(&staff),
        zone: i18n::zone_label(&flight.key.origin, clock::now()),
        section: section(&flight, views, staff.ui_language, &claimants),
    };
    Ok(render(StatusCode::OK, &template))
}

#[derive(Deserialize)]
pub struct EventsQuery {
    /// The version the page was rendered at; without it the first poll always reports.
    since: Option<String>,
}

/// GET /gate/{station}/events — an event named `tasks` each time the station's tasks change, and a
/// heartbeat every `HEARTBEAT`; open until the server stops.
pub async fn events(
    State(state): State<AppState>,
    staff: Staff,
    Path(station): Path<String>,
    Query(query): Query<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, WebError> {
    let station =
        Iata::parse(&station).map_err(|_| WebError::NotFound(format!("no station {station}")))?;
    staff.require_station(&station)?;
    let store = state.store.clone();
    let stopping = state.stopping.clone();
    // Subscribed before the first read, so that no change between the two goes unheard.
    let signals = store.task_signals().subscribe();
    let stream = futures::stream::unfold((query.since, signals), move |(last, mut signals)| {
        let store = store.clone();
        let station = station.clone();
        let mut stopping = stopping.clone();
        async move {
            loop {
                if *stopping.borrow() {
                    return None;
                }
                match store.task_list_version(station.as_str()).await {
                    Ok(version) => {
                        let token = version_token(&version);
                        if last.as_deref() != Some(token.as_str()) {
                            let event = Event::default().event("tasks").data(token.clone());
                            return Some((Ok(event), (Some(token), signals)));
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, %station, "the gate event stream could not read its version");
                    }
                }
                // Until this station's tasks change (or a change no one traced to stations), or the
                // resync time passes: a word lost on the way is made good within RESYNC.
                let resync = tokio::time::sleep(RESYNC);
                tokio::pin!(resync);
                loop {
                    tokio::select! {
                        heard = signals.recv() => match heard {
                            Ok(changed) if changed == station.as_str() || changed == signals::ANYWHERE => break,
                            Ok(_) => {}
                            Err(broadcast::error::RecvError::Lagged(_)) => break,
                            Err(broadcast::error::RecvError::Closed) => {
                                (&mut resync).await;
                                break;
                            }
                        },
                        () = &mut resync => break,
                        _ = stopping.changed() => break,
                    }
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat")))
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    outcome: String,
    #[serde(default)]
    note: Option<String>,
    /// The page to return to.
    #[serde(default)]
    back: String,
}

/// The line at the top of the gate view that says what a tap recorded, with an Undo button while it
/// may be undone (it hides itself when the window has passed).
#[derive(Template)]
#[template(path = "gate_undo.html")]
struct UndoLine {
    page: PageContext,
    task: Option<Uuid>,
    text: String,
}

fn outcome_word(outcome: TaskOutcome) -> Msg {
    match outcome {
        TaskOutcome::TalkedAllWell => Msg::TalkedAllWell,
        TaskOutcome::TalkedNewIssue => Msg::TalkedNewIssue,
        TaskOutcome::NotFound => Msg::PassengerNotFound,
        TaskOutcome::Declined => Msg::Declined,
        TaskOutcome::AskedNoContact => Msg::AskedNoContact,
        TaskOutcome::Offloaded => Msg::Offloaded,
        TaskOutcome::MessageSent => Msg::OutcomeMessageSent,
    }
}

fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// POST /gate/tasks/{id}/outcome — one tap on the gate view. From htmx, the card goes and the undo line
/// says what was recorded; from a plain form, back to the list it came from.
pub async fn outcome(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Form(form): Form<OutcomeForm>,
) -> Result<Response, WebError> {
    let closed = match tasks_api::parse_outcome(&form.outcome) {
        Ok(outcome) => {
            let note = form.note.as_deref();
            in_person::close(&state.engine, &staff.caller(), id, outcome, note).await
        }
        Err(invalid) => Err(invalid),
    };
    if is_htmx(&headers)
        && let Ok(done) = &closed
    {
        let page = PageContext::for_staff(&staff);
        let outcome = done.outcome.unwrap_or(TaskOutcome::TalkedAllWell);
        let line = UndoLine {
            task: in_person::UNDOABLE.contains(&outcome).then_some(id),
            text: format!(
                "{}: {}",
                page.t(Msg::Recorded),
                page.t(outcome_word(outcome))
            ),
            page,
        };
        return Ok(render(StatusCode::OK, &line));
    }
    match closed {
        // Someone else recorded it first: the list they return to no longer shows it.
        Ok(_) | Err(TaskError::Conflict(_)) => {}
        Err(TaskError::Invalid { .. }) => {
            return Ok(error_page(
                StatusCode::BAD_REQUEST,
                staff.ui_language,
                Msg::OutcomeRefused,
                Msg::OutcomeRefusedText,
            ));
        }
        Err(refused) => return Ok(refusal(&staff, refused)),
    }
    Ok(Redirect::to(&back_to(form.back)).into_response())
}

/// POST /gate/tasks/{id}/undo — takes back the outcome the caller tapped in the last ten seconds; the
/// task comes back to the list (through the event stream) as theirs. From htmx, the undo line says how
/// it went; from a plain form, back to the station's list.
pub async fn undo(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    let undone = in_person::undo(state.store.as_ref(), &staff.caller(), id).await;
    let said = match undone {
        Ok(_) => Msg::Undone,
        Err(TaskError::Conflict(_)) => Msg::TooLateToUndo,
        Err(refused) => return Ok(refusal(&staff, refused)),
    };
    if !is_htmx(&headers) {
        return Ok(Redirect::to("/gate").into_response());
    }
    let page = PageContext::for_staff(&staff);
    let line = UndoLine {
        task: None,
        text: page.t(said).to_string(),
        page,
    };
    Ok(render(StatusCode::OK, &line))
}

/// A refusal as the gate pages answer it: a forbidden scope on the caller's page, the rest as the API.
fn refusal(staff: &Staff, refused: TaskError) -> Response {
    match refused {
        TaskError::Service(e) => staff.refused(e).into_response(),
        other => other.into_response(),
    }
}

#[derive(Deserialize)]
pub struct ClaimForm {
    /// The page to return to.
    #[serde(default)]
    back: String,
}

/// POST /gate/tasks/{id}/claim — "I'm going": the task becomes the caller's, and every other open list
/// of the station shows who is on it (the change reaches them through the event stream). A task someone
/// else claimed first is left to them; the list the caller returns to shows who.
pub async fn claim(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    Form(form): Form<ClaimForm>,
) -> Result<Response, WebError> {
    match in_person::claim(state.store.as_ref(), &staff.caller(), id).await {
        Ok(_) | Err(TaskError::Conflict(_)) => {}
        Err(refused) => return Ok(refusal(&staff, refused)),
    }
    Ok(Redirect::to(&back_to(form.back)).into_response())
}

/// A gate page to return to; anything else goes to the station picker.
fn back_to(back: String) -> String {
    if back.starts_with("/gate/") && !back.starts_with("//") {
        back
    } else {
        "/gate".to_string()
    }
}

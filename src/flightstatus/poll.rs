//! One polling pass: ask the provider about the flights departing soon, earliest first, within the
//! request budget; store and log what changed; hand each change to the sink.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use super::{
    FieldChange, FlightChange, FlightEventSink, FlightStatusError, StatusProvider, StatusReport,
};
use crate::domain::FlightStatus;
use crate::domain::records::{Flight, MovementTimes, NewEvent, NewFlight};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone)]
pub struct PollSettings {
    /// Flights scheduled to depart up to this far ahead are polled.
    pub horizon: TimeDelta,
    /// And those scheduled up to this far back that have not arrived, been cancelled or diverted.
    pub lookback: TimeDelta,
    /// Requests one pass may make, retries included.
    pub max_requests: u32,
    /// Attempts per flight when the provider or network fails.
    pub attempts: u32,
    /// The pause before the first retry, doubled for each further one.
    pub backoff: Duration,
}

/// What one pass did.
#[derive(Debug, Default)]
pub struct PollReport {
    pub changes: Vec<FlightChange>,
    /// Flights the provider answered for.
    pub answered: usize,
    pub requests: u32,
    /// Flights left for the next pass because the budget ran out.
    pub left_for_budget: usize,
    /// Per-flight failures (no data, malformed answer, provider down after retries), one line each.
    pub errors: Vec<String>,
    /// Why the pass stopped early: a rate limit or a refused key, which every further request would meet.
    pub stopped: Option<FlightStatusError>,
    /// Sink failures, one line each; the change itself is stored.
    pub sink_errors: Vec<String>,
}

/// Statuses after which a flight's status no longer changes in ways aboard acts on.
fn is_final(status: FlightStatus) -> bool {
    matches!(
        status,
        FlightStatus::Arrived | FlightStatus::Cancelled | FlightStatus::Diverted
    )
}

pub async fn poll(
    store: &dyn Store,
    provider: &dyn StatusProvider,
    sink: &dyn FlightEventSink,
    settings: &PollSettings,
    now: DateTime<Utc>,
) -> Result<PollReport, StoreError> {
    let flights = store
        .flights_departing(now - settings.lookback, now + settings.horizon)
        .await?;
    let mut report = PollReport::default();
    let pending: Vec<Flight> = flights
        .into_iter()
        .filter(|f| !is_final(f.status))
        .collect();
    let total = pending.len();
    for (index, flight) in pending.into_iter().enumerate() {
        if report.requests >= settings.max_requests {
            report.left_for_budget = total - index;
            break;
        }
        match fetch_with_retries(provider, &flight, settings, &mut report.requests).await {
            Ok(answer) => {
                report.answered += 1;
                if let Some(change) = apply(store, provider.name(), &flight, answer, now).await? {
                    if let Err(e) = sink.flight_changed(&change, store, now).await {
                        report.sink_errors.push(format!("{}: {e}", change.key));
                    }
                    report.changes.push(change);
                }
            }
            Err(
                e
                @ (FlightStatusError::RateLimited { .. } | FlightStatusError::Unauthorized { .. }),
            ) => {
                report.stopped = Some(e);
                report.left_for_budget = 0;
                break;
            }
            Err(e) => report.errors.push(e.to_string()),
        }
    }
    Ok(report)
}

async fn fetch_with_retries(
    provider: &dyn StatusProvider,
    flight: &Flight,
    settings: &PollSettings,
    requests: &mut u32,
) -> Result<StatusReport, FlightStatusError> {
    let mut pause = settings.backoff;
    let mut attempt = 1;
    loop {
        *requests += 1;
        match provider.fetch(&flight.key).await {
            Err(e)
                if e.is_transient()
                    && attempt < settings.attempts.max(1)
                    && *requests < settings.max_requests =>
            {
                tracing::warn!(flight = %flight.key, error = %e, attempt, "flight status request failed; retrying");
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2);
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Stores what the provider says when it differs from what is stored, with a `flight.status` event.
async fn apply(
    store: &dyn Store,
    provider: &str,
    before: &Flight,
    answer: StatusReport,
    now: DateTime<Utc>,
) -> Result<Option<FlightChange>, StoreError> {
    let status = answer.status.unwrap_or(before.status);
    let departure = overlay(&before.departure, &answer.departure);
    let arrival = overlay(&before.arrival, &answer.arrival);
    let gate = answer.gate.clone().or_else(|| before.gate.clone());
    let mut fields = Vec::new();
    let mut compare = |field: &'static str, old: Option<String>, new: Option<String>| {
        if old != new {
            fields.push(FieldChange { field, old, new });
        }
    };
    let word = |s: FlightStatus| Some(s.as_str().to_string());
    let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
    compare("status", word(before.status), word(status));
    compare(
        "departure.estimated",
        time(before.departure.estimated),
        time(departure.estimated),
    );
    compare(
        "departure.actual",
        time(before.departure.actual),
        time(departure.actual),
    );
    compare(
        "arrival.estimated",
        time(before.arrival.estimated),
        time(arrival.estimated),
    );
    compare(
        "arrival.actual",
        time(before.arrival.actual),
        time(arrival.actual),
    );
    compare("gate", before.gate.clone(), gate.clone());
    if fields.is_empty() {
        return Ok(None);
    }
    let update = NewFlight {
        key: before.key.clone(),
        destination: before.destination.clone(),
        departure,
        arrival,
        gate,
        status,
    };
    let after = store.upsert_flight(&update, now).await?;
    let changes: Map<String, Value> = fields
        .iter()
        .map(|c| (c.field.to_string(), json!({ "old": c.old, "new": c.new })))
        .collect();
    store
        .append_event(
            &NewEvent {
                actor: format!("provider:{provider}"),
                action: "flight.status".to_string(),
                subject_kind: "flight".to_string(),
                subject_id: after.id.to_string(),
                flight_id: Some(after.id),
                person_id: None,
                detail: json!({
                    "flight": after.key.to_string(),
                    "provider_status": answer.provider_status,
                    "changes": changes,
                }),
            },
            now,
        )
        .await?;
    Ok(Some(FlightChange {
        flight_id: after.id,
        key: after.key.clone(),
        provider_status: answer.provider_status,
        fields,
        before: before.clone(),
        after,
    }))
}

/// The provider's estimated and actual times where it gives them, stored ones elsewhere (a known time
/// is never erased). The schedule stays the one the manifest gave; the provider fills it only if none.
fn overlay(stored: &MovementTimes, new: &MovementTimes) -> MovementTimes {
    MovementTimes {
        scheduled: stored.scheduled.or(new.scheduled),
        estimated: new.estimated.or(stored.estimated),
        actual: new.actual.or(stored.actual),
    }
}

//! Work for the demo's advisors from the first minute: the registry persons the generator put on flights
//! are linked to their bookings (when nothing has linked them yet), the stations without aboard staff are
//! marked so, and those on flights from such stations that have not left yet are boarded through the
//! `Engine`, which opens a social task wherever the shipped rules ask for one (a socially active
//! complainant who opted in on a network the airline may write on).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::DemoDay;
use crate::app::{Engine, ServiceError};
use crate::domain::records::{IdentifierKind, IdentityLink, Station, Task};
use crate::domain::{Channel, FlightStatus, Iata, LinkDecision};
use crate::store::StoreError;

/// The stations where the demo has gate agents (gate-mad, gate-bcn); every other one has none.
pub const STAFFED: [&str; 2] = ["MAD", "BCN"];

/// How far ahead a flight's passengers are boarded at start: the rest of the demo's day.
const HORIZON: Duration = Duration::hours(12);

/// Links, stations and boardings as described above; returns the social tasks created.
pub async fn start_social_tasks(
    engine: &Engine,
    day: &DemoDay,
    now: DateTime<Utc>,
) -> Result<Vec<Task>, ServiceError> {
    let store = engine.store.as_ref();
    for code in super::STATIONS {
        let Ok(iata) = Iata::parse(code) else {
            continue;
        };
        store
            .upsert_station(
                &Station {
                    staffed: STAFFED.contains(&code),
                    iata,
                    shift_start: None,
                    shift_end: None,
                },
                "demo",
                crate::clock::now(),
            )
            .await?;
    }
    // The generator made each flying registry person from a booking's lead passenger, whose e-mail
    // it kept as the person's identifier.
    let mut by_email: HashMap<&str, &str> = HashMap::new();
    for person in &day.persons {
        for identifier in &person.identifiers {
            if identifier.kind == IdentifierKind::Email {
                by_email.insert(identifier.value.as_str(), person.external_id.as_str());
            }
        }
    }
    let mut created = Vec::new();
    for demo in &day.flights {
        let origin = demo.flight.key.origin.as_str();
        let departure = demo.flight.departure.best();
        let reachable = departure.is_some_and(|d| d > now && d < now + HORIZON);
        if STAFFED.contains(&origin) || !reachable || demo.flight.status == FlightStatus::Departed {
            continue;
        }
        let Some(flight) = store.find_flight(&demo.flight.key).await? else {
            continue;
        };
        for passenger in store.passengers(flight.id).await? {
            let Some(external_id) = passenger
                .details
                .email
                .as_deref()
                .and_then(|e| by_email.get(e))
            else {
                continue;
            };
            let Some(person) = store.person_by_external_id(external_id).await? else {
                continue;
            };
            link_unless_decided(store, passenger.id, person.id, now).await?;
            let follow_up = engine.passenger_boarded(passenger.id, "demo", now).await?;
            created.extend(
                follow_up
                    .created
                    .into_iter()
                    .filter(|t| t.new.channel == Channel::Social),
            );
        }
    }
    Ok(created)
}

/// Records the generator's knowledge as a link unless the matcher or a person already decided one.
async fn link_unless_decided(
    store: &dyn crate::store::Store,
    passenger_id: uuid::Uuid,
    person_id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if !store.links_for_passenger(passenger_id).await?.is_empty() {
        return Ok(());
    }
    store
        .upsert_link(&IdentityLink {
            passenger_id,
            person_id,
            decision: LinkDecision::Linked,
            score: 1.0,
            reasons: vec!["the demo generated this booking from the registry person".to_string()],
            decided_by: "demo".to_string(),
            updated_at: now,
        })
        .await
}

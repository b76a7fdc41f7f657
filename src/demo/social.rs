//! The demo's stations and links: MAD and BCN have gate agents around the clock, every other station has
//! none (so that its follow-ups go to the advisors); and the registry persons the generator put on
//! flights are linked to their bookings when nothing has linked them yet. Nobody is boarded here: the
//! driver boards each flight in its boarding window, and the rules make the tasks then.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::DemoDay;
use crate::domain::records::{IdentifierKind, IdentityLink, Station};
use crate::domain::{FlightStatus, Iata, LinkDecision};
use crate::store::{Store, StoreError};

/// The stations where the demo has gate agents (gate-mad, gate-bcn); every other one has none.
pub const STAFFED: [&str; 2] = ["MAD", "BCN"];

/// Sets the stations' staffing and links the generator's persons to their bookings on flights that have
/// not left; returns how many links it made.
pub async fn prepare(
    store: &dyn Store,
    day: &DemoDay,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    for code in super::STATIONS {
        let Ok(iata) = Iata::parse(code) else {
            continue;
        };
        let station = Station {
            staffed: STAFFED.contains(&code),
            iata,
            shift_start: None,
            shift_end: None,
        };
        store.upsert_station(&station, "demo", now).await?;
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
    let mut linked = 0;
    for demo in &day.flights {
        if demo.flight.status == FlightStatus::Departed {
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
            if link_unless_decided(store, passenger.id, person.id, now).await? {
                linked += 1;
            }
        }
    }
    Ok(linked)
}

/// Records the generator's knowledge as a link unless the matcher or a person already decided one.
async fn link_unless_decided(
    store: &dyn Store,
    passenger_id: uuid::Uuid,
    person_id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if !store.links_for_passenger(passenger_id).await?.is_empty() {
        return Ok(false);
    }
    store
        .upsert_link(&IdentityLink {
            passenger_id,
            person_id,
            decision: LinkDecision::Linked,
            score: 1.0,
            reasons: vec![crate::matching::Reason::Written {
                text: "the demo generated this booking from the registry person".to_string(),
            }],
            decided_by: "demo".to_string(),
            updated_at: now,
        })
        .await?;
    Ok(true)
}

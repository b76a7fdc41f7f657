//! Identity matching in the service: after a manifest or registry import, a flight's passengers are matched
//! against the registry persons that share a blocking key with them — fetched by an indexed lookup, so the
//! cost grows with the manifest, not the registry — and the outcomes stored as identity links. Staff
//! decisions are remembered per passenger fingerprint and win over the algorithm; a link a person decided is
//! never overwritten by the matcher.
//!
//! The candidate index holds only the flight's candidates, so the matcher's name-rarity estimates (which
//! count namesakes in the index) see few namesakes and stay conservative: name-only and birth-date links are
//! rarer than on the full registry, strong-key links unchanged.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::ServiceError;
use super::screening::{screen_flights, screen_waiting};
use crate::domain::records::{
    FlightList, IdentifierKind, IdentityLink, ManifestImport, NewPassenger, Passenger, PersonRecord,
};
use crate::domain::{BoardingState, BookingName, CarrierCode, LinkDecision, Locator, Title};
use crate::matching::{
    BLOCKING_KEYS_VERSION, PassengerFacts, PassengerFingerprint, PersonFacts, RegistryIndex,
    RememberedDecisions, StaffDecision, SurnameOrder, match_flight, passenger_blocking_keys,
    person_blocking_keys,
};
use crate::store::{KeyedPerson, PendingScreening, Store};

/// The actor matcher links are recorded under; the store never lets it overwrite a staff decision.
pub const MATCHER_ACTOR: &str = "matcher";

/// What matching one flight did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FlightMatch {
    pub passengers: usize,
    pub candidates: usize,
    pub linked: usize,
    pub review: usize,
    pub rejected: usize,
}

/// A passenger as the matcher sees them; None when the manifest's name cannot be read as a booking name.
pub fn passenger_facts(passenger: &Passenger) -> Option<PassengerFacts> {
    booking_facts(passenger.id, passenger.flight_id, &passenger.details)
}

/// What a booking says about a passenger, as the matcher sees it.
fn booking_facts(id: Uuid, flight_id: Uuid, d: &NewPassenger) -> Option<PassengerFacts> {
    let title = d.title.as_deref().and_then(Title::parse);
    let name = BookingName::new(&d.surname, &d.given_name, title).ok()?;
    Some(PassengerFacts {
        key: id,
        flight_key: flight_id,
        name,
        docs_surname: d.docs_surname.clone(),
        docs_given: d.docs_given.clone(),
        locator: d.locator.as_deref().and_then(|l| Locator::parse(l).ok()),
        traveller_class: d.traveller_class,
        frequent_flyer: d
            .frequent_flyer
            .as_ref()
            .and_then(|(c, n)| CarrierCode::parse(c).ok().map(|c| (c, n.clone()))),
        email: d.email.clone(),
        phone: d.phone.clone(),
        date_of_birth: d.date_of_birth,
    })
}

/// A registry person as the matcher sees them.
pub fn person_facts(id: Uuid, r: &PersonRecord) -> PersonFacts {
    let of_kind = |kind: IdentifierKind| {
        r.identifiers
            .iter()
            .filter(move |i| i.kind == kind)
            .map(|i| i.value.clone())
    };
    PersonFacts {
        key: id,
        display_name: r.display_name.clone(),
        date_of_birth: r.date_of_birth,
        emails: of_kind(IdentifierKind::Email).collect(),
        phones: of_kind(IdentifierKind::Phone).collect(),
        loyalty: of_kind(IdentifierKind::Loyalty)
            .filter_map(|v| {
                let (carrier, number) = v.split_once(' ')?;
                Some((CarrierCode::parse(carrier).ok()?, number.to_string()))
            })
            .collect(),
        surname_order: SurnameOrder::of(r.language.as_deref(), r.country.as_deref()),
    }
}

/// A registry record with the blocking keys the store files for it.
pub fn keyed(record: PersonRecord) -> KeyedPerson {
    let blocking_keys = person_blocking_keys(&person_facts(Uuid::nil(), &record));
    KeyedPerson {
        record,
        blocking_keys,
    }
}

/// Persons filed anew per transaction by [`rekey_registry`].
const REKEY_PAGE: i64 = 1_000;

/// Files every registry person under this matcher's blocking keys when the store's were made by another
/// version, so that an upgraded aboard finds the persons already stored by its new keys, not only after
/// the next registry import. A page of persons per transaction; the version is recorded with the last
/// page, so a walk cut short starts again at the next start. Returns the persons filed anew.
pub async fn rekey_registry(store: &dyn Store) -> Result<usize, ServiceError> {
    if store.blocking_keys_version().await? == Some(BLOCKING_KEYS_VERSION) {
        return Ok(0);
    }
    let mut after = None;
    let mut filed = 0;
    loop {
        let persons = store.persons_after(after, REKEY_PAGE).await?;
        let last_page = persons.len() < REKEY_PAGE as usize;
        let keys: Vec<(Uuid, Vec<i64>)> = persons
            .iter()
            .map(|p| (p.id, person_blocking_keys(&person_facts(p.id, &p.record))))
            .collect();
        after = persons.last().map(|p| p.id).or(after);
        filed += keys.len();
        store
            .rekey_persons(&keys, last_page.then_some(BLOCKING_KEYS_VERSION))
            .await?;
        if last_page {
            return Ok(filed);
        }
    }
}

/// Matches one flight's passengers against the registry persons sharing a blocking key with them, with
/// the remembered staff decisions, and stores every outcome as an identity link.
pub async fn match_flight_now(
    store: &dyn Store,
    flight_id: Uuid,
    at: DateTime<Utc>,
) -> Result<FlightMatch, ServiceError> {
    let passengers: Vec<PassengerFacts> = store
        .passengers(flight_id)
        .await?
        .iter()
        .filter(|p| p.boarding_state != BoardingState::Removed)
        .filter_map(passenger_facts)
        .collect();
    let mut summary = FlightMatch {
        passengers: passengers.len(),
        ..FlightMatch::default()
    };
    if passengers.is_empty() {
        return Ok(summary);
    }
    let mut keys: Vec<i64> = passengers
        .iter()
        .flat_map(passenger_blocking_keys)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let fingerprints: Vec<String> = passengers
        .iter()
        .flat_map(PassengerFingerprint::of)
        .map(|f| f.as_str().to_string())
        .collect();
    let decisions = store.match_decisions(&fingerprints).await?;
    let mut remembered = RememberedDecisions::new();
    for d in &decisions {
        let decision = match d.decision {
            LinkDecision::Linked => StaffDecision::Confirmed,
            _ => StaffDecision::Rejected,
        };
        remembered.insert(
            d.person_id,
            PassengerFingerprint::from_stored(d.fingerprint.clone()),
            decision,
        );
    }
    let mut persons = store.persons_with_keys(&keys).await?;
    let known: HashSet<Uuid> = persons.iter().map(|p| p.id).collect();
    for d in &decisions {
        if !known.contains(&d.person_id)
            && let Some(person) = store.person(d.person_id).await?
            && !persons.iter().any(|p| p.id == person.id)
        {
            persons.push(person);
        }
    }
    summary.candidates = persons.len();
    let facts: Vec<PersonFacts> = persons
        .iter()
        .map(|p| person_facts(p.id, &p.record))
        .collect();
    let index = RegistryIndex::build(&facts);
    let by_id: HashMap<Uuid, &PassengerFacts> = passengers.iter().map(|p| (p.key, p)).collect();
    for outcome in match_flight(&index, &passengers, &remembered) {
        match outcome.decision {
            LinkDecision::Linked => summary.linked += 1,
            LinkDecision::Review => summary.review += 1,
            LinkDecision::Rejected => summary.rejected += 1,
        }
        let decided_by = by_id
            .get(&outcome.passenger)
            .filter(|p| {
                remembered
                    .for_passenger(p)
                    .iter()
                    .any(|(person, _)| *person == outcome.person)
            })
            .and_then(|_| decisions.iter().find(|d| d.person_id == outcome.person))
            .map(|d| d.decided_by.clone())
            .unwrap_or_else(|| MATCHER_ACTOR.to_string());
        store
            .upsert_link(&IdentityLink {
                passenger_id: outcome.passenger,
                person_id: outcome.person,
                decision: outcome.decision,
                score: outcome.score,
                reasons: outcome.reasons.clone(),
                decided_by,
                updated_at: at,
            })
            .await?;
    }
    Ok(summary)
}

/// After a registry import: re-matches the flights departing within `horizon` whose passengers share a
/// blocking key with the imported persons. Returns how many flights were matched.
pub async fn rematch_upcoming(
    store: &dyn Store,
    imported_keys: &HashSet<i64>,
    horizon: chrono::TimeDelta,
    at: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let mut matched = 0;
    for flight in store
        .flights_departing(at - chrono::TimeDelta::hours(6), at + horizon)
        .await?
    {
        let shares = store
            .passengers(flight.id)
            .await?
            .iter()
            .filter_map(passenger_facts)
            .any(|p| {
                passenger_blocking_keys(&p)
                    .iter()
                    .any(|k| imported_keys.contains(k))
            });
        if shares {
            match_flight_now(store, flight.id, at).await?;
            matched += 1;
        }
    }
    Ok(matched)
}

/// Identity matching as the import hook: every flight a manifest import touched is matched again, so new
/// passengers are linked (or sent to review) before they board.
pub struct MatchAfterImport;

#[async_trait::async_trait]
impl super::import::ImportHook for MatchAfterImport {
    async fn screen(
        &self,
        store: &dyn Store,
        imports: Arc<Vec<ManifestImport>>,
    ) -> Result<HashSet<String>, String> {
        flights_with_candidates(store, imports)
            .await
            .map_err(|e| format!("identity matching failed: {e}"))
    }

    async fn screen_read(
        &self,
        store: &dyn Store,
        reading: ScreenReading,
    ) -> Result<HashSet<String>, String> {
        flights_read_with_candidates(store, reading)
            .await
            .map_err(|e| format!("identity matching failed: {e}"))
    }

    async fn after_import(
        &self,
        store: &dyn Store,
        imported: &[(&ManifestImport, &super::import::ImportSummary)],
        screened: &Result<HashSet<String>, String>,
        now: DateTime<Utc>,
    ) -> Vec<Vec<String>> {
        let mut problems: Vec<Vec<String>> = imported.iter().map(|_| Vec::new()).collect();
        let digests: HashSet<&str> = imported.iter().map(|(i, _)| i.digest.as_str()).collect();
        let names: HashMap<Uuid, &str> = imported
            .iter()
            .flat_map(|(_, summary)| &summary.flights)
            .map(|f| (f.flight_id, f.flight.as_str()))
            .collect();
        // A flight need not be matched when only these files' lists wait for it and the screen found
        // no candidate in them; without the screen, every flight is matched.
        let needs_matching = |pending: &PendingScreening| match screened {
            Ok(with_candidates) => {
                names
                    .get(&pending.flight_id)
                    .is_none_or(|flight| with_candidates.contains(*flight))
                    || pending
                        .import_digests
                        .iter()
                        .any(|d| !digests.contains(d.as_str()))
            }
            Err(_) => true,
        };
        let flights: Vec<Uuid> = names.keys().copied().collect();
        match screen_flights(store, &flights, needs_matching, now).await {
            Ok(outcome) => {
                for (flight_id, why) in outcome.failed {
                    let flight = names.get(&flight_id).copied().unwrap_or_default();
                    for ((_, summary), problems) in imported.iter().zip(&mut problems) {
                        if summary.flights.iter().any(|f| f.flight_id == flight_id) {
                            problems.push(format!("{flight}: identity matching failed: {why}"));
                        }
                    }
                }
            }
            Err(e) => {
                for problems in &mut problems {
                    problems.push(format!(
                        "identity matching failed: {e}; the lists wait for the next attempt"
                    ));
                }
            }
        }
        // What an earlier run left unscreened (it was stopped between a commit and its matching).
        if let Err(e) = screen_waiting(store, now).await {
            tracing::warn!(error = %e, "screening waiting flight lists failed");
        }
        problems
    }
}

/// Each list's blocking keys and fingerprints. A day's file holds hundreds of thousands of passengers
/// whose names are normalised here: large inputs are split over the cores that the thread storing
/// them leaves free (this blocks the calling thread for the fraction of a second it takes).
fn keys_and_fingerprints(lists: &[&FlightList]) -> Vec<(Vec<i64>, Vec<String>)> {
    const PARALLEL_FROM_PASSENGERS: usize = 20_000;
    let of_list = |list: &&FlightList| {
        let facts: Vec<PassengerFacts> = list
            .passengers
            .iter()
            .filter_map(|p| booking_facts(Uuid::nil(), Uuid::nil(), p))
            .collect();
        let keys = facts.iter().flat_map(passenger_blocking_keys).collect();
        let fingerprints = facts
            .iter()
            .flat_map(PassengerFingerprint::of)
            .map(|f| f.as_str().to_string())
            .collect();
        (keys, fingerprints)
    };
    let passengers: usize = lists.iter().map(|l| l.passengers.len()).sum();
    if passengers < PARALLEL_FROM_PASSENGERS {
        return lists.iter().map(of_list).collect();
    }
    crate::matching::map_in_order_beside_store(lists, of_list)
}

/// What the screen reads of the imported lists: each flight's blocking keys and match fingerprints.
/// It needs no store, so it is read where the lists are made — beside the transaction that stores them,
/// or part by part as a large file is read ([`super::import::import_streamed_csv`]).
#[derive(Default)]
pub struct ScreenReading {
    /// Each flight (as `FlightKey` text), its blocking keys and its range of `fingerprints`.
    per_flight: Vec<(String, Vec<i64>, Range<usize>)>,
    /// The fingerprints moved into one list: a day's 450,000 passengers have over a million, nearly all
    /// different, and sorting copies of them cost a third of a second.
    fingerprints: Vec<String>,
}

impl ScreenReading {
    /// Reads some more lists.
    pub fn read(&mut self, lists: &[&FlightList]) {
        for (list, (keys, of_list)) in lists.iter().zip(keys_and_fingerprints(lists)) {
            let start = self.fingerprints.len();
            self.fingerprints.extend(of_list);
            self.per_flight.push((
                list.flight.key.to_string(),
                keys,
                start..self.fingerprints.len(),
            ));
        }
    }
}

/// The flights of the imported files (as `FlightKey` text) where some passenger they bring shares a
/// blocking key with a registry person or has a remembered staff decision — only they can gain a link.
/// Two lookups for all the files, so that a day's import does not read every flight back; the names are
/// normalised on a blocking thread, so this can run beside the transaction that stores the files.
async fn flights_with_candidates(
    store: &dyn Store,
    imports: Arc<Vec<ManifestImport>>,
) -> Result<HashSet<String>, ServiceError> {
    let work = move || {
        let lists: Vec<&FlightList> = imports.iter().flat_map(|i| i.flights.iter()).collect();
        let mut reading = ScreenReading::default();
        reading.read(&lists);
        reading
    };
    let reading = match tokio::task::spawn_blocking(work).await {
        Ok(reading) => reading,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    flights_read_with_candidates(store, reading).await
}

/// [`flights_with_candidates`] of lists already read.
async fn flights_read_with_candidates(
    store: &dyn Store,
    reading: ScreenReading,
) -> Result<HashSet<String>, ServiceError> {
    let ScreenReading {
        per_flight,
        fingerprints,
    } = reading;
    let mut keys: Vec<i64> = per_flight
        .iter()
        .flat_map(|(_, k, _)| k.iter().copied())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let known_keys: HashSet<i64> = store
        .blocking_keys_in_registry(&keys)
        .await?
        .into_iter()
        .collect();
    let decided: HashSet<String> = store
        .match_decisions(&fingerprints)
        .await?
        .into_iter()
        .map(|d| d.fingerprint)
        .collect();
    Ok(per_flight
        .into_iter()
        .filter(|(_, keys, range)| {
            keys.iter().any(|k| known_keys.contains(k))
                || fingerprints[range.clone()]
                    .iter()
                    .any(|f| decided.contains(f))
        })
        .map(|(flight, _, _)| flight)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::import::to_import;
    use crate::manifest::{self, Format};

    #[test]
    fn a_large_import_split_over_cores_gives_each_flight_its_own_keys() {
        let mut csv = String::from(
            "flight,date,origin,destination,surname,given,locator,email,date_of_birth\n",
        );
        let names = ["GARCIA", "MUELLER", "SMITH", "DUBOIS", "SILVA", "JANSEN"];
        for flight in 1..=160 {
            for n in 0..150 {
                let surname = names[(flight + n) % names.len()];
                let suffix: String = [b'A' + (n % 26) as u8, b'A' + (n / 26) as u8]
                    .iter()
                    .map(|b| *b as char)
                    .collect();
                csv.push_str(&format!(
                    "IB{flight},2026-11-22,MAD,BCN,{surname}{suffix},ANA,L{flight:03}{n:03},p{flight}x{n}@example.com,1980-01-{:02}\n",
                    1 + n % 28
                ));
            }
        }
        let document = manifest::parse(
            "day.csv",
            csv.as_bytes(),
            manifest::Reading::format(Some(Format::Csv)),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        )
        .unwrap();
        let (_, import, rows) = to_import(document, Format::Csv, &[], "day.csv", "d".into(), "t");
        assert!(rows >= 20_000, "large enough to be split");
        let lists: Vec<&crate::domain::records::FlightList> = import.flights.iter().collect();
        let split = keys_and_fingerprints(&lists);
        let one_by_one: Vec<_> = lists
            .iter()
            .map(|list| keys_and_fingerprints(std::slice::from_ref(list)).remove(0))
            .collect();
        assert_eq!(split.len(), 160);
        assert_eq!(split, one_by_one);
        assert!(
            split
                .iter()
                .all(|(keys, fingerprints)| !keys.is_empty() && !fingerprints.is_empty())
        );
    }
}

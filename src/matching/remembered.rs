//! Decisions staff took on a passenger ↔ person pair, remembered so that the same question is not asked
//! twice and a person's judgement always beats the algorithm's.
//!
//! A decision is keyed by the person and by a fingerprint of the passenger: the normalised name, the age
//! class and one identity anchor (frequent-flyer number, booking locator, booking e-mail or date of birth).
//! A passenger carries one fingerprint per anchor they have, so a decision taken on the outbound flight
//! applies on the return (same locator) and on later trips (same frequent-flyer number).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::facts::{PassengerFacts, normalise_frequent_flyer};
use super::normalise::{Transliteration, name_key, normalise_email};

/// What a staff member decided about a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffDecision {
    Confirmed,
    Rejected,
}

/// A passenger's identity as far as remembering goes, e.g. `GARCIAPENA/MARIAJOSE|adult|ff:IB 1234567`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PassengerFingerprint(String);

impl PassengerFingerprint {
    /// Every fingerprint of a passenger, one per identity anchor; none when the passenger has no anchor.
    pub fn of(passenger: &PassengerFacts) -> Vec<PassengerFingerprint> {
        let (surname, given) = match &passenger.docs_surname {
            Some(surname) => (
                surname.as_str(),
                passenger
                    .docs_given
                    .as_deref()
                    .unwrap_or(&passenger.name.given),
            ),
            None => (
                passenger.name.surname.as_str(),
                passenger.name.given.as_str(),
            ),
        };
        let stem = format!(
            "{}/{}|{}",
            name_key(surname, Transliteration::Icao),
            name_key(given, Transliteration::Icao),
            passenger.traveller_class.as_str()
        );
        let mut anchors = Vec::with_capacity(4);
        if let Some((carrier, raw)) = &passenger.frequent_flyer
            && let Some(number) = normalise_frequent_flyer(carrier, raw)
        {
            anchors.push(format!("ff:{} {number}", carrier.as_str()));
        }
        if let Some(locator) = &passenger.locator {
            anchors.push(format!("loc:{}", locator.as_str()));
        }
        if let Some(email) = passenger.email.as_deref().and_then(normalise_email) {
            anchors.push(format!("email:{email}"));
        }
        if let Some(date) = passenger.date_of_birth {
            anchors.push(format!("dob:{date}"));
        }
        anchors
            .into_iter()
            .map(|anchor| PassengerFingerprint(format!("{stem}|{anchor}")))
            .collect()
    }

    /// A fingerprint read back from storage, as `as_str` wrote it.
    pub fn from_stored(text: String) -> PassengerFingerprint {
        PassengerFingerprint(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Staff decisions by fingerprint. Later decisions on the same pair replace earlier ones.
#[derive(Debug, Clone, Default)]
pub struct RememberedDecisions {
    by_fingerprint: HashMap<PassengerFingerprint, Vec<(Uuid, StaffDecision)>>,
}

impl RememberedDecisions {
    pub fn new() -> RememberedDecisions {
        RememberedDecisions::default()
    }

    /// Records a decision about this passenger and person under every fingerprint of the passenger.
    pub fn remember(&mut self, person: Uuid, passenger: &PassengerFacts, decision: StaffDecision) {
        for fingerprint in PassengerFingerprint::of(passenger) {
            self.insert(person, fingerprint, decision);
        }
    }

    /// Records one stored decision.
    pub fn insert(
        &mut self,
        person: Uuid,
        fingerprint: PassengerFingerprint,
        decision: StaffDecision,
    ) {
        let entries = self.by_fingerprint.entry(fingerprint).or_default();
        match entries.iter_mut().find(|(p, _)| *p == person) {
            Some(entry) => entry.1 = decision,
            None => entries.push((person, decision)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_fingerprint.is_empty()
    }

    /// Decisions that apply to a passenger, one per person. Should two fingerprints of the passenger carry
    /// opposite decisions about the same person, the rejection wins: a wrong link is the costlier error.
    pub fn for_passenger(&self, passenger: &PassengerFacts) -> Vec<(Uuid, StaffDecision)> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<(Uuid, StaffDecision)> = Vec::new();
        for fingerprint in PassengerFingerprint::of(passenger) {
            for &(person, decision) in self.by_fingerprint.get(&fingerprint).into_iter().flatten() {
                match found.iter_mut().find(|(p, _)| *p == person) {
                    Some(entry) if decision == StaffDecision::Rejected => entry.1 = decision,
                    Some(_) => {}
                    None => found.push((person, decision)),
                }
            }
        }
        found
    }
}

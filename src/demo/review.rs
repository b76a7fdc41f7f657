//! A handful of registry persons the matcher cannot be sure of, so that the match review page has real
//! work in the demo: each is made from a lead passenger on one of the next flights, the way such records
//! come about — one with a middle name the booking lacks, one with a typo
//! in the surname, a married name and a nickname under the booking's e-mail, and a relative's profile holding the
//! booking's frequent-flyer number. Each shares a booking contact or number with the passenger (the
//! evidence that makes the matcher look) but not a name it can accept. (A shared birth date alone never
//! comes to review here: among a flight's few candidates, the demo's small name pools make every name look
//! common, and the matcher then leaves such pairs out.)

use chrono::{DateTime, Duration, Utc};
use rand_chacha::ChaCha8Rng;

use super::names::{self, Locale, PersonName};
use super::{DemoFlight, registry_person};
use crate::domain::records::{Identifier, IdentifierKind, PersonRecord};

/// A booking's lead passenger as the generator made them.
#[derive(Debug, Clone)]
pub struct Lead {
    /// Index of the flight in the day.
    pub flight: usize,
    pub name: PersonName,
    pub email: String,
    pub phone: String,
    pub ff: Option<(String, String)>,
    /// The registry already knows this person (made from the booking): not a review case.
    pub known: bool,
}

/// The ways a registry record can half-match a booking, in the order they are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewKind {
    /// "Emily Rose Smith" under the booking's phone, for SMITH/EMILY: perhaps her, perhaps a relative.
    MiddleNameNotBooked,
    /// "Dubuis" for DUBOIS under the booking's e-mail.
    SurnameTypo,
    /// The booking's e-mail and a nickname of the given name under another surname ("Liz Walker" for
    /// DAVIES/ELIZABETH): the whole given name there would link.
    MarriedName,
    /// The booking's frequent-flyer number on a relative's profile.
    RelativesFrequentFlyer,
}

impl ReviewKind {
    pub const ALL: [ReviewKind; 4] = [
        ReviewKind::MiddleNameNotBooked,
        ReviewKind::SurnameTypo,
        ReviewKind::MarriedName,
        ReviewKind::RelativesFrequentFlyer,
    ];

    /// Whether a lead can be made into this kind of case; the languages are spread so that both demo
    /// advisors have cases.
    fn fits(self, lead: &Lead) -> bool {
        let name = &lead.name;
        let spanish = matches!(name.locale, Locale::EsEs | Locale::EsMx);
        let one_plain_surname =
            name.surnames.len() == 1 && name.surnames.iter().all(|s| !s.contains(' '));
        match self {
            ReviewKind::MiddleNameNotBooked => {
                name.locale == Locale::EnGb && !name.given.contains(' ')
            }
            ReviewKind::SurnameTypo => {
                matches!(name.locale, Locale::DeDe | Locale::FrFr | Locale::NlNl)
                    && one_plain_surname
                    && typo(&name.surnames[0]).is_some()
            }
            ReviewKind::MarriedName => {
                !spanish && one_plain_surname && nickname_of(&name.given).is_some()
            }
            ReviewKind::RelativesFrequentFlyer => spanish && lead.ff.is_some(),
        }
    }
}

/// A nickname people go by for this given name ("Liz" for Elizabeth), as the matcher knows them.
fn nickname_of(given: &str) -> Option<String> {
    crate::matching::nicknames_of(given)
        .next()
        .map(|(_, nickname)| nickname)
}

/// The surname with its last plain vowel swapped for a neighbour's, as a hurried hand types it.
fn typo(surname: &str) -> Option<String> {
    let mut chars: Vec<char> = surname.chars().collect();
    let at = chars
        .iter()
        .rposition(|c| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u'))
        .filter(|&i| i > 0)?;
    chars[at] = match chars[at] {
        'a' => 'e',
        'e' => 'a',
        'i' => 'e',
        'o' => 'u',
        _ => 'i',
    };
    Some(chars.into_iter().collect())
}

/// One registry person per kind, each from the lead of a different flight that departs at least 45
/// minutes after `now` (the soonest such flight that has a fitting lead).
pub fn review_cases(
    rng: &mut ChaCha8Rng,
    flights: &[DemoFlight],
    leads: &[Lead],
    now: DateTime<Utc>,
) -> Vec<(ReviewKind, PersonRecord)> {
    let upcoming = |flight: usize| {
        flights
            .get(flight)
            .and_then(|f| f.flight.departure.scheduled)
            .is_some_and(|d| d > now + Duration::minutes(45))
    };
    let mut used: Vec<usize> = Vec::new();
    let mut cases = Vec::new();
    for kind in ReviewKind::ALL {
        let Some(lead) = leads
            .iter()
            .find(|l| !l.known && upcoming(l.flight) && !used.contains(&l.flight) && kind.fits(l))
        else {
            continue;
        };
        used.push(lead.flight);
        cases.push((kind, person_for(rng, kind, lead, now)));
    }
    cases
}

fn person_for(
    rng: &mut ChaCha8Rng,
    kind: ReviewKind,
    lead: &Lead,
    now: DateTime<Utc>,
) -> PersonRecord {
    let mut name = lead.name.clone();
    let email = Identifier {
        kind: IdentifierKind::Email,
        value: lead.email.clone(),
    };
    let identifiers = match kind {
        ReviewKind::MiddleNameNotBooked => {
            let middle = if name.gender == 'M' { "James" } else { "Rose" };
            name.given = format!("{} {middle}", name.given);
            vec![Identifier {
                kind: IdentifierKind::Phone,
                value: lead.phone.clone(),
            }]
        }
        ReviewKind::SurnameTypo => {
            if let Some(misspelt) = typo(&name.surnames[0]) {
                name.surnames = vec![misspelt];
            }
            vec![email]
        }
        ReviewKind::MarriedName => {
            let other = (0..8)
                .map(|_| names::person(rng, name.locale).surnames)
                .find(|s| *s != name.surnames)
                .unwrap_or_else(|| vec!["Smith".to_string()]);
            name.surnames = other;
            if let Some(nickname) = nickname_of(&name.given) {
                name.given = nickname;
            }
            vec![email]
        }
        ReviewKind::RelativesFrequentFlyer => {
            let relative = (0..8)
                .map(|_| names::relative(rng, &lead.name, 1))
                .find(|r| r.given != lead.name.given)
                .unwrap_or_else(|| names::relative(rng, &lead.name, 1));
            name = relative;
            lead.ff
                .iter()
                .map(|(airline, number)| Identifier {
                    kind: IdentifierKind::Loyalty,
                    value: format!("{airline} {number}"),
                })
                .collect()
        }
    };
    let mut person = registry_person(rng, "", Some(&name), now);
    // Casual profiles give no birth date; the booking's would confirm the person and link.
    person.date_of_birth = None;
    person.identifiers = identifiers;
    person
}

//! Which passenger a gate scan is for. First the flight: the leg of the pass that leaves from the scanning
//! station gives carrier, number and date (its year resolved against the scan). Then the passenger: the
//! booking locator, and within that booking the seat, the check-in sequence number or the name — a mother
//! and her son share a locator. Never fuzzy matching across the flight: a pass that does not lead to exactly
//! one passenger of its booking is an explicit ambiguity or no-match with the reason.

use chrono::NaiveDate;
use serde::Serialize;

use super::bcbp::{BoardingPass, Leg};
use crate::domain::records::NewPassenger;
use crate::domain::{FlightKey, Iata, Locator, Seat};

/// The flight and booking a pass points at, read from the leg leaving from the scanning station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanTarget {
    pub flight: FlightKey,
    pub locator: Locator,
    /// 1-based number of the leg on the pass.
    pub leg: usize,
}

/// Why a pass does not name a flight leaving from the station.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error(
        "no leg of this pass leaves from {station} (it flies {legs}): the pass was scanned at the wrong station"
    )]
    WrongStation { station: Iata, legs: String },
    #[error(
        "leg {leg} of this pass has a blank from airport, so it cannot be told whether it leaves from {station}"
    )]
    NoOrigin { leg: usize, station: Iata },
    #[error("leg {leg} leaving from {station} has no {what}")]
    Missing {
        leg: usize,
        station: Iata,
        what: &'static str,
    },
}

/// Finds the leg leaving from `station` and the flight it is on; `scan_date` (the station's local date of
/// the scan) resolves the year of the flight date.
pub fn target(
    pass: &BoardingPass,
    station: &Iata,
    scan_date: NaiveDate,
) -> Result<ScanTarget, TargetError> {
    let Some((index, leg)) = pass
        .legs
        .iter()
        .enumerate()
        .find(|(_, leg)| leg.from.as_ref() == Some(station))
    else {
        if let Some(blank) = pass.legs.iter().position(|leg| leg.from.is_none()) {
            return Err(TargetError::NoOrigin {
                leg: blank + 1,
                station: station.clone(),
            });
        }
        return Err(TargetError::WrongStation {
            station: station.clone(),
            legs: describe_legs(&pass.legs),
        });
    };
    let missing = |what| TargetError::Missing {
        leg: index + 1,
        station: station.clone(),
        what,
    };
    let flight = leg.flight.clone().ok_or_else(|| missing("flight number"))?;
    let local_date = leg
        .flight_date(pass, scan_date)
        .ok_or_else(|| missing("readable date of flight"))?;
    let locator = leg.pnr.clone().ok_or_else(|| missing("booking locator"))?;
    Ok(ScanTarget {
        flight: FlightKey {
            flight,
            local_date,
            origin: station.clone(),
        },
        locator,
        leg: index + 1,
    })
}

fn describe_legs(legs: &[Leg]) -> String {
    let text: Vec<String> = legs
        .iter()
        .map(|leg| {
            let code = |c: &Option<Iata>| c.as_ref().map_or("???".to_string(), |c| c.to_string());
            format!("{}-{}", code(&leg.from), code(&leg.to))
        })
        .collect();
    if text.is_empty() {
        "no legs".to_string()
    } else {
        text.join(", ")
    }
}

/// What within the booking picked the passenger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The booking has one passenger on this flight.
    OnlyPassenger,
    Seat,
    CheckInSequence,
    Name,
}

/// The outcome of looking for the pass's passenger among the passengers of its booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resolution {
    /// `index` into the candidates given.
    Matched {
        index: usize,
        by: MatchedBy,
    },
    /// Several passengers fit equally; `indexes` into the candidates.
    Ambiguous {
        indexes: Vec<usize>,
        reason: String,
    },
    NoMatch {
        reason: String,
    },
}

/// What a pass or a boarded list says about one passenger of a booking; `None` when it does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingFacts {
    pub seat: Option<Seat>,
    pub check_in_sequence: Option<i32>,
    /// Surname and given name, as written.
    pub name: Option<(String, String)>,
    /// How the source wrote these facts, for the reasons.
    pub source_says: String,
}

impl BookingFacts {
    /// The facts a pass's leg gives.
    pub fn of_pass(pass: &BoardingPass, leg: &Leg) -> BookingFacts {
        let sequence_text = leg.check_in_sequence.as_deref();
        BookingFacts {
            seat: leg.seat.clone(),
            check_in_sequence: sequence_text.and_then(|s| {
                s.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                    .parse::<i32>()
                    .ok()
            }),
            name: pass
                .booking_name
                .as_ref()
                .map(|n| (n.surname.clone(), n.given.clone())),
            source_says: format!(
                "the pass says {}{}{}",
                pass.passenger_name,
                leg.seat
                    .as_ref()
                    .map_or(String::new(), |s| format!(", seat {s}")),
                sequence_text.map_or(String::new(), |s| format!(", check-in sequence {s}")),
            ),
        }
    }
}

/// Picks the pass's passenger among `candidates`: the passengers of the flight holding the pass's booking
/// locator (passengers removed from the manifest left out by the caller).
pub fn pick_passenger(pass: &BoardingPass, leg: &Leg, candidates: &[&NewPassenger]) -> Resolution {
    let locator = leg.pnr.as_ref().map_or("", |l| l.as_str());
    pick_in_booking(locator, &BookingFacts::of_pass(pass, leg), candidates)
}

type Criterion = Box<dyn Fn(&NewPassenger) -> bool>;

/// Picks one passenger of booking `locator` by the facts: the only passenger of the booking, else the one
/// passenger whose seat, else check-in sequence, else name fits (in that order).
pub fn pick_in_booking(
    locator: &str,
    facts: &BookingFacts,
    candidates: &[&NewPassenger],
) -> Resolution {
    match candidates {
        [] => {
            return Resolution::NoMatch {
                reason: format!("no passenger of booking {locator} is on this flight's manifest"),
            };
        }
        [_] => {
            return Resolution::Matched {
                index: 0,
                by: MatchedBy::OnlyPassenger,
            };
        }
        _ => {}
    }
    let criteria: [(MatchedBy, Option<Criterion>); 3] = [
        (
            MatchedBy::Seat,
            facts.seat.clone().map(|seat| {
                Box::new(move |p: &NewPassenger| same_seat(p.seat.as_deref(), &seat)) as Criterion
            }),
        ),
        (
            MatchedBy::CheckInSequence,
            facts.check_in_sequence.map(|n| {
                Box::new(move |p: &NewPassenger| p.checkin_sequence == Some(n)) as Criterion
            }),
        ),
        (
            MatchedBy::Name,
            facts.name.as_ref().map(|(surname, given)| {
                let (surname, given) = (squeeze(surname), squeeze(given));
                Box::new(move |p: &NewPassenger| {
                    squeeze(&p.surname) == surname && given_matches(&squeeze(&p.given_name), &given)
                }) as Criterion
            }),
        ),
    ];
    let mut tied: Option<(MatchedBy, Vec<usize>)> = None;
    for (by, criterion) in criteria {
        let Some(criterion) = criterion else { continue };
        let fits: Vec<usize> = candidates
            .iter()
            .enumerate()
            .filter(|(_, p)| criterion(p))
            .map(|(i, _)| i)
            .collect();
        match fits.as_slice() {
            [index] => return Resolution::Matched { index: *index, by },
            [] => {}
            _ => {
                tied.get_or_insert((by, fits));
            }
        }
    }
    let source_says = &facts.source_says;
    match tied {
        Some((by, indexes)) => Resolution::Ambiguous {
            reason: format!(
                "{} passengers of booking {locator} fit by {}; {source_says}",
                indexes.len(),
                by_words(by)
            ),
            indexes,
        },
        None => Resolution::NoMatch {
            reason: format!(
                "booking {locator} has {} passengers on this flight but none has the seat, check-in sequence or name given; {source_says}",
                candidates.len()
            ),
        },
    }
}

fn by_words(by: MatchedBy) -> &'static str {
    match by {
        MatchedBy::OnlyPassenger => "being alone on the booking",
        MatchedBy::Seat => "seat",
        MatchedBy::CheckInSequence => "check-in sequence",
        MatchedBy::Name => "name",
    }
}

fn same_seat(manifest: Option<&str>, pass: &Seat) -> bool {
    manifest
        .and_then(|s| Seat::parse(s).ok())
        .is_some_and(|s| &s == pass)
}

/// Upper case without spaces, hyphens or apostrophes: passes squeeze `DE LA CRUZ` into `DELACRUZ`.
fn squeeze(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The 20-character name field truncates long given names, so a pass's given name that is a prefix of
/// the manifest's (at least one letter) still names that passenger; an empty one names nobody.
fn given_matches(manifest: &str, pass: &str) -> bool {
    !pass.is_empty() && manifest.starts_with(pass)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boarding::bcbp::BoardingPass;
    use crate::domain::{CarrierCode, FlightNumber, TravellerClass};

    fn iata(code: &str) -> Iata {
        Iata::parse(code).unwrap()
    }

    fn leg(from: &str, to: &str, seat: Option<&str>, sequence: Option<&str>) -> Leg {
        Leg {
            pnr: Some(Locator::parse("K7PQ2X").unwrap()),
            from: Some(iata(from)),
            to: Some(iata(to)),
            carrier: Some(CarrierCode::parse("IB").unwrap()),
            flight: Some(FlightNumber::parse("IB6401").unwrap()),
            day_of_year: Some(326),
            seat: seat.map(|s| Seat::parse(s).unwrap()),
            check_in_sequence: sequence.map(String::from),
            ..Leg::default()
        }
    }

    fn passenger(surname: &str, given: &str, seat: &str, sequence: i32) -> NewPassenger {
        NewPassenger {
            pax_key: format!("K7PQ2X-{surname}-{given}"),
            surname: surname.to_string(),
            given_name: given.to_string(),
            title: None,
            traveller_class: TravellerClass::Adult,
            locator: Some("K7PQ2X".to_string()),
            seat: Some(seat.to_string()),
            cabin_class: None,
            destination: None,
            party_ref: None,
            frequent_flyer: None,
            email: None,
            phone: None,
            date_of_birth: None,
            gender: None,
            nationality: None,
            docs_surname: None,
            docs_given: None,
            checkin_sequence: Some(sequence),
            service_codes: Vec::new(),
        }
    }

    fn scan_date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn the_leg_leaving_from_the_station_gives_the_flight_and_its_year() {
        let pass = BoardingPass::new(
            "GARCIA/ANA",
            vec![leg("BCN", "MAD", None, None), leg("MAD", "MEX", None, None)],
        );
        let target = target(&pass, &iata("MAD"), scan_date()).unwrap();
        assert_eq!(target.leg, 2);
        assert_eq!(target.flight.origin.as_str(), "MAD");
        assert_eq!(target.flight.flight.to_string(), "IB6401");
        assert_eq!(target.flight.local_date, scan_date());
        assert_eq!(target.locator.as_str(), "K7PQ2X");
    }

    #[test]
    fn a_pass_scanned_at_a_station_it_does_not_leave_from_says_where_it_flies() {
        let pass = BoardingPass::new("GARCIA/ANA", vec![leg("BCN", "MAD", None, None)]);
        let error = target(&pass, &iata("LHR"), scan_date()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no leg of this pass leaves from LHR (it flies BCN-MAD): the pass was scanned at the wrong station"
        );
    }

    #[test]
    fn a_leg_without_a_locator_is_refused_with_the_leg_number() {
        let mut first = leg("MAD", "BCN", None, None);
        first.pnr = None;
        let pass = BoardingPass::new("GARCIA/ANA", vec![first]);
        let error = target(&pass, &iata("MAD"), scan_date()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "leg 1 leaving from MAD has no booking locator"
        );
    }

    #[test]
    fn a_leg_with_a_blank_from_airport_is_refused_with_the_leg_number() {
        let mut second = leg("BCN", "MAD", None, None);
        second.from = None;
        let pass = BoardingPass::new("GARCIA/ANA", vec![leg("BCN", "MAD", None, None), second]);
        let error = target(&pass, &iata("MAD"), scan_date()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "leg 2 of this pass has a blank from airport, so it cannot be told whether it leaves from MAD"
        );
    }

    #[test]
    fn mother_and_son_on_one_locator_are_told_apart_by_seat_then_sequence_then_name() {
        let mother = passenger("GARCIA", "ANA", "12A", 41);
        let son = passenger("GARCIA", "PABLO", "12B", 42);
        let candidates = [&mother, &son];
        let by_seat = leg("MAD", "BCN", Some("12B"), None);
        let pass = BoardingPass::new("GARCIA/PABLO", vec![by_seat.clone()]);
        assert_eq!(
            pick_passenger(&pass, &by_seat, &candidates),
            Resolution::Matched {
                index: 1,
                by: MatchedBy::Seat
            }
        );
        let by_sequence = leg("MAD", "BCN", Some("30C"), Some("0041"));
        let pass = BoardingPass::new("GARCIA/PABLO", vec![by_sequence.clone()]);
        assert_eq!(
            pick_passenger(&pass, &by_sequence, &candidates),
            Resolution::Matched {
                index: 0,
                by: MatchedBy::CheckInSequence
            }
        );
        let by_name = leg("MAD", "BCN", None, None);
        let pass = BoardingPass::new("GARCIA/PABLOMR", vec![by_name.clone()]);
        assert_eq!(
            pick_passenger(&pass, &by_name, &candidates),
            Resolution::Matched {
                index: 1,
                by: MatchedBy::Name
            }
        );
    }

    #[test]
    fn two_passengers_who_fit_equally_are_an_ambiguity_not_a_guess() {
        let first = passenger("GARCIA", "ANA", "12A", 41);
        let second = passenger("GARCIA", "ANA", "12B", 42);
        let bare = leg("MAD", "BCN", None, None);
        let pass = BoardingPass::new("GARCIA/ANA", vec![bare.clone()]);
        match pick_passenger(&pass, &bare, &[&first, &second]) {
            Resolution::Ambiguous { indexes, reason } => {
                assert_eq!(indexes, vec![0, 1]);
                assert!(
                    reason.contains("2 passengers of booking K7PQ2X fit by name"),
                    "{reason}"
                );
            }
            other => panic!("expected an ambiguity, got {other:?}"),
        }
    }

    #[test]
    fn a_pass_that_fits_nobody_of_its_booking_says_what_it_carried() {
        let mother = passenger("GARCIA", "ANA", "12A", 41);
        let son = passenger("GARCIA", "PABLO", "12B", 42);
        let stranger = leg("MAD", "BCN", Some("3C"), Some("0007"));
        let pass = BoardingPass::new("LOPEZ/JUAN", vec![stranger.clone()]);
        match pick_passenger(&pass, &stranger, &[&mother, &son]) {
            Resolution::NoMatch { reason } => {
                assert!(reason.contains("none has the seat"), "{reason}");
                assert!(
                    reason.contains("LOPEZ/JUAN, seat 3C, check-in sequence 0007"),
                    "{reason}"
                );
            }
            other => panic!("expected no match, got {other:?}"),
        }
        assert!(matches!(
            pick_passenger(&pass, &stranger, &[]),
            Resolution::NoMatch { .. }
        ));
        assert_eq!(
            pick_passenger(&pass, &stranger, &[&mother]),
            Resolution::Matched {
                index: 0,
                by: MatchedBy::OnlyPassenger
            }
        );
    }
}

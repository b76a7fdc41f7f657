//! Runs every peer BCBP vector in tests/data/bcbp/vectors.json (decode, decode_error, encode, round_trip)
//! against aboard's decoder and encoder.
//!
//! The vectors were extracted from the test suites of martinmroz/iata_bcbp @ f4b4c8199a61 (MIT,
//! Copyright (c) 2018 Martin Mroz) and georgesmith46/bcbp @ bf440790811b (MIT, Copyright (c) 2020 George Smith);
//! tests/data/bcbp/README.md carries the full licence notes and how the expected values are read.
//!
//! tests/data/bcbp/deviating.tsv is aboard's own: passes that deviate from Resolution 792 as issued passes do,
//! each with the warnings it must give.

use aboard::boarding::bcbp::{
    self, BcbpError, BoardingPass, Field, IssueDate, Leg, Security, Warning,
};
use aboard::domain::{CarrierCode, FlightNumber, Iata, Locator, Seat};
use chrono::{Datelike, NaiveDate, Utc};
use serde_json::Value;

fn vectors(kind: &str) -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/bcbp/vectors.json");
    let text = std::fs::read_to_string(path).expect("vectors.json is readable");
    let all: Value = serde_json::from_str(&text).expect("vectors.json is JSON");
    let selected: Vec<Value> = all["vectors"]
        .as_array()
        .expect("a vectors array")
        .iter()
        .filter(|v| v["test_kind"] == kind)
        .cloned()
        .collect();
    assert!(!selected.is_empty(), "no {kind} vectors");
    selected
}

fn id(vector: &Value) -> &str {
    vector["id"].as_str().unwrap_or("?")
}

fn raw(vector: &Value) -> &str {
    vector["raw"].as_str().expect("raw is a string")
}

/// Pass-level keys of the vectors and the fields they name.
const PASS_KEYS: [(&str, Field); 13] = [
    ("passenger_name", Field::PassengerName),
    (
        "electronic_ticket_indicator",
        Field::ElectronicTicketIndicator,
    ),
    ("passenger_description", Field::PassengerDescription),
    ("source_of_check_in", Field::CheckInSource),
    ("source_of_boarding_pass_issuance", Field::IssuanceSource),
    ("date_of_issue", Field::DateOfIssue),
    ("document_type", Field::DocumentType),
    ("issuer_designator", Field::Issuer),
    ("baggage_tag", Field::BaggageTag),
    (
        "first_non_consecutive_baggage_tag",
        Field::FirstNonConsecutiveBaggageTag,
    ),
    (
        "second_non_consecutive_baggage_tag",
        Field::SecondNonConsecutiveBaggageTag,
    ),
    ("security_type", Field::SecurityType),
    ("security_data", Field::SecurityData),
];

/// Leg keys of the vectors and the fields they name.
const LEG_KEYS: [(&str, Field); 21] = [
    ("pnr", Field::Pnr),
    ("from", Field::From),
    ("to", Field::To),
    ("carrier", Field::Carrier),
    ("flight_number", Field::FlightNumber),
    ("julian_date", Field::DateOfFlight),
    ("compartment", Field::Compartment),
    ("seat", Field::Seat),
    ("check_in_seq", Field::CheckInSequence),
    ("passenger_status", Field::PassengerStatus),
    ("airline_numeric_code", Field::AirlineNumericCode),
    ("document_serial", Field::DocumentSerial),
    ("selectee", Field::Selectee),
    ("doc_verification", Field::DocumentVerification),
    ("marketing_carrier", Field::MarketingCarrier),
    ("ff_airline", Field::FrequentFlyerAirline),
    ("ff_number", Field::FrequentFlyerNumber),
    ("id_ad", Field::IdAd),
    ("free_baggage", Field::FreeBaggage),
    ("fast_track", Field::FastTrack),
    ("airline_use", Field::AirlineUse),
];

/// A peer's expected text as aboard holds it: without padding, blank meaning "not provided".
fn unpadded(expected: &Value) -> Option<String> {
    expected
        .as_str()
        .map(|s| s.trim_end_matches(' ').to_string())
        .filter(|s| !s.is_empty())
}

fn ours(text: Option<String>) -> Option<String> {
    text.map(|s| s.trim_end_matches(' ').to_string())
        .filter(|s| !s.is_empty())
}

/// The peer's reference year read as a scan on its last day; without one, the current UTC year's.
fn reference(vector: &Value) -> NaiveDate {
    let year = vector["reference_year"]
        .as_i64()
        .and_then(|y| i32::try_from(y).ok())
        .unwrap_or_else(|| Utc::now().year());
    NaiveDate::from_ymd_opt(year, 12, 31).expect("31 December exists")
}

fn iso(date: Option<NaiveDate>) -> Option<String> {
    date.map(|d| d.format("%Y-%m-%d").to_string())
}

fn check_raw_style(vector: &Value, pass: &BoardingPass) {
    let name = id(vector);
    let expected = &vector["expected"];
    assert_eq!(
        expected["legs_count"].as_u64(),
        Some(pass.legs.len() as u64),
        "{name}: legs"
    );
    for (key, field) in PASS_KEYS {
        if let Some(value) = expected.get(key) {
            assert_eq!(
                ours(pass.field_text(field)),
                unpadded(value),
                "{name}: {key}"
            );
        }
    }
    // The raw name keeps its padding in the peer's assertion; aboard keeps it without.
    let padded = format!("{:<20}", pass.passenger_name);
    assert_eq!(Some(padded.as_str()), expected["passenger_name"].as_str());
    let legs = expected["legs"].as_array().expect("legs");
    for (index, (leg, expected_leg)) in pass.legs.iter().zip(legs).enumerate() {
        for (key, field) in LEG_KEYS {
            let Some(value) = expected_leg.get(key) else {
                continue;
            };
            if field == Field::AirlineUse {
                // Airline text is free text: its trailing spaces count towards the leg's size.
                assert_eq!(
                    leg.airline_use.as_deref(),
                    value.as_str(),
                    "{name}: leg {index} {key}"
                );
            } else {
                assert_eq!(
                    ours(leg.field_text(field)),
                    unpadded(value),
                    "{name}: leg {index} {key}"
                );
            }
        }
    }
}

fn check_trimmed_style(vector: &Value, pass: &BoardingPass) {
    let name = id(vector);
    let expected = &vector["expected"];
    let reference = reference(vector);
    let whole_object = vector["notes"].as_array().is_some_and(|notes| {
        notes
            .iter()
            .any(|n| n.as_str().is_some_and(|n| n.contains("deep equality")))
    });
    if whole_object {
        assert_eq!(expected["format_code"], "M", "{name}");
        assert_eq!(pass.format_code, 'M', "{name}");
        assert_eq!(
            expected["legs_count"].as_u64(),
            Some(pass.legs.len() as u64),
            "{name}: legs"
        );
        assert_eq!(
            expected["version"].as_u64(),
            pass.version.map(u64::from),
            "{name}: version"
        );
        assert_eq!(
            expected.get("version_number_indicator").is_some(),
            pass.version.is_some(),
            "{name}: '>'"
        );
        assert_eq!(
            expected.get("security_data_indicator").is_some(),
            pass.security.is_some(),
            "{name}: '^'"
        );
        for (key, field) in PASS_KEYS {
            if key == "date_of_issue" {
                continue;
            }
            assert_eq!(
                ours(pass.field_text(field)),
                unpadded(&expected[key]),
                "{name}: {key}"
            );
        }
        assert_eq!(
            iso(pass.issue_date(reference)),
            unpadded(&expected["date_of_issue_iso"]),
            "{name}: date of issue"
        );
    }
    let legs = expected["legs"].as_array().expect("legs");
    assert_eq!(legs.len(), pass.legs.len(), "{name}: legs");
    for (index, (leg, expected_leg)) in pass.legs.iter().zip(legs).enumerate() {
        if whole_object {
            for (key, field) in LEG_KEYS {
                match (key, &expected_leg[key]) {
                    ("julian_date", _) => {}
                    ("fast_track", value) => {
                        assert_eq!(leg.fast_track, value.as_bool(), "{name}: leg {index} {key}")
                    }
                    (_, value) => assert_eq!(
                        ours(leg.field_text(field)),
                        unpadded(value),
                        "{name}: leg {index} {key}"
                    ),
                }
            }
        }
        let flight_date = leg.flight_date(pass, reference);
        match (
            &expected_leg["flight_date_iso"],
            expected_leg["flight_date_rule"].as_str(),
        ) {
            (Value::String(date), _) => {
                assert_eq!(iso(flight_date).as_deref(), Some(date.as_str()), "{name}")
            }
            (_, Some(rule)) => {
                // "day-of-year 226 of the current UTC year at test run time"
                let day: u32 = rule
                    .split_whitespace()
                    .nth(1)
                    .and_then(|d| d.parse().ok())
                    .expect("the rule names the day of the year");
                assert_eq!(leg.day_of_year.map(u32::from), Some(day), "{name}");
                assert_eq!(
                    flight_date,
                    NaiveDate::from_yo_opt(reference.year(), day),
                    "{name}"
                );
            }
            _ => assert_eq!(flight_date, None, "{name}: leg {index} has no date"),
        }
    }
}

#[test]
fn every_decode_vector_decodes_to_the_peer_values() {
    for vector in vectors("decode") {
        let name = id(&vector);
        let pass = bcbp::decode(raw(&vector)).unwrap_or_else(|e| panic!("{name}: {e}"));
        match vector["value_style"].as_str() {
            Some("raw") => check_raw_style(&vector, &pass),
            Some("trimmed") => check_trimmed_style(&vector, &pass),
            other => panic!("{name}: unknown value style {other:?}"),
        }
        // Re-encoding gives a pass that decodes to the same fields (the layout may be tighter).
        let again = bcbp::encode(&pass).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut decoded_again = bcbp::decode(&again).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut original = pass.clone();
        original.warnings.clear();
        decoded_again.warnings.clear();
        assert_eq!(decoded_again, original, "{name}: decode(encode(pass))");
    }
}

/// What aboard does with a vector its peer refuses. Issue 17: a pass is refused only when the name, or a
/// leg's booking reference, route, carrier, flight number or date cannot be read; every other deviation the
/// peers refuse is read as far as it goes, with a warning naming it.
enum Verdict {
    Refused(fn(&BcbpError) -> bool),
    Accepted(fn(&Warning) -> bool),
}

fn verdict(name: &str) -> Verdict {
    use Verdict::{Accepted, Refused};
    match name {
        "martinmroz/unsupported_format[PASS_STR_S]"
        | "martinmroz/unsupported_format[PASS_STR_LITTLE_M]" => {
            Refused(|e| matches!(e, BcbpError::UnsupportedFormat { .. }))
        }
        "martinmroz/invalid_characters[PASS_STR]"
        | "martinmroz/invalid_characters[PASS_STR_MINIMAL]" => {
            Refused(|e| matches!(e, BcbpError::InvalidCharacter { .. }))
        }
        "martinmroz/expected_integer[PASS_STR_1]" => Refused(|e| {
            matches!(
                e,
                BcbpError::Field {
                    field: Field::NumberOfLegs,
                    position: 1,
                    ..
                }
            )
        }),
        "martinmroz/unexpected_end_of_input[PASS_STR_NAME]" => Refused(|e| {
            matches!(
                e,
                BcbpError::Field {
                    field: Field::PassengerName,
                    position: 2,
                    ..
                }
            )
        }),
        "georgesmith/encode > empty" | "georgesmith/encode > no data" => {
            Refused(|e| matches!(e, BcbpError::Empty))
        }
        // Security data longer than its declared length (`^100+`), or a length that is not hexadecimal.
        "martinmroz/trailing_characters" | "martinmroz/expected_integer[PASS_STR_2]" => {
            Accepted(|w| {
                matches!(
                    w,
                    Warning::SizeDisagrees {
                        field: Field::SecurityLength,
                        ..
                    }
                )
            })
        }
        "martinmroz/unexpected_end_of_input[PASS_STR_SEC]" => {
            Accepted(|w| matches!(w, Warning::SecurityDataTruncated { .. }))
        }
        // A first leg whose variable part does not open with '>' (among them Delta's real pass).
        "martinmroz/invalid_start_of_security_data"
        | "martinmroz/invalid_start_of_version_number"
        | "martinmroz/v0_pass" => Accepted(|w| {
            matches!(
                w,
                Warning::ConditionalDataUnreadable {
                    field: Field::ConditionalStart,
                    ..
                }
            )
        }),
        "martinmroz/subsection_too_long" => Accepted(|w| {
            matches!(
                w,
                Warning::SizeDisagrees {
                    leg: Some(1),
                    field: Field::VariablePartSize,
                    ..
                }
            )
        }),
        other => panic!("{other}: a decode_error vector without a verdict"),
    }
}

#[test]
fn every_decode_error_vector_is_refused_only_when_it_cannot_identify_the_passenger() {
    for vector in vectors("decode_error") {
        let name = id(&vector);
        match (verdict(name), bcbp::decode(raw(&vector))) {
            (Verdict::Refused(expected), Err(error)) => {
                assert!(expected(&error), "{name}: {error}");
                assert!(!error.to_string().is_empty());
            }
            (Verdict::Accepted(expected), Ok(pass)) => {
                assert!(
                    pass.warnings.iter().any(expected),
                    "{name}: {:?}",
                    pass.warnings
                );
                let leg = &pass.legs[0];
                assert!(leg.pnr.is_some() && leg.flight.is_some() && leg.day_of_year.is_some());
                // What is accepted can be written again and reads back the same.
                let again = bcbp::encode(&pass).unwrap_or_else(|e| panic!("{name}: {e}"));
                let reread = bcbp::decode(&again).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(reread.legs, pass.legs, "{name}");
            }
            (_, outcome) => panic!("{name}: unexpected {outcome:?}"),
        }
    }
}

#[test]
fn the_errors_say_where_and_why() {
    let message = |raw: &str| bcbp::decode(raw).unwrap_err().to_string();
    assert_eq!(
        message("M2DESMARAIS"),
        "passenger name at position 2: the pass ends after 9 of its 20 characters"
    );
    assert_eq!(
        message("M1DESMARAIS/LUC       EABC123 YULFRAAC 0834 3X6J001A0025 100"),
        "leg 1, date of flight at position 44: expected a day of the year (001 to 366), found \"3X6\""
    );
    assert_eq!(
        message("M1DESMARAIS/LU\u{e7}       EABC123 YULFRAAC 0834 326J001A0025 100^100"),
        "position 14: '\u{e7}' is not a printable ASCII character; boarding pass barcodes carry ASCII only"
    );
}

/// Builds the pass a georgesmith encode input describes, with that encoder's defaults made explicit.
fn pass_from_input(input: &Value) -> BoardingPass {
    let text = |v: &Value, key: &str| v[key].as_str().map(str::to_string);
    let letter = |v: &Value, key: &str| v[key].as_str().and_then(|s| s.chars().next());
    let carrier = |v: &Value, key: &str| v[key].as_str().map(|s| CarrierCode::parse(s).unwrap());
    let ordinal = |v: &Value, key: &str| {
        v[key]
            .as_str()
            .map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    };
    let legs = input["legs"]
        .as_array()
        .map(|legs| {
            legs.iter()
                .map(|l| {
                    let operating = carrier(l, "carrier");
                    Leg {
                        pnr: l["pnr"].as_str().map(|s| Locator::parse(s).unwrap()),
                        from: l["from"].as_str().map(|s| Iata::parse(s).unwrap()),
                        to: l["to"].as_str().map(|s| Iata::parse(s).unwrap()),
                        flight: l["flight_number"].as_str().map(|n| {
                            FlightNumber::from_parts(operating.clone().unwrap(), n).unwrap()
                        }),
                        carrier: operating,
                        day_of_year: ordinal(l, "flight_date_iso").map(|d| d.ordinal() as u16),
                        compartment: letter(l, "compartment"),
                        seat: l["seat"].as_str().map(|s| Seat::parse(s).unwrap()),
                        check_in_sequence: text(l, "check_in_seq"),
                        passenger_status: letter(l, "passenger_status"),
                        airline_numeric_code: text(l, "airline_numeric_code"),
                        document_serial: text(l, "document_serial"),
                        document_verification: letter(l, "doc_verification"),
                        marketing_carrier: carrier(l, "marketing_carrier"),
                        frequent_flyer_airline: carrier(l, "ff_airline"),
                        frequent_flyer_number: text(l, "ff_number"),
                        free_baggage: text(l, "free_baggage"),
                        fast_track: match &l["fast_track"] {
                            Value::Bool(b) => Some(*b),
                            Value::String(s) => Some(s == "Y"),
                            _ => None,
                        },
                        airline_use: text(l, "airline_use"),
                        ..Leg::default()
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut pass = BoardingPass::new(input["passenger_name"].as_str().unwrap_or(""), legs);
    pass.version = Some(6);
    pass.passenger_description = letter(input, "passenger_description");
    pass.check_in_source = letter(input, "source_of_check_in");
    pass.issuance_source = letter(input, "source_of_boarding_pass_issuance");
    pass.date_of_issue = ordinal(input, "date_of_issue_iso").map(|d| IssueDate {
        year_digit: (d.year() % 10) as u8,
        day_of_year: d.ordinal() as u16,
    });
    pass.document_type = letter(input, "document_type");
    pass.issuer = carrier(input, "issuer_designator");
    pass.baggage_tag = text(input, "baggage_tag");
    pass.security = input["security_data"].as_str().map(|data| {
        let kind = input["security_type"]
            .as_u64()
            .and_then(|k| char::from_digit(k as u32, 10))
            .unwrap_or('1');
        Security::new(kind, data)
    });
    pass
}

#[test]
fn every_encode_vector_encodes_to_the_peer_string() {
    for vector in vectors("encode") {
        let name = id(&vector);
        let expected = &vector["expected"];
        let input = expected.get("encode_input").unwrap_or(expected);
        let pass = pass_from_input(input);
        let result = bcbp::encode(&pass);
        if raw(&vector).is_empty() {
            // The peer encodes "no legs" as ""; a pass without a leg is not a boarding pass.
            let error = result.expect_err(name);
            assert!(matches!(
                error,
                BcbpError::Encode {
                    field: Field::NumberOfLegs,
                    ..
                }
            ));
        } else {
            assert_eq!(result.as_deref(), Ok(raw(&vector)), "{name}");
        }
    }
}

#[test]
fn every_round_trip_vector_encodes_back_to_itself() {
    for vector in vectors("round_trip") {
        let name = id(&vector);
        let pass = bcbp::decode(raw(&vector)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(bcbp::encode(&pass).as_deref(), Ok(raw(&vector)), "{name}");
    }
}

/// The warning's kind as the JSON view names it (`not_zero_padded`, `size_disagrees`).
fn kind(warning: &Warning) -> String {
    serde_json::to_value(warning).unwrap()["kind"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn every_deviating_pass_identifies_its_passenger_with_the_warnings_it_names() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/bcbp/deviating.tsv");
    let text = std::fs::read_to_string(path).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(rows.len() >= 15, "{} rows", rows.len());
    for row in rows {
        let [kinds, what, raw] = row.splitn(3, '\t').collect::<Vec<_>>()[..] else {
            panic!("{row:?}: expected three tab-separated columns");
        };
        let raw = raw.replace("\\x1d", "\u{1d}");
        let pass = bcbp::decode(&raw).unwrap_or_else(|e| panic!("{what}: {e}"));
        let found: Vec<String> = pass.warnings.iter().map(kind).collect();
        assert_eq!(found.join(","), kinds, "{what}: {:?}", pass.warnings);
        assert!(!pass.passenger_name.is_empty(), "{what}");
        for leg in &pass.legs {
            assert!(
                leg.pnr.is_some()
                    && leg.from.is_some()
                    && leg.to.is_some()
                    && leg.flight.is_some()
                    && leg.day_of_year.is_some(),
                "{what}: {leg:?}"
            );
        }
    }
}

use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::domain::{CarrierCode, FlightNumber, Iata, ImportWarnings};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn hm(h: u32, m: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h, m, 0)
}

fn offset(hours: i32) -> Option<FixedOffset> {
    FixedOffset::east_opt(hours * 3600)
}

fn leg(
    flight: &str,
    from: &str,
    to: &str,
    dep: Option<NaiveTime>,
    arr: Option<NaiveTime>,
) -> LegRecord {
    LegRecord {
        line: 0,
        flight: FlightNumber::parse(flight).unwrap(),
        itinerary_variation: "01".to_string(),
        leg_sequence: "01".to_string(),
        service_type: 'J',
        period_from: date(2026, 12, 7),
        period_to: Some(date(2026, 12, 13)),
        days: [true, false, true, false, true, false, true],
        origin: Iata::parse(from).unwrap(),
        destination: Iata::parse(to).unwrap(),
        departure: dep,
        arrival: arr,
        departure_variation: None,
        arrival_variation: None,
        departure_day_shift: 0,
        arrival_day_shift: 0,
        time_mode: TimeMode::Local,
        aircraft_type: Some("32N".to_string()),
    }
}

fn carrier(code: &str, time_mode: TimeMode, legs: Vec<LegRecord>) -> CarrierLegs {
    CarrierLegs {
        airline: CarrierCode::parse(code).unwrap(),
        time_mode,
        legs: legs
            .into_iter()
            .map(|l| LegRecord { time_mode, ..l })
            .collect(),
    }
}

/// A local-time carrier with an overnight long-haul leg and a two-leg itinerary, and a UTC-time carrier.
fn sample() -> String {
    let mut overnight = leg("IB6403", "MAD", "MEX", hm(23, 55), hm(4, 55));
    overnight.departure_variation = offset(1);
    overnight.arrival_variation = offset(-6);
    overnight.arrival_day_shift = 1;
    let mut first = leg("IB3170", "MAD", "BCN", hm(7, 0), hm(8, 15));
    first.departure_variation = offset(1);
    first.arrival_variation = offset(1);
    let mut second = leg("IB3170", "BCN", "FCO", hm(9, 0), hm(10, 50));
    second.leg_sequence = "02".to_string();
    second.departure_variation = offset(1);
    second.arrival_variation = offset(1);
    let mut utc = leg("I23850", "MAD", "LIS", hm(9, 30), hm(10, 45));
    utc.departure_variation = offset(1);
    utc.arrival_variation = offset(0);
    write_ssim(&[
        carrier("IB", TimeMode::Local, vec![overnight, first, second]),
        carrier("I2", TimeMode::Utc, vec![utc]),
    ])
}

#[test]
fn a_written_schedule_has_the_real_layout_and_reads_back() {
    let text = sample();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.iter().all(|l| l.chars().count() == 200),
        "200 columns"
    );
    assert_eq!(lines.len() % 5, 0, "padded into blocks of five records");
    assert!(lines.iter().any(|l| l.bytes().all(|b| b == b'0')));
    let schedule = parse_ssim("week.ssim", text.as_bytes()).unwrap();
    assert!(
        schedule.warnings.is_empty(),
        "a clean file warns of nothing: {:?}",
        schedule.warnings
    );
    assert_eq!(schedule.legs.len(), 4);
    let overnight = &schedule.legs[0];
    assert_eq!(overnight.flight.to_string(), "IB6403");
    assert_eq!(
        (overnight.departure, overnight.arrival),
        (hm(23, 55), hm(4, 55))
    );
    assert_eq!(overnight.arrival_day_shift, 1);
    assert_eq!(
        overnight.line, 11,
        "after the header's block and the carrier's"
    );
    assert_eq!(schedule.legs[3].time_mode, TimeMode::Utc);
}

#[test]
fn legs_expand_over_their_days_with_utc_times() {
    let schedule = parse_ssim("week.ssim", sample().as_bytes()).unwrap();
    let mut warnings = ImportWarnings::default();
    let dated = schedule.legs[0].dated(
        date(2026, 12, 1),
        date(2026, 12, 31),
        "week.ssim",
        &mut warnings,
    );
    // Monday, Wednesday, Friday, Sunday of the week of 7 December.
    let dates: Vec<_> = dated.iter().map(|d| d.key.local_date).collect();
    assert_eq!(
        dates,
        vec![
            date(2026, 12, 7),
            date(2026, 12, 9),
            date(2026, 12, 11),
            date(2026, 12, 13)
        ]
    );
    let first = &dated[0];
    assert_eq!(
        first.departure,
        Some(Utc.with_ymd_and_hms(2026, 12, 7, 22, 55, 0).unwrap())
    );
    assert_eq!(
        first.arrival,
        Some(Utc.with_ymd_and_hms(2026, 12, 8, 10, 55, 0).unwrap()),
        "04:55 in Mexico City the next day"
    );
    // The second leg of the itinerary leaves Barcelona: its own flight key.
    let second = schedule.legs[2].dated(
        date(2026, 12, 7),
        date(2026, 12, 7),
        "week.ssim",
        &mut warnings,
    );
    assert_eq!(second[0].key.origin.as_str(), "BCN");
    assert_eq!(
        second[0].departure,
        Some(Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap())
    );
    // UTC carrier: the time is UTC, the key's date is Madrid's.
    let utc = schedule.legs[3].dated(
        date(2026, 12, 7),
        date(2026, 12, 7),
        "week.ssim",
        &mut warnings,
    );
    assert_eq!(
        utc[0].departure,
        Some(Utc.with_ymd_and_hms(2026, 12, 7, 9, 30, 0).unwrap())
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    // A window narrower than the period keeps only its dates.
    assert!(
        schedule.legs[0]
            .dated(
                date(2026, 12, 8),
                date(2026, 12, 8),
                "week.ssim",
                &mut warnings
            )
            .is_empty()
    );
}

#[test]
fn a_variation_that_disagrees_with_the_zone_is_used_and_warned() {
    let mut stale = leg("IB3166", "MAD", "LIS", hm(10, 0), hm(10, 20));
    stale.departure_variation = offset(2); // Madrid's summer offset, in December
    stale.arrival_variation = offset(0);
    let text = write_ssim(&[carrier("IB", TimeMode::Local, vec![stale])]);
    let schedule = parse_ssim("stale.ssim", text.as_bytes()).unwrap();
    assert_eq!(schedule.warnings.total, 1, "{:?}", schedule.warnings);
    let warning = &schedule.warnings.list[0];
    assert_eq!(warning.field.as_deref(), Some("UTC variation at departure"));
    assert!(
        warning.reason.contains("+0200")
            && warning.reason.contains("Europe/Madrid")
            && warning.reason.contains("+0100"),
        "{warning}"
    );
    let dated = schedule.legs[0].dated(
        date(2026, 12, 7),
        date(2026, 12, 7),
        "f.ssim",
        &mut ImportWarnings::default(),
    );
    assert_eq!(
        dated[0].departure,
        Some(Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap()),
        "the file's variation wins"
    );
}

#[test]
fn without_a_variation_the_airports_zone_places_the_time() {
    let text = write_ssim(&[carrier(
        "IB",
        TimeMode::Local,
        vec![leg("IB3166", "MAD", "LIS", hm(10, 0), hm(10, 20))],
    )]);
    let schedule = parse_ssim("novar.ssim", text.as_bytes()).unwrap();
    let dated = schedule.legs[0].dated(
        date(2026, 12, 7),
        date(2026, 12, 7),
        "f.ssim",
        &mut ImportWarnings::default(),
    );
    assert_eq!(
        dated[0].departure,
        Some(Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap())
    );
    assert_eq!(
        dated[0].arrival,
        Some(Utc.with_ymd_and_hms(2026, 12, 7, 10, 20, 0).unwrap())
    );
}

/// Replaces characters of one record of a written file.
fn patch(text: &str, line: usize, at: usize, with: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 != line {
                return l.to_string();
            }
            let mut chars: Vec<char> = l.chars().collect();
            for (k, c) in with.chars().enumerate() {
                chars[at + k] = c;
            }
            chars.into_iter().collect()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn an_unreadable_time_is_a_warning_and_the_leg_is_kept() {
    let text = patch(&sample(), 11, 61, "25X0");
    let text = patch(&text, 11, 57, "    ");
    let schedule = parse_ssim("messy.ssim", text.as_bytes()).unwrap();
    assert_eq!(schedule.legs.len(), 4);
    assert_eq!(schedule.legs[0].arrival, None);
    let warning = &schedule.warnings.list[0];
    assert_eq!(
        (warning.line, warning.field.as_deref()),
        (11, Some("passenger STA"))
    );
    assert_eq!(
        warning.to_string(),
        "messy.ssim:11: passenger STA: \"25X0\" is not a time (HHMM): the leg is kept without it"
    );
}

#[test]
fn a_leg_whose_flight_or_station_cannot_be_read_refuses_the_file_saying_where() {
    let text = patch(&sample(), 11, 5, "12X4");
    let text = patch(&text, 12, 36, "M1D");
    let errors = parse_ssim("bad.ssim", text.as_bytes()).unwrap_err();
    let lines: Vec<String> = errors.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.errors.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("bad.ssim:11: flight designator: "),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("bad.ssim:12: departure station: "),
        "{lines:?}"
    );
    let no_legs = parse_ssim("empty.ssim", write_ssim(&[]).as_bytes()).unwrap_err();
    assert!(no_legs.errors[0].reason.contains("no flight leg record"));
}

#[test]
fn an_overnight_leg_without_date_variation_lands_the_next_day() {
    let text = patch(&sample(), 11, 193, " ");
    let schedule = parse_ssim("trimmed.ssim", text.as_bytes()).unwrap();
    let dated = schedule.legs[0].dated(
        date(2026, 12, 7),
        date(2026, 12, 7),
        "f.ssim",
        &mut ImportWarnings::default(),
    );
    assert_eq!(
        dated[0].arrival,
        Some(Utc.with_ymd_and_hms(2026, 12, 8, 10, 55, 0).unwrap())
    );
}

const MVT_SAMPLE: &str = "QU MADKKIB\n.MADRMIB 221130\nMVT\nIB3166/22.ECJFK.MAD\nAD1100/1115 EA1330 LIS\nDL72/0015\nPX112\nSI DEICING\n\nMVT\nCOR\nIB6403/22.ECMXA.MAD\nED221230\nMVT\nIB3170/22.ECJFL.FCO\nAA1045/1052\nDL93/RA/0010/0025\n";

#[test]
fn mvt_messages_give_departures_arrivals_estimates_and_delays() {
    let reference = date(2026, 11, 23);
    let parsed = parse_mvt("moves.txt", MVT_SAMPLE.as_bytes(), reference).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let [ad, ed, aa] = parsed.movements.as_slice() else {
        panic!("three messages: {:?}", parsed.movements)
    };
    let at = |d, h, m| Some(Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap());
    assert_eq!((ad.kind, ad.line), (MovementKind::Departure, 4));
    assert_eq!(ad.date, date(2026, 11, 22));
    assert_eq!((ad.off_block, ad.airborne), (at(22, 11, 0), at(22, 11, 15)));
    assert_eq!(ad.estimated_arrival, at(22, 13, 30));
    assert_eq!(ad.arrival_station.as_ref().map(Iata::as_str), Some("LIS"));
    assert_eq!(
        ad.delays,
        vec![DelayCode {
            code: "72".to_string(),
            minutes: Some(15)
        }]
    );
    assert_eq!(ad.registration.as_deref(), Some("ECJFK"));
    assert_eq!(ad.remarks, vec!["DEICING".to_string()]);
    assert!(!ad.correction);
    assert_eq!((ed.kind, ed.correction), (MovementKind::Estimate, true));
    assert_eq!(ed.estimated_departure, at(22, 12, 30));
    assert_eq!(
        (aa.kind, aa.station.as_str()),
        (MovementKind::Arrival, "FCO")
    );
    assert_eq!(
        (aa.touchdown, aa.on_block),
        (at(22, 10, 45), at(22, 10, 52))
    );
    assert_eq!(
        aa.delays,
        vec![
            DelayCode {
                code: "93".to_string(),
                minutes: Some(10)
            },
            DelayCode {
                code: "RA".to_string(),
                minutes: Some(25)
            }
        ]
    );
    assert!(looks_like_mvt(MVT_SAMPLE.as_bytes()));
    // Between SOH/STX and ETX, as a network delivers it: the same messages.
    let framed = format!("\u{1}{}\u{3}", MVT_SAMPLE.replacen("MVT", "\u{2}MVT", 1));
    assert!(looks_like_mvt(framed.as_bytes()));
    let reference = date(2026, 11, 23);
    assert_eq!(
        parse_mvt("moves.txt", framed.as_bytes(), reference)
            .unwrap()
            .movements,
        parse_mvt("moves.txt", MVT_SAMPLE.as_bytes(), reference)
            .unwrap()
            .movements
    );
    assert!(!looks_like_mvt(b"PNL\nIB3166/22NOV MAD PART1\n"));
}

#[test]
fn a_bad_mvt_value_is_a_warning_and_an_unreadable_flight_refuses_the_file() {
    let messy = "MVT\nIB3166/22.ECJFK.MAD\nAD11X0/1115\nDL7/0015\nXX WHATEVER\n";
    let parsed = parse_mvt("messy.txt", messy.as_bytes(), date(2026, 11, 23)).unwrap();
    let fields: Vec<_> = parsed
        .warnings
        .list
        .iter()
        .map(|w| (w.line, w.field.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        fields,
        vec![
            (3, "AD".to_string()),
            (4, "DL".to_string()),
            (5, "element".to_string())
        ],
        "{:?}",
        parsed.warnings
    );
    let movement = &parsed.movements[0];
    assert_eq!(
        (movement.off_block, movement.airborne.is_some()),
        (None, true),
        "the readable half is kept"
    );
    let bad = parse_mvt(
        "bad.txt",
        b"MVT\nIB31666/22.ECJFK.MAD\nAD1100\n",
        date(2026, 11, 23),
    )
    .unwrap_err();
    assert_eq!(
        (bad.errors[0].line, bad.errors[0].field.as_deref()),
        (2, Some("flight"))
    );
}

proptest! {
    #[test]
    fn the_parsers_never_panic_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_ssim("any", &bytes);
        let _ = parse_mvt("any", &bytes, date(2026, 11, 23));
    }

    #[test]
    fn the_parsers_never_panic_on_damaged_real_input(
        cuts in proptest::collection::vec((0usize..1800, any::<char>()), 1..12),
    ) {
        for source in [sample(), MVT_SAMPLE.to_string()] {
            let mut chars: Vec<char> = source.chars().collect();
            for (at, c) in &cuts {
                let at = at % chars.len();
                chars[at] = *c;
            }
            let damaged: String = chars.into_iter().collect();
            if let Ok(schedule) = parse_ssim("damaged", damaged.as_bytes()) {
                for leg in &schedule.legs {
                    let _ = leg.dated(leg.period_from, leg.period_from + chrono::Duration::days(10), "f.ssim", &mut ImportWarnings::default());
                }
            }
            let _ = parse_mvt("damaged", damaged.as_bytes(), date(2026, 11, 23));
        }
    }
}

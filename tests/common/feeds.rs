//! Fixtures of the airline's own feeds, generated from a seed so that their dates follow the day the tests
//! run: a week of a network airline's SSIM schedule and a file of MVT messages.

use aboard::domain::{CarrierCode, FlightNumber, Iata};
use aboard::schedule::{CarrierLegs, LegRecord, TimeMode, write_ssim};
use chrono::{Duration, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone};

/// Destinations from Madrid with their block time in minutes.
const NETWORK: &[(&str, i64)] = &[
    ("BCN", 75),
    ("LIS", 80),
    ("AGP", 70),
    ("SVQ", 65),
    ("BIO", 60),
    ("PMI", 80),
    ("CDG", 125),
    ("LHR", 140),
    ("FCO", 145),
    ("FRA", 155),
    ("AMS", 150),
    ("MXP", 130),
    ("BRU", 135),
    ("JFK", 500),
    ("BOG", 630),
    ("GRU", 690),
    ("EZE", 760),
    ("ORD", 565),
];

/// A small seeded generator (SplitMix64): the same seed gives the same file.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn iata(code: &str) -> Iata {
    Iata::parse(code).unwrap()
}

/// The airport's UTC offset at a local time on `date`.
fn zone_offset(code: &str, date: NaiveDate, time: NaiveTime) -> FixedOffset {
    let airport = aboard::airports::lookup(&iata(code)).unwrap();
    airport
        .tz
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .unwrap()
        .offset()
        .fix()
}

/// A leg flown on `days` over the week from `start`, with local times and the zones' UTC variations.
#[allow(clippy::too_many_arguments)]
fn leg(
    flight: &str,
    from: &str,
    to: &str,
    start: NaiveDate,
    departure: NaiveTime,
    block_minutes: i64,
    days: [bool; 7],
    leg_sequence: &str,
) -> LegRecord {
    let departure_offset = zone_offset(from, start, departure);
    let utc_departure =
        start.and_time(departure) - Duration::seconds(departure_offset.local_minus_utc().into());
    let utc_arrival = utc_departure + Duration::minutes(block_minutes);
    let arrival_offset = zone_offset(to, start, NaiveTime::from_hms_opt(12, 0, 0).unwrap());
    let local_arrival = utc_arrival + Duration::seconds(arrival_offset.local_minus_utc().into());
    LegRecord {
        line: 0,
        flight: FlightNumber::parse(flight).unwrap(),
        itinerary_variation: "01".to_string(),
        leg_sequence: leg_sequence.to_string(),
        service_type: 'J',
        period_from: start,
        period_to: Some(start + Duration::days(6)),
        days,
        origin: iata(from),
        destination: iata(to),
        departure: Some(departure),
        arrival: Some(local_arrival.time()),
        departure_variation: Some(departure_offset),
        arrival_variation: Some(arrival_offset),
        departure_day_shift: 0,
        arrival_day_shift: (local_arrival.date() - start).num_days(),
        time_mode: TimeMode::Local,
        aircraft_type: Some(if block_minutes > 300 { "359" } else { "32N" }.to_string()),
    }
}

const DAILY: [bool; 7] = [true; 7];

/// The flights of the week, for the tests' checks: the overnight Madrid–Mexico City leg, the two legs of
/// IB3170 (Madrid–Barcelona–Rome) and the UTC carrier's Madrid–Lisbon flight.
pub const OVERNIGHT: &str = "IB6403";
pub const MULTI_LEG: &str = "IB3170";
pub const UTC_CARRIER_FLIGHT: &str = "I23850";

/// A week of a network airline from `start`: Iberia (local times) with a Madrid hub and its returns,
/// an overnight long-haul leg, a two-leg itinerary, and Iberia Express (UTC times). Messy as real files
/// are: one record carries Madrid's summer UTC variation in winter, one an arrival time that is no time,
/// one is cut short after its arrival terminal (no date variation), one names New York's summer offset.
pub fn network_week(start: NaiveDate, seed: u64) -> String {
    let mut rng = Seeded(seed);
    let mut iberia = Vec::new();
    let mut number = 3000;
    for (destination, block) in NETWORK {
        let rotations = if *block > 300 { 1 } else { 1 + rng.below(3) };
        for _ in 0..rotations {
            let minutes = 6 * 60 + 5 * rng.below(12 * 12) as u32;
            let out = NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap();
            let days = if rng.below(4) == 0 {
                [true, false, true, false, true, false, true]
            } else {
                DAILY
            };
            number += 2;
            let outbound = leg(
                &format!("IB{number}"),
                "MAD",
                destination,
                start,
                out,
                *block,
                days,
                "01",
            );
            let back_at = outbound.arrival.unwrap() + Duration::minutes(60);
            let inbound = leg(
                &format!("IB{}", number + 1),
                destination,
                "MAD",
                start,
                back_at,
                *block,
                days,
                "01",
            );
            iberia.push(outbound);
            iberia.push(inbound);
        }
    }
    iberia.push(leg(
        OVERNIGHT,
        "MAD",
        "MEX",
        start,
        NaiveTime::from_hms_opt(23, 55, 0).unwrap(),
        740,
        DAILY,
        "01",
    ));
    let first = leg(
        MULTI_LEG,
        "MAD",
        "BCN",
        start,
        NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
        75,
        DAILY,
        "01",
    );
    let second = leg(
        MULTI_LEG,
        "BCN",
        "FCO",
        start,
        NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        110,
        DAILY,
        "02",
    );
    iberia.push(first);
    iberia.push(second);
    // Messy records, each at a known place.
    iberia[0].departure_variation = FixedOffset::east_opt(2 * 3600); // Madrid in summer
    let jfk = iberia
        .iter()
        .position(|l| l.destination.as_str() == "JFK")
        .unwrap();
    iberia[jfk].arrival_variation = FixedOffset::east_opt(-4 * 3600); // New York in summer
    let mut express = Vec::new();
    for (n, (destination, block)) in NETWORK.iter().take(6).enumerate() {
        let minutes = 7 * 60 + 90 * n as u32;
        let departure = NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap();
        let mut utc = leg(
            &format!("I2{}", 3850 + 2 * n),
            "MAD",
            destination,
            start,
            departure,
            *block,
            DAILY,
            "01",
        );
        // Times and dates in UTC: the departure moves back by Madrid's offset.
        let offset = Duration::seconds(utc.departure_variation.unwrap().local_minus_utc().into());
        utc.departure = Some(departure - offset);
        utc.arrival = Some(departure - offset + Duration::minutes(*block));
        utc.arrival_day_shift = 0;
        express.push(utc);
    }
    let text = write_ssim(&[
        CarrierLegs {
            airline: CarrierCode::parse("IB").unwrap(),
            time_mode: TimeMode::Local,
            legs: iberia,
        },
        CarrierLegs {
            airline: CarrierCode::parse("I2").unwrap(),
            time_mode: TimeMode::Utc,
            legs: express,
        },
    ]);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let legs: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with('3'))
        .collect();
    // An arrival time that is no time, and no aircraft time to fall back on.
    let bad_time = legs[3];
    lines[bad_time].replace_range(57..65, "    2S10");
    // The overnight leg cut short after its arrival terminal, as some exports trim records.
    let overnight = legs
        .iter()
        .copied()
        .find(|&i| lines[i][2..9] == *"IB 6403")
        .unwrap();
    lines[overnight].truncate(72);
    lines.join("\n") + "\n"
}

/// MVT messages about the week's flights on `day`: an off-block with a delay code and an estimated
/// arrival, a correction of it, an estimated departure, an arrival, and one unreadable time and one
/// delay code that is no code.
pub fn movements(day: NaiveDate) -> String {
    let dd = day.format("%d");
    format!(
        "QU MADKKIB\n.MADRMIB {dd}1130\nMVT\n{MULTI_LEG}/{dd}.ECJFK.MAD\nAD0610/0622 EA0725 BCN\nDL72/0010\nPX112\nSI DEICING\n\
         MVT\nCOR\n{MULTI_LEG}/{dd}.ECJFK.MAD\nAD0608/0622 EA0725 BCN\nDL72/0008\n\
         MVT\n{OVERNIGHT}/{dd}.ECMXA.MAD\nED{dd}2320\nDL93/0025\n\
         MVT\n{MULTI_LEG}/{dd}.ECJFK.BCN\nAA0721/0729\n\
         MVT\n{UTC_CARRIER_FLIGHT}/{dd}.ECLEA.MAD\nAD07X0/0712\nDL0/0005\n"
    )
}

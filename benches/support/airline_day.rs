//! A large network airline's day, seeded and repeatable, shared by the import and boarding benchmarks:
//! flights out of a hub and its spokes with full cabins of bookings as real reservation systems send
//! them — families on one locator, frequent-flyer numbers, booking e-mails and phones, passport data
//! (DOCS) on international flights, children with CHLD, infants on laps, meal and wheelchair requests.

use aboard::domain::{BookingName, CarrierCode, FlightNumber, Iata, Locator, Seat, Title};
use aboard::manifest::{FlightManifest, Gender, Infant, ManifestPassenger};
use chrono::{Duration, NaiveDate};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const CARRIER: &str = "IB";

/// Departure airports: the hub takes a third of the flights.
pub const ORIGINS: [&str; 12] = [
    "MAD", "BCN", "MEX", "BOG", "EZE", "JFK", "LHR", "AMS", "CDG", "FRA", "LIS", "GRU",
];
const DESTINATIONS: [&str; 24] = [
    "MAD", "BCN", "AGP", "SVQ", "VLC", "BIO", "PMI", "LPA", "TFN", "LIS", "OPO", "LHR", "CDG",
    "ORY", "FRA", "MUC", "AMS", "FCO", "MXP", "JFK", "MIA", "MEX", "BOG", "GRU",
];
const SURNAMES: [&str; 48] = [
    "GARCIA",
    "FERNANDEZ",
    "GONZALEZ",
    "RODRIGUEZ",
    "LOPEZ",
    "MARTINEZ",
    "SANCHEZ",
    "PEREZ",
    "GOMEZ",
    "MARTIN",
    "JIMENEZ",
    "RUIZ",
    "HERNANDEZ",
    "DIAZ",
    "MORENO",
    "ALVAREZ",
    "ROMERO",
    "NAVARRO",
    "TORRES",
    "DOMINGUEZ",
    "SILVA",
    "SANTOS",
    "OLIVEIRA",
    "SOUZA",
    "COSTA",
    "PEREIRA",
    "SMITH",
    "JONES",
    "WILLIAMS",
    "BROWN",
    "TAYLOR",
    "DAVIES",
    "MUELLER",
    "SCHMIDT",
    "SCHNEIDER",
    "FISCHER",
    "WEBER",
    "DUBOIS",
    "MOREAU",
    "LAURENT",
    "LEFEBVRE",
    "DEJONG",
    "JANSEN",
    "DEVRIES",
    "VANDENBERG",
    "BAKKER",
    "ROSSI",
    "FERRARI",
];
const FEMALE: [&str; 24] = [
    "MARIA",
    "CARMEN",
    "ANA",
    "LUCIA",
    "LAURA",
    "MARTA",
    "ELENA",
    "SOFIA",
    "PAULA",
    "ISABEL",
    "JULIA",
    "BEATRIZ",
    "FERNANDA",
    "CAMILA",
    "EMMA",
    "OLIVIA",
    "CHARLOTTE",
    "ANNA",
    "LENA",
    "CLAIRE",
    "CAMILLE",
    "SANNE",
    "FLEUR",
    "GIULIA",
];
const MALE: [&str; 24] = [
    "ANTONIO",
    "JOSE",
    "MANUEL",
    "FRANCISCO",
    "DAVID",
    "JUAN",
    "JAVIER",
    "DANIEL",
    "CARLOS",
    "MIGUEL",
    "PABLO",
    "ALEJANDRO",
    "JOAO",
    "PEDRO",
    "RAFAEL",
    "JAMES",
    "OLIVER",
    "THOMAS",
    "LUKAS",
    "MAXIMILIAN",
    "LUCAS",
    "PIERRE",
    "DAAN",
    "MARCO",
];
const SPECIAL_SERVICES: [&str; 5] = ["VGML", "WCHR", "KSML", "GFML", "MOML"];
const FARE_CLASSES: [char; 8] = ['Y', 'B', 'M', 'H', 'Q', 'V', 'C', 'J'];
const LOCATOR_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// The day: one manifest per flight, flight numbers 1..=flights of IB, each on `date(origin)`, the
/// local date at its airport.
pub fn generate(
    seed: u64,
    flights: usize,
    passengers_per_flight: usize,
    date: impl Fn(&Iata) -> NaiveDate,
) -> Vec<FlightManifest> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let carrier = CarrierCode::parse(CARRIER).expect("carrier");
    (0..flights)
        .map(|f| {
            let origin = ORIGINS[if f % 3 == 0 { 0 } else { f % ORIGINS.len() }];
            let destination = *DESTINATIONS
                .iter()
                .cycle()
                .skip(f % DESTINATIONS.len())
                .find(|d| **d != origin)
                .expect("a destination other than the origin");
            let flight = FlightNumber::new(carrier.clone(), 1 + f as u16, None).expect("number");
            let international = domestic(origin) != domestic(destination);
            let origin = Iata::parse(origin).expect("origin");
            FlightManifest {
                flight,
                local_date: date(&origin),
                origin,
                passengers: cabin(
                    &mut rng,
                    passengers_per_flight,
                    &Iata::parse(destination).expect("destination"),
                    international,
                ),
                scheduled_departure: None,
                scheduled_arrival: None,
            }
        })
        .collect()
}

fn domestic(airport: &str) -> bool {
    matches!(
        airport,
        "MAD" | "BCN" | "AGP" | "SVQ" | "VLC" | "BIO" | "PMI" | "LPA" | "TFN"
    )
}

fn cabin(
    rng: &mut ChaCha8Rng,
    size: usize,
    destination: &Iata,
    international: bool,
) -> Vec<ManifestPassenger> {
    let mut passengers = Vec::with_capacity(size);
    let mut seats = (0..size).map(|n| {
        let row = 1 + n / 6;
        let column = ['A', 'B', 'C', 'D', 'E', 'F'][n % 6];
        Seat::parse(&format!("{row}{column}")).expect("seat")
    });
    while passengers.len() < size {
        // Most bookings are one traveller; families and couples share a locator, contact and surname.
        let travellers = match rng.random_range(0..10) {
            0..=6 => 1,
            7 | 8 => 2,
            _ => 3 + rng.random_range(0..2),
        }
        .min(size - passengers.len());
        let locator = Locator::parse(
            &(0..6)
                .map(|_| LOCATOR_LETTERS[rng.random_range(0..LOCATOR_LETTERS.len())] as char)
                .collect::<String>(),
        )
        .expect("locator");
        let surname = *SURNAMES.choose(rng).expect("surname");
        let email = rng.random_bool(0.6).then(|| {
            format!(
                "{}.{}@example.com",
                surname.to_lowercase(),
                locator.as_str().to_lowercase()
            )
        });
        let phone = rng
            .random_bool(0.4)
            .then(|| format!("34{}", rng.random_range(600_000_000u32..700_000_000)));
        let fare_class = *FARE_CLASSES.choose(rng).expect("class");
        for member in 0..travellers {
            let child = member >= 2;
            let female = rng.random_bool(0.5);
            let given = *if female { &FEMALE } else { &MALE }
                .choose(rng)
                .expect("given name");
            let title = match (child, female) {
                (true, _) => Title::Chd,
                (false, true) => Title::Mrs,
                (false, false) => Title::Mr,
            };
            let born = if child {
                NaiveDate::from_ymd_opt(2014, 1, 1).expect("date")
                    + Duration::days(rng.random_range(0..365 * 10))
            } else {
                NaiveDate::from_ymd_opt(1950, 1, 1).expect("date")
                    + Duration::days(rng.random_range(0..365 * 55))
            };
            let name = BookingName::new(surname, given, Some(title)).expect("name");
            let docs = international.then(|| BookingName::new(surname, given, None).expect("name"));
            let infant = (member == 0 && rng.random_ratio(1, 100)).then(|| Infant {
                name: Some(BookingName::new(surname, "BABY", None).expect("name")),
                date_of_birth: Some(NaiveDate::from_ymd_opt(2026, 3, 1).expect("date")),
            });
            let ssr_codes = if rng.random_ratio(1, 20) {
                vec![SPECIAL_SERVICES.choose(rng).expect("code").to_string()]
            } else {
                Vec::new()
            };
            passengers.push(ManifestPassenger {
                traveller_class: name.traveller_class(),
                name,
                docs_name: docs,
                locator: Some(locator.clone()),
                other_locators: Vec::new(),
                seat: seats.next(),
                booking_class: Some(fare_class),
                destination: destination.clone(),
                party: None,
                frequent_flyer: (member == 0 && rng.random_bool(0.3)).then(|| {
                    (
                        CarrierCode::parse(CARRIER).expect("carrier"),
                        format!("{}", rng.random_range(10_000_000u32..99_999_999)),
                    )
                }),
                email: email.clone(),
                phone: phone.clone(),
                date_of_birth: (international || child).then_some(born),
                gender: international.then_some(if female { Gender::Female } else { Gender::Male }),
                nationality: international.then(|| "ESP".to_string()),
                infant,
                ssr_codes,
                checkin_sequence: None,
                line: 0,
            });
        }
    }
    passengers
}

//! The demo: a realistic, seeded synthetic day for an Iberia-like network — flights between twelve stations
//! in eight time zones, manifests with names from seven locales (diacritics as people write them, IATA
//! spelling on the bookings), and a registry of socially active people with complaint histories, some of
//! whom fly today. Generation is pure; `seed` writes it through the `Store`.

pub mod driver;
pub mod history;
mod names;
pub mod network;
pub mod review;
pub mod social;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use rand::SeedableRng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use std::future::Future;
use std::path::Path;

use tokio::net::TcpListener;

use crate::app::accounts::{self, AccountError, StaffSpec};
use crate::config::Config;
use crate::domain::records::{
    ComplaintCase, Consent, FlightList, Identifier, IdentifierKind, ListMode, ManifestImport,
    MovementTimes, NewFlight, NewPassenger, PersonRecord, SocialAccount,
};
use crate::domain::{
    CarrierCode, CaseStatus, FlightKey, FlightNumber, FlightStatus, Iata, Network, Role,
    TravellerClass, UiLanguage,
};
use crate::store::{Store, StoreError};
use crate::{AppError, airports, clock};
pub use names::{Locale, PersonName};
use secrecy::SecretString;

/// The stations of the demo network; MAD is the hub.
pub const STATIONS: [&str; 12] = [
    "MAD", "BCN", "MEX", "BOG", "EZE", "JFK", "LHR", "AMS", "CDG", "FRA", "LIS", "GRU",
];

/// Block times in minutes from the hub, and the locales of the people who fly each route.
fn route(destination: &str) -> (i64, &'static [Locale]) {
    use Locale::*;
    match destination {
        "BCN" => (80, &[EsEs, EsEs, EnGb, FrFr]),
        "MEX" => (740, &[EsMx, EsMx, EsEs]),
        "BOG" => (630, &[EsMx, EsEs, EsEs]),
        "EZE" => (760, &[EsEs, EsMx, PtBr]),
        "JFK" => (500, &[EnGb, EsEs, EsMx]),
        "LHR" => (140, &[EnGb, EnGb, EsEs]),
        "AMS" => (155, &[NlNl, NlNl, EsEs]),
        "CDG" => (125, &[FrFr, FrFr, EsEs]),
        "FRA" => (160, &[DeDe, DeDe, EsEs]),
        "LIS" => (75, &[PtBr, EsEs]),
        "GRU" => (700, &[PtBr, PtBr, EsEs]),
        _ => (120, &[EsEs]),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoFlight {
    pub flight: NewFlight,
    pub passengers: Vec<NewPassenger>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoDay {
    pub flights: Vec<DemoFlight>,
    pub persons: Vec<PersonRecord>,
    /// The external ids of the persons made to half-match a booking (`review`), for the match review.
    pub review_persons: Vec<String>,
}

/// The first minute's flights: one boarding at start from each station with gate agents and from two
/// without, each carrying a registry person the rules follow up (in person at MAD and BCN, over a network
/// for the Spanish desk from BOG and for the other desk from LIS), who boards among the first.
const OPENING: [(&str, &str, Locale); 4] = [
    ("MAD", "LHR", Locale::EsEs),
    ("BCN", "MAD", Locale::EsEs),
    ("BOG", "MAD", Locale::EsMx),
    ("LIS", "MAD", Locale::PtBr),
];

/// Builds the day around `now`: departures from three hours ago to eleven hours ahead, so that at any
/// moment some flights have left, some are boarding and some are still to come, and the `OPENING`
/// flights, boarding from the first minute.
pub fn generate(seed: u64, now: DateTime<Utc>) -> DemoDay {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let carrier =
        CarrierCode::parse("IB").unwrap_or_else(|_| unreachable!("IB is a valid carrier"));
    let hub = Iata::parse("MAD").unwrap_or_else(|_| unreachable!("MAD is a valid code"));
    let mut flights = Vec::new();
    let mut persons = Vec::new();
    let mut leads = Vec::new();
    let first_departure = now - Duration::hours(3);
    let mut flight_number = 3100u16;
    for slot in 0..42i64 {
        let destination_code = STATIONS[1 + (slot as usize % (STATIONS.len() - 1))];
        let destination = Iata::parse(destination_code).unwrap_or_else(|_| hub.clone());
        let outbound = slot % 3 != 2;
        let (origin, to) = if outbound {
            (hub.clone(), destination.clone())
        } else {
            (destination.clone(), hub.clone())
        };
        let (block_minutes, locales) = route(destination_code);
        let departure = round_to_five(first_departure + Duration::minutes(slot * 20));
        let arrival = departure + Duration::minutes(block_minutes);
        flight_number += 1 + (slot as u16 % 7);
        let Ok(number) = FlightNumber::new(carrier.clone(), flight_number, None) else {
            continue;
        };
        let local_date = local_date_at(&origin, departure);
        let status = if departure + Duration::minutes(15) < now {
            FlightStatus::Departed
        } else if departure - Duration::minutes(40) < now {
            FlightStatus::Boarding
        } else {
            FlightStatus::Scheduled
        };
        let flight = NewFlight {
            key: FlightKey {
                flight: number,
                local_date,
                origin: origin.clone(),
            },
            destination: Some(to.clone()),
            departure: MovementTimes {
                scheduled: Some(departure),
                ..MovementTimes::default()
            },
            arrival: MovementTimes {
                scheduled: Some(arrival),
                ..MovementTimes::default()
            },
            gate: Some(gate_for(&mut rng, &origin)),
            status,
        };
        let size = rng.random_range(60..=150);
        let (passengers, flight_leads) =
            manifest(&mut rng, locales, size, to.as_str(), now, &mut persons);
        leads.extend(flight_leads.into_iter().map(|mut lead| {
            lead.flight = flights.len();
            lead
        }));
        flights.push(DemoFlight { flight, passengers });
    }
    // The opening flights draw from their own generator, so that the rest of the day is the same with
    // them or without; their bookings are kept out of the review cases.
    let mut opening = ChaCha8Rng::seed_from_u64(seed ^ 0x0FE4_1416);
    // Boarding opened 40 minutes before departure, so about ten minutes ago.
    let opening_departure = round_to_five(now + Duration::minutes(33));
    for (n, (origin, to, locale)) in OPENING.into_iter().enumerate() {
        let (Ok(origin), Ok(to)) = (Iata::parse(origin), Iata::parse(to)) else {
            continue;
        };
        let Ok(number) = FlightNumber::new(carrier.clone(), 3001 + n as u16, None) else {
            continue;
        };
        let (block_minutes, _) = route(if origin == hub {
            to.as_str()
        } else {
            origin.as_str()
        });
        let flight = NewFlight {
            key: FlightKey {
                flight: number,
                local_date: local_date_at(&origin, opening_departure),
                origin: origin.clone(),
            },
            destination: Some(to.clone()),
            departure: MovementTimes {
                scheduled: Some(opening_departure),
                ..MovementTimes::default()
            },
            arrival: MovementTimes {
                scheduled: Some(opening_departure + Duration::minutes(block_minutes)),
                ..MovementTimes::default()
            },
            gate: Some(gate_for(&mut opening, &origin)),
            status: FlightStatus::Boarding,
        };
        let size = opening.random_range(60..=150);
        let (passengers, flight_leads) = manifest(
            &mut opening,
            &[locale],
            size,
            to.as_str(),
            now,
            &mut persons,
        );
        if let Some(first) = flight_leads.first() {
            if !first.known {
                let mut known = registry_person(&mut opening, "", Some(&first.name), now);
                known.identifiers.push(Identifier {
                    kind: IdentifierKind::Email,
                    value: first.email.clone(),
                });
                persons.push(known);
            }
            let email = first.email.clone();
            persons
                .iter_mut()
                .filter(|p| p.identifiers.iter().any(|i| i.value == email))
                .for_each(|p| followed_up(p, now));
        }
        flights.push(DemoFlight { flight, passengers });
    }
    let first_review = persons.len();
    persons.extend(
        review::review_cases(&mut rng, &flights, &leads, now)
            .into_iter()
            .map(|(_, person)| person),
    );
    let review_range = first_review..persons.len();
    persons.extend((0..120).map(|i| registry_person(&mut rng, &format!("SC-9{i:04}"), None, now)));
    for (i, person) in persons.iter_mut().enumerate() {
        person.external_id = format!("SC-{:05}", i + 1);
    }
    let review_persons = persons[review_range]
        .iter()
        .map(|p| p.external_id.clone())
        .collect();
    DemoDay {
        flights,
        persons,
        review_persons,
    }
}

/// Makes a registry person one the shipped rules follow up wherever they board: socially active, a
/// complaint on file, and reachable on X, where the airline may write to someone who accepts messages.
fn followed_up(person: &mut PersonRecord, now: DateTime<Utc>) {
    for account in &mut person.accounts {
        account.network = Network::X;
        account.followers = account.followers.max(5_000);
        account.opted_in = true;
        account.follows_airline = true;
        account.accepts_dms = true;
        account.last_inbound_at = Some(now - Duration::hours(3));
    }
    for consent in &mut person.consents {
        consent.opted_out = false;
    }
}

fn round_to_five(t: DateTime<Utc>) -> DateTime<Utc> {
    let minutes = t.timestamp() / 60;
    DateTime::from_timestamp((minutes - minutes % 5) * 60, 0).unwrap_or(t)
}

fn local_date_at(airport: &Iata, instant: DateTime<Utc>) -> NaiveDate {
    airports::lookup(airport)
        .map(|a| a.to_local(instant).date_naive())
        .unwrap_or_else(|| instant.date_naive())
}

fn gate_for(rng: &mut ChaCha8Rng, origin: &Iata) -> String {
    let terminal = if origin.as_str() == "MAD" { "S" } else { "B" };
    format!("{terminal}{}", rng.random_range(1..=40))
}

/// Fills a flight with bookings of one to four people; about one booking in forty belongs to someone the
/// registry knows (the person is created from the booking, with the spelling they use online). Returns
/// the passengers and each booking's lead (their `flight` left 0 for the caller to set).
fn manifest(
    rng: &mut ChaCha8Rng,
    locales: &[Locale],
    size: usize,
    destination: &str,
    now: DateTime<Utc>,
    persons: &mut Vec<PersonRecord>,
) -> (Vec<NewPassenger>, Vec<review::Lead>) {
    let mut passengers: Vec<NewPassenger> = Vec::with_capacity(size);
    let mut leads = Vec::new();
    let mut seats: Vec<(u16, char)> = (1..=32u16)
        .flat_map(|row| ['A', 'B', 'C', 'D', 'E', 'F'].map(|c| (row, c)))
        .collect();
    while passengers.len() < size {
        let locale = *locales.choose(rng).unwrap_or(&Locale::EsEs);
        let locator: String = (0..6)
            .map(|_| {
                *b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
                    .choose(rng)
                    .unwrap_or(&b'X') as char
            })
            .collect();
        let party = rng.random_range(1..=4usize).min(size - passengers.len());
        let lead = names::person(rng, locale);
        let email = format!(
            "{}.{}@{}",
            lead.ascii_given().to_lowercase(),
            lead.ascii_surname().to_lowercase(),
            locale.mail_domain()
        );
        let phone = format!(
            "{}{}",
            locale.phone_prefix(),
            rng.random_range(600_000_000u64..700_000_000)
        );
        for member in 0..party {
            let person = if member == 0 {
                lead.clone()
            } else {
                names::relative(rng, &lead, member)
            };
            let index = rng.random_range(0..seats.len());
            let (row, column) = seats.swap_remove(index);
            let traveller_class = if person.child {
                TravellerClass::Child
            } else {
                TravellerClass::Adult
            };
            let title = person.title();
            let ff = (member == 0 && rng.random_bool(0.35)).then(|| {
                (
                    "IB".to_string(),
                    format!("{}", rng.random_range(10_000_000u64..99_999_999)),
                )
            });
            passengers.push(NewPassenger {
                pax_key: format!("{locator}/{}", member + 1),
                surname: person.iata_surname(),
                given_name: person.iata_given(),
                title: Some(title.to_string()),
                traveller_class,
                locator: Some(locator.clone()),
                seat: Some(format!("{row}{column}")),
                cabin_class: Some(if row <= 4 { "J" } else { "Y" }.to_string()),
                destination: Some(destination.to_string()),
                party_ref: (party > 1).then(|| format!("{locator}{party}")),
                frequent_flyer: ff.clone(),
                email: (member == 0).then(|| email.clone()),
                phone: (member == 0).then(|| phone.clone()),
                date_of_birth: Some(person.date_of_birth),
                gender: Some(person.gender.to_string()),
                nationality: Some(locale.country().to_string()),
                docs_surname: Some(person.iata_surname()),
                docs_given: Some(person.iata_given()),
                checkin_sequence: Some(passengers.len() as i32 + 1),
                service_codes: Vec::new(),
            });
            let known = member == 0 && rng.random_bool(0.03);
            if member == 0 {
                leads.push(review::Lead {
                    flight: 0,
                    name: person.clone(),
                    email: email.clone(),
                    phone: phone.clone(),
                    ff: ff.clone(),
                    known,
                });
            }
            if known {
                let mut known = registry_person(rng, "", Some(&person), now);
                known.identifiers.push(Identifier {
                    kind: IdentifierKind::Email,
                    value: email.clone(),
                });
                if let Some((airline, number)) = &ff {
                    known.identifiers.push(Identifier {
                        kind: IdentifierKind::Loyalty,
                        value: format!("{airline} {number}"),
                    });
                }
                persons.push(known);
            }
        }
    }
    (passengers, leads)
}

const CATEGORIES: [(&str, &str); 8] = [
    (
        "baggage",
        "Suitcase arrived two days late; asked about compensation",
    ),
    (
        "delay",
        "Missed a connection after a long delay, rebooked overnight",
    ),
    (
        "cancellation",
        "Flight cancelled, waited hours for rebooking",
    ),
    ("service", "Cabin crew could not help with a special meal"),
    ("refund", "Refund for an unused ticket still not received"),
    ("seat", "Paid seat was reassigned without notice"),
    (
        "accessibility",
        "Wheelchair assistance did not arrive at the gate",
    ),
    ("check_in", "Online check-in failed, charged at the airport"),
];

fn registry_person(
    rng: &mut ChaCha8Rng,
    external_id: &str,
    known: Option<&PersonName>,
    now: DateTime<Utc>,
) -> PersonRecord {
    let locale = *Locale::ALL.choose(rng).unwrap_or(&Locale::EsEs);
    let name = known.cloned().unwrap_or_else(|| names::person(rng, locale));
    let network = *[
        Network::X,
        Network::Instagram,
        Network::Facebook,
        Network::Whatsapp,
    ]
    .choose(rng)
    .unwrap_or(&Network::X);
    let followers = 10f64.powf(rng.random_range(2.0..5.5)) as i64;
    let open = rng.random_bool(0.3);
    let cases = (0..rng.random_range(1..=3))
        .map(|n| {
            let (category, summary) = *CATEGORIES.choose(rng).unwrap_or(&CATEGORIES[0]);
            let opened = now - Duration::days(rng.random_range(5..400));
            let still_open = open && n == 0;
            ComplaintCase {
                external_ref: format!("CS-{}", rng.random_range(100_000..999_999)),
                opened_at: opened,
                resolved_at: (!still_open)
                    .then(|| opened + Duration::days(rng.random_range(1..20))),
                channel: network.as_str().to_string(),
                category: category.to_string(),
                severity: rng.random_range(1..=5),
                summary: summary.to_string(),
                status: if still_open {
                    CaseStatus::Open
                } else {
                    CaseStatus::Resolved
                },
                source_url: None,
            }
        })
        .collect();
    PersonRecord {
        external_id: external_id.to_string(),
        display_name: name.display(),
        language: Some(name.locale.language().to_string()),
        country: Some(name.locale.country().to_string()),
        date_of_birth: Some(name.date_of_birth),
        identifiers: Vec::new(),
        accounts: vec![SocialAccount {
            network,
            handle: format!(
                "@{}{}",
                name.ascii_given().to_lowercase(),
                rng.random_range(1..999)
            ),
            network_user_id: Some(format!("{}", rng.random_range(1_000_000u64..9_999_999_999))),
            followers,
            activity_30d: rng.random_range(0..120),
            follows_airline: rng.random_bool(0.6),
            accepts_dms: rng.random_bool(0.5),
            opted_in: rng.random_bool(0.7),
            // Most wrote within the week, so that Messenger and Instagram still let the airline answer.
            last_inbound_at: Some(now - Duration::hours(rng.random_range(2..200))),
        }],
        cases,
        consents: vec![Consent {
            channel: "social".to_string(),
            opted_out: rng.random_bool(0.05),
            updated_at: now - Duration::days(30),
        }],
    }
}

/// Writes the day through the store, one flight's manifest per import, then the registry.
/// Writes the day through the store; returns the registry persons' ids.
pub async fn seed(
    store: &dyn Store,
    day: &DemoDay,
    at: DateTime<Utc>,
) -> Result<Vec<uuid::Uuid>, StoreError> {
    for (n, demo) in day.flights.iter().enumerate() {
        let import = ManifestImport {
            warnings: Default::default(),
            format: "demo".to_string(),
            file_name: format!("demo-{}.json", demo.flight.key.flight),
            digest: format!("demo-{n}-{}", at.timestamp_micros()),
            actor: "demo".to_string(),
            sent_at: None,
            flights: vec![FlightList {
                flight: demo.flight.clone(),
                mode: ListMode::Replace,
                passengers: demo.passengers.clone(),
            }],
        };
        store.import_manifest(&import, at).await?;
    }
    let persons: Vec<_> = day
        .persons
        .iter()
        .cloned()
        .map(crate::app::matching::keyed)
        .collect();
    let person_ids = store.upsert_persons(&persons, "demo", at).await?;
    // Gate tasks need a staffed station; the demo's hubs are staffed around the clock.
    for iata in ["MAD", "BCN"] {
        if let Ok(iata) = crate::domain::Iata::parse(iata) {
            store
                .upsert_station(
                    &crate::domain::records::Station {
                        iata,
                        staffed: true,
                        shift_start: None,
                        shift_end: None,
                    },
                    "demo",
                    crate::clock::now(),
                )
                .await?;
        }
    }
    // What the service does after every import: match each flight against the registry.
    crate::app::screening::screen_waiting(store, at).await?;
    Ok(person_ids)
}

/// Marks a data dir as the demo's own, so that rebuilding it never wipes real data.
const DEMO_MARKER: &str = ".aboard-demo";

/// Rebuilds the demo day in the data dir's SQLite database (always the embedded default; a configured
/// database is refused, never wiped nor silently passed over), prints where to look, and serves over
/// plain http, its cookies not marked Secure, until `shutdown`.
pub async fn run(
    listener: TcpListener,
    mut config: Config,
    seed_value: u64,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    if config.database.url.is_some() {
        return Err(AppError::DemoOnConfiguredDatabase);
    }
    // Browsers do not send Secure cookies over the plain http the demo serves.
    config.server.secure_cookies = false;
    // Unless a real connector is configured, messages go to the local fake network.
    let fake_network = !config.outbox.delivers();
    if fake_network {
        config.outbox.connector = crate::messaging::outbox::ConnectorKind::Demo;
    }
    fresh_data_dir(&config.data_dir)?;
    let store = crate::open_store(&config).await?;
    let now = clock::now();
    let day = generate(seed_value, now);
    let person_ids = seed(store.as_ref(), &day, now).await?;
    // History only for persons who do not fly today, or its follow-ups would hold back today's by the
    // contact cool-down.
    let mut flying = std::collections::HashSet::new();
    for demo in &day.flights {
        if let Some(flight) = store.find_flight(&demo.flight.key).await? {
            flying.extend(
                store
                    .links_for_flight(flight.id)
                    .await?
                    .into_iter()
                    .map(|l| l.person_id),
            );
        }
    }
    let resting: Vec<uuid::Uuid> = person_ids
        .into_iter()
        .filter(|id| !flying.contains(id))
        .collect();
    let mut past = history::seed(store.as_ref(), seed_value, &resting, now).await?;
    history::seed_uplift(
        store.as_ref(),
        seed_value,
        &config.contact.holdout,
        now,
        &mut past,
    )
    .await?;
    // Today's follow-ups are all made, so that the first minute shows what it promises; the holdout shows
    // in the history above.
    config.contact.holdout.fraction = 0.0;
    let counts = store.counts().await?;
    let address = listener.local_addr()?;
    println!("aboard demo is running at http://{address}/");
    println!(
        "  {} flights, {} passengers, {} registry persons (seed {seed_value}, data in {})",
        counts.flights,
        counts.passengers,
        counts.persons,
        config.data_dir.display()
    );
    println!(
        "  {} weeks of SYNTHETIC history for /reports: {} past flights (IB9xxx), {} follow-ups and their outcomes",
        history::DAYS / 7,
        past.flights,
        past.tasks
    );
    println!(
        "  and {} SYNTHETIC holdout decisions ({} held out: {}% in this history) for /reports/uplift, from {} days back, with the cases that followed",
        past.decisions,
        past.held_out,
        history::UPLIFT_FRACTION * 100.0,
        history::UPLIFT_FROM_DAYS
    );
    println!(
        "  health: http://{address}/healthz   readiness: http://{address}/readyz   metrics: http://{address}/metrics"
    );
    social::prepare(store.as_ref(), &day, now).await?;
    println!(
        "  the first minute: flights boarding from MAD and BCN give their gate agents a task, and flights from \
BOG and LIS (no gate staff: {} only) give both advisor desks one",
        social::STAFFED.join(", ")
    );
    let to_review = store
        .links_to_review(now - crate::app::review::REVIEW_LOOKBACK, 1000)
        .await?
        .len();
    println!(
        "  {to_review} identity links the matcher was unsure of, for advisors and ops at /review ({} made to half-match a booking)",
        day.review_persons.len()
    );
    let sign_ins = create_sign_ins(store.as_ref()).await?;
    println!("  sign in at http://{address}/signin as:");
    for line in sign_ins {
        println!("    {line}");
    }
    println!(
        "  boarding unfolds live: each flight boards from 40 to 15 minutes before its departure, scanned at its gate \
(passengers the registry knows board among the first)"
    );
    if fake_network {
        println!(
            "  messages advisors send go to a local fake network: some passengers answer a few seconds later"
        );
    }
    println!("  stop with Ctrl-C");
    let driver: crate::Companion =
        Box::new(move |engine, stop| tokio::spawn(driver::run(engine, seed_value, stop)));
    crate::serve_with(listener, store, &config, shutdown, Some(driver)).await
}

/// One of the demo's staff accounts, printed with its password in the banner.
struct DemoSignIn {
    login: &'static str,
    password: &'static str,
    name: &'static str,
    role: Role,
    stations: &'static [&'static str],
    languages: &'static [&'static str],
    ui_language: UiLanguage,
}

const SIGN_INS: [DemoSignIn; 7] = [
    DemoSignIn {
        login: "ops",
        password: "ops-demo",
        name: "Olga Ops",
        role: Role::Ops,
        stations: &[],
        languages: &[],
        ui_language: UiLanguage::En,
    },
    DemoSignIn {
        login: "gate-mad",
        password: "gate-demo",
        name: "Gonzalo Puerta",
        role: Role::Gate,
        stations: &["MAD"],
        languages: &[],
        ui_language: UiLanguage::Es,
    },
    DemoSignIn {
        login: "gate-bcn",
        password: "gate-demo",
        name: "Gemma Porta",
        role: Role::Gate,
        stations: &["BCN"],
        languages: &[],
        ui_language: UiLanguage::Es,
    },
    DemoSignIn {
        login: "advisor-es",
        password: "advisor-demo",
        name: "Alba Asesora",
        role: Role::Advisor,
        stations: &[],
        languages: &["es"],
        ui_language: UiLanguage::Es,
    },
    DemoSignIn {
        login: "advisor-en",
        password: "advisor-demo",
        name: "Adam Advisor",
        role: Role::Advisor,
        stations: &[],
        // English and the network's other non-Spanish languages, so that this desk has work too.
        languages: &["en", "pt", "fr", "de", "nl"],
        ui_language: UiLanguage::En,
    },
    DemoSignIn {
        login: "admin",
        password: "admin-demo",
        name: "Ada Admin",
        role: Role::Admin,
        stations: &[],
        languages: &[],
        ui_language: UiLanguage::En,
    },
    DemoSignIn {
        login: "analyst",
        password: "analyst-demo",
        name: "Ana Lista",
        role: Role::Analyst,
        stations: &[],
        languages: &[],
        ui_language: UiLanguage::En,
    },
];

/// Creates the demo's staff accounts; returns a banner line for each.
async fn create_sign_ins(store: &dyn Store) -> Result<Vec<String>, AppError> {
    let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let failed = |e: AccountError| match e {
        AccountError::Store(e) => AppError::Store(e),
        other => AppError::Io(std::io::Error::other(other.to_string())),
    };
    let mut banner = Vec::with_capacity(SIGN_INS.len());
    for person in &SIGN_INS {
        let spec = StaffSpec {
            login: person.login.to_string(),
            display_name: Some(person.name.to_string()),
            grant: accounts::grant(
                person.role,
                &owned(person.stations),
                &owned(person.languages),
            )
            .map_err(failed)?,
            ui_language: person.ui_language,
        };
        let password = SecretString::from(person.password);
        let account = accounts::add_staff(store, &spec, &password, "demo")
            .await
            .map_err(failed)?;
        banner.push(format!(
            "{:<12} {:<14} {}",
            person.login,
            person.password,
            accounts::describe_grant(&account.grant)
        ));
    }
    Ok(banner)
}

fn fresh_data_dir(dir: &Path) -> Result<(), AppError> {
    let marker = dir.join(DEMO_MARKER);
    let database = dir.join("aboard.db");
    if database.exists() && !marker.exists() {
        return Err(AppError::Io(std::io::Error::other(format!(
            "{} holds a database that is not the demo's; choose another --data-dir",
            dir.display()
        ))));
    }
    std::fs::create_dir_all(dir)?;
    for suffix in ["", "-wal", "-shm"] {
        let file = dir.join(format!("aboard.db{suffix}"));
        if file.exists() {
            std::fs::remove_file(file)?;
        }
    }
    std::fs::write(
        marker,
        "This data dir is rebuilt by `aboard demo` on every start.\n",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_day() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let a = generate(7, now);
        let b = generate(7, now);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        assert_ne!(
            serde_json::to_string(&generate(8, now)).unwrap(),
            serde_json::to_string(&a).unwrap()
        );
    }

    /// Matches the day as the service does, one flight at a time against the persons sharing a blocking
    /// key with its passengers: each person made for the review is sent to review, and linked nowhere.
    #[test]
    fn the_review_persons_half_match_a_booking_on_an_upcoming_flight() {
        use crate::app::matching::{passenger_facts, person_facts};
        use crate::domain::records::Passenger;
        use crate::domain::{BoardingState, LinkDecision};
        use crate::matching::{
            RegistryIndex, RememberedDecisions, match_flight, passenger_blocking_keys,
            person_blocking_keys,
        };
        use uuid::Uuid;

        let now = DateTime::parse_from_rfc3339("2026-11-22T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        // Seed 1 and the demo's default.
        for seed in [1, 2026] {
            let day = generate(seed, now);
            assert_eq!(day.review_persons.len(), review::ReviewKind::ALL.len());
            let persons: Vec<_> = day
                .persons
                .iter()
                .enumerate()
                .map(|(i, r)| person_facts(Uuid::from_u128(i as u128 + 1), r))
                .collect();
            let person_keys: Vec<Vec<i64>> = persons.iter().map(person_blocking_keys).collect();
            let review_ids: Vec<Uuid> = day
                .persons
                .iter()
                .enumerate()
                .filter(|(_, p)| day.review_persons.contains(&p.external_id))
                .map(|(i, _)| Uuid::from_u128(i as u128 + 1))
                .collect();
            let mut decisions: Vec<(Uuid, LinkDecision, Vec<crate::matching::Reason>)> = Vec::new();
            for (n, demo) in day.flights.iter().enumerate() {
                let flight_id = Uuid::from_u128(1_000_000 + n as u128);
                let passengers: Vec<_> = demo
                    .passengers
                    .iter()
                    .enumerate()
                    .filter_map(|(k, details)| {
                        passenger_facts(&Passenger {
                            id: Uuid::from_u128(2_000_000 + (n * 1000 + k) as u128),
                            flight_id,
                            details: details.clone(),
                            boarding_state: BoardingState::Expected,
                            boarded_at: None,
                            removed_reason: None,
                            updated_at: now,
                        })
                    })
                    .collect();
                let keys: std::collections::HashSet<i64> = passengers
                    .iter()
                    .flat_map(passenger_blocking_keys)
                    .collect();
                let candidates: Vec<_> = persons
                    .iter()
                    .zip(&person_keys)
                    .filter(|(_, k)| k.iter().any(|k| keys.contains(k)))
                    .map(|(p, _)| p.clone())
                    .collect();
                let index = RegistryIndex::build(&candidates);
                for outcome in match_flight(&index, &passengers, &RememberedDecisions::new()) {
                    if review_ids.contains(&outcome.person) {
                        let reasons = outcome.reasons.clone();
                        decisions.push((outcome.person, outcome.decision, reasons));
                    }
                }
            }
            for id in &review_ids {
                let mine: Vec<_> = decisions.iter().filter(|d| d.0 == *id).collect();
                assert!(
                    mine.iter().any(|d| d.1 == LinkDecision::Review),
                    "person {id} was not sent to review: {mine:?}"
                );
                assert!(
                    mine.iter().all(|d| d.1 != LinkDecision::Linked),
                    "person {id} was linked: {mine:?}"
                );
            }
        }
    }

    #[test]
    fn the_day_spans_every_station_and_has_known_people_on_board() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let day = generate(1, now);
        for station in STATIONS {
            assert!(
                day.flights
                    .iter()
                    .any(|f| f.flight.key.origin.as_str() == station
                        || f.flight
                            .destination
                            .as_ref()
                            .is_some_and(|d| d.as_str() == station)),
                "{station} has no flight"
            );
        }
        let on_board = day
            .persons
            .iter()
            .filter(|p| !p.identifiers.is_empty())
            .count();
        assert!(on_board >= 20, "only {on_board} registry persons fly today");
        let passengers: usize = day.flights.iter().map(|f| f.passengers.len()).sum();
        assert!(passengers > 3_000);
        assert!(day.persons.iter().any(|p| !p.display_name.is_ascii()));
        let seats: std::collections::HashSet<_> = day.flights[0]
            .passengers
            .iter()
            .map(|p| p.seat.clone())
            .collect();
        assert_eq!(
            seats.len(),
            day.flights[0].passengers.len(),
            "a seat was given twice"
        );
    }
}

//! What a rule may look at: the passenger, the registry person linked to them, the flight and the station,
//! the trigger and the time. Other modules fill a [`RuleContext`]; this file turns it into the CEL variables
//! named in `rules/README.md`. Counts and aggregates (followers total, open cases, delay) are derived here
//! from the lists they summarise, so a rule never sees two facts that disagree.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use cel::Value;
use chrono::{DateTime, Duration, FixedOffset, Offset, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    BookingName, CaseStatus, Channel, FlightNumber, FlightStatus, Iata, Network, Seat, Title,
    UiLanguage, UnknownVariant,
};

/// The event that makes aboard look at a passenger's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The passenger's boarding pass was scanned at the gate.
    Boarded,
    /// The flight started boarding.
    BoardingStarted,
    /// The gate closed.
    GateClosed,
    /// The flight arrived.
    Arrived,
    /// The flight was delayed, cancelled or diverted.
    Disruption,
}

impl Trigger {
    pub const ALL: &'static [Trigger] = &[
        Trigger::Boarded,
        Trigger::BoardingStarted,
        Trigger::GateClosed,
        Trigger::Arrived,
        Trigger::Disruption,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Boarded => "boarded",
            Trigger::BoardingStarted => "boarding_started",
            Trigger::GateClosed => "gate_closed",
            Trigger::Arrived => "arrived",
            Trigger::Disruption => "disruption",
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Trigger {
    type Err = UnknownVariant;
    fn from_str(s: &str) -> Result<Self, UnknownVariant> {
        Trigger::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| UnknownVariant {
                what: "trigger",
                value: s.chars().take(40).collect(),
                expected: "boarded boarding_started gate_closed arrived disruption",
            })
    }
}

/// Everything a rule is evaluated against, for one passenger and one trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleContext {
    /// When the triggering event happened (the boarding scan for `boarded`); the `boarded` clock point.
    pub now: DateTime<Utc>,
    pub passenger: PassengerFacts,
    pub person: PersonFacts,
    pub flight: FlightFacts,
    pub station: StationFacts,
}

/// The passenger as the manifest and boarding pass describe them.
#[derive(Debug, Clone, PartialEq)]
pub struct PassengerFacts {
    pub name: BookingName,
    pub seat: Option<Seat>,
    /// Compartment or booking class as printed on the boarding pass, e.g. `J` or `Y`.
    pub class: Option<String>,
    /// Preferred language, as an ISO 639-1 code, when the booking holds one.
    pub language: Option<String>,
}

/// The registry person the passenger is linked to.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonFacts {
    pub display_name: String,
    pub language: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// Public posts and mentions of the airline the registry saw from this person in the last 30 days.
    pub activity_30d: u32,
    pub social_accounts: Vec<SocialAccountFacts>,
    pub cases: Vec<CaseFacts>,
    pub consent: ChannelConsent,
}

/// One of the person's accounts on a network, with what the network lets the airline do there.
#[derive(Debug, Clone, PartialEq)]
pub struct SocialAccountFacts {
    pub network: Network,
    pub followers: u64,
    pub follows_airline: bool,
    pub accepts_dms: bool,
    pub opted_in: bool,
    pub last_inbound_at: Option<DateTime<Utc>>,
}

impl SocialAccountFacts {
    /// Whether the airline may write first here: the person opted in and either follows the airline or
    /// accepts messages from anyone. Network windows are checked again by messaging at send time.
    pub fn is_writable(&self) -> bool {
        self.opted_in && (self.follows_airline || self.accepts_dms)
    }
}

/// One complaint case in the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts {
    pub category: String,
    pub status: CaseStatus,
    /// Severity on the registry's scale, 1 (minor) to 5 (severe).
    pub severity: u8,
    /// When the complaint that opened the case was made.
    pub opened_at: DateTime<Utc>,
}

/// Whether the person agreed to be approached through each channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelConsent {
    pub gate: bool,
    pub cabin: bool,
    pub social: bool,
}

impl ChannelConsent {
    pub fn allows(self, channel: Channel) -> bool {
        match channel {
            Channel::Gate => self.gate,
            Channel::Cabin => self.cabin,
            Channel::Social => self.social,
        }
    }
}

/// The flight, with local times (their offset is the airport's) and the latest estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct FlightFacts {
    pub number: FlightNumber,
    pub origin: Iata,
    pub destination: Iata,
    pub status: FlightStatus,
    pub scheduled_departure: DateTime<FixedOffset>,
    pub estimated_departure: Option<DateTime<FixedOffset>>,
    pub scheduled_arrival: DateTime<FixedOffset>,
    pub estimated_arrival: Option<DateTime<FixedOffset>>,
    pub boarding_started: Option<DateTime<FixedOffset>>,
    /// The (estimated) gate close time, when the status source gives one.
    pub gate_close: Option<DateTime<FixedOffset>>,
    /// The times above that the flight did not know and aboard assumed, each in words; empty when
    /// every time is known.
    pub assumed: Vec<String>,
}

impl FlightFacts {
    /// The departure time that counts now: the estimate when there is one.
    pub fn departure(&self) -> DateTime<FixedOffset> {
        self.estimated_departure.unwrap_or(self.scheduled_departure)
    }

    pub fn arrival(&self) -> DateTime<FixedOffset> {
        self.estimated_arrival.unwrap_or(self.scheduled_arrival)
    }

    /// Minutes the estimated departure is behind the schedule (negative when early, 0 without estimate).
    pub fn delay_minutes(&self) -> i64 {
        (self.departure() - self.scheduled_departure).num_minutes()
    }
}

/// The departure station the passenger boards at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationFacts {
    pub iata: Iata,
    /// Whether aboard staff are on shift at this station now.
    pub staffed: bool,
}

/// The six CEL variables, ready to bind into a `cel::Context`.
pub(crate) struct CelVariables {
    pub(crate) entries: [(&'static str, Value); 6],
}

/// The names a rule expression may start from.
pub(crate) const CONTEXT_NAMES: [&str; 6] =
    ["trigger", "now", "passenger", "person", "flight", "station"];

/// The roots whose fields the explanation of a rule lists.
pub(crate) const FACT_ROOTS: [&str; 4] = ["passenger", "person", "flight", "station"];

impl RuleContext {
    pub(crate) fn to_cel(&self, trigger: Trigger) -> CelVariables {
        CelVariables {
            entries: [
                ("trigger", Value::from(trigger.as_str())),
                ("now", utc_timestamp(self.now)),
                ("passenger", self.passenger.to_cel()),
                ("person", self.person.to_cel()),
                ("flight", self.flight.to_cel()),
                ("station", self.station.to_cel()),
            ],
        }
    }

    /// A complete context: a socially active person with an open case boarding a flight from a staffed
    /// station, every optional fact present. `rules check` and the parse-time checks evaluate rules on it.
    pub fn sample() -> RuleContext {
        // The sample is built from constants; the `expect`s below can only fail if those constants are edited
        // into invalid ones, which the module's tests would catch at once.
        let madrid = FixedOffset::east_opt(3600).expect("UTC+1 is a valid offset");
        let new_york = FixedOffset::west_opt(4 * 3600).expect("UTC-4 is a valid offset");
        let at = |offset: FixedOffset, h: u32, m: u32| {
            offset
                .with_ymd_and_hms(2025, 3, 14, h, m, 0)
                .single()
                .expect("a fixed offset has no gaps")
        };
        let boarded_utc = at(Utc.fix(), 10, 0).with_timezone(&Utc);
        RuleContext {
            now: boarded_utc,
            passenger: PassengerFacts {
                name: BookingName::new("GARCIA", "LUCIA", Some(Title::Ms)).expect("a valid name"),
                seat: Some(Seat::parse("23C").expect("a valid seat")),
                class: Some("Y".to_owned()),
                language: Some("es".to_owned()),
            },
            person: PersonFacts {
                display_name: "Lucía García".to_owned(),
                language: Some("es".to_owned()),
                country: Some("ES".to_owned()),
                activity_30d: 42,
                social_accounts: vec![
                    SocialAccountFacts {
                        network: Network::X,
                        followers: 5400,
                        follows_airline: true,
                        accepts_dms: false,
                        opted_in: true,
                        last_inbound_at: Some(boarded_utc - Duration::days(3)),
                    },
                    SocialAccountFacts {
                        network: Network::Instagram,
                        followers: 800,
                        follows_airline: false,
                        accepts_dms: false,
                        opted_in: false,
                        last_inbound_at: None,
                    },
                ],
                cases: vec![
                    CaseFacts {
                        category: "baggage".to_owned(),
                        status: CaseStatus::Open,
                        severity: 3,
                        opened_at: boarded_utc - Duration::days(12),
                    },
                    CaseFacts {
                        category: "delay".to_owned(),
                        status: CaseStatus::Resolved,
                        severity: 2,
                        opened_at: boarded_utc - Duration::days(200),
                    },
                ],
                consent: ChannelConsent {
                    gate: true,
                    cabin: true,
                    social: true,
                },
            },
            flight: FlightFacts {
                number: FlightNumber::parse("IB6251").expect("a valid code"),
                origin: Iata::parse("MAD").expect("a valid code"),
                destination: Iata::parse("JFK").expect("a valid code"),
                status: FlightStatus::Boarding,
                scheduled_departure: at(madrid, 11, 30),
                estimated_departure: Some(at(madrid, 11, 35)),
                scheduled_arrival: at(new_york, 14, 0),
                estimated_arrival: Some(at(new_york, 14, 5)),
                boarding_started: Some(at(madrid, 10, 50)),
                gate_close: Some(at(madrid, 11, 20)),
                assumed: Vec::new(),
            },
            station: StationFacts {
                iata: Iata::parse("MAD").expect("a valid code"),
                staffed: true,
            },
        }
    }

    /// The sample with every optional fact missing and every list empty: rules must not fail on it.
    pub(crate) fn sparse_sample() -> RuleContext {
        let mut context = RuleContext::sample();
        context.passenger.seat = None;
        context.passenger.class = None;
        context.passenger.language = None;
        context.person.language = None;
        context.person.country = None;
        context.person.activity_30d = 0;
        context.person.social_accounts.clear();
        context.person.cases.clear();
        context.flight.estimated_departure = None;
        context.flight.estimated_arrival = None;
        context.flight.boarding_started = None;
        context.flight.gate_close = None;
        context.station.staffed = false;
        context
    }
}

impl PassengerFacts {
    fn to_cel(&self) -> Value {
        map([
            ("name", Value::from(self.name.to_string())),
            ("surname", Value::from(self.name.surname.clone())),
            ("given", Value::from(self.name.given.clone())),
            ("title", optional(self.name.title.map(|t| t.as_str()))),
            ("seat", optional(self.seat.as_ref().map(Seat::to_string))),
            ("class", optional(self.class.clone())),
            (
                "traveller_class",
                Value::from(self.name.traveller_class().as_str()),
            ),
            ("language", optional(self.language.clone())),
        ])
    }
}

impl PersonFacts {
    pub fn followers_total(&self) -> u64 {
        self.social_accounts
            .iter()
            .fold(0u64, |sum, a| sum.saturating_add(a.followers))
    }

    pub fn open_cases(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| c.status == CaseStatus::Open)
            .count()
    }

    pub fn last_complaint_at(&self) -> Option<DateTime<Utc>> {
        self.cases.iter().map(|c| c.opened_at).max()
    }

    fn to_cel(&self) -> Value {
        let mut per_network: BTreeMap<&'static str, u64> = BTreeMap::new();
        for account in &self.social_accounts {
            let total = per_network.entry(account.network.as_str()).or_default();
            *total = total.saturating_add(account.followers);
        }
        let followers_max = self
            .social_accounts
            .iter()
            .map(|a| a.followers)
            .max()
            .unwrap_or(0);
        let categories: BTreeSet<&str> = self.cases.iter().map(|c| c.category.as_str()).collect();
        map([
            ("display_name", Value::from(self.display_name.clone())),
            ("language", optional(self.language.clone())),
            ("country", optional(self.country.clone())),
            ("followers_total", int(self.followers_total())),
            ("followers_max", int(followers_max)),
            (
                "followers",
                Value::Map(cel::objects::Map {
                    map: Arc::new(
                        per_network
                            .into_iter()
                            .map(|(network, n)| (network.to_owned().into(), int(n)))
                            .collect(),
                    ),
                }),
            ),
            ("activity_30d", int(self.activity_30d)),
            ("cases_total", int(self.cases.len())),
            ("open_cases", int(self.open_cases())),
            (
                "last_complaint_at",
                optional(self.last_complaint_at().map(utc_timestamp)),
            ),
            (
                "max_severity",
                optional(self.cases.iter().map(|c| c.severity).max().map(int)),
            ),
            (
                "case_category_names",
                Value::from(
                    UiLanguage::ALL
                        .iter()
                        .map(|&language| {
                            let names = categories
                                .iter()
                                .map(|c| Value::from(category_name(c, language)))
                                .collect::<Vec<Value>>();
                            (language.as_str().to_owned(), Value::from(names))
                        })
                        .collect::<HashMap<String, Value>>(),
                ),
            ),
            (
                "case_categories",
                Value::from(
                    categories
                        .into_iter()
                        .map(Value::from)
                        .collect::<Vec<Value>>(),
                ),
            ),
            (
                "cases",
                Value::from(self.cases.iter().map(CaseFacts::to_cel).collect::<Vec<_>>()),
            ),
            (
                "social_accounts",
                Value::from(
                    self.social_accounts
                        .iter()
                        .map(SocialAccountFacts::to_cel)
                        .collect::<Vec<_>>(),
                ),
            ),
            (
                "consent",
                map([
                    ("gate", Value::Bool(self.consent.gate)),
                    ("cabin", Value::Bool(self.consent.cabin)),
                    ("social", Value::Bool(self.consent.social)),
                ]),
            ),
        ])
    }
}

impl SocialAccountFacts {
    fn to_cel(&self) -> Value {
        map([
            ("network", Value::from(self.network.as_str())),
            ("followers", int(self.followers)),
            ("follows_airline", Value::Bool(self.follows_airline)),
            ("accepts_dms", Value::Bool(self.accepts_dms)),
            ("opted_in", Value::Bool(self.opted_in)),
            (
                "last_inbound_at",
                optional(self.last_inbound_at.map(utc_timestamp)),
            ),
            ("writable", Value::Bool(self.is_writable())),
        ])
    }
}

impl CaseFacts {
    fn to_cel(&self) -> Value {
        map([
            ("category", Value::from(self.category.clone())),
            ("status", Value::from(self.status.as_str())),
            ("severity", int(self.severity)),
            ("opened_at", utc_timestamp(self.opened_at)),
        ])
    }
}

impl FlightFacts {
    fn to_cel(&self) -> Value {
        let local = |t: DateTime<FixedOffset>| Value::Timestamp(t);
        map([
            ("number", Value::from(self.number.to_string())),
            ("carrier", Value::from(self.number.carrier().to_string())),
            ("origin", Value::from(self.origin.to_string())),
            ("destination", Value::from(self.destination.to_string())),
            ("status", Value::from(self.status.as_str())),
            ("scheduled_departure", local(self.scheduled_departure)),
            (
                "estimated_departure",
                optional(self.estimated_departure.map(local)),
            ),
            ("departure", local(self.departure())),
            ("scheduled_arrival", local(self.scheduled_arrival)),
            (
                "estimated_arrival",
                optional(self.estimated_arrival.map(local)),
            ),
            ("arrival", local(self.arrival())),
            (
                "boarding_started",
                optional(self.boarding_started.map(local)),
            ),
            ("gate_close", optional(self.gate_close.map(local))),
            ("delay_minutes", Value::Int(self.delay_minutes())),
        ])
    }
}

impl StationFacts {
    fn to_cel(&self) -> Value {
        map([
            ("iata", Value::from(self.iata.to_string())),
            ("staffed", Value::Bool(self.staffed)),
        ])
    }
}

fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let map: HashMap<String, Value> = entries
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    Value::from(map)
}

/// A case category in `language` for briefs, in lower case as it reads inside a sentence; a category
/// the catalogues do not name stays as social care wrote it.
fn category_name(category: &str, language: UiLanguage) -> String {
    let word = category.trim().to_lowercase();
    match crate::i18n::word(language, "case-category", &word) {
        Some(name) => name.to_lowercase(),
        None => word.replace('_', " "),
    }
}

/// CEL ints are i64; counts beyond that saturate rather than wrap.
fn int<N: TryInto<i64>>(n: N) -> Value {
    Value::Int(n.try_into().unwrap_or(i64::MAX))
}

/// A missing fact is CEL `null`, so rules can test `x != null`.
fn optional<S: Into<Value>>(value: Option<S>) -> Value {
    value.map_or(Value::Null, Into::into)
}

fn utc_timestamp(t: DateTime<Utc>) -> Value {
    Value::Timestamp(t.fixed_offset())
}

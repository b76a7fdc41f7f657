//! Seeded synthetic data for measuring the matcher: a registry of persons and manifests of passengers across
//! seven locales, with every trap the matcher must survive (families on one booking sharing its contacts,
//! namesakes, parent and child with one name, dropped second surnames, nicknames, both transliterations,
//! truncation, married names, borrowed frequent-flyer numbers) and the ground truth for each passenger.
//!
//! Deterministic: the same configuration gives the same data. Each person is generated from its own
//! random stream, so the generator holds no table of people and scales to millions in seconds. Data can be
//! written as CSV (to any writer the caller opens) for other linkers to be run on the same files.

pub mod pools;

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{Datelike, Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::decide::MatchOutcome;
use super::facts::{PassengerFacts, PersonFacts, SurnameOrder, normalise_frequent_flyer};
use super::normalise::{
    Locale, Transliteration, fold_words, name_key, nicknames_of, normalise_email, normalise_phone,
};
use super::parallel::map_in_order;
use crate::domain::{BookingName, CarrierCode, LinkDecision, Locator, Title, TravellerClass};
use pools::{LOCALE_POOLS, LocalePool};

/// Sizes and seed of a generated data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthConfig {
    pub seed: u64,
    pub persons: usize,
    pub passengers: usize,
    /// Share of passengers who are registry persons.
    pub registry_share: f64,
}

impl SynthConfig {
    pub fn new(seed: u64, persons: usize, passengers: usize) -> SynthConfig {
        SynthConfig {
            seed,
            persons,
            passengers,
            registry_share: 0.10,
        }
    }
}

/// A situation that makes a passenger hard to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trap {
    /// Travels on a registry person's booking, sharing its contacts.
    FamilyOnBooking,
    /// Carries a registry person's name and is someone else.
    Namesake,
    /// A child (or grown child) carrying the registry parent's name on the parent's booking.
    ParentChildSameName,
    /// Carries the registry person's frequent-flyer number, lent by the booker.
    BorrowedFrequentFlyer,
    /// The profile shows only the first of two Spanish surnames.
    DroppedSecondSurname,
    /// The profile shows only the last of two Portuguese surnames.
    LastSurnameOnly,
    /// The profile uses a nickname.
    Nickname,
    /// The ticket spells an accented name differently from the ICAO form, or vice versa.
    Transliteration,
    /// The manifest cut the name short.
    Truncation,
    /// The profile shows a married surname, the passport the birth surname.
    MarriedName,
    /// The registry person travels on someone else's booking, under that booker's contacts.
    OthersBooking,
    /// Two or more surnames (or a surname with its particle) written glued on the ticket and in DOCS,
    /// as IATA systems write them (HIDALGOBEJARANO, DASNEVESFARIAS).
    GluedCompoundSurname,
    /// Two or more given names written glued (ELIZABETHMARION) where the profile shows one, or a nickname.
    GluedGivenNames,
    /// The profile drops the particle of a Portuguese surname ("Neves" for "das Neves").
    DroppedParticle,
    /// A relative on the person's booking whose given names begin with the person's (MARIAISABEL, daughter
    /// of María).
    NamedAfterParent,
}

impl Trap {
    pub fn as_str(self) -> &'static str {
        match self {
            Trap::FamilyOnBooking => "family_on_booking",
            Trap::Namesake => "namesake",
            Trap::ParentChildSameName => "parent_child_same_name",
            Trap::BorrowedFrequentFlyer => "borrowed_frequent_flyer",
            Trap::DroppedSecondSurname => "dropped_second_surname",
            Trap::LastSurnameOnly => "last_surname_only",
            Trap::Nickname => "nickname",
            Trap::Transliteration => "transliteration",
            Trap::Truncation => "truncation",
            Trap::MarriedName => "married_name",
            Trap::OthersBooking => "others_booking",
            Trap::GluedCompoundSurname => "glued_compound_surname",
            Trap::GluedGivenNames => "glued_given_names",
            Trap::DroppedParticle => "dropped_particle",
            Trap::NamedAfterParent => "named_after_parent",
        }
    }
}

/// The truth about one passenger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    pub passenger: Uuid,
    /// The registry person this passenger is, if any.
    pub person: Option<Uuid>,
    pub traps: Vec<Trap>,
    /// The passenger and the person share a frequent-flyer number, booking contact or date of birth.
    pub shares_strong_key: bool,
    /// The passenger and the person share a frequent-flyer number, booking e-mail or phone.
    pub shares_contact_key: bool,
}

/// A generated registry, manifest and truth. `truth` is parallel to `passengers`.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub persons: Vec<PersonFacts>,
    pub passengers: Vec<PassengerFacts>,
    pub truth: Vec<Truth>,
}

const PERSON_TAG: u128 = 1 << 120;
const PASSENGER_TAG: u128 = 2 << 120;
const FLIGHT_TAG: u128 = 3 << 120;

/// Random streams: one per human, one per profile, one for the manifest.
const PROFILE_STREAM: u64 = 1 << 62;
const MANIFEST_STREAM: u64 = u64::MAX;

/// A human being as the generator imagines them; registry and manifest records are views of this.
#[derive(Debug, Clone)]
struct Human {
    serial: u64,
    pool: &'static LocalePool,
    female: bool,
    given: Vec<&'static str>,
    surnames: Vec<&'static str>,
    birth: NaiveDate,
    email: String,
    phone_digits: String,
    frequent_flyer: Option<(&'static str, String)>,
}

fn skewed<'a>(rng: &mut ChaCha8Rng, items: &'a [&'static str]) -> &'static str
where
    'static: 'a,
{
    // Squaring a uniform draw favours the front of a list: common names stay common.
    let u: f64 = rng.random();
    let i = ((u * u) * items.len() as f64) as usize;
    items
        .get(i.min(items.len().saturating_sub(1)))
        .copied()
        .unwrap_or("Alex")
}

fn pick_pool(rng: &mut ChaCha8Rng) -> &'static LocalePool {
    let mut u: f64 = rng.random();
    for p in &LOCALE_POOLS {
        if u < p.weight {
            return p;
        }
        u -= p.weight;
    }
    &LOCALE_POOLS[0]
}

fn date_between(rng: &mut ChaCha8Rng, from_year: i32, to_year: i32) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(from_year, 1, 1).unwrap_or_default();
    let span = (to_year - from_year).max(1) as u64 * 365;
    start
        .checked_add_days(Days::new(rng.random_range(0..span)))
        .unwrap_or(start)
}

fn ascii_lower(s: &str) -> String {
    name_key(s, Transliteration::Plain).to_ascii_lowercase()
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS.get((n % 36) as usize).copied().unwrap_or(b'0'));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Surnames a child takes from its parents, by the custom of the locale.
fn child_surnames(
    pool: &LocalePool,
    father: &[&'static str],
    mother: &[&'static str],
) -> Vec<&'static str> {
    match pool.locale {
        Locale::EsEs | Locale::EsMx => {
            let mut s: Vec<&'static str> = father.first().copied().into_iter().collect();
            s.extend(mother.first().copied());
            s
        }
        Locale::PtBr => {
            let mut s: Vec<&'static str> = mother.last().copied().into_iter().collect();
            s.extend(father.last().copied());
            s.dedup();
            s
        }
        _ => father.to_vec(),
    }
}

struct Generator {
    seed: u64,
    next_serial: u64,
}

impl Generator {
    fn stream(&self, stream: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(stream);
        rng
    }

    fn fresh_serial(&mut self) -> u64 {
        self.next_serial += 1;
        self.next_serial
    }

    /// The human with this serial, the same every time.
    fn human(&self, serial: u64, forced: Option<(&'static LocalePool, bool)>) -> Human {
        let mut rng = self.stream(serial);
        let (pool, female) = forced.unwrap_or_else(|| {
            let pool = pick_pool(&mut rng);
            (pool, rng.random_bool(0.5))
        });
        let given_pool = if female {
            pool.female_given
        } else {
            pool.male_given
        };
        let mut given = vec![skewed(&mut rng, given_pool)];
        let compound_given = match pool.locale {
            Locale::EsEs | Locale::EsMx | Locale::PtBr => 0.25,
            Locale::FrFr | Locale::DeDe | Locale::NlNl => 0.15,
            Locale::EnGb => 0.3,
        };
        if rng.random_bool(compound_given) {
            let second = skewed(&mut rng, given_pool);
            if !given.contains(&second) {
                given.push(second);
            }
        }
        let mut surnames = vec![skewed(&mut rng, pool.surnames)];
        let two_surnames = match pool.locale {
            Locale::EsEs | Locale::EsMx => 1.0,
            Locale::PtBr => 0.7,
            _ => 0.0,
        };
        if rng.random_bool(two_surnames) {
            let second = skewed(&mut rng, pool.surnames);
            if !surnames.contains(&second) {
                surnames.push(second);
            }
        }
        let birth = date_between(&mut rng, 1945, 2005);
        let domain = pool
            .email_domains
            .get(rng.random_range(0..pool.email_domains.len()))
            .copied()
            .unwrap_or("example.com");
        let email = format!(
            "{}.{}.{}@{domain}",
            ascii_lower(given.first().copied().unwrap_or("x")),
            ascii_lower(surnames.first().copied().unwrap_or("x")),
            base36(serial)
        );
        let prefix = pool
            .mobile_prefixes
            .get(rng.random_range(0..pool.mobile_prefixes.len()))
            .copied()
            .unwrap_or("6");
        // A phone number belongs to one person: an affine bijection of the serial keeps numbers unique.
        let space = 10u64.pow(pool.mobile_rest_digits);
        let rest = (serial.wrapping_mul(48_271).wrapping_add(12_345)) % space;
        let phone_digits = format!(
            "{}{prefix}{rest:0width$}",
            pool.phone_country,
            width = pool.mobile_rest_digits as usize
        );
        let frequent_flyer = rng.random_bool(0.45).then(|| {
            (
                pool.home_carrier,
                format!("{}", 10_000_000 + serial * 7 + 3),
            )
        });
        Human {
            serial,
            pool,
            female,
            given,
            surnames,
            birth,
            email,
            phone_digits,
            frequent_flyer,
        }
    }

    /// The registry's view of a human, and the profile traps it carries.
    fn profile(&self, human: &Human, key: Uuid) -> (PersonFacts, Vec<Trap>) {
        let mut rng = self.stream(PROFILE_STREAM + human.serial);
        let mut traps = Vec::new();
        let mut given: Vec<String> = human.given.iter().map(|g| g.to_string()).collect();
        let nickname_of = |name: &str| {
            nicknames_of(name)
                .find(|(locale, _)| {
                    *locale == human.pool.locale
                        || human.pool.locale == Locale::EsMx && *locale == Locale::EsEs
                })
                .map(|(_, nickname)| nickname)
        };
        // People with two given names often go by a nickname of the first alone (Liz for Elizabeth Marion).
        let one_nickname = (given.len() > 1 && rng.random_bool(0.2))
            .then(|| given.first().and_then(|first| nickname_of(first)))
            .flatten();
        if let Some(nick) = one_nickname {
            given = vec![nick];
            traps.push(Trap::Nickname);
        } else {
            if given.len() > 1 && rng.random_bool(0.3) {
                given.truncate(1);
            }
            if rng.random_bool(0.08)
                && let Some(first) = given.first_mut()
                && let Some(nick) = nickname_of(first)
            {
                *first = nick;
                traps.push(Trap::Nickname);
            }
        }
        let mut surnames: Vec<String> = human.surnames.iter().map(|s| s.to_string()).collect();
        if surnames.len() > 1 {
            match human.pool.locale {
                Locale::EsEs | Locale::EsMx if rng.random_bool(0.5) => {
                    surnames.truncate(1);
                    traps.push(Trap::DroppedSecondSurname);
                }
                Locale::PtBr if rng.random_bool(0.5) => {
                    surnames.remove(0);
                    traps.push(Trap::LastSurnameOnly);
                }
                Locale::EsEs | Locale::EsMx if rng.random_bool(0.2) => {
                    surnames = vec![surnames.join("-")];
                }
                _ => {}
            }
        }
        if human.pool.locale == Locale::PtBr && rng.random_bool(0.3) {
            for surname in &mut surnames {
                let without = ["de ", "da ", "do ", "das ", "dos "]
                    .iter()
                    .find_map(|particle| surname.strip_prefix(particle));
                if let Some(bare) = without {
                    *surname = bare.to_string();
                    traps.push(Trap::DroppedParticle);
                }
            }
        }
        let may_marry = matches!(
            human.pool.locale,
            Locale::EnGb | Locale::NlNl | Locale::DeDe | Locale::FrFr
        );
        if human.female && may_marry && rng.random_bool(0.08) {
            surnames = vec![skewed(&mut rng, human.pool.surnames).to_string()];
            if human.surnames.first().map(|s| s.to_string()) != surnames.first().cloned() {
                traps.push(Trap::MarriedName);
            }
        }
        let display_name = format!("{} {}", given.join(" "), surnames.join(" "));
        let mut emails = Vec::new();
        if rng.random_bool(0.9) {
            emails.push(human.email.clone());
        }
        if rng.random_bool(0.15) {
            emails.push(format!(
                "{}@work.example.com",
                base36(human.serial * 31 + 7)
            ));
        }
        let phones = if rng.random_bool(0.6) {
            vec![format!(
                "+{} {}",
                human.pool.phone_country,
                human
                    .phone_digits
                    .get(human.pool.phone_country.len()..)
                    .unwrap_or_default()
            )]
        } else {
            Vec::new()
        };
        let loyalty = human
            .frequent_flyer
            .as_ref()
            .filter(|_| rng.random_bool(0.7))
            .and_then(|(c, n)| CarrierCode::parse(c).ok().map(|c| (c, n.clone())))
            .into_iter()
            .collect();
        let person = PersonFacts {
            key,
            display_name,
            date_of_birth: rng.random_bool(0.35).then_some(human.birth),
            emails,
            phones,
            loyalty,
            surname_order: match human.pool.locale {
                Locale::EsEs | Locale::EsMx => SurnameOrder::FathersFirst,
                Locale::PtBr => SurnameOrder::FathersLast,
                _ => SurnameOrder::Unknown,
            },
        };
        (person, traps)
    }
}

/// How a flight's departure control system writes names and what data it holds.
#[derive(Debug, Clone, Copy)]
struct FlightStyle {
    key: Uuid,
    /// Spaces and hyphens removed (most systems) or hyphens turned into spaces.
    glued: bool,
    /// Names cut at this many characters of `SURNAME/GIVEN`.
    truncate_at: Option<usize>,
    /// Passport data (DOCS) present: international flight.
    docs: bool,
    date: NaiveDate,
}

/// One passenger of a booking being assembled.
struct Traveller {
    human: Human,
    person: Option<u32>,
    traps: Vec<Trap>,
    class: TravellerClass,
    frequent_flyer: Option<(&'static str, String)>,
}

/// Generates a data set. Deterministic in `config`.
pub fn generate(config: &SynthConfig) -> Dataset {
    let mut generator = Generator {
        seed: config.seed,
        next_serial: config.persons as u64,
    };
    let serials: Vec<u64> = (0..config.persons as u64).collect();
    let (persons, profile_traps): (Vec<PersonFacts>, Vec<Vec<Trap>>) =
        map_in_order(&serials, |&serial| {
            let human = generator.human(serial, None);
            generator.profile(&human, Uuid::from_u128(PERSON_TAG | u128::from(serial)))
        })
        .into_iter()
        .unzip();
    let mut rng = generator.stream(MANIFEST_STREAM);
    let mut dataset = Dataset {
        persons,
        passengers: Vec::with_capacity(config.passengers + 8),
        truth: Vec::with_capacity(config.passengers + 8),
    };
    let flight_size = 150usize;
    let mut flight = new_flight(&mut rng, 0);
    let mut on_flight = 0usize;
    let mut flight_number = 0u128;
    let mut seen_on_flight: FxHashSet<(u128, u32)> = FxHashSet::default();
    let lead_share = (config.registry_share * 1.7).min(1.0);
    let mut locator_serial = 0u64;
    while dataset.passengers.len() < config.passengers {
        if on_flight >= flight_size {
            flight_number += 1;
            flight = new_flight(&mut rng, flight_number);
            on_flight = 0;
        }
        let mut travellers = Vec::new();
        let registry_pick = (config.persons > 0 && rng.random_bool(lead_share))
            .then(|| rng.random_range(0..config.persons) as u32)
            .filter(|p| seen_on_flight.insert((flight_number, *p)));
        let registry_lead = registry_pick.is_some() && rng.random_bool(0.88);
        let lead = match (registry_pick, registry_lead) {
            (Some(p), true) => {
                let human = generator.human(u64::from(p), None);
                let traps = profile_traps.get(p as usize).cloned().unwrap_or_default();
                adult(human, Some(p), traps, &mut rng)
            }
            _ => {
                let serial = generator.fresh_serial();
                let mut human = generator.human(serial, None);
                let mut traps = Vec::new();
                if registry_pick.is_none() && config.persons > 0 && rng.random_bool(0.01) {
                    let other = rng.random_range(0..config.persons) as u64;
                    let model = generator.human(other, None);
                    human.pool = model.pool;
                    human.female = model.female;
                    human.given = model.given;
                    human.surnames = model.surnames;
                    traps.push(Trap::Namesake);
                }
                adult(human, None, traps, &mut rng)
            }
        };
        let booking_email = if lead.person.is_some() && rng.random_bool(0.2) {
            format!("{}@work.example.com", base36(lead.human.serial * 97 + 11))
        } else {
            lead.human.email.clone()
        };
        let booking_phone = rng
            .random_bool(0.6)
            .then(|| written_phone(&lead.human, &mut rng));
        travellers.push(lead);
        if let (Some(p), false) = (registry_pick, registry_lead) {
            let human = generator.human(u64::from(p), None);
            let mut traps = profile_traps.get(p as usize).cloned().unwrap_or_default();
            traps.push(Trap::OthersBooking);
            travellers.push(adult(human, Some(p), traps, &mut rng));
        }
        add_family(&mut generator, &mut rng, &mut travellers);
        locator_serial += 1;
        let locator =
            Locator::parse(&format!("{:0>6}", base36(locator_serial * 7919 + 100_000))).ok();
        for traveller in travellers {
            if dataset.passengers.len() >= config.passengers + 6 {
                break;
            }
            let key = Uuid::from_u128(PASSENGER_TAG | dataset.passengers.len() as u128);
            let mut traps = traveller.traps.clone();
            let passenger = manifest_entry(
                &traveller,
                key,
                &flight,
                locator.clone(),
                &booking_email,
                booking_phone.as_deref(),
                &mut rng,
                &mut traps,
            );
            let person_facts = traveller
                .person
                .and_then(|p| dataset.persons.get(p as usize));
            let shares_strong_key = person_facts.is_some_and(|f| shares_strong_key(f, &passenger));
            let shares_contact_key =
                person_facts.is_some_and(|f| shares_contact_key(f, &passenger));
            traps.sort();
            traps.dedup();
            dataset.truth.push(Truth {
                passenger: key,
                person: person_facts.map(|f| f.key),
                traps,
                shares_strong_key,
                shares_contact_key,
            });
            dataset.passengers.push(passenger);
            on_flight += 1;
        }
    }
    dataset.passengers.truncate(config.passengers);
    dataset.truth.truncate(config.passengers);
    dataset
}

fn new_flight(rng: &mut ChaCha8Rng, number: u128) -> FlightStyle {
    let base = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
    FlightStyle {
        key: Uuid::from_u128(FLIGHT_TAG | number),
        glued: rng.random_bool(0.7),
        truncate_at: rng.random_bool(0.3).then_some(20),
        docs: rng.random_bool(0.4),
        date: base
            .checked_add_days(Days::new(rng.random_range(0..30)))
            .unwrap_or(base),
    }
}

fn adult(human: Human, person: Option<u32>, traps: Vec<Trap>, rng: &mut ChaCha8Rng) -> Traveller {
    let frequent_flyer = human
        .frequent_flyer
        .clone()
        .filter(|_| rng.random_bool(0.8));
    Traveller {
        human,
        person,
        traps,
        class: TravellerClass::Adult,
        frequent_flyer,
    }
}

/// Adds a spouse and children, or friends, to a booking; they share the lead's contacts.
fn add_family(generator: &mut Generator, rng: &mut ChaCha8Rng, travellers: &mut Vec<Traveller>) {
    let Some(lead) = travellers.first() else {
        return;
    };
    let lead_human = lead.human.clone();
    let lead_is_registry = lead.person.is_some();
    let lead_ff = lead.frequent_flyer.clone();
    let roll: f64 = rng.random();
    let family_trap = |traps: &mut Vec<Trap>| {
        if lead_is_registry {
            traps.push(Trap::FamilyOnBooking);
        }
    };
    if roll < 0.55 {
        return;
    }
    let pool = lead_human.pool;
    let serial = generator.fresh_serial();
    let mut spouse = generator.human(serial, Some((pool, !lead_human.female)));
    let (father, mother) = if lead_human.female {
        (spouse.surnames.clone(), lead_human.surnames.clone())
    } else {
        (lead_human.surnames.clone(), spouse.surnames.clone())
    };
    let keeps_own_surname = matches!(pool.locale, Locale::EsEs | Locale::EsMx | Locale::PtBr);
    if !keeps_own_surname && rng.random_bool(0.6) {
        spouse.surnames = father.clone();
    }
    let mut traps = Vec::new();
    family_trap(&mut traps);
    let mut spouse_ff = spouse
        .frequent_flyer
        .clone()
        .filter(|_| rng.random_bool(0.8));
    if lead_is_registry && rng.random_bool(0.03) {
        spouse_ff = lead_ff.clone();
        traps.push(Trap::BorrowedFrequentFlyer);
    }
    travellers.push(Traveller {
        human: spouse,
        person: None,
        traps,
        class: TravellerClass::Adult,
        frequent_flyer: spouse_ff,
    });
    if roll < 0.8 {
        return;
    }
    let children = rng.random_range(1..=3);
    for i in 0..children {
        let serial = generator.fresh_serial();
        let mut child = generator.human(serial, Some((pool, rng.random_bool(0.5))));
        child.surnames = child_surnames(pool, &father, &mother);
        let mut traps = Vec::new();
        family_trap(&mut traps);
        let age: f64 = rng.random();
        let (class, from, to) = if age < 0.1 {
            (TravellerClass::Infant, 2024, 2026)
        } else if age < 0.75 {
            (TravellerClass::Child, 2014, 2024)
        } else {
            (TravellerClass::Adult, 1995, 2007)
        };
        child.birth = date_between(rng, from, to);
        if i == 0 && lead_is_registry && rng.random_bool(0.15) {
            child.female = lead_human.female;
            child.given = lead_human.given.clone();
            traps.push(Trap::ParentChildSameName);
        } else if lead_is_registry && rng.random_bool(0.15) {
            // Named after the parent, with a name of their own glued on (MARIAISABEL, daughter of María).
            child.female = lead_human.female;
            let pool_given = if child.female {
                pool.female_given
            } else {
                pool.male_given
            };
            let own = skewed(rng, pool_given);
            if let Some(parents) = lead_human.given.first()
                && own != *parents
            {
                child.given = vec![parents, own];
                traps.push(Trap::NamedAfterParent);
            }
        }
        travellers.push(Traveller {
            human: child,
            person: None,
            traps,
            class,
            frequent_flyer: None,
        });
    }
}

fn written_phone(human: &Human, rng: &mut ChaCha8Rng) -> String {
    let cc = human.pool.phone_country;
    let national = human.phone_digits.get(cc.len()..).unwrap_or_default();
    match rng.random_range(0..3) {
        0 => format!("+{cc}{national}"),
        1 => format!("00{cc} {national}"),
        _ => national.to_string(),
    }
}

/// Writes a name the way one booking system does: A–Z in one transliteration, glued or spaced.
fn booking_form(raw: &str, scheme: Transliteration, glued: bool) -> String {
    let words = fold_words(raw, scheme);
    if glued { words.replace(' ', "") } else { words }
}

#[allow(clippy::too_many_arguments)]
fn manifest_entry(
    traveller: &Traveller,
    key: Uuid,
    flight: &FlightStyle,
    locator: Option<Locator>,
    booking_email: &str,
    booking_phone: Option<&str>,
    rng: &mut ChaCha8Rng,
    traps: &mut Vec<Trap>,
) -> PassengerFacts {
    let human = &traveller.human;
    let scheme = if rng.random_bool(0.6) {
        Transliteration::Icao
    } else {
        Transliteration::Plain
    };
    let surname_raw = human.surnames.join(" ");
    let given_raw = human.given.join(" ");
    let mut surname = booking_form(&surname_raw, scheme, flight.glued);
    let mut given = booking_form(&given_raw, scheme, flight.glued);
    if traveller.person.is_some()
        && name_key(&format!("{surname_raw}{given_raw}"), Transliteration::Icao)
            != name_key(&format!("{surname_raw}{given_raw}"), Transliteration::Plain)
    {
        traps.push(Trap::Transliteration);
    }
    let word_count = |raw: &str| fold_words(raw, Transliteration::Icao).split(' ').count();
    if traveller.person.is_some() && flight.glued {
        if word_count(&surname_raw) > 1 {
            traps.push(Trap::GluedCompoundSurname);
        }
        if word_count(&given_raw) > 1 {
            traps.push(Trap::GluedGivenNames);
        }
    }
    if let Some(limit) = flight.truncate_at {
        let total = surname.len() + 1 + given.len();
        if total > limit {
            let keep_given = limit.saturating_sub(surname.len() + 1).max(1);
            given.truncate(keep_given.min(given.len()));
            let keep_surname = limit.saturating_sub(given.len() + 1).max(2);
            surname.truncate(keep_surname.min(surname.len()));
            if traveller.person.is_some() {
                traps.push(Trap::Truncation);
            }
        }
    }
    let age_years = flight.date.year() - human.birth.year();
    let title = match traveller.class {
        TravellerClass::Infant => Title::Inf,
        TravellerClass::Child if rng.random_bool(0.2) => Title::Chd,
        TravellerClass::Child if human.female => Title::Miss,
        TravellerClass::Child => Title::Mstr,
        TravellerClass::Adult if !human.female => Title::Mr,
        TravellerClass::Adult if age_years > 30 && rng.random_bool(0.6) => Title::Mrs,
        TravellerClass::Adult => Title::Ms,
    };
    // DOCS holds the passport name untruncated, in the ICAO transliteration, glued where the system glues.
    let (docs_surname, docs_given, date_of_birth) = if flight.docs {
        (
            Some(booking_form(
                &surname_raw,
                Transliteration::Icao,
                flight.glued,
            )),
            Some(booking_form(
                &given_raw,
                Transliteration::Icao,
                flight.glued,
            )),
            Some(human.birth),
        )
    } else {
        (None, None, None)
    };
    PassengerFacts {
        key,
        flight_key: flight.key,
        name: BookingName {
            surname,
            given,
            title: Some(title),
        },
        docs_surname,
        docs_given,
        locator,
        traveller_class: traveller.class,
        frequent_flyer: traveller
            .frequent_flyer
            .as_ref()
            .and_then(|(c, n)| CarrierCode::parse(c).ok().map(|c| (c, n.clone()))),
        email: Some(booking_email.to_string()),
        phone: booking_phone.map(str::to_string),
        date_of_birth,
    }
}

/// Whether a passenger and a person share a frequent-flyer number, an e-mail, a phone or a birth date.
pub fn shares_strong_key(person: &PersonFacts, passenger: &PassengerFacts) -> bool {
    shares_contact_key(person, passenger)
        || passenger.date_of_birth.is_some() && passenger.date_of_birth == person.date_of_birth
}

/// Whether a passenger and a person share a frequent-flyer number, an e-mail or a phone.
pub fn shares_contact_key(person: &PersonFacts, passenger: &PassengerFacts) -> bool {
    let ff = passenger.frequent_flyer.as_ref().is_some_and(|(c, n)| {
        let number = normalise_frequent_flyer(c, n);
        person
            .loyalty
            .iter()
            .any(|(pc, pn)| pc == c && normalise_frequent_flyer(pc, pn) == number)
    });
    let email = passenger
        .email
        .as_deref()
        .and_then(normalise_email)
        .is_some_and(|e| {
            person
                .emails
                .iter()
                .any(|x| normalise_email(x).as_ref() == Some(&e))
        });
    let phone = passenger
        .phone
        .as_deref()
        .and_then(normalise_phone)
        .is_some_and(|p| {
            person
                .phones
                .iter()
                .filter_map(|x| normalise_phone(x))
                .any(|q| p.agreement(&q).is_some())
        });
    ff || email || phone
}

impl Dataset {
    /// Writes `persons.csv`, `passengers.csv` and `truth.csv` contents to the given writers.
    pub fn write_csv<P: Write, Q: Write, T: Write>(
        &self,
        persons: P,
        passengers: Q,
        truth: T,
    ) -> Result<(), csv::Error> {
        let mut w = csv::Writer::from_writer(persons);
        w.write_record([
            "person_key",
            "display_name",
            "date_of_birth",
            "emails",
            "phones",
            "loyalty",
        ])?;
        for p in &self.persons {
            w.write_record([
                p.key.to_string(),
                p.display_name.clone(),
                p.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
                p.emails.join(";"),
                p.phones.join(";"),
                p.loyalty
                    .iter()
                    .map(|(c, n)| format!("{} {n}", c.as_str()))
                    .collect::<Vec<_>>()
                    .join(";"),
            ])?;
        }
        w.flush()?;
        let mut w = csv::Writer::from_writer(passengers);
        w.write_record([
            "passenger_key",
            "flight_key",
            "surname",
            "given",
            "title",
            "docs_surname",
            "docs_given",
            "locator",
            "traveller_class",
            "frequent_flyer",
            "email",
            "phone",
            "date_of_birth",
        ])?;
        for p in &self.passengers {
            w.write_record([
                p.key.to_string(),
                p.flight_key.to_string(),
                p.name.surname.clone(),
                p.name.given.clone(),
                p.name
                    .title
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
                p.docs_surname.clone().unwrap_or_default(),
                p.docs_given.clone().unwrap_or_default(),
                p.locator
                    .as_ref()
                    .map(|l| l.as_str().to_string())
                    .unwrap_or_default(),
                p.traveller_class.as_str().to_string(),
                p.frequent_flyer
                    .as_ref()
                    .map(|(c, n)| format!("{} {n}", c.as_str()))
                    .unwrap_or_default(),
                p.email.clone().unwrap_or_default(),
                p.phone.clone().unwrap_or_default(),
                p.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
            ])?;
        }
        w.flush()?;
        let mut w = csv::Writer::from_writer(truth);
        w.write_record(["passenger_key", "person_key", "traps", "shares_strong_key"])?;
        for t in &self.truth {
            w.write_record([
                t.passenger.to_string(),
                t.person.map(|p| p.to_string()).unwrap_or_default(),
                t.traps
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
                t.shares_strong_key.to_string(),
            ])?;
        }
        w.flush()?;
        Ok(())
    }
}

/// How the matcher did on a data set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    pub passengers: usize,
    pub true_matches: usize,
    pub strong_key_matches: usize,
    /// True matches sharing a frequent-flyer number, booking e-mail or phone with their person.
    pub contact_key_matches: usize,
    pub auto_links: usize,
    pub wrong_links: usize,
    pub correct_links: usize,
    pub correct_strong_key_links: usize,
    pub correct_contact_key_links: usize,
    pub review_rows: usize,
    /// Wrong links by the trap of the passenger wrongly linked ("none" when it had none).
    pub wrong_links_by_trap: BTreeMap<String, usize>,
    /// True matches sent to review, by trap.
    pub reviews_by_trap: BTreeMap<String, usize>,
    /// Review rows by the rule that decided them (the last reason given).
    pub reviews_by_rule: BTreeMap<String, usize>,
}

impl Evaluation {
    pub fn of(dataset: &Dataset, outcomes: &[MatchOutcome]) -> Evaluation {
        let truth: rustc_hash::FxHashMap<Uuid, &Truth> =
            dataset.truth.iter().map(|t| (t.passenger, t)).collect();
        let mut e = Evaluation {
            passengers: dataset.passengers.len(),
            true_matches: dataset.truth.iter().filter(|t| t.person.is_some()).count(),
            strong_key_matches: dataset
                .truth
                .iter()
                .filter(|t| t.person.is_some() && t.shares_strong_key)
                .count(),
            contact_key_matches: dataset
                .truth
                .iter()
                .filter(|t| t.person.is_some() && t.shares_contact_key)
                .count(),
            ..Evaluation::default()
        };
        let trap_names = |t: Option<&&Truth>| -> Vec<String> {
            match t.map(|t| t.traps.as_slice()) {
                Some(traps) if !traps.is_empty() => {
                    traps.iter().map(|t| t.as_str().to_string()).collect()
                }
                _ => vec!["none".to_string()],
            }
        };
        for o in outcomes {
            let t = truth.get(&o.passenger);
            let correct = t.and_then(|t| t.person) == Some(o.person);
            match o.decision {
                LinkDecision::Linked => {
                    e.auto_links += 1;
                    if correct {
                        e.correct_links += 1;
                        if t.is_some_and(|t| t.shares_strong_key) {
                            e.correct_strong_key_links += 1;
                        }
                        if t.is_some_and(|t| t.shares_contact_key) {
                            e.correct_contact_key_links += 1;
                        }
                    } else {
                        e.wrong_links += 1;
                        for name in trap_names(t) {
                            *e.wrong_links_by_trap.entry(name).or_default() += 1;
                        }
                    }
                }
                LinkDecision::Review => {
                    e.review_rows += 1;
                    *e.reviews_by_rule.entry(rule_name(o)).or_default() += 1;
                    if correct {
                        for name in trap_names(t) {
                            *e.reviews_by_trap.entry(name).or_default() += 1;
                        }
                    }
                }
                LinkDecision::Rejected => {}
            }
        }
        e
    }

    pub fn precision(&self) -> f64 {
        if self.auto_links == 0 {
            return 1.0;
        }
        self.correct_links as f64 / self.auto_links as f64
    }

    /// A 95% lower bound on precision: with no error in n links the error rate is below 3/n (rule of
    /// three); otherwise the Wilson score bound.
    pub fn precision_lower_bound(&self) -> f64 {
        let n = self.auto_links as f64;
        if n == 0.0 {
            return 0.0;
        }
        if self.wrong_links == 0 {
            return (1.0 - 3.0 / n).max(0.0);
        }
        let p = self.precision();
        let z = 1.96f64;
        let centre = p + z * z / (2.0 * n);
        let margin = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
        (centre - margin) / (1.0 + z * z / n)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.correct_links, self.true_matches)
    }

    pub fn strong_key_recall(&self) -> f64 {
        ratio(self.correct_strong_key_links, self.strong_key_matches)
    }

    /// Recall of the true matches sharing a frequent-flyer number, booking e-mail or phone.
    pub fn contact_key_recall(&self) -> f64 {
        ratio(self.correct_contact_key_links, self.contact_key_matches)
    }

    pub fn reviews_per_thousand(&self) -> f64 {
        ratio(self.review_rows * 1000, self.passengers)
    }
}

/// The serialised kind of an outcome's last reason: the rule that had the final word.
fn rule_name(outcome: &MatchOutcome) -> String {
    outcome
        .reasons
        .last()
        .and_then(|r| serde_json::to_value(r).ok())
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
        .unwrap_or_default()
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::{RegistryIndex, RememberedDecisions, match_flight};

    #[test]
    fn generation_is_deterministic_and_sized() {
        let config = SynthConfig::new(7, 300, 1_000);
        let a = generate(&config);
        let b = generate(&config);
        assert_eq!(a.persons, b.persons);
        assert_eq!(a.passengers, b.passengers);
        assert_eq!(a.truth, b.truth);
        assert_eq!(a.persons.len(), 300);
        assert_eq!(a.passengers.len(), 1_000);
        assert_eq!(a.truth.len(), 1_000);
        let c = generate(&SynthConfig::new(8, 300, 1_000));
        assert_ne!(a.passengers, c.passengers);
    }

    #[test]
    fn every_trap_and_locale_appears() {
        let data = generate(&SynthConfig::new(1, 3_000, 20_000));
        let traps: FxHashSet<Trap> = data.truth.iter().flat_map(|t| t.traps.clone()).collect();
        for trap in [
            Trap::FamilyOnBooking,
            Trap::Namesake,
            Trap::ParentChildSameName,
            Trap::BorrowedFrequentFlyer,
            Trap::DroppedSecondSurname,
            Trap::LastSurnameOnly,
            Trap::Nickname,
            Trap::Transliteration,
            Trap::Truncation,
            Trap::MarriedName,
            Trap::OthersBooking,
            Trap::GluedCompoundSurname,
            Trap::GluedGivenNames,
            Trap::DroppedParticle,
            Trap::NamedAfterParent,
        ] {
            assert!(traps.contains(&trap), "{trap:?} never generated");
        }
        assert!(data.persons.iter().any(|p| p.display_name.contains('ü')));
        assert!(data.persons.iter().any(|p| p.display_name.contains("ñ")));
        assert!(data.persons.iter().any(|p| p.display_name.contains("van ")));
        let matched = data.truth.iter().filter(|t| t.person.is_some()).count();
        assert!((1_500..=3_000).contains(&matched), "{matched}");
    }

    #[test]
    fn csv_files_hold_every_row_with_a_header() {
        let data = generate(&SynthConfig::new(3, 50, 200));
        let (mut persons, mut passengers, mut truth) = (Vec::new(), Vec::new(), Vec::new());
        data.write_csv(&mut persons, &mut passengers, &mut truth)
            .unwrap();
        let lines = |b: &[u8]| csv::Reader::from_reader(b).records().count();
        assert_eq!(lines(&persons), 50);
        assert_eq!(lines(&passengers), 200);
        assert_eq!(lines(&truth), 200);
        let text = String::from_utf8(persons).unwrap();
        assert!(text.starts_with("person_key,display_name"));
    }

    /// The headline property on a generated set: no wrong auto-link, most strong-key matches linked, and a
    /// review list a team can work through.
    #[test]
    fn matcher_on_generated_data_makes_no_wrong_link() {
        let (persons, passengers) = if cfg!(debug_assertions) {
            (4_000, 20_000)
        } else {
            (10_000, 50_000)
        };
        let data = generate(&SynthConfig::new(2026, persons, passengers));
        let index = RegistryIndex::build(&data.persons);
        let outcomes = match_flight(&index, &data.passengers, &RememberedDecisions::new());
        let e = Evaluation::of(&data, &outcomes);
        assert_eq!(e.wrong_links, 0, "{e:#?}");
        assert!(e.auto_links > 1_000, "{e:#?}");
        assert!(e.strong_key_recall() >= 0.85, "{e:#?}");
        assert!(e.reviews_per_thousand() <= 20.0, "{e:#?}");
    }

    #[test]
    fn evaluation_bounds_follow_the_rule_of_three_and_wilson() {
        let clean = Evaluation {
            auto_links: 3_000,
            correct_links: 3_000,
            ..Evaluation::default()
        };
        assert!((clean.precision_lower_bound() - 0.999).abs() < 1e-12);
        let dirty = Evaluation {
            auto_links: 1_000,
            correct_links: 990,
            wrong_links: 10,
            ..Evaluation::default()
        };
        let bound = dirty.precision_lower_bound();
        assert!(bound < 0.99 && bound > 0.98, "{bound}");
    }
}

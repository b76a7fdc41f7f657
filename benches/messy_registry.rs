//! `cargo bench --bench messy_registry [-- --csv DIR]`: a social-care export of 10,000 people as
//! airlines really send them, against the same export cleaned. The persons of the matching benchmark's
//! data set (seed 2026) are written as aboard's registry CSV twice: clean (phones in international form,
//! e-mails as given), and messy the way issue 17 found them:
//! - 10% of the phone numbers in national form, without their country code (`612 34 56 78`,
//!   `07911 123456`); half of those persons give their `country`, half do not;
//! - 20% of the e-mails in mixed case with stray spaces around them, 1% with a space inside;
//! - 10% of the display names upper-cased or with doubled spaces.
//!
//! Both go through the real parser (`aboard::registry::parse`), without and with the default region ES,
//! and the matcher then links the same 50,000 passengers against each. Printed: the warnings per kind,
//! and the recall of key-sharing pairs and the wrong links of each run. `--csv DIR` keeps both exports.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use aboard::app::matching::person_facts;
use aboard::domain::Region;
use aboard::matching::synth::{Dataset, Evaluation, SynthConfig, generate};
use aboard::matching::{PersonFacts, RegistryIndex, RememberedDecisions, match_flight};
use phonenumber::Mode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

const PERSONS: usize = 10_000;
const PASSENGERS: usize = 50_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let csv_dir = args
        .iter()
        .position(|a| a == "--csv")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let data = generate(&SynthConfig::new(2026, PERSONS, PASSENGERS));
    let clean = export(&data.persons, None);
    let messy = export(&data.persons, Some(&mut ChaCha8Rng::seed_from_u64(17)));
    if let Some(dir) = &csv_dir {
        std::fs::create_dir_all(dir).expect("the --csv directory");
        std::fs::write(dir.join("registry-clean.csv"), &clean).expect("write");
        std::fs::write(dir.join("registry-messy.csv"), &messy).expect("write");
        println!("exports written to {}", dir.display());
    }
    println!("== a registry export of {PERSONS} persons, {PASSENGERS} passengers (seed 2026) ==");
    let spain = Region::parse("ES").ok();
    for (name, text, region) in [
        ("clean", &clean, None),
        ("messy", &messy, None),
        ("messy, region ES", &messy, spain),
    ] {
        run(name, text, region, &data);
    }
}

/// The persons as aboard's registry CSV; `mess` makes it messy.
fn export(persons: &[PersonFacts], mut mess: Option<&mut ChaCha8Rng>) -> String {
    let mut out = String::from(
        "record,external_id,display_name,country,date_of_birth,emails,phones,loyalty\n",
    );
    for person in persons {
        let mut country = String::new();
        let mut name = person.display_name.clone();
        let mut emails = person.emails.clone();
        let mut phones = person.phones.clone();
        if let Some(rng) = mess.as_deref_mut() {
            match rng.random_range(0..20) {
                0 => name = name.to_uppercase(),
                1 => name = name.replacen(' ', "  ", 1),
                _ => {}
            }
            for email in &mut emails {
                match rng.random_range(0..100) {
                    0 => *email = email.replacen('@', " @", 1),
                    1..=20 => *email = format!(" {} ", mixed_case(email, rng)),
                    _ => {}
                }
            }
            for phone in &mut phones {
                if rng.random_bool(0.1)
                    && let Ok(number) = phonenumber::parse(None, phone.as_str())
                {
                    *phone = number.format().mode(Mode::National).to_string();
                    if rng.random_bool(0.5)
                        && let Some(id) = number.country().id()
                    {
                        country = format!("{id:?}");
                    }
                }
            }
        }
        let loyalty: Vec<String> = person
            .loyalty
            .iter()
            .map(|(carrier, number)| format!("{} {number}", carrier.as_str()))
            .collect();
        let _ = writeln!(
            out,
            "person,{},{},{},{},{},{},{}",
            person.key,
            quoted(&name),
            country,
            person
                .date_of_birth
                .map(|d| d.to_string())
                .unwrap_or_default(),
            quoted(&emails.join(";")),
            quoted(&phones.join(";")),
            quoted(&loyalty.join(";")),
        );
    }
    out
}

fn mixed_case(text: &str, rng: &mut ChaCha8Rng) -> String {
    text.chars()
        .map(|c| {
            if rng.random_bool(0.3) {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

fn run(name: &str, text: &str, region: Option<Region>, data: &Dataset) {
    let started = Instant::now();
    let (records, warnings) =
        aboard::registry::parse("registry.csv", text.as_bytes(), region).expect("never refused");
    let parsed = started.elapsed();
    let persons: Vec<PersonFacts> = records
        .iter()
        .map(|r| person_facts(Uuid::parse_str(&r.external_id).expect("key"), r))
        .collect();
    let changed: Vec<(&PersonFacts, &PersonFacts)> = data
        .persons
        .iter()
        .zip(&persons)
        .filter(|(written, read)| {
            let digits = |phones: &[String]| -> Vec<String> {
                phones
                    .iter()
                    .map(|p| p.chars().filter(char::is_ascii_digit).collect())
                    .collect()
            };
            let (mut written, mut read) = ((*written).clone(), (*read).clone());
            written.phones = digits(&written.phones);
            read.phones = digits(&read.phones);
            written != read
        })
        .collect();
    if let Some((written, read)) = changed.first() {
        println!(
            "{name}: {} persons read otherwise than written, e.g. {written:?} read as {read:?}",
            changed.len()
        );
    }
    let index = RegistryIndex::build(&persons);
    let outcomes = match_flight(&index, &data.passengers, &RememberedDecisions::new());
    let read = Dataset {
        persons,
        passengers: data.passengers.clone(),
        truth: data.truth.clone(),
    };
    let e = Evaluation::of(&read, &outcomes);
    let per_field: Vec<String> = warnings
        .per_field()
        .iter()
        .map(|(field, n)| format!("{field} {n}"))
        .collect();
    println!(
        "{name:<17} parsed in {:.2}s: {} persons, {} warnings ({}); key-sharing recall {:.4} \
         ({} of {}), auto-links {}, wrong links {}, review rows / 1,000 {:.2}",
        parsed.as_secs_f64(),
        records.len(),
        warnings.total,
        if per_field.is_empty() {
            "none".to_string()
        } else {
            per_field.join(", ")
        },
        e.contact_key_recall(),
        (e.contact_key_recall() * e.contact_key_matches as f64).round(),
        e.contact_key_matches,
        e.auto_links,
        e.wrong_links,
        e.reviews_per_thousand(),
    );
}

//! The decision: for each passenger, the registry persons that share a blocking key, the evidence for and
//! against each, a rule that turns evidence into linked / review / rejected, and two vetoes on top (one
//! candidate per passenger, one passenger per person per flight). Rules rather than a summed score,
//! because a sum cannot tell a mother from her daughter when the booking contacts agree.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::facts::{PassengerFacts, SurnameOrder, normalise_frequent_flyer};
use super::index::{KeyKind, PersonContact, RegistryIndex, date_bytes, given_prefix, key_hash};
use super::normalise::{
    NICKNAMES, NameReading, PersonName, PhoneAgreement, PhoneKey, Transliteration, are_nicknames,
    edit_distance, fold_words, is_particle, name_key, normalise_email, normalise_phone,
};
use super::parallel::map_in_order;
use super::reason::{ContactKind, GivenAgreement, Reason, SurnameAgreement};
use super::remembered::{RememberedDecisions, StaffDecision};
use crate::domain::{LinkDecision, Title, TravellerClass};

/// The verdict on one passenger ↔ person pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchOutcome {
    pub passenger: Uuid,
    pub person: Uuid,
    pub decision: LinkDecision,
    /// Weight of evidence (positive for, negative against), for ordering a review list; the decision
    /// itself follows the rules, not a threshold on this number.
    pub score: f32,
    pub reasons: Vec<Reason>,
}

/// A booking name at least this long ("SURNAME/GIVEN") may have been cut by the system that printed it
/// (boarding passes hold 20 characters), so a prefix counts as agreement.
pub const TRUNCATION_MIN_LENGTH: usize = 17;

/// The number of people a registry is assumed to sample from, used to turn name counts in the registry
/// into how many people are expected to carry a name.
pub const POPULATION: f64 = 10_000_000.0;

/// Date of birth with surname and given name links only when fewer other people are expected to carry the
/// name than this. A shared birth date among namesakes is a 1 in 25,000 chance per pair, but a large
/// registry meets hundreds of thousands of passengers a day, so only names expected to be unique qualify.
pub const BIRTH_DATE_MAX_NAMESAKES: f64 = 0.5;

/// Beyond this many expected namesakes (one in ten sharing any given birth date) a date-of-birth agreement
/// is no evidence at all and the pair is not listed.
pub const BIRTH_DATE_REVIEW_MAX_NAMESAKES: f64 = 2_500.0;

/// A name alone sends a pair to review only when at most this many other people are expected to carry it:
/// a registry of millions holds so many names that merely uncommon ones meet namesakes every day.
pub const RARE_NAME_MAX_NAMESAKES: f64 = 0.1;

/// Passengers handed to the cores at a time.
const MATCH_BATCH: usize = 16_384;

/// A contact or date key filed under more persons than this is not personal (an agency's e-mail, a
/// switchboard): it is ignored for blocking.
const MAX_PERSONS_PER_STRONG_KEY: usize = 50;

/// A surname + given-prefix key filed under more persons than this names no one in particular.
const MAX_PERSONS_PER_NAME_KEY: usize = 8;

/// One spelling of the passenger's name: the booking's, and the passport's (DOCS) when present.
#[derive(Debug)]
struct NameSource {
    surnames: Vec<String>,
    surname_words: Vec<String>,
    givens: Vec<String>,
    given_words: Vec<String>,
    may_be_truncated: bool,
}

impl NameSource {
    fn new(surname: &str, given: &str, may_be_truncated: bool) -> NameSource {
        let (surnames, surname_words) = keys_and_words(surname);
        let (givens, given_words) = keys_and_words(given);
        NameSource {
            surnames,
            surname_words,
            givens,
            given_words,
            may_be_truncated,
        }
    }

    fn shown_surname(&self) -> &str {
        self.surnames
            .first()
            .map(String::as_str)
            .unwrap_or_default()
    }

    fn shown_given(&self) -> &str {
        self.givens.first().map(String::as_str).unwrap_or_default()
    }
}

/// A name part's keys in both transliterations (one when they agree) and its words, ICAO. An ASCII name
/// reads the same in both, so it is folded once: a day's import folds 450,000 names, nearly all ASCII.
fn keys_and_words(raw: &str) -> (Vec<String>, Vec<String>) {
    let icao = fold_words(raw, Transliteration::Icao);
    let words = icao
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let mut keys = vec![icao.replace(' ', "")];
    if !raw.is_ascii() {
        let plain = name_key(raw, Transliteration::Plain);
        if plain != keys[0] {
            keys.push(plain);
        }
    }
    (keys, words)
}

/// A passenger prepared for matching.
struct PassengerView<'a> {
    facts: &'a PassengerFacts,
    sources: Vec<NameSource>,
    email: Option<String>,
    phone: Option<PhoneKey>,
    frequent_flyer: Option<(String, String)>,
}

impl<'a> PassengerView<'a> {
    fn new(facts: &'a PassengerFacts) -> PassengerView<'a> {
        let name = &facts.name;
        let written_length = name.surname.chars().count() + 1 + name.given.chars().count();
        let mut sources = Vec::with_capacity(2);
        if let Some(surname) = &facts.docs_surname {
            let given = facts.docs_given.as_deref().unwrap_or(&name.given);
            sources.push(NameSource::new(surname, given, false));
        }
        sources.push(NameSource::new(
            &name.surname,
            &name.given,
            written_length >= TRUNCATION_MIN_LENGTH,
        ));
        PassengerView {
            facts,
            sources,
            email: facts.email.as_deref().and_then(normalise_email),
            phone: facts.phone.as_deref().and_then(normalise_phone),
            frequent_flyer: facts.frequent_flyer.as_ref().and_then(|(carrier, raw)| {
                normalise_frequent_flyer(carrier, raw).map(|n| (carrier.as_str().to_string(), n))
            }),
        }
    }

    /// The passenger's blocking keys, each with the most persons it may name before it names no one in
    /// particular.
    fn blocking_keys(&self) -> Vec<(u64, usize)> {
        let mut keys: Vec<(u64, usize)> = Vec::with_capacity(16);
        if let Some((carrier, number)) = &self.frequent_flyer {
            keys.push((
                key_hash(
                    KeyKind::FrequentFlyer,
                    &[carrier.as_bytes(), number.as_bytes()],
                ),
                MAX_PERSONS_PER_STRONG_KEY,
            ));
        }
        if let Some(email) = &self.email {
            keys.push((
                key_hash(KeyKind::Email, &[email.as_bytes()]),
                MAX_PERSONS_PER_STRONG_KEY,
            ));
        }
        if let Some(phone) = &self.phone {
            if let Some(e164) = phone.e164 {
                keys.push((
                    key_hash(KeyKind::PhoneE164, &[&e164.to_le_bytes()]),
                    MAX_PERSONS_PER_STRONG_KEY,
                ));
            }
            keys.push((
                key_hash(KeyKind::PhoneLastNine, &[&phone.last9.to_le_bytes()]),
                MAX_PERSONS_PER_STRONG_KEY,
            ));
        }
        for source in &self.sources {
            if let Some(date) = self.facts.date_of_birth {
                for given in source.givens.iter().filter(|g| !g.is_empty()) {
                    keys.push((
                        key_hash(
                            KeyKind::BirthDateGivenPrefix,
                            &[&date_bytes(date), given_prefix(given).as_bytes()],
                        ),
                        MAX_PERSONS_PER_STRONG_KEY,
                    ));
                }
            }
            let surnames = source
                .surnames
                .iter()
                .chain(source.surname_words.iter().filter(|w| !is_particle(w)));
            for surname in surnames {
                if let Some(date) = self.facts.date_of_birth {
                    keys.push((
                        key_hash(
                            KeyKind::BirthDateSurname,
                            &[&date_bytes(date), surname.as_bytes()],
                        ),
                        MAX_PERSONS_PER_STRONG_KEY,
                    ));
                }
                for given in &source.givens {
                    keys.push((
                        key_hash(
                            KeyKind::SurnameGivenPrefix,
                            &[surname.as_bytes(), given_prefix(given).as_bytes()],
                        ),
                        MAX_PERSONS_PER_NAME_KEY,
                    ));
                }
            }
        }
        keys
    }

    /// Registry persons sharing at least one blocking key with the passenger.
    fn candidates(&self, index: &RegistryIndex) -> Vec<u32> {
        let mut found: Vec<u32> = Vec::new();
        for (key, limit) in self.blocking_keys() {
            if index.count(key) <= limit {
                found.extend(index.lookup(key));
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// The keys under which a passenger looks for candidates, as stored next to persons (see
/// [`crate::matching::person_blocking_keys`]): a database can hand the matcher exactly the persons that
/// [`match_flight`] would consider, without loading the registry.
pub fn passenger_blocking_keys(passenger: &PassengerFacts) -> Vec<i64> {
    let mut keys: Vec<i64> = PassengerView::new(passenger)
        .blocking_keys()
        .into_iter()
        .map(|(key, _)| key as i64)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// How many other people are expected to carry a name, from name counts in the registry: the larger of
/// the registry's own count and the population share implied by the surname and given-name counts.
fn expected_namesakes(index: &RegistryIndex, surnames: &[String], givens: &[String]) -> f64 {
    let persons = index.len().max(1) as f64;
    let count = |kind: KeyKind, parts: &[&[u8]]| index.count(key_hash(kind, parts));
    let surname_count = surnames
        .iter()
        .map(|s| count(KeyKind::SurnameCount, &[s.as_bytes()]))
        .max()
        .unwrap_or(0);
    let given_count = givens
        .iter()
        .map(|g| count(KeyKind::GivenCount, &[g.as_bytes()]))
        .max()
        .unwrap_or(0);
    let full_count = surnames
        .iter()
        .flat_map(|s| {
            givens
                .iter()
                .map(move |g| count(KeyKind::FullNameCount, &[s.as_bytes(), g.as_bytes()]))
        })
        .max()
        .unwrap_or(0);
    let estimate = POPULATION * (surname_count as f64 / persons) * (given_count as f64 / persons);
    estimate.max(full_count.saturating_sub(1) as f64)
}

/// Namesakes of the name on which passenger and person agree: the more common of the two spellings
/// (a manifest's IRENE SOFIA agreeing with a profile's Irene is only as rare as IRENE).
fn agreed_name_namesakes(
    view: &PassengerView,
    names: &NameComparison,
    index: &RegistryIndex,
) -> f64 {
    let person = expected_namesakes(
        index,
        std::slice::from_ref(&names.person_surname),
        std::slice::from_ref(&names.person_given),
    );
    view.sources
        .iter()
        .map(|s| expected_namesakes(index, &s.surnames, &s.givens))
        .fold(person, f64::max)
}

/// How the passenger's name compares with the person's, in the reading of the person's name that fits best.
#[derive(Debug, Clone)]
struct NameComparison {
    surname: SurnameAgreement,
    given: GivenAgreement,
    passenger_surname: String,
    person_surname: String,
    passenger_given: String,
    person_given: String,
    /// The given name is a nickname, and the manifest holds the full name the profile's nickname stands
    /// for (ALEXANDER for Alex): the passport's form of the person's own name, which agrees.
    full_name_of_nickname: bool,
}

impl NameComparison {
    fn given_agrees(&self) -> bool {
        self.given.agrees() || self.full_name_of_nickname
    }
}

fn surname_rank(a: SurnameAgreement) -> u8 {
    match a {
        SurnameAgreement::Exact => 4,
        SurnameAgreement::OneOfCompound | SurnameAgreement::Truncated => 3,
        SurnameAgreement::LastOfCompound => 2,
        SurnameAgreement::Similar => 1,
        SurnameAgreement::Differs => 0,
    }
}

fn given_rank(a: GivenAgreement) -> u8 {
    match a {
        GivenAgreement::Exact => 6,
        GivenAgreement::FirstOfSeveral | GivenAgreement::Truncated => 5,
        GivenAgreement::FirstOnly => 4,
        GivenAgreement::Nickname => 4,
        GivenAgreement::Initial => 3,
        GivenAgreement::Similar => 2,
        GivenAgreement::Missing => 1,
        GivenAgreement::Differs => 0,
    }
}

fn close_spelling(a: &str, b: &str) -> bool {
    let shorter = a.len().min(b.len());
    let allowed = match shorter {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    allowed > 0 && a.len().abs_diff(b.len()) <= allowed && edit_distance(a, b) <= allowed
}

/// What is left of a glued manifest surname around the person's single surname must look like another
/// surname (three letters or more), not a stray letter or two.
fn leftover_is_surname(rest: &str) -> bool {
    rest.len() >= 3
}

/// The manifest's leftover before the person's surname starts with a particle (DE SOUZA before SANTOS).
fn leftover_starts_with_particle(rest: &str) -> bool {
    ["DOS", "DAS", "DE", "DA", "DO", "VAN", "VON"]
        .iter()
        .any(|p| {
            rest.strip_prefix(p)
                .is_some_and(|r| r.is_empty() || r.len() >= 3)
        })
}

/// The manifest's glued surname without one or more particles in front (DASNEVESFARIAS → NEVESFARIAS,
/// DELAFUENTE → LAFUENTE, FUENTE), as a profile may write it. A remainder shorter than three letters is
/// no surname, so DELGADO gives GADO but LEON gives nothing; a fragment meets a surname only by equality or
/// as its start, and with other evidence beside it.
fn without_leading_particles(manifest: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let mut pending = vec![manifest];
    while let Some(key) = pending.pop() {
        for rest in GLUED_PARTICLES.iter().filter_map(|p| key.strip_prefix(p)) {
            if rest.len() >= 3 && !out.contains(&rest) {
                out.push(rest);
                pending.push(rest);
            }
        }
    }
    out
}

/// Particles a surname may carry in front, as they appear glued on a ticket: single letters (the 't of
/// van 't Hof) are left out, since nearly every surname starts with one.
const GLUED_PARTICLES: [&str; 21] = [
    "VAN", "VON", "DE", "DER", "DEN", "DEL", "DELLA", "DI", "DA", "DO", "DOS", "DAS", "DU", "LE",
    "LA", "LOS", "LAS", "TER", "TEN", "TE", "ZU",
];

fn surname_level(
    source: &NameSource,
    manifest: &str,
    full: &str,
    bare: &str,
    parts: &[&str],
) -> SurnameAgreement {
    if manifest == full || manifest == bare {
        return SurnameAgreement::Exact;
    }
    let stripped = without_leading_particles(manifest);
    // The profile drops a particle the ticket glues on (NEVES for DASNEVES).
    if stripped.iter().any(|m| *m == full || *m == bare) {
        return SurnameAgreement::Exact;
    }
    let person_compound = parts.len() > 1;
    if person_compound {
        // Both sides compound must agree in full: a child's FERNANDEZGARCIA is not the mother's GARCIAPENA.
        if parts.contains(&manifest) || stripped.iter().any(|m| parts.contains(m)) {
            return SurnameAgreement::OneOfCompound;
        }
    } else if bare.len() >= 3 {
        let starts_compound = |m: &str| {
            m.strip_prefix(bare).is_some_and(leftover_is_surname)
                || m.strip_prefix(full).is_some_and(leftover_is_surname)
        };
        if starts_compound(manifest)
            || stripped.iter().any(|m| starts_compound(m))
            || source.surname_words.len() > 1
                && source.surname_words.first().is_some_and(|w| w == bare)
        {
            return SurnameAgreement::OneOfCompound;
        }
        if let Some(rest) = manifest.strip_suffix(bare) {
            if leftover_starts_with_particle(rest) {
                return SurnameAgreement::OneOfCompound;
            }
            if leftover_is_surname(rest) {
                return SurnameAgreement::LastOfCompound;
            }
        }
    }
    if source.may_be_truncated
        && manifest.len() >= 4
        && (full.starts_with(manifest) || bare.starts_with(manifest))
    {
        return SurnameAgreement::Truncated;
    }
    if close_spelling(manifest, full) || close_spelling(manifest, bare) {
        return SurnameAgreement::Similar;
    }
    SurnameAgreement::Differs
}

fn compare_surname(source: &NameSource, reading: &NameReading) -> (SurnameAgreement, String) {
    let mut best = (
        SurnameAgreement::Differs,
        reading.surname_key(Transliteration::Icao),
    );
    for scheme in Transliteration::BOTH {
        let full = reading.surname_key(scheme);
        let parts: Vec<&str> = reading
            .surname
            .iter()
            .filter(|w| !w.particle)
            .flat_map(|w| match scheme {
                Transliteration::Icao => w.icao.iter(),
                Transliteration::Plain => w.plain.iter(),
            })
            .map(String::as_str)
            .collect();
        let bare = parts.concat();
        for manifest in &source.surnames {
            let level = surname_level(source, manifest, &full, &bare, &parts);
            if level > best.0 {
                best = (level, full.clone());
            }
        }
    }
    best
}

fn compare_given(
    source: &NameSource,
    reading: &NameReading,
    index: &RegistryIndex,
) -> (GivenAgreement, String, bool) {
    let mut best = (
        GivenAgreement::Differs,
        reading.given_key(Transliteration::Icao),
        false,
    );
    let manifest_first_word = source.given_words.first();
    for scheme in Transliteration::BOTH {
        let person = reading.given_key(scheme);
        let parts = reading.given_parts(scheme);
        let first = parts.first().copied().unwrap_or_default();
        for manifest in &source.givens {
            let level = given_level(source, manifest, &person, &parts, first, index);
            let full_name = level == GivenAgreement::Nickname
                && std::iter::once(manifest)
                    .chain(manifest_first_word)
                    .any(|m| begins_with_full_name_of(m, first, source.may_be_truncated));
            if level > best.0 || level == best.0 && full_name && !best.2 {
                best = (level, person.clone(), full_name);
            }
        }
    }
    best
}

fn given_level(
    source: &NameSource,
    manifest: &str,
    person: &str,
    parts: &[&str],
    first: &str,
    index: &RegistryIndex,
) -> GivenAgreement {
    if manifest.is_empty() || person.is_empty() {
        return GivenAgreement::Missing;
    }
    if manifest == person {
        return GivenAgreement::Exact;
    }
    let person_prefixes = (1..parts.len()).map(|k| parts.get(..k).unwrap_or_default().concat());
    let manifest_word_prefixes = (1..source.given_words.len())
        .map(|k| source.given_words.get(..k).unwrap_or_default().concat());
    let known_given_name =
        |rest: &str| index.count(key_hash(KeyKind::GivenCount, &[rest.as_bytes()])) > 0;
    if person_prefixes.into_iter().any(|p| p == manifest) {
        return GivenAgreement::FirstOnly;
    }
    let first_of_several = manifest_word_prefixes.into_iter().any(|p| p == person)
        || manifest
            .strip_prefix(person)
            .is_some_and(|rest| rest.len() >= 2 && known_given_name(rest));
    if first_of_several {
        return GivenAgreement::FirstOfSeveral;
    }
    if source.may_be_truncated && manifest.len() >= 2 && person.starts_with(manifest) {
        return GivenAgreement::Truncated;
    }
    if starts_with_formal_name(manifest, first, source.may_be_truncated) {
        return GivenAgreement::Nickname;
    }
    let manifest_first = source
        .given_words
        .first()
        .map(String::as_str)
        .unwrap_or(manifest);
    if are_nicknames(manifest, person)
        || are_nicknames(manifest_first, first)
        || are_nicknames(manifest, first)
    {
        return GivenAgreement::Nickname;
    }
    if manifest_first.len() == 1 && first.starts_with(manifest_first) {
        return GivenAgreement::Initial;
    }
    if close_spelling(manifest, person) || close_spelling(manifest_first, first) {
        return GivenAgreement::Similar;
    }
    GivenAgreement::Differs
}

/// A passport name begins with what it stands for: whether the manifest's given names are, or begin with,
/// the full name of the person's nickname (ALEXANDER or ALEXANDERJAMES for Alex, ELIZABETHMARION for
/// Liz), followed by another name of three letters or more, or cut short. A manifest showing the nickname
/// itself (BILL for William) is not this: bookings under a nickname are rare and may be anyone's.
fn begins_with_full_name_of(manifest: &str, person_first: &str, may_be_truncated: bool) -> bool {
    NICKNAMES
        .iter()
        .filter(|(_, nick, _)| *nick == person_first)
        .any(|(_, _, full)| match manifest.strip_prefix(full) {
            Some(rest) => rest.is_empty() || rest.len() >= 3 || may_be_truncated,
            None => may_be_truncated && manifest.len() >= 4 && full.starts_with(manifest),
        })
}

/// Whether glued manifest given names begin with the full name the person's first given name is a nickname
/// of (ELIZABETHMARION for Liz, JOSEMANUEL for Pepe) and go on with another name, or are cut short inside
/// or after it. Passports carry full names, so only those are looked for; what follows must be a name of
/// three letters or more (JOSEF is not JOSE and more) unless the manifest was cut.
fn starts_with_formal_name(manifest: &str, person_first: &str, may_be_truncated: bool) -> bool {
    if person_first.is_empty() {
        return false;
    }
    NICKNAMES
        .iter()
        .map(|(_, _, formal)| *formal)
        .filter(|formal| match manifest.strip_prefix(formal) {
            Some(rest) => rest.len() >= 3 || may_be_truncated && !rest.is_empty(),
            None => may_be_truncated && manifest.len() >= 4 && formal.starts_with(manifest),
        })
        .any(|formal| are_nicknames(person_first, formal))
}

fn compare_names(
    view: &PassengerView,
    person: &PersonName,
    index: &RegistryIndex,
) -> NameComparison {
    let mut best: Option<(u8, NameComparison)> = None;
    for source in &view.sources {
        for reading in &person.readings {
            let (surname, person_surname) = compare_surname(source, reading);
            let (given, person_given, full_name_of_nickname) =
                compare_given(source, reading, index);
            let given_rank = if full_name_of_nickname {
                given_rank(GivenAgreement::Truncated)
            } else {
                given_rank(given)
            };
            let rank = surname_rank(surname) * 8 + given_rank;
            if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                best = Some((
                    rank,
                    NameComparison {
                        surname,
                        given,
                        passenger_surname: source.shown_surname().to_string(),
                        person_surname,
                        passenger_given: source.shown_given().to_string(),
                        person_given,
                        full_name_of_nickname,
                    },
                ));
            }
        }
    }
    best.map(|(_, c)| c).unwrap_or_else(|| NameComparison {
        surname: SurnameAgreement::Differs,
        given: GivenAgreement::Missing,
        passenger_surname: view
            .sources
            .first()
            .map(|s| s.shown_surname().to_string())
            .unwrap_or_default(),
        person_surname: String::new(),
        passenger_given: String::new(),
        person_given: String::new(),
        full_name_of_nickname: false,
    })
}

/// Strong evidence between a passenger and a person.
#[derive(Debug, Default)]
struct Evidence {
    frequent_flyer_agrees: Option<(String, String)>,
    frequent_flyer_conflict: Option<(String, String, String)>,
    email: Option<String>,
    phone: Option<(String, PhoneAgreement)>,
    birth_date_agrees: Option<chrono::NaiveDate>,
    birth_date_conflict: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
}

impl Evidence {
    fn gather(view: &PassengerView, index: &RegistryIndex, id: u32) -> Evidence {
        let mut ev = Evidence::default();
        let mut ff_conflict = None;
        for contact in index.contacts(id) {
            match contact {
                PersonContact::Email(e) => {
                    if view.email.as_deref() == Some(e) {
                        ev.email = Some(e.to_string());
                    }
                }
                PersonContact::Phone(key) => {
                    if let Some(how) = view.phone.as_ref().and_then(|p| p.agreement(&key)) {
                        ev.phone = view.phone.as_ref().map(|p| (p.display(), how));
                    }
                }
                PersonContact::FrequentFlyer { carrier, number } => {
                    if let Some((c, n)) = &view.frequent_flyer
                        && c == carrier
                    {
                        if n == number {
                            ev.frequent_flyer_agrees = Some((c.clone(), n.clone()));
                        } else {
                            ff_conflict = Some((c.clone(), n.clone(), number.to_string()));
                        }
                    }
                }
            }
        }
        if ev.frequent_flyer_agrees.is_none() {
            ev.frequent_flyer_conflict = ff_conflict;
        }
        if let (Some(p), Some(q)) = (view.facts.date_of_birth, index.birth_date(id)) {
            if p == q {
                ev.birth_date_agrees = Some(p);
            } else {
                ev.birth_date_conflict = Some((p, q));
            }
        }
        ev
    }

    fn contact(&self) -> Option<ContactKind> {
        if self.email.is_some() {
            Some(ContactKind::Email)
        } else if self.phone.is_some() {
            Some(ContactKind::Phone)
        } else {
            None
        }
    }

    fn is_strong(&self) -> bool {
        self.frequent_flyer_agrees.is_some()
            || self.contact().is_some()
            || self.birth_date_agrees.is_some()
    }

    fn score(&self, names: &NameComparison) -> f32 {
        let mut score = 0.0;
        if self.frequent_flyer_agrees.is_some() {
            score += 12.0;
        }
        if self.frequent_flyer_conflict.is_some() {
            score -= 10.0;
        }
        if self.email.is_some() {
            score += 9.0;
        }
        score += match self.phone {
            Some((_, PhoneAgreement::E164)) => 8.0,
            Some((_, PhoneAgreement::LastNineDigits)) => 6.0,
            None => 0.0,
        };
        if self.birth_date_agrees.is_some() {
            score += 7.0;
        }
        if self.birth_date_conflict.is_some() {
            score -= 10.0;
        }
        score += match names.surname {
            SurnameAgreement::Exact => 4.0,
            SurnameAgreement::OneOfCompound | SurnameAgreement::Truncated => 3.0,
            SurnameAgreement::LastOfCompound => 2.0,
            SurnameAgreement::Similar => 1.0,
            SurnameAgreement::Differs => -3.0,
        };
        score += match names.given {
            GivenAgreement::Exact => 4.0,
            GivenAgreement::FirstOfSeveral | GivenAgreement::Truncated => 3.0,
            GivenAgreement::Nickname | GivenAgreement::FirstOnly => 2.0,
            GivenAgreement::Initial | GivenAgreement::Similar => 1.0,
            GivenAgreement::Missing => 0.0,
            GivenAgreement::Differs => -4.0,
        };
        score
    }

    fn reasons(&self, names: &NameComparison) -> Vec<Reason> {
        let mut reasons = Vec::with_capacity(6);
        if let Some((carrier, number)) = &self.frequent_flyer_agrees {
            reasons.push(Reason::FrequentFlyerAgrees {
                carrier: carrier.clone(),
                number: number.clone(),
            });
        }
        if let Some((carrier, passenger_number, person_number)) = &self.frequent_flyer_conflict {
            reasons.push(Reason::FrequentFlyerConflict {
                carrier: carrier.clone(),
                passenger_number: passenger_number.clone(),
                person_number: person_number.clone(),
            });
        }
        if let Some(email) = &self.email {
            reasons.push(Reason::EmailAgrees {
                email: email.clone(),
            });
        }
        if let Some((phone, how)) = &self.phone {
            reasons.push(Reason::PhoneAgrees {
                phone: phone.clone(),
                how: *how,
            });
        }
        if let Some(date) = self.birth_date_agrees {
            reasons.push(Reason::DateOfBirthAgrees { date });
        }
        if let Some((passenger, person)) = self.birth_date_conflict {
            reasons.push(Reason::DateOfBirthConflict { passenger, person });
        }
        reasons.push(Reason::Surname {
            agreement: names.surname,
            passenger: names.passenger_surname.clone(),
            person: names.person_surname.clone(),
        });
        reasons.push(Reason::GivenName {
            agreement: names.given,
            passenger: names.passenger_given.clone(),
            person: names.person_given.clone(),
        });
        reasons
    }
}

/// The rule's answer for one pair, before the vetoes.
#[derive(Debug)]
struct Verdict {
    person: u32,
    decision: LinkDecision,
    score: f32,
    reasons: Vec<Reason>,
    /// Backed by a frequent-flyer number, a contact or a date of birth (not by the name alone). Such a
    /// row, unless rejected, claims the person for "one passenger per person per flight".
    strong: bool,
    fit: NameFit,
}

/// How well a passenger's name fits a person, and whether the passenger travels as an adult: what tells
/// the person from a relative when several passengers of a flight are held against them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NameFit {
    surname: SurnameAgreement,
    /// [`given_rank`], a nickname's full name ranked as agreeing.
    given: u8,
    given_compatible: bool,
    adult: bool,
    /// The passenger's own frequent-flyer number or date of birth agrees with the person's: evidence
    /// about this traveller, not about the booking they are on.
    own_key: bool,
}

impl NameFit {
    /// Fits at least as well in both parts and better in one.
    fn beats(&self, other: &NameFit) -> bool {
        let (s, g) = (surname_rank(self.surname), self.given);
        let (os, og) = (surname_rank(other.surname), other.given);
        s >= os && g >= og && (s > os || g > og)
    }

    /// Tells the person from `other` on one flight: a better fit in both name parts, or, for an adult
    /// who could be the person, a child or infant held only by the booking's contact. The contact is
    /// the booker's, an adult's; and a child under twelve has no social-network account of their own.
    fn tells_apart_from(&self, other: &NameFit) -> bool {
        !other.could_be_the_person()
            && (self.beats(other) || self.could_be_the_person() && !other.adult && !other.own_key)
    }

    /// Could be the person whoever else travels: an adult whose surname agrees (a profile's single surname
    /// ending the manifest's compound counts: a Portuguese parent's last one) and whose given name does not
    /// contradict the person's (MARIA beside a profile's ambiguous "Maria Silva Silva" may be her).
    fn could_be_the_person(&self) -> bool {
        self.adult
            && self.given_compatible
            && (self.surname.agrees() || self.surname == SurnameAgreement::LastOfCompound)
    }
}

fn judge(view: &PassengerView, index: &RegistryIndex, id: u32) -> Option<Verdict> {
    let ev = Evidence::gather(view, index, id);
    let names = compare_names(view, &PersonName::parse(index.display_name(id)), index);
    let mut reasons = ev.reasons(&names);
    let score = ev.score(&names);
    let adult = view.facts.traveller_class == TravellerClass::Adult;
    // A profile may show only the last of Portuguese surnames (Santos for SOUZASANTOS): with a given
    // name that agrees, that is the person as much as a Spanish profile's first surname is.
    let surname_agrees = names.surname.agrees()
        || names.surname == SurnameAgreement::LastOfCompound && names.given_agrees();
    let given_agrees = names.given_agrees();
    // Where a compound's last surname is the mother's (Spanish), a profile showing only it is more
    // likely the mother than her child, who carries it last and often her given name too. Where nothing
    // says how the person was named, it may be either: only a Portuguese naming makes it the father's.
    let mothers_surname_only = names.surname == SurnameAgreement::LastOfCompound
        && index.surname_order(id) != SurnameOrder::FathersLast;
    let names_compatible = names.surname >= SurnameAgreement::Similar && names.given.compatible();

    let decision = if ev.birth_date_conflict.is_some() || ev.frequent_flyer_conflict.is_some() {
        // Only a frequent-flyer number outweighs a different birth date; different frequent-flyer numbers
        // on one airline are different people, whatever a shared birthday suggests.
        if ev.birth_date_conflict.is_some() && ev.frequent_flyer_agrees.is_some() {
            reasons.push(Reason::ConflictingEvidence);
            LinkDecision::Review
        } else {
            LinkDecision::Rejected
        }
    } else if ev.frequent_flyer_agrees.is_some() {
        // Under another surname (married or birth name), the given name must agree too, in full or with
        // the date of birth: a lent number travels with someone else's given name and birthday.
        let own_given = names.given == GivenAgreement::Exact || ev.birth_date_agrees.is_some();
        if names_compatible || given_agrees && adult && own_given {
            LinkDecision::Linked
        } else {
            reasons.push(Reason::FrequentFlyerNameMismatch);
            LinkDecision::Review
        }
    } else if let Some(contact) = ev.contact() {
        if surname_agrees
            && given_agrees
            && (!mothers_surname_only || ev.birth_date_agrees.is_some())
        {
            if adult {
                LinkDecision::Linked
            } else {
                reasons.push(Reason::ChildSharesName {
                    class: view.facts.traveller_class,
                });
                LinkDecision::Review
            }
        } else if surname_agrees
            && adult
            && ev.birth_date_agrees.is_some()
            && matches!(
                names.given,
                GivenAgreement::Nickname | GivenAgreement::FirstOnly
            )
        {
            // A relative on the booking shares the contact, not the date of birth: a nickname or a
            // shortened given name is the person's own.
            LinkDecision::Linked
        } else if surname_agrees && names.given == GivenAgreement::Differs {
            reasons.push(Reason::FamilyMember {
                contact,
                passenger_given: names.passenger_given.clone(),
                person_given: names.person_given.clone(),
            });
            LinkDecision::Rejected
        } else if surname_agrees || names.surname == SurnameAgreement::Similar && given_agrees {
            LinkDecision::Review
        } else if given_agrees
            && adult
            && (ev.birth_date_agrees.is_some()
                || names.given == GivenAgreement::Exact
                    && view.facts.name.title.is_some_and(married_title))
        {
            // Contact and given name agree under another surname: the person's married or birth name,
            // with the date of birth, or with the whole given name of a woman, who in most of the
            // airline's markets is the one whose surname changes at marriage. A relative who shares
            // the contact shares neither the given name nor the birthday.
            LinkDecision::Linked
        } else if given_agrees || names.given == GivenAgreement::Nickname {
            reasons.push(Reason::PossibleMarriedName {
                passenger_surname: names.passenger_surname.clone(),
                person_surname: names.person_surname.clone(),
            });
            LinkDecision::Review
        } else {
            reasons.push(Reason::TravelCompanion { contact });
            LinkDecision::Rejected
        }
    } else if ev.birth_date_agrees.is_some() {
        if !surname_agrees || !names.given.compatible() {
            return None;
        }
        let namesakes = agreed_name_namesakes(view, &names, index);
        let strong_names = names.surname == SurnameAgreement::Exact
            && matches!(
                names.given,
                GivenAgreement::Exact | GivenAgreement::FirstOfSeveral
            );
        if namesakes > BIRTH_DATE_REVIEW_MAX_NAMESAKES {
            return None;
        }
        if strong_names && namesakes <= BIRTH_DATE_MAX_NAMESAKES && adult {
            LinkDecision::Linked
        } else {
            if strong_names && namesakes > BIRTH_DATE_MAX_NAMESAKES {
                reasons.push(Reason::NameTooCommonForBirthDate {
                    expected_namesakes: namesakes as f32,
                });
            }
            LinkDecision::Review
        }
    } else {
        if names.surname != SurnameAgreement::Exact || names.given != GivenAgreement::Exact {
            return None;
        }
        let namesakes = agreed_name_namesakes(view, &names, index);
        if namesakes > RARE_NAME_MAX_NAMESAKES {
            return None;
        }
        reasons.push(Reason::RareNameOnly {
            expected_namesakes: namesakes as f32,
        });
        LinkDecision::Review
    };
    Some(Verdict {
        person: id,
        decision,
        score,
        reasons,
        strong: ev.is_strong(),
        fit: NameFit {
            surname: names.surname,
            given: if names.full_name_of_nickname {
                given_rank(GivenAgreement::Truncated)
            } else {
                given_rank(names.given)
            },
            given_compatible: names.given.compatible(),
            adult,
            own_key: ev.frequent_flyer_agrees.is_some() || ev.birth_date_agrees.is_some(),
        },
    })
}

/// A title a woman whose surname changed at marriage travels under.
fn married_title(title: Title) -> bool {
    matches!(title, Title::Mrs | Title::Ms | Title::Miss)
}

/// Applies "exactly one candidate per passenger": several links, or a link beside another strongly backed
/// candidate, all go to review; a name-only review beside strong candidates is dropped.
fn one_candidate_per_passenger(verdicts: &mut Vec<Verdict>) {
    let strong_contenders = verdicts
        .iter()
        .filter(|v| v.strong && v.decision != LinkDecision::Rejected)
        .count();
    let links = verdicts
        .iter()
        .filter(|v| v.decision == LinkDecision::Linked)
        .count();
    if links > 0 && strong_contenders > 1 {
        for v in verdicts.iter_mut() {
            if v.strong && v.decision != LinkDecision::Rejected {
                v.decision = LinkDecision::Review;
                v.reasons.push(Reason::SeveralCandidates {
                    count: strong_contenders,
                });
            }
        }
    }
    if strong_contenders > 0 {
        verdicts.retain(|v| v.strong);
    }
}

/// Matches the passengers of one or more flights against the registry. Every returned row is a pair that
/// either shares strong evidence (frequent-flyer number, booking contact, date of birth) or a rare name;
/// pairs that share nothing of note are not listed. Staff decisions in `remembered` replace the algorithm's
/// for the pairs they cover.
pub fn match_flight(
    index: &RegistryIndex,
    passengers: &[PassengerFacts],
    remembered: &RememberedDecisions,
) -> Vec<MatchOutcome> {
    let mut outcomes: Vec<MatchOutcome> = Vec::new();
    // (flight, person, outcome position) for every row that claims the person on that flight.
    let mut claims: Vec<Claim> = Vec::new();
    let judged = passengers.chunks(MATCH_BATCH).flat_map(|batch| {
        map_in_order(batch, |passenger| {
            let view = PassengerView::new(passenger);
            let mut verdicts: Vec<Verdict> = view
                .candidates(index)
                .into_iter()
                .filter_map(|id| judge(&view, index, id))
                .collect();
            one_candidate_per_passenger(&mut verdicts);
            verdicts
        })
    });
    for (passenger, mut verdicts) in passengers.iter().zip(judged) {
        let staff = remembered.for_passenger(passenger);
        let staff_linked = staff.iter().any(|(_, d)| *d == StaffDecision::Confirmed);

        for (person, decision) in &staff {
            let algorithm = verdicts
                .iter()
                .position(|v| index.person_key(v.person) == Some(*person))
                .map(|i| verdicts.swap_remove(i));
            let (mut reasons, score) = algorithm.map(|v| (v.reasons, v.score)).unwrap_or_default();
            reasons.retain(|r| !matches!(r, Reason::SeveralCandidates { .. }));
            let decision = match decision {
                StaffDecision::Confirmed => {
                    reasons.insert(0, Reason::StaffConfirmed);
                    claims.push(Claim {
                        flight: passenger.flight_key,
                        person: *person,
                        outcome: outcomes.len(),
                        fit: None,
                    });
                    LinkDecision::Linked
                }
                StaffDecision::Rejected => {
                    reasons.insert(0, Reason::StaffRejected);
                    LinkDecision::Rejected
                }
            };
            outcomes.push(MatchOutcome {
                passenger: passenger.key,
                person: *person,
                decision,
                score,
                reasons,
            });
        }
        for mut v in verdicts {
            let Some(person) = index.person_key(v.person) else {
                continue;
            };
            if staff_linked && v.decision != LinkDecision::Rejected {
                v.decision = LinkDecision::Rejected;
                v.reasons.push(Reason::StaffLinkedAnotherPerson);
            }
            if v.strong && v.decision != LinkDecision::Rejected {
                claims.push(Claim {
                    flight: passenger.flight_key,
                    person,
                    outcome: outcomes.len(),
                    fit: Some(v.fit),
                });
            }
            outcomes.push(MatchOutcome {
                passenger: passenger.key,
                person,
                decision: v.decision,
                score: v.score,
                reasons: v.reasons,
            });
        }
    }
    one_passenger_per_person_per_flight(&mut outcomes, claims);
    outcomes
}

/// A row that holds a person for a passenger on a flight.
#[derive(Debug)]
struct Claim {
    flight: Uuid,
    person: Uuid,
    outcome: usize,
    /// None for a staff decision.
    fit: Option<NameFit>,
}

/// Several passengers of one flight held against one person all go to review, unless one of them fits the
/// person's name better than each other one and none of the others could be the person themselves (a
/// child named after the parent, STEFANJOSEF MSTR beside STEFAN MR; a companion holding the person's
/// frequent-flyer number under another name). Then that one keeps its link, and the others stay in review.
fn one_passenger_per_person_per_flight(outcomes: &mut [MatchOutcome], mut claims: Vec<Claim>) {
    claims.sort_unstable_by_key(|c| (c.flight, c.person, c.outcome));
    for group in claims.chunk_by(|a, b| a.flight == b.flight && a.person == b.person) {
        let passengers = {
            let mut keys: Vec<Uuid> = group
                .iter()
                .filter_map(|c| outcomes.get(c.outcome).map(|o| o.passenger))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            keys.len()
        };
        if passengers < 2 {
            continue;
        }
        let fits_best = group.iter().find(|c| {
            c.fit.is_some_and(|fit| {
                group
                    .iter()
                    .filter(|o| o.outcome != c.outcome)
                    .all(|other| other.fit.is_some_and(|o| fit.tells_apart_from(&o)))
            })
        });
        for claim in group {
            if let Some(outcome) = outcomes.get_mut(claim.outcome) {
                let keeps_link = fits_best.is_some_and(|best| best.outcome == claim.outcome);
                if outcome.decision == LinkDecision::Linked && !keeps_link {
                    outcome.decision = LinkDecision::Review;
                }
                if !keeps_link {
                    outcome
                        .reasons
                        .push(Reason::SeveralPassengersFitPerson { count: passengers });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_part_is_folded_once_when_ascii_and_in_both_schemes_otherwise() {
        let owned = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(
            keys_and_words("van der Berg"),
            (owned(&["VANDERBERG"]), owned(&["VAN", "DER", "BERG"]))
        );
        assert_eq!(
            keys_and_words("Müller-Lüdenscheidt"),
            (
                owned(&["MUELLERLUEDENSCHEIDT", "MULLERLUDENSCHEIDT"]),
                owned(&["MUELLER", "LUEDENSCHEIDT"])
            )
        );
        assert_eq!(keys_and_words("José"), (owned(&["JOSE"]), owned(&["JOSE"])));
    }
    use crate::domain::{BookingName, CarrierCode, Locator};
    use crate::matching::facts::PersonFacts;
    use chrono::NaiveDate;

    const FLIGHT: Uuid = Uuid::from_u128(0xF1);

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn person(n: u128, name: &str) -> PersonFacts {
        PersonFacts {
            key: Uuid::from_u128(n),
            display_name: name.to_string(),
            date_of_birth: None,
            emails: Vec::new(),
            phones: Vec::new(),
            loyalty: Vec::new(),
            surname_order: SurnameOrder::Unknown,
        }
    }

    fn passenger(n: u128, booking_name: &str) -> PassengerFacts {
        PassengerFacts {
            key: Uuid::from_u128(n),
            flight_key: FLIGHT,
            name: BookingName::parse(booking_name).unwrap(),
            docs_surname: None,
            docs_given: None,
            locator: Some(Locator::parse("ABC123").unwrap()),
            traveller_class: BookingName::parse(booking_name).unwrap().traveller_class(),
            frequent_flyer: None,
            email: None,
            phone: None,
            date_of_birth: None,
        }
    }

    fn ib(number: &str) -> (CarrierCode, String) {
        (CarrierCode::parse("IB").unwrap(), number.to_string())
    }

    /// Many unrelated persons, so that the names under test are rare in the registry.
    fn filler() -> Vec<PersonFacts> {
        (0..12_000u128)
            .map(|n| person(1_000_000 + n, &format!("Given{n} Family{n}")))
            .collect()
    }

    fn run(persons: Vec<PersonFacts>, passengers: &[PassengerFacts]) -> Vec<MatchOutcome> {
        let index = RegistryIndex::build(&persons);
        match_flight(&index, passengers, &RememberedDecisions::new())
    }

    fn only(outcomes: &[MatchOutcome], passenger: u128) -> &MatchOutcome {
        let rows: Vec<&MatchOutcome> = outcomes
            .iter()
            .filter(|o| o.passenger == Uuid::from_u128(passenger))
            .collect();
        assert_eq!(rows.len(), 1, "{outcomes:#?}");
        rows[0]
    }

    fn has(outcome: &MatchOutcome, want: impl Fn(&Reason) -> bool) -> bool {
        outcome.reasons.iter().any(want)
    }

    #[test]
    fn frequent_flyer_with_compatible_name_links_and_says_why() {
        let mut maria = person(1, "Pepe García");
        maria.loyalty.push(ib("IB 0012345678"));
        let mut p = passenger(10, "GARCIALOPEZ/JOSEMR");
        p.frequent_flyer = Some(ib("12345678"));
        let outcomes = run(vec![maria], &[p]);
        let o = only(&outcomes, 10);
        assert_eq!(o.decision, LinkDecision::Linked);
        let described: Vec<String> = o.reasons.iter().map(Reason::describe).collect();
        assert!(described.contains(&"frequent-flyer number IB 12345678 agrees".to_string()));
        assert!(has(o, |r| matches!(
            r,
            Reason::GivenName {
                agreement: GivenAgreement::Nickname,
                ..
            }
        )));
    }

    #[test]
    fn frequent_flyer_with_another_name_goes_to_review() {
        let mut father = person(1, "Antonio Ruiz");
        father.loyalty.push(ib("555"));
        let mut son = passenger(10, "RUIZ/PABLOMR");
        son.frequent_flyer = Some(ib("555"));
        let outcomes = run(vec![father], &[son]);
        let o = only(&outcomes, 10);
        assert_eq!(o.decision, LinkDecision::Review);
        assert!(has(o, |r| *r == Reason::FrequentFlyerNameMismatch));
    }

    #[test]
    fn a_frequent_flyer_under_another_surname_links_only_with_the_whole_given_name_of_an_adult() {
        let mut olivia = person(1, "Olivia Walker");
        olivia.loyalty.push(ib("4411"));
        let mut passport = passenger(10, "DAVIES/OLIVIAMRS");
        passport.frequent_flyer = Some(ib("4411"));
        let mut shortened = passenger(11, "DAVIES/LIVMRS");
        shortened.frequent_flyer = Some(ib("4411"));
        shortened.flight_key = Uuid::from_u128(99);
        let mut girl = passenger(12, "DAVIES/OLIVIAMISS");
        girl.traveller_class = TravellerClass::Child;
        girl.frequent_flyer = Some(ib("4411"));
        girl.flight_key = Uuid::from_u128(98);
        let outcomes = run(vec![olivia], &[passport, shortened, girl]);
        assert_eq!(
            only(&outcomes, 10).decision,
            LinkDecision::Linked,
            "{outcomes:#?}"
        );
        for n in [11, 12] {
            let o = only(&outcomes, n);
            assert_eq!(o.decision, LinkDecision::Review, "{outcomes:#?}");
            assert!(has(o, |r| *r == Reason::FrequentFlyerNameMismatch));
        }
    }

    #[test]
    fn booking_contact_with_agreeing_names_links_through_dropped_surname_and_transliteration() {
        let mut ana = person(1, "María José García");
        ana.emails.push("MJ.Garcia@example.es".into());
        let mut jurgen = person(2, "Jürgen Müller");
        jurgen.phones.push("+49 151 2345 6789".into());
        let mut p = passenger(10, "GARCIAPENA/MARIAJOSEMRS");
        p.email = Some("mj.garcia@EXAMPLE.es".into());
        let mut q = passenger(11, "MULLER/JURGENMR");
        q.phone = Some("0049 1512 3456789".into());
        let mut r = passenger(12, "MUELLER/JUERGEN");
        r.phone = Some("01512 3456789".into());
        r.flight_key = Uuid::from_u128(0xF2);
        let outcomes = run(vec![ana, jurgen], &[p, q, r]);
        for n in [10, 11, 12] {
            assert_eq!(
                only(&outcomes, n).decision,
                LinkDecision::Linked,
                "{n}: {outcomes:#?}"
            );
        }
        assert!(has(only(&outcomes, 10), |r| matches!(
            r,
            Reason::Surname {
                agreement: SurnameAgreement::OneOfCompound,
                ..
            }
        )));
        assert!(has(only(&outcomes, 12), |r| matches!(
            r,
            Reason::PhoneAgrees {
                how: PhoneAgreement::LastNineDigits,
                ..
            }
        )));
    }

    #[test]
    fn truncated_manifest_names_count_as_agreeing() {
        let mut p = person(1, "María José García-Peña");
        p.emails.push("mj@example.es".into());
        let mut q = passenger(10, "GARCIAPENA/MARIAJOS");
        q.email = Some("mj@example.es".into());
        let outcomes = run(vec![p], &[q]);
        let o = only(&outcomes, 10);
        assert_eq!(o.decision, LinkDecision::Linked);
        assert!(has(o, |r| matches!(
            r,
            Reason::GivenName {
                agreement: GivenAgreement::Truncated,
                ..
            }
        )));
    }

    #[test]
    fn family_member_on_the_persons_booking_is_rejected() {
        let mut maria = person(1, "María García");
        maria.emails.push("maria@example.es".into());
        let mut lucas = passenger(10, "GARCIA/LUCASMSTR");
        lucas.email = Some("maria@example.es".into());
        let outcomes = run(vec![maria], &[lucas]);
        let o = only(&outcomes, 10);
        assert_eq!(o.decision, LinkDecision::Rejected);
        assert!(o.reasons.iter().any(|r| r.describe()
            == "same booking e-mail but the given name differs (LUCAS vs MARIA): likely a family member"));
    }

    #[test]
    fn weak_given_names_and_other_surnames_go_to_review() {
        let mut bill = person(1, "William Smith");
        bill.emails.push("ws@example.co.uk".into());
        let mut anna = person(2, "Anna de Vries");
        anna.emails.push("anna@example.nl".into());
        let cases = [
            ("SMITH/BILLMR", "ws@example.co.uk", GivenAgreement::Nickname),
            ("SMITH/W MR", "ws@example.co.uk", GivenAgreement::Initial),
            (
                "SMITH/WILLAIMMR",
                "ws@example.co.uk",
                GivenAgreement::Similar,
            ),
        ];
        for (i, (name, email, level)) in cases.iter().enumerate() {
            let mut p = passenger(10 + i as u128, name);
            p.email = Some(email.to_string());
            let outcomes = run(vec![bill.clone()], &[p]);
            let o = only(&outcomes, 10 + i as u128);
            assert_eq!(o.decision, LinkDecision::Review, "{name}");
            assert!(has(
                o,
                |r| matches!(r, Reason::GivenName { agreement, .. } if agreement == level)
            ));
        }
        let mut married = passenger(20, "JANSEN/ANNAMRS");
        married.email = Some("anna@example.nl".into());
        let outcomes = run(vec![anna.clone()], &[married.clone()]);
        assert_eq!(
            only(&outcomes, 20).decision,
            LinkDecision::Linked,
            "the whole given name"
        );
        // A man's surname seldom changes: under other surnames he is possibly the person, no more.
        let mut jesus = person(4, "Jesús Ruiz Gómez");
        jesus.emails.push("jesus@example.es".into());
        let mut ibanez = passenger(22, "IBANEZMARTINEZ/JESUSMR");
        ibanez.email = Some("jesus@example.es".into());
        let outcomes = run(vec![jesus], &[ibanez]);
        let o = only(&outcomes, 22);
        assert_eq!(o.decision, LinkDecision::Review, "{outcomes:#?}");
        assert!(has(o, |r| matches!(r, Reason::PossibleMarriedName { .. })));
        // Under another surname, a given name met only through a nickname is possibly hers.
        let mut liz = person(3, "Liz de Vries");
        liz.emails.push("liz@example.nl".into());
        let mut elizabeth = passenger(21, "JANSEN/ELIZABETHMRS");
        elizabeth.email = Some("liz@example.nl".into());
        let outcomes = run(vec![liz], &[elizabeth]);
        let o = only(&outcomes, 21);
        assert_eq!(o.decision, LinkDecision::Review, "{outcomes:#?}");
        assert!(has(o, |r| matches!(r, Reason::PossibleMarriedName { .. })));
        // The same with both birth dates: the married name is hers.
        let born = chrono::NaiveDate::from_ymd_opt(1984, 3, 15);
        anna.date_of_birth = born;
        married.date_of_birth = born;
        let outcomes = run(vec![anna.clone()], &[married.clone()]);
        assert_eq!(only(&outcomes, 20).decision, LinkDecision::Linked);
        // A sister-in-law of another birthday on the booking is not her.
        married.date_of_birth = chrono::NaiveDate::from_ymd_opt(1986, 7, 2);
        let outcomes = run(vec![anna], &[married]);
        assert_ne!(only(&outcomes, 20).decision, LinkDecision::Linked);
    }

    #[test]
    fn a_relative_named_after_the_person_is_not_linked_on_a_shared_contact() {
        let mut mother = person(1, "María José García");
        mother.emails.push("mj@example.es".into());
        let mut daughter = passenger(10, "GARCIA/MARIAMS");
        daughter.email = Some("mj@example.es".into());
        let outcomes = run(vec![mother], &[daughter]);
        assert_eq!(only(&outcomes, 10).decision, LinkDecision::Review);
    }

    #[test]
    fn birth_date_links_a_rare_name_and_reviews_a_common_one() {
        let born = date(1984, 3, 2);
        let mut persons = filler();
        let mut ines = person(1, "Inés Zubizarreta");
        ines.date_of_birth = Some(born);
        persons.push(ines);
        let mut p = passenger(10, "ZUBIZARRETA/INESMS");
        p.date_of_birth = Some(born);
        let outcomes = run(persons, &[p]);
        assert_eq!(only(&outcomes, 10).decision, LinkDecision::Linked);

        let mut persons = filler();
        persons.extend((0..60u128).map(|n| {
            let name = ["John Smith", "John Brown", "Mary Smith"][n as usize % 3];
            person(n + 100, name)
        }));
        persons.push(PersonFacts {
            date_of_birth: Some(born),
            ..person(1, "John Smith")
        });
        let mut q = passenger(11, "SMITH/JOHNMR");
        q.date_of_birth = Some(born);
        let outcomes = run(persons, &[q]);
        let o = only(&outcomes, 11);
        assert_eq!(o.decision, LinkDecision::Review);
        assert!(has(o, |r| matches!(
            r,
            Reason::NameTooCommonForBirthDate { .. }
        )));
    }

    #[test]
    fn conflicting_birth_dates_and_frequent_flyer_numbers_reject() {
        let mut jose = person(1, "José Fernández");
        jose.emails.push("jf@example.es".into());
        jose.date_of_birth = Some(date(1960, 5, 5));
        jose.loyalty.push(ib("111"));
        let mut son = passenger(10, "FERNANDEZ/JOSEMR");
        son.email = Some("jf@example.es".into());
        son.date_of_birth = Some(date(1990, 1, 1));
        let mut namesake = passenger(11, "FERNANDEZ/JOSEMR");
        namesake.email = Some("jf@example.es".into());
        namesake.frequent_flyer = Some(ib("222"));
        namesake.flight_key = Uuid::from_u128(0xF2);
        let outcomes = run(vec![jose], &[son, namesake]);
        let o = only(&outcomes, 10);
        assert_eq!(o.decision, LinkDecision::Rejected);
        assert!(has(o, |r| matches!(r, Reason::DateOfBirthConflict { .. })));
        let o = only(&outcomes, 11);
        assert_eq!(o.decision, LinkDecision::Rejected);
        assert!(has(o, |r| matches!(
            r,
            Reason::FrequentFlyerConflict { .. }
        )));
    }

    #[test]
    fn two_persons_fitting_one_passenger_both_go_to_review() {
        let mut a = person(1, "Laura Martín");
        a.emails.push("home@example.es".into());
        let mut b = person(2, "Laura Martín Gil");
        b.emails.push("home@example.es".into());
        let mut p = passenger(10, "MARTINGIL/LAURAMRS");
        p.email = Some("home@example.es".into());
        let outcomes = run(vec![a, b], &[p]);
        assert_eq!(outcomes.len(), 2);
        for o in &outcomes {
            assert_eq!(o.decision, LinkDecision::Review);
            assert!(has(o, |r| *r == Reason::SeveralCandidates { count: 2 }));
        }
    }

    #[test]
    fn a_parent_sharing_the_booking_contact_with_a_child_of_the_same_name_is_linked_and_a_grown_son_is_not()
     {
        let mut dad = person(1, "Thomas Wright");
        dad.emails.push("tw@example.co.uk".into());
        let mut father = passenger(10, "WRIGHT/THOMASMR");
        father.email = Some("tw@example.co.uk".into());
        let mut child = passenger(11, "WRIGHT/THOMASMSTR");
        child.email = Some("tw@example.co.uk".into());
        let outcomes = run(vec![dad.clone()], &[father.clone(), child.clone()]);
        assert_eq!(
            only(&outcomes, 10).decision,
            LinkDecision::Linked,
            "{outcomes:#?}"
        );
        let boy = only(&outcomes, 11);
        assert_eq!(boy.decision, LinkDecision::Review, "{outcomes:#?}");
        assert!(has(boy, |r| *r
            == Reason::SeveralPassengersFitPerson { count: 2 }));
        // The boy's own frequent-flyer number is the person's: the profile may be his.
        let mut member = dad.clone();
        member.loyalty.push(ib("77001234"));
        let mut child_member = child;
        child_member.frequent_flyer = Some(ib("77001234"));
        let outcomes = run(vec![member], &[father.clone(), child_member]);
        for n in [10, 11] {
            let o = only(&outcomes, n);
            assert_ne!(o.decision, LinkDecision::Linked, "{outcomes:#?}");
            assert!(has(o, |r| *r == Reason::SeveralPassengersFitPerson { count: 2 }));
        }
        let mut grown_son = father.clone();
        grown_son.key = Uuid::from_u128(12);
        let outcomes = run(vec![dad], &[father, grown_son]);
        assert!(outcomes.iter().all(|o| o.decision == LinkDecision::Review));
    }

    #[test]
    fn names_alone_reach_review_only_when_rare() {
        let mut persons = filler();
        persons.push(person(1, "Berenguela Ochandiano"));
        persons.extend((0..300u128).map(|n| person(10 + n, "James Smith")));
        let rare = passenger(10, "OCHANDIANO/BERENGUELAMRS");
        let common = passenger(11, "SMITH/JAMESMR");
        let outcomes = run(persons, &[rare, common]);
        let o = only(&outcomes, 10);
        assert_eq!(o.decision, LinkDecision::Review);
        assert!(has(o, |r| matches!(r, Reason::RareNameOnly { .. })));
        assert!(outcomes.iter().all(|o| o.passenger != Uuid::from_u128(11)));
    }

    #[test]
    fn remembered_staff_decisions_win() {
        let mut maria = person(1, "María García");
        maria.emails.push("maria@example.es".into());
        let mut lucas = passenger(10, "GARCIA/LUCASMR");
        lucas.email = Some("maria@example.es".into());
        let mut herself = passenger(11, "GARCIA/MARIAMRS");
        herself.email = Some("maria@example.es".into());
        herself.locator = Some(Locator::parse("XYZ789").unwrap());
        let index = RegistryIndex::build(&[maria]);
        let mut remembered = RememberedDecisions::new();
        remembered.remember(Uuid::from_u128(1), &lucas, StaffDecision::Confirmed);
        remembered.remember(Uuid::from_u128(1), &herself, StaffDecision::Rejected);
        let outcomes = match_flight(&index, &[lucas.clone(), herself.clone()], &remembered);
        let o = only(&outcomes, 10);
        assert_eq!(o.decision, LinkDecision::Linked);
        assert_eq!(o.reasons.first(), Some(&Reason::StaffConfirmed));
        let o = only(&outcomes, 11);
        assert_eq!(o.decision, LinkDecision::Rejected);
        assert_eq!(o.reasons.first(), Some(&Reason::StaffRejected));

        // The same passenger on the return flight carries the same locator, so the decision holds there.
        let mut back = lucas.clone();
        back.key = Uuid::from_u128(12);
        back.flight_key = Uuid::from_u128(0xF2);
        let outcomes = match_flight(&index, &[back], &remembered);
        assert_eq!(only(&outcomes, 12).decision, LinkDecision::Linked);
    }

    fn decision_of(outcomes: &[MatchOutcome], passenger: u128) -> LinkDecision {
        only(outcomes, passenger).decision
    }

    #[test]
    fn a_glued_compound_surname_meets_a_shortened_profile_on_the_date_of_birth() {
        let born = date(1979, 11, 30);
        let mut persons = filler();
        persons.push(PersonFacts {
            date_of_birth: Some(born),
            ..person(1, "María Hidalgo")
        });
        let mut herself = passenger(10, "HIDALGOBEJARANO/MARIAMRS");
        herself.docs_surname = Some("HIDALGOBEJARANO".into());
        herself.date_of_birth = Some(born);
        let mut twin = passenger(11, "HIDALGOBEJARANO/LUCASMR");
        twin.docs_surname = Some("HIDALGOBEJARANO".into());
        twin.date_of_birth = Some(born);
        twin.flight_key = Uuid::from_u128(0xF2);
        let outcomes = run(persons, &[herself, twin]);
        assert_eq!(decision_of(&outcomes, 10), LinkDecision::Review);
        assert!(has(only(&outcomes, 10), |r| matches!(
            r,
            Reason::Surname {
                agreement: SurnameAgreement::OneOfCompound,
                ..
            }
        )));
        assert!(outcomes.iter().all(|o| o.passenger != Uuid::from_u128(11)));
    }

    #[test]
    fn a_glued_particle_meets_a_profile_with_or_without_it() {
        for (n, profile) in [
            (1, "Ana Neves"),
            (2, "Ana das Neves"),
            (3, "Ana Neves Farias"),
        ] {
            let mut ana = person(n, profile);
            ana.emails.push("ana@example.br".into());
            let mut herself = passenger(10, "DASNEVESFARIAS/ANAMRS");
            herself.email = Some("ana@example.br".into());
            let mut son = passenger(11, "DASNEVESFARIAS/PEDROMR");
            son.email = Some("ana@example.br".into());
            let outcomes = run(vec![ana], &[herself, son]);
            assert_eq!(
                decision_of(&outcomes, 10),
                LinkDecision::Linked,
                "{profile}"
            );
            assert_eq!(
                decision_of(&outcomes, 11),
                LinkDecision::Rejected,
                "{profile}"
            );
        }
    }

    #[test]
    fn a_portuguese_profile_with_the_last_surname_links_and_a_relative_does_not() {
        let mut camila = person(1, "Camila Santos");
        camila.emails.push("camila@example.br".into());
        camila.surname_order = SurnameOrder::FathersLast;
        let mut herself = passenger(10, "SOUZASANTOS/CAMILAMRS");
        herself.email = Some("camila@example.br".into());
        let mut husband = passenger(11, "SOUZASANTOS/PEDROMR");
        husband.email = Some("camila@example.br".into());
        let outcomes = run(vec![camila], &[herself, husband]);
        assert_eq!(decision_of(&outcomes, 10), LinkDecision::Linked);
        assert_eq!(decision_of(&outcomes, 11), LinkDecision::Rejected);
    }

    #[test]
    fn the_full_name_of_a_nickname_meets_it_glued_or_alone_and_a_relatives_names_do_not() {
        let mut liz = person(1, "Liz Smith");
        liz.emails.push("liz@example.co.uk".into());
        let mut herself = passenger(10, "SMITH/ELIZABETHMARIONMRS");
        herself.email = Some("liz@example.co.uk".into());
        let mut sister = passenger(11, "SMITH/MARGARETMARIONMS");
        sister.email = Some("liz@example.co.uk".into());
        let mut not_joseph = passenger(12, "SMITH/JOSEFMR");
        not_joseph.email = Some("liz@example.co.uk".into());
        let outcomes = run(vec![liz], &[herself, sister]);
        let o = only(&outcomes, 10);
        assert_eq!(o.decision, LinkDecision::Linked);
        assert!(has(o, |r| matches!(
            r,
            Reason::GivenName {
                agreement: GivenAgreement::Nickname,
                ..
            }
        )));
        assert_eq!(decision_of(&outcomes, 11), LinkDecision::Rejected);

        let mut pepe = person(2, "Pepe Smith");
        pepe.emails.push("liz@example.co.uk".into());
        let outcomes = run(vec![pepe], &[not_joseph]);
        assert_eq!(decision_of(&outcomes, 12), LinkDecision::Rejected);
    }

    #[test]
    fn the_full_name_on_the_manifest_links_and_a_nickname_there_only_with_the_date_of_birth() {
        let mut alex = person(2, "Alex O'Connor");
        alex.emails.push("alex@example.ie".into());
        let mut himself = passenger(20, "OCONNOR/ALEXANDERMR");
        himself.email = Some("alex@example.ie".into());
        let mut alexandra = passenger(21, "OCONNOR/ALEXANDRAMRS");
        alexandra.email = Some("alex@example.ie".into());
        let outcomes = run(vec![alex.clone()], &[himself]);
        assert_eq!(decision_of(&outcomes, 20), LinkDecision::Linked);
        let outcomes = run(vec![alex], &[alexandra]);
        assert_eq!(decision_of(&outcomes, 21), LinkDecision::Rejected);

        let born = date(1970, 2, 3);
        let mut bill = person(1, "William Hall");
        bill.emails.push("bill@example.co.uk".into());
        bill.date_of_birth = Some(born);
        let mut himself = passenger(10, "HALL/BILLMR");
        himself.email = Some("bill@example.co.uk".into());
        himself.date_of_birth = Some(born);
        let outcomes = run(vec![bill.clone()], &[himself.clone()]);
        assert_eq!(decision_of(&outcomes, 10), LinkDecision::Linked);
        himself.date_of_birth = None;
        let outcomes = run(vec![bill], &[himself]);
        assert_eq!(decision_of(&outcomes, 10), LinkDecision::Review);
    }

    #[test]
    fn the_parent_keeps_the_link_beside_a_child_named_after_them_but_not_beside_an_adult() {
        let mut stefan = person(1, "Stefan Schulze");
        stefan.emails.push("stefan@example.de".into());
        // JOSEF is a given name the registry knows, so STEFANJOSEF reads as Stefan and more.
        let josef = person(3, "Josef Bauer");
        let with_email = |n: u128, name: &str| {
            let mut p = passenger(n, name);
            p.email = Some("stefan@example.de".into());
            p
        };
        let outcomes = run(
            vec![stefan.clone(), josef.clone()],
            &[
                with_email(10, "SCHULZE/STEFANMR"),
                with_email(11, "SCHULZE/STEFANJOSEFMSTR"),
            ],
        );
        assert_eq!(decision_of(&outcomes, 10), LinkDecision::Linked);
        assert_eq!(decision_of(&outcomes, 11), LinkDecision::Review);

        let outcomes = run(
            vec![stefan, josef],
            &[
                with_email(10, "SCHULZE/STEFANMR"),
                with_email(11, "SCHULZE/STEFANJOSEFMR"),
            ],
        );
        assert_eq!(decision_of(&outcomes, 10), LinkDecision::Review);
        assert_eq!(decision_of(&outcomes, 11), LinkDecision::Review);

        // A Portuguese mother shows her last surname; her grown daughter carries it first: either could
        // be the profile.
        let mut larissa = person(2, "Larissa Martins");
        larissa.emails.push("larissa@example.br".into());
        let mut mother = passenger(20, "DIASMARTINS/LARISSAMRS");
        mother.email = Some("larissa@example.br".into());
        let mut daughter = passenger(21, "MARTINSALVES/LARISSAMS");
        daughter.email = Some("larissa@example.br".into());
        let outcomes = run(vec![larissa], &[mother, daughter]);
        assert_eq!(decision_of(&outcomes, 20), LinkDecision::Review);
        assert_eq!(decision_of(&outcomes, 21), LinkDecision::Review);

        // "Maria Silva Silva" may read as Maria Silva, surname Silva: the mother's MARIA is then only the
        // first of the profile's given names, and still could be her.
        let mut maria = person(4, "Maria Silva Silva");
        maria.emails.push("maria@example.br".into());
        let bruna = person(5, "Bruna Costa");
        let mut mother = passenger(40, "SILVADASILVA/MARIAMS");
        mother.email = Some("maria@example.br".into());
        let mut daughter = passenger(41, "DASILVASILVA/MARIABRUNAMS");
        daughter.email = Some("maria@example.br".into());
        let outcomes = run(vec![maria, bruna], &[mother, daughter]);
        assert_eq!(decision_of(&outcomes, 40), LinkDecision::Review);
        assert_eq!(decision_of(&outcomes, 41), LinkDecision::Review);
    }

    #[test]
    fn a_companion_holding_the_persons_frequent_flyer_number_does_not_block_the_person() {
        let mut jorge = person(1, "Jorge Navarro Ramírez");
        jorge.emails.push("jorge@example.es".into());
        jorge.loyalty.push(ib("777"));
        let mut himself = passenger(10, "NAVARRORAMIREZ/JORGEMR");
        himself.email = Some("jorge@example.es".into());
        let mut wife = passenger(11, "GONZALEZGARCIA/REMEDIOSMRS");
        wife.frequent_flyer = Some(ib("777"));
        let outcomes = run(vec![jorge], &[himself, wife]);
        assert_eq!(decision_of(&outcomes, 10), LinkDecision::Linked);
        assert_eq!(decision_of(&outcomes, 11), LinkDecision::Review);
    }

    #[test]
    fn outcomes_serialise_for_the_store() {
        let mut maria = person(1, "María García");
        maria.emails.push("maria@example.es".into());
        let mut p = passenger(10, "GARCIA/MARIAMRS");
        p.email = Some("maria@example.es".into());
        let outcomes = run(vec![maria], &[p]);
        let json = serde_json::to_value(&outcomes[0]).unwrap();
        assert_eq!(json["decision"], "linked");
        assert_eq!(json["reasons"][0]["kind"], "email_agrees");
    }

    /// A Spanish daughter carries her mother's first surname last, and often her given name: under the
    /// family's e-mail she is not linked to her mother's profile, which shows only that surname, nor
    /// where the profile says nothing of how its person was named. A Portuguese profile's single surname
    /// is the father's, carried last, and links as before.
    #[test]
    fn a_spanish_profiles_surname_ending_the_compound_is_a_mothers_and_goes_to_review() {
        let with_family_email = |n: u128, name: &str, order: SurnameOrder| PersonFacts {
            emails: vec!["familia@example.es".into()],
            surname_order: order,
            ..person(n, name)
        };
        let mut daughter = passenger(10, "LOPEZGARCIA/MARIAMS");
        daughter.email = Some("familia@example.es".into());

        let mut persons = filler();
        persons.push(with_family_email(
            1,
            "María García",
            SurnameOrder::FathersFirst,
        ));
        let outcomes = run(persons, std::slice::from_ref(&daughter));
        assert_eq!(only(&outcomes, 10).decision, LinkDecision::Review);
        // With neither language nor country, the profile may be her mother's as well.
        let mut persons = filler();
        persons.push(with_family_email(1, "María García", SurnameOrder::Unknown));
        let outcomes = run(persons, std::slice::from_ref(&daughter));
        assert_eq!(only(&outcomes, 10).decision, LinkDecision::Review);

        // Her own date of birth makes the profile hers, whichever surname it shows.
        let born = date(1999, 4, 2);
        let mut persons = filler();
        persons.push(PersonFacts {
            date_of_birth: Some(born),
            ..with_family_email(1, "María García", SurnameOrder::FathersFirst)
        });
        let mut herself = daughter.clone();
        herself.date_of_birth = Some(born);
        let outcomes = run(persons, &[herself]);
        assert_eq!(only(&outcomes, 10).decision, LinkDecision::Linked);

        let mut persons = filler();
        persons.push(with_family_email(
            1,
            "Maria Santos",
            SurnameOrder::FathersLast,
        ));
        let mut santos = passenger(10, "SOUZASANTOS/MARIAMS");
        santos.email = Some("familia@example.es".into());
        let outcomes = run(persons, &[santos]);
        assert_eq!(only(&outcomes, 10).decision, LinkDecision::Linked);
    }

    #[test]
    fn the_surname_order_comes_from_the_language_then_the_country() {
        assert_eq!(
            SurnameOrder::of(Some("es"), None),
            SurnameOrder::FathersFirst
        );
        assert_eq!(
            SurnameOrder::of(Some("pt-BR"), Some("ES")),
            SurnameOrder::FathersLast
        );
        assert_eq!(
            SurnameOrder::of(Some("en"), Some("mx")),
            SurnameOrder::FathersFirst
        );
        assert_eq!(
            SurnameOrder::of(None, Some("BR")),
            SurnameOrder::FathersLast
        );
        assert_eq!(
            SurnameOrder::of(Some("fr"), Some("FR")),
            SurnameOrder::Unknown
        );
        assert_eq!(SurnameOrder::of(None, None), SurnameOrder::Unknown);
    }
}

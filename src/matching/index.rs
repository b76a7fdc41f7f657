//! The registry, held compactly for matching: each person's facts in flat arrays, and one table of blocking
//! keys (frequent-flyer number, e-mail, phone, date of birth with surname, date of birth with given-name
//! prefix, surname with given-name prefix) and of name counts. A passenger looks up a handful of keys, so matching a manifest is linear in its
//! length. Two million persons fit in a few hundred megabytes.

use std::hash::Hasher;

use chrono::{Datelike, NaiveDate};
use rustc_hash::FxHasher;
use uuid::Uuid;

use super::facts::{PersonFacts, SurnameOrder, normalise_frequent_flyer};
use super::normalise::{PersonName, PhoneKey, Transliteration, normalise_email, normalise_phone};
use super::parallel::map_in_order;

/// What a blocking or counting key is about; part of its hash so that equal strings of different kinds
/// never meet.
#[derive(Debug, Clone, Copy)]
#[repr(u8)]
pub(crate) enum KeyKind {
    FrequentFlyer = 1,
    Email = 2,
    PhoneE164 = 3,
    PhoneLastNine = 4,
    BirthDateSurname = 5,
    SurnameGivenPrefix = 6,
    SurnameCount = 7,
    GivenCount = 8,
    FullNameCount = 9,
    /// Date of birth with the given name's first letters: meets a manifest that glues surnames the profile
    /// shortens (HIDALGOBEJARANO for Hidalgo, DASNEVESFARIAS for Neves), which no surname key can.
    BirthDateGivenPrefix = 10,
}

/// Letters of the given name that block together with a surname: enough to keep lists short, few enough
/// to survive truncation.
pub(crate) const GIVEN_PREFIX_LEN: usize = 3;

pub(crate) fn key_hash(kind: KeyKind, parts: &[&[u8]]) -> u64 {
    let mut h = FxHasher::default();
    h.write_u8(kind as u8);
    for part in parts {
        h.write_usize(part.len());
        h.write(part);
    }
    // FxHash mixes weakly into the high bits, which pick the directory bucket; finish with SplitMix64.
    let mut z = h.finish();
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub(crate) fn given_prefix(given_key: &str) -> &str {
    given_key.get(..GIVEN_PREFIX_LEN).unwrap_or(given_key)
}

pub(crate) fn date_bytes(date: NaiveDate) -> [u8; 4] {
    date.num_days_from_ce().to_le_bytes()
}

/// Many strings in one buffer: no per-string allocation.
#[derive(Debug, Default)]
struct StrArena {
    text: String,
    ends: Vec<u32>,
}

impl StrArena {
    fn push(&mut self, s: &str) -> u32 {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
        (self.ends.len() - 1) as u32
    }

    fn get(&self, id: u32) -> &str {
        let id = id as usize;
        let start = match id.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0) as usize,
            None => 0,
        };
        let end = self.ends.get(id).copied().unwrap_or(0) as usize;
        self.text.get(start..end).unwrap_or_default()
    }

    fn bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * 4
    }
}

/// One normalised contact of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contact {
    /// Index into `texts`.
    Email(u32),
    /// E.164 digits (0 when unknown) and the last nine digits.
    Phone { e164: u64, last9: u32 },
    /// Index into `texts` of `CARRIER NUMBER`.
    FrequentFlyer(u32),
}

/// A person's contact, as the matcher reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PersonContact<'a> {
    Email(&'a str),
    Phone(PhoneKey),
    FrequentFlyer { carrier: &'a str, number: &'a str },
}

/// Blocking keys → persons: entries sorted by key inside buckets chosen by the key's top bits.
#[derive(Debug, Default)]
struct Postings {
    shift: u32,
    directory: Vec<u32>,
    /// (low 32 bits of the key hash, person).
    entries: Vec<(u32, u32)>,
}

impl Postings {
    fn build(pairs: Vec<(u64, u32)>) -> Postings {
        let bits = (usize::BITS - pairs.len().leading_zeros())
            .saturating_sub(2)
            .clamp(4, 26);
        let shift = 64 - bits;
        let buckets = 1usize << bits;
        let mut directory = vec![0u32; buckets + 1];
        for (key, _) in &pairs {
            if let Some(count) = directory.get_mut((key >> shift) as usize + 1) {
                *count += 1;
            }
        }
        for i in 1..directory.len() {
            let before = directory.get(i - 1).copied().unwrap_or(0);
            if let Some(slot) = directory.get_mut(i) {
                *slot += before;
            }
        }
        let mut fill: Vec<u32> = directory.clone();
        let mut entries = vec![(0u32, 0u32); pairs.len()];
        for (key, person) in pairs {
            let bucket = (key >> shift) as usize;
            if let Some(next) = fill.get_mut(bucket) {
                if let Some(slot) = entries.get_mut(*next as usize) {
                    *slot = (key as u32, person);
                }
                *next += 1;
            }
        }
        for bucket in directory.windows(2) {
            if let [start, end] = *bucket
                && let Some(slice) = entries.get_mut(start as usize..end as usize)
            {
                slice.sort_unstable();
            }
        }
        Postings {
            shift,
            directory,
            entries,
        }
    }

    fn get(&self, key: u64) -> &[(u32, u32)] {
        let bucket = (key >> self.shift) as usize;
        let (Some(&start), Some(&end)) =
            (self.directory.get(bucket), self.directory.get(bucket + 1))
        else {
            return &[];
        };
        let Some(slice) = self.entries.get(start as usize..end as usize) else {
            return &[];
        };
        let check = key as u32;
        let from = slice.partition_point(|e| e.0 < check);
        let to = slice.partition_point(|e| e.0 <= check);
        slice.get(from..to).unwrap_or_default()
    }

    fn bytes(&self) -> usize {
        self.directory.capacity() * 4 + self.entries.capacity() * 8
    }
}

/// The registry, indexed for matching. Build it once per registry snapshot; it is read-only afterwards and
/// can be shared between threads.
#[derive(Debug, Default)]
pub struct RegistryIndex {
    keys: Vec<Uuid>,
    names: StrArena,
    birth_dates: Vec<Option<NaiveDate>>,
    surname_orders: Vec<SurnameOrder>,
    contact_ends: Vec<u32>,
    contacts: Vec<Contact>,
    texts: StrArena,
    postings: Postings,
}

/// Every blocking and counting key of one person, deduplicated so that counts count persons.
pub(crate) fn person_name_keys(name: &PersonName, birth: Option<NaiveDate>, out: &mut Vec<u64>) {
    for reading in &name.readings {
        for scheme in Transliteration::BOTH {
            let given = reading.given_key(scheme);
            let prefix = given_prefix(&given);
            out.push(key_hash(KeyKind::GivenCount, &[given.as_bytes()]));
            for surname in reading.surname_variants(scheme) {
                let s = surname.as_bytes();
                out.push(key_hash(KeyKind::SurnameCount, &[s]));
                out.push(key_hash(
                    KeyKind::SurnameGivenPrefix,
                    &[s, prefix.as_bytes()],
                ));
                out.push(key_hash(KeyKind::FullNameCount, &[s, given.as_bytes()]));
                if let Some(date) = birth {
                    out.push(key_hash(KeyKind::BirthDateSurname, &[&date_bytes(date), s]));
                }
            }
            if let Some(date) = birth.filter(|_| !prefix.is_empty()) {
                out.push(key_hash(
                    KeyKind::BirthDateGivenPrefix,
                    &[&date_bytes(date), prefix.as_bytes()],
                ));
            }
        }
    }
}

/// The version of [`person_blocking_keys`]: raised whenever the keys a person is filed under change, so that
/// a store filed by an earlier version is filed anew (`app::matching::rekey_registry`).
pub const BLOCKING_KEYS_VERSION: i64 = 2;

/// The keys under which a person is found as a candidate (frequent-flyer number, e-mail, phone, birth date
/// with surname, surname with given-name prefix), as 64-bit hashes stored as signed integers: what a
/// database files next to the person so that matching a flight needs only an indexed lookup.
pub fn person_blocking_keys(person: &PersonFacts) -> Vec<i64> {
    let mut keys: Vec<u64> = Vec::with_capacity(24);
    let name = PersonName::parse(&person.display_name);
    for reading in &name.readings {
        for scheme in Transliteration::BOTH {
            let given = reading.given_key(scheme);
            let prefix = given_prefix(&given);
            for surname in reading.surname_variants(scheme) {
                let s = surname.as_bytes();
                keys.push(key_hash(
                    KeyKind::SurnameGivenPrefix,
                    &[s, prefix.as_bytes()],
                ));
                if let Some(date) = person.date_of_birth {
                    keys.push(key_hash(KeyKind::BirthDateSurname, &[&date_bytes(date), s]));
                }
            }
            if let Some(date) = person.date_of_birth.filter(|_| !prefix.is_empty()) {
                keys.push(key_hash(
                    KeyKind::BirthDateGivenPrefix,
                    &[&date_bytes(date), prefix.as_bytes()],
                ));
            }
        }
    }
    for email in person.emails.iter().filter_map(|e| normalise_email(e)) {
        keys.push(key_hash(KeyKind::Email, &[email.as_bytes()]));
    }
    for phone in person.phones.iter().filter_map(|p| normalise_phone(p)) {
        if let Some(e164) = phone.e164 {
            keys.push(key_hash(KeyKind::PhoneE164, &[&e164.to_le_bytes()]));
        }
        keys.push(key_hash(
            KeyKind::PhoneLastNine,
            &[&phone.last9.to_le_bytes()],
        ));
    }
    for (carrier, raw) in &person.loyalty {
        if let Some(number) = normalise_frequent_flyer(carrier, raw) {
            keys.push(key_hash(
                KeyKind::FrequentFlyer,
                &[carrier.as_str().as_bytes(), number.as_bytes()],
            ));
        }
    }
    let mut keys: Vec<i64> = keys.into_iter().map(|k| k as i64).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Persons handed to the cores at a time while building.
const BUILD_BATCH: usize = 65_536;

/// One person's normalised contacts and blocking keys, computed on any core.
struct PreparedPerson {
    keys: Vec<u64>,
    emails: Vec<String>,
    phones: Vec<PhoneKey>,
    /// `CARRIER NUMBER`.
    frequent_flyers: Vec<String>,
}

impl PreparedPerson {
    fn of(person: &PersonFacts) -> PreparedPerson {
        let mut keys = Vec::with_capacity(32);
        person_name_keys(
            &PersonName::parse(&person.display_name),
            person.date_of_birth,
            &mut keys,
        );
        let emails: Vec<String> = person
            .emails
            .iter()
            .filter_map(|e| normalise_email(e))
            .collect();
        for email in &emails {
            keys.push(key_hash(KeyKind::Email, &[email.as_bytes()]));
        }
        let phones: Vec<PhoneKey> = person
            .phones
            .iter()
            .filter_map(|p| normalise_phone(p))
            .collect();
        for phone in &phones {
            if let Some(e164) = phone.e164 {
                keys.push(key_hash(KeyKind::PhoneE164, &[&e164.to_le_bytes()]));
            }
            keys.push(key_hash(
                KeyKind::PhoneLastNine,
                &[&phone.last9.to_le_bytes()],
            ));
        }
        let mut frequent_flyers = Vec::new();
        for (carrier, raw) in &person.loyalty {
            if let Some(number) = normalise_frequent_flyer(carrier, raw) {
                keys.push(key_hash(
                    KeyKind::FrequentFlyer,
                    &[carrier.as_str().as_bytes(), number.as_bytes()],
                ));
                frequent_flyers.push(format!("{} {number}", carrier.as_str()));
            }
        }
        keys.sort_unstable();
        keys.dedup();
        PreparedPerson {
            keys,
            emails,
            phones,
            frequent_flyers,
        }
    }
}

impl RegistryIndex {
    pub fn build(persons: &[PersonFacts]) -> RegistryIndex {
        let mut index = RegistryIndex {
            keys: Vec::with_capacity(persons.len()),
            birth_dates: Vec::with_capacity(persons.len()),
            surname_orders: Vec::with_capacity(persons.len()),
            contact_ends: Vec::with_capacity(persons.len()),
            ..RegistryIndex::default()
        };
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(persons.len() * 12);
        // Batches bound the memory held by prepared persons while the cores share the work.
        for (batch_number, batch) in persons.chunks(BUILD_BATCH).enumerate() {
            let prepared = map_in_order(batch, PreparedPerson::of);
            for (offset, (person, prep)) in batch.iter().zip(prepared).enumerate() {
                let Ok(id) = u32::try_from(batch_number * BUILD_BATCH + offset) else {
                    return index.finish(pairs);
                };
                index.keys.push(person.key);
                index.names.push(&person.display_name);
                index.birth_dates.push(person.date_of_birth);
                index.surname_orders.push(person.surname_order);
                for email in &prep.emails {
                    let text = index.texts.push(email);
                    index.contacts.push(Contact::Email(text));
                }
                for phone in &prep.phones {
                    index.contacts.push(Contact::Phone {
                        e164: phone.e164.unwrap_or(0),
                        last9: phone.last9,
                    });
                }
                for ff in &prep.frequent_flyers {
                    let text = index.texts.push(ff);
                    index.contacts.push(Contact::FrequentFlyer(text));
                }
                index.contact_ends.push(index.contacts.len() as u32);
                pairs.extend(prep.keys.iter().map(|k| (*k, id)));
            }
        }
        index.finish(pairs)
    }

    fn finish(mut self, pairs: Vec<(u64, u32)>) -> RegistryIndex {
        self.postings = Postings::build(pairs);
        self
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Heap bytes held by the index, for capacity planning.
    pub fn heap_bytes(&self) -> usize {
        self.keys.capacity() * 16
            + self.names.bytes()
            + self.birth_dates.capacity() * size_of::<Option<NaiveDate>>()
            + self.surname_orders.capacity() * size_of::<SurnameOrder>()
            + self.contact_ends.capacity() * 4
            + self.contacts.capacity() * size_of::<Contact>()
            + self.texts.bytes()
            + self.postings.bytes()
    }

    /// Persons filed under a key (may include, rarely, persons of a colliding key: callers verify).
    pub(crate) fn lookup(&self, key: u64) -> impl Iterator<Item = u32> + '_ {
        self.postings.get(key).iter().map(|e| e.1)
    }

    /// How many persons carry a counting key.
    pub(crate) fn count(&self, key: u64) -> usize {
        self.postings.get(key).len()
    }

    pub(crate) fn person_key(&self, id: u32) -> Option<Uuid> {
        self.keys.get(id as usize).copied()
    }

    pub(crate) fn display_name(&self, id: u32) -> &str {
        self.names.get(id)
    }

    pub(crate) fn surname_order(&self, id: u32) -> SurnameOrder {
        self.surname_orders
            .get(id as usize)
            .copied()
            .unwrap_or_default()
    }

    pub(crate) fn birth_date(&self, id: u32) -> Option<NaiveDate> {
        self.birth_dates.get(id as usize).copied().flatten()
    }

    pub(crate) fn contacts(&self, id: u32) -> impl Iterator<Item = PersonContact<'_>> + '_ {
        let id = id as usize;
        let start = match id.checked_sub(1) {
            Some(prev) => self.contact_ends.get(prev).copied().unwrap_or(0) as usize,
            None => 0,
        };
        let end = self.contact_ends.get(id).copied().unwrap_or(0) as usize;
        self.contacts
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(|c| match *c {
                Contact::Email(t) => PersonContact::Email(self.texts.get(t)),
                Contact::Phone { e164, last9 } => PersonContact::Phone(PhoneKey {
                    e164: (e164 != 0).then_some(e164),
                    last9,
                }),
                Contact::FrequentFlyer(t) => {
                    let text = self.texts.get(t);
                    let (carrier, number) = text.split_once(' ').unwrap_or((text, ""));
                    PersonContact::FrequentFlyer { carrier, number }
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CarrierCode;

    fn person(n: u128, name: &str, email: &str) -> PersonFacts {
        PersonFacts {
            key: Uuid::from_u128(n),
            display_name: name.to_string(),
            date_of_birth: NaiveDate::from_ymd_opt(1980, 1, 1 + n as u32 % 28),
            emails: vec![email.to_string()],
            phones: vec!["+34 600 000 00".to_string() + &(n % 10).to_string()],
            loyalty: vec![(CarrierCode::parse("IB").unwrap(), format!("{n:08}"))],
            surname_order: SurnameOrder::Unknown,
        }
    }

    #[test]
    fn every_strong_key_finds_its_person_and_names_are_counted() {
        let persons: Vec<PersonFacts> = (0..500)
            .map(|n| person(n, &format!("Ana{n} García"), &format!("a{n}@x.es")))
            .chain([person(900, "Jürgen Müller", "JM@X.DE")])
            .collect();
        let index = RegistryIndex::build(&persons);
        assert_eq!(index.len(), 501);
        let last = 500;
        let find = |key| index.lookup(key).collect::<Vec<_>>();
        assert_eq!(find(key_hash(KeyKind::Email, &[b"jm@x.de"])), [last]);
        assert_eq!(
            find(key_hash(KeyKind::FrequentFlyer, &[b"IB", b"900"])),
            [last]
        );
        assert_eq!(
            find(key_hash(
                KeyKind::PhoneE164,
                &[&34_600_000_000u64.to_le_bytes()]
            ))
            .len(),
            51
        );
        let born = NaiveDate::from_ymd_opt(1980, 1, 1 + 900 % 28).unwrap();
        for surname in ["MUELLER", "MULLER"] {
            assert!(
                find(key_hash(
                    KeyKind::BirthDateSurname,
                    &[&date_bytes(born), surname.as_bytes()]
                ))
                .contains(&last)
            );
        }
        assert_eq!(
            index.count(key_hash(KeyKind::SurnameCount, &[b"GARCIA"])),
            500
        );
        assert_eq!(index.count(key_hash(KeyKind::GivenCount, &[b"JUERGEN"])), 1);
        assert_eq!(index.count(key_hash(KeyKind::SurnameCount, &[b"SMITH"])), 0);
        let contacts: Vec<_> = index.contacts(last).collect();
        assert!(contacts.contains(&PersonContact::Email("jm@x.de")));
        assert!(contacts.contains(&PersonContact::FrequentFlyer {
            carrier: "IB",
            number: "900"
        }));
        assert_eq!(index.display_name(last), "Jürgen Müller");
        assert_eq!(index.person_key(last), Some(Uuid::from_u128(900)));
        assert_eq!(index.person_key(10_000), None);
    }
}

#[cfg(test)]
mod blocking_key_tests {
    use super::*;
    use crate::domain::{BookingName, CarrierCode, TravellerClass};
    use crate::matching::{PassengerFacts, passenger_blocking_keys};

    /// Every candidate the in-memory index finds for a passenger shares a stored key with them, so a
    /// database lookup by these keys loses no candidate.
    #[test]
    fn stored_keys_find_the_candidates_the_index_finds() {
        let person = PersonFacts {
            key: Uuid::from_u128(1),
            display_name: "María José García-Peña".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1984, 3, 15),
            emails: vec!["MJ@example.com".into()],
            phones: vec!["+34 600 111 222".into()],
            loyalty: vec![(CarrierCode::parse("IB").unwrap(), "IB 0012345678".into())],
            surname_order: SurnameOrder::FathersFirst,
        };
        let stored = person_blocking_keys(&person);
        let passenger = |name: &str, email: Option<&str>| PassengerFacts {
            key: Uuid::from_u128(9),
            flight_key: Uuid::from_u128(7),
            name: BookingName::parse(name).unwrap(),
            docs_surname: None,
            docs_given: None,
            locator: None,
            traveller_class: TravellerClass::Adult,
            frequent_flyer: None,
            email: email.map(str::to_string),
            phone: None,
            date_of_birth: None,
        };
        let shares = |p: &PassengerFacts| {
            passenger_blocking_keys(p)
                .iter()
                .any(|k| stored.contains(k))
        };
        assert!(shares(&passenger("GARCIA/MARIAJOSE", None)));
        assert!(shares(&passenger("GARCIAPENA/MARIA", None)));
        assert!(shares(&passenger("SMITH/JOHN", Some("mj@EXAMPLE.com"))));
        assert!(!shares(&passenger("SMITH/JOHN", None)));
    }
}

//! Identity matching: deciding whether a manifest passenger is a registry person — linked, needs review, or
//! rejected — with reasons staff can read. A wrong link sends a gate agent to a stranger with someone
//! else's complaint, so precision comes first and whatever is uncertain goes to a person: links need strong
//! evidence (frequent-flyer number, booking contact or date of birth) and an agreeing name, and two vetoes
//! sit on top (one candidate per passenger, one passenger per person per flight). Staff decisions are
//! remembered and win over the algorithm.
//!
//! Pure: no I/O. Depends only on `crate::domain`. Callers convert their records into [`PersonFacts`] and
//! [`PassengerFacts`]; [`synth`] generates labelled data with the known traps to measure the matcher.

mod decide;
mod facts;
mod index;
mod normalise;
mod parallel;
pub(crate) use parallel::map_in_order_beside_store;
pub mod reason;
mod remembered;
pub mod synth;

pub use decide::{
    BIRTH_DATE_MAX_NAMESAKES, BIRTH_DATE_REVIEW_MAX_NAMESAKES, MatchOutcome, POPULATION,
    RARE_NAME_MAX_NAMESAKES, TRUNCATION_MIN_LENGTH, match_flight, passenger_blocking_keys,
};
pub use facts::{PassengerFacts, PersonFacts, SurnameOrder, normalise_frequent_flyer};
pub use index::{BLOCKING_KEYS_VERSION, RegistryIndex, person_blocking_keys};
pub use normalise::{
    Locale, NICKNAMES, NameReading, NameWord, PersonName, PhoneAgreement, PhoneKey,
    Transliteration, are_nicknames, fold_words, is_particle, name_key, nicknames_of,
    normalise_email, normalise_phone,
};
pub use reason::{ContactKind, GivenAgreement, Reason, SurnameAgreement};
pub use remembered::{PassengerFingerprint, RememberedDecisions, StaffDecision};

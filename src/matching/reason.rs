//! Why a passenger was linked to a person, sent to review or rejected, in words staff can read at a gate.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::normalise::PhoneAgreement;
use crate::domain::TravellerClass;

/// How far the manifest surname agrees with the person's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurnameAgreement {
    Differs,
    /// One or two letters apart: a typo or a different family.
    Similar,
    /// The person's single surname ends the manifest's compound (SANTOS in SOUZASANTOS): a Portuguese
    /// father's surname, or a Spanish child's mother's surname.
    LastOfCompound,
    /// The manifest's surname is cut short where the full one continues.
    Truncated,
    /// The manifest shows one of the person's surnames, or starts with the person's single surname (a
    /// profile showing only the first Spanish surname), or ends with it after a particle (DE SOUZA SANTOS).
    OneOfCompound,
    Exact,
}

impl SurnameAgreement {
    /// Good enough to support a link: exact, one of a compound, or truncated.
    pub fn agrees(self) -> bool {
        self >= SurnameAgreement::Truncated
    }
}

/// How far the manifest given name agrees with the person's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GivenAgreement {
    Differs,
    /// The manifest holds no given name.
    Missing,
    /// One or two letters apart.
    Similar,
    /// Only an initial on one side.
    Initial,
    /// A known nickname of the other (Pepe, José).
    Nickname,
    /// The manifest shows only the first of the person's given names (MARIA for María José): perhaps
    /// the person, perhaps a relative named after them.
    FirstOnly,
    /// The manifest's given name is cut short where the full one continues.
    Truncated,
    /// The manifest has the person's given name and more (MARIAJOSE for María): passports are complete,
    /// profiles often are not.
    FirstOfSeveral,
    Exact,
}

impl GivenAgreement {
    /// Good enough to support a link on contact or date-of-birth evidence.
    pub fn agrees(self) -> bool {
        self >= GivenAgreement::Truncated
    }

    /// Not in contradiction: an initial, a nickname or a near spelling still fits.
    pub fn compatible(self) -> bool {
        self >= GivenAgreement::Similar
    }
}

/// Which booking contact two records share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Email,
    Phone,
}

impl ContactKind {
    fn words(self) -> &'static str {
        match self {
            ContactKind::Email => "booking e-mail",
            ContactKind::Phone => "booking phone number",
        }
    }
}

/// One piece of evidence or one rule that shaped a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    FrequentFlyerAgrees {
        carrier: String,
        number: String,
    },
    FrequentFlyerConflict {
        carrier: String,
        passenger_number: String,
        person_number: String,
    },
    EmailAgrees {
        email: String,
    },
    PhoneAgrees {
        phone: String,
        how: PhoneAgreement,
    },
    DateOfBirthAgrees {
        date: NaiveDate,
    },
    DateOfBirthConflict {
        passenger: NaiveDate,
        person: NaiveDate,
    },
    Surname {
        agreement: SurnameAgreement,
        passenger: String,
        person: String,
    },
    GivenName {
        agreement: GivenAgreement,
        passenger: String,
        person: String,
    },
    /// Same booking contact and surname, another given name: someone the person booked for.
    FamilyMember {
        contact: ContactKind,
        passenger_given: String,
        person_given: String,
    },
    /// Same booking contact, neither surname nor given name: a travel companion.
    TravelCompanion {
        contact: ContactKind,
    },
    /// Same contact and given name under another surname.
    PossibleMarriedName {
        passenger_surname: String,
        person_surname: String,
    },
    FrequentFlyerNameMismatch,
    /// The passenger travels as a child or infant under the person's name.
    ChildSharesName {
        class: TravellerClass,
    },
    /// Date of birth and name agree, but so many people carry the name that a shared birthday is likely.
    NameTooCommonForBirthDate {
        expected_namesakes: f32,
    },
    /// Only the name agrees, and it is rare.
    RareNameOnly {
        expected_namesakes: f32,
    },
    /// Strong evidence both for and against.
    ConflictingEvidence,
    SeveralCandidates {
        count: usize,
    },
    SeveralPassengersFitPerson {
        count: usize,
    },
    StaffConfirmed,
    StaffRejected,
    StaffLinkedAnotherPerson,
}

impl Reason {
    pub fn describe(&self) -> String {
        match self {
            Reason::FrequentFlyerAgrees { carrier, number } => {
                format!("frequent-flyer number {carrier} {number} agrees")
            }
            Reason::FrequentFlyerConflict {
                carrier,
                passenger_number,
                person_number,
            } => format!(
                "different {carrier} frequent-flyer numbers (passenger {passenger_number}, person \
                 {person_number})"
            ),
            Reason::EmailAgrees { email } => format!("same booking e-mail ({email})"),
            Reason::PhoneAgrees { phone, how } => match how {
                PhoneAgreement::E164 => format!("same phone number ({phone})"),
                PhoneAgreement::LastNineDigits => format!(
                    "same phone number by its last nine digits ({phone}; one side has no country code)"
                ),
            },
            Reason::DateOfBirthAgrees { date } => format!("date of birth {date} agrees"),
            Reason::DateOfBirthConflict { passenger, person } => format!(
                "different dates of birth (passenger {passenger}, person {person}): a different person"
            ),
            Reason::Surname {
                agreement,
                passenger,
                person,
            } => match agreement {
                SurnameAgreement::Exact => format!("surname {passenger} agrees"),
                SurnameAgreement::OneOfCompound => format!(
                    "surname agrees on one of the surnames ({passenger} on the manifest, {person} in \
                     the registry)"
                ),
                SurnameAgreement::Truncated => format!(
                    "surname agrees as far as the manifest's truncated {passenger} goes ({person})"
                ),
                SurnameAgreement::LastOfCompound => format!(
                    "the person's surname {person} ends the manifest's compound surname {passenger} \
                     (a Portuguese last surname, or a relative's)"
                ),
                SurnameAgreement::Similar => {
                    format!("surname is close but not the same ({passenger} vs {person})")
                }
                SurnameAgreement::Differs => {
                    format!("surname differs ({passenger} vs {person})")
                }
            },
            Reason::GivenName {
                agreement,
                passenger,
                person,
            } => match agreement {
                GivenAgreement::Exact => format!("given name {passenger} agrees"),
                GivenAgreement::FirstOfSeveral => format!(
                    "given names agree on the first one ({passenger} on the manifest, {person} in the \
                     registry)"
                ),
                GivenAgreement::Truncated => format!(
                    "given name agrees as far as the manifest's truncated {passenger} goes ({person})"
                ),
                GivenAgreement::FirstOnly => format!(
                    "the manifest shows only the first of the person's given names ({passenger} vs \
                     {person}); please check"
                ),
                GivenAgreement::Nickname => {
                    format!("given name is a nickname of the other ({passenger} vs {person})")
                }
                GivenAgreement::Initial => {
                    format!("only an initial to compare ({passenger} vs {person})")
                }
                GivenAgreement::Similar => {
                    format!("given name is close but not the same ({passenger} vs {person})")
                }
                GivenAgreement::Missing => {
                    format!("the manifest has no given name to compare with {person}")
                }
                GivenAgreement::Differs => {
                    format!("given name differs ({passenger} vs {person})")
                }
            },
            Reason::FamilyMember {
                contact,
                passenger_given,
                person_given,
            } => format!(
                "same {} but the given name differs ({passenger_given} vs {person_given}): likely a \
                 family member",
                contact.words()
            ),
            Reason::TravelCompanion { contact } => format!(
                "same {} but neither surname nor given name agrees: likely a travel companion",
                contact.words()
            ),
            Reason::PossibleMarriedName {
                passenger_surname,
                person_surname,
            } => format!(
                "contact and given name agree under another surname ({passenger_surname} vs \
                 {person_surname}): perhaps a married or birth name; please check"
            ),
            Reason::FrequentFlyerNameMismatch => {
                "the frequent-flyer number agrees but the name does not: perhaps a number lent to a \
                 companion; please check"
                    .to_string()
            }
            Reason::ChildSharesName { class } => format!(
                "the passenger travels as {} under the same name: perhaps the person's child; please \
                 check",
                match class {
                    TravellerClass::Infant => "an infant",
                    _ => "a child",
                }
            ),
            Reason::NameTooCommonForBirthDate { expected_namesakes } => format!(
                "about {expected_namesakes:.0} people share this name, so a shared date of birth is not \
                 proof; please check"
            ),
            Reason::RareNameOnly { expected_namesakes } => format!(
                "only the name agrees, but it is rare (about {expected_namesakes:.1} people expected to \
                 carry it); please check"
            ),
            Reason::ConflictingEvidence => {
                "strong evidence points both ways; please check".to_string()
            }
            Reason::SeveralCandidates { count } => format!(
                "{count} registry persons fit this passenger; please choose"
            ),
            Reason::SeveralPassengersFitPerson { count } => format!(
                "{count} passengers on this flight fit the same person; please choose"
            ),
            Reason::StaffConfirmed => "a staff member confirmed this link before".to_string(),
            Reason::StaffRejected => "a staff member rejected this link before".to_string(),
            Reason::StaffLinkedAnotherPerson => {
                "a staff member linked this passenger to another person".to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_plain_english_and_serialise_with_their_kind() {
        let ff = Reason::FrequentFlyerAgrees {
            carrier: "IB".into(),
            number: "12345678".into(),
        };
        assert_eq!(ff.describe(), "frequent-flyer number IB 12345678 agrees");
        let family = Reason::FamilyMember {
            contact: ContactKind::Email,
            passenger_given: "MARIA".into(),
            person_given: "LUCAS".into(),
        };
        assert_eq!(
            family.describe(),
            "same booking e-mail but the given name differs (MARIA vs LUCAS): likely a family member"
        );
        let json = serde_json::to_value(&family).unwrap();
        assert_eq!(json["kind"], "family_member");
        assert_eq!(json["contact"], "email");
        let back: Reason = serde_json::from_value(json).unwrap();
        assert_eq!(back, family);
    }

    #[test]
    fn agreement_levels_order_from_weak_to_strong() {
        assert!(SurnameAgreement::OneOfCompound.agrees());
        assert!(!SurnameAgreement::Similar.agrees());
        assert!(GivenAgreement::FirstOfSeveral.agrees());
        assert!(!GivenAgreement::Nickname.agrees());
        assert!(!GivenAgreement::FirstOnly.agrees());
        assert!(!SurnameAgreement::LastOfCompound.agrees());
        assert!(GivenAgreement::Initial.compatible());
        assert!(!GivenAgreement::Missing.compatible());
    }
}

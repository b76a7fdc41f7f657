//! Why a passenger was linked to a person, sent to review or rejected, in words staff can read at a gate.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::normalise::PhoneAgreement;
use crate::domain::{TravellerClass, UiLanguage};
use crate::i18n::{self, FluentValue};

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
    /// The word the catalogues choose their phrase by.
    fn word(self) -> &'static str {
        match self {
            ContactKind::Email => "email",
            ContactKind::Phone => "phone",
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
    /// A reason kept only in words: one stored before reasons were kept by kind, or a demo's.
    Written {
        text: String,
    },
}

impl Reason {
    /// The reason in English, as the API and the matcher's CSV give it.
    pub fn describe(&self) -> String {
        self.describe_in(UiLanguage::En)
    }

    /// The reason in `language`, from the catalogues in `locales/` (`reason-*`).
    pub fn describe_in(&self, language: UiLanguage) -> String {
        let say = |id: &str, args: &[(&str, FluentValue<'_>)]| i18n::format(language, id, args);
        let text = |v: &str| FluentValue::from(v.to_string());
        match self {
            Reason::FrequentFlyerAgrees { carrier, number } => say(
                "reason-frequent-flyer-agrees",
                &[("carrier", text(carrier)), ("number", text(number))],
            ),
            Reason::FrequentFlyerConflict {
                carrier,
                passenger_number,
                person_number,
            } => say(
                "reason-frequent-flyer-conflict",
                &[
                    ("carrier", text(carrier)),
                    ("passenger", text(passenger_number)),
                    ("person", text(person_number)),
                ],
            ),
            Reason::EmailAgrees { email } => say("reason-email-agrees", &[("email", text(email))]),
            Reason::PhoneAgrees { phone, how } => say(
                match how {
                    PhoneAgreement::E164 => "reason-phone-agrees",
                    PhoneAgreement::LastNineDigits => "reason-phone-agrees-last-nine",
                },
                &[("phone", text(phone))],
            ),
            Reason::DateOfBirthAgrees { date } => say(
                "reason-date-of-birth-agrees",
                &[("date", text(&date.to_string()))],
            ),
            Reason::DateOfBirthConflict { passenger, person } => say(
                "reason-date-of-birth-conflict",
                &[
                    ("passenger", text(&passenger.to_string())),
                    ("person", text(&person.to_string())),
                ],
            ),
            Reason::Surname {
                agreement,
                passenger,
                person,
            } => say(
                match agreement {
                    SurnameAgreement::Exact => "reason-surname-exact",
                    SurnameAgreement::OneOfCompound => "reason-surname-one-of-compound",
                    SurnameAgreement::Truncated => "reason-surname-truncated",
                    SurnameAgreement::LastOfCompound => "reason-surname-last-of-compound",
                    SurnameAgreement::Similar => "reason-surname-similar",
                    SurnameAgreement::Differs => "reason-surname-differs",
                },
                &[("passenger", text(passenger)), ("person", text(person))],
            ),
            Reason::GivenName {
                agreement,
                passenger,
                person,
            } => say(
                match agreement {
                    GivenAgreement::Exact => "reason-given-exact",
                    GivenAgreement::FirstOfSeveral => "reason-given-first-of-several",
                    GivenAgreement::Truncated => "reason-given-truncated",
                    GivenAgreement::FirstOnly => "reason-given-first-only",
                    GivenAgreement::Nickname => "reason-given-nickname",
                    GivenAgreement::Initial => "reason-given-initial",
                    GivenAgreement::Similar => "reason-given-similar",
                    GivenAgreement::Missing => "reason-given-missing",
                    GivenAgreement::Differs => "reason-given-differs",
                },
                &[("passenger", text(passenger)), ("person", text(person))],
            ),
            Reason::FamilyMember {
                contact,
                passenger_given,
                person_given,
            } => say(
                "reason-family-member",
                &[
                    ("contact", text(contact.word())),
                    ("passenger", text(passenger_given)),
                    ("person", text(person_given)),
                ],
            ),
            Reason::TravelCompanion { contact } => say(
                "reason-travel-companion",
                &[("contact", text(contact.word()))],
            ),
            Reason::PossibleMarriedName {
                passenger_surname,
                person_surname,
            } => say(
                "reason-possible-married-name",
                &[
                    ("passenger", text(passenger_surname)),
                    ("person", text(person_surname)),
                ],
            ),
            Reason::FrequentFlyerNameMismatch => say("reason-frequent-flyer-name-mismatch", &[]),
            Reason::ChildSharesName { class } => say(
                "reason-child-shares-name",
                &[(
                    "class",
                    text(match class {
                        TravellerClass::Infant => "infant",
                        _ => "child",
                    }),
                )],
            ),
            Reason::NameTooCommonForBirthDate { expected_namesakes } => say(
                "reason-name-too-common",
                &[("count", text(&format!("{expected_namesakes:.0}")))],
            ),
            Reason::RareNameOnly { expected_namesakes } => say(
                "reason-rare-name-only",
                &[("count", text(&format!("{expected_namesakes:.1}")))],
            ),
            Reason::ConflictingEvidence => say("reason-conflicting-evidence", &[]),
            Reason::SeveralCandidates { count } => say(
                "reason-several-candidates",
                &[("count", text(&count.to_string()))],
            ),
            Reason::SeveralPassengersFitPerson { count } => say(
                "reason-several-passengers",
                &[("count", text(&count.to_string()))],
            ),
            Reason::StaffConfirmed => say("reason-staff-confirmed", &[]),
            Reason::StaffRejected => say("reason-staff-rejected", &[]),
            Reason::StaffLinkedAnotherPerson => say("reason-staff-linked-another", &[]),
            Reason::Written { text } => text.clone(),
        }
    }
}

/// Reasons in the JSON API: one English sentence each, as they always were; read back as words.
pub mod as_sentences {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Reason;

    pub fn serialize<S: Serializer>(reasons: &[Reason], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(reasons.iter().map(Reason::describe))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Reason>, D::Error> {
        let sentences = Vec::<String>::deserialize(d)?;
        Ok(sentences
            .into_iter()
            .map(|text| Reason::Written { text })
            .collect())
    }
}

/// The reasons of a stored link: each kept by its kind, or as words where it was kept so (links stored
/// before reasons were kept by kind, or written by hand).
pub fn stored_reasons(raw: &str) -> Result<Vec<Reason>, serde_json::Error> {
    let items: Vec<serde_json::Value> = serde_json::from_str(raw)?;
    items
        .into_iter()
        .map(|item| match item {
            serde_json::Value::String(text) => Ok(Reason::Written { text }),
            other => serde_json::from_value(other),
        })
        .collect()
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
    fn reasons_read_in_the_readers_language_and_old_ones_as_they_were_written() {
        let family = Reason::FamilyMember {
            contact: ContactKind::Phone,
            passenger_given: "MARIA".into(),
            person_given: "LUCAS".into(),
        };
        assert_eq!(
            family.describe_in(UiLanguage::Es),
            "mismo teléfono de la reserva pero otro nombre (MARIA frente a LUCAS): probablemente un familiar"
        );
        let child = Reason::ChildSharesName {
            class: TravellerClass::Infant,
        };
        assert!(child.describe_in(UiLanguage::Pt).contains("como bebé"));
        let common = Reason::NameTooCommonForBirthDate {
            expected_namesakes: 41.6,
        };
        assert!(common.describe().starts_with("about 42 people share"));
        assert!(
            common
                .describe_in(UiLanguage::Fr)
                .starts_with("environ 42 personnes")
        );
        let stored = serde_json::to_string(&serde_json::json!([
            "same phone number (+34600000000)",
            serde_json::to_value(&family).unwrap(),
        ]))
        .unwrap();
        assert_eq!(
            stored_reasons(&stored).unwrap(),
            vec![
                Reason::Written {
                    text: "same phone number (+34600000000)".into()
                },
                family
            ]
        );
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

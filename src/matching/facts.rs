//! What the matcher knows about the two sides. The registry and the manifest convert their records into
//! these; nothing here is validated beyond what the domain types already guarantee, because matching must
//! cope with whatever the sources hold.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::domain::{BookingName, CarrierCode, Locator, TravellerClass};

/// A registry person as social care knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    pub key: Uuid,
    /// As written on their profile or case, diacritics and all ("María José García-Peña").
    pub display_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    /// Frequent-flyer memberships: airline and number.
    pub loyalty: Vec<(CarrierCode, String)>,
    /// Which of two surnames a profile showing one would show, as the person's language or country
    /// names people.
    pub surname_order: SurnameOrder,
}

/// Which surname comes first in a compound, and so which one a profile showing one surname shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SurnameOrder {
    #[default]
    Unknown,
    /// Spanish: the father's first, the mother's last; a profile shows the first. A profile's single
    /// surname ending a manifest's compound is then a mother's, carried last by her child.
    FathersFirst,
    /// Portuguese: the mother's first, the father's last; a profile often shows only the last.
    FathersLast,
}

/// Countries whose people carry Spanish or Portuguese compound surnames (ISO 3166 alpha-2).
const SPANISH_NAMING: [&str; 21] = [
    "ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "GT", "CU", "BO", "DO", "HN", "PY", "SV", "NI",
    "CR", "PA", "UY", "PR", "GQ",
];
const PORTUGUESE_NAMING: [&str; 8] = ["PT", "BR", "AO", "MZ", "CV", "GW", "ST", "TL"];

impl SurnameOrder {
    /// From the person's language (`es`, `pt-BR`), else their country: a person's language says how they
    /// were named better than where they live.
    pub fn of(language: Option<&str>, country: Option<&str>) -> SurnameOrder {
        let primary = language
            .and_then(|l| l.split(['-', '_']).next())
            .map(str::to_ascii_lowercase);
        match primary.as_deref() {
            Some("es") => return SurnameOrder::FathersFirst,
            Some("pt") => return SurnameOrder::FathersLast,
            _ => {}
        }
        let country = country.map(|c| c.trim().to_ascii_uppercase());
        match country.as_deref() {
            Some(c) if SPANISH_NAMING.contains(&c) => SurnameOrder::FathersFirst,
            Some(c) if PORTUGUESE_NAMING.contains(&c) => SurnameOrder::FathersLast,
            _ => SurnameOrder::Unknown,
        }
    }
}

/// A manifest passenger on one flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassengerFacts {
    pub key: Uuid,
    /// The flight the passenger is on: one registry person links to at most one passenger per flight.
    pub flight_key: Uuid,
    /// The booking name, possibly truncated and stripped of spaces and hyphens.
    pub name: BookingName,
    /// Surname from passport data (DOCS): untruncated when present.
    pub docs_surname: Option<String>,
    pub docs_given: Option<String>,
    pub locator: Option<Locator>,
    pub traveller_class: TravellerClass,
    pub frequent_flyer: Option<(CarrierCode, String)>,
    /// The booking's contact e-mail, which often belongs to whoever booked, not to this passenger.
    pub email: Option<String>,
    pub phone: Option<String>,
    /// From passport data (DOCS).
    pub date_of_birth: Option<NaiveDate>,
}

/// A frequent-flyer number as an airline prints it, reduced to its letters and digits, without the airline's
/// own code repeated in front and without leading zeros (systems differ in both).
pub fn normalise_frequent_flyer(carrier: &CarrierCode, raw: &str) -> Option<String> {
    let cleaned: String = raw
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let without_carrier = cleaned
        .strip_prefix(carrier.as_str())
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(&cleaned);
    let number = without_carrier.trim_start_matches('0');
    (!number.is_empty()).then(|| number.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequent_flyer_numbers_lose_prefix_spaces_and_leading_zeros() {
        let ib = CarrierCode::parse("IB").unwrap();
        assert_eq!(
            normalise_frequent_flyer(&ib, "IB 0012-3456"),
            Some("123456".to_string())
        );
        assert_eq!(
            normalise_frequent_flyer(&ib, "123456"),
            Some("123456".to_string())
        );
        assert_eq!(
            normalise_frequent_flyer(&ib, "ibx99"),
            Some("IBX99".to_string())
        );
        assert_eq!(normalise_frequent_flyer(&ib, " - "), None);
        assert_eq!(normalise_frequent_flyer(&ib, "000"), None);
    }
}

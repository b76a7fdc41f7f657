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

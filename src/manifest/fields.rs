//! Field validators shared by the row formats and the Type B parser. Each returns the value or the reason
//! in words, which the caller locates (line, column or element).

use chrono::NaiveDate;

use super::error::Collector;
use super::{Document, ManifestPassenger};
use crate::domain::{CarrierCode, Phone, Region, read_phone};

/// `YYYY-MM-DD`, telling a malformed date from an impossible one.
pub fn iso_date(raw: &str) -> Result<NaiveDate, String> {
    let b = raw.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(format!("expected a date as YYYY-MM-DD, found {raw:?}"));
    }
    let number = |s: &str| s.parse::<u32>().unwrap_or(0);
    let year = number(&raw[..4]) as i32;
    NaiveDate::from_ymd_opt(year, number(&raw[5..7]), number(&raw[8..]))
        .ok_or_else(|| format!("{raw} is not a day of the calendar"))
}

/// An e-mail address, trimmed and lower-cased (the shape checked as for the registry's).
pub fn email(raw: &str) -> Result<String, String> {
    crate::domain::read_email(raw)
}

/// A phone number's digits, with the `+` that says its country code is written (`+34 600-111 222` →
/// `+34600111222`); [`read_phones`] brings it to E.164 once the passenger's nationality is known.
pub fn phone(raw: &str) -> Result<String, String> {
    let mut digits = String::with_capacity(raw.len());
    for c in raw.trim().chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' | '.' => {}
            '+' if digits.is_empty() => digits.push('+'),
            _ => return Err(format!("{c:?} does not belong in a phone number")),
        }
    }
    let count = digits.trim_start_matches('+').len();
    if (6..=15).contains(&count) {
        Ok(digits)
    } else {
        Err(format!("expected 6 to 15 digits, found {count}"))
    }
}

/// Brings every passenger's phone to E.164. CTCM and the `phone` column carry the country code, with or
/// without `+`, so a number is read that way first; one that no country reads so (`0791 …`,
/// `600 111 222`) is read by the numbering plan of the passenger's nationality, else of `default_region`.
/// Reading by the nationality first would misread a Spanish `34600111222` on a German passport as a
/// German number. A number no plan reads is kept as digits (matching still compares their last nine),
/// with a warning on the passenger's line.
pub(super) fn read_phones(
    errors: &mut Collector<'_>,
    document: &mut Document,
    default_region: Option<Region>,
) {
    match document {
        Document::Pnl(pnl) => {
            read_passenger_phones(
                errors,
                "CTCM",
                [&mut pnl.manifest.passengers],
                default_region,
            );
        }
        Document::Adl(adl) => read_passenger_phones(
            errors,
            "CTCM",
            [&mut adl.adds, &mut adl.dels, &mut adl.chgs],
            default_region,
        ),
        // Rows read their phones as they are parsed, on the threads that parse them.
        Document::Rows(_) | Document::Parts(_) => {}
    }
}

/// [`read_phones`] over some lists of passengers (a whole list, or the rows one thread parsed).
pub(super) fn read_passenger_phones<'a>(
    errors: &mut Collector<'_>,
    field: &'static str,
    lists: impl IntoIterator<Item = &'a mut Vec<ManifestPassenger>>,
    default_region: Option<Region>,
) {
    // A booking's travellers share its phone: the last reading serves the next passenger.
    let mut last: Option<(String, Option<Region>, Phone)> = None;
    for passenger in lists.into_iter().flatten() {
        let Some(written) = passenger.phone.take() else {
            continue;
        };
        let region = passenger
            .nationality
            .as_deref()
            .and_then(|n| Region::parse(n).ok())
            .or(default_region);
        let phone = match &last {
            Some((w, r, phone)) if *w == written && *r == region => phone.clone(),
            _ => international(&written, region),
        };
        passenger.phone = Some(match &phone {
            Phone::E164(number) => number.clone(),
            Phone::Raw { digits, why } => {
                errors.warn(
                    passenger.line,
                    Some(field),
                    format!("{written} is kept as its digits: {why}"),
                );
                digits.clone()
            }
        });
        last = Some((written, region, phone));
    }
}

fn international(written: &str, region: Option<Region>) -> Phone {
    // `00` is the international prefix of most of the world; no national number starts with it.
    let written = &match written.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => written.to_string(),
    };
    if written.starts_with('+') {
        return read_phone(written, region).unwrap_or_else(|why| raw(written, why));
    }
    if let Ok(e164 @ Phone::E164(_)) = read_phone(&format!("+{written}"), None) {
        return e164;
    }
    match (read_phone(written, region), region) {
        (Ok(e164 @ Phone::E164(_)), _) => e164,
        (_, Some(region)) => raw(
            written,
            format!("it is a number of neither {region} nor any country with its country code"),
        ),
        (Ok(phone), None) => phone,
        (Err(why), None) => raw(written, why),
    }
}

fn raw(written: &str, why: String) -> Phone {
    Phone::Raw {
        digits: written.trim_start_matches('+').to_string(),
        why,
    }
}

/// A frequent-flyer number: letters and digits, upper-cased.
pub fn frequent_flyer_number(raw: &str) -> Result<String, String> {
    if (1..=25).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(raw.to_ascii_uppercase())
    } else {
        Err(format!(
            "{raw:?} is not a frequent-flyer number (1 to 25 letters or digits)"
        ))
    }
}

pub fn carrier(raw: &str) -> Result<CarrierCode, String> {
    CarrierCode::parse(raw).map_err(|e| e.to_string())
}

/// A two- or three-letter country code, upper-cased.
pub fn country(raw: &str) -> Result<String, String> {
    if (2..=3).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(raw.to_ascii_uppercase())
    } else {
        Err(format!(
            "{raw:?} is not a country code (two or three letters)"
        ))
    }
}

/// A booking tie (`A`, `AB`): one to three letters.
pub fn party_tie(raw: &str) -> Result<String, String> {
    if (1..=3).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(raw.to_ascii_uppercase())
    } else {
        Err(format!(
            "{raw:?} is not a booking tie (one to three letters)"
        ))
    }
}

/// A special-service code such as WCHR: four letters.
pub fn ssr_code(raw: &str) -> Result<String, String> {
    if raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(raw.to_ascii_uppercase())
    } else {
        Err(format!("{raw:?} is not a service code (four letters)"))
    }
}

/// A booking class (RBD): one letter.
pub fn booking_class(raw: &str) -> Result<char, String> {
    match raw.as_bytes() {
        [c] if c.is_ascii_alphabetic() => Ok(c.to_ascii_uppercase() as char),
        _ => Err(format!("{raw:?} is not a booking class (one letter)")),
    }
}

/// Pushes a code once, keeping the order of first appearance.
pub fn push_unique(list: &mut Vec<String>, code: String) {
    if !list.contains(&code) {
        list.push(code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_tell_malformed_from_impossible() {
        assert_eq!(
            iso_date("2026-02-28").unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()
        );
        assert!(
            iso_date("2026-02-30")
                .unwrap_err()
                .contains("not a day of the calendar")
        );
        assert!(iso_date("30/02/2026").unwrap_err().contains("YYYY-MM-DD"));
        assert!(iso_date("2026-2-3").is_err());
    }

    #[test]
    fn contacts_are_normalised() {
        assert_eq!(
            email("Maria.Garcia@Example.ES").unwrap(),
            "maria.garcia@example.es"
        );
        assert!(email("maria@garcia@example.es").is_err());
        assert!(email("maria garcia@example.es").is_err());
        assert_eq!(phone("+34 600-111 222").unwrap(), "+34600111222");
        assert_eq!(phone("0034 600 111 222").unwrap(), "0034600111222");
        assert!(phone("34+600").is_err());
        assert!(phone("34 600 CALL ME").is_err());
        assert!(phone("123").is_err());
    }
}

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a code did not validate; `what` names the kind of code so the caller can report the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?} is not valid: {why}")]
pub struct CodeError {
    pub what: &'static str,
    pub value: String,
    pub why: &'static str,
}

fn code_error(what: &'static str, value: &str, why: &'static str) -> CodeError {
    CodeError {
        what,
        value: value.chars().take(40).collect(),
        why,
    }
}

/// The API description of a code exchanged as a string: its serde form, not its fields.
macro_rules! string_schema {
    ($name:ident, $example:literal) => {
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .examples([$example])
                    .into()
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}

macro_rules! string_code {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = CodeError;
            fn try_from(value: String) -> Result<Self, CodeError> {
                Self::parse(&value)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

/// An IATA airport (or city) code: three letters, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iata(String);
string_code!(Iata);
string_schema!(Iata, "MAD");

impl Iata {
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err(code_error("airport code", raw, "expected three letters"))
        }
    }
}

/// An airline designator: two characters (IATA, letters or digits, not two digits) or three letters (ICAO).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CarrierCode(String);
string_code!(CarrierCode);
string_schema!(CarrierCode, "IB");

impl CarrierCode {
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let code = raw.trim().to_ascii_uppercase();
        let alnum = code.bytes().all(|b| b.is_ascii_alphanumeric());
        let valid = match code.len() {
            2 => alnum && !code.bytes().all(|b| b.is_ascii_digit()),
            3 => code.bytes().all(|b| b.is_ascii_uppercase()),
            _ => false,
        };
        if valid {
            Ok(Self(code))
        } else {
            Err(code_error(
                "carrier code",
                raw,
                "expected a two-character IATA or three-letter ICAO designator",
            ))
        }
    }
}

/// A flight number: carrier, one to four digits without leading zeros, and an optional suffix letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FlightNumber {
    carrier: CarrierCode,
    number: u16,
    suffix: Option<char>,
}

impl FlightNumber {
    pub fn new(carrier: CarrierCode, number: u16, suffix: Option<char>) -> Result<Self, CodeError> {
        if number == 0 || number > 9999 {
            return Err(code_error(
                "flight number",
                &number.to_string(),
                "expected 1 to 9999",
            ));
        }
        if suffix.is_some_and(|c| !c.is_ascii_uppercase()) {
            return Err(code_error(
                "flight number",
                &format!("{number}{}", suffix.unwrap_or(' ')),
                "the suffix must be one letter",
            ));
        }
        Ok(Self {
            carrier,
            number,
            suffix,
        })
    }

    /// Accepts `IB3166`, `IB 3166`, `IB0316`, `IB316A`, `U21234`; the carrier must be separable, which for a
    /// two-character designator ending in a digit (`U2`) is resolved by taking the first two characters.
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if compact.len() < 3 || !compact.is_ascii() {
            return Err(code_error(
                "flight number",
                raw,
                "expected a carrier followed by digits",
            ));
        }
        let split = if compact.len() >= 4
            && compact[..3].bytes().all(|b| b.is_ascii_uppercase())
            && compact.as_bytes()[3].is_ascii_digit()
        {
            3
        } else {
            2
        };
        let carrier = CarrierCode::parse(&compact[..split])
            .map_err(|_| code_error("flight number", raw, "its carrier is not valid"))?;
        Self::from_parts(carrier, &compact[split..])
            .map_err(|e| code_error("flight number", raw, e.why))
    }

    /// Builds from a carrier and the number part as written on a message (`0834`, `834 `, `316A`).
    pub fn from_parts(carrier: CarrierCode, number_part: &str) -> Result<Self, CodeError> {
        let part = number_part.trim();
        let (digits, suffix) = match part.char_indices().last() {
            Some((i, c)) if c.is_ascii_alphabetic() => (&part[..i], Some(c.to_ascii_uppercase())),
            _ => (part, None),
        };
        if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(code_error(
                "flight number",
                number_part,
                "expected one to four digits and an optional letter",
            ));
        }
        let number: u16 = digits
            .parse()
            .map_err(|_| code_error("flight number", number_part, "not a number"))?;
        Self::new(carrier, number, suffix)
    }

    pub fn carrier(&self) -> &CarrierCode {
        &self.carrier
    }

    pub fn number(&self) -> u16 {
        self.number
    }

    pub fn suffix(&self) -> Option<char> {
        self.suffix
    }

    /// The number part without the carrier, as stored: `3166`, `316A`.
    pub fn number_part(&self) -> String {
        match self.suffix {
            Some(s) => format!("{}{}", self.number, s),
            None => self.number.to_string(),
        }
    }
}

impl fmt::Display for FlightNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.carrier, self.number_part())
    }
}

impl TryFrom<String> for FlightNumber {
    type Error = CodeError;
    fn try_from(value: String) -> Result<Self, CodeError> {
        Self::parse(&value)
    }
}

string_schema!(FlightNumber, "IB6401");

impl From<FlightNumber> for String {
    fn from(value: FlightNumber) -> String {
        value.to_string()
    }
}

/// What identifies one operated flight: its number, its local departure date and where it leaves from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct FlightKey {
    pub flight: FlightNumber,
    pub local_date: NaiveDate,
    pub origin: Iata,
}

impl fmt::Display for FlightKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} {}",
            self.flight,
            self.local_date.format("%d%b").to_string().to_uppercase(),
            self.origin
        )
    }
}

/// A booking (record) locator: five to eight letters and digits, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Locator(String);
string_code!(Locator);
string_schema!(Locator, "X7K2QM");

impl Locator {
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let code = raw.trim().to_ascii_uppercase();
        if (5..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(code))
        } else {
            Err(code_error(
                "booking locator",
                raw,
                "expected five to eight letters or digits",
            ))
        }
    }
}

/// A seat: row number and column letter (`12C`). Ordering is by row, then column, which is how staff walk.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Seat {
    row: u16,
    column: char,
}

impl Seat {
    /// Accepts `12C`, `012C`, `001A`; rejects blanks and `INF`.
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let s = raw.trim().to_ascii_uppercase();
        let Some(column) = s.chars().last().filter(|c| c.is_ascii_uppercase()) else {
            return Err(code_error(
                "seat",
                raw,
                "expected a row number and a letter",
            ));
        };
        let digits = &s[..s.len() - 1];
        if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(code_error(
                "seat",
                raw,
                "expected a row number and a letter",
            ));
        }
        let row: u16 = digits
            .parse()
            .map_err(|_| code_error("seat", raw, "not a row number"))?;
        if row == 0 {
            return Err(code_error("seat", raw, "row 0 does not exist"));
        }
        Ok(Self { row, column })
    }

    pub fn row(&self) -> u16 {
        self.row
    }

    pub fn column(&self) -> char {
        self.column
    }
}

impl Ord for Seat {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.row, self.column).cmp(&(other.row, other.column))
    }
}

impl PartialOrd for Seat {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Seat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.row, self.column)
    }
}

impl TryFrom<String> for Seat {
    type Error = CodeError;
    fn try_from(value: String) -> Result<Self, CodeError> {
        Self::parse(&value)
    }
}

string_schema!(Seat, "12C");

impl From<Seat> for String {
    fn from(value: Seat) -> String {
        value.to_string()
    }
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// Parses an IATA message date (`22NOV`, `12MAR81`, `15JAN2030`). A date without a year takes the year that
/// puts it nearest to `reference` (a message about a flight is never more than half a year away from when it
/// was sent); a two-digit year is read in the century that puts it at or before `reference` plus 20 years.
pub fn parse_ddmon_date(raw: &str, reference: NaiveDate) -> Result<NaiveDate, CodeError> {
    let s = raw.trim().to_ascii_uppercase();
    let bad = |why| code_error("date", raw, why);
    if s.len() < 5 || !s.is_ascii() {
        return Err(bad("expected DDMON, DDMONYY or DDMONYYYY"));
    }
    let day: u32 = s[..2].parse().map_err(|_| bad("the day is not a number"))?;
    let month = MONTHS
        .iter()
        .position(|m| *m == &s[2..5])
        .ok_or_else(|| bad("unknown month"))? as u32
        + 1;
    let year_part = &s[5..];
    let year = match year_part.len() {
        0 => {
            let candidates = [reference.year() - 1, reference.year(), reference.year() + 1];
            return candidates
                .iter()
                .filter_map(|y| NaiveDate::from_ymd_opt(*y, month, day))
                .min_by_key(|d| (*d - reference).num_days().abs())
                .ok_or_else(|| bad("no such day in that month"));
        }
        2 => {
            let yy: i32 = year_part
                .parse()
                .map_err(|_| bad("the year is not a number"))?;
            let pivot = reference.year() + 20;
            let century = pivot - pivot.rem_euclid(100);
            if century + yy > pivot {
                century - 100 + yy
            } else {
                century + yy
            }
        }
        4 => year_part
            .parse()
            .map_err(|_| bad("the year is not a number"))?,
        _ => return Err(bad("expected DDMON, DDMONYY or DDMONYYYY")),
    };
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| bad("no such day in that month"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flight_numbers_parse_in_their_usual_spellings() {
        let f = FlightNumber::parse("IB 3166").unwrap();
        assert_eq!(f.to_string(), "IB3166");
        assert_eq!(
            FlightNumber::parse("ib0316a").unwrap().to_string(),
            "IB316A"
        );
        assert_eq!(
            FlightNumber::parse("U21234").unwrap().carrier().as_str(),
            "U2"
        );
        assert_eq!(
            FlightNumber::parse("KLM1234").unwrap().carrier().as_str(),
            "KLM"
        );
        assert!(FlightNumber::parse("IB").is_err());
        assert!(FlightNumber::parse("IB12345").is_err());
        assert!(FlightNumber::parse("IB0000").is_err());
        assert!(FlightNumber::parse("12345").is_err());
    }

    #[test]
    fn seats_order_by_row_then_column() {
        let mut seats: Vec<Seat> = ["12C", "2A", "012B", "2C"]
            .iter()
            .map(|s| Seat::parse(s).unwrap())
            .collect();
        seats.sort();
        let shown: Vec<String> = seats.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["2A", "2C", "12B", "12C"]);
        assert!(Seat::parse("INF ").is_err());
        assert!(Seat::parse("").is_err());
    }

    #[test]
    fn message_dates_resolve_their_year_from_the_reference() {
        let dec = NaiveDate::from_ymd_opt(2026, 12, 30).unwrap();
        assert_eq!(
            parse_ddmon_date("02JAN", dec).unwrap(),
            NaiveDate::from_ymd_opt(2027, 1, 2).unwrap()
        );
        assert_eq!(
            parse_ddmon_date("12MAR81", dec).unwrap(),
            NaiveDate::from_ymd_opt(1981, 3, 12).unwrap()
        );
        assert_eq!(
            parse_ddmon_date("15JAN30", dec).unwrap(),
            NaiveDate::from_ymd_opt(2030, 1, 15).unwrap()
        );
        assert!(parse_ddmon_date("31FEB", dec).is_err());
        assert!(parse_ddmon_date("XXFOO", dec).is_err());
    }

    #[test]
    fn codes_validate() {
        assert_eq!(Iata::parse("mad").unwrap().as_str(), "MAD");
        assert!(Iata::parse("MA1").is_err());
        assert!(CarrierCode::parse("12").is_err());
        assert_eq!(Locator::parse("x7k2qm").unwrap().as_str(), "X7K2QM");
        assert!(Locator::parse("X7").is_err());
    }
}

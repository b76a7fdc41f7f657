use std::fmt;

use serde::Serialize;

use super::Field;

/// A deviation from Resolution 792 that decoding tolerated. Positions are 0-based character offsets into the
/// scanned string; legs are numbered from 1. `Display` gives the sentence support staff read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// The `E` after the name is blank, another letter (`seen`), or absent altogether (`seen` is `None`:
    /// the fields after the name start one position early).
    ElectronicTicketIndicator { seen: Option<char> },
    /// The unique conditional part reaches the date of issue but the date is blank.
    DateOfIssueMissing { position: usize },
    /// The conditional data declares a unique part of size 0.
    ConditionalPartEmpty { version: u8, position: usize },
    /// A field the declared size cuts short: written without its padding.
    FieldCutShort {
        leg: Option<u8>,
        field: Field,
        position: usize,
        seen: String,
        width: usize,
    },
    /// A numeric field written without its leading zeros (or padded with spaces instead); read as the
    /// number it shows.
    NotZeroPadded {
        leg: Option<u8>,
        field: Field,
        position: usize,
        seen: String,
        expected: String,
    },
    /// The last leg's variable part (normally the airline's own text at its end) holds fewer characters
    /// than its size declares.
    AirlineUseEndsEarly {
        leg: u8,
        position: usize,
        declared: usize,
        found: usize,
    },
    /// An ASCII group separator (GS, 0x1D) between the parts of the pass, skipped.
    GroupSeparator { position: usize, after_leg: u8 },
    /// The security data is shorter than its declared length.
    SecurityDataTruncated {
        position: usize,
        declared: usize,
        found: usize,
    },
    /// A field whose text does not fit its type; kept as written in the pass's or leg's `unreadable`.
    UnreadableField {
        leg: Option<u8>,
        field: Field,
        position: usize,
        seen: String,
        why: String,
    },
    /// A version number above the ones this decoder knows; read with the latest known layout.
    UnknownVersion { version: u8 },
    /// The name is written in fewer than its 20 characters, without padding; the legs start after it.
    NameNotPadded { width: usize },
    /// The pass ends before this field: it and every field after it are blank.
    PassEndsEarly {
        leg: Option<u8>,
        field: Field,
        position: usize,
    },
    /// The pass declares more legs than it holds: it ends after leg `found`.
    LegsMissing { declared: u8, found: u8 },
    /// A size field (`seen`, as written) that disagrees with what its part holds or cannot be read: the
    /// part was taken as `found` characters, measured from its content.
    SizeDisagrees {
        leg: Option<u8>,
        field: Field,
        position: usize,
        seen: String,
        found: usize,
    },
    /// The first leg's variable part does not start as conditional data (`>` and a version): it was kept
    /// whole as the airline's own text.
    ConditionalDataUnreadable {
        field: Field,
        position: usize,
        why: String,
    },
    /// Letters written in lower case where the standard has capitals; read as capitals.
    LowerCase {
        leg: Option<u8>,
        field: Field,
        position: usize,
        seen: String,
    },
    /// An ASCII group separator (GS, 0x1D) inside a field that does not identify the flight: a fixed field
    /// was left blank; free text (the airline's, future use, security data) reads it as a space.
    GroupSeparatorInField {
        leg: Option<u8>,
        field: Field,
        position: usize,
    },
}

fn leg_prefix(leg: Option<u8>) -> String {
    leg.map(|n| format!("Leg {n}: the "))
        .unwrap_or_else(|| "The ".to_string())
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::ElectronicTicketIndicator { seen: None } => write!(
                f,
                "The electronic ticket indicator 'E' is missing after the passenger name; the pass was read \
                 with every later field one position earlier."
            ),
            Warning::ElectronicTicketIndicator { seen: Some(' ') } => write!(
                f,
                "The electronic ticket indicator at position 22 is blank instead of 'E'."
            ),
            Warning::ElectronicTicketIndicator { seen: Some(c) } => write!(
                f,
                "The electronic ticket indicator at position 22 is {c:?} instead of 'E'."
            ),
            Warning::DateOfIssueMissing { position } => write!(
                f,
                "The date of issue at position {position} is blank, so flight dates take their year from \
                 the scan date alone."
            ),
            Warning::ConditionalPartEmpty { version, position } => write!(
                f,
                "The version {version} conditional data declares a unique part of size 0 at position \
                 {position}: no passenger description, check-in source, date of issue, issuer or baggage tags."
            ),
            Warning::FieldCutShort {
                leg,
                field,
                position,
                seen,
                width,
            } => write!(
                f,
                "{}{field} at position {position} is {seen:?}, {} of its {width} characters: the field was \
                 not padded and was read as written.",
                leg_prefix(*leg),
                seen.len()
            ),
            Warning::NotZeroPadded {
                leg,
                field,
                position,
                seen,
                expected,
            } => write!(
                f,
                "{}{field} at position {position} is {seen:?} instead of the zero-padded {expected:?}; \
                 read as {expected:?}.",
                leg_prefix(*leg)
            ),
            Warning::AirlineUseEndsEarly {
                leg,
                position,
                declared,
                found,
            } => write!(
                f,
                "Leg {leg}: the variable part at position {position} declares {declared} characters but only \
                 {found} are there; the airline's own text ends early."
            ),
            Warning::GroupSeparator {
                position,
                after_leg,
            } => write!(
                f,
                "An ASCII group separator (GS, 0x1D) at position {position}, after leg {after_leg}, was skipped."
            ),
            Warning::SecurityDataTruncated {
                position,
                declared,
                found,
            } => write!(
                f,
                "The security data at position {position} declares {declared} characters but only {found} \
                 are there: it was truncated."
            ),
            Warning::UnreadableField {
                leg,
                field,
                position,
                seen,
                why,
            } => write!(
                f,
                "{}{field} at position {position} is {seen:?}, which {why}; kept as written.",
                leg_prefix(*leg)
            ),
            Warning::UnknownVersion { version } => write!(
                f,
                "Version {version} is newer than the versions this decoder knows (1 to 8); its fields were \
                 read with the version 8 layout."
            ),
            Warning::NameNotPadded { width } => write!(
                f,
                "The passenger name takes {width} characters instead of 20 (it was not padded); the legs \
                 were read from where it ends."
            ),
            Warning::PassEndsEarly {
                leg,
                field,
                position,
            } => write!(
                f,
                "{}pass ends at position {position}, before the {field}: that field and those after it \
                 are blank.",
                leg_prefix(*leg)
            ),
            Warning::LegsMissing { declared, found } => write!(
                f,
                "The pass declares {declared} legs but ends after leg {found}: only {found} could be read."
            ),
            Warning::SizeDisagrees {
                leg,
                field,
                position,
                seen,
                found,
            } => write!(
                f,
                "{}{field} at position {position} says {seen:?}, {}, but the part holds {found} \
                 characters; read as {found}.",
                leg_prefix(*leg),
                match usize::from_str_radix(seen, 16) {
                    Ok(declared) if seen.len() == 2 => format!("{declared} characters"),
                    _ => "which is not a two-digit hexadecimal size".to_string(),
                }
            ),
            Warning::ConditionalDataUnreadable {
                field,
                position,
                why,
            } => write!(
                f,
                "Leg 1: the {field} at position {position} cannot be read ({why}); the leg's variable part \
                 was kept whole as the airline's own text."
            ),
            Warning::LowerCase {
                leg,
                field,
                position,
                seen,
            } => write!(
                f,
                "{}{field} at position {position} is {seen:?}, in lower case; read in capitals.",
                leg_prefix(*leg)
            ),
            Warning::GroupSeparatorInField {
                leg,
                field,
                position,
            } => write!(
                f,
                "{}{field} holds an ASCII group separator (GS, 0x1D) at position {position}; {}.",
                leg_prefix(*leg),
                match field {
                    Field::AirlineUse
                    | Field::UniqueFutureUse
                    | Field::RepeatedFutureUse
                    | Field::SecurityData => "it was read as a space",
                    _ => "the field was left blank",
                }
            ),
        }
    }
}

//! The registry's way in: CSV and JSON exports of social-care tools read into [`PersonRecord`]s, whole file
//! or nothing, every problem reported with file, line, field and reason (the manifest's [`ParseError`]s).
//! Errors refuse the file: a person that cannot be known (no external id or name, an id twice) or a consent
//! that cannot be read. Warnings keep the person: a value that cannot be understood is left out, and so is
//! an account or case that cannot be read.
//! Contacts are normalised on the way in — e-mails trimmed and case-folded, phones to E.164 by the
//! numbering plan of the person's country (else the import's default region), loyalty numbers as
//! `IB 12345678` — so the store and the matcher compare like with like; display names stay as written. A
//! phone no numbering plan reads is kept as its digits, which matching compares by their last nine, with a
//! warning.
//!
//! The registry states facts (followers, activity, cases, consent); it has no notion of who counts as a
//! "socially active complainant": the rules decide that. Pure: no I/O. Depends on `domain`, `manifest`
//! (its error types) and `matching` (its normalisers).
//!
//! JSON: an array of person objects, or one person object per line (NDJSON). A person object has
//! `external_id`, `display_name`, optional `language`, `country`, `date_of_birth` (YYYY-MM-DD), lists
//! `emails`, `phones`, `loyalty`, and nested `accounts`, `cases` and `consents` (fields as in the CSV
//! columns below, without the `case_`/`consent_` prefixes).
//!
//! CSV: one row per item, columns in any order, a UTF-8 BOM allowed. See [`CSV_COLUMNS`].

mod csv_format;
mod fields;
mod json_format;
#[cfg(test)]
mod tests;

use crate::domain::records::PersonRecord;
use crate::domain::{ImportWarnings, Region};
pub use crate::manifest::{MAX_ERRORS, ParseError, ParseErrors};

/// The CSV header, in the order the writer of an export is advised to use. Every row names its `record`
/// kind (`person`, `account`, `case` or `consent`) and the person's `external_id`; the other columns
/// belong to one kind and stay empty on rows of the other kinds. Lists (`emails`, `phones`, `loyalty`)
/// are separated by `;`. Times are RFC 3339 (`2026-11-20T08:30:00Z`); booleans `true`/`false`.
pub const CSV_COLUMNS: &[&str] = &[
    "record",
    "external_id",
    // person
    "display_name",
    "language",
    "country",
    "date_of_birth",
    "emails",
    "phones",
    "loyalty",
    // account
    "network",
    "handle",
    "network_user_id",
    "followers",
    "activity_30d",
    "follows_airline",
    "accepts_dms",
    "opted_in",
    "last_inbound_at",
    // case
    "case_ref",
    "opened_at",
    "resolved_at",
    "case_channel",
    "category",
    "severity",
    "summary",
    "status",
    "source_url",
    // consent
    "consent_channel",
    "opted_out",
    "consent_updated_at",
];

/// The formats a registry export comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryFormat {
    Csv,
    Json,
}

impl RegistryFormat {
    /// Guesses the format from the first non-blank byte: `[` or `{` is JSON, anything else CSV.
    pub fn sniff(bytes: &[u8]) -> RegistryFormat {
        let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[' | b'{') => RegistryFormat::Json,
            _ => RegistryFormat::Csv,
        }
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads a whole registry export: every person with the warnings about values left out, or every error
/// found. `file` names the file in errors and warnings.
/// A phone number without its country code takes the person's country's, else `default_region`'s.
pub fn parse(
    file: &str,
    bytes: &[u8],
    default_region: Option<Region>,
) -> Result<(Vec<PersonRecord>, ImportWarnings), ParseErrors> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut errors = fields::Errors::new(file);
    let Ok(text) = std::str::from_utf8(bytes) else {
        let line = std::str::from_utf8(bytes)
            .err()
            .map(|e| {
                bytes
                    .get(..e.valid_up_to())
                    .unwrap_or_default()
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1
            })
            .unwrap_or(1);
        errors.push(line, None, "the file is not UTF-8 text; export it as UTF-8");
        return Err(errors.finish_err());
    };
    let persons = match RegistryFormat::sniff(bytes) {
        RegistryFormat::Json => json_format::parse(text, &mut errors, default_region),
        RegistryFormat::Csv => csv_format::parse(text, &mut errors, default_region),
    };
    if errors.is_empty() && persons.is_empty() {
        errors.push(1, None, "the file holds no person");
    }
    errors.finish(Some(persons))
}

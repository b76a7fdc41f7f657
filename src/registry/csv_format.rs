//! CSV exports: one row per person, account, case or consent, tied together by `external_id`.

use std::collections::HashMap;

use super::CSV_COLUMNS;
use super::fields::{Errors, RawAccount, RawCase, RawConsent, RawPerson, validate};
use crate::domain::Region;
use crate::domain::records::PersonRecord;

pub(crate) fn parse(
    text: &str,
    errors: &mut Errors<'_>,
    default_region: Option<Region>,
) -> Vec<PersonRecord> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .delimiter(crate::domain::lines::csv_delimiter(text))
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            errors.push(1, None, format!("the header cannot be read: {e}"));
            return Vec::new();
        }
    };
    let mut unknown = false;
    for name in &header {
        // A column aboard does not read names no person: its values are read past, with a warning.
        if !CSV_COLUMNS.contains(&name.as_str()) {
            errors.warn(
                1,
                Some(name),
                format!(
                    "is not a registry column, and its values are left out; the columns are {}",
                    CSV_COLUMNS.join(", ")
                ),
            );
        }
    }
    for needed in ["record", "external_id"] {
        if !header.iter().any(|h| h == needed) {
            errors.push(1, Some(needed), "column is missing; every row needs it");
            unknown = true;
        }
    }
    if unknown {
        return Vec::new();
    }
    let mut lines = crate::domain::lines::LineIndex::new(text);
    let mut persons: Vec<RawPerson> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut items: Vec<(usize, String, Item)> = Vec::new();
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map_or(1, |p| lines.line_at(p.byte()));
                errors.push(line, None, format!("the row cannot be read: {e}"));
                continue;
            }
        };
        let line = row.position().map_or(1, |p| lines.line_at(p.byte()));
        let cells = Cells {
            header: &header,
            row: &row,
        };
        let external_id = cells.text("external_id").unwrap_or_default();
        let kind = cells
            .text("record")
            .unwrap_or_default()
            .to_ascii_lowercase();
        // A number or flag of an account or case that cannot be read is left out; a consent's is an error.
        let mut unread = |field: &str, reason: String| {
            errors.warn(
                line,
                Some(field),
                format!("{reason}; the value is left out"),
            )
        };
        let item = match kind.as_str() {
            "person" => {
                let person = RawPerson {
                    line,
                    external_id: Some(external_id.clone()),
                    display_name: cells.text("display_name"),
                    language: cells.text("language"),
                    country: cells.text("country"),
                    date_of_birth: cells.text("date_of_birth"),
                    emails: cells.list("emails"),
                    phones: cells.list("phones"),
                    loyalty: cells.list("loyalty"),
                    ..RawPerson::default()
                };
                if !external_id.is_empty() && !position.contains_key(&external_id) {
                    position.insert(external_id.clone(), persons.len());
                }
                persons.push(person);
                continue;
            }
            "account" => Item::Account(RawAccount {
                line,
                network: cells.text("network"),
                handle: cells.text("handle"),
                network_user_id: cells.text("network_user_id"),
                followers: cells.number("followers", &mut unread),
                activity_30d: cells.number("activity_30d", &mut unread),
                follows_airline: cells.flag("follows_airline", &mut unread),
                accepts_dms: cells.flag("accepts_dms", &mut unread),
                opted_in: cells.flag("opted_in", &mut unread),
                last_inbound_at: cells.text("last_inbound_at"),
            }),
            "case" => Item::Case(RawCase {
                line,
                external_ref: cells.text("case_ref"),
                opened_at: cells.text("opened_at"),
                resolved_at: cells.text("resolved_at"),
                channel: cells.text("case_channel"),
                category: cells.text("category"),
                severity: cells.number("severity", &mut unread),
                summary: cells.text("summary"),
                status: cells.text("status"),
                source_url: cells.text("source_url"),
            }),
            "consent" => Item::Consent(RawConsent {
                line,
                channel: cells.text("consent_channel"),
                opted_out: cells.flag("opted_out", &mut |field, reason| {
                    errors.push(line, Some(field), reason)
                }),
                updated_at: cells.text("consent_updated_at"),
            }),
            other => {
                errors.push(
                    line,
                    Some("record"),
                    format!("{other:?} is not a record kind; use person, account, case or consent"),
                );
                continue;
            }
        };
        items.push((line, external_id, item));
    }
    for (line, external_id, item) in items {
        let Some(person) = position.get(&external_id).and_then(|i| persons.get_mut(*i)) else {
            errors.push(
                line,
                Some("external_id"),
                format!("no person row for {external_id:?} in this file; add one"),
            );
            continue;
        };
        match item {
            Item::Account(a) => person.accounts.push(a),
            Item::Case(c) => person.cases.push(c),
            Item::Consent(c) => person.consents.push(c),
        }
    }
    validate(persons, errors, default_region)
}

enum Item {
    Account(RawAccount),
    Case(RawCase),
    Consent(RawConsent),
}

struct Cells<'a> {
    header: &'a [String],
    row: &'a csv::StringRecord,
}

impl Cells<'_> {
    fn text(&self, column: &str) -> Option<String> {
        let at = self.header.iter().position(|h| h == column)?;
        let value = self.row.get(at)?.trim();
        (!value.is_empty()).then(|| value.to_string())
    }

    fn list(&self, column: &str) -> Vec<String> {
        self.text(column)
            .map(|v| {
                v.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn number<T: std::str::FromStr>(
        &self,
        column: &str,
        unreadable: &mut impl FnMut(&str, String),
    ) -> Option<T> {
        let text = self.text(column)?;
        match text.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                unreadable(column, format!("{text:?} is not a whole number"));
                None
            }
        }
    }

    fn flag(&self, column: &str, unreadable: &mut impl FnMut(&str, String)) -> Option<bool> {
        let text = self.text(column)?;
        match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Some(true),
            "false" | "no" | "0" => Some(false),
            _ => {
                unreadable(column, format!("{text:?} is not true or false"));
                None
            }
        }
    }
}

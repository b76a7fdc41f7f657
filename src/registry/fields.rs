//! What both formats share: the raw items as read, and their validation into records, so that a CSV row
//! and a JSON object are judged by the same rules and described in the same words.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::domain::records::{
    ComplaintCase, Consent, Identifier, IdentifierKind, PersonRecord, SocialAccount,
};
use crate::domain::{CarrierCode, CaseStatus, Network};
use crate::domain::{Phone, Region, read_email, read_phone};
use crate::matching::normalise_frequent_flyer;

/// Errors and warnings of one file, as the manifest parsers gather them.
pub(crate) type Errors<'f> = crate::manifest::Collector<'f>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPerson {
    #[serde(skip)]
    pub line: usize,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub date_of_birth: Option<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub loyalty: Vec<String>,
    #[serde(default)]
    pub accounts: Vec<RawAccount>,
    #[serde(default)]
    pub cases: Vec<RawCase>,
    #[serde(default)]
    pub consents: Vec<RawConsent>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAccount {
    #[serde(skip)]
    pub line: usize,
    pub network: Option<String>,
    pub handle: Option<String>,
    pub network_user_id: Option<String>,
    pub followers: Option<i64>,
    pub activity_30d: Option<i32>,
    pub follows_airline: Option<bool>,
    pub accepts_dms: Option<bool>,
    pub opted_in: Option<bool>,
    pub last_inbound_at: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCase {
    #[serde(skip)]
    pub line: usize,
    #[serde(alias = "case_ref")]
    pub external_ref: Option<String>,
    pub opened_at: Option<String>,
    pub resolved_at: Option<String>,
    pub channel: Option<String>,
    pub category: Option<String>,
    pub severity: Option<i16>,
    pub summary: Option<String>,
    pub status: Option<String>,
    pub source_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConsent {
    #[serde(skip)]
    pub line: usize,
    pub channel: Option<String>,
    pub opted_out: Option<bool>,
    pub updated_at: Option<String>,
}

/// Validates every person, reporting every problem; returns only the persons without any.
pub(crate) fn validate(
    raw: Vec<RawPerson>,
    errors: &mut Errors<'_>,
    default_region: Option<Region>,
) -> Vec<PersonRecord> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut persons = Vec::with_capacity(raw.len());
    for person in raw {
        let line = person.line;
        if let Some(id) = person.external_id.as_deref().map(str::trim)
            && !id.is_empty()
            && !seen.insert(id.to_string())
        {
            errors.push(
                line,
                Some("external_id"),
                format!("person {id} appears twice in the file; each person once"),
            );
        }
        if let Some(record) = validate_person(person, errors, default_region) {
            persons.push(record);
        }
    }
    persons
}

fn required<'a>(
    value: &'a Option<String>,
    line: usize,
    field: &str,
    errors: &mut Errors<'_>,
) -> Option<&'a str> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Some(v),
        _ => {
            errors.push(line, Some(field), "is missing; it is required");
            None
        }
    }
}

fn optional(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn instant(
    value: &Option<String>,
    line: usize,
    field: &str,
    errors: &mut Errors<'_>,
) -> Result<Option<DateTime<Utc>>, ()> {
    match optional(value) {
        None => Ok(None),
        Some(text) => match DateTime::parse_from_rfc3339(text) {
            Ok(t) => Ok(Some(t.with_timezone(&Utc))),
            Err(_) => {
                errors.push(
                    line,
                    Some(field),
                    format!("{text:?} is not a time; write it as 2026-11-20T08:30:00Z"),
                );
                Err(())
            }
        },
    }
}

/// A warning's reason: why the value is not understood, and that it was left out.
fn dropped(reason: impl std::fmt::Display) -> String {
    format!("{reason}; the value is left out, the person kept")
}

/// Validates one person. What identifies the person (external id, name) and what must never be lost
/// (consents: a dropped opt-out could have aboard write to someone who said no) are errors; any other
/// value that cannot be understood is dropped with a warning, and an account or case that cannot be read
/// is left out with warnings, the person kept.
fn validate_person(
    raw: RawPerson,
    errors: &mut Errors<'_>,
    default_region: Option<Region>,
) -> Option<PersonRecord> {
    let line = raw.line;
    let before = errors.error_count();
    let external_id = required(&raw.external_id, line, "external_id", errors);
    if let Some(id) = external_id
        && id.chars().count() > 200
    {
        errors.push(line, Some("external_id"), "is longer than 200 characters");
    }
    let display_name = required(&raw.display_name, line, "display_name", errors);
    let language = optional(&raw.language)
        .map(str::to_ascii_lowercase)
        .filter(|lang| {
            let known = (2..=3).contains(&lang.len());
            if !known {
                errors.warn(
                    line,
                    Some("language"),
                    dropped(format!(
                        "{lang:?} is not a language code; use two letters such as es or en"
                    )),
                );
            }
            known
        });
    let country = optional(&raw.country)
        .map(str::to_ascii_uppercase)
        .filter(|c| {
            let known = c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase());
            if !known {
                errors.warn(
                    line,
                    Some("country"),
                    dropped(format!(
                        "{c:?} is not a country code; use two letters such as ES"
                    )),
                );
            }
            known
        });
    let date_of_birth = optional(&raw.date_of_birth).and_then(|text| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| {
                errors.warn(
                    line,
                    Some("date_of_birth"),
                    dropped(format!("{text:?} is not a date; write it as 1984-03-15")),
                )
            })
            .ok()
    });
    let mut identifiers = Vec::new();
    for email in raw
        .emails
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
    {
        match read_email(email) {
            Ok(value) => identifiers.push(Identifier {
                kind: IdentifierKind::Email,
                value,
            }),
            Err(reason) => errors.warn(line, Some("emails"), dropped(reason)),
        }
    }
    for phone in raw
        .phones
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
    {
        let region = country
            .as_deref()
            .and_then(|c| Region::parse(c).ok())
            .or(default_region);
        match read_phone(phone, region) {
            Ok(Phone::E164(value)) => identifiers.push(Identifier {
                kind: IdentifierKind::Phone,
                value,
            }),
            Ok(Phone::Raw { digits, why }) => {
                errors.warn(
                    line,
                    Some("phones"),
                    format!(
                        "{phone:?} is kept as its digits {digits}, compared by their last nine, because {why}"
                    ),
                );
                identifiers.push(Identifier {
                    kind: IdentifierKind::Phone,
                    value: digits,
                });
            }
            Err(reason) => errors.warn(line, Some("phones"), dropped(reason)),
        }
    }
    for number in raw
        .loyalty
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
    {
        match loyalty(number) {
            Some(value) => identifiers.push(Identifier {
                kind: IdentifierKind::Loyalty,
                value,
            }),
            None => errors.warn(
                line,
                Some("loyalty"),
                dropped(format!(
                    "{number:?} is not a loyalty number; write the airline code then the number, as IB 12345678"
                )),
            ),
        }
    }
    identifiers.dedup();
    let accounts: Vec<SocialAccount> = raw
        .accounts
        .iter()
        .filter_map(|a| left_out_if_invalid(errors, "account", |item| validate_account(a, item)))
        .collect();
    let mut refs = HashSet::new();
    let mut cases: Vec<ComplaintCase> = Vec::with_capacity(raw.cases.len());
    for raw_case in &raw.cases {
        let Some(case) = left_out_if_invalid(errors, "case", |item| validate_case(raw_case, item))
        else {
            continue;
        };
        if refs.insert(case.external_ref.clone()) {
            cases.push(case);
        } else {
            errors.warn(
                raw_case.line,
                Some("case_ref"),
                format!(
                    "case {} appears twice for this person; the first is kept",
                    case.external_ref
                ),
            );
        }
    }
    let consents: Vec<Consent> = raw
        .consents
        .iter()
        .filter_map(|c| validate_consent(c, errors))
        .collect();
    if errors.error_count() != before {
        return None;
    }
    Some(PersonRecord {
        external_id: external_id?.to_string(),
        // Exports pad and double spaces between names; one space is what people write.
        display_name: display_name?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        language,
        country,
        date_of_birth,
        identifiers,
        accounts,
        cases,
        consents,
    })
}

/// Validates an account or a case of a person; its problems become warnings, and an item with any is left
/// out while the person stays.
fn left_out_if_invalid<T>(
    errors: &mut Errors<'_>,
    what: &str,
    validate: impl FnOnce(&mut Errors<'_>) -> Option<T>,
) -> Option<T> {
    let mut item = Errors::new(errors.file());
    let valid = validate(&mut item);
    let clean = item.is_empty();
    errors.absorb_as_warnings(item, &format!("; the {what} is left out, the person kept"));
    valid.filter(|_| clean)
}

/// `IB 12345678`, `IB12345678` or `ib 0012345678` → `IB 12345678`.
fn loyalty(raw: &str) -> Option<String> {
    let code = raw.get(..2)?;
    let carrier = CarrierCode::parse(code).ok()?;
    let number = normalise_frequent_flyer(&carrier, raw.get(2..)?)?;
    Some(format!("{} {number}", carrier.as_str()))
}

fn validate_account(raw: &RawAccount, errors: &mut Errors<'_>) -> Option<SocialAccount> {
    let line = raw.line;
    let network = match required(&raw.network, line, "network", errors)?.parse::<Network>() {
        Ok(n) => n,
        Err(e) => {
            errors.push(line, Some("network"), e);
            return None;
        }
    };
    let handle = required(&raw.handle, line, "handle", errors)?.to_string();
    let followers = raw.followers.unwrap_or(0);
    if followers < 0 {
        errors.push(line, Some("followers"), "cannot be negative");
        return None;
    }
    let activity_30d = raw.activity_30d.unwrap_or(0);
    if activity_30d < 0 {
        errors.push(line, Some("activity_30d"), "cannot be negative");
        return None;
    }
    let last_inbound_at = instant(&raw.last_inbound_at, line, "last_inbound_at", errors).ok()?;
    Some(SocialAccount {
        network,
        handle,
        network_user_id: optional(&raw.network_user_id).map(str::to_string),
        followers,
        activity_30d,
        follows_airline: raw.follows_airline.unwrap_or(false),
        accepts_dms: raw.accepts_dms.unwrap_or(false),
        opted_in: raw.opted_in.unwrap_or(false),
        last_inbound_at,
    })
}

fn validate_case(raw: &RawCase, errors: &mut Errors<'_>) -> Option<ComplaintCase> {
    let line = raw.line;
    let external_ref = required(&raw.external_ref, line, "case_ref", errors).map(str::to_string);
    let opened_at = match instant(&raw.opened_at, line, "opened_at", errors) {
        Ok(Some(t)) => Some(t),
        Ok(None) => {
            errors.push(line, Some("opened_at"), "is missing; it is required");
            None
        }
        Err(()) => None,
    };
    let resolved_at = instant(&raw.resolved_at, line, "resolved_at", errors);
    let status = match required(&raw.status, line, "status", errors)?.parse::<CaseStatus>() {
        Ok(s) => s,
        Err(e) => {
            errors.push(line, Some("status"), e);
            return None;
        }
    };
    let resolved_at = resolved_at.ok()?;
    if status == CaseStatus::Resolved && resolved_at.is_none() {
        errors.push(
            line,
            Some("resolved_at"),
            "is missing; a resolved case needs the time it was resolved",
        );
        return None;
    }
    let opened_at = opened_at?;
    if let Some(resolved) = resolved_at
        && resolved < opened_at
    {
        errors.push(line, Some("resolved_at"), "is before opened_at");
        return None;
    }
    let severity = raw.severity.unwrap_or(1);
    if !(1..=5).contains(&severity) {
        errors.push(
            line,
            Some("severity"),
            format!("{severity} is out of range; use 1 (minor) to 5 (severe)"),
        );
        return None;
    }
    Some(ComplaintCase {
        external_ref: external_ref?,
        opened_at,
        resolved_at,
        channel: optional(&raw.channel).unwrap_or("unknown").to_string(),
        category: optional(&raw.category).unwrap_or("other").to_string(),
        severity,
        summary: optional(&raw.summary).unwrap_or_default().to_string(),
        status,
        source_url: optional(&raw.source_url).map(str::to_string),
    })
}

fn validate_consent(raw: &RawConsent, errors: &mut Errors<'_>) -> Option<Consent> {
    let line = raw.line;
    let channel = required(&raw.channel, line, "consent_channel", errors)?.to_ascii_lowercase();
    let opted_out = match raw.opted_out {
        Some(b) => b,
        None => {
            errors.push(line, Some("opted_out"), "is missing; write true or false");
            return None;
        }
    };
    let updated_at = match instant(&raw.updated_at, line, "consent_updated_at", errors).ok()? {
        Some(t) => t,
        None => {
            errors.push(
                line,
                Some("consent_updated_at"),
                "is missing; it is required",
            );
            return None;
        }
    };
    Some(Consent {
        channel,
        opted_out,
        updated_at,
    })
}

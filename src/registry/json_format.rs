//! JSON exports: an array of person objects, or one person object per line (NDJSON).

use serde_json::value::RawValue;

use super::fields::{Errors, RawPerson, validate};
use crate::domain::Region;
use crate::domain::records::PersonRecord;

pub(crate) fn parse(
    text: &str,
    errors: &mut Errors<'_>,
    default_region: Option<Region>,
) -> Vec<PersonRecord> {
    let objects: Vec<&RawValue> = if text.trim_start().starts_with('[') {
        match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(objects) => objects,
            Err(e) => {
                errors.push(e.line().max(1), None, json_reason(&e));
                return Vec::new();
            }
        }
    } else {
        let mut objects = Vec::new();
        for item in serde_json::Deserializer::from_str(text).into_iter::<&RawValue>() {
            match item {
                Ok(object) => objects.push(object),
                Err(e) => {
                    errors.push(e.line().max(1), None, json_reason(&e));
                    return Vec::new();
                }
            }
        }
        objects
    };
    let mut raw = Vec::with_capacity(objects.len());
    for object in objects {
        let line = line_of(text, object.get());
        match serde_json::from_str::<RawPerson>(object.get()) {
            Ok(mut person) => {
                person.line = line;
                for a in &mut person.accounts {
                    a.line = line;
                }
                for c in &mut person.cases {
                    c.line = line;
                }
                for c in &mut person.consents {
                    c.line = line;
                }
                raw.push(person);
            }
            Err(e) => errors.push(
                line + e.line().saturating_sub(1),
                None,
                format!("this person object is not as expected: {}", json_reason(&e)),
            ),
        }
    }
    validate(raw, errors, default_region)
}

/// serde_json's message without its own " at line L column C" suffix (the line is reported separately).
fn json_reason(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(at) => message.get(..at).unwrap_or(&message).to_string(),
        None => message,
    }
}

/// The 1-based line where `part` (a slice of `text`) begins.
fn line_of(text: &str, part: &str) -> usize {
    let offset = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    text.as_bytes()
        .get(..offset)
        .unwrap_or_default()
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

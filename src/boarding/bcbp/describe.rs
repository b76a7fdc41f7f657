use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use super::field::{LEG_MANDATORY, UNIQUE_CONDITIONAL, repeated_layout};
use super::{BoardingPass, Field, Leg};

/// The JSON key of a field: its snake_case name (`flight_number`, `frequent_flyer_airline`).
fn key(field: Field) -> String {
    match serde_json::to_value(field) {
        Ok(Value::String(name)) => name,
        _ => field.label().to_string(),
    }
}

fn texts<'f>(
    fields: impl Iterator<Item = &'f (Field, usize)>,
    text_of: impl Fn(Field) -> Option<String>,
) -> Map<String, Value> {
    fields
        .map(|(field, _)| (key(*field), Value::from(text_of(*field))))
        .collect()
}

fn unreadable(map: &std::collections::BTreeMap<Field, String>) -> Value {
    Value::Object(
        map.iter()
            .map(|(field, text)| (key(*field), Value::from(text.as_str())))
            .collect(),
    )
}

fn iso(date: Option<NaiveDate>) -> Value {
    Value::from(date.map(|d| d.format("%Y-%m-%d").to_string()))
}

fn leg_json(number: usize, leg: &Leg, pass: &BoardingPass, reference: NaiveDate) -> Value {
    let mut object = texts(LEG_MANDATORY.iter().chain(repeated_layout(None)), |field| {
        leg.field_text(field)
    });
    object.insert("leg".into(), Value::from(number));
    object.insert(
        "flight".into(),
        Value::from(leg.flight.as_ref().map(|f| f.to_string())),
    );
    object.insert("day_of_year".into(), Value::from(leg.day_of_year));
    object.insert("flight_date".into(), iso(leg.flight_date(pass, reference)));
    object.insert("infant".into(), Value::from(leg.infant));
    object.insert("fast_track".into(), Value::from(leg.fast_track));
    object.insert("future_use".into(), Value::from(leg.future_use.clone()));
    object.insert("airline_use".into(), Value::from(leg.airline_use.clone()));
    object.insert("unreadable".into(), unreadable(&leg.unreadable));
    Value::Object(object)
}

/// Every field of the pass as JSON for support staff: fields as the pass spells them (blank ones `null`),
/// each leg's flight date resolved against `reference` (ISO `YYYY-MM-DD`), and the warnings as sentences.
pub fn describe(pass: &BoardingPass, reference: NaiveDate) -> Value {
    let mut object = texts(UNIQUE_CONDITIONAL.iter(), |field| pass.field_text(field));
    object.insert(
        "format_code".into(),
        Value::from(pass.format_code.to_string()),
    );
    object.insert(
        "passenger_name".into(),
        Value::from(pass.passenger_name.as_str()),
    );
    object.insert(
        "booking_name".into(),
        pass.booking_name.as_ref().map_or(Value::Null, |name| {
            json!({
                "surname": name.surname,
                "given": name.given,
                "title": name.title.map(|t| t.as_str()),
            })
        }),
    );
    object.insert(
        "electronic_ticket_indicator".into(),
        Value::from(pass.field_text(Field::ElectronicTicketIndicator)),
    );
    object.insert("version".into(), Value::from(pass.version));
    object.insert(
        "date_of_issue".into(),
        pass.date_of_issue.map_or(
            Value::Null,
            |date| json!({ "text": date.text(), "date": iso(pass.issue_date(reference)) }),
        ),
    );
    object.insert("future_use".into(), Value::from(pass.future_use.clone()));
    object.insert(
        "legs".into(),
        Value::Array(
            pass.legs
                .iter()
                .enumerate()
                .map(|(index, leg)| leg_json(index + 1, leg, pass, reference))
                .collect(),
        ),
    );
    object.insert(
        "security".into(),
        pass.security.as_ref().map_or(Value::Null, |security| {
            json!({
                "type": security.kind.to_string(),
                "declared_length": security.declared_length,
                "data": security.data,
            })
        }),
    );
    object.insert("unreadable".into(), unreadable(&pass.unreadable));
    object.insert(
        "warnings".into(),
        Value::Array(
            pass.warnings
                .iter()
                .map(|warning| Value::from(warning.to_string()))
                .collect(),
        ),
    );
    Value::Object(object)
}

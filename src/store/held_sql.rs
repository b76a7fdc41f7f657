//! SQL and rows of the held Type B messages (parts waiting for the rest of their message, ADLs waiting for
//! their flight's PNL), shared by both backends (`$n` placeholders).

use chrono::{DateTime, NaiveDate, Utc};

use super::StoreError;
use super::rows::corrupt;
use crate::domain::records::{HeldMessage, HeldPart, NewEvent};
use crate::domain::{FlightKey, FlightNumber, Iata};

pub(super) const INSERT_HELD_MESSAGE: &str = "INSERT INTO held_messages (message_key, kind, \
    flight_number, local_date, origin, sent_at, first_received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
    ON CONFLICT (message_key) DO NOTHING";
pub(super) const SELECT_HELD_OUTCOME: &str =
    "SELECT closed_at, outcome FROM held_messages WHERE message_key = $1";
pub(super) const INSERT_HELD_PART: &str = "INSERT INTO held_message_parts (message_key, part, is_last, \
    file_name, first_line, body, actor, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
    ON CONFLICT (message_key, part) DO NOTHING";
pub(super) const SELECT_OPEN_HELD_MESSAGES: &str = "SELECT message_key, kind, flight_number, local_date, \
    origin, sent_at, first_received_at, stale_reported_at FROM held_messages WHERE closed_at IS NULL \
    ORDER BY sent_at, first_received_at, message_key";
pub(super) const SELECT_OPEN_HELD_PARTS: &str = "SELECT p.message_key, p.part, p.is_last, p.file_name, \
    p.first_line, p.body, p.actor, p.received_at FROM held_message_parts AS p \
    JOIN held_messages AS m ON m.message_key = p.message_key WHERE m.closed_at IS NULL \
    ORDER BY p.message_key, p.part";
pub(super) const CLOSE_HELD_MESSAGE: &str = "UPDATE held_messages SET closed_at = $2, outcome = $3 \
    WHERE message_key = $1 AND closed_at IS NULL";
pub(super) const DELETE_HELD_PARTS: &str = "DELETE FROM held_message_parts WHERE message_key = $1";
pub(super) const DELETE_HELD_MESSAGE: &str = "DELETE FROM held_messages WHERE message_key = $1";
pub(super) const CLAIM_STALE_HELD_MESSAGES: &str = "UPDATE held_messages SET stale_reported_at = $2 \
    WHERE closed_at IS NULL AND stale_reported_at IS NULL AND first_received_at < $1 \
    RETURNING message_key";

/// The event of a held message still incomplete after the configured time.
pub(super) fn held_message_stale(actor: &str, message: &HeldMessage) -> NewEvent {
    NewEvent {
        actor: actor.to_string(),
        action: "manifest.incomplete".to_string(),
        subject_kind: "typeb_message".to_string(),
        subject_id: message.message_key.clone(),
        flight_id: None,
        person_id: None,
        detail: serde_json::json!({
            "flight": message.flight.to_string(),
            "kind": message.kind,
            "parts_held": message.parts.iter().map(|p| p.number).collect::<Vec<_>>(),
            "parts_missing": message.missing_parts(),
            "last_part_held": message.last_part_held(),
            "first_received_at": message.first_received_at,
        }),
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct HeldMessageRow {
    message_key: String,
    kind: String,
    flight_number: String,
    local_date: NaiveDate,
    origin: String,
    sent_at: Option<DateTime<Utc>>,
    first_received_at: DateTime<Utc>,
    stale_reported_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
pub(super) struct HeldPartRow {
    message_key: String,
    part: i32,
    is_last: bool,
    file_name: String,
    first_line: i32,
    body: String,
    actor: String,
    received_at: DateTime<Utc>,
}

/// The messages with their parts (rows of parts ordered by message and part).
pub(super) fn held_messages(
    messages: Vec<HeldMessageRow>,
    parts: Vec<HeldPartRow>,
) -> Result<Vec<HeldMessage>, StoreError> {
    let mut by_key: std::collections::HashMap<String, Vec<HeldPart>> =
        std::collections::HashMap::new();
    for p in parts {
        by_key.entry(p.message_key).or_default().push(HeldPart {
            number: u16::try_from(p.part).map_err(|e| corrupt("held part number", e))?,
            last: p.is_last,
            file_name: p.file_name,
            first_line: usize::try_from(p.first_line).map_err(|e| corrupt("held part line", e))?,
            text: p.body,
            actor: p.actor,
            received_at: p.received_at,
        });
    }
    messages
        .into_iter()
        .map(|m| {
            Ok(HeldMessage {
                parts: by_key.remove(&m.message_key).unwrap_or_default(),
                flight: FlightKey {
                    flight: FlightNumber::parse(&m.flight_number)
                        .map_err(|e| corrupt("held flight number", e))?,
                    local_date: m.local_date,
                    origin: Iata::parse(&m.origin).map_err(|e| corrupt("held flight origin", e))?,
                },
                message_key: m.message_key,
                kind: m.kind,
                sent_at: m.sent_at,
                first_received_at: m.first_received_at,
                stale_reported_at: m.stale_reported_at,
            })
        })
        .collect()
}

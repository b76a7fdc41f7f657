//! The event stream as analysts, ops and the airline's systems read it: a page of the append-only log after
//! a cursor, filtered by time, kind, flight, person or task. Analysts read every station's and language's
//! events but never a person's words: their copy keeps a detail's numbers, flags and codes and drops its
//! free text (notes, errors, summaries). Depends on `store` and `domain`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{Caller, ServiceError};
use crate::domain::Role;
use crate::domain::records::Event;
use crate::store::{EventQuery, Store};

/// Who may read the event stream.
pub const EVENT_ROLES: &[Role] = &[Role::Ops, Role::Analyst];
/// The most events one page holds, and how many when the caller does not say.
pub const MAX_PAGE: i64 = 1_000;
pub const DEFAULT_PAGE: i64 = 100;

/// Detail fields whose text is a code or a state, never what someone wrote or a contact: the only text
/// an analyst's copy of an event keeps.
const CODE_FIELDS: &[&str] = &[
    "rule",
    "channel",
    "to",
    "outcome",
    "state",
    "network",
    "decision",
    "before",
    "kind",
    "status",
    "field",
    "old",
    "new",
    "format",
    "station",
    "task",
    "message",
    "flight",
    "now",
    "shift_start",
    "shift_end",
];

/// A page of the stream and the cursor of the next page, if there is one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventPage {
    pub events: Vec<StreamEvent>,
    /// Pass as `after` to read the next page; absent on the last page.
    pub next: Option<Uuid>,
}

/// One event of the stream.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StreamEvent {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// What happened, as `family.action`: `task.created`, `link.matched`, `station.changed`…
    pub kind: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub flight_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// A page of events after `query.after`, oldest first; analysts get each detail without its free text.
pub async fn stream(
    store: &dyn Store,
    caller: &Caller,
    query: &EventQuery,
) -> Result<EventPage, ServiceError> {
    let role = caller.grant.role();
    if !EVENT_ROLES.contains(&role) {
        return Err(ServiceError::Forbidden);
    }
    let (events, more) = store.event_stream(query).await?;
    let next = if more {
        events.last().map(|e| e.id)
    } else {
        None
    };
    let events = events
        .into_iter()
        .map(|e| StreamEvent::of(e, role == Role::Analyst))
        .collect();
    Ok(EventPage { events, next })
}

impl StreamEvent {
    /// The event as the stream shows it; `redacted`: without its free text, as analysts and the event
    /// webhooks get it.
    pub fn of(e: Event, redacted: bool) -> StreamEvent {
        let detail = if redacted {
            without_free_text(e.event.detail, None)
        } else {
            e.event.detail
        };
        StreamEvent {
            id: e.id,
            at: e.at,
            actor: e.event.actor,
            kind: e.event.action,
            subject_kind: e.event.subject_kind,
            subject_id: e.event.subject_id,
            flight_id: e.event.flight_id,
            person_id: e.event.person_id,
            detail,
        }
    }
}

/// A detail with every text dropped but those under `CODE_FIELDS` (and their nested objects' codes):
/// numbers, flags and ids tell the figures, words could name or quote someone.
pub fn without_free_text(value: serde_json::Value, key: Option<&str>) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = without_free_text(v, Some(&k));
                    (k, v)
                })
                .filter(|(_, v)| !v.is_null())
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| without_free_text(v, key))
                .filter(|v| !v.is_null())
                .collect(),
        ),
        Value::String(text) => match key {
            Some(k) if CODE_FIELDS.contains(&k) => Value::String(text),
            _ => Value::Null,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_analysts_detail_keeps_codes_and_numbers_and_drops_words() {
        let detail = json!({
            "to": "done", "outcome": "all_well", "note": "Told me about her mother's illness",
            "attempts": 2, "error": "+34 600 111 222 unreachable", "fingerprints": 3,
            "now": { "staffed": true, "shift_start": "05:00" },
            "changes": [{ "field": "gate", "old": "B12", "new": "B14", "reason": "swap" }],
        });
        assert_eq!(
            without_free_text(detail, None),
            json!({
                "to": "done", "outcome": "all_well", "attempts": 2, "fingerprints": 3,
                "now": { "staffed": true, "shift_start": "05:00" },
                "changes": [{ "field": "gate", "old": "B12", "new": "B14" }],
            })
        );
    }
}

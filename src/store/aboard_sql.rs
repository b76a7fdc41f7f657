//! SQL of what aboard records about a registry person itself (cases staff opened, staff opt-outs, when
//! the person last wrote), shared by both backends (`$n` placeholders). A registry import deletes only
//! the export's rows; these live in rows and tables it never touches.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use super::events::event;
use super::registry::CaseRow;
use crate::domain::records::{
    AboardRecords, ComplaintCase, InboundContact, InboundMessage, NewEvent, StaffOptOut,
    StaffRecord, Task,
};

/// `$1` person, then the case's columns as `INSERT_CASE` binds them, `$11` who opened it. A case opened
/// from the same task twice is kept once.
pub(super) const INSERT_ABOARD_CASE: &str = "INSERT INTO complaint_cases (person_id, external_ref, \
    opened_at, resolved_at, channel, category, severity, summary, status, source_url, recorded_by) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING";

/// `$1` person, `$2` task, `$3` who, `$4` when; the latest request is the one kept.
pub(super) const UPSERT_STAFF_OPT_OUT: &str = "INSERT INTO staff_opt_outs (person_id, task_id, \
    recorded_by, recorded_at) VALUES ($1, $2, $3, $4) ON CONFLICT (person_id) DO UPDATE SET \
    task_id = excluded.task_id, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at \
    WHERE excluded.recorded_at >= staff_opt_outs.recorded_at";

/// `$1` person, `$2` the reason, `$3` when: the person's other follow-ups end once they asked not to be
/// contacted.
pub(super) const CANCEL_PERSON_TASKS: &str = "UPDATE tasks SET state = 'cancelled', \
    cancel_reason = $2, updated_at = $3 WHERE person_id = $1 AND state IN ('open', 'claimed') \
    RETURNING id, flight_id";

pub(super) const OPT_OUT_CANCEL_REASON: &str = "the person asked not to be contacted";

/// `$1` person, `$2` the reason: messages to the person still waiting in the outbox are never sent.
/// One already being sent cannot be called back.
pub(super) const WITHDRAW_PERSON_MESSAGES: &str = "UPDATE messages SET state = 'failed', \
    last_error = $2, next_attempt_at = NULL WHERE state = 'queued' \
    AND task_id IN (SELECT id FROM tasks WHERE person_id = $1) RETURNING id";

/// `$1` person, `$2` network, `$3` when; an older report never moves the time back.
pub(super) const UPSERT_INBOUND: &str = "INSERT INTO inbound_contacts (person_id, network, last_at) \
    VALUES ($1, $2, $3) ON CONFLICT (person_id, network) DO UPDATE SET last_at = excluded.last_at \
    WHERE excluded.last_at > inbound_contacts.last_at";

/// `$1` network, `$2` the sender's network user id.
pub(super) const SENDER_BY_USER_ID: &str = "SELECT DISTINCT person_id FROM social_accounts \
    WHERE network = $1 AND network_user_id = $2";
/// `$1` network, `$2` the sender's handle.
pub(super) const SENDER_BY_HANDLE: &str =
    "SELECT DISTINCT person_id FROM social_accounts WHERE network = $1 AND handle = $2";

pub(super) const PERSON_EXISTS: &str = "SELECT count(*) FROM persons WHERE id = $1";

/// The staff opt-out and the inbound times of `$1`, in one read.
pub(super) const SELECT_ABOARD_FACTS: &str = "SELECT 'opt_out' AS kind, recorded_by AS word, \
    recorded_at AS at FROM staff_opt_outs WHERE person_id = $1 UNION ALL \
    SELECT 'inbound' AS kind, network AS word, last_at AS at FROM inbound_contacts WHERE person_id = $1";

#[derive(sqlx::FromRow)]
pub(super) struct AboardFactRow {
    kind: String,
    word: String,
    at: DateTime<Utc>,
}

/// The export's cases and aboard's records of one person, from their case rows and fact rows.
pub(super) fn split_records(
    cases: Vec<CaseRow>,
    facts: Vec<AboardFactRow>,
) -> Result<(Vec<ComplaintCase>, AboardRecords), StoreError> {
    let mut export = Vec::new();
    let mut aboard = AboardRecords::default();
    for row in cases {
        if row.recorded_by.is_some() {
            aboard.cases.push(row.try_into()?);
        } else {
            export.push(row.try_into()?);
        }
    }
    for fact in facts {
        match fact.kind.as_str() {
            "opt_out" => {
                aboard.opt_out = Some(StaffOptOut {
                    recorded_by: fact.word,
                    recorded_at: fact.at,
                })
            }
            _ => aboard.inbound.push(InboundContact {
                network: fact
                    .word
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("inbound network: {e}")))?,
                last_at: fact.at,
            }),
        }
    }
    aboard.inbound.sort_by_key(|i| i.network);
    Ok((export, aboard))
}

/// The event that logs what staff recorded with a task's outcome.
pub(super) fn staff_record_event(task: &Task, record: &StaffRecord, actor: &str) -> NewEvent {
    let person = task.new.person_id;
    match record {
        StaffRecord::Case(case) => event(
            actor,
            "person.case_opened",
            "person",
            person,
            Some(task.new.flight_id),
            Some(person),
            serde_json::json!({ "task": task.id, "external_ref": case.external_ref }),
        ),
        StaffRecord::OptOut => event(
            actor,
            "person.opted_out",
            "person",
            person,
            Some(task.new.flight_id),
            Some(person),
            serde_json::json!({ "task": task.id }),
        ),
    }
}

/// The event that logs a follow-up ended because the person asked not to be contacted.
pub(super) fn opt_out_cancel_event(
    task_id: Uuid,
    flight_id: Uuid,
    person_id: Uuid,
    actor: &str,
) -> NewEvent {
    event(
        actor,
        "task.cancelled",
        "task",
        task_id,
        Some(flight_id),
        Some(person_id),
        serde_json::json!({ "to": "cancelled", "note": OPT_OUT_CANCEL_REASON }),
    )
}

/// The event that logs a queued message withdrawn because the person asked not to be contacted.
pub(super) fn withdrawn_message_event(message_id: Uuid, person_id: Uuid, actor: &str) -> NewEvent {
    event(
        actor,
        "message.failed",
        "message",
        message_id,
        None,
        Some(person_id),
        serde_json::json!({ "state": "failed", "error": OPT_OUT_CANCEL_REASON }),
    )
}

/// The event that logs an inbound message: on the person it came from, or kept as an unknown sender's.
pub(super) fn inbound_event(
    message: &InboundMessage,
    person_id: Option<Uuid>,
    actor: &str,
) -> NewEvent {
    let detail = serde_json::json!({
        "network": message.network.as_str(),
        "network_user_id": message.network_user_id,
        "handle": message.handle,
        "received_at": message.received_at,
    });
    match person_id {
        Some(id) => event(actor, "person.wrote", "person", id, None, Some(id), detail),
        None => event(
            actor,
            "inbound.unknown_sender",
            "inbound",
            message.network.as_str(),
            None,
            None,
            detail,
        ),
    }
}

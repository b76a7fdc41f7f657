//! SQL of the registry's batch import, candidate lookup, remembered decisions and retention, shared by
//! both backends (`$n` placeholders).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{MatchDecision, StoreError};
use crate::domain::LinkDecision;

pub(super) const DELETE_PERSON_KEYS: &str = "DELETE FROM person_keys WHERE person_id = $1";
pub(super) const INSERT_PERSON_KEY: &str =
    "INSERT INTO person_keys (key, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";

// Lists of keys and fingerprints are bound as one parameter — a JSON array on SQLite (`$LIST`
// becomes `SELECT value FROM json_each($1)`), an array on PostgreSQL (`= ANY($1)`) — so that one
// statement serves any number of values.
pub(super) const SELECT_PERSON_IDS_WITH_KEYS: &str =
    "SELECT DISTINCT person_id FROM person_keys WHERE key IN ($LIST)";
pub(super) const SELECT_KEYS_IN_REGISTRY: &str =
    "SELECT DISTINCT key FROM person_keys WHERE key IN ($LIST)";
pub(super) const SELECT_DECISIONS: &str = "SELECT person_id, fingerprint, decision, decided_by, \
    decided_at FROM match_decisions WHERE fingerprint IN ($LIST)";

/// `sql`'s list parameter for SQLite: the values of the JSON array bound as `$1`.
pub(super) fn sqlite_list(sql: &str) -> String {
    sql.replace("($LIST)", "(SELECT value FROM json_each($1))")
}

/// `sql`'s list parameter for PostgreSQL: any element of the array bound as `$1`.
pub(super) fn postgres_list(sql: &str) -> String {
    sql.replace(" IN ($LIST)", " = ANY($1)")
}

pub(super) const UPSERT_DECISION: &str = "INSERT INTO match_decisions (person_id, fingerprint, \
    decision, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id, fingerprint) \
    DO UPDATE SET decision = excluded.decision, decided_by = excluded.decided_by, \
    decided_at = excluded.decided_at";

/// `$1` the instant before which departed flights are left out, `$2` its date for flights without times
/// (a manifest carries none), `$3` the limit. A flight's best time is its actual, else estimated, else
/// scheduled departure.
pub(super) const SELECT_LINKS_TO_REVIEW: &str = "SELECT l.passenger_id, l.person_id, l.decision, \
    l.score, l.reasons, l.decided_by, l.updated_at FROM identity_links l \
    JOIN passengers p ON p.id = l.passenger_id JOIN flights f ON f.id = p.flight_id \
    WHERE l.decision = 'review' AND p.boarding_state <> 'removed' \
    AND (COALESCE(f.actual_departure, f.estimated_departure, f.scheduled_departure) >= $1 \
    OR (COALESCE(f.actual_departure, f.estimated_departure, f.scheduled_departure) IS NULL \
    AND f.local_date >= $2)) \
    ORDER BY COALESCE(f.actual_departure, f.estimated_departure, f.scheduled_departure) IS NULL, \
    COALESCE(f.actual_departure, f.estimated_departure, f.scheduled_departure), f.local_date, \
    l.score DESC, l.passenger_id, l.person_id LIMIT $3";

pub(super) const PURGE_RESOLVED_CASES: &str =
    "DELETE FROM complaint_cases WHERE status = 'resolved' AND resolved_at < $1";
pub(super) const PURGE_OLD_LINKS: &str = "DELETE FROM identity_links WHERE updated_at < $1";

#[derive(sqlx::FromRow)]
pub(super) struct DecisionRow {
    person_id: Uuid,
    fingerprint: String,
    decision: String,
    decided_by: String,
    decided_at: DateTime<Utc>,
}

impl TryFrom<DecisionRow> for MatchDecision {
    type Error = StoreError;

    fn try_from(row: DecisionRow) -> Result<MatchDecision, StoreError> {
        let decision: LinkDecision = row
            .decision
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("match decision: {e}")))?;
        Ok(MatchDecision {
            person_id: row.person_id,
            fingerprint: row.fingerprint,
            decision,
            decided_by: row.decided_by,
            decided_at: row.decided_at,
        })
    }
}

//! SQL of the registry's batch import, candidate lookup, remembered decisions and retention, shared by
//! both backends (`$n` placeholders).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{MatchDecision, StoreError};
use crate::domain::LinkDecision;

pub(super) const DELETE_PERSON_KEYS: &str = "DELETE FROM person_keys WHERE person_id = $1";
pub(super) const INSERT_PERSON_KEY: &str =
    "INSERT INTO person_keys (key, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";

// Lists of keys and fingerprints are bound as one parameter — a JSON array on SQLite, an array on
// PostgreSQL — so that one statement serves any number of values. `$LIST` is the list as a table of one
// column, `value`. Long lists (a day's import sends a million keys) drive the join and probe the
// table's index once per value: `key IN (list)` would first build and sort a temporary copy of the list,
// which took SQLite seconds.
pub(super) const SELECT_PERSON_IDS_WITH_KEYS: &str = "SELECT DISTINCT p.person_id FROM $LIST \
    JOIN person_keys AS p ON p.key = list.value";
pub(super) const SELECT_KEYS_IN_REGISTRY: &str = "SELECT DISTINCT list.value FROM $LIST \
    WHERE EXISTS (SELECT 1 FROM person_keys AS p WHERE p.key = list.value)";
pub(super) const SELECT_DECISIONS: &str = "SELECT DISTINCT d.person_id, d.fingerprint, d.decision, \
    d.decided_by, d.decided_at FROM $LIST JOIN match_decisions AS d ON d.fingerprint = list.value";

pub(super) const COUNT_DECISIONS: &str = "SELECT count(*) FROM match_decisions";
pub(super) const SELECT_ALL_DECISIONS: &str =
    "SELECT person_id, fingerprint, decision, decided_by, decided_at FROM match_decisions";

/// From this many fingerprints asked about, the store counts the remembered decisions first: a flight's
/// few hundred are looked up by the list at once, without a count that grows with the table.
pub(super) const COUNT_DECISIONS_FROM: usize = 10_000;

/// Whether to read every remembered decision and keep those of `asked` fingerprints, rather than send
/// the list: when staff have decided fewer fingerprints than are asked about (a day's import asks about
/// 450,000), reading them all is the smaller job.
pub(super) fn read_all_decisions(asked: usize, stored: i64) -> bool {
    usize::try_from(stored).is_ok_and(|stored| stored < asked)
}

/// The decisions among `rows` that concern one of the `asked` fingerprints.
pub(super) fn decisions_among(
    rows: Vec<DecisionRow>,
    asked: &[String],
) -> Result<Vec<MatchDecision>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let asked: std::collections::HashSet<&str> = asked.iter().map(String::as_str).collect();
    rows.into_iter()
        .filter(|row| asked.contains(row.fingerprint.as_str()))
        .map(MatchDecision::try_from)
        .collect()
}

/// `sql`'s list for SQLite: the values of the JSON array bound as `$1`.
pub(super) fn sqlite_list(sql: &str) -> String {
    sql.replace("$LIST", "json_each($1) AS list")
}

/// `sql`'s list for PostgreSQL: the elements of the array bound as `$1`.
pub(super) fn postgres_list(sql: &str) -> String {
    sql.replace("$LIST", "unnest($1) AS list(value)")
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

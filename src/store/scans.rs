//! Gate scans as stored: the row type and the SQL both backends share (`$n` placeholders).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use crate::domain::records::{BoardingScan, NewBoardingScan, ScanOutcome};

/// Which scans to list, newest first. Empty vectors mean "any".
#[derive(Debug, Clone, Default)]
pub struct ScanFilter {
    pub outcomes: Vec<ScanOutcome>,
    pub stations: Vec<String>,
    pub limit: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct ScanRow {
    id: Uuid,
    digest: String,
    raw: String,
    station: String,
    gate: Option<String>,
    reader_id: Option<String>,
    scanned_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    flight_id: Option<Uuid>,
    passenger_id: Option<Uuid>,
    outcome: String,
    detail: Option<String>,
}

impl TryFrom<ScanRow> for BoardingScan {
    type Error = StoreError;
    fn try_from(row: ScanRow) -> Result<BoardingScan, StoreError> {
        let outcome = ScanOutcome::parse(&row.outcome).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "boarding scan {} has the unknown outcome {:?}",
                row.id, row.outcome
            ))
        })?;
        Ok(BoardingScan {
            id: row.id,
            scan: NewBoardingScan {
                digest: row.digest,
                raw: row.raw,
                station: row.station,
                gate: row.gate,
                reader_id: row.reader_id,
                scanned_at: row.scanned_at,
                flight_id: row.flight_id,
                passenger_id: row.passenger_id,
                outcome,
                detail: row.detail,
            },
            received_at: row.received_at,
        })
    }
}

const SCAN_COLUMNS: &str = "id, digest, raw, station, gate, reader_id, scanned_at, received_at, \
    flight_id, passenger_id, outcome, detail";

/// Scans written per statement (12 values each).
pub(super) const SCAN_BATCH: usize = 50;

/// Writes `rows` scans, each unless its digest is stored; returns the ids this statement wrote.
pub(super) fn insert_scans_sql(rows: usize) -> String {
    format!(
        "INSERT INTO boarding_scans (id, digest, raw, station, gate, reader_id, scanned_at, received_at, \
         flight_id, passenger_id, outcome, detail) VALUES {} ON CONFLICT (digest) DO NOTHING RETURNING id",
        value_rows(rows, 12)
    )
}

/// Boards `rows` passengers, each at its own instant (`$2n`, after its id `$2n-1`), unless already
/// boarded; returns the passengers it changed and their flights. `timestamp_cast` types the instants
/// where the backend cannot infer them from a CASE (`::timestamptz` on PostgreSQL).
pub(super) fn board_passengers_sql(rows: usize, timestamp_cast: &str) -> String {
    let cases: String = (0..rows)
        .map(|r| format!(" WHEN ${} THEN ${}{timestamp_cast}", 2 * r + 1, 2 * r + 2))
        .collect();
    let ids: Vec<String> = (0..rows).map(|r| format!("${}", 2 * r + 1)).collect();
    format!(
        "UPDATE passengers SET boarding_state = 'boarded', removed_reason = NULL, \
         boarded_at = CASE id{cases} END, updated_at = CASE id{cases} END \
         WHERE id IN ({}) AND boarding_state <> 'boarded' RETURNING id, flight_id",
        ids.join(", ")
    )
}

/// Writes `rows` events (the columns of `INSERT_EVENT`).
pub(super) fn insert_events_sql(rows: usize) -> String {
    format!(
        "INSERT INTO events (id, at, actor, action, subject_kind, subject_id, flight_id, person_id, \
         detail) VALUES {}",
        value_rows(rows, 9)
    )
}

/// `($1, …, $w), ($w+1, …), …` for `rows` rows of `width` values.
fn value_rows(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", super::rows::placeholders(1 + r * width, width)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn select_scan_by_digest() -> String {
    format!("SELECT {SCAN_COLUMNS} FROM boarding_scans WHERE digest = $1")
}

/// The listing query for `filter`, with its binds in order: outcomes, then stations, then the limit.
pub(super) fn select_scans(filter: &ScanFilter) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut binds = Vec::new();
    let mut placeholder_list = |values: Vec<String>, column: &str| {
        if values.is_empty() {
            return;
        }
        let start = binds.len() + 1;
        let marks: Vec<String> = (start..start + values.len())
            .map(|n| format!("${n}"))
            .collect();
        clauses.push(format!("{column} IN ({})", marks.join(", ")));
        binds.extend(values);
    };
    placeholder_list(
        filter
            .outcomes
            .iter()
            .map(|o| o.as_str().to_string())
            .collect(),
        "outcome",
    );
    placeholder_list(filter.stations.clone(), "station");
    let filter_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    let sql = format!(
        "SELECT {SCAN_COLUMNS} FROM boarding_scans{filter_sql} ORDER BY received_at DESC, id DESC LIMIT {}",
        filter.limit.clamp(1, 10_000)
    );
    (sql, binds)
}

pub(super) fn select_passengers_by_locator() -> String {
    format!(
        "SELECT {} FROM passengers WHERE flight_id = $1 AND pax_key >= $2 AND pax_key < $3 \
         AND locator = $4 ORDER BY pax_key",
        super::rows::PASSENGER_COLUMNS
    )
}

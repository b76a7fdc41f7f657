//! Gate scans as stored: the row type and the SQL both backends share (`$n` placeholders), and
//! PostgreSQL's multi-row statements for a gate batch (SQLite writes one through its C API, in
//! `sqlite_bulk`).

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

/// Most scans written per statement (12 values each).
const SCAN_BATCH: usize = 32;

/// `items` cut for multi-row statements: chunks of `SCAN_BATCH`, then of the powers of two that make
/// up the rest. A batch of any size then needs only six statement shapes, which stay in the
/// connection's statement cache instead of being parsed again for every new row count.
pub(super) fn statement_chunks<T>(items: &[T]) -> Vec<&[T]> {
    let mut chunks = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let size = if rest.len() >= SCAN_BATCH {
            SCAN_BATCH
        } else {
            1 << rest.len().ilog2()
        };
        let (chunk, after) = rest.split_at(size);
        chunks.push(chunk);
        rest = after;
    }
    chunks
}

/// `($1, …, $w), ($w+1, …), …` for `rows` rows of `width` values.
fn value_rows(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes `rows` scans, each unless its digest is stored; returns the ids this statement wrote.
pub(super) fn insert_scans_sql(rows: usize) -> String {
    format!(
        "INSERT INTO boarding_scans (id, digest, raw, station, gate, reader_id, scanned_at, received_at, \
         flight_id, passenger_id, outcome, detail) VALUES {} ON CONFLICT (digest) DO NOTHING RETURNING id",
        value_rows(rows, 12)
    )
}

/// Boards `rows` passengers, each at its own instant (bound as id, instant pairs), unless already
/// boarded; returns the passengers it changed and their flights.
pub(super) fn board_passengers_sql(rows: usize) -> String {
    let pairs: Vec<String> = (0..rows)
        .map(|r| {
            // PostgreSQL cannot infer the types of a VALUES list's columns.
            format!("(${}::uuid, ${}::timestamptz)", 2 * r + 1, 2 * r + 2)
        })
        .collect();
    format!(
        "UPDATE passengers SET boarding_state = 'boarded', removed_reason = NULL, \
         boarded_at = boarding.column2, updated_at = boarding.column2 FROM (VALUES {}) AS boarding \
         WHERE passengers.id = boarding.column1 AND passengers.boarding_state <> 'boarded' \
         RETURNING passengers.id, passengers.flight_id",
        pairs.join(", ")
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

#[cfg(test)]
mod tests {
    use super::statement_chunks;

    #[test]
    fn statement_chunks_cover_the_items_in_order_with_few_sizes() {
        let items: Vec<usize> = (0..100).collect();
        let chunks = statement_chunks(&items);
        let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        assert_eq!(sizes, vec![32, 32, 32, 4]);
        assert_eq!(chunks.concat(), items);
        assert_eq!(
            statement_chunks(&items[..63])
                .iter()
                .map(|c| c.len())
                .collect::<Vec<_>>(),
            vec![32, 16, 8, 4, 2, 1]
        );
        assert!(statement_chunks::<usize>(&[]).is_empty());
    }
}

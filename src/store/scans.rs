//! Gate scans and boarding: their part of the store, the row type and the SQL, and PostgreSQL's
//! multi-row statements for a gate batch (SQLite writes one through its C API, in `sqlite_capi`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{RecordedScans, StoreError};
use crate::domain::records::{BoardingScan, NewBoardingScan, NewTask, Passenger, ScanOutcome};
use crate::domain::{FlightKey, Locator};

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

/// Gate scans, the boardings they record, and the booking lookup a batch of scans needs.
#[async_trait]
pub trait ScanStore: Send + Sync {
    /// The flight's passengers holding booking `locator`, removed ones included (the caller decides).
    async fn passengers_by_locator(
        &self,
        flight_id: Uuid,
        locator: &str,
    ) -> Result<Vec<Passenger>, StoreError>;
    /// Keeps gate scans, each with who sent it, in one transaction, in order, and in the same
    /// transaction moves the passenger of each newly kept matched scan to boarded at the scan's instant
    /// (logged under its sender), so that an accepted scan and its boarding are durable together. A scan
    /// whose digest is already stored is not written again: it comes back as first stored, with `false`.
    /// The follow-up tasks those boardings call for are created in the same transaction, each as
    /// `create_task` would, so that scans, boarding and tasks cost one durable commit.
    async fn record_boarding_scans(
        &self,
        scans: &[(NewBoardingScan, String)],
        tasks: &[NewTask],
        at: DateTime<Utc>,
    ) -> Result<RecordedScans, StoreError>;
    /// Scans, newest first.
    async fn boarding_scans(&self, filter: &ScanFilter) -> Result<Vec<BoardingScan>, StoreError>;
    /// Moves each passenger to boarded at their instant, all in one transaction (one commit for a batch
    /// of gate scans), logging each change; returns, per passenger, whether they were not boarded before.
    async fn board_passengers(
        &self,
        boarded: &[(Uuid, DateTime<Utc>)],
        actor: &str,
    ) -> Result<Vec<bool>, StoreError>;
    /// The passengers of each booking (a flight and a locator), not removed or otherwise, each with
    /// whether a registry person is linked to them; one list per booking, in the order asked. What a
    /// batch of gate scans needs, in one read.
    async fn booking_passengers(
        &self,
        bookings: &[(FlightKey, Locator)],
    ) -> Result<Vec<Vec<(Passenger, bool)>>, StoreError>;
}

/// Implements `ScanStore` for a backend store over its connection type `$conn`, once for both backends;
/// the backend brings the methods whose SQL or speed differs on it.
macro_rules! scan_store {
    ($store:ty, $conn:ty, { $($backend:tt)* }) => {
        /// Each scan of a batch as kept: as given when the batch wrote it (`written`), else as it was
        /// first stored.
        async fn kept_scans<'s>(
            conn: &mut $conn,
            scans: impl Iterator<Item = (Uuid, &'s NewBoardingScan, bool)>,
            at: DateTime<Utc>,
        ) -> Result<Vec<(BoardingScan, bool)>, StoreError> {
            let mut kept = Vec::new();
            for (id, scan, written) in scans {
                let stored = if written {
                    BoardingScan {
                        id,
                        scan: scan.clone(),
                        received_at: at,
                    }
                } else {
                    sqlx::query_as::<_, ScanRow>(AssertSqlSafe(select_scan_by_digest()))
                        .bind(&scan.digest)
                        .fetch_one(&mut *conn)
                        .await?
                        .try_into()?
                };
                kept.push((stored, written));
            }
            Ok(kept)
        }

        /// Moves one passenger to boarded at `at` and logs it; false when they already were.
        async fn board(
            conn: &mut $conn,
            passenger_id: Uuid,
            at: DateTime<Utc>,
            actor: &str,
        ) -> Result<bool, StoreError> {
            let flight_id: Option<Uuid> = sqlx::query_scalar(
                "UPDATE passengers SET boarding_state = $2, removed_reason = NULL, boarded_at = $3, \
                 updated_at = $3 WHERE id = $1 AND boarding_state <> $2 RETURNING flight_id",
            )
            .bind(passenger_id)
            .bind(BoardingState::Boarded.as_str())
            .bind(at)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(flight_id) = flight_id else {
                return Ok(false);
            };
            let detail = serde_json::json!({ "state": BoardingState::Boarded.as_str(), "reason": null });
            let e = event(
                actor,
                "passenger.boarding_state",
                "passenger",
                passenger_id,
                Some(flight_id),
                None,
                detail,
            );
            insert_event(&mut *conn, &e, at).await?;
            Ok(true)
        }

        #[async_trait]
        impl $crate::store::ScanStore for $store {
            $($backend)*

            async fn passengers_by_locator(
                &self,
                flight_id: Uuid,
                locator: &str,
            ) -> Result<Vec<Passenger>, StoreError> {
                let (first, end) = booking_key_range(locator);
                sqlx::query_as::<_, PassengerRow>(AssertSqlSafe(
                    super::scans::select_passengers_by_locator(),
                ))
                .bind(flight_id)
                .bind(&first)
                .bind(&end)
                .bind(locator)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Passenger::try_from)
                .collect()
            }

            async fn boarding_scans(
                &self,
                filter: &super::ScanFilter,
            ) -> Result<Vec<crate::domain::records::BoardingScan>, StoreError> {
                let (sql, binds) = super::scans::select_scans(filter);
                let mut query = sqlx::query_as::<_, super::scans::ScanRow>(AssertSqlSafe(sql));
                for value in binds {
                    query = query.bind(value);
                }
                query
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(crate::domain::records::BoardingScan::try_from)
                    .collect()
            }

            async fn board_passengers(
                &self,
                boarded: &[(Uuid, DateTime<Utc>)],
                actor: &str,
            ) -> Result<Vec<bool>, StoreError> {
                let mut tx = self.write().await?;
                let mut changed = Vec::with_capacity(boarded.len());
                for (passenger_id, at) in boarded {
                    changed.push(board(&mut tx, *passenger_id, *at, actor).await?);
                }
                tx.commit().await?;
                Ok(changed)
            }
        }
    };
}
pub(super) use scan_store;

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

//! The flight lists waiting for identity matching (migration 0004) and the claims on them. An import
//! queues each list it stores in its own transaction; a screener claims flights, matches them and
//! deletes exactly the rows it claimed, so that a list queued meanwhile keeps waiting, and a crash at
//! any point leaves the list visibly unscreened.
//!
//! On PostgreSQL a claim is a transaction holding an advisory lock per flight (tried, never waited
//! for): another instance leaves the flight alone, and a crashed one lets go when its connection
//! drops. On SQLite, where one process writes the file, the claims are kept in the store; a second
//! process on the same file may screen a flight the first is screening, which costs time, not links.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use sqlx::{PgPool, Postgres, SqlitePool, Transaction};
use uuid::Uuid;

use super::StoreError;

/// A flight whose stored lists wait for identity matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingScreening {
    pub flight_id: Uuid,
    /// The digests of the files whose lists wait, oldest first (a file may bring a flight twice).
    pub import_digests: Vec<String>,
    /// The queue rows the claim covers: only these are deleted once the flight is screened.
    queued: Vec<i64>,
}

/// Flights claimed for screening by one caller.
#[async_trait]
pub trait ScreeningClaim: Send {
    /// The claimed flights, in the order their lists were queued.
    fn pending(&self) -> &[PendingScreening];
    /// Marks these claimed flights screened (the lists queued for them when they were claimed) and
    /// ends the claim; the other claimed flights keep waiting.
    async fn screened(self: Box<Self>, flights: &[Uuid]) -> Result<(), StoreError>;
}

/// Queue rows (id, flight, digest) in id order as one entry per flight, in order of its first row.
fn by_flight(rows: Vec<(i64, Uuid, String)>) -> Vec<PendingScreening> {
    let mut pending: Vec<PendingScreening> = Vec::new();
    let mut position: HashMap<Uuid, usize> = HashMap::new();
    for (id, flight_id, digest) in rows {
        let at = *position.entry(flight_id).or_insert_with(|| {
            pending.push(PendingScreening {
                flight_id,
                import_digests: Vec::new(),
                queued: Vec::new(),
            });
            pending.len() - 1
        });
        pending[at].import_digests.push(digest);
        pending[at].queued.push(id);
    }
    pending
}

/// The queue rows of `flights` among `pending`.
fn rows_of(pending: &[PendingScreening], flights: &[Uuid]) -> Vec<i64> {
    let flights: HashSet<&Uuid> = flights.iter().collect();
    pending
        .iter()
        .filter(|p| flights.contains(&p.flight_id))
        .flat_map(|p| p.queued.iter().copied())
        .collect()
}

/// The flights this SQLite store's callers hold.
pub(super) type HeldFlights = Arc<Mutex<HashSet<Uuid>>>;

pub(super) async fn claim_sqlite(
    reader: &SqlitePool,
    writer: &SqlitePool,
    held: &HeldFlights,
    only: Option<&[Uuid]>,
    limit: usize,
) -> Result<Box<dyn ScreeningClaim>, StoreError> {
    let rows: Vec<(i64, Uuid, String)> =
        sqlx::query_as("SELECT id, flight_id, import_digest FROM screening_queue ORDER BY id")
            .fetch_all(reader)
            .await?;
    let only: Option<HashSet<&Uuid>> = only.map(|flights| flights.iter().collect());
    let mut pending = by_flight(rows);
    {
        let mut held = held.lock().unwrap_or_else(PoisonError::into_inner);
        pending.retain(|p| only.as_ref().is_none_or(|only| only.contains(&p.flight_id)));
        pending.retain(|p| !held.contains(&p.flight_id));
        pending.truncate(limit);
        held.extend(pending.iter().map(|p| p.flight_id));
    }
    Ok(Box::new(SqliteClaim {
        writer: writer.clone(),
        held: held.clone(),
        pending,
    }))
}

struct SqliteClaim {
    writer: SqlitePool,
    held: HeldFlights,
    pending: Vec<PendingScreening>,
}

impl Drop for SqliteClaim {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        for p in &self.pending {
            held.remove(&p.flight_id);
        }
    }
}

#[async_trait]
impl ScreeningClaim for SqliteClaim {
    fn pending(&self) -> &[PendingScreening] {
        &self.pending
    }

    async fn screened(self: Box<Self>, flights: &[Uuid]) -> Result<(), StoreError> {
        let rows = rows_of(&self.pending, flights);
        if rows.is_empty() {
            return Ok(());
        }
        let rows = serde_json::to_string(&rows).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("DELETE FROM screening_queue WHERE id IN (SELECT value FROM json_each($1))")
            .bind(rows)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}

/// The first key of the advisory locks that claim flights for screening (the second is the flight's
/// hash), so that they cannot meet locks taken for anything else.
const SCREENING_LOCK_CLASS: i32 = 0x5C4EE4;

/// The waiting flights (of `$1` when not null), each locked for this transaction when no one else
/// holds it, at most `$3`; then their queue rows. Materialised, so that the locks are tried only on
/// waiting flights and stop at the limit.
const CLAIM_POSTGRES: &str = "WITH waiting AS MATERIALIZED ( \
        SELECT DISTINCT flight_id FROM screening_queue WHERE $1::uuid[] IS NULL OR flight_id = ANY($1) \
    ), claimed AS MATERIALIZED ( \
        SELECT flight_id FROM waiting \
        WHERE pg_try_advisory_xact_lock($2, hashtext(flight_id::text)) LIMIT $3 \
    ) \
    SELECT q.id, q.flight_id, q.import_digest FROM screening_queue q \
    JOIN claimed USING (flight_id) ORDER BY q.id";

pub(super) async fn claim_postgres(
    pool: &PgPool,
    only: Option<&[Uuid]>,
    limit: usize,
) -> Result<Box<dyn ScreeningClaim>, StoreError> {
    let mut tx = pool.begin().await?;
    let rows: Vec<(i64, Uuid, String)> = sqlx::query_as(CLAIM_POSTGRES)
        .bind(only.map(<[Uuid]>::to_vec))
        .bind(SCREENING_LOCK_CLASS)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
    Ok(Box::new(PostgresClaim {
        tx,
        pending: by_flight(rows),
    }))
}

/// Dropped without `screened`, the transaction rolls back and the locks go with it.
struct PostgresClaim {
    tx: Transaction<'static, Postgres>,
    pending: Vec<PendingScreening>,
}

#[async_trait]
impl ScreeningClaim for PostgresClaim {
    fn pending(&self) -> &[PendingScreening] {
        &self.pending
    }

    async fn screened(self: Box<Self>, flights: &[Uuid]) -> Result<(), StoreError> {
        let PostgresClaim { mut tx, pending } = *self;
        let rows = rows_of(&pending, flights);
        if !rows.is_empty() {
            sqlx::query("DELETE FROM screening_queue WHERE id = ANY($1)")
                .bind(rows)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_rows_group_per_flight_in_order_and_only_the_named_flights_rows_are_screened() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let pending = by_flight(vec![
            (3, a, "one".into()),
            (4, b, "one".into()),
            (7, a, "two".into()),
        ]);
        assert_eq!(pending.len(), 2);
        assert_eq!(pending[0].flight_id, a);
        assert_eq!(pending[0].import_digests, ["one", "two"]);
        assert_eq!(pending[1].import_digests, ["one"]);
        assert_eq!(rows_of(&pending, &[a]), [3, 7]);
        assert_eq!(rows_of(&pending, &[b]), [4]);
        assert!(rows_of(&pending, &[]).is_empty());
    }
}

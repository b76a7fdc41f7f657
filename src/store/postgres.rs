//! The shared backend: PostgreSQL, for several aboard instances on one database. Claims use
//! `FOR UPDATE SKIP LOCKED` so that instances share work without waiting on each other or doing it twice.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use uuid::Uuid;

// What `backend_store!` expands to names these unqualified.
use super::aboard_sql::*;
use super::events::*;
use super::flights::*;
use super::held::*;
use super::outbox::*;
use super::registry::*;
use super::rows::*;
use super::scans::*;
use super::scheduler::*;
use super::staff::*;
use super::tasks::*;
use super::*;
use crate::domain::records::*;
use crate::domain::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(
        url: &SecretString,
        max_connections: u32,
    ) -> Result<PostgresStore, StoreError> {
        let options: PgConnectOptions = url.expose_secret().parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// Writers share the pool: the database orders them.
    fn write_pool(&self) -> &PgPool {
        &self.pool
    }
}

/// `sql`'s `$LIST` as the elements of the array bound as `$1`.
fn list_sql(sql: &str) -> String {
    sql.replace("$LIST", "unnest($1) AS list(value)")
}

/// The values for `list_sql`, bound as they are.
fn list<T>(values: &[T]) -> &[T] {
    values
}

/// Rows another instance is claiming right now are skipped, not waited for.
const CLAIM_LOCK: &str = " FOR UPDATE SKIP LOCKED";

super::backend_store!(PostgresStore, PgConnection,
    store: {
        fn backend(&self) -> Backend {
            Backend::Postgres
        }

        async fn close(&self) {
            self.pool.close().await;
        }
    },
    flights: {
        // Through sqlx, each file in its own savepoint (SQLite's goes through its C API instead).
        async fn import_manifests(
            &self,
            imports: &[ManifestImport],
            at: DateTime<Utc>,
        ) -> Result<Vec<Result<ImportOutcome, StoreError>>, StoreError> {
            let mut tx = self.write().await?;
            let mut outcomes = Vec::with_capacity(imports.len());
            for import in imports {
                let mut file = sqlx::Acquire::begin(&mut *tx).await?;
                match apply_import(&mut file, import, at).await {
                    Ok(outcome) => {
                        file.commit().await?;
                        outcomes.push(Ok(outcome));
                    }
                    Err(StoreError::Conflict(reason)) => {
                        file.rollback().await?;
                        outcomes.push(Err(StoreError::Conflict(reason)));
                    }
                    Err(other) => return Err(other),
                }
            }
            tx.commit().await?;
            Ok(outcomes)
        }
    },
    scans: {
        // Multi-row statements: one round trip per chunk of the batch, not per scan.
        async fn record_boarding_scans(
            &self,
            scans: &[(crate::domain::records::NewBoardingScan, String)],
            tasks: &[NewTask],
            at: DateTime<Utc>,
        ) -> Result<super::RecordedScans, StoreError> {
            let mut tx = self.write().await?;
            let ids: Vec<Uuid> = scans.iter().map(|_| Uuid::now_v7()).collect();
            let mut written: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
            for (chunk, chunk_ids) in statement_chunks(scans)
                .into_iter()
                .zip(statement_chunks(&ids))
            {
                let mut query =
                    sqlx::query_scalar::<_, Uuid>(AssertSqlSafe(insert_scans_sql(chunk.len())));
                for ((scan, _), id) in chunk.iter().zip(chunk_ids) {
                    query = query
                        .bind(*id)
                        .bind(&scan.digest)
                        .bind(&scan.raw)
                        .bind(&scan.station)
                        .bind(scan.gate.as_deref())
                        .bind(scan.reader_id.as_deref())
                        .bind(scan.scanned_at)
                        .bind(at)
                        .bind(scan.flight_id)
                        .bind(scan.passenger_id)
                        .bind(scan.outcome.as_str())
                        .bind(scan.detail.as_deref());
                }
                written.extend(query.fetch_all(&mut *tx).await?);
            }
            // The passengers of newly written matched scans, each once, at their first scan.
            let mut boarding: Vec<(Uuid, DateTime<Utc>, &str)> = Vec::new();
            for ((scan, actor), id) in scans.iter().zip(&ids) {
                if let (true, ScanOutcome::Matched, Some(passenger)) =
                    (written.contains(id), scan.outcome, scan.passenger_id)
                    && !boarding.iter().any(|(p, _, _)| *p == passenger)
                {
                    boarding.push((passenger, scan.scanned_at, actor));
                }
            }
            let mut changed: Vec<(Uuid, Uuid, DateTime<Utc>, &str)> = Vec::new();
            for chunk in statement_chunks(&boarding) {
                let mut query =
                    sqlx::query_as::<_, (Uuid, Uuid)>(AssertSqlSafe(board_passengers_sql(chunk.len())));
                for (passenger, scanned_at, _) in chunk {
                    query = query.bind(*passenger).bind(*scanned_at);
                }
                for (passenger, flight) in query.fetch_all(&mut *tx).await? {
                    if let Some((_, scanned_at, actor)) = chunk.iter().find(|(p, _, _)| *p == passenger)
                    {
                        changed.push((passenger, flight, *scanned_at, actor));
                    }
                }
            }
            let detail = to_json(&serde_json::json!({ "state": "boarded", "reason": null }));
            for chunk in statement_chunks(&changed) {
                let mut events = sqlx::query(AssertSqlSafe(insert_events_sql(chunk.len())));
                for (passenger, flight, scanned_at, actor) in chunk {
                    events = events
                        .bind(Uuid::now_v7())
                        .bind(*scanned_at)
                        .bind(*actor)
                        .bind("passenger.boarding_state")
                        .bind("passenger")
                        .bind(passenger.to_string())
                        .bind(Some(*flight))
                        .bind(None::<Uuid>)
                        .bind(detail.clone());
                }
                events.execute(&mut *tx).await?;
            }
            let kept = scans.iter().zip(ids).map(|((scan, _), id)| (id, scan, written.contains(&id)));
            let recorded = kept_scans(&mut tx, kept, at).await?;
            let mut created = Vec::with_capacity(tasks.len());
            for task in tasks {
                created.push(insert_task(&mut tx, task, at).await?);
            }
            tx.commit().await?;
            Ok(super::RecordedScans {
                scans: recorded,
                tasks: created,
            })
        }

        // The bookings as arrays, unnested with their order.
        async fn booking_passengers(
            &self,
            bookings: &[(FlightKey, Locator)],
        ) -> Result<Vec<Vec<(Passenger, bool)>>, StoreError> {
            if bookings.is_empty() {
                return Ok(Vec::new());
            }
            let mut columns: [Vec<String>; 6] = Default::default();
            let mut dates = Vec::with_capacity(bookings.len());
            for (flight, locator) in bookings {
                let (first, end) = booking_key_range(locator.as_str());
                for (column, value) in columns.iter_mut().zip([
                    flight.flight.carrier().as_str().to_string(),
                    flight.flight.number_part(),
                    flight.origin.as_str().to_string(),
                    first,
                    end,
                    locator.as_str().to_string(),
                ]) {
                    column.push(value);
                }
                dates.push(flight.local_date);
            }
            let [carriers, numbers, origins, firsts, ends, locators] = columns;
            let rows = sqlx::query_as::<_, BookingPassengerRow>(AssertSqlSafe(
                select_bookings_passengers(
                    "SELECT n - 1 AS n, carrier, number, local_date, origin, first_key, end_key, locator \
                     FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::text[], \
                     $7::text[]) WITH ORDINALITY AS w(carrier, number, local_date, origin, first_key, \
                     end_key, locator, n)",
                ),
            ))
            .bind(carriers)
            .bind(numbers)
            .bind(dates)
            .bind(origins)
            .bind(firsts)
            .bind(ends)
            .bind(locators)
            .fetch_all(&self.pool)
            .await?;
            passengers_by_booking(rows, bookings.len())
        }
    },
    registry: {
        // Advisory locks, so that instances sharing the database screen each flight once.
        async fn claim_screening(
            &self,
            only: Option<&[Uuid]>,
            limit: usize,
        ) -> Result<Box<dyn super::ScreeningClaim>, StoreError> {
            super::screening::claim_postgres(&self.pool, only, limit).await
        }
    }
);

/// One file's import inside the batch's transaction (its own savepoint).
async fn apply_import(
    conn: &mut PgConnection,
    import: &ManifestImport,
    at: DateTime<Utc>,
) -> Result<ImportOutcome, StoreError> {
    let import_id = Uuid::now_v7();
    let fresh = sqlx::query(INSERT_IMPORT)
        .bind(import_id)
        .bind("manifest")
        .bind(&import.file_name)
        .bind(&import.digest)
        .bind(import.sent_at)
        .bind(&import.actor)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if fresh == 0 {
        return Ok(ImportOutcome {
            duplicate: true,
            flights: Vec::new(),
        });
    }
    let mut flights = Vec::with_capacity(import.flights.len());
    for list in &import.flights {
        flights.push(import_list(&mut *conn, import, list, at).await?);
    }
    let outcome = ImportOutcome {
        duplicate: false,
        flights,
    };
    sqlx::query(SET_IMPORT_SUMMARY)
        .bind(import_id)
        .bind(to_json(&outcome))
        .execute(&mut *conn)
        .await?;
    insert_event(
        &mut *conn,
        &manifest_imported(import, import_id, &outcome),
        at,
    )
    .await?;
    Ok(outcome)
}

async fn import_list(
    conn: &mut PgConnection,
    import: &ManifestImport,
    list: &FlightList,
    at: DateTime<Utc>,
) -> Result<FlightImportSummary, StoreError> {
    let (flight_id, last_list): (Uuid, Option<DateTime<Utc>>) =
        bind_flight!(sqlx::query_as(UPSERT_LISTED_FLIGHT), &list.flight, at)
            .fetch_one(&mut *conn)
            .await?;
    let key = &list.flight.key;
    check_list_order(&key.to_string(), &import.format, last_list, import.sent_at)?;
    let stored = sqlx::query_as::<_, StoredPassenger>(SELECT_STORED_PASSENGERS)
        .bind(flight_id)
        .fetch_all(&mut *conn)
        .await?;
    let plan = plan_list(&stored, list)?;
    let writes: Vec<_> = plan.inserts.iter().chain(&plan.updates).collect();
    for batch in writes.chunks(PASSENGER_BATCH) {
        let mut query = sqlx::query(AssertSqlSafe(passenger_upsert_sql(batch.len()))).bind(at);
        for (id, passenger, digest) in batch {
            query = bind_passenger!(query, *id, flight_id, *passenger, digest.clone());
        }
        query.execute(&mut *conn).await?;
    }
    let reason = removal_reason(import, list);
    let mut cancelled_tasks = 0;
    for batch in plan.removals.chunks(PASSENGER_BATCH) {
        let mut removal = sqlx::query(AssertSqlSafe(mark_removed_sql(batch.len())))
            .bind(&reason)
            .bind(at);
        let mut cancel = sqlx::query_as::<_, (Uuid, Uuid, Option<Uuid>)>(AssertSqlSafe(
            cancel_tasks_sql(batch.len()),
        ))
        .bind(&reason)
        .bind(at);
        for id in batch {
            removal = removal.bind(*id);
            cancel = cancel.bind(*id);
        }
        removal.execute(&mut *conn).await?;
        for task in cancel.fetch_all(&mut *conn).await? {
            cancelled_tasks += 1;
            let e = task_cancelled_by_import(&import.actor, task, &reason);
            insert_event(&mut *conn, &e, at).await?;
        }
        for id in batch {
            let e = passenger_removed(&import.actor, *id, flight_id, &reason);
            insert_event(&mut *conn, &e, at).await?;
        }
    }
    if let Some(sent_at) = import.sent_at {
        sqlx::query(SET_FLIGHT_LIST_TIME)
            .bind(flight_id)
            .bind(sent_at)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(QUEUE_SCREENING)
        .bind(flight_id)
        .bind(&import.digest)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(FlightImportSummary {
        flight_id,
        flight: key.to_string(),
        added: plan.inserts.len(),
        updated: plan.updates.len(),
        unchanged: plan.unchanged,
        removed: plan.removals.len(),
        cancelled_tasks,
    })
}

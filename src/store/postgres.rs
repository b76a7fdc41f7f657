//! The shared backend: PostgreSQL, for several aboard instances on one database. Claims use
//! `FOR UPDATE SKIP LOCKED` so that instances share work without waiting on each other or doing it twice.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};
use uuid::Uuid;

// What `backend_store!` expands to names these unqualified.
use super::aboard_sql::*;
use super::event_hooks::*;
use super::events::*;
use super::flights::*;
use super::held::*;
use super::outbox::*;
use super::registry::*;
use super::reports::*;
use super::rows::*;
use super::scans::*;
use super::scheduler::*;
use super::staff::*;
use super::tasks::*;
use super::*;
use crate::domain::records::*;
use crate::domain::*;

/// The uplift report's counts, grouped (see the two in `reports`).
const SELECT_UPLIFT: &str = SELECT_UPLIFT_GROUPED;

/// How long the first connection may take before the server is called unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PostgresStore {
    pool: PgPool,
    signals: super::signals::TaskSignals,
    /// The one connection that listens for other instances' task changes, apart from the pool's.
    listening: PgPool,
}

impl PostgresStore {
    pub async fn connect(
        url: &SecretString,
        max_connections: u32,
    ) -> Result<PostgresStore, StoreError> {
        let options: PgConnectOptions = url.expose_secret().parse()?;
        // One connection first, briefly: a server that is down or out of reach is said at once, with
        // where it was looked for, rather than as the pool's "timed out" ten seconds later.
        let unreachable = |reason: String| StoreError::Unreachable {
            host: options.get_host().to_string(),
            port: options.get_port(),
            reason,
        };
        let first = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| unreachable(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())))?
            .map_err(|e| unreachable(e.to_string()))?;
        first.close().await?;
        let listening = PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with(options.clone());
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        let signals = super::signals::TaskSignals::default();
        tokio::spawn(super::signals::listen_postgres(
            listening.clone(),
            signals.clone(),
        ));
        Ok(PostgresStore {
            pool,
            signals,
            listening,
        })
    }

    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// After an erasure: the dead row versions holding the erased values are removed from the tables
    /// the erasure touched, rather than left until autovacuum comes round.
    async fn scrub_erased(&self) -> Result<(), StoreError> {
        sqlx::query(
            "VACUUM persons, person_identifiers, social_accounts, complaint_cases, consents, \
             identity_links, person_keys, match_decisions, staff_opt_outs, inbound_contacts, tasks, \
             messages, events",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
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
            self.listening.close().await;
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
            // A list may have cancelled the tasks of passengers it removed.
            self.signals.changed_anywhere();
            Ok(outcomes)
        }

        // Each part stored as it arrives, so that a large file's write overlaps its reading.
        async fn import_manifest_feed(
            &self,
            head: &ManifestImport,
            feed: &mut tokio::sync::mpsc::Receiver<super::Fed>,
            at: DateTime<Utc>,
        ) -> Result<ImportOutcome, StoreError> {
            let mut tx = self.write().await?;
            let Some(import_id) = begin_import(&mut tx, head, at).await? else {
                tx.commit().await?;
                return Ok(ImportOutcome {
                    duplicate: true,
                    flights: Vec::new(),
                });
            };
            let mut flights = Vec::new();
            let mut gathered: Vec<FlightList> = Vec::new();
            let mut passengers = 0;
            let warnings = loop {
                match feed.recv().await {
                    Some(super::Fed::Lists(lists)) => {
                        passengers += lists.iter().map(|l| l.passengers.len()).sum::<usize>();
                        gathered.extend(lists);
                        if passengers >= FED_PASSENGERS_PER_WRITE {
                            flights.extend(import_lists(&mut tx, head, &gathered, at).await?);
                            gathered.clear();
                            passengers = 0;
                        }
                    }
                    Some(super::Fed::End(warnings)) => break warnings,
                    None => return Err(StoreError::Abandoned),
                }
            };
            flights.extend(import_lists(&mut tx, head, &gathered, at).await?);
            let head = ManifestImport {
                warnings,
                ..head.clone()
            };
            let outcome = finish_import(&mut tx, &head, import_id, flights, at).await?;
            tx.commit().await?;
            Ok(outcome)
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
            for task in created.iter().flatten() {
                self.signals.changed(&task.new.station);
            }
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
    let Some(import_id) = begin_import(&mut *conn, import, at).await? else {
        return Ok(ImportOutcome {
            duplicate: true,
            flights: Vec::new(),
        });
    };
    let flights = import_lists(&mut *conn, import, &import.flights, at).await?;
    finish_import(&mut *conn, import, import_id, flights, at).await
}

/// Records the import; None when the same file was imported before.
async fn begin_import(
    conn: &mut PgConnection,
    import: &ManifestImport,
    at: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
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
    Ok((fresh > 0).then_some(import_id))
}

/// Stores some of the file's lists. They are stored together, a statement for all their passengers
/// instead of one per flight; a flight listed twice closes the group first, so that its second list
/// sees the first.
async fn import_lists(
    conn: &mut PgConnection,
    import: &ManifestImport,
    lists: &[FlightList],
    at: DateTime<Utc>,
) -> Result<Vec<FlightImportSummary>, StoreError> {
    let mut flights = Vec::with_capacity(lists.len());
    let mut group: Vec<(&FlightList, Uuid)> = Vec::new();
    let mut grouped: HashSet<&FlightKey> = HashSet::new();
    for list in lists {
        if !grouped.insert(&list.flight.key) {
            flights.extend(store_lists(&mut *conn, import, &group, at).await?);
            group.clear();
            grouped = HashSet::from([&list.flight.key]);
        }
        let (flight_id, last_list): (Uuid, Option<DateTime<Utc>>) =
            bind_flight!(sqlx::query_as(UPSERT_LISTED_FLIGHT), &list.flight, at)
                .fetch_one(&mut *conn)
                .await?;
        check_list_order(
            &list.flight.key.to_string(),
            &import.format,
            last_list,
            import.sent_at,
        )?;
        group.push((list, flight_id));
    }
    flights.extend(store_lists(&mut *conn, import, &group, at).await?);
    Ok(flights)
}

/// Keeps the file's summary on its import row and logs the import.
async fn finish_import(
    conn: &mut PgConnection,
    import: &ManifestImport,
    import_id: Uuid,
    flights: Vec<FlightImportSummary>,
    at: DateTime<Utc>,
) -> Result<ImportOutcome, StoreError> {
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

/// The passengers already stored for any of the flights, each with its flight.
const SELECT_FLIGHTS_STORED_PASSENGERS: &str = "SELECT flight_id, id, pax_key, content_digest, \
    boarding_state FROM passengers WHERE flight_id = ANY($1)";

#[derive(sqlx::FromRow)]
struct FlightStoredPassenger {
    flight_id: Uuid,
    #[sqlx(flatten)]
    passenger: StoredPassenger,
}

/// Passengers per statement written from arrays: the arrays of one statement stay a few megabytes.
const PASSENGERS_PER_STATEMENT: usize = 10_000;

/// Passengers of a streamed file written at a time: enough for a COPY and few round trips per flight
/// group, few enough that writing starts while the file is read.
const FED_PASSENGERS_PER_WRITE: usize = 4 * COPY_FROM;

/// New passengers from which a COPY pays. Fewer go in one INSERT: sqlx sends COPY's data and its end in
/// two writes, and on TCP the second waited for the server's delayed acknowledgement, some 40 ms a
/// COPY — a night's PNLs, one COPY each, took a minute longer.
const COPY_FROM: usize = 5_000;

/// Stores the lists of distinct flights, each flight already upserted: their stored passengers read in
/// one statement, the new ones written with COPY and the changed ones upserted from one array per
/// column, removals per flight (rare), and the list times and the screening queue in one statement
/// each.
async fn store_lists(
    conn: &mut PgConnection,
    import: &ManifestImport,
    lists: &[(&FlightList, Uuid)],
    at: DateTime<Utc>,
) -> Result<Vec<FlightImportSummary>, StoreError> {
    if lists.is_empty() {
        return Ok(Vec::new());
    }
    let flight_ids: Vec<Uuid> = lists.iter().map(|(_, id)| *id).collect();
    let mut stored: HashMap<Uuid, Vec<StoredPassenger>> = HashMap::new();
    if let [(_, flight_id)] = lists {
        // One flight (a PNL's): the query by flight whose plan stays on the index as the table grows;
        // a cached plan of the query by array, made while the table was small, scanned it whole.
        let passengers = sqlx::query_as::<_, StoredPassenger>(SELECT_STORED_PASSENGERS)
            .bind(flight_id)
            .fetch_all(&mut *conn)
            .await?;
        stored.insert(*flight_id, passengers);
    } else {
        for row in sqlx::query_as::<_, FlightStoredPassenger>(SELECT_FLIGHTS_STORED_PASSENGERS)
            .bind(&flight_ids)
            .fetch_all(&mut *conn)
            .await?
        {
            stored.entry(row.flight_id).or_default().push(row.passenger);
        }
    }
    let plans = lists
        .iter()
        .map(|(list, flight_id)| {
            plan_list(stored.get(flight_id).map_or(&[][..], Vec::as_slice), list)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let inserts = planned_writes(&plans, &flight_ids, |plan| &plan.inserts);
    if inserts.len() >= COPY_FROM {
        copy_new_passengers(&mut *conn, &inserts, at).await?;
    } else {
        write_passengers(&mut *conn, &inserts, at, "").await?;
    }
    let updates = planned_writes(&plans, &flight_ids, |plan| &plan.updates);
    write_passengers(&mut *conn, &updates, at, PASSENGER_UPSERT_TAIL).await?;
    let mut summaries = Vec::with_capacity(lists.len());
    for ((list, flight_id), plan) in lists.iter().zip(&plans) {
        let cancelled_tasks =
            remove_passengers(&mut *conn, import, list, *flight_id, &plan.removals, at).await?;
        summaries.push(FlightImportSummary {
            flight_id: *flight_id,
            flight: list.flight.key.to_string(),
            added: plan.inserts.len(),
            updated: plan.updates.len(),
            unchanged: plan.unchanged,
            removed: plan.removals.len(),
            cancelled_tasks,
        });
    }
    if let Some(sent_at) = import.sent_at {
        sqlx::query("UPDATE flights SET list_sent_at = $2 WHERE id = ANY($1)")
            .bind(&flight_ids)
            .bind(sent_at)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "INSERT INTO screening_queue (flight_id, import_digest, queued_at) \
         SELECT flight_id, $2, $3 FROM unnest($1::uuid[]) WITH ORDINALITY AS w(flight_id, n) ORDER BY n",
    )
    .bind(&flight_ids)
    .bind(&import.digest)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(summaries)
}

/// The inserts or the updates of the plans, each with its flight.
fn planned_writes<'a>(
    plans: &'a [ListPlan<'a>],
    flight_ids: &[Uuid],
    pick: fn(&'a ListPlan<'a>) -> &'a [(Uuid, &'a NewPassenger, String)],
) -> Vec<PassengerWrite<'a>> {
    plans
        .iter()
        .zip(flight_ids)
        .flat_map(|(plan, flight_id)| {
            pick(plan)
                .iter()
                .map(move |(id, p, digest)| (*id, *flight_id, *p, digest.as_str()))
        })
        .collect()
}

/// Bytes of COPY data sent at a time.
const COPY_CHUNK: usize = 1 << 20;

/// Writes new passengers with `COPY … FROM STDIN`, PostgreSQL's bulk path, as SQLite's import inserts
/// them without `ON CONFLICT` (which on PostgreSQL makes each row a speculative insertion, checked
/// and then confirmed). No conflict can arise: the plan found none of these keys stored, and the
/// flight's row, locked by its upsert until the transaction ends, keeps any other import of the
/// flight waiting.
async fn copy_new_passengers(
    conn: &mut PgConnection,
    passengers: &[PassengerWrite<'_>],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    if passengers.is_empty() {
        return Ok(());
    }
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut copy = conn
        .copy_in_raw(&format!(
            "COPY passengers ({}, boarding_state, created_at, updated_at) FROM STDIN",
            passenger_columns_but_updated_at().join(", ")
        ))
        .await?;
    let mut data = Vec::with_capacity(COPY_CHUNK + 4096);
    for (id, flight_id, p, digest) in passengers {
        let (id, flight_id) = (id.to_string(), flight_id.to_string());
        let date_of_birth = p.date_of_birth.map(|d| d.to_string());
        let checkin_sequence = p.checkin_sequence.map(|n| n.to_string());
        let service_codes = to_json(&p.service_codes);
        let (ff_airline, ff_number) = p
            .frequent_flyer
            .as_ref()
            .map(|(airline, number)| (airline.as_str(), number.as_str()))
            .unzip();
        let fields = [
            Some(id.as_str()),
            Some(flight_id.as_str()),
            Some(p.pax_key.as_str()),
            Some(p.surname.as_str()),
            Some(p.given_name.as_str()),
            p.title.as_deref(),
            Some(p.traveller_class.as_str()),
            p.locator.as_deref(),
            p.seat.as_deref(),
            p.cabin_class.as_deref(),
            p.destination.as_deref(),
            p.party_ref.as_deref(),
            ff_airline,
            ff_number,
            p.email.as_deref(),
            p.phone.as_deref(),
            date_of_birth.as_deref(),
            p.gender.as_deref(),
            p.nationality.as_deref(),
            p.docs_surname.as_deref(),
            p.docs_given.as_deref(),
            checkin_sequence.as_deref(),
            Some(service_codes.as_str()),
            Some(digest),
            Some("expected"),
            Some(at.as_str()),
            Some(at.as_str()),
        ];
        copy_row(&mut data, &fields);
        if data.len() >= COPY_CHUNK {
            copy.send(std::mem::take(&mut data)).await?;
        }
    }
    copy.send(data).await?;
    copy.finish().await?;
    Ok(())
}

/// One row of COPY's text format: fields separated by tabs, `\N` for NULL, and a backslash before
/// each backslash and an escape for each tab, newline and carriage return inside a value.
fn copy_row(out: &mut Vec<u8>, fields: &[Option<&str>]) {
    for (n, field) in fields.iter().enumerate() {
        if n > 0 {
            out.push(b'\t');
        }
        match field {
            None => out.extend_from_slice(b"\\N"),
            Some(value) => {
                for byte in value.bytes() {
                    match byte {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        other => out.push(other),
                    }
                }
            }
        }
    }
    out.push(b'\n');
}

/// A passenger to write: their id, flight, booking and digest.
type PassengerWrite<'a> = (Uuid, Uuid, &'a NewPassenger, &'a str);

/// Writes passengers from one array per column, `PASSENGER_WRITE_COLUMNS` in order: new ones with no
/// `on_conflict` clause (no conflict can arise, see [`copy_new_passengers`]), changed ones with the
/// upsert's.
async fn write_passengers(
    conn: &mut PgConnection,
    passengers: &[PassengerWrite<'_>],
    at: DateTime<Utc>,
    on_conflict: &str,
) -> Result<(), StoreError> {
    for writes in passengers.chunks(PASSENGERS_PER_STATEMENT) {
        write_passenger_arrays(&mut *conn, writes, at, on_conflict).await?;
    }
    Ok(())
}

/// One statement of [`write_passengers`].
async fn write_passenger_arrays(
    conn: &mut PgConnection,
    writes: &[PassengerWrite<'_>],
    at: DateTime<Utc>,
    on_conflict: &str,
) -> Result<(), StoreError> {
    let text = |field| text_column(writes, field);
    let arrays: Vec<String> = passenger_columns_but_updated_at()
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let kind = match *column {
                "id" | "flight_id" => "uuid",
                "date_of_birth" => "date",
                "checkin_sequence" => "int4",
                _ => "text",
            };
            format!("${}::{kind}[]", i + 2)
        })
        .collect();
    let sql = format!(
        "INSERT INTO passengers ({}, boarding_state, created_at, updated_at) \
         SELECT *, 'expected', $1, $1 FROM unnest({}){on_conflict}",
        passenger_columns_but_updated_at().join(", "),
        arrays.join(", ")
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(at)
        .bind(writes.iter().map(|(id, ..)| *id).collect::<Vec<_>>())
        .bind(
            writes
                .iter()
                .map(|(_, flight_id, ..)| *flight_id)
                .collect::<Vec<_>>(),
        )
        .bind(text(|p| Some(p.pax_key.as_str())))
        .bind(text(|p| Some(p.surname.as_str())))
        .bind(text(|p| Some(p.given_name.as_str())))
        .bind(text(|p| p.title.as_deref()))
        .bind(text(|p| Some(p.traveller_class.as_str())))
        .bind(text(|p| p.locator.as_deref()))
        .bind(text(|p| p.seat.as_deref()))
        .bind(text(|p| p.cabin_class.as_deref()))
        .bind(text(|p| p.destination.as_deref()))
        .bind(text(|p| p.party_ref.as_deref()))
        .bind(text(|p| {
            p.frequent_flyer
                .as_ref()
                .map(|(airline, _)| airline.as_str())
        }))
        .bind(text(|p| {
            p.frequent_flyer.as_ref().map(|(_, number)| number.as_str())
        }))
        .bind(text(|p| p.email.as_deref()))
        .bind(text(|p| p.phone.as_deref()))
        .bind(
            writes
                .iter()
                .map(|(_, _, p, _)| p.date_of_birth)
                .collect::<Vec<_>>(),
        )
        .bind(text(|p| p.gender.as_deref()))
        .bind(text(|p| p.nationality.as_deref()))
        .bind(text(|p| p.docs_surname.as_deref()))
        .bind(text(|p| p.docs_given.as_deref()))
        .bind(
            writes
                .iter()
                .map(|(_, _, p, _)| p.checkin_sequence)
                .collect::<Vec<_>>(),
        )
        .bind(
            writes
                .iter()
                .map(|(_, _, p, _)| to_json(&p.service_codes))
                .collect::<Vec<_>>(),
        )
        .bind(
            writes
                .iter()
                .map(|(.., digest)| *digest)
                .collect::<Vec<_>>(),
        )
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One text column of the passengers to write.
fn text_column<'a>(
    writes: &[PassengerWrite<'a>],
    field: fn(&'a NewPassenger) -> Option<&'a str>,
) -> Vec<Option<&'a str>> {
    writes.iter().map(|(_, _, p, _)| field(p)).collect()
}

/// Marks a flight's passengers removed, cancels their open tasks with the reason and logs both;
/// returns how many tasks were cancelled.
async fn remove_passengers(
    conn: &mut PgConnection,
    import: &ManifestImport,
    list: &FlightList,
    flight_id: Uuid,
    removals: &[Uuid],
    at: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let reason = removal_reason(import, list);
    let mut cancelled_tasks = 0;
    for batch in removals.chunks(PASSENGER_BATCH) {
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
    Ok(cancelled_tasks)
}

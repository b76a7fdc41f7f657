//! Upgrading a database that holds data: migration 0002 gives passenger keys written before it the
//! booking prefix that booking lookups now read, on SQLite always and on PostgreSQL when configured.

mod common;

use std::path::{Path, PathBuf};

use aboard::domain::{FlightKey, FlightNumber, Iata, Locator};
use aboard::store::{PostgresStore, SqliteStore, Store};
use chrono::NaiveDate;
use secrecy::SecretString;
use sqlx::Connection;
use sqlx::migrate::Migrator;

/// A folder holding only the first migration of `backend`, so a database can be left at version 1.
fn first_migration_only(backend: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
        .join("0001_init.sql");
    std::fs::copy(&source, dir.path().join("0001_init.sql")).expect("copy migration 0001");
    dir
}

/// Rows as version 1 stored them: one flight, a passenger whose key does not begin with the booking,
/// and one without a locator. `$1` the flight's id, `$2` the passenger's.
const OLD_FLIGHT: &str = "INSERT INTO flights (id, carrier, number, local_date, origin, status, \
     created_at, updated_at) VALUES ($1, 'IB', '6401', '2026-11-22', 'MAD', 'scheduled', \
     '2026-11-21T20:00:00+00:00', '2026-11-21T20:00:00+00:00')";
const OLD_PASSENGERS: [&str; 2] = [
    "INSERT INTO passengers (id, flight_id, pax_key, surname, given_name, traveller_class, locator, \
     service_codes, content_digest, boarding_state, created_at, updated_at) VALUES ($2, $1, \
     'X7K2QM-1', 'GARCIA', 'ANA', 'adult', 'X7K2QM', '[]', 'd', 'expected', \
     '2026-11-21T20:00:00+00:00', '2026-11-21T20:00:00+00:00')",
    "INSERT INTO passengers (id, flight_id, pax_key, surname, given_name, traveller_class, locator, \
     service_codes, content_digest, boarding_state, created_at, updated_at) VALUES ($2, $1, \
     'NOLOC-1', 'SMITH', 'JOHN', 'adult', NULL, '[]', 'd', 'expected', \
     '2026-11-21T20:00:00+00:00', '2026-11-21T20:00:00+00:00')",
];

/// Leaves the database of `$conn` at version 1 of `$backend`'s migrations holding the old rows; gives
/// the flight's id and the id of the passenger with a locator. A macro because sqlx's connection types
/// differ per backend.
macro_rules! version_one_with_old_rows {
    ($conn:expr, $backend:literal) => {{
        let first = first_migration_only($backend);
        Migrator::new(Path::new(first.path()))
            .await
            .unwrap()
            .run(&mut *$conn)
            .await
            .unwrap();
        let flight = uuid::Uuid::now_v7();
        sqlx::query(OLD_FLIGHT)
            .bind(flight)
            .execute(&mut *$conn)
            .await
            .unwrap();
        let ids: Vec<uuid::Uuid> = OLD_PASSENGERS
            .iter()
            .map(|_| uuid::Uuid::now_v7())
            .collect();
        for (sql, id) in OLD_PASSENGERS.iter().zip(&ids) {
            sqlx::query(*sql)
                .bind(flight)
                .bind(*id)
                .execute(&mut *$conn)
                .await
                .unwrap();
        }
        (flight, ids[0])
    }};
}

async fn check_upgraded(store: &dyn Store, flight: uuid::Uuid, ana: uuid::Uuid) {
    let key = FlightKey {
        flight: FlightNumber::parse("IB6401").unwrap(),
        local_date: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        origin: Iata::parse("MAD").unwrap(),
    };
    let booking = store
        .booking_passengers(&[(key, Locator::parse("X7K2QM").unwrap())])
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        booking.iter().map(|(p, _)| p.id).collect::<Vec<_>>(),
        vec![ana]
    );
    let mut keys: Vec<String> = store
        .passengers(flight)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.details.pax_key)
        .collect();
    keys.sort();
    assert_eq!(keys, ["-/NOLOC-1", "X7K2QM/X7K2QM-1"]);
}

#[tokio::test]
async fn an_sqlite_database_with_old_keys_is_upgraded_and_its_bookings_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aboard.db");
    let url = format!("sqlite:{}?mode=rwc", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let (flight, ana) = version_one_with_old_rows!(&mut conn, "sqlite");
    conn.close().await.unwrap();

    let store = SqliteStore::open(&path, 2)
        .await
        .expect("migrate to the latest version");
    check_upgraded(&store, flight, ana).await;
    store.close().await;
}

#[tokio::test]
async fn a_postgres_database_with_old_keys_is_upgraded_and_its_bookings_found() {
    let Some(admin_url) = common::postgres_admin_url() else {
        eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL upgrade test");
        return;
    };
    let name = format!("aboard_test_{}", uuid::Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = common::with_database(&admin_url, &name);
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    // The literals' text becomes PostgreSQL's dates and instants as any untyped literal does.
    let (flight, ana) = version_one_with_old_rows!(&mut conn, "postgres");
    conn.close().await.unwrap();

    let store = PostgresStore::connect(&SecretString::from(url), 2)
        .await
        .expect("migrate to the latest version");
    check_upgraded(&store, flight, ana).await;
    store.close().await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await;
}

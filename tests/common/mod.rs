//! What the black-box tests share: a fresh database per test on either backend, and the real app started
//! on port 0.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

pub mod browser;
pub mod fake_network;
pub mod feeds;
pub mod pages;
pub mod social;

use aboard::config::Config;
use aboard::store::{PostgresStore, SqliteStore, Store};
use secrecy::SecretString;
use sqlx::Connection;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A database that lives as long as the test: a temporary SQLite file, or a PostgreSQL database created
/// for this test alone and dropped afterwards.
pub struct TestDb {
    pub store: Arc<dyn Store>,
    pub url: String,
    _dir: Option<TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("aboard.db");
        let store = SqliteStore::open(&path, 4).await.expect("open SQLite");
        TestDb {
            store: Arc::new(store),
            url: format!("sqlite:{}", path.display()),
            _dir: Some(dir),
            pg_name: None,
        }
    }

    /// None when no PostgreSQL is configured outside CI; under CI=true a missing PostgreSQL fails the test.
    pub async fn postgres() -> Option<TestDb> {
        let Some(admin_url) = postgres_admin_url() else {
            eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL half of this test");
            return None;
        };
        let name = format!("aboard_test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create a test database");
        admin.close().await.ok();
        let url = with_database(&admin_url, &name);
        let store = PostgresStore::connect(&SecretString::from(url.clone()), 4)
            .await
            .expect("connect to the test database");
        Some(TestDb {
            store: Arc::new(store),
            url,
            _dir: None,
            pg_name: Some(name),
        })
    }

    /// Both backends: SQLite always, PostgreSQL when configured.
    pub async fn each() -> Vec<TestDb> {
        let mut dbs = vec![TestDb::sqlite().await];
        dbs.extend(TestDb::postgres().await);
        dbs
    }

    /// Closes the store and drops a PostgreSQL test database.
    pub async fn finish(self) {
        self.store.close().await;
        if let (Some(name), Some(admin_url)) = (self.pg_name, postgres_admin_url())
            && let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await;
        }
    }

    pub fn config(&self) -> Config {
        let mut config = Config::default();
        config.database.url = Some(SecretString::from(self.url.clone()));
        config.server.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        // Tests write flights on fixed dates, many long past; the purge the scheduler catches up at start
        // would remove them mid-test. Retention has its own tests, which set their periods.
        let retention = &mut config.scheduler.retention;
        retention.flights_days = 36_500;
        retention.tasks_days = 36_500;
        retention.messages_days = 36_500;
        // Tests count the tasks they cause; the holdout has its own tests, which turn it on.
        config.contact.holdout.fraction = 0.0;
        config
    }
}

/// The contact policy with the holdout off: tests count the tasks they cause, and a held-out person
/// would get none (tests/holdout.rs turns it on).
pub fn policy() -> aboard::tasks::ContactPolicy {
    let mut policy = aboard::tasks::ContactPolicy::default();
    policy.holdout.fraction = 0.0;
    policy
}

pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL tests must run in CI")
        }
        _ => None,
    }
}

pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A bearer token for a machine or person with `role` (and its scopes), as `aboard token create` makes.
pub async fn token(
    store: &dyn Store,
    role: aboard::domain::Role,
    stations: &[&str],
    languages: &[&str],
) -> String {
    use secrecy::ExposeSecret;
    let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let grant = aboard::web::accounts::grant(role, &owned(stations), &owned(languages))
        .expect("a valid grant");
    let issued = aboard::web::accounts::create_token(store, &format!("test {role}"), grant, "test")
        .await
        .expect("a token");
    issued.secret.expose_secret().to_string()
}

/// The real app serving on an ephemeral port until dropped.
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    pub async fn spawn(config: Config) -> TestApp {
        let listener = TcpListener::bind(config.server.listen)
            .await
            .expect("bind port 0");
        let address = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            aboard::run(listener, config, async {
                let _ = stopped.await;
            })
            .await
            .expect("the app runs");
        });
        TestApp {
            address,
            client: reqwest::Client::new(),
            stop: Some(stop),
            handle: Some(handle),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    /// GET with a bearer token.
    pub fn get_as(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(token)
    }

    /// Asks the app to stop and waits until it has closed its database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("the app stops cleanly");
        }
    }
}

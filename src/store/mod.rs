//! Storage: the `Store` trait, made of one part per concern (each in the file named after it), and its
//! two backends, SQLite (the embedded default: one file, WAL, write transactions begun IMMEDIATE) and
//! PostgreSQL (several instances share one database). Each query and transaction is written once in its
//! part and expanded for both backends by `backend_store!`; a backend's own file holds only what differs.
//! Everything that must happen once across instances — creating a task, sending a message, running a
//! scheduler tick — is decided here with unique keys and row claims, never with in-process locks. Every
//! change that matters writes its event to the log in the same transaction. Depends on `domain` only.

mod aboard_sql;
mod event_hooks;
mod events;
mod flights;
mod held;
mod outbox;
mod postgres;
mod registry;
mod reports;
mod rows;
mod scans;
mod scheduler;
mod screening;
pub mod signals;
mod sqlite;
mod sqlite_capi;
mod staff;
mod tasks;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::config::DatabaseTarget;
use crate::domain::records::{BoardingScan, PersonRecord, Task};
use crate::domain::{Channel, LinkDecision, TaskState};

pub use event_hooks::{DeliveryCounts, DeliveryResult, EventDelivery, EventHookStore};
pub use events::EventStore;
pub use flights::{Fed, FlightStore};
pub use held::HeldStore;
pub use outbox::OutboxStore;
pub use postgres::PostgresStore;
pub use registry::RegistryStore;
pub use reports::{AmbassadorCandidate, BusinessFigures, ReportStore};
pub use scans::ScanFilter;
pub use scans::ScanStore;
pub use scheduler::{FlightsPurged, SchedulerStore};
pub use screening::{PendingScreening, ScreeningClaim};
pub use sqlite::SqliteStore;
pub use staff::{SigninKey, StaffStore};
pub use tasks::TaskStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// The change contradicts what is stored (e.g. a list older than the one applied); nothing was written.
    #[error("{0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// A file streamed into its transaction was refused before its end; nothing of it was written.
    #[error("the file was refused while it was stored; nothing of it was written")]
    Abandoned,
    #[error("cannot open the data directory {path}: {reason}")]
    DataDir { path: String, reason: String },
    /// The database server did not answer; names where it was looked for, never the credentials.
    #[error("cannot reach PostgreSQL at {host}:{port}: {reason}")]
    Unreachable {
        host: String,
        port: u16,
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Which tasks to list. Empty vectors mean "any".
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub stations: Vec<String>,
    pub gate: Option<String>,
    pub flight_id: Option<Uuid>,
    pub channels: Vec<Channel>,
    pub states: Vec<TaskState>,
    pub limit: Option<i64>,
}

/// A task with its passenger's name and seat and its person's language: a row of a gate list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassengerTask {
    pub task: Task,
    pub surname: String,
    pub given_name: String,
    pub title: Option<String>,
    pub seat: Option<String>,
    /// The person's language as the registry has it; none when it has none or the person was erased.
    pub language: Option<String>,
}

/// A social task with the person it is about (`task.new.person_id`): a row of an advisor's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonTask {
    pub task: Task,
    pub display_name: String,
    pub language: Option<String>,
}

/// Which social tasks an advisor's queue holds: the open ones and those `assignee` claimed, of persons
/// whose language's primary subtag is one of `languages` (every person's when `None`).
#[derive(Debug, Clone)]
pub struct SocialQueue {
    pub assignee: String,
    pub languages: Option<Vec<String>>,
    pub limit: i64,
}

/// A station's task list fingerprint: it changes whenever a task is created or changes state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TaskListVersion {
    pub tasks: i64,
    pub latest: Option<DateTime<Utc>>,
}

/// How many of a flight's tasks are in one state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlightTaskCount {
    pub flight_id: Uuid,
    pub state: TaskState,
    pub tasks: i64,
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
    pub action_prefix: Option<String>,
    pub limit: i64,
}

/// A page of the event stream: events after the cursor `after` (an event id), oldest first, that match
/// every filter given. `kind` is an action (`task.created`) or a family of them (`task`).
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub after: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub kind: Option<String>,
    pub flight_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub limit: i64,
}

/// How a send attempt ended, as the outbox records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    Sent {
        provider_message_id: Option<String>,
    },
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    /// The request left and no answer came: wait for the network's status webhook until `until`.
    Unknown {
        until: DateTime<Utc>,
        error: String,
    },
    Failed {
        error: String,
    },
}

/// Connections the pool holds and how many of them are idle, for /metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
}

/// Row counts per table, for the demo banner, /metrics and the story test.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub flights: i64,
    pub passengers: i64,
    pub persons: i64,
    pub links: i64,
    pub tasks: i64,
    pub open_tasks: i64,
    pub messages: i64,
    pub events: i64,
}

/// What `record_boarding_scans` kept: each scan with whether it was new, and each task asked for, or
/// nothing where its passenger, flight and rule already had one.
#[derive(Debug)]
pub struct RecordedScans {
    pub scans: Vec<(BoardingScan, bool)>,
    pub tasks: Vec<Option<Task>>,
}

/// One claimed scheduler tick: who ran it, when, and how it ended (`finished_at` empty while it runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TickRecord {
    pub job: String,
    pub tick_at: DateTime<Utc>,
    pub instance: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub detail: Option<String>,
}

/// What retention removes: rows older than each instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PurgeCutoffs {
    pub events_before: DateTime<Utc>,
    pub ticks_before: DateTime<Utc>,
    pub boarding_scans_before: DateTime<Utc>,
}

/// Rows retention removed, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    pub events: u64,
    pub ticks: u64,
    pub boarding_scans: u64,
}

/// A person to upsert with the matcher's blocking keys for them (64-bit hashes stored as signed integers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedPerson {
    pub record: PersonRecord,
    pub blocking_keys: Vec<i64>,
}

/// A remembered staff decision about a person and a passenger fingerprint; `decision` is `Linked`
/// (confirmed) or `Rejected`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchDecision {
    pub person_id: Uuid,
    pub fingerprint: String,
    pub decision: LinkDecision,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

/// Rows registry retention removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RegistryPurge {
    pub cases: u64,
    pub links: u64,
}

/// The whole store, as callers hold it (`Arc<dyn Store>`): its parts by concern, each in the file named
/// after it, and what concerns the database as a whole.
#[async_trait]
pub trait Store:
    EventStore
    + EventHookStore
    + FlightStore
    + HeldStore
    + ScanStore
    + RegistryStore
    + TaskStore
    + OutboxStore
    + SchedulerStore
    + StaffStore
    + ReportStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;
    /// Answers when the database does: what /readyz asks.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Waits for open work to finish and closes every connection.
    async fn close(&self);
    fn pool_stats(&self) -> PoolStats;
    /// Rows per table.
    async fn counts(&self) -> Result<Counts, StoreError>;
}

/// Implements every part of `Store` for a backend store over its connection type, each query and
/// transaction written once (both backends take `$n` placeholders, `ON CONFLICT` and `RETURNING`). The
/// backend brings, per part, only the methods whose SQL or speed differs on it; the invoking module
/// provides `write()` (a write transaction), `write_pool()` (single-statement writes), `pool` (reads),
/// `list_sql`/`list` (a bound list of values) and `CLAIM_LOCK` (how a claim keeps other instances off).
macro_rules! backend_store {
    ($store:ty, $conn:ty,
     store: { $($own:tt)* },
     flights: { $($flights:tt)* },
     scans: { $($scans:tt)* },
     registry: { $($registry:tt)* }) => {
        $crate::store::events::event_store!($store, $conn, {});
        $crate::store::event_hooks::event_hook_store!($store, $conn, {});
        $crate::store::flights::flight_store!($store, $conn, { $($flights)* });
        $crate::store::held::held_store!($store, $conn, {});
        $crate::store::scans::scan_store!($store, $conn, { $($scans)* });
        $crate::store::registry::registry_store!($store, $conn, { $($registry)* });
        $crate::store::tasks::task_store!($store, $conn, {});
        $crate::store::outbox::outbox_store!($store, $conn, {});
        $crate::store::scheduler::scheduler_store!($store, $conn, {});
        $crate::store::staff::staff_store!($store, $conn, {});
        $crate::store::reports::report_store!($store, $conn, {});

        #[async_trait]
        impl $crate::store::Store for $store {
            $($own)*

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            fn pool_stats(&self) -> PoolStats {
                PoolStats {
                    size: self.pool.size(),
                    idle: self.pool.num_idle() as u32,
                }
            }

            async fn counts(&self) -> Result<Counts, StoreError> {
                let row: (i64, i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM flights), (SELECT COUNT(*) FROM passengers), \
                     (SELECT COUNT(*) FROM persons), (SELECT COUNT(*) FROM identity_links), \
                     (SELECT COUNT(*) FROM tasks), \
                     (SELECT COUNT(*) FROM tasks WHERE state IN ('open', 'claimed')), \
                     (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM events)",
                )
                .fetch_one(&self.pool)
                .await?;
                Ok(Counts {
                    flights: row.0,
                    passengers: row.1,
                    persons: row.2,
                    links: row.3,
                    tasks: row.4,
                    open_tasks: row.5,
                    messages: row.6,
                    events: row.7,
                })
            }
        }
    };
}
use backend_store;

/// Opens (creating if needed) and migrates the database the configuration names.
pub async fn open(
    target: &DatabaseTarget,
    max_connections: u32,
) -> Result<Arc<dyn Store>, StoreError> {
    match target {
        DatabaseTarget::Sqlite(path) => {
            Ok(Arc::new(SqliteStore::open(path, max_connections).await?))
        }
        DatabaseTarget::Postgres(url) => Ok(Arc::new(
            PostgresStore::connect(url, max_connections).await?,
        )),
    }
}

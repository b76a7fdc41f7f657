//! Storage: the `Store` trait and its two implementations, SQLite (the embedded default: one file, WAL,
//! write transactions begun IMMEDIATE) and PostgreSQL (several instances share one database). Everything
//! that must happen once across instances — creating a task, sending a message, running a scheduler tick —
//! is decided here with unique keys and row claims, never with in-process locks. Every change that matters
//! writes its event to the log in the same transaction. Depends on `domain` only.

mod aboard_sql;
mod held_sql;
mod postgres;
mod registry_sql;
mod rows;
mod scans;
mod screening;
mod sqlite;
mod sqlite_bulk;
mod sqlite_import;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::config::DatabaseTarget;
use crate::domain::records::{
    ApiToken, BoardingScan, Event, Flight, FlightUpdate, HeldMessage, IdentityLink, ImportOutcome,
    InboundMessage, ManifestImport, Message, NewApiToken, NewBoardingScan, NewEvent, NewFlight,
    NewHeldPart, NewMessage, NewSession, NewStaffAccount, NewTask, PartHeld, Passenger, Person,
    PersonRecord, StaffAccount, StaffCredentials, StaffRecord, StaffSession, Station, Task,
    TaskTransition,
};
use crate::domain::{BoardingState, Channel, FlightKey, LinkDecision, Locator, Login, TaskState};

pub use postgres::PostgresStore;
pub use scans::ScanFilter;
pub use screening::{PendingScreening, ScreeningClaim};
pub use sqlite::SqliteStore;

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
    #[error("cannot open the data directory {path}: {reason}")]
    DataDir { path: String, reason: String },
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

/// How a send attempt ended, as the outbox records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    Sent { provider_message_id: Option<String> },
    Retry { at: DateTime<Utc>, error: String },
    Failed { error: String },
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

#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Answers when the database does: what /readyz asks.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Waits for open work to finish and closes every connection.
    async fn close(&self);

    fn pool_stats(&self) -> PoolStats;

    /// Creates the flight or updates its schedule, gate and status; the key never changes.
    async fn upsert_flight(
        &self,
        flight: &NewFlight,
        at: DateTime<Utc>,
    ) -> Result<Flight, StoreError>;
    async fn flight(&self, id: Uuid) -> Result<Option<Flight>, StoreError>;
    async fn find_flight(&self, key: &FlightKey) -> Result<Option<Flight>, StoreError>;
    /// Flights whose scheduled departure lies in `[from, to)`, earliest first.
    async fn flights_departing(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Flight>, StoreError>;
    /// Flights by local departure date, as ops boards list them.
    async fn flights_on(&self, local_date: NaiveDate) -> Result<Vec<Flight>, StoreError>;

    /// Applies one file's manifest data in one transaction: flights created or updated, passengers added,
    /// refreshed or marked removed (their open tasks cancelled with the reason), the import recorded and
    /// logged. The same file twice changes nothing; a list older than the flight's last one is refused
    /// (`StoreError::Conflict`).
    async fn import_manifest(
        &self,
        import: &ManifestImport,
        at: DateTime<Utc>,
    ) -> Result<ImportOutcome, StoreError> {
        self.import_manifests(std::slice::from_ref(import), at)
            .await?
            .pop()
            .unwrap_or_else(|| Err(StoreError::NotFound("the import's outcome".to_string())))
    }
    /// Several files in one transaction, each whole or not at all: a file refused as out of order is
    /// rolled back alone (its outcome is the conflict) and the others stand; any other failure rolls
    /// back every file. One commit for a night's worth of lists instead of one per file.
    async fn import_manifests(
        &self,
        imports: &[ManifestImport],
        at: DateTime<Utc>,
    ) -> Result<Vec<Result<ImportOutcome, StoreError>>, StoreError>;
    /// Holds parts of Type B messages until their message can be applied, all in one transaction. A
    /// part held already changes nothing, nor does a part of a message closed before; one outcome per
    /// part.
    async fn hold_message_parts(
        &self,
        parts: &[NewHeldPart],
        at: DateTime<Utc>,
    ) -> Result<Vec<PartHeld>, StoreError>;
    /// The held messages not closed yet, each with its parts in part order, sent first first.
    async fn held_messages(&self) -> Result<Vec<HeldMessage>, StoreError>;
    /// Closes a held message with its outcome (applied, superseded) and deletes its parts' text; the
    /// message's key stays, so that a part delivered again is known. False when it was closed before.
    async fn close_held_message(
        &self,
        message_key: &str,
        outcome: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Deletes a held message and its parts: its parts together were refused, and the sender may send
    /// it again corrected.
    async fn forget_held_message(&self, message_key: &str) -> Result<(), StoreError>;
    /// Marks the open messages first received before `received_before` as reported stale, each once
    /// across instances, logs an event for each in the same transaction, and returns them.
    async fn claim_stale_held_messages(
        &self,
        received_before: DateTime<Utc>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<HeldMessage>, StoreError>;
    async fn passenger(&self, id: Uuid) -> Result<Option<Passenger>, StoreError>;
    async fn passengers(&self, flight_id: Uuid) -> Result<Vec<Passenger>, StoreError>;
    /// Moves a passenger to a boarding state and logs it; returns false when they were already there.
    async fn set_boarding_state(
        &self,
        passenger_id: Uuid,
        state: BoardingState,
        reason: Option<&str>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
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

    /// Creates or replaces a person by external id, with their identifiers, accounts, cases and consent.
    async fn upsert_person(
        &self,
        record: &PersonRecord,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Person, StoreError>;
    async fn person(&self, id: Uuid) -> Result<Option<Person>, StoreError>;
    async fn person_by_external_id(&self, external_id: &str) -> Result<Option<Person>, StoreError>;
    /// Removes the person, their accounts, cases, links, every event naming them and the briefs of their
    /// tasks, leaving one anonymous "person erased" event. Returns false when no such person exists.
    async fn erase_person(
        &self,
        external_id: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Creates or replaces every person of one import in one transaction, all or nothing, filing each
    /// person's blocking keys so that matching finds candidates by an indexed lookup. Returns their ids, in
    /// order.
    async fn upsert_persons(
        &self,
        persons: &[KeyedPerson],
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError>;
    /// Persons filed under any of these blocking keys.
    async fn persons_with_keys(&self, keys: &[i64]) -> Result<Vec<Person>, StoreError>;
    /// Staff decisions remembered under any of these passenger fingerprints.
    async fn match_decisions(
        &self,
        fingerprints: &[String],
    ) -> Result<Vec<MatchDecision>, StoreError>;
    /// Records a person's review decision in one transaction: the link (which the matcher then leaves
    /// alone), one remembered decision per fingerprint of the passenger, and a `link.confirmed` or
    /// `link.rejected` event.
    async fn decide_link(
        &self,
        link: &IdentityLink,
        fingerprints: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Links waiting for a person's review on flights departing from `departing_after` on (or, without
    /// any time, dated that day or later), passengers not removed: the soonest departure first, then the
    /// highest score.
    async fn links_to_review(
        &self,
        departing_after: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<IdentityLink>, StoreError>;
    /// Registry retention: deletes complaint cases resolved before one instant and identity links last
    /// changed before another, in one transaction, and logs what it removed.
    async fn purge_registry(
        &self,
        cases_resolved_before: DateTime<Utc>,
        links_before: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<RegistryPurge, StoreError>;

    /// Records the matcher's or a person's decision. A staff decision is never overwritten by the matcher.
    async fn upsert_link(&self, link: &IdentityLink) -> Result<(), StoreError>;
    async fn links_for_flight(&self, flight_id: Uuid) -> Result<Vec<IdentityLink>, StoreError>;
    async fn links_for_passenger(
        &self,
        passenger_id: Uuid,
    ) -> Result<Vec<IdentityLink>, StoreError>;

    /// Tasks for a person created since `since` that reached or may still reach them (open, claimed or
    /// done): what the contact cool-down counts.
    async fn recent_contacts(
        &self,
        person_id: Uuid,
        since: DateTime<Utc>,
    ) -> Result<Vec<Task>, StoreError>;

    /// Applies a flight event and logs it as `action` (e.g. `flight.gate_closed`); returns the flight before
    /// and after.
    async fn update_flight(
        &self,
        flight_id: Uuid,
        update: &FlightUpdate,
        action: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(Flight, Flight), StoreError>;

    /// Cancels the flight's open and claimed tasks (all, or one passenger's) with the reason; returns them.
    async fn cancel_tasks(
        &self,
        flight_id: Uuid,
        passenger_id: Option<Uuid>,
        reason: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError>;

    /// Moves the due and expiry times of the flight's open and claimed tasks on `channels` by `delta`, as
    /// the flight's clock moves; returns how many moved.
    async fn shift_task_deadlines(
        &self,
        flight_id: Uuid,
        channels: &[Channel],
        delta: chrono::Duration,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    async fn upsert_station(&self, station: &Station) -> Result<(), StoreError>;
    async fn station(&self, iata: &str) -> Result<Option<Station>, StoreError>;

    /// Creates the task unless one exists for the same flight, passenger and rule; returns it only when this
    /// call created it.
    async fn create_task(
        &self,
        task: &NewTask,
        at: DateTime<Utc>,
    ) -> Result<Option<Task>, StoreError>;
    async fn task(&self, id: Uuid) -> Result<Option<Task>, StoreError>;
    async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError>;
    /// How many tasks a station has and when the latest of them last changed: a cheap fingerprint that a
    /// live page polls, so that every instance sharing the database sees another's new tasks.
    async fn task_list_version(&self, station: &str) -> Result<TaskListVersion, StoreError>;
    /// Tasks per flight and state for the flights of one local date, for the ops board.
    async fn task_counts_on(
        &self,
        local_date: NaiveDate,
    ) -> Result<Vec<FlightTaskCount>, StoreError>;
    /// Applies the transition only if the task is in one of `from`; returns the updated task, or None when
    /// it was not (someone else got there first).
    async fn transition_task(
        &self,
        transition: &TaskTransition,
    ) -> Result<Option<Task>, StoreError>;
    /// Applies the transition as `transition_task` does and, in the same transaction when it applied,
    /// keeps what staff recorded about the task's person as aboard's own (an erased person has nothing
    /// to keep it on). An opt-out also cancels the person's other open and claimed tasks and withdraws
    /// their messages still queued in the outbox. Each is logged.
    async fn close_task_recording(
        &self,
        transition: &TaskTransition,
        record: &StaffRecord,
    ) -> Result<Option<Task>, StoreError>;
    /// Notes when a person wrote to the airline, finding them by the sender's account (network user id,
    /// else handle). Returns the persons it was noted on; none for a sender no account names, whose
    /// message is logged all the same.
    async fn record_inbound(
        &self,
        message: &InboundMessage,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError>;

    /// Queues a message; a second call with the same idempotency key returns the first message unchanged.
    async fn enqueue_message(
        &self,
        message: &NewMessage,
        at: DateTime<Utc>,
    ) -> Result<Message, StoreError>;
    /// Leases up to `limit` due messages to `instance` until `lease_until`; a leased message is invisible to
    /// other instances until the lease ends, so no two instances send it.
    async fn claim_messages(
        &self,
        instance: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError>;
    async fn finish_message(
        &self,
        id: Uuid,
        result: &SendResult,
        at: DateTime<Utc>,
    ) -> Result<Message, StoreError>;
    async fn messages_for_task(&self, task_id: Uuid) -> Result<Vec<Message>, StoreError>;
    /// Messages queued since `since` for any task, newest first, at most `limit`: what an advisor's new
    /// text is compared with to warn of a stock text sent to several passengers.
    async fn recent_messages(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError>;

    async fn append_event(&self, event: &NewEvent, at: DateTime<Utc>) -> Result<Event, StoreError>;
    /// Newest first.
    async fn events(&self, filter: &EventFilter) -> Result<Vec<Event>, StoreError>;

    /// Claims one scheduler tick for `instance`; false when another instance (or an earlier run) has it.
    async fn claim_tick(
        &self,
        job: &str,
        tick_at: DateTime<Utc>,
        instance: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn finish_tick(
        &self,
        job: &str,
        tick_at: DateTime<Utc>,
        outcome: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    async fn counts(&self) -> Result<Counts, StoreError>;

    // The scheduler's jobs: task expiry and escalation, retention, and the tick history it shows.
    /// Ends every open or claimed task whose expiry has passed, one `task.expired` event each; returns
    /// their ids.
    async fn expire_tasks(&self, now: DateTime<Utc>, actor: &str) -> Result<Vec<Uuid>, StoreError>;
    /// Raises by one the priority of each open task that is past due or expires within `warn_before`,
    /// once per task, with a `task.escalated` event; returns their ids.
    async fn escalate_tasks(
        &self,
        now: DateTime<Utc>,
        warn_before: TimeDelta,
    ) -> Result<Vec<Uuid>, StoreError>;
    /// Deletes events, scheduler ticks and boarding scans older than their cutoffs in one transaction
    /// and logs what it removed.
    async fn purge(
        &self,
        cutoffs: &PurgeCutoffs,
        at: DateTime<Utc>,
    ) -> Result<PurgeReport, StoreError>;
    /// The latest claimed tick of every job that ever ran.
    async fn last_ticks(&self) -> Result<Vec<TickRecord>, StoreError>;
    /// Creates a staff account; a login already taken is a `Conflict` and nothing is written.
    async fn create_staff(
        &self,
        account: &NewStaffAccount,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<StaffAccount, StoreError>;
    /// The account and its password hash, disabled or not: sign-in decides what a disabled account gets.
    async fn staff_credentials(
        &self,
        login: &Login,
    ) -> Result<Option<StaffCredentials>, StoreError>;
    /// Every account, by login.
    async fn staff_accounts(&self) -> Result<Vec<StaffAccount>, StoreError>;
    /// Disables the account and ends its sessions; false when no enabled account has that login.
    async fn disable_staff(
        &self,
        login: &Login,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Starts a session and logs the sign-in.
    async fn create_session(
        &self,
        session: &NewSession,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The session with this token digest, if it has not expired by `now` and its account is enabled.
    async fn session(
        &self,
        token_digest: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffSession>, StoreError>;
    /// Ends a session and logs the sign-out; false when there was none.
    async fn delete_session(
        &self,
        token_digest: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn create_api_token(
        &self,
        token: &NewApiToken,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<ApiToken, StoreError>;
    /// The unrevoked token with this digest, noting when it was used (at most once a minute, so that a busy
    /// gate reader does not write on every scan).
    async fn use_api_token(
        &self,
        token_digest: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<ApiToken>, StoreError>;
    /// Revokes the token; false when no unrevoked token has that id.
    async fn revoke_api_token(
        &self,
        id: Uuid,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Every token, revoked ones included, oldest first.
    async fn api_tokens(&self) -> Result<Vec<ApiToken>, StoreError>;

    // matching after import
    /// Which of these blocking keys some registry person has: a cheap test of whether a flight has any
    /// candidate at all before it is matched.
    async fn blocking_keys_in_registry(&self, keys: &[i64]) -> Result<Vec<i64>, StoreError>;
    /// Claims flights whose stored lists wait for identity matching (`only` those, when given; at most
    /// `limit` flights) for this caller alone: a flight another caller holds is left out. The claim ends
    /// when it is dropped (the lists keep waiting) or with `ScreeningClaim::screened`.
    async fn claim_screening(
        &self,
        only: Option<&[Uuid]>,
        limit: usize,
    ) -> Result<Box<dyn ScreeningClaim>, StoreError>;

    // gate scans
    /// The passengers of each booking (a flight and a locator), not removed or otherwise, each with
    /// whether a registry person is linked to them; one list per booking, in the order asked. What a
    /// batch of gate scans needs, in one read.
    async fn booking_passengers(
        &self,
        bookings: &[(FlightKey, Locator)],
    ) -> Result<Vec<Vec<(Passenger, bool)>>, StoreError>;
}

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

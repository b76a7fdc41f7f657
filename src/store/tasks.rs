//! Follow-up tasks: created once per passenger, flight and rule, claimed, closed, cancelled and moved.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::rows::{json_list, placeholders, word};
use super::{
    FlightTaskCount, PassengerTask, PersonTask, SocialQueue, StoreError, TaskFilter,
    TaskListVersion,
};
use crate::domain::records::{HoldoutRecord, NewTask, StaffRecord, Task, TaskTransition};
use crate::domain::{Channel, TaskOutcome};

pub(super) const TASK_COLUMNS: &str = "id, flight_id, passenger_id, person_id, rule_id, channel, station, \
    gate, priority, state, due_at, expires_at, assignee, brief, briefs, why, outcome, outcome_note, \
    cancel_reason, escalated_at, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(super) struct TaskRow {
    id: Uuid,
    flight_id: Uuid,
    passenger_id: Uuid,
    person_id: Option<Uuid>,
    rule_id: String,
    channel: String,
    station: String,
    gate: Option<String>,
    priority: i16,
    state: String,
    due_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    assignee: Option<String>,
    brief: String,
    briefs: String,
    why: String,
    outcome: Option<String>,
    outcome_note: Option<String>,
    cancel_reason: Option<String>,
    escalated_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<TaskRow> for Task {
    type Error = StoreError;
    fn try_from(r: TaskRow) -> Result<Task, StoreError> {
        Ok(Task {
            id: r.id,
            new: NewTask {
                flight_id: r.flight_id,
                passenger_id: r.passenger_id,
                person_id: r.person_id.unwrap_or(Uuid::nil()),
                rule_id: r.rule_id,
                channel: word("task channel", &r.channel)?,
                station: r.station,
                gate: r.gate,
                priority: r.priority,
                due_at: r.due_at,
                expires_at: r.expires_at,
                brief: r.brief,
                briefs: serde_json::from_str(&r.briefs)
                    .map_err(|e| super::rows::corrupt("task briefs", e))?,
                why: json_list("task reasons", &r.why)?,
                holdout: None,
            },
            state: word("task state", &r.state)?,
            assignee: r.assignee,
            outcome: r.outcome.map(|o| word("task outcome", &o)).transpose()?,
            outcome_note: r.outcome_note,
            cancel_reason: r.cancel_reason,
            escalated_at: r.escalated_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(super) const INSERT_TASK: &str = "INSERT INTO tasks (id, flight_id, passenger_id, person_id, rule_id, \
    channel, station, gate, priority, state, due_at, expires_at, brief, briefs, why, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $12, $13, $14, $15, $15) \
    ON CONFLICT (flight_id, passenger_id, rule_id) DO NOTHING";

/// The holdout's decision, once per flight and person: the first instance to decide wins.
pub(super) const INSERT_HOLDOUT: &str = "INSERT INTO holdout_assignments (id, flight_id, person_id, station, \
    flight_date, rule_id, channel, cohort, period, decided_at, decided_us) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (flight_id, person_id) DO NOTHING";

pub(super) const LAST_HELD_OUT: &str = "SELECT MAX(decided_at) FROM holdout_assignments \
    WHERE person_id = $1 AND cohort = 'held_out' AND decided_at >= $2";

pub(super) const TASK_LIST_VERSION: &str =
    "SELECT COUNT(*) AS tasks, MAX(updated_at) AS latest FROM tasks WHERE station = $1";

pub(super) const TASK_COUNTS_ON: &str = "SELECT t.flight_id, t.state, COUNT(*) AS tasks FROM tasks t \
    JOIN flights f ON f.id = t.flight_id WHERE f.local_date = $1 GROUP BY t.flight_id, t.state";

#[derive(sqlx::FromRow)]
pub(super) struct FlightTaskCountRow {
    flight_id: Uuid,
    state: String,
    tasks: i64,
}

impl TryFrom<FlightTaskCountRow> for super::FlightTaskCount {
    type Error = StoreError;
    fn try_from(row: FlightTaskCountRow) -> Result<Self, StoreError> {
        Ok(super::FlightTaskCount {
            flight_id: row.flight_id,
            state: word("task state", &row.state)?,
            tasks: row.tasks,
        })
    }
}

/// `$1` id, `$2` new state, `$3` assignee (kept when NULL), `$4` outcome, `$5` note, `$6` at; the allowed
/// previous states are appended by the caller as `AND state IN (...)`.
pub(super) const TRANSITION_TASK: &str = "UPDATE tasks SET state = $2, \
    assignee = COALESCE($3, assignee), outcome = COALESCE($4, outcome), \
    outcome_note = CASE WHEN $2 IN ('done') THEN $5 ELSE outcome_note END, \
    cancel_reason = CASE WHEN $2 IN ('cancelled', 'expired') THEN $5 ELSE cancel_reason END, \
    claimed_at = CASE WHEN $2 = 'claimed' THEN COALESCE(claimed_at, $6) ELSE claimed_at END, \
    updated_at = $6 WHERE id = $1";

/// `$1` person, `$2` the case's reference: a case aboard recorded, withdrawn with the outcome undone.
pub(super) const DELETE_ABOARD_CASE: &str = "DELETE FROM complaint_cases WHERE person_id = $1 AND external_ref = $2 AND recorded_by IS NOT NULL";

/// `$1` task, `$2` the assignee who recorded the outcome, `$3` now, `$4` the oldest closing that may
/// still be undone, then the outcomes that may be. The task comes back claimed by whoever recorded it.
pub(super) const UNDO_OUTCOME: &str = "UPDATE tasks SET state = 'claimed', outcome = NULL, \
    outcome_note = NULL, updated_at = $3 \
    WHERE id = $1 AND state = 'done' AND assignee = $2 AND updated_at >= $4";

/// `$1` person, `$2` the opt-out's task: the opt-out it recorded, withdrawn with the outcome undone.
pub(super) const DELETE_STAFF_OPT_OUT: &str =
    "DELETE FROM staff_opt_outs WHERE person_id = $1 AND task_id = $2";

/// Tasks an undone outcome had cancelled come back as they were: claimed by their assignee, or open (a
/// task is never made open again once claimed, so the assignee tells). `$1` the person or passenger, `$2`
/// the cancel reason (a `LIKE` pattern), `$3` when the outcome cancelled them, `$4` now.
pub(super) fn restore_cancelled_tasks_sql(of_passenger: bool) -> String {
    format!(
        "UPDATE tasks SET state = CASE WHEN assignee IS NULL THEN 'open' ELSE 'claimed' END, \
         cancel_reason = NULL, updated_at = $4 WHERE {} = $1 AND state = 'cancelled' \
         AND cancel_reason LIKE $2 AND updated_at = $3 RETURNING id, flight_id",
        if of_passenger {
            "passenger_id"
        } else {
            "person_id"
        }
    )
}

/// What an outcome did, as its log says, for undoing it: `$1` action, `$2` person, `$3` when; the
/// subjects.
pub(super) const SUBJECTS_LOGGED_AT: &str =
    "SELECT subject_id FROM events WHERE action = $1 AND person_id = $2 AND at = $3";
/// `$1` action, `$2` subject kind, `$3` subject, `$4` when; the detail.
pub(super) const DETAIL_LOGGED_AT: &str = "SELECT detail FROM events \
    WHERE action = $1 AND subject_kind = $2 AND subject_id = $3 AND at = $4";

/// Why a passenger's tasks were cancelled when they were offloaded: this, then the agent's note.
pub(super) const OFFLOADED_PREFIX: &str = "offloaded: ";

/// `$1` message, `$2` the reason it was withdrawn, `$3` now: a message an undone opt-out withdrew goes
/// back in the outbox.
pub(super) const REQUEUE_WITHDRAWN_MESSAGE: &str = "UPDATE messages SET state = 'queued', \
    last_error = NULL, next_attempt_at = $3 WHERE id = $1 AND state = 'failed' AND last_error = $2";

/// `$1` passenger: their boarding state and why they left the list, if they did.
pub(super) const PASSENGER_BOARDING: &str =
    "SELECT boarding_state, removed_reason FROM passengers WHERE id = $1";

/// `$1` passenger, `$2` state, `$3` reason, `$4` when.
pub(super) const SET_PASSENGER_BOARDING: &str = "UPDATE passengers SET boarding_state = $2, \
    removed_reason = $3, updated_at = $4 WHERE id = $1";

/// A value a task listing binds, in order.
pub(super) enum ListingBind {
    Id(Uuid),
    Text(String),
}

/// `TASK_COLUMNS` of the tasks table named `t`, for the listings that join it.
fn joined_task_columns() -> String {
    TASK_COLUMNS
        .split(", ")
        .map(|column| format!("t.{column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `select` (which names the tasks table `t`) narrowed to the filter, in due order; returns the SQL and
/// its binds in order.
pub(super) fn task_query(select: &str, filter: &TaskFilter) -> (String, Vec<ListingBind>) {
    let mut sql = format!("{select} WHERE 1 = 1");
    let mut binds = Vec::new();
    if let Some(flight) = filter.flight_id {
        sql.push_str(" AND t.flight_id = $1");
        binds.push(ListingBind::Id(flight));
    }
    let mut add_list = |column: &str, values: Vec<String>| {
        if !values.is_empty() {
            let list = placeholders(binds.len() + 1, values.len());
            sql.push_str(&format!(" AND t.{column} IN ({list})"));
            binds.extend(values.into_iter().map(ListingBind::Text));
        }
    };
    add_list("station", filter.stations.clone());
    add_list("gate", filter.gate.iter().cloned().collect());
    add_list(
        "channel",
        filter
            .channels
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
    );
    add_list(
        "state",
        filter
            .states
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    );
    sql.push_str(" ORDER BY t.due_at, t.priority DESC, t.id");
    if let Some(limit) = filter.limit {
        sql.push_str(&format!(" LIMIT {}", limit.max(0)));
    }
    (sql, binds)
}

pub(super) fn plain_tasks_select() -> String {
    format!("SELECT {TASK_COLUMNS} FROM tasks t")
}

/// Each task with its passenger's name and seat and its person's language. Every task has its passenger
/// (deleting a passenger deletes their tasks); an erased person leaves the language empty.
pub(super) fn passenger_tasks_select() -> String {
    format!(
        "SELECT {}, pa.surname, pa.given_name, pa.title, pa.seat, pe.language FROM tasks t \
         JOIN passengers pa ON pa.id = t.passenger_id LEFT JOIN persons pe ON pe.id = t.person_id",
        joined_task_columns()
    )
}

#[derive(sqlx::FromRow)]
pub(super) struct PassengerTaskRow {
    #[sqlx(flatten)]
    task: TaskRow,
    surname: String,
    given_name: String,
    title: Option<String>,
    seat: Option<String>,
    language: Option<String>,
}

impl TryFrom<PassengerTaskRow> for PassengerTask {
    type Error = StoreError;
    fn try_from(r: PassengerTaskRow) -> Result<PassengerTask, StoreError> {
        Ok(PassengerTask {
            task: r.task.try_into()?,
            surname: r.surname,
            given_name: r.given_name,
            title: r.title,
            seat: r.seat,
            language: r.language,
        })
    }
}

/// The person's language as its primary subtag (`es` for ` es_MX`), compared with a bound one.
const PRIMARY_LANGUAGE_IS: &str = "(replace(lower(trim(p.language)), '_', '-') = {l} \
    OR replace(lower(trim(p.language)), '_', '-') LIKE {l} || '-%')";

/// An advisor's queue: open social tasks and those `$1` claimed, of persons writing in one of the
/// queue's languages (any, when it names none), most urgent first. Tasks of erased persons are left out.
pub(super) fn social_queue_query(queue: &SocialQueue) -> (String, Vec<ListingBind>) {
    let mut sql = format!(
        "SELECT {}, p.display_name, p.language FROM tasks t JOIN persons p ON p.id = t.person_id \
         WHERE t.channel = 'social' AND (t.state = 'open' OR (t.state = 'claimed' AND t.assignee = $1))",
        joined_task_columns()
    );
    let mut binds = vec![ListingBind::Text(queue.assignee.clone())];
    if let Some(languages) = &queue.languages {
        let any_of: Vec<String> = (0..languages.len())
            .map(|i| PRIMARY_LANGUAGE_IS.replace("{l}", &format!("${}", i + 2)))
            .collect();
        let any_of = if any_of.is_empty() {
            "1 = 0".to_string()
        } else {
            any_of.join(" OR ")
        };
        sql.push_str(&format!(" AND ({any_of})"));
        binds.extend(languages.iter().cloned().map(ListingBind::Text));
    }
    sql.push_str(&format!(
        " ORDER BY t.priority DESC, t.due_at, t.id LIMIT {}",
        queue.limit.max(0)
    ));
    (sql, binds)
}

#[derive(sqlx::FromRow)]
pub(super) struct PersonTaskRow {
    #[sqlx(flatten)]
    task: TaskRow,
    display_name: String,
    language: Option<String>,
}

impl TryFrom<PersonTaskRow> for PersonTask {
    type Error = StoreError;
    fn try_from(r: PersonTaskRow) -> Result<PersonTask, StoreError> {
        Ok(PersonTask {
            task: r.task.try_into()?,
            display_name: r.display_name,
            language: r.language,
        })
    }
}

pub(super) fn recent_contacts_sql() -> String {
    format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE person_id = $1 AND created_at >= $2 \
         AND state IN ('open', 'claimed', 'done') ORDER BY created_at"
    )
}

pub(super) fn cancel_flight_tasks_sql(one_passenger: bool) -> String {
    format!(
        "UPDATE tasks SET state = 'cancelled', cancel_reason = $2, updated_at = $3 \
         WHERE flight_id = $1 AND state IN ('open', 'claimed'){} RETURNING id, person_id",
        if one_passenger {
            " AND passenger_id = $4"
        } else {
            ""
        }
    )
}

/// The tasks whose deadlines follow the flight's clock; moved one by one in Rust so both backends do the
/// same date arithmetic.
pub(super) fn movable_tasks_sql(channels: usize) -> String {
    format!(
        "SELECT id, due_at, expires_at FROM tasks WHERE flight_id = $1 AND state IN ('open', 'claimed') \
         AND channel IN ({})",
        placeholders(2, channels)
    )
}

pub(super) const MOVE_TASK: &str =
    "UPDATE tasks SET due_at = $2, expires_at = $3, updated_at = $4 WHERE id = $1";

/// Follow-up tasks.
#[async_trait]
pub trait TaskStore: Send + Sync {
    /// Tasks for a person created since `since` that reached or may still reach them (open, claimed or
    /// done): what the contact cool-down counts.
    async fn recent_contacts(
        &self,
        person_id: Uuid,
        since: DateTime<Utc>,
    ) -> Result<Vec<Task>, StoreError>;
    /// Records a holdout decision on its own, for a flight the store may no longer hold (imported
    /// history); false when the flight and person have one already.
    async fn record_holdout(&self, record: &HoldoutRecord) -> Result<bool, StoreError>;
    /// When the person was last held out (the holdout group) since `since`: a contact for the cool-down.
    async fn last_held_out(
        &self,
        person_id: Uuid,
        since: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;
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
    /// Creates the task unless one exists for the same flight, passenger and rule; returns it only when this
    /// call created it.
    async fn create_task(
        &self,
        task: &NewTask,
        at: DateTime<Utc>,
    ) -> Result<Option<Task>, StoreError>;
    async fn task(&self, id: Uuid) -> Result<Option<Task>, StoreError>;
    async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError>;
    /// The filter's tasks, each with its passenger's name and seat and its person's language, in one
    /// query: what a gate list shows.
    async fn passenger_tasks(&self, filter: &TaskFilter) -> Result<Vec<PassengerTask>, StoreError>;
    /// One task as `passenger_tasks` shows it.
    async fn passenger_task(&self, id: Uuid) -> Result<Option<PassengerTask>, StoreError>;
    /// An advisor's queue, filtered by language in the query, with each task's person.
    async fn social_queue(&self, queue: &SocialQueue) -> Result<Vec<PersonTask>, StoreError>;
    /// How many tasks a station has and when the latest of them last changed: a cheap fingerprint that a
    /// live page polls, so that every instance sharing the database sees another's new tasks.
    async fn task_list_version(&self, station: &str) -> Result<TaskListVersion, StoreError>;
    /// Word of each committed change to a station's tasks, from this instance and (on PostgreSQL)
    /// every other: see `signals`.
    fn task_signals(&self) -> &super::signals::TaskSignals;
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
    /// Takes back an outcome `assignee` recorded at or after `since`, when it is one of `undoable`: the
    /// task is theirs and claimed again, and the log says so (`task.outcome_undone`). None when there is
    /// no such outcome to take back.
    async fn undo_outcome(
        &self,
        task_id: Uuid,
        assignee: &str,
        undoable: &[TaskOutcome],
        since: DateTime<Utc>,
        actor: &str,
        at: DateTime<Utc>,
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
    /// Applies the transition as `transition_task` does and, in the same transaction when it applied,
    /// takes the task's passenger off the flight (`offloaded`, for `reason`) and cancels their other open
    /// and claimed tasks on it. Each is logged, with the boarding state it replaced, so that the outcome
    /// can be undone.
    async fn close_task_offloading(
        &self,
        transition: &TaskTransition,
        reason: &str,
    ) -> Result<Option<Task>, StoreError>;
    /// Takes a passenger off their flight (`offloaded`, for `reason`) and cancels their open and
    /// claimed tasks on it, in one transaction, logged as `close_task_offloading` logs it; returns the
    /// tasks cancelled. What a gate system or ops report, where no task is being closed.
    async fn offload_passenger(
        &self,
        passenger_id: Uuid,
        reason: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError>;
}

/// Implements `TaskStore` for a backend store over its connection type `$conn`, once for both backends;
/// the backend brings the methods whose SQL or speed differs on it.
macro_rules! task_store {
    ($store:ty, $conn:ty, { $($backend:tt)* }) => {
        /// Creates the task unless its passenger, flight and rule have one, and logs it; the caller's
        /// transaction commits. With the holdout on, records the person's group for the flight first; a
        /// held-out person gets no task, and the holdout is logged once (with the rule that fired).
        async fn insert_task(
            conn: &mut $conn,
            task: &NewTask,
            at: DateTime<Utc>,
        ) -> Result<Option<Task>, StoreError> {
            if let Some(holdout) = &task.holdout {
                let record = HoldoutRecord {
                    flight_id: task.flight_id,
                    person_id: task.person_id,
                    station: task.station.clone(),
                    rule_id: task.rule_id.clone(),
                    channel: task.channel,
                    assignment: holdout.clone(),
                    decided_at: at,
                };
                let recorded = insert_holdout(&mut *conn, &record).await?;
                if holdout.cohort == Cohort::HeldOut {
                    if recorded {
                        let detail = serde_json::json!({
                            "rule": task.rule_id,
                            "channel": task.channel.as_str(),
                            "period": holdout.period,
                        });
                        let e = event(
                            "aboard",
                            "task.held_out",
                            "passenger",
                            task.passenger_id,
                            Some(task.flight_id),
                            Some(task.person_id),
                            detail,
                        );
                        insert_event(&mut *conn, &e, at).await?;
                    }
                    return Ok(None);
                }
            }
            let id = Uuid::now_v7();
            let inserted = sqlx::query(INSERT_TASK)
                .bind(id)
                .bind(task.flight_id)
                .bind(task.passenger_id)
                .bind(task.person_id)
                .bind(&task.rule_id)
                .bind(task.channel.as_str())
                .bind(&task.station)
                .bind(task.gate.as_deref())
                .bind(task.priority)
                .bind(task.due_at)
                .bind(task.expires_at)
                .bind(&task.brief)
                .bind(to_json(&task.briefs))
                .bind(to_json(&task.why))
                .bind(at)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if inserted == 0 {
                return Ok(None);
            }
            let detail = serde_json::json!({ "rule": task.rule_id, "channel": task.channel.as_str() });
            let e = event(
                "aboard",
                "task.created",
                "task",
                id,
                Some(task.flight_id),
                Some(task.person_id),
                detail,
            );
            insert_event(&mut *conn, &e, at).await?;
            fetch_task(&mut *conn, id).await
        }

        /// Records the holdout's decision for a flight and person unless one is recorded; whether it was.
        async fn insert_holdout(
            conn: &mut $conn,
            record: &HoldoutRecord,
        ) -> Result<bool, StoreError> {
            let id = Uuid::now_v7();
            let inserted = sqlx::query(INSERT_HOLDOUT)
                .bind(id)
                .bind(record.flight_id)
                .bind(record.person_id)
                .bind(&record.station)
                .bind(record.assignment.flight_date)
                .bind(&record.rule_id)
                .bind(record.channel.as_str())
                .bind(record.assignment.cohort.as_str())
                .bind(record.assignment.period)
                .bind(record.decided_at)
                .bind(record.decided_at.timestamp_micros())
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if inserted == 0 {
                return Ok(false);
            }
            keep_outcomes(&mut *conn, record.person_id, OutcomeChange::Decided(id)).await?;
            Ok(true)
        }

        /// Applies a task's transition if the task is still in one of its `from` states, and logs it; the
        /// caller's transaction commits.
        async fn transition(
            conn: &mut $conn,
            t: &TaskTransition,
        ) -> Result<Option<Task>, StoreError> {
            let sql = format!(
                "{TRANSITION_TASK} AND state IN ({})",
                placeholders(7, t.from.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql))
                .bind(t.task_id)
                .bind(t.to.as_str())
                .bind(t.assignee.as_deref())
                .bind(t.outcome.map(|o| o.as_str()))
                .bind(t.note.as_deref())
                .bind(t.at);
            for state in &t.from {
                query = query.bind(state.as_str());
            }
            if query.execute(&mut *conn).await?.rows_affected() == 0 {
                return Ok(None);
            }
            let task = fetch_task(&mut *conn, t.task_id).await?;
            if let Some(task) = &task {
                let detail = serde_json::json!({
                    "to": t.to.as_str(), "outcome": t.outcome.map(|o| o.as_str()), "note": t.note,
                });
                let e = event(
                    &t.actor,
                    &format!("task.{}", t.to.as_str()),
                    "task",
                    t.task_id,
                    Some(task.new.flight_id),
                    Some(task.new.person_id),
                    detail,
                );
                insert_event(&mut *conn, &e, t.at).await?;
            }
            Ok(task)
        }

        /// Keeps what staff recorded with a task's outcome on the task's person, and logs it; the caller's
        /// transaction commits. An opt-out also ends the person's other follow-ups and withdraws their
        /// messages still queued.
        async fn keep_staff_record(
            conn: &mut $conn,
            task: &Task,
            record: &StaffRecord,
            actor: &str,
            at: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            let person_id = task.new.person_id;
            let exists: i64 = sqlx::query_scalar(PERSON_EXISTS)
                .bind(person_id)
                .fetch_one(&mut *conn)
                .await?;
            if exists == 0 {
                return Ok(());
            }
            match record {
                StaffRecord::Case(c) => {
                    sqlx::query(INSERT_ABOARD_CASE)
                        .bind(person_id)
                        .bind(&c.external_ref)
                        .bind(c.opened_at)
                        .bind(c.resolved_at)
                        .bind(&c.channel)
                        .bind(&c.category)
                        .bind(c.severity)
                        .bind(&c.summary)
                        .bind(c.status.as_str())
                        .bind(c.source_url.as_deref())
                        .bind(actor)
                        .execute(&mut *conn)
                        .await?;
                }
                StaffRecord::OptOut => {
                    sqlx::query(UPSERT_STAFF_OPT_OUT)
                        .bind(person_id)
                        .bind(task.id)
                        .bind(actor)
                        .bind(at)
                        .execute(&mut *conn)
                        .await?;
                    let cancelled = sqlx::query_as::<_, (Uuid, Uuid)>(CANCEL_PERSON_TASKS)
                        .bind(person_id)
                        .bind(OPT_OUT_CANCEL_REASON)
                        .bind(at)
                        .fetch_all(&mut *conn)
                        .await?;
                    for (task_id, flight_id) in cancelled {
                        let e = opt_out_cancel_event(task_id, flight_id, person_id, actor);
                        insert_event(&mut *conn, &e, at).await?;
                    }
                    let withdrawn: Vec<Uuid> = sqlx::query_scalar(WITHDRAW_PERSON_MESSAGES)
                        .bind(person_id)
                        .bind(OPT_OUT_CANCEL_REASON)
                        .fetch_all(&mut *conn)
                        .await?;
                    for message_id in withdrawn {
                        let e = withdrawn_message_event(message_id, person_id, actor);
                        insert_event(&mut *conn, &e, at).await?;
                    }
                }
            }
            insert_event(conn, &staff_record_event(task, record, actor), at).await?;
            Ok(())
        }

        /// Runs a task listing with its binds and reads its rows.
        async fn listing<Row, Listed>(
            pool: &sqlx::Pool<<$conn as sqlx::Connection>::Database>,
            (sql, binds): (String, Vec<ListingBind>),
        ) -> Result<Vec<Listed>, StoreError>
        where
            Row: for<'r> sqlx::FromRow<'r, <<$conn as sqlx::Connection>::Database as sqlx::Database>::Row>
                + Send
                + Unpin,
            Listed: TryFrom<Row, Error = StoreError>,
        {
            let mut query = sqlx::query_as::<_, Row>(AssertSqlSafe(sql));
            for value in binds {
                query = match value {
                    ListingBind::Id(id) => query.bind(id),
                    ListingBind::Text(text) => query.bind(text),
                };
            }
            query
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(Listed::try_from)
                .collect()
        }

        /// Logs the tasks of a flight cancelled for `reason`, each with its person.
        async fn log_cancelled(
            conn: &mut $conn,
            flight_id: Uuid,
            cancelled: &[(Uuid, Option<Uuid>)],
            reason: &str,
            actor: &str,
            at: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            for (task_id, person_id) in cancelled {
                let detail = serde_json::json!({ "to": "cancelled", "note": reason });
                let e = event(
                    actor,
                    "task.cancelled",
                    "task",
                    task_id,
                    Some(flight_id),
                    *person_id,
                    detail,
                );
                insert_event(&mut *conn, &e, at).await?;
            }
            Ok(())
        }

        /// Offloads a passenger (`(passenger, flight)`) unless already offloaded, logging the boarding
        /// state it replaced (what an undo puts back), and cancels their open and claimed tasks on the
        /// flight; returns the tasks cancelled.
        async fn offload(
            conn: &mut $conn,
            (passenger_id, flight_id): (Uuid, Uuid),
            reason: &str,
            actor: &str,
            at: DateTime<Utc>,
        ) -> Result<Vec<Uuid>, StoreError> {
            let offloaded = BoardingState::Offloaded.as_str();
            let before: Option<(String, Option<String>)> = sqlx::query_as(PASSENGER_BOARDING)
                .bind(passenger_id)
                .fetch_optional(&mut *conn)
                .await?;
            if let Some((from, from_reason)) = before.filter(|(state, _)| state != offloaded) {
                sqlx::query(SET_PASSENGER_BOARDING)
                    .bind(passenger_id)
                    .bind(offloaded)
                    .bind(reason)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?;
                let detail = serde_json::json!({
                    "state": offloaded, "reason": reason, "from": from, "from_reason": from_reason,
                });
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
            }
            let cancel_reason = format!("{OFFLOADED_PREFIX}{reason}");
            let cancelled = sqlx::query_as::<_, (Uuid, Option<Uuid>)>(AssertSqlSafe(
                cancel_flight_tasks_sql(true),
            ))
            .bind(flight_id)
            .bind(&cancel_reason)
            .bind(at)
            .bind(passenger_id)
            .fetch_all(&mut *conn)
            .await?;
            log_cancelled(conn, flight_id, &cancelled, &cancel_reason, actor, at).await?;
            Ok(cancelled.into_iter().map(|(id, _)| id).collect())
        }

        /// Takes back what an outcome did beyond its task, in the caller's transaction: what "asked not
        /// to be contacted" and "offloaded" changed is found by the time the task was closed (`closed_at`,
        /// which every change of that outcome carries) and put back unless it moved since. Returns what
        /// came back, for the log.
        async fn undo_beyond_task(
            conn: &mut $conn,
            task: &Task,
            closed_at: DateTime<Utc>,
            at: DateTime<Utc>,
        ) -> Result<serde_json::Value, StoreError> {
            let (of_passenger, subject, reason) = match task.outcome {
                Some(TaskOutcome::AskedNoContact) => {
                    sqlx::query(DELETE_STAFF_OPT_OUT)
                        .bind(task.new.person_id)
                        .bind(task.id)
                        .execute(&mut *conn)
                        .await?;
                    (false, task.new.person_id, OPT_OUT_CANCEL_REASON.to_string())
                }
                Some(TaskOutcome::Offloaded) => {
                    let logged: Option<String> = sqlx::query_scalar(DETAIL_LOGGED_AT)
                        .bind("passenger.boarding_state")
                        .bind("passenger")
                        .bind(task.new.passenger_id.to_string())
                        .bind(closed_at)
                        .fetch_optional(&mut *conn)
                        .await?;
                    if let Some(detail) = logged {
                        let detail: serde_json::Value = serde_json::from_str(&detail)
                            .map_err(|e| StoreError::Corrupt(format!("event detail: {e}")))?;
                        sqlx::query(SET_PASSENGER_BOARDING)
                            .bind(task.new.passenger_id)
                            .bind(detail["from"].as_str())
                            .bind(detail["from_reason"].as_str())
                            .bind(at)
                            .execute(&mut *conn)
                            .await?;
                    }
                    (true, task.new.passenger_id, format!("{OFFLOADED_PREFIX}%"))
                }
                _ => return Ok(serde_json::Value::Null),
            };
            let restored = sqlx::query_as::<_, (Uuid, Uuid)>(AssertSqlSafe(
                restore_cancelled_tasks_sql(of_passenger),
            ))
            .bind(subject)
            .bind(&reason)
            .bind(closed_at)
            .bind(at)
            .fetch_all(&mut *conn)
            .await?;
            let mut requeued = Vec::new();
            if !of_passenger {
                let withdrawn: Vec<String> = sqlx::query_scalar(SUBJECTS_LOGGED_AT)
                    .bind("message.failed")
                    .bind(task.new.person_id)
                    .bind(closed_at)
                    .fetch_all(&mut *conn)
                    .await?;
                for message in withdrawn {
                    let id = Uuid::parse_str(&message)
                        .map_err(|e| StoreError::Corrupt(format!("event subject {message}: {e}")))?;
                    let back = sqlx::query(REQUEUE_WITHDRAWN_MESSAGE)
                        .bind(id)
                        .bind(OPT_OUT_CANCEL_REASON)
                        .bind(at)
                        .execute(&mut *conn)
                        .await?;
                    if back.rows_affected() > 0 {
                        requeued.push(id);
                    }
                }
            }
            Ok(serde_json::json!({
                "tasks_restored": restored.iter().map(|(id, _)| id).collect::<Vec<_>>(),
                "messages_requeued": requeued,
            }))
        }

        async fn fetch_task(conn: &mut $conn, id: Uuid) -> Result<Option<Task>, StoreError> {
            sqlx::query_as::<_, TaskRow>(AssertSqlSafe(format!(
                "SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .map(Task::try_from)
            .transpose()
        }

        #[async_trait]
        impl $crate::store::TaskStore for $store {
            $($backend)*

            async fn recent_contacts(
                &self,
                person_id: Uuid,
                since: DateTime<Utc>,
            ) -> Result<Vec<Task>, StoreError> {
                sqlx::query_as::<_, TaskRow>(AssertSqlSafe(recent_contacts_sql()))
                    .bind(person_id)
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(Task::try_from)
                    .collect()
            }

            async fn record_holdout(&self, record: &HoldoutRecord) -> Result<bool, StoreError> {
                let mut tx = self.write().await?;
                let recorded = insert_holdout(&mut tx, record).await?;
                tx.commit().await?;
                Ok(recorded)
            }

            async fn last_held_out(
                &self,
                person_id: Uuid,
                since: DateTime<Utc>,
            ) -> Result<Option<DateTime<Utc>>, StoreError> {
                Ok(sqlx::query_scalar(LAST_HELD_OUT)
                    .bind(person_id)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn cancel_tasks(
                &self,
                flight_id: Uuid,
                passenger_id: Option<Uuid>,
                reason: &str,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<Vec<Uuid>, StoreError> {
                let mut tx = self.write().await?;
                let sql = cancel_flight_tasks_sql(passenger_id.is_some());
                let mut query = sqlx::query_as::<_, (Uuid, Option<Uuid>)>(AssertSqlSafe(sql))
                    .bind(flight_id)
                    .bind(reason)
                    .bind(at);
                if let Some(passenger_id) = passenger_id {
                    query = query.bind(passenger_id);
                }
                let cancelled = query.fetch_all(&mut *tx).await?;
                log_cancelled(&mut tx, flight_id, &cancelled, reason, actor, at).await?;
                tx.commit().await?;
                if !cancelled.is_empty() {
                    self.signals.changed_anywhere();
                }
                Ok(cancelled.into_iter().map(|(id, _)| id).collect())
            }

            async fn shift_task_deadlines(
                &self,
                flight_id: Uuid,
                channels: &[Channel],
                delta: chrono::Duration,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                if channels.is_empty() || delta.is_zero() {
                    return Ok(0);
                }
                let mut tx = self.write().await?;
                let mut query = sqlx::query_as::<_, (Uuid, DateTime<Utc>, DateTime<Utc>)>(AssertSqlSafe(
                    movable_tasks_sql(channels.len()),
                ))
                .bind(flight_id);
                for channel in channels {
                    query = query.bind(channel.as_str());
                }
                let tasks = query.fetch_all(&mut *tx).await?;
                for (task_id, due_at, expires_at) in &tasks {
                    sqlx::query(MOVE_TASK)
                        .bind(task_id)
                        .bind(*due_at + delta)
                        .bind(*expires_at + delta)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    let detail = serde_json::json!({ "moved_minutes": delta.num_minutes() });
                    let e = event(
                        actor,
                        "task.rescheduled",
                        "task",
                        task_id,
                        Some(flight_id),
                        None,
                        detail,
                    );
                    insert_event(&mut tx, &e, at).await?;
                }
                tx.commit().await?;
                if !tasks.is_empty() {
                    self.signals.changed_anywhere();
                }
                Ok(tasks.len() as u64)
            }

            async fn create_task(
                &self,
                task: &NewTask,
                at: DateTime<Utc>,
            ) -> Result<Option<Task>, StoreError> {
                let mut tx = self.write().await?;
                let created = insert_task(&mut tx, task, at).await?;
                tx.commit().await?;
                if created.is_some() {
                    self.signals.changed(&task.station);
                }
                Ok(created)
            }

            async fn task(&self, id: Uuid) -> Result<Option<Task>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                fetch_task(&mut conn, id).await
            }

            async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError> {
                listing::<TaskRow, Task>(&self.pool, task_query(&plain_tasks_select(), filter)).await
            }

            async fn passenger_tasks(
                &self,
                filter: &TaskFilter,
            ) -> Result<Vec<PassengerTask>, StoreError> {
                let query = task_query(&passenger_tasks_select(), filter);
                listing::<PassengerTaskRow, PassengerTask>(&self.pool, query).await
            }

            async fn passenger_task(&self, id: Uuid) -> Result<Option<PassengerTask>, StoreError> {
                let sql = format!("{} WHERE t.id = $1", passenger_tasks_select());
                let query = (sql, vec![ListingBind::Id(id)]);
                Ok(listing::<PassengerTaskRow, PassengerTask>(&self.pool, query)
                    .await?
                    .pop())
            }

            async fn social_queue(&self, queue: &SocialQueue) -> Result<Vec<PersonTask>, StoreError> {
                listing::<PersonTaskRow, PersonTask>(&self.pool, social_queue_query(queue)).await
            }

            fn task_signals(&self) -> &super::signals::TaskSignals {
                &self.signals
            }

            async fn task_list_version(&self, station: &str) -> Result<TaskListVersion, StoreError> {
                Ok(sqlx::query_as::<_, TaskListVersion>(TASK_LIST_VERSION)
                    .bind(station)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn task_counts_on(
                &self,
                local_date: NaiveDate,
            ) -> Result<Vec<FlightTaskCount>, StoreError> {
                sqlx::query_as::<_, FlightTaskCountRow>(TASK_COUNTS_ON)
                    .bind(local_date)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(FlightTaskCount::try_from)
                    .collect()
            }

            async fn transition_task(&self, t: &TaskTransition) -> Result<Option<Task>, StoreError> {
                let mut tx = self.write().await?;
                let task = transition(&mut tx, t).await?;
                tx.commit().await?;
                if let Some(task) = &task {
                    self.signals.changed(&task.new.station);
                }
                Ok(task)
            }

            async fn undo_outcome(
                &self,
                task_id: Uuid,
                assignee: &str,
                undoable: &[TaskOutcome],
                since: DateTime<Utc>,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<Option<Task>, StoreError> {
                if undoable.is_empty() {
                    return Ok(None);
                }
                let mut tx = self.write().await?;
                let Some(before) = fetch_task(&mut *tx, task_id).await? else {
                    return Ok(None);
                };
                let sql = format!(
                    "{UNDO_OUTCOME} AND outcome IN ({})",
                    placeholders(5, undoable.len())
                );
                let mut query = sqlx::query(AssertSqlSafe(sql))
                    .bind(task_id)
                    .bind(assignee)
                    .bind(at)
                    .bind(since);
                for outcome in undoable {
                    query = query.bind(outcome.as_str());
                }
                if query.execute(&mut *tx).await?.rows_affected() == 0 {
                    return Ok(None);
                }
                // A new issue opened a case on the person (`tasks::outcome_record`): it goes with the tap.
                let withdrawn_case = if before.outcome == Some(TaskOutcome::TalkedNewIssue) {
                    let reference = format!("aboard-{}-{}", before.new.channel, task_id);
                    sqlx::query(DELETE_ABOARD_CASE)
                        .bind(before.new.person_id)
                        .bind(&reference)
                        .execute(&mut *tx)
                        .await?;
                    Some(reference)
                } else {
                    None
                };
                let undone = undo_beyond_task(&mut tx, &before, before.updated_at, at).await?;
                let task = fetch_task(&mut *tx, task_id).await?;
                let detail = serde_json::json!({
                    "to": TaskState::Claimed.as_str(),
                    "outcome": before.outcome.map(|o| o.as_str()),
                    "case_withdrawn": withdrawn_case,
                    "undone": undone,
                });
                let e = event(
                    actor,
                    "task.outcome_undone",
                    "task",
                    task_id,
                    Some(before.new.flight_id),
                    Some(before.new.person_id),
                    detail,
                );
                insert_event(&mut *tx, &e, at).await?;
                tx.commit().await?;
                // Tasks an opt-out or an offload had cancelled may be back, anywhere.
                self.signals.changed_anywhere();
                Ok(task)
            }

            async fn close_task_recording(
                &self,
                t: &TaskTransition,
                record: &StaffRecord,
            ) -> Result<Option<Task>, StoreError> {
                let mut tx = self.write().await?;
                let Some(task) = transition(&mut tx, t).await? else {
                    return Ok(None);
                };
                keep_staff_record(&mut tx, &task, record, &t.actor, t.at).await?;
                tx.commit().await?;
                // The record may have cancelled the person's tasks elsewhere.
                self.signals.changed_anywhere();
                Ok(Some(task))
            }

            async fn close_task_offloading(
                &self,
                t: &TaskTransition,
                reason: &str,
            ) -> Result<Option<Task>, StoreError> {
                let mut tx = self.write().await?;
                let Some(task) = transition(&mut tx, t).await? else {
                    return Ok(None);
                };
                let passenger = (task.new.passenger_id, task.new.flight_id);
                offload(&mut tx, passenger, reason, &t.actor, t.at).await?;
                tx.commit().await?;
                self.signals.changed_anywhere();
                Ok(Some(task))
            }

            async fn offload_passenger(
                &self,
                passenger_id: Uuid,
                reason: &str,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<Vec<Uuid>, StoreError> {
                let mut tx = self.write().await?;
                let flight_id: Uuid =
                    sqlx::query_scalar("SELECT flight_id FROM passengers WHERE id = $1")
                        .bind(passenger_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("passenger {passenger_id}")))?;
                let cancelled = offload(&mut tx, (passenger_id, flight_id), reason, actor, at).await?;
                tx.commit().await?;
                self.signals.changed_anywhere();
                Ok(cancelled)
            }
        }
    };
}
pub(super) use task_store;

//! The scheduler's ticks, each claimed by one instance, and its jobs: task expiry and escalation, retention.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use uuid::Uuid;

use super::events::event;
use super::{PurgeCutoffs, PurgeReport, StoreError, TickRecord};
use crate::domain::records::NewEvent;

/// A new tick, or one whose instance let its lease run out before finishing it: the row's lock makes
/// concurrent claimants wait and then find the lease taken, so one of them wins.
pub(super) const CLAIM_TICK: &str = "INSERT INTO scheduler_ticks (job, tick_at, instance, started_at, \
    lease_until) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job, tick_at) DO UPDATE SET \
    instance = excluded.instance, started_at = excluded.started_at, lease_until = excluded.lease_until \
    WHERE scheduler_ticks.finished_at IS NULL AND scheduler_ticks.lease_until < excluded.started_at";

pub(super) const RENEW_TICK: &str = "UPDATE scheduler_ticks SET lease_until = $4 \
    WHERE job = $1 AND tick_at = $2 AND instance = $3 AND finished_at IS NULL";

/// Only the instance holding the tick records its end: one that lost it records nothing.
pub(super) const FINISH_TICK: &str = "UPDATE scheduler_ticks SET finished_at = $3, outcome = $4, \
    detail = $5, lease_until = NULL WHERE job = $1 AND tick_at = $2 AND instance = $6";

pub(super) const SELECT_ABANDONED_TICKS: &str = "SELECT tick_at FROM scheduler_ticks \
    WHERE job = $1 AND finished_at IS NULL AND lease_until < $2 ORDER BY tick_at";

pub(super) const SELECT_LAST_TICKS: &str = "SELECT job, tick_at, instance, started_at, finished_at, \
    outcome, detail FROM scheduler_ticks t \
    WHERE tick_at = (SELECT MAX(tick_at) FROM scheduler_ticks m WHERE m.job = t.job) ORDER BY job";

/// `$1` now, `$2` the reason kept on each task.
pub(super) const EXPIRE_TASKS: &str = "UPDATE tasks SET state = 'expired', cancel_reason = $2, \
    updated_at = $1 WHERE state IN ('open', 'claimed') AND expires_at <= $1 \
    RETURNING id, flight_id, person_id";

pub(super) const EXPIRED_REASON: &str = "nobody completed it before it expired";

/// `$1` now, `$2` now plus the warning time. Once per task (`escalated_at`), and never a task that has
/// already expired: the expiry job ends those.
pub(super) const ESCALATE_TASKS: &str = "UPDATE tasks SET escalated_at = $1, \
    priority = CASE WHEN priority < 32767 THEN priority + 1 ELSE priority END, updated_at = $1 \
    WHERE state = 'open' AND escalated_at IS NULL AND expires_at > $1 \
    AND (due_at <= $1 OR expires_at <= $2) \
    RETURNING id, flight_id, person_id, priority, due_at, expires_at";

/// What `ESCALATE_TASKS` returns for each task it escalated.
pub(super) type EscalatedRow = (Uuid, Uuid, Option<Uuid>, i16, DateTime<Utc>, DateTime<Utc>);

pub(super) fn expired_event(
    actor: &str,
    (id, flight, person): (Uuid, Uuid, Option<Uuid>),
) -> NewEvent {
    let detail = serde_json::json!({ "to": "expired", "note": EXPIRED_REASON });
    event(
        actor,
        "task.expired",
        "task",
        id,
        Some(flight),
        person,
        detail,
    )
}

pub(super) fn escalated_event(now: DateTime<Utc>, row: &EscalatedRow) -> NewEvent {
    let (id, flight, person, priority, due_at, expires_at) = *row;
    let reason = if due_at <= now {
        format!(
            "it was due at {} and is still open",
            due_at.format("%H:%M UTC")
        )
    } else {
        format!(
            "it expires at {} and is still open",
            expires_at.format("%H:%M UTC")
        )
    };
    let detail = serde_json::json!({ "priority": priority, "reason": reason });
    event(
        "aboard",
        "task.escalated",
        "task",
        id,
        Some(flight),
        person,
        detail,
    )
}

pub(super) const PURGE_STATEMENTS: [&str; 3] = [
    "DELETE FROM events WHERE at < $1",
    "DELETE FROM scheduler_ticks WHERE tick_at < $1",
    "DELETE FROM boarding_scans WHERE received_at < $1",
];

pub(super) const PURGE_EVENT_DELIVERIES: &str =
    "DELETE FROM event_deliveries WHERE created_at < $1";

pub(super) fn purge_event(cutoffs: &super::PurgeCutoffs, report: &super::PurgeReport) -> NewEvent {
    let detail = serde_json::json!({
        "events": report.events, "events_before": cutoffs.events_before,
        "ticks": report.ticks, "ticks_before": cutoffs.ticks_before,
        "boarding_scans": report.boarding_scans, "boarding_scans_before": cutoffs.boarding_scans_before,
    });
    event(
        "aboard",
        "retention.purged",
        "retention",
        "log",
        None,
        None,
        detail,
    )
}

/// Flights past retention: arrived (or, with no time at all, dated) before the cutoffs. `$1` arrived
/// before, `$2` dated before, `$3` the batch size.
pub(super) const SELECT_FLIGHTS_PAST_RETENTION: &str = "SELECT id FROM flights \
    WHERE COALESCE(actual_arrival, estimated_arrival, scheduled_arrival, actual_departure, \
    estimated_departure, scheduled_departure) < $1 \
    OR (COALESCE(actual_arrival, estimated_arrival, scheduled_arrival, actual_departure, \
    estimated_departure, scheduled_departure) IS NULL AND local_date < $2) \
    ORDER BY id LIMIT $3";

/// A flight goes with its passengers, tasks, messages, links and import records (by their cascades);
/// its waiting screening claims first, which do not cascade.
pub(super) const DELETE_FLIGHT: [&str; 2] = [
    "DELETE FROM screening_queue WHERE flight_id = $1",
    "DELETE FROM flights WHERE id = $1",
];

pub(super) const COUNT_FLIGHT_PASSENGERS: &str =
    "SELECT COUNT(*) FROM passengers WHERE flight_id = $1";

/// `$1` ended before, `$2` the batch size; messages go with their task.
pub(super) const DELETE_ENDED_TASKS: &str = "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks \
    WHERE state NOT IN ('open', 'claimed') AND updated_at < $1 ORDER BY id LIMIT $2)";

/// `$1` written before, `$2` the batch size; a message still in the outbox's hands stays.
pub(super) const DELETE_OLD_MESSAGES: &str = "DELETE FROM messages WHERE id IN (SELECT id FROM messages \
    WHERE state NOT IN ('queued', 'sending', 'unknown') AND created_at < $1 ORDER BY id LIMIT $2)";

/// Flights and passengers one retention batch removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlightsPurged {
    pub flights: u64,
    pub passengers: u64,
}

/// The scheduler's ticks and jobs.
#[async_trait]
pub trait SchedulerStore: Send + Sync {
    /// Claims one scheduler tick for `instance` until `lease_until`; false when another instance (or an
    /// earlier run) has it, or ran it. A tick left unfinished past its lease is claimed anew.
    async fn claim_tick(
        &self,
        job: &str,
        tick_at: DateTime<Utc>,
        instance: &str,
        at: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Extends the lease of a tick `instance` holds and has not finished; false when it holds it no more.
    async fn renew_tick(
        &self,
        job: &str,
        tick_at: DateTime<Utc>,
        instance: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Records the end of a tick `instance` holds.
    async fn finish_tick(
        &self,
        job: &str,
        tick_at: DateTime<Utc>,
        instance: &str,
        outcome: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The ticks of `job` claimed but never finished whose lease ran out before `now`, oldest first.
    async fn abandoned_ticks(
        &self,
        job: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError>;
    /// The latest claimed tick of every job that ever ran.
    async fn last_ticks(&self) -> Result<Vec<TickRecord>, StoreError>;
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
    /// Deletes, in one transaction, at most `batch` flights that arrived before `arrived_before` (or,
    /// with no time known, are dated before `dated_before`), with everything of theirs.
    async fn purge_flights(
        &self,
        arrived_before: DateTime<Utc>,
        dated_before: NaiveDate,
        batch: i64,
    ) -> Result<FlightsPurged, StoreError>;
    /// Deletes at most `batch` tasks that ended before `ended_before`, with their messages.
    async fn purge_tasks(&self, ended_before: DateTime<Utc>, batch: i64)
    -> Result<u64, StoreError>;
    /// Deletes at most `batch` messages written before `written_before` that left the outbox.
    async fn purge_messages(
        &self,
        written_before: DateTime<Utc>,
        batch: i64,
    ) -> Result<u64, StoreError>;
}

/// Implements `SchedulerStore` for a backend store over its connection type `$conn`, once for both backends;
/// the backend brings the methods whose SQL or speed differs on it.
macro_rules! scheduler_store {
    ($store:ty, $conn:ty, { $($backend:tt)* }) => {
        #[async_trait]
        impl $crate::store::SchedulerStore for $store {
            $($backend)*

            async fn claim_tick(
                &self,
                job: &str,
                tick_at: DateTime<Utc>,
                instance: &str,
                at: DateTime<Utc>,
                lease_until: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let claimed = sqlx::query(CLAIM_TICK)
                    .bind(job)
                    .bind(tick_at)
                    .bind(instance)
                    .bind(at)
                    .bind(lease_until)
                    .execute(self.write_pool())
                    .await?
                    .rows_affected();
                Ok(claimed == 1)
            }

            async fn renew_tick(
                &self,
                job: &str,
                tick_at: DateTime<Utc>,
                instance: &str,
                lease_until: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let renewed = sqlx::query(RENEW_TICK)
                    .bind(job)
                    .bind(tick_at)
                    .bind(instance)
                    .bind(lease_until)
                    .execute(self.write_pool())
                    .await?
                    .rows_affected();
                Ok(renewed == 1)
            }

            async fn finish_tick(
                &self,
                job: &str,
                tick_at: DateTime<Utc>,
                instance: &str,
                outcome: &str,
                detail: &str,
                at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(FINISH_TICK)
                    .bind(job)
                    .bind(tick_at)
                    .bind(at)
                    .bind(outcome)
                    .bind(detail)
                    .bind(instance)
                    .execute(self.write_pool())
                    .await?;
                Ok(())
            }

            async fn abandoned_ticks(
                &self,
                job: &str,
                now: DateTime<Utc>,
            ) -> Result<Vec<DateTime<Utc>>, StoreError> {
                Ok(sqlx::query_scalar(SELECT_ABANDONED_TICKS)
                    .bind(job)
                    .bind(now)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn last_ticks(&self) -> Result<Vec<TickRecord>, StoreError> {
                Ok(sqlx::query_as::<_, TickRecord>(SELECT_LAST_TICKS)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn expire_tasks(&self, now: DateTime<Utc>, actor: &str) -> Result<Vec<Uuid>, StoreError> {
                let mut tx = self.write().await?;
                let expired = sqlx::query_as::<_, (Uuid, Uuid, Option<Uuid>)>(EXPIRE_TASKS)
                    .bind(now)
                    .bind(EXPIRED_REASON)
                    .fetch_all(&mut *tx)
                    .await?;
                for row in &expired {
                    insert_event(&mut tx, &expired_event(actor, *row), now).await?;
                }
                tx.commit().await?;
                if !expired.is_empty() {
                    self.signals.changed_anywhere();
                }
                Ok(expired.into_iter().map(|(id, _, _)| id).collect())
            }

            async fn escalate_tasks(
                &self,
                now: DateTime<Utc>,
                warn_before: TimeDelta,
            ) -> Result<Vec<Uuid>, StoreError> {
                let mut tx = self.write().await?;
                let escalated = sqlx::query_as::<_, EscalatedRow>(ESCALATE_TASKS)
                    .bind(now)
                    .bind(now + warn_before)
                    .fetch_all(&mut *tx)
                    .await?;
                for row in &escalated {
                    insert_event(&mut tx, &escalated_event(now, row), now).await?;
                }
                tx.commit().await?;
                if !escalated.is_empty() {
                    self.signals.changed_anywhere();
                }
                Ok(escalated.into_iter().map(|row| row.0).collect())
            }

            async fn purge(
                &self,
                cutoffs: &PurgeCutoffs,
                at: DateTime<Utc>,
            ) -> Result<PurgeReport, StoreError> {
                let mut tx = self.write().await?;
                permit_event_removal(&mut tx, "retention").await?;
                let [events, ticks, scans] = PURGE_STATEMENTS;
                let report = PurgeReport {
                    events: (sqlx::query(events)
                        .bind(cutoffs.events_before)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()),
                    ticks: (sqlx::query(ticks)
                        .bind(cutoffs.ticks_before)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()),
                    boarding_scans: (sqlx::query(scans)
                        .bind(cutoffs.boarding_scans_before)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()),
                };
                // Deliveries of the events gone with them (whatever their state) can no longer leave.
                sqlx::query(PURGE_EVENT_DELIVERIES)
                    .bind(cutoffs.events_before)
                    .execute(&mut *tx)
                    .await?;
                end_event_removal(&mut tx).await?;
                insert_event(&mut tx, &purge_event(cutoffs, &report), at).await?;
                tx.commit().await?;
                Ok(report)
            }

            async fn purge_flights(
                &self,
                arrived_before: DateTime<Utc>,
                dated_before: NaiveDate,
                batch: i64,
            ) -> Result<FlightsPurged, StoreError> {
                let mut tx = self.write().await?;
                let ids: Vec<Uuid> = sqlx::query_scalar(SELECT_FLIGHTS_PAST_RETENTION)
                    .bind(arrived_before)
                    .bind(dated_before)
                    .bind(batch)
                    .fetch_all(&mut *tx)
                    .await?;
                let mut purged = FlightsPurged::default();
                for id in ids {
                    let passengers: i64 = sqlx::query_scalar(COUNT_FLIGHT_PASSENGERS)
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    for statement in DELETE_FLIGHT {
                        sqlx::query(statement).bind(id).execute(&mut *tx).await?;
                    }
                    purged.flights += 1;
                    purged.passengers += u64::try_from(passengers).unwrap_or(0);
                }
                tx.commit().await?;
                Ok(purged)
            }

            async fn purge_tasks(&self, ended_before: DateTime<Utc>, batch: i64) -> Result<u64, StoreError> {
                Ok(sqlx::query(DELETE_ENDED_TASKS)
                    .bind(ended_before)
                    .bind(batch)
                    .execute(self.write_pool())
                    .await?
                    .rows_affected())
            }

            async fn purge_messages(
                &self,
                written_before: DateTime<Utc>,
                batch: i64,
            ) -> Result<u64, StoreError> {
                Ok(sqlx::query(DELETE_OLD_MESSAGES)
                    .bind(written_before)
                    .bind(batch)
                    .execute(self.write_pool())
                    .await?
                    .rows_affected())
            }
        }
    };
}
pub(super) use scheduler_store;

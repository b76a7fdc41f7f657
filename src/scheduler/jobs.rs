//! The housekeeping jobs: ending expired tasks, escalating tasks close to their deadline, and retention.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use super::job::{Job, JobContext, JobError, JobReport};
use crate::config::RetentionConfig;
use crate::store::{PurgeCutoffs, Store};

/// The actor the scheduler's own changes are logged under.
pub const SCHEDULER_ACTOR: &str = "scheduler";

/// Open or claimed tasks whose expiry has passed become expired, one event each.
pub struct ExpireTasks;

#[async_trait]
impl Job for ExpireTasks {
    fn name(&self) -> &'static str {
        "expire-tasks"
    }

    fn default_schedule(&self) -> &'static str {
        "*/1 * * * *"
    }

    async fn run(&self, ctx: &JobContext) -> Result<JobReport, JobError> {
        let expired = ctx.store.expire_tasks(ctx.now, SCHEDULER_ACTOR).await?;
        Ok(JobReport::ok(format!("{} task(s) expired", expired.len())))
    }
}

/// Open tasks past due, or expiring within `warn_before`, get one priority step and an event, once.
pub struct EscalateTasks {
    pub warn_before: TimeDelta,
}

#[async_trait]
impl Job for EscalateTasks {
    fn name(&self) -> &'static str {
        "escalate-tasks"
    }

    fn default_schedule(&self) -> &'static str {
        "*/1 * * * *"
    }

    async fn run(&self, ctx: &JobContext) -> Result<JobReport, JobError> {
        let escalated = ctx.store.escalate_tasks(ctx.now, self.warn_before).await?;
        Ok(JobReport::ok(format!(
            "{} task(s) escalated (past due or expiring within {} min)",
            escalated.len(),
            self.warn_before.num_minutes()
        )))
    }
}

/// Rolls up the report figures of the days that are over, then of the months whose days all are
/// (`app::reports::roll_up`), so that reports outlive retention and a year of them answers quickly.
pub struct RollUpReports;

#[async_trait]
impl Job for RollUpReports {
    fn name(&self) -> &'static str {
        "report-rollups"
    }

    fn default_schedule(&self) -> &'static str {
        "7 * * * *"
    }

    async fn run(&self, ctx: &JobContext) -> Result<JobReport, JobError> {
        let rolled = crate::app::reports::roll_up(ctx.store.as_ref(), ctx.now, 400)
            .await
            .map_err(|e| JobError::Body(e.to_string().into()))?;
        Ok(JobReport::ok(format!(
            "{rolled} day(s) and month(s) rolled up"
        )))
    }
}

/// One kind of data retention removes. The purge job runs every step it is given, so each concern
/// that keeps personal data (the registry's cases and links, for one) adds its own step.
#[async_trait]
pub trait PurgeStep: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// Removes what is too old at `now`; returns one line saying what went.
    async fn purge(&self, store: &dyn Store, now: DateTime<Utc>) -> Result<String, JobError>;
}

/// The event log, scheduler ticks and boarding scans, each after its own number of days.
pub struct LogRetention {
    pub events: TimeDelta,
    pub scheduler_ticks: TimeDelta,
    pub boarding_scans: TimeDelta,
}

impl From<&RetentionConfig> for LogRetention {
    fn from(c: &RetentionConfig) -> LogRetention {
        LogRetention {
            events: TimeDelta::days(i64::from(c.events_days)),
            scheduler_ticks: TimeDelta::days(i64::from(c.scheduler_ticks_days)),
            boarding_scans: TimeDelta::days(i64::from(c.boarding_scans_days)),
        }
    }
}

#[async_trait]
impl PurgeStep for LogRetention {
    fn name(&self) -> &'static str {
        "log"
    }

    async fn purge(&self, store: &dyn Store, now: DateTime<Utc>) -> Result<String, JobError> {
        let cutoffs = PurgeCutoffs {
            events_before: now - self.events,
            ticks_before: now - self.scheduler_ticks,
            boarding_scans_before: now - self.boarding_scans,
        };
        let report = store.purge(&cutoffs, now).await?;
        Ok(format!(
            "{} event(s), {} scheduler tick(s), {} boarding scan(s) removed",
            report.events, report.ticks, report.boarding_scans
        ))
    }
}

/// Personal data of flights, tasks and messages, each after its own number of days, removed in batches
/// of `batch` rows, each its own transaction, so that a year of data never holds the database long.
pub struct PersonalRetention {
    pub flights: TimeDelta,
    pub tasks: TimeDelta,
    pub messages: TimeDelta,
    pub batch: i64,
}

impl From<&RetentionConfig> for PersonalRetention {
    fn from(c: &RetentionConfig) -> PersonalRetention {
        PersonalRetention {
            flights: TimeDelta::days(i64::from(c.flights_days)),
            tasks: TimeDelta::days(i64::from(c.tasks_days)),
            messages: TimeDelta::days(i64::from(c.messages_days)),
            batch: 500,
        }
    }
}

#[async_trait]
impl PurgeStep for PersonalRetention {
    fn name(&self) -> &'static str {
        "personal"
    }

    async fn purge(&self, store: &dyn Store, now: DateTime<Utc>) -> Result<String, JobError> {
        let arrived_before = now - self.flights;
        // A flight without any time arrived at the latest the day after its local date.
        let dated_before = (arrived_before - TimeDelta::days(1)).date_naive();
        let (mut flights, mut passengers) = (0, 0);
        loop {
            let purged = store
                .purge_flights(arrived_before, dated_before, self.batch)
                .await?;
            flights += purged.flights;
            passengers += purged.passengers;
            if purged.flights < self.batch.unsigned_abs() {
                break;
            }
        }
        let mut tasks = 0;
        loop {
            let purged = store.purge_tasks(now - self.tasks, self.batch).await?;
            tasks += purged;
            if purged < self.batch.unsigned_abs() {
                break;
            }
        }
        let mut messages = 0;
        loop {
            let purged = store
                .purge_messages(now - self.messages, self.batch)
                .await?;
            messages += purged;
            if purged < self.batch.unsigned_abs() {
                break;
            }
        }
        Ok(format!(
            "{flights} flight(s) with {passengers} passenger(s), {tasks} task(s), {messages} message(s) \
             removed"
        ))
    }
}

/// Retention: runs each purge step in turn; one failing step does not stop the others.
pub struct Purge {
    steps: Vec<Box<dyn PurgeStep>>,
}

impl Purge {
    pub fn new(steps: Vec<Box<dyn PurgeStep>>) -> Purge {
        Purge { steps }
    }
}

#[async_trait]
impl Job for Purge {
    fn name(&self) -> &'static str {
        "purge"
    }

    fn default_schedule(&self) -> &'static str {
        "30 3 * * *"
    }

    async fn run(&self, ctx: &JobContext) -> Result<JobReport, JobError> {
        let mut lines = Vec::with_capacity(self.steps.len());
        let mut failed = 0;
        for step in &self.steps {
            match step.purge(ctx.store.as_ref(), ctx.now).await {
                Ok(line) => lines.push(format!("{}: {line}", step.name())),
                Err(e) => {
                    failed += 1;
                    lines.push(format!("{}: failed: {e}", step.name()));
                }
            }
        }
        let detail = lines.join("; ");
        match failed {
            0 => Ok(JobReport::ok(detail)),
            n if n == self.steps.len() => Err(JobError::Body(detail.into())),
            _ => Ok(JobReport::partial(detail)),
        }
    }
}

/// The registry's personal data: complaint cases resolved longer ago than one age, identity links not
/// changed for another.
pub struct RegistryRetention {
    pub cases: TimeDelta,
    pub links: TimeDelta,
}

impl From<&crate::config::RegistryConfig> for RegistryRetention {
    fn from(c: &crate::config::RegistryConfig) -> RegistryRetention {
        RegistryRetention {
            cases: TimeDelta::days(i64::from(c.case_retention_days)),
            links: TimeDelta::days(i64::from(c.link_retention_days)),
        }
    }
}

#[async_trait]
impl PurgeStep for RegistryRetention {
    fn name(&self) -> &'static str {
        "registry"
    }

    async fn purge(&self, store: &dyn Store, now: DateTime<Utc>) -> Result<String, JobError> {
        let report = store
            .purge_registry(now - self.cases, now - self.links, now)
            .await?;
        Ok(format!(
            "{} resolved case(s), {} identity link(s) removed",
            report.cases, report.links
        ))
    }
}

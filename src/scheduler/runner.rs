//! The runner: keeps each job's next tick, claims due ticks in the database and runs them.
//!
//! `run_due(now)` is the whole of the work for one instant, so tests drive the runner tick by tick with
//! chosen instants; `spawn` drives it from the real clock, one task per job so that a slow job never
//! delays another, and never overlaps itself.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::job::{Job, JobContext, JobError, Outcome, Unavailable};
use super::schedule::JobSchedule;
use crate::store::{Store, StoreError, TickRecord};

/// The longest the runner sleeps before looking at the clock again, so that a clock step (NTP, a
/// suspended VM) delays a tick by a minute at most.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// How long a claimed tick stays its instance's without a renewal, unless configured otherwise
/// (`scheduler.tick_lease_seconds`); the instance renews it every third of that while the job runs, so
/// only an instance that died (or hung) loses it, and another instance then runs the tick, once.
pub const TICK_LEASE: TimeDelta = TimeDelta::seconds(60);

/// One registered job with its schedule and the next tick this instance will try.
struct Slot {
    job: Arc<dyn Job>,
    schedule: JobSchedule,
    /// Why the job does not run here; None when it runs.
    disabled: Option<Unavailable>,
    next: Mutex<Option<DateTime<Utc>>>,
}

impl Slot {
    fn next(&self) -> Option<DateTime<Utc>> {
        *self.next.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_next(&self, next: Option<DateTime<Utc>>) {
        *self.next.lock().unwrap_or_else(PoisonError::into_inner) = next;
    }
}

/// What happened to one due tick on this instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TickRun {
    pub job: String,
    pub tick: DateTime<Utc>,
    /// None when another instance (or an earlier run of this one) had already claimed the tick.
    pub outcome: Option<Outcome>,
    pub detail: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    job: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: String,
}

/// Runs by job and outcome, and run durations by job, for /metrics.
#[derive(Clone)]
pub struct SchedulerMetrics {
    runs: Family<RunLabels, Counter>,
    durations: Family<JobLabels, Histogram>,
}

impl SchedulerMetrics {
    fn new() -> SchedulerMetrics {
        SchedulerMetrics {
            runs: Family::default(),
            durations: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.005, 2.0, 16))
            }),
        }
    }

    /// Adds the scheduler's metrics to the app's registry; call before serving starts.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "scheduler_runs",
            "Scheduler job runs on this instance by job and outcome",
            self.runs.clone(),
        );
        registry.register(
            "scheduler_run_duration_seconds",
            "Scheduler job run durations by job",
            self.durations.clone(),
        );
    }

    fn observe(&self, job: &str, outcome: Outcome, seconds: f64) {
        self.runs
            .get_or_create(&RunLabels {
                job: job.to_string(),
                outcome: outcome.as_str().to_string(),
            })
            .inc();
        self.durations
            .get_or_create(&JobLabels {
                job: job.to_string(),
            })
            .observe(seconds);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error("scheduler.jobs.{job}: {source}")]
    Schedule {
        job: String,
        #[source]
        source: super::schedule::ScheduleError,
    },
    #[error("scheduler.jobs.{name}: there is no such job (known jobs: {known})")]
    UnknownJob { name: String, known: String },
    #[error("the job {0} is registered twice")]
    Duplicate(String),
}

/// How a job is set up on this instance, after the configuration is applied to its defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSettings {
    pub schedule: String,
    pub time_zone: String,
    pub enabled: bool,
}

/// The jobs of this instance and their next ticks.
pub struct Scheduler {
    store: Arc<dyn Store>,
    instance: String,
    slots: Vec<Slot>,
    metrics: SchedulerMetrics,
    lease: TimeDelta,
}

impl Scheduler {
    pub fn new(store: Arc<dyn Store>, instance: impl Into<String>) -> Scheduler {
        Scheduler {
            store,
            instance: instance.into(),
            slots: Vec::new(),
            metrics: SchedulerMetrics::new(),
            lease: TICK_LEASE,
        }
    }

    /// Claims ticks under a lease of `lease` instead of `TICK_LEASE`.
    pub fn with_lease(mut self, lease: TimeDelta) -> Scheduler {
        self.lease = lease;
        self
    }

    /// Adds a job. It is listed but does not run when `settings.enabled` is false or the job says it
    /// is unavailable.
    pub fn register(
        &mut self,
        job: Arc<dyn Job>,
        settings: &JobSettings,
    ) -> Result<(), SchedulerError> {
        let name = job.name();
        if self.slots.iter().any(|s| s.job.name() == name) {
            return Err(SchedulerError::Duplicate(name.to_string()));
        }
        let schedule =
            JobSchedule::parse(&settings.schedule, &settings.time_zone).map_err(|source| {
                SchedulerError::Schedule {
                    job: name.to_string(),
                    source,
                }
            })?;
        let disabled = if settings.enabled {
            job.unavailable()
        } else {
            Some(Unavailable::TurnedOff)
        };
        self.slots.push(Slot {
            job,
            schedule,
            disabled,
            next: Mutex::new(None),
        });
        Ok(())
    }

    /// Marks every job as not running on this instance, with the reason.
    pub fn disable_all(&mut self, reason: &Unavailable) {
        for slot in &mut self.slots {
            slot.disabled.get_or_insert_with(|| reason.clone());
        }
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    pub fn metrics(&self) -> &SchedulerMetrics {
        &self.metrics
    }

    /// Adds the scheduler's metrics and those of its jobs to the app's registry.
    pub fn register_metrics(&self, registry: &mut Registry) {
        self.metrics.register(registry);
        for slot in &self.slots {
            slot.job.register_metrics(registry);
        }
    }

    /// Sets each running job's next tick: the latest tick at or before `now` (so at most one tick
    /// missed while no instance ran is caught up, and only if no instance ran it), else the first
    /// after `now`.
    pub fn start(&self, now: DateTime<Utc>) {
        for slot in self.running() {
            let first = slot
                .schedule
                .latest_at_or_before(now)
                .or_else(|| slot.schedule.next_after(now));
            slot.set_next(first);
        }
    }

    /// The earliest next tick of any running job.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        self.running().filter_map(Slot::next).min()
    }

    /// Runs every tick due at `now`, and every tick an instance claimed and abandoned (its lease ran out
    /// before `now`), all jobs concurrently, and returns what happened to each.
    pub async fn run_due(&self, now: DateTime<Utc>) -> Vec<TickRun> {
        let mut ticks = Vec::new();
        for slot in self.running() {
            let due = self.take_due(slot, now);
            ticks.extend(due.map(|tick| (slot, tick)));
            for tick in self.abandoned(slot, now).await {
                if Some(tick) != due {
                    ticks.push((slot, tick));
                }
            }
        }
        futures::future::join_all(
            ticks
                .into_iter()
                .map(|(slot, tick)| self.run_tick(slot, tick, now)),
        )
        .await
    }

    /// The ticks of `slot`'s job whose instance claimed them and died: their lease ran out unfinished.
    async fn abandoned(&self, slot: &Slot, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let name = slot.job.name();
        match self.store.abandoned_ticks(name, now).await {
            Ok(ticks) => ticks,
            Err(e) => {
                tracing::error!(job = name, error = %e, "cannot look for abandoned scheduler ticks");
                Vec::new()
            }
        }
    }

    /// Runs jobs from the real clock until `shutdown` turns true (or its sender is dropped). A job
    /// that is running when shutdown comes is finished, not abandoned.
    pub fn spawn(self: Arc<Self>, shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            self.start(crate::clock::now());
            let mut loops = JoinSet::new();
            for index in 0..self.slots.len() {
                if self.slots[index].disabled.is_none() {
                    let scheduler = self.clone();
                    let shutdown = shutdown.clone();
                    loops.spawn(async move { scheduler.job_loop(index, shutdown).await });
                }
            }
            while loops.join_next().await.is_some() {}
        })
    }

    /// Each job as /api/scheduler shows it, with its last claimed tick from the database.
    pub async fn status(&self, now: DateTime<Utc>) -> Result<Vec<JobStatus>, StoreError> {
        let ticks = self.store.last_ticks().await?;
        Ok(self
            .slots
            .iter()
            .map(|slot| {
                let name = slot.job.name();
                let zone = slot.schedule.zone();
                JobStatus {
                    name: name.to_string(),
                    schedule: slot.schedule.expression().to_string(),
                    time_zone: zone.name().to_string(),
                    enabled: slot.disabled.is_none(),
                    disabled_reason: slot.disabled.as_ref().map(ToString::to_string),
                    disabled: slot.disabled.clone(),
                    next_run: slot
                        .disabled
                        .is_none()
                        .then(|| slot.schedule.next_after(now))
                        .flatten()
                        .map(|utc| NextRun::new(utc, zone)),
                    last_run: ticks.iter().find(|t| t.job == name).map(LastRun::from),
                }
            })
            .collect())
    }

    fn running(&self) -> impl Iterator<Item = &Slot> {
        self.slots.iter().filter(|s| s.disabled.is_none())
    }

    /// The tick to run now, if one is due: the latest one at or before `now`, so that a runner that
    /// fell behind runs one tick rather than a burst. Advances the slot past `now`.
    fn take_due(&self, slot: &Slot, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let next = slot.next()?;
        if next > now {
            return None;
        }
        let tick = slot.schedule.latest_at_or_before(now).unwrap_or(next);
        slot.set_next(slot.schedule.next_after(now));
        Some(tick)
    }

    async fn job_loop(&self, index: usize, mut shutdown: watch::Receiver<bool>) {
        let Some(slot) = self.slots.get(index) else {
            return;
        };
        loop {
            if *shutdown.borrow() {
                return;
            }
            let now = crate::clock::now();
            let due = self.take_due(slot, now);
            if let Some(tick) = due {
                self.run_tick(slot, tick, now).await;
            }
            for tick in self.abandoned(slot, now).await {
                if Some(tick) != due {
                    tracing::warn!(job = slot.job.name(), %tick,
                        "running a tick whose instance stopped before finishing it");
                    self.run_tick(slot, tick, crate::clock::now()).await;
                }
            }
            let Some(wake) = slot.next() else {
                tracing::warn!(job = slot.job.name(), "the schedule has no further ticks");
                return;
            };
            let wait = (wake - crate::clock::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(MAX_SLEEP);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                changed = shutdown.changed() => if changed.is_err() { return },
            }
        }
    }

    async fn run_tick(&self, slot: &Slot, tick: DateTime<Utc>, now: DateTime<Utc>) -> TickRun {
        let name = slot.job.name();
        let mut run = TickRun {
            job: name.to_string(),
            tick,
            outcome: None,
            detail: String::new(),
        };
        match self
            .store
            .claim_tick(name, tick, &self.instance, now, now + self.lease)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                run.detail = "claimed by another run".to_string();
                return run;
            }
            Err(e) => {
                tracing::error!(job = name, %tick, error = %e, "cannot claim the scheduler tick");
                run.detail = format!("cannot claim the tick: {e}");
                return run;
            }
        }
        let ctx = JobContext {
            store: self.store.clone(),
            tick,
            now,
            instance: self.instance.clone(),
        };
        let job = slot.job.clone();
        let started = Instant::now();
        // Its own task, so that a panicking job is recorded as failed instead of stopping the runner.
        let mut running = tokio::spawn(async move { job.run(&ctx).await });
        let every = (self.lease / 3).to_std().unwrap_or(MAX_SLEEP);
        let mut renewals = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let result = loop {
            tokio::select! {
                result = &mut running => break result,
                _ = renewals.tick() => self.renew_lease(name, tick, now, started).await,
            }
        };
        let elapsed = started.elapsed();
        let (outcome, detail) = match result {
            Ok(Ok(report)) => (report.outcome, report.detail),
            Ok(Err(e)) => (Outcome::Failed, describe(&e)),
            Err(e) => (Outcome::Failed, format!("the job stopped abnormally: {e}")),
        };
        let finished = now + TimeDelta::from_std(elapsed).unwrap_or(TimeDelta::zero());
        match outcome {
            Outcome::Failed => {
                tracing::error!(job = name, %tick, detail = %detail, "scheduler job failed")
            }
            _ => tracing::info!(job = name, %tick, outcome = outcome.as_str(), detail = %detail,
                "scheduler job ran"),
        }
        if let Err(e) = self
            .store
            .finish_tick(
                name,
                tick,
                &self.instance,
                outcome.as_str(),
                &detail,
                finished,
            )
            .await
        {
            tracing::error!(job = name, %tick, error = %e, "cannot record the end of a scheduler tick");
        }
        self.metrics.observe(name, outcome, elapsed.as_secs_f64());
        run.outcome = Some(outcome);
        run.detail = detail;
        run
    }
}

impl Scheduler {
    /// Extends the lease of a tick this instance is running; its times follow the tick's `now`, as its
    /// start and end do.
    async fn renew_lease(
        &self,
        job: &str,
        tick: DateTime<Utc>,
        now: DateTime<Utc>,
        started: Instant,
    ) {
        let elapsed = TimeDelta::from_std(started.elapsed()).unwrap_or(TimeDelta::zero());
        let until = now + elapsed + self.lease;
        match self
            .store
            .renew_tick(job, tick, &self.instance, until)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::error!(job, %tick, "the scheduler tick's lease was lost while it ran")
            }
            Err(e) => {
                tracing::error!(job, %tick, error = %e, "cannot renew a scheduler tick's lease")
            }
        }
    }
}

fn describe(error: &JobError) -> String {
    match error {
        JobError::Store(e) => format!("database: {e}"),
        JobError::Body(e) => e.to_string(),
    }
}

/// One job as GET /api/scheduler lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct JobStatus {
    pub name: String,
    pub schedule: String,
    pub time_zone: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// The reason, for pages that say it in their reader's language.
    #[serde(skip)]
    pub disabled: Option<Unavailable>,
    pub next_run: Option<NextRun>,
    pub last_run: Option<LastRun>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NextRun {
    pub utc: DateTime<Utc>,
    /// The same instant on the job zone's wall clock, with its offset.
    pub local: String,
}

impl NextRun {
    fn new(utc: DateTime<Utc>, zone: Tz) -> NextRun {
        NextRun {
            utc,
            local: utc.with_timezone(&zone).to_rfc3339(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LastRun {
    pub tick: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    /// Empty while the run is in progress (or if the instance running it died).
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub outcome: Option<String>,
    pub detail: Option<String>,
    pub instance: String,
}

impl From<&TickRecord> for LastRun {
    fn from(t: &TickRecord) -> LastRun {
        LastRun {
            tick: t.tick_at,
            started_at: t.started_at,
            finished_at: t.finished_at,
            duration_ms: t.finished_at.map(|f| (f - t.started_at).num_milliseconds()),
            outcome: t.outcome.clone(),
            detail: t.detail.clone(),
            instance: t.instance.clone(),
        }
    }
}

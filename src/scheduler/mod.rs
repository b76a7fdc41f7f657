//! The scheduler: runs jobs on cron schedules, each tick exactly once across every instance sharing the
//! database. A tick is claimed with `Store::claim_tick` (a unique key on job and tick instant) before it
//! runs and closed with `finish_tick` (outcome, detail, end time), so that with several instances on
//! PostgreSQL one of them runs it and the others skip it. The claim is a lease (`TICK_LEASE`) its
//! instance renews while the job runs: a tick whose instance died mid-run is found unfinished with its
//! lease run out, and another instance claims and runs it, once.
//!
//! Schedules are cron expressions of 5 or 6 fields read in a time zone per job; daylight-saving edges
//! follow the rule in `schedule`. When no instance ran for a while, a starting runner catches up on at
//! most one tick per job — the latest one missed — and the ticks before it are skipped: every job here
//! works from the current state (tasks due now, flights departing soon), so one late run does all a
//! burst would. Depends on `store`, `config` and the job bodies (`flightstatus`, the housekeeping jobs
//! in `jobs`); jobs are `Job` trait objects, so other concerns (the import drop folder) register theirs.

mod job;
pub mod jobs;
mod runner;
mod schedule;

use std::sync::Arc;

use chrono::TimeDelta;

pub use job::{Job, JobContext, JobError, JobReport, Outcome, Unavailable};
pub use runner::{
    JobSettings, JobStatus, LastRun, NextRun, Scheduler, SchedulerError, SchedulerMetrics,
    TICK_LEASE, TickRun,
};
pub use schedule::{JobSchedule, ScheduleError};

use crate::app::drop_folder::DropFolderJob;
use crate::app::import::IncompleteMessagesJob;
use crate::app::screening::ScreenListsJob;
use crate::config::{Config, JobConfig};
use crate::flightstatus::{FlightEventSink, FlightStatusJob};
use crate::store::Store;

/// The job settings from the configuration over the job's defaults (UTC, enabled).
pub fn settings_for(job: &dyn Job, config: Option<&JobConfig>) -> JobSettings {
    let config = config.cloned().unwrap_or_default();
    JobSettings {
        schedule: config
            .schedule
            .unwrap_or_else(|| job.default_schedule().to_string()),
        time_zone: config.time_zone.unwrap_or_else(|| "UTC".to_string()),
        enabled: config.enabled.unwrap_or(true),
    }
}

/// The scheduler with every job aboard has, configured. `flight_sink` receives flight status changes.
pub fn from_config(
    config: &Config,
    store: Arc<dyn Store>,
    flight_sink: Arc<dyn FlightEventSink>,
) -> Result<Scheduler, SchedulerError> {
    let retention = jobs::LogRetention::from(&config.scheduler.retention);
    let mut all: Vec<Arc<dyn Job>> = vec![
        Arc::new(jobs::ExpireTasks),
        Arc::new(jobs::EscalateTasks {
            warn_before: TimeDelta::minutes(i64::from(
                config.scheduler.escalation.warn_before_minutes,
            )),
        }),
        Arc::new(jobs::Purge::new(vec![
            Box::new(retention),
            Box::new(jobs::PersonalRetention::from(&config.scheduler.retention)),
            Box::new(jobs::RegistryRetention::from(&config.registry)),
        ])),
        Arc::new(FlightStatusJob::from_config(
            &config.flight_status,
            flight_sink.clone(),
        )),
        Arc::new(ScreenListsJob),
        Arc::new(jobs::RollUpReports),
    ];
    all.push(Arc::new(IncompleteMessagesJob::new(
        TimeDelta::minutes(i64::from(config.import.incomplete_after_minutes)),
        config.import.region(),
    )));
    if let Some(dir) = &config.import.drop_dir {
        all.push(Arc::new(DropFolderJob {
            dir: dir.clone(),
            default_region: config.import.region(),
            flight_sink: Some(flight_sink),
        }));
    }
    if let Some(unknown) = config
        .scheduler
        .jobs
        .keys()
        .find(|name| !all.iter().any(|job| job.name() == name.as_str()))
    {
        return Err(SchedulerError::UnknownJob {
            name: unknown.clone(),
            known: all
                .iter()
                .map(|job| job.name())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let mut scheduler = Scheduler::new(store, instance_id()).with_lease(TimeDelta::seconds(
        i64::from(config.scheduler.tick_lease_seconds.max(3)),
    ));
    for job in all {
        let settings = settings_for(job.as_ref(), config.scheduler.jobs.get(job.name()));
        scheduler.register(job, &settings)?;
    }
    if !config.scheduler.enabled {
        scheduler.disable_all(&Unavailable::SchedulerOff);
    }
    Ok(scheduler)
}

/// Names this process in the tick table: host, process id and a random part (two containers can share
/// a host name and a pid).
pub fn instance_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_string());
    format!(
        "{host}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

//! What a job is to the scheduler: a name, a default schedule and a body that reports how it went.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::{Store, StoreError};

/// A body the scheduler runs on its schedule. Registered by name; the name keys its configuration
/// (`[scheduler.jobs.NAME]`) and its ticks in the database.
#[async_trait]
pub trait Job: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// The schedule used when the configuration gives none (5 or 6 cron fields).
    fn default_schedule(&self) -> &'static str;
    /// Why the job cannot run as configured (it is then listed as disabled, with this reason).
    fn unavailable(&self) -> Option<Unavailable> {
        None
    }
    async fn run(&self, ctx: &JobContext) -> Result<JobReport, JobError>;
    /// Adds the job's own metrics to the app's registry, before serving starts.
    fn register_metrics(&self, _registry: &mut prometheus_client::registry::Registry) {}
}

/// Why a job does not run on this instance: a word the pages translate, and the English sentence
/// (`Display`) that the API and the log give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    #[error("the scheduler is disabled on this instance (scheduler.enabled)")]
    SchedulerOff,
    #[error("disabled in the configuration")]
    TurnedOff,
    /// A setting the job needs is not set: its name.
    #[error("{0} is not set")]
    NotSet(&'static str),
    /// The job's settings are there but wrong: the configuration's own words.
    #[error("{0}")]
    Misconfigured(String),
}

/// What a job run gets: the database, the tick it runs for and the time it started.
#[derive(Clone)]
pub struct JobContext {
    pub store: Arc<dyn Store>,
    pub tick: DateTime<Utc>,
    /// The run's notion of now: the real clock in service, a chosen instant in tests.
    pub now: DateTime<Utc>,
    pub instance: String,
}

/// How a run that did not fail ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobReport {
    pub outcome: Outcome,
    /// One line for /api/scheduler: what was done, or what was left undone and why.
    pub detail: String,
}

impl JobReport {
    pub fn ok(detail: impl Into<String>) -> JobReport {
        JobReport {
            outcome: Outcome::Ok,
            detail: detail.into(),
        }
    }

    /// Part of the work was done; the rest waits for the next tick (a rate limit, one failing step).
    pub fn partial(detail: impl Into<String>) -> JobReport {
        JobReport {
            outcome: Outcome::Partial,
            detail: detail.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Partial,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Partial => "partial",
            Outcome::Failed => "failed",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A job body's own error, kept whole so that its message reaches /api/scheduler.
    #[error(transparent)]
    Body(Box<dyn std::error::Error + Send + Sync>),
}

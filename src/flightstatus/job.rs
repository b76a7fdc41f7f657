//! The `flight-status` scheduler job: one polling pass per tick, paused while the provider has asked
//! aboard to wait.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use super::{
    AeroDataBox, DEFAULT_ATTEMPTS, DEFAULT_BACKOFF, FlightEventSink, FlightStatusError,
    PollSettings, StatusProvider, poll,
};
use crate::config::FlightStatusConfig;
use crate::scheduler::{Job, JobContext, JobError, JobReport, Unavailable};

pub struct FlightStatusJob {
    provider: Result<Arc<dyn StatusProvider>, FlightStatusError>,
    sink: Arc<dyn FlightEventSink>,
    settings: PollSettings,
    /// Until when the provider asked not to be called (a 429 with Retry-After).
    resume_at: Mutex<Option<DateTime<Utc>>>,
}

impl FlightStatusJob {
    /// The job over the configured AeroDataBox-style provider; without one it is listed as unavailable.
    pub fn from_config(config: &FlightStatusConfig, sink: Arc<dyn FlightEventSink>) -> Self {
        let provider =
            AeroDataBox::from_config(config).map(|p| Arc::new(p) as Arc<dyn StatusProvider>);
        FlightStatusJob::new(provider, sink, settings_from(config))
    }

    pub fn new(
        provider: Result<Arc<dyn StatusProvider>, FlightStatusError>,
        sink: Arc<dyn FlightEventSink>,
        settings: PollSettings,
    ) -> Self {
        FlightStatusJob {
            provider,
            sink,
            settings,
            resume_at: Mutex::new(None),
        }
    }
}

pub fn settings_from(config: &FlightStatusConfig) -> PollSettings {
    PollSettings {
        horizon: TimeDelta::hours(i64::from(config.horizon_hours)),
        lookback: TimeDelta::hours(i64::from(config.lookback_hours)),
        max_requests: config.max_requests_per_run,
        attempts: DEFAULT_ATTEMPTS,
        backoff: DEFAULT_BACKOFF,
    }
}

#[async_trait]
impl Job for FlightStatusJob {
    fn name(&self) -> &'static str {
        "flight-status"
    }

    fn default_schedule(&self) -> &'static str {
        "*/5 * * * *"
    }

    fn unavailable(&self) -> Option<Unavailable> {
        self.provider.as_ref().err().map(|e| match e {
            FlightStatusError::NotSet(setting) => Unavailable::NotSet(setting),
            other => Unavailable::Misconfigured(other.to_string()),
        })
    }

    async fn run(&self, ctx: &JobContext) -> Result<JobReport, JobError> {
        let provider = self
            .provider
            .as_ref()
            .map_err(|e| JobError::Body(Box::new(e.clone())))?;
        let resume_at = *self
            .resume_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = resume_at.filter(|at| *at > ctx.now) {
            return Ok(JobReport::partial(format!(
                "skipped: the provider asked to wait until {}",
                at.format("%H:%M:%S UTC")
            )));
        }
        let report = poll(
            ctx.store.as_ref(),
            provider.as_ref(),
            self.sink.as_ref(),
            &self.settings,
            ctx.now,
        )
        .await?;
        let mut detail = format!(
            "{} flight(s) answered, {} changed, {} request(s)",
            report.answered,
            report.changes.len(),
            report.requests
        );
        if report.left_for_budget > 0 {
            detail.push_str(&format!(
                "; {} flight(s) left for the next run (budget of {} requests)",
                report.left_for_budget, self.settings.max_requests
            ));
        }
        for line in report.errors.iter().chain(&report.sink_errors) {
            detail.push_str("; ");
            detail.push_str(line);
        }
        match report.stopped {
            Some(e @ FlightStatusError::Unauthorized { .. }) => Err(JobError::Body(Box::new(e))),
            Some(FlightStatusError::RateLimited {
                retry_after,
                message,
            }) => {
                let resume = retry_after.map(|r| r.resume_at(ctx.now)).unwrap_or(ctx.now);
                *self
                    .resume_at
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(resume);
                Ok(JobReport::partial(format!(
                    "{detail}; stopped: rate limited by the provider ({message}), resuming after {}",
                    resume.format("%H:%M:%S UTC")
                )))
            }
            Some(other) => Err(JobError::Body(Box::new(other))),
            None if report.answered == 0 && !report.errors.is_empty() => {
                Err(JobError::Body(detail.into()))
            }
            None if !report.errors.is_empty()
                || !report.sink_errors.is_empty()
                || report.left_for_budget > 0 =>
            {
                Ok(JobReport::partial(detail))
            }
            None => Ok(JobReport::ok(detail)),
        }
    }
}

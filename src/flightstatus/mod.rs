//! Flight status from an outside provider: a connector at the edge. `StatusProvider` is one request for
//! one flight; `aerodatabox` speaks an AeroDataBox-style JSON API over HTTP; `poll` asks about the
//! flights departing soon within a request budget, writes what changed (status, estimated and actual
//! times, gate) with a `flight.status` event, and hands each change to a `FlightEventSink`, the hook the
//! task rules attach to. Depends on `domain`, `store` and the scheduler's job interface.

pub mod aerodatabox;
mod job;
mod poll;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::records::{Flight, MovementTimes};
use crate::domain::{FlightKey, FlightStatus};
use crate::store::Store;

pub use aerodatabox::AeroDataBox;
pub use job::FlightStatusJob;
pub use poll::{PollReport, PollSettings, poll};

/// What a provider says about one flight now. `None` means the provider does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusReport {
    /// None when the provider's status carries no usable fact (Unknown, CanceledUncertain).
    pub status: Option<FlightStatus>,
    /// The provider's own word, kept for the event log.
    pub provider_status: String,
    pub departure: MovementTimes,
    pub arrival: MovementTimes,
    pub gate: Option<String>,
}

/// One request to a status provider about one flight.
#[async_trait]
pub trait StatusProvider: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    async fn fetch(&self, key: &FlightKey) -> Result<StatusReport, FlightStatusError>;
}

/// How long a provider asked to be left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    Seconds(u64),
    At(DateTime<Utc>),
}

impl RetryAfter {
    pub fn resume_at(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            RetryAfter::Seconds(s) => {
                now + TimeDelta::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1_000_000))
            }
            RetryAfter::At(at) => at.max(now),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlightStatusError {
    #[error("flight_status: {0}")]
    Config(String),
    /// A setting the provider needs is not set: its name.
    #[error("flight_status: {0} is not set")]
    NotSet(&'static str),
    #[error(
        "the flight status provider refused the API key (HTTP {status}): {message}; check \
         flight_status.api_key and the subscription"
    )]
    Unauthorized { status: u16, message: String },
    #[error("the flight status provider has no data for {flight}: {reason}")]
    NoData { flight: String, reason: String },
    #[error(
        "the flight status provider's rate limit was reached ({message}); {}",
        wait_words(retry_after)
    )]
    RateLimited {
        retry_after: Option<RetryAfter>,
        message: String,
    },
    #[error("the flight status provider failed (HTTP {status}): {message}")]
    Server { status: u16, message: String },
    #[error(
        "the flight status provider answered HTTP {status}, which aboard does not expect: {message}"
    )]
    Unexpected { status: u16, message: String },
    #[error("the flight status provider's answer for {flight} is malformed at {field}: {reason}")]
    Malformed {
        flight: String,
        field: String,
        reason: String,
    },
    #[error("cannot reach the flight status provider: {0}")]
    Transport(String),
}

fn wait_words(retry_after: &Option<RetryAfter>) -> String {
    match retry_after {
        Some(RetryAfter::Seconds(s)) => format!("it asks to wait {s} s"),
        Some(RetryAfter::At(at)) => format!("it asks to wait until {}", at.format("%H:%M:%S UTC")),
        None => "it gave no Retry-After".to_string(),
    }
}

impl FlightStatusError {
    /// Worth another attempt within the same run: the provider or the network failed, not the request.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            FlightStatusError::Server { .. } | FlightStatusError::Transport(_)
        )
    }
}

/// One field of a flight that changed, in words (`null` when unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A flight whose status, times or gate changed, as stored before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlightChange {
    pub flight_id: Uuid,
    pub key: FlightKey,
    pub provider_status: String,
    pub fields: Vec<FieldChange>,
    pub before: Flight,
    pub after: Flight,
}

impl FlightChange {
    /// The status moved (e.g. to `gate_closed`, `cancelled` or `arrived`), as task rules look for.
    pub fn status_changed(&self) -> bool {
        self.before.status != self.after.status
    }
}

/// Where detected flight changes go after they are stored: the boarding and task rules hook in here
/// (disruption, gate close, arrival). The default does nothing.
#[async_trait]
pub trait FlightEventSink: Send + Sync + 'static {
    async fn flight_changed(
        &self,
        change: &FlightChange,
        store: &dyn Store,
        now: DateTime<Utc>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

/// Stores changes and tells no one.
pub struct NoSink;

#[async_trait]
impl FlightEventSink for NoSink {
    async fn flight_changed(
        &self,
        _change: &FlightChange,
        _store: &dyn Store,
        _now: DateTime<Utc>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Ok(())
    }
}

/// Attempts for one flight when the provider or network fails, and the first pause between them
/// (doubled each time).
pub const DEFAULT_ATTEMPTS: u32 = 3;
pub const DEFAULT_BACKOFF: Duration = Duration::from_millis(500);

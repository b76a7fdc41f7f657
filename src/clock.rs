//! The time source. Instants are kept to the microsecond, which both backends store exactly, so a value
//! read back equals the value written. The clock can be stopped at a chosen instant for the whole
//! process, so that a test or a demo can show a given moment (a station at 23:35) whatever the real time.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// Microseconds since the epoch of the instant the clock is stopped at, or `RUNNING`.
static STOPPED_AT: AtomicI64 = AtomicI64::new(RUNNING);
const RUNNING: i64 = i64::MIN;

pub fn now() -> DateTime<Utc> {
    match STOPPED_AT.load(Ordering::Relaxed) {
        RUNNING => truncate(Utc::now()),
        micros => DateTime::from_timestamp_micros(micros).unwrap_or_else(Utc::now),
    }
}

/// Stops the clock at `at` for the whole process (`None` lets it run again). Everything that asks
/// `now()` sees that instant: a test binary that stops it must hold only tests that want it stopped.
pub fn stop_at(at: Option<DateTime<Utc>>) {
    let micros = at.map_or(RUNNING, |at| truncate(at).timestamp_micros());
    STOPPED_AT.store(micros, Ordering::Relaxed);
}

pub fn truncate(instant: DateTime<Utc>) -> DateTime<Utc> {
    instant
        .duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(instant)
}

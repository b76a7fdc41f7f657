//! Identity matching as durable work: every flight list an import stores waits in the store's
//! screening queue, written in the import's own transaction, until matching has screened its flight.
//! The import hook screens a batch's lists right after their commit; what a crash, a failure or
//! another instance left waiting is screened by the next import, at the service's start and by the
//! `screen-lists` scheduler job. A flight is claimed by one screener at a time, and matching the same
//! stored list again gives the same links, so screening twice after a crash is harmless. Depends on
//! `store` and `app::matching`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::matching::match_flight_now;
use crate::scheduler::{Job, JobContext, JobError, JobReport};
use crate::store::{Backend, PendingScreening, ScreeningClaim, Store, StoreError};

/// Flights claimed at a time: a claim holds a PostgreSQL transaction open while its flights are
/// matched, and an advisory lock per flight, which take room in the server's shared lock table (a
/// day's file can name thousands of flights).
const FLIGHTS_PER_CLAIM: usize = 100;

/// What screening waiting flights did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Screened {
    /// Flights screened and marked so.
    pub flights: usize,
    /// Flights whose matching failed, with why; they keep waiting.
    pub failed: Vec<(Uuid, String)>,
}

/// Matches the claimed flights that `needs_matching` picks (the others need no matching) and marks
/// every flight that did not fail as screened.
pub async fn screen_claimed(
    store: &dyn Store,
    claim: Box<dyn ScreeningClaim>,
    needs_matching: impl Fn(&PendingScreening) -> bool,
    now: DateTime<Utc>,
) -> Result<Screened, StoreError> {
    let mut done = Vec::with_capacity(claim.pending().len());
    let mut failed = Vec::new();
    for pending in claim.pending() {
        if needs_matching(pending)
            && let Err(e) = match_flight_now(store, pending.flight_id, now).await
        {
            failed.push((pending.flight_id, e.to_string()));
            continue;
        }
        done.push(pending.flight_id);
    }
    claim.screened(&done).await?;
    Ok(Screened {
        flights: done.len(),
        failed,
    })
}

/// Screens these flights where they wait and no other screener holds them, a claim at a time;
/// `needs_matching` as for [`screen_claimed`].
pub async fn screen_flights(
    store: &dyn Store,
    flights: &[Uuid],
    needs_matching: impl Fn(&PendingScreening) -> bool,
    now: DateTime<Utc>,
) -> Result<Screened, StoreError> {
    // On SQLite a claim takes no lock, and its end is a commit (an fsync) on the one writer: a batch's
    // flights are claimed at once.
    let per_claim = match store.backend() {
        Backend::Postgres => FLIGHTS_PER_CLAIM,
        Backend::Sqlite => flights.len().max(1),
    };
    let mut total = Screened::default();
    for some in flights.chunks(per_claim) {
        let claim = store.claim_screening(Some(some), some.len()).await?;
        let round = screen_claimed(store, claim, &needs_matching, now).await?;
        total.flights += round.flights;
        total.failed.extend(round.failed);
    }
    Ok(total)
}

/// Screens every waiting flight that no other screener holds, a claim at a time, until none is
/// left or a claim screens nothing (its flights all failed: they wait for the next attempt).
pub async fn screen_waiting(store: &dyn Store, now: DateTime<Utc>) -> Result<Screened, StoreError> {
    let mut total = Screened::default();
    loop {
        let claim = store.claim_screening(None, FLIGHTS_PER_CLAIM).await?;
        if claim.pending().is_empty() {
            return Ok(total);
        }
        let round = screen_claimed(store, claim, |_| true, now).await?;
        total.flights += round.flights;
        total.failed.extend(round.failed);
        if round.flights == 0 {
            return Ok(total);
        }
    }
}

/// Screens at the service's start what an earlier run left waiting, and logs what it did.
pub async fn screen_at_start(store: &dyn Store, now: DateTime<Utc>) {
    match screen_waiting(store, now).await {
        Ok(screened) if screened.flights > 0 || !screened.failed.is_empty() => {
            tracing::info!(
                flights = screened.flights,
                failed = screened.failed.len(),
                "flight lists left unscreened by an earlier run were matched"
            )
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "screening waiting flight lists failed"),
    }
}

/// The scheduler's safety net: lists an import stored but did not screen (a crash, a failure, a flight
/// another instance held) are matched within a minute.
pub struct ScreenListsJob;

#[async_trait]
impl Job for ScreenListsJob {
    fn name(&self) -> &'static str {
        "screen-lists"
    }

    fn default_schedule(&self) -> &'static str {
        "*/1 * * * *"
    }

    async fn run(&self, ctx: &JobContext) -> Result<JobReport, JobError> {
        let screened = screen_waiting(ctx.store.as_ref(), ctx.now).await?;
        let detail = format!("{} waiting flight(s) screened", screened.flights);
        Ok(match screened.failed.first() {
            None => JobReport::ok(detail),
            Some((flight, why)) => JobReport::partial(format!(
                "{detail}; {} failed and wait (flight {flight}: {why})",
                screened.failed.len()
            )),
        })
    }
}

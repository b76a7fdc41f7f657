//! Reports for analysts and ops: reads the facts of a report's window from the store and computes it with
//! `reports`. Analysts and ops, across every station and language. Depends on `reports` and `store`.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::{Caller, ServiceError};
use crate::domain::{LinkDecision, Role};
use crate::reports::rollup::{self, Rollup, Span};
use crate::reports::uplift::{self, Uplift};
use crate::reports::{self, Report, ReportFilter};
use crate::store::{AmbassadorCandidate, Store};

/// The most ambassador candidates one list holds.
pub const AMBASSADOR_LIMIT: i64 = 500;

/// Who may read reports.
pub const REPORT_ROLES: &[Role] = &[Role::Ops, Role::Analyst];

/// The report `filter` asks for, as things stand at `now`.
pub async fn report(
    store: &dyn Store,
    caller: &Caller,
    filter: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<Report, ServiceError> {
    if !REPORT_ROLES.contains(&caller.grant.role()) {
        return Err(ServiceError::Forbidden);
    }
    // Days rolled up are read from their rollups (whole months from month cells); the facts are read for
    // the days after them only.
    let rolled_through = store.rolled_through().await?;
    let mut rolled = Rollup::default();
    if let Some(through) = rolled_through.map(|last| last.min(filter.to))
        && through >= filter.from
    {
        let months: BTreeSet<NaiveDate> = store.rolled_months().await?.into_iter().collect();
        for span in rollup::spans(filter.from, through, &months) {
            match span {
                Span::Months(from, to) => {
                    rolled.add_cells(store.month_cells(filter, from, to).await?)
                }
                Span::Days(from, to) => rolled.add_cells(store.day_cells(filter, from, to).await?),
                // Dated the first day in the period, which keeps them (a cell's day only filters).
                Span::Part(from, to) => {
                    let (month, end) = (rollup::month_of(from), rollup::month_end(from));
                    let mut part =
                        Rollup::month(from, store.month_cells(filter, month, month).await?);
                    for (a, b) in [
                        (month, from - Duration::days(1)),
                        (to + Duration::days(1), end),
                    ] {
                        if a <= b {
                            part.subtract(
                                Rollup::month(from, store.day_cells(filter, a, b).await?).cells,
                            );
                        }
                    }
                    rolled.absorb(part);
                }
            }
        }
        rolled.stations = store
            .station_days(filter, filter.from, through)
            .await?
            .into_iter()
            .collect();
    }
    let live = ReportFilter {
        from: rolled_through
            .and_then(|last| last.succ_opt())
            .map_or(filter.from, |next| next.max(filter.from)),
        ..filter.clone()
    };
    let (tasks, boarded, mut links) = if live.from <= live.to {
        let (from, to) = live.utc_window();
        (
            store.task_facts(from, to).await?,
            store.boarded_facts(from, to).await?,
            store.link_facts(from, to).await?,
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    // The review queue as it stands, whatever the day; the links decided only where they are not rolled
    // up (a year holds tens of thousands).
    links.retain(|l| l.decision != LinkDecision::Review);
    let (from, to) = filter.utc_window();
    links.extend(store.review_link_facts(from, to).await?);
    Ok(reports::compute_with(
        filter,
        rolled,
        rolled_through,
        &tasks,
        &boarded,
        &links,
        now,
    ))
}

/// A day is rolled up once it is over at every station and its tasks have ended: this many days after.
pub const ROLL_UP_AFTER_DAYS: i64 = 3;

/// Rolls up the days not rolled up yet, oldest first, up to `ROLL_UP_AFTER_DAYS` before `now`, then the
/// months whose days are all rolled up; at most `limit` days and months in all; returns how many. Each
/// day and month is kept whole in one transaction, so a stop between them loses nothing.
pub async fn roll_up(
    store: &dyn Store,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<usize, ServiceError> {
    let start = match store.rolled_through().await? {
        Some(last) => last + Duration::days(1),
        None => match store.first_task_at().await? {
            // A station west of UTC may date its first task the day before.
            Some(first) => first.date_naive() - Duration::days(1),
            None => return Ok(0),
        },
    };
    let end = now.date_naive() - Duration::days(ROLL_UP_AFTER_DAYS);
    let mut rolled = 0;
    let mut day = start;
    while day <= end && rolled < limit {
        let (from, to) = ReportFilter::dates(day, day).utc_window();
        let tasks = store.task_facts(from, to).await?;
        let boarded = store.boarded_facts(from, to).await?;
        let links = store.link_facts(from, to).await?;
        let rollup = Rollup::of(|d| d == day, &tasks, &boarded, &links, now);
        store.save_rollup(day, &rollup, now).await?;
        rolled += 1;
        day += Duration::days(1);
    }
    // Each month whose days are all rolled up gets its month rollup, made from its day cells: months
    // rolled up by day before month rollups existed too.
    let (Some(first), Some(last)) = (
        store.first_rolled_day().await?,
        store.rolled_through().await?,
    ) else {
        return Ok(rolled);
    };
    let made: BTreeSet<NaiveDate> = store.rolled_months().await?.into_iter().collect();
    let everything = ReportFilter::dates(first, last);
    let mut month = rollup::month_of(first);
    while rollup::month_end(month) <= last && rolled < limit {
        let end = rollup::month_end(month);
        if !made.contains(&month) {
            let days = store.day_cells(&everything, month, end).await?;
            store
                .save_month_rollup(month, &Rollup::month(month, days), now)
                .await?;
            rolled += 1;
        }
        month = end + Duration::days(1);
    }
    Ok(rolled)
}

/// Ambassador candidates, widest reach first. Analysts read them by registry id only: no names.
pub async fn ambassadors(
    store: &dyn Store,
    caller: &Caller,
) -> Result<Vec<AmbassadorCandidate>, ServiceError> {
    let role = caller.grant.role();
    if !REPORT_ROLES.contains(&role) {
        return Err(ServiceError::Forbidden);
    }
    let mut candidates = store.ambassador_candidates(AMBASSADOR_LIMIT).await?;
    if role == Role::Analyst {
        for c in &mut candidates {
            c.display_name.clear();
        }
    }
    Ok(candidates)
}

/// The uplift report of `filter`'s flights: treated against held-out passengers on outcomes `days` after
/// their flight, as far as they are known at `now`.
pub async fn uplift(
    store: &dyn Store,
    caller: &Caller,
    filter: &ReportFilter,
    days: i64,
    now: DateTime<Utc>,
) -> Result<Uplift, ServiceError> {
    if !REPORT_ROLES.contains(&caller.grant.role()) {
        return Err(ServiceError::Forbidden);
    }
    let counts = store.uplift_counts(filter, days, now).await?;
    Ok(uplift::compute(days, &counts))
}

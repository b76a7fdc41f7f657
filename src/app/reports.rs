//! Reports for analysts and ops: reads the facts of a report's window from the store and computes it with
//! `reports`. Analysts and ops, across every station and language. Depends on `reports` and `store`.

use chrono::{DateTime, Utc};

use super::{Caller, ServiceError};
use crate::domain::Role;
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
    let (from, to) = filter.utc_window();
    let tasks = store.task_facts(from, to).await?;
    let boarded = store.boarded_facts(from, to).await?;
    let links = store.link_facts(from, to).await?;
    Ok(reports::compute(filter, &tasks, &boarded, &links, now))
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
    // Decisions are made on the day of the flight, or the day before at the earliest in UTC.
    let (from, to) = filter.utc_window();
    let facts = store.cohort_facts(from, to).await?;
    Ok(uplift::compute(filter, &facts, days, now))
}

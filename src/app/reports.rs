//! Reports for analysts and ops: reads the facts of a report's window from the store and computes it with
//! `reports`. Analysts and ops, across every station and language. Depends on `reports` and `store`.

use chrono::{DateTime, Utc};

use super::{Caller, ServiceError};
use crate::domain::Role;
use crate::reports::{self, Report, ReportFilter};
use crate::store::Store;

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

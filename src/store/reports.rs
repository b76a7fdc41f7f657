//! What the reports are computed from: one row per task, boarded passenger with a link, and identity link
//! created in a window of time, read from the tables that outlive the event log's retention (tasks keep
//! their figures after their person is erased). Nothing here names a person.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::StoreError;
use super::rows::corrupt;
use crate::domain::{Channel, Cohort, LinkDecision, Network, TaskOutcome, TaskState};
use crate::reports::rollup::{CellKey, Figures, Rollup, StationDay};
use crate::reports::uplift::{CohortCounts, CohortFact};
use crate::reports::{BoardedFact, LinkFact, ReportFilter, TaskFact};

pub(super) const SELECT_TASK_FACTS: &str = "SELECT t.station, t.channel, t.rule_id, t.state, t.outcome, \
    t.created_at, t.due_at, t.updated_at, t.escalated_at, p.language, pa.boarded_at, \
    (SELECT MIN(m.network) FROM messages m WHERE m.task_id = t.id) AS network, \
    (SELECT MIN(m.sent_at) FROM messages m WHERE m.task_id = t.id) AS first_sent_at, \
    t.claimed_at, \
    (SELECT MIN(m.delivered_at) FROM messages m WHERE m.task_id = t.id) AS first_delivered_at, \
    (SELECT MIN(m.read_at) FROM messages m WHERE m.task_id = t.id) AS first_read_at, \
    (SELECT MIN(i.sent_at) FROM inbound_messages i WHERE i.task_id = t.id) AS first_reply_at \
    FROM tasks t LEFT JOIN persons p ON p.id = t.person_id LEFT JOIN passengers pa ON pa.id = t.passenger_id \
    WHERE t.created_at >= $1 AND t.created_at < $2";

/// `decision || ''` keeps SQLite from looking the link up by its decision (every linked passenger) rather
/// than by the passenger: that plan took 40 s for a day of 8,000 boardings.
pub(super) const SELECT_BOARDED_FACTS: &str = "SELECT f.origin, pa.boarded_at FROM passengers pa \
    JOIN flights f ON f.id = pa.flight_id WHERE pa.boarded_at >= $1 AND pa.boarded_at < $2 \
    AND EXISTS (SELECT 1 FROM identity_links l WHERE l.passenger_id = pa.id AND l.decision || '' = 'linked')";

macro_rules! select_links {
    () => {
        "SELECT f.origin, l.decision, l.decided_by, l.created_at FROM identity_links l \
        JOIN passengers pa ON pa.id = l.passenger_id JOIN flights f ON f.id = pa.flight_id \
        WHERE l.created_at >= $1 AND l.created_at < $2"
    };
}

pub(super) const SELECT_LINK_FACTS: &str = select_links!();

/// The review queue: a report over rolled-up days needs these links only.
pub(super) const SELECT_REVIEW_LINK_FACTS: &str =
    concat!(select_links!(), " AND l.decision = 'review'");

/// The holdout's decisions made in a window, each with the person's first registry case since, their next
/// flight in the manifests, and their activity when the registry last sent them. Erased persons are left
/// out: nothing can be known of them.
/// The first case the registry's exports opened for a decision's person after it (`h` the decision).
macro_rules! next_case_at {
    () => {
        "(SELECT MIN(c.opened_at) FROM complaint_cases c WHERE c.person_id = h.person_id \
         AND c.recorded_by IS NULL AND c.opened_at > h.decided_at)"
    };
}

/// The first flight of a decision's person after its flight in the manifests (`h` the decision).
macro_rules! next_flight_on {
    () => {
        "(SELECT MIN(f.local_date) FROM identity_links l JOIN passengers pa ON pa.id = l.passenger_id \
         JOIN flights f ON f.id = pa.flight_id WHERE l.person_id = h.person_id AND l.decision = 'linked' \
         AND f.local_date > h.flight_date)"
    };
}

pub(super) const SELECT_COHORT_FACTS: &str = concat!(
    "SELECT h.station, h.flight_date, h.cohort, h.rule_id, h.channel, h.decided_at, p.language, ",
    next_case_at!(),
    " AS next_case_at, ",
    next_flight_on!(),
    " AS next_flight_on, p.updated_at AS registry_seen_at, \
    CAST(COALESCE((SELECT SUM(a.activity_30d) FROM social_accounts a WHERE a.person_id = h.person_id), 0) \
     AS BIGINT) AS activity_30d \
    FROM holdout_assignments h JOIN persons p ON p.id = h.person_id \
    WHERE h.decided_at >= $1 AND h.decided_at < $2"
);

/// A person's holdout decisions (`$1`; only `$2` when given) with the outcomes kept on them and what the
/// cases and links say now.
pub(super) const SELECT_KEPT_OUTCOMES: &str = concat!(
    "SELECT h.id, h.decided_at, h.flight_date, h.case_after_us, h.flight_after_days, ",
    next_case_at!(),
    " AS next_case_at, ",
    next_flight_on!(),
    " AS next_flight_on FROM holdout_assignments h WHERE h.person_id = $1 AND ($2 IS NULL OR h.id = $2)"
);

pub(super) const UPDATE_KEPT_OUTCOMES: &str =
    "UPDATE holdout_assignments SET case_after_us = $2, flight_after_days = $3 WHERE id = $1";

/// What the uplift report counts of a cohort's decisions: `$9` the last instant a decision may have been
/// made for its outcomes `days` on to be known, `$10` the days in microseconds, `$11` in days.
macro_rules! uplift_counts {
    () => {
        " AS cohort, COUNT(*) AS decisions, COUNT(CASE WHEN h.decided_us <= $9 THEN 1 END) AS due, \
        COUNT(CASE WHEN h.decided_us <= $9 AND h.case_after_us <= $10 THEN 1 END) AS new_case, \
        COUNT(CASE WHEN h.decided_us <= $9 AND h.flight_after_days <= $11 THEN 1 END) AS flew_again, \
        COUNT(CASE WHEN p.seen_us - h.decided_us >= $10 THEN 1 END) AS seen_after, \
        COUNT(CASE WHEN p.seen_us - h.decided_us >= $10 AND p.activity_30d > 0 THEN 1 END) AS active"
    };
}

/// The decisions a report counts: `$1`-`$2` when they were made (microseconds), `$3`-`$4` their flights'
/// dates, `$5` station, `$6` rule, `$7` channel, `$8` desk (each none for all). Persons first: SQLite then
/// reads each person's decisions from one index. An erased person's decisions are not counted.
macro_rules! uplift_decisions {
    () => {
        " FROM persons p CROSS JOIN holdout_assignments h WHERE h.person_id = p.id \
        AND h.decided_us >= $1 AND h.decided_us < $2 AND h.flight_date >= $3 AND h.flight_date <= $4 \
        AND ($5 IS NULL OR h.station = $5) AND ($6 IS NULL OR h.rule_id = $6) \
        AND ($7 IS NULL OR h.channel = $7) AND ($8 IS NULL OR p.desk = $8)"
    };
}

/// Each cohort's counts in one statement a cohort at a time: SQLite sorts every row for a GROUP BY.
pub(super) const SELECT_UPLIFT_BY_COHORT: &str = concat!(
    "SELECT 'treated'",
    uplift_counts!(),
    uplift_decisions!(),
    " AND h.cohort = 'treated' UNION ALL SELECT 'held_out'",
    uplift_counts!(),
    uplift_decisions!(),
    " AND h.cohort = 'held_out' UNION ALL SELECT 'exempt'",
    uplift_counts!(),
    uplift_decisions!(),
    " AND h.cohort = 'exempt'"
);

/// Each cohort's counts in one pass, grouped: PostgreSQL would read the table once a cohort otherwise.
pub(super) const SELECT_UPLIFT_GROUPED: &str = concat!(
    "SELECT h.cohort",
    uplift_counts!(),
    uplift_decisions!(),
    " GROUP BY h.cohort"
);

pub(super) const SELECT_OPEN_TASKS: &str = "SELECT channel, station, COUNT(*) FROM tasks \
    WHERE state IN ('open', 'claimed') GROUP BY channel, station ORDER BY channel, station";

/// Messages the outbox still has to deliver or confirm, and when the oldest of them was queued.
pub(super) const SELECT_OUTBOX_BACKLOG: &str = "SELECT COUNT(*), MIN(created_at) FROM messages \
    WHERE state IN ('queued', 'sending', 'unknown')";

/// Each network's latest next turn of the airline's accounts: a hold its answers asked for, or its pace.
pub(super) const SELECT_OUTBOX_HELD: &str = "SELECT network, MAX(next_at) FROM send_pacing \
    WHERE recipient = '' GROUP BY network ORDER BY network";

pub(super) const SELECT_QUEUES: &str = "SELECT \
    (SELECT COUNT(*) FROM identity_links WHERE decision = 'review'), \
    (SELECT COUNT(*) FROM held_messages WHERE closed_at IS NULL)";

/// Persons whose follow-ups ended "talked, all well" at least twice, with no open case and no opt-out of
/// any kind (a consent withdrawn in the registry or asked of staff), by reach.
pub(super) const SELECT_AMBASSADORS: &str = "SELECT p.external_id, p.display_name, p.language, w.all_well, \
    CAST(COALESCE((SELECT SUM(a.followers) FROM social_accounts a WHERE a.person_id = p.id), 0) AS BIGINT) AS reach \
    FROM persons p JOIN (SELECT person_id, COUNT(*) AS all_well FROM tasks \
    WHERE outcome = 'talked_all_well' AND person_id IS NOT NULL GROUP BY person_id) w ON w.person_id = p.id \
    WHERE w.all_well >= 2 \
    AND NOT EXISTS (SELECT 1 FROM complaint_cases c WHERE c.person_id = p.id AND c.status = 'open') \
    AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.person_id = p.id AND c.opted_out = $1) \
    AND NOT EXISTS (SELECT 1 FROM staff_opt_outs o WHERE o.person_id = p.id) \
    ORDER BY reach DESC, w.all_well DESC, p.external_id LIMIT $2";

/// A person who might speak well of the airline: how often a follow-up ended well, and their reach.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AmbassadorCandidate {
    pub external_id: String,
    pub display_name: String,
    pub language: Option<String>,
    /// Follow-ups that ended "talked, all well".
    pub all_well: i64,
    /// Followers over every social account the registry knows.
    pub reach: i64,
}

/// The business figures /metrics shows, read when it is scraped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessFigures {
    /// Open and claimed tasks by channel and station.
    pub open_tasks: Vec<(String, String, i64)>,
    pub outbox_backlog: i64,
    pub outbox_oldest: Option<DateTime<Utc>>,
    /// Each network's next turn to send for the airline's account, by network.
    pub outbox_held: Vec<(String, DateTime<Utc>)>,
    pub review_queue: i64,
    /// Type B messages held incomplete (parts missing, or waiting for their flight's PNL).
    pub incomplete_typeb: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct TaskFactRow {
    station: String,
    channel: String,
    rule_id: String,
    state: String,
    outcome: Option<String>,
    created_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    escalated_at: Option<DateTime<Utc>>,
    language: Option<String>,
    boarded_at: Option<DateTime<Utc>>,
    network: Option<String>,
    first_sent_at: Option<DateTime<Utc>>,
    claimed_at: Option<DateTime<Utc>>,
    first_delivered_at: Option<DateTime<Utc>>,
    first_read_at: Option<DateTime<Utc>>,
    first_reply_at: Option<DateTime<Utc>>,
}

impl TryFrom<TaskFactRow> for TaskFact {
    type Error = StoreError;
    fn try_from(r: TaskFactRow) -> Result<TaskFact, StoreError> {
        Ok(TaskFact {
            station: r.station,
            channel: r
                .channel
                .parse::<Channel>()
                .map_err(|e| corrupt("task channel", e))?,
            rule: r.rule_id,
            state: r
                .state
                .parse::<TaskState>()
                .map_err(|e| corrupt("task state", e))?,
            outcome: r
                .outcome
                .map(|o| o.parse::<TaskOutcome>())
                .transpose()
                .map_err(|e| corrupt("task outcome", e))?,
            created_at: r.created_at,
            due_at: r.due_at,
            updated_at: r.updated_at,
            escalated_at: r.escalated_at,
            language: r.language,
            boarded_at: r.boarded_at,
            network: r
                .network
                .map(|n| n.parse::<Network>())
                .transpose()
                .map_err(|e| corrupt("message network", e))?,
            first_sent_at: r.first_sent_at,
            claimed_at: r.claimed_at,
            first_delivered_at: r.first_delivered_at,
            first_read_at: r.first_read_at,
            first_reply_at: r.first_reply_at,
        })
    }
}

/// The filters of a report's cells, in SQL, so that a report at one station or desk reads its cells only:
/// $3 station, $4 desk, $5 rule, $6 channel, $7 network (each none for all).
macro_rules! cell_filters {
    () => {
        " AND ($3 IS NULL OR station = $3) AND ($4 IS NULL OR desk = $4) AND ($5 IS NULL OR rule = $5) \
        AND ($6 IS NULL OR channel = $6) AND ($7 IS NULL OR network = $7)"
    };
}

pub(super) const SELECT_CELLS: &str = concat!(
    "SELECT day, station, desk, rule, channel, network, figures FROM report_cells \
    WHERE day >= $1 AND day <= $2",
    cell_filters!()
);

/// A month's cells are keyed by its first day.
pub(super) const SELECT_MONTH_CELLS: &str = concat!(
    "SELECT month AS day, station, desk, rule, channel, network, figures FROM report_month_cells \
    WHERE month >= $1 AND month <= $2",
    cell_filters!()
);

pub(super) const SELECT_STATION_DAYS: &str = "SELECT day, station, boarded_linked, auto_linked, confirmed, \
    rejected FROM report_station_days WHERE day >= $1 AND day <= $2 AND ($3 IS NULL OR station = $3)";

pub(super) const INSERT_CELL: &str = "INSERT INTO report_cells (day, station, desk, rule, channel, network, \
    figures) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(super) const INSERT_MONTH_CELL: &str = "INSERT INTO report_month_cells (month, station, desk, rule, \
    channel, network, figures) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(super) const INSERT_STATION_DAY: &str = "INSERT INTO report_station_days (day, station, boarded_linked, \
    auto_linked, confirmed, rejected) VALUES ($1, $2, $3, $4, $5, $6)";

#[derive(sqlx::FromRow)]
pub(super) struct CellRow {
    day: NaiveDate,
    station: String,
    desk: String,
    rule: String,
    channel: String,
    network: String,
    figures: String,
}

impl TryFrom<CellRow> for (CellKey, Figures) {
    type Error = StoreError;
    fn try_from(r: CellRow) -> Result<(CellKey, Figures), StoreError> {
        let network = if r.network.is_empty() {
            None
        } else {
            Some(
                r.network
                    .parse::<Network>()
                    .map_err(|e| corrupt("rollup network", e))?,
            )
        };
        Ok((
            CellKey {
                day: r.day,
                station: r.station,
                desk: r.desk,
                rule: r.rule,
                channel: r
                    .channel
                    .parse::<Channel>()
                    .map_err(|e| corrupt("rollup channel", e))?,
                network,
            },
            serde_json::from_str(&r.figures).map_err(|e| corrupt("rollup figures", e))?,
        ))
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct StationDayRow {
    day: NaiveDate,
    station: String,
    boarded_linked: i64,
    auto_linked: i64,
    confirmed: i64,
    rejected: i64,
}

impl StationDayRow {
    pub(super) fn keyed(self) -> ((NaiveDate, String), StationDay) {
        (
            (self.day, self.station),
            StationDay {
                boarded_linked: self.boarded_linked,
                auto_linked: self.auto_linked,
                confirmed: self.confirmed,
                rejected: self.rejected,
            },
        )
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CohortFactRow {
    station: String,
    flight_date: NaiveDate,
    cohort: String,
    rule_id: String,
    channel: String,
    decided_at: DateTime<Utc>,
    language: Option<String>,
    next_case_at: Option<DateTime<Utc>>,
    next_flight_on: Option<NaiveDate>,
    registry_seen_at: DateTime<Utc>,
    activity_30d: i64,
}

impl TryFrom<CohortFactRow> for CohortFact {
    type Error = StoreError;
    fn try_from(r: CohortFactRow) -> Result<CohortFact, StoreError> {
        Ok(CohortFact {
            station: r.station,
            flight_date: r.flight_date,
            cohort: r
                .cohort
                .parse::<Cohort>()
                .map_err(|e| corrupt("holdout cohort", e))?,
            rule: r.rule_id,
            channel: r
                .channel
                .parse::<Channel>()
                .map_err(|e| corrupt("holdout channel", e))?,
            language: r.language,
            decided_at: r.decided_at,
            next_case_at: r.next_case_at,
            next_flight_on: r.next_flight_on,
            registry_seen_at: r.registry_seen_at,
            activity_30d: r.activity_30d,
        })
    }
}

/// What changed for a person that the outcomes kept on their holdout decisions may follow.
pub(super) enum OutcomeChange {
    /// This decision was recorded: it takes what the cases and links say now.
    Decided(Uuid),
    /// The registry sent the person's cases anew: each decision takes the first case after it.
    Cases,
    /// A link of the person to a flight on this date was decided (linked, or no longer).
    Flight(NaiveDate),
}

#[derive(sqlx::FromRow)]
pub(super) struct KeptOutcomesRow {
    pub(super) id: Uuid,
    decided_at: DateTime<Utc>,
    flight_date: NaiveDate,
    case_after_us: Option<i64>,
    flight_after_days: Option<i64>,
    next_case_at: Option<DateTime<Utc>>,
    next_flight_on: Option<NaiveDate>,
}

impl KeptOutcomesRow {
    /// The outcomes this decision keeps after `change` (how long after it the first case came, how many
    /// days after its flight the next flight was), when they differ from those it keeps.
    pub(super) fn kept(&self, change: &OutcomeChange) -> Option<(Option<i64>, Option<i64>)> {
        let case = self
            .next_case_at
            .and_then(|c| (c - self.decided_at).num_microseconds());
        let flight = self
            .next_flight_on
            .map(|d| (d - self.flight_date).num_days());
        let kept = match *change {
            OutcomeChange::Decided(_) => (case, flight),
            OutcomeChange::Cases => (case, self.flight_after_days),
            // Only a decision of an earlier flight whose next flight is not before this one can change:
            // the others keep theirs, also once retention has purged the flights it came from.
            OutcomeChange::Flight(on) => {
                let next = self
                    .flight_after_days
                    .map(|d| self.flight_date + chrono::Duration::days(d));
                if self.flight_date >= on || next.is_some_and(|n| n < on) {
                    return None;
                }
                (self.case_after_us, flight)
            }
        };
        (kept != (self.case_after_us, self.flight_after_days)).then_some(kept)
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CohortCountsRow {
    cohort: String,
    decisions: i64,
    due: i64,
    new_case: i64,
    flew_again: i64,
    seen_after: i64,
    active: i64,
}

impl TryFrom<CohortCountsRow> for CohortCounts {
    type Error = StoreError;
    fn try_from(r: CohortCountsRow) -> Result<CohortCounts, StoreError> {
        Ok(CohortCounts {
            cohort: r
                .cohort
                .parse::<Cohort>()
                .map_err(|e| corrupt("holdout cohort", e))?,
            decisions: r.decisions,
            due: r.due,
            new_case: r.new_case,
            flew_again: r.flew_again,
            seen_after: r.seen_after,
            active: r.active,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct LinkFactRow {
    origin: String,
    decision: String,
    decided_by: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<LinkFactRow> for LinkFact {
    type Error = StoreError;
    fn try_from(r: LinkFactRow) -> Result<LinkFact, StoreError> {
        Ok(LinkFact {
            station: r.origin,
            decision: r
                .decision
                .parse::<LinkDecision>()
                .map_err(|e| corrupt("link decision", e))?,
            by_matcher: r.decided_by == "matcher",
            created_at: r.created_at,
        })
    }
}

/// The rows reports are computed from, in a window of UTC time (the caller widens it to cover every
/// station's local dates).
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Tasks created in the window, with their person's language, passenger's boarding time and first
    /// message.
    async fn task_facts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TaskFact>, StoreError>;
    /// Passengers boarded in the window whose identity is linked to a registry person.
    async fn boarded_facts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<BoardedFact>, StoreError>;
    /// Ambassador candidates, widest reach first.
    async fn ambassador_candidates(
        &self,
        limit: i64,
    ) -> Result<Vec<AmbassadorCandidate>, StoreError>;
    /// The figures /metrics shows.
    async fn business_figures(&self) -> Result<BusinessFigures, StoreError>;
    /// The holdout's decisions made in the window, with what the cases and manifests still stored say of
    /// each person since: the outcomes as they read now, which those kept on the decisions follow.
    async fn cohort_facts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CohortFact>, StoreError>;
    /// The uplift report's counts, each cohort's, of the decisions of `filter`'s flights (its network
    /// aside), for outcomes `days` after them as far as they are known at `now`.
    async fn uplift_counts(
        &self,
        filter: &ReportFilter,
        days: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<CohortCounts>, StoreError>;
    /// The last day rolled up (every day before it is too).
    async fn rolled_through(&self) -> Result<Option<NaiveDate>, StoreError>;
    /// The first day rolled up.
    async fn first_rolled_day(&self) -> Result<Option<NaiveDate>, StoreError>;
    /// The months whose month rollup is made (their first days).
    async fn rolled_months(&self) -> Result<Vec<NaiveDate>, StoreError>;
    /// When the first task still stored was made: where rolling up starts.
    async fn first_task_at(&self) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// The day cells of the days `from` to `to` that `filter` keeps (its dates aside).
    async fn day_cells(
        &self,
        filter: &ReportFilter,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(CellKey, Figures)>, StoreError>;
    /// The month cells of the months `from` to `to` (their first days) that `filter` keeps (its dates
    /// aside), each keyed by its month's first day.
    async fn month_cells(
        &self,
        filter: &ReportFilter,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(CellKey, Figures)>, StoreError>;
    /// The station figures of the days `from` to `to` at `filter`'s station (every station if none).
    async fn station_days(
        &self,
        filter: &ReportFilter,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<((NaiveDate, String), StationDay)>, StoreError>;
    /// Keeps the rollup of `day` (replacing any) and lists the day as rolled up, in one transaction.
    async fn save_rollup(
        &self,
        day: NaiveDate,
        rollup: &Rollup,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Keeps the month rollup of `month` (its first day; its cells keyed by it), replacing any, and lists
    /// the month as made, in one transaction.
    async fn save_month_rollup(
        &self,
        month: NaiveDate,
        rollup: &Rollup,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Identity links created in the window.
    async fn link_facts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<LinkFact>, StoreError>;
    /// Identity links created in the window that wait for review.
    async fn review_link_facts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<LinkFact>, StoreError>;
}

/// Implements `ReportStore` for a backend store, once for both backends.
macro_rules! report_store {
    ($store:ty, $conn:ty, { $($backend:tt)* }) => {
        /// Keeps the uplift outcomes on the person's holdout decisions as `change` leaves them, so that the
        /// report need not look them up; the caller's transaction commits.
        async fn keep_outcomes(
            conn: &mut $conn,
            person: Uuid,
            change: OutcomeChange,
        ) -> Result<(), StoreError> {
            // A new decision is the only one its recording changes: the others are not read.
            let only = match change {
                OutcomeChange::Decided(id) => Some(id),
                OutcomeChange::Cases | OutcomeChange::Flight(_) => None,
            };
            let decisions = sqlx::query_as::<_, KeptOutcomesRow>(SELECT_KEPT_OUTCOMES)
                .bind(person)
                .bind(only)
                .fetch_all(&mut *conn)
                .await?;
            for decision in decisions {
                if let Some((case_after_us, flight_after_days)) = decision.kept(&change) {
                    sqlx::query(UPDATE_KEPT_OUTCOMES)
                        .bind(decision.id)
                        .bind(case_after_us)
                        .bind(flight_after_days)
                        .execute(&mut *conn)
                        .await?;
                }
            }
            Ok(())
        }

        /// Writes the rollup's cells of `day` (a day, or a month's first day) with `sql`: `INSERT_CELL`
        /// or `INSERT_MONTH_CELL`, which take the same values.
        async fn insert_cells(
            conn: &mut $conn,
            sql: &'static str,
            rollup: &$crate::reports::rollup::Rollup,
            day: NaiveDate,
        ) -> Result<(), StoreError> {
            for (key, figures) in rollup.cells.iter().filter(|(k, _)| k.day == day) {
                sqlx::query(sql)
                    .bind(key.day)
                    .bind(&key.station)
                    .bind(&key.desk)
                    .bind(&key.rule)
                    .bind(key.channel.as_str())
                    .bind(key.network.map(|n| n.as_str()).unwrap_or(""))
                    .bind(to_json(figures))
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        }

        #[async_trait]
        impl $crate::store::ReportStore for $store {
            $($backend)*

            async fn task_facts(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<$crate::reports::TaskFact>, StoreError> {
                sqlx::query_as::<_, TaskFactRow>(SELECT_TASK_FACTS)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map($crate::reports::TaskFact::try_from)
                    .collect()
            }

            async fn boarded_facts(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<$crate::reports::BoardedFact>, StoreError> {
                let rows: Vec<(String, DateTime<Utc>)> = sqlx::query_as(SELECT_BOARDED_FACTS)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(station, boarded_at)| $crate::reports::BoardedFact { station, boarded_at })
                    .collect())
            }

            async fn ambassador_candidates(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::store::AmbassadorCandidate>, StoreError> {
                Ok(sqlx::query_as(SELECT_AMBASSADORS)
                    .bind(true)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn business_figures(&self) -> Result<$crate::store::BusinessFigures, StoreError> {
                let open_tasks: Vec<(String, String, i64)> = sqlx::query_as(SELECT_OPEN_TASKS)
                    .fetch_all(&self.pool)
                    .await?;
                let (outbox_backlog, outbox_oldest): (i64, Option<DateTime<Utc>>) =
                    sqlx::query_as(SELECT_OUTBOX_BACKLOG).fetch_one(&self.pool).await?;
                let outbox_held: Vec<(String, DateTime<Utc>)> =
                    sqlx::query_as(SELECT_OUTBOX_HELD).fetch_all(&self.pool).await?;
                let (review_queue, incomplete_typeb): (i64, i64) =
                    sqlx::query_as(SELECT_QUEUES).fetch_one(&self.pool).await?;
                Ok($crate::store::BusinessFigures {
                    open_tasks,
                    outbox_backlog,
                    outbox_oldest,
                    outbox_held,
                    review_queue,
                    incomplete_typeb,
                })
            }

            async fn cohort_facts(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<$crate::reports::uplift::CohortFact>, StoreError> {
                sqlx::query_as::<_, CohortFactRow>(SELECT_COHORT_FACTS)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map($crate::reports::uplift::CohortFact::try_from)
                    .collect()
            }

            async fn uplift_counts(
                &self,
                filter: &$crate::reports::ReportFilter,
                days: i64,
                now: DateTime<Utc>,
            ) -> Result<Vec<$crate::reports::uplift::CohortCounts>, StoreError> {
                const DAY_US: i64 = 86_400_000_000;
                // Decisions are made on the day of the flight, or the day before at the earliest in UTC.
                let (from, to) = filter.utc_window();
                sqlx::query_as::<_, CohortCountsRow>(SELECT_UPLIFT)
                    .bind(from.timestamp_micros())
                    .bind(to.timestamp_micros())
                    .bind(filter.from)
                    .bind(filter.to)
                    .bind(filter.station.as_deref())
                    .bind(filter.rule.as_deref())
                    .bind(filter.channel.map(|c| c.as_str()))
                    .bind(filter.desk.as_deref())
                    .bind(now.timestamp_micros() - days * DAY_US)
                    .bind(days * DAY_US)
                    .bind(days)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map($crate::reports::uplift::CohortCounts::try_from)
                    .collect()
            }

            async fn rolled_through(&self) -> Result<Option<NaiveDate>, StoreError> {
                Ok(sqlx::query_scalar("SELECT MAX(day) FROM report_rolled_days")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn first_task_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
                Ok(sqlx::query_scalar("SELECT MIN(created_at) FROM tasks")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn first_rolled_day(&self) -> Result<Option<NaiveDate>, StoreError> {
                Ok(sqlx::query_scalar("SELECT MIN(day) FROM report_rolled_days")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn rolled_months(&self) -> Result<Vec<NaiveDate>, StoreError> {
                Ok(sqlx::query_scalar("SELECT month FROM report_rolled_months ORDER BY month")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn day_cells(
                &self,
                filter: &$crate::reports::ReportFilter,
                from: NaiveDate,
                to: NaiveDate,
            ) -> Result<Vec<($crate::reports::rollup::CellKey, $crate::reports::rollup::Figures)>, StoreError> {
                self.report_cells(SELECT_CELLS, filter, from, to).await
            }

            async fn month_cells(
                &self,
                filter: &$crate::reports::ReportFilter,
                from: NaiveDate,
                to: NaiveDate,
            ) -> Result<Vec<($crate::reports::rollup::CellKey, $crate::reports::rollup::Figures)>, StoreError> {
                self.report_cells(SELECT_MONTH_CELLS, filter, from, to).await
            }

            async fn station_days(
                &self,
                filter: &$crate::reports::ReportFilter,
                from: NaiveDate,
                to: NaiveDate,
            ) -> Result<Vec<((NaiveDate, String), $crate::reports::rollup::StationDay)>, StoreError> {
                let days: Vec<StationDayRow> = sqlx::query_as(SELECT_STATION_DAYS)
                    .bind(from)
                    .bind(to)
                    .bind(filter.station.as_deref())
                    .fetch_all(&self.pool)
                    .await?;
                Ok(days.into_iter().map(StationDayRow::keyed).collect())
            }

            async fn save_rollup(
                &self,
                day: NaiveDate,
                rollup: &$crate::reports::rollup::Rollup,
                at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let mut tx = self.write().await?;
                for sql in [
                    "DELETE FROM report_cells WHERE day = $1",
                    "DELETE FROM report_station_days WHERE day = $1",
                    "DELETE FROM report_rolled_days WHERE day = $1",
                ] {
                    sqlx::query(sql).bind(day).execute(&mut *tx).await?;
                }
                insert_cells(&mut tx, INSERT_CELL, rollup, day).await?;
                for ((d, station), s) in rollup.stations.iter().filter(|((d, _), _)| *d == day) {
                    sqlx::query(INSERT_STATION_DAY)
                        .bind(*d)
                        .bind(station)
                        .bind(s.boarded_linked)
                        .bind(s.auto_linked)
                        .bind(s.confirmed)
                        .bind(s.rejected)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("INSERT INTO report_rolled_days (day, rolled_at) VALUES ($1, $2)")
                    .bind(day)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn save_month_rollup(
                &self,
                month: NaiveDate,
                rollup: &$crate::reports::rollup::Rollup,
                at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let mut tx = self.write().await?;
                for sql in [
                    "DELETE FROM report_month_cells WHERE month = $1",
                    "DELETE FROM report_rolled_months WHERE month = $1",
                ] {
                    sqlx::query(sql).bind(month).execute(&mut *tx).await?;
                }
                insert_cells(&mut tx, INSERT_MONTH_CELL, rollup, month).await?;
                sqlx::query("INSERT INTO report_rolled_months (month, rolled_at) VALUES ($1, $2)")
                    .bind(month)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn link_facts(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<$crate::reports::LinkFact>, StoreError> {
                self.report_links(SELECT_LINK_FACTS, from, to).await
            }

            async fn review_link_facts(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<$crate::reports::LinkFact>, StoreError> {
                self.report_links(SELECT_REVIEW_LINK_FACTS, from, to).await
            }
        }

        impl $store {
            /// Day or month cells (`SELECT_CELLS`, `SELECT_MONTH_CELLS`) that `filter` keeps.
            async fn report_cells(
                &self,
                sql: &'static str,
                filter: &$crate::reports::ReportFilter,
                from: NaiveDate,
                to: NaiveDate,
            ) -> Result<Vec<($crate::reports::rollup::CellKey, $crate::reports::rollup::Figures)>, StoreError> {
                let rows: Vec<CellRow> = sqlx::query_as(sql)
                    .bind(from)
                    .bind(to)
                    .bind(filter.station.as_deref())
                    .bind(filter.desk.as_deref())
                    .bind(filter.rule.as_deref())
                    .bind(filter.channel.map(|c| c.as_str()))
                    .bind(filter.network.map(|n| n.as_str()))
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(<($crate::reports::rollup::CellKey, $crate::reports::rollup::Figures)>::try_from).collect()
            }

            /// Identity links (`SELECT_LINK_FACTS`, `SELECT_REVIEW_LINK_FACTS`) created in the window.
            async fn report_links(
                &self,
                sql: &'static str,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<$crate::reports::LinkFact>, StoreError> {
                sqlx::query_as::<_, LinkFactRow>(sql)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map($crate::reports::LinkFact::try_from)
                    .collect()
            }
        }
    };
}
pub(super) use report_store;

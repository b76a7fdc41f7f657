//! Daily rollups: the figures of one station-local day, kept after retention has purged the tasks,
//! passengers and links they were computed from, and small enough that a year of them answers within a
//! second. A day is cut into cells (station, desk, rule, channel, network), each with its funnel counts,
//! deadlines by local hour and each latency step's durations counted by value (to the second under an
//! hour, the minute under a day, the hour beyond), so that merging cells gives the same report as the
//! facts would. A month whose days are all rolled up also gets month cells (its day cells merged by the
//! same key without the day), so that a long period reads a few cells a month. Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Months, NaiveDate, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::{BoardedFact, LinkFact, ReportFilter, TaskFact, desk_of, local, seconds_between};
use crate::domain::{Channel, LinkDecision, Network, TaskOutcome, TaskState};

/// The latency steps, in the order reports show them.
pub const STEPS: [&str; 10] = [
    "gate: scan to task",
    "gate: task to I'm going",
    "gate: task to outcome",
    "social: task to claim",
    "social: claim to message sent",
    "social: sent to delivered",
    "social: sent to read",
    "social: sent to first reply",
    "social: task to message sent",
    "social: task to outcome",
];

/// What one cell of a day holds apart from the others.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CellKey {
    pub day: NaiveDate,
    pub station: String,
    pub desk: String,
    pub rule: String,
    pub channel: Channel,
    pub network: Option<Network>,
}

/// The figures of one cell: tasks by channel and outcome, deadlines by local hour due, and each step's
/// durations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub tasks: i64,
    pub reached: i64,
    pub not_found: i64,
    pub refused: i64,
    pub expired: i64,
    pub cancelled: i64,
    pub pending: i64,
    pub new_issue: i64,
    /// By local hour due (0–23): met, missed, escalated.
    pub by_hour: BTreeMap<u32, [i64; 3]>,
    /// By step (its index in `STEPS`): rounded seconds → how many.
    pub latency: BTreeMap<usize, BTreeMap<i64, i64>>,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.tasks += other.tasks;
        self.reached += other.reached;
        self.not_found += other.not_found;
        self.refused += other.refused;
        self.expired += other.expired;
        self.cancelled += other.cancelled;
        self.pending += other.pending;
        self.new_issue += other.new_issue;
        for (hour, [met, missed, escalated]) in &other.by_hour {
            let row = self.by_hour.entry(*hour).or_default();
            row[0] += met;
            row[1] += missed;
            row[2] += escalated;
        }
        for (step, counts) in &other.latency {
            let mine = self.latency.entry(*step).or_default();
            for (seconds, n) in counts {
                *mine.entry(*seconds).or_default() += n;
            }
        }
    }

    /// Takes away another's figures (of days these hold): durations no longer counted go, while hours
    /// stay (a report lists a cell's station and desk for any hour it holds, and every hour anyway).
    fn subtract(&mut self, other: &Figures) {
        self.tasks -= other.tasks;
        self.reached -= other.reached;
        self.not_found -= other.not_found;
        self.refused -= other.refused;
        self.expired -= other.expired;
        self.cancelled -= other.cancelled;
        self.pending -= other.pending;
        self.new_issue -= other.new_issue;
        for (hour, [met, missed, escalated]) in &other.by_hour {
            let row = self.by_hour.entry(*hour).or_default();
            row[0] -= met;
            row[1] -= missed;
            row[2] -= escalated;
        }
        for (step, counts) in &other.latency {
            let mine = self.latency.entry(*step).or_default();
            for (seconds, n) in counts {
                *mine.entry(*seconds).or_default() -= n;
            }
            mine.retain(|_, n| *n != 0);
        }
    }

    fn time(&mut self, step: usize, seconds: Option<i64>) {
        if let Some(seconds) = seconds {
            *self
                .latency
                .entry(step)
                .or_default()
                .entry(rounded(seconds))
                .or_default() += 1;
        }
    }
}

/// A duration as a rollup keeps it: up to the second under an hour, the minute under a day, the hour
/// beyond; rounded up, so that "within N minutes" reads the same before and after.
pub fn rounded(seconds: i64) -> i64 {
    let step = match seconds {
        ..3_600 => 1,
        3_600..86_400 => 60,
        _ => 3_600,
    };
    (seconds + step - 1).div_euclid(step) * step
}

/// The figures of a station's day that no cell holds: boarded passengers with a link, and the links the
/// matcher and staff decided.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationDay {
    pub boarded_linked: i64,
    pub auto_linked: i64,
    pub confirmed: i64,
    pub rejected: i64,
}

/// The figures of some days, by cell and by station.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rollup {
    pub cells: BTreeMap<CellKey, Figures>,
    pub stations: BTreeMap<(NaiveDate, String), StationDay>,
}

impl Rollup {
    /// The rollup of the facts whose station-local day `keep` accepts, as things stand at `now`.
    pub fn of(
        keep: impl Fn(NaiveDate) -> bool,
        tasks: &[TaskFact],
        boarded: &[BoardedFact],
        links: &[LinkFact],
        now: DateTime<Utc>,
    ) -> Rollup {
        let mut rollup = Rollup::default();
        for t in tasks {
            let day = local(&t.station, t.created_at).date();
            if !keep(day) {
                continue;
            }
            let key = CellKey {
                day,
                station: t.station.clone(),
                desk: desk_of(t.language.as_deref()),
                rule: t.rule.clone(),
                channel: t.channel,
                network: t.network,
            };
            let f = rollup.cells.entry(key).or_default();
            f.tasks += 1;
            match (t.state, t.outcome) {
                (TaskState::Open | TaskState::Claimed, _) => f.pending += 1,
                (TaskState::Expired, _) => f.expired += 1,
                (TaskState::Cancelled, _) | (_, Some(TaskOutcome::Offloaded)) => f.cancelled += 1,
                (_, Some(TaskOutcome::NotFound)) => f.not_found += 1,
                (_, Some(TaskOutcome::Declined | TaskOutcome::AskedNoContact)) => f.refused += 1,
                (_, Some(TaskOutcome::TalkedNewIssue)) => {
                    f.reached += 1;
                    f.new_issue += 1;
                }
                (_, Some(TaskOutcome::TalkedAllWell | TaskOutcome::MessageSent)) => f.reached += 1,
                (TaskState::Done, None) => f.reached += 1,
            }
            let (met, missed) = match t.state {
                TaskState::Done if t.updated_at <= t.due_at => (1, 0),
                TaskState::Done | TaskState::Expired => (0, 1),
                TaskState::Open | TaskState::Claimed if t.due_at < now => (0, 1),
                _ => (0, 0),
            };
            let row = f
                .by_hour
                .entry(local(&t.station, t.due_at).hour())
                .or_default();
            row[0] += met;
            row[1] += missed;
            row[2] += i64::from(t.escalated_at.is_some());
            let between = |from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>| {
                Some(seconds_between(from?, to?))
            };
            let done = (t.state == TaskState::Done).then_some(t.updated_at);
            let created = Some(t.created_at);
            if t.channel == Channel::Social {
                f.time(3, between(created, t.claimed_at));
                f.time(4, between(t.claimed_at, t.first_sent_at));
                f.time(5, between(t.first_sent_at, t.first_delivered_at));
                f.time(6, between(t.first_sent_at, t.first_read_at));
                f.time(7, between(t.first_sent_at, t.first_reply_at));
                f.time(8, between(created, t.first_sent_at));
                f.time(9, between(created, done));
            } else {
                f.time(0, between(t.boarded_at, created));
                f.time(1, between(created, t.claimed_at));
                f.time(2, between(created, done));
            }
        }
        for b in boarded {
            let day = local(&b.station, b.boarded_at).date();
            if keep(day) {
                rollup
                    .stations
                    .entry((day, b.station.clone()))
                    .or_default()
                    .boarded_linked += 1;
            }
        }
        for l in links {
            let day = local(&l.station, l.created_at).date();
            if !keep(day) {
                continue;
            }
            let s = rollup.stations.entry((day, l.station.clone())).or_default();
            match (l.decision, l.by_matcher) {
                (LinkDecision::Linked, true) => s.auto_linked += 1,
                (LinkDecision::Linked, false) => s.confirmed += 1,
                (LinkDecision::Rejected, _) => s.rejected += 1,
                // The review queue is read as it stands, not rolled up.
                (LinkDecision::Review, _) => {}
            }
        }
        rollup
    }

    /// Adds another rollup's cells and stations (of other days).
    pub fn absorb(&mut self, other: Rollup) {
        self.add_cells(other.cells);
        for (key, day) in other.stations {
            let s = self.stations.entry(key).or_default();
            s.boarded_linked += day.boarded_linked;
            s.auto_linked += day.auto_linked;
            s.confirmed += day.confirmed;
            s.rejected += day.rejected;
        }
    }

    /// Adds cells, merging those of a key already held.
    pub fn add_cells(&mut self, cells: impl IntoIterator<Item = (CellKey, Figures)>) {
        use std::collections::btree_map::Entry;
        for (key, figures) in cells {
            match self.cells.entry(key) {
                Entry::Vacant(e) => {
                    e.insert(figures);
                }
                Entry::Occupied(mut e) => e.get_mut().add(&figures),
            }
        }
    }

    /// Cells dated `day`, those of the same key merged: a month's day cells dated its first day are its
    /// month rollup. A report uses a cell's day only to keep or leave it, so a whole month read from its
    /// month cells gives the same figures as read from its days'.
    pub fn month(day: NaiveDate, cells: impl IntoIterator<Item = (CellKey, Figures)>) -> Rollup {
        let mut rollup = Rollup::default();
        rollup.add_cells(
            cells
                .into_iter()
                .map(|(key, f)| (CellKey { day, ..key }, f)),
        );
        rollup
    }

    /// Takes away cells held (a month's cells less some of its days'); a cell left with no task goes,
    /// as if those days had not been read.
    pub fn subtract(&mut self, cells: impl IntoIterator<Item = (CellKey, Figures)>) {
        for (key, figures) in cells {
            if let Some(mine) = self.cells.get_mut(&key) {
                mine.subtract(&figures);
                if mine.tasks == 0 {
                    self.cells.remove(&key);
                }
            }
        }
    }

    /// The cells a filter keeps, merged by what the report shows them by.
    pub(super) fn kept<'a>(
        &'a self,
        filter: &'a ReportFilter,
    ) -> impl Iterator<Item = (&'a CellKey, &'a Figures)> + 'a {
        self.cells.iter().filter(|(k, _)| {
            k.day >= filter.from
                && k.day <= filter.to
                && filter.station.as_deref().is_none_or(|s| s == k.station)
                && filter.desk.as_deref().is_none_or(|d| d == k.desk)
                && filter.rule.as_deref().is_none_or(|r| r == k.rule)
                && filter.channel.is_none_or(|c| c == k.channel)
                && filter.network.is_none_or(|n| Some(n) == k.network)
        })
    }

    /// The station days a filter keeps (only dates and station filter them).
    pub(super) fn kept_stations<'a>(
        &'a self,
        filter: &'a ReportFilter,
    ) -> impl Iterator<Item = &'a StationDay> + 'a {
        self.stations
            .iter()
            .filter(|((day, station), _)| {
                *day >= filter.from
                    && *day <= filter.to
                    && filter.station.as_deref().is_none_or(|s| s == station)
            })
            .map(|(_, s)| s)
    }
}

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The last day of `day`'s month.
pub fn month_end(day: NaiveDate) -> NaiveDate {
    month_of(day)
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(day)
}

/// Where a report reads some of the rolled-up days: month cells for whole months (first days `from` to
/// `to`), a month's cells less the day cells of its days outside `from` to `to` (for a month mostly in
/// the period), or day cells for days `from` to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Months(NaiveDate, NaiveDate),
    Part(NaiveDate, NaiveDate),
    Days(NaiveDate, NaiveDate),
}

/// How to read the rolled-up days `from` to `through`: month cells for each month among them whose month
/// rollup is made (in `months`), less its days outside the period when that is fewer than those in it;
/// day cells for the others; adjacent spans of months or days merged, so that a year reads a few spans.
pub fn spans(from: NaiveDate, through: NaiveDate, months: &BTreeSet<NaiveDate>) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let mut month = month_of(from);
    while from <= through && month <= through {
        let end = month_end(month);
        let (first, last) = (month.max(from), end.min(through));
        let inside = (last - first).num_days() + 1;
        let span = if !months.contains(&month) || inside * 2 <= (end - month).num_days() + 1 {
            Span::Days(first, last)
        } else if (first, last) == (month, end) {
            Span::Months(month, month)
        } else {
            Span::Part(first, last)
        };
        match (spans.last_mut(), span) {
            (Some(Span::Months(_, last)), Span::Months(next, _))
            | (Some(Span::Days(_, last)), Span::Days(_, next)) => *last = next,
            (_, span) => spans.push(span),
        }
        let Some(next) = end.succ_opt() else { break };
        month = next;
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_keeps_the_histograms_minutes_and_goes_up() {
        assert_eq!(rounded(0), 0);
        assert_eq!(rounded(3_599), 3_599);
        assert_eq!(rounded(3_601), 3_660);
        assert_eq!(rounded(86_401), 90_000);
        for minutes in super::super::BUCKET_MINUTES {
            let s = minutes * 60;
            assert!(rounded(s) <= s && rounded(s + 1) > s);
        }
    }

    #[test]
    fn a_range_reads_its_made_months_from_month_cells_and_the_rest_by_day() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let made: BTreeSet<NaiveDate> = [d(1, 1), d(2, 1), d(3, 1), d(5, 1)].into();
        assert_eq!(
            spans(d(1, 10), d(5, 31), &made),
            [
                Span::Part(d(1, 10), d(1, 31)),
                Span::Months(d(2, 1), d(3, 1)),
                Span::Days(d(4, 1), d(4, 30)),
                Span::Months(d(5, 1), d(5, 1)),
            ]
        );
        // January's 20th to 31st are fewer than its days outside them; March is mostly in.
        assert_eq!(
            spans(d(1, 20), d(3, 30), &made),
            [
                Span::Days(d(1, 20), d(1, 31)),
                Span::Months(d(2, 1), d(2, 1)),
                Span::Part(d(3, 1), d(3, 30)),
            ]
        );
        assert_eq!(
            spans(d(2, 2), d(2, 27), &made),
            [Span::Part(d(2, 2), d(2, 27))]
        );
        assert_eq!(
            spans(d(2, 3), d(2, 3), &made),
            [Span::Days(d(2, 3), d(2, 3))]
        );
        assert_eq!(
            spans(d(4, 2), d(4, 29), &made),
            [Span::Days(d(4, 2), d(4, 29))]
        );
        assert_eq!(spans(d(2, 3), d(2, 2), &made), []);
        assert_eq!(month_end(d(2, 10)), d(2, 28));
        assert_eq!(month_end(d(12, 31)), d(12, 31));
    }
}

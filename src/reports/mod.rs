//! Reports for analysts: what the follow-ups added up to, computed from facts the store reads (one per
//! task, linked boarded passenger and identity link) and filtered in each station's local time. The funnel
//! from boarding to outcome, latency distributions of the gate and social steps, deadlines met and missed
//! by station, desk and hour, and identity matching. Every figure is also a table, which pages show and
//! CSV downloads carry. Pure: depends on `domain` and `airports` only, no I/O.

pub mod rollup;
pub mod uplift;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::airports;
use crate::domain::{Channel, Iata, LinkDecision, Network, TaskOutcome, TaskState};
use rollup::Rollup;

/// A task as reports see it: where, which rule, how it went and when, never who.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskFact {
    pub station: String,
    pub channel: Channel,
    pub rule: String,
    pub state: TaskState,
    pub outcome: Option<TaskOutcome>,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// When it last changed: when it closed, for a task no longer open or claimed.
    pub updated_at: DateTime<Utc>,
    pub escalated_at: Option<DateTime<Utc>>,
    /// The person's language as the registry has it (none once erased).
    pub language: Option<String>,
    pub boarded_at: Option<DateTime<Utc>>,
    /// The network of the task's first message, for social tasks that sent one.
    pub network: Option<Network>,
    pub first_sent_at: Option<DateTime<Utc>>,
    /// When it was first claimed: a gate agent's "I'm going", an advisor's claim.
    pub claimed_at: Option<DateTime<Utc>>,
    /// When the network said its first message was delivered, and read.
    pub first_delivered_at: Option<DateTime<Utc>>,
    pub first_read_at: Option<DateTime<Utc>>,
    /// When the person first wrote back on the task.
    pub first_reply_at: Option<DateTime<Utc>>,
}

/// A boarded passenger whose identity is linked to a registry person: the top of the funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardedFact {
    pub station: String,
    pub boarded_at: DateTime<Utc>,
}

/// An identity link as the matching report counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkFact {
    pub station: String,
    pub decision: LinkDecision,
    pub by_matcher: bool,
    pub created_at: DateTime<Utc>,
}

/// What a report covers: local dates `from` to `to` (both included) at each station, and optionally one
/// station, desk (the person's language), rule, channel and network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportFilter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub station: Option<String>,
    pub desk: Option<String>,
    pub rule: Option<String>,
    pub channel: Option<Channel>,
    pub network: Option<Network>,
}

/// The desk a person's follow-up belongs to: their language's primary subtag, `unknown` when none.
pub fn desk_of(language: Option<&str>) -> String {
    language
        .and_then(|l| l.split(['-', '_']).next())
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// An instant in a station's local time (UTC for a code aboard has no zone for).
fn local(station: &str, at: DateTime<Utc>) -> chrono::NaiveDateTime {
    Iata::parse(station)
        .ok()
        .and_then(|code| airports::lookup(&code))
        .map(|a| a.to_local(at).naive_local())
        .unwrap_or_else(|| at.naive_utc())
}

impl ReportFilter {
    /// Every task of the local dates `from` to `to`, at every station.
    pub fn dates(from: NaiveDate, to: NaiveDate) -> ReportFilter {
        ReportFilter {
            from,
            to,
            station: None,
            desk: None,
            rule: None,
            channel: None,
            network: None,
        }
    }

    /// The UTC window that holds every station's local dates of the report: a day wider on each side
    /// than the dates in UTC, since zones run from UTC-12 to UTC+14.
    pub fn utc_window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.from.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::days(1);
        let end = self.to.and_time(chrono::NaiveTime::MIN).and_utc() + Duration::days(2);
        (start, end)
    }

    fn covers(&self, station: &str, at: DateTime<Utc>) -> bool {
        let date = local(station, at).date();
        date >= self.from && date <= self.to && self.station.as_deref().is_none_or(|s| s == station)
    }
}

/// From boarding to outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Funnel {
    /// Boarded passengers linked to a registry person (station and dates only filter them).
    pub boarded_linked: i64,
    pub tasks_gate: i64,
    pub tasks_cabin: i64,
    pub tasks_social: i64,
    /// Talked with (all well or a new issue) or written to.
    pub reached: i64,
    pub not_found: i64,
    /// Declined, or asked not to be contacted.
    pub refused: i64,
    pub expired: i64,
    /// Cancelled, or the passenger was offloaded.
    pub cancelled: i64,
    /// Still open or claimed.
    pub pending: i64,
    /// Reached, and a new issue raised.
    pub new_issue: i64,
}

/// Upper bounds of the latency histogram's buckets, in minutes; the last bucket has none.
pub const BUCKET_MINUTES: [i64; 9] = [1, 2, 5, 10, 15, 30, 60, 120, 240];

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Bucket {
    /// `≤ 5 min`, or `> 240 min` for the last.
    pub label: String,
    pub count: i64,
}

/// How long one step took: percentiles by nearest rank, in seconds, and a histogram.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Distribution {
    pub step: &'static str,
    pub count: i64,
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
    pub p99_seconds: Option<i64>,
    pub histogram: Vec<Bucket>,
}

impl Distribution {
    /// The distribution of durations counted by value (seconds → how many).
    pub fn of_counts(step: &'static str, counts: &BTreeMap<i64, i64>) -> Distribution {
        let total: i64 = counts.values().sum();
        let rank = |p: f64| -> Option<i64> {
            if total == 0 {
                return None;
            }
            let wanted = ((p * total as f64).ceil() as i64).clamp(1, total);
            let mut seen = 0;
            counts.iter().find_map(|(seconds, n)| {
                seen += n;
                (seen >= wanted).then_some(*seconds)
            })
        };
        let mut histogram = Self::buckets();
        for (s, n) in counts {
            let bucket = BUCKET_MINUTES
                .iter()
                .position(|m| *s <= m * 60)
                .unwrap_or(BUCKET_MINUTES.len());
            histogram[bucket].count += n;
        }
        Distribution {
            step,
            count: total,
            median_seconds: rank(0.5),
            p90_seconds: rank(0.9),
            p99_seconds: rank(0.99),
            histogram,
        }
    }

    fn buckets() -> Vec<Bucket> {
        let mut histogram: Vec<Bucket> = BUCKET_MINUTES
            .iter()
            .map(|m| Bucket {
                label: format!("≤ {m} min"),
                count: 0,
            })
            .collect();
        histogram.push(Bucket {
            label: format!("> {} min", BUCKET_MINUTES[BUCKET_MINUTES.len() - 1]),
            count: 0,
        });
        histogram
    }

    pub fn of(step: &'static str, mut seconds: Vec<i64>) -> Distribution {
        seconds.sort_unstable();
        let rank = |p: f64| -> Option<i64> {
            if seconds.is_empty() {
                return None;
            }
            let index = ((p * seconds.len() as f64).ceil() as usize).clamp(1, seconds.len()) - 1;
            Some(seconds[index])
        };
        let mut histogram = Self::buckets();
        for s in &seconds {
            let bucket = BUCKET_MINUTES
                .iter()
                .position(|m| *s <= m * 60)
                .unwrap_or(BUCKET_MINUTES.len());
            histogram[bucket].count += 1;
        }
        Distribution {
            step,
            count: seconds.len() as i64,
            median_seconds: rank(0.5),
            p90_seconds: rank(0.9),
            p99_seconds: rank(0.99),
            histogram,
        }
    }
}

/// Deadlines of one station, desk or local hour: tasks done by their due time, done late or expired
/// (or open past it), and escalated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DeadlineRow {
    pub key: String,
    pub met: i64,
    pub missed: i64,
    pub escalated: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Deadlines {
    pub by_station: Vec<DeadlineRow>,
    pub by_desk: Vec<DeadlineRow>,
    /// By the local hour (0–23) of the task's due time.
    pub by_hour: Vec<DeadlineRow>,
}

/// Identity links created in the period, and the review queue's age now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Matching {
    /// Linked by the matcher alone.
    pub auto_linked: i64,
    /// Linked by staff in review.
    pub confirmed: i64,
    pub rejected: i64,
    /// Still waiting for review.
    pub in_review: i64,
    pub review_median_age_seconds: Option<i64>,
    pub review_oldest_age_seconds: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub filter: ReportFilter,
    pub funnel: Funnel,
    pub latency: Vec<Distribution>,
    pub deadlines: Deadlines,
    pub matching: Matching,
}

/// A report's table, as pages show it and CSV carries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Its name in URLs: `/reports/{name}.csv`.
    pub name: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// The names of every table a report has, in the order pages show them.
pub const TABLES: [&str; 7] = [
    "funnel",
    "latency",
    "histogram",
    "deadlines_by_station",
    "deadlines_by_desk",
    "deadlines_by_hour",
    "matching",
];

fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_seconds().max(0)
}

/// Computes the report of `filter` from the facts of its UTC window, as things stand at `now`.
pub fn compute(
    filter: &ReportFilter,
    tasks: &[TaskFact],
    boarded: &[BoardedFact],
    links: &[LinkFact],
    now: DateTime<Utc>,
) -> Report {
    compute_with(filter, Rollup::default(), None, tasks, boarded, links, now)
}

/// Computes the report of `filter` from the rollups of the days rolled up (through `rolled_through`) and
/// the facts of the days after them, as things stand at `now`. The review queue is read from `links` as
/// it stands, whatever the day.
pub fn compute_with(
    filter: &ReportFilter,
    mut rolled: Rollup,
    rolled_through: Option<NaiveDate>,
    tasks: &[TaskFact],
    boarded: &[BoardedFact],
    links: &[LinkFact],
    now: DateTime<Utc>,
) -> Report {
    let live = Rollup::of(
        |day| rolled_through.is_none_or(|r| day > r) && day >= filter.from && day <= filter.to,
        tasks,
        boarded,
        links,
        now,
    );
    rolled.absorb(live);

    let mut funnel = Funnel::default();
    let mut latency: Vec<BTreeMap<i64, i64>> = vec![BTreeMap::new(); rollup::STEPS.len()];
    let mut by_station: BTreeMap<String, DeadlineRow> = BTreeMap::new();
    let mut by_desk: BTreeMap<String, DeadlineRow> = BTreeMap::new();
    let mut by_hour: Vec<DeadlineRow> = (0..24)
        .map(|h| DeadlineRow {
            key: format!("{h:02}"),
            ..DeadlineRow::default()
        })
        .collect();
    for (key, f) in rolled.kept(filter) {
        match key.channel {
            Channel::Gate => funnel.tasks_gate += f.tasks,
            Channel::Cabin => funnel.tasks_cabin += f.tasks,
            Channel::Social => funnel.tasks_social += f.tasks,
        }
        funnel.reached += f.reached;
        funnel.not_found += f.not_found;
        funnel.refused += f.refused;
        funnel.expired += f.expired;
        funnel.cancelled += f.cancelled;
        funnel.pending += f.pending;
        funnel.new_issue += f.new_issue;
        for (step, counts) in &f.latency {
            if let Some(merged) = latency.get_mut(*step) {
                for (seconds, n) in counts {
                    *merged.entry(*seconds).or_default() += n;
                }
            }
        }
        for (hour, [met, missed, escalated]) in &f.by_hour {
            let rows = [
                by_station
                    .entry(key.station.clone())
                    .or_insert_with(|| DeadlineRow {
                        key: key.station.clone(),
                        ..DeadlineRow::default()
                    }),
                by_desk
                    .entry(key.desk.clone())
                    .or_insert_with(|| DeadlineRow {
                        key: key.desk.clone(),
                        ..DeadlineRow::default()
                    }),
            ];
            for row in rows {
                row.met += met;
                row.missed += missed;
                row.escalated += escalated;
            }
            if let Some(row) = by_hour.get_mut(*hour as usize) {
                row.met += met;
                row.missed += missed;
                row.escalated += escalated;
            }
        }
    }

    let mut matching = Matching::default();
    for s in rolled.kept_stations(filter) {
        funnel.boarded_linked += s.boarded_linked;
        matching.auto_linked += s.auto_linked;
        matching.confirmed += s.confirmed;
        matching.rejected += s.rejected;
    }
    let review_ages: Vec<i64> = links
        .iter()
        .filter(|l| l.decision == LinkDecision::Review && filter.covers(&l.station, l.created_at))
        .map(|l| seconds_between(l.created_at, now))
        .collect();
    matching.in_review = review_ages.len() as i64;
    matching.review_median_age_seconds =
        Distribution::of("review queue age", review_ages.clone()).median_seconds;
    matching.review_oldest_age_seconds = review_ages.iter().max().copied();

    Report {
        filter: filter.clone(),
        funnel,
        latency: rollup::STEPS
            .iter()
            .zip(&latency)
            .map(|(step, counts)| Distribution::of_counts(step, counts))
            .collect(),
        deadlines: Deadlines {
            by_station: by_station.into_values().collect(),
            by_desk: by_desk.into_values().collect(),
            by_hour,
        },
        matching,
    }
}

fn minutes(seconds: Option<i64>) -> String {
    seconds
        .map(|s| format!("{:.1}", s as f64 / 60.0))
        .unwrap_or_default()
}

fn deadline_table(name: &'static str, key: &'static str, rows: &[DeadlineRow]) -> Table {
    Table {
        name,
        headers: vec![key, "met", "missed", "escalated"],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.key.clone(),
                    r.met.to_string(),
                    r.missed.to_string(),
                    r.escalated.to_string(),
                ]
            })
            .collect(),
    }
}

impl Report {
    /// The table called `name` (one of `TABLES`).
    pub fn table(&self, name: &str) -> Option<Table> {
        let f = &self.funnel;
        let m = &self.matching;
        let count = |label: &str, n: i64| vec![label.to_string(), n.to_string()];
        Some(match name {
            "funnel" => Table {
                name: "funnel",
                headers: vec!["stage", "count"],
                rows: vec![
                    count("boarded, linked to a person", f.boarded_linked),
                    count("gate tasks", f.tasks_gate),
                    count("cabin tasks", f.tasks_cabin),
                    count("social tasks", f.tasks_social),
                    count("reached", f.reached),
                    count("not found", f.not_found),
                    count("refused", f.refused),
                    count("expired", f.expired),
                    count("cancelled", f.cancelled),
                    count("pending", f.pending),
                    count("new issue raised", f.new_issue),
                ],
            },
            "latency" => Table {
                name: "latency",
                headers: vec!["step", "count", "median", "p90", "p99"],
                rows: self
                    .latency
                    .iter()
                    .map(|d| {
                        vec![
                            d.step.to_string(),
                            d.count.to_string(),
                            minutes(d.median_seconds),
                            minutes(d.p90_seconds),
                            minutes(d.p99_seconds),
                        ]
                    })
                    .collect(),
            },
            "histogram" => Table {
                name: "histogram",
                headers: vec!["step", "bucket", "count"],
                rows: self
                    .latency
                    .iter()
                    .flat_map(|d| {
                        d.histogram
                            .iter()
                            .map(|b| vec![d.step.to_string(), b.label.clone(), b.count.to_string()])
                    })
                    .collect(),
            },
            "deadlines_by_station" => deadline_table(
                "deadlines_by_station",
                "station",
                &self.deadlines.by_station,
            ),
            "deadlines_by_desk" => {
                deadline_table("deadlines_by_desk", "desk", &self.deadlines.by_desk)
            }
            "deadlines_by_hour" => {
                deadline_table("deadlines_by_hour", "hour", &self.deadlines.by_hour)
            }
            "matching" => Table {
                name: "matching",
                headers: vec!["measure", "value"],
                rows: vec![
                    count("linked by the matcher", m.auto_linked),
                    count("confirmed in review", m.confirmed),
                    count("rejected", m.rejected),
                    count("waiting for review", m.in_review),
                    vec![
                        "review queue, median age (minutes)".to_string(),
                        minutes(m.review_median_age_seconds),
                    ],
                    vec![
                        "review queue, oldest (minutes)".to_string(),
                        minutes(m.review_oldest_age_seconds),
                    ],
                ],
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_and_buckets_hold_every_sample() {
        let d = Distribution::of("x", (1..=100).map(|m| m * 60).collect());
        assert_eq!(d.count, 100);
        assert_eq!(d.median_seconds, Some(50 * 60));
        assert_eq!(d.p90_seconds, Some(90 * 60));
        assert_eq!(d.p99_seconds, Some(99 * 60));
        let counts: Vec<i64> = d.histogram.iter().map(|b| b.count).collect();
        assert_eq!(counts, [1, 1, 3, 5, 5, 15, 30, 40, 0, 0]);
        let empty = Distribution::of("x", vec![]);
        assert_eq!((empty.count, empty.median_seconds), (0, None));
    }

    #[test]
    fn a_task_counts_on_its_stations_local_date() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let task = |station: &str, created: &str| TaskFact {
            station: station.to_string(),
            channel: Channel::Gate,
            rule: "r".to_string(),
            state: TaskState::Done,
            outcome: Some(TaskOutcome::TalkedAllWell),
            created_at: at(created),
            due_at: at(created),
            updated_at: at(created),
            escalated_at: None,
            language: Some("es-ES".to_string()),
            boarded_at: None,
            network: None,
            first_sent_at: None,
            claimed_at: None,
            first_delivered_at: None,
            first_read_at: None,
            first_reply_at: None,
        };
        let date = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let filter = ReportFilter {
            from: date,
            to: date,
            station: None,
            desk: Some("es".to_string()),
            rule: None,
            channel: None,
            network: None,
        };
        // 23:30 UTC on the 21st is the 22nd in Madrid; 23:30 UTC on the 22nd is the 23rd there, but
        // still the 22nd in Mexico City.
        let tasks = [
            task("MAD", "2026-11-21T23:30:00Z"),
            task("MAD", "2026-11-22T23:30:00Z"),
            task("MEX", "2026-11-22T23:30:00Z"),
        ];
        let report = compute(&filter, &tasks, &[], &[], at("2026-11-24T00:00:00Z"));
        assert_eq!(report.funnel.tasks_gate, 2);
        let stations: Vec<&str> = report
            .deadlines
            .by_station
            .iter()
            .map(|r| r.key.as_str())
            .collect();
        assert_eq!(stations, ["MAD", "MEX"]);
        assert_eq!(report.deadlines.by_hour[0].met, 1, "00:30 in Madrid");
    }
}

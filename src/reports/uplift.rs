//! The uplift report: did following people up change anything? Treated and held-out passengers (the
//! holdout group) are compared on what happened within N days of their flight — a new complaint case in a
//! later registry import, activity about the airline in a registry export taken after those days, a later
//! flight in the manifests — each as a difference of proportions with its 95% interval (Newcombe's hybrid
//! score interval, from Wilson's), and a plain statement when the groups are still too small to tell.
//! Pure: no I/O.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::Table;
use crate::domain::{Channel, Cohort};

/// One flight of one registry person while the holdout was on, with what the registry and the manifests
/// say about the person now (the report counts what was kept of it as it came; see `CohortCounts`).
/// Names nobody.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortFact {
    pub station: String,
    /// The flight's local date at its origin.
    pub flight_date: NaiveDate,
    pub cohort: Cohort,
    pub rule: String,
    pub channel: Channel,
    pub language: Option<String>,
    pub decided_at: DateTime<Utc>,
    /// The first case the registry's exports opened for the person after the decision (aboard's own cases,
    /// opened by the follow-up itself, are not counted).
    pub next_case_at: Option<DateTime<Utc>>,
    /// The person's first flight after this one in the manifests.
    pub next_flight_on: Option<NaiveDate>,
    /// When the registry last sent the person, and their activity about the airline then (the 30 days
    /// before that export, summed over their accounts).
    pub registry_seen_at: DateTime<Utc>,
    pub activity_30d: i64,
}

/// One cohort's decisions of a period, counted by the store from the outcomes kept on each as the facts
/// came: a new case `days` after the decision, a later flight `days` after the flight (both knowable once
/// the decision is `days` old), and activity about the airline in a registry export at least `days` after
/// the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortCounts {
    pub cohort: Cohort,
    pub decisions: i64,
    /// Decided at least `days` ago: whether a new case came or the person flew again can be known.
    pub due: i64,
    pub new_case: i64,
    pub flew_again: i64,
    /// Sent by the registry again at least `days` after the decision: whether they were active is known.
    pub seen_after: i64,
    pub active: i64,
}

/// The fewest passengers each group needs before a difference is worth stating.
pub const MIN_GROUP: i64 = 30;
/// The days after the flight an outcome is looked for when none are asked.
pub const DEFAULT_DAYS: i64 = 30;
/// The 97.5th percentile of the standard normal distribution.
const Z: f64 = 1.959_963_984_540_054;

/// How many of a group had the outcome, with Wilson's 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Proportion {
    /// Passengers whose outcome can be known yet.
    pub passengers: i64,
    pub with_outcome: i64,
    pub rate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl Proportion {
    fn of(with_outcome: i64, passengers: i64) -> Proportion {
        let interval = wilson(with_outcome, passengers);
        Proportion {
            passengers,
            with_outcome,
            rate: interval.map(|i| i.0),
            low: interval.map(|i| i.1),
            high: interval.map(|i| i.2),
        }
    }
}

/// The proportion, and Wilson's score interval at 95%, or nothing for an empty group.
pub fn wilson(x: i64, n: i64) -> Option<(f64, f64, f64)> {
    if n <= 0 {
        return None;
    }
    let n = n as f64;
    let p = x as f64 / n;
    let z2 = Z * Z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some((p, (centre - half).max(0.0), (centre + half).min(1.0)))
}

/// Treated minus held out, with Newcombe's hybrid score interval at 95% (his method 10).
pub fn newcombe(treated: &Proportion, held_out: &Proportion) -> Option<(f64, f64, f64)> {
    let (p1, l1, u1) = (treated.rate?, treated.low?, treated.high?);
    let (p2, l2, u2) = (held_out.rate?, held_out.low?, held_out.high?);
    let d = p1 - p2;
    let low = d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let high = d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    Some((d, low, high))
}

/// One outcome compared between the groups.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OutcomeComparison {
    /// `new_case`, `active`, `flew_again`.
    pub outcome: &'static str,
    pub treated: Proportion,
    pub held_out: Proportion,
    /// Treated rate minus held-out rate, and its 95% interval (proportions, -1 to 1).
    pub difference: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Whether the groups are large enough for the interval to mean something.
    pub enough: bool,
    /// What the figures say, in words.
    pub verdict: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Uplift {
    /// Outcomes are looked for this many days after the flight.
    pub days: i64,
    /// Qualifying passengers of the period in each group (exempt: an open case, never held out).
    pub treated: i64,
    pub held_out: i64,
    pub exempt: i64,
    pub outcomes: Vec<OutcomeComparison>,
}

struct Outcome {
    name: &'static str,
    /// What a higher rate among the treated means, in words.
    more: &'static str,
    fewer: &'static str,
    /// Of a cohort, the passengers with the outcome and those whose outcome can be known yet.
    of: fn(&CohortCounts) -> (i64, i64),
}

const OUTCOMES: [Outcome; 3] = [
    Outcome {
        name: "new_case",
        more: "more treated passengers opened a new complaint case",
        fewer: "fewer treated passengers opened a new complaint case",
        of: |c| (c.new_case, c.due),
    },
    Outcome {
        name: "active",
        more: "more treated passengers were active about the airline",
        fewer: "fewer treated passengers were active about the airline",
        of: |c| (c.active, c.seen_after),
    },
    Outcome {
        name: "flew_again",
        more: "more treated passengers flew again",
        fewer: "fewer treated passengers flew again",
        of: |c| (c.flew_again, c.due),
    },
];

fn points(x: f64) -> String {
    format!("{:+.1}", x * 100.0)
}

fn verdict(outcome: &Outcome, treated: &Proportion, held_out: &Proportion) -> (bool, String) {
    if treated.passengers < MIN_GROUP || held_out.passengers < MIN_GROUP {
        return (
            false,
            format!(
                "Too small to tell yet: {} treated and {} held-out passengers can be compared; at least \
                 {MIN_GROUP} in each group are needed.",
                treated.passengers, held_out.passengers
            ),
        );
    }
    let Some((d, low, high)) = newcombe(treated, held_out) else {
        return (false, "Too small to tell yet.".to_string());
    };
    let interval = format!(
        "{} points (95% interval {} to {})",
        points(d),
        points(low),
        points(high)
    );
    let text = if low <= 0.0 && high >= 0.0 {
        format!("No difference shown: {interval}, which includes none.")
    } else if d > 0.0 {
        format!("{}: {interval}.", capitalised(outcome.more))
    } else {
        format!("{}: {interval}.", capitalised(outcome.fewer))
    };
    (true, text)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Compares the treated and held-out passengers of a period on outcomes `days` after their flight, from
/// each cohort's counts (a cohort without any counts none).
pub fn compute(days: i64, counts: &[CohortCounts]) -> Uplift {
    let of = |cohort: Cohort| counts.iter().find(|c| c.cohort == cohort);
    let count = |cohort: Cohort| of(cohort).map_or(0, |c| c.decisions);
    let outcomes = OUTCOMES
        .iter()
        .map(|outcome| {
            let proportion = |cohort: Cohort| {
                let (with_outcome, passengers) = of(cohort).map_or((0, 0), outcome.of);
                Proportion::of(with_outcome, passengers)
            };
            let treated = proportion(Cohort::Treated);
            let held_out = proportion(Cohort::HeldOut);
            let difference = newcombe(&treated, &held_out);
            let (enough, verdict) = verdict(outcome, &treated, &held_out);
            OutcomeComparison {
                outcome: outcome.name,
                difference: difference.map(|d| d.0),
                low: difference.map(|d| d.1),
                high: difference.map(|d| d.2),
                treated,
                held_out,
                enough,
                verdict,
            }
        })
        .collect();
    Uplift {
        days,
        treated: count(Cohort::Treated),
        held_out: count(Cohort::HeldOut),
        exempt: count(Cohort::Exempt),
        outcomes,
    }
}

fn rate(x: Option<f64>) -> String {
    x.map(|x| format!("{x:.4}")).unwrap_or_default()
}

impl Uplift {
    /// The comparison as a table, one row per outcome.
    pub fn table(&self) -> Table {
        Table {
            name: "uplift",
            headers: vec![
                "outcome",
                "treated",
                "treated_with_outcome",
                "treated_rate",
                "held_out",
                "held_out_with_outcome",
                "held_out_rate",
                "difference",
                "low_95",
                "high_95",
                "verdict",
            ],
            rows: self
                .outcomes
                .iter()
                .map(|o| {
                    vec![
                        o.outcome.to_string(),
                        o.treated.passengers.to_string(),
                        o.treated.with_outcome.to_string(),
                        rate(o.treated.rate),
                        o.held_out.passengers.to_string(),
                        o.held_out.with_outcome.to_string(),
                        rate(o.held_out.rate),
                        rate(o.difference),
                        rate(o.low),
                        rate(o.high),
                        o.verdict.clone(),
                    ]
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_and_newcombe_match_the_published_examples() {
        // Newcombe (1998), Statistics in Medicine 17, table II, example (a): 56/70 against 48/80, method
        // 10 gives 0.0524 to 0.3339.
        let a = Proportion::of(56, 70);
        let b = Proportion::of(48, 80);
        let (d, low, high) = newcombe(&a, &b).unwrap();
        assert!((d - 0.2).abs() < 1e-9);
        assert!((low - 0.0524).abs() < 5e-4, "{low}");
        assert!((high - 0.3339).abs() < 5e-4, "{high}");
        // Wilson for 0 of 10: 0 to 0.2775.
        let (_, l, h) = wilson(0, 10).unwrap();
        assert!(l.abs() < 1e-12 && (h - 0.2775).abs() < 5e-4, "{h}");
        assert_eq!(wilson(0, 0), None);
    }

    fn counts(cohort: Cohort, decisions: i64, new_case: i64) -> CohortCounts {
        CohortCounts {
            cohort,
            decisions,
            due: decisions,
            new_case,
            flew_again: 0,
            seen_after: 0,
            active: 0,
        }
    }

    #[test]
    fn too_small_groups_say_so_and_clear_ones_give_a_direction() {
        let few = [counts(Cohort::Treated, 1, 0), counts(Cohort::HeldOut, 1, 1)];
        let uplift = compute(30, &few);
        assert!(!uplift.outcomes[0].enough);
        assert!(uplift.outcomes[0].verdict.starts_with("Too small to tell"));
        // 10 of 200 treated against 30 of 101 held out had a new case within 30 days.
        let all = [
            counts(Cohort::Treated, 200, 10),
            counts(Cohort::HeldOut, 101, 30),
            counts(Cohort::Exempt, 1, 1),
        ];
        let uplift = compute(30, &all);
        assert_eq!(
            (uplift.treated, uplift.held_out, uplift.exempt),
            (200, 101, 1)
        );
        let cases = &uplift.outcomes[0];
        assert_eq!(
            (cases.treated.with_outcome, cases.held_out.with_outcome),
            (10, 30)
        );
        assert!(cases.enough && cases.high.unwrap() < 0.0);
        assert!(
            cases.verdict.starts_with("Fewer treated passengers"),
            "{}",
            cases.verdict
        );
        // Nobody's activity was seen after the window: unknown, not zero.
        assert_eq!(uplift.outcomes[1].treated.passengers, 0);
        // A cohort with no decisions counts none.
        assert_eq!(compute(30, &all[..1]).held_out, 0);
    }
}

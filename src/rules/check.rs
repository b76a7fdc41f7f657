//! `aboard rules check`: every problem in every rule file, and what each good rule does on the sample
//! context, at a staffed and at an unstaffed station, so an editor sees a rule's effect before it ships.

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use super::RuleSet;
use super::context::{RuleContext, Trigger};
use super::diagnostic::Diagnostic;
use super::rule::{EvaluationError, TaskPlan};
use crate::domain::FlightStatus;

/// The result of checking a set of rule files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Problems not tied to one file (an unreadable directory, no rule files).
    pub general: Vec<Diagnostic>,
    pub files: Vec<FileReport>,
}

/// One file's problems and its good rules' sample results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
    pub rules: Vec<RuleSample>,
}

/// What one good rule does on the sample contexts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSample {
    pub rule_id: String,
    pub trigger: Trigger,
    pub enabled: bool,
    /// `(sample name, outcome)`, for the sample at a staffed and at an unstaffed station.
    pub outcomes: Vec<(&'static str, SampleOutcome)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SampleOutcome {
    /// `when` was false.
    Quiet,
    Fires(TaskPlan),
    /// `when` held but no channel could be served in time; the reason says why.
    Skipped(String),
    Failed(EvaluationError),
}

impl CheckReport {
    /// Problems found, counting sample evaluations that failed.
    pub fn error_count(&self) -> usize {
        let failed_samples = self
            .files
            .iter()
            .flat_map(|f| &f.rules)
            .flat_map(|r| &r.outcomes)
            .filter(|(_, outcome)| matches!(outcome, SampleOutcome::Failed(_)))
            .count();
        self.general.len()
            + self
                .files
                .iter()
                .map(|f| f.diagnostics.len())
                .sum::<usize>()
            + failed_samples
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// Every diagnostic, general ones first, then file by file.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.general
            .iter()
            .chain(self.files.iter().flat_map(|f| &f.diagnostics))
    }
}

/// Checks rule files given as `(file name, text)`.
pub fn check_sources(sources: &[(String, String)]) -> CheckReport {
    let (set, mut diagnostics) = RuleSet::build(sources);
    let staffed = RuleContext::sample();
    let mut unstaffed = RuleContext::sample();
    unstaffed.station.staffed = false;
    let files = sources
        .iter()
        .map(|(file, _)| {
            let (mine, others): (Vec<Diagnostic>, Vec<Diagnostic>) =
                diagnostics.drain(..).partition(|d| &d.file == file);
            diagnostics = others;
            let rules = set
                .rules()
                .iter()
                .filter(|rule| rule.location().0 == file)
                .map(|rule| RuleSample {
                    rule_id: rule.id().to_owned(),
                    trigger: rule.trigger(),
                    enabled: rule.enabled(),
                    outcomes: [
                        ("staffed station", &staffed),
                        ("unstaffed station", &unstaffed),
                    ]
                    .into_iter()
                    .map(|(name, sample)| {
                        let sample = sample_at(sample, rule.trigger());
                        let outcome = set
                            .evaluate_rule(rule, &sample)
                            .unwrap_or_else(SampleOutcome::Failed);
                        (name, outcome)
                    })
                    .collect(),
                })
                .collect();
            FileReport {
                file: file.clone(),
                diagnostics: mine,
                rules,
            }
        })
        .collect();
    CheckReport {
        general: diagnostics,
        files,
    }
}

/// The sample at the moment `trigger` happens on the sample flight.
pub(crate) fn sample_at(sample: &RuleContext, trigger: Trigger) -> RuleContext {
    let mut at = sample.clone();
    let flight = &mut at.flight;
    let moment = match trigger {
        Trigger::Boarded => None,
        Trigger::BoardingStarted => flight.boarding_started,
        Trigger::GateClosed => flight.gate_close,
        Trigger::Arrived => Some(flight.arrival()),
        Trigger::Disruption => {
            // The disruption a disruption rule is written for: the flight is 90 minutes late.
            let delay = Duration::minutes(90);
            flight.status = FlightStatus::Delayed;
            flight.estimated_departure = Some(flight.scheduled_departure + delay);
            flight.estimated_arrival = Some(flight.scheduled_arrival + delay);
            flight.gate_close = flight.gate_close.map(|t| t + delay);
            None
        }
    };
    if let Some(moment) = moment {
        at.now = moment.with_timezone(&Utc);
    }
    at
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%H:%MZ").to_string()
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.general {
            writeln!(f, "error: {diagnostic}")?;
        }
        for file in &self.files {
            write!(f, "{}: {} rule(s)", file.file, file.rules.len())?;
            match file.diagnostics.len() {
                0 => writeln!(f, ", no problems")?,
                n => writeln!(f, ", {n} problem(s)")?,
            }
            for diagnostic in &file.diagnostics {
                writeln!(f, "  error: {diagnostic}")?;
            }
            for rule in &file.rules {
                write!(f, "  {} (on {})", rule.rule_id, rule.trigger)?;
                if !rule.enabled {
                    write!(f, " [disabled]")?;
                }
                writeln!(f)?;
                for (sample, outcome) in &rule.outcomes {
                    write!(f, "    {sample}: ")?;
                    match outcome {
                        SampleOutcome::Quiet => writeln!(f, "does not fire")?,
                        SampleOutcome::Skipped(reason) => writeln!(f, "skipped: {reason}")?,
                        SampleOutcome::Failed(error) => writeln!(f, "error: {error}")?,
                        SampleOutcome::Fires(plan) => {
                            let channels: Vec<String> = plan
                                .channels
                                .iter()
                                .map(|o| format!("{} until {}", o.channel, time(o.expires_at)))
                                .collect();
                            writeln!(
                                f,
                                "fires, priority {}, due {}, {}",
                                plan.priority,
                                time(plan.due_at),
                                channels.join(", then ")
                            )?;
                            writeln!(f, "      brief: {}", plan.brief)?;
                            for (language, brief) in &plan.briefs {
                                writeln!(f, "      brief.{language}: {brief}")?;
                            }
                        }
                    }
                }
            }
        }
        let rules: usize = self.files.iter().map(|f| f.rules.len()).sum();
        write!(
            f,
            "{} file(s), {} rule(s) ready, {} problem(s)",
            self.files.len(),
            rules,
            self.error_count()
        )
    }
}

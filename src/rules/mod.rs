//! The rules engine: decides, from rule files, who gets a follow-up task, through which channel, with what
//! priority, due time, expiry and brief. A rule is TOML with CEL expressions (`rules/README.md` documents
//! the format and every name a rule can read); `RuleSet::parse` checks files completely — syntax, fields,
//! expressions and a sample evaluation — and `RuleSet::evaluate` turns one passenger's [`RuleContext`] into
//! [`TaskPlan`]s, each saying why it exists. Parsing and evaluation are pure; `files` is a thin loader and
//! the only I/O. Depends only on `crate::domain`.

mod check;
mod clock;
mod context;
mod definition;
mod diagnostic;
mod explain;
pub mod files;
mod rule;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use cel::{DeclarationError, Env, extensions};
use chrono::Duration;

pub use check::{CheckReport, FileReport, RuleSample, SampleOutcome, check_sources};
pub use clock::{ClockPoint, ClockTime, ClockTimeError};
pub use context::{
    CaseFacts, ChannelConsent, FlightFacts, PassengerFacts, PersonFacts, RuleContext,
    SocialAccountFacts, StationFacts, Trigger,
};
pub use diagnostic::{Diagnostic, Position, Problem};
pub use files::{check_dir, load_dir};
pub use rule::{ChannelOption, EvaluationError, EvaluationProblem, Rule, Skipped, TaskPlan};

use rule::{Outcome, cel_context};

/// How long a social task stays worth doing after its event when the rule sets no expiry.
pub const DEFAULT_SOCIAL_EXPIRY: Duration = Duration::hours(6);

/// Every rule of a deployment, checked and compiled. Cheap to share between threads.
pub struct RuleSet {
    rules: Vec<Rule>,
    env: Arc<Env>,
    social_expiry: Duration,
}

/// What evaluating all rules for one passenger gave. An error in one rule never stops the others.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Evaluation {
    /// Most urgent first, then earliest due.
    pub plans: Vec<TaskPlan>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<EvaluationError>,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules)
            .field("social_expiry", &self.social_expiry)
            .finish_non_exhaustive()
    }
}

impl RuleSet {
    /// Parses and checks rule files given as `(file name, text)`; every problem in every file is reported.
    pub fn parse(sources: &[(String, String)]) -> Result<RuleSet, Vec<Diagnostic>> {
        let (set, diagnostics) = RuleSet::build(sources);
        if diagnostics.is_empty() {
            Ok(set)
        } else {
            Err(diagnostics)
        }
    }

    /// The rules that passed every check, and the diagnostics of the others, sorted by file and place.
    pub(crate) fn build(sources: &[(String, String)]) -> (RuleSet, Vec<Diagnostic>) {
        let env = Arc::new(rule_environment());
        let mut diagnostics = Vec::new();
        let mut rules: Vec<Rule> = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (file, text) in sources {
            for definition in definition::read_file(file, text, &mut diagnostics) {
                let place = format!("{}:{}", definition.file, definition.position);
                if let Some(first) = seen.get(&definition.id) {
                    diagnostics.push(Diagnostic {
                        file: definition.file.clone(),
                        position: Some(definition.position),
                        rule_id: Some(definition.id.clone()),
                        problem: Problem::DuplicateId {
                            id: definition.id.clone(),
                            first: first.clone(),
                        },
                    });
                    continue;
                }
                seen.insert(definition.id.clone(), place);
                match rule::compile(&env, definition) {
                    Ok(rule) => rules.push(rule),
                    Err(mut found) => diagnostics.append(&mut found),
                }
            }
        }
        let complete = RuleContext::sample();
        let sparse = RuleContext::sparse_sample();
        rules.retain(|rule| {
            let at_trigger = check::sample_at(&complete, rule.trigger());
            let mut found = rule.check_on_sample(
                &env,
                &at_trigger,
                "sample context",
                true,
                DEFAULT_SOCIAL_EXPIRY,
            );
            // Missing facts are worth a look only once the rule works when every fact is there.
            if found.is_empty() {
                found = rule.check_on_sample(
                    &env,
                    &check::sample_at(&sparse, rule.trigger()),
                    "sample context with every optional fact missing",
                    false,
                    DEFAULT_SOCIAL_EXPIRY,
                );
            }
            let passed = found.is_empty();
            diagnostics.append(&mut found);
            passed
        });
        diagnostics.sort_by(|a, b| (&a.file, a.position).cmp(&(&b.file, b.position)));
        let set = RuleSet {
            rules,
            env,
            social_expiry: DEFAULT_SOCIAL_EXPIRY,
        };
        (set, diagnostics)
    }

    /// Sets how long social tasks stay open after their event when a rule sets no expiry.
    pub fn with_social_expiry(mut self, social_expiry: Duration) -> RuleSet {
        self.social_expiry = social_expiry;
        self
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Evaluates the enabled rules for `trigger` against one passenger's context.
    pub fn evaluate(&self, trigger: Trigger, context: &RuleContext) -> Evaluation {
        let cel = cel_context(&self.env, context, trigger);
        let mut evaluation = Evaluation::default();
        for rule in self
            .rules
            .iter()
            .filter(|rule| rule.enabled() && rule.trigger() == trigger)
        {
            match rule.evaluate(&cel, context, self.social_expiry) {
                Ok(Outcome::Quiet) => {}
                Ok(Outcome::Planned(plan)) => evaluation.plans.push(plan),
                Ok(Outcome::Skipped(skipped)) => evaluation.skipped.push(skipped),
                Err(error) => evaluation.errors.push(error),
            }
        }
        evaluation
            .plans
            .sort_by(|a, b| b.priority.cmp(&a.priority).then(a.due_at.cmp(&b.due_at)));
        evaluation
    }

    pub(crate) fn evaluate_rule(
        &self,
        rule: &Rule,
        context: &RuleContext,
    ) -> Result<SampleOutcome, EvaluationError> {
        let cel = cel_context(&self.env, context, rule.trigger());
        rule.evaluate(&cel, context, self.social_expiry)
            .map(|outcome| match outcome {
                Outcome::Quiet => SampleOutcome::Quiet,
                Outcome::Planned(plan) => SampleOutcome::Fires(plan),
                Outcome::Skipped(skipped) => SampleOutcome::Skipped(skipped.reason),
            })
    }
}

/// CEL's standard library plus the strings, lists and math extensions (`join`, `format`, `lowerAscii`,
/// `math.greatest`, ...), which briefs and conditions read better with.
fn rule_environment() -> Env {
    type Extension = fn(&mut Env) -> Result<(), DeclarationError>;
    let mut env = Env::stdlib();
    let wanted: [Extension; 3] = [extensions::strings, extensions::lists, extensions::math];
    for extension in wanted {
        // A clash could only hide that extension's functions; a rule using one is then refused by the
        // sample check with the function's name, so nothing fails silently.
        if let Err(clash) = env.add_extension(extension) {
            tracing::warn!(%clash, "a CEL extension for rules could not be added");
        }
    }
    env
}

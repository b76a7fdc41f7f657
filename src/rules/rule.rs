//! A compiled rule and what evaluating it for one passenger gives: a task plan, a skip (no channel can be
//! served in time), or an error that names the rule, the field and the reason.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use cel::common::ast::{EntryExpr, Expr};
use cel::{Context, Env, IdedExpr, Program, Value};
use chrono::{DateTime, Duration, Utc};

use super::clock::{ClockPoint, ClockTime};
use super::context::{CONTEXT_NAMES, RuleContext, Trigger};
use super::definition::{ExpressionText, PriorityDefinition, RuleDefinition};
use super::diagnostic::{Diagnostic, Position, Problem};
use super::explain::{Fact, describe, facts};
use crate::domain::{Channel, UiLanguage};

/// A CEL expression compiled once, kept with its text and the position of its key.
#[derive(Debug)]
pub(crate) struct CompiledExpression {
    pub(crate) field: &'static str,
    pub(crate) source: String,
    pub(crate) key_position: Position,
    program: Program,
}

#[derive(Debug)]
enum Priority {
    Fixed(u8),
    Expression(CompiledExpression),
}

/// One rule, parsed and compiled, ready to evaluate.
#[derive(Debug)]
pub struct Rule {
    id: String,
    description: String,
    file: String,
    position: Position,
    trigger: Trigger,
    enabled: bool,
    channels: Vec<Channel>,
    when: CompiledExpression,
    facts: Vec<Fact>,
    priority: Priority,
    due: ClockTime,
    due_position: Position,
    expiry: Option<ClockTime>,
    expiry_position: Option<Position>,
    brief: CompiledExpression,
    /// The brief in other languages, each evaluated beside the English one.
    briefs: Vec<(UiLanguage, CompiledExpression)>,
    descriptions: Vec<(UiLanguage, String)>,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// The description in the languages other than English that the file gives.
    pub fn descriptions(&self) -> &[(UiLanguage, String)] {
        &self.descriptions
    }

    /// The file the rule was read from, and where its `[[rule]]` header is.
    pub fn location(&self) -> (&str, Position) {
        (&self.file, self.position)
    }

    pub fn trigger(&self) -> Trigger {
        self.trigger
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The channels in order of preference.
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    pub fn due(&self) -> ClockTime {
        self.due
    }

    /// The expiry the rule sets for every channel, or `None` when each channel takes its default.
    pub fn expiry(&self) -> Option<ClockTime> {
        self.expiry
    }
}

/// One channel a task may be done through, and until when it still makes sense there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelOption {
    pub channel: Channel,
    pub expires_at: DateTime<Utc>,
}

/// What a rule asks for one passenger: a follow-up through the first channel that is eligible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskPlan {
    pub rule_id: String,
    /// In the rule's order of preference; channels that would expire before the task is due are left out.
    pub channels: Vec<ChannelOption>,
    /// 1 (lowest) to 5 (most urgent).
    pub priority: u8,
    pub due_at: DateTime<Utc>,
    /// One line of context for the staff member, in English; never a message to the passenger.
    pub brief: String,
    /// The same in the other languages the rule writes it in.
    pub briefs: BTreeMap<UiLanguage, String>,
    /// The rule id, its description, the priority's reason and the facts that made `when` true.
    pub why: Vec<String>,
}

/// A rule whose `when` held but whose every channel would expire before the task is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub rule_id: String,
    pub reason: String,
}

/// A rule that could not be evaluated for this passenger; the other rules were evaluated regardless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationError {
    pub rule_id: String,
    pub file: String,
    pub position: Position,
    pub problem: EvaluationProblem,
}

impl fmt::Display for EvaluationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rule {} ({}:{}): {}",
            self.rule_id, self.file, self.position, self.problem
        )
    }
}

impl std::error::Error for EvaluationError {}

/// Why evaluating one rule failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationProblem {
    #[error("`{field}` failed: {reason}")]
    Expression { field: &'static str, reason: String },
    #[error("`{field}` gave {got}, but it must give {expected}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
        got: String,
    },
    #[error("`priority` gave {value}, outside 1 (lowest) to 5 (most urgent)")]
    PriorityOutOfRange { value: i64 },
    #[error("`brief` gave an empty text")]
    EmptyBrief,
    #[error("`{field}` is counted from {point}, which this flight does not know yet")]
    UnknownClockPoint {
        field: &'static str,
        point: ClockPoint,
    },
    #[error("`{field}` falls outside the range of representable times")]
    TimeOutOfRange { field: &'static str },
}

impl EvaluationProblem {
    fn field(&self) -> &'static str {
        match self {
            EvaluationProblem::Expression { field, .. }
            | EvaluationProblem::WrongType { field, .. }
            | EvaluationProblem::UnknownClockPoint { field, .. }
            | EvaluationProblem::TimeOutOfRange { field } => field,
            EvaluationProblem::PriorityOutOfRange { .. } => "priority",
            EvaluationProblem::EmptyBrief => "brief",
        }
    }
}

/// The result of evaluating a rule for one passenger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// `when` was false (or the rule is for another trigger, or disabled).
    Quiet,
    Planned(TaskPlan),
    Skipped(Skipped),
}

/// The CEL variables of one context, bound for every rule of one evaluation.
pub(crate) fn cel_context(
    env: &Arc<Env>,
    context: &RuleContext,
    trigger: Trigger,
) -> Context<'static, 'static> {
    let mut cel = Context::with_env(Arc::clone(env));
    for (name, value) in context.to_cel(trigger).entries {
        cel.add_variable_from_value(name, value);
    }
    cel
}

pub(crate) fn compile(env: &Env, definition: RuleDefinition) -> Result<Rule, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut compile_one =
        |field: &'static str, text: ExpressionText| match env.compile(&text.source) {
            Ok(program) => {
                let mut unknown = Vec::new();
                unknown_names(program.expression(), &mut Vec::new(), &mut unknown);
                if let Some(name) = unknown.into_iter().next() {
                    diagnostics.push(Diagnostic {
                        file: definition.file.clone(),
                        position: Some(text.key_position),
                        rule_id: Some(definition.id.clone()),
                        problem: Problem::UnknownName { field, name },
                    });
                    return None;
                }
                Some(CompiledExpression {
                    field,
                    source: text.source,
                    key_position: text.key_position,
                    program,
                })
            }
            Err(errors) => {
                let (line, column, reason) = errors.errors.first().map_or_else(
                    || (1, 1, "the expression does not parse".to_owned()),
                    |e| {
                        (
                            position_part(e.pos.0),
                            position_part(e.pos.1),
                            e.msg.clone(),
                        )
                    },
                );
                diagnostics.push(Diagnostic {
                    file: definition.file.clone(),
                    position: Some(text.key_position),
                    rule_id: Some(definition.id.clone()),
                    problem: Problem::Expression {
                        field,
                        expression_line: line,
                        expression_column: column,
                        reason,
                    },
                });
                None
            }
        };
    let when = compile_one("when", definition.when);
    let priority = match definition.priority {
        PriorityDefinition::Fixed(p) => Some(Priority::Fixed(p)),
        PriorityDefinition::Expression(text) => {
            compile_one("priority", text).map(Priority::Expression)
        }
    };
    let brief = compile_one("brief", definition.brief);
    let briefs: Vec<_> = definition
        .briefs
        .into_iter()
        .map(|(language, text)| compile_one("brief", text).map(|c| (language, c)))
        .collect();
    let briefs: Option<Vec<_>> = briefs.into_iter().collect();
    match (when, priority, brief, briefs) {
        (Some(when), Some(priority), Some(brief), Some(briefs)) => Ok(Rule {
            facts: facts(env, &when.program, &when.source),
            id: definition.id,
            description: definition.description,
            file: definition.file,
            position: definition.position,
            trigger: definition.trigger,
            enabled: definition.enabled,
            channels: definition.channels,
            when,
            priority,
            due: definition.due,
            due_position: definition.due_position,
            expiry: definition.expiry,
            expiry_position: definition.expiry_position,
            brief,
            briefs,
            descriptions: definition.descriptions,
        }),
        _ => Err(diagnostics),
    }
}

/// Identifiers that are neither a context variable nor bound by an enclosing macro (`exists(a, ...)`):
/// typos that would otherwise fail only when that branch is first evaluated.
fn unknown_names(expr: &IdedExpr, bound: &mut Vec<String>, unknown: &mut Vec<String>) {
    match &expr.expr {
        Expr::Ident(name) => {
            if !CONTEXT_NAMES.contains(&name.as_str()) && !bound.contains(name) {
                unknown.push(name.clone());
            }
        }
        Expr::Select(select) => unknown_names(&select.operand, bound, unknown),
        Expr::Call(call) => {
            // `math.ceil(x)` parses as a call of `ceil` on an identifier `math`: a bare identifier in front
            // of a call is a function namespace, not a variable.
            if let Some(target) = &call.target
                && !matches!(target.expr, Expr::Ident(_))
            {
                unknown_names(target, bound, unknown);
            }
            for arg in &call.args {
                unknown_names(arg, bound, unknown);
            }
        }
        Expr::List(list) => {
            for element in &list.elements {
                unknown_names(element, bound, unknown);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(entry) = &entry.expr {
                    unknown_names(&entry.key, bound, unknown);
                    unknown_names(&entry.value, bound, unknown);
                }
            }
        }
        Expr::Comprehension(comprehension) => {
            unknown_names(&comprehension.iter_range, bound, unknown);
            unknown_names(&comprehension.accu_init, bound, unknown);
            let depth = bound.len();
            bound.push(comprehension.iter_var.clone());
            bound.extend(comprehension.iter_var2.clone());
            bound.push(comprehension.accu_var.clone());
            unknown_names(&comprehension.loop_cond, bound, unknown);
            unknown_names(&comprehension.loop_step, bound, unknown);
            unknown_names(&comprehension.result, bound, unknown);
            bound.truncate(depth);
        }
        Expr::Unspecified | Expr::Literal(_) | Expr::Struct(_) => {}
    }
}

/// The CEL parser counts from 1; a missing position reads as the start.
fn position_part(n: isize) -> usize {
    usize::try_from(n).unwrap_or(0).max(1)
}

/// When a task falls due and until when each of its channels is still worth it.
struct Schedule {
    due_at: DateTime<Utc>,
    /// The due time, or the event time when the task is due already.
    earliest_start: DateTime<Utc>,
    options: Vec<ChannelOption>,
    too_late: Vec<ChannelOption>,
}

impl Rule {
    pub(crate) fn evaluate(
        &self,
        cel: &Context,
        context: &RuleContext,
        social_expiry: Duration,
    ) -> Result<Outcome, EvaluationError> {
        self.evaluate_inner(cel, context, social_expiry)
            .map_err(|problem| self.error(problem))
    }

    fn evaluate_inner(
        &self,
        cel: &Context,
        context: &RuleContext,
        social_expiry: Duration,
    ) -> Result<Outcome, EvaluationProblem> {
        if !self.run_when(cel)? {
            return Ok(Outcome::Quiet);
        }
        let priority = self.run_priority(cel)?;
        let brief = self.run_brief(&self.brief, cel)?;
        let briefs = self
            .briefs
            .iter()
            .map(|(language, expression)| Ok((*language, self.run_brief(expression, cel)?)))
            .collect::<Result<BTreeMap<_, _>, EvaluationProblem>>()?;
        let schedule = self.schedule(context, social_expiry)?;
        if schedule.options.is_empty() {
            return Ok(Outcome::Skipped(Skipped {
                rule_id: self.id.clone(),
                reason: too_late_reason(&schedule),
            }));
        }
        let mut why = vec![format!("rule {}", self.id), self.description.clone()];
        why.push(match &self.priority {
            Priority::Fixed(p) => format!("priority {p}, fixed by the rule"),
            Priority::Expression(e) => format!("priority {priority} from {}", e.source.trim()),
        });
        why.extend(self.facts.iter().map(|fact| fact.explain(cel)));
        Ok(Outcome::Planned(TaskPlan {
            rule_id: self.id.clone(),
            channels: schedule.options,
            priority,
            due_at: schedule.due_at,
            brief,
            briefs,
            why,
        }))
    }

    fn error(&self, problem: EvaluationProblem) -> EvaluationError {
        EvaluationError {
            rule_id: self.id.clone(),
            file: self.file.clone(),
            position: self.position_of(problem.field()),
            problem,
        }
    }

    /// Where a field is written in the rule file, for pointing at it.
    fn position_of(&self, field: &str) -> Position {
        match field {
            "when" => self.when.key_position,
            "brief" => self.brief.key_position,
            "priority" => match &self.priority {
                Priority::Expression(e) => e.key_position,
                Priority::Fixed(_) => self.position,
            },
            "due" => self.due_position,
            "expiry" => self.expiry_position.unwrap_or(self.position),
            _ => self.position,
        }
    }

    fn run_when(&self, cel: &Context) -> Result<bool, EvaluationProblem> {
        match run(&self.when, cel)? {
            Value::Bool(b) => Ok(b),
            other => Err(wrong_type("when", "true or false", &other)),
        }
    }

    fn run_priority(&self, cel: &Context) -> Result<u8, EvaluationProblem> {
        let expression = match &self.priority {
            Priority::Fixed(p) => return Ok(*p),
            Priority::Expression(e) => e,
        };
        match run(expression, cel)? {
            Value::Int(n) => u8::try_from(n)
                .ok()
                .filter(|p| (1..=5).contains(p))
                .ok_or(EvaluationProblem::PriorityOutOfRange { value: n }),
            other => Err(wrong_type("priority", "a whole number from 1 to 5", &other)),
        }
    }

    /// The brief as one line: runs of white space, line breaks included, become one space.
    fn run_brief(
        &self,
        brief: &CompiledExpression,
        cel: &Context,
    ) -> Result<String, EvaluationProblem> {
        match run(brief, cel)? {
            Value::String(text) => {
                let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if line.is_empty() {
                    Err(EvaluationProblem::EmptyBrief)
                } else {
                    Ok(line)
                }
            }
            other => Err(wrong_type("brief", "a string", &other)),
        }
    }

    fn schedule(
        &self,
        context: &RuleContext,
        social_expiry: Duration,
    ) -> Result<Schedule, EvaluationProblem> {
        let due_at = resolve("due", self.due, context)?;
        let earliest_start = due_at.max(context.now);
        let mut options = Vec::new();
        let mut too_late = Vec::new();
        for &channel in &self.channels {
            let expires_at = match self.expiry {
                Some(expiry) => resolve("expiry", expiry, context)?,
                None => default_expiry(channel, context, social_expiry)?,
            };
            let option = ChannelOption {
                channel,
                expires_at,
            };
            if expires_at > earliest_start {
                options.push(option);
            } else {
                too_late.push(option);
            }
        }
        Ok(Schedule {
            due_at,
            earliest_start,
            options,
            too_late,
        })
    }

    /// Evaluates every expression (whatever `when` gives) and the schedule on a sample context, so a rule
    /// with a type error or impossible times is refused when it is loaded, not at the gate.
    pub(crate) fn check_on_sample(
        &self,
        env: &Arc<Env>,
        sample: &RuleContext,
        sample_name: &'static str,
        everything: bool,
        social_expiry: Duration,
    ) -> Vec<Diagnostic> {
        let cel = cel_context(env, sample, self.trigger);
        let mut problems = Vec::new();
        let fired = match self.run_when(&cel) {
            Ok(fired) => fired,
            Err(problem) => {
                problems.push(problem);
                false
            }
        };
        if everything || fired {
            problems.extend(self.run_priority(&cel).err());
            problems.extend(self.run_brief(&self.brief, &cel).err());
            for (_, brief) in &self.briefs {
                problems.extend(self.run_brief(brief, &cel).err());
            }
        }
        let mut no_time_to_act = None;
        if everything {
            match self.schedule(sample, social_expiry) {
                Err(problem) => problems.push(problem),
                Ok(schedule) if !schedule.too_late.is_empty() => {
                    no_time_to_act = Some(too_late_reason(&schedule));
                }
                Ok(_) => {}
            }
        }
        let mut diagnostics: Vec<Diagnostic> = problems
            .into_iter()
            .map(|problem| {
                self.diagnostic(
                    problem.field(),
                    Problem::SampleEvaluation {
                        sample: sample_name,
                        reason: problem.to_string(),
                    },
                )
            })
            .collect();
        if let Some(reason) = no_time_to_act {
            let field = if self.expiry.is_some() {
                "expiry"
            } else {
                "due"
            };
            diagnostics.push(self.diagnostic(field, Problem::NoTimeToAct { reason }));
        }
        diagnostics
    }

    fn diagnostic(&self, field: &str, problem: Problem) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            position: Some(self.position_of(field)),
            rule_id: Some(self.id.clone()),
            problem,
        }
    }
}

fn run(expression: &CompiledExpression, cel: &Context) -> Result<Value, EvaluationProblem> {
    expression
        .program
        .execute(cel)
        .map_err(|error| EvaluationProblem::Expression {
            field: expression.field,
            reason: error.to_string(),
        })
}

fn wrong_type(field: &'static str, expected: &'static str, got: &Value) -> EvaluationProblem {
    EvaluationProblem::WrongType {
        field,
        expected,
        got: format!("{} {}", got.type_of(), describe(got)),
    }
}

fn resolve(
    field: &'static str,
    time: ClockTime,
    context: &RuleContext,
) -> Result<DateTime<Utc>, EvaluationProblem> {
    time.point
        .resolve(context)
        .ok_or(EvaluationProblem::UnknownClockPoint {
            field,
            point: time.point,
        })?
        .checked_add_signed(time.offset)
        .ok_or(EvaluationProblem::TimeOutOfRange { field })
}

/// Gate tasks end when the gate closes (at departure when the close time is unknown), cabin tasks at
/// arrival, social ones a configured while after the event.
fn default_expiry(
    channel: Channel,
    context: &RuleContext,
    social_expiry: Duration,
) -> Result<DateTime<Utc>, EvaluationProblem> {
    let point = match channel {
        Channel::Gate => ClockPoint::GateClose
            .resolve(context)
            .or_else(|| ClockPoint::Departure.resolve(context)),
        Channel::Cabin => ClockPoint::Arrival.resolve(context),
        Channel::Social => context.now.checked_add_signed(social_expiry),
    };
    point.ok_or(EvaluationProblem::TimeOutOfRange { field: "expiry" })
}

fn too_late_reason(schedule: &Schedule) -> String {
    let late: Vec<String> = schedule
        .too_late
        .iter()
        .map(|o| {
            format!(
                "{} had expired at {}",
                o.channel,
                o.expires_at.format("%Y-%m-%d %H:%MZ")
            )
        })
        .collect();
    format!(
        "the task could start at {} at the earliest, but by then {}",
        schedule.earliest_start.format("%Y-%m-%d %H:%MZ"),
        late.join(" and ")
    )
}

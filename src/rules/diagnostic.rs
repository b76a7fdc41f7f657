//! What can be wrong with a rule file, said with the file, line and column it is wrong at.

use std::fmt;

/// A place in a rule file: line and column, both counted from 1, the column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text`; an offset past the end or inside a character counts as the
    /// end of the text.
    pub(crate) fn at(text: &str, offset: usize) -> Position {
        let before = text.get(..offset).unwrap_or(text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before.get(line_start..).map_or(0, |s| s.chars().count()) + 1,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One problem found while reading or checking rule files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    /// Where in the file; `None` for problems with the file or directory as a whole.
    pub position: Option<Position>,
    /// The rule the problem is in, once its id is known.
    pub rule_id: Option<String>,
    pub problem: Problem,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(position) = self.position {
            write!(f, ":{position}")?;
        }
        if let Some(id) = &self.rule_id {
            write!(f, ": rule {id}")?;
        }
        write!(f, ": {}", self.problem)
    }
}

impl std::error::Error for Diagnostic {}

/// Why a rule file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("cannot read the rules: {reason}")]
    Unreadable { reason: String },
    #[error("no rule files (*.toml) were found")]
    NoFiles,
    #[error("this is not valid TOML: {reason}")]
    Syntax { reason: String },
    #[error("the file has no [[rule]] table, so it defines no rule")]
    NoRules,
    #[error("unknown field `{field}`; a rule has only: {expected}")]
    UnknownField {
        field: String,
        expected: &'static str,
    },
    #[error("the required field `{field}` is missing")]
    MissingField { field: &'static str },
    #[error("`{field}` is invalid: {reason}")]
    InvalidValue { field: &'static str, reason: String },
    #[error(
        "the id {id:?} is already used by the rule at {first}; ids must be unique across all files"
    )]
    DuplicateId { id: String, first: String },
    #[error(
        "`{field}` is not a valid CEL expression: at {expression_line}:{expression_column} of the \
         expression: {reason}"
    )]
    Expression {
        field: &'static str,
        expression_line: usize,
        expression_column: usize,
        reason: String,
    },
    #[error(
        "`{field}` uses `{name}`, which is not a name rules can read (they are: trigger, now, passenger, \
         person, flight, station)"
    )]
    UnknownName { field: &'static str, name: String },
    #[error("on the sample flight no channel leaves time to act: {reason}")]
    NoTimeToAct { reason: String },
    #[error("evaluating the rule on the {sample} failed: {reason}")]
    SampleEvaluation {
        sample: &'static str,
        reason: String,
    },
}

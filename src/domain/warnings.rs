//! Warnings of an import: values of a file that could not be understood. The record they belong to is
//! kept, without the value or with it raw; each warning says where (file, line, field) and why, like an
//! error, but does not refuse the file.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// At most this many warnings are kept per file; the rest are only counted, so that a file full of bad
/// values cannot fill memory (or the event log) with messages.
pub const MAX_WARNINGS: usize = 1000;

/// One value that could not be understood, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportWarning {
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// The column, element or field concerned, when there is one.
    pub field: Option<String>,
    pub reason: String,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}:{}: {}: {}", self.file, self.line, field, self.reason),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.reason),
        }
    }
}

/// The warnings of one file: how many were found, and the first [`MAX_WARNINGS`] of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportWarnings {
    /// Every warning found, listed or not.
    pub total: usize,
    /// The first warnings found, in the order of the file.
    pub list: Vec<ImportWarning>,
}

impl ImportWarnings {
    pub fn push(&mut self, warning: ImportWarning) {
        self.total += 1;
        if self.list.len() < MAX_WARNINGS {
            self.list.push(warning);
        }
    }

    /// Takes the warnings found in a later part of the same file.
    pub fn absorb(&mut self, later: ImportWarnings) {
        let unlisted = later.total - later.list.len();
        for warning in later.list {
            self.push(warning);
        }
        self.total += unlisted;
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Warnings found beyond those listed.
    pub fn unlisted(&self) -> usize {
        self.total - self.list.len()
    }

    /// How many of the listed warnings concern each field, for summaries ("phone: 12").
    pub fn per_field(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for warning in &self.list {
            *counts
                .entry(warning.field.as_deref().unwrap_or("-"))
                .or_default() += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning(line: usize) -> ImportWarning {
        ImportWarning {
            file: "in.csv".into(),
            line,
            field: Some("phone".into()),
            reason: "not a phone number".into(),
        }
    }

    #[test]
    fn warnings_display_like_errors() {
        assert_eq!(
            warning(7).to_string(),
            "in.csv:7: phone: not a phone number"
        );
    }

    #[test]
    fn the_list_is_capped_and_the_total_counts_everything() {
        let mut first = ImportWarnings::default();
        for line in 0..MAX_WARNINGS + 5 {
            first.push(warning(line));
        }
        assert_eq!(first.list.len(), MAX_WARNINGS);
        assert_eq!((first.total, first.unlisted()), (MAX_WARNINGS + 5, 5));
        let mut later = ImportWarnings::default();
        later.push(warning(1));
        first.absorb(later);
        assert_eq!(
            (first.total, first.list.len()),
            (MAX_WARNINGS + 6, MAX_WARNINGS)
        );
        assert_eq!(first.per_field().get("phone"), Some(&MAX_WARNINGS));
    }
}

use std::fmt;

use crate::domain::{ImportWarning, ImportWarnings};

/// At most this many errors are kept per file; the rest are only counted, so that a garbage file cannot
/// fill memory with error messages.
pub const MAX_ERRORS: usize = 1000;

/// One problem in a manifest file: where it is and why it is a problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// The column, element or field concerned, when there is one.
    pub field: Option<String>,
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}:{}: {}: {}", self.file, self.line, field, self.reason),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.reason),
        }
    }
}

/// Every problem found in a file (up to [`MAX_ERRORS`], with a count of the ones left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseErrors {
    pub errors: Vec<ParseError>,
    /// Errors found beyond [`MAX_ERRORS`] and not kept.
    pub omitted: usize,
}

impl ParseErrors {
    /// All errors found, kept or not.
    pub fn total(&self) -> usize {
        self.errors.len() + self.omitted
    }
}

impl fmt::Display for ParseErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        if self.omitted > 0 {
            write!(f, "\n... and {} more errors", self.omitted)?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseErrors {}

/// Gathers the errors and warnings of one file while the parser goes on looking for more. An error
/// refuses the file; a warning keeps the record and says which value was dropped or kept raw.
pub(crate) struct Collector<'f> {
    file: &'f str,
    errors: Vec<ParseError>,
    omitted: usize,
    warnings: ImportWarnings,
}

impl<'f> Collector<'f> {
    pub fn new(file: &'f str) -> Self {
        Self {
            file,
            errors: Vec::new(),
            omitted: 0,
            warnings: ImportWarnings::default(),
        }
    }

    /// A value that could not be understood; the record stays.
    pub fn warn(&mut self, line: usize, field: Option<&str>, reason: impl fmt::Display) {
        self.warnings.push(ImportWarning {
            file: self.file.to_string(),
            line,
            field: field.map(str::to_string),
            reason: reason.to_string(),
        });
    }

    /// Errors found so far, kept or not.
    pub fn error_count(&self) -> usize {
        self.errors.len() + self.omitted
    }

    pub fn push(&mut self, line: usize, field: Option<&str>, reason: impl fmt::Display) {
        if self.errors.len() >= MAX_ERRORS {
            self.omitted += 1;
            return;
        }
        self.errors.push(ParseError {
            file: self.file.to_string(),
            line,
            field: field.map(str::to_string),
            reason: reason.to_string(),
        });
    }

    /// Whether no error was found (warnings do not count).
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The file the errors are about.
    pub fn file(&self) -> &'f str {
        self.file
    }

    /// Takes the errors and warnings another collector found in a later part of the same file.
    pub fn absorb(&mut self, later: Collector<'_>) {
        self.warnings.absorb(later.warnings);
        for error in later.errors {
            if self.errors.len() >= MAX_ERRORS {
                self.omitted += 1;
            } else {
                self.errors.push(error);
            }
        }
        self.omitted += later.omitted;
    }

    /// Takes what another collector found as warnings, each error's reason followed by `consequence`:
    /// for a part of a record (a person's account) whose problems leave it out but keep the record.
    pub fn absorb_as_warnings(&mut self, part: Collector<'_>, consequence: &str) {
        for error in part.errors {
            self.warnings.push(ImportWarning {
                reason: format!("{}{consequence}", error.reason),
                file: error.file,
                line: error.line,
                field: error.field,
            });
        }
        self.warnings.total += part.omitted;
        self.warnings.absorb(part.warnings);
    }

    pub fn finish_err(self) -> ParseErrors {
        ParseErrors {
            errors: self.errors,
            omitted: self.omitted,
        }
    }

    /// The value and its warnings if no error was found; otherwise all errors. A parser that gives up
    /// returns `None` after pushing its reason; an empty error list with no value would be a parser bug,
    /// reported rather than hidden.
    pub fn finish<T>(mut self, value: Option<T>) -> Result<(T, ImportWarnings), ParseErrors> {
        match value {
            Some(v) if self.errors.is_empty() => Ok((v, self.warnings)),
            None if self.errors.is_empty() => {
                self.push(1, None, "the file holds no manifest");
                Err(self.finish_err())
            }
            _ => Err(self.finish_err()),
        }
    }
}

/// Refuses lines longer than `limit` bytes before any other work, in one linear pass. Returns whether all
/// lines are within the limit.
pub(crate) fn check_line_lengths(errors: &mut Collector<'_>, bytes: &[u8], limit: usize) -> bool {
    let mut ok = true;
    for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.len() > limit {
            ok = false;
            errors.push(
                index + 1,
                None,
                format_args!(
                    "the line is {} bytes long, over the limit of {limit}; this does not look like a manifest \
                     (binary file, or lines joined?)",
                    line.len()
                ),
            );
        }
    }
    ok
}

/// Reports where the first byte that is not UTF-8 stands.
pub(crate) fn report_bad_utf8(errors: &mut Collector<'_>, bytes: &[u8], valid_up_to: usize) {
    let before = &bytes[..valid_up_to];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let byte = bytes.get(valid_up_to).copied().unwrap_or_default();
    errors.push(
        line,
        None,
        format_args!(
            "byte {} of the line (0x{byte:02X}) is not UTF-8; the file must be UTF-8 (was it saved as \
             Latin-1 or Windows-1252, or is it not a text file?)",
            valid_up_to - line_start + 1
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_display_file_line_field_and_reason() {
        let e = ParseError {
            file: "in.csv".into(),
            line: 7,
            field: Some("date".into()),
            reason: "no such day".into(),
        };
        assert_eq!(e.to_string(), "in.csv:7: date: no such day");
    }

    #[test]
    fn the_collector_caps_what_it_keeps_and_counts_the_rest() {
        let mut c = Collector::new("f");
        for i in 0..MAX_ERRORS + 5 {
            c.push(i, None, "bad");
        }
        c.warn(1, Some("phone"), "not a phone number");
        let errors = c.finish_err();
        assert_eq!(errors.errors.len(), MAX_ERRORS);
        assert_eq!(errors.omitted, 5);
        assert_eq!(errors.total(), MAX_ERRORS + 5);
        assert!(errors.to_string().ends_with("... and 5 more errors"));
    }

    #[test]
    fn warnings_keep_the_value_and_do_not_refuse() {
        let mut c = Collector::new("in.csv");
        c.warn(3, Some("email"), "not an e-mail address");
        assert!(c.is_empty());
        let (value, warnings) = c.finish(Some(7)).unwrap();
        assert_eq!(value, 7);
        assert_eq!(warnings.total, 1);
        assert_eq!(
            warnings.list[0].to_string(),
            "in.csv:3: email: not an e-mail address"
        );
    }

    #[test]
    fn bad_utf8_is_located() {
        let mut c = Collector::new("f");
        let mut bytes = b"PNL\nIB1/01JAN MAD\n1GARCIA/ANA".to_vec();
        bytes[21] = 0xCD;
        let valid = std::str::from_utf8(&bytes).unwrap_err().valid_up_to();
        report_bad_utf8(&mut c, &bytes, valid);
        let errors = c.finish_err();
        assert_eq!(errors.errors[0].line, 3);
        assert!(
            errors.errors[0]
                .reason
                .starts_with("byte 4 of the line (0xCD)")
        );
    }
}

//! Flight times from the airline's own feeds: IATA SSIM Chapter 7 schedules (`ssim`) and IATA MVT
//! movement messages (`mvt`). Both follow the importers' policy: a record whose flight cannot be known
//! refuses the file, with file, line, field and reason; a value that cannot be understood (a time, a UTC
//! variation, a delay code) is a warning in the same shape, and the rest of the record is kept. Times come
//! out in UTC; a schedule's own UTC variation is preferred to the airport's zone, and checked against it.
//! Pure: bytes in, values out, no I/O, never a panic. Depends on `domain`, `airports` and the manifest
//! parsers' error shape.

pub mod mvt;
pub mod ssim;

#[cfg(test)]
mod tests;

use crate::domain::{ImportWarning, ImportWarnings};
use crate::manifest::{MAX_ERRORS, ParseError, ParseErrors};

pub use mvt::{DelayCode, Movement, MovementKind, Movements, looks_like_mvt, parse_mvt};
pub use ssim::{CarrierLegs, DatedLeg, LegRecord, Schedule, TimeMode, parse_ssim, write_ssim};

/// Errors and warnings of one file, each with its line and field.
struct Findings<'f> {
    file: &'f str,
    errors: Vec<ParseError>,
    omitted_errors: usize,
    warnings: ImportWarnings,
}

impl<'f> Findings<'f> {
    fn new(file: &'f str) -> Self {
        Self {
            file,
            errors: Vec::new(),
            omitted_errors: 0,
            warnings: ImportWarnings::default(),
        }
    }

    fn error(&mut self, line: usize, field: &str, reason: impl std::fmt::Display) {
        if self.errors.len() >= MAX_ERRORS {
            self.omitted_errors += 1;
        } else {
            self.errors.push(ParseError {
                file: self.file.to_string(),
                line,
                field: Some(field.to_string()),
                reason: reason.to_string(),
            });
        }
    }

    /// Warnings are listed up to a cap, like errors: a garbage file cannot fill memory with them.
    fn warn(&mut self, line: usize, field: &str, reason: impl std::fmt::Display) {
        self.warnings.push(ImportWarning {
            file: self.file.to_string(),
            line,
            field: Some(field.to_string()),
            reason: reason.to_string(),
        });
    }

    fn into_result<T>(self, value: T) -> Result<(T, ImportWarnings), ParseErrors> {
        if self.errors.is_empty() {
            Ok((value, self.warnings))
        } else {
            Err(ParseErrors {
                errors: self.errors,
                omitted: self.omitted_errors,
            })
        }
    }
}

/// The lines of a file, with `\r` line ends taken off and invalid UTF-8 replaced (a field holding a
/// replaced byte is then simply unreadable).
fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect()
}

//! Boarded lists from the departure control system, as CSV (a header row naming the columns) or JSON (an
//! array of objects, or `{"boarded": [...]}`), with the columns flight, date, origin, locator, surname,
//! given, seat and boarded_at. A row that names no flight or passenger (flight, date, origin, locator,
//! surname) is an error, and a file with any error gives no rows at all: every error is reported with its
//! line (CSV) or entry (JSON). A seat or boarding time that cannot be read, or a column aboard does not
//! read, is a warning: the row is kept without that value.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::domain::{FlightKey, FlightNumber, Iata, ImportWarning, ImportWarnings, Locator, Seat};

/// One boarded passenger from a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardedRow {
    /// Where the row is in the file: `line 4` or `entry 3`.
    pub place: String,
    pub flight: FlightKey,
    pub locator: Locator,
    pub surname: String,
    pub given: String,
    pub seat: Option<Seat>,
    /// None when the list's time could not be read: the passenger boarded when the list is imported.
    pub boarded_at: Option<DateTime<Utc>>,
}

/// The rows of a list, with the values that were dropped from them.
#[derive(Debug, Clone, Default)]
pub struct BoardedList {
    pub rows: Vec<BoardedRow>,
    pub warnings: ImportWarnings,
}

const COLUMNS: [&str; 8] = [
    "flight",
    "date",
    "origin",
    "locator",
    "surname",
    "given",
    "seat",
    "boarded_at",
];

/// Every problem of a list, one per line or entry, each saying where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", problems.join("\n"))]
pub struct BoardedListError {
    pub problems: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawRow {
    flight: String,
    date: String,
    origin: String,
    locator: String,
    surname: String,
    #[serde(default)]
    given: String,
    #[serde(default)]
    seat: Option<String>,
    #[serde(default)]
    boarded_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum JsonList {
    Wrapped { boarded: Vec<serde_json::Value> },
    Bare(Vec<serde_json::Value>),
}

/// Parses a boarded list; JSON when the text starts with `[` or `{`, CSV otherwise. `file` names the list
/// in its warnings.
pub fn parse(file: &str, text: &str) -> Result<BoardedList, BoardedListError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let mut list = Warn {
        file,
        list: BoardedList::default(),
    };
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        parse_json(trimmed, &mut list)?;
    } else {
        parse_csv(text.trim_start_matches('\u{feff}'), &mut list)?;
    }
    Ok(list.list)
}

/// The list being read, and where its warnings point.
struct Warn<'a> {
    file: &'a str,
    list: BoardedList,
}

impl Warn<'_> {
    fn warn(&mut self, line: usize, field: &str, reason: String) {
        self.list.warnings.push(ImportWarning {
            file: self.file.to_string(),
            line,
            field: Some(field.to_string()),
            reason,
        });
    }
}

fn parse_csv(text: &str, list: &mut Warn<'_>) -> Result<(), BoardedListError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers().cloned().map_err(|e| BoardedListError {
        problems: vec![format!(
            "line 1: the header cannot be read: {}",
            csv_reason(&e)
        )],
    })?;
    for unread in headers.iter().filter(|h| !COLUMNS.contains(h)) {
        list.warn(1, unread, unread_column());
    }
    let mut lines = crate::domain::lines::LineIndex::new(text);
    let mut parsed = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| lines.line_at(p.byte()));
                problems.push(format!("line {line}: {}", csv_reason(&error)));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        match record.deserialize::<RawRow>(Some(&headers)) {
            Ok(raw) => match row(raw, format!("line {line}"), line, list) {
                Ok(row) => parsed.push(row),
                Err(problem) => problems.push(problem),
            },
            Err(error) => problems.push(format!("line {line}: {}", csv_reason(&error))),
        }
    }
    if parsed.is_empty() && problems.is_empty() {
        problems.push("the list has no rows after its header".to_string());
    }
    finish(parsed, problems, list)
}

fn unread_column() -> String {
    format!(
        "aboard does not read this column (it reads {}); its values are ignored",
        COLUMNS.join(", ")
    )
}

fn csv_reason(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Deserialize { err, .. } => format!(
            "{err} (the header must name flight, date, origin, locator, surname, given, seat, boarded_at)"
        ),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} columns where the header has {expected_len}"),
        _ => error.to_string(),
    }
}

fn parse_json(text: &str, list: &mut Warn<'_>) -> Result<(), BoardedListError> {
    let entries: JsonList = serde_json::from_str(text).map_err(|e| BoardedListError {
        problems: vec![format!(
            "line {}, column {}: not a boarded list ({e}); expected an array of objects or {{\"boarded\": [...]}}",
            e.line(),
            e.column()
        )],
    })?;
    let entries = match entries {
        JsonList::Wrapped { boarded } => boarded,
        JsonList::Bare(entries) => entries,
    };
    let mut parsed = Vec::new();
    let mut problems = Vec::new();
    for (n, entry) in entries.into_iter().enumerate() {
        let place = format!("entry {}", n + 1);
        if let Some(object) = entry.as_object() {
            for unread in object.keys().filter(|k| !COLUMNS.contains(&k.as_str())) {
                list.warn(n + 1, unread, unread_column());
            }
        }
        match serde_json::from_value::<RawRow>(entry) {
            Ok(raw) => match row(raw, place, n + 1, list) {
                Ok(row) => parsed.push(row),
                Err(problem) => problems.push(problem),
            },
            Err(e) => problems.push(format!("{place}: {e}")),
        }
    }
    if parsed.is_empty() && problems.is_empty() {
        problems.push("the list is empty".to_string());
    }
    finish(parsed, problems, list)
}

fn finish(
    rows: Vec<BoardedRow>,
    problems: Vec<String>,
    list: &mut Warn<'_>,
) -> Result<(), BoardedListError> {
    if problems.is_empty() {
        list.list.rows = rows;
        Ok(())
    } else {
        Err(BoardedListError { problems })
    }
}

/// One row; `line` is the line (CSV) or entry (JSON) its warnings point at.
fn row(raw: RawRow, place: String, line: usize, list: &mut Warn<'_>) -> Result<BoardedRow, String> {
    let field = |name: &str, why: String| format!("{place}, {name}: {why}");
    let flight = FlightNumber::parse(&raw.flight).map_err(|e| field("flight", e.to_string()))?;
    let local_date = NaiveDate::parse_from_str(raw.date.trim(), "%Y-%m-%d").map_err(|_| {
        field(
            "date",
            format!("{:?} is not a date like 2026-11-22", raw.date),
        )
    })?;
    let origin = Iata::parse(&raw.origin).map_err(|e| field("origin", e.to_string()))?;
    let locator = Locator::parse(&raw.locator).map_err(|e| field("locator", e.to_string()))?;
    if raw.surname.trim().is_empty() {
        return Err(field("surname", "is empty".to_string()));
    }
    let seat = raw
        .seat
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|seat| match Seat::parse(seat) {
            Ok(seat) => Some(seat),
            Err(e) => {
                list.warn(
                    line,
                    "seat",
                    format!("{e}; the passenger boards without a seat"),
                );
                None
            }
        });
    let boarded_at = match DateTime::parse_from_rfc3339(raw.boarded_at.trim()) {
        Ok(at) => Some(at.with_timezone(&Utc)),
        Err(_) => {
            list.warn(
                line,
                "boarded_at",
                format!(
                    "{:?} is not an instant like 2026-11-22T07:41:00Z; the passenger boards at the time of the import",
                    raw.boarded_at
                ),
            );
            None
        }
    };
    Ok(BoardedRow {
        place,
        flight: FlightKey {
            flight,
            local_date,
            origin,
        },
        locator,
        surname: raw.surname.trim().to_string(),
        given: raw.given.trim().to_string(),
        seat,
        boarded_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "flight,date,origin,locator,surname,given,seat,boarded_at\n";

    #[test]
    fn a_csv_list_gives_one_row_per_line() {
        let text = format!(
            "{HEADER}IB6401,2026-11-22,MAD,K7PQ2X,GARCIA,ANA,12A,2026-11-22T07:41:00Z\nIB6401,2026-11-22,MAD,K7PQ2X,GARCIA,PABLO,,2026-11-22T07:42:00+01:00\n"
        );
        let list = parse("boarded.csv", &text).unwrap();
        assert!(list.warnings.is_empty(), "{:?}", list.warnings);
        let rows = list.rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].place, "line 2");
        assert_eq!(rows[0].flight.to_string(), "IB6401/22NOV MAD");
        assert_eq!(
            rows[0].seat.as_ref().map(|s| s.to_string()).as_deref(),
            Some("12A")
        );
        assert_eq!(rows[1].seat, None);
        assert_eq!(
            rows[1].boarded_at.map(|at| at.to_rfc3339()).as_deref(),
            Some("2026-11-22T06:42:00+00:00")
        );
    }

    #[test]
    fn an_unreadable_seat_or_time_or_an_unknown_column_is_a_warning_and_the_row_is_kept() {
        let text = "flight,date,origin,locator,surname,given,seat,boarded_at,bag_tags\n\
                    IB6401,2026-11-22,MAD,K7PQ2X,GARCIA,ANA,12-A,2026-11-22T07:41:00Z,2\n\
                    IB6401,2026-11-22,MAD,K7PQ2X,GARCIA,PABLO,12B,07:42,0\n";
        let list = parse("boarded.csv", text).unwrap();
        assert_eq!(list.rows.len(), 2);
        assert_eq!(list.rows[0].seat, None);
        assert!(list.rows[0].boarded_at.is_some());
        assert_eq!(list.rows[1].boarded_at, None);
        let said: Vec<String> = list.warnings.list.iter().map(|w| w.to_string()).collect();
        assert_eq!(said.len(), 3, "{said:?}");
        assert!(
            said[0].starts_with("boarded.csv:1: bag_tags: aboard does not read"),
            "{said:?}"
        );
        assert!(said[1].starts_with("boarded.csv:2: seat: "), "{said:?}");
        assert!(
            said[2].starts_with("boarded.csv:3: boarded_at: \"07:42\""),
            "{said:?}"
        );
    }

    #[test]
    fn every_bad_line_is_reported_and_no_row_is_given() {
        let text = format!(
            "{HEADER}IB6401,2026-11-22,MAD,K7PQ2X,GARCIA,ANA,12A,2026-11-22T07:41:00Z\nIB6401,22/11/2026,MAD,K7PQ2X,GARCIA,ANA,12A,2026-11-22T07:41:00Z\nIB6401,2026-11-22,MAD,K7,GARCIA,ANA,12A,2026-11-22T07:41:00Z\n"
        );
        let error = parse("boarded.csv", &text).unwrap_err();
        assert_eq!(error.problems.len(), 2, "{error}");
        assert!(error.problems[0].starts_with("line 3, date:"), "{error}");
        assert!(error.problems[1].starts_with("line 4, locator:"), "{error}");
    }

    #[test]
    fn a_json_list_names_the_entry_at_fault() {
        let good = r#"{"flight":"IB6401","date":"2026-11-22","origin":"MAD","locator":"K7PQ2X","surname":"GARCIA","given":"ANA","seat":"12A","boarded_at":"2026-11-22T07:41:00Z"}"#;
        assert_eq!(parse("b.json", &format!("[{good}]")).unwrap().rows.len(), 1);
        assert_eq!(
            parse("b.json", &format!("{{\"boarded\": [{good}]}}"))
                .unwrap()
                .rows[0]
                .place,
            "entry 1"
        );
        let bad = good.replace("MAD", "MADRID");
        let error = parse("b.json", &format!("[{good}, {bad}]")).unwrap_err();
        assert_eq!(error.problems.len(), 1);
        assert!(error.problems[0].starts_with("entry 2, origin:"), "{error}");
        let broken = parse("b.json", "[{\"flight\": ").unwrap_err();
        assert!(broken.problems[0].starts_with("line 1, column"), "{broken}");
    }
}

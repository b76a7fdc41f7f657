//! Type B messages delivered in pieces. A long PNL or ADL travels as several messages (`PART1` ...
//! `ENDPART1`, then `PART2` ... `ENDPNL`), and each may come in its own file, in any order. A file that
//! does not hold a whole message is read part by part: each part says which part of which message it is
//! and is checked as far as it can be alone; the caller holds the parts until the message is complete and
//! then reads them together with [`assemble`], as the one message they are.
//!
//! A message is known by its kind, its flight and the time on its originator line, which every part
//! repeats. Reading a whole message in one file never comes here (see `parse`): this is only tried once
//! such a file failed.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::error::Collector;
use super::typeb;
use super::{Document, Format, ParseErrors};
use crate::domain::{FlightKey, ImportWarnings, Region};

/// One part of a Type B message, as its file delivered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePart {
    /// [`Format::Pnl`] or [`Format::Adl`].
    pub format: Format,
    pub flight: FlightKey,
    /// The originator line's time (UTC), the same on every part of one message.
    pub sent_at: Option<NaiveDateTime>,
    /// `PARTn`.
    pub number: u16,
    /// The part ends with `ENDPNL` or `ENDADL`: no part follows it.
    pub last: bool,
    /// Line of its file where the part's text begins.
    pub first_line: usize,
    /// The part's lines, from its address or originator line to its END line.
    pub text: String,
    /// Passenger rows the part holds.
    pub rows: usize,
}

impl MessagePart {
    /// Names the message the part belongs to, the same for each of its parts.
    pub fn message_key(&self) -> String {
        message_key(self.format, &self.flight, self.sent_at)
    }
}

/// The name of the message of `format` for `flight` sent at `sent_at`, unique across years:
/// `PNL IB3166 2026-11-22 MAD 2026-11-20T08:30` (`-` for a message without an originator time).
pub fn message_key(format: Format, flight: &FlightKey, sent_at: Option<NaiveDateTime>) -> String {
    let kind = if format == Format::Adl { "ADL" } else { "PNL" };
    let sent = sent_at.map_or_else(
        || "-".to_string(),
        |t| t.format("%Y-%m-%dT%H:%M").to_string(),
    );
    format!(
        "{kind} {} {} {} {sent}",
        flight.flight, flight.local_date, flight.origin
    )
}

/// One held part, as [`assemble`] reads it.
#[derive(Debug, Clone, Copy)]
pub struct DeliveredPart<'a> {
    pub file_name: &'a str,
    pub first_line: usize,
    pub text: &'a str,
}

/// The parts of a Type B file that failed as a whole message: `None` when the file does hold a whole
/// message in order (its errors stand as found), else its parts, or the errors each part has alone.
pub(super) fn fragment(
    file_name: &str,
    text: &str,
    format: Format,
    reference: NaiveDate,
) -> Option<Result<(Vec<MessagePart>, ImportWarnings), ParseErrors>> {
    let (whole, parts) = read_parts(file_name, text, format, reference);
    (!whole).then_some(parts)
}

/// The parts of a Type B message file, each read alone, even when the file holds the whole message (an
/// ADL that must wait for its flight's PNL is held as the parts it came in).
pub fn message_parts(
    file_name: &str,
    text: &str,
    format: Format,
    reference: NaiveDate,
) -> Result<(Vec<MessagePart>, ImportWarnings), ParseErrors> {
    read_parts(file_name, text, format, reference).1
}

/// Whether the file holds one whole message, parts 1 to the last in order, and its parts.
fn read_parts(
    file_name: &str,
    text: &str,
    format: Format,
    reference: NaiveDate,
) -> (
    bool,
    Result<(Vec<MessagePart>, ImportWarnings), ParseErrors>,
) {
    let mut errors = Collector::new(file_name);
    let chunks = split(text);
    let headers: Vec<_> = chunks
        .iter()
        .map(|(first_line, chunk)| {
            typeb::parse_part(&mut errors, chunk, *first_line, format, reference)
        })
        .collect();
    let whole = headers
        .iter()
        .enumerate()
        .all(|(i, h)| usize::from(h.number) == i + 1 && h.last == (i + 1 == headers.len()));
    (whole, parts_read(errors, chunks, headers))
}

fn parts_read(
    mut errors: Collector<'_>,
    chunks: Vec<(usize, &str)>,
    headers: Vec<typeb::PartHeader>,
) -> Result<(Vec<MessagePart>, ImportWarnings), ParseErrors> {
    if !errors.is_empty() {
        return Err(errors.finish_err());
    }
    let mut parts: Vec<MessagePart> = Vec::with_capacity(chunks.len());
    for ((first_line, chunk), header) in chunks.into_iter().zip(headers) {
        let (format, flight, sent_at, rows) = match header.document {
            Some(Document::Pnl(pnl)) => (
                Format::Pnl,
                pnl.manifest.key(),
                pnl.sent_at,
                pnl.manifest.passengers.len(),
            ),
            Some(Document::Adl(adl)) => (
                Format::Adl,
                adl.flight,
                adl.sent_at,
                adl.adds.len() + adl.dels.len() + adl.chgs.len(),
            ),
            _ => {
                errors.push(first_line, None, "not a part of a PNL or ADL");
                continue;
            }
        };
        // A part without an originator line belongs with the part before it in the file.
        let sent_at = sent_at.or_else(|| {
            parts
                .last()
                .filter(|p| p.format == format && p.flight == flight)
                .and_then(|p| p.sent_at)
        });
        let number = header.number;
        if let Some(earlier) = parts.iter().find(|p| {
            p.number == number && p.message_key() == message_key(format, &flight, sent_at)
        }) {
            if earlier.text.trim() != chunk.trim() {
                errors.push(
                    first_line,
                    Some("part"),
                    format_args!(
                        "part {number} comes again, with other text than on line {}",
                        earlier.first_line
                    ),
                );
            }
            continue;
        }
        parts.push(MessagePart {
            format,
            flight,
            sent_at,
            number,
            last: header.last,
            first_line,
            text: chunk.to_string(),
            rows,
        });
    }
    errors.finish(Some(parts))
}

/// The file's parts, each with the line it begins on: a part ends with its `ENDPARTn`, `ENDPNL` or
/// `ENDADL` line; text after the last one is a part of its own (and fails as one).
fn split(text: &str) -> Vec<(usize, &str)> {
    let mut chunks = Vec::new();
    let mut start: Option<(usize, usize)> = None;
    let mut offset = 0;
    for (index, line) in text.split('\n').enumerate() {
        let end = offset + line.len();
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            let (first_line, from) = *start.get_or_insert((index + 1, offset));
            if trimmed.starts_with("ENDPART") || trimmed == "ENDPNL" || trimmed == "ENDADL" {
                chunks.push((first_line, &text[from..end]));
                start = None;
            }
        }
        offset = end + 1;
    }
    if let Some((first_line, from)) = start {
        chunks.push((first_line, &text[from..]));
    }
    chunks
}

/// Reads a message's parts, in part order, as the one message they make, with every error placed in the
/// file and on the line of the part it concerns.
pub fn assemble(
    parts: &[DeliveredPart<'_>],
    format: Format,
    reference: NaiveDate,
    default_region: Option<Region>,
) -> Result<(Document, ImportWarnings), ParseErrors> {
    let file = parts.first().map_or("message", |p| p.file_name);
    let mut errors = Collector::new(file);
    let mut joined = String::new();
    // Where each part starts in the joined text (1-based line).
    let mut starts = Vec::with_capacity(parts.len());
    let mut next_line = 1;
    for part in parts {
        starts.push(next_line);
        joined.push_str(part.text);
        joined.push('\n');
        next_line += part.text.split('\n').count();
    }
    let document = typeb::parse(&mut errors, &joined, format, reference).map(|mut document| {
        super::fields::read_phones(&mut errors, &mut document, default_region);
        document
    });
    // Where line `line` of the joined text stands: its part's file and line.
    let place = |line: usize| -> Option<(&str, usize)> {
        let i = starts.iter().rposition(|start| *start <= line)?;
        let part = parts.get(i)?;
        Some((part.file_name, part.first_line + (line - starts[i])))
    };
    match errors.finish(document) {
        Ok((document, mut warnings)) => {
            for warning in &mut warnings.list {
                if let Some((file, line)) = place(warning.line) {
                    warning.file = file.to_string();
                    warning.line = line;
                }
            }
            Ok((document, warnings))
        }
        Err(mut found) => {
            for error in &mut found.errors {
                if let Some((file, line)) = place(error.line) {
                    error.file = file.to_string();
                    error.line = line;
                }
            }
            Err(found)
        }
    }
}

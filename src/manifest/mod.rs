//! Reading flight manifests — CSV, JSON (array or one object per line) and IATA Type B PNL/ADL messages —
//! into validated values. A file is taken whole or not at all. Errors refuse it: whatever leaves a flight or
//! a passenger unknown (an unreadable header or flight line, a passenger without a surname, contradictory
//! counts, wrong encoding). Warnings keep the record: a value that cannot be understood (phone, e-mail,
//! FQTV, a DOCS date...) is dropped, or kept raw where matching can still use it. Both name every problem
//! (file, line, field, reason) so that ops can fix the file in one pass. The writers produce the same
//! formats, for round-trip tests and for the benchmark generator. A Type B file holding only some parts
//! of a message is read as those parts (`Document::Parts`, see `parts`), for the caller to hold until
//! the message is complete.
//! Pure: takes bytes, returns values or errors, no I/O. Depends only on `crate::domain`.

mod error;
mod fields;
mod parts;
mod rows;
mod typeb;
mod write;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    BookingName, CarrierCode, FlightKey, FlightNumber, Iata, ImportWarnings, Locator, Region, Seat,
    TravellerClass,
};

pub(crate) use error::Collector;
pub use error::{MAX_ERRORS, ParseError, ParseErrors};
pub use parts::{DeliveredPart, MessagePart, assemble, message_key, message_parts};
pub use rows::{CSV_COLUMNS, Column, CsvChunks, STREAMED_CSV_FROM_BYTES, StreamEnd};
pub use write::{write_adl, write_csv, write_json_lines, write_pnl};

/// Longest line accepted in a CSV file or a JSON-lines file; longer lines are refused before any parsing
/// (a manifest row is a few hundred bytes, a multi-megabyte line is a wrong file).
pub const MAX_ROW_BYTES: usize = 16 * 1024;

/// Longest line of a Type B message. Real systems never exceed it; a longer line means lines were joined or
/// re-wrapped and the parser could misread it, so it is an error, not a warning.
pub const MAX_TYPEB_LINE: usize = 64;

/// How to read a file: its format, when the caller knows it better than the content does, and the
/// country whose numbering plan reads a phone number written without its country code when the
/// passenger's nationality does not say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reading {
    pub format: Option<Format>,
    pub default_region: Option<Region>,
}

impl Reading {
    pub fn format(format: Option<Format>) -> Reading {
        Reading {
            format,
            default_region: None,
        }
    }
}

/// The formats aboard reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// IATA passenger name list.
    Pnl,
    /// IATA additions and deletions list (changes to the last PNL).
    Adl,
    /// Comma-separated rows with the header described by [`CSV_COLUMNS`].
    Csv,
    /// A JSON array of objects, or one object per line, with the field names of [`CSV_COLUMNS`].
    Json,
}

/// A passenger's sex as the passport (DOCS) states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
    /// DOCS `U` or `X`.
    Unspecified,
}

impl Gender {
    /// The one-letter form used in CSV files and DOCS elements.
    pub fn letter(self) -> char {
        match self {
            Gender::Female => 'F',
            Gender::Male => 'M',
            Gender::Unspecified => 'X',
        }
    }

    /// Reads `F`, `M`, `U` or `X` (any case).
    pub fn from_letter(raw: &str) -> Option<Gender> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "F" => Some(Gender::Female),
            "M" => Some(Gender::Male),
            "U" | "X" => Some(Gender::Unspecified),
            _ => None,
        }
    }
}

/// The booking tie of a PNL name line (`-A2`): passengers with the same tie letters were booked together;
/// `size` is the number of passengers in that booking.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Party {
    /// One to three upper-case letters.
    pub tie: String,
    pub size: u16,
}

/// An infant on an adult's lap (`.R/INFT`), with what the message tells about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Infant {
    pub name: Option<BookingName>,
    pub date_of_birth: Option<NaiveDate>,
}

/// One passenger of a manifest, as the file states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestPassenger {
    /// The booking name from the name line (may be truncated by the reservation system).
    pub name: BookingName,
    /// The full passport name from DOCS (never truncated); its title is always `None`.
    pub docs_name: Option<BookingName>,
    /// The booking locator of the system that sent the list (the first `.L/`).
    pub locator: Option<Locator>,
    /// Locators of the same booking in other systems (further `.L/` elements).
    pub other_locators: Vec<Locator>,
    pub seat: Option<Seat>,
    /// Booking class (RBD), one upper-case letter.
    pub booking_class: Option<char>,
    pub destination: Iata,
    pub party: Option<Party>,
    /// Frequent-flyer programme airline and number (FQTV).
    pub frequent_flyer: Option<(CarrierCode, String)>,
    /// Booking e-mail (CTCE), decoded and lower-cased.
    pub email: Option<String>,
    /// Mobile phone (CTCM), digits only, country code as given.
    pub phone: Option<String>,
    /// From DOCS, else from CHLD.
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<Gender>,
    /// Two- or three-letter country code from DOCS, as given.
    pub nationality: Option<String>,
    /// From the title; a CHLD element also makes the passenger a child.
    pub traveller_class: TravellerClass,
    pub infant: Option<Infant>,
    /// Other special-service codes (WCHR, VGML, ...), each once, in order of appearance.
    pub ssr_codes: Vec<String>,
    pub checkin_sequence: Option<u32>,
    /// Line of the file where this passenger's name stands (1-based).
    pub line: usize,
}

/// A time a manifest gives: an instant (it had an offset) or a wall-clock time local to the airport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListedTime {
    At(DateTime<Utc>),
    Local(NaiveDateTime),
}

impl ListedTime {
    /// `2026-11-22T08:30:00+01:00` (or `Z`), `2026-11-22 08:30` / `2026-11-22T08:30[:00]` (local), or
    /// `08:30` (local, on `date`).
    pub fn parse(raw: &str, date: NaiveDate) -> Option<ListedTime> {
        let raw = raw.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(&raw.replacen(' ', "T", 1)) {
            return Some(ListedTime::At(at.with_timezone(&Utc)));
        }
        for format in [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(local) = NaiveDateTime::parse_from_str(raw, format) {
                return Some(ListedTime::Local(local));
            }
        }
        chrono::NaiveTime::parse_from_str(raw, "%H:%M")
            .ok()
            .map(|time| ListedTime::Local(date.and_time(time)))
    }
}

/// All passengers of one flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlightManifest {
    pub flight: FlightNumber,
    pub local_date: NaiveDate,
    pub origin: Iata,
    pub passengers: Vec<ManifestPassenger>,
    /// The times CSV and JSON rows may give; PNL and ADL carry none.
    #[serde(default)]
    pub scheduled_departure: Option<ListedTime>,
    #[serde(default)]
    pub scheduled_arrival: Option<ListedTime>,
}

impl FlightManifest {
    pub fn key(&self) -> FlightKey {
        FlightKey {
            flight: self.flight.clone(),
            local_date: self.local_date,
            origin: self.origin.clone(),
        }
    }
}

/// A PNL: the manifest plus what the message says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnlMessage {
    pub manifest: FlightManifest,
    /// From the originator line (`.MADRMIB 220830`), read as UTC; `None` when the file has no such line.
    pub sent_at: Option<NaiveDateTime>,
    /// How many parts the message came in.
    pub parts: u16,
}

/// An ADL: changes to the last PNL of a flight. Passengers appear in the order of the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestChanges {
    pub flight: FlightKey,
    pub sent_at: Option<NaiveDateTime>,
    pub parts: u16,
    pub adds: Vec<ManifestPassenger>,
    pub dels: Vec<ManifestPassenger>,
    /// Changed passengers with their new data.
    pub chgs: Vec<ManifestPassenger>,
}

/// What one file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Document {
    Pnl(PnlMessage),
    Adl(ManifestChanges),
    /// CSV or JSON: one file may carry many flights, in order of first appearance.
    Rows(Vec<FlightManifest>),
    /// Parts of PNL or ADL messages that the file does not hold whole (a part delivered on its own), in
    /// the file's order; see [`assemble`].
    Parts(Vec<MessagePart>),
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Tells the format from the content: JSON starts with `[` or `{`, a Type B message has a line `PNL` or
/// `ADL` among its first lines, a CSV file starts with a header naming the `surname` column.
/// A Type B message as networks deliver it, without its transmission framing: the control characters
/// around it (SOH, STX, ETX) and a SITA text envelope (`=HEADER` … `=TEXT`) before it. Each line stays
/// where it was, so that errors still name the file's own lines.
pub fn unframe(bytes: &[u8]) -> Cow<'_, [u8]> {
    let framing = |b: &u8| b.is_ascii_control() && !matches!(b, b'\n' | b'\r' | b'\t');
    let enveloped = bytes
        .split(|b| *b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|line| !line.iter().all(framing) && !line.is_empty())
        .is_some_and(|first| first.starts_with(b"=HEADER"));
    if !enveloped && !bytes.iter().any(framing) {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut in_envelope = enveloped;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        if in_envelope {
            in_envelope = line.trim_ascii() != b"=TEXT";
            out.push(b'\n');
            continue;
        }
        out.extend(line.iter().filter(|b| !framing(b)));
    }
    Cow::Owned(out)
}

pub fn detect(bytes: &[u8]) -> Option<Format> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    match bytes[first] {
        b'[' | b'{' => return Some(Format::Json),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(4096)];
    let lines = head.split(|b| *b == b'\n');
    for line in lines.filter(|l| !l.trim_ascii().is_empty()).take(12) {
        match line.trim_ascii() {
            b"PNL" => return Some(Format::Pnl),
            b"ADL" => return Some(Format::Adl),
            _ => {}
        }
    }
    let header = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let names_surname = header.split(|b| *b == b',' || *b == b';').any(|cell| {
        let cell = cell.trim_ascii();
        let cell = cell.strip_prefix(b"\"").unwrap_or(cell);
        let cell = cell.strip_suffix(b"\"").unwrap_or(cell);
        cell.eq_ignore_ascii_case(b"surname")
    });
    names_surname.then_some(Format::Csv)
}

/// A large CSV file, read as [`CsvChunks`] so that its flights can be stored while the rest is read;
/// `None` for any other file (and for a CSV with quotes or framing), which [`parse`] reads whole. The
/// file's encoding, line lengths and header are checked first: their errors refuse it.
pub fn stream_csv<'a>(
    file_name: &'a str,
    bytes: &'a [u8],
    reading: Reading,
) -> Option<Result<CsvChunks<'a>, ParseErrors>> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if !rows::streams(bytes)
        || !matches!(unframe(bytes), Cow::Borrowed(_))
        || reading.format.or_else(|| detect(bytes)) != Some(Format::Csv)
    {
        return None;
    }
    let mut errors = error::Collector::new(file_name);
    if !error::check_line_lengths(&mut errors, bytes, MAX_ROW_BYTES) {
        return Some(Err(errors.finish_err()));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            error::report_bad_utf8(&mut errors, bytes, e.valid_up_to());
            return Some(Err(errors.finish_err()));
        }
    };
    Some(CsvChunks::open(errors, text, reading.default_region))
}

/// Parses one file: what it holds and the warnings about values it dropped, or every error. `format`
/// overrides detection; `reference` (the import time) gives the year to dates that have none (`22NOV`) and
/// the month to the originator's day-hour-minute.
pub fn parse(
    file_name: &str,
    bytes: &[u8],
    reading: Reading,
    reference: NaiveDate,
) -> Result<(Document, ImportWarnings), ParseErrors> {
    let mut errors = error::Collector::new(file_name);
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let unframed = unframe(bytes);
    let Some(format) = reading.format.or_else(|| detect(&unframed)) else {
        errors.push(
            1,
            None,
            "cannot tell the format: expected a PNL or ADL (a line reading PNL or ADL), a CSV file whose \
             header names the columns, or JSON",
        );
        return Err(errors.finish_err());
    };
    let bytes = match format {
        Format::Pnl | Format::Adl => &unframed,
        Format::Csv | Format::Json => bytes,
    };
    let line_limit = match format {
        Format::Pnl | Format::Adl => Some(typeb::HARD_LINE_LIMIT),
        Format::Csv => Some(MAX_ROW_BYTES),
        // A minified JSON array is legitimately one long line; serde_json reads it in linear time.
        Format::Json if !rows::looks_like_json_array(bytes) => Some(MAX_ROW_BYTES),
        Format::Json => None,
    };
    if let Some(limit) = line_limit
        && !error::check_line_lengths(&mut errors, bytes, limit)
    {
        return Err(errors.finish_err());
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            error::report_bad_utf8(&mut errors, bytes, e.valid_up_to());
            return Err(errors.finish_err());
        }
    };
    let document = match format {
        Format::Pnl | Format::Adl => {
            let whole = typeb::parse(&mut errors, text, format, reference);
            if errors.is_empty() {
                whole
            } else {
                match parts::fragment(file_name, text, format, reference) {
                    None => whole,
                    Some(parts) => {
                        return parts.map(|(parts, warnings)| (Document::Parts(parts), warnings));
                    }
                }
            }
        }
        Format::Csv => {
            rows::parse_csv(&mut errors, text, reading.default_region).map(Document::Rows)
        }
        Format::Json => {
            rows::parse_json(&mut errors, text, reading.default_region).map(Document::Rows)
        }
    };
    let document = document.map(|mut document| {
        fields::read_phones(&mut errors, &mut document, reading.default_region);
        document
    });
    errors.finish(document)
}

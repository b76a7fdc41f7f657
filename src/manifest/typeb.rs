//! IATA Type B PNL and ADL messages (../shared/knowledge/formats.md, where the reader has it): header,
//! destination blocks, name lines and their `.L/`, `.R/`, `.RN/` elements, split into parts. Line by line,
//! no regular expressions, borrowing the input wherever possible.
//!
//! Leniencies, each because real files do it: address lines are optional; blank lines are skipped; elements
//! may stand on the name line (`1ALMEIDA/RUIMR .L/A1B2C3`); destination totals may have 2 or 3 digits; a
//! part need not repeat the destination line or the ADL section header (both carry over); `.R/` remarks whose
//! first word is not a four-letter code are free text and are skipped, as are elements aboard has no use for
//! (`.O/`, `.I/`, `.W/`...).
//!
//! What leaves the flight or a passenger unknown (the flight line, a name line, parts, counts) is an error.
//! An element that cannot be understood is a warning: it is left out and the passengers kept. On a line of
//! several passengers, an element that does not say whom it is for (no `-1SURNAME/GIVEN` association) where
//! it concerns one passenger (FQTV, DOCS, SEAT, INFT, CHLD) goes to the first passenger of the line, with a
//! warning that says so.

use std::borrow::Cow;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime};

use super::error::Collector;
use super::fields;
use super::{
    Document, FlightManifest, Format, Gender, Infant, MAX_TYPEB_LINE, ManifestChanges,
    ManifestPassenger, Party, PnlMessage,
};
use crate::domain::{
    BookingName, FlightKey, FlightNumber, Iata, Locator, Seat, Title, TravellerClass,
    parse_ddmon_date,
};

/// Lines longer than this are refused before parsing; between [`MAX_TYPEB_LINE`] and this they are
/// parsed (to report everything else too) and reported.
pub(crate) const HARD_LINE_LIMIT: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pnl,
    Adl,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Pnl => "PNL",
            Kind::Adl => "ADL",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Add,
    Del,
    Chg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the PNL/ADL line of a part: address and originator lines.
    BeforeType,
    ExpectFlightLine,
    Body,
    AfterEnd,
    /// After the END line, once the first stray line has been reported.
    AfterEndReported,
}

struct Header {
    flight: FlightNumber,
    date: NaiveDate,
    origin: Iata,
}

/// A destination and class block (`-BCN003Y`), counted across parts.
struct Block {
    destination: Iata,
    class: char,
    declared: u16,
    listed: u32,
    line: usize,
}

struct Element<'a> {
    line: usize,
    tag: &'a str,
    text: Cow<'a, str>,
}

/// A name line and the elements that follow it, applied when the next line starts something else.
struct Group<'a> {
    line: usize,
    section: Option<Section>,
    passengers: Vec<ManifestPassenger>,
    elements: Vec<Element<'a>>,
}

struct Parser<'e, 'f, 'a> {
    errors: &'e mut Collector<'f>,
    reference: NaiveDate,
    kind: Option<Kind>,
    header: Option<Header>,
    sent_at: Option<NaiveDateTime>,
    part: u16,
    state: State,
    blocks: Vec<Block>,
    block: Option<usize>,
    section: Option<Section>,
    group: Option<Group<'a>>,
    passengers: Vec<ManifestPassenger>,
    adds: Vec<ManifestPassenger>,
    dels: Vec<ManifestPassenger>,
    chgs: Vec<ManifestPassenger>,
    last_line: usize,
    /// The last name line was refused: its elements are dropped without an error of their own each.
    skip_elements: bool,
    /// Between a part's flight line and its first destination line: the lines there name no passenger.
    before_destinations: bool,
    /// After an `AVAIL` line, until the first destination line.
    in_availability: bool,
    /// Reading one part of a message delivered apart from the others (see `parse_part`): its part
    /// number need not follow a part before it, it may end with ENDPARTn, and the destination counts,
    /// which cover the whole message, are checked only once the message is complete.
    lone_part: bool,
}

/// What one part of a Type B message says about itself, read by `parse_part`.
pub(crate) struct PartHeader {
    pub document: Option<Document>,
    pub number: u16,
    /// The part ends with ENDPNL or ENDADL: it is the message's last.
    pub last: bool,
}

pub(crate) fn parse(
    errors: &mut Collector<'_>,
    text: &str,
    format: Format,
    reference: NaiveDate,
) -> Option<Document> {
    let mut parser = Parser::new(errors, reference, false);
    for (index, raw) in text.split('\n').enumerate() {
        parser.line(index + 1, raw);
    }
    parser.finish(expected_kind(format))
}

/// Reads one part of a message on its own (`text` starts at line `first_line` of its file): which part
/// of which message it is, and its passengers, checked as far as a part can be without the others.
pub(crate) fn parse_part(
    errors: &mut Collector<'_>,
    text: &str,
    first_line: usize,
    format: Format,
    reference: NaiveDate,
) -> PartHeader {
    let mut parser = Parser::new(errors, reference, true);
    for (index, raw) in text.split('\n').enumerate() {
        parser.line(first_line + index, raw);
    }
    let number = parser.part;
    let last = matches!(parser.state, State::AfterEnd | State::AfterEndReported);
    PartHeader {
        document: parser.finish(expected_kind(format)),
        number,
        last,
    }
}

fn expected_kind(format: Format) -> Kind {
    if format == Format::Adl {
        Kind::Adl
    } else {
        Kind::Pnl
    }
}

impl<'e, 'f> Parser<'e, 'f, '_> {
    fn new(errors: &'e mut Collector<'f>, reference: NaiveDate, lone_part: bool) -> Self {
        Parser {
            errors,
            reference,
            kind: None,
            header: None,
            sent_at: None,
            part: 0,
            state: State::BeforeType,
            before_destinations: false,
            in_availability: false,
            blocks: Vec::new(),
            block: None,
            section: None,
            group: None,
            passengers: Vec::new(),
            adds: Vec::new(),
            dels: Vec::new(),
            chgs: Vec::new(),
            last_line: 0,
            skip_elements: false,
            lone_part,
        }
    }
}

impl<'a> Parser<'_, '_, 'a> {
    fn line(&mut self, number: usize, raw: &'a str) {
        let line = raw.trim();
        if line.is_empty() {
            return;
        }
        self.last_line = number;
        if let Some(bad) = line.chars().find(|c| !c.is_ascii() || c.is_ascii_control()) {
            self.errors.push(
                number,
                None,
                format_args!(
                    "the line holds the character {bad:?}; Type B messages are plain upper-case ASCII"
                ),
            );
            return;
        }
        if line.len() > MAX_TYPEB_LINE {
            self.errors.push(
                number,
                None,
                format_args!(
                    "the line is {} characters long; Type B lines hold at most {MAX_TYPEB_LINE} (were lines \
                     joined?)",
                    line.len()
                ),
            );
        }
        match self.state {
            State::BeforeType => self.before_type(number, line),
            State::ExpectFlightLine => self.flight_line(number, line),
            State::Body => self.body(number, line),
            State::AfterEnd => {
                let kind = self.kind.map_or("PNL", Kind::word);
                self.errors.push(
                    number,
                    None,
                    format_args!("text after the END{kind} line that closes the message"),
                );
                // One report is enough; the rest of the file is equally out of place.
                self.state = State::AfterEndReported;
            }
            State::AfterEndReported => {}
        }
    }

    fn before_type(&mut self, number: usize, line: &'a str) {
        let kind = match line {
            "PNL" => Some(Kind::Pnl),
            "ADL" => Some(Kind::Adl),
            _ => None,
        };
        if let Some(kind) = kind {
            match self.kind {
                Some(previous) if previous != kind => self.errors.push(
                    number,
                    None,
                    format_args!(
                        "this part says {} but the message began as {}",
                        kind.word(),
                        previous.word()
                    ),
                ),
                _ => self.kind = Some(kind),
            }
            self.state = State::ExpectFlightLine;
        } else if line.starts_with('.') {
            if self.part == 0 {
                self.originator(number, line);
            }
        } else if !line.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ') {
            self.errors.push(
                number,
                None,
                "expected an address line, the originator line (.MADRMIB 220830) or the line PNL or ADL",
            );
        }
    }

    /// `.MADRMIB 220830`: day of month, hour and minute (UTC) of sending.
    fn originator(&mut self, number: usize, line: &str) {
        let Some(stamp) = line.split_ascii_whitespace().nth(1) else {
            return;
        };
        match resolve_day_time(stamp, self.reference) {
            Ok(at) => self.sent_at = Some(at),
            Err(reason) => self.errors.warn(
                number,
                Some("originator time"),
                format_args!("{reason}; the sending time is left out"),
            ),
        }
    }

    /// `IB3166/22NOV MAD PART1`.
    fn flight_line(&mut self, number: usize, line: &str) {
        self.state = State::Body;
        self.before_destinations = true;
        self.in_availability = false;
        let mut tokens = line.split_ascii_whitespace();
        let (flight_date, origin, part) = (tokens.next(), tokens.next(), tokens.next());
        let Some((flight, date)) = flight_date.and_then(|t| t.split_once('/')) else {
            self.errors.push(
                number,
                Some("flight line"),
                "expected FLIGHT/DDMON BOARDPOINT PARTn, such as IB3166/22NOV MAD PART1",
            );
            self.part = self.part.saturating_add(1);
            return;
        };
        let flight = FlightNumber::parse(flight)
            .map_err(|e| self.errors.push(number, Some("flight"), e))
            .ok();
        let date = parse_ddmon_date(date, self.reference)
            .map_err(|e| self.errors.push(number, Some("flight date"), e))
            .ok();
        let origin = match origin {
            Some(o) => Iata::parse(o)
                .map_err(|e| self.errors.push(number, Some("boarding point"), e))
                .ok(),
            None => {
                self.errors.push(
                    number,
                    Some("boarding point"),
                    "missing after the flight and date",
                );
                None
            }
        };
        let part = match part {
            None => 1,
            Some(p) => match p.strip_prefix("PART").and_then(|n| n.parse::<u16>().ok()) {
                Some(n) if n > 0 => n,
                _ => {
                    self.errors.push(
                        number,
                        Some("part"),
                        format_args!("{p:?} is not PART1, PART2, ..."),
                    );
                    self.part.saturating_add(1)
                }
            },
        };
        self.check_part_order(number, part);
        let (Some(flight), Some(date), Some(origin)) = (flight, date, origin) else {
            return;
        };
        match &self.header {
            None => {
                self.header = Some(Header {
                    flight,
                    date,
                    origin,
                })
            }
            Some(h) if h.flight == flight && h.date == date && h.origin == origin => {}
            Some(h) => {
                let first = format!("{}/{} {}", h.flight, ddmon(h.date), h.origin);
                self.errors.push(
                    number,
                    Some("flight line"),
                    format_args!("part {part} is for another flight than part 1 ({first})"),
                );
            }
        }
    }

    fn check_part_order(&mut self, number: usize, part: u16) {
        if self.lone_part && self.part == 0 {
            self.part = part;
            return;
        }
        let expected = self.part.saturating_add(1);
        if part < expected {
            self.errors.push(
                number,
                Some("part"),
                format_args!(
                    "part {part} comes again or out of order (after part {})",
                    self.part
                ),
            );
        } else if part > expected {
            let missing = if part == expected + 1 {
                format!("part {expected} is missing")
            } else {
                format!("parts {expected} to {} are missing", part - 1)
            };
            self.errors.push(
                number,
                Some("part"),
                format_args!("{missing} before part {part}"),
            );
        }
        self.part = self.part.max(part);
    }

    fn body(&mut self, number: usize, line: &'a str) {
        let first = line.as_bytes()[0];
        if first != b'.' {
            self.skip_elements = false;
        }
        match first {
            b'.' => self.element(number, line),
            b'0'..=b'9' => {
                self.flush();
                self.name_line(number, line);
            }
            b'-' => {
                self.flush();
                self.destination(number, line);
            }
            _ => {
                self.flush();
                self.keyword(number, line);
            }
        }
    }

    fn keyword(&mut self, number: usize, line: &str) {
        let kind = self.kind.unwrap_or(Kind::Pnl);
        match line {
            "ENDPNL" | "ENDADL" => {
                if line[3..] != *kind.word() {
                    self.errors.push(
                        number,
                        None,
                        format_args!("{line} closes a message that began as {}", kind.word()),
                    );
                }
                self.state = State::AfterEnd;
            }
            "ADD" | "DEL" | "CHG" if kind == Kind::Pnl => self.errors.push(
                number,
                None,
                format_args!("{line} sections belong in an ADL, not in a PNL"),
            ),
            "ADD" => self.section = Some(Section::Add),
            "DEL" => self.section = Some(Section::Del),
            "CHG" => self.section = Some(Section::Chg),
            "NIL" => {}
            _ if line.starts_with("CFG/") || line.starts_with("RBD") => {}
            _ if line.starts_with("AVAIL") => self.in_availability = true,
            _ => {
                if let Some(n) = line.strip_prefix("ENDPART") {
                    match n.parse::<u16>() {
                        Ok(n) if n == self.part => {}
                        _ => self.errors.push(
                            number,
                            None,
                            format_args!(
                                "{line} closes part {}: expected ENDPART{}",
                                self.part, self.part
                            ),
                        ),
                    }
                    self.state = State::BeforeType;
                } else if self.before_destinations && self.in_availability {
                    // AVAIL's leg (` MAD  BCN`) and class (`C009`) lines: seats, not passengers.
                } else if self.before_destinations {
                    // Between the flight line and the first destination line, systems write what
                    // they hold of the flight (AVAIL's leg and class lines, seat maps): no passenger.
                    self.errors.warn(
                        number,
                        None,
                        "a line aboard does not read before the first destination line; it names no passenger and is left out",
                    );
                } else {
                    self.errors.push(
                        number,
                        None,
                        "not a name line, element, destination line, section or END line",
                    );
                }
            }
        }
    }

    /// `-BCN003Y` (or `-OPO03Y`): destination, passengers booked in that class, class.
    fn destination(&mut self, number: usize, line: &str) {
        self.before_destinations = false;
        let rest = &line[1..];
        let digits_end = 3 + rest.bytes().skip(3).take_while(u8::is_ascii_digit).count();
        let parsed = (rest.len() == digits_end + 1 && (5..=6).contains(&digits_end))
            .then(|| {
                let destination = Iata::parse(&rest[..3]).ok()?;
                let declared = rest[3..digits_end].parse::<u16>().ok()?;
                let class = fields::booking_class(&rest[digits_end..]).ok()?;
                Some((destination, declared, class))
            })
            .flatten();
        let Some((destination, declared, class)) = parsed else {
            self.errors.push(
                number,
                Some("destination line"),
                "expected -, the destination, a 2- or 3-digit count and the class, such as -BCN003Y",
            );
            self.block = None;
            return;
        };
        let existing = self
            .blocks
            .iter()
            .position(|b| b.destination == destination && b.class == class);
        match existing {
            Some(i) => {
                let block = &self.blocks[i];
                if block.declared != declared && self.kind == Some(Kind::Pnl) {
                    self.errors.push(
                        number,
                        Some("destination line"),
                        format_args!(
                            "{destination} class {class} counts {declared} here but {} on line {}",
                            block.declared, block.line
                        ),
                    );
                }
                self.block = Some(i);
            }
            None => {
                self.blocks.push(Block {
                    destination,
                    class,
                    declared,
                    listed: 0,
                    line: number,
                });
                self.block = Some(self.blocks.len() - 1);
            }
        }
    }

    fn name_line(&mut self, number: usize, line: &'a str) {
        let (names_part, elements_part) = match find_inline_element(line) {
            Some(at) => (&line[..at], &line[at + 1..]),
            None => (line, ""),
        };
        let parsed = parse_names(names_part.trim_end());
        self.skip_elements = true;
        let Some(block_index) = self.block else {
            let reason = if self.lone_part {
                "a name line before any destination line (such as -BCN003Y): a part delivered on its \
                 own must repeat the destination line of the names it continues"
            } else {
                "a name line before any destination line (such as -BCN003Y)"
            };
            self.errors.push(number, None, reason);
            return;
        };
        if self.kind == Some(Kind::Adl) && self.section.is_none() {
            let reason = if self.lone_part {
                "a name line before any ADD, DEL or CHG section: a part delivered on its own must \
                 repeat the section header of the names it continues"
            } else {
                "a name line before any ADD, DEL or CHG section"
            };
            self.errors.push(number, None, reason);
            return;
        }
        let (names, party) = match parsed {
            Ok(parsed) => parsed,
            Err(reason) => {
                self.errors.push(number, Some("name"), reason);
                return;
            }
        };
        let block = &self.blocks[block_index];
        let passengers = names
            .into_iter()
            .map(|name| ManifestPassenger {
                traveller_class: name.traveller_class(),
                name,
                docs_name: None,
                locator: None,
                other_locators: Vec::new(),
                seat: None,
                booking_class: Some(block.class),
                destination: block.destination.clone(),
                party: party.clone(),
                frequent_flyer: None,
                email: None,
                phone: None,
                date_of_birth: None,
                gender: None,
                nationality: None,
                infant: None,
                ssr_codes: Vec::new(),
                checkin_sequence: None,
                line: number,
            })
            .collect::<Vec<_>>();
        self.skip_elements = false;
        let block = &mut self.blocks[block_index];
        block.listed = block.listed.saturating_add(passengers.len() as u32);
        self.group = Some(Group {
            line: number,
            section: self.section,
            passengers,
            elements: Vec::new(),
        });
        let mut rest = elements_part;
        while !rest.is_empty() {
            let (element, next) = match find_inline_element(rest) {
                Some(at) => (&rest[..at], &rest[at + 1..]),
                None => (rest, ""),
            };
            self.element(number, element.trim_end());
            rest = next;
        }
    }

    fn element(&mut self, number: usize, line: &'a str) {
        let Some((tag, text)) = split_element(line) else {
            self.errors.warn(
                number,
                None,
                "not an element: expected a dot, a code and a slash, such as .L/ or .R/; the line is left out",
            );
            return;
        };
        let Some(group) = &mut self.group else {
            if self.skip_elements {
                return;
            }
            self.errors.warn(
                number,
                Some(tag),
                "an element before any name line it could belong to; it is left out",
            );
            return;
        };
        if tag == "RN" {
            match group.elements.last_mut() {
                Some(previous) if previous.tag == "R" => previous.text.to_mut().push_str(text),
                _ => self.errors.warn(
                    number,
                    Some("RN"),
                    "a continuation (.RN/) that does not follow a remark (.R/); it is left out",
                ),
            }
            return;
        }
        group.elements.push(Element {
            line: number,
            tag,
            text: Cow::Borrowed(text),
        });
    }

    /// Applies the pending name line's elements and files its passengers.
    fn flush(&mut self) {
        let Some(group) = self.group.take() else {
            return;
        };
        let section = group.section;
        let passengers = apply_elements(self.errors, self.reference, group);
        match (self.kind, section) {
            (Some(Kind::Adl), Some(Section::Add)) => self.adds.extend(passengers),
            (Some(Kind::Adl), Some(Section::Del)) => self.dels.extend(passengers),
            (Some(Kind::Adl), Some(Section::Chg)) => self.chgs.extend(passengers),
            _ => self.passengers.extend(passengers),
        }
    }

    fn finish(mut self, expected: Kind) -> Option<Document> {
        self.flush();
        let last = self.last_line.max(1);
        let kind = self.kind.unwrap_or(expected);
        match self.state {
            State::AfterEnd | State::AfterEndReported => {}
            State::Body => self.errors.push(
                last,
                None,
                format_args!(
                    "the file ends inside part {} without ENDPART{} or END{}: truncated?",
                    self.part,
                    self.part,
                    kind.word()
                ),
            ),
            State::ExpectFlightLine => self.errors.push(
                last,
                None,
                "the file ends before the flight line (such as IB3166/22NOV MAD PART1)",
            ),
            State::BeforeType if self.lone_part && self.part > 0 => {}
            State::BeforeType if self.part == 0 => self.errors.push(
                last,
                None,
                "no line reading PNL or ADL: this is not a Type B name list",
            ),
            State::BeforeType => self.errors.push(
                last,
                None,
                format_args!(
                    "the message stops after part {}: part {} and the END{} line are missing",
                    self.part,
                    self.part.saturating_add(1),
                    kind.word()
                ),
            ),
        }
        if self.kind.is_some_and(|k| k != expected) {
            self.errors.push(
                1,
                None,
                format_args!(
                    "the file holds a {}, not the {} it was given as",
                    kind.word(),
                    expected.word()
                ),
            );
        }
        if kind == Kind::Pnl && !self.lone_part {
            for block in &self.blocks {
                if u32::from(block.declared) != block.listed {
                    self.errors.push(
                        block.line,
                        Some("destination line"),
                        format_args!(
                            "{} class {} announces {} but {} listed",
                            block.destination,
                            block.class,
                            passengers(usize::from(block.declared)),
                            match block.listed {
                                1 => "1 is".to_string(),
                                n => format!("{n} are"),
                            }
                        ),
                    );
                }
            }
        }
        let header = self.header?;
        let flight = FlightKey {
            flight: header.flight,
            local_date: header.date,
            origin: header.origin,
        };
        Some(match kind {
            Kind::Pnl => Document::Pnl(PnlMessage {
                manifest: FlightManifest {
                    flight: flight.flight,
                    local_date: flight.local_date,
                    origin: flight.origin,
                    passengers: self.passengers,
                    scheduled_departure: None,
                    scheduled_arrival: None,
                },
                sent_at: self.sent_at,
                parts: self.part,
            }),
            Kind::Adl => Document::Adl(ManifestChanges {
                flight,
                sent_at: self.sent_at,
                parts: self.part,
                adds: self.adds,
                dels: self.dels,
                chgs: self.chgs,
            }),
        })
    }
}

pub(crate) fn ddmon(date: NaiveDate) -> String {
    date.format("%d%b").to_string().to_ascii_uppercase()
}

/// Resolves `DDHHMM` to the date with that day nearest to `reference` (previous, same or next month).
fn resolve_day_time(stamp: &str, reference: NaiveDate) -> Result<NaiveDateTime, String> {
    let bad = || format!("{stamp:?} is not a day, hour and minute (DDHHMM)");
    if stamp.len() != 6 || !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let number = |s: &str| s.parse::<u32>().unwrap_or(99);
    let (day, hour, minute) = (
        number(&stamp[..2]),
        number(&stamp[2..4]),
        number(&stamp[4..]),
    );
    let time = NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(bad)?;
    let first_of_month = reference.with_day(1).unwrap_or(reference);
    [
        first_of_month.checked_sub_months(Months::new(1)),
        Some(first_of_month),
        first_of_month.checked_add_months(Months::new(1)),
    ]
    .into_iter()
    .flatten()
    .filter_map(|month| month.with_day(day))
    .min_by_key(|d| (*d - reference).num_days().abs())
    .map(|d| d.and_time(time))
    .ok_or_else(|| format!("day {day} of {stamp:?} exists in no month near the import date"))
}

/// Where the next element written on the same line starts (` .L/`, ` .R/`...): the position of the space.
fn find_inline_element(line: &str) -> Option<usize> {
    line.match_indices(" .")
        .map(|(i, _)| i)
        .find(|i| split_element(&line[i + 1..]).is_some())
}

/// `.R/CHLD HK1` → (`R`, `CHLD HK1`). The tag is one to three upper-case letters.
fn split_element(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix('.')?;
    let slash = rest.bytes().take(4).position(|b| b == b'/')?;
    let tag = &rest[..slash];
    (!tag.is_empty() && tag.bytes().all(|b| b.is_ascii_uppercase()))
        .then(|| (tag, &rest[slash + 1..]))
}

/// `2COSTA/ANAMRS/TIAGOMSTR-A2` → two names and the booking tie.
fn parse_names(text: &str) -> Result<(Vec<BookingName>, Option<Party>), String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 3 {
        return Err("the passenger count has more than three digits".into());
    }
    let count: usize = text[..digits]
        .parse()
        .map_err(|_| "no passenger count".to_string())?;
    let mut names = &text[digits..];
    let mut party = None;
    if let Some(dash) = names.rfind('-') {
        let tie = &names[dash + 1..];
        let letters = tie.bytes().take_while(u8::is_ascii_uppercase).count();
        let size_digits = &tie[letters..];
        if (1..=3).contains(&letters)
            && (1..=3).contains(&size_digits.len())
            && size_digits.bytes().all(|b| b.is_ascii_digit())
        {
            let size = size_digits
                .parse()
                .map_err(|_| "bad booking tie".to_string())?;
            party = Some(Party {
                tie: tie[..letters].to_string(),
                size,
            });
            names = &names[..dash];
        }
    }
    let mut parts = names.split('/');
    let surname = parts.next().unwrap_or_default();
    let mut list = Vec::with_capacity(count);
    let mut givens = 0;
    for given in parts {
        givens += 1;
        let (given, title) = Title::split_from(given);
        list.push(BookingName::new(surname, &given, title).map_err(|e| e.to_string())?);
    }
    if givens == 0 {
        givens = 1;
        list.push(BookingName::new(surname, "", None).map_err(|e| e.to_string())?);
    }
    if count != givens {
        return Err(format!(
            "the line counts {} but names {givens}",
            passengers(count)
        ));
    }
    Ok((list, party))
}

/// Skips a leading action code and count (`HK1`) and the separator after it.
fn strip_status(text: &str) -> &str {
    let text = text.trim_start();
    let b = text.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    let digits = b
        .iter()
        .skip(letters)
        .take_while(|c| c.is_ascii_digit())
        .count();
    let end = letters + digits;
    if letters == 2 && digits > 0 && matches!(b.get(end), None | Some(b' ' | b'/')) {
        text.get(end + 1..).unwrap_or_default()
    } else {
        text
    }
}

/// Splits a trailing name association (`-1COSTA/TIAGOMSTR`) off an element.
fn split_association(text: &str) -> (&str, Option<&str>) {
    for (dash, _) in text.rmatch_indices('-') {
        let after = &text.as_bytes()[dash + 1..];
        let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0
            && after.get(digits).is_some_and(u8::is_ascii_uppercase)
            && after.contains(&b'/')
        {
            return (text[..dash].trim_end(), Some(&text[dash + 1..]));
        }
    }
    (text, None)
}

/// A date of birth: `DDMONYY` read so that it is not after the reference date.
fn birth_date(raw: &str, reference: NaiveDate) -> Result<NaiveDate, String> {
    let date = parse_ddmon_date(raw, reference).map_err(|e| e.to_string())?;
    Ok(if date > reference {
        date.checked_sub_months(Months::new(1200)).unwrap_or(date)
    } else {
        date
    })
}

fn looks_like_date(token: &str) -> bool {
    let b = token.as_bytes();
    matches!(b.len(), 5 | 7 | 9)
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[2..5].iter().all(u8::is_ascii_uppercase)
        && b[5..].iter().all(u8::is_ascii_digit)
}

/// What a DOCS element tells about a passenger (or, with gender FI/MI, about the infant on their lap).
struct Docs {
    name: Option<BookingName>,
    date_of_birth: Option<NaiveDate>,
    gender: Option<Gender>,
    nationality: Option<String>,
    for_infant: bool,
}

/// `P/ES/X1234567/ES/12MAR81/F/15JAN30/GARCIAPENA/MARIAJOSE[/MIDDLE][/H]`.
fn parse_docs<'b>(
    body: &'b str,
    reference: NaiveDate,
    notes: &mut Vec<String>,
) -> Result<Docs, String> {
    let mut fields = [""; 10];
    let mut count = 0;
    for (slot, field) in fields.iter_mut().zip(body.split('/')) {
        *slot = field.trim();
        count += 1;
    }
    if count < 8 {
        return Err(format!(
            "has {count} fields; expected type/issuing country/number/nationality/date of birth/gender/\
             expiry/surname/given names"
        ));
    }
    let optional = |s: &'b str| (!s.is_empty()).then_some(s);
    if let Some(kind) = optional(fields[0])
        && (kind.len() > 2 || !kind.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(format!("{kind:?} is not a document type"));
    }
    let mut left_out = |what: String| notes.push(format!("{what}; it is left out, the rest kept"));
    if let Some(issuer) = optional(fields[1])
        && let Err(e) = fields::country(issuer)
    {
        left_out(format!("issuing country: {e}"));
    }
    if fields[2].len() > 20 || !fields[2].bytes().all(|b| b.is_ascii_alphanumeric()) {
        left_out(format!("{:?} is not a document number", fields[2]));
    }
    let nationality = optional(fields[3]).and_then(|n| {
        fields::country(n)
            .map_err(|e| left_out(format!("nationality: {e}")))
            .ok()
    });
    let date_of_birth = optional(fields[4]).and_then(|d| {
        birth_date(d, reference)
            .map_err(|e| left_out(format!("date of birth: {e}")))
            .ok()
    });
    let (gender, for_infant) = match fields[5] {
        "" => (None, false),
        "F" => (Some(Gender::Female), false),
        "M" => (Some(Gender::Male), false),
        "U" | "X" => (Some(Gender::Unspecified), false),
        "FI" => (Some(Gender::Female), true),
        "MI" => (Some(Gender::Male), true),
        other => {
            left_out(format!("gender {other:?} is not F, M, FI, MI, U or X"));
            (None, false)
        }
    };
    if let Some(expiry) = optional(fields[6])
        && let Err(e) = parse_ddmon_date(expiry, reference)
    {
        left_out(format!("expiry: {e}"));
    }
    let middle = fields[9];
    let given: Cow<'_, str> = if middle.is_empty() || middle == "H" {
        Cow::Borrowed(fields[8])
    } else {
        Cow::Owned(format!("{} {middle}", fields[8]))
    };
    let name = optional(fields[7])
        .map(|surname| BookingName::new(surname, &given, None).map_err(|e| format!("name: {e}")))
        .transpose()?;
    Ok(Docs {
        name,
        date_of_birth,
        gender,
        nationality,
        for_infant,
    })
}

/// `IB 12345678`, `IB12345678`, `IB/12345678`.
fn parse_fqtv(body: &str) -> Result<(crate::domain::CarrierCode, String), String> {
    let mut tokens = body.split([' ', '/']).filter(|t| !t.is_empty());
    let (airline, number) = match (tokens.next(), tokens.next()) {
        (Some(airline), Some(number)) if airline.len() <= 3 => (airline, number),
        (Some(glued), _) if glued.len() > 2 && glued.is_ascii() => (&glued[..2], &glued[2..]),
        _ => return Err("expected the airline and the number, such as IB 12345678".into()),
    };
    Ok((
        fields::carrier(airline)?,
        fields::frequent_flyer_number(number)?,
    ))
}

/// CTCE text: `//` is `@`, `..` is `_`, `./` is `-`; a single `/` ends the address (a language may follow).
fn decode_email(body: &str) -> Result<String, String> {
    let b = body.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b'/', Some(b'/')) => {
                out.push('@');
                i += 2;
            }
            (b'/', _) => break,
            (b'.', Some(b'.')) => {
                out.push('_');
                i += 2;
            }
            (b'.', Some(b'/')) => {
                out.push('-');
                i += 2;
            }
            (c, _) => {
                out.push(c as char);
                i += 1;
            }
        }
    }
    fields::email(&out)
}

/// `12JAN25 GARCIAPENA/LUCAS`, `GARCIAPENA/LUCAS 12JAN25`, or either alone.
fn parse_infant(body: &str, reference: NaiveDate) -> Result<Infant, String> {
    let body = body.trim();
    let (date, name) = match body.split_once(' ') {
        Some((first, rest)) if looks_like_date(first) => (Some(first), rest.trim()),
        _ => match body.rsplit_once(' ') {
            Some((rest, last)) if looks_like_date(last) => (Some(last), rest.trim()),
            _ if looks_like_date(body) => (Some(body), ""),
            _ => (None, body),
        },
    };
    Ok(Infant {
        name: (!name.is_empty())
            .then(|| BookingName::parse(name).map_err(|e| format!("infant name: {e}")))
            .transpose()?,
        date_of_birth: date
            .map(|d| birth_date(d, reference).map_err(|e| format!("infant date of birth: {e}")))
            .transpose()?,
    })
}

/// Whom an element on a line of several passengers is for.
enum Targets {
    All,
    One,
    Children,
    Adult,
}

fn apply_elements(
    errors: &mut Collector<'_>,
    reference: NaiveDate,
    group: Group<'_>,
) -> Vec<ManifestPassenger> {
    let mut pax = group.passengers;
    let mut child_dates: Vec<Option<NaiveDate>> = vec![None; pax.len()];
    for element in &group.elements {
        let line = element.line;
        match element.tag {
            "L" => {
                let code = element.text.split('/').next().unwrap_or_default();
                match Locator::parse(code) {
                    Ok(locator) => {
                        for p in &mut pax {
                            match &p.locator {
                                None => p.locator = Some(locator.clone()),
                                Some(first) if *first == locator => {}
                                Some(_) if p.other_locators.contains(&locator) => {}
                                Some(_) => p.other_locators.push(locator.clone()),
                            }
                        }
                    }
                    Err(e) => errors.warn(
                        line,
                        Some("L"),
                        format_args!("{e}; the locator is left out, the passengers kept"),
                    ),
                }
            }
            "R" => {
                let text = element.text.as_ref();
                let code_end = text.find([' ', '/']).unwrap_or(text.len());
                let code = &text[..code_end];
                if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                    continue;
                }
                let (body, association) = split_association(&text[code_end..]);
                let body = strip_status(body);
                let mut notes = Vec::new();
                let applied = apply_remark(
                    &mut pax,
                    &mut child_dates,
                    (code, body, association),
                    reference,
                    &mut notes,
                );
                for note in notes {
                    errors.warn(line, Some(code), note);
                }
                if let Err(reason) = applied {
                    errors.warn(
                        line,
                        Some(code),
                        format_args!("{reason}; the element is left out, the passengers kept"),
                    );
                }
            }
            _ => {}
        }
    }
    for (p, child_date) in pax.iter_mut().zip(child_dates) {
        if p.date_of_birth.is_none() {
            p.date_of_birth = child_date;
        }
    }
    if pax.is_empty() {
        errors.push(group.line, None, "a name line without a passenger");
    }
    pax
}

/// Applies one `.R/` element (code, text and name association) to the passengers of its line. `notes`
/// gathers what was read differently from the message's words (an element given to the first passenger,
/// a part of it left out), each a warning.
fn apply_remark(
    pax: &mut [ManifestPassenger],
    child_dates: &mut [Option<NaiveDate>],
    (code, body, association): (&str, &str, Option<&str>),
    reference: NaiveDate,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let for_whom = |pax: &[ManifestPassenger], default: Targets, notes: &mut Vec<String>| {
        targets(pax, association, default, notes)
    };
    match code {
        "FQTV" => {
            let ff = parse_fqtv(body)?;
            for i in for_whom(pax, Targets::One, notes)? {
                pax[i].frequent_flyer.get_or_insert_with(|| ff.clone());
            }
        }
        "DOCS" => {
            let docs = parse_docs(body, reference, notes)?;
            let chosen = match (&docs.name, association, pax.len()) {
                (Some(name), None, n) if n > 1 && !docs.for_infant => {
                    vec![docs_holder(pax, name).unwrap_or_else(|reason| {
                        notes.push(to_the_first(pax, &reason));
                        0
                    })]
                }
                _ if docs.for_infant => for_whom(pax, Targets::Adult, notes)?,
                _ => for_whom(pax, Targets::One, notes)?,
            };
            for i in chosen {
                let p = &mut pax[i];
                if docs.for_infant {
                    let infant = p.infant.get_or_insert(Infant {
                        name: None,
                        date_of_birth: None,
                    });
                    if infant.date_of_birth.is_none() {
                        infant.date_of_birth = docs.date_of_birth;
                    }
                    if infant.name.is_none() {
                        infant.name = docs.name.clone();
                    }
                } else {
                    p.docs_name = p.docs_name.take().or_else(|| docs.name.clone());
                    p.date_of_birth = p.date_of_birth.or(docs.date_of_birth);
                    p.gender = p.gender.or(docs.gender);
                    p.nationality = p.nationality.take().or_else(|| docs.nationality.clone());
                }
            }
        }
        "CTCE" => {
            let email = decode_email(body)?;
            for i in for_whom(pax, Targets::All, notes)? {
                pax[i].email.get_or_insert_with(|| email.clone());
            }
        }
        "CTCM" => {
            let number = body.split('/').next().unwrap_or_default();
            let phone = fields::phone(number)?;
            for i in for_whom(pax, Targets::All, notes)? {
                pax[i].phone.get_or_insert_with(|| phone.clone());
            }
        }
        "CHLD" => {
            let date = body.trim();
            let date = (!date.is_empty())
                .then(|| birth_date(date, reference).map_err(|e| format!("date of birth: {e}")))
                .transpose()?;
            for i in for_whom(pax, Targets::Children, notes)? {
                pax[i].traveller_class = TravellerClass::Child;
                child_dates[i] = child_dates[i].or(date);
            }
        }
        "INFT" => {
            let infant = parse_infant(body, reference)?;
            for i in for_whom(pax, Targets::Adult, notes)? {
                match &mut pax[i].infant {
                    None => pax[i].infant = Some(infant.clone()),
                    Some(known) => {
                        known.name = known.name.take().or_else(|| infant.name.clone());
                        known.date_of_birth = known.date_of_birth.or(infant.date_of_birth);
                    }
                }
            }
        }
        "SEAT" => {
            let seat = Seat::parse(body.split_ascii_whitespace().next().unwrap_or_default())
                .map_err(|e| e.to_string())?;
            for i in for_whom(pax, Targets::One, notes)? {
                pax[i].seat = Some(seat.clone());
            }
        }
        _ => {
            for i in for_whom(pax, Targets::All, notes)? {
                fields::push_unique(&mut pax[i].ssr_codes, code.to_string());
            }
        }
    }
    Ok(())
}

/// Whom an element is for: the passengers its name association names; without one, `default`; and when
/// that leaves nobody (a line of several passengers, an element for one), the first passenger of the line,
/// with a note saying so.
fn targets(
    pax: &[ManifestPassenger],
    association: Option<&str>,
    default: Targets,
    notes: &mut Vec<String>,
) -> Result<Vec<usize>, String> {
    if let Some(names) = association {
        return associated(pax, names);
    }
    if pax.is_empty() {
        return Err("the element has no passenger to belong to".to_string());
    }
    let everyone = (0..pax.len()).collect::<Vec<_>>();
    let chosen: Vec<usize> = match default {
        Targets::All => everyone,
        _ if pax.len() == 1 => everyone,
        Targets::One => Vec::new(),
        Targets::Children => everyone
            .into_iter()
            .filter(|i| pax[*i].traveller_class == TravellerClass::Child)
            .collect(),
        Targets::Adult => {
            let adults: Vec<usize> = everyone
                .into_iter()
                .filter(|i| pax[*i].traveller_class == TravellerClass::Adult)
                .collect();
            if adults.len() == 1 {
                adults
            } else {
                Vec::new()
            }
        }
    };
    if chosen.is_empty() {
        let reason = format!(
            "the name line holds {} passengers and the element does not say whom it is for (no \
             -1SURNAME/GIVEN)",
            pax.len()
        );
        notes.push(to_the_first(pax, &reason));
        Ok(vec![0])
    } else {
        Ok(chosen)
    }
}

/// The warning for an element given to the first passenger of its line by convention.
fn to_the_first(pax: &[ManifestPassenger], reason: &str) -> String {
    let first = pax.first().map(|p| p.name.to_string()).unwrap_or_default();
    format!("{reason}; it is given to the first passenger of the line, {first}")
}

/// The passengers a name association (`1COSTA/TIAGOMSTR`) names.
fn associated(pax: &[ManifestPassenger], names: &str) -> Result<Vec<usize>, String> {
    let (names, _) = parse_names(names).map_err(|e| format!("name association: {e}"))?;
    names
        .iter()
        .map(|wanted| {
            pax.iter()
                .position(|p| p.name.surname == wanted.surname && p.name.given == wanted.given)
                .ok_or_else(|| format!("names {wanted}, who is not on this name line"))
        })
        .collect()
}

/// On a line of several passengers, the one whose booking name the passport name (DOCS) continues.
fn docs_holder(pax: &[ManifestPassenger], docs: &BookingName) -> Result<usize, String> {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphabetic())
            .collect::<String>()
    };
    let (surname, given) = (squash(&docs.surname), squash(&docs.given));
    let matches: Vec<usize> = pax
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            let booked_given = squash(&p.name.given);
            surname.starts_with(&squash(&p.name.surname))
                && !booked_given.is_empty()
                && given.starts_with(&booked_given)
        })
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        _ => Err(format!(
            "the passport name {docs} fits {} passengers of this name line and the element names none \
             (no -1SURNAME/GIVEN)",
            matches.len()
        )),
    }
}

/// A count of passengers in words: `1 passenger`, `3 passengers`.
fn passengers(count: usize) -> String {
    match count {
        1 => "1 passenger".to_string(),
        n => format!("{n} passengers"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(super::passengers(1), "1 passenger");
        assert_eq!(super::passengers(4), "4 passengers");
    }
}

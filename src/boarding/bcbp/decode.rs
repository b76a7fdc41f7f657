use super::field::{LEG_MANDATORY, UNIQUE_CONDITIONAL, repeated_layout};
use super::{BcbpError, BoardingPass, Field, IssueDate, Leg, Security, Warning};
use crate::domain::{CarrierCode, FlightNumber, Iata, Locator, Seat};

/// ASCII group separator: some printers put one between legs; it is no part of any field.
const GS: u8 = 0x1D;
const NAME_START: usize = 2;
const NAME_WIDTH: usize = 20;
const INDICATOR_POSITION: usize = NAME_START + NAME_WIDTH;
/// The leading fields of a leg that say which booking and which flight: PNR, route, carrier, flight number
/// and date of flight. Only these must be readable; everything after them is read as far as it goes.
const IDENTIFYING_FIELDS: usize = 6;
const IDENTIFYING_WIDTH: usize = 24;
const NEWEST_KNOWN_VERSION: u8 = 8;
/// The most a two-digit hexadecimal size can declare.
const MAX_PART_SIZE: usize = 0xFF;
/// Sizes of the unique conditional part that issued passes carry (with one bag tag, with none, with two or
/// three), tried first when the declared size disagrees with the content.
const USUAL_UNIQUE_SIZES: [usize; 4] = [0x18, 0x0B, 0x25, 0x32];

/// Decodes a scanned boarding pass. Total: every input gives a pass (with a warning for each deviation it
/// tolerated) or an error naming the position, the field and the reason. Refused only when what identifies
/// the passenger and the flight cannot be read: the name, or a leg's booking reference, route, carrier,
/// flight number or date written but unreadable (blank ones are "not provided", which the gate reports).
/// Everything after them is read as far as it goes; sizes that disagree with the content, parts cut short
/// and unreadable fields are warnings.
pub fn decode(raw: &str) -> Result<BoardingPass, BcbpError> {
    check_characters(raw)?;
    Decoder {
        raw,
        warnings: Vec::new(),
    }
    .pass()
}

/// Refuses anything outside printable ASCII (plus GS) up front, so that every later byte offset is also a
/// character offset and a char boundary.
fn check_characters(raw: &str) -> Result<(), BcbpError> {
    match raw
        .chars()
        .enumerate()
        .find(|(_, c)| !((' '..='~').contains(c) || *c == char::from(GS)))
    {
        Some((position, found)) => Err(BcbpError::InvalidCharacter { position, found }),
        None => Ok(()),
    }
}

fn field_error(leg: Option<u8>, field: Field, position: usize, why: String) -> BcbpError {
    BcbpError::Field {
        leg,
        field,
        position,
        why,
    }
}

fn no_separator(
    leg: Option<u8>,
    field: Field,
    position: usize,
    text: &str,
) -> Result<(), BcbpError> {
    match text.bytes().position(|b| b == GS) {
        Some(offset) => Err(field_error(
            leg,
            field,
            position + offset,
            "an ASCII group separator (GS, 0x1D) sits inside the field".to_string(),
        )),
        None => Ok(()),
    }
}

/// What a two-digit size field says.
#[derive(Clone, Copy)]
enum Size {
    Declared(usize),
    /// Not two hexadecimal digits.
    Unreadable,
    /// The pass ends before it.
    Absent,
}

/// How well a repeated part whose size field sits at a position fills the rest of the leg.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    None,
    /// The size runs past the leg's end.
    Overflows,
    /// The part ends before the leg does: the airline's own text follows.
    Fits,
    /// Nothing left over.
    Exact,
}

struct Decoder<'a> {
    raw: &'a str,
    warnings: Vec<Warning>,
}

impl<'a> Decoder<'a> {
    fn len(&self) -> usize {
        self.raw.len()
    }

    fn text(&self, start: usize, end: usize) -> &'a str {
        self.raw.get(start..end).unwrap_or("")
    }

    fn byte(&self, position: usize) -> Option<u8> {
        self.raw.as_bytes().get(position).copied()
    }

    fn pass(mut self) -> Result<BoardingPass, BcbpError> {
        let format = self.byte(0).ok_or(BcbpError::Empty)?;
        if format != b'M' {
            return Err(BcbpError::UnsupportedFormat {
                found: char::from(format),
            });
        }
        let legs = match self.byte(1) {
            Some(digit @ b'1'..=b'4') => digit - b'0',
            Some(other) => {
                return Err(field_error(
                    None,
                    Field::NumberOfLegs,
                    1,
                    format!("expected a digit 1 to 4, found {:?}", char::from(other)),
                ));
            }
            None => {
                return Err(field_error(
                    None,
                    Field::NumberOfLegs,
                    1,
                    "the pass ends here".to_string(),
                ));
            }
        };
        self.mandatory(None, Field::PassengerName, NAME_START, NAME_WIDTH)?;
        let (name_end, indicator, mut position) = self.locate_first_leg()?;
        let name = self.text(NAME_START, name_end);
        no_separator(None, Field::PassengerName, NAME_START, name)?;
        if name.trim().is_empty() {
            return Err(field_error(
                None,
                Field::PassengerName,
                NAME_START,
                "the name is blank, so the pass names no passenger".to_string(),
            ));
        }
        let mut pass = BoardingPass::new(name.trim_end_matches(' '), Vec::new());
        pass.electronic_ticket_indicator = indicator;

        for number in 1..=legs {
            let (mut leg, size, start) = self.leg_mandatory(number, position)?;
            let (end, truncated, more) = if number == legs {
                let (end, truncated) = self.last_leg_end(number, start, size);
                (end, truncated, true)
            } else {
                self.next_leg(number, start, size)
            };
            if end.saturating_sub(start) > MAX_PART_SIZE {
                return Err(field_error(
                    Some(number),
                    Field::VariablePartSize,
                    start.saturating_sub(2),
                    format!(
                        "the leg's variable part would run {} characters, more than the {MAX_PART_SIZE} a \
                         size can declare: what follows the leg is not a boarding pass",
                        end - start
                    ),
                ));
            }
            let airline_start =
                self.leg_variable(number, &mut pass, &mut leg, start, end, truncated);
            leg.airline_use = self.free_text(Some(number), Field::AirlineUse, airline_start, end);
            pass.legs.push(leg);
            if !more {
                self.warnings.push(Warning::LegsMissing {
                    declared: legs,
                    found: number,
                });
                position = self.len();
                break;
            }
            position = self.skip_separators(end, number);
        }

        if position < self.len() {
            pass.security = Some(self.security(position));
        }
        pass.warnings = self.warnings;
        Ok(pass)
    }

    /// Where the name ends and the first leg starts. The standard layout first; else the `E` missing (the
    /// legs one position early); else a name written shorter than its 20 characters, found by where a leg's
    /// route and date sit.
    fn locate_first_leg(&mut self) -> Result<(usize, Option<char>, usize), BcbpError> {
        let standard = INDICATOR_POSITION + 1;
        if !self.may_start_leg(standard) && !self.looks_like_leg(INDICATOR_POSITION) {
            let shorter = (NAME_START + 2..INDICATOR_POSITION)
                .rev()
                .find(|&at| self.looks_like_leg(at));
            if let Some(start) = shorter {
                let (name_end, indicator) = if self.byte(start - 1) == Some(b'E') {
                    (start - 1, Some('E'))
                } else {
                    self.warnings
                        .push(Warning::ElectronicTicketIndicator { seen: None });
                    (start, None)
                };
                self.warnings.push(Warning::NameNotPadded {
                    width: name_end - NAME_START,
                });
                return Ok((name_end, indicator, start));
            }
        }
        let (indicator, start) = self.electronic_ticket_indicator()?;
        Ok((INDICATOR_POSITION, indicator, start))
    }

    /// Reads the `E` after the name, or notices that it is missing and the legs start one position early.
    fn electronic_ticket_indicator(&mut self) -> Result<(Option<char>, usize), BcbpError> {
        let after = INDICATOR_POSITION + 1;
        let text = self.mandatory(
            None,
            Field::ElectronicTicketIndicator,
            INDICATOR_POSITION,
            1,
        )?;
        match text.as_bytes().first().copied().unwrap_or(b' ') {
            b'E' => Ok((Some('E'), after)),
            b' ' => {
                self.warnings
                    .push(Warning::ElectronicTicketIndicator { seen: Some(' ') });
                Ok((None, after))
            }
            _ if self.looks_like_leg(INDICATOR_POSITION) && !self.looks_like_leg(after) => {
                self.warnings
                    .push(Warning::ElectronicTicketIndicator { seen: None });
                Ok((None, INDICATOR_POSITION))
            }
            other => {
                let seen = char::from(other);
                self.warnings
                    .push(Warning::ElectronicTicketIndicator { seen: Some(seen) });
                Ok((Some(seen), after))
            }
        }
    }

    /// Whether a leg starting at `position` has a booking reference of letters, digits and spaces, letters
    /// where the airports go and digits (space-padded or not) where the day of the year goes.
    fn looks_like_leg(&self, position: usize) -> bool {
        let Some(text) = self.raw.get(position..position + IDENTIFYING_WIDTH) else {
            return false;
        };
        let bytes = text.as_bytes();
        let letters = |from: usize| bytes[from..from + 3].iter().all(u8::is_ascii_alphabetic);
        let day = &bytes[21..24];
        bytes[..7]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b' ')
            && letters(7)
            && letters(10)
            && day.iter().all(|b| b.is_ascii_digit() || *b == b' ')
            && day.iter().any(u8::is_ascii_digit)
    }

    /// Whether a leg may start at `position`: each identifying field there is blank (not provided) or of
    /// the right kind. Weaker than `looks_like_leg`, it checks a position the pass itself declares.
    fn may_start_leg(&self, position: usize) -> bool {
        let Some(text) = self.raw.get(position..position + IDENTIFYING_WIDTH) else {
            return false;
        };
        let bytes = text.as_bytes();
        let blank_or = |range: std::ops::Range<usize>, kind: fn(&u8) -> bool| {
            let field = &bytes[range];
            field.iter().all(|b| *b == b' ') || field.iter().all(kind)
        };
        bytes[..7]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b' ')
            && blank_or(7..10, u8::is_ascii_alphabetic)
            && blank_or(10..13, u8::is_ascii_alphabetic)
            && bytes[21..24]
                .iter()
                .all(|b| b.is_ascii_digit() || *b == b' ')
    }

    fn skip_separators(&mut self, mut position: usize, after_leg: u8) -> usize {
        while self.byte(position) == Some(GS) {
            self.warnings.push(Warning::GroupSeparator {
                position,
                after_leg,
            });
            position += 1;
        }
        position
    }

    /// Free text closing a part, as written; a group separator inside it is read as a space (with a
    /// warning), which keeps every length as the pass declares it. `None` when there is none.
    fn free_text(
        &mut self,
        leg: Option<u8>,
        field: Field,
        start: usize,
        end: usize,
    ) -> Option<String> {
        let text = self.text(start, end);
        if text.is_empty() {
            return None;
        }
        if !text.as_bytes().contains(&GS) {
            return Some(text.to_string());
        }
        for (offset, _) in text.bytes().enumerate().filter(|(_, b)| *b == GS) {
            self.warnings.push(Warning::GroupSeparatorInField {
                leg,
                field,
                position: start + offset,
            });
        }
        Some(text.replace(char::from(GS), " "))
    }

    /// A fixed field that must be there in full.
    fn mandatory(
        &self,
        leg: Option<u8>,
        field: Field,
        position: usize,
        width: usize,
    ) -> Result<&'a str, BcbpError> {
        let available = self.len().saturating_sub(position);
        if available < width {
            return Err(field_error(
                leg,
                field,
                position,
                format!("the pass ends after {available} of its {width} characters"),
            ));
        }
        let text = self.text(position, position + width);
        no_separator(leg, field, position, text)?;
        Ok(text)
    }

    /// A field that may be missing or cut short by the end of its part (`end`): absent past the end, read
    /// as written across it, left blank when a group separator sits inside it.
    fn optional(
        &mut self,
        leg: Option<u8>,
        field: Field,
        position: usize,
        width: usize,
        end: usize,
    ) -> Option<&'a str> {
        if position >= end {
            return None;
        }
        let stop = (position + width).min(end);
        let text = self.text(position, stop);
        if text.as_bytes().contains(&GS) {
            self.warnings.push(Warning::GroupSeparatorInField {
                leg,
                field,
                position,
            });
            return None;
        }
        if stop - position < width {
            self.warnings.push(Warning::FieldCutShort {
                leg,
                field,
                position,
                seen: text.to_string(),
                width,
            });
        }
        Some(text)
    }

    fn hex(&self, position: usize) -> Option<usize> {
        let text = self.raw.get(position..position + 2)?;
        if text.bytes().all(|b| b.is_ascii_hexdigit()) {
            usize::from_str_radix(text, 16).ok()
        } else {
            None
        }
    }

    fn size(&self, position: usize, end: usize) -> Size {
        if position + 2 > end {
            return Size::Absent;
        }
        match self.hex(position) {
            Some(size) => Size::Declared(size),
            None => Size::Unreadable,
        }
    }

    fn size_disagrees(&mut self, leg: Option<u8>, field: Field, position: usize, found: usize) {
        let seen = self
            .text(position, (position + 2).min(self.len()))
            .to_string();
        self.warnings.push(Warning::SizeDisagrees {
            leg,
            field,
            position,
            seen,
            found,
        });
    }

    /// A leg's mandatory part: the identifying fields must be readable; the pass may end anywhere after
    /// them. Returns the leg, its variable part's size and where that part starts.
    fn leg_mandatory(&mut self, number: u8, start: usize) -> Result<(Leg, Size, usize), BcbpError> {
        let mut leg = Leg::default();
        let mut position = start;
        let (identifying, rest) = LEG_MANDATORY.split_at(IDENTIFYING_FIELDS);
        for &(field, width) in identifying {
            let text = self.mandatory(Some(number), field, position, width)?;
            self.identify(number, &mut leg, field, position, text)?;
            position += width;
        }
        for &(field, width) in rest {
            if position >= self.len() {
                self.warnings.push(Warning::PassEndsEarly {
                    leg: Some(number),
                    field,
                    position,
                });
                return Ok((leg, Size::Absent, position));
            }
            if let Some(text) = self.optional(Some(number), field, position, width, self.len()) {
                self.assign_leg(number, &mut leg, field, position, text);
            }
            position += width;
        }
        let size = self.size(position, self.len());
        if matches!(size, Size::Absent) {
            self.warnings.push(Warning::PassEndsEarly {
                leg: Some(number),
                field: Field::VariablePartSize,
                position,
            });
        }
        Ok((leg, size, (position + 2).min(self.len())))
    }

    /// Whether the security data (or nothing) follows `position`, group separators aside.
    fn security_follows(&self, mut position: usize) -> bool {
        while self.byte(position) == Some(GS) {
            position += 1;
        }
        matches!(self.byte(position), None | Some(b'^'))
    }

    /// The first `^` from `from` that starts a security part ending exactly at the end of the pass, else one
    /// whose declared length runs past it (truncated security data).
    fn security_within(&self, from: usize) -> Option<usize> {
        let headers = || {
            (from..self.len())
                .filter(|&at| self.byte(at) == Some(b'^'))
                .filter_map(|at| self.hex(at + 2).map(|length| (at, at + 4 + length)))
        };
        headers()
            .find(|&(_, end)| end == self.len())
            .or_else(|| headers().find(|&(_, end)| end > self.len()))
            .map(|(at, _)| at)
    }

    /// Where the last leg's variable part ends, and whether the pass cut it short. Its declared size is
    /// trusted when the security data or the end of the pass follows it; otherwise the part runs to the
    /// security data (or the end), with a warning.
    fn last_leg_end(&mut self, number: u8, start: usize, size: Size) -> (usize, bool) {
        let size_position = start.saturating_sub(2);
        let declared = match size {
            Size::Absent => return (start, false),
            Size::Declared(size) => Some(size),
            Size::Unreadable => None,
        };
        if let Some(size) = declared
            && start + size <= self.len()
            && self.security_follows(start + size)
        {
            return (start + size, false);
        }
        let mut end = self.security_within(start).unwrap_or(self.len());
        while end > start && self.byte(end - 1) == Some(GS) {
            end -= 1;
        }
        match declared {
            Some(size) if end < start + size => {
                self.warnings.push(Warning::AirlineUseEndsEarly {
                    leg: number,
                    position: start,
                    declared: size,
                    found: end - start,
                });
                (end, true)
            }
            _ => {
                self.size_disagrees(
                    Some(number),
                    Field::VariablePartSize,
                    size_position,
                    end - start,
                );
                (end, false)
            }
        }
    }

    /// Where a leg before the last ends (the next one starts there, after any group separators): at its
    /// declared size when a leg starts there, else at the first place after it where one does. Also whether
    /// the pass cut the leg short, and whether another leg follows at all.
    fn next_leg(&mut self, number: u8, start: usize, size: Size) -> (usize, bool, bool) {
        let size_position = start.saturating_sub(2);
        let declared_end = match size {
            Size::Declared(size) => Some(start + size),
            _ => None,
        };
        if let Some(end) = declared_end
            && end <= self.len()
        {
            let mut after = end;
            while self.byte(after) == Some(GS) {
                after += 1;
            }
            if self.may_start_leg(after) {
                return (end, false, true);
            }
        }
        if !matches!(size, Size::Absent)
            && let Some(found) = (start..self.len()).find(|&at| self.looks_like_leg(at))
        {
            let mut end = found;
            while end > start && self.byte(end - 1) == Some(GS) {
                end -= 1;
            }
            self.size_disagrees(
                Some(number),
                Field::VariablePartSize,
                size_position,
                end - start,
            );
            return (end, false, true);
        }
        match declared_end {
            // A leg should start there but does not: reading it says which field and why.
            Some(end) if end + IDENTIFYING_WIDTH <= self.len() => (end, false, true),
            _ if matches!(size, Size::Unreadable) && start + IDENTIFYING_WIDTH <= self.len() => {
                self.size_disagrees(Some(number), Field::VariablePartSize, size_position, 0);
                (start, false, true)
            }
            // The pass ends before the next leg: what is left belongs to this one.
            _ => (
                self.len(),
                declared_end.is_some_and(|end| end > self.len()),
                false,
            ),
        }
    }

    /// Reads a leg's variable part (`start..end`) up to the airline's own text, returning where that text
    /// starts. Never fails: what cannot be read is kept as the airline's text, with a warning.
    fn leg_variable(
        &mut self,
        number: u8,
        pass: &mut BoardingPass,
        leg: &mut Leg,
        start: usize,
        end: usize,
        truncated: bool,
    ) -> usize {
        if start >= end {
            return start;
        }
        let mut position = start;
        if number == 1 {
            match self.unique_part(pass, start, end, truncated) {
                Some(unique_end) => position = unique_end,
                None => return start,
            }
        }
        self.repeated_part(number, pass.version, leg, position, end, truncated)
    }

    /// The conditional unique part, which opens the first leg's variable part. `None` when the part does
    /// not start as one (no `>`, no version): then the whole variable part is the airline's text.
    fn unique_part(
        &mut self,
        pass: &mut BoardingPass,
        start: usize,
        end: usize,
        truncated: bool,
    ) -> Option<usize> {
        let unreadable = |field, position, why: String| Warning::ConditionalDataUnreadable {
            field,
            position,
            why,
        };
        if self.byte(start) != Some(b'>') {
            let seen = self.text(start, start + 1);
            self.warnings.push(unreadable(
                Field::ConditionalStart,
                start,
                format!("expected '>', found {seen:?}"),
            ));
            return None;
        }
        let version = match self.byte(start + 1).filter(|_| start + 1 < end) {
            Some(digit @ b'1'..=b'9') => digit - b'0',
            Some(other) => {
                self.warnings.push(unreadable(
                    Field::Version,
                    start + 1,
                    format!("expected a digit 1 to 9, found {:?}", char::from(other)),
                ));
                return None;
            }
            None => {
                self.warnings.push(unreadable(
                    Field::Version,
                    start + 1,
                    "the variable part ends before it".to_string(),
                ));
                return None;
            }
        };
        if version > NEWEST_KNOWN_VERSION {
            self.warnings.push(Warning::UnknownVersion { version });
        }
        pass.version = Some(version);
        let unique_start = (start + 4).min(end);
        let unique_end = self.unique_end(version, start + 2, unique_start, end, truncated);
        let mut position = unique_start;
        for (field, width) in UNIQUE_CONDITIONAL {
            if let Some(text) = self.optional(None, field, position, width, unique_end) {
                self.assign_pass(pass, field, position, text);
            }
            position += width;
        }
        if position < unique_end {
            pass.future_use = self.free_text(None, Field::UniqueFutureUse, position, unique_end);
        }
        Some(unique_end)
    }

    /// How well a repeated part whose size sits at `at` fills the first leg up to `end`.
    fn repeated_fit(&self, at: usize, end: usize) -> Fit {
        if at == end {
            return Fit::Exact;
        }
        match self.hex(at).filter(|_| at + 2 <= end) {
            Some(size) if at + 2 + size == end => Fit::Exact,
            Some(size) if at + 2 + size < end => Fit::Fits,
            Some(_) => Fit::Overflows,
            None => Fit::None,
        }
    }

    /// Where the unique part ends. Its declared size is trusted when the repeated part's size follows it;
    /// otherwise (a size of 00 over data, a size too large) the usual sizes are tried, then any size after
    /// which the repeated part fills the leg exactly, and the choice is reported.
    fn unique_end(
        &mut self,
        version: u8,
        size_position: usize,
        unique_start: usize,
        end: usize,
        truncated: bool,
    ) -> usize {
        let declared = match self.size(size_position, end) {
            Size::Declared(size) => Some(size),
            _ => None,
        };
        let room = end - unique_start;
        if let Some(size) = declared {
            if size > room && truncated {
                return end;
            }
            if size <= room && self.repeated_fit(unique_start + size, end) >= Fit::Fits {
                if size == 0 {
                    self.warnings.push(Warning::ConditionalPartEmpty {
                        version,
                        position: size_position,
                    });
                }
                return unique_start + size;
            }
        }
        let fit = |size: usize| self.repeated_fit(unique_start + size, end);
        let usual = || USUAL_UNIQUE_SIZES.into_iter().filter(|&size| size < room);
        let found = usual()
            .find(|&size| fit(size) == Fit::Exact)
            .or_else(|| usual().find(|&size| fit(size) == Fit::Fits))
            .or_else(|| (0..room).find(|&size| fit(size) == Fit::Exact))
            .or(declared.filter(|&size| size < room && fit(size) == Fit::Overflows))
            .unwrap_or(room);
        self.size_disagrees(Some(1), Field::UniquePartSize, size_position, found);
        unique_start + found
    }

    fn repeated_part(
        &mut self,
        number: u8,
        version: Option<u8>,
        leg: &mut Leg,
        start: usize,
        end: usize,
        truncated: bool,
    ) -> usize {
        if start >= end {
            return start;
        }
        let Size::Declared(size) = self.size(start, end) else {
            // No size to go by: what follows is the airline's own text.
            self.size_disagrees(Some(number), Field::RepeatedPartSize, start, 0);
            return start;
        };
        let layout = repeated_layout(version);
        let repeated_end = if size == 0 && self.starts_document_number(start + 2, end) {
            // A size of 00 over an airline code and document number: the part has its usual size.
            let usual: usize = layout.iter().map(|(_, width)| width).sum();
            let found = usual.min(end - start - 2);
            self.size_disagrees(Some(number), Field::RepeatedPartSize, start, found);
            start + 2 + found
        } else if start + 2 + size <= end {
            start + 2 + size
        } else {
            if !truncated {
                self.size_disagrees(
                    Some(number),
                    Field::RepeatedPartSize,
                    start,
                    end - start - 2,
                );
            }
            end
        };
        let mut position = start + 2;
        for &(field, width) in layout {
            if let Some(text) = self.optional(Some(number), field, position, width, repeated_end) {
                self.assign_leg(number, leg, field, position, text);
            }
            position += width;
        }
        if position < repeated_end {
            leg.future_use = self.free_text(
                Some(number),
                Field::RepeatedFutureUse,
                position,
                repeated_end,
            );
        }
        repeated_end
    }

    /// Whether the airline numeric code and document form serial number (13 digits) open the text at `at`.
    fn starts_document_number(&self, at: usize, end: usize) -> bool {
        at + 13 <= end && self.text(at, at + 13).bytes().all(|b| b.is_ascii_digit())
    }

    /// The security part, running to the end of the pass whatever length it declares.
    fn security(&mut self, start: usize) -> Security {
        let len = self.len();
        let kind = match self.byte(start + 1) {
            None => {
                self.warnings.push(Warning::PassEndsEarly {
                    leg: None,
                    field: Field::SecurityType,
                    position: start + 1,
                });
                ' '
            }
            Some(GS) => {
                self.warnings.push(Warning::GroupSeparatorInField {
                    leg: None,
                    field: Field::SecurityType,
                    position: start + 1,
                });
                ' '
            }
            Some(kind) => char::from(kind),
        };
        let data_start = (start + 4).min(len);
        let data = self
            .free_text(None, Field::SecurityData, data_start, len)
            .unwrap_or_default();
        let found = data.len();
        let declared = match self.size(start + 2, len) {
            Size::Declared(declared) => {
                if declared > found {
                    self.warnings.push(Warning::SecurityDataTruncated {
                        position: data_start,
                        declared,
                        found,
                    });
                } else if declared < found {
                    self.size_disagrees(None, Field::SecurityLength, start + 2, found);
                }
                declared
            }
            Size::Unreadable => {
                self.size_disagrees(None, Field::SecurityLength, start + 2, found);
                found
            }
            Size::Absent if start + 2 < len => {
                self.size_disagrees(None, Field::SecurityLength, start + 2, found);
                found
            }
            Size::Absent => {
                if start + 1 < len {
                    self.warnings.push(Warning::PassEndsEarly {
                        leg: None,
                        field: Field::SecurityLength,
                        position: start + 2,
                    });
                }
                found
            }
        };
        Security {
            kind,
            declared_length: declared,
            data,
        }
    }

    fn unreadable(
        &mut self,
        leg: Option<u8>,
        field: Field,
        position: usize,
        seen: &str,
        why: &str,
    ) -> (Field, String) {
        self.warnings.push(Warning::UnreadableField {
            leg,
            field,
            position,
            seen: seen.to_string(),
            why: why.to_string(),
        });
        (field, seen.to_string())
    }

    fn lower_case(&mut self, leg: Option<u8>, field: Field, position: usize, text: &str) {
        if text.bytes().any(|b| b.is_ascii_lowercase()) {
            self.warnings.push(Warning::LowerCase {
                leg,
                field,
                position,
                seen: text.to_string(),
            });
        }
    }

    /// Warns when a numeric field does not open with its `digits` digits (it is space-padded or short);
    /// `expected`, the zero-padded text, is only written out then.
    fn not_zero_padded(
        &mut self,
        leg: Option<u8>,
        field: Field,
        position: usize,
        text: &str,
        digits: usize,
        expected: impl FnOnce() -> String,
    ) {
        let padded = text
            .as_bytes()
            .get(..digits)
            .is_some_and(|lead| lead.iter().all(u8::is_ascii_digit));
        if !padded {
            self.warnings.push(Warning::NotZeroPadded {
                leg,
                field,
                position,
                seen: text.to_string(),
                expected: expected(),
            });
        }
    }

    /// One of the fields that say which booking and flight the leg is: refused, saying why, when written but
    /// unreadable.
    fn identify(
        &mut self,
        number: u8,
        leg: &mut Leg,
        field: Field,
        position: usize,
        text: &str,
    ) -> Result<(), BcbpError> {
        let refuse = |why: String| field_error(Some(number), field, position, why);
        let value = text.trim_matches(' ');
        // Blank is "not provided" in BCBP: the pass is read, and the gate says what it lacks.
        if value.is_empty() {
            return Ok(());
        }
        if field != Field::DateOfFlight {
            self.lower_case(Some(number), field, position, text);
        }
        match field {
            Field::Pnr => {
                leg.pnr = Some(Locator::parse(value).map_err(|_| {
                    refuse(format!(
                        "expected five to eight letters or digits, found {value:?}"
                    ))
                })?);
            }
            Field::From | Field::To => {
                let airport = Iata::parse(value).map_err(|_| {
                    refuse(format!(
                        "expected a three-letter airport code, found {value:?}"
                    ))
                })?;
                if field == Field::From {
                    leg.from = Some(airport);
                } else {
                    leg.to = Some(airport);
                }
            }
            Field::Carrier => {
                leg.carrier = Some(CarrierCode::parse(value).map_err(|_| {
                    refuse(format!(
                        "expected a two- or three-character airline designator, found {value:?}"
                    ))
                })?);
            }
            Field::FlightNumber => {
                let digits = match value.char_indices().last() {
                    Some((at, c)) if c.is_ascii_alphabetic() => value.get(..at).unwrap_or(""),
                    _ => value,
                };
                if digits.is_empty()
                    || digits.len() > 4
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(refuse(format!(
                        "expected four digits and an optional letter, found {value:?}"
                    )));
                }
                if digits.bytes().all(|b| b == b'0') {
                    return Err(refuse(format!(
                        "flight number {value:?} is zero, which no flight has"
                    )));
                }
                let Some(carrier) = leg.carrier.clone() else {
                    return Err(refuse(format!(
                        "flight {value:?} has no operating carrier: the carrier field is blank"
                    )));
                };
                let flight = FlightNumber::from_parts(carrier, value)
                    .map_err(|e| refuse(format!("{value:?}: {}", e.why)))?;
                self.not_zero_padded(Some(number), field, position, text, 4, || {
                    let suffix = flight.suffix().map(String::from).unwrap_or_default();
                    format!("{:04}{suffix}", flight.number())
                });
                leg.flight = Some(flight);
            }
            Field::DateOfFlight => {
                let day = value
                    .parse::<u16>()
                    .ok()
                    .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| {
                        refuse(format!(
                            "expected a day of the year (001 to 366), found {value:?}"
                        ))
                    })?;
                if !(1..=366).contains(&day) {
                    return Err(refuse(format!(
                        "day of the year {value:?} is outside 001 to 366"
                    )));
                }
                self.not_zero_padded(Some(number), field, position, text, 3, || {
                    format!("{day:03}")
                });
                leg.day_of_year = Some(day);
            }
            _ => {}
        }
        Ok(())
    }

    fn assign_pass(&mut self, pass: &mut BoardingPass, field: Field, position: usize, text: &str) {
        let value = text.trim_end_matches(' ');
        if value.is_empty() {
            if field == Field::DateOfIssue {
                self.warnings.push(Warning::DateOfIssueMissing { position });
            }
            return;
        }
        let first = value.chars().next();
        match field {
            Field::PassengerDescription => pass.passenger_description = first,
            Field::CheckInSource => pass.check_in_source = first,
            Field::IssuanceSource => pass.issuance_source = first,
            Field::DocumentType => pass.document_type = first,
            Field::DateOfIssue => match issue_date(value) {
                Some(date) => {
                    self.not_zero_padded(None, field, position, text, 4, || date.text());
                    pass.date_of_issue = Some(date);
                }
                None => {
                    let (field, seen) = self.unreadable(
                        None,
                        field,
                        position,
                        value,
                        "is not a year digit and a day of the year (like 6225)",
                    );
                    pass.unreadable.insert(field, seen);
                }
            },
            Field::Issuer => match CarrierCode::parse(value) {
                Ok(code) => pass.issuer = Some(code),
                Err(_) => {
                    let (field, seen) = self.unreadable(
                        None,
                        field,
                        position,
                        value,
                        "is not an airline designator",
                    );
                    pass.unreadable.insert(field, seen);
                }
            },
            Field::BaggageTag => pass.baggage_tag = Some(value.to_string()),
            Field::FirstNonConsecutiveBaggageTag => {
                pass.first_non_consecutive_baggage_tag = Some(value.to_string())
            }
            Field::SecondNonConsecutiveBaggageTag => {
                pass.second_non_consecutive_baggage_tag = Some(value.to_string())
            }
            _ => {}
        }
    }

    /// A leg field past the identifying ones: what cannot be held by its type is kept as written, with a
    /// warning.
    fn assign_leg(&mut self, number: u8, leg: &mut Leg, field: Field, position: usize, text: &str) {
        let value = text.trim_end_matches(' ');
        if value.is_empty() {
            return;
        }
        let first = value.chars().next();
        let mut unreadable = None;
        match field {
            Field::Compartment => leg.compartment = first,
            Field::Seat if value.trim_start_matches(' ') == "INF" => leg.infant = true,
            Field::Seat => match Seat::parse(value) {
                Ok(seat) => {
                    self.lower_case(Some(number), field, position, text);
                    self.not_zero_padded(Some(number), field, position, text, 3, || {
                        format!("{:03}{}", seat.row(), seat.column())
                    });
                    leg.seat = Some(seat);
                }
                Err(_) => unreadable = Some("is not a row number and a seat letter, nor INF"),
            },
            Field::CheckInSequence => {
                let sequence = value.trim_start_matches(' ');
                let digits = sequence.trim_end_matches(|c: char| c.is_ascii_alphabetic());
                if let Ok(number_part) = digits.parse::<u16>() {
                    let letter = &sequence[digits.len()..];
                    self.not_zero_padded(Some(number), field, position, text, 4, || {
                        format!("{number_part:04}{letter}")
                    });
                }
                leg.check_in_sequence = Some(sequence.to_string());
            }
            Field::PassengerStatus => leg.passenger_status = first,
            Field::AirlineNumericCode => leg.airline_numeric_code = Some(value.to_string()),
            Field::DocumentSerial => leg.document_serial = Some(value.to_string()),
            Field::Selectee => leg.selectee = first,
            Field::DocumentVerification => leg.document_verification = first,
            Field::MarketingCarrier | Field::FrequentFlyerAirline => {
                match CarrierCode::parse(value) {
                    Ok(code) if field == Field::MarketingCarrier => {
                        leg.marketing_carrier = Some(code)
                    }
                    Ok(code) => leg.frequent_flyer_airline = Some(code),
                    Err(_) => unreadable = Some("is not an airline designator"),
                }
            }
            Field::FrequentFlyerNumber => leg.frequent_flyer_number = Some(value.to_string()),
            Field::IdAd => leg.id_ad = first,
            Field::FreeBaggage => leg.free_baggage = Some(value.to_string()),
            Field::FastTrack => match value {
                "Y" => leg.fast_track = Some(true),
                "N" => leg.fast_track = Some(false),
                _ => unreadable = Some("is neither 'Y' nor 'N'"),
            },
            _ => {}
        }
        if let Some(why) = unreadable {
            let (field, seen) = self.unreadable(Some(number), field, position, value, why);
            leg.unreadable.insert(field, seen);
        }
    }
}

/// The date of issue: a year digit and the day of the year, which some issuers pad with spaces (`6 45`).
fn issue_date(value: &str) -> Option<IssueDate> {
    let year_digit = value.get(..1)?.parse().ok()?;
    let day = value.get(1..)?.trim_matches(' ');
    if day.is_empty() || !day.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let day_of_year = day.parse().ok()?;
    (1..=366).contains(&day_of_year).then_some(IssueDate {
        year_digit,
        day_of_year,
    })
}

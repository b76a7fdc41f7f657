use super::field::{LEG_MANDATORY, UNIQUE_CONDITIONAL, repeated_layout};
use super::{BcbpError, BoardingPass, Field, IssueDate, Leg, Security, Warning};
use crate::domain::{CarrierCode, FlightNumber, Iata, Locator, Seat};

/// ASCII group separator: some printers put one between legs; it is no part of any field.
const GS: u8 = 0x1D;
const NAME_START: usize = 2;
const NAME_WIDTH: usize = 20;
const INDICATOR_POSITION: usize = NAME_START + NAME_WIDTH;
const LEG_MANDATORY_WIDTH: usize = 37;
const NEWEST_KNOWN_VERSION: u8 = 8;

/// Decodes a scanned boarding pass. Total: every input gives a pass (with warnings for the deviations it
/// tolerated) or an error naming the position, the field and the reason.
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

/// Where the last leg's variable part sits, so that airline text that ends early can be cut back.
struct LastLeg {
    start: usize,
    declared: usize,
    airline_start: usize,
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
        let name = self.mandatory(None, Field::PassengerName, NAME_START, NAME_WIDTH)?;
        let mut pass = BoardingPass::new(name.trim_end_matches(' '), Vec::new());
        let (indicator, mut position) = self.electronic_ticket_indicator()?;
        pass.electronic_ticket_indicator = indicator;

        let mut last = None;
        for number in 1..=legs {
            let (mut leg, declared) = self.leg_mandatory(number, position)?;
            let start = position + LEG_MANDATORY_WIDTH;
            let declared_end = start + declared;
            let truncated = declared_end > self.len();
            if truncated && number < legs {
                return Err(field_error(
                    Some(number),
                    Field::VariablePart,
                    start,
                    format!(
                        "its size ({declared} characters, at position {}) runs past the end of the pass: \
                         only {} characters remain and leg {} must follow",
                        start - 2,
                        self.len() - start,
                        number + 1
                    ),
                ));
            }
            let end = declared_end.min(self.len());
            let airline_start =
                self.leg_variable(number, &mut pass, &mut leg, start, end, truncated)?;
            let mut leg_end = end;
            if truncated {
                leg_end = self
                    .complete_security_within(airline_start, self.len())
                    .unwrap_or(self.len());
                self.warnings.push(Warning::AirlineUseEndsEarly {
                    leg: number,
                    position: start,
                    declared,
                    found: leg_end - start,
                });
            }
            leg.airline_use =
                self.free_text(Some(number), Field::AirlineUse, airline_start, leg_end)?;
            pass.legs.push(leg);
            position = self.skip_separators(leg_end, number);
            last = (!truncated).then_some(LastLeg {
                start,
                declared,
                airline_start,
            });
        }

        if position < self.len() && self.byte(position) != Some(b'^') {
            position = self.cut_back_airline_use(&mut pass, last, legs, position)?;
        }
        if position < self.len() {
            let (security, end) = self.security(position)?;
            pass.security = Some(security);
            position = self.skip_separators(end, legs);
            if position < self.len() {
                return Err(BcbpError::TrailingCharacters {
                    position,
                    count: self.len() - position,
                    text: self.text(position, self.len()).chars().take(40).collect(),
                });
            }
        }
        pass.warnings = self.warnings;
        Ok(pass)
    }

    /// The last leg's airline text may end before its declared size, with the security data following it:
    /// find that security part and give the leg back only what precedes it.
    fn cut_back_airline_use(
        &mut self,
        pass: &mut BoardingPass,
        last: Option<LastLeg>,
        legs: u8,
        position: usize,
    ) -> Result<usize, BcbpError> {
        let found = last.and_then(|last| {
            self.complete_security_within(last.airline_start, position)
                .map(|security| (last, security))
        });
        let Some((last, security)) = found else {
            let seen = self.text(position, position + 1);
            return Err(field_error(
                None,
                Field::SecurityStart,
                position,
                format!(
                    "expected '^' (start of the security data) or the end of the pass, found {seen:?}"
                ),
            ));
        };
        let airline_use = self.text(last.airline_start, security).to_string();
        if let Some(leg) = pass.legs.last_mut() {
            leg.airline_use = Some(airline_use).filter(|text| !text.is_empty());
        }
        self.warnings.push(Warning::AirlineUseEndsEarly {
            leg: legs,
            position: last.start,
            declared: last.declared,
            found: security - last.start,
        });
        Ok(security)
    }

    /// The first `^` in `from..to` that starts a security part ending exactly at the end of the pass.
    fn complete_security_within(&self, from: usize, to: usize) -> Option<usize> {
        (from..to).find(|&at| {
            self.byte(at) == Some(b'^')
                && self
                    .hex(at + 2)
                    .is_some_and(|length| at + 4 + length == self.len())
        })
    }

    fn hex(&self, position: usize) -> Option<usize> {
        let text = self.raw.get(position..position + 2)?;
        if text.bytes().all(|b| b.is_ascii_hexdigit()) {
            usize::from_str_radix(text, 16).ok()
        } else {
            None
        }
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

    /// Free text closing a part, exactly as written; `None` when there is none.
    fn free_text(
        &self,
        leg: Option<u8>,
        field: Field,
        start: usize,
        end: usize,
    ) -> Result<Option<String>, BcbpError> {
        let text = self.text(start, end);
        no_separator(leg, field, start, text)?;
        Ok(Some(text.to_string()).filter(|text| !text.is_empty()))
    }

    /// A fixed field of the mandatory parts: it must be there in full.
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

    /// A field of a conditional part ending at `end`: absent past the end, cut short across it.
    fn conditional(
        &mut self,
        leg: Option<u8>,
        field: Field,
        position: usize,
        width: usize,
        end: usize,
    ) -> Result<Option<&'a str>, BcbpError> {
        if position >= end {
            return Ok(None);
        }
        let stop = (position + width).min(end);
        let text = self.text(position, stop);
        no_separator(leg, field, position, text)?;
        if stop - position < width {
            self.warnings.push(Warning::FieldCutShort {
                leg,
                field,
                position,
                seen: text.to_string(),
                width,
            });
        }
        Ok(Some(text))
    }

    /// A two-digit hexadecimal size inside `..end`; `container` names what ends there.
    fn hex_size(
        &self,
        leg: Option<u8>,
        field: Field,
        position: usize,
        end: usize,
        container: &str,
    ) -> Result<usize, BcbpError> {
        if position + 2 > end {
            return Err(field_error(
                leg,
                field,
                position,
                format!("{container} ends before its two hexadecimal digits"),
            ));
        }
        let text = self.text(position, position + 2);
        self.hex(position).ok_or_else(|| {
            field_error(
                leg,
                field,
                position,
                format!("expected two hexadecimal digits (0-9, A-F), found {text:?}"),
            )
        })
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

    /// Whether a leg's mandatory part starting at `position` has letters where the airports go and digits
    /// where the day of the year goes.
    fn looks_like_leg(&self, position: usize) -> bool {
        let letters = |at: usize| {
            let text = self.text(at, at + 3);
            text.len() == 3 && text.bytes().all(|b| b.is_ascii_alphabetic())
        };
        let day = self.text(position + 21, position + 24);
        letters(position + 7)
            && letters(position + 10)
            && day.len() == 3
            && day.bytes().all(|b| b.is_ascii_digit())
    }

    fn leg_mandatory(&mut self, number: u8, start: usize) -> Result<(Leg, usize), BcbpError> {
        let mut leg = Leg::default();
        let mut position = start;
        for (field, width) in LEG_MANDATORY {
            let text = self.mandatory(Some(number), field, position, width)?;
            self.assign_leg(number, &mut leg, field, position, text)?;
            position += width;
        }
        let size = self.hex_size(
            Some(number),
            Field::VariablePartSize,
            position,
            self.len(),
            "the pass",
        )?;
        Ok((leg, size))
    }

    /// Reads a leg's variable part (`start..end`) up to its airline text, returning where that text starts.
    fn leg_variable(
        &mut self,
        number: u8,
        pass: &mut BoardingPass,
        leg: &mut Leg,
        start: usize,
        end: usize,
        truncated: bool,
    ) -> Result<usize, BcbpError> {
        if start >= end {
            return Ok(start);
        }
        let repeated_start = if number == 1 {
            self.unique_part(pass, start, end, truncated)?
        } else {
            start
        };
        self.repeated_part(number, pass.version, leg, repeated_start, end, truncated)
    }

    fn unique_part(
        &mut self,
        pass: &mut BoardingPass,
        start: usize,
        end: usize,
        truncated: bool,
    ) -> Result<usize, BcbpError> {
        let leg = Some(1);
        let marker = self.text(start, start + 1);
        if marker != ">" {
            return Err(field_error(
                leg,
                Field::ConditionalStart,
                start,
                format!("expected '>' (start of the conditional data), found {marker:?}"),
            ));
        }
        let version = match self.byte(start + 1).filter(|_| start + 1 < end) {
            Some(digit @ b'1'..=b'9') => digit - b'0',
            Some(other) => {
                return Err(field_error(
                    leg,
                    Field::Version,
                    start + 1,
                    format!(
                        "expected a version number 1 to {NEWEST_KNOWN_VERSION}, found {:?}",
                        char::from(other)
                    ),
                ));
            }
            None => {
                return Err(field_error(
                    leg,
                    Field::Version,
                    start + 1,
                    "leg 1's variable part ends before the version number".to_string(),
                ));
            }
        };
        if version > NEWEST_KNOWN_VERSION {
            self.warnings.push(Warning::UnknownVersion { version });
        }
        pass.version = Some(version);
        let size = self.hex_size(
            leg,
            Field::UniquePartSize,
            start + 2,
            end,
            "leg 1's variable part",
        )?;
        let unique_start = start + 4;
        let unique_end =
            self.part_end(leg, Field::UniquePartSize, start + 2, size, end, truncated)?;
        if size == 0 {
            self.warnings.push(Warning::ConditionalPartEmpty {
                version,
                position: start + 2,
            });
        }
        let mut position = unique_start;
        for (field, width) in UNIQUE_CONDITIONAL {
            if let Some(text) = self.conditional(None, field, position, width, unique_end)? {
                self.assign_pass(pass, field, position, text);
            }
            position += width;
        }
        if position < unique_end {
            pass.future_use = self.free_text(None, Field::UniqueFutureUse, position, unique_end)?;
        }
        Ok(unique_end)
    }

    /// Where a sub-part of `size` characters whose size field is at `size_position` ends, within `..end`.
    fn part_end(
        &self,
        leg: Option<u8>,
        field: Field,
        size_position: usize,
        size: usize,
        end: usize,
        truncated: bool,
    ) -> Result<usize, BcbpError> {
        let start = size_position + 2;
        if start + size <= end {
            Ok(start + size)
        } else if truncated {
            Ok(end)
        } else {
            let leg_name = leg.map(|n| format!("leg {n}'s")).unwrap_or_default();
            Err(field_error(
                leg,
                field,
                size_position,
                format!(
                    "declares {size} characters but only {} remain in {leg_name} variable part",
                    end - start
                ),
            ))
        }
    }

    fn repeated_part(
        &mut self,
        number: u8,
        version: Option<u8>,
        leg: &mut Leg,
        start: usize,
        end: usize,
        truncated: bool,
    ) -> Result<usize, BcbpError> {
        if start >= end {
            return Ok(start);
        }
        let container = format!("leg {number}'s variable part");
        let size = self.hex_size(
            Some(number),
            Field::RepeatedPartSize,
            start,
            end,
            &container,
        )?;
        let repeated_end = self.part_end(
            Some(number),
            Field::RepeatedPartSize,
            start,
            size,
            end,
            truncated,
        )?;
        let mut position = start + 2;
        for &(field, width) in repeated_layout(version) {
            if let Some(text) =
                self.conditional(Some(number), field, position, width, repeated_end)?
            {
                self.assign_leg(number, leg, field, position, text)?;
            }
            position += width;
        }
        if position < repeated_end {
            leg.future_use = self.free_text(
                Some(number),
                Field::RepeatedFutureUse,
                position,
                repeated_end,
            )?;
        }
        Ok(repeated_end)
    }

    fn security(&mut self, start: usize) -> Result<(Security, usize), BcbpError> {
        let kind = self.mandatory(None, Field::SecurityType, start + 1, 1)?;
        let kind = kind.chars().next().unwrap_or(' ');
        let declared = self.hex_size(
            None,
            Field::SecurityLength,
            start + 2,
            self.len(),
            "the pass",
        )?;
        let data_start = start + 4;
        let available = self.len() - data_start;
        if declared > available {
            if available == 0 {
                return Err(field_error(
                    None,
                    Field::SecurityData,
                    data_start,
                    format!("declares {declared} characters but the pass ends here"),
                ));
            }
            self.warnings.push(Warning::SecurityDataTruncated {
                position: data_start,
                declared,
                found: available,
            });
        }
        let data_end = data_start + declared.min(available);
        let data = self.text(data_start, data_end);
        no_separator(None, Field::SecurityData, data_start, data)?;
        Ok((
            Security {
                kind,
                declared_length: declared,
                data: data.to_string(),
            },
            data_end,
        ))
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
                Some(date) => pass.date_of_issue = Some(date),
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

    fn assign_leg(
        &mut self,
        number: u8,
        leg: &mut Leg,
        field: Field,
        position: usize,
        text: &str,
    ) -> Result<(), BcbpError> {
        let value = text.trim_end_matches(' ');
        if value.is_empty() {
            return Ok(());
        }
        let first = value.chars().next();
        let refuse = |why: String| field_error(Some(number), field, position, why);
        let mut unreadable = None;
        match field {
            Field::Pnr => match Locator::parse(value) {
                Ok(pnr) => leg.pnr = Some(pnr),
                Err(_) => unreadable = Some("is not five to seven letters or digits"),
            },
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
                let number_part = value.trim_start_matches(' ');
                let digits = match number_part.char_indices().last() {
                    Some((at, c)) if c.is_ascii_alphabetic() => number_part.get(..at).unwrap_or(""),
                    _ => number_part,
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
                match &leg.carrier {
                    Some(carrier) => {
                        let flight = FlightNumber::from_parts(carrier.clone(), number_part)
                            .map_err(|e| refuse(format!("{value:?}: {}", e.why)))?;
                        let expected = format!(
                            "{:04}{}",
                            flight.number(),
                            flight.suffix().map(String::from).unwrap_or_default()
                        );
                        if expected != value {
                            self.warnings.push(Warning::NotZeroPadded {
                                leg: number,
                                field,
                                position,
                                seen: text.to_string(),
                                expected,
                            });
                        }
                        leg.flight = Some(flight);
                    }
                    None => unreadable = Some("has no operating carrier to belong to"),
                }
            }
            Field::DateOfFlight => {
                let day = value
                    .parse::<u16>()
                    .ok()
                    .filter(|_| value.len() == 3 && value.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| {
                        refuse(format!(
                            "expected a day of the year (three digits, 001 to 366), found {value:?}"
                        ))
                    })?;
                if !(1..=366).contains(&day) {
                    return Err(refuse(format!(
                        "day of the year {value:?} is outside 001 to 366"
                    )));
                }
                leg.day_of_year = Some(day);
            }
            Field::Compartment => leg.compartment = first,
            Field::Seat if value == "INF" => leg.infant = true,
            Field::Seat => match Seat::parse(value) {
                Ok(seat) => {
                    let expected = format!("{:03}{}", seat.row(), seat.column());
                    if expected != value {
                        self.warnings.push(Warning::NotZeroPadded {
                            leg: number,
                            field,
                            position,
                            seen: text.to_string(),
                            expected,
                        });
                    }
                    leg.seat = Some(seat);
                }
                Err(_) => unreadable = Some("is not a row number and a seat letter, nor INF"),
            },
            Field::CheckInSequence => leg.check_in_sequence = Some(value.to_string()),
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
        Ok(())
    }
}

fn issue_date(value: &str) -> Option<IssueDate> {
    if value.len() != 4 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year_digit = value.get(..1)?.parse().ok()?;
    let day_of_year = value.get(1..)?.parse().ok()?;
    (1..=366).contains(&day_of_year).then_some(IssueDate {
        year_digit,
        day_of_year,
    })
}

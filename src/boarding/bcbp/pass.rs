use std::collections::BTreeMap;

use serde::Serialize;

use super::{Field, Warning};
use crate::domain::{BookingName, CarrierCode, FlightNumber, Iata, Locator, Seat};

/// One decoded boarding pass. Blank fields are `None`: in BCBP a blank field and an absent one both mean
/// "not provided". Text fields hold what the pass says without its padding; `unreadable` keeps, exactly as
/// written, any field whose text the typed field cannot hold, so nothing the barcode carried is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoardingPass {
    /// Always `M` (the only format in use).
    pub format_code: char,
    /// The 20-character name field without its padding, as written (`DESMARAIS/LUC`, `Mroz/Martin`).
    pub passenger_name: String,
    /// The name parsed as a booking name, when it parses.
    pub booking_name: Option<BookingName>,
    /// `E` on an electronic ticket; `None` when blank or missing (see the warnings).
    pub electronic_ticket_indicator: Option<char>,
    /// Version of the conditional data; `None` when the pass has no conditional data.
    pub version: Option<u8>,
    pub passenger_description: Option<char>,
    pub check_in_source: Option<char>,
    pub issuance_source: Option<char>,
    pub date_of_issue: Option<IssueDate>,
    /// `B` boarding pass, `I` itinerary receipt.
    pub document_type: Option<char>,
    pub issuer: Option<CarrierCode>,
    pub baggage_tag: Option<String>,
    pub first_non_consecutive_baggage_tag: Option<String>,
    pub second_non_consecutive_baggage_tag: Option<String>,
    /// Unique conditional data beyond the fields this decoder knows (for future industry use).
    pub future_use: Option<String>,
    pub legs: Vec<Leg>,
    pub security: Option<Security>,
    /// Pass-level fields whose text could not be held by their typed field, exactly as written.
    pub unreadable: BTreeMap<Field, String>,
    /// Every deviation from Resolution 792 that decoding tolerated.
    pub warnings: Vec<Warning>,
}

/// The date of issue as the pass writes it: the last digit of the year and the day of the year (`6225`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IssueDate {
    pub year_digit: u8,
    pub day_of_year: u16,
}

impl IssueDate {
    /// The four characters as written on the pass.
    pub fn text(self) -> String {
        format!("{}{:03}", self.year_digit, self.day_of_year)
    }
}

/// The security part: its type, the length it declares and the data actually present (shorter than the
/// declared length only on a truncated pass).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Security {
    pub kind: char,
    pub declared_length: usize,
    pub data: String,
}

impl Security {
    pub fn new(kind: char, data: &str) -> Self {
        Self {
            kind,
            declared_length: data.len(),
            data: data.to_string(),
        }
    }
}

/// One flight of the pass (up to four per pass).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Leg {
    /// The operating carrier's booking reference.
    pub pnr: Option<Locator>,
    pub from: Option<Iata>,
    pub to: Option<Iata>,
    pub carrier: Option<CarrierCode>,
    /// The operating flight; its carrier is `carrier`.
    pub flight: Option<FlightNumber>,
    /// The date of flight as the pass writes it: a day of the year without a year (see `flight_date`).
    pub day_of_year: Option<u16>,
    pub compartment: Option<char>,
    /// `None` when blank (not yet checked in) or for an infant (`INF`).
    pub seat: Option<Seat>,
    /// The seat field reads `INF`: an infant on a lap.
    pub infant: bool,
    pub check_in_sequence: Option<String>,
    pub passenger_status: Option<char>,
    pub airline_numeric_code: Option<String>,
    pub document_serial: Option<String>,
    pub selectee: Option<char>,
    pub document_verification: Option<char>,
    pub marketing_carrier: Option<CarrierCode>,
    pub frequent_flyer_airline: Option<CarrierCode>,
    pub frequent_flyer_number: Option<String>,
    pub id_ad: Option<char>,
    pub free_baggage: Option<String>,
    /// `Y`/`N` from version 5.
    pub fast_track: Option<bool>,
    /// Repeated conditional data beyond the fields the version defines (for future industry use).
    pub future_use: Option<String>,
    /// The airline's own free text closing the leg, exactly as written (trailing spaces count).
    pub airline_use: Option<String>,
    /// Fields whose text could not be held by their typed field, exactly as written.
    pub unreadable: BTreeMap<Field, String>,
}

fn char_text(c: Option<char>) -> Option<String> {
    c.map(String::from)
}

impl Leg {
    /// The field's text as the barcode spells it, without padding (`0834`, `001A`, `INF`); `None` when blank.
    /// This is what `encode` writes and what `describe` shows.
    pub fn field_text(&self, field: Field) -> Option<String> {
        let typed = match field {
            Field::Pnr => self.pnr.as_ref().map(|p| p.to_string()),
            Field::From => self.from.as_ref().map(|c| c.to_string()),
            Field::To => self.to.as_ref().map(|c| c.to_string()),
            Field::Carrier => self.carrier.as_ref().map(|c| c.to_string()),
            Field::FlightNumber => self.flight.as_ref().map(|f| {
                let suffix = f.suffix().map(String::from).unwrap_or_default();
                format!("{:04}{suffix}", f.number())
            }),
            Field::DateOfFlight => self.day_of_year.map(|d| format!("{d:03}")),
            Field::Compartment => char_text(self.compartment),
            Field::Seat => match (&self.seat, self.infant) {
                (Some(seat), _) => Some(format!("{:03}{}", seat.row(), seat.column())),
                (None, true) => Some("INF".to_string()),
                (None, false) => None,
            },
            Field::CheckInSequence => self.check_in_sequence.clone(),
            Field::PassengerStatus => char_text(self.passenger_status),
            Field::AirlineNumericCode => self.airline_numeric_code.clone(),
            Field::DocumentSerial => self.document_serial.clone(),
            Field::Selectee => char_text(self.selectee),
            Field::DocumentVerification => char_text(self.document_verification),
            Field::MarketingCarrier => self.marketing_carrier.as_ref().map(|c| c.to_string()),
            Field::FrequentFlyerAirline => {
                self.frequent_flyer_airline.as_ref().map(|c| c.to_string())
            }
            Field::FrequentFlyerNumber => self.frequent_flyer_number.clone(),
            Field::IdAd => char_text(self.id_ad),
            Field::FreeBaggage => self.free_baggage.clone(),
            Field::FastTrack => self
                .fast_track
                .map(|y| if y { "Y" } else { "N" }.to_string()),
            Field::RepeatedFutureUse => self.future_use.clone(),
            Field::AirlineUse => self.airline_use.clone(),
            _ => None,
        };
        typed.or_else(|| self.unreadable.get(&field).cloned())
    }

    /// Whether the leg carries anything in the repeated conditional part.
    pub(crate) fn has_conditional_data(&self) -> bool {
        super::field::repeated_layout(None)
            .iter()
            .any(|(field, _)| self.field_text(*field).is_some())
            || self.future_use.is_some()
    }

    /// Whether the leg carries anything in the repeated conditional part or after it.
    pub(crate) fn has_variable_data(&self) -> bool {
        self.has_conditional_data() || self.airline_use.is_some()
    }
}

impl BoardingPass {
    /// A pass with the mandatory unique part filled in (format `M`, electronic ticket) and nothing else:
    /// set the version before adding conditional data.
    pub fn new(passenger_name: &str, legs: Vec<Leg>) -> Self {
        Self {
            format_code: 'M',
            passenger_name: passenger_name.to_string(),
            booking_name: BookingName::parse(passenger_name).ok(),
            electronic_ticket_indicator: Some('E'),
            version: None,
            passenger_description: None,
            check_in_source: None,
            issuance_source: None,
            date_of_issue: None,
            document_type: None,
            issuer: None,
            baggage_tag: None,
            first_non_consecutive_baggage_tag: None,
            second_non_consecutive_baggage_tag: None,
            future_use: None,
            legs,
            security: None,
            unreadable: BTreeMap::new(),
            warnings: Vec::new(),
        }
    }

    /// The pass-level field's text as the barcode spells it, without padding; `None` when blank.
    pub fn field_text(&self, field: Field) -> Option<String> {
        let typed = match field {
            Field::FormatCode => Some(self.format_code.to_string()),
            Field::NumberOfLegs => Some(self.legs.len().to_string()),
            Field::PassengerName => {
                Some(self.passenger_name.clone()).filter(|name| !name.is_empty())
            }
            Field::ElectronicTicketIndicator => char_text(self.electronic_ticket_indicator),
            Field::Version => self.version.map(|v| v.to_string()),
            Field::PassengerDescription => char_text(self.passenger_description),
            Field::CheckInSource => char_text(self.check_in_source),
            Field::IssuanceSource => char_text(self.issuance_source),
            Field::DateOfIssue => self.date_of_issue.map(IssueDate::text),
            Field::DocumentType => char_text(self.document_type),
            Field::Issuer => self.issuer.as_ref().map(|c| c.to_string()),
            Field::BaggageTag => self.baggage_tag.clone(),
            Field::FirstNonConsecutiveBaggageTag => self.first_non_consecutive_baggage_tag.clone(),
            Field::SecondNonConsecutiveBaggageTag => {
                self.second_non_consecutive_baggage_tag.clone()
            }
            Field::UniqueFutureUse => self.future_use.clone(),
            Field::SecurityType => self.security.as_ref().map(|s| s.kind.to_string()),
            Field::SecurityData => self.security.as_ref().map(|s| s.data.clone()),
            _ => None,
        };
        typed.or_else(|| self.unreadable.get(&field).cloned())
    }
}

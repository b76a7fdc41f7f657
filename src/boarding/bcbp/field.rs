use std::fmt;

use serde::Serialize;

/// Every item of a boarding pass, named so that errors, warnings and the JSON view can say which one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    FormatCode,
    NumberOfLegs,
    PassengerName,
    ElectronicTicketIndicator,
    Pnr,
    From,
    To,
    Carrier,
    FlightNumber,
    DateOfFlight,
    Compartment,
    Seat,
    CheckInSequence,
    PassengerStatus,
    VariablePartSize,
    VariablePart,
    ConditionalStart,
    Version,
    UniquePartSize,
    PassengerDescription,
    CheckInSource,
    IssuanceSource,
    DateOfIssue,
    DocumentType,
    Issuer,
    BaggageTag,
    FirstNonConsecutiveBaggageTag,
    SecondNonConsecutiveBaggageTag,
    UniqueFutureUse,
    RepeatedPartSize,
    AirlineNumericCode,
    DocumentSerial,
    Selectee,
    DocumentVerification,
    MarketingCarrier,
    FrequentFlyerAirline,
    FrequentFlyerNumber,
    IdAd,
    FreeBaggage,
    FastTrack,
    RepeatedFutureUse,
    AirlineUse,
    SecurityStart,
    SecurityType,
    SecurityLength,
    SecurityData,
}

impl Field {
    /// The field's name as an ops person reads it in an error or warning.
    pub fn label(self) -> &'static str {
        match self {
            Field::FormatCode => "format code",
            Field::NumberOfLegs => "number of legs",
            Field::PassengerName => "passenger name",
            Field::ElectronicTicketIndicator => "electronic ticket indicator",
            Field::Pnr => "booking reference (PNR)",
            Field::From => "from airport",
            Field::To => "to airport",
            Field::Carrier => "operating carrier",
            Field::FlightNumber => "flight number",
            Field::DateOfFlight => "date of flight",
            Field::Compartment => "compartment code",
            Field::Seat => "seat",
            Field::CheckInSequence => "check-in sequence number",
            Field::PassengerStatus => "passenger status",
            Field::VariablePartSize => "size of the variable part",
            Field::VariablePart => "variable part (conditional and airline data)",
            Field::ConditionalStart => "start of the conditional data",
            Field::Version => "version number",
            Field::UniquePartSize => "size of the unique conditional part",
            Field::PassengerDescription => "passenger description",
            Field::CheckInSource => "source of check-in",
            Field::IssuanceSource => "source of boarding pass issuance",
            Field::DateOfIssue => "date of issue",
            Field::DocumentType => "document type",
            Field::Issuer => "boarding pass issuer",
            Field::BaggageTag => "baggage tag number",
            Field::FirstNonConsecutiveBaggageTag => "first non-consecutive baggage tag number",
            Field::SecondNonConsecutiveBaggageTag => "second non-consecutive baggage tag number",
            Field::UniqueFutureUse => "unique conditional data for future use",
            Field::RepeatedPartSize => "size of the repeated conditional part",
            Field::AirlineNumericCode => "airline numeric code",
            Field::DocumentSerial => "document form serial number",
            Field::Selectee => "selectee indicator",
            Field::DocumentVerification => "international document verification",
            Field::MarketingCarrier => "marketing carrier",
            Field::FrequentFlyerAirline => "frequent flyer airline",
            Field::FrequentFlyerNumber => "frequent flyer number",
            Field::IdAd => "ID/AD indicator",
            Field::FreeBaggage => "free baggage allowance",
            Field::FastTrack => "fast track",
            Field::RepeatedFutureUse => "repeated conditional data for future use",
            Field::AirlineUse => "airline individual use",
            Field::SecurityStart => "start of the security data",
            Field::SecurityType => "type of security data",
            Field::SecurityLength => "length of security data",
            Field::SecurityData => "security data",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The mandatory repeated part of a leg, in order, with widths; 37 characters including the size.
pub(crate) const LEG_MANDATORY: [(Field, usize); 10] = [
    (Field::Pnr, 7),
    (Field::From, 3),
    (Field::To, 3),
    (Field::Carrier, 3),
    (Field::FlightNumber, 5),
    (Field::DateOfFlight, 3),
    (Field::Compartment, 1),
    (Field::Seat, 4),
    (Field::CheckInSequence, 5),
    (Field::PassengerStatus, 1),
];

/// The conditional unique part (first leg only), in order, with widths.
pub(crate) const UNIQUE_CONDITIONAL: [(Field, usize); 9] = [
    (Field::PassengerDescription, 1),
    (Field::CheckInSource, 1),
    (Field::IssuanceSource, 1),
    (Field::DateOfIssue, 4),
    (Field::DocumentType, 1),
    (Field::Issuer, 3),
    (Field::BaggageTag, 13),
    (Field::FirstNonConsecutiveBaggageTag, 13),
    (Field::SecondNonConsecutiveBaggageTag, 13),
];

/// The conditional repeated part, in order, with widths; fast track exists from version 5.
const REPEATED_CONDITIONAL: [(Field, usize); 10] = [
    (Field::AirlineNumericCode, 3),
    (Field::DocumentSerial, 10),
    (Field::Selectee, 1),
    (Field::DocumentVerification, 1),
    (Field::MarketingCarrier, 3),
    (Field::FrequentFlyerAirline, 3),
    (Field::FrequentFlyerNumber, 16),
    (Field::IdAd, 1),
    (Field::FreeBaggage, 3),
    (Field::FastTrack, 1),
];

/// The repeated part as the pass's version defines it. Without a version (no conditional data on the first
/// leg) the current layout is assumed.
pub(crate) fn repeated_layout(version: Option<u8>) -> &'static [(Field, usize)] {
    match version {
        Some(v) if v < 5 => &REPEATED_CONDITIONAL[..9],
        _ => &REPEATED_CONDITIONAL,
    }
}

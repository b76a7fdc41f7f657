//! Validated value types shared by every domain concern: airport and carrier codes, flight numbers,
//! booking locators, seats, names and the small enums (channels, states) that the whole mission talks in.
//! Everything here is parsed once at the boundary and is plain data afterwards: no I/O, no dependencies
//! on any other module of the crate.

mod codes;
mod contact;
mod enums;
pub mod lines;
mod name;
pub mod records;
mod staff;
mod warnings;

pub use codes::{
    CarrierCode, CodeError, FlightKey, FlightNumber, Iata, Locator, Seat, parse_ddmon_date,
};
pub use contact::{Phone, Region, read_email, read_phone};
pub use enums::{
    BoardingState, CaseStatus, Channel, Cohort, FlightStatus, LinkDecision, MessageMode,
    MessageState, Network, Role, TaskOutcome, TaskState, TravellerClass, UiLanguage,
    UnknownVariant,
};
pub use name::{BookingName, NameError, Title};
pub use staff::{Grant, GrantError, Login, Scopes};
pub use warnings::{ImportWarning, ImportWarnings, MAX_WARNINGS};

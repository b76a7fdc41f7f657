//! boarding: how aboard learns a passenger boarded — gate scans of boarding passes, boarded lists and flight
//! events; pure parsing and resolution, no I/O. It depends only on `crate::domain` for its value types.

pub mod bcbp;
pub mod boarded;
pub mod scan;

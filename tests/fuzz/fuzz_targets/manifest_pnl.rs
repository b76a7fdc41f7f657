//! Any bytes given to the manifest parser as PNL or ADL (or undeclared) must give a value or located errors, never a panic.
#![no_main]

use aboard::manifest::{Format, Reading, parse};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let reference = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default();
    for format in [Format::Pnl, Format::Adl] {
        let _ = parse("fuzz", data, Reading::format(Some(format)), reference);
    }
    let _ = parse("fuzz", data, Reading::format(None), reference);
});

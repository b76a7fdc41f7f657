//! Any bytes given to the manifest parser as JSON must give a value or located errors, never a panic.
#![no_main]

use aboard::manifest::{Format, Reading, parse};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let reference = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default();
    let _ = parse("fuzz", data, Reading::format(Some(Format::Json)), reference);
});

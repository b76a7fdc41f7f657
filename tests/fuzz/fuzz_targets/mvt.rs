//! Any bytes given to the MVT movement message parser must give movements or located errors, never a
//! panic.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let reference = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default();
    let _ = aboard::schedule::looks_like_mvt(data);
    let _ = aboard::schedule::parse_mvt("fuzz.mvt", data, reference);
});

//! Any text given as a boarded list (CSV or JSON) must give passengers or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = aboard::boarding::boarded::parse("fuzz.csv", text);
});

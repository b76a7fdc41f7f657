//! Any bytes given to the registry parser as a JSON export must give persons or located errors, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A JSON export opens with `[` (a list of persons) or `{`; anything else is made a list's opening.
    let json = match data.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[' | b'{') => data.to_vec(),
        _ => [b"[".as_slice(), data].concat(),
    };
    let _ = aboard::registry::parse("fuzz.json", &json, None);
});

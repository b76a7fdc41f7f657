//! Any text given as a rule file must be checked into rules and located diagnostics, never a panic:
//! `aboard rules check` and the reload watcher read files people edit.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = aboard::rules::check_sources(&[("fuzz.toml".to_string(), text.to_string())]);
});

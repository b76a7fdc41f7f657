//! Any bytes given to the SSIM schedule parser must give a schedule or located errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = aboard::schedule::parse_ssim("fuzz.ssim", data);
});

//! The BCBP decoder is total (every input gives a pass or an error, never a panic), and whatever it decodes
//! re-encodes to a string that decodes to the same fields.
#![no_main]

use aboard::boarding::bcbp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut pass) = bcbp::decode(raw) else {
        return;
    };
    let again = bcbp::encode(&pass).expect("a decoded pass re-encodes");
    let mut reread = bcbp::decode(&again).expect("a re-encoded pass decodes");
    pass.warnings.clear();
    reread.warnings.clear();
    assert_eq!(reread, pass, "{raw:?} re-encoded as {again:?}");
});

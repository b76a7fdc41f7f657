//! The BCBP decoder is total (every input gives a pass or an error, never a panic), and whatever it decodes
//! re-encodes (unless a part it kept is too long for a conforming pass) to a string that decodes to the same
//! fields.
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
    let again = match bcbp::encode(&pass) {
        Ok(again) => again,
        // A lenient read may keep a part longer than the 255 characters a conforming pass can declare.
        Err(bcbp::BcbpError::Encode {
            field:
                bcbp::Field::VariablePartSize
                | bcbp::Field::UniquePartSize
                | bcbp::Field::RepeatedPartSize
                | bcbp::Field::SecurityLength,
            ..
        }) => return,
        Err(e) => panic!("{raw:?} does not re-encode: {e}"),
    };
    let mut reread = bcbp::decode(&again).expect("a re-encoded pass decodes");
    pass.warnings.clear();
    reread.warnings.clear();
    assert_eq!(reread, pass, "{raw:?} re-encoded as {again:?}");
});

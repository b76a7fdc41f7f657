//! bcbp: the IATA bar-coded boarding pass (Resolution 792), the string a gate scanner reads from a boarding
//! pass. `decode` turns it into a [`BoardingPass`] (every version, up to four legs, the conditional and
//! security parts), tolerating the deviations real passes carry and recording each as a [`Warning`];
//! `encode` writes a pass back, which is how aboard makes realistic passes for its demo and benchmarks;
//! `describe` renders a pass as JSON for support staff. Pure parsing: no I/O, depends only on `crate::domain`.

mod date;
mod decode;
mod describe;
mod encode;
mod error;
mod field;
mod pass;
mod warning;

pub use decode::decode;
pub use describe::describe;
pub use encode::encode;
pub use error::BcbpError;
pub use field::Field;
pub use pass::{BoardingPass, IssueDate, Leg, Security};
pub use warning::Warning;

#[cfg(test)]
mod tests;

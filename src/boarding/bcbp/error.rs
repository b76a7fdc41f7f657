use super::Field;

/// Why a string is not a boarding pass, or why a pass cannot be written. Positions are 0-based character
/// offsets into the scanned string (the first character is position 0).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BcbpError {
    #[error(
        "the scanned text is empty: a boarding pass starts with 'M' and is at least 60 characters"
    )]
    Empty,
    #[error(
        "position {position}: {found:?} is not a printable ASCII character; boarding pass barcodes carry ASCII only"
    )]
    InvalidCharacter { position: usize, found: char },
    #[error(
        "format code at position 0: expected 'M' (the only boarding pass format in use), found {found:?}"
    )]
    UnsupportedFormat { found: char },
    #[error("{}{field} at position {position}: {why}", leg_prefix(*.leg))]
    Field {
        /// 1-based leg number, for fields of a leg.
        leg: Option<u8>,
        field: Field,
        position: usize,
        why: String,
    },
    #[error("cannot encode {}{field}: {why}", leg_prefix(*.leg))]
    Encode {
        leg: Option<u8>,
        field: Field,
        why: String,
    },
}

fn leg_prefix(leg: Option<u8>) -> String {
    leg.map(|n| format!("leg {n}, ")).unwrap_or_default()
}

impl BcbpError {
    /// The position the error points at, when it points at one.
    pub fn position(&self) -> Option<usize> {
        match self {
            BcbpError::InvalidCharacter { position, .. } | BcbpError::Field { position, .. } => {
                Some(*position)
            }
            BcbpError::UnsupportedFormat { .. } | BcbpError::Empty => Some(0),
            BcbpError::Encode { .. } => None,
        }
    }
}

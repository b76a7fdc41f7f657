//! API tokens recently resolved, so that a gate reader sending thousands of scans does not cost a
//! database read per request. An entry is trusted for a few seconds only: a token revoked anywhere (the
//! CLI, another instance) stops working within that time, and each refresh goes through the store,
//! which keeps the token's last use.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::records::ApiToken;

/// How long a resolved token is trusted without asking the database again.
pub const TOKEN_TRUST: Duration = Duration::from_secs(5);

/// Tokens that have not been asked for lately are dropped at the next refresh past this many.
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (ApiToken, Instant)>>,
}

impl TokenCache {
    /// The token with this digest, if it was resolved less than `TOKEN_TRUST` ago.
    pub fn get(&self, digest: &str) -> Option<ApiToken> {
        let entries = self.lock();
        let (token, resolved) = entries.get(digest)?;
        (resolved.elapsed() < TOKEN_TRUST).then(|| token.clone())
    }

    pub fn put(&self, digest: String, token: ApiToken) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (_, resolved)| resolved.elapsed() < TOKEN_TRUST);
        }
        entries.insert(digest, (token, Instant::now()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (ApiToken, Instant)>> {
        match self.entries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

//! A person wrote to the airline: a network's webhook bridge or the social-care tool reports the message,
//! and aboard notes when, on the registry person whose account sent it. That time opens the networks'
//! reply windows (see `messaging`) and is aboard's own record: registry imports never reset it.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::domain::records::InboundMessage;
use crate::store::{Store, StoreError};

/// How far ahead of aboard's clock a reported time may be (clocks differ a little), no further: a time
/// in the future would hold a network's window open that the person never opened.
pub const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    #[error("{field}: {why}")]
    Invalid { field: &'static str, why: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Notes the message on the persons whose account sent it; returns their ids (none for an unknown
/// sender, whose message the store logs all the same).
pub async fn record_inbound(
    store: &dyn Store,
    message: InboundMessage,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, InboundError> {
    let named = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    if !named(&message.network_user_id) && !named(&message.handle) {
        return Err(InboundError::Invalid {
            field: "network_user_id",
            why: "the sender's network user id or handle is needed to know who wrote".to_string(),
        });
    }
    if message.received_at > now + CLOCK_SKEW {
        return Err(InboundError::Invalid {
            field: "received_at",
            why: format!("{} is in the future", message.received_at.to_rfc3339()),
        });
    }
    let given = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let message = InboundMessage {
        network_user_id: given(message.network_user_id),
        handle: given(message.handle),
        ..message
    };
    Ok(store.record_inbound(&message, actor, now).await?)
}

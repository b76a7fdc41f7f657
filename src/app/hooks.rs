//! Acting on what the networks' webhooks said (`messaging::hooks`): a status moves its message forward
//! only (a watermark moves every message sent up to its time), a failure the network means as "not
//! now" puts the message back in the queue (and holds the account's or the person's other messages as
//! long, as the network asked), a duplicate changes nothing, and a reply notes when the
//! person wrote (their window), joins their task's thread and awaits the advisor holding the task. An
//! unknown sender's reply is logged and kept.

use chrono::{DateTime, Utc};

use crate::app::inbound::CLOCK_SKEW;
use crate::domain::records::NewReply;
use crate::messaging::hooks::HookEvent;
use crate::messaging::outbox::Hold;
use crate::store::{Store, StoreError};

/// What a webhook delivery changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub replies: usize,
    pub statuses: usize,
    /// Events seen before, or statuses behind what is stored: nothing changed.
    pub unchanged: usize,
    /// Replies from senders no registry account names: kept, with no person.
    pub unknown_senders: usize,
}

pub async fn apply(
    store: &dyn Store,
    events: Vec<HookEvent>,
    now: DateTime<Utc>,
) -> Result<Applied, StoreError> {
    let mut applied = Applied::default();
    for event in events {
        match event {
            HookEvent::Reply {
                network,
                message_id,
                sender_id,
                text,
                at,
            } => {
                let reply = NewReply {
                    network,
                    network_message_id: message_id,
                    sender_id,
                    body: text,
                    // A time ahead of ours would hold a window open the person never opened.
                    sent_at: at.min(now + CLOCK_SKEW),
                };
                match store.record_reply(&reply, now).await? {
                    None => applied.unchanged += 1,
                    Some(stored) if stored.person_id.is_none() => {
                        tracing::info!(network = %reply.network, sender = %reply.sender_id,
                            "a reply from a sender no registry account names: kept without a person");
                        applied.unknown_senders += 1;
                        applied.replies += 1;
                    }
                    Some(_) => applied.replies += 1,
                }
            }
            HookEvent::Watermark {
                network,
                recipient_id,
                state,
                up_to,
                at,
            } => {
                let moved = store
                    .advance_messages_up_to(
                        network,
                        &recipient_id,
                        state,
                        up_to.min(now),
                        at.min(now),
                    )
                    .await?;
                match moved.len() {
                    0 => applied.unchanged += 1,
                    n => applied.statuses += n,
                }
            }
            HookEvent::Status {
                network,
                provider_message_id,
                our_id,
                error,
                retry: Some(retry),
                ..
            } => {
                let error =
                    error.unwrap_or_else(|| format!("{network} did not deliver it for now"));
                let until = now + retry.after;
                let requeued = store
                    .requeue_message(
                        network,
                        provider_message_id.as_deref(),
                        our_id,
                        until,
                        &error,
                        now,
                    )
                    .await?;
                let Some(message) = requeued else {
                    applied.unchanged += 1;
                    continue;
                };
                applied.statuses += 1;
                // The limit holds the number's or the person's other messages too, on every instance,
                // as when the network says so in its answer to a send.
                let held = match retry.hold {
                    Hold::None => None,
                    Hold::App => Some(None),
                    Hold::Recipient => Some(Some(message.new.recipient.as_str())),
                };
                // The message itself is requeued: a hold that could not be written only lets the others
                // go sooner, where the network may refuse them again.
                if let (Some(recipient), Some(account)) = (held, retry.account.as_deref())
                    && let Err(e) = store.hold_sends(network, account, recipient, until).await
                {
                    tracing::warn!(error = %e, %network, "a network's hold could not be recorded for the other instances");
                }
            }
            HookEvent::Status {
                network,
                provider_message_id,
                our_id,
                state,
                error,
                retry: None,
                at,
            } => {
                let moved = store
                    .advance_message(
                        network,
                        provider_message_id.as_deref(),
                        our_id,
                        state,
                        error.as_deref(),
                        at.min(now),
                    )
                    .await?;
                match moved {
                    Some(_) => applied.statuses += 1,
                    None => applied.unchanged += 1,
                }
            }
        }
    }
    Ok(applied)
}

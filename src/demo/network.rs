//! The demo's local fake network: every message is accepted, reported delivered and read a moment later,
//! and about half the passengers answer a few seconds after that, through the same path a network's
//! webhook takes (`app::hooks`), so that a newcomer sees a reply arrive and the window open. Only
//! `aboard demo` uses it; the replies are the fake passengers' words, never sent to anyone.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::Duration;

use crate::app::hooks;
use crate::clock;
use crate::domain::MessageState;
use crate::domain::records::Message;
use crate::messaging::hooks::HookEvent;
use crate::messaging::outbox::{Connector, Delivery};
use crate::store::Store;

pub struct DemoNetwork {
    store: Arc<dyn Store>,
}

impl DemoNetwork {
    pub fn new(store: Arc<dyn Store>) -> DemoNetwork {
        DemoNetwork { store }
    }
}

/// Whether the fake passenger behind a network user id answers: about half do, always the same ones.
pub fn answers(recipient: &str) -> bool {
    recipient.bytes().map(u32::from).sum::<u32>() % 2 == 0
}

/// What a fake passenger answers, in their language.
fn answer(language: Option<&str>, n: u128) -> &'static str {
    let spanish = [
        "¡Hola! Todo bien esta vez, gracias por preguntar.",
        "Gracias por escribir. La maleta llegó, pero tardaron mucho en darme noticias.",
        "Sí, todo en orden. Se agradece el detalle.",
    ];
    let english = [
        "Hi! All good this time, thanks for asking.",
        "Thanks for reaching out. My bag made it, but nobody told me anything for days.",
        "Yes, all fine now. Appreciate you checking in.",
    ];
    let options = if language.is_some_and(|l| l.starts_with("es")) {
        spanish
    } else {
        english
    };
    options[(n % 3) as usize]
}

#[async_trait]
impl Connector for DemoNetwork {
    fn name(&self) -> &'static str {
        "demo"
    }

    async fn send(&self, message: &Message) -> Delivery {
        let provider_message_id = format!("demo-{}", message.id);
        let store = self.store.clone();
        let message = message.clone();
        let id = provider_message_id.clone();
        tokio::spawn(async move {
            let n = message.id.as_u128();
            let network = message.new.network;
            tokio::time::sleep(StdDuration::from_millis(800)).await;
            let mut events = vec![HookEvent::Status {
                network,
                provider_message_id: Some(id.clone()),
                our_id: None,
                state: MessageState::Delivered,
                error: None,
                retry: None,
                at: clock::now(),
            }];
            if answers(&message.new.recipient) {
                tokio::time::sleep(StdDuration::from_secs(2 + (n % 4) as u64)).await;
                let language = match store.task(message.new.task_id).await {
                    Ok(Some(task)) => store
                        .person(task.new.person_id)
                        .await
                        .ok()
                        .flatten()
                        .and_then(|p| p.record.language),
                    _ => None,
                };
                let now = clock::now();
                events.push(HookEvent::Status {
                    network,
                    provider_message_id: Some(id.clone()),
                    our_id: None,
                    state: MessageState::Read,
                    error: None,
                    retry: None,
                    at: now - Duration::seconds(1),
                });
                events.push(HookEvent::Reply {
                    network,
                    message_id: format!("demo-reply-{}", message.id),
                    sender_id: message.new.recipient.clone(),
                    text: Some(answer(language.as_deref(), n / 2).to_string()),
                    at: now,
                });
            }
            if let Err(e) = hooks::apply(store.as_ref(), events, clock::now()).await {
                tracing::warn!(error = %e, "the demo network could not report back");
            }
        });
        Delivery::Delivered {
            provider_message_id: Some(provider_message_id),
        }
    }
}

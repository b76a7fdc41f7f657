//! Outgoing event webhooks: the airline's CRM or data warehouse receives the events that matter (tasks
//! created, claimed, closed, expired and cancelled; messages sent, delivered, read, failed and replied to;
//! links confirmed and rejected; imports done) as they happen. They go through the outbox's mechanics: a
//! trigger queues each in the transaction that writes it, one instance at a time leases a batch, each is
//! POSTed once, signed with HMAC-SHA256 of the body, and retried with backoff after a 5xx, a 429 or a
//! receiver that could not be reached; an instance that dies mid-request leaves it unknown, never sent
//! twice. The body is the event as analysts read it on /api/events: codes, numbers and ids, no free text.
//! Depends on `store`, `app::events` (the event's shape) and `messaging::outbox` (the signature).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::app::events::StreamEvent;
use crate::clock;
use crate::messaging::outbox::signature;
use crate::store::{DeliveryResult, EventDelivery, Store, StoreError};

/// `[event_webhook]`: where events go, and how hard aboard tries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventWebhookConfig {
    /// The receiver's URL; no URL, no event webhooks.
    pub url: Option<String>,
    /// Signs each body: `X-Aboard-Signature: sha256=<hex HMAC-SHA256 of the body>`.
    #[serde(skip_serializing)]
    pub secret: Option<SecretString>,
    /// The longest one request may take; no answer by then leaves the event unknown, not resent.
    pub timeout_seconds: u64,
    /// An event that failed this many times is given up (it stays in the log and on /api/events).
    pub max_attempts: i32,
    pub batch: i64,
    pub poll_millis: u64,
    pub lease_seconds: i64,
}

impl Default for EventWebhookConfig {
    fn default() -> Self {
        EventWebhookConfig {
            url: None,
            secret: None,
            timeout_seconds: 10,
            max_attempts: 10,
            batch: 50,
            poll_millis: 1000,
            lease_seconds: 60,
        }
    }
}

impl EventWebhookConfig {
    /// The receiver, when both its URL and its secret are set: an unsigned webhook is never sent.
    pub fn receiver(&self) -> Option<(&str, &SecretString)> {
        Some((self.url.as_deref()?, self.secret.as_ref()?))
    }
}

/// What one round of delivery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
    pub unknown: usize,
}

/// Delivers the queued events of one instance.
pub struct EventWebhooks {
    store: Arc<dyn Store>,
    client: reqwest::Client,
    url: String,
    secret: SecretString,
    config: EventWebhookConfig,
    instance: String,
}

/// How one request went.
enum Answer {
    Delivered,
    Retry(String, Option<Duration>),
    Refused(String),
    /// The request may have arrived: never sent again.
    Unknown(String),
}

impl EventWebhooks {
    /// None when no receiver is configured.
    pub fn new(
        store: Arc<dyn Store>,
        config: &EventWebhookConfig,
        instance: String,
    ) -> Option<EventWebhooks> {
        let (url, secret) = config.receiver()?;
        let client = reqwest::Client::builder()
            .timeout(StdDuration::from_secs(config.timeout_seconds.max(1)))
            .build()
            .unwrap_or_default();
        Some(EventWebhooks {
            store,
            client,
            url: url.to_string(),
            secret: secret.clone(),
            config: config.clone(),
            instance,
        })
    }

    /// The wait before attempt `attempt + 1`: what the receiver asked for, else 5 s doubling, at most 15
    /// minutes.
    fn backoff(attempt: i32, asked: Option<Duration>) -> Duration {
        let doubling = Duration::seconds(5 * 2i64.pow(attempt.clamp(0, 16) as u32));
        asked
            .unwrap_or(doubling)
            .min(Duration::minutes(15))
            .max(Duration::seconds(1))
    }

    async fn post(&self, body: &[u8], event_id: &str, kind: &str) -> Answer {
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("x-aboard-event-id", event_id)
            .header("x-aboard-event-kind", kind)
            .header(
                "x-aboard-signature",
                signature(self.secret.expose_secret(), body),
            )
            .body(body.to_vec())
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(e) if e.is_connect() => {
                return Answer::Retry("the receiver could not be reached".to_string(), None);
            }
            Err(e) if e.is_timeout() => {
                return Answer::Unknown("the receiver did not answer in time".to_string());
            }
            Err(_) => return Answer::Unknown("the request failed after it left".to_string()),
        };
        let status = response.status();
        if status.is_success() {
            return Answer::Delivered;
        }
        let asked = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map(Duration::seconds);
        let error = format!("the receiver answered {}", status.as_u16());
        if status.as_u16() == 429 || status.is_server_error() {
            Answer::Retry(error, asked)
        } else {
            Answer::Refused(error)
        }
    }

    /// Sends one leased event; an event removed since (erasure, retention) is refused here.
    async fn send(&self, delivery: &EventDelivery) -> Answer {
        let Some(event) = delivery.event.clone() else {
            return Answer::Refused(
                "the event was removed (erasure or retention) before it left".to_string(),
            );
        };
        let kind = event.event.action.clone();
        let body = serde_json::to_vec(&StreamEvent::of(event, true)).unwrap_or_default();
        self.post(&body, &delivery.event_id.to_string(), &kind)
            .await
    }

    /// Leases the events due at `now` and delivers each once, in the order they happened.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<Round, StoreError> {
        self.store.settle_event_deliveries(now).await?;
        let timeout = Duration::seconds(self.config.timeout_seconds.max(1) as i64);
        let lease = now + Duration::seconds(self.config.lease_seconds.max(1));
        let due = self
            .store
            .claim_event_deliveries(&self.instance, now, lease, self.config.batch.max(1))
            .await?;
        let mut round = Round::default();
        for delivery in due {
            // Held for as long as the request may take; past that, an instance that died mid-request
            // leaves it unknown.
            let leaving_until = clock::now().max(now) + timeout + Duration::seconds(10);
            if !self
                .store
                .begin_event_delivery(delivery.event_id, &self.instance, leaving_until)
                .await?
            {
                continue;
            }
            let result = match self.send(&delivery).await {
                Answer::Delivered => {
                    round.delivered += 1;
                    DeliveryResult::Delivered
                }
                Answer::Unknown(error) => {
                    // Left sending: its lease runs out and it is settled as unknown, never resent.
                    round.unknown += 1;
                    tracing::warn!(event = %delivery.event_id, error = %error,
                        "an event webhook got no answer: it is not sent again");
                    continue;
                }
                Answer::Retry(error, _) if delivery.attempts + 1 >= self.config.max_attempts => {
                    round.failed += 1;
                    DeliveryResult::Failed {
                        error: format!(
                            "gave up after {} attempts; last: {error}",
                            delivery.attempts + 1
                        ),
                    }
                }
                Answer::Retry(error, asked) => {
                    round.retrying += 1;
                    DeliveryResult::Retry {
                        at: clock::now() + Self::backoff(delivery.attempts, asked),
                        error,
                    }
                }
                Answer::Refused(error) => {
                    round.failed += 1;
                    DeliveryResult::Failed { error }
                }
            };
            if !self
                .store
                .finish_event_delivery(delivery.event_id, &self.instance, &result, clock::now())
                .await?
            {
                tracing::warn!(event = %delivery.event_id,
                    "an event webhook's lease ended before its outcome was recorded");
            }
        }
        Ok(round)
    }

    /// Delivers until `shutdown` is signalled.
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let every = StdDuration::from_millis(self.config.poll_millis.max(50));
        loop {
            if let Err(e) = self.deliver_due(clock::now()).await {
                tracing::error!(error = %e, "event webhook delivery failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

//! The outbox: messages advisors wrote wait here until a connector delivers them. Each instance leases a
//! batch of due messages in the database, so no two instances send the same one; a retryable failure (429,
//! 5xx, network) comes back later with backoff that honours Retry-After; a permanent one goes back to the
//! advisor with the reason. Every request carries the message's idempotency key, so a receiver that saw a
//! message before a crash can recognise a resend.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::clock;
use crate::domain::MessageMode;
use crate::domain::records::{Message, TemplateUse};
use crate::store::{SendResult, Store, StoreError};

/// Which connector delivers messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    /// Records what would have been sent and marks it delivered: the demo's default.
    #[default]
    Sandbox,
    /// POSTs each message as JSON, signed with HMAC-SHA256, to the airline's own social-care tool.
    Webhook,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxConfig {
    pub connector: ConnectorKind,
    pub webhook_url: Option<String>,
    #[serde(skip_serializing)]
    pub webhook_secret: Option<SecretString>,
    /// A message that failed this many times is given back to its advisor.
    pub max_attempts: i32,
    /// How long an instance holds the messages it claimed before it starts sending them; each one is
    /// held again for `send_timeout_seconds` (and a margin) as it leaves.
    pub lease_seconds: i64,
    /// The longest one request to a network may take.
    pub send_timeout_seconds: u64,
    /// How long a message whose outcome is unknown waits for the network's status webhook before it
    /// goes back to the advisor as not confirmed.
    pub confirm_seconds: i64,
    pub batch: i64,
    pub poll_millis: u64,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self {
            connector: ConnectorKind::Sandbox,
            webhook_url: None,
            webhook_secret: None,
            max_attempts: 8,
            lease_seconds: 60,
            send_timeout_seconds: 15,
            confirm_seconds: 600,
            batch: 20,
            poll_millis: 500,
        }
    }
}

/// What one delivery attempt gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Delivered {
        provider_message_id: Option<String>,
    },
    RetryLater {
        after: Option<Duration>,
        error: String,
    },
    Refused {
        error: String,
    },
    /// The request left and no answer came (a timeout, a connection cut mid-way): it may have been
    /// delivered, so it is never sent again blindly.
    Unknown {
        error: String,
    },
}

#[async_trait]
pub trait Connector: Send + Sync {
    fn name(&self) -> &'static str;
    async fn send(&self, message: &Message) -> Delivery;
}

pub struct Sandbox;

#[async_trait]
impl Connector for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn send(&self, message: &Message) -> Delivery {
        tracing::info!(message = %message.id, network = %message.new.network, "sandbox: message recorded, not sent");
        Delivery::Delivered {
            provider_message_id: Some(format!("sandbox-{}", message.id)),
        }
    }
}

pub struct Webhook {
    client: reqwest::Client,
    url: String,
    secret: SecretString,
}

/// The JSON body a webhook receives.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct WebhookMessage {
    pub id: String,
    pub idempotency_key: String,
    pub task_id: String,
    pub network: String,
    pub recipient: String,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// How it must go out: `free_text`, `human_agent_tag` or `template`.
    pub mode: MessageMode,
    /// The network's tag (`HUMAN_AGENT`), for a tagged reply.
    pub tag: Option<String>,
    /// The approved template (name, language, parameters) when `mode` is `template`; `body` is its text.
    pub template: Option<TemplateUse>,
}

/// `sha256=<hex>` of the body under the shared secret, as sent in `X-Aboard-Signature`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl Webhook {
    pub fn new(url: String, secret: SecretString) -> Webhook {
        Webhook::with_timeout(url, secret, StdDuration::from_secs(15))
    }

    pub fn with_timeout(url: String, secret: SecretString, timeout: StdDuration) -> Webhook {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .unwrap_or_default();
        Webhook {
            client,
            url,
            secret,
        }
    }
}

#[async_trait]
impl Connector for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
    }

    async fn send(&self, message: &Message) -> Delivery {
        let payload = WebhookMessage {
            id: message.id.to_string(),
            idempotency_key: message.new.idempotency_key.clone(),
            task_id: message.new.task_id.to_string(),
            network: message.new.network.to_string(),
            recipient: message.new.recipient.clone(),
            body: message.new.body.clone(),
            author: message.new.author.clone(),
            created_at: message.created_at,
            mode: message.new.mode,
            tag: message.new.tag.clone(),
            template: message.new.template.clone(),
        };
        let body = serde_json::to_vec(&payload).unwrap_or_default();
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("x-aboard-idempotency-key", &message.new.idempotency_key)
            .header(
                "x-aboard-signature",
                signature(self.secret.expose_secret(), &body),
            )
            .body(body)
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(e) => return unanswered("the webhook", &e),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map(Duration::seconds);
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            let provider_message_id = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("id").and_then(|id| id.as_str().map(str::to_string)));
            return Delivery::Delivered {
                provider_message_id,
            };
        }
        let reason = error_text(&text)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
        if status.as_u16() == 429 || status.is_server_error() {
            Delivery::RetryLater {
                after: retry_after,
                error: format!("{} {reason}", status.as_u16()),
            }
        } else {
            Delivery::Refused {
                error: format!("{} {reason}", status.as_u16()),
            }
        }
    }
}

/// A request that got no answer: one that never connected is safe to send again; any other (a timeout,
/// a connection cut after the request left) may have been delivered.
pub fn unanswered(receiver: &str, error: &reqwest::Error) -> Delivery {
    if error.is_connect() {
        Delivery::RetryLater {
            after: None,
            error: format!("{receiver} could not be reached: {}", without_url(error)),
        }
    } else {
        Delivery::Unknown {
            error: format!("{receiver} did not answer: {}", without_url(error)),
        }
    }
}

/// Network errors name the URL, which may carry a token: say what happened, not where.
fn without_url(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection refused or unreachable"
    } else {
        "request failed"
    };
    kind.to_string()
}

/// The receiver's own words, from `{"error": "..."}` or `{"error": {"message": "..."}}` bodies.
fn error_text(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let error = value.get("error")?;
    error.as_str().map(str::to_string).or_else(|| {
        error
            .get("message")
            .and_then(|m| m.as_str())
            .map(str::to_string)
    })
}

/// The configured connector; a webhook needs both its URL and its secret.
pub fn connector(config: &OutboxConfig) -> Result<Arc<dyn Connector>, String> {
    match (
        config.connector,
        &config.webhook_url,
        &config.webhook_secret,
    ) {
        (ConnectorKind::Sandbox, _, _) => Ok(Arc::new(Sandbox)),
        (ConnectorKind::Webhook, Some(url), Some(secret)) => Ok(Arc::new(Webhook::with_timeout(
            url.clone(),
            secret.clone(),
            StdDuration::from_secs(config.send_timeout_seconds.max(1)),
        ))),
        (ConnectorKind::Webhook, _, _) => {
            Err("the webhook connector needs [outbox] webhook_url and webhook_secret".to_string())
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Sent, but no answer came: waiting for the network's status webhook.
    pub unknown: usize,
    /// Claimed, then held by another instance before it left: not sent here.
    pub lost: usize,
}

/// Added to a send's timeout when a message is held for it, so that the lease outlives the request.
const LEASE_MARGIN: Duration = Duration::seconds(10);

pub struct Outbox {
    store: Arc<dyn Store>,
    connector: Arc<dyn Connector>,
    config: OutboxConfig,
    instance: String,
}

impl Outbox {
    pub fn new(
        store: Arc<dyn Store>,
        connector: Arc<dyn Connector>,
        config: OutboxConfig,
        instance: String,
    ) -> Outbox {
        Outbox {
            store,
            connector,
            config,
            instance,
        }
    }

    /// The wait before attempt `attempt + 1`: what the receiver asked for, else 5 s doubling per attempt,
    /// never more than 15 minutes.
    fn backoff(attempt: i32, asked: Option<Duration>) -> Duration {
        let doubling = Duration::seconds(5 * 2i64.pow(attempt.clamp(0, 16) as u32));
        asked
            .unwrap_or(doubling)
            .min(Duration::minutes(15))
            .max(Duration::seconds(1))
    }

    /// Settles outcomes left unknown, then leases and delivers the messages due at `now`. Each message
    /// is held again just before it leaves, for as long as its request may take, and its outcome is
    /// recorded only while this instance still holds it.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<DeliveryReport, StoreError> {
        let send_timeout = Duration::seconds(self.config.send_timeout_seconds.max(1) as i64);
        self.store
            .settle_messages(now, now + Duration::seconds(self.config.confirm_seconds))
            .await?;
        let lease = now + Duration::seconds(self.config.lease_seconds);
        let due = self
            .store
            .claim_messages(&self.instance, now, lease, self.config.batch)
            .await?;
        let mut report = DeliveryReport::default();
        for message in due {
            let leaving_until = clock::now().max(now) + send_timeout + LEASE_MARGIN;
            if !self
                .store
                .begin_send(message.id, &self.instance, leaving_until)
                .await?
            {
                report.lost += 1;
                continue;
            }
            if let Some(reason) = self.no_longer_allowed(&message).await? {
                report.failed += 1;
                self.store
                    .finish_message(
                        message.id,
                        &self.instance,
                        &SendResult::Failed { error: reason },
                        clock::now(),
                    )
                    .await?;
                continue;
            }
            let result = match self.connector.send(&message).await {
                Delivery::Delivered {
                    provider_message_id,
                } => {
                    report.delivered += 1;
                    SendResult::Sent {
                        provider_message_id,
                    }
                }
                Delivery::RetryLater { error, .. }
                    if message.attempts + 1 >= self.config.max_attempts =>
                {
                    report.failed += 1;
                    SendResult::Failed {
                        error: format!(
                            "gave up after {} attempts; last: {error}",
                            message.attempts + 1
                        ),
                    }
                }
                Delivery::RetryLater { after, error } => {
                    report.retrying += 1;
                    SendResult::Retry {
                        at: clock::now() + Self::backoff(message.attempts, after),
                        error,
                    }
                }
                Delivery::Refused { error } => {
                    report.failed += 1;
                    SendResult::Failed { error }
                }
                Delivery::Unknown { error } => {
                    report.unknown += 1;
                    SendResult::Unknown {
                        until: clock::now() + Duration::seconds(self.config.confirm_seconds),
                        error,
                    }
                }
            };
            let finished = self
                .store
                .finish_message(message.id, &self.instance, &result, clock::now())
                .await?;
            if finished.is_none() {
                tracing::warn!(message = %message.id, connector = self.connector.name(),
                    "the message's lease ended before its outcome was recorded: it stays unknown until the network's status webhook");
            }
        }
        Ok(report)
    }

    /// Why the network's rules, or the person, no longer let this message go as it was written, checked
    /// just before it leaves (a window may have closed while it waited); none when it may go.
    async fn no_longer_allowed(&self, message: &Message) -> Result<Option<String>, StoreError> {
        let network = message.new.network;
        let Some(task) = self.store.task(message.new.task_id).await? else {
            return Ok(Some("the task was deleted".to_string()));
        };
        let Some(person) = self.store.person(task.new.person_id).await? else {
            return Ok(Some("the person is no longer in the registry".to_string()));
        };
        let accounts = &person.record.accounts;
        let account = accounts
            .iter()
            .find(|a| {
                a.network == network
                    && a.network_user_id.as_deref() == Some(message.new.recipient.as_str())
            })
            .or_else(|| accounts.iter().find(|a| a.network == network));
        let Some(account) = account else {
            return Ok(Some(format!(
                "the person no longer has a {network} account in the registry"
            )));
        };
        let now = super::person_eligibility(&person, account, clock::now());
        Ok(super::still_allowed(network, message.new.mode, now)
            .err()
            .map(|reason| reason.to_string()))
    }

    /// Delivers until `shutdown` is signalled.
    pub async fn run(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let every = StdDuration::from_millis(self.config.poll_millis.max(50));
        loop {
            if let Err(e) = self.deliver_due(clock::now()).await {
                tracing::error!(error = %e, connector = self.connector.name(), "outbox delivery failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

//! The outbox: messages advisors wrote wait here until a connector delivers them. Each instance leases a
//! batch of due messages in the database, so no two instances send the same one; a retryable failure (429,
//! 5xx, network) comes back later with backoff that honours Retry-After; a permanent one goes back to the
//! advisor with the reason. Messages leave at each network's pace (per account and per person) and honour
//! the holds its answers asked for, both kept in the database, so that every instance takes its turn from
//! the same instants. Every request carries the message's idempotency key, so a receiver that saw a
//! message before a crash can recognise a resend.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::networks::{MetaConfig, MetaSend, Pacing, Whatsapp, WhatsappConfig, XConfig, XDirect};
use crate::clock;
use crate::domain::records::{Message, TemplateUse};
use crate::domain::{MessageMode, Network};
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
    /// The demo's local fake network, where some passengers answer a few seconds later.
    Demo,
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
    /// The networks' own APIs, each in its own section; a network without one goes through `connector`.
    pub whatsapp: Option<WhatsappConfig>,
    pub messenger: Option<MetaConfig>,
    pub instagram: Option<MetaConfig>,
    pub x: Option<XConfig>,
}

/// What advisors are told about where their messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryNotice {
    /// A network's connector or the airline's webhook delivers them.
    Delivered,
    /// Nothing is configured: they are recorded, not delivered.
    NotDelivered,
    /// The demo's fake network.
    Demo,
}

impl OutboxConfig {
    pub fn notice(&self) -> DeliveryNotice {
        if self.delivers() {
            DeliveryNotice::Delivered
        } else if self.connector == ConnectorKind::Demo {
            DeliveryNotice::Demo
        } else {
            DeliveryNotice::NotDelivered
        }
    }

    /// Whether any message reaches a person: a network's connector or the airline's webhook.
    pub fn delivers(&self) -> bool {
        self.connector == ConnectorKind::Webhook
            || self.whatsapp.is_some()
            || self.messenger.is_some()
            || self.instagram.is_some()
            || self.x.is_some()
    }
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
            whatsapp: None,
            messenger: None,
            instagram: None,
            x: None,
        }
    }
}

/// What a network's "slow down" covers beyond the message itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    None,
    App,
    Recipient,
}

/// What one delivery attempt gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Delivered {
        provider_message_id: Option<String>,
    },
    RetryLater {
        after: Option<Duration>,
        /// What else must wait as long: every message of the connector (a quota of the app) or every
        /// message to the same person.
        hold: Hold,
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
    /// How fast messages on `network` may go through this connector.
    fn pacing(&self, _network: Network) -> Pacing {
        Pacing::default()
    }
    /// The airline's account messages on `network` leave from (a number, a Page, an X account): what
    /// the network's pace and its holds apply to.
    fn account(&self, _network: Network) -> &str {
        ""
    }
    async fn send(&self, message: &Message) -> Delivery;
}

/// Each network's own connector where one is configured, the fallback (the airline's webhook, or the
/// sandbox) for the others.
pub struct Router {
    routes: Vec<(Network, Arc<dyn Connector>)>,
    fallback: Arc<dyn Connector>,
}

impl Router {
    pub fn new(routes: Vec<(Network, Arc<dyn Connector>)>, fallback: Arc<dyn Connector>) -> Router {
        Router { routes, fallback }
    }

    fn route(&self, network: Network) -> &Arc<dyn Connector> {
        self.routes
            .iter()
            .find(|(n, _)| *n == network)
            .map_or(&self.fallback, |(_, c)| c)
    }
}

#[async_trait]
impl Connector for Router {
    fn name(&self) -> &'static str {
        "router"
    }

    fn pacing(&self, network: Network) -> Pacing {
        self.route(network).pacing(network)
    }

    fn account(&self, network: Network) -> &str {
        self.route(network).account(network)
    }

    async fn send(&self, message: &Message) -> Delivery {
        self.route(message.new.network).send(message).await
    }
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
                hold: Hold::None,
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
            hold: Hold::None,
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

/// The configured connectors: each network's own where its section is configured, the airline's
/// webhook (which needs both its URL and its secret) or the sandbox for the others.
pub fn connector(config: &OutboxConfig) -> Result<Arc<dyn Connector>, String> {
    let timeout = StdDuration::from_secs(config.send_timeout_seconds.max(1));
    let fallback: Arc<dyn Connector> = match (
        config.connector,
        &config.webhook_url,
        &config.webhook_secret,
    ) {
        (ConnectorKind::Sandbox, _, _) => Arc::new(Sandbox),
        (ConnectorKind::Webhook, Some(url), Some(secret)) => {
            Arc::new(Webhook::with_timeout(url.clone(), secret.clone(), timeout))
        }
        (ConnectorKind::Webhook, _, _) => {
            return Err(
                "the webhook connector needs [outbox] webhook_url and webhook_secret".to_string(),
            );
        }
        (ConnectorKind::Demo, _, _) => {
            return Err("the demo network runs only in `aboard demo`".to_string());
        }
    };
    let mut routes: Vec<(Network, Arc<dyn Connector>)> = Vec::new();
    if let Some(whatsapp) = &config.whatsapp {
        routes.push((
            Network::Whatsapp,
            Arc::new(Whatsapp::new(whatsapp.clone(), timeout)),
        ));
    }
    if let Some(messenger) = &config.messenger {
        let send = MetaSend::new(Network::Facebook, messenger.clone(), timeout);
        routes.push((Network::Facebook, Arc::new(send)));
    }
    if let Some(instagram) = &config.instagram {
        let send = MetaSend::new(Network::Instagram, instagram.clone(), timeout);
        routes.push((Network::Instagram, Arc::new(send)));
    }
    if let Some(x) = &config.x {
        routes.push((Network::X, Arc::new(XDirect::new(x.clone(), timeout))));
    }
    if routes.is_empty() {
        return Ok(fallback);
    }
    Ok(Arc::new(Router::new(routes, fallback)))
}

/// A wait shorter than this is slept through; a longer one gives the message back to the queue.
const SHORT_WAIT: Duration = Duration::seconds(1);

/// A connector's pace for the whole account and for one person.
fn paces(pacing: Pacing) -> (Duration, Duration) {
    (
        Duration::milliseconds(pacing.per_app_millis as i64),
        Duration::seconds(pacing.per_recipient_seconds as i64),
    )
}

/// Persons' passed turns removed after each batch: more than a batch adds, so the table does not grow.
const PURGE_TURNS: i64 = 200;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Sent, but no answer came: waiting for the network's status webhook.
    pub unknown: usize,
    /// Claimed, then held by another instance before it left: not sent here.
    pub lost: usize,
    /// Given back to the queue to honour the network's pace.
    pub paced: usize,
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

    /// The wait before attempt `attempt + 1`: what the receiver asked for (an X day's quota resets up to
    /// 24 hours on, so at most a day and an hour), else 5 s doubling per attempt, never more than 15
    /// minutes.
    fn backoff(attempt: i32, asked: Option<Duration>) -> Duration {
        let doubling = Duration::seconds(5 * 2i64.pow(attempt.clamp(0, 16) as u32));
        asked
            .map(|asked| asked.min(Duration::hours(25)))
            .unwrap_or(doubling.min(Duration::minutes(15)))
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
        let claimed = due.len();
        let started = Instant::now();
        // The instant turns are taken at: now, or the batch's `now` (which a test may set ahead) moved on
        // by the time the batch has taken.
        let at =
            || (now + Duration::from_std(started.elapsed()).unwrap_or_default()).max(clock::now());
        for message in due {
            // Checked before the turn is taken, so that a message that may no longer go takes none and
            // the one that may leaves as soon after its turn as it can.
            let refusal = self.no_longer_allowed(&message).await?;
            if refusal.is_none()
                && let Some(turn) = self.take_turn(&message, at).await?
            {
                self.store
                    .release_message(message.id, &self.instance, turn)
                    .await?;
                report.paced += 1;
                continue;
            }
            let leaving_until = clock::now().max(now) + send_timeout + LEASE_MARGIN;
            if !self
                .store
                .begin_send(message.id, &self.instance, leaving_until)
                .await?
            {
                report.lost += 1;
                continue;
            }
            if let Some(reason) = refusal {
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
            let left = clock::now();
            let delivery = self.connector.send(&message).await;
            self.after_answer(&message, &delivery, at()).await;
            let result = match delivery {
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
                Delivery::RetryLater { after, error, .. } => {
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
            // A sent message's time is when its request left: the networks stamp it after that, and
            // their read and delivery watermarks compare with their stamp.
            let at = match result {
                SendResult::Sent { .. } => left,
                _ => clock::now(),
            };
            let finished = self
                .store
                .finish_message(message.id, &self.instance, &result, at)
                .await?;
            if finished.is_none() {
                tracing::warn!(message = %message.id, connector = self.connector.name(),
                    "the message's lease ended before its outcome was recorded: it stays unknown until the network's status webhook");
            }
        }
        if claimed > 0 {
            self.store.purge_send_turns(at(), PURGE_TURNS).await?;
        }
        Ok(report)
    }

    /// Takes `message`'s turn to leave, shared with every instance on the database: a turn that comes
    /// within `SHORT_WAIT` is waited for; a later one is returned, for the message to wait in the queue.
    async fn take_turn(
        &self,
        message: &Message,
        at: impl Fn() -> DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let network = message.new.network;
        let (account_pace, recipient_pace) = paces(self.connector.pacing(network));
        loop {
            let now = at();
            let turn = self
                .store
                .take_send_turn(
                    network,
                    self.connector.account(network),
                    &message.new.recipient,
                    account_pace,
                    recipient_pace,
                    now,
                )
                .await?;
            match turn {
                None => return Ok(None),
                Some(turn) if turn - now > SHORT_WAIT => return Ok(Some(turn)),
                // Another instance may take the turn first: then this one waits for the next.
                Some(turn) => tokio::time::sleep((turn - now).to_std().unwrap_or_default()).await,
            }
        }
    }

    /// Once the network answered (at `now`), the account's and the person's next turns come no sooner
    /// than a full pace later, or than the hold the answer asked for: so the next request, whichever
    /// instance sends it, leaves a pace after this one arrived. A hold that could not be written still
    /// delays the message itself, which is retried no earlier.
    async fn after_answer(&self, message: &Message, delivery: &Delivery, now: DateTime<Utc>) {
        let network = message.new.network;
        let (account_pace, recipient_pace) = paces(self.connector.pacing(network));
        let (mut account_until, mut recipient_until) = (now + account_pace, now + recipient_pace);
        if let Delivery::RetryLater {
            after: Some(after),
            hold,
            ..
        } = delivery
        {
            match hold {
                Hold::None => {}
                Hold::App => account_until = account_until.max(now + *after),
                Hold::Recipient => recipient_until = recipient_until.max(now + *after),
            }
        }
        let account = self.connector.account(network);
        for (recipient, until) in [
            (None, account_until),
            (Some(message.new.recipient.as_str()), recipient_until),
        ] {
            if until <= now {
                continue;
            }
            if let Err(e) = self
                .store
                .hold_sends(network, account, recipient, until)
                .await
            {
                tracing::warn!(error = %e, %network, "the next turn could not be recorded for the other instances");
            }
        }
    }

    /// Why the network's rules, or the person, no longer let this message go as it was written, checked
    /// just before its turn (a window may have closed while it waited); none when it may go.
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

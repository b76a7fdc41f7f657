//! The networks' own send APIs, one connector each, each configured in its own section of `[outbox]`:
//! WhatsApp Cloud API (`[outbox.whatsapp]`), Messenger (`[outbox.messenger]`), Instagram messaging
//! (`[outbox.instagram]`) and X direct messages (`[outbox.x]`). Each sends a message exactly as it was
//! written (free text, a `HUMAN_AGENT` tagged reply, a template with its language and parameters) and
//! reads the network's answer: an id to match its status webhooks, a wait to honour (429 and
//! Retry-After or x-rate-limit-reset), or a refusal put in plain words for the advisor. Base URLs are
//! configurable so that tests point them at local fakes; tokens are secrets and never logged.

use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{Duration, Utc};
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::outbox::{Connector, Delivery, Hold, unanswered};
use crate::domain::records::Message;
use crate::domain::{MessageMode, Network};

/// How fast one connector's account may send, over every instance on the database: a request leaves
/// `per_app_millis` after the previous one was answered, and `per_recipient_seconds` after the previous
/// one to the same person (within the networks' quotas).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pacing {
    pub per_app_millis: u64,
    pub per_recipient_seconds: u64,
}

/// `[outbox.whatsapp]`: WhatsApp Cloud API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatsappConfig {
    #[serde(default = "graph_url")]
    pub base_url: String,
    #[serde(default = "graph_version")]
    pub api_version: String,
    pub phone_number_id: String,
    #[serde(skip_serializing)]
    pub access_token: SecretString,
    /// Verifies `X-Hub-Signature-256` on the status and message webhooks.
    #[serde(skip_serializing, default)]
    pub app_secret: Option<SecretString>,
    /// What Meta's webhook registration (GET `hub.verify_token`) must present.
    #[serde(skip_serializing, default)]
    pub verify_token: Option<SecretString>,
    /// WhatsApp allows about 80 messages a second per number and one every 6 s to the same person.
    #[serde(default = "whatsapp_pacing")]
    pub pacing: Pacing,
}

/// `[outbox.messenger]` and `[outbox.instagram]`: Meta's Send API for a Page or an Instagram account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaConfig {
    #[serde(default = "graph_url")]
    pub base_url: String,
    #[serde(default = "graph_version")]
    pub api_version: String,
    /// The Page id (Messenger) or the Instagram professional account id.
    pub account_id: String,
    #[serde(skip_serializing)]
    pub access_token: SecretString,
    #[serde(skip_serializing, default)]
    pub app_secret: Option<SecretString>,
    #[serde(skip_serializing, default)]
    pub verify_token: Option<SecretString>,
    #[serde(default)]
    pub pacing: Pacing,
}

/// `[outbox.x]`: X API v2 direct messages, with an OAuth 2.0 user token of the airline's account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XConfig {
    #[serde(default = "x_url")]
    pub base_url: String,
    /// The airline's own account id: events it sent itself are its messages, not a person's reply.
    pub user_id: String,
    #[serde(skip_serializing)]
    pub access_token: SecretString,
    /// Answers the webhook's CRC and verifies `x-twitter-webhooks-signature`.
    #[serde(skip_serializing, default)]
    pub consumer_secret: Option<SecretString>,
    /// 200 DM requests per 15 minutes per user: one every 4.5 s.
    #[serde(default = "x_pacing")]
    pub pacing: Pacing,
}

fn graph_url() -> String {
    "https://graph.facebook.com".to_string()
}

fn graph_version() -> String {
    "v23.0".to_string()
}

fn x_url() -> String {
    "https://api.x.com".to_string()
}

fn whatsapp_pacing() -> Pacing {
    Pacing {
        per_app_millis: 13,
        per_recipient_seconds: 6,
    }
}

fn x_pacing() -> Pacing {
    Pacing {
        per_app_millis: 4_500,
        per_recipient_seconds: 0,
    }
}

/// How long a connector waits before trying again after an expired token: until ops renew it.
const TOKEN_WAIT: Duration = Duration::minutes(5);

/// How long X's DMs wait after X took them for automated spam (226): a pause, not a burst of retries.
const AUTOMATION_WAIT: Duration = Duration::minutes(15);

/// What a network answered.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

fn client(timeout: StdDuration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .unwrap_or_default()
}

async fn post(
    client: &reqwest::Client,
    network: &str,
    url: &str,
    token: &SecretString,
    body: &Value,
) -> Result<Answer, Delivery> {
    let response = client
        .post(url)
        .bearer_auth(token.expose_secret())
        .json(body)
        .send()
        .await
        .map_err(|e| unanswered(network, &e))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.map_err(|e| unanswered(network, &e))?;
    Ok(Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    })
}

/// Seconds from `Retry-After`.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(Duration::seconds)
}

/// The wait until an epoch-seconds header (`x-rate-limit-reset`) says the quota is back.
fn until_reset(headers: &HeaderMap, name: &str) -> Option<Duration> {
    let reset = headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())?;
    Some(Duration::seconds((reset - Utc::now().timestamp()).max(1)))
}

/// How long Meta asks the app to wait before its next call: `Retry-After` where it is given, else the
/// longest `estimated_time_to_regain_access` (minutes) in the usage headers Meta adds once a quota is
/// spent (`X-Business-Use-Case-Usage` for Page, Instagram and WhatsApp Business tokens, `X-Page-Usage`).
fn meta_wait(headers: &HeaderMap) -> Option<Duration> {
    let regain = |name: &str| -> Option<i64> {
        let usage: Value = serde_json::from_str(headers.get(name)?.to_str().ok()?).ok()?;
        let mut entries: Vec<&Value> = vec![&usage];
        if let Some(by_business) = usage.as_object() {
            entries.extend(
                by_business
                    .values()
                    .flat_map(|v| v.as_array().into_iter().flatten()),
            );
        }
        entries
            .iter()
            .filter_map(|u| u["estimated_time_to_regain_access"].as_i64())
            .filter(|minutes| *minutes > 0)
            .max()
    };
    retry_after(headers).or_else(|| {
        regain("x-business-use-case-usage")
            .max(regain("x-page-usage"))
            .map(Duration::minutes)
    })
}

/// How long an app whose hourly Graph API quota is spent waits when Meta does not say: the quotas are
/// counted over a rolling hour, so asking again within seconds only prolongs the throttling.
const QUOTA_WAIT: Duration = Duration::minutes(5);

/// Meta's error body: `{"error": {"message", "code", "error_subcode", "error_data": {"details"}}}`.
struct MetaError {
    code: i64,
    subcode: i64,
    message: String,
}

fn meta_error(body: &Value) -> MetaError {
    let error = &body["error"];
    let details = error["error_data"]["details"].as_str();
    let message = error["message"].as_str().unwrap_or("error");
    MetaError {
        code: error["code"].as_i64().unwrap_or(0),
        subcode: error["error_subcode"].as_i64().unwrap_or(0),
        message: match details {
            Some(details) if !details.is_empty() => format!("{message}: {details}"),
            _ => message.to_string(),
        },
    }
}

/// Meta's errors common to every network: rate limits, expired tokens, server trouble.
fn meta_common(network: &str, answer: &Answer, error: &MetaError) -> Delivery {
    match error.code {
        190 => {
            tracing::error!(
                network,
                code = error.code,
                subcode = error.subcode,
                "the access token has expired or was revoked: renew it in the connector's section; messages wait"
            );
            Delivery::RetryLater {
                after: Some(TOKEN_WAIT),
                hold: Hold::App,
                error: format!(
                    "the {network} access token has expired or was revoked ({}): ops must renew it; the message waits",
                    error.code
                ),
            }
        }
        // 4 app, 17 user, 32 page, 613 custom: the rolling-hour quotas; 80001-80014 the Business Use
        // Case quotas (Pages, Instagram, Messenger, WhatsApp Business Management).
        4 | 17 | 32 | 613 | 80001..=80014 => Delivery::RetryLater {
            after: meta_wait(&answer.headers).or(Some(QUOTA_WAIT)),
            hold: Hold::App,
            error: format!(
                "{network} says the airline's app has used up its quota of calls for now ({}): {}; it waits until the quota is back",
                error.code, error.message
            ),
        },
        130429 | 131048 => Delivery::RetryLater {
            after: meta_wait(&answer.headers),
            hold: Hold::App,
            error: format!(
                "{network} asked the airline to send more slowly ({}): {}",
                error.code, error.message
            ),
        },
        // 1, 2: Meta's own trouble ("please retry your request later"); 1200: a temporary send failure.
        1 | 2 | 1200 => Delivery::RetryLater {
            after: meta_wait(&answer.headers),
            hold: Hold::None,
            error: format!(
                "{network} had a temporary failure ({}): {}",
                error.code, error.message
            ),
        },
        _ if answer.status == 429 || answer.status >= 500 => Delivery::RetryLater {
            after: meta_wait(&answer.headers),
            hold: Hold::None,
            error: format!(
                "{network} answered {} ({}): {}",
                answer.status, error.code, error.message
            ),
        },
        _ => Delivery::Refused {
            error: format!(
                "{network} refused the message ({}): {}",
                error.code, error.message
            ),
        },
    }
}

pub struct Whatsapp {
    client: reqwest::Client,
    config: WhatsappConfig,
}

impl Whatsapp {
    pub fn new(config: WhatsappConfig, timeout: StdDuration) -> Whatsapp {
        Whatsapp {
            client: client(timeout),
            config,
        }
    }

    /// The Cloud API's body for the message, exactly as written; our id rides along as
    /// `biz_opaque_callback_data`, which every status webhook carries back.
    pub fn body(message: &Message) -> Value {
        let mut body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.new.recipient,
            "biz_opaque_callback_data": message.id.to_string(),
        });
        match &message.new.template {
            Some(template) if message.new.mode == MessageMode::Template => {
                let parameters: Vec<Value> = template
                    .parameters
                    .iter()
                    .map(|p| json!({"type": "text", "text": p}))
                    .collect();
                body["type"] = json!("template");
                body["template"] = json!({
                    "name": template.name,
                    "language": {"code": template.language},
                    "components": [{"type": "body", "parameters": parameters}],
                });
            }
            _ => {
                body["type"] = json!("text");
                body["text"] = json!({"preview_url": false, "body": message.new.body});
            }
        }
        body
    }
}

#[async_trait]
impl Connector for Whatsapp {
    fn name(&self) -> &'static str {
        "whatsapp"
    }

    fn pacing(&self, _network: Network) -> Pacing {
        self.config.pacing
    }

    fn account(&self, _network: Network) -> &str {
        &self.config.phone_number_id
    }

    async fn send(&self, message: &Message) -> Delivery {
        let url = format!(
            "{}/{}/{}/messages",
            self.config.base_url.trim_end_matches('/'),
            self.config.api_version,
            self.config.phone_number_id
        );
        let answer = match post(
            &self.client,
            "WhatsApp",
            &url,
            &self.config.access_token,
            &Self::body(message),
        )
        .await
        {
            Ok(answer) => answer,
            Err(delivery) => return delivery,
        };
        if (200..300).contains(&answer.status) {
            return Delivery::Delivered {
                provider_message_id: answer.body["messages"][0]["id"]
                    .as_str()
                    .map(str::to_string),
            };
        }
        let error = meta_error(&answer.body);
        whatsapp_error(&answer, &error)
    }
}

/// WhatsApp's error codes, in words an advisor can act on.
fn whatsapp_error(answer: &Answer, error: &MetaError) -> Delivery {
    match error.code {
        131047 => Delivery::Refused {
            error: "more than 24 hours have passed since the person last wrote on WhatsApp, so only an approved template may be sent (131047)".to_string(),
        },
        131026 => Delivery::Refused {
            error: "WhatsApp could not deliver to this number: it may not be on WhatsApp, or may not accept messages from businesses (131026)".to_string(),
        },
        131056 => Delivery::RetryLater {
            after: meta_wait(&answer.headers).or(Some(Duration::seconds(60))),
            hold: Hold::Recipient,
            error: "too many messages to this person in a short time on WhatsApp (131056): it waits a minute".to_string(),
        },
        130429 => Delivery::RetryLater {
            after: meta_wait(&answer.headers),
            hold: Hold::App,
            error: "WhatsApp's throughput limit for the airline's number was reached (130429)".to_string(),
        },
        _ => meta_common("WhatsApp", answer, error),
    }
}

/// Messenger or Instagram, through Meta's Send API.
pub struct MetaSend {
    client: reqwest::Client,
    config: MetaConfig,
    network: Network,
}

impl MetaSend {
    pub fn new(network: Network, config: MetaConfig, timeout: StdDuration) -> MetaSend {
        MetaSend {
            client: client(timeout),
            config,
            network,
        }
    }

    fn label(&self) -> &'static str {
        match self.network {
            Network::Instagram => "Instagram",
            _ => "Messenger",
        }
    }

    /// `RESPONSE` inside the window, `MESSAGE_TAG` + `HUMAN_AGENT` for a tagged reply; on Messenger our
    /// id rides along as `metadata`, which the message echo carries back.
    pub fn body(network: Network, message: &Message) -> Value {
        let mut body = json!({
            "recipient": {"id": message.new.recipient},
            "message": {"text": message.new.body},
        });
        match (message.new.mode, message.new.tag.as_deref()) {
            (MessageMode::HumanAgentTag, tag) => {
                body["messaging_type"] = json!("MESSAGE_TAG");
                body["tag"] = json!(tag.unwrap_or("HUMAN_AGENT"));
            }
            _ => body["messaging_type"] = json!("RESPONSE"),
        }
        if network == Network::Facebook {
            body["message"]["metadata"] = json!(message.id.to_string());
        }
        body
    }
}

#[async_trait]
impl Connector for MetaSend {
    fn name(&self) -> &'static str {
        match self.network {
            Network::Instagram => "instagram",
            _ => "messenger",
        }
    }

    fn pacing(&self, _network: Network) -> Pacing {
        self.config.pacing
    }

    fn account(&self, _network: Network) -> &str {
        &self.config.account_id
    }

    async fn send(&self, message: &Message) -> Delivery {
        let url = format!(
            "{}/{}/{}/messages",
            self.config.base_url.trim_end_matches('/'),
            self.config.api_version,
            self.config.account_id
        );
        let body = Self::body(self.network, message);
        let answer = match post(
            &self.client,
            self.label(),
            &url,
            &self.config.access_token,
            &body,
        )
        .await
        {
            Ok(answer) => answer,
            Err(delivery) => return delivery,
        };
        if (200..300).contains(&answer.status) {
            return Delivery::Delivered {
                provider_message_id: answer.body["message_id"].as_str().map(str::to_string),
            };
        }
        let error = meta_error(&answer.body);
        meta_send_error(self.label(), &answer, &error)
    }
}

fn window_closed(label: &str, error: &MetaError) -> Delivery {
    Delivery::Refused {
        error: format!(
            "{label} refused it as sent outside the allowed window: the person last wrote more than 24 hours ago (7 days for a human agent's reply) ({})",
            error.code
        ),
    }
}

/// The Send API's refusals (Messenger and Instagram), in words an advisor can act on.
fn meta_send_error(label: &str, answer: &Answer, error: &MetaError) -> Delivery {
    match (error.code, error.subcode) {
        (10, 2018278 | 2018065) | (_, 2534022) => window_closed(label, error),
        (10, _) if error.message.contains("outside of allowed window") => {
            window_closed(label, error)
        }
        (551, _) | (_, 1545041 | 2018108) => Delivery::Refused {
            error: format!(
                "the person cannot be reached on {label} now: they may have blocked the airline, turned off messages from businesses or left ({})",
                error.code
            ),
        },
        (100, 2018001) => Delivery::Refused {
            error: format!(
                "{label} knows no such person for the airline's account: the id in the registry may be for another page or account ({})",
                error.code
            ),
        },
        (10 | 200 | 230, _) => {
            tracing::error!(
                network = label,
                code = error.code,
                subcode = error.subcode,
                "the app lacks a permission to send messages: check the app's permissions and review"
            );
            Delivery::Refused {
                error: format!(
                    "{label} does not let the airline's app send this message ({}): {}; ops must check the app's messaging permission",
                    error.code, error.message
                ),
            }
        }
        _ => meta_common(label, answer, error),
    }
}

/// X API v2 direct messages.
pub struct XDirect {
    client: reqwest::Client,
    config: XConfig,
}

impl XDirect {
    pub fn new(config: XConfig, timeout: StdDuration) -> XDirect {
        XDirect {
            client: client(timeout),
            config,
        }
    }
}

#[async_trait]
impl Connector for XDirect {
    fn name(&self) -> &'static str {
        "x"
    }

    fn pacing(&self, _network: Network) -> Pacing {
        self.config.pacing
    }

    fn account(&self, _network: Network) -> &str {
        &self.config.user_id
    }

    async fn send(&self, message: &Message) -> Delivery {
        let url = format!(
            "{}/2/dm_conversations/with/{}/messages",
            self.config.base_url.trim_end_matches('/'),
            message.new.recipient
        );
        let body = json!({"text": message.new.body});
        let answer = match post(&self.client, "X", &url, &self.config.access_token, &body).await {
            Ok(answer) => answer,
            Err(delivery) => return delivery,
        };
        if (200..300).contains(&answer.status) {
            return Delivery::Delivered {
                provider_message_id: answer.body["data"]["dm_event_id"]
                    .as_str()
                    .map(str::to_string),
            };
        }
        let detail = answer.body["detail"]
            .as_str()
            .or_else(|| answer.body["errors"][0]["message"].as_str())
            .or_else(|| answer.body["title"].as_str())
            .unwrap_or("error")
            .to_string();
        let code = answer.body["errors"][0]["code"].as_i64();
        match answer.status {
            429 => {
                let headers = &answer.headers;
                // A spent day's quota (the user's or the app's) outlasts the 15-minute window.
                let day_spent = |prefix: &str| {
                    until_reset(headers, &format!("{prefix}-24hour-reset")).filter(|_| {
                        headers
                            .get(format!("{prefix}-24hour-remaining"))
                            .is_some_and(|v| v.to_str().is_ok_and(|v| v.trim() == "0"))
                    })
                };
                let after = day_spent("x-user-limit")
                    .max(day_spent("x-app-limit"))
                    .or_else(|| until_reset(headers, "x-rate-limit-reset"))
                    .or_else(|| retry_after(headers));
                Delivery::RetryLater {
                    after,
                    hold: Hold::App,
                    error: format!(
                        "X's rate limit for direct messages was reached (429): {detail}"
                    ),
                }
            }
            401 => {
                tracing::error!(
                    network = "X",
                    "the access token has expired or was revoked: renew it in [outbox.x]; messages wait"
                );
                Delivery::RetryLater {
                    after: Some(TOKEN_WAIT),
                    hold: Hold::App,
                    error: "the X access token has expired or was revoked (401): ops must renew it; the message waits".to_string(),
                }
            }
            403 if code == Some(226) => Delivery::RetryLater {
                after: Some(AUTOMATION_WAIT),
                hold: Hold::App,
                error: format!(
                    "X took the airline's messages for automated spam and refused this one for now (226): {detail}; sending waits"
                ),
            },
            403 => Delivery::Refused {
                error: format!(
                    "the person does not accept direct messages from the airline on X (403{}): {detail}",
                    code.map(|c| format!(", {c}")).unwrap_or_default()
                ),
            },
            status if status >= 500 => Delivery::RetryLater {
                after: retry_after(&answer.headers),
                hold: Hold::None,
                error: format!("X answered {status}: {detail}"),
            },
            status => Delivery::Refused {
                error: format!("X refused the message ({status}): {detail}"),
            },
        }
    }
}

//! The outbox: messages queued once per idempotency key and leased to one instance at a time for sending.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::rows::word;
use super::{SendResult, StoreError};
use crate::domain::records::{Message, NewMessage, TemplateUse};

pub(super) const MESSAGE_COLUMNS: &str = "id, task_id, network, recipient, body, author, idempotency_key, \
    state, attempts, next_attempt_at, last_error, provider_message_id, created_at, sent_at, mode, tag, \
    template_name, template_language, template_parameters";

#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    id: Uuid,
    task_id: Uuid,
    network: String,
    recipient: String,
    body: String,
    author: String,
    idempotency_key: String,
    state: String,
    attempts: i32,
    next_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    provider_message_id: Option<String>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    mode: String,
    tag: Option<String>,
    template_name: Option<String>,
    template_language: Option<String>,
    template_parameters: Option<String>,
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;
    fn try_from(r: MessageRow) -> Result<Message, StoreError> {
        let template = match r.template_name {
            Some(name) => Some(TemplateUse {
                name,
                language: r.template_language.unwrap_or_default(),
                parameters: serde_json::from_str(r.template_parameters.as_deref().unwrap_or("[]"))
                    .map_err(|e| {
                        StoreError::Corrupt(format!("message {} parameters: {e}", r.id))
                    })?,
            }),
            None => None,
        };
        Ok(Message {
            id: r.id,
            new: NewMessage {
                task_id: r.task_id,
                network: word("message network", &r.network)?,
                recipient: r.recipient,
                body: r.body,
                author: r.author,
                idempotency_key: r.idempotency_key,
                mode: word("message mode", &r.mode)?,
                tag: r.tag,
                template,
            },
            state: word("message state", &r.state)?,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            provider_message_id: r.provider_message_id,
            created_at: r.created_at,
            sent_at: r.sent_at,
        })
    }
}

pub(super) const INSERT_MESSAGE: &str = "INSERT INTO messages (id, task_id, network, recipient, body, \
    author, idempotency_key, state, attempts, next_attempt_at, created_at, mode, tag, template_name, \
    template_language, template_parameters) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8, $9, $10, $11, $12, $13) \
    ON CONFLICT (idempotency_key) DO NOTHING";

/// `$1` id, `$2` state, `$3` next attempt, `$4` error, `$5` provider id, `$6` sent at, `$7` the instance
/// that sent it: only the holder of the lease records the outcome (a lost lease changes nothing).
pub(super) const FINISH_MESSAGE: &str = "UPDATE messages SET state = $2, attempts = attempts + 1, \
    next_attempt_at = $3, last_error = $4, provider_message_id = COALESCE($5, provider_message_id), \
    sent_at = $6, lease_owner = NULL, lease_until = NULL \
    WHERE id = $1 AND lease_owner = $7 AND state = 'sending'";

/// `$1` id, `$2` instance, `$3` lease end: the holder of a claimed message marks it as leaving, for as
/// long as one request may take. From here a message is never claimed again: if the instance dies,
/// the outcome is unknown and only the network's status webhook can settle it.
pub(super) const BEGIN_SEND: &str = "UPDATE messages SET state = 'sending', lease_until = $3 \
    WHERE id = $1 AND lease_owner = $2 AND state = 'queued'";

/// `$1` id, `$2` instance, `$3` when it is due again: a claimed message given back unsent (paced).
pub(super) const RELEASE_MESSAGE: &str = "UPDATE messages SET lease_owner = NULL, lease_until = NULL, \
    next_attempt_at = $3 WHERE id = $1 AND lease_owner = $2 AND state = 'queued'";

/// `$1` now, `$2` until when a status webhook may confirm it: a message left while its instance died.
pub(super) const SENDING_TO_UNKNOWN: &str = "UPDATE messages SET state = 'unknown', next_attempt_at = $2, \
    last_error = 'the instance sending it stopped before the network answered', lease_owner = NULL, \
    lease_until = NULL WHERE state = 'sending' AND lease_until <= $1 RETURNING id";

/// `$1` now: unknown outcomes no status webhook confirmed in time go back to the advisor.
pub(super) const UNKNOWN_TO_UNCONFIRMED: &str = "UPDATE messages SET state = 'unconfirmed', \
    next_attempt_at = NULL WHERE state = 'unknown' AND next_attempt_at <= $1 RETURNING id";

/// Messages to passengers, queued and sent through the outbox.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Queues a message; a second call with the same idempotency key returns the first message unchanged.
    async fn enqueue_message(
        &self,
        message: &NewMessage,
        at: DateTime<Utc>,
    ) -> Result<Message, StoreError>;
    /// Leases up to `limit` due messages to `instance` until `lease_until`; a leased message is invisible to
    /// other instances until the lease ends, so no two instances send it.
    async fn claim_messages(
        &self,
        instance: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError>;
    /// Marks a message `instance` claimed as leaving, leased until `lease_until`; false when the
    /// instance no longer holds it (its claim ended and another instance took it).
    async fn begin_send(
        &self,
        id: Uuid,
        instance: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Gives a claimed message back unsent, due again at `due`.
    async fn release_message(
        &self,
        id: Uuid,
        instance: &str,
        due: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Records how a send by `instance` ended; `None` (and nothing written) when the instance no longer
    /// held the message.
    async fn finish_message(
        &self,
        id: Uuid,
        instance: &str,
        result: &SendResult,
        at: DateTime<Utc>,
    ) -> Result<Option<Message>, StoreError>;
    /// Messages whose instance died mid-send become `unknown` until `confirm_until`; `unknown` ones past
    /// their time become `unconfirmed`, for the advisor to decide. Returns how many of each.
    async fn settle_messages(
        &self,
        now: DateTime<Utc>,
        confirm_until: DateTime<Utc>,
    ) -> Result<(usize, usize), StoreError>;
    async fn messages_for_task(&self, task_id: Uuid) -> Result<Vec<Message>, StoreError>;
    /// Messages queued since `since` for any task, newest first, at most `limit`: what an advisor's new
    /// text is compared with to warn of a stock text sent to several passengers.
    async fn recent_messages(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError>;
}

/// Implements `OutboxStore` for a backend store over its connection type `$conn`, once for both backends;
/// the backend brings the methods whose SQL or speed differs on it.
macro_rules! outbox_store {
    ($store:ty, $conn:ty, { $($backend:tt)* }) => {
        async fn fetch_message(conn: &mut $conn, id: Uuid) -> Result<Message, StoreError> {
            sqlx::query_as::<_, MessageRow>(AssertSqlSafe(format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("message {id}")))?
            .try_into()
        }

        #[async_trait]
        impl $crate::store::OutboxStore for $store {
            $($backend)*

            async fn enqueue_message(
                &self,
                m: &NewMessage,
                at: DateTime<Utc>,
            ) -> Result<Message, StoreError> {
                let mut tx = self.write().await?;
                let inserted = sqlx::query(INSERT_MESSAGE)
                    .bind(Uuid::now_v7())
                    .bind(m.task_id)
                    .bind(m.network.as_str())
                    .bind(&m.recipient)
                    .bind(&m.body)
                    .bind(&m.author)
                    .bind(&m.idempotency_key)
                    .bind(at)
                    .bind(m.mode.as_str())
                    .bind(m.tag.as_deref())
                    .bind(m.template.as_ref().map(|t| t.name.as_str()))
                    .bind(m.template.as_ref().map(|t| t.language.as_str()))
                    .bind(m.template.as_ref().map(|t| serde_json::json!(t.parameters).to_string()))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let id: Uuid = sqlx::query_scalar("SELECT id FROM messages WHERE idempotency_key = $1")
                    .bind(&m.idempotency_key)
                    .fetch_one(&mut *tx)
                    .await?;
                if inserted > 0 {
                    let detail = serde_json::json!({ "network": m.network.as_str(), "task": m.task_id, "mode": m.mode.as_str(), "template": m.template.as_ref().map(|t| t.name.as_str()) });
                    let e = event(
                        &m.author,
                        "message.queued",
                        "message",
                        id,
                        None,
                        None,
                        detail,
                    );
                    insert_event(&mut tx, &e, at).await?;
                }
                let message = fetch_message(&mut tx, id).await?;
                tx.commit().await?;
                Ok(message)
            }

            async fn claim_messages(
                &self,
                instance: &str,
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
                limit: i64,
            ) -> Result<Vec<Message>, StoreError> {
                let mut tx = self.write().await?;
                let ids: Vec<Uuid> = sqlx::query_scalar(AssertSqlSafe(format!(
                    "SELECT id FROM messages WHERE state = 'queued' \
                     AND (next_attempt_at IS NULL OR next_attempt_at <= $1) \
                     AND (lease_until IS NULL OR lease_until <= $1) ORDER BY created_at LIMIT $2{CLAIM_LOCK}"
                )))
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                let mut claimed = Vec::with_capacity(ids.len());
                for id in ids {
                    sqlx::query("UPDATE messages SET lease_owner = $2, lease_until = $3 WHERE id = $1")
                        .bind(id)
                        .bind(instance)
                        .bind(lease_until)
                        .execute(&mut *tx)
                        .await?;
                    claimed.push(fetch_message(&mut tx, id).await?);
                }
                tx.commit().await?;
                Ok(claimed)
            }

            async fn begin_send(
                &self,
                id: Uuid,
                instance: &str,
                lease_until: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let changed = sqlx::query(BEGIN_SEND)
                    .bind(id)
                    .bind(instance)
                    .bind(lease_until)
                    .execute(self.write_pool())
                    .await?
                    .rows_affected();
                Ok(changed == 1)
            }

            async fn release_message(
                &self,
                id: Uuid,
                instance: &str,
                due: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let changed = sqlx::query(RELEASE_MESSAGE)
                    .bind(id)
                    .bind(instance)
                    .bind(due)
                    .execute(self.write_pool())
                    .await?
                    .rows_affected();
                Ok(changed == 1)
            }

            async fn finish_message(
                &self,
                id: Uuid,
                instance: &str,
                result: &SendResult,
                at: DateTime<Utc>,
            ) -> Result<Option<Message>, StoreError> {
                let mut tx = self.write().await?;
                let (state, next, error, provider, sent_at) = match result {
                    SendResult::Sent {
                        provider_message_id,
                    } => (
                        MessageState::Sent,
                        None,
                        None,
                        provider_message_id.as_deref(),
                        Some(at),
                    ),
                    SendResult::Retry { at: next, error } => (
                        MessageState::Queued,
                        Some(*next),
                        Some(error.as_str()),
                        None,
                        None,
                    ),
                    SendResult::Unknown { until, error } => (
                        MessageState::Unknown,
                        Some(*until),
                        Some(error.as_str()),
                        None,
                        None,
                    ),
                    SendResult::Failed { error } => {
                        (MessageState::Failed, None, Some(error.as_str()), None, None)
                    }
                };
                let changed = sqlx::query(FINISH_MESSAGE)
                    .bind(id)
                    .bind(state.as_str())
                    .bind(next)
                    .bind(error)
                    .bind(provider)
                    .bind(sent_at)
                    .bind(instance)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if changed == 0 {
                    return Ok(None);
                }
                let message = fetch_message(&mut tx, id).await?;
                let detail = serde_json::json!({ "state": state.as_str(), "error": error, "attempts": message.attempts });
                let e = event(
                    "aboard",
                    &format!("message.{}", state.as_str()),
                    "message",
                    id,
                    None,
                    None,
                    detail,
                );
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                Ok(Some(message))
            }

            async fn settle_messages(
                &self,
                now: DateTime<Utc>,
                confirm_until: DateTime<Utc>,
            ) -> Result<(usize, usize), StoreError> {
                let mut tx = self.write().await?;
                let unknown: Vec<Uuid> = sqlx::query_scalar(SENDING_TO_UNKNOWN)
                    .bind(now)
                    .bind(confirm_until)
                    .fetch_all(&mut *tx)
                    .await?;
                let unconfirmed: Vec<Uuid> = sqlx::query_scalar(UNKNOWN_TO_UNCONFIRMED)
                    .bind(now)
                    .fetch_all(&mut *tx)
                    .await?;
                for (ids, state) in [(&unknown, MessageState::Unknown), (&unconfirmed, MessageState::Unconfirmed)] {
                    for id in ids {
                        let detail = serde_json::json!({ "state": state.as_str() });
                        let e = event("aboard", &format!("message.{}", state.as_str()), "message", *id, None, None, detail);
                        insert_event(&mut tx, &e, now).await?;
                    }
                }
                tx.commit().await?;
                Ok((unknown.len(), unconfirmed.len()))
            }

            async fn messages_for_task(&self, task_id: Uuid) -> Result<Vec<Message>, StoreError> {
                sqlx::query_as::<_, MessageRow>(AssertSqlSafe(format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE task_id = $1 ORDER BY created_at, id"
                )))
                .bind(task_id)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Message::try_from)
                .collect()
            }

            async fn recent_messages(
                &self,
                since: DateTime<Utc>,
                limit: i64,
            ) -> Result<Vec<Message>, StoreError> {
                sqlx::query_as::<_, MessageRow>(AssertSqlSafe(format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE created_at >= $1 \
                     ORDER BY created_at DESC, id DESC LIMIT $2"
                )))
                .bind(since)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Message::try_from)
                .collect()
            }
        }
    };
}
pub(super) use outbox_store;

//! The outbox: messages queued once per idempotency key and leased to one instance at a time for sending,
//! and each network's turns to send (its pace and the holds its answers asked for), shared by every
//! instance on the database.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::rows::word;
use super::{SendResult, StoreError};
use crate::domain::records::{Message, NewMessage, NewReply, Reply, TemplateUse};
use crate::domain::{MessageState, Network};

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

/// The message a network's status names: by the id the network gave it, or by ours carried back where
/// the network has given it no id yet or the status names none (`$3` the network's id, `$6` ours). A
/// message sent again has a new id, so an old status of its first send no longer moves it.
pub(super) const MATCHES_SENT: &str =
    "(provider_message_id = $3 OR (id = $6 AND ($3 IS NULL OR provider_message_id IS NULL)))";

/// `$1` when it is due again, `$2` the network's words, `$3` the network's id, `$4` network, `$5` ours:
/// a message the network reports it did not deliver for now goes back to the queue.
pub(super) const REQUEUE_MESSAGE: &str = "UPDATE messages SET state = 'queued', next_attempt_at = $1, \
    last_error = $2, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL \
    WHERE network = $4 AND (provider_message_id = $3 OR (id = $5 AND ($3 IS NULL OR provider_message_id IS NULL))) \
    AND state IN ('sending', 'unknown', 'unconfirmed', 'sent') RETURNING id";

/// `$1` network, `$2` account, `$3` recipient, `$4` now: when the later of the account's and the
/// person's next turns comes, if it has not come yet (the account's row has recipient '').
pub(super) const NEXT_TURN: &str = "SELECT MAX(next_at) FROM send_pacing \
    WHERE network = $1 AND account = $2 AND recipient IN ('', $3) AND next_at > $4";

/// `$1` network, `$2` account, `$3` recipient ('' for the whole account), `$4` the turn after this one,
/// `$5` now: the turn is taken only when it has come (or there has been none); one not yet come is left
/// as it is and returns no row. On PostgreSQL the row stays locked until the transaction ends, so another
/// instance taking it waits, then finds it taken.
pub(super) const TAKE_TURN: &str = "INSERT INTO send_pacing (network, account, recipient, next_at) \
    VALUES ($1, $2, $3, $4) ON CONFLICT (network, account, recipient) \
    DO UPDATE SET next_at = excluded.next_at WHERE send_pacing.next_at <= $5 RETURNING next_at";

/// `$1` network, `$2` account, `$3` recipient ('' for the whole account), `$4` until when: a hold only
/// ever moves the next turn later.
pub(super) const HOLD_TURNS: &str = "INSERT INTO send_pacing (network, account, recipient, next_at) \
    VALUES ($1, $2, $3, $4) ON CONFLICT (network, account, recipient) \
    DO UPDATE SET next_at = excluded.next_at WHERE excluded.next_at > send_pacing.next_at";

/// `$1` now, `$2` at most this many: persons' turns that have passed say nothing any more. The outer
/// condition is checked again on a row another instance moved on meanwhile, which is then kept.
pub(super) const PURGE_TURNS: &str = "DELETE FROM send_pacing WHERE recipient <> '' AND next_at <= $1 \
    AND (network, account, recipient) IN (SELECT network, account, recipient FROM send_pacing \
    WHERE recipient <> '' AND next_at <= $1 LIMIT $2)";

pub(super) const REPLY_COLUMNS: &str = "id, network, network_message_id, sender_id, person_id, task_id, \
    body, sent_at, received_at, seen_at";

#[derive(sqlx::FromRow)]
pub(super) struct ReplyRow {
    id: Uuid,
    network: String,
    network_message_id: String,
    sender_id: String,
    person_id: Option<Uuid>,
    task_id: Option<Uuid>,
    body: Option<String>,
    sent_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    seen_at: Option<DateTime<Utc>>,
}

impl TryFrom<ReplyRow> for Reply {
    type Error = StoreError;
    fn try_from(r: ReplyRow) -> Result<Reply, StoreError> {
        Ok(Reply {
            id: r.id,
            new: NewReply {
                network: word("reply network", &r.network)?,
                network_message_id: r.network_message_id,
                sender_id: r.sender_id,
                body: r.body,
                sent_at: r.sent_at,
            },
            person_id: r.person_id,
            task_id: r.task_id,
            received_at: r.received_at,
            seen_at: r.seen_at,
        })
    }
}

/// `$1` id, `$2` network, `$3` network message id, `$4` sender, `$5` body, `$6` sent at, `$7` received at.
pub(super) const INSERT_REPLY: &str = "INSERT INTO inbound_messages (id, network, network_message_id, \
    sender_id, body, sent_at, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
    ON CONFLICT (network, network_message_id) DO NOTHING";

/// The task a reply belongs to: the one whose latest message went to this sender on this network, else
/// the person's latest social task still open or claimed.
pub(super) const TASK_OF_REPLY: &str = "SELECT task_id FROM ( \
    SELECT m.task_id AS task_id, 0 AS rank, m.created_at AS at FROM messages m \
    WHERE m.network = $1 AND m.recipient = $2 \
    UNION ALL SELECT t.id, 1, t.created_at FROM tasks t \
    WHERE t.person_id = $3 AND t.channel = 'social' AND t.state IN ('open', 'claimed') \
    ) candidates ORDER BY rank, at DESC LIMIT 1";

/// The states a status may move a message on from: forward only (sent < delivered < read), and a
/// failure only before the person read it.
pub(super) fn earlier_states(to: MessageState) -> &'static str {
    match to {
        MessageState::Sent => "'sending', 'unknown', 'unconfirmed'",
        MessageState::Delivered => "'sending', 'unknown', 'unconfirmed', 'sent'",
        MessageState::Read => "'sending', 'unknown', 'unconfirmed', 'sent', 'delivered'",
        MessageState::Failed => "'sending', 'unknown', 'unconfirmed', 'sent', 'delivered'",
        MessageState::Queued
        | MessageState::Sending
        | MessageState::Unknown
        | MessageState::Unconfirmed => "",
    }
}

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
    /// Moves the message the network names (by the id it gave, or by ours it carried back) on to `to`,
    /// never back; `None` when no message is earlier than `to` (a duplicate or a late status).
    async fn advance_message(
        &self,
        network: Network,
        provider_message_id: Option<&str>,
        our_id: Option<Uuid>,
        to: MessageState,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Option<Message>, StoreError>;
    /// Moves on to `to`, never back, every message of ours on `network` to `recipient` sent at or before
    /// `up_to` (Messenger's and Instagram's watermarks); the ids of those that moved.
    async fn advance_messages_up_to(
        &self,
        network: Network,
        recipient: &str,
        to: MessageState,
        up_to: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError>;
    /// Puts back in the queue, due at `due`, a message the network reports it did not deliver for now (a
    /// throughput or per-person limit); `None` when none of ours still counts as sent (a duplicate, or a
    /// status of a send that was already made again).
    async fn requeue_message(
        &self,
        network: Network,
        provider_message_id: Option<&str>,
        our_id: Option<Uuid>,
        due: DateTime<Utc>,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Message>, StoreError>;
    /// Keeps a reply once per network message id: notes when the person wrote (their network's window)
    /// and attaches it to their task; `None` for a delivery seen before, which changes nothing.
    async fn record_reply(
        &self,
        reply: &NewReply,
        at: DateTime<Utc>,
    ) -> Result<Option<Reply>, StoreError>;
    async fn replies_for_task(&self, task_id: Uuid) -> Result<Vec<Reply>, StoreError>;
    /// The tasks `assignee` holds with replies not yet seen, and how many each.
    async fn unseen_replies(&self, assignee: &str) -> Result<Vec<(Uuid, i64)>, StoreError>;
    async fn mark_replies_seen(&self, task_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Takes the turn to send a message through `account` on `network` to `recipient` at `now`, if it
    /// has come: the account's next turn moves on to `now + account_pace` and the person's to
    /// `now + recipient_pace`, both or neither (a pace of zero only honours holds). `None` when the turn
    /// was taken, else when it comes. Every instance on the database takes turns from the same rows.
    async fn take_send_turn(
        &self,
        network: Network,
        account: &str,
        recipient: &str,
        account_pace: TimeDelta,
        recipient_pace: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// Holds every send through `account` on `network` (to `recipient` only, when given) until `until`;
    /// a hold never shortens a later turn.
    async fn hold_sends(
        &self,
        network: Network,
        account: &str,
        recipient: Option<&str>,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Removes up to `limit` persons' turns that passed by `now`; how many.
    async fn purge_send_turns(&self, now: DateTime<Utc>, limit: i64) -> Result<u64, StoreError>;
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

        async fn next_send_turn(
            conn: &mut $conn,
            network: Network,
            account: &str,
            recipient: &str,
            now: DateTime<Utc>,
        ) -> Result<Option<DateTime<Utc>>, StoreError> {
            Ok(sqlx::query_scalar(NEXT_TURN)
                .bind(network.as_str())
                .bind(account)
                .bind(recipient)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        }

        #[async_trait]
        impl $crate::store::OutboxStore for $store {
            $($backend)*

            async fn take_send_turn(
                &self,
                network: Network,
                account: &str,
                recipient: &str,
                account_pace: TimeDelta,
                recipient_pace: TimeDelta,
                now: DateTime<Utc>,
            ) -> Result<Option<DateTime<Utc>>, StoreError> {
                let paced: Vec<(&str, TimeDelta)> = [(recipient, recipient_pace), ("", account_pace)]
                    .into_iter()
                    .filter(|(_, pace)| *pace > TimeDelta::zero())
                    .collect();
                if paced.is_empty() {
                    let mut conn = self.pool.acquire().await?;
                    return next_send_turn(&mut conn, network, account, recipient, now).await;
                }
                // Dropped unfinished, the transaction takes neither turn. Every instance locks the
                // person's row first and the account's second, so that two never wait for each other.
                let mut tx = self.write().await?;
                if let Some(turn) = next_send_turn(&mut tx, network, account, recipient, now).await? {
                    return Ok(Some(turn));
                }
                for (row, pace) in paced {
                    let taken: Option<DateTime<Utc>> = sqlx::query_scalar(TAKE_TURN)
                        .bind(network.as_str())
                        .bind(account)
                        .bind(row)
                        .bind(now + pace)
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if taken.is_none() {
                        // Another instance took it since the read above.
                        let turn = next_send_turn(&mut tx, network, account, recipient, now).await?;
                        return Ok(Some(turn.unwrap_or(now)));
                    }
                }
                tx.commit().await?;
                Ok(None)
            }

            async fn hold_sends(
                &self,
                network: Network,
                account: &str,
                recipient: Option<&str>,
                until: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(HOLD_TURNS)
                    .bind(network.as_str())
                    .bind(account)
                    .bind(recipient.unwrap_or_default())
                    .bind(until)
                    .execute(self.write_pool())
                    .await?;
                Ok(())
            }

            async fn purge_send_turns(&self, now: DateTime<Utc>, limit: i64) -> Result<u64, StoreError> {
                Ok(sqlx::query(PURGE_TURNS)
                    .bind(now)
                    .bind(limit)
                    .execute(self.write_pool())
                    .await?
                    .rows_affected())
            }

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

            async fn advance_message(
                &self,
                network: Network,
                provider_message_id: Option<&str>,
                our_id: Option<Uuid>,
                to: MessageState,
                error: Option<&str>,
                at: DateTime<Utc>,
            ) -> Result<Option<Message>, StoreError> {
                let earlier = earlier_states(to);
                if earlier.is_empty() || (provider_message_id.is_none() && our_id.is_none()) {
                    return Ok(None);
                }
                let mut tx = self.write().await?;
                let id: Option<Uuid> = sqlx::query_scalar(AssertSqlSafe(format!(
                    "UPDATE messages SET state = $1, last_error = COALESCE($2, last_error), \
                     provider_message_id = COALESCE(provider_message_id, $3), sent_at = COALESCE(sent_at, $4), \
                     delivered_at = CASE WHEN $1 IN ('delivered', 'read') THEN COALESCE(delivered_at, $4) \
                     ELSE delivered_at END, \
                     read_at = CASE WHEN $1 = 'read' THEN COALESCE(read_at, $4) ELSE read_at END, \
                     next_attempt_at = NULL WHERE network = $5 AND {MATCHES_SENT} \
                     AND state IN ({earlier}) RETURNING id"
                )))
                .bind(to.as_str())
                .bind(error)
                .bind(provider_message_id)
                .bind(at)
                .bind(network.as_str())
                .bind(our_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(id) = id else {
                    return Ok(None);
                };
                let detail = serde_json::json!({ "state": to.as_str(), "error": error, "by": "network" });
                let e = event("aboard", &format!("message.{}", to.as_str()), "message", id, None, None, detail);
                insert_event(&mut tx, &e, at).await?;
                let message = fetch_message(&mut tx, id).await?;
                tx.commit().await?;
                Ok(Some(message))
            }

            async fn advance_messages_up_to(
                &self,
                network: Network,
                recipient: &str,
                to: MessageState,
                up_to: DateTime<Utc>,
                at: DateTime<Utc>,
            ) -> Result<Vec<Uuid>, StoreError> {
                // Only messages known to have left (with their time) are behind a watermark.
                let earlier = match to {
                    MessageState::Delivered => "'sent'",
                    MessageState::Read => "'sent', 'delivered'",
                    _ => return Ok(Vec::new()),
                };
                let mut tx = self.write().await?;
                let ids: Vec<Uuid> = sqlx::query_scalar(AssertSqlSafe(format!(
                    "UPDATE messages SET state = $1, \
                     delivered_at = COALESCE(delivered_at, $4), \
                     read_at = CASE WHEN $1 = 'read' THEN COALESCE(read_at, $4) ELSE read_at END \
                     WHERE network = $2 AND recipient = $3 AND sent_at <= $5 AND state IN ({earlier}) RETURNING id"
                )))
                .bind(to.as_str())
                .bind(network.as_str())
                .bind(recipient)
                .bind(at)
                .bind(up_to)
                .fetch_all(&mut *tx)
                .await?;
                for id in &ids {
                    let detail = serde_json::json!({ "state": to.as_str(), "by": "network", "watermark": up_to });
                    let e = event("aboard", &format!("message.{}", to.as_str()), "message", *id, None, None, detail);
                    insert_event(&mut tx, &e, at).await?;
                }
                tx.commit().await?;
                Ok(ids)
            }

            async fn requeue_message(
                &self,
                network: Network,
                provider_message_id: Option<&str>,
                our_id: Option<Uuid>,
                due: DateTime<Utc>,
                error: &str,
                at: DateTime<Utc>,
            ) -> Result<Option<Message>, StoreError> {
                if provider_message_id.is_none() && our_id.is_none() {
                    return Ok(None);
                }
                let mut tx = self.write().await?;
                let id: Option<Uuid> = sqlx::query_scalar(REQUEUE_MESSAGE)
                    .bind(due)
                    .bind(error)
                    .bind(provider_message_id)
                    .bind(network.as_str())
                    .bind(our_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(id) = id else {
                    return Ok(None);
                };
                let detail = serde_json::json!({ "state": "queued", "error": error, "by": "network", "due": due });
                let e = event("aboard", "message.queued", "message", id, None, None, detail);
                insert_event(&mut tx, &e, at).await?;
                let message = fetch_message(&mut tx, id).await?;
                tx.commit().await?;
                Ok(Some(message))
            }

            async fn record_reply(&self, reply: &NewReply, at: DateTime<Utc>) -> Result<Option<Reply>, StoreError> {
                let mut tx = self.write().await?;
                let id = Uuid::now_v7();
                let inserted = sqlx::query(INSERT_REPLY)
                    .bind(id)
                    .bind(reply.network.as_str())
                    .bind(&reply.network_message_id)
                    .bind(&reply.sender_id)
                    .bind(reply.body.as_deref())
                    .bind(reply.sent_at)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if inserted == 0 {
                    return Ok(None);
                }
                let inbound = InboundMessage {
                    network: reply.network,
                    network_user_id: Some(reply.sender_id.clone()),
                    handle: None,
                    received_at: reply.sent_at,
                };
                let persons = note_inbound(&mut tx, &inbound, "network", at).await?;
                let person_id = persons.first().copied();
                let task_id: Option<Uuid> = match person_id {
                    Some(person) => sqlx::query_scalar(TASK_OF_REPLY)
                        .bind(reply.network.as_str())
                        .bind(&reply.sender_id)
                        .bind(person)
                        .fetch_optional(&mut *tx)
                        .await?,
                    None => None,
                };
                sqlx::query("UPDATE inbound_messages SET person_id = $2, task_id = $3 WHERE id = $1")
                    .bind(id)
                    .bind(person_id)
                    .bind(task_id)
                    .execute(&mut *tx)
                    .await?;
                if let Some(task_id) = task_id {
                    // The person wrote back on a follow-up: what the event stream and its webhooks carry
                    // (never the words).
                    let detail = serde_json::json!({ "network": reply.network.as_str(), "reply": id });
                    let e = event("aboard", "message.replied", "task", task_id, None, person_id, detail);
                    insert_event(&mut tx, &e, at).await?;
                }
                let row = sqlx::query_as::<_, ReplyRow>(AssertSqlSafe(format!(
                    "SELECT {REPLY_COLUMNS} FROM inbound_messages WHERE id = $1"
                )))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(row.try_into()?))
            }

            async fn replies_for_task(&self, task_id: Uuid) -> Result<Vec<Reply>, StoreError> {
                sqlx::query_as::<_, ReplyRow>(AssertSqlSafe(format!(
                    "SELECT {REPLY_COLUMNS} FROM inbound_messages WHERE task_id = $1 ORDER BY sent_at, id"
                )))
                .bind(task_id)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Reply::try_from)
                .collect()
            }

            async fn unseen_replies(&self, assignee: &str) -> Result<Vec<(Uuid, i64)>, StoreError> {
                Ok(sqlx::query_as::<_, (Uuid, i64)>(
                    "SELECT i.task_id, COUNT(*) FROM inbound_messages i JOIN tasks t ON t.id = i.task_id \
                     WHERE t.assignee = $1 AND t.state = 'claimed' AND i.seen_at IS NULL \
                     GROUP BY i.task_id ORDER BY i.task_id",
                )
                .bind(assignee)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn mark_replies_seen(&self, task_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError> {
                Ok(sqlx::query("UPDATE inbound_messages SET seen_at = $2 WHERE task_id = $1 AND seen_at IS NULL")
                    .bind(task_id)
                    .bind(at)
                    .execute(self.write_pool())
                    .await?
                    .rows_affected())
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

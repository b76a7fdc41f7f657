//! Outgoing event webhooks: the events queued for the airline's systems (a trigger queues them with the
//! event, migration 0014), leased to one instance at a time and delivered once, as the outbox does
//! messages.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use super::events::EVENT_COLUMNS;
use crate::domain::records::Event;

/// An event leased for delivery: none when the event itself was removed since (erasure, retention).
#[derive(Debug, Clone, PartialEq)]
pub struct EventDelivery {
    pub event_id: Uuid,
    pub attempts: i32,
    pub event: Option<Event>,
}

/// How one delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryResult {
    Delivered,
    /// Try again at `at` (a 5xx, a 429, a receiver that could not be reached).
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    /// Given up: refused, too many attempts, or the event is gone.
    Failed {
        error: String,
    },
}

/// `$1` event, `$2` state, `$3` next attempt, `$4` error, `$5` delivered at, `$6` the instance: only the
/// holder of the lease records the outcome.
pub(super) const FINISH_EVENT_DELIVERY: &str = "UPDATE event_deliveries SET state = $2, attempts = attempts + 1, \
    next_attempt_at = COALESCE($3, next_attempt_at), last_error = $4, delivered_at = $5, \
    lease_owner = NULL, lease_until = NULL WHERE event_id = $1 AND lease_owner = $6 AND state = 'sending'";

/// From here an event is never leased again: an instance that dies while sending leaves its outcome
/// unknown, and it is not sent twice.
pub(super) const BEGIN_EVENT_DELIVERY: &str = "UPDATE event_deliveries SET state = 'sending', lease_until = $3 \
    WHERE event_id = $1 AND lease_owner = $2 AND state = 'queued'";

pub(super) const DELIVERY_SENDING_TO_UNKNOWN: &str = "UPDATE event_deliveries SET state = 'unknown', \
    last_error = 'the instance delivering it stopped before the receiver answered', lease_owner = NULL, \
    lease_until = NULL WHERE state = 'sending' AND lease_until <= $1";

/// Deliveries by state, for /metrics and the tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub queued: i64,
    pub delivered: i64,
    pub failed: i64,
    pub unknown: i64,
}

#[async_trait]
pub trait EventHookStore: Send + Sync {
    /// Whether the events the webhooks carry are queued from now on (set at start from the configuration).
    async fn set_event_webhooks(&self, on: bool) -> Result<(), StoreError>;
    /// Leases up to `limit` due deliveries to `instance` until `lease_until`, oldest event first; other
    /// instances do not see them until the lease ends.
    async fn claim_event_deliveries(
        &self,
        instance: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<EventDelivery>, StoreError>;
    /// Marks a leased delivery as leaving; false when `instance` no longer holds it.
    async fn begin_event_delivery(
        &self,
        event_id: Uuid,
        instance: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Records how a delivery went, if `instance` still holds it.
    async fn finish_event_delivery(
        &self,
        event_id: Uuid,
        instance: &str,
        result: &DeliveryResult,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Deliveries left sending by an instance that stopped, past their lease: unknown, never resent.
    async fn settle_event_deliveries(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
    async fn event_delivery_counts(&self) -> Result<DeliveryCounts, StoreError>;
}

/// Implements `EventHookStore` for a backend store, once for both backends.
macro_rules! event_hook_store {
    ($store:ty, $conn:ty, { $($backend:tt)* }) => {
        #[async_trait]
        impl $crate::store::EventHookStore for $store {
            $($backend)*

            async fn set_event_webhooks(&self, on: bool) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO registry_settings (name, value) VALUES ('event_webhooks', $1) \
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                )
                .bind(i64::from(on))
                .execute(self.write_pool())
                .await?;
                Ok(())
            }

            async fn claim_event_deliveries(
                &self,
                instance: &str,
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
                limit: i64,
            ) -> Result<Vec<$crate::store::EventDelivery>, StoreError> {
                let mut tx = self.write().await?;
                let due: Vec<(Uuid, i32)> = sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT event_id, attempts FROM event_deliveries WHERE state = 'queued' \
                     AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) \
                     ORDER BY event_id LIMIT $2{CLAIM_LOCK}"
                )))
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                let mut claimed = Vec::with_capacity(due.len());
                for (event_id, attempts) in due {
                    sqlx::query(
                        "UPDATE event_deliveries SET lease_owner = $2, lease_until = $3 WHERE event_id = $1",
                    )
                    .bind(event_id)
                    .bind(instance)
                    .bind(lease_until)
                    .execute(&mut *tx)
                    .await?;
                    let event = sqlx::query_as::<_, EventRow>(AssertSqlSafe(select_event_by_id()))
                        .bind(event_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(Event::try_from)
                        .transpose()?;
                    claimed.push($crate::store::EventDelivery {
                        event_id,
                        attempts,
                        event,
                    });
                }
                tx.commit().await?;
                Ok(claimed)
            }

            async fn begin_event_delivery(
                &self,
                event_id: Uuid,
                instance: &str,
                lease_until: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let changed = sqlx::query(BEGIN_EVENT_DELIVERY)
                    .bind(event_id)
                    .bind(instance)
                    .bind(lease_until)
                    .execute(self.write_pool())
                    .await?
                    .rows_affected();
                Ok(changed == 1)
            }

            async fn finish_event_delivery(
                &self,
                event_id: Uuid,
                instance: &str,
                result: &$crate::store::DeliveryResult,
                at: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                use $crate::store::DeliveryResult;
                let (state, next, error, delivered) = match result {
                    DeliveryResult::Delivered => ("delivered", None, None, Some(at)),
                    DeliveryResult::Retry { at: next, error } => {
                        ("queued", Some(*next), Some(error.as_str()), None)
                    }
                    DeliveryResult::Failed { error } => ("failed", None, Some(error.as_str()), None),
                };
                let changed = sqlx::query(FINISH_EVENT_DELIVERY)
                    .bind(event_id)
                    .bind(state)
                    .bind(next)
                    .bind(error)
                    .bind(delivered)
                    .bind(instance)
                    .execute(self.write_pool())
                    .await?
                    .rows_affected();
                Ok(changed == 1)
            }

            async fn settle_event_deliveries(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
                Ok(sqlx::query(DELIVERY_SENDING_TO_UNKNOWN)
                    .bind(now)
                    .execute(self.write_pool())
                    .await?
                    .rows_affected())
            }

            async fn event_delivery_counts(
                &self,
            ) -> Result<$crate::store::DeliveryCounts, StoreError> {
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT state, COUNT(*) FROM event_deliveries GROUP BY state",
                )
                .fetch_all(&self.pool)
                .await?;
                let mut counts = $crate::store::DeliveryCounts::default();
                for (state, n) in rows {
                    match state.as_str() {
                        "queued" | "sending" => counts.queued += n,
                        "delivered" => counts.delivered += n,
                        "failed" => counts.failed += n,
                        _ => counts.unknown += n,
                    }
                }
                Ok(counts)
            }
        }
    };
}
pub(super) use event_hook_store;

pub(super) fn select_event_by_id() -> String {
    format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1")
}

//! Type B messages held across deliveries. A PNL or ADL in parts may come one part per file (CLI, API,
//! drop folder), in any order, minutes apart, some twice; an ADL may come before its flight's PNL. Parts
//! are held in the database (`Store::hold_message_parts`) until their message is complete, then the
//! whole message is read as one (`manifest::assemble`) and applied like a file. A part held already, or
//! of a message applied already, changes nothing.
//!
//! Order, per flight: messages apply in the order of their originator time (ADLs in sequence). An ADL
//! waits while its flight has no passenger list, and any message waits behind an earlier one of its
//! flight that is still incomplete — until that one has been reported stale (`held_after` in the
//! import configuration), when ops know and the later ones go ahead. A message older than the list
//! applied is set aside as superseded, as a late ADL file is refused.
//!
//! Whole PNL, CSV and JSON files never come here: only after a batch applied one of the flights held
//! messages wait for are those looked at.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use prometheus_client::metrics::counter::Counter;
use serde::Serialize;

use super::import::{self, ImportError, ImportHook, ImportSummary, Prepared};
use crate::domain::records::{HeldMessage, HeldPart, NewHeldPart, PartHeld};
use crate::domain::{FlightKey, ImportWarning, ImportWarnings, Region};
use crate::manifest::{self, DeliveredPart, Format, MessagePart};
use crate::scheduler::{Job, JobContext, JobError, JobReport};
use crate::store::{Store, StoreError};

/// Who the event log names for the incomplete-message reports.
const INCOMPLETE_ACTOR: &str = "scheduler";

/// Reports each held message still incomplete `after` its first part came, once across instances: an
/// event (`manifest.incomplete`) and the metric. From then on it no longer holds back the later
/// messages of its flight, which this run lets go.
pub struct IncompleteMessagesJob {
    after: TimeDelta,
    default_region: Option<Region>,
    stale: Counter,
}

impl IncompleteMessagesJob {
    /// `default_region` reads the phones of the messages it lets go, as the import's would have.
    pub fn new(after: TimeDelta, default_region: Option<Region>) -> IncompleteMessagesJob {
        IncompleteMessagesJob {
            after,
            default_region,
            stale: Counter::default(),
        }
    }
}

#[async_trait]
impl Job for IncompleteMessagesJob {
    fn name(&self) -> &'static str {
        "incomplete-messages"
    }

    fn default_schedule(&self) -> &'static str {
        "*/1 * * * *"
    }

    async fn run(&self, ctx: &JobContext) -> Result<JobReport, JobError> {
        let store = ctx.store.as_ref();
        let stale = store
            .claim_stale_held_messages(ctx.now - self.after, INCOMPLETE_ACTOR, ctx.now)
            .await?;
        self.stale.inc_by(stale.len() as u64);
        let flights: HashSet<FlightKey> = stale.iter().map(|m| m.flight.clone()).collect();
        let released = release(
            store,
            None,
            &flights,
            self.default_region,
            INCOMPLETE_ACTOR,
            ctx.now,
        )
        .await?;
        for message in &stale {
            tracing::warn!(
                message = %message_label(&message.kind, &message.flight, message.sent_at),
                parts_held = ?message.parts.iter().map(|p| p.number).collect::<Vec<_>>(),
                "a Type B message is still incomplete"
            );
        }
        Ok(JobReport::ok(format!(
            "{} message(s) still incomplete after {} min reported; {} later message(s) applied",
            stale.len(),
            self.after.num_minutes(),
            released.len()
        )))
    }

    fn register_metrics(&self, registry: &mut prometheus_client::registry::Registry) {
        registry.register(
            "held_messages_stale",
            "Type B messages reported still incomplete after the configured time",
            self.stale.clone(),
        );
    }
}

/// A message still held after an import, as the import's summary and /ops/import show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HeldState {
    /// `PNL IB3166/22NOV MAD sent 20NOV 08:30`.
    pub message: String,
    pub flight: String,
    pub parts_held: Vec<u16>,
    /// Parts below the highest held that are not in.
    pub parts_missing: Vec<u16>,
    /// A held part ends the message (ENDPNL, ENDADL); when not, parts after the highest are missing too.
    pub last_part_held: bool,
    pub waiting: Waiting,
    /// What the message waits for, in words.
    pub waiting_for: String,
    pub first_received_at: DateTime<Utc>,
}

/// What a held message waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Waiting {
    /// Parts not received yet.
    Parts,
    /// An ADL: its flight has no passenger list yet.
    FlightPnl,
    /// An earlier message of its flight is incomplete.
    EarlierMessage,
    /// Nothing: it applies with the next import of its flight.
    Turn,
}

/// A held message that an import completed or let go, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReleasedMessage {
    pub message: String,
    /// What applying it did; `None` when it was set aside.
    #[schema(no_recursion)]
    pub summary: Option<ImportSummary>,
    /// Why it was set aside (older than the list applied, or refused once its parts were together).
    pub set_aside: Option<String>,
}

impl ReleasedMessage {
    pub fn line(&self) -> String {
        match (&self.summary, &self.set_aside) {
            (Some(summary), _) => summary.line(),
            (None, Some(reason)) => format!("{}: set aside: {reason}", self.message),
            (None, None) => format!("{}: set aside", self.message),
        }
    }
}

/// The message's name for people: kind, flight and originator time.
pub fn message_label(kind: &str, flight: &FlightKey, sent_at: Option<DateTime<Utc>>) -> String {
    let sent = sent_at.map_or_else(
        || "without originator time".to_string(),
        |t| format!("sent {}", t.format("%d%b %H:%M").to_string().to_uppercase()),
    );
    format!("{} {flight} {sent}", kind.to_uppercase())
}

/// What `message` waits for, given whether its flight has a list and an earlier message blocks it.
fn waiting(message: &HeldMessage, flight_has_list: bool, blocked: bool) -> Waiting {
    if !message.is_complete() {
        Waiting::Parts
    } else if message.kind == "adl" && !flight_has_list {
        Waiting::FlightPnl
    } else if blocked {
        Waiting::EarlierMessage
    } else {
        Waiting::Turn
    }
}

fn waiting_for(message: &HeldMessage, flight_has_list: bool, blocked: bool) -> String {
    if !message.is_complete() {
        let numbers: Vec<String> = message.missing_parts().iter().map(u16::to_string).collect();
        let mut wanted = Vec::new();
        match numbers.as_slice() {
            [] => {}
            [one] => wanted.push(format!("part {one}")),
            many => wanted.push(format!("parts {}", many.join(", "))),
        }
        if !message.last_part_held() {
            let highest = message.parts.iter().map(|p| p.number).max().unwrap_or(0);
            wanted.push(format!(
                "the part after {highest} (up to END{})",
                message.kind.to_uppercase()
            ));
        }
        return wanted.join(" and ");
    }
    if message.kind == "adl" && !flight_has_list {
        return "the flight's PNL".to_string();
    }
    if blocked {
        return "an earlier message of the flight that is still incomplete".to_string();
    }
    "its turn".to_string()
}

fn held_state(message: &HeldMessage, flight_has_list: bool, blocked: bool) -> HeldState {
    HeldState {
        message: message_label(&message.kind, &message.flight, message.sent_at),
        flight: message.flight.to_string(),
        parts_held: message.parts.iter().map(|p| p.number).collect(),
        parts_missing: message.missing_parts(),
        last_part_held: message.last_part_held(),
        waiting: waiting(message, flight_has_list, blocked),
        waiting_for: waiting_for(message, flight_has_list, blocked),
        first_received_at: message.first_received_at,
    }
}

/// Every open held message with what it waits for, oldest first: the list /ops/import shows.
pub async fn held_states(store: &dyn Store) -> Result<Vec<HeldState>, StoreError> {
    let mut held = store.held_messages().await?;
    held.sort_by_key(|m| m.first_received_at);
    let mut states = Vec::with_capacity(held.len());
    for message in &held {
        let has_list = flight_has_list(store, &message.flight).await?;
        let blocked = held.iter().any(|earlier| {
            earlier.flight == message.flight && earlier.sent_at < message.sent_at && blocks(earlier)
        });
        states.push(held_state(message, has_list, blocked));
    }
    Ok(states)
}

/// Whether the flight has a passenger list: a PNL (or CSV, JSON) was applied to it.
async fn flight_has_list(store: &dyn Store, key: &FlightKey) -> Result<bool, StoreError> {
    let Some(flight) = store.find_flight(key).await? else {
        return Ok(false);
    };
    Ok(!store.passengers(flight.id).await?.is_empty())
}

/// An incomplete message holds back the later messages of its flight until it is reported stale.
fn blocks(message: &HeldMessage) -> bool {
    !message.is_complete() && message.stale_reported_at.is_none()
}

/// Whether a whole ADL for `flight` must be held: its flight has no list yet, or messages of the flight
/// are held (it applies after them).
pub(super) async fn adl_must_wait(
    store: &dyn Store,
    flight: &FlightKey,
) -> Result<bool, StoreError> {
    if !flight_has_list(store, flight).await? {
        return Ok(true);
    }
    Ok(store
        .held_messages()
        .await?
        .iter()
        .any(|m| m.flight == *flight))
}

/// Holds the parts a file delivered, then applies whatever message is now ready. The file's summary
/// names the messages still held and those released.
pub(super) async fn hold_parts(
    store: &dyn Store,
    hook: Option<&dyn ImportHook>,
    file_name: &str,
    (parts, mut warnings): (Vec<MessagePart>, ImportWarnings),
    default_region: Option<Region>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ImportSummary, ImportError> {
    let format = parts.first().map_or(Format::Pnl, |p| p.format);
    let rows = parts.iter().map(|p| p.rows).sum();
    let held: Vec<NewHeldPart> = parts
        .into_iter()
        .map(|p| NewHeldPart {
            message_key: p.message_key(),
            kind: import::format_name(p.format).to_string(),
            flight: p.flight,
            sent_at: p.sent_at.map(|t| t.and_utc()),
            part: HeldPart {
                number: p.number,
                last: p.last,
                file_name: file_name.to_string(),
                first_line: p.first_line,
                text: p.text,
                actor: actor.to_string(),
                received_at: now,
            },
        })
        .collect();
    let outcomes = store
        .hold_message_parts(&held, now)
        .await
        .map_err(ImportError::Store)?;
    let duplicate = outcomes.iter().all(|o| *o != PartHeld::New);
    for (held, outcome) in held.iter().zip(&outcomes) {
        if let PartHeld::RepeatedOtherwise { kept_from } = outcome {
            warnings.push(ImportWarning {
                file: file_name.to_string(),
                line: held.part.first_line,
                field: Some("part".to_string()),
                reason: format!(
                    "part {} of {} came again with other text; the copy from {kept_from} is kept",
                    held.part.number,
                    message_label(&held.kind, &held.flight, held.sent_at)
                ),
            });
        }
    }
    let keys: HashSet<&str> = held.iter().map(|p| p.message_key.as_str()).collect();
    // A message this file completed is read whole now, so that an error across its parts is told to
    // whoever sent the last of them.
    for message in store.held_messages().await.map_err(ImportError::Store)? {
        if keys.contains(message.message_key.as_str())
            && message.is_complete()
            && let Err(errors) = assemble(&message, now.date_naive(), default_region)
        {
            store
                .forget_held_message(&message.message_key)
                .await
                .map_err(ImportError::Store)?;
            return Err(ImportError::Invalid(errors));
        }
    }
    let flights: HashSet<FlightKey> = held.iter().map(|p| p.flight.clone()).collect();
    let released = release(store, hook, &flights, default_region, actor, now)
        .await
        .map_err(ImportError::Store)?;
    let still_held = held_states(store)
        .await
        .map_err(ImportError::Store)?
        .into_iter()
        .filter(|state| {
            held.iter()
                .any(|p| state.message == message_label(&p.kind, &p.flight, p.sent_at))
        })
        .collect();
    Ok(ImportSummary {
        file: file_name.to_string(),
        format,
        rows,
        duplicate: duplicate && released.is_empty(),
        flights: Vec::new(),
        warnings,
        hook_problems: Vec::new(),
        held: still_held,
        released,
    })
}

/// Applies the held messages of `flights` that are ready, in order, and closes each; returns what
/// became of them.
pub(super) async fn release(
    store: &dyn Store,
    hook: Option<&dyn ImportHook>,
    flights: &HashSet<FlightKey>,
    default_region: Option<Region>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Vec<ReleasedMessage>, StoreError> {
    let mut released = Vec::new();
    let held = store.held_messages().await?;
    for flight in flights {
        let mut waiting: Vec<HeldMessage> = held
            .iter()
            .filter(|m| m.flight == *flight)
            .cloned()
            .collect();
        waiting.sort_by_key(|m| (m.sent_at, m.first_received_at));
        while let Some(ready) = next_ready(store, &waiting).await? {
            let message = waiting.remove(ready);
            released.push(apply_message(store, hook, &message, default_region, actor, now).await?);
        }
    }
    Ok(released)
}

/// The first message that can apply now: complete, not behind an incomplete earlier one, and, for an
/// ADL, with a list to change.
async fn next_ready(
    store: &dyn Store,
    waiting: &[HeldMessage],
) -> Result<Option<usize>, StoreError> {
    let Some(first) = waiting.first() else {
        return Ok(None);
    };
    let has_list = flight_has_list(store, &first.flight).await?;
    for (i, message) in waiting.iter().enumerate() {
        if !message.is_complete() {
            if blocks(message) {
                return Ok(None);
            }
            continue;
        }
        if message.kind == "adl" && !has_list {
            continue;
        }
        return Ok(Some(i));
    }
    Ok(None)
}

fn assemble(
    message: &HeldMessage,
    reference: NaiveDate,
    default_region: Option<Region>,
) -> Result<(manifest::Document, ImportWarnings), manifest::ParseErrors> {
    let delivered: Vec<DeliveredPart<'_>> = message
        .parts
        .iter()
        .map(|p| DeliveredPart {
            file_name: &p.file_name,
            first_line: p.first_line,
            text: &p.text,
        })
        .collect();
    let format = import::parse_format(&message.kind).unwrap_or(Format::Pnl);
    manifest::assemble(&delivered, format, reference, default_region)
}

/// Reads a complete message and applies it like a file; closes it with its outcome.
async fn apply_message(
    store: &dyn Store,
    hook: Option<&dyn ImportHook>,
    message: &HeldMessage,
    default_region: Option<Region>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ReleasedMessage, StoreError> {
    let label = message_label(&message.kind, &message.flight, message.sent_at);
    let document = match assemble(message, now.date_naive(), default_region) {
        Ok(document) => document,
        Err(errors) => {
            store.forget_held_message(&message.message_key).await?;
            return Ok(ReleasedMessage {
                message: label,
                summary: None,
                set_aside: Some(format!("refused once its parts were together: {errors}")),
            });
        }
    };
    let format = import::parse_format(&message.kind).unwrap_or(Format::Pnl);
    let stored_keys = match &document.0 {
        manifest::Document::Adl(changes) => import::live_keys(store, &changes.flight).await?,
        _ => Vec::new(),
    };
    let mut files: Vec<&str> = Vec::new();
    for part in &message.parts {
        if !files.contains(&part.file_name.as_str()) {
            files.push(&part.file_name);
        }
    }
    let file_name = format!("{label} ({})", files.join(" + "));
    let texts: Vec<&str> = message.parts.iter().map(|p| p.text.as_str()).collect();
    let digest = import::digest(texts.join("\n").as_bytes());
    let (format, import, rows) =
        import::to_import(document, format, &stored_keys, &file_name, digest, actor);
    let mut results = vec![None];
    let batch = vec![Prepared {
        position: 0,
        format,
        import,
        rows,
        parse: std::time::Duration::ZERO,
    }];
    import::apply(store, hook, batch, &mut results, now).await;
    let (outcome, released) = match results.pop().flatten() {
        Some(Ok(summary)) => (
            if summary.duplicate {
                "applied before"
            } else {
                "applied"
            }
            .to_string(),
            ReleasedMessage {
                message: label,
                summary: Some(summary),
                set_aside: None,
            },
        ),
        Some(Err(ImportError::OutOfOrder { reason, .. })) => (
            format!("superseded: {reason}"),
            ReleasedMessage {
                message: label,
                summary: None,
                set_aside: Some(reason),
            },
        ),
        Some(Err(ImportError::Store(e))) => return Err(e),
        Some(Err(ImportError::Invalid(errors))) => {
            return Err(StoreError::Corrupt(errors.to_string()));
        }
        None => return Err(StoreError::NotFound(format!("the outcome of {label}"))),
    };
    store
        .close_held_message(&message.message_key, &outcome, now)
        .await?;
    Ok(released)
}

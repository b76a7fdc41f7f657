//! An advisor's work on social tasks: the queue of the advisor's languages, claiming a task, sending a
//! message through the outbox (the network's rules at that moment, an approved template where only one
//! may go, a warning when the text nearly repeats one sent to another passenger) and closing the task
//! with its outcome. The console's pages and its JSON API both call these, so that they check the same
//! roles, language scopes and network rules. Advisors work the tasks of persons whose language they are
//! scoped to; ops work every one.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{Caller, ServiceError};
use crate::clock;
use crate::domain::records::{
    Flight, Message, NewMessage, Person, Task, TaskTransition, TemplateUse,
};
use crate::domain::{Channel, MessageMode, MessageState, Network, Role, TaskOutcome, TaskState};
use crate::messaging::templates::{MessagingConfig, TemplateError};
use crate::messaging::{self, NEAR_DUPLICATE, NotAllowed, SendMode};
use crate::store::{PersonTask, SocialQueue, Store, StoreError};
use crate::tasks;

/// How far back, and how many, of the messages anyone sent a new text is compared with.
pub const RECENT_WINDOW: Duration = Duration::days(7);
pub const RECENT_LIMIT: i64 = 500;
/// Longest message an advisor may send: every network takes at least this much in one message.
pub const MAX_BODY_CHARS: usize = 2000;
/// Most social tasks one queue shows.
const QUEUE_LIMIT: i64 = 2000;
/// Why a send with nothing to say was refused; the pages say it in the advisor's language.
pub const EMPTY_TEXT: &str = "write a message before sending it";

/// Why an advisor's request was refused. The API answers each with a status and a stable `code`; the
/// pages show the same reason in the advisor's language.
#[derive(Debug, thiserror::Error)]
pub enum AdvisorError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("someone else claimed this task first ({0})")]
    Taken(String),
    #[error("{0}")]
    NotClaimed(&'static str),
    #[error("{0}")]
    NotEligible(NotAllowed),
    #[error("the person's {0} account has no network user id to write to")]
    NoRecipient(Network),
    #[error("the person has no {0} account")]
    NoAccount(Network),
    #[error(
        "only an approved template may be sent on {0} now; choose one (configured under [messaging.templates])"
    )]
    TemplateRequired(Network),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("{0}")]
    Invalid(String),
    #[error(
        "the text is nearly the same ({:.0}%) as a message already sent to another passenger; write it for this person, or send again with confirm",
        .0.similarity * 100.0
    )]
    NearDuplicate(NearDuplicate),
}

impl From<StoreError> for AdvisorError {
    fn from(e: StoreError) -> Self {
        AdvisorError::Service(ServiceError::Store(e))
    }
}

/// The closest earlier message to another passenger, when a new text is nearly the same.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NearDuplicate {
    pub similarity: f64,
    pub message_id: Uuid,
    pub task_id: Uuid,
    pub sent_at: DateTime<Utc>,
}

/// A social task the caller may see, with the person it is about.
#[derive(Debug, Clone)]
pub struct SocialTask {
    pub task: Task,
    pub person: Person,
}

/// The caller's queue: its tasks, most urgent first, and their flights by id.
pub struct Queue {
    pub tasks: Vec<PersonTask>,
    pub flights: HashMap<Uuid, Flight>,
}

/// The primary subtag of the language a person writes in (`es` for `es-MX`), or "" when the registry has
/// none.
pub fn primary_language(language: Option<&str>) -> String {
    language
        .and_then(|l| l.split(['-', '_']).next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Advisors and ops only; a token or account of another role is refused before anything is read.
fn require_advisor(caller: &Caller) -> Result<(), AdvisorError> {
    match caller.grant.role() {
        Role::Advisor | Role::Ops => Ok(()),
        Role::Gate | Role::Admin | Role::Analyst => Err(ServiceError::Forbidden.into()),
    }
}

/// The open social tasks of the caller's languages and those claimed by the caller, most urgent first
/// (priority, then due time), filtered by language in the store's query, with their flights.
pub async fn queue(store: &dyn Store, caller: &Caller) -> Result<Queue, AdvisorError> {
    require_advisor(caller)?;
    let languages =
        (caller.grant.role() != Role::Ops).then(|| caller.grant.scopes().languages.clone());
    let queue = SocialQueue {
        assignee: caller.actor.clone(),
        languages,
        limit: QUEUE_LIMIT,
    };
    let mut tasks = store.social_queue(&queue).await?;
    // Escalated tasks, close to or past their deadline, come first; the rest keep the store's order.
    tasks.sort_by_key(|t| t.task.escalated_at.is_none());
    let mut ids: Vec<Uuid> = tasks.iter().map(|t| t.task.new.flight_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let flights = store.flights(&ids).await?;
    Ok(Queue {
        tasks,
        flights: flights.into_iter().map(|f| (f.id, f)).collect(),
    })
}

/// One social task, if it exists, is social, and its person writes in one of the caller's languages.
pub async fn social_task(
    store: &dyn Store,
    caller: &Caller,
    id: Uuid,
) -> Result<SocialTask, AdvisorError> {
    require_advisor(caller)?;
    let not_found = || not_found(id);
    let task = store.task(id).await?.ok_or_else(not_found)?;
    if task.new.channel != Channel::Social {
        return Err(not_found());
    }
    let person = store
        .person(task.new.person_id)
        .await?
        .ok_or_else(not_found)?;
    let language = primary_language(person.record.language.as_deref());
    if !caller.grant.allows_language(&language) {
        return Err(ServiceError::Forbidden.into());
    }
    Ok(SocialTask { task, person })
}

/// Claims an open social task for the caller. Claiming a task one already holds succeeds again (a
/// double tap); a task someone else got first is `Taken`.
pub async fn claim(store: &dyn Store, caller: &Caller, id: Uuid) -> Result<Task, AdvisorError> {
    let social = social_task(store, caller, id).await?;
    let me = caller.actor.clone();
    let transition = TaskTransition {
        task_id: id,
        from: vec![TaskState::Open],
        to: TaskState::Claimed,
        actor: me.clone(),
        assignee: Some(me.clone()),
        outcome: None,
        note: None,
        at: clock::now(),
    };
    if let Some(task) = store.transition_task(&transition).await? {
        return Ok(task);
    }
    let current = store.task(id).await?.unwrap_or(social.task);
    match (current.state, current.assignee) {
        (TaskState::Claimed, Some(assignee)) if assignee == me => {
            store.task(id).await?.ok_or_else(|| not_found(id))
        }
        (TaskState::Claimed, Some(assignee)) => Err(AdvisorError::Taken(assignee)),
        (other, _) => Err(AdvisorError::Invalid(format!(
            "the task is {other} and can no longer be claimed"
        ))),
    }
}

/// No social task `id`, or none the caller may know of.
pub fn not_found(id: impl std::fmt::Display) -> AdvisorError {
    ServiceError::NotFound(format!("social task {id}")).into()
}

fn require_claimed_by(caller: &Caller, task: &Task) -> Result<(), AdvisorError> {
    if task.state != TaskState::Claimed {
        return Err(AdvisorError::NotClaimed(
            "the task is not claimed: claim it before writing or closing",
        ));
    }
    if task.assignee.as_deref() != Some(caller.actor.as_str()) {
        return Err(AdvisorError::NotClaimed(
            "the task is claimed by someone else",
        ));
    }
    Ok(())
}

/// The closest message sent for another task in the last `RECENT_WINDOW`, when it is at least
/// `NEAR_DUPLICATE` alike. A text without words warns of nothing.
pub async fn near_duplicate(
    store: &dyn Store,
    task_id: Uuid,
    body: &str,
) -> Result<Option<NearDuplicate>, AdvisorError> {
    if !body.chars().any(char::is_alphanumeric) {
        return Ok(None);
    }
    let recent = store
        .recent_messages(clock::now() - RECENT_WINDOW, RECENT_LIMIT)
        .await?;
    let closest = recent
        .iter()
        .filter(|m| m.new.task_id != task_id)
        .map(|m| (messaging::similarity(body, &m.new.body), m))
        .filter(|(similarity, _)| *similarity >= NEAR_DUPLICATE)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    Ok(closest.map(|(similarity, m)| NearDuplicate {
        similarity,
        message_id: m.id,
        task_id: m.new.task_id,
        sent_at: m.created_at,
    }))
}

/// The Messenger/Instagram tag for a human agent's reply, up to 7 days after the person wrote.
pub const HUMAN_AGENT: &str = "HUMAN_AGENT";

/// The language code a template is sent in: the person's (`es`, `es_MX`), English when unknown.
fn template_language(language: Option<&str>) -> String {
    language
        .map(|l| l.trim().replace('-', "_"))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "en".to_string())
}

/// What an advisor asks to send.
#[derive(Debug, Clone, Default)]
pub struct SendRequest {
    pub network: Option<Network>,
    pub body: String,
    /// An approved template's name; its parameters fill it and replace `body`.
    pub template: Option<String>,
    pub parameters: Vec<String>,
    /// Send although the text is nearly one sent to another passenger.
    pub confirm: bool,
    /// Chosen by the client (the form's nonce, or the API caller's key): the same key sends once.
    pub key: String,
}

/// Checks and queues a message: the task claimed by the caller, an account on the network with a user
/// id, the network's rules at this moment, a filled template where only a template may go, a text of
/// the caller's own, and no near-duplicate unless confirmed. Returns the message (the first one when
/// the key was used before) and the near-duplicate warning that was confirmed, if any.
pub async fn send(
    store: &dyn Store,
    templates: &MessagingConfig,
    caller: &Caller,
    id: Uuid,
    request: &SendRequest,
) -> Result<(Message, Option<NearDuplicate>), AdvisorError> {
    let social = social_task(store, caller, id).await?;
    require_claimed_by(caller, &social.task)?;
    let network = request
        .network
        .ok_or_else(|| AdvisorError::Invalid("choose the network to write on".to_string()))?;
    let account = social
        .person
        .record
        .accounts
        .iter()
        .find(|a| a.network == network)
        .ok_or(AdvisorError::NoAccount(network))?;
    let recipient = account
        .network_user_id
        .clone()
        .filter(|r| !r.trim().is_empty())
        .ok_or(AdvisorError::NoRecipient(network))?;
    let mode = messaging::person_eligibility(&social.person, account, clock::now())
        .map_err(AdvisorError::NotEligible)?;
    let template = request.template.as_deref().filter(|t| !t.is_empty());
    let (body, mode, template) = match template {
        Some(name) => {
            let body = templates.fill(name, &request.parameters)?;
            // WhatsApp sends the approved template itself; elsewhere its filled text goes as written.
            match (network, mode) {
                (Network::Whatsapp, _) => {
                    let template = TemplateUse {
                        name: name.to_string(),
                        language: template_language(social.person.record.language.as_deref()),
                        parameters: request
                            .parameters
                            .iter()
                            .map(|p| p.trim().to_string())
                            .collect(),
                    };
                    (body, MessageMode::Template, Some(template))
                }
                (_, SendMode::HumanAgentTag) => (body, MessageMode::HumanAgentTag, None),
                (_, _) => (body, MessageMode::FreeText, None),
            }
        }
        None => match mode {
            SendMode::TemplateOnly => return Err(AdvisorError::TemplateRequired(network)),
            SendMode::HumanAgentTag => (
                request.body.trim().to_string(),
                MessageMode::HumanAgentTag,
                None,
            ),
            SendMode::FreeText => (request.body.trim().to_string(), MessageMode::FreeText, None),
        },
    };
    if body.is_empty() {
        return Err(AdvisorError::Invalid(EMPTY_TEXT.to_string()));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(AdvisorError::Invalid(format!(
            "the message is longer than {MAX_BODY_CHARS} characters"
        )));
    }
    let key = request.key.trim();
    if key.is_empty() || key.len() > 200 {
        return Err(AdvisorError::Invalid(
            "the request needs an idempotency key of 1 to 200 characters".to_string(),
        ));
    }
    let warning = near_duplicate(store, id, &body).await?;
    if let Some(warning) = &warning
        && !request.confirm
    {
        return Err(AdvisorError::NearDuplicate(warning.clone()));
    }
    let message = NewMessage {
        task_id: id,
        network,
        recipient,
        body,
        author: caller.actor.clone(),
        idempotency_key: format!("task:{id}:{key}"),
        tag: (mode == MessageMode::HumanAgentTag).then(|| HUMAN_AGENT.to_string()),
        mode,
        template,
    };
    let message = store.enqueue_message(&message, clock::now()).await?;
    Ok((message, warning))
}

/// Queues again a message whose delivery the network never confirmed, exactly as it was written, once
/// the advisor who holds the task has decided to: the network's rules are checked again now. A second
/// request for the same message returns the same new message, and `false` for "queued now".
pub async fn send_again(
    store: &dyn Store,
    caller: &Caller,
    id: Uuid,
    message_id: Uuid,
) -> Result<(Message, bool), AdvisorError> {
    let social = social_task(store, caller, id).await?;
    require_claimed_by(caller, &social.task)?;
    let messages = store.messages_for_task(id).await?;
    let original = messages
        .iter()
        .find(|m| m.id == message_id)
        .cloned()
        .ok_or_else(|| ServiceError::NotFound(format!("message {message_id}")))?;
    let key = format!("{}:again", original.new.idempotency_key);
    if let Some(again) = messages.iter().find(|m| m.new.idempotency_key == key) {
        return Ok((again.clone(), false));
    }
    if original.state != MessageState::Unconfirmed {
        return Err(AdvisorError::Invalid(
            "only a message the network never confirmed can be sent again".to_string(),
        ));
    }
    let network = original.new.network;
    let account = social
        .person
        .record
        .accounts
        .iter()
        .find(|a| a.network == network)
        .ok_or(AdvisorError::NoAccount(network))?;
    messaging::still_allowed(
        network,
        original.new.mode,
        messaging::person_eligibility(&social.person, account, clock::now()),
    )
    .map_err(AdvisorError::NotEligible)?;
    let again = NewMessage {
        author: caller.actor.clone(),
        idempotency_key: key,
        ..original.new
    };
    // Two requests at once both get here: the key queues one message and both are answered with it.
    Ok((store.enqueue_message(&again, clock::now()).await?, true))
}

/// Ends a claimed social task with its outcome; "talked, new issue" opens a case on the person with the
/// note and "asked not to be contacted" records their opt-out, both kept as aboard's own.
pub async fn close(
    store: &dyn Store,
    caller: &Caller,
    id: Uuid,
    outcome: TaskOutcome,
    note: Option<String>,
) -> Result<Task, AdvisorError> {
    if outcome == TaskOutcome::Offloaded {
        return Err(AdvisorError::Invalid(
            "offloaded is recorded at the gate, not on a social task".to_string(),
        ));
    }
    let social = social_task(store, caller, id).await?;
    require_claimed_by(caller, &social.task)?;
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    let now = clock::now();
    let record = tasks::outcome_record(&social.task, outcome, note.as_deref(), now);
    let transition = TaskTransition {
        task_id: id,
        from: vec![TaskState::Claimed],
        to: TaskState::Done,
        actor: caller.actor.clone(),
        assignee: None,
        outcome: Some(outcome),
        note,
        at: now,
    };
    let done = match &record {
        Some(record) => store.close_task_recording(&transition, record).await?,
        None => store.transition_task(&transition).await?,
    };
    done.ok_or(AdvisorError::NotClaimed(
        "the task changed state before the outcome was recorded",
    ))
}

/// The messages of a task the caller may see, oldest first.
pub async fn messages(
    store: &dyn Store,
    caller: &Caller,
    id: Uuid,
) -> Result<Vec<Message>, AdvisorError> {
    social_task(store, caller, id).await?;
    Ok(store.messages_for_task(id).await?)
}

//! The advisor console: social tasks for the advisor's languages, most urgent first; claiming one; the
//! context an advisor writes from (the person's cases, which networks can be written to now and why not,
//! the flight, why the task exists); a message box that starts empty, with a warning when the text is
//! nearly one already sent to another passenger; sending through the outbox; and the outcome.
//!
//! The work itself (the queue, claiming, sending, closing) is `app::advisor`'s, shared with the JSON API
//! in `advisor_api`; these pages parse the forms, call it as the signed-in caller and render.

use std::collections::HashMap;
use std::convert::Infallible;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use super::auth::Staff;
use super::i18n::{self, Msg};
use super::pages::{PageContext, error_page, render};
use crate::app::ServiceError;
use crate::app::advisor::{self, AdvisorError, EMPTY_TEXT, SendRequest, primary_language};
use crate::clock;
use crate::domain::records::{Flight, Message, Person, Reply, SocialAccount, Task};
use crate::domain::{
    CaseStatus, Iata, MessageState, Network, Role, TaskOutcome, TaskState, UiLanguage,
};
use crate::messaging::outbox::DeliveryNotice;
use crate::messaging::{self, NotAllowed, SendMode};
use crate::store::PersonTask;

impl AdvisorError {
    /// The API's status and stable code for each refusal.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AdvisorError::Service(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error"),
            AdvisorError::Taken(_) => (StatusCode::CONFLICT, "taken"),
            AdvisorError::NotClaimed(_) => (StatusCode::CONFLICT, "not_claimed"),
            AdvisorError::NotEligible(_) | AdvisorError::NoRecipient(_) => {
                (StatusCode::CONFLICT, "not_eligible")
            }
            AdvisorError::TemplateRequired(_) => (StatusCode::CONFLICT, "template_required"),
            AdvisorError::NearDuplicate(_) => (StatusCode::CONFLICT, "near_duplicate"),
            AdvisorError::NoAccount(_) | AdvisorError::Template(_) | AdvisorError::Invalid(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            }
        }
    }

    /// The reason in the advisor's language, for the pages.
    fn text(&self, language: UiLanguage) -> String {
        match (self, language) {
            (AdvisorError::Taken(_), _) => Msg::TaskTaken.text(language).to_string(),
            (AdvisorError::NotEligible(reason), _) => not_allowed_text(reason, language),
            (AdvisorError::NearDuplicate(_), _) => Msg::NearDuplicate.text(language).to_string(),
            (AdvisorError::NotClaimed(_), _) => Msg::ClaimToWrite.text(language).to_string(),
            (AdvisorError::Invalid(_), _) if self.is_empty_text() => {
                crate::i18n::text(language, "empty-message").to_string()
            }
            (AdvisorError::NoRecipient(network), _) => {
                crate::i18n::format(language, "no-recipient", &[network_arg(*network)])
            }
            (AdvisorError::TemplateRequired(network), _) => {
                crate::i18n::format(language, "template-required", &[network_arg(*network)])
            }
            (other, _) => other.to_string(),
        }
    }

    fn is_empty_text(&self) -> bool {
        matches!(self, AdvisorError::Invalid(t) if t == EMPTY_TEXT)
    }
}

/// What a rule in force does, in `language` where its file says it; a rule no longer in force is
/// named by its id.
fn rule_description(state: &AppState, rule_id: &str, language: UiLanguage) -> String {
    let status = match state.rules_status.lock() {
        Ok(status) => status,
        Err(poisoned) => poisoned.into_inner(),
    };
    status.rules.iter().find(|r| r.id == rule_id).map_or_else(
        || rule_id.to_string(),
        |r| r.description_in(language).to_string(),
    )
}

fn network_arg(network: Network) -> (&'static str, crate::i18n::FluentValue<'static>) {
    ("network", network.as_str().into())
}

/// What the networks' refusals mean, in the advisor's language.
pub fn not_allowed_text(reason: &NotAllowed, language: UiLanguage) -> String {
    use crate::i18n::{format, text};
    match reason {
        NotAllowed::NoOptIn(network) => {
            format(language, "not-allowed-no-opt-in", &[network_arg(*network)])
        }
        NotAllowed::DirectMessagesClosed => {
            text(language, "not-allowed-direct-messages-closed").to_string()
        }
        NotAllowed::WindowClosed(network, days) => format(
            language,
            "not-allowed-window-closed",
            &[network_arg(*network), ("days", (*days).into())],
        ),
        NotAllowed::OptedOut(network) => {
            format(language, "not-allowed-opted-out", &[network_arg(*network)])
        }
        NotAllowed::NeverFirst(network) => format(
            language,
            "not-allowed-never-first",
            &[network_arg(*network)],
        ),
        NotAllowed::ResponseWindowClosed(network) => format(
            language,
            "not-allowed-response-window-closed",
            &[network_arg(*network)],
        ),
        NotAllowed::TemplateOnlyNow(network) => format(
            language,
            "not-allowed-template-only-now",
            &[network_arg(*network)],
        ),
        NotAllowed::NoTemplates(network) => format(
            language,
            "not-allowed-no-templates",
            &[network_arg(*network)],
        ),
    }
}

/// Whether an account can be written to now, in words.
pub fn account_status(
    person: &Person,
    account: &SocialAccount,
    now: DateTime<Utc>,
    language: UiLanguage,
) -> (Option<SendMode>, String) {
    if account.network_user_id.is_none() {
        return (
            None,
            AdvisorError::NoRecipient(account.network).text(language),
        );
    }
    match messaging::person_eligibility(person, account, now) {
        Ok(SendMode::FreeText) => (
            Some(SendMode::FreeText),
            Msg::CanWriteNow.text(language).to_string(),
        ),
        Ok(SendMode::HumanAgentTag) => (
            Some(SendMode::HumanAgentTag),
            Msg::HumanAgentOnly.text(language).to_string(),
        ),
        Ok(SendMode::TemplateOnly) => (
            Some(SendMode::TemplateOnly),
            Msg::TemplateOnlyNow.text(language).to_string(),
        ),
        Err(reason) => (
            None,
            format!(
                "{}: {}",
                Msg::CannotWriteNow.text(language),
                not_allowed_text(&reason, language)
            ),
        ),
    }
}

pub fn outcome_name(outcome: TaskOutcome, language: UiLanguage) -> &'static str {
    let msg = match outcome {
        TaskOutcome::MessageSent => Msg::OutcomeMessageSent,
        TaskOutcome::TalkedAllWell => Msg::OutcomeTalkedAllWell,
        TaskOutcome::TalkedNewIssue => Msg::OutcomeTalkedNewIssue,
        TaskOutcome::NotFound => Msg::OutcomeNotFound,
        TaskOutcome::Declined => Msg::OutcomeDeclined,
        TaskOutcome::AskedNoContact => Msg::AskedNoContact,
        TaskOutcome::Offloaded => Msg::Offloaded,
    };
    msg.text(language)
}

fn message_state_name(state: MessageState, language: UiLanguage) -> &'static str {
    match state {
        MessageState::Queued => Msg::MessageQueued,
        MessageState::Sending => Msg::MessageSending,
        MessageState::Sent => Msg::MessageSent,
        MessageState::Failed => Msg::MessageFailed,
        MessageState::Unknown => Msg::MessageUnknown,
        MessageState::Unconfirmed => Msg::MessageUnconfirmed,
        MessageState::Delivered => Msg::MessageDelivered,
        MessageState::Read => Msg::MessageRead,
    }
    .text(language)
}

/// The station whose clock a task's times are shown on; an unparseable code shows UTC.
fn station_of(task: &Task) -> Option<Iata> {
    Iata::parse(&task.new.station).ok()
}

fn time_at(instant: DateTime<Utc>, airport: Option<&Iata>) -> String {
    match airport {
        Some(airport) => i18n::local_date_time(instant, airport),
        None => instant.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

// ----- pages -----

struct QueueRow {
    id: Uuid,
    due: String,
    priority: i16,
    person: String,
    language: String,
    flight: String,
    brief: i18n::Brief,
    mine: bool,
    escalated: bool,
    /// Why no message can reach the person now, when none can: the row offers no Claim then.
    blocked: Option<String>,
}

#[derive(Template)]
#[template(path = "advisor_queue.html")]
struct QueuePage {
    page: PageContext,
    rows: Vec<QueueRow>,
    notice: Option<&'static str>,
    /// Tasks the caller holds where the person wrote since the caller last looked: (task, how many).
    replies: Vec<(Uuid, i64)>,
}

/// The banner every advisor page shows when messages do not reach anyone.
fn delivery_notice(state: &AppState, staff: &Staff) -> Option<&'static str> {
    match state.outbox.notice() {
        DeliveryNotice::Delivered => None,
        DeliveryNotice::NotDelivered => Some(Msg::NotDelivered.text(staff.ui_language)),
        DeliveryNotice::Demo => Some(Msg::DemoNetwork.text(staff.ui_language)),
    }
}

#[derive(Template)]
#[template(path = "advisor_row.html")]
struct QueueRowFragment {
    page: PageContext,
    row: QueueRow,
}

fn route_label(flight: &Flight) -> String {
    format!(
        "{} {}–{}",
        flight.key.flight,
        flight.key.origin,
        flight
            .destination
            .as_ref()
            .map_or_else(|| "?".to_string(), Iata::to_string)
    )
}

/// How many of a queue's rows are checked against the networks' rules as the page is drawn (each reads
/// the person's accounts); the rest are checked when claimed and when a message is sent, as every row is.
const ROWS_CHECKED: usize = 100;

/// Why none of the person's accounts can be written to now, or None when one can (or the person is gone).
async fn blocked(
    state: &AppState,
    staff: &Staff,
    person_id: Uuid,
) -> Result<Option<String>, crate::store::StoreError> {
    let Some(person) = state.store.person(person_id).await? else {
        return Ok(None);
    };
    let now = crate::clock::now();
    let statuses: Vec<(Option<SendMode>, String)> = person
        .record
        .accounts
        .iter()
        .map(|a| account_status(&person, a, now, staff.ui_language))
        .collect();
    if statuses.iter().any(|(mode, _)| mode.is_some()) {
        return Ok(None);
    }
    Ok(Some(
        statuses
            .into_iter()
            .map(|(_, why)| why)
            .next()
            .unwrap_or_else(|| Msg::CannotWriteNow.text(staff.ui_language).to_string()),
    ))
}

fn queue_row(staff: &Staff, entry: &PersonTask, flight: Option<&Flight>) -> QueueRow {
    let task = &entry.task;
    QueueRow {
        blocked: None,
        id: task.id,
        due: format!(
            "{} ({})",
            time_at(task.new.due_at, station_of(task).as_ref()),
            i18n::until(task.new.due_at, crate::clock::now(), staff.ui_language)
        ),
        priority: task.new.priority,
        person: entry.display_name.clone(),
        language: primary_language(entry.language.as_deref()),
        flight: flight.map(route_label).unwrap_or_default(),
        brief: i18n::Brief::of(&task.new.brief, &task.new.briefs, staff.ui_language),
        mine: task.state == TaskState::Claimed
            && task.assignee.as_deref() == Some(staff.actor().as_str()),
        escalated: task.escalated_at.is_some(),
    }
}

/// Renders an advisor error as a page in the advisor's language.
fn error_response(staff: &Staff, error: AdvisorError) -> Response {
    match error {
        AdvisorError::Service(ServiceError::NotFound(_)) => not_found_page(staff),
        AdvisorError::Service(e) => staff.refused(e).into_response(),
        other => {
            let (status, _) = other.status_and_code();
            let template = MessagePage {
                page: PageContext::for_staff(staff),
                text: other.text(staff.ui_language),
            };
            render(status, &template)
        }
    }
}

#[derive(Template)]
#[template(path = "advisor_message.html")]
struct MessagePage {
    page: PageContext,
    text: String,
}

/// GET /advisor: the caller's queue.
pub async fn queue_page(State(state): State<AppState>, staff: Staff) -> Response {
    let result = async {
        let queue = advisor::queue(state.store.as_ref(), &staff.caller()).await?;
        let mut rows: Vec<QueueRow> = queue
            .tasks
            .iter()
            .map(|entry| queue_row(&staff, entry, queue.flights.get(&entry.task.new.flight_id)))
            .collect();
        for (row, entry) in rows.iter_mut().zip(&queue.tasks).take(ROWS_CHECKED) {
            if !row.mine {
                row.blocked = blocked(&state, &staff, entry.task.new.person_id).await?;
            }
        }
        let replies = state.store.unseen_replies(&staff.actor()).await?;
        Ok::<_, AdvisorError>((rows, replies))
    }
    .await;
    match result {
        Ok((rows, replies)) => render(
            StatusCode::OK,
            &QueuePage {
                page: PageContext::for_staff(&staff),
                rows,
                notice: delivery_notice(&state, &staff),
                replies,
            },
        ),
        Err(e) => error_response(&staff, e),
    }
}

fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

fn not_found_page(staff: &Staff) -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        staff.ui_language,
        Msg::NotFound,
        Msg::NotFoundText,
    )
}

/// POST /advisor/tasks/{id}/claim: from the queue (htmx swaps the row) or the task page (redirect).
pub async fn claim(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found_page(&staff);
    };
    let claimed = async {
        let caller = staff.caller();
        advisor::claim(state.store.as_ref(), &caller, id).await?;
        let social = advisor::social_task(state.store.as_ref(), &caller, id).await?;
        let flight = state.store.flight(social.task.new.flight_id).await?;
        let entry = PersonTask {
            display_name: social.person.record.display_name,
            language: social.person.record.language,
            task: social.task,
        };
        Ok::<_, AdvisorError>(queue_row(&staff, &entry, flight.as_ref()))
    }
    .await;
    match claimed {
        Ok(row) if is_htmx(&headers) => render(
            StatusCode::OK,
            &QueueRowFragment {
                page: PageContext::for_staff(&staff),
                row,
            },
        ),
        Ok(_) => Redirect::to(&format!("/advisor/tasks/{id}")).into_response(),
        Err(AdvisorError::Taken(_)) if is_htmx(&headers) => render(
            StatusCode::CONFLICT,
            &TakenFragment {
                page: PageContext::for_staff(&staff),
            },
        ),
        Err(e) => error_response(&staff, e),
    }
}

#[derive(Template)]
#[template(path = "advisor_taken.html")]
struct TakenFragment {
    page: PageContext,
}

struct CaseRow {
    opened: String,
    category: String,
    summary: String,
    open: bool,
    status: &'static str,
}

struct AccountRow {
    network: String,
    handle: String,
    status: String,
    writable: bool,
    template_only: bool,
}

struct FlightFacts {
    label: String,
    departure: String,
    arrival: String,
    status: String,
    gate: String,
}

struct MessageRow {
    id: Uuid,
    again: bool,
    network: String,
    body: String,
    author: String,
    created: String,
    state_word: &'static str,
    state: &'static str,
    error: Option<String>,
    retry_at: Option<String>,
    sandbox: bool,
}

struct NetworkChoice {
    value: &'static str,
    label: String,
}

struct TemplateChoice {
    name: String,
    text: String,
}

#[derive(Template)]
#[template(path = "advisor_task.html")]
struct TaskPage {
    page: PageContext,
    id: Uuid,
    person: String,
    language: String,
    state: &'static str,
    claimed_by_me: bool,
    claimable: bool,
    closed: bool,
    outcome: Option<&'static str>,
    brief: i18n::Brief,
    /// What the rule that made the task does, in the reader's language where the rule file gives it.
    rule: String,
    /// The rule's reasons with its expressions and the facts they read: for ops only.
    why: Vec<String>,
    zone: String,
    flight: Option<FlightFacts>,
    cases: Vec<CaseRow>,
    accounts: Vec<AccountRow>,
    networks: Vec<NetworkChoice>,
    any_template_only: bool,
    templates: Vec<TemplateChoice>,
    messages: MessagesFragment,
    nonce: String,
    body: String,
    parameters: String,
    error: Option<String>,
    near_duplicate: bool,
    outcomes: Vec<(&'static str, &'static str)>,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "advisor_messages.html")]
struct MessagesFragment {
    page: PageContext,
    id: Uuid,
    rows: Vec<MessageRow>,
    pending: bool,
}

/// The names messages are signed with: each account's display name under the actor that wrote them
/// (`staff:LOGIN`). Read only when there are messages to sign.
async fn signatures(
    state: &AppState,
    messages: &[Message],
) -> Result<HashMap<String, String>, crate::store::StoreError> {
    if messages.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(state
        .store
        .staff_accounts()
        .await?
        .into_iter()
        .map(|a| (format!("staff:{}", a.login), a.display_name))
        .collect())
}

/// The task's thread: the advisors' messages, signed with their names, and the person's replies, oldest
/// first. `writable`: the caller holds the task, and may send again what the network never confirmed.
fn messages_fragment_for(
    staff: &Staff,
    id: Uuid,
    messages: &[Message],
    replies: &[Reply],
    signatures: &HashMap<String, String>,
    zone: Option<&Iata>,
    writable: bool,
) -> MessagesFragment {
    let language = staff.ui_language;
    let replied = replies.iter().map(|r| {
        let row =
            MessageRow {
                id: r.id,
                again: false,
                network: r.new.network.to_string(),
                body: r.new.body.clone().unwrap_or_else(|| {
                    "(encrypted: the network does not show the text)".to_string()
                }),
                author: r.new.sender_id.clone(),
                created: time_at(r.new.sent_at, zone),
                state_word: "reply",
                state: Msg::PersonReplied.text(language),
                error: None,
                retry_at: None,
                sandbox: false,
            };
        (r.new.sent_at, row)
    });
    let mut rows: Vec<(DateTime<Utc>, MessageRow)> = messages
        .iter()
        .map(|m| {
            (
                m.created_at,
                MessageRow {
                    id: m.id,
                    again: writable && m.state == MessageState::Unconfirmed,
                    network: m.new.network.to_string(),
                    body: m.new.body.clone(),
                    author: signatures
                        .get(&m.new.author)
                        .cloned()
                        .unwrap_or_else(|| m.new.author.clone()),
                    created: time_at(m.created_at, zone),
                    state_word: m.state.as_str(),
                    state: message_state_name(m.state, language),
                    error: m.last_error.clone(),
                    retry_at: (m.state == MessageState::Queued)
                        .then_some(m.next_attempt_at)
                        .flatten()
                        .filter(|_| m.last_error.is_some())
                        .map(|t| time_at(t, zone)),
                    sandbox: m.state == MessageState::Sent
                        && m.provider_message_id
                            .as_deref()
                            .is_some_and(|p| p.starts_with("sandbox-")),
                },
            )
        })
        .chain(replied)
        .collect();
    rows.sort_by_key(|(at, _)| *at);
    let rows = rows.into_iter().map(|(_, row)| row).collect();
    MessagesFragment {
        page: PageContext::for_staff(staff),
        id,
        rows,
        pending: messages.iter().any(|m| {
            matches!(
                m.state,
                MessageState::Queued | MessageState::Sending | MessageState::Unknown
            )
        }),
    }
}

/// What the composer shows again after a refused send.
#[derive(Default)]
struct Draft {
    network: Option<Network>,
    body: String,
    parameters: String,
    nonce: Option<String>,
    error: Option<String>,
    near_duplicate: bool,
}

async fn task_page_response(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    status: StatusCode,
    draft: Draft,
) -> Response {
    let built = build_task_page(state, staff, id, draft).await;
    match built {
        Ok(page) => render(status, &page),
        Err(e) => error_response(staff, e),
    }
}

async fn build_task_page(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    draft: Draft,
) -> Result<TaskPage, AdvisorError> {
    let social = advisor::social_task(state.store.as_ref(), &staff.caller(), id).await?;
    let language = staff.ui_language;
    let now = clock::now();
    let task = &social.task;
    let station = station_of(task);
    let flight = state.store.flight(task.new.flight_id).await?;
    let flight_facts = flight.as_ref().map(|f| FlightFacts {
        label: route_label(f),
        departure: f
            .departure
            .best()
            .map(|t| time_at(t, Some(&f.key.origin)))
            .unwrap_or_default(),
        arrival: f
            .arrival
            .best()
            .map(|t| time_at(t, f.destination.as_ref()))
            .unwrap_or_default(),
        status: i18n::flight_status_name(f.status, language).to_string(),
        gate: f.gate.clone().unwrap_or_default(),
    });
    let mut cases: Vec<_> = social.person.cases().collect();
    cases.sort_by(|a, b| {
        (a.status != CaseStatus::Open)
            .cmp(&(b.status != CaseStatus::Open))
            .then(b.opened_at.cmp(&a.opened_at))
    });
    let cases = cases
        .into_iter()
        .map(|c| CaseRow {
            opened: time_at(c.opened_at, station.as_ref()),
            category: i18n::case_category_name(&c.category, language),
            summary: c.summary.clone(),
            open: c.status == CaseStatus::Open,
            status: match c.status {
                CaseStatus::Open => Msg::CaseOpen,
                CaseStatus::Resolved => Msg::CaseResolved,
            }
            .text(language),
        })
        .collect();
    let mut accounts = Vec::new();
    let mut networks = Vec::new();
    let mut any_template_only = false;
    for account in &social.person.record.accounts {
        let (mode, status) = account_status(&social.person, account, now, language);
        let template_only = mode == Some(SendMode::TemplateOnly);
        any_template_only |= template_only;
        if mode.is_some() {
            networks.push(NetworkChoice {
                value: account.network.as_str(),
                label: format!("{} {}", account.network, account.handle),
            });
        }
        accounts.push(AccountRow {
            network: account.network.to_string(),
            handle: account.handle.clone(),
            status,
            writable: mode.is_some(),
            template_only,
        });
    }
    if let Some(chosen) = draft.network {
        networks.sort_by_key(|n| n.value != chosen.as_str());
    }
    let messages = state.store.messages_for_task(id).await?;
    let replies = state.store.replies_for_task(id).await?;
    let claimed_by_me = task.state == TaskState::Claimed
        && task.assignee.as_deref() == Some(staff.actor().as_str());
    if claimed_by_me && replies.iter().any(|r| r.seen_at.is_none()) {
        state.store.mark_replies_seen(id, now).await?;
    }
    Ok(TaskPage {
        page: PageContext::for_staff(staff),
        id,
        person: social.person.record.display_name.clone(),
        language: primary_language(social.person.record.language.as_deref()),
        state: i18n::task_state_name(task.state, language),
        claimed_by_me,
        claimable: task.state == TaskState::Open,
        closed: !task.state.is_active(),
        outcome: task.outcome.map(|o| outcome_name(o, language)),
        brief: i18n::Brief::of(&task.new.brief, &task.new.briefs, language),
        rule: rule_description(state, &task.new.rule_id, language),
        why: if staff.role() == Role::Ops {
            task.new.why.clone()
        } else {
            Vec::new()
        },
        zone: station
            .as_ref()
            .map_or_else(|| "UTC".to_string(), |s| i18n::zone_label(s, now)),
        flight: flight_facts,
        cases,
        accounts,
        networks,
        any_template_only,
        templates: state
            .messaging
            .templates
            .iter()
            .map(|(name, text)| TemplateChoice {
                name: name.clone(),
                text: text.clone(),
            })
            .collect(),
        messages: messages_fragment_for(
            staff,
            id,
            &messages,
            &replies,
            &signatures(state, &messages).await?,
            station.as_ref(),
            claimed_by_me,
        ),
        notice: delivery_notice(state, staff),
        nonce: draft
            .nonce
            .unwrap_or_else(crate::app::secrets::random_token),
        body: draft.body,
        parameters: draft.parameters,
        error: draft.error,
        near_duplicate: draft.near_duplicate,
        outcomes: [
            TaskOutcome::MessageSent,
            TaskOutcome::TalkedAllWell,
            TaskOutcome::TalkedNewIssue,
            TaskOutcome::NotFound,
            TaskOutcome::Declined,
            TaskOutcome::AskedNoContact,
        ]
        .into_iter()
        .map(|o| (o.as_str(), outcome_name(o, language)))
        .collect(),
    })
}

/// GET /advisor/tasks/{id}: the context panel, the composer and the outcome.
pub async fn task_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Response {
    match Uuid::parse_str(&id) {
        Ok(id) => task_page_response(&state, &staff, id, StatusCode::OK, Draft::default()).await,
        Err(_) => not_found_page(&staff),
    }
}

/// GET /advisor/tasks/{id}/messages: the message list, polled by htmx while anything is on its way.
pub async fn messages_fragment(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found_page(&staff);
    };
    let result = async {
        let social = advisor::social_task(state.store.as_ref(), &staff.caller(), id).await?;
        let messages = state.store.messages_for_task(id).await?;
        let replies = state.store.replies_for_task(id).await?;
        let writable = social.task.state == TaskState::Claimed
            && social.task.assignee.as_deref() == Some(staff.actor().as_str());
        if writable && replies.iter().any(|r| r.seen_at.is_none()) {
            state.store.mark_replies_seen(id, clock::now()).await?;
        }
        let signatures = signatures(&state, &messages).await?;
        Ok::<_, AdvisorError>(messages_fragment_for(
            &staff,
            id,
            &messages,
            &replies,
            &signatures,
            station_of(&social.task).as_ref(),
            writable,
        ))
    }
    .await;
    match result {
        Ok(fragment) => render(StatusCode::OK, &fragment),
        Err(e) => error_response(&staff, e),
    }
}

/// How often a task's event stream looks for a change, and how long it lives before the browser
/// reconnects (so that no stream outlives a shutdown by more than that).
const THREAD_POLL: std::time::Duration = std::time::Duration::from_millis(500);
const THREAD_STREAM_LIFETIME: std::time::Duration = std::time::Duration::from_secs(60);

/// What changes when the thread does: each message's state and each reply.
fn thread_version(messages: &[Message], replies: &[Reply]) -> String {
    let states: String = messages
        .iter()
        .map(|m| format!("{}:{};", m.id, m.state.as_str()))
        .collect();
    let last = replies.last().map(|r| r.id.to_string()).unwrap_or_default();
    format!("{}-{}-{last}", states.len(), replies.len()) + &states
}

/// GET /advisor/tasks/{id}/events: an event named `thread` each time a message moves on or the person
/// writes, so that the page shows it without a reload.
pub async fn thread_events(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found_page(&staff);
    };
    if let Err(e) = advisor::social_task(state.store.as_ref(), &staff.caller(), id).await {
        return error_response(&staff, e);
    }
    let store = state.store.clone();
    let ends_at = tokio::time::Instant::now() + THREAD_STREAM_LIFETIME;
    let stream = futures::stream::unfold(None::<String>, move |last| {
        let store = store.clone();
        async move {
            loop {
                if tokio::time::Instant::now() >= ends_at {
                    return None;
                }
                let version = async {
                    let messages = store.messages_for_task(id).await?;
                    let replies = store.replies_for_task(id).await?;
                    Ok::<_, crate::store::StoreError>(thread_version(&messages, &replies))
                }
                .await;
                match version {
                    Ok(version) if last.as_deref() != Some(version.as_str()) => {
                        let event = Event::default()
                            .event("thread")
                            .data(version.len().to_string());
                        return Some((Ok::<_, Infallible>(event), Some(version)));
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, task = %id, "the thread event stream could not poll")
                    }
                }
                tokio::time::sleep(THREAD_POLL).await;
            }
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    body: String,
}

#[derive(Template)]
#[template(path = "advisor_similar.html")]
struct SimilarFragment {
    warning: Option<String>,
}

/// POST /advisor/tasks/{id}/check: the near-duplicate warning, asked by htmx as the advisor types.
pub async fn check_text(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<CheckForm>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found_page(&staff);
    };
    let result = async {
        advisor::social_task(state.store.as_ref(), &staff.caller(), id).await?;
        advisor::near_duplicate(state.store.as_ref(), id, &form.body).await
    }
    .await;
    match result {
        Ok(found) => render(
            StatusCode::OK,
            &SimilarFragment {
                warning: found.map(|d| {
                    format!(
                        "{} ({:.0}%)",
                        Msg::NearDuplicate.text(staff.ui_language),
                        d.similarity * 100.0
                    )
                }),
            },
        ),
        Err(e) => error_response(&staff, e),
    }
}

#[derive(Deserialize)]
pub struct SendForm {
    #[serde(default)]
    network: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    parameters: String,
    #[serde(default)]
    confirm: Option<String>,
    #[serde(default)]
    nonce: String,
}

/// POST /advisor/tasks/{id}/messages: queues the message and returns to the task page (so a reload
/// does not send again); a refusal shows the page again with the text kept and the reason.
pub async fn send(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<SendForm>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found_page(&staff);
    };
    let network = form.network.parse::<Network>().ok();
    let request = SendRequest {
        network,
        body: form.body.clone(),
        template: Some(form.template.clone()).filter(|t| !t.is_empty()),
        parameters: form
            .parameters
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        confirm: form.confirm.is_some(),
        key: format!("form:{}", form.nonce),
    };
    let sent = advisor::send(
        state.store.as_ref(),
        &state.messaging,
        &staff.caller(),
        id,
        &request,
    )
    .await;
    match sent {
        Ok(_) => Redirect::to(&format!("/advisor/tasks/{id}#messages")).into_response(),
        Err(e @ AdvisorError::Service(_)) => error_response(&staff, e),
        Err(e) => {
            let (status, _) = e.status_and_code();
            let draft = Draft {
                network,
                near_duplicate: matches!(e, AdvisorError::NearDuplicate(_)),
                error: Some(e.text(staff.ui_language)),
                body: form.body,
                parameters: form.parameters,
                nonce: Some(form.nonce).filter(|n| !n.is_empty()),
            };
            task_page_response(&state, &staff, id, status, draft).await
        }
    }
}

/// POST /advisor/tasks/{id}/messages/{message}/again: the advisor chose to send again a message the
/// network never confirmed; back to the task page.
pub async fn send_again(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, message)): Path<(String, String)>,
) -> Response {
    let (Ok(id), Ok(message)) = (Uuid::parse_str(&id), Uuid::parse_str(&message)) else {
        return not_found_page(&staff);
    };
    match advisor::send_again(state.store.as_ref(), &staff.caller(), id, message).await {
        Ok(_) => Redirect::to(&format!("/advisor/tasks/{id}#messages")).into_response(),
        Err(e) => error_response(&staff, e),
    }
}

#[derive(Deserialize)]
pub struct CloseForm {
    outcome: String,
    #[serde(default)]
    note: String,
}

/// POST /advisor/tasks/{id}/close: records the outcome and goes back to the queue.
pub async fn close(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<CloseForm>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found_page(&staff);
    };
    let outcome = match form.outcome.parse::<TaskOutcome>() {
        Ok(outcome) => outcome,
        Err(e) => return error_response(&staff, AdvisorError::Invalid(e.to_string())),
    };
    let caller = staff.caller();
    let closed = advisor::close(state.store.as_ref(), &caller, id, outcome, Some(form.note));
    match closed.await {
        Ok(_) => Redirect::to("/advisor").into_response(),
        Err(e) => error_response(&staff, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_in_each_language_and_in_english_as_the_api_says_them() {
        let every = [
            NotAllowed::NoOptIn(Network::Whatsapp),
            NotAllowed::DirectMessagesClosed,
            NotAllowed::WindowClosed(Network::Instagram, 9),
            NotAllowed::NeverFirst(Network::Sms),
            NotAllowed::OptedOut(Network::Facebook),
            NotAllowed::ResponseWindowClosed(Network::Facebook),
            NotAllowed::TemplateOnlyNow(Network::Whatsapp),
            NotAllowed::NoTemplates(Network::X),
        ];
        for reason in &every {
            assert_eq!(not_allowed_text(reason, UiLanguage::En), reason.to_string());
            assert_ne!(not_allowed_text(reason, UiLanguage::Fr), reason.to_string());
        }
        let reason = NotAllowed::NoOptIn(Network::X);
        assert_eq!(
            not_allowed_text(&reason, UiLanguage::En),
            "the person has not opted in to messages from the airline on x"
        );
        assert_eq!(
            not_allowed_text(&reason, UiLanguage::Es),
            "la persona no ha aceptado recibir mensajes de la aerolínea en x"
        );
        assert!(
            not_allowed_text(
                &NotAllowed::WindowClosed(Network::Instagram, 9),
                UiLanguage::Es
            )
            .contains("hace 9 días")
        );
        assert_eq!(
            AdvisorError::Invalid(EMPTY_TEXT.to_string()).text(UiLanguage::Es),
            "Escriba un mensaje antes de enviarlo."
        );
        assert_eq!(
            AdvisorError::NotEligible(reason).status_and_code(),
            (StatusCode::CONFLICT, "not_eligible")
        );
    }
}

//! What aboard keeps: flights, manifest passengers, registry persons with their accounts, cases and consent,
//! identity links, follow-up tasks, outbound messages, the event log, and staff accounts, sessions and API tokens. Plain data with ids; every instant
//! is UTC. `New*` types are what callers hand the store; the others are what it gives back.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    BoardingState, CaseStatus, Channel, Cohort, FlightKey, FlightStatus, Grant, LinkDecision,
    Login, MessageMode, MessageState, Network, TaskOutcome, TaskState, TravellerClass, UiLanguage,
};

/// Scheduled, estimated and actual times of one movement (departure or arrival).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovementTimes {
    pub scheduled: Option<DateTime<Utc>>,
    pub estimated: Option<DateTime<Utc>>,
    pub actual: Option<DateTime<Utc>>,
}

impl MovementTimes {
    /// The best knowledge of when it happens: actual, else estimated, else scheduled.
    pub fn best(&self) -> Option<DateTime<Utc>> {
        self.actual.or(self.estimated).or(self.scheduled)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFlight {
    pub key: FlightKey,
    pub destination: Option<super::Iata>,
    pub departure: MovementTimes,
    pub arrival: MovementTimes,
    pub gate: Option<String>,
    pub status: FlightStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flight {
    pub id: Uuid,
    pub key: FlightKey,
    pub destination: Option<super::Iata>,
    pub departure: MovementTimes,
    pub arrival: MovementTimes,
    pub gate: Option<String>,
    pub status: FlightStatus,
    pub boarding_started_at: Option<DateTime<Utc>>,
    pub gate_closed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// A passenger as the manifest gives them. `pax_key` identifies them within the flight across re-imports
/// (booking locator, name and position in the booking), so importing the same manifest twice changes nothing.
/// It begins with [`booking_key_prefix`] of the locator; the store refuses a passenger whose key does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPassenger {
    pub pax_key: String,
    pub surname: String,
    pub given_name: String,
    pub title: Option<String>,
    pub traveller_class: TravellerClass,
    pub locator: Option<String>,
    pub seat: Option<String>,
    pub cabin_class: Option<String>,
    pub destination: Option<String>,
    pub party_ref: Option<String>,
    pub frequent_flyer: Option<(String, String)>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    pub docs_surname: Option<String>,
    pub docs_given: Option<String>,
    pub checkin_sequence: Option<i32>,
    pub service_codes: Vec<String>,
}

/// How a passenger's key begins: the booking locator (`-` without one) and a slash. The store finds a
/// booking's passengers by this prefix of the key it indexes anyway, so that a flight's list is written
/// with one index less.
pub fn booking_key_prefix(locator: Option<&str>) -> String {
    format!("{}/", locator.unwrap_or("-"))
}

impl NewPassenger {
    /// Whether the key begins with the passenger's booking, as keys must.
    pub fn key_fits_booking(&self) -> bool {
        let locator = self.locator.as_deref().unwrap_or("-");
        self.pax_key
            .strip_prefix(locator)
            .is_some_and(|rest| rest.starts_with('/'))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passenger {
    pub id: Uuid,
    pub flight_id: Uuid,
    pub details: NewPassenger,
    pub boarding_state: BoardingState,
    pub boarded_at: Option<DateTime<Utc>>,
    pub removed_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    Loyalty,
    Email,
    Phone,
}

impl IdentifierKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Loyalty => "loyalty",
            IdentifierKind::Email => "email",
            IdentifierKind::Phone => "phone",
        }
    }

    pub fn parse(word: &str) -> Option<IdentifierKind> {
        match word {
            "loyalty" => Some(IdentifierKind::Loyalty),
            "email" => Some(IdentifierKind::Email),
            "phone" => Some(IdentifierKind::Phone),
            _ => None,
        }
    }
}

/// A strong identifier of a person: a loyalty number (`IB 12345678`), an e-mail (case-folded) or a phone
/// (E.164), already normalised by the registry layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Identifier {
    pub kind: IdentifierKind,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SocialAccount {
    pub network: Network,
    pub handle: String,
    pub network_user_id: Option<String>,
    pub followers: i64,
    pub activity_30d: i32,
    pub follows_airline: bool,
    pub accepts_dms: bool,
    pub opted_in: bool,
    pub last_inbound_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ComplaintCase {
    /// The social-care tool's ticket id: cases upsert by it.
    pub external_ref: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub channel: String,
    pub category: String,
    pub severity: i16,
    pub summary: String,
    pub status: CaseStatus,
    pub source_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Consent {
    /// A `Channel` word or a `Network` word: consent is kept per way of reaching the person.
    pub channel: String,
    pub opted_out: bool,
    pub updated_at: DateTime<Utc>,
}

/// Everything the registry holds about one person; an upsert replaces the lists wholesale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonRecord {
    pub external_id: String,
    pub display_name: String,
    pub language: Option<String>,
    pub country: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub identifiers: Vec<Identifier>,
    pub accounts: Vec<SocialAccount>,
    pub cases: Vec<ComplaintCase>,
    pub consents: Vec<Consent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Person {
    pub id: Uuid,
    /// What the registry export owns: the next import replaces it.
    pub record: PersonRecord,
    /// What aboard recorded itself: imports never touch it.
    pub aboard: AboardRecords,
    pub updated_at: DateTime<Utc>,
}

/// What aboard learned about a person itself, kept beside the export's record so that a registry
/// re-import, which replaces the export's lists, never deletes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AboardRecords {
    /// Cases staff opened from a gate or advisor outcome ("talked, new issue").
    pub cases: Vec<ComplaintCase>,
    /// The person asked staff not to be contacted.
    pub opt_out: Option<StaffOptOut>,
    /// When the person last wrote to the airline, per network, as aboard heard it.
    pub inbound: Vec<InboundContact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaffOptOut {
    /// `staff:LOGIN`.
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InboundContact {
    pub network: Network,
    pub last_at: DateTime<Utc>,
}

/// The consent word that covers every way of reaching a person.
pub const ALL_CHANNELS: &str = "all";

impl Person {
    /// The export's cases and those staff opened.
    pub fn cases(&self) -> impl Iterator<Item = &ComplaintCase> {
        self.record.cases.iter().chain(&self.aboard.cases)
    }

    /// Whether the person refuses contact through `channel` (a `Channel` or `Network` word). An export's
    /// opt-out for the channel or for all of them refuses it. A staff opt-out refuses every channel,
    /// unless the export holds an opt-in for that channel (or all) given after it: the person told the
    /// airline since that they may be contacted again.
    pub fn refuses(&self, channel: &str) -> bool {
        let covers = |c: &&Consent| c.channel == channel || c.channel == ALL_CHANNELS;
        let mut consents = self.record.consents.iter().filter(covers);
        if consents.clone().any(|c| c.opted_out) {
            return true;
        }
        self.aboard
            .opt_out
            .as_ref()
            .is_some_and(|out| !consents.any(|c| c.updated_at > out.recorded_at))
    }

    /// The person's accounts as they stand now: the export's, with the latest time aboard heard from
    /// the person on each network, and not opted in where the person refuses contact.
    pub fn accounts_now(&self) -> Vec<SocialAccount> {
        self.record
            .accounts
            .iter()
            .map(|account| {
                let heard = self
                    .aboard
                    .inbound
                    .iter()
                    .filter(|i| i.network == account.network)
                    .map(|i| i.last_at)
                    .max();
                SocialAccount {
                    last_inbound_at: account.last_inbound_at.max(heard),
                    opted_in: account.opted_in && !self.refuses(account.network.as_str()),
                    ..account.clone()
                }
            })
            .collect()
    }
}

/// What staff recorded about the person with a task's outcome; aboard owns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StaffRecord {
    /// A new open case, from "talked, new issue".
    Case(ComplaintCase),
    /// "Asked not to be contacted".
    OptOut,
}

/// A message a person sent the airline, as a network's webhook or the social-care tool reports it; the
/// sender is the account's network user id or, failing that, its handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMessage {
    pub network: Network,
    pub network_user_id: Option<String>,
    pub handle: Option<String>,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IdentityLink {
    pub passenger_id: Uuid,
    pub person_id: Uuid,
    pub decision: LinkDecision,
    pub score: f32,
    /// Why the matcher decided as it did; one English sentence each in JSON.
    #[serde(with = "crate::matching::reason::as_sentences")]
    #[schema(value_type = Vec<String>)]
    pub reasons: Vec<crate::matching::Reason>,
    /// `matcher`, or `staff:LOGIN` when a person decided (then the matcher leaves it alone).
    pub decided_by: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewTask {
    pub flight_id: Uuid,
    pub passenger_id: Uuid,
    pub person_id: Uuid,
    pub rule_id: String,
    pub channel: Channel,
    pub station: String,
    pub gate: Option<String>,
    pub priority: i16,
    pub due_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// In English, as the rule's `brief` gave it.
    pub brief: String,
    /// The brief in other languages, where the rule gives one (`brief.es`).
    #[serde(default)]
    pub briefs: BTreeMap<UiLanguage, String>,
    /// Why the task exists: the rule and the facts that made it true, in words.
    pub why: Vec<String>,
    /// The holdout's decision for the person, when the holdout is on: the store records it with the task,
    /// or instead of it for a held-out person. Not part of the task once stored.
    #[serde(skip)]
    pub holdout: Option<HoldoutAssignment>,
}

/// The holdout's decision as the store keeps it: for one flight and registry person, whether a task was
/// made or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldoutRecord {
    pub flight_id: Uuid,
    pub person_id: Uuid,
    pub station: String,
    pub rule_id: String,
    pub channel: Channel,
    pub assignment: HoldoutAssignment,
    pub decided_at: DateTime<Utc>,
}

/// The holdout's decision for one flight and registry person, as the uplift report reads it later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldoutAssignment {
    pub cohort: Cohort,
    /// The assignment period it was drawn for (`tasks::holdout::period_of`).
    pub period: i64,
    /// The flight's local date at its origin.
    pub flight_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Task {
    pub id: Uuid,
    pub new: NewTask,
    pub state: TaskState,
    pub assignee: Option<String>,
    pub outcome: Option<TaskOutcome>,
    pub outcome_note: Option<String>,
    pub cancel_reason: Option<String>,
    /// When the scheduler raised its priority because its deadline was near or past; once per task.
    pub escalated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A change of a task's state, applied only if the task is still in `from` (a claim that lost a race
/// changes nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskTransition {
    pub task_id: Uuid,
    pub from: Vec<TaskState>,
    pub to: TaskState,
    pub actor: String,
    pub assignee: Option<String>,
    pub outcome: Option<TaskOutcome>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMessage {
    pub task_id: Uuid,
    pub network: Network,
    pub recipient: String,
    pub body: String,
    pub author: String,
    /// The same key never yields a second message, whichever instance or retry enqueues it.
    pub idempotency_key: String,
    /// How it goes out; the outbox sends exactly this, or nothing.
    pub mode: MessageMode,
    /// The network's message tag (`HUMAN_AGENT`) when `mode` is `HumanAgentTag`.
    pub tag: Option<String>,
    /// The approved template, when `mode` is `Template`; `body` holds its filled text.
    pub template: Option<TemplateUse>,
}

/// What a person wrote through a network, as its webhook delivered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReply {
    pub network: Network,
    /// The network's id of the message: the same id delivered twice is one reply.
    pub network_message_id: String,
    /// The network's user id of the sender.
    pub sender_id: String,
    /// None where only ciphertext came (X Chat): that the person wrote, and when, still counts.
    pub body: Option<String>,
    pub sent_at: DateTime<Utc>,
}

/// A reply as stored, with the person and the task aboard matched it to (none for an unknown sender).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub id: Uuid,
    pub new: NewReply,
    pub person_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub received_at: DateTime<Utc>,
    pub seen_at: Option<DateTime<Utc>>,
}

/// An approved template as a message uses it: its name as the network approved it, the language it was
/// approved in (`es`, `en_US`) and the parameters the advisor filled, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TemplateUse {
    pub name: String,
    pub language: String,
    pub parameters: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: Uuid,
    pub new: NewMessage,
    pub state: MessageState,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub provider_message_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// One line of the append-only event log: who did what, when, to what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    pub actor: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub flight_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub event: NewEvent,
}

/// How a file's list of passengers for one flight relates to what is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListMode {
    /// A complete list (PNL): passengers it no longer names are marked removed.
    Replace,
    /// Rows to add or refresh (CSV, JSON): passengers it does not name are left alone.
    Merge,
    /// An ADL: adds and changes by passenger key, deletions of the keys given.
    Changes { deleted: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlightList {
    pub flight: NewFlight,
    pub mode: ListMode,
    pub passengers: Vec<NewPassenger>,
}

/// One file's worth of manifest data, applied in one transaction or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestImport {
    /// `pnl`, `adl`, `csv` or `json`.
    pub format: String,
    pub file_name: String,
    /// SHA-256 of the file's bytes: the same file twice is recognised and changes nothing.
    pub digest: String,
    pub actor: String,
    /// When the reservation system sent the message (PNL/ADL): lists apply in this order.
    pub sent_at: Option<DateTime<Utc>>,
    pub flights: Vec<FlightList>,
    /// Values of the file that could not be understood and were dropped or kept raw; the import's log
    /// entry lists them.
    pub warnings: super::ImportWarnings,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FlightImportSummary {
    pub flight_id: Uuid,
    pub flight: String,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub cancelled_tasks: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    /// The same file was imported before: nothing changed.
    pub duplicate: bool,
    pub flights: Vec<FlightImportSummary>,
}

/// A part of a Type B message (PNL or ADL) to hold until its message can be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHeldPart {
    /// Names the message; the same for each of its parts.
    pub message_key: String,
    /// `pnl` or `adl`.
    pub kind: String,
    pub flight: super::FlightKey,
    pub sent_at: Option<DateTime<Utc>>,
    pub part: HeldPart,
}

/// One held part of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldPart {
    pub number: u16,
    /// The part ends the message (ENDPNL, ENDADL).
    pub last: bool,
    pub file_name: String,
    /// Line of its file where the part begins.
    pub first_line: usize,
    #[serde(skip)]
    pub text: String,
    pub actor: String,
    pub received_at: DateTime<Utc>,
}

/// What holding a part did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartHeld {
    /// The part is new and now held.
    New,
    /// The same part of the message is held already: nothing changed.
    Repeated,
    /// The same part is held already with other text, which is kept: nothing changed. Names the file
    /// the kept copy came in.
    RepeatedOtherwise { kept_from: String },
    /// The message was applied (or set aside) before: nothing changed. Holds its outcome.
    Closed(String),
}

/// A message held in parts, with those received so far in part order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldMessage {
    pub message_key: String,
    pub kind: String,
    pub flight: super::FlightKey,
    pub sent_at: Option<DateTime<Utc>>,
    pub first_received_at: DateTime<Utc>,
    /// When the message was reported as still incomplete after the configured time.
    pub stale_reported_at: Option<DateTime<Utc>>,
    pub parts: Vec<HeldPart>,
}

impl HeldMessage {
    /// Every part from 1 to the last is held.
    pub fn is_complete(&self) -> bool {
        self.parts.last().is_some_and(|p| p.last)
            && self
                .parts
                .iter()
                .enumerate()
                .all(|(i, p)| usize::from(p.number) == i + 1)
    }

    /// The part numbers not held below the highest known one; the last part is missing as well when no
    /// held part ends the message (see [`HeldMessage::last_part_held`]).
    pub fn missing_parts(&self) -> Vec<u16> {
        let highest = self.parts.iter().map(|p| p.number).max().unwrap_or(0);
        (1..highest)
            .filter(|n| !self.parts.iter().any(|p| p.number == *n))
            .collect()
    }

    pub fn last_part_held(&self) -> bool {
        self.parts.iter().any(|p| p.last)
    }
}

/// A station where the airline may have aboard staff: whether it has any, and their shift in local time
/// (a shift that ends before it starts runs over midnight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Station {
    pub iata: super::Iata,
    pub staffed: bool,
    pub shift_start: Option<chrono::NaiveTime>,
    pub shift_end: Option<chrono::NaiveTime>,
}

impl Station {
    /// Whether staff are on shift at `local` (the station's wall-clock time).
    pub fn on_shift(&self, local: chrono::NaiveTime) -> bool {
        if !self.staffed {
            return false;
        }
        match (self.shift_start, self.shift_end) {
            (Some(start), Some(end)) if start <= end => start <= local && local < end,
            (Some(start), Some(end)) => local >= start || local < end,
            _ => true,
        }
    }
}

/// What a flight event changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlightUpdate {
    pub status: Option<super::FlightStatus>,
    pub departure: MovementTimes,
    pub arrival: MovementTimes,
    pub gate: Option<String>,
    pub boarding_started_at: Option<DateTime<Utc>>,
    pub gate_closed_at: Option<DateTime<Utc>>,
}

/// A staff account to create; the password arrives already hashed (argon2 PHC string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaffAccount {
    pub login: Login,
    pub display_name: String,
    pub password_hash: String,
    pub grant: Grant,
    pub ui_language: UiLanguage,
}

/// What an administrator may change of an account: everything but its login and password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffChange {
    pub display_name: String,
    pub grant: Grant,
    pub ui_language: UiLanguage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffAccount {
    pub id: Uuid,
    pub login: Login,
    pub display_name: String,
    pub grant: Grant,
    pub ui_language: UiLanguage,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// An account with the hash its password is checked against; only sign-in asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffCredentials {
    pub account: StaffAccount,
    pub password_hash: String,
}

/// A browser session: the cookie's token is stored only as its SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token_digest: String,
    pub user_id: Uuid,
    /// Every form and htmx request of the session must carry this value.
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    pub token_digest: String,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub account: StaffAccount,
}

/// A token for a machine (gate reader, import script); the token itself is shown once and stored only as
/// its SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub name: String,
    pub token_digest: String,
    pub grant: Grant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub grant: Grant,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// How a gate scan ended: boarded a passenger, or kept for ops because it could not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScanOutcome {
    Matched,
    Unmatched,
    Invalid,
    Ambiguous,
}

impl ScanOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanOutcome::Matched => "matched",
            ScanOutcome::Unmatched => "unmatched",
            ScanOutcome::Invalid => "invalid",
            ScanOutcome::Ambiguous => "ambiguous",
        }
    }

    pub fn parse(word: &str) -> Option<ScanOutcome> {
        match word {
            "matched" => Some(ScanOutcome::Matched),
            "unmatched" => Some(ScanOutcome::Unmatched),
            "invalid" => Some(ScanOutcome::Invalid),
            "ambiguous" => Some(ScanOutcome::Ambiguous),
            _ => None,
        }
    }
}

/// A gate reader's scan as aboard keeps it: the raw barcode text, where and when it was read, and what it
/// resolved to. `digest` (of raw text, station, gate, reader and scan time) makes a repeated scan harmless.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewBoardingScan {
    pub digest: String,
    pub raw: String,
    pub station: String,
    pub gate: Option<String>,
    pub reader_id: Option<String>,
    pub scanned_at: DateTime<Utc>,
    pub flight_id: Option<Uuid>,
    pub passenger_id: Option<Uuid>,
    pub outcome: ScanOutcome,
    /// Why a scan did not board anyone, or what picked the passenger.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BoardingScan {
    pub id: Uuid,
    pub scan: NewBoardingScan,
    pub received_at: DateTime<Utc>,
}

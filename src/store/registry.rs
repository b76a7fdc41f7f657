//! The registry of socially active complainants and its identity links to passengers: persons and
//! their batch import, candidate lookup for matching, remembered review decisions, inbound contacts
//! and retention.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::rows::{corrupt, word};
use super::{KeyedPerson, MatchDecision, RegistryPurge, ScreeningClaim, StoreError};
use crate::domain::LinkDecision;
use crate::domain::records::{
    ComplaintCase, Consent, Identifier, IdentifierKind, IdentityLink, InboundMessage, Person,
    PersonRecord, SocialAccount,
};

pub(super) const DELETE_PERSON_KEYS: &str = "DELETE FROM person_keys WHERE person_id = $1";
pub(super) const INSERT_PERSON_KEY: &str =
    "INSERT INTO person_keys (key, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";

// Lists of keys and fingerprints are bound as one parameter — a JSON array on SQLite, an array on
// PostgreSQL — so that one statement serves any number of values. `$LIST` is the list as a table of one
// column, `value`. Long lists (a day's import sends a million keys) drive the join and probe the
// table's index once per value: `key IN (list)` would first build and sort a temporary copy of the list,
// which took SQLite seconds.
pub(super) const SELECT_PERSON_IDS_WITH_KEYS: &str = "SELECT DISTINCT p.person_id FROM $LIST \
    JOIN person_keys AS p ON p.key = list.value";
pub(super) const SELECT_KEYS_IN_REGISTRY: &str = "SELECT DISTINCT list.value FROM $LIST \
    WHERE EXISTS (SELECT 1 FROM person_keys AS p WHERE p.key = list.value)";
pub(super) const SELECT_DECISIONS: &str = "SELECT DISTINCT d.person_id, d.fingerprint, d.decision, \
    d.decided_by, d.decided_at FROM $LIST JOIN match_decisions AS d ON d.fingerprint = list.value";

pub(super) const COUNT_DECISIONS: &str = "SELECT count(*) FROM match_decisions";
pub(super) const SELECT_ALL_DECISIONS: &str =
    "SELECT person_id, fingerprint, decision, decided_by, decided_at FROM match_decisions";

#[derive(sqlx::FromRow)]
pub(super) struct PersonRow {
    pub id: Uuid,
    pub external_id: String,
    pub display_name: String,
    pub language: Option<String>,
    pub country: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

pub(super) const PERSON_COLUMNS: &str =
    "id, external_id, display_name, language, country, date_of_birth, updated_at";

#[derive(sqlx::FromRow)]
pub(super) struct IdentifierRow {
    kind: String,
    value: String,
}

impl TryFrom<IdentifierRow> for Identifier {
    type Error = StoreError;
    fn try_from(r: IdentifierRow) -> Result<Identifier, StoreError> {
        Ok(Identifier {
            kind: IdentifierKind::parse(&r.kind)
                .ok_or_else(|| corrupt("identifier kind", &r.kind))?,
            value: r.value,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    network: String,
    handle: String,
    network_user_id: Option<String>,
    followers: i64,
    activity_30d: i32,
    follows_airline: bool,
    accepts_dms: bool,
    opted_in: bool,
    last_inbound_at: Option<DateTime<Utc>>,
}

impl TryFrom<AccountRow> for SocialAccount {
    type Error = StoreError;
    fn try_from(r: AccountRow) -> Result<SocialAccount, StoreError> {
        Ok(SocialAccount {
            network: word("network", &r.network)?,
            handle: r.handle,
            network_user_id: r.network_user_id,
            followers: r.followers,
            activity_30d: r.activity_30d,
            follows_airline: r.follows_airline,
            accepts_dms: r.accepts_dms,
            opted_in: r.opted_in,
            last_inbound_at: r.last_inbound_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CaseRow {
    external_ref: String,
    opened_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    channel: String,
    category: String,
    severity: i16,
    summary: String,
    status: String,
    source_url: Option<String>,
    /// NULL for the export's cases; who opened it for cases aboard opened.
    pub(super) recorded_by: Option<String>,
}

impl TryFrom<CaseRow> for ComplaintCase {
    type Error = StoreError;
    fn try_from(r: CaseRow) -> Result<ComplaintCase, StoreError> {
        Ok(ComplaintCase {
            external_ref: r.external_ref,
            opened_at: r.opened_at,
            resolved_at: r.resolved_at,
            channel: r.channel,
            category: r.category,
            severity: r.severity,
            summary: r.summary,
            status: word("case status", &r.status)?,
            source_url: r.source_url,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ConsentRow {
    channel: String,
    opted_out: bool,
    updated_at: DateTime<Utc>,
}

impl From<ConsentRow> for Consent {
    fn from(r: ConsentRow) -> Consent {
        Consent {
            channel: r.channel,
            opted_out: r.opted_out,
            updated_at: r.updated_at,
        }
    }
}

pub(super) const SELECT_IDENTIFIERS: &str =
    "SELECT kind, value FROM person_identifiers WHERE person_id = $1 ORDER BY kind, value";

pub(super) const SELECT_ACCOUNTS: &str = "SELECT network, handle, network_user_id, followers, \
    activity_30d, follows_airline, accepts_dms, opted_in, last_inbound_at FROM social_accounts \
    WHERE person_id = $1 ORDER BY network, handle";

pub(super) const SELECT_CASES: &str = "SELECT external_ref, opened_at, resolved_at, channel, category, \
    severity, summary, status, source_url, recorded_by FROM complaint_cases WHERE person_id = $1 \
    ORDER BY opened_at";

pub(super) const SELECT_CONSENTS: &str =
    "SELECT channel, opted_out, updated_at FROM consents WHERE person_id = $1 ORDER BY channel";

/// `$8` when the registry sent the person in microseconds, `$9` their desk: what the uplift report reads.
pub(super) const UPSERT_PERSON: &str = "INSERT INTO persons (id, external_id, display_name, language, \
    country, date_of_birth, created_at, updated_at, seen_us, desk) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9) \
    ON CONFLICT (external_id) DO UPDATE SET display_name = excluded.display_name, \
    language = excluded.language, country = excluded.country, date_of_birth = excluded.date_of_birth, \
    updated_at = excluded.updated_at, seen_us = excluded.seen_us, desk = excluded.desk RETURNING id";

/// The person's activity about the airline over their accounts, kept for the uplift report.
pub(super) const UPDATE_PERSON_ACTIVITY: &str = "UPDATE persons SET activity_30d = \
    (SELECT COALESCE(SUM(a.activity_30d), 0) FROM social_accounts a WHERE a.person_id = $1) WHERE id = $1";

/// A passenger's flight and its date.
pub(super) const SELECT_PASSENGER_FLIGHT: &str = "SELECT f.id, f.local_date FROM passengers pa \
    JOIN flights f ON f.id = pa.flight_id WHERE pa.id = $1";

pub(super) const INSERT_IDENTIFIER: &str = "INSERT INTO person_identifiers (person_id, kind, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

pub(super) const INSERT_ACCOUNT: &str = "INSERT INTO social_accounts (person_id, network, handle, \
    network_user_id, followers, activity_30d, follows_airline, accepts_dms, opted_in, last_inbound_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING";

pub(super) const INSERT_CASE: &str = "INSERT INTO complaint_cases (person_id, external_ref, opened_at, \
    resolved_at, channel, category, severity, summary, status, source_url) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING";

pub(super) const INSERT_CONSENT: &str = "INSERT INTO consents (person_id, channel, opted_out, updated_at) \
    VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

pub(super) const DELETE_PERSON_LISTS: [&str; 4] = [
    "DELETE FROM person_identifiers WHERE person_id = $1",
    "DELETE FROM social_accounts WHERE person_id = $1",
    // Only the export's cases: those aboard opened (recorded_by set) outlive every import.
    "DELETE FROM complaint_cases WHERE person_id = $1 AND recorded_by IS NULL",
    "DELETE FROM consents WHERE person_id = $1",
];

/// What erasure removes besides the person row (whose cascade takes accounts, cases, consent and links):
/// the events naming them, and the briefs and reasons of their tasks.
pub(super) const ERASE_PERSON_TRACES: [&str; 5] = [
    "DELETE FROM events WHERE person_id = $1",
    // The holdout's decisions stay for the figures, without the person (their row's cascade) or what
    // was kept of their later cases and flights.
    "UPDATE holdout_assignments SET case_after_us = NULL, flight_after_days = NULL WHERE person_id = $1",
    // A message not yet sent is not sent; one that went keeps its row for the figures, without the
    // account it went to or the words.
    "DELETE FROM messages WHERE state = 'queued' \
     AND task_id IN (SELECT id FROM tasks WHERE person_id = $1)",
    "UPDATE messages SET recipient = '[erased]', body = '[erased]', template_parameters = NULL, \
     provider_message_id = NULL, last_error = NULL \
     WHERE task_id IN (SELECT id FROM tasks WHERE person_id = $1)",
    "UPDATE tasks SET brief = '[erased]', briefs = '{}', why = '[]', outcome_note = NULL WHERE person_id = $1",
];

#[derive(sqlx::FromRow)]
pub(super) struct LinkRow {
    passenger_id: Uuid,
    person_id: Uuid,
    decision: String,
    score: f32,
    reasons: String,
    decided_by: String,
    updated_at: DateTime<Utc>,
}

impl TryFrom<LinkRow> for IdentityLink {
    type Error = StoreError;
    fn try_from(r: LinkRow) -> Result<IdentityLink, StoreError> {
        Ok(IdentityLink {
            passenger_id: r.passenger_id,
            person_id: r.person_id,
            decision: word("link decision", &r.decision)?,
            score: r.score,
            reasons: crate::matching::reason::stored_reasons(&r.reasons)
                .map_err(|e| corrupt("link reasons", e))?,
            decided_by: r.decided_by,
            updated_at: r.updated_at,
        })
    }
}

pub(super) const UPSERT_LINK: &str = "INSERT INTO identity_links (passenger_id, person_id, decision, score, \
    reasons, decided_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
    ON CONFLICT (passenger_id, person_id) DO UPDATE SET decision = excluded.decision, \
    score = excluded.score, reasons = excluded.reasons, decided_by = excluded.decided_by, \
    updated_at = excluded.updated_at \
    WHERE identity_links.decided_by = 'matcher' OR excluded.decided_by <> 'matcher'";

pub(super) const SELECT_LINK_DECISION: &str =
    "SELECT decision FROM identity_links WHERE passenger_id = $1 AND person_id = $2";

pub(super) const SELECT_LINKS_FOR_FLIGHT: &str = "SELECT l.passenger_id, l.person_id, l.decision, \
    l.score, l.reasons, l.decided_by, l.updated_at FROM identity_links l \
    JOIN passengers p ON p.id = l.passenger_id WHERE p.flight_id = $1 ORDER BY l.passenger_id, l.person_id";

pub(super) const SELECT_LINKS_FOR_PASSENGER: &str = "SELECT passenger_id, person_id, decision, score, \
    reasons, decided_by, updated_at FROM identity_links WHERE passenger_id = $1 ORDER BY person_id";

/// From this many fingerprints asked about, the store counts the remembered decisions first: a flight's
/// few hundred are looked up by the list at once, without a count that grows with the table.
pub(super) const COUNT_DECISIONS_FROM: usize = 10_000;

/// Whether to read every remembered decision and keep those of `asked` fingerprints, rather than send
/// the list: when staff have decided fewer fingerprints than are asked about (a day's import asks about
/// 450,000), reading them all is the smaller job.
pub(super) fn read_all_decisions(asked: usize, stored: i64) -> bool {
    usize::try_from(stored).is_ok_and(|stored| stored < asked)
}

/// The decisions among `rows` that concern one of the `asked` fingerprints.
pub(super) fn decisions_among(
    rows: Vec<DecisionRow>,
    asked: &[String],
) -> Result<Vec<MatchDecision>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let asked: std::collections::HashSet<&str> = asked.iter().map(String::as_str).collect();
    rows.into_iter()
        .filter(|row| asked.contains(row.fingerprint.as_str()))
        .map(MatchDecision::try_from)
        .collect()
}

pub(super) const UPSERT_DECISION: &str = "INSERT INTO match_decisions (person_id, fingerprint, \
    decision, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id, fingerprint) \
    DO UPDATE SET decision = excluded.decision, decided_by = excluded.decided_by, \
    decided_at = excluded.decided_at";

/// `$1` the instant before which departed flights are left out, `$2` its date for flights without times
/// (a manifest carries none), `$3` the limit. A flight's best time is its actual, else estimated, else
/// scheduled departure.
pub(super) const SELECT_LINKS_TO_REVIEW: &str = "SELECT l.passenger_id, l.person_id, l.decision, \
    l.score, l.reasons, l.decided_by, l.updated_at FROM identity_links l \
    JOIN passengers p ON p.id = l.passenger_id JOIN flights f ON f.id = p.flight_id \
    WHERE l.decision = 'review' AND p.boarding_state <> 'removed' \
    AND (COALESCE(f.actual_departure, f.estimated_departure, f.scheduled_departure) >= $1 \
    OR (COALESCE(f.actual_departure, f.estimated_departure, f.scheduled_departure) IS NULL \
    AND f.local_date >= $2)) \
    ORDER BY COALESCE(f.actual_departure, f.estimated_departure, f.scheduled_departure) IS NULL, \
    COALESCE(f.actual_departure, f.estimated_departure, f.scheduled_departure), f.local_date, \
    l.score DESC, l.passenger_id, l.person_id LIMIT $3";

pub(super) const PURGE_RESOLVED_CASES: &str =
    "DELETE FROM complaint_cases WHERE status = 'resolved' AND resolved_at < $1";
pub(super) const PURGE_OLD_LINKS: &str = "DELETE FROM identity_links WHERE updated_at < $1";

#[derive(sqlx::FromRow)]
pub(super) struct DecisionRow {
    person_id: Uuid,
    fingerprint: String,
    decision: String,
    decided_by: String,
    decided_at: DateTime<Utc>,
}

impl TryFrom<DecisionRow> for MatchDecision {
    type Error = StoreError;

    fn try_from(row: DecisionRow) -> Result<MatchDecision, StoreError> {
        let decision: LinkDecision = row
            .decision
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("match decision: {e}")))?;
        Ok(MatchDecision {
            person_id: row.person_id,
            fingerprint: row.fingerprint,
            decision,
            decided_by: row.decided_by,
            decided_at: row.decided_at,
        })
    }
}

/// Registry persons, identity links and review decisions, and the claims on flights waiting for matching.
#[async_trait]
pub trait RegistryStore: Send + Sync {
    /// Creates or replaces a person by external id, with their identifiers, accounts, cases and consent.
    async fn upsert_person(
        &self,
        record: &PersonRecord,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Person, StoreError>;
    async fn person(&self, id: Uuid) -> Result<Option<Person>, StoreError>;
    async fn person_by_external_id(&self, external_id: &str) -> Result<Option<Person>, StoreError>;
    /// Removes the person, their accounts, cases, links, every event naming them, the briefs and notes of
    /// their tasks and the recipients and words of their messages (a message still queued is dropped),
    /// leaving one anonymous "person erased" event; then has the database overwrite what it freed. Returns
    /// false when no such person exists.
    async fn erase_person(
        &self,
        external_id: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Creates or replaces every person of one import in one transaction, all or nothing, filing each
    /// person's blocking keys so that matching finds candidates by an indexed lookup. Returns their ids, in
    /// order.
    async fn upsert_persons(
        &self,
        persons: &[KeyedPerson],
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError>;
    /// Persons filed under any of these blocking keys.
    async fn persons_with_keys(&self, keys: &[i64]) -> Result<Vec<Person>, StoreError>;
    /// Staff decisions remembered under any of these passenger fingerprints.
    async fn match_decisions(
        &self,
        fingerprints: &[String],
    ) -> Result<Vec<MatchDecision>, StoreError>;
    /// Records a person's review decision in one transaction: the link (which the matcher then leaves
    /// alone), one remembered decision per fingerprint of the passenger, and a `link.confirmed` or
    /// `link.rejected` event.
    async fn decide_link(
        &self,
        link: &IdentityLink,
        fingerprints: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Links waiting for a person's review on flights departing from `departing_after` on (or, without
    /// any time, dated that day or later), passengers not removed: the soonest departure first, then the
    /// highest score.
    async fn links_to_review(
        &self,
        departing_after: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<IdentityLink>, StoreError>;
    /// Registry retention: deletes complaint cases resolved before one instant and identity links last
    /// changed before another, in one transaction, and logs what it removed.
    async fn purge_registry(
        &self,
        cases_resolved_before: DateTime<Utc>,
        links_before: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<RegistryPurge, StoreError>;
    /// Records the matcher's or a person's decision. A staff decision is never overwritten by the matcher.
    async fn upsert_link(&self, link: &IdentityLink) -> Result<(), StoreError>;
    async fn links_for_flight(&self, flight_id: Uuid) -> Result<Vec<IdentityLink>, StoreError>;
    async fn links_for_passenger(
        &self,
        passenger_id: Uuid,
    ) -> Result<Vec<IdentityLink>, StoreError>;
    /// Notes when a person wrote to the airline, finding them by the sender's account (network user id,
    /// else handle). Returns the persons it was noted on; none for a sender no account names, whose
    /// message is logged all the same.
    async fn record_inbound(
        &self,
        message: &InboundMessage,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError>;
    /// Which of these blocking keys some registry person has: a cheap test of whether a flight has any
    /// candidate at all before it is matched.
    async fn blocking_keys_in_registry(&self, keys: &[i64]) -> Result<Vec<i64>, StoreError>;
    /// The version of the blocking keys the persons are filed under; None before any were versioned.
    async fn blocking_keys_version(&self) -> Result<Option<i64>, StoreError>;
    /// Up to `limit` persons with ids after `after`, in id order: a walk through the whole registry.
    async fn persons_after(
        &self,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Person>, StoreError>;
    /// Files these persons under new blocking keys, replacing their old ones, and, when `version` is
    /// given, records it as the version every person is now filed under — in one transaction.
    async fn rekey_persons(
        &self,
        keys: &[(Uuid, Vec<i64>)],
        version: Option<i64>,
    ) -> Result<(), StoreError>;
    /// Claims flights whose stored lists wait for identity matching (`only` those, when given; at most
    /// `limit` flights) for this caller alone: a flight another caller holds is left out. The claim ends
    /// when it is dropped (the lists keep waiting) or with `ScreeningClaim::screened`.
    async fn claim_screening(
        &self,
        only: Option<&[Uuid]>,
        limit: usize,
    ) -> Result<Box<dyn ScreeningClaim>, StoreError>;
}

/// Implements `RegistryStore` for a backend store over its connection type `$conn`, once for both backends;
/// the backend brings the methods whose SQL or speed differs on it.
macro_rules! registry_store {
    ($store:ty, $conn:ty, { $($backend:tt)* }) => {
        /// Creates or replaces one person and their lists, and logs it; the caller's transaction commits.
        async fn write_person(
            conn: &mut $conn,
            record: &PersonRecord,
            actor: &str,
            at: DateTime<Utc>,
        ) -> Result<Uuid, StoreError> {
            let id: Uuid = sqlx::query_scalar(UPSERT_PERSON)
                .bind(Uuid::now_v7())
                .bind(&record.external_id)
                .bind(&record.display_name)
                .bind(record.language.as_deref())
                .bind(record.country.as_deref())
                .bind(record.date_of_birth)
                .bind(at)
                .bind(at.timestamp_micros())
                .bind($crate::reports::desk_of(record.language.as_deref()))
                .fetch_one(&mut *conn)
                .await?;
            for statement in DELETE_PERSON_LISTS {
                sqlx::query(statement).bind(id).execute(&mut *conn).await?;
            }
            for i in &record.identifiers {
                sqlx::query(INSERT_IDENTIFIER)
                    .bind(id)
                    .bind(i.kind.as_str())
                    .bind(&i.value)
                    .execute(&mut *conn)
                    .await?;
            }
            for a in &record.accounts {
                sqlx::query(INSERT_ACCOUNT)
                    .bind(id)
                    .bind(a.network.as_str())
                    .bind(&a.handle)
                    .bind(a.network_user_id.as_deref())
                    .bind(a.followers)
                    .bind(a.activity_30d)
                    .bind(a.follows_airline)
                    .bind(a.accepts_dms)
                    .bind(a.opted_in)
                    .bind(a.last_inbound_at)
                    .execute(&mut *conn)
                    .await?;
            }
            for c in &record.cases {
                sqlx::query(INSERT_CASE)
                    .bind(id)
                    .bind(&c.external_ref)
                    .bind(c.opened_at)
                    .bind(c.resolved_at)
                    .bind(&c.channel)
                    .bind(&c.category)
                    .bind(c.severity)
                    .bind(&c.summary)
                    .bind(c.status.as_str())
                    .bind(c.source_url.as_deref())
                    .execute(&mut *conn)
                    .await?;
            }
            sqlx::query(UPDATE_PERSON_ACTIVITY)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            keep_outcomes(&mut *conn, id, OutcomeChange::Cases).await?;
            for c in &record.consents {
                sqlx::query(INSERT_CONSENT)
                    .bind(id)
                    .bind(&c.channel)
                    .bind(c.opted_out)
                    .bind(c.updated_at)
                    .execute(&mut *conn)
                    .await?;
            }
            let e = event(
                actor,
                "person.upserted",
                "person",
                id,
                None,
                Some(id),
                serde_json::json!({}),
            );
            insert_event(conn, &e, at).await?;
            Ok(id)
        }

        /// The link's passenger's flight and its date.
        async fn passenger_flight(
            conn: &mut $conn,
            link: &IdentityLink,
        ) -> Result<Option<(Uuid, NaiveDate)>, StoreError> {
            Ok(sqlx::query_as(SELECT_PASSENGER_FLIGHT)
                .bind(link.passenger_id)
                .fetch_optional(&mut *conn)
                .await?)
        }

        async fn load_person(conn: &mut $conn, row: PersonRow) -> Result<Person, StoreError> {
            let identifiers = sqlx::query_as::<_, IdentifierRow>(SELECT_IDENTIFIERS)
                .bind(row.id)
                .fetch_all(&mut *conn)
                .await?;
            let accounts = sqlx::query_as::<_, AccountRow>(SELECT_ACCOUNTS)
                .bind(row.id)
                .fetch_all(&mut *conn)
                .await?;
            let cases = sqlx::query_as::<_, CaseRow>(SELECT_CASES)
                .bind(row.id)
                .fetch_all(&mut *conn)
                .await?;
            let consents = sqlx::query_as::<_, ConsentRow>(SELECT_CONSENTS)
                .bind(row.id)
                .fetch_all(&mut *conn)
                .await?;
            let facts = sqlx::query_as::<_, AboardFactRow>(SELECT_ABOARD_FACTS)
                .bind(row.id)
                .fetch_all(&mut *conn)
                .await?;
            let (cases, aboard) = split_records(cases, facts)?;
            Ok(Person {
                id: row.id,
                record: PersonRecord {
                    external_id: row.external_id,
                    display_name: row.display_name,
                    language: row.language,
                    country: row.country,
                    date_of_birth: row.date_of_birth,
                    identifiers: identifiers
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect::<Result<_, _>>()?,
                    accounts: accounts
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect::<Result<_, _>>()?,
                    cases,
                    consents: consents.into_iter().map(Into::into).collect(),
                },
                aboard,
                updated_at: row.updated_at,
            })
        }

        /// Notes an inbound message's time on every person whose account sent it, and logs it (an unknown
        /// sender's too); the caller's transaction commits.
        async fn note_inbound(
            conn: &mut $conn,
            message: &InboundMessage,
            actor: &str,
            at: DateTime<Utc>,
        ) -> Result<Vec<Uuid>, StoreError> {
            let (sql, sender) = match (&message.network_user_id, &message.handle) {
                (Some(user_id), _) => (SENDER_BY_USER_ID, user_id),
                (None, Some(handle)) => (SENDER_BY_HANDLE, handle),
                (None, None) => return Ok(Vec::new()),
            };
            let persons: Vec<Uuid> = sqlx::query_scalar(sql)
                .bind(message.network.as_str())
                .bind(sender)
                .fetch_all(&mut *conn)
                .await?;
            for person_id in &persons {
                sqlx::query(UPSERT_INBOUND)
                    .bind(person_id)
                    .bind(message.network.as_str())
                    .bind(message.received_at)
                    .execute(&mut *conn)
                    .await?;
                insert_event(
                    &mut *conn,
                    &inbound_event(message, Some(*person_id), actor),
                    at,
                )
                .await?;
            }
            if persons.is_empty() {
                insert_event(&mut *conn, &inbound_event(message, None, actor), at).await?;
            }
            Ok(persons)
        }

        #[async_trait]
        impl $crate::store::RegistryStore for $store {
            $($backend)*

            async fn upsert_person(
                &self,
                record: &PersonRecord,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<Person, StoreError> {
                let mut tx = self.write().await?;
                let id = write_person(&mut tx, record, actor, at).await?;
                let row = sqlx::query_as::<_, PersonRow>(AssertSqlSafe(format!(
                    "SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1"
                )))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                let person = load_person(&mut tx, row).await?;
                tx.commit().await?;
                Ok(person)
            }

            async fn person(&self, id: Uuid) -> Result<Option<Person>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                let row = sqlx::query_as::<_, PersonRow>(AssertSqlSafe(format!(
                    "SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1"
                )))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
                match row {
                    Some(row) => Ok(Some(load_person(&mut conn, row).await?)),
                    None => Ok(None),
                }
            }

            async fn person_by_external_id(&self, external_id: &str) -> Result<Option<Person>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                let row = sqlx::query_as::<_, PersonRow>(AssertSqlSafe(format!(
                    "SELECT {PERSON_COLUMNS} FROM persons WHERE external_id = $1"
                )))
                .bind(external_id)
                .fetch_optional(&mut *conn)
                .await?;
                match row {
                    Some(row) => Ok(Some(load_person(&mut conn, row).await?)),
                    None => Ok(None),
                }
            }

            async fn erase_person(
                &self,
                external_id: &str,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let mut tx = self.write().await?;
                let id: Option<Uuid> = sqlx::query_scalar("SELECT id FROM persons WHERE external_id = $1")
                    .bind(external_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(id) = id else {
                    return Ok(false);
                };
                permit_event_removal(&mut tx, "erasure").await?;
                for statement in ERASE_PERSON_TRACES {
                    sqlx::query(statement).bind(id).execute(&mut *tx).await?;
                }
                end_event_removal(&mut tx).await?;
                sqlx::query("DELETE FROM persons WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let e = event(
                    actor,
                    "person.erased",
                    "person",
                    "erased",
                    None,
                    None,
                    serde_json::json!({}),
                );
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                self.scrub_erased().await?;
                Ok(true)
            }

            async fn upsert_persons(
                &self,
                persons: &[KeyedPerson],
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<Vec<Uuid>, StoreError> {
                let mut tx = self.write().await?;
                let mut ids = Vec::with_capacity(persons.len());
                for person in persons {
                    let id = write_person(&mut tx, &person.record, actor, at).await?;
                    sqlx::query(DELETE_PERSON_KEYS)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    for key in &person.blocking_keys {
                        sqlx::query(INSERT_PERSON_KEY)
                            .bind(key)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    ids.push(id);
                }
                tx.commit().await?;
                Ok(ids)
            }

            async fn persons_with_keys(&self, keys: &[i64]) -> Result<Vec<Person>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                let mut ids: Vec<Uuid> =
                    sqlx::query_scalar(AssertSqlSafe(list_sql(SELECT_PERSON_IDS_WITH_KEYS)))
                        .bind(list(keys))
                        .fetch_all(&mut *conn)
                        .await?;
                ids.sort_unstable();
                ids.dedup();
                let mut persons = Vec::with_capacity(ids.len());
                for id in ids {
                    let row = sqlx::query_as::<_, PersonRow>(AssertSqlSafe(format!(
                        "SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1"
                    )))
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
                    if let Some(row) = row {
                        persons.push(load_person(&mut conn, row).await?);
                    }
                }
                Ok(persons)
            }

            async fn match_decisions(
                &self,
                fingerprints: &[String],
            ) -> Result<Vec<MatchDecision>, StoreError> {
                if fingerprints.len() >= COUNT_DECISIONS_FROM {
                    let stored: i64 = sqlx::query_scalar(COUNT_DECISIONS)
                        .fetch_one(&self.pool)
                        .await?;
                    if read_all_decisions(fingerprints.len(), stored) {
                        let rows = sqlx::query_as::<_, DecisionRow>(SELECT_ALL_DECISIONS)
                            .fetch_all(&self.pool)
                            .await?;
                        return decisions_among(rows, fingerprints);
                    }
                }
                sqlx::query_as::<_, DecisionRow>(AssertSqlSafe(list_sql(SELECT_DECISIONS)))
                    .bind(list(fingerprints))
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(MatchDecision::try_from)
                    .collect()
            }

            async fn decide_link(
                &self,
                link: &IdentityLink,
                fingerprints: &[String],
                at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let mut tx = self.write().await?;
                sqlx::query(UPSERT_LINK)
                    .bind(link.passenger_id)
                    .bind(link.person_id)
                    .bind(link.decision.as_str())
                    .bind(link.score)
                    .bind(to_json(&link.reasons))
                    .bind(&link.decided_by)
                    .bind(link.updated_at)
                    .execute(&mut *tx)
                    .await?;
                if let Some((_, on)) = passenger_flight(&mut tx, link).await? {
                    keep_outcomes(&mut tx, link.person_id, OutcomeChange::Flight(on)).await?;
                }
                for fingerprint in fingerprints {
                    sqlx::query(UPSERT_DECISION)
                        .bind(link.person_id)
                        .bind(fingerprint)
                        .bind(link.decision.as_str())
                        .bind(&link.decided_by)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
                let action = match link.decision {
                    LinkDecision::Linked => "link.confirmed",
                    _ => "link.rejected",
                };
                let e = event(
                    &link.decided_by,
                    action,
                    "passenger",
                    link.passenger_id,
                    None,
                    Some(link.person_id),
                    serde_json::json!({ "fingerprints": fingerprints.len() }),
                );
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn links_to_review(
                &self,
                departing_after: DateTime<Utc>,
                limit: i64,
            ) -> Result<Vec<IdentityLink>, StoreError> {
                sqlx::query_as::<_, LinkRow>(SELECT_LINKS_TO_REVIEW)
                    .bind(departing_after)
                    .bind(departing_after.date_naive())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(IdentityLink::try_from)
                    .collect()
            }

            async fn purge_registry(
                &self,
                cases_resolved_before: DateTime<Utc>,
                links_before: DateTime<Utc>,
                at: DateTime<Utc>,
            ) -> Result<RegistryPurge, StoreError> {
                let mut tx = self.write().await?;
                let report = RegistryPurge {
                    cases: sqlx::query(PURGE_RESOLVED_CASES)
                        .bind(cases_resolved_before)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                    links: sqlx::query(PURGE_OLD_LINKS)
                        .bind(links_before)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                };
                let e = event(
                    "scheduler",
                    "registry.purged",
                    "registry",
                    "retention",
                    None,
                    None,
                    serde_json::json!({
                        "cases": report.cases,
                        "links": report.links,
                        "cases_resolved_before": cases_resolved_before,
                        "links_before": links_before,
                    }),
                );
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                Ok(report)
            }

            async fn upsert_link(&self, link: &IdentityLink) -> Result<(), StoreError> {
                let mut tx = self.write().await?;
                let before: Option<String> = sqlx::query_scalar(SELECT_LINK_DECISION)
                    .bind(link.passenger_id)
                    .bind(link.person_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let written = sqlx::query(UPSERT_LINK)
                    .bind(link.passenger_id)
                    .bind(link.person_id)
                    .bind(link.decision.as_str())
                    .bind(link.score)
                    .bind(to_json(&link.reasons))
                    .bind(&link.decided_by)
                    .bind(link.updated_at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                // Logged when the link is new or its decision changed: screening a list again repeats
                // every unchanged link.
                if written > 0 && before.as_deref() != Some(link.decision.as_str()) {
                    let flight = passenger_flight(&mut tx, link).await?;
                    if let Some((_, on)) = flight
                        && (link.decision == LinkDecision::Linked || before.as_deref() == Some("linked"))
                    {
                        keep_outcomes(&mut tx, link.person_id, OutcomeChange::Flight(on)).await?;
                    }
                    let flight_id = flight.map(|(id, _)| id);
                    let e = event(
                        &link.decided_by,
                        "link.matched",
                        "passenger",
                        link.passenger_id,
                        flight_id,
                        Some(link.person_id),
                        serde_json::json!({
                            "decision": link.decision.as_str(),
                            "before": before,
                            "score": link.score,
                        }),
                    );
                    insert_event(&mut tx, &e, link.updated_at).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn links_for_flight(&self, flight_id: Uuid) -> Result<Vec<IdentityLink>, StoreError> {
                sqlx::query_as::<_, LinkRow>(SELECT_LINKS_FOR_FLIGHT)
                    .bind(flight_id)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(IdentityLink::try_from)
                    .collect()
            }

            async fn links_for_passenger(
                &self,
                passenger_id: Uuid,
            ) -> Result<Vec<IdentityLink>, StoreError> {
                sqlx::query_as::<_, LinkRow>(SELECT_LINKS_FOR_PASSENGER)
                    .bind(passenger_id)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(IdentityLink::try_from)
                    .collect()
            }

            async fn record_inbound(
                &self,
                message: &InboundMessage,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<Vec<Uuid>, StoreError> {
                let mut tx = self.write().await?;
                let persons = note_inbound(&mut tx, message, actor, at).await?;
                tx.commit().await?;
                Ok(persons)
            }

            async fn blocking_keys_version(&self) -> Result<Option<i64>, StoreError> {
                Ok(sqlx::query_scalar::<_, i64>(
                    "SELECT value FROM registry_settings WHERE name = 'blocking_keys_version'",
                )
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn persons_after(
                &self,
                after: Option<Uuid>,
                limit: i64,
            ) -> Result<Vec<Person>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                let rows = sqlx::query_as::<_, PersonRow>(AssertSqlSafe(format!(
                    "SELECT {PERSON_COLUMNS} FROM persons WHERE $1 IS NULL OR id > $1 \
                     ORDER BY id LIMIT $2"
                )))
                .bind(after)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
                let mut persons = Vec::with_capacity(rows.len());
                for row in rows {
                    persons.push(load_person(&mut conn, row).await?);
                }
                Ok(persons)
            }

            async fn rekey_persons(
                &self,
                keys: &[(Uuid, Vec<i64>)],
                version: Option<i64>,
            ) -> Result<(), StoreError> {
                let mut tx = self.write().await?;
                for (id, person_keys) in keys {
                    sqlx::query(DELETE_PERSON_KEYS)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    for key in person_keys {
                        sqlx::query(INSERT_PERSON_KEY)
                            .bind(key)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                if let Some(version) = version {
                    sqlx::query(
                        "INSERT INTO registry_settings (name, value) \
                         VALUES ('blocking_keys_version', $1) \
                         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    )
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn blocking_keys_in_registry(&self, keys: &[i64]) -> Result<Vec<i64>, StoreError> {
                Ok(
                    sqlx::query_scalar::<_, i64>(AssertSqlSafe(list_sql(SELECT_KEYS_IN_REGISTRY)))
                        .bind(list(keys))
                        .fetch_all(&self.pool)
                        .await?,
                )
            }
        }
    };
}
pub(super) use registry_store;

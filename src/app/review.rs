//! Match review: the identity links the matcher was unsure of, each with the evidence of both sides so that
//! a person can decide, and the decision itself — stored on the link and remembered under every
//! fingerprint of the passenger, so that it wins on the flight's next matching and on the passenger's
//! later flights. The review page, its JSON twin and `POST /api/links/…` all go through here. Depends on
//! `store` and `matching`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::matching::passenger_facts;
use super::{Caller, ServiceError};
use crate::airports;
use crate::domain::records::{Flight, IdentifierKind, IdentityLink, Passenger, Person};
use crate::domain::{CarrierCode, FlightStatus, LinkDecision, Role, TravellerClass};
use crate::matching::{
    PassengerFingerprint, normalise_email, normalise_frequent_flyer, normalise_phone,
};
use crate::store::Store;

/// Flights that left longer ago than this are no longer listed: deciding them can wait for the
/// passenger's next trip, which the matcher will send to review again.
pub const REVIEW_LOOKBACK: TimeDelta = TimeDelta::hours(1);
/// Links read to fill one list; the caller's scope may leave many of them out.
const REVIEW_SCAN: i64 = 2000;

/// Who may review links: the advisors (in their languages) and ops.
pub const REVIEW_ROLES: &[Role] = &[Role::Advisor, Role::Ops];

/// What a person decided about a link under review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewDecision {
    Confirm,
    Reject,
}

impl ReviewDecision {
    /// `confirm` or `reject`, as forms and the API send it.
    pub fn parse(word: &str) -> Option<ReviewDecision> {
        match word.trim() {
            "confirm" => Some(ReviewDecision::Confirm),
            "reject" => Some(ReviewDecision::Reject),
            _ => None,
        }
    }

    pub fn link_decision(self) -> LinkDecision {
        match self {
            ReviewDecision::Confirm => LinkDecision::Linked,
            ReviewDecision::Reject => LinkDecision::Rejected,
        }
    }
}

/// How one piece of evidence compares across the two records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// The same on both sides: evidence for the link.
    Agrees,
    /// Both sides hold it and they cannot both be true of one person (another birth date, another number
    /// on the same airline's programme): evidence against.
    Conflicts,
    /// Both sides hold it and they differ, which proves nothing (people have several e-mails).
    Differs,
    /// One side or both lack it.
    Missing,
}

/// The comparisons a reviewer looks at first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    pub date_of_birth: Comparison,
    pub frequent_flyer: Comparison,
    pub email: Comparison,
    pub phone: Comparison,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReviewFlight {
    pub id: Uuid,
    /// `IB6401`.
    pub flight: String,
    pub local_date: NaiveDate,
    pub origin: String,
    pub destination: Option<String>,
    /// The best departure time known (actual, estimated, scheduled); none for a flight known only from a
    /// manifest.
    pub departure: Option<DateTime<Utc>>,
    /// The origin's IANA zone, in which staff read the departure.
    pub time_zone: Option<String>,
    pub status: FlightStatus,
    pub gate: Option<String>,
}

/// The manifest's side.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReviewPassenger {
    pub id: Uuid,
    /// As the booking spells it: `SURNAME/GIVEN TITLE`.
    pub booking_name: String,
    /// The passport name from the DOCS item, `SURNAME/GIVEN`, when the booking has one.
    pub docs_name: Option<String>,
    pub traveller_class: TravellerClass,
    pub date_of_birth: Option<NaiveDate>,
    /// `IB 12345678`.
    pub frequent_flyer: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub locator: Option<String>,
    pub seat: Option<String>,
    pub nationality: Option<String>,
}

/// The registry's side.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReviewPerson {
    pub id: Uuid,
    pub external_id: String,
    pub display_name: String,
    pub date_of_birth: Option<NaiveDate>,
    /// `IB 12345678`, one per programme membership.
    pub loyalty: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub country: Option<String>,
    /// The person's preferred language as the registry holds it (`es`, `pt-BR`).
    pub language: Option<String>,
}

/// One link under review with everything needed to decide it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReviewCase {
    pub flight: ReviewFlight,
    pub passenger: ReviewPassenger,
    pub person: ReviewPerson,
    pub score: f32,
    /// The matcher's reasons; one English sentence each in JSON.
    #[serde(with = "crate::matching::reason::as_sentences")]
    #[schema(value_type = Vec<String>)]
    pub reasons: Vec<crate::matching::Reason>,
    pub evidence: Evidence,
    pub updated_at: DateTime<Utc>,
}

/// The primary subtag of the person's preferred language (`pt` for `pt-BR`), lower case; None when the
/// registry does not know it.
pub fn person_language(person: &Person) -> Option<String> {
    person
        .record
        .language
        .as_deref()
        .and_then(|l| l.split(['-', '_']).next())
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty())
}

/// The links under review on flights that have not left more than `REVIEW_LOOKBACK` before `now`, the
/// soonest departure first and then the highest score, at most `limit` of those whose person `visible`
/// accepts.
pub async fn review_cases(
    store: &dyn Store,
    now: DateTime<Utc>,
    limit: usize,
    visible: impl Fn(&Person) -> bool,
) -> Result<Vec<ReviewCase>, ServiceError> {
    let links = store
        .links_to_review(now - REVIEW_LOOKBACK, REVIEW_SCAN)
        .await?;
    let mut flights: HashMap<Uuid, Option<Flight>> = HashMap::new();
    let mut cases = Vec::new();
    for link in links {
        if cases.len() >= limit {
            break;
        }
        let Some(person) = store.person(link.person_id).await? else {
            continue;
        };
        if !visible(&person) {
            continue;
        }
        let Some(passenger) = store.passenger(link.passenger_id).await? else {
            continue;
        };
        let flight = match flights.get(&passenger.flight_id) {
            Some(known) => known.clone(),
            None => {
                let read = store.flight(passenger.flight_id).await?;
                flights.insert(passenger.flight_id, read.clone());
                read
            }
        };
        let Some(flight) = flight else {
            continue;
        };
        cases.push(review_case(&link, &flight, &passenger, &person));
    }
    Ok(cases)
}

/// One link with both records side by side and their evidence compared.
pub fn review_case(
    link: &IdentityLink,
    flight: &Flight,
    passenger: &Passenger,
    person: &Person,
) -> ReviewCase {
    let d = &passenger.details;
    let r = &person.record;
    let of_kind = |kind: IdentifierKind| -> Vec<String> {
        r.identifiers
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| i.value.clone())
            .collect()
    };
    let mut booking_name = format!("{}/{}", d.surname, d.given_name);
    if let Some(title) = &d.title {
        booking_name.push(' ');
        booking_name.push_str(title);
    }
    let passenger_side = ReviewPassenger {
        id: passenger.id,
        booking_name,
        docs_name: d
            .docs_surname
            .as_ref()
            .map(|surname| format!("{surname}/{}", d.docs_given.as_deref().unwrap_or_default())),
        traveller_class: d.traveller_class,
        date_of_birth: d.date_of_birth,
        frequent_flyer: d
            .frequent_flyer
            .as_ref()
            .map(|(carrier, number)| format!("{carrier} {number}")),
        email: d.email.clone(),
        phone: d.phone.clone(),
        locator: d.locator.clone(),
        seat: d.seat.clone(),
        nationality: d.nationality.clone(),
    };
    let person_side = ReviewPerson {
        id: person.id,
        external_id: r.external_id.clone(),
        display_name: r.display_name.clone(),
        date_of_birth: r.date_of_birth,
        loyalty: of_kind(IdentifierKind::Loyalty),
        emails: of_kind(IdentifierKind::Email),
        phones: of_kind(IdentifierKind::Phone),
        country: r.country.clone(),
        language: r.language.clone(),
    };
    let evidence = Evidence {
        date_of_birth: compare_birth_dates(d.date_of_birth, r.date_of_birth),
        frequent_flyer: compare_frequent_flyer(d.frequent_flyer.as_ref(), &person_side.loyalty),
        email: compare_emails(d.email.as_deref(), &person_side.emails),
        phone: compare_phones(d.phone.as_deref(), &person_side.phones),
    };
    ReviewCase {
        flight: ReviewFlight {
            id: flight.id,
            flight: flight.key.flight.to_string(),
            local_date: flight.key.local_date,
            origin: flight.key.origin.to_string(),
            destination: flight.destination.as_ref().map(ToString::to_string),
            departure: flight.departure.best(),
            time_zone: airports::lookup(&flight.key.origin).map(|a| a.tz.name().to_string()),
            status: flight.status,
            gate: flight.gate.clone(),
        },
        passenger: passenger_side,
        person: person_side,
        score: link.score,
        reasons: link.reasons.clone(),
        evidence,
        updated_at: link.updated_at,
    }
}

fn compare_birth_dates(passenger: Option<NaiveDate>, person: Option<NaiveDate>) -> Comparison {
    match (passenger, person) {
        (Some(a), Some(b)) if a == b => Comparison::Agrees,
        (Some(_), Some(_)) => Comparison::Conflicts,
        _ => Comparison::Missing,
    }
}

/// Numbers compare within one airline's programme, as the matcher compares them: another number on the
/// same programme is another member.
fn compare_frequent_flyer(passenger: Option<&(String, String)>, loyalty: &[String]) -> Comparison {
    let normalised = |carrier: &str, number: &str| {
        let carrier = CarrierCode::parse(carrier).ok()?;
        let number = normalise_frequent_flyer(&carrier, number)?;
        Some((carrier, number))
    };
    let Some((carrier, number)) = passenger.and_then(|(c, n)| normalised(c, n)) else {
        return Comparison::Missing;
    };
    let memberships: Vec<_> = loyalty
        .iter()
        .filter_map(|v| v.split_once(' '))
        .filter_map(|(c, n)| normalised(c, n))
        .collect();
    if memberships.is_empty() {
        Comparison::Missing
    } else if memberships.iter().any(|m| m.0 == carrier && m.1 == number) {
        Comparison::Agrees
    } else if memberships.iter().any(|m| m.0 == carrier) {
        Comparison::Conflicts
    } else {
        Comparison::Differs
    }
}

fn compare_emails(passenger: Option<&str>, emails: &[String]) -> Comparison {
    let Some(email) = passenger.and_then(normalise_email) else {
        return Comparison::Missing;
    };
    if emails.is_empty() {
        Comparison::Missing
    } else if emails
        .iter()
        .any(|e| normalise_email(e).as_deref() == Some(&email))
    {
        Comparison::Agrees
    } else {
        Comparison::Differs
    }
}

fn compare_phones(passenger: Option<&str>, phones: &[String]) -> Comparison {
    let Some(phone) = passenger.and_then(normalise_phone) else {
        return Comparison::Missing;
    };
    if phones.is_empty() {
        Comparison::Missing
    } else if phones
        .iter()
        .filter_map(|p| normalise_phone(p))
        .any(|p| phone.agreement(&p).is_some())
    {
        Comparison::Agrees
    } else {
        Comparison::Differs
    }
}

/// Whether the caller may see and decide links to this person: advisors when the person's language is
/// theirs, or unknown (then any advisor may judge); ops every person; gate agents and admins none.
fn require_reviewer(caller: &Caller, person: Option<&Person>) -> Result<(), ServiceError> {
    let in_scope = person.is_none_or(|person| {
        person_language(person).is_none_or(|language| caller.grant.allows_language(&language))
    });
    if REVIEW_ROLES.contains(&caller.grant.role()) && in_scope {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// The cases the caller may review (see `review_cases`).
pub async fn cases_for(
    store: &dyn Store,
    caller: &Caller,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<ReviewCase>, ServiceError> {
    require_reviewer(caller, None)?;
    review_cases(store, now, limit, |person| {
        require_reviewer(caller, Some(person)).is_ok()
    })
    .await
}

/// Decides a link (passenger, person) as the caller, after the same role and scope checks as the list.
pub async fn decide_as(
    store: &dyn Store,
    caller: &Caller,
    (passenger_id, person_id): (Uuid, Uuid),
    decision: ReviewDecision,
    at: DateTime<Utc>,
) -> Result<IdentityLink, ServiceError> {
    require_reviewer(caller, None)?;
    let person = store
        .person(person_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("person {person_id}")))?;
    require_reviewer(caller, Some(&person))?;
    // Decisions have always been recorded under the caller's login, tokens' too.
    let actor = format!("staff:{}", caller.name);
    decide(store, passenger_id, person_id, decision, &actor, at).await
}

/// Records a person's decision on a passenger ↔ person pair: the link becomes linked or rejected under the
/// person's name (the matcher never overwrites it), and the decision is remembered under each
/// fingerprint of the passenger. The matcher's score and reasons stay on the link.
pub async fn decide(
    store: &dyn Store,
    passenger_id: Uuid,
    person_id: Uuid,
    decision: ReviewDecision,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<IdentityLink, ServiceError> {
    let passenger = store
        .passenger(passenger_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("passenger {passenger_id}")))?;
    if store.person(person_id).await?.is_none() {
        return Err(ServiceError::NotFound(format!("person {person_id}")));
    }
    let previous = store
        .links_for_passenger(passenger_id)
        .await?
        .into_iter()
        .find(|l| l.person_id == person_id);
    let fingerprints: Vec<String> = passenger_facts(&passenger)
        .map(|facts| {
            PassengerFingerprint::of(&facts)
                .into_iter()
                .map(|f| f.as_str().to_string())
                .collect()
        })
        .unwrap_or_default();
    let link = IdentityLink {
        passenger_id,
        person_id,
        decision: decision.link_decision(),
        score: previous.as_ref().map_or(0.0, |l| l.score),
        reasons: previous.map(|l| l.reasons).unwrap_or_default(),
        decided_by: actor.to_string(),
        updated_at: at,
    };
    store.decide_link(&link, &fingerprints, at).await?;
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_agrees_conflicts_or_proves_nothing() {
        let date = |d: u32| NaiveDate::from_ymd_opt(1981, 3, d);
        assert_eq!(compare_birth_dates(date(12), date(12)), Comparison::Agrees);
        assert_eq!(
            compare_birth_dates(date(12), date(13)),
            Comparison::Conflicts
        );
        assert_eq!(compare_birth_dates(None, date(13)), Comparison::Missing);

        let ff = ("IB".to_string(), "0012345678".to_string());
        let loyalty = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            compare_frequent_flyer(Some(&ff), &loyalty(&["IB 12345678"])),
            Comparison::Agrees
        );
        assert_eq!(
            compare_frequent_flyer(Some(&ff), &loyalty(&["IB 99999999"])),
            Comparison::Conflicts
        );
        assert_eq!(
            compare_frequent_flyer(Some(&ff), &loyalty(&["BA 12345678"])),
            Comparison::Differs
        );
        assert_eq!(
            compare_frequent_flyer(None, &loyalty(&["IB 1"])),
            Comparison::Missing
        );

        let emails = loyalty(&["maria@example.es"]);
        assert_eq!(
            compare_emails(Some(" MARIA@example.es"), &emails),
            Comparison::Agrees
        );
        assert_eq!(
            compare_emails(Some("other@example.es"), &emails),
            Comparison::Differs
        );
        assert_eq!(
            compare_emails(Some("maria@example.es"), &[]),
            Comparison::Missing
        );

        let phones = loyalty(&["+34600111222"]);
        assert_eq!(
            compare_phones(Some("600 111 222"), &phones),
            Comparison::Agrees
        );
        assert_eq!(
            compare_phones(Some("+33 600 111 222"), &phones),
            Comparison::Differs
        );

        assert_eq!(
            ReviewDecision::parse("confirm"),
            Some(ReviewDecision::Confirm)
        );
        assert_eq!(ReviewDecision::parse("maybe"), None);
        assert_eq!(
            ReviewDecision::Reject.link_decision(),
            LinkDecision::Rejected
        );
    }
}

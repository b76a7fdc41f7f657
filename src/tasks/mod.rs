//! Tasks: turning what the rules ask for one boarded (or disrupted) passenger into at most one follow-up,
//! through a channel that can really reach them, on the flight's clock. This is where the contact cool-down,
//! opt-outs, one-contact-per-passenger and social quiet hours are applied. Pure: the caller gathers the
//! records; depends on `domain`, `airports`, `rules` and `messaging`'s network rules.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::airports;
use crate::domain::records::{
    ComplaintCase, Flight, NewTask, Passenger, Person, SocialAccount, StaffRecord, Station, Task,
};
use crate::domain::{BookingName, CaseStatus, Channel, Iata, Seat, TaskOutcome, Title, UiLanguage};
use crate::messaging;
pub mod holdout;

pub use holdout::HoldoutPolicy;

use crate::rules::{
    CaseFacts, ChannelConsent, FlightFacts, PassengerFacts, PersonFacts, RuleContext, RuleSet,
    SocialAccountFacts, StationFacts, Trigger,
};

/// The deployment's contact policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContactPolicy {
    /// No second contact with the same person, through any channel, within this many days.
    pub cooldown_days: i64,
    /// Social messages are not due during the person's local night, from this hour…
    pub night_starts: NaiveTime,
    /// …to this one (local to where the passenger is: the origin before departure, the destination after).
    pub night_ends: NaiveTime,
    /// How long a social task stays worth doing after its event when a rule sets no expiry.
    pub social_expiry_hours: i64,
    /// A flight whose departure time nobody gave (a CSV or PNL carries none) is taken to leave this many
    /// minutes after the triggering event, so that a boarded passenger still gets a task.
    pub unknown_departure_minutes: i64,
    /// And to arrive this many minutes after that departure when its arrival time is unknown too.
    pub unknown_block_minutes: i64,
    /// The share of qualifying persons left without a follow-up, to measure what follow-ups change.
    pub holdout: HoldoutPolicy,
}

impl Default for ContactPolicy {
    fn default() -> Self {
        Self {
            cooldown_days: 30,
            night_starts: NaiveTime::from_hms_opt(22, 0, 0).unwrap_or_default(),
            night_ends: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            social_expiry_hours: 6,
            unknown_departure_minutes: 30,
            unknown_block_minutes: 180,
            holdout: HoldoutPolicy::default(),
        }
    }
}

/// Why a context could not be built from the stored records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactsError {
    #[error("flight {0} has no destination")]
    NoDestination(String),
    #[error("the passenger's name {0:?} is not valid: {1}")]
    Name(String, String),
}

/// Builds the rules' view of one passenger, the registry person they are, their flight and station. A
/// time the flight does not know is taken from the next best one (an estimate, the actual time) or, with
/// none, from the policy's defaults; the facts then say which times were assumed.
pub fn rule_context(
    passenger: &Passenger,
    person: &Person,
    flight: &Flight,
    station: Option<&Station>,
    now: DateTime<Utc>,
    policy: &ContactPolicy,
) -> Result<RuleContext, FactsError> {
    let flight_name = flight.key.to_string();
    let details = &passenger.details;
    let name = BookingName::new(
        &details.surname,
        &details.given_name,
        details.title.as_deref().and_then(Title::parse),
    )
    .map_err(|e| {
        FactsError::Name(
            format!("{}/{}", details.surname, details.given_name),
            e.to_string(),
        )
    })?;
    let destination = flight
        .destination
        .clone()
        .ok_or_else(|| FactsError::NoDestination(flight_name.clone()))?;
    let mut assumed = Vec::new();
    let scheduled_departure = flight.departure.best().unwrap_or_else(|| {
        assumed.push(format!(
            "flight {flight_name} has no known departure time: departure taken as {} min after the \
             event at {} local (contact.unknown_departure_minutes)",
            policy.unknown_departure_minutes,
            local(&flight.key.origin, now).format("%H:%M")
        ));
        now + Duration::minutes(policy.unknown_departure_minutes)
    });
    let scheduled_arrival = flight.arrival.best().unwrap_or_else(|| {
        assumed.push(format!(
            "flight {flight_name} has no known arrival time: arrival taken as {} min after departure \
             (contact.unknown_block_minutes)",
            policy.unknown_block_minutes
        ));
        scheduled_departure + Duration::minutes(policy.unknown_block_minutes)
    });
    let record = &person.record;
    let consent_for = |channel: Channel| !person.refuses(channel.as_str());
    let at_origin = |t: DateTime<Utc>| local(&flight.key.origin, t);
    let destination_code = destination.clone();
    let at_destination = |t: DateTime<Utc>| local(&destination_code, t);
    let station_local = at_origin(now).time();
    Ok(RuleContext {
        now,
        passenger: PassengerFacts {
            name,
            seat: details.seat.as_deref().and_then(|s| Seat::parse(s).ok()),
            class: details.cabin_class.clone(),
            language: record.language.clone(),
        },
        person: PersonFacts {
            display_name: record.display_name.clone(),
            language: record.language.clone(),
            country: record.country.clone(),
            activity_30d: record
                .accounts
                .iter()
                .map(|a| a.activity_30d.max(0) as u32)
                .sum(),
            // A network the person opted out of is not writable, whatever the account says; the last
            // time they wrote is the latest the export or aboard knows.
            social_accounts: person
                .accounts_now()
                .into_iter()
                .map(|a| SocialAccountFacts {
                    network: a.network,
                    followers: a.followers.max(0) as u64,
                    follows_airline: a.follows_airline,
                    accepts_dms: a.accepts_dms,
                    opted_in: a.opted_in,
                    last_inbound_at: a.last_inbound_at,
                })
                .collect(),
            cases: person
                .cases()
                .map(|c| CaseFacts {
                    category: c.category.clone(),
                    status: c.status,
                    severity: c.severity.clamp(0, 255) as u8,
                    opened_at: c.opened_at,
                })
                .collect(),
            consent: ChannelConsent {
                gate: consent_for(Channel::Gate),
                cabin: consent_for(Channel::Cabin),
                social: consent_for(Channel::Social),
            },
        },
        flight: FlightFacts {
            number: flight.key.flight.clone(),
            origin: flight.key.origin.clone(),
            destination,
            status: flight.status,
            scheduled_departure: at_origin(scheduled_departure),
            estimated_departure: flight.departure.estimated.map(at_origin),
            scheduled_arrival: at_destination(scheduled_arrival),
            estimated_arrival: flight.arrival.estimated.map(at_destination),
            boarding_started: flight.boarding_started_at.map(at_origin),
            gate_close: flight.gate_closed_at.map(at_origin),
            assumed,
        },
        station: StationFacts {
            iata: flight.key.origin.clone(),
            staffed: station.is_some_and(|s| s.on_shift(station_local)),
        },
    })
}

/// An instant in the airport's local time; an airport missing from the table shows UTC (the instant is
/// still right, only its offset is not the local one).
fn local(airport: &Iata, instant: DateTime<Utc>) -> DateTime<FixedOffset> {
    airports::lookup(airport)
        .map(|a| a.to_local(instant).fixed_offset())
        .unwrap_or_else(|| instant.fixed_offset())
}

/// A rule that asked for a follow-up which aboard did not create, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Declined {
    pub rule_id: String,
    pub reason: String,
}

/// What the rules and the contact policy decided for one passenger and trigger.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Decision {
    pub task: Option<NewTask>,
    pub declined: Vec<Declined>,
    pub errors: Vec<String>,
}

/// What an outcome records about the task's person as aboard's own: "talked, new issue" opens a case
/// holding the note; "asked not to be contacted" is a staff opt-out. Other outcomes record nothing.
pub fn outcome_record(
    task: &Task,
    outcome: TaskOutcome,
    note: Option<&str>,
    at: DateTime<Utc>,
) -> Option<StaffRecord> {
    match outcome {
        TaskOutcome::TalkedNewIssue => {
            let (category, no_note) = match task.new.channel {
                Channel::Social => (
                    "raised_on_social",
                    "Raised with an advisor; the advisor wrote no note",
                ),
                Channel::Gate | Channel::Cabin => (
                    "raised_in_person",
                    "Raised in person; the agent wrote no note",
                ),
            };
            Some(StaffRecord::Case(ComplaintCase {
                external_ref: format!("aboard-{}-{}", task.new.channel, task.id),
                opened_at: at,
                resolved_at: None,
                channel: task.new.channel.as_str().to_string(),
                category: category.to_string(),
                severity: 3,
                summary: note.unwrap_or(no_note).to_string(),
                status: CaseStatus::Open,
                source_url: None,
            }))
        }
        TaskOutcome::AskedNoContact => Some(StaffRecord::OptOut),
        TaskOutcome::TalkedAllWell
        | TaskOutcome::NotFound
        | TaskOutcome::Declined
        | TaskOutcome::MessageSent
        | TaskOutcome::Offloaded => None,
    }
}

/// Decides the follow-up for one linked passenger. `recent` are the person's contacts within the cool-down
/// (from `Store::recent_contacts`).
pub fn decide(
    rules: &RuleSet,
    trigger: Trigger,
    context: &RuleContext,
    ids: (&Passenger, &Person, &Flight),
    recent: &[Task],
    policy: &ContactPolicy,
) -> Decision {
    let (passenger, person, flight) = ids;
    let evaluation = rules.evaluate(trigger, context);
    let mut decision = Decision {
        errors: evaluation.errors.iter().map(ToString::to_string).collect(),
        declined: evaluation
            .skipped
            .iter()
            .map(|s| Declined {
                rule_id: s.rule_id.clone(),
                reason: s.reason.clone(),
            })
            .collect(),
        task: None,
    };
    let cutoff = context.now - Duration::days(policy.cooldown_days);
    let blocking_contact = recent.iter().find(|t| t.created_at >= cutoff);
    for plan in evaluation.plans {
        if let Some(task) = &decision.task {
            decision.declined.push(Declined {
                rule_id: plan.rule_id,
                reason: format!(
                    "one contact per passenger: rule {} already asks for one",
                    task.rule_id
                ),
            });
            continue;
        }
        if let Some(contact) = blocking_contact {
            decision.declined.push(Declined {
                rule_id: plan.rule_id,
                reason: format!(
                    "contacted on {} ({} task), within the {}-day cool-down",
                    contact.created_at.format("%Y-%m-%d"),
                    contact.new.channel,
                    policy.cooldown_days
                ),
            });
            continue;
        }
        let mut reasons = Vec::new();
        let chosen = plan.channels.iter().find_map(|option| {
            let due = match option.channel {
                Channel::Social => after_night(plan.due_at, context, policy),
                _ => plan.due_at,
            };
            match eligibility(option.channel, context) {
                Err(why) => {
                    reasons.push(why);
                    None
                }
                Ok(()) if due >= option.expires_at => {
                    reasons.push(format!(
                        "{}: it would only be due after it expires (local night)",
                        option.channel
                    ));
                    None
                }
                Ok(()) => Some((option, due)),
            }
        });
        let Some((option, due_at)) = chosen else {
            decision.declined.push(Declined {
                rule_id: plan.rule_id,
                reason: format!("no channel can reach them: {}", reasons.join("; ")),
            });
            continue;
        };
        decision.task = Some(NewTask {
            flight_id: flight.id,
            passenger_id: passenger.id,
            person_id: person.id,
            rule_id: plan.rule_id,
            channel: option.channel,
            station: flight.key.origin.to_string(),
            gate: flight.gate.clone(),
            priority: i16::from(plan.priority),
            due_at,
            expires_at: option.expires_at,
            brief: with_assumption(plan.brief, UiLanguage::En, &context.flight.assumed),
            briefs: plan
                .briefs
                .into_iter()
                .map(|(language, brief)| {
                    let brief = with_assumption(brief, language, &context.flight.assumed);
                    (language, brief)
                })
                .collect(),
            why: plan
                .why
                .into_iter()
                .chain(context.flight.assumed.iter().cloned())
                .collect(),
            holdout: None,
        });
    }
    decision
}

/// A brief built on an assumed flight time says so, in its own language.
fn with_assumption(brief: String, language: UiLanguage, assumed: &[String]) -> String {
    if assumed.is_empty() {
        brief
    } else {
        format!(
            "{brief} {}",
            crate::i18n::text(language, "flight-time-unknown")
        )
    }
}

/// Checks the facts behind each channel again, whatever the rule says: a rule may be written loosely, but
/// nobody is sent to a gate without staff or to a network that will refuse the message.
fn eligibility(channel: Channel, context: &RuleContext) -> Result<(), String> {
    if !context.person.consent.allows(channel) {
        return Err(format!("{channel}: the person opted out"));
    }
    match channel {
        Channel::Gate if !context.station.staffed => {
            Err(format!("gate: no staff on shift at {}", context.station.iata))
        }
        Channel::Social if !context.person.social_accounts.iter().any(|a| a.is_writable() && network_allows(a, context.now)) => {
            Err("social: no network lets the airline write to them now (opt-in and follow or open messages, and the network's window)".to_string())
        }
        _ => Ok(()),
    }
}

/// The network's own rules (its reply windows) for an account, as the advisor will meet them.
fn network_allows(account: &SocialAccountFacts, now: DateTime<Utc>) -> bool {
    let account = SocialAccount {
        network: account.network,
        handle: String::new(),
        network_user_id: None,
        followers: 0,
        activity_30d: 0,
        follows_airline: account.follows_airline,
        accepts_dms: account.accepts_dms,
        opted_in: account.opted_in,
        last_inbound_at: account.last_inbound_at,
    };
    messaging::eligibility(&account, now).is_ok()
}

/// Moves a social task's due time out of the passenger's local night: local to the origin until
/// departure, to the destination afterwards.
fn after_night(due: DateTime<Utc>, context: &RuleContext, policy: &ContactPolicy) -> DateTime<Utc> {
    let departed = due >= context.flight.departure().with_timezone(&Utc);
    let zone = if departed {
        *context.flight.arrival().offset()
    } else {
        *context.flight.departure().offset()
    };
    let local = due.with_timezone(&zone);
    let time = local.time();
    let in_night = if policy.night_starts > policy.night_ends {
        time >= policy.night_starts || time < policy.night_ends
    } else {
        time >= policy.night_starts && time < policy.night_ends
    };
    if !in_night {
        return due;
    }
    let mut morning = local.date_naive().and_time(policy.night_ends);
    if time >= policy.night_ends {
        morning += Duration::days(1);
    }
    zone.from_local_datetime(&morning)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(due)
}

#[cfg(test)]
mod tests;

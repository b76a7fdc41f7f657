//! Application services: the use cases that join the pure domain decisions to storage — a passenger
//! boarded, a flight event arrived — so that the web handlers, the CLI and the scheduler all do the same
//! thing the same way. Depends on `domain`, `rules`, `tasks` and `store`; no HTTP, no terminal.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::records::{
    Flight, FlightUpdate, HoldoutAssignment, MovementTimes, NewTask, Passenger, Task,
    TaskTransition,
};
use crate::domain::{
    BoardingState, CaseStatus, Channel, Cohort, FlightStatus, Grant, LinkDecision, TaskState,
};
use crate::flightstatus::{FlightChange, FlightEventSink};
use crate::rules::{RuleSet, Trigger};
use crate::store::{Store, StoreError, TaskFilter};
use crate::tasks::{self, ContactPolicy, Declined};

pub mod accounts;
pub mod advisor;
pub mod boarded;
pub mod drop_folder;
pub mod events;
mod held;
pub mod hooks;
pub mod import;
pub mod in_person;
pub mod inbound;
pub mod matching;
pub mod offline;
pub mod registry;
pub mod reload;
pub mod reports;
pub mod review;
pub mod scans;
pub mod schedule;
pub mod screening;
pub mod secrets;
pub mod stations;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0} not found")]
    NotFound(String),
    /// The caller's role or scopes do not allow it.
    #[error("your role or scope does not allow this")]
    Forbidden,
}

/// Who asks for a use case: how the event log names them (`staff:LOGIN`, `token:NAME`), the name gate
/// claims are held by, and what their role and scopes allow.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: String,
    pub name: String,
    pub grant: Grant,
}

/// What a trigger did for the registry persons it concerned.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FollowUp {
    pub created: Vec<Task>,
    pub declined: Vec<Declined>,
    /// Rule or data problems that stopped a follow-up for one passenger; the others went ahead.
    pub problems: Vec<String>,
}

impl FollowUp {
    fn absorb(&mut self, other: FollowUp) {
        self.created.extend(other.created);
        self.declined.extend(other.declined);
        self.problems.extend(other.problems);
    }
}

/// A change in a flight's life, as gate systems, status providers and ops report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum FlightEvent {
    BoardingStarted {
        at: DateTime<Utc>,
    },
    GateClosed {
        at: DateTime<Utc>,
    },
    Departed {
        at: DateTime<Utc>,
    },
    Arrived {
        at: DateTime<Utc>,
    },
    Cancelled {
        reason: Option<String>,
    },
    Diverted {
        to: Option<String>,
    },
    /// New estimates: deadlines on the flight's clock move with them.
    Estimated {
        departure: Option<DateTime<Utc>>,
        arrival: Option<DateTime<Utc>>,
    },
    GateChanged {
        gate: String,
    },
}

impl FlightEvent {
    pub fn name(&self) -> &'static str {
        match self {
            FlightEvent::BoardingStarted { .. } => "boarding_started",
            FlightEvent::GateClosed { .. } => "gate_closed",
            FlightEvent::Departed { .. } => "departed",
            FlightEvent::Arrived { .. } => "arrived",
            FlightEvent::Cancelled { .. } => "cancelled",
            FlightEvent::Diverted { .. } => "diverted",
            FlightEvent::Estimated { .. } => "estimated",
            FlightEvent::GateChanged { .. } => "gate_changed",
        }
    }

    fn update(&self) -> FlightUpdate {
        let mut update = FlightUpdate::default();
        match self {
            FlightEvent::BoardingStarted { at } => {
                update.status = Some(FlightStatus::Boarding);
                update.boarding_started_at = Some(*at);
            }
            FlightEvent::GateClosed { at } => {
                update.status = Some(FlightStatus::GateClosed);
                update.gate_closed_at = Some(*at);
            }
            FlightEvent::Departed { at } => {
                update.status = Some(FlightStatus::Departed);
                update.departure.actual = Some(*at);
            }
            FlightEvent::Arrived { at } => {
                update.status = Some(FlightStatus::Arrived);
                update.arrival.actual = Some(*at);
            }
            FlightEvent::Cancelled { .. } => update.status = Some(FlightStatus::Cancelled),
            FlightEvent::Diverted { .. } => update.status = Some(FlightStatus::Diverted),
            FlightEvent::Estimated { departure, arrival } => {
                update.departure = MovementTimes {
                    estimated: *departure,
                    ..MovementTimes::default()
                };
                update.arrival = MovementTimes {
                    estimated: *arrival,
                    ..MovementTimes::default()
                };
            }
            FlightEvent::GateChanged { gate } => update.gate = Some(gate.clone()),
        }
        update
    }
}

/// The engine: the store, the rules in force (replaced whole on reload) and the contact policy.
pub struct Engine {
    pub store: Arc<dyn Store>,
    rules: RulesInForce,
    pub policy: ContactPolicy,
    scan_commits: scans::ScanCommits,
}

impl Engine {
    pub fn new(store: Arc<dyn Store>, rules: RuleSet, policy: ContactPolicy) -> Engine {
        let rules = rules.with_social_expiry(chrono::Duration::hours(policy.social_expiry_hours));
        Engine {
            store,
            rules: Arc::new(RwLock::new(Arc::new(rules))),
            policy,
            scan_commits: scans::ScanCommits::default(),
        }
    }

    pub fn rules(&self) -> Arc<RuleSet> {
        current_rules(&self.rules)
    }

    /// Puts new rules in force; the policy's social expiry applies to them as to the first ones.
    pub fn replace_rules(&self, rules: RuleSet) {
        let rules = Arc::new(
            rules.with_social_expiry(chrono::Duration::hours(self.policy.social_expiry_hours)),
        );
        match self.rules.write() {
            Ok(mut slot) => *slot = rules,
            Err(poisoned) => *poisoned.into_inner() = rules,
        }
    }

    /// Records that a passenger boarded and gives each registry person they are linked to the follow-up
    /// the rules ask for. A repeated boarding changes nothing: the state is already set and tasks are unique.
    pub async fn passenger_boarded(
        &self,
        passenger_id: Uuid,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<FollowUp, ServiceError> {
        self.store
            .set_boarding_state(passenger_id, BoardingState::Boarded, None, actor, at)
            .await?;
        let passenger = self
            .store
            .passenger(passenger_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("passenger {passenger_id}")))?;
        let flight = self
            .store
            .flight(passenger.flight_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("flight {}", passenger.flight_id)))?;
        self.follow_up(Trigger::Boarded, &passenger, &flight, at)
            .await
    }

    /// A passenger taken off at the gate: their open follow-ups are cancelled with the reason.
    pub async fn passenger_offloaded(
        &self,
        passenger_id: Uuid,
        reason: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, ServiceError> {
        Ok(self
            .store
            .offload_passenger(passenger_id, reason, actor, at)
            .await?)
    }

    /// Applies a flight event: the flight is updated and logged, then `flight_changed` reacts.
    pub async fn flight_event(
        &self,
        flight_id: Uuid,
        event: &FlightEvent,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<FollowUp, ServiceError> {
        let action = format!("flight.{}", event.name());
        let (before, after) = self
            .store
            .update_flight(flight_id, &event.update(), &action, actor, at)
            .await?;
        let reason = match event {
            FlightEvent::Cancelled {
                reason: Some(reason),
            } => Some(reason.as_str()),
            _ => None,
        };
        self.flight_changed(&before, &after, reason, actor, at)
            .await
    }

    /// Reacts to a stored change of a flight, whoever reported it (a gate system, ops, the status
    /// provider): deadlines move with the clock, tasks that can no longer happen end, and the rules for
    /// what happened run for the linked passengers.
    pub async fn flight_changed(
        &self,
        before: &Flight,
        after: &Flight,
        reason: Option<&str>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<FollowUp, ServiceError> {
        let flight_id = after.id;
        let shift = |old: Option<DateTime<Utc>>, new: Option<DateTime<Utc>>| match (old, new) {
            (Some(old), Some(new)) if old != new => Some(new - old),
            _ => None,
        };
        let departure_moved = shift(before.departure.best(), after.departure.best());
        if let Some(delta) = departure_moved.filter(|_| after.departure.actual.is_none()) {
            self.store
                .shift_task_deadlines(flight_id, &[Channel::Gate], delta, actor, at)
                .await?;
        }
        let arrival_moved = shift(before.arrival.best(), after.arrival.best());
        if let Some(delta) = arrival_moved.filter(|_| after.arrival.actual.is_none()) {
            self.store
                .shift_task_deadlines(flight_id, &[Channel::Cabin], delta, actor, at)
                .await?;
        }
        let mut triggers = Vec::new();
        if before.status != after.status {
            match after.status {
                FlightStatus::Boarding => triggers.push(Trigger::BoardingStarted),
                FlightStatus::GateClosed => {
                    self.expire(flight_id, Channel::Gate, "the gate closed", actor, at)
                        .await?;
                    triggers.push(Trigger::GateClosed);
                }
                FlightStatus::Arrived => {
                    self.expire(flight_id, Channel::Cabin, "the flight arrived", actor, at)
                        .await?;
                    triggers.push(Trigger::Arrived);
                }
                FlightStatus::Cancelled => {
                    let why = match reason {
                        Some(reason) => format!("flight cancelled: {reason}"),
                        None => "flight cancelled".to_string(),
                    };
                    self.store
                        .cancel_tasks(flight_id, None, &why, actor, at)
                        .await?;
                    triggers.push(Trigger::Disruption);
                }
                FlightStatus::Diverted => triggers.push(Trigger::Disruption),
                _ => {}
            }
        }
        let estimate_moved = after.departure.actual.is_none()
            && shift(before.departure.estimated, after.departure.estimated).is_some();
        if estimate_moved && !triggers.contains(&Trigger::Disruption) {
            triggers.push(Trigger::Disruption);
        }
        let mut outcome = FollowUp::default();
        if triggers.is_empty() {
            return Ok(outcome);
        }
        let links = self.store.links_for_flight(flight_id).await?;
        for trigger in triggers {
            for link in links.iter().filter(|l| l.decision == LinkDecision::Linked) {
                let Some(passenger) = self.store.passenger(link.passenger_id).await? else {
                    continue;
                };
                let concerned = match trigger {
                    Trigger::GateClosed | Trigger::Arrived => {
                        passenger.boarding_state == BoardingState::Boarded
                    }
                    _ => matches!(
                        passenger.boarding_state,
                        BoardingState::Boarded | BoardingState::Expected
                    ),
                };
                if concerned {
                    outcome.absorb(self.follow_up(trigger, &passenger, after, at).await?);
                }
            }
        }
        Ok(outcome)
    }

    async fn expire(
        &self,
        flight_id: Uuid,
        channel: Channel,
        why: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let filter = TaskFilter {
            flight_id: Some(flight_id),
            channels: vec![channel],
            states: vec![TaskState::Open, TaskState::Claimed],
            ..TaskFilter::default()
        };
        for task in self.store.tasks(&filter).await? {
            let transition = TaskTransition {
                task_id: task.id,
                from: vec![TaskState::Open, TaskState::Claimed],
                to: TaskState::Expired,
                actor: actor.to_string(),
                assignee: None,
                outcome: None,
                note: Some(why.to_string()),
                at,
            };
            self.store.transition_task(&transition).await?;
        }
        Ok(())
    }

    /// Runs the rules for one passenger and each registry person they are linked to, and creates the
    /// tasks they ask for.
    async fn follow_up(
        &self,
        trigger: Trigger,
        passenger: &Passenger,
        flight: &Flight,
        at: DateTime<Utc>,
    ) -> Result<FollowUp, ServiceError> {
        let rules = self.rules();
        let planned = plan_follow_up(
            self.store.as_ref(),
            (&rules, &self.policy),
            trigger,
            passenger,
            flight,
            at,
        )
        .await?;
        let mut outcome = FollowUp {
            created: Vec::new(),
            declined: planned.declined,
            problems: planned.problems,
        };
        for task in planned.tasks {
            if let Some(created) = self.store.create_task(&task, at).await? {
                outcome.created.push(created);
            }
        }
        Ok(outcome)
    }
}

/// The rules in force, shared with the gate scans' committer; replaced whole on reload.
type RulesInForce = Arc<RwLock<Arc<RuleSet>>>;

fn current_rules(rules: &RulesInForce) -> Arc<RuleSet> {
    match rules.read() {
        Ok(rules) => rules.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

/// The tasks the rules ask for one passenger and each registry person they are linked to, not yet
/// created (a held-out person's is recorded as held out instead), with what was declined and why.
struct PlannedFollowUp {
    tasks: Vec<NewTask>,
    declined: Vec<Declined>,
    problems: Vec<String>,
}

async fn plan_follow_up(
    store: &dyn Store,
    (rules, policy): (&RuleSet, &ContactPolicy),
    trigger: Trigger,
    passenger: &Passenger,
    flight: &Flight,
    at: DateTime<Utc>,
) -> Result<PlannedFollowUp, ServiceError> {
    let mut planned = PlannedFollowUp {
        tasks: Vec::new(),
        declined: Vec::new(),
        problems: Vec::new(),
    };
    let links = store.links_for_passenger(passenger.id).await?;
    let linked = links.iter().filter(|l| l.decision == LinkDecision::Linked);
    let station = store.station(flight.key.origin.as_str()).await?;
    for link in linked {
        let Some(person) = store.person(link.person_id).await? else {
            continue;
        };
        let context =
            match tasks::rule_context(passenger, &person, flight, station.as_ref(), at, policy) {
                Ok(context) => context,
                Err(problem) => {
                    planned.problems.push(problem.to_string());
                    continue;
                }
            };
        let since = at - chrono::Duration::days(policy.cooldown_days);
        let recent = store.recent_contacts(person.id, since).await?;
        let decision = tasks::decide(
            rules,
            trigger,
            &context,
            (passenger, &person, flight),
            &recent,
            policy,
        );
        planned.declined.extend(decision.declined);
        planned.problems.extend(decision.errors);
        let Some(mut task) = decision.task else {
            continue;
        };
        if policy.holdout.is_on() {
            // A holdout counts as a contact for the cool-down, so that a held-out person is not
            // drawn again on every flight while a treated one is followed up once.
            if let Some(held) = store.last_held_out(person.id, since).await? {
                planned.declined.push(Declined {
                    rule_id: task.rule_id,
                    reason: format!(
                        "held out on {} (holdout group), within the {}-day cool-down",
                        held.format("%Y-%m-%d"),
                        policy.cooldown_days
                    ),
                });
                continue;
            }
            let period = tasks::holdout::period_of(at, policy.holdout.period_days);
            let open_case = person.cases().any(|c| c.status == CaseStatus::Open);
            if let Some(cohort) =
                tasks::holdout::assign(&policy.holdout, person.id, open_case, period)
            {
                if cohort == Cohort::HeldOut {
                    planned.declined.push(Declined {
                        rule_id: task.rule_id.clone(),
                        reason: "held out: in the holdout group, which gets no follow-up so that \
                                 the uplift report can compare"
                            .to_string(),
                    });
                }
                task.holdout = Some(HoldoutAssignment {
                    cohort,
                    period,
                    flight_date: flight.key.local_date,
                });
            }
        }
        planned.tasks.push(task);
    }
    Ok(planned)
}

/// Flight changes the status provider detects reach the engine like any other flight event.
#[async_trait::async_trait]
impl FlightEventSink for Engine {
    async fn flight_changed(
        &self,
        change: &FlightChange,
        _store: &dyn Store,
        now: DateTime<Utc>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let actor = format!("status:{}", change.provider_status);
        Engine::flight_changed(self, &change.before, &change.after, None, &actor, now).await?;
        Ok(())
    }
}

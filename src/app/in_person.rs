//! Gate agents' work on in-person tasks: claiming one ("I'm going") and recording its outcome, with what
//! an outcome brings (a new issue opens a case, an opt-out is kept, an offload takes the passenger off).
//! The gate pages and the task API both call these. Gate agents work the in-person tasks of their
//! stations; ops any in-person task. Social tasks are the advisors' (`advisor`).

use uuid::Uuid;

use super::{Caller, Engine, ServiceError};
use crate::clock;
use crate::domain::records::{Task, TaskTransition};
use crate::domain::{Channel, Iata, Role, TaskOutcome, TaskState};
use crate::store::{Store, StoreError};
use crate::tasks;

/// The channels a gate agent works: in person, at the gate or in the cabin.
pub const IN_PERSON: [Channel; 2] = [Channel::Gate, Channel::Cabin];

/// The longest note kept with an outcome.
const NOTE_LIMIT: usize = 1000;

/// The reason an offload is recorded with when the agent wrote no note.
const OFFLOADED_AT_THE_GATE: &str = "at the gate";

/// Why a gate agent's request was refused.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error("{field}: {why}")]
    Invalid { field: &'static str, why: String },
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StoreError> for TaskError {
    fn from(e: StoreError) -> Self {
        TaskError::Service(ServiceError::Store(e))
    }
}

/// Gate agents and ops only.
pub fn require_gate_role(caller: &Caller) -> Result<(), TaskError> {
    match caller.grant.role() {
        Role::Gate | Role::Ops => Ok(()),
        Role::Advisor | Role::Admin | Role::Analyst => Err(ServiceError::Forbidden.into()),
    }
}

/// The task, when the caller may work it: gate agents the in-person tasks of their stations, ops any
/// in-person task.
pub async fn workable_task(
    store: &dyn Store,
    caller: &Caller,
    id: Uuid,
) -> Result<Task, TaskError> {
    require_gate_role(caller)?;
    let task = store
        .task(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no task {id}")))?;
    let station = Iata::parse(&task.new.station)
        .map_err(|e| StoreError::Corrupt(format!("task {id} station: {e}")))?;
    if !caller.grant.allows_station(&station) || !IN_PERSON.contains(&task.new.channel) {
        return Err(ServiceError::Forbidden.into());
    }
    Ok(task)
}

/// An open task becomes the caller's ("I'm going"); a task someone else claimed first is a `Conflict`.
pub async fn claim(store: &dyn Store, caller: &Caller, id: Uuid) -> Result<Task, TaskError> {
    let task = workable_task(store, caller, id).await?;
    let transition = TaskTransition {
        task_id: task.id,
        from: vec![TaskState::Open],
        to: TaskState::Claimed,
        actor: caller.actor.clone(),
        assignee: Some(caller.name.clone()),
        outcome: None,
        note: None,
        at: clock::now(),
    };
    store.transition_task(&transition).await?.ok_or_else(|| {
        TaskError::Conflict(format!(
            "task {id} is {} and can no longer be claimed",
            task.state
        ))
    })
}

/// Records an in-person outcome: the task (open or claimed) becomes done; "talked, new issue" opens a
/// case on the person with the note and "asked not to be contacted" records their opt-out, both kept as
/// aboard's own (registry imports never replace them); "offloaded" takes the passenger off the flight and
/// cancels their other open follow-ups. Refuses the outcome of another channel.
pub async fn close(
    engine: &Engine,
    caller: &Caller,
    id: Uuid,
    outcome: TaskOutcome,
    note: Option<&str>,
) -> Result<Task, TaskError> {
    if outcome == TaskOutcome::MessageSent {
        return Err(TaskError::Invalid {
            field: "outcome",
            why: "message_sent is the outcome of a social task; at the gate use talked_all_well, \
                  talked_new_issue, not_found, declined, asked_no_contact or offloaded"
                .to_string(),
        });
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > NOTE_LIMIT) {
        return Err(TaskError::Invalid {
            field: "note",
            why: format!("at most {NOTE_LIMIT} characters"),
        });
    }
    let store = engine.store.as_ref();
    let task = workable_task(store, caller, id).await?;
    let now = clock::now();
    let transition = TaskTransition {
        task_id: task.id,
        from: vec![TaskState::Open, TaskState::Claimed],
        to: TaskState::Done,
        actor: caller.actor.clone(),
        assignee: Some(caller.name.clone()),
        outcome: Some(outcome),
        note: note.map(str::to_string),
        at: now,
    };
    let record = tasks::outcome_record(&task, outcome, note, now);
    let done = match &record {
        Some(record) => store.close_task_recording(&transition, record).await?,
        None if outcome == TaskOutcome::Offloaded => {
            let reason = note.unwrap_or(OFFLOADED_AT_THE_GATE);
            store.close_task_offloading(&transition, reason).await?
        }
        None => store.transition_task(&transition).await?,
    };
    let done = done.ok_or_else(|| {
        TaskError::Conflict(format!(
            "task {id} is already {}; its outcome was recorded before",
            task.state
        ))
    })?;
    Ok(done)
}

/// How long after recording an outcome the agent may take it back: a tap on the wrong button.
pub const UNDO_WINDOW: chrono::TimeDelta = chrono::TimeDelta::seconds(10);

/// The outcomes that can be taken back: every one a gate records. What one did beyond its task goes
/// with it: a new issue's case; an opt-out, with the follow-ups it cancelled and the queued messages it
/// withdrew (back in the outbox); an offload, with the passenger's boarding state and cancelled tasks.
pub const UNDOABLE: [TaskOutcome; 6] = [
    TaskOutcome::TalkedAllWell,
    TaskOutcome::TalkedNewIssue,
    TaskOutcome::NotFound,
    TaskOutcome::Declined,
    TaskOutcome::AskedNoContact,
    TaskOutcome::Offloaded,
];

/// Takes back the outcome the caller recorded on task `id` in the last `UNDO_WINDOW`: the task is theirs
/// and claimed again. A conflict when there is no such outcome (too late, someone else's, or one that
/// cannot be undone).
pub async fn undo(store: &dyn Store, caller: &Caller, id: Uuid) -> Result<Task, TaskError> {
    workable_task(store, caller, id).await?;
    let now = clock::now();
    store
        .undo_outcome(
            id,
            &caller.name,
            &UNDOABLE,
            now - UNDO_WINDOW,
            &caller.actor,
            now,
        )
        .await?
        .ok_or_else(|| {
            TaskError::Conflict(format!(
                "task {id} has no outcome of yours from the last {} seconds to undo",
                UNDO_WINDOW.num_seconds()
            ))
        })
}

//! Boarded lists from the departure control system: every row is resolved to its flight and passenger
//! before anyone boards, so a list with any row that names nobody boards nobody; then each passenger
//! boards through the engine, exactly as a gate scan would board them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::scans::CreatedTask;
use super::{Engine, ServiceError};
use crate::boarding::boarded::{BoardedList, BoardedRow};
use crate::boarding::scan::{BookingFacts, Resolution, pick_in_booking};
use crate::domain::records::Passenger;
use crate::domain::{BoardingState, ImportWarnings};

#[derive(Debug, thiserror::Error)]
pub enum BoardedImportError {
    /// Rows that name no flight or passenger; nothing was boarded.
    #[error("{}", .0.join("\n"))]
    Rows(Vec<String>),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// What a list did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BoardedImport {
    pub rows: usize,
    /// Passengers boarded by this list (the others had boarded already).
    pub newly_boarded: usize,
    pub tasks_created: Vec<CreatedTask>,
    pub problems: Vec<String>,
    /// Values of the list that were dropped (a seat, a time that could not be read).
    pub warnings: ImportWarnings,
}

/// Boards every passenger of the list, or nobody when any row cannot be resolved; `file` prefixes the
/// places in the errors (`boarded.csv:line 4: ...`). A row whose time could not be read boards now.
pub async fn import_boarded(
    engine: &Engine,
    file: &str,
    list: BoardedList,
    actor: &str,
) -> Result<BoardedImport, BoardedImportError> {
    let rows = &list.rows;
    let now = crate::clock::now();
    let mut resolved: Vec<(Passenger, DateTime<Utc>)> = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for row in rows {
        match resolve(engine, row).await? {
            Ok(passenger) => resolved.push((passenger, row.boarded_at.unwrap_or(now))),
            Err(why) => problems.push(format!("{file}:{}: {why}", row.place)),
        }
    }
    if !problems.is_empty() {
        return Err(BoardedImportError::Rows(problems));
    }
    let mut outcome = BoardedImport {
        rows: rows.len(),
        warnings: list.warnings,
        ..BoardedImport::default()
    };
    for (passenger, at) in resolved {
        if passenger.boarding_state != BoardingState::Boarded {
            outcome.newly_boarded += 1;
        }
        let follow_up = engine.passenger_boarded(passenger.id, actor, at).await?;
        outcome
            .tasks_created
            .extend(follow_up.created.iter().map(CreatedTask::from));
        outcome.problems.extend(follow_up.problems);
    }
    Ok(outcome)
}

async fn resolve(
    engine: &Engine,
    row: &BoardedRow,
) -> Result<Result<Passenger, String>, ServiceError> {
    let Some(flight) = engine.store.find_flight(&row.flight).await? else {
        return Ok(Err(format!(
            "flight {} is not in aboard's schedule",
            row.flight
        )));
    };
    let on_booking: Vec<Passenger> = engine
        .store
        .passengers_by_locator(flight.id, row.locator.as_str())
        .await?
        .into_iter()
        .filter(|p| p.boarding_state != BoardingState::Removed)
        .collect();
    let facts = BookingFacts {
        seat: row.seat.clone(),
        check_in_sequence: None,
        name: Some((row.surname.clone(), row.given.clone())),
        source_says: format!(
            "the list says {}/{}{}",
            row.surname,
            row.given,
            row.seat
                .as_ref()
                .map_or(String::new(), |s| format!(", seat {s}"))
        ),
    };
    let details: Vec<_> = on_booking.iter().map(|p| &p.details).collect();
    Ok(
        match pick_in_booking(row.locator.as_str(), &facts, &details) {
            Resolution::Matched { index, .. } => on_booking
                .into_iter()
                .nth(index)
                .ok_or_else(|| "the matched passenger disappeared".to_string()),
            Resolution::Ambiguous { reason, .. } | Resolution::NoMatch { reason } => {
                Err(format!("{}: {reason}", row.flight))
            }
        },
    )
}

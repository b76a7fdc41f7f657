//! Registry imports and erasure as the CLI and the HTTP API run them: a file is parsed whole, all its
//! persons upserted in one transaction with their blocking keys, the import logged with its warnings, and
//! the upcoming flights whose passengers share a key with them matched again.

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::ServiceError;
use super::matching::{keyed, rematch_upcoming};
use crate::domain::records::{NewEvent, PersonRecord};
use crate::domain::{ImportWarnings, Region};
use crate::registry::{self, ParseErrors};
use crate::store::Store;

/// Flights departing within this many hours are matched again after a registry import.
pub const REMATCH_HORIZON_HOURS: i64 = 48;

#[derive(Debug, thiserror::Error)]
pub enum RegistryImportError {
    /// The file was refused; nothing was written.
    #[error(transparent)]
    Parse(#[from] ParseErrors),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// What one registry import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RegistryImport {
    pub file: String,
    pub persons: usize,
    /// Upcoming flights matched again because a passenger shares a key with an imported person.
    pub flights_rematched: usize,
    /// Values of the file that could not be understood: left out, with their persons kept.
    pub warnings: ImportWarnings,
}

impl RegistryImport {
    /// One line for people, as the CLI prints it and the ops page shows it.
    pub fn line(&self) -> String {
        let warnings = match self.warnings.total {
            0 => String::new(),
            1 => ", 1 warning".to_string(),
            n => format!(", {n} warnings"),
        };
        format!(
            "{}: {} person(s) imported, {} upcoming flight(s) matched again{warnings}",
            self.file, self.persons, self.flights_rematched
        )
    }
}

/// Parses one registry export and applies it whole, or refuses it whole with every problem found. A
/// phone number without its country code takes its person's country's.
pub async fn import_registry_file(
    store: &dyn Store,
    file: &str,
    bytes: &[u8],
    actor: &str,
    at: DateTime<Utc>,
) -> Result<RegistryImport, RegistryImportError> {
    import_registry_file_in_region(store, file, bytes, None, actor, at).await
}

/// [`import_registry_file`] where a phone number whose person has no country takes `default_region`'s
/// country code.
pub async fn import_registry_file_in_region(
    store: &dyn Store,
    file: &str,
    bytes: &[u8],
    default_region: Option<Region>,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<RegistryImport, RegistryImportError> {
    let (persons, warnings) = registry::parse(file, bytes, default_region)?;
    let (count, rematched) = upsert_and_rematch(store, persons, actor, at).await?;
    let done = RegistryImport {
        file: file.to_string(),
        persons: count,
        flights_rematched: rematched,
        warnings,
    };
    let logged = NewEvent {
        actor: actor.to_string(),
        action: "import.registry".to_string(),
        subject_kind: "import".to_string(),
        subject_id: uuid::Uuid::now_v7().to_string(),
        flight_id: None,
        person_id: None,
        detail: serde_json::json!({
            "file": done.file, "persons": done.persons, "warnings": done.warnings,
        }),
    };
    store
        .append_event(&logged, at)
        .await
        .map_err(ServiceError::Store)?;
    Ok(done)
}

/// Upserts persons in one transaction and matches again the upcoming flights they may be on.
pub async fn upsert_and_rematch(
    store: &dyn Store,
    persons: Vec<PersonRecord>,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(usize, usize), ServiceError> {
    let keyed: Vec<_> = persons.into_iter().map(keyed).collect();
    let keys: HashSet<i64> = keyed
        .iter()
        .flat_map(|p| p.blocking_keys.iter().copied())
        .collect();
    store.upsert_persons(&keyed, actor, at).await?;
    let rematched =
        rematch_upcoming(store, &keys, TimeDelta::hours(REMATCH_HORIZON_HOURS), at).await?;
    Ok((keyed.len(), rematched))
}

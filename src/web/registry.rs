//! The registry's HTTP API: importing exports (POST /api/registry), reading, upserting and erasing one
//! person (GET/PUT/DELETE /api/persons/{external_id}), and a person's review decision on a link
//! (POST /api/links/{passenger_id}/{person_id}, form field `decision=confirm|reject`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::Staff;
use super::{AppState, WebError};
use crate::app::ServiceError;
use crate::app::matching::passenger_facts;
use crate::app::registry::{RegistryImportError, import_registry_file, upsert_and_rematch};
use crate::domain::records::IdentityLink;
use crate::domain::{LinkDecision, Role};
use crate::matching::PassengerFingerprint;
use crate::registry::{self, ParseErrors};

/// Who may change the registry.
const REGISTRY_ROLES: &[Role] = &[Role::Ops, Role::Admin];
/// Who may decide a link under review.
const REVIEW_ROLES: &[Role] = &[Role::Advisor, Role::Ops];

#[derive(Deserialize)]
pub struct FileName {
    /// The file's name, as errors will cite it.
    pub file: Option<String>,
}

#[derive(Serialize)]
struct Refused {
    error: String,
    errors: Vec<String>,
}

fn refused(errors: &ParseErrors) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(Refused {
            error: format!(
                "the file was refused ({} problem(s)); nothing was written",
                errors.total()
            ),
            errors: errors.errors.iter().map(ToString::to_string).collect(),
        }),
    )
        .into_response()
}

fn service(e: ServiceError) -> WebError {
    match e {
        ServiceError::Store(e) => e.into(),
        ServiceError::NotFound(what) => WebError::NotFound(what),
    }
}

fn actor(staff: &Staff) -> String {
    format!("staff:{}", staff.name)
}

/// POST /api/registry?file=NAME: a CSV or JSON export, applied whole or refused whole (422 with every
/// problem).
pub async fn import(
    State(state): State<AppState>,
    staff: Staff,
    Query(name): Query<FileName>,
    body: Bytes,
) -> Result<Response, WebError> {
    staff.require_role(REGISTRY_ROLES)?;
    let file = name.file.unwrap_or_else(|| "request body".to_string());
    match import_registry_file(
        state.store.as_ref(),
        &file,
        &body,
        &actor(&staff),
        Utc::now(),
    )
    .await
    {
        Ok(done) => Ok(Json(done).into_response()),
        Err(RegistryImportError::Parse(errors)) => Ok(refused(&errors)),
        Err(RegistryImportError::Service(e)) => Err(service(e)),
    }
}

/// GET /api/persons/{external_id}
pub async fn read(
    State(state): State<AppState>,
    staff: Staff,
    Path(external_id): Path<String>,
) -> Result<Response, WebError> {
    staff.require_role(REGISTRY_ROLES)?;
    match state.store.person_by_external_id(&external_id).await? {
        Some(person) => Ok(Json(person).into_response()),
        None => Err(WebError::NotFound(format!("person {external_id}"))),
    }
}

/// PUT /api/persons/{external_id}: one person object as in the JSON export.
pub async fn upsert(
    State(state): State<AppState>,
    staff: Staff,
    Path(external_id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    staff.require_role(REGISTRY_ROLES)?;
    let persons = match registry::parse("request body", &body) {
        Ok(persons) => persons,
        Err(errors) => return Ok(refused(&errors)),
    };
    let [person] = persons.as_slice() else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(Refused {
                error: "send exactly one person object".to_string(),
                errors: Vec::new(),
            }),
        )
            .into_response());
    };
    if person.external_id != external_id {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(Refused {
                error: format!(
                    "the body's external_id {} differs from the address's {external_id}",
                    person.external_id
                ),
                errors: Vec::new(),
            }),
        )
            .into_response());
    }
    upsert_and_rematch(state.store.as_ref(), persons, &actor(&staff), Utc::now())
        .await
        .map_err(service)?;
    match state.store.person_by_external_id(&external_id).await? {
        Some(person) => Ok(Json(person).into_response()),
        None => Err(WebError::NotFound(format!("person {external_id}"))),
    }
}

/// DELETE /api/persons/{external_id}: erasure.
pub async fn erase(
    State(state): State<AppState>,
    staff: Staff,
    Path(external_id): Path<String>,
) -> Result<Response, WebError> {
    staff.require_role(REGISTRY_ROLES)?;
    if state
        .store
        .erase_person(&external_id, &actor(&staff), Utc::now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(WebError::NotFound(format!("person {external_id}")))
    }
}

#[derive(Deserialize)]
pub struct ReviewForm {
    /// `confirm` or `reject`.
    pub decision: String,
}

#[derive(Serialize)]
struct Decided {
    passenger_id: Uuid,
    person_id: Uuid,
    decision: LinkDecision,
    decided_by: String,
}

/// POST /api/links/{passenger_id}/{person_id} with `decision=confirm|reject`: the decision is stored on the
/// link and remembered for the passenger's fingerprints, so it wins on later flights too.
pub async fn decide(
    State(state): State<AppState>,
    staff: Staff,
    Path((passenger_id, person_id)): Path<(Uuid, Uuid)>,
    axum::Form(form): axum::Form<ReviewForm>,
) -> Result<Response, WebError> {
    staff.require_role(REVIEW_ROLES)?;
    let decision = match form.decision.as_str() {
        "confirm" => LinkDecision::Linked,
        "reject" => LinkDecision::Rejected,
        other => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(Refused {
                    error: format!("decision {other:?} is neither confirm nor reject"),
                    errors: Vec::new(),
                }),
            )
                .into_response());
        }
    };
    let passenger = state
        .store
        .passenger(passenger_id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("passenger {passenger_id}")))?;
    if state.store.person(person_id).await?.is_none() {
        return Err(WebError::NotFound(format!("person {person_id}")));
    }
    let previous = state
        .store
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
    let now = Utc::now();
    let link = IdentityLink {
        passenger_id,
        person_id,
        decision,
        score: previous.as_ref().map_or(0.0, |l| l.score),
        reasons: previous.map(|l| l.reasons).unwrap_or_default(),
        decided_by: actor(&staff),
        updated_at: now,
    };
    state.store.decide_link(&link, &fingerprints, now).await?;
    Ok(Json(Decided {
        passenger_id,
        person_id,
        decision,
        decided_by: link.decided_by,
    })
    .into_response())
}

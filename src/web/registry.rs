//! The registry's HTTP API: importing exports (POST /api/registry), reading, upserting and erasing one
//! person (GET/PUT/DELETE /api/persons/{external_id}), and a person's review decision on a link
//! (POST /api/links/{passenger_id}/{person_id}, form field `decision=confirm|reject`, decided through
//! `review::decide_as` like the review page).

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Staff;
use super::openapi::ErrorBody;
use super::{AppState, WebError, upload};
use crate::app::registry::{
    RegistryImport, RegistryImportError, import_registry_file_in_region, upsert_and_rematch,
};
use crate::app::review::ReviewDecision;
use crate::domain::records::Person;
use crate::domain::{ImportWarnings, LinkDecision, Role};
use crate::registry::{self, ParseErrors};

/// Who may read and change registry persons: ops. Admin manages accounts and tokens, not personal data.
pub(super) const REGISTRY_ROLES: &[Role] = &[Role::Ops];

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileName {
    /// The file's name, as errors will cite it.
    pub file: Option<String>,
}

/// A person as stored, and the values of the body that were left out (only when there are any).
#[derive(Serialize, ToSchema)]
struct StoredPerson {
    #[serde(flatten)]
    person: crate::domain::records::Person,
    #[serde(skip_serializing_if = "ImportWarnings::is_empty")]
    warnings: ImportWarnings,
}

/// A registry body refused whole, with every error.
#[derive(Serialize, ToSchema)]
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

fn actor(staff: &Staff) -> String {
    format!("staff:{}", staff.name)
}

/// Imports a CSV or JSON export, applied whole (with the warnings about values left out) or refused
/// whole (422 with every error).
#[utoipa::path(
    post,
    path = "/api/registry",
    tag = "registry",
    description = "Import a registry export (CSV or JSON) whole or not at all; the body is the file. Roles: ops",
    params(FileName),
    request_body(content = String, description = "The export", content_type = "text/plain"),
    responses(
        (status = OK, description = "What the export did", body = RegistryImport),
        (status = UNPROCESSABLE_ENTITY, description = "The export was refused whole: every error", body = Refused),
    )
)]
pub async fn import(
    State(state): State<AppState>,
    staff: Staff,
    Query(name): Query<FileName>,
    body: Body,
) -> Result<Response, WebError> {
    let body = upload::body(&state.upload_dir, super::BODY_LIMIT, body).await?;
    let file = name.file.unwrap_or_else(|| "request body".to_string());
    match import_registry_file_in_region(
        state.store.as_ref(),
        &file,
        &body,
        state.default_region,
        &actor(&staff),
        Utc::now(),
    )
    .await
    {
        Ok(done) => Ok(Json(done).into_response()),
        Err(RegistryImportError::Parse(errors)) => Ok(refused(&errors)),
        Err(RegistryImportError::Service(e)) => Err(e.into()),
    }
}

/// One registry person.
#[utoipa::path(
    get,
    path = "/api/persons/{external_id}",
    tag = "registry",
    description = "One registry person with accounts, cases and consent, and what aboard recorded itself. Roles: ops",
    params(("external_id" = String, Path, description = "The registry's id of the person")),
    responses(
        (status = OK, description = "The person", body = Person),
        (status = NOT_FOUND, description = "No such person", body = ErrorBody),
    )
)]
pub async fn read(
    State(state): State<AppState>,
    _: Staff,
    Path(external_id): Path<String>,
) -> Result<Response, WebError> {
    match state.store.person_by_external_id(&external_id).await? {
        Some(person) => Ok(Json(person).into_response()),
        None => Err(WebError::NotFound(format!("person {external_id}"))),
    }
}

/// Creates or replaces one person, sent as one person object of the JSON export.
#[utoipa::path(
    put,
    path = "/api/persons/{external_id}",
    tag = "registry",
    description = "Create or replace one registry person: one person object as in the JSON export. Roles: ops",
    params(("external_id" = String, Path, description = "The registry's id of the person")),
    request_body(content = Object, description = "One person object as in the JSON export"),
    responses(
        (status = OK, description = "The person as stored, and the values left out", body = StoredPerson),
        (status = UNPROCESSABLE_ENTITY, description = "The body was refused", body = Refused),
    )
)]
pub async fn upsert(
    State(state): State<AppState>,
    staff: Staff,
    Path(external_id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let (persons, warnings) = match registry::parse("request body", &body, state.default_region) {
        Ok(read) => read,
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
        .map_err(WebError::from)?;
    let Some(person) = state.store.person_by_external_id(&external_id).await? else {
        return Err(WebError::NotFound(format!("person {external_id}")));
    };
    Ok(Json(StoredPerson { person, warnings }).into_response())
}

/// Erases the person.
#[utoipa::path(
    delete,
    path = "/api/persons/{external_id}",
    tag = "registry",
    description = "Erase the person, leaving only an anonymous event. Roles: ops",
    params(("external_id" = String, Path, description = "The registry's id of the person")),
    responses(
        (status = NO_CONTENT, description = "Erased"),
        (status = NOT_FOUND, description = "No such person", body = ErrorBody),
    )
)]
pub async fn erase(
    State(state): State<AppState>,
    staff: Staff,
    Path(external_id): Path<String>,
) -> Result<Response, WebError> {
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

#[derive(Deserialize, ToSchema)]
pub struct ReviewForm {
    /// `confirm` or `reject`.
    pub decision: String,
}

#[derive(Serialize, ToSchema)]
struct Decided {
    passenger_id: Uuid,
    person_id: Uuid,
    decision: LinkDecision,
    decided_by: String,
}

/// Confirms or rejects a link (`decision=confirm|reject`): the decision is stored on the link and
/// remembered for the passenger's fingerprints, so it wins on later flights too.
#[utoipa::path(
    post,
    path = "/api/links/{passenger_id}/{person_id}",
    tag = "registry",
    description = "Confirm or reject an identity link. Roles: advisor (persons in its languages), ops",
    params(
        ("passenger_id" = Uuid, Path, description = "The manifest passenger"),
        ("person_id" = Uuid, Path, description = "The registry person"),
    ),
    request_body(content = ReviewForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = OK, description = "The decision, stored", body = Decided),
        (status = NOT_FOUND, description = "No such link", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "A decision that is neither confirm nor reject", body = Refused),
    )
)]
pub async fn decide(
    State(state): State<AppState>,
    staff: Staff,
    Path((passenger_id, person_id)): Path<(Uuid, Uuid)>,
    axum::Form(form): axum::Form<ReviewForm>,
) -> Result<Response, WebError> {
    let Some(decision) = ReviewDecision::parse(&form.decision) else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(Refused {
                error: format!("decision {:?} is neither confirm nor reject", form.decision),
                errors: Vec::new(),
            }),
        )
            .into_response());
    };
    let link = super::review::decide_as(&state, &staff, passenger_id, person_id, decision).await?;
    Ok(Json(Decided {
        passenger_id,
        person_id,
        decision: link.decision,
        decided_by: link.decided_by,
    })
    .into_response())
}

//! Manifest upload: POST /api/manifests for scripts (the file's bytes as the body) answering with the
//! import summary, 422 with every error of a rejected file, or 409 for a list older than the one applied.
//! MVT movement messages go the same way, as Type B text; SSIM schedules go to POST /api/schedules.

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::{AppState, WebError, upload};
use crate::app::import::{self, HeldState, ImportError, ImportSummary};
use crate::app::schedule::{self, MovementSummary, ScheduleSummary};
use crate::clock;

/// Largest manifest accepted over HTTP: a whole day's CSV of a large airline fits well below it.
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `pnl`, `adl`, `csv` or `json`; told from the content when absent.
    pub format: Option<String>,
    /// The file name the errors and the event log show (default `upload`).
    pub name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEntry {
    pub file: String,
    pub line: usize,
    pub field: Option<String>,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedBody {
    pub errors: Vec<ErrorEntry>,
    /// Errors found beyond those listed.
    pub omitted: usize,
}

/// A passenger list older than the one applied for its flight.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutOfOrderBody {
    pub file: String,
    pub error: String,
}

/// What an imported file did: a manifest, or MVT movement messages.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Imported {
    Manifest(ImportSummary),
    Movements(MovementSummary),
}

/// Imports one manifest file, or a file of MVT messages, sent as the body.
#[utoipa::path(
    post,
    path = "/api/manifests",
    tag = "imports",
    description = "Import one manifest file (PNL, ADL, CSV or JSON) whole or not at all, or a file of IATA MVT \
        movement messages; the file's bytes are the body. A PNL or ADL part is held until its message is \
        complete. Roles: ops, admin",
    params(UploadQuery),
    request_body(content = String, description = "The file", content_type = "text/plain"),
    responses(
        (status = OK, description = "What the file did", body = Imported),
        (status = CONFLICT, description = "A passenger list older than the one applied", body = OutOfOrderBody),
        (status = UNPROCESSABLE_ENTITY, description = "The file was refused whole: every error", body = RejectedBody),
    )
)]
pub async fn upload_manifest(
    staff: Staff,
    State(state): State<AppState>,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Result<Response, WebError> {
    let body = upload::body(&state.upload_dir, MAX_UPLOAD_BYTES, body).await?;
    let name = query.name.as_deref().unwrap_or("upload");
    let format = match query.format.as_deref() {
        None => None,
        Some(raw) => match import::parse_format(raw) {
            Some(format) => Some(format),
            None => {
                return Ok(rejected(
                    name,
                    "format",
                    format!("{raw:?} is not a format: use pnl, adl, csv or json"),
                ));
            }
        },
    };
    if format.is_none() && schedule::is_movements(&body) {
        let result = schedule::import_movements(
            state.store.as_ref(),
            Some(state.engine.as_ref()),
            name,
            &body,
            &staff.name,
            clock::now(),
        )
        .await;
        return match result {
            Ok(summary) => Ok(Json(Imported::Movements(summary)).into_response()),
            Err(error) => error_response(error),
        };
    }
    let result = import::import_manifest_file(
        state.store.as_ref(),
        Some(&crate::app::matching::MatchAfterImport),
        name,
        &body,
        crate::manifest::Reading {
            format,
            default_region: state.default_region,
        },
        &staff.name,
        clock::now(),
    )
    .await;
    match result {
        Ok(summary) => Ok(Json(Imported::Manifest(summary)).into_response()),
        Err(error) => error_response(error),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScheduleQuery {
    /// The file name the warnings, errors and the event log show (default `upload`).
    pub name: Option<String>,
}

/// Imports an SSIM file sent as the body: the summary with its warnings, or 422 with every error.
#[utoipa::path(
    post,
    path = "/api/schedules",
    tag = "imports",
    description = "Import an IATA SSIM schedule (Chapter 7): scheduled times for the legs flown from yesterday \
        to 14 days ahead. Roles: ops, admin",
    params(ScheduleQuery),
    request_body(content = String, description = "The SSIM file", content_type = "text/plain"),
    responses(
        (status = OK, description = "What the schedule did", body = ScheduleSummary),
        (status = UNPROCESSABLE_ENTITY, description = "The file was refused whole: every error", body = RejectedBody),
    )
)]
pub async fn upload_schedule(
    staff: Staff,
    State(state): State<AppState>,
    Query(query): Query<ScheduleQuery>,
    body: Body,
) -> Result<Response, WebError> {
    let body = upload::body(&state.upload_dir, MAX_UPLOAD_BYTES, body).await?;
    let name = query.name.as_deref().unwrap_or("upload");
    let result = schedule::import_schedule(
        state.store.as_ref(),
        Some(state.engine.as_ref()),
        name,
        &body,
        &staff.name,
        clock::now(),
    )
    .await;
    match result {
        Ok(summary) => Ok(Json(summary).into_response()),
        Err(error) => error_response(error),
    }
}

/// The HTTP answer to a refused import: 422 for an invalid file, 409 for a list out of order.
pub fn error_response(error: ImportError) -> Result<Response, WebError> {
    match error {
        ImportError::Invalid(errors) => {
            let body = RejectedBody {
                errors: errors
                    .errors
                    .into_iter()
                    .map(|e| ErrorEntry {
                        file: e.file,
                        line: e.line,
                        field: e.field,
                        reason: e.reason,
                    })
                    .collect(),
                omitted: errors.omitted,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
        ImportError::OutOfOrder { file, reason } => Ok((
            StatusCode::CONFLICT,
            Json(OutOfOrderBody {
                file,
                error: reason,
            }),
        )
            .into_response()),
        ImportError::Store(e) => Err(e.into()),
    }
}

/// The Type B messages held until they are complete (or, for an ADL, until its flight's PNL comes),
/// oldest first, each with the parts held and missing and what it waits for.
#[utoipa::path(
    get,
    path = "/api/manifests/held",
    tag = "imports",
    description = "The PNL and ADL messages held until they are complete (or an ADL until its flight's PNL), \
        oldest first. Roles: ops, admin",
    responses((status = OK, description = "The held messages", body = Vec<HeldState>))
)]
pub async fn held_messages(
    _: Staff,
    State(state): State<AppState>,
) -> Result<Json<Vec<HeldState>>, WebError> {
    Ok(Json(import::held_states(state.store.as_ref()).await?))
}

fn rejected(file: &str, field: &str, reason: String) -> Response {
    let body = RejectedBody {
        errors: vec![ErrorEntry {
            file: file.to_string(),
            line: 0,
            field: Some(field.to_string()),
            reason,
        }],
        omitted: 0,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

//! Manifest upload: POST /api/manifests for scripts (the file's bytes as the body) answering with the
//! import summary, 422 with every error of a rejected file, or 409 for a list older than the one applied.
//! MVT movement messages go the same way, as Type B text; SSIM schedules go to POST /api/schedules.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::auth::Staff;
use super::{AppState, WebError};
use crate::app::import::{self, ImportError};
use crate::app::schedule;
use crate::clock;
use crate::domain::Role;

/// Largest manifest accepted over HTTP: a whole day's CSV of a large airline fits well below it.
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    /// `pnl`, `adl`, `csv` or `json`; told from the content when absent.
    pub format: Option<String>,
    /// The file name the errors and the event log show (default `upload`).
    pub name: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ErrorEntry {
    pub file: String,
    pub line: usize,
    pub field: Option<String>,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct RejectedBody {
    pub errors: Vec<ErrorEntry>,
    /// Errors found beyond those listed.
    pub omitted: usize,
}

pub async fn upload_manifest(
    staff: Staff,
    State(state): State<AppState>,
    Query(query): Query<UploadQuery>,
    body: Bytes,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Ops, Role::Admin])?;
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
            Ok(summary) => Ok(Json(summary).into_response()),
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
        Ok(summary) => Ok(Json(summary).into_response()),
        Err(error) => error_response(error),
    }
}

#[derive(Debug, Deserialize)]
pub struct ScheduleQuery {
    /// The file name the warnings, errors and the event log show (default `upload`).
    pub name: Option<String>,
}

/// POST /api/schedules: an SSIM file as the body; the summary with its warnings, or 422 with every error.
pub async fn upload_schedule(
    staff: Staff,
    State(state): State<AppState>,
    Query(query): Query<ScheduleQuery>,
    body: Bytes,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Ops, Role::Admin])?;
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
            Json(serde_json::json!({ "file": file, "error": reason })),
        )
            .into_response()),
        ImportError::Store(e) => Err(e.into()),
    }
}

/// GET /api/manifests/held: the Type B messages held until they are complete (or, for an ADL, until
/// its flight's PNL comes), oldest first, each with the parts held and missing and what it waits for.
pub async fn held_messages(
    staff: Staff,
    State(state): State<AppState>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Ops, Role::Admin])?;
    let held = import::held_states(state.store.as_ref()).await?;
    Ok(Json(held).into_response())
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

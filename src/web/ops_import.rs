//! The ops import page: GET /ops/import shows a form to upload manifest files (PNL, ADL, CSV or JSON, the
//! format told from the content or chosen) or registry exports from the browser; POST /ops/import (a
//! multipart form, its CSRF token the first field) imports each file whole or not at all through the same
//! use cases as the CLI and the API (`app::import`, `app::registry`) and shows the same summary line, or
//! every error with file, line, field and reason. Ops only.

use std::path::Path;

use askama::Template;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::http::StatusCode;
use axum::response::Response;

use super::auth::Staff;
use super::i18n::Msg;
use super::pages::{PageContext, render};
use super::upload::{self, UploadError};
use super::{AppState, WebError};
use crate::app::import::{self, ImportError, Waiting};
use crate::app::registry::{RegistryImportError, import_registry_file_in_region};
use crate::app::schedule;
use crate::clock;
use crate::domain::ImportWarnings;
use crate::manifest::ParseErrors;

/// What the uploaded files hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Manifest,
    Registry,
}

struct ErrorRow {
    file: String,
    line: usize,
    field: String,
    reason: String,
}

/// What became of one file.
struct FileResult {
    file: String,
    imported: bool,
    /// The summary lines as the CLI prints them, or the one-line refusal.
    lines: Vec<String>,
    errors: Vec<ErrorRow>,
    /// Errors found beyond those listed.
    omitted: usize,
    /// Values dropped or kept raw in a file that was imported.
    warnings: ImportWarnings,
    /// The flights an imported manifest filled, to open: (gate page, flight number).
    flights: Vec<(String, String)>,
}

/// A Type B message held until it is complete, as the page lists it.
struct HeldRow {
    flight: String,
    message: String,
    parts_held: String,
    /// The missing part numbers, and `n+` when parts after the highest held are missing too.
    parts_missing: String,
    waiting: Msg,
    /// Minutes since its first part came.
    age_minutes: i64,
}

async fn held_rows(state: &AppState) -> Result<Vec<HeldRow>, WebError> {
    let now = clock::now();
    let list = |numbers: &[u16]| {
        numbers
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(import::held_states(state.store.as_ref())
        .await?
        .into_iter()
        .map(|h| {
            let mut missing = list(&h.parts_missing);
            if !h.last_part_held {
                let after = h.parts_held.iter().max().copied().unwrap_or(0) + 1;
                if !missing.is_empty() {
                    missing.push_str(", ");
                }
                missing.push_str(&format!("{after}+"));
            }
            HeldRow {
                flight: h.flight,
                message: h.message,
                parts_held: list(&h.parts_held),
                parts_missing: missing,
                waiting: match h.waiting {
                    Waiting::Parts => Msg::WaitingForParts,
                    Waiting::FlightPnl => Msg::WaitingForFlightPnl,
                    Waiting::EarlierMessage => Msg::WaitingForEarlierMessage,
                    Waiting::Turn => Msg::WaitingForTurn,
                },
                age_minutes: (now - h.first_received_at).num_minutes().max(0),
            }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "ops_import.html")]
struct ImportPage {
    page: PageContext,
    registry: bool,
    format: String,
    formats: [(&'static str, &'static str); 5],
    problem: Option<&'static str>,
    results: Vec<FileResult>,
    held: Vec<HeldRow>,
}

fn import_page(
    staff: &Staff,
    kind: Kind,
    format: &str,
    problem: Option<Msg>,
    results: Vec<FileResult>,
) -> ImportPage {
    let page = PageContext::for_staff(staff);
    ImportPage {
        registry: kind == Kind::Registry,
        format: format.to_string(),
        formats: [
            ("auto", page.t(Msg::FormatFromContent)),
            ("pnl", "PNL"),
            ("adl", "ADL"),
            ("csv", "CSV"),
            ("json", "JSON"),
        ],
        problem: problem.map(|m| page.t(m)),
        results,
        held: Vec::new(),
        page,
    }
}

/// GET /ops/import
pub async fn form(staff: Staff, State(state): State<AppState>) -> Result<Response, WebError> {
    let mut page = import_page(&staff, Kind::Manifest, "auto", None, Vec::new());
    page.held = held_rows(&state).await?;
    Ok(render(StatusCode::OK, &page))
}

/// The name a browser gave an uploaded file, without any folder some browsers prefix.
fn file_name(raw: Option<&str>) -> String {
    let name = raw
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim();
    if name.is_empty() {
        "upload".to_string()
    } else {
        name.chars().take(200).collect()
    }
}

fn error_rows(errors: ParseErrors) -> (Vec<ErrorRow>, usize) {
    let rows = errors
        .errors
        .into_iter()
        .map(|e| ErrorRow {
            file: e.file,
            line: e.line,
            field: e.field.unwrap_or_default(),
            reason: e.reason,
        })
        .collect();
    (rows, errors.omitted)
}

fn refused(file: String, lines: Vec<String>, errors: ParseErrors) -> FileResult {
    let (errors, omitted) = error_rows(errors);
    FileResult {
        flights: Vec::new(),
        file,
        imported: false,
        lines,
        errors,
        omitted,
        warnings: ImportWarnings::default(),
    }
}

async fn import_manifest(
    state: &AppState,
    staff: &Staff,
    file: String,
    bytes: &[u8],
    format: Option<crate::manifest::Format>,
) -> Result<FileResult, WebError> {
    // SSIM schedules and MVT messages come the same way as lists, told apart by their content.
    let result = schedule::import_flight_file(
        state.store.as_ref(),
        Some(state.engine.as_ref()),
        &file,
        bytes,
        crate::manifest::Reading {
            format,
            default_region: state.default_region,
        },
        &staff.name,
        clock::now(),
    )
    .await;
    let rejected = format!("{file}: rejected, nothing was imported");
    Ok(match result {
        Ok(imported) => FileResult {
            flights: match &imported {
                schedule::FlightFile::Manifest(summary) => summary
                    .flights
                    .iter()
                    .map(|f| (format!("/gate/flight/{}", f.flight_id), f.flight.clone()))
                    .collect(),
                _ => Vec::new(),
            },
            lines: imported.lines(),
            warnings: imported.warnings().clone(),
            file,
            imported: true,
            errors: Vec::new(),
            omitted: 0,
        },
        Err(ImportError::Invalid(errors)) => refused(file, vec![rejected], errors),
        Err(error @ ImportError::OutOfOrder { .. }) => FileResult {
            flights: Vec::new(),
            lines: vec![error.to_string(), rejected],
            file,
            imported: false,
            errors: Vec::new(),
            omitted: 0,
            warnings: ImportWarnings::default(),
        },
        Err(ImportError::Store(e)) => return Err(e.into()),
    })
}

async fn import_registry(
    state: &AppState,
    staff: &Staff,
    file: String,
    bytes: &[u8],
) -> Result<FileResult, WebError> {
    let result = import_registry_file_in_region(
        state.store.as_ref(),
        &file,
        bytes,
        state.default_region,
        &format!("staff:{}", staff.name),
        clock::now(),
    )
    .await;
    Ok(match result {
        Ok(done) => FileResult {
            flights: Vec::new(),
            lines: vec![done.line()],
            file,
            imported: true,
            errors: Vec::new(),
            omitted: 0,
            warnings: done.warnings,
        },
        Err(RegistryImportError::Parse(errors)) => {
            let rejected = format!("{file}: rejected, nothing was imported");
            refused(file, vec![rejected], errors)
        }
        Err(RegistryImportError::Service(e)) => return Err(WebError::from(e)),
    })
}

/// What the form sent: its choices and its files, each kept in its temporary file.
struct Upload {
    kind: Kind,
    format: String,
    files: Vec<(String, upload::Upload)>,
}

async fn read_upload(dir: &Path, mut multipart: Multipart) -> Result<Upload, UploadError> {
    let mut upload = Upload {
        kind: Kind::Manifest,
        format: "auto".to_string(),
        files: Vec::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(form_error)? {
        match field.name().unwrap_or_default() {
            "kind" => {
                upload.kind = match field.text().await.map_err(form_error)?.trim() {
                    "registry" => Kind::Registry,
                    _ => Kind::Manifest,
                };
            }
            "format" => {
                upload.format = field
                    .text()
                    .await
                    .map_err(form_error)?
                    .trim()
                    .to_ascii_lowercase()
            }
            "file" => {
                let name = file_name(field.file_name());
                let bytes = upload::field(dir, super::import::MAX_UPLOAD_BYTES, field).await?;
                // A file input left empty still sends a part, without a name or content.
                if !(name == "upload" && bytes.is_empty()) {
                    upload.files.push((name, bytes));
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

fn form_error(e: MultipartError) -> UploadError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        UploadError::TooLarge
    } else {
        UploadError::Unreadable(e.body_text())
    }
}

/// POST /ops/import: imports each file in turn, each whole or not at all, and shows what became of each.
pub async fn upload(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let upload = match read_upload(&state.upload_dir, multipart).await {
        Ok(upload) => upload,
        Err(e @ UploadError::Disk(_)) => return Err(e.into()),
        Err(e) => {
            let status = e.status();
            let problem = if status == StatusCode::PAYLOAD_TOO_LARGE {
                Msg::UploadTooLarge
            } else {
                Msg::UploadUnreadable
            };
            return Ok(render(
                status,
                &import_page(&staff, Kind::Manifest, "auto", Some(problem), Vec::new()),
            ));
        }
    };
    let format = match upload.format.as_str() {
        "" | "auto" => None,
        other => import::parse_format(other),
    };
    let shown_format = format.map_or("auto", import::format_name);
    if upload.files.is_empty() {
        return Ok(render(
            StatusCode::BAD_REQUEST,
            &import_page(
                &staff,
                upload.kind,
                shown_format,
                Some(Msg::ChooseAFile),
                Vec::new(),
            ),
        ));
    }
    let mut results = Vec::with_capacity(upload.files.len());
    for (file, bytes) in upload.files {
        results.push(match upload.kind {
            Kind::Manifest => import_manifest(&state, &staff, file, &bytes, format).await?,
            Kind::Registry => import_registry(&state, &staff, file, &bytes).await?,
        });
    }
    let status = if results.iter().all(|r| r.imported) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut page = import_page(&staff, upload.kind, shown_format, None, results);
    page.held = held_rows(&state).await?;
    Ok(render(status, &page))
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn uploaded_names_lose_their_folders() {
        assert_eq!(file_name(Some("C:\\Users\\ops\\IB6401.pnl")), "IB6401.pnl");
        assert_eq!(file_name(Some("lists/IB6401.adl")), "IB6401.adl");
        assert_eq!(file_name(Some("  ")), "upload");
        assert_eq!(file_name(None), "upload");
    }
}

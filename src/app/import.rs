//! Manifest import as one use case for every entry point (CLI, API, ops page, drop folder): parse one file,
//! turn it into the store's `ManifestImport` and apply it whole or not at all, then hand the result to the
//! import hook (identity matching) when one is set.
//!
//! Decisions kept here so that every entry point shares them:
//! - A passenger's `pax_key` is `LOCATOR/SURNAME/GIVEN/N`: the booking locator (`-` when the file has
//!   none), the booking name reduced to upper-case letters and digits, and N counting passengers with the
//!   same locator and name in the list (1 nearly always). An ADL's DEL and CHG name the passenger the same
//!   way, so they find the PNL's row without any position in the file.
//! - An infant on a lap has no row of its own: it becomes the `INFT` service code of the adult.
//! - The flight's destination is the last destination group of the list (groups follow the route).
//! - A PNL or ADL carries no times: stored times are kept, and a flight already known keeps its status. CSV
//!   and JSON may give `scheduled_departure` and `scheduled_arrival` (local to the airport, or with an
//!   offset); a time that cannot be read is a warning, and the stored one stays.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::records::{
    FlightImportSummary, FlightList, ListMode, ManifestImport, MovementTimes, NewFlight,
    NewPassenger, booking_key_prefix,
};
use crate::domain::{
    BoardingState, BookingName, FlightKey, FlightStatus, Iata, ImportWarning, ImportWarnings,
    Locator, Region,
};
use crate::manifest::{
    self, Document, FlightManifest, Format, ListedTime, ManifestChanges, ManifestPassenger,
    MessagePart, ParseErrors, Reading,
};
use crate::store::{Fed, Store, StoreError};

pub use super::held::{HeldState, IncompleteMessagesJob, ReleasedMessage, Waiting, held_states};
use super::matching::ScreenReading;

/// What one file did, as the CLI prints it and the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub file: String,
    pub format: Format,
    /// Passenger rows the file holds (adds, changes and deletions for an ADL).
    pub rows: usize,
    /// The same file was imported before: nothing changed.
    pub duplicate: bool,
    pub flights: Vec<FlightImportSummary>,
    /// Values of the file that could not be understood: dropped, or kept raw, with their passengers.
    pub warnings: ImportWarnings,
    /// What the import hook reported it could not do (the import itself stands).
    pub hook_problems: Vec<String>,
    /// Type B messages this file delivered parts of (or an ADL that waits for its flight's PNL) that
    /// are held in the database, with what each still waits for.
    pub held: Vec<HeldState>,
    /// Held messages this file completed or let go, applied after it.
    pub released: Vec<ReleasedMessage>,
}

impl ImportSummary {
    pub fn added(&self) -> usize {
        self.flights.iter().map(|f| f.added).sum()
    }
    pub fn updated(&self) -> usize {
        self.flights.iter().map(|f| f.updated).sum()
    }
    pub fn unchanged(&self) -> usize {
        self.flights.iter().map(|f| f.unchanged).sum()
    }
    pub fn removed(&self) -> usize {
        self.flights.iter().map(|f| f.removed).sum()
    }
    pub fn cancelled_tasks(&self) -> usize {
        self.flights.iter().map(|f| f.cancelled_tasks).sum()
    }

    /// One line for people: `FILE (pnl): 1 flight, 3 added, ...`, with the number of warnings when there
    /// are any.
    pub fn line(&self) -> String {
        let mut line = self.own_line();
        for held in &self.held {
            line.push_str(&format!(
                "; {} held (parts {}), waiting for {}",
                held.message,
                held.parts_held
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                held.waiting_for
            ));
        }
        for released in &self.released {
            line.push_str(&format!("; then {}", released.line()));
        }
        line
    }

    fn own_line(&self) -> String {
        if !self.held.is_empty() || !self.released.is_empty() {
            let what = if self.duplicate {
                "already held, nothing changed"
            } else {
                "parts received"
            };
            return format!("{} ({}): {what}", self.file, format_name(self.format));
        }
        if self.duplicate {
            return format!(
                "{} ({}): already imported, nothing changed",
                self.file,
                format_name(self.format)
            );
        }
        let warnings = match self.warnings.total {
            0 => String::new(),
            1 => ", 1 warning".to_string(),
            n => format!(", {n} warnings"),
        };
        format!(
            "{} ({}): {} flight{}, {} added, {} updated, {} unchanged, {} removed, {} cancelled task{}{warnings}",
            self.file,
            format_name(self.format),
            self.flights.len(),
            if self.flights.len() == 1 { "" } else { "s" },
            self.added(),
            self.updated(),
            self.unchanged(),
            self.removed(),
            self.cancelled_tasks(),
            if self.cancelled_tasks() == 1 { "" } else { "s" },
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not a valid manifest: every problem found, with file, line and field.
    #[error("{0}")]
    Invalid(ParseErrors),
    /// The list is older than the one applied (a duplicate or out-of-order ADL); nothing was written.
    #[error("{file}: {reason}")]
    OutOfOrder { file: String, reason: String },
    #[error(transparent)]
    Store(StoreError),
}

/// Runs after imports that changed something: identity matching links the new passengers.
#[async_trait]
pub trait ImportHook: Send + Sync {
    /// Looks at the parsed files while their transaction stores them — so that its work overlaps the
    /// write — using only the files and what an import does not write, and names the flights (as
    /// `FlightKey` text) that `after_import` must see; an error is the problem to report for every file.
    async fn screen(
        &self,
        store: &dyn Store,
        imports: Arc<Vec<ManifestImport>>,
    ) -> Result<HashSet<String>, String>;

    /// [`Self::screen`] of lists read as a large file was ([`ScreenReading`]).
    async fn screen_read(
        &self,
        store: &dyn Store,
        reading: ScreenReading,
    ) -> Result<HashSet<String>, String>;

    /// Gets the files one transaction committed, each with its summary, and what `screen` found, and
    /// returns for each file the problems worth showing to whoever imported it; the imports stand.
    async fn after_import(
        &self,
        store: &dyn Store,
        imported: &[(&ManifestImport, &ImportSummary)],
        screened: &Result<HashSet<String>, String>,
        now: DateTime<Utc>,
    ) -> Vec<Vec<String>>;
}

pub fn format_name(format: Format) -> &'static str {
    match format {
        Format::Pnl => "pnl",
        Format::Adl => "adl",
        Format::Csv => "csv",
        Format::Json => "json",
    }
}

/// Reads `pnl`, `adl`, `csv` or `json` (any case).
pub fn parse_format(raw: &str) -> Option<Format> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "pnl" => Some(Format::Pnl),
        "adl" => Some(Format::Adl),
        "csv" => Some(Format::Csv),
        "json" => Some(Format::Json),
        _ => None,
    }
}

/// One manifest file to import: the name errors and the event log show, and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct ManifestFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// Parses and applies one file. `now`'s date gives the year to `22NOV`-style dates.
pub async fn import_manifest_file(
    store: &dyn Store,
    hook: Option<&dyn ImportHook>,
    file_name: &str,
    bytes: &[u8],
    reading: Reading,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ImportSummary, ImportError> {
    let file = ManifestFile {
        name: file_name,
        bytes,
    };
    import_manifest_files(store, hook, &[file], reading, actor, now)
        .await
        .pop()
        .unwrap_or_else(|| {
            Err(ImportError::Store(StoreError::NotFound(format!(
                "the outcome of {file_name}"
            ))))
        })
}

/// Parses and applies files in the order given, each whole or not at all, and returns one result per
/// file. Consecutive PNL, CSV and JSON files share one transaction — one commit, and one fsync, for a
/// night's lists instead of one each; an ADL goes on its own after what precedes it, because it is
/// resolved against the passengers stored for its flight.
pub async fn import_manifest_files(
    store: &dyn Store,
    hook: Option<&dyn ImportHook>,
    files: &[ManifestFile<'_>],
    reading: Reading,
    actor: &str,
    now: DateTime<Utc>,
) -> Vec<Result<ImportSummary, ImportError>> {
    let parsed = parse_files(files, reading, now.date_naive(), actor);
    import_parsed_files(
        store,
        hook,
        files,
        parsed,
        reading.default_region,
        actor,
        now,
    )
    .await
}

/// [`import_manifest_files`] for files already parsed by [`parse_files`] (with the same `now`, actor
/// and region), so that a caller can parse the next files while these are stored. `default_region`
/// reads the phones of the held Type B messages these files complete.
pub async fn import_parsed_files(
    store: &dyn Store,
    hook: Option<&dyn ImportHook>,
    files: &[ManifestFile<'_>],
    parsed: Vec<ParsedFile>,
    default_region: Option<Region>,
    actor: &str,
    now: DateTime<Utc>,
) -> Vec<Result<ImportSummary, ImportError>> {
    let mut results: Vec<Option<Result<ImportSummary, ImportError>>> =
        files.iter().map(|_| None).collect();
    let mut pending: Vec<Prepared> = Vec::new();
    for (position, (file, (parsed, parse_time))) in files.iter().zip(parsed).enumerate() {
        let started = Instant::now();
        let document = match parsed {
            Ok(document) => document,
            Err(errors) => {
                results[position] = Some(Err(ImportError::Invalid(errors)));
                continue;
            }
        };
        let (format, import, rows) = match document {
            Parsed::Ready {
                format,
                import,
                rows,
            } => (format, import, rows),
            Parsed::Parts(parts, warnings) => {
                apply(store, hook, std::mem::take(&mut pending), &mut results, now).await;
                results[position] = Some(
                    super::held::hold_parts(
                        store,
                        hook,
                        file.name,
                        (parts, warnings),
                        default_region,
                        actor,
                        now,
                    )
                    .await,
                );
                continue;
            }
            Parsed::Adl {
                changes,
                digest,
                warnings,
            } => {
                apply(store, hook, std::mem::take(&mut pending), &mut results, now).await;
                match super::held::adl_must_wait(store, &changes.flight).await {
                    Ok(false) => {}
                    Ok(true) => {
                        results[position] = Some(
                            hold_whole_adl(store, hook, file, default_region, actor, now).await,
                        );
                        continue;
                    }
                    Err(e) => {
                        results[position] = Some(Err(ImportError::Store(e)));
                        continue;
                    }
                }
                let stored_keys = match live_keys(store, &changes.flight).await {
                    Ok(keys) => keys,
                    Err(e) => {
                        results[position] = Some(Err(ImportError::Store(e)));
                        continue;
                    }
                };
                to_import(
                    (Document::Adl(changes), warnings),
                    Format::Adl,
                    &stored_keys,
                    file.name,
                    digest,
                    actor,
                )
            }
        };
        let is_adl = format == Format::Adl;
        pending.push(Prepared {
            position,
            format,
            import,
            rows,
            parse: parse_time + started.elapsed(),
        });
        if is_adl {
            apply(store, hook, std::mem::take(&mut pending), &mut results, now).await;
        }
    }
    apply(store, hook, pending, &mut results, now).await;
    release_waiting(store, hook, &mut results, default_region, actor, now).await;
    results
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|| {
                Err(ImportError::Store(StoreError::NotFound(
                    "an import outcome".to_string(),
                )))
            })
        })
        .collect()
}

/// Parts of a streamed file waiting for the writer: enough to keep it busy while the next is read,
/// few enough that a refused file has not been read far ahead.
const PARTS_AHEAD: usize = 4;

/// How the reading of a streamed file ended.
enum StreamRead {
    /// The file does not stream (or its flights' rows came apart): the bytes, to import it whole.
    Whole(Vec<u8>),
    Refused(ParseErrors),
    Read {
        rows: usize,
        warnings: ImportWarnings,
        screen: ScreenReading,
        parse: Duration,
    },
}

/// Lowers the calling thread's scheduling priority (on Linux, its nice value), so that on a busy machine
/// the import's writer — its critical path, and alone on its thread — keeps a core while the file is
/// read beside it. A thread's priority cannot be raised back without privilege: only threads that end
/// with the reading call this.
fn yield_to_writer() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority and gettid only read their arguments; the call changes this thread alone.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 10);
    }
}

/// Imports a large CSV ([`manifest::stream_csv`]) while it is read: a thread reads it a slice of rows
/// at a time and hands each slice's complete flights to the store, which writes them in the file's one
/// transaction as they come, so that reading and writing overlap instead of following each other. The
/// outcome is the one [`import_manifest_files`] gives — the file whole or not at all, the same errors,
/// warnings and summary. `Err` gives the bytes back when the file does not stream; the caller then
/// imports it whole.
pub async fn import_streamed_csv(
    store: &dyn Store,
    hook: Option<&dyn ImportHook>,
    file_name: &str,
    bytes: Vec<u8>,
    reading: Reading,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Result<ImportSummary, ImportError>, Vec<u8>> {
    let started = Instant::now();
    let (digest_sender, digest_read) = tokio::sync::oneshot::channel::<String>();
    let (feed, mut fed) = tokio::sync::mpsc::channel::<Fed>(PARTS_AHEAD);
    let name = file_name.to_string();
    let by = actor.to_string();
    let screens = hook.is_some();
    let (read_sender, read_outcome) = tokio::sync::oneshot::channel::<StreamRead>();
    let read_file = move || {
        yield_to_writer();
        let mut chunks = match manifest::stream_csv(&name, &bytes, reading) {
            None => return StreamRead::Whole(bytes),
            Some(Err(errors)) => return StreamRead::Refused(errors),
            Some(Ok(chunks)) => chunks,
        };
        // Two stages on two threads: this one reads rows into flights; the other takes the file's
        // digest (the store needs it first), then turns the flights into the store's lists and reads
        // them for the screen. Neither alone keeps up with the writer.
        let (to_convert, flights_read) =
            std::sync::mpsc::sync_channel::<Vec<FlightManifest>>(PARTS_AHEAD);
        let (rows, screen, feed) = std::thread::scope(|scope| {
            let converter = scope.spawn(|| {
                yield_to_writer();
                // Without a listener the import was dropped; the feed's closing then stops the reading.
                let _ = digest_sender.send(digest(&bytes));
                let mut rows = 0;
                let mut screen = ScreenReading::default();
                for flights in flights_read {
                    let document = (Document::Rows(flights), ImportWarnings::default());
                    let (_, part, part_rows) =
                        to_import(document, Format::Csv, &[], &name, String::new(), &by);
                    rows += part_rows;
                    if screens {
                        screen.read(&part.flights.iter().collect::<Vec<_>>());
                    }
                    if feed.blocking_send(Fed::Lists(part.flights)).is_err() {
                        // The store stopped (the file was imported before, or the write failed):
                        // its outcome says why, and the rest need not be read.
                        break;
                    }
                }
                (rows, screen, feed)
            });
            while let Some(flights) = chunks.next_flights() {
                if to_convert.send(flights).is_err() {
                    break;
                }
            }
            drop(to_convert);
            converter
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e))
        });
        match chunks.finish() {
            manifest::StreamEnd::NotGrouped => StreamRead::Whole(bytes),
            manifest::StreamEnd::Refused(errors) => StreamRead::Refused(errors),
            manifest::StreamEnd::Read(warnings) => {
                // A store that stopped early no longer listens; its outcome stands.
                let _ = feed.blocking_send(Fed::End(warnings.clone()));
                StreamRead::Read {
                    rows,
                    warnings,
                    screen,
                    parse: started.elapsed(),
                }
            }
        }
    };
    // Threads of their own, not the blocking pool's: they end with their lower priority.
    std::thread::spawn(move || {
        let _ = read_sender.send(read_file());
    });
    let reader = read_outcome;
    let read = |outcome: Result<StreamRead, tokio::sync::oneshot::error::RecvError>| {
        outcome
            .unwrap_or_else(|_| panic!("the thread reading {file_name} stopped without an outcome"))
    };
    let Ok(file_digest) = digest_read.await else {
        return match read(reader.await) {
            StreamRead::Whole(bytes) => Err(bytes),
            StreamRead::Refused(errors) => Ok(Err(ImportError::Invalid(errors))),
            StreamRead::Read { .. } => Ok(Err(ImportError::Store(StoreError::Abandoned))),
        };
    };
    let head = ManifestImport {
        format: format_name(Format::Csv).to_string(),
        file_name: file_name.to_string(),
        digest: file_digest,
        actor: actor.to_string(),
        sent_at: None,
        flights: Vec::new(),
        warnings: ImportWarnings::default(),
    };
    let storing = async {
        let outcome = store.import_manifest_feed(&head, &mut fed, now).await;
        // Closing the feed tells the reader that nothing more is wanted.
        fed.close();
        while fed.try_recv().is_ok() {}
        outcome
    };
    let reading_and_screening = async {
        let mut read = read(reader.await);
        let screened = match (&mut read, hook) {
            (StreamRead::Read { screen, .. }, Some(hook)) => {
                Some(hook.screen_read(store, std::mem::take(screen)).await)
            }
            _ => None,
        };
        (read, screened)
    };
    let (stored, (read, screened)) = tokio::join!(storing, reading_and_screening);
    let stored_in = started.elapsed();
    let (outcome, rows, warnings, parse) = match (stored, read) {
        (_, StreamRead::Whole(bytes)) => return Err(bytes),
        (_, StreamRead::Refused(errors)) => return Ok(Err(ImportError::Invalid(errors))),
        (Err(StoreError::Conflict(reason)), _) => {
            return Ok(Err(ImportError::OutOfOrder {
                file: file_name.to_string(),
                reason,
            }));
        }
        (Err(e), _) => return Ok(Err(ImportError::Store(e))),
        (
            Ok(outcome),
            StreamRead::Read {
                rows,
                warnings,
                parse,
                ..
            },
        ) => (outcome, rows, warnings, parse),
    };
    let head = ManifestImport { warnings, ..head };
    let mut summary = ImportSummary {
        file: head.file_name.clone(),
        format: Format::Csv,
        rows,
        duplicate: outcome.duplicate,
        flights: outcome.flights,
        warnings: head.warnings.clone(),
        hook_problems: Vec::new(),
        held: Vec::new(),
        released: Vec::new(),
    };
    let hooked_at = Instant::now();
    if let Some(hook) = hook
        && !summary.duplicate
    {
        let screened = screened.unwrap_or_else(|| Err("the file was not screened".to_string()));
        summary.hook_problems = hook
            .after_import(store, &[(&head, &summary)], &screened, now)
            .await
            .pop()
            .unwrap_or_default();
    }
    tracing::info!(
        files = 1,
        rows,
        parse_ms = parse.as_secs_f64() * 1e3,
        store_ms = stored_in.as_secs_f64() * 1e3,
        hook_ms = hooked_at.elapsed().as_secs_f64() * 1e3,
        "manifest streamed into its transaction"
    );
    let mut results = [Some(Ok(summary))];
    release_waiting(
        store,
        hook,
        &mut results,
        reading.default_region,
        actor,
        now,
    )
    .await;
    let [result] = results;
    Ok(result.unwrap_or_else(|| {
        Err(ImportError::Store(StoreError::NotFound(
            "an import outcome".to_string(),
        )))
    }))
}

/// An ADL whose flight has no list yet (or has held messages before it) is held as the parts it came in.
async fn hold_whole_adl(
    store: &dyn Store,
    hook: Option<&dyn ImportHook>,
    file: &ManifestFile<'_>,
    default_region: Option<Region>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ImportSummary, ImportError> {
    let bytes = file
        .bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(file.bytes);
    let bytes = manifest::unframe(bytes);
    let text = String::from_utf8_lossy(&bytes);
    let parts = manifest::message_parts(file.name, &text, Format::Adl, now.date_naive())
        .map_err(ImportError::Invalid)?;
    super::held::hold_parts(store, hook, file.name, parts, default_region, actor, now).await
}

/// After whole files applied lists, the held ADLs waiting for those flights apply; each file's summary
/// names what it let go. One look at the held messages when none wait.
async fn release_waiting(
    store: &dyn Store,
    hook: Option<&dyn ImportHook>,
    results: &mut [Option<Result<ImportSummary, ImportError>>],
    default_region: Option<Region>,
    actor: &str,
    now: DateTime<Utc>,
) {
    let held = match store.held_messages().await {
        Ok(held) if held.is_empty() => return,
        Ok(held) => held,
        Err(e) => {
            tracing::warn!(error = %e, "could not look at the held Type B messages");
            return;
        }
    };
    for result in results.iter_mut().flatten().flatten() {
        if !result.held.is_empty() || result.duplicate {
            continue;
        }
        let flights: HashSet<FlightKey> = held
            .iter()
            .filter(|m| {
                result
                    .flights
                    .iter()
                    .any(|f| f.flight == m.flight.to_string())
            })
            .map(|m| m.flight.clone())
            .collect();
        if flights.is_empty() {
            continue;
        }
        match super::held::release(store, hook, &flights, default_region, actor, now).await {
            Ok(released) => result.released.extend(released),
            Err(e) => result
                .hook_problems
                .push(format!("held messages waiting for this flight: {e}")),
        }
    }
}

/// A file parsed and, as far as it can be without the store, turned into the store's form.
pub enum Parsed {
    /// A PNL, CSV or JSON file, with the passenger rows it holds.
    Ready {
        format: Format,
        import: ManifestImport,
        rows: usize,
    },
    /// An ADL, with the file's digest and warnings: its deletions and changes are resolved against the
    /// passengers stored for its flight when its turn comes.
    Adl {
        changes: ManifestChanges,
        digest: String,
        warnings: ImportWarnings,
    },
    /// Parts of PNL or ADL messages that the file does not hold whole, with their warnings: they are
    /// held until their message is complete.
    Parts(Vec<MessagePart>, ImportWarnings),
}

/// A file parsed, or its errors, with the time parsing took.
pub type ParsedFile = (Result<Parsed, ParseErrors>, Duration);

/// Each file parsed and turned into the store's form, with the time it took. None of it needs the
/// store, so the files of a batch (a night's PNLs) are shared out over the cores that the thread
/// storing the previous batch leaves free.
pub fn parse_files(
    files: &[ManifestFile<'_>],
    reading: Reading,
    reference: NaiveDate,
    actor: &str,
) -> Vec<ParsedFile> {
    let parse_one = move |file: &ManifestFile<'_>| {
        let started = Instant::now();
        let format = reading.format;
        let parsed = manifest::parse(file.name, file.bytes, reading, reference).map(|read| {
            let digest = digest(file.bytes);
            match read {
                (Document::Adl(changes), warnings) => Parsed::Adl {
                    changes,
                    digest,
                    warnings,
                },
                (Document::Parts(parts), warnings) => Parsed::Parts(parts, warnings),
                read => {
                    let rows_format = format
                        .or_else(|| manifest::detect(file.bytes))
                        .unwrap_or(Format::Csv);
                    let (format, import, rows) =
                        to_import(read, rows_format, &[], file.name, digest, actor);
                    Parsed::Ready {
                        format,
                        import,
                        rows,
                    }
                }
            }
        });
        (parsed, started.elapsed())
    };
    crate::matching::map_in_order_beside_store(files, parse_one)
}

/// Where a file stands in the caller's list, its format, rows and parse time.
type FileMeta = (usize, Format, usize, Duration);

/// A parsed file waiting for its transaction.
pub(super) struct Prepared {
    /// Where the file stands in the caller's list.
    pub position: usize,
    pub format: Format,
    pub import: ManifestImport,
    pub rows: usize,
    pub parse: Duration,
}

/// Applies parsed files in one transaction, then runs the hook on those that changed something. When
/// the transaction fails as a whole, each file is tried alone so that every one gets its own outcome.
pub(super) async fn apply(
    store: &dyn Store,
    hook: Option<&dyn ImportHook>,
    batch: Vec<Prepared>,
    results: &mut [Option<Result<ImportSummary, ImportError>>],
    now: DateTime<Utc>,
) {
    if batch.is_empty() {
        return;
    }
    let started = Instant::now();
    let (meta, imports): (Vec<FileMeta>, Vec<ManifestImport>) = batch
        .into_iter()
        .map(|p| ((p.position, p.format, p.rows, p.parse), p.import))
        .unzip();
    let imports = Arc::new(imports);
    let screening = async {
        match hook {
            Some(hook) => Some(hook.screen(store, imports.clone()).await),
            None => None,
        }
    };
    let (stored, screened) = tokio::join!(store.import_manifests(&imports, now), screening);
    let outcomes = match stored {
        Ok(outcomes) => outcomes,
        Err(_) if imports.len() > 1 => {
            let mut outcomes = Vec::with_capacity(imports.len());
            for import in imports.iter() {
                outcomes.push(store.import_manifest(import, now).await);
            }
            outcomes
        }
        Err(e) => vec![Err(e)],
    };
    let stored = started.elapsed();
    let mut applied: Vec<(usize, &ManifestImport, ImportSummary)> = Vec::new();
    for (((position, format, rows, _), import), outcome) in
        meta.iter().zip(imports.iter()).zip(outcomes)
    {
        match outcome {
            Ok(outcome) => applied.push((
                *position,
                import,
                ImportSummary {
                    file: import.file_name.clone(),
                    format: *format,
                    rows: *rows,
                    duplicate: outcome.duplicate,
                    flights: outcome.flights,
                    warnings: import.warnings.clone(),
                    hook_problems: Vec::new(),
                    held: Vec::new(),
                    released: Vec::new(),
                },
            )),
            Err(StoreError::Conflict(reason)) => {
                results[*position] = Some(Err(ImportError::OutOfOrder {
                    file: import.file_name.clone(),
                    reason,
                }))
            }
            Err(other) => results[*position] = Some(Err(ImportError::Store(other))),
        }
    }
    let hooked_at = Instant::now();
    if let (Some(hook), Some(screened)) = (hook, screened) {
        let fresh: Vec<(&ManifestImport, &ImportSummary)> = applied
            .iter()
            .filter(|(_, _, summary)| !summary.duplicate)
            .map(|(_, import, summary)| (*import, summary))
            .collect();
        let mut problems = hook
            .after_import(store, &fresh, &screened, now)
            .await
            .into_iter();
        for (_, _, summary) in applied.iter_mut().filter(|(_, _, s)| !s.duplicate) {
            summary.hook_problems = problems.next().unwrap_or_default();
        }
    }
    tracing::info!(
        files = meta.len(),
        rows = meta.iter().map(|m| m.2).sum::<usize>(),
        parse_ms = meta.iter().map(|m| m.3.as_secs_f64()).sum::<f64>() * 1e3,
        store_ms = stored.as_secs_f64() * 1e3,
        hook_ms = hooked_at.elapsed().as_secs_f64() * 1e3,
        "manifests imported"
    );
    for (position, _, summary) in applied {
        results[position] = Some(Ok(summary));
    }
    // A batch holds tens of thousands of passengers' strings: they are freed beside the next batch,
    // not before it (the import benchmark measured the freeing at a fiftieth of the storing thread).
    tokio::task::spawn_blocking(move || drop(imports));
}

/// SHA-256 of the file, in hex.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The keys of the passengers stored for a flight and not removed.
pub(super) async fn live_keys(
    store: &dyn Store,
    key: &FlightKey,
) -> Result<Vec<String>, StoreError> {
    let Some(flight) = store.find_flight(key).await? else {
        return Ok(Vec::new());
    };
    Ok(store
        .passengers(flight.id)
        .await?
        .into_iter()
        .filter(|p| p.boarding_state != BoardingState::Removed)
        .map(|p| p.details.pax_key)
        .collect())
}

/// An ADL's DEL and CHG often name a passenger without the `.L/` locator the PNL gave: a key the flight
/// does not hold takes the stored key with the same name and ordinal, when exactly one has it.
fn resolve_key(key: String, stored_keys: &[String]) -> String {
    if stored_keys.contains(&key) {
        return key;
    }
    let Some((_, name)) = key.split_once('/') else {
        return key;
    };
    let mut same_name = stored_keys
        .iter()
        .filter(|k| k.split_once('/').is_some_and(|(_, n)| n == name));
    match (same_name.next(), same_name.next()) {
        (Some(only), None) => only.clone(),
        _ => key,
    }
}

/// The store's view of a parsed file (with its warnings), its format and how many passenger rows it
/// holds. `rows_format` names the format of CSV or JSON rows, which import the same way; `stored_keys` are
/// the live passenger keys of an ADL's flight.
pub fn to_import(
    (document, mut warnings): (Document, ImportWarnings),
    rows_format: Format,
    stored_keys: &[String],
    file_name: &str,
    digest: String,
    actor: &str,
) -> (Format, ManifestImport, usize) {
    let (format, sent_at, flights, rows) = match document {
        Document::Pnl(pnl) => {
            let rows = pnl.manifest.passengers.len();
            let flight = new_flight(
                pnl.manifest.key(),
                last_destination([&pnl.manifest.passengers]),
            );
            let list = FlightList {
                flight,
                mode: ListMode::Replace,
                passengers: new_passengers(pnl.manifest.passengers),
            };
            (Format::Pnl, pnl.sent_at, vec![list], rows)
        }
        Document::Adl(adl) => {
            let rows = adl.adds.len() + adl.dels.len() + adl.chgs.len();
            let flight = new_flight(
                adl.flight,
                last_destination([&adl.adds, &adl.chgs, &adl.dels]),
            );
            let lines: Vec<usize> = adl.dels.iter().map(|p| p.line).collect();
            let deleted = new_passengers(adl.dels)
                .into_iter()
                .zip(lines)
                .map(|(p, line)| {
                    let key = resolve_key(p.pax_key, stored_keys);
                    if !stored_keys.contains(&key) {
                        warnings.push(ImportWarning {
                            file: file_name.to_string(),
                            line,
                            field: Some("DEL".to_string()),
                            reason: format!(
                                "{}/{} is not on the flight's list (never listed, or removed already); nothing is removed",
                                p.surname, p.given_name
                            ),
                        });
                    }
                    key
                })
                .collect();
            let mut passengers = new_passengers(adl.adds);
            passengers.extend(new_passengers(adl.chgs).into_iter().map(|mut p| {
                p.pax_key = resolve_key(p.pax_key, stored_keys);
                p
            }));
            let list = FlightList {
                flight,
                mode: ListMode::Changes { deleted },
                passengers,
            };
            (Format::Adl, adl.sent_at, vec![list], rows)
        }
        Document::Rows(manifests) => {
            let rows = manifests.iter().map(|m| m.passengers.len()).sum();
            let lists = manifests.into_iter().map(merge_list).collect();
            (rows_format, None, lists, rows)
        }
        // Parts are held until their message is complete (`held`), never imported alone.
        Document::Parts(_) => (rows_format, None, Vec::new(), 0),
    };
    let import = ManifestImport {
        format: format_name(format).to_string(),
        file_name: file_name.to_string(),
        digest,
        actor: actor.to_string(),
        sent_at: sent_at.map(|t| t.and_utc()),
        flights,
        warnings,
    };
    (format, import, rows)
}

fn merge_list(manifest: FlightManifest) -> FlightList {
    let destination = last_destination([&manifest.passengers]);
    let mut flight = new_flight(manifest.key(), destination.clone());
    // A local time an airport's zone cannot place (an airport missing from the table, an hour skipped
    // by a clock change) is left out: the stored time stays.
    let departure = manifest
        .scheduled_departure
        .and_then(|t| listed_utc(t, &manifest.origin));
    let arrival = match (manifest.scheduled_arrival, &destination) {
        (Some(ListedTime::At(at)), _) => Some(at),
        (Some(time), Some(airport)) => listed_utc(time, airport),
        (Some(_), None) | (None, _) => None,
    };
    flight.departure.scheduled = departure;
    // An arrival written as a local time before the departure lands the next day.
    flight.arrival.scheduled = match (departure, arrival, manifest.scheduled_arrival) {
        (Some(d), Some(a), Some(ListedTime::Local(_))) if a <= d => {
            Some(a + chrono::Duration::days(1))
        }
        (_, a, _) => a,
    };
    FlightList {
        flight,
        mode: ListMode::Merge,
        passengers: new_passengers(manifest.passengers),
    }
}

/// A listed time in UTC: local times in the airport's zone.
fn listed_utc(time: ListedTime, airport: &Iata) -> Option<DateTime<Utc>> {
    match time {
        ListedTime::At(at) => Some(at),
        ListedTime::Local(local) => crate::airports::local_to_utc(airport, local).ok(),
    }
}

/// The destination of the last passenger of the lists, taken in order: the flight's furthest point.
fn last_destination<const N: usize>(lists: [&Vec<ManifestPassenger>; N]) -> Option<Iata> {
    lists
        .iter()
        .rev()
        .find_map(|list| list.last())
        .map(|p| p.destination.clone())
}

fn new_flight(key: FlightKey, destination: Option<Iata>) -> NewFlight {
    NewFlight {
        key,
        destination,
        departure: MovementTimes::default(),
        arrival: MovementTimes::default(),
        gate: None,
        status: FlightStatus::Scheduled,
    }
}

/// The passengers with their keys; same locator and name count up from 1 in the order of the list.
/// Takes the list, so that a day's file is not held twice in memory. Each key is pushed together in
/// one string: formatting its parts cost a day's PNLs as much as reading their names.
pub fn new_passengers(passengers: Vec<ManifestPassenger>) -> Vec<NewPassenger> {
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(passengers.len());
    passengers
        .into_iter()
        .map(|p| {
            let locator = p.locator.as_ref().map(Locator::as_str);
            let mut pax_key = booking_key_prefix(locator);
            pax_key.reserve(p.name.surname.len() + p.name.given.len() + 4);
            push_key_name(&mut pax_key, &p.name);
            pax_key.push('/');
            let ordinal = match seen.get_mut(&pax_key) {
                Some(ordinal) => {
                    *ordinal += 1;
                    *ordinal
                }
                None => {
                    seen.insert(pax_key.clone(), 1);
                    1
                }
            };
            pax_key.push_str(&ordinal.to_string());
            new_passenger(pax_key, p)
        })
        .collect()
}

/// The booking name as a key (`SURNAME/GIVEN`): upper-case letters and digits of surname and given
/// name, title left out (a CHG that corrects MR to DR is the same passenger).
fn push_key_name(key: &mut String, name: &BookingName) {
    let keep = |key: &mut String, s: &str| {
        key.extend(
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase()),
        )
    };
    keep(key, &name.surname);
    key.push('/');
    keep(key, &name.given);
}

fn new_passenger(pax_key: String, p: ManifestPassenger) -> NewPassenger {
    let mut service_codes = p.ssr_codes;
    if p.infant.is_some() && !service_codes.iter().any(|c| c == "INFT") {
        service_codes.push("INFT".to_string());
    }
    let party_ref = p.party.as_ref().map(|party| match &p.locator {
        Some(locator) => format!("{}-{}{}", locator.as_str(), party.tie, party.size),
        None => format!("{}{}", party.tie, party.size),
    });
    let (docs_surname, docs_given) = p.docs_name.map(|n| (n.surname, n.given)).unzip();
    NewPassenger {
        pax_key,
        surname: p.name.surname,
        given_name: p.name.given,
        title: p.name.title.map(|t| t.as_str().to_string()),
        traveller_class: p.traveller_class,
        locator: p.locator.as_ref().map(|l| l.as_str().to_string()),
        seat: p.seat.as_ref().map(|s| s.to_string()),
        cabin_class: p.booking_class.map(String::from),
        destination: Some(p.destination.as_str().to_string()),
        party_ref,
        frequent_flyer: p
            .frequent_flyer
            .map(|(airline, number)| (airline.as_str().to_string(), number)),
        email: p.email,
        phone: p.phone,
        date_of_birth: p.date_of_birth,
        gender: p.gender.map(|g| g.letter().to_string()),
        nationality: p.nationality,
        docs_surname,
        docs_given,
        checkin_sequence: p.checkin_sequence.and_then(|n| i32::try_from(n).ok()),
        service_codes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys are `LOCATOR/SURNAME/GIVEN/N`: letters and digits upper-cased, N counting the same
    /// locator and name, `-` without a locator.
    #[test]
    fn passenger_keys_count_the_same_booking_and_name() {
        let csv = "flight,date,origin,destination,surname,given,locator\n\
                   IB3166,2026-11-22,MAD,BCN,Garcia-Pena,Lucas,X7K2QM\n\
                   IB3166,2026-11-22,MAD,BCN,GARCIA PENA,LUCAS,X7K2QM\n\
                   IB3166,2026-11-22,MAD,BCN,Garcia-Pena,Ana,X7K2QM\n\
                   IB3166,2026-11-22,MAD,BCN,Garcia-Pena,Lucas,LOST01\n";
        let date = NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
        let (document, _) = manifest::parse(
            "day.csv",
            csv.as_bytes(),
            Reading::format(Some(Format::Csv)),
            date,
        )
        .expect("the CSV");
        let Document::Rows(mut manifests) = document else {
            panic!("rows expected");
        };
        let mut passengers = manifests.remove(0).passengers;
        passengers[3].locator = None;
        let keys: Vec<String> = new_passengers(passengers)
            .into_iter()
            .map(|p| p.pax_key)
            .collect();
        assert_eq!(
            keys,
            [
                "X7K2QM/GARCIAPENA/LUCAS/1",
                "X7K2QM/GARCIAPENA/LUCAS/2",
                "X7K2QM/GARCIAPENA/ANA/1",
                "-/GARCIAPENA/LUCAS/1",
            ]
        );
    }
}

//! The command line: global options that override the configuration, and one subcommand per job.
//! `main` parses it and wires each command to the library; the account and token commands run here.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use crate::app::accounts::{self, AccountError, StaffSpec};
use crate::app::import::{self, ImportError};
use crate::app::schedule;
use crate::app::stations::{self, StationError, parse_shift};
use crate::clock;
use crate::config::{Config, ConfigError, LogFormat};
use crate::domain::{Role, UiLanguage};
use crate::flightstatus::FlightEventSink;
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "aboard",
    version,
    about = "Flight-aware passenger follow-up: when a socially active complainant boards, a person comes to them."
)]
pub struct Cli {
    /// Configuration file (default: ./aboard.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to serve on.
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Where aboard keeps its SQLite database and files.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// sqlite:PATH or postgres://… (default: aboard.db in the data dir).
    #[arg(
        long,
        global = true,
        env = "ABOARD_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,
    /// Log lines for people (text) or machines (json).
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API, the staff pages and the scheduler until SIGINT or SIGTERM.
    Serve,
    /// Build a realistic synthetic day in the data dir (default ./aboard-demo) and serve it.
    Demo {
        /// Seed of the synthetic day: the same seed gives the same people and flights.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Work with rule files.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Staff accounts: people who sign in to the pages.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// API tokens: machines (gate readers, import scripts) that call the API.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Boarding passes (IATA BCBP) as gate readers read them.
    Bcbp {
        #[command(subcommand)]
        command: BcbpCommand,
    },
    /// Boarded lists from the departure control system.
    Boarded {
        #[command(subcommand)]
        command: BoardedCommand,
    },
    /// Report a flight event: boarding_started, gate_closed, departed, arrived, cancelled, diverted,
    /// estimated or gate_changed.
    FlightEvent(FlightEventArgs),
    /// Stations: whether aboard staff work there and their shift, so in-person tasks go only where
    /// someone is on shift.
    Station {
        #[command(subcommand)]
        command: StationCommand,
    },
    /// Bring data in from files.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// The registry of persons known to social care.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Erase one registry person: their accounts, cases, links and the briefs naming them, leaving only an
    /// anonymous "person erased" event.
    Erase { external_id: String },
    /// Run the matcher on a registry export and a manifest file, without a database; writes CSV.
    Match {
        #[arg(long, value_name = "FILE")]
        registry: PathBuf,
        #[arg(long, value_name = "FILE")]
        manifest: PathBuf,
        /// Where to write the CSV (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import manifest files (PNL, ADL, CSV or JSON), each whole or not at all, in the order given.
    /// Exits non-zero when any file is rejected; every error is printed as FILE:LINE: FIELD: REASON.
    Manifest {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Read every file as this format instead of telling it from the content.
        #[arg(long, value_parser = ["pnl", "adl", "csv", "json"])]
        format: Option<String>,
        /// The country (ES) whose numbering plan reads a phone number written without its country code
        /// when the passenger's nationality is not given; default: `import.default_region`.
        #[arg(long)]
        region: Option<String>,
        /// Who the event log names for these imports.
        #[arg(long, default_value = CLI_ACTOR)]
        actor: String,
    },
    /// Import IATA SSIM schedules (Chapter 7): each leg flown from yesterday to two weeks ahead gets its
    /// scheduled times. A file is refused whole when a leg's flight cannot be read; values that cannot
    /// be understood are warnings (FILE:LINE: FIELD: REASON) and the rest of the leg is kept.
    Schedule {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[arg(long, default_value = CLI_ACTOR)]
        actor: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Import CSV or JSON exports of social-care tools: each file whole or not at all.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The country (ES) whose numbering plan reads a phone number written without its country code
        /// when its person's country is not given; default: `import.default_region` of the configuration.
        #[arg(long)]
        region: Option<String>,
    },
}

/// What a registry command could not do.
#[derive(Debug, thiserror::Error)]
pub enum RegistryCommandError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    /// Transparent, so that the refusal's list of errors is printed once, not again as its cause.
    #[error(transparent)]
    Import(#[from] crate::app::registry::RegistryImportError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("no registry person has the external id {0}")]
    NoSuchPerson(String),
    #[error("region: {0}")]
    Region(String),
    #[error(transparent)]
    Match(#[from] crate::app::offline::OfflineMatchError),
}

fn read_file(path: &std::path::Path) -> Result<Vec<u8>, RegistryCommandError> {
    std::fs::read(path).map_err(|e| RegistryCommandError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

impl RegistryCommand {
    /// Imports each file in turn; stops at the first refused file (the files before it stay imported).
    /// `default_region` is the configuration's, which `--region` overrides.
    pub async fn run(
        &self,
        store: &dyn Store,
        default_region: Option<&str>,
    ) -> Result<String, RegistryCommandError> {
        let RegistryCommand::Import { files, region } = self;
        let region = region
            .as_deref()
            .or(default_region)
            .map(crate::domain::Region::parse)
            .transpose()
            .map_err(RegistryCommandError::Region)?;
        let mut lines = Vec::with_capacity(files.len());
        for path in files {
            let bytes = read_file(path)?;
            let name = path.display().to_string();
            let done = crate::app::registry::import_registry_file_in_region(
                store,
                &name,
                &bytes,
                region,
                CLI_ACTOR,
                chrono::Utc::now(),
            )
            .await?;
            lines.push(done.line());
            lines.extend(warning_lines(&done.warnings));
        }
        Ok(lines.join("\n"))
    }
}

/// `aboard erase EXTERNAL_ID`.
pub async fn erase_person(
    store: &dyn Store,
    external_id: &str,
) -> Result<String, RegistryCommandError> {
    if store
        .erase_person(external_id, CLI_ACTOR, chrono::Utc::now())
        .await?
    {
        Ok(format!("erased {external_id}"))
    } else {
        Err(RegistryCommandError::NoSuchPerson(external_id.to_string()))
    }
}

/// `aboard match`: returns the CSV and writes it to `out` when given (then returns a summary line).
pub fn offline_match(
    registry: &std::path::Path,
    manifest: &std::path::Path,
    out: Option<&std::path::Path>,
) -> Result<String, RegistryCommandError> {
    let registry_bytes = read_file(registry)?;
    let manifest_bytes = read_file(manifest)?;
    let (csv, summary) = crate::app::offline::match_files(
        (&registry.display().to_string(), &registry_bytes),
        (&manifest.display().to_string(), &manifest_bytes),
        chrono::Utc::now().date_naive(),
    )?;
    match out {
        None => Ok(csv),
        Some(path) => {
            std::fs::write(path, csv).map_err(|e| RegistryCommandError::Read {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            Ok(format!(
                "{} passenger(s) against {} person(s): {} linked, {} to review, {} rejected; written to {}",
                summary.passengers,
                summary.persons,
                summary.linked,
                summary.review,
                summary.rejected,
                path.display()
            ))
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check rule files: syntax with line and column, unknown fields and channels, and a sample evaluation
    /// of every rule. Exits non-zero on any error.
    Check {
        /// The rules directory (default: ./rules).
        #[arg(default_value = "rules")]
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Create an account. The password is read from standard input, or asked for twice on a terminal.
    Add {
        login: String,
        /// ops, gate, advisor, admin or analyst.
        #[arg(long)]
        role: Role,
        /// The stations a gate account works, as IATA codes: MAD,BCN.
        #[arg(long, value_delimiter = ',')]
        stations: Vec<String>,
        /// The languages an advisor writes in, as ISO 639-1 codes: es,en.
        #[arg(long, value_delimiter = ',')]
        languages: Vec<String>,
        /// The language of the pages for this account: en or es.
        #[arg(long, default_value = "en")]
        ui_language: UiLanguage,
        /// The name shown on the pages (default: the login).
        #[arg(long)]
        name: Option<String>,
    },
    /// List every account.
    List,
    /// Disable an account and end its sessions.
    Disable { login: String },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once: aboard keeps only its digest.
    Create {
        /// What the token is for, e.g. "gate reader MAD S24".
        name: String,
        #[arg(long)]
        role: Role,
        #[arg(long, value_delimiter = ',')]
        stations: Vec<String>,
        #[arg(long, value_delimiter = ',')]
        languages: Vec<String>,
    },
    /// List every token (never the tokens themselves).
    List,
    /// Revoke a token by its id.
    Revoke { id: Uuid },
}

/// What an account or token command could not do.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error("cannot read the password: {0}")]
    Input(#[from] std::io::Error),
    #[error("the two passwords differ")]
    PasswordsDiffer,
    #[error("no enabled account has the login {0}")]
    NoSuchAccount(String),
    #[error("no unrevoked token has the id {0}")]
    NoSuchToken(Uuid),
}

/// Who the event log names for changes made from the command line.
const CLI_ACTOR: &str = "cli";

impl StaffCommand {
    /// Runs the command; returns what to print on standard output, which is never a secret.
    pub async fn run(&self, store: &dyn Store) -> Result<String, CommandError> {
        match self {
            StaffCommand::Add {
                login,
                role,
                stations,
                languages,
                ui_language,
                name,
            } => {
                let spec = StaffSpec {
                    login: login.clone(),
                    display_name: name.clone(),
                    grant: accounts::grant(*role, stations, languages)?,
                    ui_language: *ui_language,
                };
                let password = read_password(login)?;
                let account = accounts::add_staff(store, &spec, &password, CLI_ACTOR).await?;
                Ok(format!(
                    "created {} ({}), pages in {}",
                    account.login,
                    accounts::describe_grant(&account.grant),
                    account.ui_language
                ))
            }
            StaffCommand::List => {
                let lines: Vec<String> = store
                    .staff_accounts()
                    .await
                    .map_err(AccountError::from)?
                    .iter()
                    .map(|a| {
                        format!(
                            "{:<20} {:<30} {:<40} {}{}",
                            a.login,
                            a.display_name,
                            accounts::describe_grant(&a.grant),
                            a.ui_language,
                            if a.disabled { "  disabled" } else { "" }
                        )
                    })
                    .collect();
                Ok(lines.join("\n"))
            }
            StaffCommand::Disable { login } => {
                if accounts::disable_staff(store, login, CLI_ACTOR).await? {
                    Ok(format!("disabled {login}; its sessions are ended"))
                } else {
                    Err(CommandError::NoSuchAccount(login.clone()))
                }
            }
        }
    }
}

impl TokenCommand {
    /// Runs the command; returns what to print on standard output. `create` returns the token alone,
    /// so that a script can capture it, and explains on standard error.
    pub async fn run(&self, store: &dyn Store) -> Result<String, CommandError> {
        match self {
            TokenCommand::Create {
                name,
                role,
                stations,
                languages,
            } => {
                let grant = accounts::grant(*role, stations, languages)?;
                let issued = accounts::create_token(store, name, grant, CLI_ACTOR).await?;
                eprintln!(
                    "created token {} \"{}\" ({}). It is shown once, below: aboard keeps only its digest.",
                    issued.token.id,
                    issued.token.name,
                    accounts::describe_grant(&issued.token.grant)
                );
                Ok(issued.secret.expose_secret().to_string())
            }
            TokenCommand::List => {
                let lines: Vec<String> = store
                    .api_tokens()
                    .await
                    .map_err(AccountError::from)?
                    .iter()
                    .map(|t| {
                        let used = t
                            .last_used_at
                            .map_or("never used".to_string(), |at| format!("used {at}"));
                        let state = t
                            .revoked_at
                            .map_or(String::new(), |at| format!("  revoked {at}"));
                        format!(
                            "{}  {:<30} {:<40} {used}{state}",
                            t.id,
                            t.name,
                            accounts::describe_grant(&t.grant)
                        )
                    })
                    .collect();
                Ok(lines.join("\n"))
            }
            TokenCommand::Revoke { id } => {
                if accounts::revoke_token(store, *id, CLI_ACTOR).await? {
                    Ok(format!("revoked token {id}"))
                } else {
                    Err(CommandError::NoSuchToken(*id))
                }
            }
        }
    }
}

/// Files read and applied together (one transaction for consecutive lists): a bounded amount of memory,
/// and the progress moves as each group is committed.
const FILES_PER_TRANSACTION: usize = 250;

/// A group of files as read (name, bytes or the read error), the readable ones parsed — or none, for
/// a large CSV that is stored while it is read (`import::import_streamed_csv`) — and the instant they
/// were parsed against.
type ParsedGroup = (
    Vec<(String, std::io::Result<Vec<u8>>)>,
    Option<Vec<import::ParsedFile>>,
    chrono::DateTime<chrono::Utc>,
);

/// The files in groups of at most [`FILES_PER_TRANSACTION`], a file large enough to stream alone.
fn file_groups(files: &[PathBuf]) -> Vec<Vec<PathBuf>> {
    let mut groups: Vec<Vec<PathBuf>> = Vec::new();
    let mut group = Vec::new();
    for path in files {
        let large = std::fs::metadata(path)
            .is_ok_and(|m| m.len() >= crate::manifest::STREAMED_CSV_FROM_BYTES as u64);
        if large || group.len() == FILES_PER_TRANSACTION {
            groups.extend((!group.is_empty()).then(|| std::mem::take(&mut group)));
        }
        group.push(path.clone());
        if large {
            groups.push(std::mem::take(&mut group));
        }
    }
    groups.extend((!group.is_empty()).then_some(group));
    groups
}

/// Reads and parses a group of files on a blocking thread.
fn read_and_parse(
    paths: Vec<PathBuf>,
    reading: crate::manifest::Reading,
    actor: String,
) -> tokio::task::JoinHandle<ParsedGroup> {
    tokio::task::spawn_blocking(move || {
        let read: Vec<(String, std::io::Result<Vec<u8>>)> = paths
            .iter()
            .map(|path| (path.display().to_string(), std::fs::read(path)))
            .collect();
        let now = clock::now();
        // Whether it really streams, the reading tells (`import_streamed_csv` gives the bytes back):
        // one scan of a large file, not two.
        let streams = matches!(&read[..], [(_, Ok(bytes))]
            if bytes.len() >= crate::manifest::STREAMED_CSV_FROM_BYTES);
        let parsed = (!streams).then(|| {
            import::parse_files(&readable_files(&read), reading, now.date_naive(), &actor)
        });
        (read, parsed, now)
    })
}

/// The files that could be read, as the import takes them.
fn readable_files(read: &[(String, std::io::Result<Vec<u8>>)]) -> Vec<import::ManifestFile<'_>> {
    read.iter()
        .filter_map(|(name, bytes)| {
            let bytes = bytes.as_ref().ok()?;
            Some(import::ManifestFile { name, bytes })
        })
        .collect()
}

/// At most this many errors of one file are printed; the rest are counted.
const PRINTED_ERRORS_PER_FILE: usize = 200;

impl ImportCommand {
    /// Imports each file and prints its summary or its errors; returns whether every file went in.
    pub async fn run(&self, store: &dyn Store) -> bool {
        self.run_with(store, None, None).await
    }

    /// [`Self::run`], with the flight event sink (the engine) that reacts to times a schedule or an
    /// MVT message changes, and the configuration's default region, which `--region` overrides.
    pub async fn run_with(
        &self,
        store: &dyn Store,
        sink: Option<&dyn FlightEventSink>,
        default_region: Option<crate::domain::Region>,
    ) -> bool {
        let (files, format, region, actor) = match self {
            ImportCommand::Manifest {
                files,
                format,
                region,
                actor,
            } => (files, format, region, actor),
            ImportCommand::Schedule { files, actor } => {
                return import_schedules(store, sink, files, actor).await;
            }
        };
        let default_region = match region.as_deref().map(crate::domain::Region::parse) {
            None => default_region,
            Some(Ok(region)) => Some(region),
            Some(Err(e)) => {
                eprintln!("region: {e}");
                return false;
            }
        };
        let reading = crate::manifest::Reading {
            format: format.as_deref().and_then(import::parse_format),
            default_region,
        };
        let progress = import_progress(files);
        let started = std::time::Instant::now();
        let mut rejected = 0usize;
        let mut rows = 0usize;
        let mut warnings = 0usize;
        // While one group is stored, the next is read and parsed on a blocking thread.
        let mut groups = file_groups(files).into_iter();
        let mut next = groups
            .next()
            .map(|group| read_and_parse(group, reading, actor.clone()));
        while let Some(parsing) = next.take() {
            let (read, parsed, now) = match parsing.await {
                Ok(group) => group,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            };
            next = groups
                .next()
                .map(|group| read_and_parse(group, reading, actor.clone()));
            let hook = Some(&crate::app::matching::MatchAfterImport as &dyn import::ImportHook);
            let streamed = match (&read[..], &parsed) {
                ([(name, Ok(bytes))], None) => import::import_streamed_csv(
                    store,
                    hook,
                    name,
                    bytes.clone(),
                    reading,
                    actor,
                    now,
                )
                .await
                .ok(),
                _ => None,
            };
            let mut results = match streamed {
                Some(result) => vec![result],
                None => {
                    // Not streamed after all (not a quote-free CSV, or its flights' rows came apart).
                    let parsed = parsed.unwrap_or_else(|| {
                        import::parse_files(
                            &readable_files(&read),
                            reading,
                            now.date_naive(),
                            actor,
                        )
                    });
                    import::import_parsed_files(
                        store,
                        hook,
                        &readable_files(&read),
                        parsed,
                        reading.default_region,
                        actor,
                        now,
                    )
                    .await
                }
            }
            .into_iter();
            for (name, bytes) in &read {
                let outcome = match bytes {
                    Ok(bytes) => {
                        if let Some(bar) = &progress {
                            bar.inc(bytes.len() as u64);
                        }
                        results
                            .next()
                            .unwrap_or_else(|| {
                                Err(ImportError::Store(crate::store::StoreError::NotFound(
                                    "an import outcome".to_string(),
                                )))
                            })
                            .map_err(|e| import_error_lines(&e))
                    }
                    Err(e) => Err(vec![format!("{name}: cannot read the file: {e}")]),
                };
                // MVT messages travel as Type B text beside PNLs and ADLs, but are no manifest.
                let outcome = match (outcome, bytes) {
                    (Err(_), Ok(bytes)) if format.is_none() && schedule::is_movements(bytes) => {
                        match schedule::import_movements(
                            store,
                            sink,
                            name,
                            bytes,
                            actor,
                            clock::now(),
                        )
                        .await
                        {
                            Ok(summary) => {
                                print_lines(&feed_lines(summary.line(), &summary.warnings));
                                continue;
                            }
                            Err(e) => Err(import_error_lines(&e)),
                        }
                    }
                    (outcome, _) => outcome,
                };
                let lines = match outcome {
                    Ok(summary) => {
                        rows += summary.rows;
                        warnings += summary.warnings.total;
                        let mut lines = vec![summary.line()];
                        lines.extend(warning_lines(&summary.warnings));
                        lines.extend(summary.hook_problems.iter().map(|p| format!("{name}: {p}")));
                        lines
                    }
                    Err(lines) => {
                        rejected += 1;
                        let mut lines = lines;
                        lines.push(format!("{name}: rejected, nothing was imported"));
                        lines
                    }
                };
                if let Some(bar) = &progress {
                    let seconds = bar.elapsed().as_secs_f64().max(1e-3);
                    bar.set_message(format!("{rows} rows, {:.0} rows/s", rows as f64 / seconds));
                    bar.suspend(|| print_lines(&lines));
                } else {
                    print_lines(&lines);
                }
            }
        }
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        let seconds = started.elapsed().as_secs_f64().max(1e-3);
        println!(
            "{} file{}: {} imported, {rejected} rejected, {warnings} warning{}; {rows} rows in {seconds:.1} s ({:.0} rows/s)",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            files.len() - rejected,
            if warnings == 1 { "" } else { "s" },
            rows as f64 / seconds
        );
        rejected == 0
    }
}

/// Imports SSIM files one by one, printing each summary and warning or every error.
async fn import_schedules(
    store: &dyn Store,
    sink: Option<&dyn FlightEventSink>,
    files: &[PathBuf],
    actor: &str,
) -> bool {
    let mut rejected = 0;
    for path in files {
        let name = path.display().to_string();
        let result = match std::fs::read(path) {
            Ok(bytes) => schedule::import_schedule(store, sink, &name, &bytes, actor, clock::now())
                .await
                .map_err(|e| import_error_lines(&e)),
            Err(e) => Err(vec![format!("{name}: cannot read the file: {e}")]),
        };
        match result {
            Ok(summary) => print_lines(&feed_lines(summary.line(), &summary.warnings)),
            Err(mut lines) => {
                rejected += 1;
                lines.push(format!("{name}: rejected, nothing was imported"));
                print_lines(&lines);
            }
        }
    }
    rejected == 0
}

/// A feed's summary line, then each warning on its own line.
fn feed_lines(summary: String, warnings: &crate::domain::ImportWarnings) -> Vec<String> {
    std::iter::once(summary)
        .chain(warning_lines(warnings))
        .collect()
}

fn print_lines(lines: &[String]) {
    for line in lines {
        println!("{line}");
    }
}

/// A bar over the files' bytes with rows per second, only on a terminal.
fn import_progress(files: &[PathBuf]) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {elapsed} {msg}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// Each warning of an imported file on a line of its own (`warning: FILE:LINE: FIELD: REASON`), capped at
/// [`PRINTED_ERRORS_PER_FILE`].
fn warning_lines(warnings: &crate::domain::ImportWarnings) -> Vec<String> {
    let mut lines: Vec<String> = warnings
        .list
        .iter()
        .take(PRINTED_ERRORS_PER_FILE)
        .map(|w| format!("warning: {w}"))
        .collect();
    let more = warnings.total.saturating_sub(lines.len());
    if more > 0 {
        lines.push(format!("... and {more} more warnings"));
    }
    lines
}

/// Every error of a rejected file, one per line, capped at [`PRINTED_ERRORS_PER_FILE`].
fn import_error_lines(error: &ImportError) -> Vec<String> {
    match error {
        ImportError::Invalid(errors) => {
            let mut lines: Vec<String> = errors
                .errors
                .iter()
                .take(PRINTED_ERRORS_PER_FILE)
                .map(ToString::to_string)
                .collect();
            let more = errors.total().saturating_sub(lines.len());
            if more > 0 {
                lines.push(format!("... and {more} more errors"));
            }
            lines
        }
        other => vec![other.to_string()],
    }
}

/// On a terminal, asks twice without echo; otherwise reads the first line of standard input, so that
/// `printf '%s\n' "$PASSWORD" | aboard staff add …` works in scripts.
fn read_password(login: &str) -> Result<SecretString, CommandError> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {login}: "))?;
        let second = rpassword::prompt_password("Again: ")?;
        if first != second {
            return Err(CommandError::PasswordsDiffer);
        }
        return Ok(SecretString::from(first));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    Ok(SecretString::from(password.to_string()))
}

impl Cli {
    /// The configuration file and environment, with this command line's flags on top.
    pub fn config(&self) -> Result<Config, ConfigError> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(listen) = self.listen {
            config.server.listen = listen;
        }
        if let Some(dir) = &self.data_dir {
            config.data_dir = dir.clone();
        } else if matches!(self.command, Command::Demo { .. }) {
            config.data_dir = PathBuf::from("aboard-demo");
        }
        if let Some(url) = &self.database_url {
            config.database.url = Some(SecretString::from(url.clone()));
        }
        if let Some(format) = self.log_format {
            config.log.format = format;
        }
        Ok(config)
    }
}

#[derive(Debug, Subcommand)]
pub enum BcbpCommand {
    /// Print a boarding pass as JSON: every field, each leg's resolved flight date and the warnings.
    /// Exits non-zero with the precise error when the text is not a valid pass.
    Decode {
        /// The barcode's text, or - (the default) to read it from standard input.
        #[arg(default_value = "-")]
        pass: String,
        /// The date the pass was read, which resolves the year of its dates (default: today, UTC).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BoardedCommand {
    /// Board every passenger of a CSV or JSON list (flight, date, origin, locator, surname, given, seat,
    /// boarded_at), or nobody when any row is wrong; each passenger boards as a gate scan would board them.
    Import { file: PathBuf },
}

#[derive(Debug, clap::Args)]
pub struct FlightEventArgs {
    /// Carrier and number: IB6401.
    pub flight: String,
    /// Local date of departure: 2026-11-22.
    pub date: chrono::NaiveDate,
    /// Departure station: MAD.
    pub origin: String,
    /// boarding_started, gate_closed, departed, arrived, cancelled, diverted, estimated or gate_changed.
    pub event: String,
    /// When it happened (RFC 3339; default: now).
    #[arg(long)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// The new gate, for gate_changed.
    #[arg(long)]
    pub gate: Option<String>,
    /// Why, for cancelled.
    #[arg(long)]
    pub reason: Option<String>,
    /// The station diverted to, for diverted.
    #[arg(long)]
    pub to: Option<String>,
    /// New estimated departure, for estimated (RFC 3339).
    #[arg(long)]
    pub departure: Option<chrono::DateTime<chrono::Utc>>,
    /// New estimated arrival, for estimated (RFC 3339).
    #[arg(long)]
    pub arrival: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Subcommand)]
pub enum StationCommand {
    /// Set whether a station has aboard staff and their shift in local time (05:00-23:00; a shift that ends
    /// before it starts runs over midnight; no shift means staff around the clock).
    Set {
        iata: String,
        /// Staff work here (without it, the station is set as unstaffed).
        #[arg(long)]
        staffed: bool,
        #[arg(long, value_name = "HH:MM-HH:MM")]
        shift: Option<String>,
    },
}

/// What a boarding command could not do, said for the operator who typed it.
#[derive(Debug, thiserror::Error)]
pub enum BoardingCommandError {
    #[error("{0}")]
    Input(String),
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{0}")]
    Import(#[from] crate::app::boarded::BoardedImportError),
    #[error("{0}")]
    Service(#[from] crate::app::ServiceError),
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
}

impl BcbpCommand {
    /// The pass as pretty JSON, or the decoder's error.
    pub fn run(&self) -> Result<String, BoardingCommandError> {
        let BcbpCommand::Decode { pass, date } = self;
        let text = if pass == "-" {
            let mut input = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut input).map_err(|e| {
                BoardingCommandError::Read {
                    path: "standard input".to_string(),
                    reason: e.to_string(),
                }
            })?;
            // A reader or a shell adds the line end; the pass itself never ends in one.
            input.trim_end_matches(['\n', '\r']).to_string()
        } else {
            pass.clone()
        };
        let decoded = crate::boarding::bcbp::decode(&text)
            .map_err(|e| BoardingCommandError::Input(format!("not a valid boarding pass: {e}")))?;
        let reference = date.unwrap_or_else(|| crate::clock::now().date_naive());
        let json = crate::boarding::bcbp::describe(&decoded, reference);
        serde_json::to_string_pretty(&json).map_err(|e| BoardingCommandError::Input(e.to_string()))
    }
}

impl BoardedCommand {
    pub async fn run(&self, engine: &crate::app::Engine) -> Result<String, BoardingCommandError> {
        let BoardedCommand::Import { file } = self;
        let name = file.display().to_string();
        let text = std::fs::read_to_string(file).map_err(|e| BoardingCommandError::Read {
            path: name.clone(),
            reason: e.to_string(),
        })?;
        let list = crate::boarding::boarded::parse(&name, &text).map_err(|e| {
            let lines: Vec<String> = e.problems.iter().map(|p| format!("{name}:{p}")).collect();
            BoardingCommandError::Input(lines.join("\n"))
        })?;
        let outcome = crate::app::boarded::import_boarded(engine, &name, list, CLI_ACTOR).await?;
        let mut report = format!(
            "{name}: {} rows, {} passengers newly boarded, {} tasks created, {} warning{}",
            outcome.rows,
            outcome.newly_boarded,
            outcome.tasks_created.len(),
            outcome.warnings.total,
            if outcome.warnings.total == 1 { "" } else { "s" }
        );
        for line in warning_lines(&outcome.warnings) {
            report.push_str(&format!("\n  {line}"));
        }
        for task in &outcome.tasks_created {
            report.push_str(&format!(
                "\n  task {} ({}, {} at {})",
                task.id, task.rule_id, task.channel, task.station
            ));
        }
        for problem in &outcome.problems {
            report.push_str(&format!("\n  problem: {problem}"));
        }
        Ok(report)
    }
}

impl FlightEventArgs {
    /// The event these arguments describe.
    pub fn event(&self) -> Result<crate::app::FlightEvent, BoardingCommandError> {
        use crate::app::FlightEvent;
        let at = self.at.unwrap_or_else(crate::clock::now);
        Ok(match self.event.as_str() {
            "boarding_started" => FlightEvent::BoardingStarted { at },
            "gate_closed" => FlightEvent::GateClosed { at },
            "departed" => FlightEvent::Departed { at },
            "arrived" => FlightEvent::Arrived { at },
            "cancelled" => FlightEvent::Cancelled {
                reason: self.reason.clone(),
            },
            "diverted" => FlightEvent::Diverted {
                to: self.to.clone(),
            },
            "estimated" if self.departure.is_some() || self.arrival.is_some() => {
                FlightEvent::Estimated {
                    departure: self.departure,
                    arrival: self.arrival,
                }
            }
            "estimated" => {
                return Err(BoardingCommandError::Input(
                    "estimated needs --departure or --arrival".to_string(),
                ));
            }
            "gate_changed" => match &self.gate {
                Some(gate) => FlightEvent::GateChanged { gate: gate.clone() },
                None => {
                    return Err(BoardingCommandError::Input(
                        "gate_changed needs --gate".to_string(),
                    ));
                }
            },
            other => {
                return Err(BoardingCommandError::Input(format!(
                    "unknown event {other:?}: use boarding_started, gate_closed, departed, arrived, cancelled, diverted, estimated or gate_changed"
                )));
            }
        })
    }

    pub async fn run(&self, engine: &crate::app::Engine) -> Result<String, BoardingCommandError> {
        let input = |e: crate::domain::CodeError| BoardingCommandError::Input(e.to_string());
        let key = crate::domain::FlightKey {
            flight: crate::domain::FlightNumber::parse(&self.flight).map_err(input)?,
            local_date: self.date,
            origin: crate::domain::Iata::parse(&self.origin).map_err(input)?,
        };
        let event = self.event()?;
        let flight = engine.store.find_flight(&key).await?.ok_or_else(|| {
            BoardingCommandError::Input(format!("flight {key} is not in aboard's schedule"))
        })?;
        let follow_up = engine
            .flight_event(flight.id, &event, CLI_ACTOR, crate::clock::now())
            .await?;
        Ok(format!(
            "{key}: {} recorded, {} tasks created",
            event.name(),
            follow_up.created.len()
        ))
    }
}

impl StationCommand {
    pub async fn run(&self, store: &dyn Store) -> Result<String, BoardingCommandError> {
        let StationCommand::Set {
            iata,
            staffed,
            shift,
        } = self;
        let input = |e: StationError| BoardingCommandError::Input(e.to_string());
        let shift_times = shift
            .as_deref()
            .map(parse_shift)
            .transpose()
            .map_err(input)?;
        stations::set_station(store, iata, *staffed, shift_times, CLI_ACTOR)
            .await
            .map_err(|e| match e {
                StationError::Store(e) => BoardingCommandError::Store(e),
                other => input(other),
            })?;
        Ok(match (staffed, shift) {
            (false, _) => format!("{iata}: no aboard staff; in-person tasks go elsewhere"),
            (true, Some(shift)) => format!("{iata}: staffed {shift} local time"),
            (true, None) => format!("{iata}: staffed around the clock"),
        })
    }
}

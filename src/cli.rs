//! The command line: global options that override the configuration, and one subcommand per job.
//! `main` parses it and wires each command to the library; the account and token commands run here.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use crate::config::{Config, ConfigError, LogFormat};
use crate::domain::{Role, UiLanguage};
use crate::store::Store;
use crate::web::accounts::{self, AccountError, StaffSpec};

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
pub enum RegistryCommand {
    /// Import CSV or JSON exports of social-care tools: each file whole or not at all.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// What a registry command could not do.
#[derive(Debug, thiserror::Error)]
pub enum RegistryCommandError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{0}")]
    Import(#[from] crate::app::registry::RegistryImportError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("no registry person has the external id {0}")]
    NoSuchPerson(String),
    #[error("{0}")]
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
    pub async fn run(&self, store: &dyn Store) -> Result<String, RegistryCommandError> {
        let RegistryCommand::Import { files } = self;
        let mut lines = Vec::with_capacity(files.len());
        for path in files {
            let bytes = read_file(path)?;
            let name = path.display().to_string();
            let done = crate::app::registry::import_registry_file(
                store,
                &name,
                &bytes,
                CLI_ACTOR,
                chrono::Utc::now(),
            )
            .await?;
            lines.push(format!(
                "{name}: {} person(s) imported, {} upcoming flight(s) matched again",
                done.persons, done.flights_rematched
            ));
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
        /// ops, gate, advisor or admin.
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

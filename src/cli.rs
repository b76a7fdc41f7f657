//! The command line: global options that override the configuration, and one subcommand per job.
//! `main` parses it and wires each command to the library.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use secrecy::SecretString;

use crate::config::{Config, ConfigError, LogFormat};

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

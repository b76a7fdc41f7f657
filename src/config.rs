//! Configuration, layered: built-in defaults < aboard.toml < `ABOARD__SECTION__KEY` environment variables <
//! command-line flags. Secrets (database URLs with passwords, API keys) are `SecretString`s: they never show
//! in logs or `Debug` output.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::domain::Region;
use crate::messaging::outbox::OutboxConfig;
use crate::messaging::templates::MessagingConfig;
use crate::tasks::ContactPolicy;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
}

impl From<figment::Error> for ConfigError {
    fn from(e: figment::Error) -> Self {
        ConfigError::Invalid(e.to_string())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub data_dir: PathBuf,
    pub database: DatabaseConfig,
    pub log: LogConfig,
    pub import: ImportConfig,
    pub rules: RulesConfig,
    /// Cool-down, social quiet hours and social expiry.
    pub contact: ContactPolicy,
    pub scheduler: SchedulerConfig,
    pub flight_status: FlightStatusConfig,
    /// How advisors' messages are delivered.
    pub outbox: OutboxConfig,
    /// Approved templates advisors fill when a network accepts nothing else.
    pub messaging: MessagingConfig,
    /// How long the registry keeps resolved complaint cases and identity links.
    pub registry: RegistryConfig,
    /// Where the event stream is delivered as signed webhooks.
    pub event_webhook: crate::event_webhooks::EventWebhookConfig,
}

/// `[registry]`: retention of personal data the registry and the matcher hold.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistryConfig {
    /// Complaint cases resolved longer ago than this many days are deleted.
    pub case_retention_days: u32,
    /// Identity links not changed for this many days are deleted (remembered staff decisions stay).
    pub link_retention_days: u32,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self {
            case_retention_days: 730,
            link_retention_days: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    /// A directory of `*.toml` rule files, reloaded when they change; none means the shipped rules.
    pub dir: Option<PathBuf>,
    pub reload_seconds: u64,
}

impl Default for RulesConfig {
    fn default() -> Self {
        Self {
            dir: None,
            reload_seconds: 2,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Mark session cookies Secure, so browsers send them over https only. Leave on wherever aboard is
    /// reached over https (directly or behind a proxy); turn off only for plain-http trials.
    pub secure_cookies: bool,
    /// A connection that has not sent a whole request head this long after it opened, or after its last
    /// answer (an idle keep-alive connection), is closed: idle connections cannot hold file descriptors.
    pub header_read_timeout_seconds: u64,
    /// Connections served at once; more wait in the listen queue until one closes.
    pub max_connections: usize,
    /// Where uploaded files are written while they are imported; none means the system's temporary folder.
    pub upload_dir: Option<PathBuf>,
    /// Failed sign-ins for one login within the window that lock that login out for a window.
    pub signin_failures_per_login: u32,
    /// Failed sign-ins from one client address within the window that lock that address out for a window.
    pub signin_failures_per_address: u32,
    pub signin_window_minutes: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite:PATH` or `postgres://…`; none means aboard.db in the data dir.
    #[serde(skip_serializing)]
    pub url: Option<SecretString>,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A tracing filter such as `info,aboard=debug`; RUST_LOG wins when set.
    pub filter: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportConfig {
    /// A folder the scheduler watches for manifest and registry files.
    pub drop_dir: Option<PathBuf>,
    /// A Type B message held in parts and still incomplete this long after its first part came raises
    /// an event and the `aboard_held_messages_stale_total` metric (once), and stops holding back the
    /// later messages of its flight.
    pub incomplete_after_minutes: u32,
    /// The country whose numbering plan reads a phone number written without its country code, in the
    /// registry and in manifests, when the person's country or the passenger's nationality is not given
    /// (`ES`); `--region` on `registry import` and `import manifest` wins.
    pub default_region: Option<String>,
}

impl ImportConfig {
    /// `default_region`, read: [`Config::load`] refuses a configuration where it cannot be.
    pub fn region(&self) -> Option<Region> {
        self.default_region
            .as_deref()
            .and_then(|raw| Region::parse(raw).ok())
    }
}

impl Default for ImportConfig {
    fn default() -> ImportConfig {
        ImportConfig {
            drop_dir: None,
            incomplete_after_minutes: 30,
            default_region: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerConfig {
    /// Whether this instance runs jobs; every instance may, since each tick runs once across all of them.
    pub enabled: bool,
    /// Per job, by name (`expire-tasks`, `escalate-tasks`, `purge`, `flight-status`): what is not given
    /// keeps the job's default.
    pub jobs: BTreeMap<String, JobConfig>,
    pub escalation: EscalationConfig,
    pub retention: RetentionConfig,
    /// How long a claimed tick stays its instance's without a renewal: after an instance dies, its
    /// tick is run by another once this has passed.
    pub tick_lease_seconds: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobConfig {
    /// A cron expression of 5 fields (minute first) or 6 (second first).
    pub schedule: Option<String>,
    /// An IANA zone such as `Europe/Madrid`; the schedule is read on that zone's wall clock.
    pub time_zone: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EscalationConfig {
    /// Open tasks that expire within this many minutes are escalated (Zammad warns ~15 minutes ahead).
    pub warn_before_minutes: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    pub events_days: u32,
    pub scheduler_ticks_days: u32,
    pub boarding_scans_days: u32,
    /// Flights this many days after they arrived (or, without any time, after their day), with their
    /// passengers, tasks, messages, links and import records.
    pub flights_days: u32,
    /// Tasks this many days after they ended (done, expired or cancelled), with their messages.
    pub tasks_days: u32,
    /// Messages this many days after they were written, once they left the outbox.
    pub messages_days: u32,
}

/// An AeroDataBox-style flight status provider. The job is off until `base_url` and `api_key` are set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlightStatusConfig {
    /// e.g. `https://aerodatabox.p.rapidapi.com`
    pub base_url: Option<String>,
    #[serde(skip_serializing)]
    pub api_key: Option<SecretString>,
    /// Sent as `X-RapidAPI-Host`; the base URL's host when not given.
    pub host_header: Option<String>,
    /// Flights whose scheduled departure lies within this many hours ahead are polled.
    pub horizon_hours: u32,
    /// Flights that were scheduled to leave up to this many hours ago are polled too, until they arrive.
    pub lookback_hours: u32,
    /// The most provider requests one run may make, retries included: the rate budget.
    pub max_requests_per_run: u32,
    pub timeout_seconds: u64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            jobs: BTreeMap::new(),
            escalation: EscalationConfig::default(),
            retention: RetentionConfig::default(),
            tick_lease_seconds: 60,
        }
    }
}

impl Default for EscalationConfig {
    fn default() -> Self {
        Self {
            warn_before_minutes: 15,
        }
    }
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            events_days: 400,
            scheduler_ticks_days: 30,
            boarding_scans_days: 90,
            flights_days: 30,
            tasks_days: 180,
            messages_days: 90,
        }
    }
}

impl Default for FlightStatusConfig {
    fn default() -> Self {
        Self {
            base_url: None,
            api_key: None,
            host_header: None,
            horizon_hours: 6,
            lookback_hours: 6,
            max_requests_per_run: 50,
            timeout_seconds: 10,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server: ServerConfig::default(),
            data_dir: PathBuf::from("aboard-data"),
            database: DatabaseConfig::default(),
            log: LogConfig::default(),
            import: ImportConfig::default(),
            rules: RulesConfig::default(),
            contact: ContactPolicy::default(),
            scheduler: SchedulerConfig::default(),
            flight_status: FlightStatusConfig::default(),
            outbox: OutboxConfig::default(),
            messaging: MessagingConfig::default(),
            registry: RegistryConfig::default(),
            event_webhook: crate::event_webhooks::EventWebhookConfig::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            secure_cookies: true,
            header_read_timeout_seconds: 10,
            max_connections: 4096,
            upload_dir: None,
            signin_failures_per_login: 5,
            signin_failures_per_address: 20,
            signin_window_minutes: 15,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            max_connections: 8,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            filter: "info".to_string(),
        }
    }
}

/// Where the data lives, decided from the configuration.
#[derive(Clone)]
pub enum DatabaseTarget {
    Sqlite(PathBuf),
    Postgres(SecretString),
}

impl std::fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseTarget::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            DatabaseTarget::Postgres(_) => f.write_str("Postgres([redacted])"),
        }
    }
}

impl Config {
    /// Reads aboard.toml (or `file`) and the environment over the defaults. A named file must exist; the
    /// default aboard.toml is optional.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError::Invalid(format!(
                    "the configuration file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file(path)),
            None => figment = figment.merge(Toml::file("aboard.toml")),
        }
        let config: Config = figment
            .merge(Env::prefixed("ABOARD__").split("__"))
            .extract()?;
        if let Some(raw) = &config.import.default_region {
            Region::parse(raw)
                .map_err(|e| ConfigError::Invalid(format!("import.default_region: {e}")))?;
        }
        config
            .contact
            .holdout
            .check()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        Ok(config)
    }

    pub fn database_target(&self) -> Result<DatabaseTarget, ConfigError> {
        let Some(url) = &self.database.url else {
            return Ok(DatabaseTarget::Sqlite(self.data_dir.join("aboard.db")));
        };
        let url = url.expose_secret();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseTarget::Postgres(SecretString::from(
                url.to_string(),
            )))
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or(url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or(path);
            Ok(DatabaseTarget::Sqlite(PathBuf::from(path)))
        } else {
            Err(ConfigError::Invalid(
                "the database URL must start with sqlite: or postgres://".to_string(),
            ))
        }
    }
}

#[cfg(test)]
// figment's Jail fixes the closures' error type, which is large.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_never_show_their_password() {
        let mut config = Config::default();
        config.database.url = Some(SecretString::from(
            "postgres://aboard:hunter2@db/aboard".to_string(),
        ));
        let target = config.database_target().unwrap();
        assert!(matches!(target, DatabaseTarget::Postgres(_)));
        assert!(!format!("{target:?}").contains("hunter2"));
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn file_then_environment_override_the_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "aboard.toml",
                "data_dir = \"/srv/aboard\"\n[server]\nlisten = \"0.0.0.0:9000\"\n[database]\nmax_connections = 3\n",
            )?;
            jail.set_env("ABOARD__DATABASE__MAX_CONNECTIONS", "12");
            jail.set_env("ABOARD__LOG__FORMAT", "json");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(config.data_dir, PathBuf::from("/srv/aboard"));
            assert_eq!(config.server.listen.port(), 9000);
            assert_eq!(config.database.max_connections, 12);
            assert_eq!(config.log.format, LogFormat::Json);
            jail.create_file("bad.toml", "[server]\nlisten = \"nowhere\"\n")?;
            let err = Config::load(Some(Path::new("bad.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("listen"), "{err}");
            assert!(Config::load(Some(Path::new("missing.toml"))).is_err());
            Ok(())
        });
    }

    #[test]
    fn scheduler_and_flight_status_sections_read_from_file_and_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "aboard.toml",
                "[scheduler.jobs.purge]\nschedule = \"0 4 * * *\"\ntime_zone = \"Europe/Madrid\"\n\
                 [scheduler.retention]\nevents_days = 200\n\
                 [flight_status]\nbase_url = \"https://aerodatabox.p.rapidapi.com\"\nhorizon_hours = 4\n",
            )?;
            jail.set_env("ABOARD__FLIGHT_STATUS__API_KEY", "s3cret-key");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            let purge = &config.scheduler.jobs["purge"];
            assert_eq!(purge.schedule.as_deref(), Some("0 4 * * *"));
            assert_eq!(purge.time_zone.as_deref(), Some("Europe/Madrid"));
            assert_eq!(purge.enabled, None);
            assert_eq!(config.scheduler.retention.events_days, 200);
            assert_eq!(config.scheduler.retention.scheduler_ticks_days, 30);
            assert_eq!(config.scheduler.escalation.warn_before_minutes, 15);
            assert_eq!(config.flight_status.horizon_hours, 4);
            assert_eq!(config.flight_status.max_requests_per_run, 50);
            let key = config
                .flight_status
                .api_key
                .as_ref()
                .map(|k| k.expose_secret().to_string());
            assert_eq!(key.as_deref(), Some("s3cret-key"));
            assert!(!format!("{config:?}").contains("s3cret-key"));
            jail.create_file(
                "typo.toml",
                "[scheduler.jobs.purge]\nschedul = \"0 4 * * *\"\n",
            )?;
            let err = Config::load(Some(Path::new("typo.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("schedul"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn the_default_database_is_a_file_in_the_data_dir() {
        let mut config = Config {
            data_dir: PathBuf::from("/var/lib/aboard"),
            ..Config::default()
        };
        match config.database_target().unwrap() {
            DatabaseTarget::Sqlite(path) => {
                assert_eq!(path, Path::new("/var/lib/aboard/aboard.db"))
            }
            other => panic!("expected SQLite, got {other:?}"),
        }
        config.database.url = Some(SecretString::from("mysql://x".to_string()));
        assert!(config.database_target().is_err());
    }
}

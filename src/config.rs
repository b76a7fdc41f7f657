//! Configuration, layered: built-in defaults < aboard.toml < `ABOARD__SECTION__KEY` environment variables <
//! command-line flags. Secrets (database URLs with passwords, API keys) are `SecretString`s: they never show
//! in logs or `Debug` output.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Mark session cookies Secure, so browsers send them over https only. Leave on wherever aboard is
    /// reached over https (directly or behind a proxy); turn off only for plain-http trials.
    pub secure_cookies: bool,
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportConfig {
    /// A folder the scheduler watches for manifest and registry files.
    pub drop_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server: ServerConfig::default(),
            data_dir: PathBuf::from("aboard-data"),
            database: DatabaseConfig::default(),
            log: LogConfig::default(),
            import: ImportConfig::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            secure_cookies: true,
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

//! Rules in force and their reloading: the rules directory is watched (polled, so it works the same on
//! every filesystem, network mounts included); a change that checks clean replaces the rules at once, a
//! change with errors is logged and the previous rules stay in force.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Engine;
use crate::domain::UiLanguage;
use crate::rules::{self, RuleSet};

/// The rules shipped with aboard, used when no rules directory is configured.
pub const SHIPPED_RULES: [(&str, &str); 2] = [
    (
        "rules/checkin.toml",
        include_str!("../../rules/checkin.toml"),
    ),
    (
        "rules/disruption.toml",
        include_str!("../../rules/disruption.toml"),
    ),
];

/// What ops see about the rules in force.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RulesStatus {
    pub source: String,
    pub rule_ids: Vec<String>,
    /// Each rule in force with what it does, in the order of `rule_ids`.
    pub rules: Vec<RuleSummary>,
    pub loaded_at: DateTime<Utc>,
    /// Why the newest files were refused, while the previous rules stay in force.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

/// A rule in force as staff read about it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleSummary {
    pub id: String,
    /// In English.
    pub description: String,
    /// In the other languages the rule file gives, by language code.
    pub descriptions: BTreeMap<UiLanguage, String>,
}

impl RuleSummary {
    /// The description in `language`, else in English.
    pub fn description_in(&self, language: UiLanguage) -> &str {
        self.descriptions
            .get(&language)
            .unwrap_or(&self.description)
    }
}

fn summaries(rules: &RuleSet) -> Vec<RuleSummary> {
    rules
        .rules()
        .iter()
        .map(|r| RuleSummary {
            id: r.id().to_string(),
            description: r.description().to_string(),
            descriptions: r.descriptions().iter().cloned().collect(),
        })
        .collect()
}

pub fn shipped_rules() -> Result<RuleSet, String> {
    let sources: Vec<(String, String)> = SHIPPED_RULES
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect();
    RuleSet::parse(&sources).map_err(|d| describe(&d))
}

fn describe(diagnostics: &[rules::Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The source of the rules built into the binary, when no directory is configured.
pub const SHIPPED_SOURCE: &str = "shipped rules";

/// Loads the configured rules (or the shipped ones) for startup; a bad directory stops the start.
pub fn initial_rules(dir: Option<&Path>) -> Result<(RuleSet, RulesStatus), String> {
    let (rules, source) = match dir {
        Some(dir) => (
            rules::load_dir(dir).map_err(|d| describe(&d))?,
            dir.display().to_string(),
        ),
        None => (shipped_rules()?, SHIPPED_SOURCE.to_string()),
    };
    let status = RulesStatus {
        source,
        rule_ids: rules.rules().iter().map(|r| r.id().to_string()).collect(),
        rules: summaries(&rules),
        loaded_at: crate::clock::now(),
        last_error: None,
        last_error_at: None,
    };
    Ok((rules, status))
}

/// Names, sizes and modification times of the rule files: a change in any means "reload".
fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .map(|path| {
            let meta = std::fs::metadata(&path).ok();
            let size = meta.as_ref().map_or(0, |m| m.len());
            (path, size, meta.and_then(|m| m.modified().ok()))
        })
        .collect();
    files.sort();
    files
}

/// Polls `dir` every `every` until `shutdown`, reloading the engine's rules when the files change.
pub async fn watch(
    engine: Arc<Engine>,
    status: Arc<Mutex<RulesStatus>>,
    dir: PathBuf,
    every: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut seen = fingerprint(&dir);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
        let now = fingerprint(&dir);
        if now == seen {
            continue;
        }
        seen = now;
        let reloaded = rules::load_dir(&dir);
        let mut status = match status.lock() {
            Ok(status) => status,
            Err(poisoned) => poisoned.into_inner(),
        };
        match reloaded {
            Ok(rules) => {
                status.rule_ids = rules.rules().iter().map(|r| r.id().to_string()).collect();
                status.rules = summaries(&rules);
                status.loaded_at = crate::clock::now();
                status.last_error = None;
                engine.replace_rules(rules);
                tracing::info!(dir = %dir.display(), rules = status.rule_ids.len(), "rules reloaded");
            }
            Err(diagnostics) => {
                let why = describe(&diagnostics);
                tracing::error!(dir = %dir.display(), problems = %why, "rules not reloaded: the previous rules stay in force");
                status.last_error = Some(why);
                status.last_error_at = Some(crate::clock::now());
            }
        }
    }
}

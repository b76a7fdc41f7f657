//! The rules engine's only I/O: reading `*.toml` rule files from a directory, in file-name order.

use std::path::Path;

use super::check::{CheckReport, check_sources};
use super::diagnostic::{Diagnostic, Problem};
use super::RuleSet;

/// Loads and checks every `*.toml` file directly in `dir`.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<RuleSet, Vec<Diagnostic>> {
    RuleSet::parse(&read_sources(dir.as_ref())?)
}

/// Checks every `*.toml` file directly in `dir`, for `aboard rules check`.
pub fn check_dir(dir: impl AsRef<Path>) -> CheckReport {
    match read_sources(dir.as_ref()) {
        Ok(sources) => check_sources(&sources),
        Err(general) => CheckReport {
            general,
            files: Vec::new(),
        },
    }
}

/// `(file path as displayed, text)` for each rule file; a file that cannot be read is a diagnostic.
fn read_sources(dir: &Path) -> Result<Vec<(String, String)>, Vec<Diagnostic>> {
    let whole_dir = |problem: Problem| Diagnostic {
        file: dir.display().to_string(),
        position: None,
        rule_id: None,
        problem,
    };
    let entries = std::fs::read_dir(dir).map_err(|error| {
        vec![whole_dir(Problem::Unreadable {
            reason: error.to_string(),
        })]
    })?;
    let mut paths = Vec::new();
    let mut diagnostics = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
                    paths.push(path);
                }
            }
            Err(error) => diagnostics.push(whole_dir(Problem::Unreadable {
                reason: error.to_string(),
            })),
        }
    }
    paths.sort();
    let mut sources = Vec::new();
    for path in paths {
        match std::fs::read_to_string(&path) {
            Ok(text) => sources.push((path.display().to_string(), text)),
            Err(error) => diagnostics.push(Diagnostic {
                file: path.display().to_string(),
                position: None,
                rule_id: None,
                problem: Problem::Unreadable {
                    reason: error.to_string(),
                },
            }),
        }
    }
    if sources.is_empty() && diagnostics.is_empty() {
        diagnostics.push(whole_dir(Problem::NoFiles));
    }
    if diagnostics.is_empty() {
        Ok(sources)
    } else {
        Err(diagnostics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
    }

    #[test]
    fn the_shipped_rules_check_clean() {
        let report = check_dir(shipped());
        assert!(!report.has_errors(), "{report}");
        println!("{report}");
        let set = load_dir(shipped()).unwrap();
        assert_eq!(set.rules().len(), 5);
    }
}

//! The rules engine's only I/O: reading `*.toml` rule files from a directory, in file-name order.

use std::path::Path;

use super::RuleSet;
use super::check::{CheckReport, check_sources};
use super::diagnostic::{Diagnostic, Problem};

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
        assert_eq!(report.files.len(), 2);
        let set = load_dir(shipped()).unwrap_or_else(|d| panic!("{d:#?}"));
        let ids: Vec<&str> = set.rules().iter().map(|r| r.id()).collect();
        assert_eq!(
            ids,
            vec![
                "checkin-at-gate",
                "checkin-over-social",
                "checkin-in-cabin",
                "disruption-at-gate",
                "disruption-over-social"
            ]
        );
    }

    #[test]
    fn check_dir_reports_each_file_and_only_reads_toml_files() {
        let dir = tempfile::tempdir().unwrap();
        let good = std::fs::read_to_string(shipped().join("checkin.toml")).unwrap();
        std::fs::write(dir.path().join("a.toml"), good).unwrap();
        std::fs::write(
            dir.path().join("b.toml"),
            "[[rule]]\nid = \"x\"\ncolour = 1\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.md"), "not a rule file").unwrap();
        let report = check_dir(dir.path());
        assert!(report.has_errors());
        let files: Vec<String> = report.files.iter().map(|f| f.file.clone()).collect();
        let a = dir.path().join("a.toml").display().to_string();
        let b = dir.path().join("b.toml").display().to_string();
        assert_eq!(files, vec![a.clone(), b.clone()]);
        assert!(report.files[0].diagnostics.is_empty());
        assert_eq!(report.files[0].rules.len(), 3);
        // 7 missing fields and 1 unknown field in b.toml.
        assert_eq!(report.files[1].diagnostics.len(), 8);
        assert_eq!(report.error_count(), 8);
        let text = report.to_string();
        assert!(
            text.contains(&format!("{a}: 3 rule(s), no problems")),
            "{text}"
        );
        assert!(
            text.contains("staffed station: fires, priority 4, due 10:05Z, gate until 10:20Z"),
            "{text}"
        );
        assert!(
            text.contains(&format!("error: {b}:3:1: rule x: unknown field `colour`")),
            "{text}"
        );
        assert!(
            text.ends_with("2 file(s), 3 rule(s) ready, 8 problem(s)"),
            "{text}"
        );
        assert_eq!(load_dir(dir.path()).unwrap_err().len(), 8);
    }

    #[test]
    fn a_missing_or_empty_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let report = check_dir(dir.path());
        assert_eq!(report.general.len(), 1);
        assert_eq!(report.general[0].problem, Problem::NoFiles);
        let missing = dir.path().join("nowhere");
        let report = check_dir(&missing);
        assert!(report.has_errors());
        assert!(matches!(
            report.general[0].problem,
            Problem::Unreadable { .. }
        ));
        assert!(report.to_string().starts_with(&format!(
            "error: {}: cannot read the rules",
            missing.display()
        )));
    }
}

//! The command line as ops use it: real binary, real files, exit codes.

use std::process::Command;

fn aboard() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aboard"))
}

#[test]
fn rules_check_passes_the_shipped_rules_and_explains_each() {
    let output = aboard()
        .args([
            "rules",
            "check",
            concat!(env!("CARGO_MANIFEST_DIR"), "/rules"),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("checkin-at-gate"), "{text}");
}

#[test]
fn rules_check_names_the_line_and_column_of_each_error_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.toml"),
        "[[rule]]\nid = \"x\"\ntrigger = \"boarded\"\nwhen = \"person.open_cases >\"\nchannel = \"pigeon\"\ndue = \"boarded + 5m\"\nbrief = \"'hi'\"\n",
    )
    .unwrap();
    let output = aboard()
        .args(["rules", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("broken.toml:5:"),
        "the channel error points at line 5: {text}"
    );
    assert!(text.contains("pigeon"), "{text}");
}

#[test]
fn migrate_creates_the_schema_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let output = aboard()
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("up to date (sqlite)"));
    assert!(dir.path().join("aboard.db").exists());
}

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

#[test]
fn an_unreachable_postgresql_is_named_by_host_and_port_within_seconds() {
    // Nothing listens on port 1; the silent port takes connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = silent.local_addr().unwrap().to_string();
    for (url, place, why) in [
        (
            "postgres://aboard:s3cret-pw@127.0.0.1:1/aboard".to_string(),
            "127.0.0.1:1".to_string(),
            "Connection refused",
        ),
        (
            format!("postgres://aboard:s3cret-pw@{silent}/aboard"),
            silent.clone(),
            "no answer within 3 s",
        ),
    ] {
        let started = std::time::Instant::now();
        let output = aboard()
            .args(["--database-url", &url, "migrate"])
            .output()
            .unwrap();
        let elapsed = started.elapsed();
        let text = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{text}");
        assert!(
            elapsed < std::time::Duration::from_secs(6),
            "{elapsed:?}: {text}"
        );
        assert!(
            text.contains(&format!("cannot reach PostgreSQL at {place}")),
            "{text}"
        );
        assert!(text.contains(why), "{text}");
        assert!(!text.contains("s3cret-pw"), "{text}");
    }
}

#[test]
fn the_demo_refuses_a_configured_database_instead_of_ignoring_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = aboard()
        .args([
            "--database-url",
            "postgres://aboard:s3cret-pw@127.0.0.1:1/aboard",
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("unset --database-url"), "{text}");
    assert!(!text.contains("s3cret-pw"), "{text}");
    assert!(
        !dir.path().join("aboard.db").exists(),
        "nothing was built in SQLite instead"
    );
}

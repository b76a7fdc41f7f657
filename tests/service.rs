//! The service as operators meet it: health, readiness and metrics over real HTTP, the demo command, and a
//! SIGTERM in the middle of work.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aboard::store::{FlightStore, ReportStore, SqliteStore, Store};
use common::{TestApp, TestDb};
use sqlx::Connection;

#[tokio::test]
async fn health_readiness_and_metrics_answer_on_each_backend() {
    for db in TestDb::each().await {
        let backend = db.store.backend().as_str();
        let app = TestApp::spawn(db.config()).await;
        let health = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let ready: serde_json::Value = app
            .client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(ready["status"], "ready");
        assert_eq!(ready["database"], backend);
        let missing = app
            .client
            .get(app.url("/no-such-page"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains(
                r#"aboard_http_requests_total{route="/healthz",method="GET",status="200"} 1"#
            ),
            "{metrics}"
        );
        assert!(metrics.contains(
            r#"aboard_http_requests_total{route="/readyz",method="GET",status="200"} 1"#
        ));
        assert!(metrics.contains(&format!(
            r#"aboard_build_info{{version="{}",backend="{backend}"}} 1"#,
            env!("CARGO_PKG_VERSION")
        )));
        assert!(metrics.contains("aboard_db_pool_connections "));
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn rules_reload_when_files_change_and_bad_files_keep_the_previous_rules() {
    let db = TestDb::sqlite().await;
    let rules_dir = tempfile::tempdir().unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/checkin.toml");
    std::fs::copy(&shipped, rules_dir.path().join("checkin.toml")).unwrap();
    let mut config = db.config();
    config.rules.dir = Some(rules_dir.path().to_path_buf());
    config.rules.reload_seconds = 1;
    let ops = common::token(db.store.as_ref(), aboard::domain::Role::Ops, &[], &[]).await;
    let app = TestApp::spawn(config).await;
    let status = |app: &TestApp| {
        let request = app.get_as("/api/rules", &ops);
        async move {
            request
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let first = status(&app).await;
    assert_eq!(
        first["rule_ids"].as_array().map(Vec::len),
        Some(3),
        "{first}"
    );

    std::fs::write(
        rules_dir.path().join("broken.toml"),
        "[[rule]]\nid = \"oops\"\nchannel = \"pigeon\"\n",
    )
    .unwrap();
    let refused = poll(|| status(&app), |s| s["last_error"].is_string()).await;
    assert!(
        refused["last_error"]
            .as_str()
            .unwrap()
            .contains("broken.toml"),
        "{refused}"
    );
    assert_eq!(
        refused["rule_ids"], first["rule_ids"],
        "the previous rules stay in force"
    );

    std::fs::remove_file(rules_dir.path().join("broken.toml")).unwrap();
    let text = std::fs::read_to_string(&shipped)
        .unwrap()
        .replace("checkin-in-cabin", "checkin-on-board");
    std::fs::write(rules_dir.path().join("checkin.toml"), text).unwrap();
    let reloaded = poll(|| status(&app), |s| s["last_error"].is_null()).await;
    assert!(
        reloaded["rule_ids"]
            .as_array()
            .unwrap()
            .iter()
            .any(|id| id == "checkin-on-board"),
        "{reloaded}"
    );
    app.stop().await;
    db.finish().await;
}

/// Asks until the answer satisfies `done`, for at most ten seconds.
async fn poll<F, Fut>(ask: F, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = serde_json::Value>,
{
    let started = Instant::now();
    loop {
        let answer = ask().await;
        if done(&answer) || started.elapsed() > Duration::from_secs(10) {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn wait_for(url: &str, deadline: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < deadline {
        if let Ok(response) = reqwest::blocking::get(url)
            && response.status().is_success()
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn sigterm(child: &std::process::Child) {
    // kill(1) sends SIGTERM without pulling in a libc binding for one call.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn the_demo_serves_within_seconds_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aboard"))
        .args([
            "demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    assert!(
        wait_for(&format!("{base}/healthz"), Duration::from_secs(30)),
        "no /healthz within 30 s"
    );
    assert!(wait_for(&format!("{base}/readyz"), Duration::from_secs(5)));
    // Over the demo's plain http a Secure cookie would never come back: signing in would fail.
    let signin = reqwest::blocking::get(format!("{base}/signin")).unwrap();
    let cookies: Vec<String> = signin
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(!cookies.is_empty());
    assert!(cookies.iter().all(|c| !c.contains("Secure")), "{cookies:?}");
    let metrics = reqwest::blocking::get(format!("{base}/metrics"))
        .unwrap()
        .text()
        .unwrap();
    assert!(metrics.contains(r#"route="/healthz""#), "{metrics}");
    sigterm(&child);
    let status = child.wait().unwrap();
    assert!(status.success(), "demo exited with {status}");
    let banner = std::io::read_to_string(child.stdout.take().unwrap()).unwrap();
    assert!(
        banner.contains(&format!("http://127.0.0.1:{port}/")),
        "{banner}"
    );
    assert!(banner.contains("weeks of SYNTHETIC history"), "{banner}");
    for sign_in in [
        "ops ",
        "gate-mad ",
        "gate-bcn ",
        "advisor-es ",
        "advisor-en ",
        "admin ",
        "analyst ",
    ] {
        assert!(
            banner.contains(sign_in),
            "the banner names {sign_in}: {banner}"
        );
    }

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = SqliteStore::open(&dir.path().join("aboard.db"), 1)
            .await
            .unwrap();
        let counts = store.counts().await.unwrap();
        assert!(
            counts.flights >= 40 && counts.passengers > 3_000 && counts.persons > 100,
            "{counts:?}"
        );
        // Four weeks of synthetic history behind the day, so that the reports show something.
        let (from, to) = (
            aboard::clock::now() - chrono::Duration::days(29),
            aboard::clock::now() - chrono::Duration::hours(12),
        );
        let past = store.task_facts(from, to).await.unwrap();
        assert!(past.len() > 200, "{} past tasks", past.len());
        assert!(
            past.iter()
                .any(|t| t.state == aboard::domain::TaskState::Done)
        );
        assert!(
            past.iter()
                .any(|t| t.channel == aboard::domain::Channel::Social)
        );
        store.close().await;
    });
}

/// SIGTERM while the demo is still writing its day: the database must reopen cleanly, and every flight's
/// manifest must be there whole or not at all.
#[test]
fn sigterm_during_writes_leaves_a_database_with_nothing_half_written() {
    for delay_ms in [300u64, 900, 1_500] {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_aboard"))
            .args([
                "demo",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        sigterm(&child);
        let mut child = child;
        child.wait().unwrap();

        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let path = dir.path().join("aboard.db");
            if !path.exists() {
                return;
            }
            let store = SqliteStore::open(&path, 1)
                .await
                .expect("the database reopens");
            let check: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(
                    &mut sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                        .await
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(check, "ok");
            let day = aboard::demo::generate(2026, aboard::clock::now());
            let expected: std::collections::HashMap<String, usize> = day
                .flights
                .iter()
                .map(|f| (f.flight.key.flight.to_string(), f.passengers.len()))
                .collect();
            let now = chrono::Utc::now();
            let flights = store
                .flights_departing(
                    now - chrono::Duration::days(1),
                    now + chrono::Duration::days(1),
                )
                .await
                .unwrap();
            for flight in flights {
                let stored = store.passengers(flight.id).await.unwrap().len();
                let whole = expected.get(&flight.key.flight.to_string()).copied();
                assert!(
                    stored == 0 || Some(stored) == whole,
                    "{}: {stored} of {whole:?} passengers",
                    flight.key
                );
            }
            store.close().await;
        });
    }
}

//! The demo's first-minute promise, against the demo as `aboard demo` starts it (its own data dir, its
//! seeded day around the real clock, its boarding driver) on port 0: within 60 seconds of the start, the
//! gate agents at MAD and BCN each have a task and both advisor desks (Spanish; English and the other
//! languages) have work.

mod common;

use std::time::{Duration, Instant};

use aboard::config::Config;
use common::pages::{get, sign_in};
use tokio::net::TcpListener;

/// Polls `path` as `login` until `has_work` says its page shows work, or the deadline passes.
async fn work_shown(
    base: &str,
    login: &str,
    password: &str,
    path: &str,
    deadline: Instant,
    has_work: impl Fn(&str) -> bool,
) -> Result<Duration, String> {
    let session = sign_in(base, login, password)
        .await
        .ok_or_else(|| format!("{login} cannot sign in"))?;
    let mut last = String::new();
    while Instant::now() < deadline {
        last = get(base, &session.cookie, path).await.text().await.unwrap();
        if has_work(&last) {
            return Ok(deadline.saturating_duration_since(Instant::now()));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("{login} had nothing at {path} after 60 s:\n{last}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn within_a_minute_of_start_both_gates_and_both_advisor_desks_have_work() {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(60);
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    config.server.secure_cookies = false;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let demo = tokio::spawn(aboard::demo::run(listener, config, 2026, async {
        let _ = stopped.await;
    }));
    // The demo answers once its day is built.
    let client = reqwest::Client::new();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the demo did not start within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("the demo answered after {:?}", started.elapsed());

    let gate_task = |html: &str| html.contains("class=\"task priority-");
    let queue_row = |html: &str| html.contains("data-task=\"");
    let (mad, bcn, es, en) = tokio::join!(
        work_shown(
            &base,
            "gate-mad",
            "gate-demo",
            "/gate/MAD",
            deadline,
            gate_task
        ),
        work_shown(
            &base,
            "gate-bcn",
            "gate-demo",
            "/gate/BCN",
            deadline,
            gate_task
        ),
        work_shown(
            &base,
            "advisor-es",
            "advisor-demo",
            "/advisor",
            deadline,
            queue_row
        ),
        work_shown(
            &base,
            "advisor-en",
            "advisor-demo",
            "/advisor",
            deadline,
            queue_row
        ),
    );
    for (desk, shown) in [
        ("MAD", mad),
        ("BCN", bcn),
        ("advisor-es", es),
        ("advisor-en", en),
    ] {
        match shown {
            Ok(left) => eprintln!("{desk}: work with {left:?} of the minute to spare"),
            Err(e) => panic!("{desk}: {e}"),
        }
    }
    let _ = stop.send(());
    demo.await.unwrap().unwrap();
}

//! The staff pages in a real browser: Debian's headless Chromium driven through chromedriver (which this
//! test starts on a free port) with fantoccini. Without chromium and chromedriver installed the test is
//! skipped with a message, except under CI=true, where it fails.

mod common;

use std::net::TcpListener as StdListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aboard::domain::{Role, UiLanguage};
use aboard::store::Store;
use aboard::web::accounts::{self, StaffSpec};
use common::{TestApp, TestDb};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use secrecy::SecretString;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WAIT: Duration = Duration::from_secs(10);

/// chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver and a headless Chromium session, or None (skip) when they are not installed.
async fn browser() -> Option<(Driver, Client)> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but {CHROMIUM} or {CHROMEDRIVER} is missing: install Debian's chromium and chromium-driver"
        );
        eprintln!("skipping the browser test: install chromium and chromium-driver to run it");
        return None;
    }
    let port = StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().expect("a profile directory");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _profile: profile,
    };
    let args = vec![
        "--headless".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--disable-dev-shm-usage".to_string(),
        "--no-first-run".to_string(),
        "--disable-background-networking".to_string(),
        "--disable-component-update".to_string(),
        "--disable-sync".to_string(),
        "--window-size=1280,800".to_string(),
        format!("--user-data-dir={}", driver._profile.path().display()),
    ];
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_string(),
        serde_json::json!({ "binary": CHROMIUM, "args": args }),
    );
    let started = Instant::now();
    loop {
        let attempt = ClientBuilder::rustls()
            .expect("a TLS-capable connector")
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await;
        match attempt {
            Ok(client) => return Some((driver, client)),
            Err(e) if started.elapsed() > WAIT => panic!("chromedriver did not start: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

async fn add(store: &dyn Store, login: &str, role: Role, stations: &[&str], ui: UiLanguage) {
    let stations: Vec<String> = stations.iter().map(|s| s.to_string()).collect();
    let spec = StaffSpec {
        login: login.to_string(),
        display_name: Some(format!("{login} person")),
        grant: accounts::grant(role, &stations, &[]).unwrap(),
        ui_language: ui,
    };
    accounts::add_staff(store, &spec, &SecretString::from("right-password"), "test")
        .await
        .unwrap();
}

async fn text_of(client: &Client, id: &str) -> String {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id} did not appear: {e}"))
        .text()
        .await
        .unwrap()
}

/// Fills the sign-in form the way a person at a keyboard does: type, Tab, type, Enter.
async fn sign_in_by_keyboard(client: &Client, base: &str, login: &str, password: &str) {
    client.goto(&format!("{base}/signin")).await.unwrap();
    let field = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("login"))
        .await
        .unwrap();
    field.clear().await.unwrap();
    field.send_keys(login).await.unwrap();
    let focused = client.active_element().await.unwrap();
    assert_eq!(focused.attr("id").await.unwrap().as_deref(), Some("login"));
    focused
        .send_keys(&char::from(Key::Tab).to_string())
        .await
        .unwrap();
    let focused = client.active_element().await.unwrap();
    assert_eq!(
        focused.attr("id").await.unwrap().as_deref(),
        Some("password"),
        "Tab moves from the login to the password"
    );
    focused
        .send_keys(&format!("{password}{}", char::from(Key::Enter)))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_gate_agent_signs_in_sees_their_station_is_refused_another_and_signs_out() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    add(
        db.store.as_ref(),
        "gate-mad",
        Role::Gate,
        &["MAD"],
        UiLanguage::En,
    )
    .await;
    let mut config = db.config();
    config.server.secure_cookies = false;
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);

    sign_in_by_keyboard(&client, &base, "gate-mad", "wrong-password").await;
    assert_eq!(
        text_of(&client, "signin-error").await,
        "Wrong login or password."
    );
    assert_eq!(
        client
            .find(Locator::Id("login"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("gate-mad"),
        "the login is kept for the second try"
    );

    sign_in_by_keyboard(&client, &base, "gate-mad", "right-password").await;
    assert_eq!(text_of(&client, "role").await, "Gate agent");
    assert_eq!(text_of(&client, "stations").await, "MAD");
    assert_eq!(client.current_url().await.unwrap().path(), "/");

    client.goto(&format!("{base}/gate/BCN")).await.unwrap();
    assert_eq!(text_of(&client, "error-title").await, "Not allowed");

    client.goto(&format!("{base}/")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("a[href='/gate/MAD']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        text_of(&client, "no-tasks").await,
        "No open tasks at this station."
    );
    let htmx_loaded = client
        .execute("return typeof htmx !== 'undefined' && htmx.version", vec![])
        .await
        .unwrap();
    assert!(
        htmx_loaded.as_str().is_some_and(|v| v.starts_with('2')),
        "htmx is served by the binary and runs: {htmx_loaded}"
    );

    client
        .find(Locator::Id("signout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("signin"))
        .await
        .unwrap();
    client.goto(&format!("{base}/")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("signin"))
        .await
        .unwrap();
    assert_eq!(
        client.current_url().await.unwrap().path(),
        "/signin",
        "after signing out the start page asks to sign in again"
    );

    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn an_advisor_claims_a_social_task_writes_sends_through_the_sandbox_and_records_the_outcome()
{
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    let record = common::social::person(
        "P-BROWSER",
        "Lucía Pérez",
        "es",
        vec![common::social::x_account("77")],
    );
    let task = common::social::social_task(db.store.clone(), 7101, &record).await;
    // A stock text already sent to another passenger, for the near-duplicate warning.
    let other = common::social::person(
        "P-OTHER",
        "María Gil",
        "es",
        vec![common::social::x_account("78")],
    );
    let other_task = common::social::social_task(db.store.clone(), 7102, &other).await;
    db.store
        .enqueue_message(
            &aboard::domain::records::NewMessage {
                task_id: other_task.id,
                network: aboard::domain::Network::X,
                recipient: "78".to_string(),
                body: "Hola María, ¿todo bien con tu maleta esta vez? ¡Buen vuelo!".to_string(),
                author: "staff:someone".to_string(),
                idempotency_key: "earlier".to_string(),
            },
            aboard::clock::now(),
        )
        .await
        .unwrap();
    let spec = StaffSpec {
        login: "advisor-es".to_string(),
        display_name: Some("Alba Asesora".to_string()),
        grant: accounts::grant(Role::Advisor, &[], &["es".to_string()]).unwrap(),
        ui_language: UiLanguage::Es,
    };
    accounts::add_staff(
        db.store.as_ref(),
        &spec,
        &SecretString::from("right-password"),
        "test",
    )
    .await
    .unwrap();
    let mut config = db.config();
    config.server.secure_cookies = false;
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);

    sign_in_by_keyboard(&client, &base, "advisor-es", "right-password").await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("a[href='/advisor']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Claiming swaps the row in place (htmx), which then offers to open the task.
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(&format!("claim-{}", task.id)))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(&format!("open-{}", task.id)))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    assert_eq!(text_of(&client, "person").await, "Lucía Pérez");
    let body = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("body"))
        .await
        .unwrap();
    assert_eq!(
        body.prop("value").await.unwrap().as_deref(),
        Some(""),
        "the message box starts empty"
    );
    body.send_keys("Hola Lucía, ¿todo bien con tu maleta esta vez? Buen vuelo")
        .await
        .unwrap();
    let warning = text_of(&client, "near-duplicate").await;
    assert!(
        warning.contains("casi igual a uno ya enviado"),
        "warned while typing: {warning}"
    );
    body.clear().await.unwrap();
    body.send_keys("Lucía, vimos que tu maleta llegó tarde en mayo. ¿Todo bien en este vuelo?")
        .await
        .unwrap();
    let started = Instant::now();
    while client.find(Locator::Id("near-duplicate")).await.is_ok() {
        assert!(
            started.elapsed() < WAIT,
            "the warning goes once the text is personal"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client
        .find(Locator::Id("send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let sent = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("li.message[data-state='sent']"))
        .await
        .expect("the sandbox delivers and the list shows it sent");
    let shown = sent.text().await.unwrap();
    assert!(shown.contains("Enviado"), "{shown}");
    assert!(shown.contains("tu maleta llegó tarde"), "{shown}");
    assert!(
        shown.contains("Esto es lo que se habría enviado"),
        "the sandbox says what would have been sent: {shown}"
    );

    client
        .find(Locator::Id("close"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(&format!("task-{}", other_task.id)))
        .await
        .expect("back on the queue, with the other passenger's task still open");
    assert!(
        client
            .find(Locator::Id(&format!("task-{}", task.id)))
            .await
            .is_err(),
        "the closed task has left the queue"
    );
    let closed = db.store.task(task.id).await.unwrap().unwrap();
    assert_eq!(closed.state, aboard::domain::TaskState::Done);
    assert_eq!(
        closed.outcome,
        Some(aboard::domain::TaskOutcome::MessageSent)
    );
    assert_eq!(closed.assignee.as_deref(), Some("staff:advisor-es"));

    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
}

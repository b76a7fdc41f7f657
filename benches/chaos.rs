//! Exactly once under faults: `cargo bench --bench chaos [-- --messages N --kills K]` queues N messages
//! (10,000 by default) on one PostgreSQL (TEST_DATABASE_URL) and delivers them through two outbox
//! processes (this binary re-run as `--instance`) to a fake WhatsApp Cloud API that answers 429 with
//! Retry-After, 500, or a timeout (it keeps the message, answers too late) at random, and reports each
//! message it kept through the status path a webhook takes. One process is killed with SIGKILL (kill -9)
//! at random moments, K times, and started again. What the network never confirmed goes back to the
//! "advisor", who sends it again, as the console offers. Counted at the fake: messages lost (never
//! kept) and messages kept twice. Both must be 0.

// This bench uses only the throw-away databases of the shared support.
#[allow(dead_code)]
mod support;

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use aboard::clock;
use aboard::domain::records::{
    FlightList, IdentityLink, ListMode, ManifestImport, MovementTimes, NewFlight, NewMessage,
    NewPassenger, NewTask, PersonRecord, SocialAccount,
};
use aboard::domain::{
    Channel, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, MessageMode, MessageState,
    Network, TravellerClass,
};
use aboard::messaging::hooks::HookEvent;
use aboard::messaging::networks::{Pacing, WhatsappConfig};
use aboard::messaging::outbox::{self, Outbox, OutboxConfig};
use aboard::store::{PostgresStore, Store};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use rand::Rng;
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

const RECIPIENT: &str = "34600000001";

fn outbox_config(fake: &str) -> OutboxConfig {
    OutboxConfig {
        send_timeout_seconds: 1,
        confirm_seconds: 3,
        lease_seconds: 10,
        max_attempts: 1_000,
        batch: 20,
        poll_millis: 50,
        whatsapp: Some(WhatsappConfig {
            base_url: fake.to_string(),
            api_version: "v23.0".to_string(),
            phone_number_id: "106540352242922".to_string(),
            access_token: SecretString::from("token"),
            app_secret: None,
            verify_token: None,
            pacing: Pacing::default(),
        }),
        ..OutboxConfig::default()
    }
}

/// One outbox process: delivers until it is killed.
async fn instance(name: String, url: String, fake: String) {
    let store: Arc<dyn Store> = Arc::new(
        PostgresStore::connect(&SecretString::from(url), 4)
            .await
            .expect("connect"),
    );
    let config = outbox_config(&fake);
    let connector = outbox::connector(&config).expect("connector");
    let outbox = Outbox::new(store, connector, config, name);
    loop {
        if let Err(e) = outbox.deliver_due(clock::now()).await {
            eprintln!("instance: {e}");
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

/// The fake network: what it kept per message, and what it answered.
#[derive(Clone)]
struct Fake {
    store: Arc<dyn Store>,
    kept: Arc<Mutex<HashMap<Uuid, usize>>>,
    answers: Arc<Mutex<HashMap<&'static str, usize>>>,
}

async fn receive(State(fake): State<Fake>, Json(body): Json<Value>) -> Response {
    let ours = body["biz_opaque_callback_data"]
        .as_str()
        .and_then(|v| Uuid::parse_str(v).ok());
    let roll: u32 = rand::rng().random_range(0..100);
    // 3% 429, 3% 500, 2% timeouts: each 429 holds the whole connector for its Retry-After second.
    let answer = match roll {
        0..3 => "429",
        3..6 => "500",
        6..8 => "timeout",
        _ => "200",
    };
    *fake.answers.lock().unwrap().entry(answer).or_default() += 1;
    match answer {
        "429" => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                Json(json!({"error": {"message": "Rate limit hit", "code": 130429}})),
            )
                .into_response();
        }
        "500" => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": {"message": "Service temporarily unavailable", "code": 2}})),
            )
                .into_response();
        }
        _ => {}
    }
    let Some(ours) = ours else {
        return (StatusCode::BAD_REQUEST, "no callback data").into_response();
    };
    *fake.kept.lock().unwrap().entry(ours).or_default() += 1;
    let wamid = format!("wamid.{}", ours.simple());
    let store = fake.store.clone();
    let report = wamid.clone();
    tokio::spawn(async move {
        tokio::time::sleep(StdDuration::from_millis(200)).await;
        let event = HookEvent::Status {
            network: Network::Whatsapp,
            provider_message_id: Some(report),
            our_id: Some(ours),
            state: MessageState::Delivered,
            error: None,
            retry: None,
            at: clock::now(),
        };
        if let Err(e) = aboard::app::hooks::apply(store.as_ref(), vec![event], clock::now()).await {
            eprintln!("status: {e}");
        }
    });
    if answer == "timeout" {
        tokio::time::sleep(StdDuration::from_millis(1_500)).await;
    }
    Json(json!({"messaging_product": "whatsapp", "messages": [{"id": wamid}]})).into_response()
}

/// A task whose person writes on WhatsApp inside the window, for the messages to belong to.
async fn task(store: &dyn Store) -> Uuid {
    let now = clock::now();
    let flight = NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse("IB9999").unwrap(),
            local_date: now.date_naive(),
            origin: Iata::parse("AGP").unwrap(),
        },
        destination: Some(Iata::parse("MAD").unwrap()),
        departure: MovementTimes {
            scheduled: Some(now + Duration::hours(1)),
            ..Default::default()
        },
        arrival: MovementTimes::default(),
        gate: None,
        status: FlightStatus::Boarding,
    };
    let passenger = NewPassenger {
        pax_key: "Q7K2QM/CHAOS-1".to_string(),
        surname: "GIL".to_string(),
        given_name: "ANA".to_string(),
        title: None,
        traveller_class: TravellerClass::Adult,
        locator: Some("Q7K2QM".to_string()),
        seat: None,
        cabin_class: None,
        destination: None,
        party_ref: None,
        frequent_flyer: None,
        email: None,
        phone: None,
        date_of_birth: None,
        gender: None,
        nationality: None,
        docs_surname: None,
        docs_given: None,
        checkin_sequence: None,
        service_codes: vec![],
    };
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: "chaos.csv".to_string(),
        digest: "chaos".to_string(),
        actor: "bench".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight,
            mode: ListMode::Merge,
            passengers: vec![passenger],
        }],
    };
    let flight_id = store.import_manifest(&import, now).await.unwrap().flights[0].flight_id;
    let passenger_id = store.passengers(flight_id).await.unwrap()[0].id;
    let record = PersonRecord {
        external_id: "P-CHAOS".to_string(),
        display_name: "Ana Gil".to_string(),
        language: Some("es".to_string()),
        country: None,
        date_of_birth: None,
        identifiers: vec![],
        accounts: vec![SocialAccount {
            network: Network::Whatsapp,
            handle: format!("+{RECIPIENT}"),
            network_user_id: Some(RECIPIENT.to_string()),
            followers: 10,
            activity_30d: 1,
            follows_airline: true,
            accepts_dms: true,
            opted_in: true,
            // The window stays open for the whole run.
            last_inbound_at: Some(now),
        }],
        cases: vec![],
        consents: vec![],
    };
    let person = store.upsert_person(&record, "bench", now).await.unwrap();
    store
        .upsert_link(&IdentityLink {
            passenger_id,
            person_id: person.id,
            decision: LinkDecision::Linked,
            score: 1.0,
            reasons: vec![],
            decided_by: "bench".to_string(),
            updated_at: now,
        })
        .await
        .unwrap();
    store
        .create_task(
            &NewTask {
                flight_id,
                passenger_id,
                person_id: person.id,
                rule_id: "chaos".to_string(),
                channel: Channel::Social,
                station: "AGP".to_string(),
                gate: None,
                priority: 1,
                due_at: now,
                expires_at: now + Duration::hours(6),
                brief: "chaos".to_string(),
                briefs: Default::default(),
                why: vec![],
                holdout: None,
            },
            now,
        )
        .await
        .unwrap()
        .expect("a task")
        .id
}

fn value(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    if let Some(i) = args.iter().position(|a| a == "--instance") {
        let (name, url, fake) = (
            args[i + 1].clone(),
            args[i + 2].clone(),
            args[i + 3].clone(),
        );
        runtime.block_on(instance(name, url, fake));
        return;
    }
    let Some(admin) = support::postgres_admin_url() else {
        println!("chaos: set TEST_DATABASE_URL to a PostgreSQL server to run it");
        return;
    };
    let messages = value(&args, "--messages", 10_000);
    let kills = value(&args, "--kills", 5);
    runtime.block_on(run(admin, messages, kills));
}

async fn run(admin: String, messages: usize, kills: usize) {
    let name = format!("aboard_chaos_{}", Uuid::now_v7().simple());
    let url = support::create_database(&admin, &name).await;
    let store: Arc<dyn Store> = Arc::new(
        PostgresStore::connect(&SecretString::from(url.clone()), 8)
            .await
            .expect("connect"),
    );
    let task_id = task(store.as_ref()).await;
    let started = Instant::now();
    let mut originals = Vec::with_capacity(messages);
    for n in 0..messages {
        let message = NewMessage {
            task_id,
            network: Network::Whatsapp,
            recipient: RECIPIENT.to_string(),
            body: format!("Mensaje {n}"),
            author: "staff:bench".to_string(),
            idempotency_key: format!("chaos-{n}"),
            mode: MessageMode::FreeText,
            tag: None,
            template: None,
        };
        originals.push(
            store
                .enqueue_message(&message, clock::now())
                .await
                .unwrap()
                .id,
        );
    }
    println!(
        "chaos: {messages} messages queued in {:.1} s; two outbox processes, one killed with SIGKILL {kills} times",
        started.elapsed().as_secs_f64()
    );
    let fake = Fake {
        store: store.clone(),
        kept: Arc::default(),
        answers: Arc::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/{*path}", axum::routing::post(receive))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let exe = std::env::current_exe().expect("this binary");
    let spawn = |instance: String| {
        tokio::process::Command::new(&exe)
            .args(["--instance", &instance, &url, &fake_url])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("an outbox process")
    };
    let mut steady = spawn("steady".to_string());
    let mut victim = spawn("victim-0".to_string());
    let delivery = Instant::now();
    let mut killed = 0;
    let mut next_kill =
        Instant::now() + StdDuration::from_millis(rand::rng().random_range(500..4_000));
    // Original id of each message sent again.
    let mut again: HashMap<Uuid, Uuid> = HashMap::new();
    let mut resent = 0;
    loop {
        tokio::time::sleep(StdDuration::from_millis(250)).await;
        if killed < kills && Instant::now() >= next_kill {
            victim.start_kill().expect("kill -9");
            let _ = victim.wait().await;
            killed += 1;
            victim = spawn(format!("victim-{killed}"));
            next_kill =
                Instant::now() + StdDuration::from_millis(rand::rng().random_range(500..4_000));
        }
        let all = store.messages_for_task(task_id).await.unwrap();
        let mut open = 0;
        for m in &all {
            match m.state {
                MessageState::Unconfirmed => {
                    // The advisor sends again what the network never confirmed (once: the key says so).
                    let copy = NewMessage {
                        idempotency_key: format!("{}:again", m.new.idempotency_key),
                        ..m.new.clone()
                    };
                    let queued = store.enqueue_message(&copy, clock::now()).await.unwrap();
                    if !again.contains_key(&queued.id) {
                        let original = *again.get(&m.id).unwrap_or(&m.id);
                        again.insert(queued.id, original);
                        resent += 1;
                    }
                    if matches!(
                        queued.state,
                        MessageState::Queued | MessageState::Sending | MessageState::Unknown
                    ) {
                        open += 1;
                    }
                }
                MessageState::Queued | MessageState::Sending | MessageState::Unknown => open += 1,
                _ => {}
            }
        }
        if open == 0 && killed >= kills {
            break;
        }
        if delivery.elapsed() > StdDuration::from_secs(1_800) {
            println!("chaos: gave up after 30 minutes with {open} messages still open");
            break;
        }
    }
    let seconds = delivery.elapsed().as_secs_f64();
    let _ = steady.start_kill();
    let _ = victim.start_kill();
    let kept = fake.kept.lock().unwrap().clone();
    let mut per_original: HashMap<Uuid, usize> = HashMap::new();
    for (id, times) in &kept {
        let original = *again.get(id).unwrap_or(id);
        *per_original.entry(original).or_default() += times;
    }
    let lost = originals
        .iter()
        .filter(|id| per_original.get(id).copied().unwrap_or(0) == 0)
        .count();
    let twice = per_original.values().filter(|n| **n > 1).count();
    let answers = fake.answers.lock().unwrap().clone();
    let all = store.messages_for_task(task_id).await.unwrap();
    let mut states: HashMap<&str, usize> = HashMap::new();
    for m in &all {
        *states.entry(m.state.as_str()).or_default() += 1;
    }
    println!(
        "chaos: delivered in {seconds:.1} s ({:.0} messages/s) with {killed} kills; the fake answered {answers:?}",
        messages as f64 / seconds
    );
    println!("chaos: {resent} sent again after no confirmation; final states {states:?}");
    println!("chaos: lost {lost}, delivered twice {twice} (counted at the fake)");
    store.close().await;
    support::drop_database(&admin, &name).await;
    assert_eq!((lost, twice), (0, 0), "exactly once under faults");
}

//! The webhook connector against a local receiver, on both backends: the HMAC signature checks out with
//! the shared secret, 429 (honouring Retry-After) and 500 are retried until a 200 delivers the message
//! once, a 400's reason reaches the advisor, two outbox instances on one database never deliver the same
//! message twice, and every request carries the message's idempotency key.

mod common;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use aboard::clock;
use aboard::domain::records::NewMessage;
use aboard::domain::{MessageState, Network, Role};
use aboard::messaging::outbox::{self, ConnectorKind, Outbox, OutboxConfig, Webhook};
use aboard::store::Store;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use common::social::{person, social_task, x_account};
use common::{TestApp, TestDb};
use secrecy::SecretString;

const SECRET: &str = "shared-webhook-secret";

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Received {
    idempotency_key: Option<String>,
    signature_valid: bool,
    body: serde_json::Value,
}

/// A scripted answer: status, headers, body.
type Answer = (u16, Vec<(&'static str, &'static str)>, &'static str);

/// A receiver that answers from a script (then 200) and records every request.
#[derive(Clone, Default)]
struct Receiver {
    script: Arc<Mutex<VecDeque<Answer>>>,
    received: Arc<Mutex<Vec<Received>>>,
    delay: StdDuration,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let signature_valid = header("x-aboard-signature") == Some(outbox::signature(SECRET, &body));
    receiver.received.lock().unwrap().push(Received {
        idempotency_key: header("x-aboard-idempotency-key"),
        signature_valid,
        body: serde_json::from_slice(&body).unwrap_or_default(),
    });
    tokio::time::sleep(receiver.delay).await;
    let next = receiver.script.lock().unwrap().pop_front();
    match next {
        Some((status, headers, body)) => {
            let mut response =
                (StatusCode::from_u16(status).unwrap(), body.to_string()).into_response();
            for (name, value) in headers {
                response.headers_mut().insert(name, value.parse().unwrap());
            }
            response
        }
        None => (StatusCode::OK, r#"{"id": "tool-1"}"#).into_response(),
    }
}

/// Serves `receiver` on a free port; returns its URL.
async fn serve(receiver: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(receiver);
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{address}/hook")
}

fn webhook_outbox(store: Arc<dyn Store>, url: &str, instance: &str) -> Outbox {
    let config = OutboxConfig {
        connector: ConnectorKind::Webhook,
        webhook_url: Some(url.to_string()),
        webhook_secret: Some(SecretString::from(SECRET)),
        ..OutboxConfig::default()
    };
    Outbox::new(
        store,
        Arc::new(Webhook::new(url.to_string(), SecretString::from(SECRET))),
        config,
        instance.to_string(),
    )
}

async fn queue(store: &dyn Store, task: uuid::Uuid, key: &str) -> aboard::domain::records::Message {
    store
        .enqueue_message(
            &NewMessage {
                task_id: task,
                network: Network::X,
                recipient: "31".to_string(),
                body: format!("Hola, ¿qué tal el vuelo? ({key})"),
                author: "staff:alba".to_string(),
                idempotency_key: key.to_string(),
                mode: aboard::domain::MessageMode::FreeText,
                tag: None,
                template: None,
            },
            clock::now(),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn retries_honour_retry_after_then_deliver_once_with_a_valid_signature() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = social_task(
            store.clone(),
            6101,
            &person("P-HOOK", "Lucía Pérez", "es", vec![x_account("31")]),
        )
        .await;
        let receiver = Receiver::default();
        receiver.script.lock().unwrap().extend([
            (429, vec![("retry-after", "2")], r#"{"error": "slow down"}"#),
            (500, vec![], "upstream broke"),
        ]);
        let url = serve(receiver.clone()).await;
        let outbox = webhook_outbox(store.clone(), &url, "one");
        let message = queue(store.as_ref(), task.id, "task:hook:1").await;

        let report = outbox.deliver_due(clock::now()).await.unwrap();
        assert_eq!((report.delivered, report.retrying), (0, 1));
        let after_429 = store.messages_for_task(task.id).await.unwrap().remove(0);
        assert_eq!(
            (after_429.state, after_429.attempts),
            (MessageState::Queued, 1)
        );
        assert_eq!(after_429.last_error.as_deref(), Some("429 slow down"));
        let wait = after_429.next_attempt_at.unwrap() - clock::now();
        assert!(
            wait > Duration::milliseconds(1_000) && wait <= Duration::seconds(2),
            "Retry-After: 2 is honoured: {wait}"
        );
        assert_eq!(
            outbox.deliver_due(clock::now()).await.unwrap().delivered,
            0,
            "not before it is due"
        );

        let later = clock::now() + Duration::hours(1);
        let report = outbox.deliver_due(later).await.unwrap();
        assert_eq!(report.retrying, 1);
        let after_500 = store.messages_for_task(task.id).await.unwrap().remove(0);
        assert_eq!(after_500.attempts, 2);
        assert!(after_500.last_error.as_deref().unwrap().starts_with("500"));

        let report = outbox
            .deliver_due(later + Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(report.delivered, 1);
        let sent = store.messages_for_task(task.id).await.unwrap().remove(0);
        assert_eq!((sent.state, sent.attempts), (MessageState::Sent, 3));
        assert_eq!(sent.provider_message_id.as_deref(), Some("tool-1"));
        assert_eq!(
            outbox
                .deliver_due(later + Duration::hours(2))
                .await
                .unwrap()
                .delivered,
            0,
            "delivered once"
        );

        let received = receiver.received.lock().unwrap().clone();
        assert_eq!(received.len(), 3);
        for request in &received {
            assert!(request.signature_valid, "signed with the shared secret");
            assert_eq!(request.idempotency_key.as_deref(), Some("task:hook:1"));
            assert_eq!(request.body["id"], message.id.to_string());
            assert_eq!(request.body["recipient"], "31");
            assert_eq!(request.body["network"], "x");
        }
        db.finish().await;
    }
}

#[tokio::test]
async fn two_outboxes_on_one_database_never_deliver_a_message_twice() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = social_task(
            store.clone(),
            6201,
            &person("P-TWO", "Ana Gil", "es", vec![x_account("41")]),
        )
        .await;
        let receiver = Receiver {
            delay: StdDuration::from_millis(15),
            ..Receiver::default()
        };
        let url = serve(receiver.clone()).await;
        for n in 0..30 {
            queue(store.as_ref(), task.id, &format!("task:pair:{n}")).await;
        }
        let run = |instance: &'static str| {
            let outbox = webhook_outbox(store.clone(), &url, instance);
            async move {
                let mut delivered = 0;
                for _ in 0..40 {
                    delivered += outbox.deliver_due(clock::now()).await.unwrap().delivered;
                    tokio::task::yield_now().await;
                }
                delivered
            }
        };
        let (a, b) = tokio::join!(tokio::spawn(run("a")), tokio::spawn(run("b")));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(
            a + b,
            30,
            "every message delivered ({a} by one, {b} by the other)"
        );
        let received = receiver.received.lock().unwrap().clone();
        let mut per_key: BTreeMap<String, usize> = BTreeMap::new();
        for request in &received {
            *per_key
                .entry(request.idempotency_key.clone().unwrap())
                .or_default() += 1;
        }
        assert_eq!(per_key.len(), 30);
        assert!(
            per_key.values().all(|&n| n == 1),
            "a message reached the receiver twice: {per_key:?}"
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn a_refusal_fails_the_message_and_the_advisor_reads_the_reason() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = social_task(
            store.clone(),
            6301,
            &person("P-REF", "Lucía Pérez", "es", vec![x_account("51")]),
        )
        .await;
        let receiver = Receiver::default();
        receiver.script.lock().unwrap().push_back((
            400,
            vec![("content-type", "application/json")],
            r#"{"error": "the recipient does not accept direct messages"}"#,
        ));
        let url = serve(receiver.clone()).await;
        let mut config = db.config();
        config.outbox = OutboxConfig {
            connector: ConnectorKind::Webhook,
            webhook_url: Some(url),
            webhook_secret: Some(SecretString::from(SECRET)),
            poll_millis: 100,
            ..OutboxConfig::default()
        };
        let app = TestApp::spawn(config).await;
        let token = common::token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        let claimed = app
            .client
            .post(app.url(&format!("/advisor/tasks/{}/claim", task.id)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(claimed.status().is_success() || claimed.status().is_redirection());
        let sent = app
            .client
            .post(app.url(&format!("/api/tasks/{}/messages", task.id)))
            .bearer_auth(&token)
            .json(&serde_json::json!({"network": "x", "body": "Lucía, ¿llegó bien tu maleta esta vez?"}))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status().as_u16(), 201);
        let started = Instant::now();
        let failed = loop {
            let messages = store.messages_for_task(task.id).await.unwrap();
            if messages[0].state == MessageState::Failed {
                break messages[0].clone();
            }
            assert!(
                started.elapsed() < StdDuration::from_secs(10),
                "not failed: {messages:?}"
            );
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        };
        assert_eq!(failed.attempts, 1, "a refusal is not retried");
        assert_eq!(
            failed.last_error.as_deref(),
            Some("400 the recipient does not accept direct messages")
        );
        let page = app
            .get_as(&format!("/advisor/tasks/{}", task.id), &token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("data-state=\"failed\"")
                && page.contains("400 the recipient does not accept direct messages"),
            "{page}"
        );
        assert!(
            !page.contains("id=\"delivery-notice\""),
            "a configured webhook delivers: no warning"
        );
        let received = receiver.received.lock().unwrap().clone();
        assert_eq!(received.len(), 1);
        assert!(received[0].signature_valid);
        assert!(
            received[0]
                .idempotency_key
                .as_deref()
                .is_some_and(|k| k.starts_with(&format!("task:{}:api:", task.id)))
        );
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn a_send_without_an_answer_is_never_sent_again_until_the_advisor_chooses_to() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = social_task(
            store.clone(),
            6401,
            &person("P-SLOW", "Lucía Pérez", "es", vec![x_account("61")]),
        )
        .await;
        let receiver = Receiver {
            delay: StdDuration::from_millis(2_500),
            ..Receiver::default()
        };
        let url = serve(receiver.clone()).await;
        let mut config = db.config();
        config.outbox = OutboxConfig {
            connector: ConnectorKind::Webhook,
            webhook_url: Some(url),
            webhook_secret: Some(SecretString::from(SECRET)),
            poll_millis: 100,
            send_timeout_seconds: 1,
            confirm_seconds: 2,
            ..OutboxConfig::default()
        };
        let app = TestApp::spawn(config).await;
        let token = common::token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        let claimed = app
            .client
            .post(app.url(&format!("/advisor/tasks/{}/claim", task.id)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(claimed.status().is_success() || claimed.status().is_redirection());
        let sent = app
            .client
            .post(app.url(&format!("/api/tasks/{}/messages", task.id)))
            .bearer_auth(&token)
            .json(&serde_json::json!({"network": "x", "body": "Lucía, ¿llegó bien tu maleta?"}))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status().as_u16(), 201);
        let wait_for = |state: MessageState, count: usize| {
            let store = store.clone();
            async move {
                let started = Instant::now();
                loop {
                    let messages = store.messages_for_task(task.id).await.unwrap();
                    if messages.len() == count && messages[count - 1].state == state {
                        return messages;
                    }
                    assert!(
                        started.elapsed() < StdDuration::from_secs(15),
                        "not {state}: {messages:?}"
                    );
                    tokio::time::sleep(StdDuration::from_millis(50)).await;
                }
            }
        };
        let unknown = wait_for(MessageState::Unknown, 1).await;
        assert!(
            unknown[0]
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("did not answer")),
            "{unknown:?}"
        );
        let unconfirmed = wait_for(MessageState::Unconfirmed, 1).await;
        assert_eq!(
            receiver.received.lock().unwrap().len(),
            1,
            "a send without an answer is not repeated"
        );
        let page = app
            .get_as(&format!("/advisor/tasks/{}", task.id), &token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let again = format!("again-{}", unconfirmed[0].id);
        assert!(
            page.contains("data-state=\"unconfirmed\"") && page.contains(&again),
            "{page}"
        );

        receiver.received.lock().unwrap().clear();
        let url = format!(
            "/advisor/tasks/{}/messages/{}/again",
            task.id, unconfirmed[0].id
        );
        for _ in 0..2 {
            let again = app
                .client
                .post(app.url(&url))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert!(
                again.status().is_redirection() || again.status().is_success(),
                "{}",
                again.status()
            );
        }
        let messages = store.messages_for_task(task.id).await.unwrap();
        assert_eq!(messages.len(), 2, "two taps send again once: {messages:?}");
        assert_eq!(messages[1].new.body, messages[0].new.body);
        assert_ne!(
            messages[1].new.idempotency_key,
            messages[0].new.idempotency_key
        );
        let started = Instant::now();
        while receiver.received.lock().unwrap().is_empty() {
            assert!(
                started.elapsed() < StdDuration::from_secs(10),
                "not sent again"
            );
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        let resent = receiver.received.lock().unwrap()[0].clone();
        assert_eq!(
            resent.idempotency_key.as_deref(),
            Some(messages[1].new.idempotency_key.as_str())
        );
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn a_claim_that_outlived_its_lease_sends_nothing_and_a_dead_sender_leaves_it_unknown() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = social_task(
            store.clone(),
            6501,
            &person("P-LEASE", "Ana Gil", "es", vec![x_account("71")]),
        )
        .await;
        let receiver = Receiver::default();
        let url = serve(receiver.clone()).await;
        let first = queue(store.as_ref(), task.id, "task:lease:1").await;
        let second = queue(store.as_ref(), task.id, "task:lease:2").await;
        let now = clock::now();

        // Instance "slow" claimed both, then took longer than its lease before the second left.
        let claimed = store
            .claim_messages("slow", now, now + Duration::seconds(1), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 2);
        assert!(
            store
                .begin_send(first.id, "slow", now + Duration::seconds(30))
                .await
                .unwrap()
        );
        let later = now + Duration::seconds(5);
        let other = webhook_outbox(store.clone(), &url, "other");
        let report = other.deliver_due(later).await.unwrap();
        assert_eq!(
            report.delivered, 1,
            "the other instance sends the second, whose lease ended"
        );
        assert!(
            !store
                .begin_send(second.id, "slow", later + Duration::seconds(30))
                .await
                .unwrap(),
            "the slow instance no longer holds the second and does not send it"
        );
        assert_eq!(
            store
                .finish_message(
                    second.id,
                    "slow",
                    &aboard::store::SendResult::Failed {
                        error: "late".to_string()
                    },
                    later
                )
                .await
                .unwrap(),
            None
        );

        // "slow" dies with the first one leaving: once its lease ends the outcome is unknown, then
        // not confirmed; it is never claimed again.
        let after_death = now + Duration::minutes(1);
        let report = other.deliver_due(after_death).await.unwrap();
        assert_eq!(report.delivered, 0);
        let first_now = store.messages_for_task(task.id).await.unwrap()[0].clone();
        assert_eq!(first_now.state, MessageState::Unknown);
        other
            .deliver_due(after_death + Duration::hours(1))
            .await
            .unwrap();
        let messages = store.messages_for_task(task.id).await.unwrap();
        assert_eq!(
            (messages[0].state, messages[1].state),
            (MessageState::Unconfirmed, MessageState::Sent)
        );
        let received = receiver.received.lock().unwrap().clone();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].idempotency_key.as_deref(), Some("task:lease:2"));
        db.finish().await;
    }
}

#[tokio::test]
async fn the_mode_travels_with_the_message_and_a_window_closed_meanwhile_stops_it_before_it_leaves()
{
    for db in TestDb::each().await {
        let store = db.store.clone();
        let whatsapp = aboard::domain::records::SocialAccount {
            network: Network::Whatsapp,
            handle: "+34600000001".to_string(),
            network_user_id: Some("34600000001".to_string()),
            last_inbound_at: Some(clock::now() - Duration::hours(48)),
            ..x_account("81")
        };
        let templated = social_task(
            store.clone(),
            6601,
            &person("P-MODE-WA", "Pablo Gil", "es-MX", vec![whatsapp]),
        )
        .await;
        let messenger = aboard::domain::records::SocialAccount {
            network: Network::Facebook,
            handle: "pablo.fb".to_string(),
            network_user_id: Some("psid-82".to_string()),
            last_inbound_at: Some(clock::now() - Duration::days(3)),
            ..x_account("82")
        };
        let tagged = social_task(
            store.clone(),
            6602,
            &person("P-MODE-FB", "Ana Gil", "es", vec![messenger]),
        )
        .await;
        let receiver = Receiver::default();
        let url = serve(receiver.clone()).await;
        let mut config = db.config();
        config.messaging.templates = BTreeMap::from([(
            "flight_checkin".to_string(),
            "Hello {{1}}, we hope flight {{2}} is going well.".to_string(),
        )]);
        config.outbox = OutboxConfig {
            connector: ConnectorKind::Webhook,
            webhook_url: Some(url),
            webhook_secret: Some(SecretString::from(SECRET)),
            poll_millis: 100,
            ..OutboxConfig::default()
        };
        let app = TestApp::spawn(config).await;
        let token = common::token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        for task in [templated.id, tagged.id] {
            let claimed = app
                .client
                .post(app.url(&format!("/advisor/tasks/{task}/claim")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert!(claimed.status().is_success() || claimed.status().is_redirection());
        }
        let send = |task: uuid::Uuid, body: serde_json::Value| {
            let request = app
                .client
                .post(app.url(&format!("/api/tasks/{task}/messages")))
                .bearer_auth(&token)
                .json(&body);
            async move {
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                (status, response.json::<serde_json::Value>().await.unwrap())
            }
        };
        let (status, body) = send(
            templated.id,
            serde_json::json!({"network": "whatsapp", "template": "flight_checkin", "parameters": ["Pablo", "IB6601"]}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["message"]["mode"], "template");
        assert_eq!(
            body["message"]["template"],
            serde_json::json!({"name": "flight_checkin", "language": "es_MX", "parameters": ["Pablo", "IB6601"]})
        );
        let (status, body) = send(
            tagged.id,
            serde_json::json!({"network": "facebook", "body": "Ana, ¿llegó tu maleta?"}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let started = Instant::now();
        while receiver.received.lock().unwrap().len() < 2 {
            assert!(
                started.elapsed() < StdDuration::from_secs(10),
                "not delivered"
            );
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        let received = receiver.received.lock().unwrap().clone();
        let template = received
            .iter()
            .find(|r| r.body["network"] == "whatsapp")
            .unwrap();
        assert_eq!(template.body["mode"], "template");
        assert_eq!(template.body["template"]["name"], "flight_checkin");
        assert_eq!(template.body["template"]["language"], "es_MX");
        assert_eq!(
            template.body["template"]["parameters"],
            serde_json::json!(["Pablo", "IB6601"])
        );
        assert_eq!(
            template.body["body"],
            "Hello Pablo, we hope flight IB6601 is going well."
        );
        let tag = received
            .iter()
            .find(|r| r.body["network"] == "facebook")
            .unwrap();
        assert_eq!(
            (&tag.body["mode"], &tag.body["tag"]),
            (
                &serde_json::json!("human_agent_tag"),
                &serde_json::json!("HUMAN_AGENT")
            )
        );
        app.stop().await;

        // Free text queued for WhatsApp while the window was open; by delivery it has closed.
        receiver.received.lock().unwrap().clear();
        let stale = store
            .enqueue_message(
                &NewMessage {
                    task_id: templated.id,
                    network: Network::Whatsapp,
                    recipient: "34600000001".to_string(),
                    body: "Pablo, ¿todo bien?".to_string(),
                    author: "staff:alba".to_string(),
                    idempotency_key: "task:stale:1".to_string(),
                    mode: aboard::domain::MessageMode::FreeText,
                    tag: None,
                    template: None,
                },
                clock::now(),
            )
            .await
            .unwrap();
        let outbox = webhook_outbox(store.clone(), &serve(receiver.clone()).await, "late");
        let report = outbox.deliver_due(clock::now()).await.unwrap();
        assert_eq!(report.failed, 1);
        let failed = store
            .messages_for_task(templated.id)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.id == stale.id)
            .unwrap();
        assert_eq!(failed.state, MessageState::Failed);
        assert!(
            failed
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("only an approved template may go now")),
            "{failed:?}"
        );
        assert!(receiver.received.lock().unwrap().is_empty(), "nothing left");
        db.finish().await;
    }
}

#[tokio::test]
async fn the_api_sends_again_a_message_never_confirmed_once_for_the_advisor_holding_the_task() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = social_task(
            store.clone(),
            6801,
            &person("P-AGAIN-API", "Lucía Pérez", "es", vec![x_account("68")]),
        )
        .await;
        let receiver = Receiver::default();
        let url = serve(receiver.clone()).await;
        let mut config = db.config();
        config.outbox = OutboxConfig {
            connector: ConnectorKind::Webhook,
            webhook_url: Some(url),
            webhook_secret: Some(SecretString::from(SECRET)),
            poll_millis: 100,
            ..OutboxConfig::default()
        };
        // Sent by an instance whose request got no answer, and no status came in time.
        let lost = queue(store.as_ref(), task.id, "api-again").await;
        let at = clock::now();
        store
            .claim_messages("gone", at, at + Duration::minutes(1), 1)
            .await
            .unwrap();
        assert!(
            store
                .begin_send(lost.id, "gone", at + Duration::minutes(1))
                .await
                .unwrap()
        );
        let unknown = aboard::store::SendResult::Unknown {
            until: at,
            error: "the webhook did not answer: timed out".to_string(),
        };
        store
            .finish_message(lost.id, "gone", &unknown, at)
            .await
            .unwrap()
            .unwrap();
        store
            .settle_messages(clock::now(), clock::now())
            .await
            .unwrap();
        let app = TestApp::spawn(config).await;
        let holder = common::token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        let other = {
            use secrecy::ExposeSecret;
            let grant =
                aboard::web::accounts::grant(Role::Advisor, &[], &["es".to_string()]).unwrap();
            aboard::web::accounts::create_token(store.as_ref(), "another advisor", grant, "test")
                .await
                .unwrap()
                .secret
                .expose_secret()
                .to_string()
        };
        let gate = common::token(store.as_ref(), Role::Gate, &["AGP"], &[]).await;
        let claimed = app
            .client
            .post(app.url(&format!("/advisor/tasks/{}/claim", task.id)))
            .bearer_auth(&holder)
            .send()
            .await
            .unwrap();
        assert!(claimed.status().is_success() || claimed.status().is_redirection());
        let again = |token: &str, message: uuid::Uuid| {
            let request = app
                .client
                .post(app.url(&format!("/api/tasks/{}/messages/{message}/again", task.id)))
                .bearer_auth(token);
            async move {
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                (
                    status,
                    response
                        .json::<serde_json::Value>()
                        .await
                        .unwrap_or_default(),
                )
            }
        };
        assert_eq!(again(&gate, lost.id).await.0, 403, "gate staff may not");
        let (status, refusal) = again(&other, lost.id).await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (409, Some("not_claimed")),
            "{refusal}"
        );
        assert_eq!(again(&holder, uuid::Uuid::now_v7()).await.0, 404);
        assert_eq!(
            store.messages_for_task(task.id).await.unwrap().len(),
            1,
            "nothing queued yet"
        );

        // The holder asks twice at once, then once more: one new message, the same one each time.
        let (first, second) = tokio::join!(again(&holder, lost.id), again(&holder, lost.id));
        let third = again(&holder, lost.id).await;
        assert!(
            [first.0, second.0].contains(&201) && third.0 == 200,
            "{first:?} {second:?} {third:?}"
        );
        for answer in [&first.1, &second.1, &third.1] {
            assert_eq!(answer["id"], first.1["id"]);
            assert_eq!(answer["body"], lost.new.body.as_str());
            assert_eq!(answer["mode"], "free_text");
        }
        let started = Instant::now();
        loop {
            let messages = store.messages_for_task(task.id).await.unwrap();
            if messages.len() == 2 && messages[1].state == MessageState::Sent {
                break;
            }
            assert!(
                started.elapsed() < StdDuration::from_secs(10),
                "{messages:?}"
            );
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        let received = receiver.received.lock().unwrap().clone();
        assert_eq!(received.len(), 1, "sent again once: {received:?}");
        assert_eq!(
            received[0].idempotency_key.as_deref(),
            Some("api-again:again")
        );
        // What went is no longer unconfirmed: the new message may not be sent again.
        let new_id = uuid::Uuid::parse_str(first.1["id"].as_str().unwrap()).unwrap();
        let (status, refusal) = again(&holder, new_id).await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (422, Some("invalid")),
            "{refusal}"
        );
        let listed: serde_json::Value = app
            .get_as(&format!("/api/tasks/{}/messages", task.id), &holder)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let states: Vec<&str> = listed["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["state"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["unconfirmed", "sent"]);
        app.stop().await;
        db.finish().await;
    }
}

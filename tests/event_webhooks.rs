//! Outgoing event webhooks on both backends, through two instances of the real app on one database and a
//! local receiver: every subscribed event arrives, signed (the test checks the HMAC itself), with no free
//! text; one the receiver answered 500 comes again and is taken; none is taken twice; events nobody
//! subscribes to stay home.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use aboard::clock;
use aboard::domain::records::{NewEvent, TaskTransition};
use aboard::domain::{TaskOutcome, TaskState};
use aboard::event_webhooks::EventWebhookConfig;
use aboard::store::EventFilter;
use axum::http::{HeaderMap, StatusCode};
use common::social::{person, social_task, x_account};
use common::{TestApp, TestDb};
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;

const SECRET: &str = "crm-webhook-secret";

/// What the receiver was sent: each request's event id, whether it was taken (200) and the body.
#[derive(Default, Clone)]
struct Received {
    requests: Vec<(String, bool, serde_json::Value)>,
}

/// A receiver that answers 500 to its first request and 200 to the others, checking every signature.
async fn receiver() -> (String, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let state = received.clone();
    let app = axum::Router::new().route(
        "/events",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let state = state.clone();
            async move {
                let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
                mac.update(&body);
                let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
                let signed = headers
                    .get("x-aboard-signature")
                    .and_then(|v| v.to_str().ok());
                if signed != Some(expected.as_str()) {
                    return StatusCode::UNAUTHORIZED;
                }
                let id = headers["x-aboard-event-id"].to_str().unwrap().to_string();
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let mut received = state.lock().unwrap();
                let taken = !received.requests.is_empty();
                received.requests.push((id, taken, json));
                if taken {
                    StatusCode::OK
                } else {
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, received)
}

#[tokio::test]
async fn events_reach_the_receiver_signed_once_each_after_a_500() {
    for db in TestDb::each().await {
        let (url, received) = receiver().await;
        let mut config = db.config();
        config.event_webhook = EventWebhookConfig {
            url: Some(url),
            secret: Some(SecretString::from(SECRET)),
            poll_millis: 50,
            ..EventWebhookConfig::default()
        };
        // Two instances on one database deliver the same queue.
        let first = TestApp::spawn(config.clone()).await;
        let second = TestApp::spawn(config).await;
        // Each instance records at start, before it serves, that events are to be queued.
        for app in [&first, &second] {
            let started = Instant::now();
            while app.client.get(app.url("/healthz")).send().await.is_err() {
                assert!(
                    started.elapsed() < StdDuration::from_secs(10),
                    "the app starts"
                );
                tokio::time::sleep(StdDuration::from_millis(50)).await;
            }
        }

        let store = db.store.clone();
        let mut tasks = Vec::new();
        for n in 0..6u16 {
            let record = person(
                &format!("SC-{n}"),
                "Persona",
                "es",
                vec![x_account(&format!("90{n}"))],
            );
            tasks.push(social_task(store.clone(), 5101 + n, &record).await);
        }
        for task in &tasks[..3] {
            for (to, outcome) in [
                (TaskState::Claimed, None),
                (TaskState::Done, Some(TaskOutcome::TalkedAllWell)),
            ] {
                store
                    .transition_task(&TaskTransition {
                        task_id: task.id,
                        from: vec![TaskState::Open, TaskState::Claimed],
                        to,
                        actor: "staff:advisor".to_string(),
                        assignee: Some("advisor".to_string()),
                        outcome,
                        note: Some("She said her name is Persona".to_string()),
                        at: clock::now(),
                    })
                    .await
                    .unwrap()
                    .unwrap();
            }
        }
        // Nobody subscribes to these.
        store
            .append_event(
                &NewEvent {
                    actor: "test".to_string(),
                    action: "station.changed".to_string(),
                    subject_kind: "station".to_string(),
                    subject_id: "MAD".to_string(),
                    flight_id: None,
                    person_id: None,
                    detail: serde_json::json!({}),
                },
                clock::now(),
            )
            .await
            .unwrap();

        let subscribed = [
            "task.created",
            "task.claimed",
            "task.done",
            "import.manifest",
        ];
        let expected: Vec<String> = store
            .events(&EventFilter {
                limit: 10_000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|e| subscribed.contains(&e.event.action.as_str()))
            .map(|e| e.id.to_string())
            .collect();
        // 6 imports, 6 created, 3 claimed, 3 done.
        assert_eq!(expected.len(), 18, "{expected:?}");
        let started = Instant::now();
        loop {
            let taken = received
                .lock()
                .unwrap()
                .requests
                .iter()
                .filter(|r| r.1)
                .count();
            if taken >= expected.len() || started.elapsed() > StdDuration::from_secs(30) {
                break;
            }
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
        // Both instances have had time to send anything twice.
        tokio::time::sleep(StdDuration::from_millis(500)).await;
        let received = received.lock().unwrap().clone();
        let mut taken: HashMap<&str, usize> = HashMap::new();
        for (id, ok, body) in &received.requests {
            if *ok {
                *taken.entry(id).or_default() += 1;
            }
            assert_eq!(body["id"], id.as_str());
            assert!(
                subscribed.contains(&body["kind"].as_str().unwrap()),
                "{body}"
            );
            assert!(
                !body.to_string().contains("Persona"),
                "no free text: {body}"
            );
        }
        for id in &expected {
            assert_eq!(taken.get(id.as_str()), Some(&1), "event {id} taken once");
        }
        assert_eq!(taken.len(), expected.len());
        // The first request got a 500; its event came again and was taken.
        let (refused, _, _) = &received.requests[0];
        assert!(
            received.requests[1..]
                .iter()
                .any(|r| r.0 == *refused && r.1)
        );
        let counts = store.event_delivery_counts().await.unwrap();
        assert_eq!((counts.delivered, counts.queued), (18, 0));
        let metrics = first
            .client
            .get(first.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for (series, value) in [
            (
                "aboard_event_webhook_deliveries{state=\"delivered\"} ",
                "18",
            ),
            ("aboard_event_webhook_deliveries{state=\"queued\"} ", "0"),
        ] {
            assert!(
                metrics
                    .lines()
                    .any(|l| l.strip_prefix(series) == Some(value)),
                "{series}{value} in {metrics}"
            );
        }
        drop(received);
        first.stop().await;
        second.stop().await;
        db.finish().await;
    }
}

//! Hearing back from the networks, on both backends, through the real app: Meta's GET verification and
//! X's CRC; a body whose signature does not verify gets 401 and stores nothing; WhatsApp's fake reports
//! delivery itself, statuses move a message forward only (read before delivered stays read, duplicates
//! change nothing, a failure comes back in plain words), an unknown outcome is settled by the status;
//! a reply notes when the person wrote (the window opens: free text is allowed again), appears in the
//! task's thread, and waits on the holding advisor's queue; an unknown sender is kept.

mod common;

use std::time::{Duration as StdDuration, Instant};

use aboard::clock;
use aboard::domain::records::{NewMessage, SocialAccount};
use aboard::domain::{MessageMode, MessageState, Network, Role};
use aboard::messaging::hooks::x_token;
use aboard::messaging::networks::{MetaConfig, Pacing, WhatsappConfig, XConfig};
use aboard::messaging::outbox::OutboxConfig;
use aboard::store::{EventFilter, SendResult};
use chrono::Duration;
use common::fake_network::{
    FakeNetwork, Kind, meta_delivery, meta_messaging, meta_read_mid, meta_read_watermark,
    meta_signature, meta_text, post_signed_meta, whatsapp_reply, whatsapp_statuses,
};
use common::social::{person, social_task, x_account};
use common::{TestApp, TestDb};
use secrecy::SecretString;
use serde_json::json;

const APP_SECRET: &str = "meta-app-secret";
const VERIFY: &str = "verify-me";
const CONSUMER: &str = "x-consumer-secret";

fn config(db: &TestDb, whatsapp_url: &str, x_url: &str) -> aboard::config::Config {
    let mut config = db.config();
    config.messaging.templates = std::collections::BTreeMap::from([(
        "flight_checkin".to_string(),
        "Hello {{1}}, we hope flight {{2}} is going well.".to_string(),
    )]);
    config.outbox = OutboxConfig {
        poll_millis: 100,
        whatsapp: Some(WhatsappConfig {
            base_url: whatsapp_url.to_string(),
            api_version: "v23.0".to_string(),
            phone_number_id: "106540352242922".to_string(),
            access_token: SecretString::from("token"),
            app_secret: Some(SecretString::from(APP_SECRET)),
            verify_token: Some(SecretString::from(VERIFY)),
            pacing: Pacing::default(),
        }),
        x: Some(XConfig {
            base_url: x_url.to_string(),
            user_id: "1581011".to_string(),
            access_token: SecretString::from("token"),
            consumer_secret: Some(SecretString::from(CONSUMER)),
            pacing: Pacing::default(),
        }),
        ..OutboxConfig::default()
    };
    config
}

async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < StdDuration::from_secs(10),
            "never: {what}"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn handshakes_answer_and_a_bad_signature_gets_401_and_stores_nothing() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let app = TestApp::spawn(config(&db, "http://127.0.0.1:9", "http://127.0.0.1:9")).await;
        let client = &app.client;
        let verified = client
            .get(app.url("/hooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444"))
            .send()
            .await
            .unwrap();
        assert_eq!(verified.status().as_u16(), 200);
        assert_eq!(verified.text().await.unwrap(), "1158201444");
        let wrong =
            client
                .get(app.url(
                    "/hooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1",
                ))
                .send()
                .await
                .unwrap();
        assert_eq!(wrong.status().as_u16(), 403);
        let unconfigured = client
            .get(app.url(
                "/hooks/messenger?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1",
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(unconfigured.status().as_u16(), 404);

        let crc: serde_json::Value = client
            .get(app.url("/hooks/x?crc_token=challenge-123"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(crc["response_token"], x_token(CONSUMER, b"challenge-123"));

        let body = whatsapp_reply("wamid.FORGED", "34600000099", "forged");
        let status = post_signed_meta(&app.url("/hooks/whatsapp"), "not-the-secret", &body).await;
        assert_eq!(status, 401);
        let unsigned = client
            .post(app.url("/hooks/whatsapp"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(unsigned.status().as_u16(), 401);
        let x_body = json!({"for_user_id": "1581011", "direct_message_events": [{"type": "message_create", "id": "1",
            "created_timestamp": "1700000000000", "message_create": {"target": {"recipient_id": "1581011"},
            "sender_id": "2244994945", "message_data": {"text": "forged"}}}]});
        let raw = serde_json::to_vec(&x_body).unwrap();
        let forged = client
            .post(app.url("/hooks/x"))
            .header(
                "x-twitter-webhooks-signature",
                x_token("not-the-secret", &raw),
            )
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status().as_u16(), 401);
        for prefix in ["inbound.", "person.wrote", "message."] {
            let logged = store
                .events(&EventFilter {
                    action_prefix: Some(prefix.to_string()),
                    limit: 10,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(logged.is_empty(), "nothing stored: {logged:?}");
        }
        app.stop().await;
        db.finish().await;
    }
}

/// A social task on flight IB`flight` for a registry person `id` (`name`, writing in Spanish) reachable
/// on WhatsApp at +346000000`n`, who last wrote `wrote` ago.
async fn whatsapp_task(
    store: std::sync::Arc<dyn aboard::store::Store>,
    n: &str,
    flight: u16,
    id: &str,
    name: &str,
    wrote: Duration,
) -> aboard::domain::records::Task {
    let number = format!("346000000{n}");
    let whatsapp = SocialAccount {
        network: Network::Whatsapp,
        handle: format!("+{number}"),
        network_user_id: Some(number),
        last_inbound_at: Some(clock::now() - wrote),
        ..x_account(n)
    };
    social_task(store, flight, &person(id, name, "es", vec![whatsapp])).await
}

#[tokio::test]
async fn statuses_move_forward_only_and_a_reply_opens_the_window_in_the_thread() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = whatsapp_task(
            store.clone(),
            "51",
            8101,
            "P-HOOK-WA",
            "Pablo Gil",
            Duration::hours(48),
        )
        .await;
        let fake = FakeNetwork::new(Kind::Whatsapp);
        let fake_url = fake.serve().await;
        let app = TestApp::spawn(config(&db, &fake_url, "http://127.0.0.1:9")).await;
        let hook = app.url("/hooks/whatsapp");
        fake.calls_back(&hook, APP_SECRET);
        let token = common::token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        let claimed = app
            .client
            .post(app.url(&format!("/advisor/tasks/{}/claim", task.id)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(claimed.status().is_success() || claimed.status().is_redirection());
        let send = |body: serde_json::Value| {
            let request = app
                .client
                .post(app.url(&format!("/api/tasks/{}/messages", task.id)))
                .bearer_auth(&token)
                .json(&body);
            async move { request.send().await.unwrap().status().as_u16() }
        };
        assert_eq!(
            send(json!({"network": "whatsapp", "body": "Hola Pablo"})).await,
            409,
            "outside the window: template only"
        );
        assert_eq!(
            send(json!({"network": "whatsapp", "template": "flight_checkin", "parameters": ["Pablo", "IB8101"]})).await,
            201
        );
        // The fake accepts it and reports it delivered through aboard's webhook.
        wait_until("delivered", || {
            let store = store.clone();
            async move {
                let messages = store.messages_for_task(task.id).await.unwrap();
                messages
                    .first()
                    .is_some_and(|m| m.state == MessageState::Delivered)
            }
        })
        .await;
        let wamid = store.messages_for_task(task.id).await.unwrap()[0]
            .provider_message_id
            .clone()
            .unwrap();

        // Read, then a late "delivered" and a repeated "read": forward only, duplicates change nothing.
        let read = whatsapp_statuses(&[(&wamid, "read", "34600000051", None)]);
        assert_eq!(post_signed_meta(&hook, APP_SECRET, &read).await, 200);
        let late = whatsapp_statuses(&[
            (&wamid, "delivered", "34600000051", None),
            (&wamid, "sent", "34600000051", None),
        ]);
        assert_eq!(post_signed_meta(&hook, APP_SECRET, &late).await, 200);
        assert_eq!(post_signed_meta(&hook, APP_SECRET, &read).await, 200);
        let message = store.messages_for_task(task.id).await.unwrap().remove(0);
        assert_eq!(message.state, MessageState::Read);
        let logged = store
            .events(&EventFilter {
                subject_kind: Some("message".to_string()),
                subject_id: Some(message.id.to_string()),
                action_prefix: Some("message.read".to_string()),
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(logged.len(), 1, "one read, however often it is reported");

        // The person answers (twice delivered): the window opens, the reply is in the thread, and the
        // advisor holding the task sees it on the queue until they open the task.
        let reply = whatsapp_reply("wamid.REPLY1", "34600000051", "¡Todo bien, gracias!");
        assert_eq!(post_signed_meta(&hook, APP_SECRET, &reply).await, 200);
        assert_eq!(post_signed_meta(&hook, APP_SECRET, &reply).await, 200);
        let replies = store.replies_for_task(task.id).await.unwrap();
        assert_eq!(replies.len(), 1, "{replies:?}");
        assert_eq!(replies[0].new.body.as_deref(), Some("¡Todo bien, gracias!"));
        let queue = app
            .get_as("/advisor", &token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            queue.contains("id=\"new-replies\"") && queue.contains(&task.id.to_string()),
            "{queue}"
        );
        let fragment = app
            .get_as(&format!("/advisor/tasks/{}/messages", task.id), &token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            fragment.contains("data-state=\"reply\"") && fragment.contains("¡Todo bien, gracias!"),
            "{fragment}"
        );
        let queue = app
            .get_as("/advisor", &token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !queue.contains("id=\"new-replies\""),
            "seen once the thread was opened"
        );
        assert_eq!(
            send(json!({"network": "whatsapp", "body": "¡Me alegro, Pablo!"})).await,
            201,
            "free text inside the window"
        );

        // An unknown sender is kept, with no person.
        let stranger = whatsapp_reply("wamid.STRANGER", "34699999999", "¿Quién es?");
        assert_eq!(post_signed_meta(&hook, APP_SECRET, &stranger).await, 200);
        let unknown = store
            .events(&EventFilter {
                action_prefix: Some("inbound.unknown_sender".to_string()),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            unknown.iter().any(|e| e.event.person_id.is_none()
                && e.event.detail.to_string().contains("34699999999")),
            "{unknown:?}"
        );
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn a_status_settles_an_unknown_outcome_and_a_failure_comes_back_in_words() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = whatsapp_task(
            store.clone(),
            "61",
            8201,
            "P-HOOK-UNK",
            "Ana Gil",
            Duration::hours(2),
        )
        .await;
        let mut ids = Vec::new();
        for n in 0..2 {
            let queued = store
                .enqueue_message(
                    &NewMessage {
                        task_id: task.id,
                        network: Network::Whatsapp,
                        recipient: "34600000061".to_string(),
                        body: format!("Hola Ana ({n})"),
                        author: "staff:alba".to_string(),
                        idempotency_key: format!("hook-unknown-{n}"),
                        mode: MessageMode::FreeText,
                        tag: None,
                        template: None,
                    },
                    clock::now() - Duration::hours(1),
                )
                .await
                .unwrap();
            // Sent by an instance whose request timed out: the outcome is unknown.
            let at = clock::now() - Duration::hours(1);
            store
                .claim_messages("gone", at, at + Duration::minutes(1), 1)
                .await
                .unwrap();
            assert!(
                store
                    .begin_send(queued.id, "gone", at + Duration::minutes(1))
                    .await
                    .unwrap()
            );
            let unknown = SendResult::Unknown {
                until: clock::now() + Duration::hours(1),
                error: "WhatsApp did not answer: timed out".to_string(),
            };
            store
                .finish_message(queued.id, "gone", &unknown, at)
                .await
                .unwrap()
                .unwrap();
            ids.push(queued.id);
        }
        // Started once both are unknown, so that its own outbox does not take them first.
        let app = TestApp::spawn(config(&db, "http://127.0.0.1:9", "http://127.0.0.1:9")).await;
        let hook = app.url("/hooks/whatsapp");
        let delivered = whatsapp_statuses(&[(
            "wamid.LATE0",
            "delivered",
            "34600000061",
            Some(&ids[0].to_string()),
        )]);
        assert_eq!(post_signed_meta(&hook, APP_SECRET, &delivered).await, 200);
        let mut failed = whatsapp_statuses(&[(
            "wamid.LATE1",
            "failed",
            "34600000061",
            Some(&ids[1].to_string()),
        )]);
        failed["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = json!([{"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
                    "error_data": {"details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}]);
        assert_eq!(post_signed_meta(&hook, APP_SECRET, &failed).await, 200);
        let messages = store.messages_for_task(task.id).await.unwrap();
        assert_eq!(messages[0].state, MessageState::Delivered);
        assert_eq!(
            messages[0].provider_message_id.as_deref(),
            Some("wamid.LATE0")
        );
        assert_eq!(messages[1].state, MessageState::Failed);
        assert!(
            messages[1]
                .last_error
                .as_deref()
                .unwrap()
                .contains("only an approved template may be sent"),
            "{:?}",
            messages[1]
        );
        let raw = serde_json::to_vec(&delivered).unwrap();
        assert_ne!(
            meta_signature(APP_SECRET, &raw),
            meta_signature("other", &raw)
        );
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn an_x_reply_is_noted_and_the_airlines_own_message_confirms_its_send() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = social_task(
            store.clone(),
            8301,
            &person(
                "P-HOOK-X",
                "Lucía Pérez",
                "es",
                vec![x_account("2244994945")],
            ),
        )
        .await;
        let fake = FakeNetwork::new(Kind::X);
        let app = TestApp::spawn(config(&db, "http://127.0.0.1:9", &fake.serve().await)).await;
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
            .json(&json!({"network": "x", "body": "Lucía, ¿llegó tu maleta?"}))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status().as_u16(), 201);
        wait_until("sent on X", || {
            let store = store.clone();
            async move {
                store
                    .messages_for_task(task.id)
                    .await
                    .unwrap()
                    .first()
                    .is_some_and(|m| m.state == MessageState::Sent)
            }
        })
        .await;
        let event_id = store.messages_for_task(task.id).await.unwrap()[0]
            .provider_message_id
            .clone()
            .unwrap();
        let now_ms = clock::now().timestamp_millis().to_string();
        let body = json!({"for_user_id": "1581011", "direct_message_events": [
            {"type": "message_create", "id": event_id, "created_timestamp": now_ms,
             "message_create": {"target": {"recipient_id": "2244994945"}, "sender_id": "1581011", "message_data": {"text": "Lucía, ¿llegó tu maleta?"}}},
            {"type": "message_create", "id": "1582099", "created_timestamp": now_ms,
             "message_create": {"target": {"recipient_id": "1581011"}, "sender_id": "2244994945", "message_data": {"text": "Sí, ¡gracias!"}}}
        ]});
        let raw = serde_json::to_vec(&body).unwrap();
        let answered = app
            .client
            .post(app.url("/hooks/x"))
            .header("x-twitter-webhooks-signature", x_token(CONSUMER, &raw))
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(answered.status().as_u16(), 200);
        let replies = store.replies_for_task(task.id).await.unwrap();
        assert_eq!(
            replies.len(),
            1,
            "the airline's own message is not a reply: {replies:?}"
        );
        assert_eq!(
            (
                replies[0].new.sender_id.as_str(),
                replies[0].new.body.as_deref()
            ),
            ("2244994945", Some("Sí, ¡gracias!"))
        );
        let person = store.person(task.new.person_id).await.unwrap().unwrap();
        let wrote = person.accounts_now()[0].last_inbound_at.unwrap();
        assert!(
            clock::now() - wrote < Duration::minutes(1),
            "the person's last-wrote time is now: {wrote}"
        );
        app.stop().await;
        db.finish().await;
    }
}

/// How long sends through the test's WhatsApp number to `recipient` are held, if they are: the turn
/// every instance takes before sending (with no pace of its own, it only honours holds).
async fn turn_held(store: &dyn aboard::store::Store, recipient: &str) -> Option<Duration> {
    let now = clock::now();
    store
        .take_send_turn(
            Network::Whatsapp,
            "106540352242922",
            recipient,
            Duration::zero(),
            Duration::zero(),
            now,
        )
        .await
        .unwrap()
        .map(|turn| turn - now)
}

/// A WhatsApp status webhook reporting a failure with `code`, as the Cloud API writes it.
fn whatsapp_failed(wamid: &str, to: &str, ours: &str, code: i64, title: &str) -> serde_json::Value {
    let mut failed = whatsapp_statuses(&[(wamid, "failed", to, Some(ours))]);
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = json!([{
        "code": code, "title": title, "message": title,
        "error_data": {"details": title},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]);
    failed
}

#[tokio::test]
async fn a_failure_whatsapp_reports_later_is_sent_again_once_when_it_means_not_now() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = whatsapp_task(
            store.clone(),
            "71",
            8401,
            "P-HOOK-AGAIN",
            "Ana Gil",
            Duration::hours(2),
        )
        .await;
        let fake = FakeNetwork::new(Kind::Whatsapp);
        let fake_url = fake.serve().await;
        let app = TestApp::spawn(config(&db, &fake_url, "http://127.0.0.1:9")).await;
        let hook = app.url("/hooks/whatsapp");
        let mut ids = Vec::new();
        for n in 0..2 {
            let queued = store
                .enqueue_message(
                    &NewMessage {
                        task_id: task.id,
                        network: Network::Whatsapp,
                        recipient: "34600000071".to_string(),
                        body: format!("Hola Ana ({n})"),
                        author: "staff:alba".to_string(),
                        idempotency_key: format!("hook-again-{n}"),
                        mode: MessageMode::FreeText,
                        tag: None,
                        template: None,
                    },
                    clock::now(),
                )
                .await
                .unwrap();
            ids.push(queued.id);
        }
        wait_until("both sent", || {
            let store = store.clone();
            async move {
                let messages = store.messages_for_task(task.id).await.unwrap();
                messages.len() == 2 && messages.iter().all(|m| m.state == MessageState::Sent)
            }
        })
        .await;
        let first = store.messages_for_task(task.id).await.unwrap();
        let wamid = |i: usize| first[i].provider_message_id.clone().unwrap();

        // The Cloud API accepted both, then reports the first failed on the per-person limit
        // (131056): it goes back to the queue for a minute. The second failed for good (131026).
        let limited = whatsapp_failed(
            &wamid(0),
            "34600000071",
            &ids[0].to_string(),
            131056,
            "(Business Account, Consumer Account) pair rate limit hit",
        );
        assert_eq!(post_signed_meta(&hook, APP_SECRET, &limited).await, 200);
        let undeliverable = whatsapp_failed(
            &wamid(1),
            "34600000071",
            &ids[1].to_string(),
            131026,
            "Message Undeliverable",
        );
        assert_eq!(
            post_signed_meta(&hook, APP_SECRET, &undeliverable).await,
            200
        );
        let now = store.messages_for_task(task.id).await.unwrap();
        assert_eq!(now[0].state, MessageState::Queued, "{:?}", now[0]);
        assert!(
            now[0]
                .last_error
                .as_deref()
                .unwrap()
                .contains("(131056): too many messages to this person"),
            "{:?}",
            now[0]
        );
        let wait = now[0].next_attempt_at.unwrap() - clock::now();
        assert!(
            wait > Duration::seconds(50) && wait <= Duration::seconds(60),
            "a minute: {wait}"
        );
        // The person's other messages wait as long, on every instance; others' and the number's do not.
        let held = |recipient: &'static str| {
            let store = store.clone();
            async move { turn_held(store.as_ref(), recipient).await }
        };
        let person_held = held("34600000071").await.expect("the person is held");
        assert!(
            person_held > Duration::seconds(50) && person_held <= Duration::seconds(60),
            "a minute: {person_held}"
        );
        assert_eq!(held("34600000072").await, None, "another person goes");
        assert_eq!(now[1].state, MessageState::Failed);
        assert!(
            now[1]
                .last_error
                .as_deref()
                .unwrap()
                .contains("may not be on WhatsApp"),
            "{:?}",
            now[1]
        );
        // Meta delivers the same failure again: nothing moves twice.
        assert_eq!(post_signed_meta(&hook, APP_SECRET, &limited).await, 200);
        let again = store.messages_for_task(task.id).await.unwrap();
        assert_eq!(
            (again[0].state, again[0].attempts),
            (MessageState::Queued, now[0].attempts)
        );

        // A minute on, it is sent again, once, with a new id.
        let outbox = aboard::messaging::outbox::Outbox::new(
            store.clone(),
            aboard::messaging::outbox::connector(
                &config(&db, &fake_url, "http://127.0.0.1:9").outbox,
            )
            .unwrap(),
            OutboxConfig::default(),
            "a-minute-on".to_string(),
        );
        let report = outbox
            .deliver_due(clock::now() + Duration::seconds(61))
            .await
            .unwrap();
        assert_eq!(report.delivered, 1, "{report:?}");
        assert_eq!(
            fake.received().len(),
            3,
            "two sends, and the one sent again"
        );
        let resent = store.messages_for_task(task.id).await.unwrap().remove(0);
        assert_eq!(resent.state, MessageState::Sent);
        let new_wamid = resent.provider_message_id.clone().unwrap();
        assert_ne!(new_wamid, wamid(0));

        // A late copy of the old failure names the first send's id: the new send stands.
        assert_eq!(post_signed_meta(&hook, APP_SECRET, &limited).await, 200);
        let delivered = whatsapp_statuses(&[(
            &new_wamid,
            "delivered",
            "34600000071",
            Some(&ids[0].to_string()),
        )]);
        assert_eq!(post_signed_meta(&hook, APP_SECRET, &delivered).await, 200);
        let settled = store.messages_for_task(task.id).await.unwrap().remove(0);
        assert_eq!(settled.state, MessageState::Delivered, "{settled:?}");
        assert_eq!(fake.received().len(), 3, "never a fourth send");
        app.stop().await;
        db.finish().await;
    }
}

fn meta_config(db: &TestDb, messenger_url: &str, instagram_url: &str) -> aboard::config::Config {
    let mut config = db.config();
    let meta = |url: &str, account: &str| MetaConfig {
        base_url: url.to_string(),
        api_version: "v23.0".to_string(),
        account_id: account.to_string(),
        access_token: SecretString::from("token"),
        app_secret: Some(SecretString::from(APP_SECRET)),
        verify_token: Some(SecretString::from(VERIFY)),
        pacing: Pacing::default(),
    };
    config.outbox = OutboxConfig {
        poll_millis: 100,
        messenger: Some(meta(messenger_url, PAGE)),
        instagram: Some(meta(instagram_url, IG_ACCOUNT)),
        ..OutboxConfig::default()
    };
    config
}

const PAGE: &str = "104000000001";
const IG_ACCOUNT: &str = "17841400000000002";

#[tokio::test]
async fn messenger_and_instagram_report_delivery_and_reads_by_watermark_and_a_reply_opens_the_window()
 {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let account = |network: Network, id: &str, hours: i64| SocialAccount {
            network,
            handle: format!("h{id}"),
            network_user_id: Some(id.to_string()),
            last_inbound_at: Some(clock::now() - Duration::hours(hours)),
            ..x_account(id)
        };
        let fb_task = social_task(
            store.clone(),
            8501,
            &person(
                "P-HOOK-FB",
                "Lucía Pérez",
                "es",
                vec![account(Network::Facebook, "psid-85", 3)],
            ),
        )
        .await;
        // Wrote 30 hours ago: only a human agent's tagged reply may go on Instagram.
        let ig_task = social_task(
            store.clone(),
            8502,
            &person(
                "P-HOOK-IG",
                "Ana Gil",
                "es",
                vec![account(Network::Instagram, "igsid-86", 30)],
            ),
        )
        .await;
        let messenger = FakeNetwork::new(Kind::Meta);
        let instagram = FakeNetwork::new(Kind::Instagram);
        let app = TestApp::spawn(meta_config(
            &db,
            &messenger.serve().await,
            &instagram.serve().await,
        ))
        .await;
        let (fb_hook, ig_hook) = (app.url("/hooks/messenger"), app.url("/hooks/instagram"));
        messenger.calls_back(&fb_hook, APP_SECRET);
        instagram.calls_back(&ig_hook, APP_SECRET);
        let verified = app
            .client
            .get(app.url(
                "/hooks/instagram?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=77",
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(verified.text().await.unwrap(), "77");
        let token = common::token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        for task in [fb_task.id, ig_task.id] {
            let claimed = app
                .client
                .post(app.url(&format!("/advisor/tasks/{task}/claim")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert!(claimed.status().is_success() || claimed.status().is_redirection());
        }
        let send = |task: uuid::Uuid, network: &str, body: &str| {
            let request = app
                .client
                .post(app.url(&format!("/api/tasks/{task}/messages")))
                .bearer_auth(&token)
                .json(&json!({"network": network, "body": body, "confirm": true}));
            async move { request.send().await.unwrap().status().as_u16() }
        };
        let states = |task: uuid::Uuid| {
            let store = store.clone();
            async move {
                store
                    .messages_for_task(task)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|m| m.state)
                    .collect::<Vec<_>>()
            }
        };

        // Messenger: two messages, each reported delivered by the fake (mids and watermark).
        assert_eq!(send(fb_task.id, "facebook", "Hola Lucía").await, 201);
        assert_eq!(send(fb_task.id, "facebook", "¿Llegó tu maleta?").await, 201);
        wait_until("both delivered on Messenger", || {
            let states = states(fb_task.id);
            async move { states.await == vec![MessageState::Delivered; 2] }
        })
        .await;
        // The person reads: one read watermark covers both.
        let watermark = clock::now().timestamp_millis();
        let read = meta_messaging(
            "page",
            PAGE,
            meta_read_watermark("psid-85", PAGE, watermark),
        );
        assert_eq!(post_signed_meta(&fb_hook, APP_SECRET, &read).await, 200);
        assert_eq!(states(fb_task.id).await, vec![MessageState::Read; 2]);
        // A third goes after the watermark: the same read, delivered again, leaves it delivered; a late
        // delivery of the first two leaves them read.
        tokio::time::sleep(StdDuration::from_millis(20)).await;
        assert_eq!(send(fb_task.id, "facebook", "Te escribo mañana").await, 201);
        wait_until("the third delivered", || {
            let states = states(fb_task.id);
            async move { states.await.get(2) == Some(&MessageState::Delivered) }
        })
        .await;
        assert_eq!(post_signed_meta(&fb_hook, APP_SECRET, &read).await, 200);
        let sent = store.messages_for_task(fb_task.id).await.unwrap();
        let mids: Vec<&str> = sent
            .iter()
            .map(|m| m.provider_message_id.as_deref().unwrap())
            .collect();
        let late = meta_messaging(
            "page",
            PAGE,
            meta_delivery("psid-85", PAGE, &mids[..2], watermark),
        );
        assert_eq!(post_signed_meta(&fb_hook, APP_SECRET, &late).await, 200);
        assert_eq!(
            states(fb_task.id).await,
            vec![
                MessageState::Read,
                MessageState::Read,
                MessageState::Delivered
            ]
        );
        let reads = store
            .events(&EventFilter {
                subject_kind: Some("message".to_string()),
                subject_id: Some(sent[0].id.to_string()),
                action_prefix: Some("message.read".to_string()),
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(reads.len(), 1, "read once, however often reported");
        // The person answers: kept once, in the thread, and their window is open from now.
        let reply = meta_messaging(
            "page",
            PAGE,
            meta_text("psid-85", PAGE, "m_REPLY85", "¡Sí, gracias!"),
        );
        assert_eq!(post_signed_meta(&fb_hook, APP_SECRET, &reply).await, 200);
        assert_eq!(post_signed_meta(&fb_hook, APP_SECRET, &reply).await, 200);
        let replies = store.replies_for_task(fb_task.id).await.unwrap();
        assert_eq!(replies.len(), 1, "{replies:?}");
        assert_eq!(replies[0].new.body.as_deref(), Some("¡Sí, gracias!"));
        let person = store.person(fb_task.new.person_id).await.unwrap().unwrap();
        let wrote = person.accounts_now()[0].last_inbound_at.unwrap();
        assert!(clock::now() - wrote < Duration::minutes(1), "{wrote}");

        // Instagram: a human agent's tagged reply outside the 24 hours; the fake echoes it (sent).
        assert_eq!(
            send(
                ig_task.id,
                "instagram",
                "Hola Ana, soy Alba de atención al cliente"
            )
            .await,
            201
        );
        wait_until("sent on Instagram", || {
            let states = states(ig_task.id);
            async move { states.await == vec![MessageState::Sent] }
        })
        .await;
        let tagged = &instagram.received()[0].body;
        assert_eq!(
            (tagged["messaging_type"].as_str(), tagged["tag"].as_str()),
            (Some("MESSAGE_TAG"), Some("HUMAN_AGENT"))
        );
        let mid = store.messages_for_task(ig_task.id).await.unwrap()[0]
            .provider_message_id
            .clone()
            .unwrap();
        let seen = meta_messaging(
            "instagram",
            IG_ACCOUNT,
            meta_read_mid("igsid-86", IG_ACCOUNT, &mid),
        );
        assert_eq!(post_signed_meta(&ig_hook, APP_SECRET, &seen).await, 200);
        assert_eq!(states(ig_task.id).await, vec![MessageState::Read]);
        // The person writes back: the window is open, so the next message goes as a plain response.
        let reply = meta_messaging(
            "instagram",
            IG_ACCOUNT,
            meta_text("igsid-86", IG_ACCOUNT, "aWdfZAG1REPLY86", "Todo bien"),
        );
        assert_eq!(post_signed_meta(&ig_hook, APP_SECRET, &reply).await, 200);
        assert_eq!(store.replies_for_task(ig_task.id).await.unwrap().len(), 1);
        assert_eq!(send(ig_task.id, "instagram", "¡Me alegro!").await, 201);
        wait_until("the response sent", || {
            let instagram = instagram.clone();
            async move { instagram.received().len() == 2 }
        })
        .await;
        let response = &instagram.received()[1].body;
        assert_eq!(response["messaging_type"], "RESPONSE");
        assert!(response.get("tag").is_none(), "{response}");
        // A later read watermark on Instagram (the older form of messaging_seen) reads it too.
        wait_until("the response sent", || {
            let states = states(ig_task.id);
            async move { states.await == vec![MessageState::Read, MessageState::Sent] }
        })
        .await;
        let watermark = meta_messaging(
            "instagram",
            IG_ACCOUNT,
            meta_read_watermark("igsid-86", IG_ACCOUNT, clock::now().timestamp_millis()),
        );
        assert_eq!(
            post_signed_meta(&ig_hook, APP_SECRET, &watermark).await,
            200
        );
        assert_eq!(states(ig_task.id).await, vec![MessageState::Read; 2]);
        app.stop().await;
        db.finish().await;
    }
}

/// WhatsApp reports a throughput failure (130429) after accepting a message: the message goes back to
/// the queue, and every message through the airline's number waits as long, on every instance.
#[tokio::test]
async fn a_throughput_limit_whatsapp_reports_later_holds_the_whole_number() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = whatsapp_task(
            store.clone(),
            "81",
            8402,
            "P-HOOK-NUMBER",
            "Eva Sanz",
            Duration::hours(2),
        )
        .await;
        let fake = FakeNetwork::new(Kind::Whatsapp);
        let fake_url = fake.serve().await;
        let app = TestApp::spawn(config(&db, &fake_url, "http://127.0.0.1:9")).await;
        let queued = store
            .enqueue_message(
                &NewMessage {
                    task_id: task.id,
                    network: Network::Whatsapp,
                    recipient: "34600000081".to_string(),
                    body: "Hola Eva".to_string(),
                    author: "staff:alba".to_string(),
                    idempotency_key: "hook-number".to_string(),
                    mode: MessageMode::FreeText,
                    tag: None,
                    template: None,
                },
                clock::now(),
            )
            .await
            .unwrap();
        wait_until("sent", || {
            let store = store.clone();
            async move {
                store.messages_for_task(task.id).await.unwrap()[0].state == MessageState::Sent
            }
        })
        .await;
        assert_eq!(turn_held(store.as_ref(), "34600000099").await, None);
        let sent = store.messages_for_task(task.id).await.unwrap().remove(0);
        let throughput = whatsapp_failed(
            sent.provider_message_id.as_deref().unwrap(),
            "34600000081",
            &queued.id.to_string(),
            130429,
            "Rate limit hit",
        );
        assert_eq!(
            post_signed_meta(&app.url("/hooks/whatsapp"), APP_SECRET, &throughput).await,
            200
        );
        let requeued = store.messages_for_task(task.id).await.unwrap().remove(0);
        assert_eq!(requeued.state, MessageState::Queued, "{requeued:?}");
        for anyone in ["34600000081", "34600000099"] {
            let held = turn_held(store.as_ref(), anyone)
                .await
                .unwrap_or_else(|| panic!("{anyone} waits with the number"));
            assert!(
                held > Duration::seconds(5) && held <= Duration::seconds(10),
                "ten seconds: {held}"
            );
        }
        app.stop().await;
        db.finish().await;
    }
}

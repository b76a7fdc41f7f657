//! Each network's connector against a local fake of its send API, on both backends: the request is the
//! documented one (path, token, body with the mode, tag or template exactly as written), the answer's id
//! is kept for the status webhooks, and every error the knowledge file lists is handled as the network
//! means it: window closed and template required, DMs closed and undeliverable go back to the advisor in
//! plain words; throughput, per-recipient limits (429 with Retry-After or x-rate-limit-reset) and an
//! expired token wait and hold the connector or the person.

mod common;

use std::sync::Arc;

use aboard::clock;
use aboard::domain::records::{Message, NewMessage, SocialAccount, TemplateUse};
use aboard::domain::{MessageMode, MessageState, Network};
use aboard::messaging::networks::{MetaConfig, Pacing, WhatsappConfig, XConfig};
use aboard::messaging::outbox::{self, Outbox, OutboxConfig};
use aboard::store::Store;
use chrono::Duration;
use common::TestDb;
use common::fake_network::{Answer, FakeNetwork, Kind, meta_error};
use common::social::{person, social_task, x_account};
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

const TOKEN: &str = "EAAG-test-token";

fn account(network: Network, user_id: &str, wrote_hours_ago: i64) -> SocialAccount {
    SocialAccount {
        network,
        handle: format!("h{user_id}"),
        network_user_id: Some(user_id.to_string()),
        last_inbound_at: Some(clock::now() - Duration::hours(wrote_hours_ago)),
        ..x_account(user_id)
    }
}

fn whatsapp(base_url: &str) -> WhatsappConfig {
    WhatsappConfig {
        base_url: base_url.to_string(),
        api_version: "v23.0".to_string(),
        phone_number_id: "106540352242922".to_string(),
        access_token: SecretString::from(TOKEN),
        app_secret: None,
        verify_token: None,
        pacing: Pacing::default(),
    }
}

fn meta(base_url: &str, account_id: &str) -> MetaConfig {
    MetaConfig {
        base_url: base_url.to_string(),
        api_version: "v23.0".to_string(),
        account_id: account_id.to_string(),
        access_token: SecretString::from(TOKEN),
        app_secret: None,
        verify_token: None,
        pacing: Pacing::default(),
    }
}

fn x(base_url: &str) -> XConfig {
    XConfig {
        base_url: base_url.to_string(),
        user_id: "1581011".to_string(),
        access_token: SecretString::from(TOKEN),
        consumer_secret: None,
        pacing: Pacing::default(),
    }
}

fn outbox(store: Arc<dyn Store>, config: OutboxConfig) -> Outbox {
    let connector = outbox::connector(&config).unwrap();
    Outbox::new(store, connector, config, "test".to_string())
}

async fn queue(
    store: &dyn Store,
    task: Uuid,
    network: Network,
    recipient: &str,
    mode: MessageMode,
    template: Option<TemplateUse>,
) -> Message {
    store
        .enqueue_message(
            &NewMessage {
                task_id: task,
                network,
                recipient: recipient.to_string(),
                body: "Hola, ¿llegó bien tu maleta esta vez?".to_string(),
                author: "staff:alba".to_string(),
                idempotency_key: Uuid::now_v7().to_string(),
                tag: (mode == MessageMode::HumanAgentTag).then(|| "HUMAN_AGENT".to_string()),
                mode,
                template,
            },
            clock::now(),
        )
        .await
        .unwrap()
}

async fn message(store: &dyn Store, task: Uuid, id: Uuid) -> Message {
    store
        .messages_for_task(task)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.id == id)
        .unwrap()
}

#[tokio::test]
async fn whatsapp_sends_text_inside_the_window_and_the_template_outside_it() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let open = social_task(
            store.clone(),
            7101,
            &person(
                "P-WA-OPEN",
                "Lucía Pérez",
                "es",
                vec![account(Network::Whatsapp, "34600000011", 2)],
            ),
        )
        .await;
        let closed = social_task(
            store.clone(),
            7102,
            &person(
                "P-WA-SHUT",
                "Pablo Gil",
                "es",
                vec![account(Network::Whatsapp, "34600000012", 48)],
            ),
        )
        .await;
        let fake = FakeNetwork::new(Kind::Whatsapp);
        let url = fake.serve().await;
        let config = OutboxConfig {
            whatsapp: Some(whatsapp(&url)),
            ..OutboxConfig::default()
        };
        let outbox = outbox(store.clone(), config);
        let text = queue(
            store.as_ref(),
            open.id,
            Network::Whatsapp,
            "34600000011",
            MessageMode::FreeText,
            None,
        )
        .await;
        let template = TemplateUse {
            name: "flight_checkin".to_string(),
            language: "es".to_string(),
            parameters: vec!["Pablo".to_string(), "IB7102".to_string()],
        };
        let templated = queue(
            store.as_ref(),
            closed.id,
            Network::Whatsapp,
            "34600000012",
            MessageMode::Template,
            Some(template),
        )
        .await;
        let report = outbox.deliver_due(clock::now()).await.unwrap();
        assert_eq!(report.delivered, 2, "{report:?}");

        let received = fake.received();
        assert_eq!(received.len(), 2);
        for request in &received {
            assert_eq!(request.path, "/v23.0/106540352242922/messages");
            assert_eq!(request.bearer.as_deref(), Some(TOKEN));
            assert_eq!(request.body["messaging_product"], "whatsapp");
        }
        let by_to = |to: &str| {
            received
                .iter()
                .find(|r| r.body["to"] == to)
                .unwrap()
                .body
                .clone()
        };
        let sent_text = by_to("34600000011");
        assert_eq!(sent_text["type"], "text");
        assert_eq!(
            sent_text["text"]["body"],
            "Hola, ¿llegó bien tu maleta esta vez?"
        );
        assert_eq!(sent_text["biz_opaque_callback_data"], text.id.to_string());
        let sent_template = by_to("34600000012");
        assert_eq!(sent_template["type"], "template");
        assert_eq!(
            sent_template["template"],
            json!({"name": "flight_checkin", "language": {"code": "es"},
                   "components": [{"type": "body", "parameters": [
                       {"type": "text", "text": "Pablo"}, {"type": "text", "text": "IB7102"}]}]})
        );
        for (task, id) in [(open.id, text.id), (closed.id, templated.id)] {
            let sent = message(store.as_ref(), task, id).await;
            assert_eq!(sent.state, MessageState::Sent);
            assert!(
                sent.provider_message_id
                    .as_deref()
                    .unwrap()
                    .starts_with("wamid.")
            );
        }
        db.finish().await;
    }
}

#[tokio::test]
async fn whatsapp_errors_go_back_in_plain_words_or_wait_as_the_network_asks() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = social_task(
            store.clone(),
            7201,
            &person(
                "P-WA-ERR",
                "Lucía Pérez",
                "es",
                vec![account(Network::Whatsapp, "34600000021", 2)],
            ),
        )
        .await;
        let fake = FakeNetwork::new(Kind::Whatsapp);
        let url = fake.serve().await;
        let outbox = outbox(
            store.clone(),
            OutboxConfig {
                whatsapp: Some(whatsapp(&url)),
                ..OutboxConfig::default()
            },
        );
        let cases: Vec<(Answer, MessageState, &str)> = vec![
            (
                Answer::new(
                    400,
                    meta_error(
                        131047,
                        None,
                        "Re-engagement message",
                        Some(
                            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
                        ),
                    ),
                ),
                MessageState::Failed,
                "only an approved template may be sent (131047)",
            ),
            (
                Answer::new(400, meta_error(131026, None, "Message Undeliverable", None)),
                MessageState::Failed,
                "could not deliver to this number",
            ),
            (
                Answer::new(
                    401,
                    meta_error(
                        190,
                        Some(463),
                        "Error validating access token: Session has expired",
                        None,
                    ),
                ),
                MessageState::Queued,
                "access token has expired or was revoked (190): ops must renew it",
            ),
        ];
        let mut later = clock::now();
        for (answer, state, words) in cases {
            fake.then(answer);
            let queued = queue(
                store.as_ref(),
                task.id,
                Network::Whatsapp,
                "34600000021",
                MessageMode::FreeText,
                None,
            )
            .await;
            later += Duration::hours(1);
            outbox.deliver_due(later).await.unwrap();
            let after = message(store.as_ref(), task.id, queued.id).await;
            assert_eq!(after.state, state, "{after:?}");
            assert!(
                after.last_error.as_deref().unwrap().contains(words),
                "{after:?}"
            );
            if state == MessageState::Queued {
                let wait = after.next_attempt_at.unwrap() - clock::now();
                assert!(
                    wait > Duration::minutes(4),
                    "an expired token waits: {wait}"
                );
            }
        }
        db.finish().await;
    }
}

#[tokio::test]
async fn throughput_and_per_recipient_limits_hold_the_app_or_the_person() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let first = social_task(
            store.clone(),
            7301,
            &person(
                "P-WA-RATE1",
                "Lucía Pérez",
                "es",
                vec![account(Network::Whatsapp, "34600000031", 2)],
            ),
        )
        .await;
        let second = social_task(
            store.clone(),
            7302,
            &person(
                "P-WA-RATE2",
                "Ana Gil",
                "es",
                vec![account(Network::Whatsapp, "34600000032", 2)],
            ),
        )
        .await;
        let fake = FakeNetwork::new(Kind::Whatsapp);
        let url = fake.serve().await;
        let outbox = outbox(
            store.clone(),
            OutboxConfig {
                whatsapp: Some(whatsapp(&url)),
                ..OutboxConfig::default()
            },
        );
        // Throughput (130429, HTTP 429 with Retry-After): the whole number waits, so the second message
        // of the batch is not sent now either.
        fake.then(
            Answer::new(
                429,
                meta_error(
                    130429,
                    None,
                    "Rate limit hit",
                    Some("Cloud API message throughput has been reached."),
                ),
            )
            .header("retry-after", "30"),
        );
        let a = queue(
            store.as_ref(),
            first.id,
            Network::Whatsapp,
            "34600000031",
            MessageMode::FreeText,
            None,
        )
        .await;
        let b = queue(
            store.as_ref(),
            second.id,
            Network::Whatsapp,
            "34600000032",
            MessageMode::FreeText,
            None,
        )
        .await;
        let report = outbox.deliver_due(clock::now()).await.unwrap();
        assert_eq!(
            (report.retrying, report.paced, report.delivered),
            (1, 1, 0),
            "{report:?}"
        );
        assert_eq!(
            fake.received().len(),
            1,
            "the second waited for the number's quota"
        );
        let a_now = message(store.as_ref(), first.id, a.id).await;
        assert!(
            a_now
                .last_error
                .as_deref()
                .unwrap()
                .contains("throughput limit"),
            "{a_now:?}"
        );
        let wait = a_now.next_attempt_at.unwrap() - clock::now();
        assert!(
            wait > Duration::seconds(25) && wait <= Duration::seconds(30),
            "Retry-After: 30: {wait}"
        );
        let b_now = message(store.as_ref(), second.id, b.id).await;
        assert_eq!((b_now.state, b_now.attempts), (MessageState::Queued, 0));
        assert!(b_now.next_attempt_at.unwrap() > clock::now() + Duration::seconds(25));

        // Too many to one person (131056): that person waits; others do not.
        let fresh = outbox::connector(&OutboxConfig {
            whatsapp: Some(whatsapp(&url)),
            ..OutboxConfig::default()
        })
        .unwrap();
        let outbox = Outbox::new(
            store.clone(),
            fresh,
            OutboxConfig::default(),
            "fresh".to_string(),
        );
        fake.then(Answer::new(
            400,
            meta_error(
                131056,
                None,
                "(Business Account, Consumer Account) pair rate limit hit",
                None,
            ),
        ));
        let later = clock::now() + Duration::minutes(5);
        let report = outbox.deliver_due(later).await.unwrap();
        assert_eq!((report.retrying, report.delivered), (1, 1), "{report:?}");
        let limited = [a.id, b.id];
        let mut waiting = Vec::new();
        for (task, id) in [(first.id, limited[0]), (second.id, limited[1])] {
            waiting.push(message(store.as_ref(), task, id).await);
        }
        let held = waiting
            .iter()
            .find(|m| m.state == MessageState::Queued)
            .unwrap();
        assert!(
            held.last_error
                .as_deref()
                .unwrap()
                .contains("too many messages to this person"),
            "{held:?}"
        );
        let c = queue(
            store.as_ref(),
            if held.id == a.id { first.id } else { second.id },
            Network::Whatsapp,
            &held.new.recipient,
            MessageMode::FreeText,
            None,
        )
        .await;
        let report = outbox
            .deliver_due(clock::now() + Duration::minutes(10))
            .await
            .unwrap();
        assert_eq!(
            report.paced, 2,
            "both messages to the limited person wait: {report:?} {c:?}"
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn messenger_and_instagram_answer_in_the_window_and_tag_a_human_agent_up_to_seven_days() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let fresh = social_task(
            store.clone(),
            7401,
            &person(
                "P-FB-1",
                "Lucía Pérez",
                "es",
                vec![account(Network::Facebook, "psid-41", 3)],
            ),
        )
        .await;
        let tagged = social_task(
            store.clone(),
            7402,
            &person(
                "P-IG-2",
                "Ana Gil",
                "es",
                vec![account(Network::Instagram, "igsid-42", 72)],
            ),
        )
        .await;
        let messenger_fake = FakeNetwork::new(Kind::Meta);
        let instagram_fake = FakeNetwork::new(Kind::Meta);
        let outbox = outbox(
            store.clone(),
            OutboxConfig {
                messenger: Some(meta(&messenger_fake.serve().await, "104000000001")),
                instagram: Some(meta(&instagram_fake.serve().await, "178400000002")),
                ..OutboxConfig::default()
            },
        );
        let response = queue(
            store.as_ref(),
            fresh.id,
            Network::Facebook,
            "psid-41",
            MessageMode::FreeText,
            None,
        )
        .await;
        let human = queue(
            store.as_ref(),
            tagged.id,
            Network::Instagram,
            "igsid-42",
            MessageMode::HumanAgentTag,
            None,
        )
        .await;
        let report = outbox.deliver_due(clock::now()).await.unwrap();
        assert_eq!(report.delivered, 2, "{report:?}");
        let sent = messenger_fake.received();
        assert_eq!(sent[0].path, "/v23.0/104000000001/messages");
        assert_eq!(sent[0].bearer.as_deref(), Some(TOKEN));
        assert_eq!(
            sent[0].body,
            json!({"recipient": {"id": "psid-41"}, "messaging_type": "RESPONSE",
                   "message": {"text": "Hola, ¿llegó bien tu maleta esta vez?", "metadata": response.id.to_string()}})
        );
        let sent = instagram_fake.received();
        assert_eq!(sent[0].path, "/v23.0/178400000002/messages");
        assert_eq!(
            sent[0].body,
            json!({"recipient": {"id": "igsid-42"}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
                   "message": {"text": "Hola, ¿llegó bien tu maleta esta vez?"}})
        );
        assert_eq!(
            message(store.as_ref(), tagged.id, human.id)
                .await
                .provider_message_id
                .as_deref(),
            Some("m_AG5Hz2U1")
        );

        // The network's own "outside of allowed window" goes back to the advisor in plain words.
        messenger_fake.then(Answer::new(
            400,
            meta_error(
                10,
                Some(2018278),
                "(#10) This message is sent outside of allowed window.",
                None,
            ),
        ));
        let late = queue(
            store.as_ref(),
            fresh.id,
            Network::Facebook,
            "psid-41",
            MessageMode::FreeText,
            None,
        )
        .await;
        outbox.deliver_due(clock::now()).await.unwrap();
        let refused = message(store.as_ref(), fresh.id, late.id).await;
        assert_eq!(refused.state, MessageState::Failed);
        assert!(
            refused
                .last_error
                .as_deref()
                .unwrap()
                .contains("outside the allowed window"),
            "{refused:?}"
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn x_sends_a_direct_message_waits_for_its_rate_limit_reset_and_reports_closed_dms() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = social_task(
            store.clone(),
            7501,
            &person("P-X-1", "Lucía Pérez", "es", vec![x_account("2244994945")]),
        )
        .await;
        let fake = FakeNetwork::new(Kind::X);
        let url = fake.serve().await;
        let x_outbox = |instance: &str| {
            let config = OutboxConfig {
                x: Some(x(&url)),
                ..OutboxConfig::default()
            };
            Outbox::new(
                store.clone(),
                outbox::connector(&config).unwrap(),
                config,
                instance.to_string(),
            )
        };
        let reset = (clock::now() + Duration::seconds(120))
            .timestamp()
            .to_string();
        fake.then(
            Answer::new(429, json!({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}))
                .header("x-rate-limit-limit", "200")
                .header("x-rate-limit-remaining", "0")
                .header("x-rate-limit-reset", &reset),
        );
        let first = queue(
            store.as_ref(),
            task.id,
            Network::X,
            "2244994945",
            MessageMode::FreeText,
            None,
        )
        .await;
        x_outbox("one").deliver_due(clock::now()).await.unwrap();
        let limited = message(store.as_ref(), task.id, first.id).await;
        assert_eq!(limited.state, MessageState::Queued);
        let wait = limited.next_attempt_at.unwrap() - clock::now();
        assert!(
            wait > Duration::seconds(100) && wait <= Duration::seconds(121),
            "x-rate-limit-reset: {wait}"
        );

        let report = x_outbox("two")
            .deliver_due(clock::now() + Duration::minutes(3))
            .await
            .unwrap();
        assert_eq!(report.delivered, 1, "{report:?}");
        let received = fake.received();
        assert_eq!(received.len(), 2);
        assert_eq!(
            received[1].path,
            "/2/dm_conversations/with/2244994945/messages"
        );
        assert_eq!(received[1].bearer.as_deref(), Some(TOKEN));
        assert_eq!(
            received[1].body,
            json!({"text": "Hola, ¿llegó bien tu maleta esta vez?"})
        );
        let sent = message(store.as_ref(), task.id, first.id).await;
        assert_eq!(
            (sent.state, sent.provider_message_id.as_deref()),
            (MessageState::Sent, Some("1582092"))
        );

        fake.then(Answer::new(403, json!({"detail": "You are not permitted to send a direct message to this user.", "title": "Forbidden", "status": 403, "type": "about:blank",
                                          "errors": [{"message": "You cannot send messages to this user.", "code": 349}]})));
        let closed = queue(
            store.as_ref(),
            task.id,
            Network::X,
            "2244994945",
            MessageMode::FreeText,
            None,
        )
        .await;
        x_outbox("three")
            .deliver_due(clock::now() + Duration::minutes(4))
            .await
            .unwrap();
        let refused = message(store.as_ref(), task.id, closed.id).await;
        assert_eq!(refused.state, MessageState::Failed);
        assert!(
            refused
                .last_error
                .as_deref()
                .unwrap()
                .contains("does not accept direct messages"),
            "{refused:?}"
        );

        fake.then(Answer::new(401, json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})));
        let expired = queue(
            store.as_ref(),
            task.id,
            Network::X,
            "2244994945",
            MessageMode::FreeText,
            None,
        )
        .await;
        x_outbox("four")
            .deliver_due(clock::now() + Duration::minutes(5))
            .await
            .unwrap();
        let waiting = message(store.as_ref(), task.id, expired.id).await;
        assert_eq!(waiting.state, MessageState::Queued);
        assert!(
            waiting
                .last_error
                .as_deref()
                .unwrap()
                .contains("X access token has expired"),
            "{waiting:?}"
        );
        db.finish().await;
    }
}

//! Each network's connector against a local fake of its send API, on both backends: the request is the
//! documented one (path, token, body with the mode, tag or template exactly as written), the answer's id
//! is kept for the status webhooks, and every error the knowledge file lists is handled as the network
//! means it: window closed and template required, DMs closed and undeliverable go back to the advisor in
//! plain words; throughput, per-recipient limits (429 with Retry-After or x-rate-limit-reset) and an
//! expired token wait and hold the connector or the person, on every instance sending through the same
//! database, which also share each number's and each person's pace.

mod common;

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use aboard::clock;
use aboard::domain::records::{Message, NewMessage, SocialAccount, TemplateUse};
use aboard::domain::{MessageMode, MessageState, Network};
use aboard::messaging::networks::{MetaConfig, Pacing, WhatsappConfig, XConfig};
use aboard::messaging::outbox::{self, Outbox, OutboxConfig};
use aboard::store::Store;
use chrono::Duration;
use common::fake_network::{Answer, FakeNetwork, Kind, meta_error};
use common::social::{person, social_task, x_account};
use common::{TestApp, TestDb};
use secrecy::SecretString;
use serde_json::json;
use sqlx::Connection;
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

        // Five minutes on, the number's hold has passed, for every instance. Too many to one person
        // (131056): that person waits; others do not.
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
        // Half a minute later, both messages to that person are due, and wait for the rest of the minute.
        let report = outbox
            .deliver_due(later + Duration::seconds(30))
            .await
            .unwrap();
        assert_eq!(
            report.paced, 2,
            "both messages to the limited person wait: {report:?} {c:?}"
        );
        let c_now = message(store.as_ref(), c.new.task_id, c.id).await;
        assert!(
            c_now.next_attempt_at.unwrap() >= later + Duration::seconds(60),
            "{c_now:?}"
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

/// One scripted error of Meta's Send API and what aboard must make of it.
struct MetaCase {
    network: Network,
    answer: Answer,
    state: MessageState,
    words: &'static str,
    /// For a message that waits: the least and most it may wait.
    wait: Option<(Duration, Duration)>,
}

fn graph_error(status: u16, code: i64, subcode: Option<i64>, message: &str) -> Answer {
    let mut body = meta_error(code, subcode, message, None);
    body["error"].as_object_mut().unwrap().remove("error_data");
    Answer::new(status, body)
}

#[tokio::test]
async fn meta_send_api_errors_wait_as_long_as_meta_says_or_go_back_in_plain_words() {
    let minutes = |a: i64, b: i64| Some((Duration::minutes(a), Duration::minutes(b)));
    let cases = vec![
        // Rate limits: the app waits until Meta says the quota is back, else five minutes.
        MetaCase {
            network: Network::Instagram,
            answer: graph_error(400, 4, None, "(#4) Application request limit reached").header(
                "x-business-use-case-usage",
                r#"{"17841400000000002":[{"type":"instagram","call_count":100,"total_cputime":12,"total_time":15,"estimated_time_to_regain_access":19}]}"#,
            ),
            state: MessageState::Queued,
            words: "used up its quota of calls for now (4)",
            wait: minutes(18, 19),
        },
        MetaCase {
            network: Network::Facebook,
            answer: graph_error(400, 17, None, "(#17) User request limit reached"),
            state: MessageState::Queued,
            words: "used up its quota of calls for now (17)",
            wait: minutes(4, 5),
        },
        MetaCase {
            network: Network::Facebook,
            answer: graph_error(400, 32, None, "(#32) Page request limit reached").header(
                "x-page-usage",
                r#"{"call_count":100,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":7}"#,
            ),
            state: MessageState::Queued,
            words: "used up its quota of calls for now (32)",
            wait: minutes(6, 7),
        },
        MetaCase {
            network: Network::Facebook,
            answer: graph_error(400, 613, None, "Calls to this api have exceeded the rate limit."),
            state: MessageState::Queued,
            words: "used up its quota of calls for now (613)",
            wait: minutes(4, 5),
        },
        MetaCase {
            network: Network::Instagram,
            answer: graph_error(400, 80002, None, "There have been too many calls to this Instagram account. Wait a bit and try again.")
                .header("retry-after", "120"),
            state: MessageState::Queued,
            words: "used up its quota of calls for now (80002)",
            wait: Some((Duration::seconds(110), Duration::seconds(120))),
        },
        // An expired token: the message waits for ops, nothing is refused.
        MetaCase {
            network: Network::Instagram,
            answer: graph_error(401, 190, Some(463), "Error validating access token: Session has expired on Friday, 04-Dec-26 10:00:00 PST."),
            state: MessageState::Queued,
            words: "Instagram access token has expired or was revoked (190): ops must renew it",
            wait: minutes(4, 5),
        },
        MetaCase {
            network: Network::Facebook,
            answer: graph_error(400, 190, None, "Invalid OAuth access token."),
            state: MessageState::Queued,
            words: "Messenger access token has expired or was revoked (190)",
            wait: minutes(4, 5),
        },
        // Permissions, DMs closed, person unavailable: back to the advisor in plain words.
        MetaCase {
            network: Network::Facebook,
            answer: graph_error(403, 10, None, "(#10) Application does not have permission for this action"),
            state: MessageState::Failed,
            words: "does not let the airline's app send this message (10)",
            wait: None,
        },
        MetaCase {
            network: Network::Instagram,
            answer: graph_error(403, 200, Some(2534037), "(#200) Permissions error"),
            state: MessageState::Failed,
            words: "does not let the airline's app send this message (200)",
            wait: None,
        },
        MetaCase {
            network: Network::Instagram,
            answer: graph_error(400, 10, Some(2534022), "This message is sent outside of allowed window."),
            state: MessageState::Failed,
            words: "Instagram refused it as sent outside the allowed window",
            wait: None,
        },
        MetaCase {
            network: Network::Facebook,
            answer: graph_error(400, 551, Some(1545041), "This person isn't available right now."),
            state: MessageState::Failed,
            words: "cannot be reached on Messenger now",
            wait: None,
        },
        MetaCase {
            network: Network::Instagram,
            answer: graph_error(400, 551, None, "This person isn't available right now."),
            state: MessageState::Failed,
            words: "cannot be reached on Instagram now",
            wait: None,
        },
        MetaCase {
            network: Network::Facebook,
            answer: graph_error(400, 10, Some(2018108), "This person isn't receiving messages from you right now."),
            state: MessageState::Failed,
            words: "cannot be reached on Messenger now",
            wait: None,
        },
        MetaCase {
            network: Network::Facebook,
            answer: graph_error(400, 100, Some(2018001), "(#100) No matching user found"),
            state: MessageState::Failed,
            words: "knows no such person",
            wait: None,
        },
        // Meta's own trouble: tried again soon (last: its few seconds' wait must not run out
        // while later cases run).
        MetaCase {
            network: Network::Facebook,
            answer: graph_error(500, 2, None, "An unexpected error has occurred. Please retry your request later."),
            state: MessageState::Queued,
            words: "temporary failure (2)",
            wait: Some((Duration::seconds(1), Duration::seconds(5))),
        },
    ];
    for db in TestDb::each().await {
        let store = db.store.clone();
        let facebook = social_task(
            store.clone(),
            7601,
            &person(
                "P-META-FB",
                "Lucía Pérez",
                "es",
                vec![account(Network::Facebook, "psid-61", 2)],
            ),
        )
        .await;
        let instagram = social_task(
            store.clone(),
            7602,
            &person(
                "P-META-IG",
                "Ana Gil",
                "es",
                vec![account(Network::Instagram, "igsid-62", 2)],
            ),
        )
        .await;
        let messenger_fake = FakeNetwork::new(Kind::Meta);
        let instagram_fake = FakeNetwork::new(Kind::Meta);
        let (messenger_url, instagram_url) =
            (messenger_fake.serve().await, instagram_fake.serve().await);
        for (n, case) in cases.iter().enumerate() {
            // Each error on its own page or account: a wait of an earlier case holds only its own.
            let config = OutboxConfig {
                messenger: Some(meta(&messenger_url, &format!("1040000{n:05}"))),
                instagram: Some(meta(&instagram_url, &format!("1784000{n:05}"))),
                ..OutboxConfig::default()
            };
            let (fake, task, recipient) = match case.network {
                Network::Facebook => (&messenger_fake, facebook.id, "psid-61"),
                _ => (&instagram_fake, instagram.id, "igsid-62"),
            };
            fake.then(case.answer.clone());
            let queued = queue(
                store.as_ref(),
                task,
                case.network,
                recipient,
                MessageMode::FreeText,
                None,
            )
            .await;
            let outbox = Outbox::new(
                store.clone(),
                outbox::connector(&config).unwrap(),
                config.clone(),
                format!("case-{n}"),
            );
            outbox.deliver_due(clock::now()).await.unwrap();
            let after = message(store.as_ref(), task, queued.id).await;
            let error = after.last_error.as_deref().unwrap_or_default();
            assert_eq!(after.state, case.state, "case {n}: {after:?}");
            assert!(error.contains(case.words), "case {n}: {error}");
            assert!(!error.contains(TOKEN), "no secret in the words: {error}");
            if let Some((least, most)) = case.wait {
                let wait = after.next_attempt_at.unwrap() - clock::now();
                assert!(
                    wait > least - Duration::seconds(5) && wait <= most,
                    "case {n}: waits {wait}, not {least}..{most}"
                );
            }
        }
        db.finish().await;
    }
}

/// An answer of X's, the state it leaves the message in, what the message's error says, and the range of
/// seconds from now its retry may be set to.
type XCase = (Answer, MessageState, &'static str, Option<(i64, i64)>);

#[tokio::test]
async fn x_waits_out_a_spent_day_and_a_spam_refusal_and_reports_a_person_it_may_not_write_to() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = social_task(
            store.clone(),
            7701,
            &person("P-X-7", "Lucía Pérez", "es", vec![x_account("2244994977")]),
        )
        .await;
        let fake = FakeNetwork::new(Kind::X);
        let url = fake.serve().await;
        let in_seconds = |s: i64| {
            (clock::now() + Duration::seconds(s))
                .timestamp()
                .to_string()
        };
        let cases: Vec<XCase> = vec![
            // The app's day is spent: the 15-minute window's reset is not enough.
            (
                Answer::new(429, json!({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}))
                    .header("x-rate-limit-limit", "200")
                    .header("x-rate-limit-remaining", "120")
                    .header("x-rate-limit-reset", &in_seconds(300))
                    .header("x-app-limit-24hour-limit", "15000")
                    .header("x-app-limit-24hour-remaining", "0")
                    .header("x-app-limit-24hour-reset", &in_seconds(5 * 3600)),
                MessageState::Queued,
                "X's rate limit for direct messages was reached (429)",
                Some((5 * 3600 - 10, 5 * 3600 + 1)),
            ),
            (
                Answer::new(403, json!({"title": "Forbidden", "type": "about:blank", "status": 403,
                    "detail": "This request looks like it might be automated. To protect our users from spam and other malicious activity, we can't complete this action right now.",
                    "errors": [{"code": 226, "message": "This request looks like it might be automated."}]})),
                MessageState::Queued,
                "took the airline's messages for automated spam",
                Some((15 * 60 - 10, 15 * 60)),
            ),
            (
                Answer::new(403, json!({"title": "Forbidden", "type": "about:blank", "status": 403,
                    "detail": "You cannot send messages to users who are not following you.",
                    "errors": [{"code": 150, "message": "You cannot send messages to users who are not following you."}]})),
                MessageState::Failed,
                "does not accept direct messages from the airline on X (403, 150)",
                None,
            ),
            (
                Answer::new(403, json!({"title": "Forbidden", "type": "about:blank", "status": 403,
                    "detail": "You cannot send messages to this user.",
                    "errors": [{"code": 349, "message": "You cannot send messages to this user."}]})),
                MessageState::Failed,
                "does not accept direct messages from the airline on X (403, 349)",
                None,
            ),
        ];
        for (n, (answer, state, words, wait)) in cases.into_iter().enumerate() {
            fake.then(answer);
            // The airline's own account differs per case: a wait of an earlier case holds only its own.
            let config = OutboxConfig {
                x: Some(XConfig {
                    user_id: format!("15810{n:02}"),
                    ..x(&url)
                }),
                ..OutboxConfig::default()
            };
            let outbox = Outbox::new(
                store.clone(),
                outbox::connector(&config).unwrap(),
                config,
                format!("x-case-{n}"),
            );
            let queued = queue(
                store.as_ref(),
                task.id,
                Network::X,
                "2244994977",
                MessageMode::FreeText,
                None,
            )
            .await;
            outbox.deliver_due(clock::now()).await.unwrap();
            let after = message(store.as_ref(), task.id, queued.id).await;
            assert_eq!(after.state, state, "case {n}: {after:?}");
            let error = after.last_error.as_deref().unwrap();
            assert!(error.contains(words), "case {n}: {error}");
            if let Some((least, most)) = wait {
                let waits = (after.next_attempt_at.unwrap() - clock::now()).num_seconds();
                assert!(waits >= least && waits <= most, "case {n}: waits {waits} s");
            }
        }
        assert_eq!(fake.received().len(), 4, "one request per message");
        db.finish().await;
    }
}

/// The persons' rows of `send_pacing`, read straight from the database at `url`.
async fn person_turns(url: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM send_pacing WHERE recipient <> ''";
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    }
}

/// The per-number and per-person pace the pacing tests configure.
const APP_PACE: StdDuration = StdDuration::from_millis(250);
const PERSON_PACE: StdDuration = StdDuration::from_secs(1);

#[tokio::test]
async fn two_instances_on_one_database_keep_the_numbers_pace_each_persons_and_a_429s_hold() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let recipients = ["34600000061", "34600000062", "34600000063"];
        let mut tasks = Vec::new();
        for (i, recipient) in recipients.iter().enumerate() {
            let record = person(
                &format!("P-WA-PACE{i}"),
                "Lucía Pérez",
                "es",
                vec![account(Network::Whatsapp, recipient, 2)],
            );
            tasks.push(social_task(store.clone(), 7601 + i as u16, &record).await);
        }
        let fake = FakeNetwork::new(Kind::Whatsapp);
        let url = fake.serve().await;
        // The first request meets the number's throughput limit: it waits a second, on every instance.
        fake.then(
            Answer::new(429, meta_error(130429, None, "Rate limit hit", None))
                .header("retry-after", "1"),
        );
        let config = OutboxConfig {
            whatsapp: Some(WhatsappConfig {
                pacing: Pacing {
                    per_app_millis: APP_PACE.as_millis() as u64,
                    per_recipient_seconds: PERSON_PACE.as_secs(),
                },
                ..whatsapp(&url)
            }),
            batch: 3,
            ..OutboxConfig::default()
        };
        let instance = |name: &str| {
            Outbox::new(
                store.clone(),
                outbox::connector(&config).unwrap(),
                config.clone(),
                name.to_string(),
            )
        };
        let (one, two) = (instance("one"), instance("two"));
        for _ in 0..2 {
            for (task, recipient) in tasks.iter().zip(recipients) {
                queue(
                    store.as_ref(),
                    task.id,
                    Network::Whatsapp,
                    recipient,
                    MessageMode::FreeText,
                    None,
                )
                .await;
            }
        }

        // Both instances deliver side by side until the six messages are sent.
        let (mut delivered, mut sent_by) = (0, [0, 0]);
        let deadline = Instant::now() + StdDuration::from_secs(30);
        while delivered < 6 {
            assert!(Instant::now() < deadline, "{:?}", fake.received().len());
            let (a, b) = tokio::join!(one.deliver_due(clock::now()), two.deliver_due(clock::now()));
            for (i, report) in [a.unwrap(), b.unwrap()].into_iter().enumerate() {
                assert_eq!((report.failed, report.lost), (0, 0), "{report:?}");
                delivered += report.delivered;
                sent_by[i] += report.delivered + report.retrying;
            }
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        }
        assert!(
            sent_by.iter().all(|n| *n > 0),
            "both instances sent: {sent_by:?}"
        );

        let received = fake.received();
        assert_eq!(received.len(), 7, "six messages and the one retried");
        let limited = received[0].at;
        let mut arrivals: Vec<(StdDuration, String)> = received
            .iter()
            .map(|r| {
                (
                    r.at.duration_since(limited),
                    r.body["to"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        arrivals.sort();
        assert_eq!(arrivals[0].0, StdDuration::ZERO, "the 429 came first");
        assert!(
            arrivals[1].0 >= StdDuration::from_secs(1),
            "nothing went in the second the 429 asked for: {arrivals:?}"
        );
        for pair in arrivals.windows(2) {
            assert!(
                pair[1].0 - pair[0].0 >= APP_PACE,
                "the number's pace: {arrivals:?}"
            );
        }
        for recipient in recipients {
            let to: Vec<StdDuration> = arrivals
                .iter()
                .filter(|(_, to)| to == recipient)
                .map(|(at, _)| *at)
                .collect();
            assert!(to.len() >= 2, "{arrivals:?}");
            for pair in to.windows(2) {
                assert!(
                    pair[1] - pair[0] >= PERSON_PACE,
                    "{recipient}'s pace: {arrivals:?}"
                );
            }
        }

        // Once their turns have passed, persons' rows go after a batch: only the one just written to
        // keeps a turn.
        tokio::time::sleep(PERSON_PACE + StdDuration::from_millis(100)).await;
        queue(
            store.as_ref(),
            tasks[0].id,
            Network::Whatsapp,
            recipients[0],
            MessageMode::FreeText,
            None,
        )
        .await;
        assert_eq!(one.deliver_due(clock::now()).await.unwrap().delivered, 1);
        assert_eq!(person_turns(&db.url).await, 1);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_429_one_instance_saw_holds_the_app_instance_too_and_shows_in_its_metrics() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let first = social_task(
            store.clone(),
            7701,
            &person(
                "P-WA-HOLD1",
                "Lucía Pérez",
                "es",
                vec![account(Network::Whatsapp, "34600000071", 2)],
            ),
        )
        .await;
        let second = social_task(
            store.clone(),
            7702,
            &person(
                "P-WA-HOLD2",
                "Ana Gil",
                "es",
                vec![account(Network::Whatsapp, "34600000072", 2)],
            ),
        )
        .await;
        let fake = FakeNetwork::new(Kind::Whatsapp);
        let url = fake.serve().await;
        let hold = StdDuration::from_secs(5);
        fake.then(
            Answer::new(429, meta_error(130429, None, "Rate limit hit", None))
                .header("retry-after", &hold.as_secs().to_string()),
        );
        let one = outbox(
            store.clone(),
            OutboxConfig {
                whatsapp: Some(whatsapp(&url)),
                ..OutboxConfig::default()
            },
        );
        queue(
            store.as_ref(),
            first.id,
            Network::Whatsapp,
            "34600000071",
            MessageMode::FreeText,
            None,
        )
        .await;
        let report = one.deliver_due(clock::now()).await.unwrap();
        assert_eq!(report.retrying, 1, "{report:?}");

        // The app, another instance on the same database, learns the hold from it.
        let mut config = db.config();
        config.outbox.whatsapp = Some(whatsapp(&url));
        config.outbox.poll_millis = 100;
        let app = TestApp::spawn(config).await;
        let waiting = queue(
            store.as_ref(),
            second.id,
            Network::Whatsapp,
            "34600000072",
            MessageMode::FreeText,
            None,
        )
        .await;
        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let held: i64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix("aboard_outbox_held_seconds{network=\"whatsapp\"} "))
            .unwrap_or_else(|| panic!("{metrics}"))
            .parse()
            .unwrap();
        assert!(held > 0 && held <= hold.as_secs() as i64, "held {held} s");

        // It gives the message back to the queue until the hold ends, then sends both.
        let mut given_back = false;
        let deadline = Instant::now() + StdDuration::from_secs(20);
        loop {
            let now = message(store.as_ref(), second.id, waiting.id).await;
            if now.state == MessageState::Queued
                && now.next_attempt_at.unwrap() > now.created_at + chrono::Duration::seconds(1)
            {
                given_back = true;
            }
            if fake.received().len() == 3 && now.state == MessageState::Sent {
                break;
            }
            assert!(Instant::now() < deadline, "{now:?}");
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        assert!(given_back, "the app paced the message for the hold");
        let received = fake.received();
        for later in &received[1..] {
            assert!(
                later.at.duration_since(received[0].at) >= hold,
                "nothing went before the hold ended"
            );
        }
        app.stop().await;
        db.finish().await;
    }
}

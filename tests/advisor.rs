//! The advisor console over HTTP on both backends: language scoping, claim races, the near-duplicate
//! warning, eligibility checked again at send time, templates where only a template may go, and the
//! sandbox outbox delivering what was sent.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration as StdDuration, Instant};

use aboard::clock;
use aboard::domain::records::SocialAccount;
use aboard::domain::{Network, Role};
use chrono::Duration;
use common::social::{person, social_task, x_account};
use common::{TestApp, TestDb, token};
use serde_json::{Value, json};

async fn start(db: &TestDb) -> TestApp {
    let mut config = db.config();
    config.messaging.templates = BTreeMap::from([(
        "flight_checkin".to_string(),
        "Hello {{1}}, we hope flight {{2}} is going well.".to_string(),
    )]);
    TestApp::spawn(config).await
}

/// An advisor token with its own name: claims are held by the caller's name.
async fn advisor(store: &dyn aboard::store::Store, name: &str, languages: &[&str]) -> String {
    use secrecy::ExposeSecret;
    let languages: Vec<String> = languages.iter().map(|l| l.to_string()).collect();
    let grant = aboard::web::accounts::grant(Role::Advisor, &[], &languages).unwrap();
    let issued = aboard::web::accounts::create_token(store, name, grant, "test")
        .await
        .unwrap();
    issued.secret.expose_secret().to_string()
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

async fn post_json(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    json_of(
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Claims through the console's htmx endpoint, as a tablet tap does.
async fn claim(app: &TestApp, token: &str, task: uuid::Uuid) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/advisor/tasks/{task}/claim")))
        .bearer_auth(token)
        .header("hx-request", "true")
        .send()
        .await
        .unwrap()
}

fn queue_ids(body: &Value) -> Vec<String> {
    body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task"]["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn advisors_see_only_their_languages_and_other_roles_nothing() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let es = social_task(
            store.clone(),
            5101,
            &person("P-ES", "Lucía Pérez", "es-MX", vec![x_account("11")]),
        )
        .await;
        let en = social_task(
            store.clone(),
            5102,
            &person("P-EN", "Oliver Smith", "en", vec![x_account("12")]),
        )
        .await;
        let app = start(&db).await;
        let english = token(store.as_ref(), Role::Advisor, &[], &["en"]).await;
        let ops = token(store.as_ref(), Role::Ops, &[], &[]).await;
        let gate = token(store.as_ref(), Role::Gate, &["AGP"], &[]).await;

        let (status, body) = json_of(
            app.get_as("/api/advisor/queue", &english)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(queue_ids(&body), vec![en.id.to_string()]);
        assert_eq!(body["tasks"][0]["person"]["display_name"], "Oliver Smith");
        assert_eq!(body["tasks"][0]["flight"]["number"], "IB5102");

        let page = app.get_as("/advisor", &english).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("Oliver Smith") && !html.contains("Lucía Pérez"),
            "{html}"
        );

        for path in [
            format!("/api/tasks/{}/messages", es.id),
            format!("/advisor/tasks/{}", es.id),
        ] {
            let response = app.get_as(&path, &english).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 403, "{path}");
        }
        assert_eq!(claim(&app, &english, es.id).await.status().as_u16(), 403);

        let (_, body) = json_of(app.get_as("/api/advisor/queue", &ops).send().await.unwrap()).await;
        let mut all = queue_ids(&body);
        all.sort();
        let mut expected = vec![es.id.to_string(), en.id.to_string()];
        expected.sort();
        assert_eq!(all, expected, "ops see every language");

        for path in ["/api/advisor/queue", "/advisor"] {
            let response = app.get_as(path, &gate).send().await.unwrap();
            assert_eq!(
                response.status().as_u16(),
                403,
                "a gate agent is refused {path}"
            );
        }
        let anonymous = app
            .client
            .get(app.url("/api/advisor/queue"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status().as_u16(), 401);

        let page = app
            .get_as(&format!("/advisor/tasks/{}", en.id), &ops)
            .send()
            .await
            .unwrap();
        let html = page.text().await.unwrap();
        for expected in [
            "IB5102 AGP–MAD",
            "CET",
            "Suitcase arrived two days late",
            "Can be written to now",
            "id=\"claim\"",
        ] {
            assert!(
                html.contains(expected),
                "the context panel shows {expected:?}: {html}"
            );
        }
        let open_case = html.find("Suitcase arrived").unwrap();
        let resolved_case = html.find("Missed a connection").unwrap();
        assert!(open_case < resolved_case, "open cases come first");
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn of_two_advisors_claiming_at_once_exactly_one_gets_the_task() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let task = social_task(
            store.clone(),
            5201,
            &person("P-RACE", "Marta Ruiz", "es", vec![x_account("21")]),
        )
        .await;
        let app = start(&db).await;
        let alba = advisor(store.as_ref(), "alba", &["es"]).await;
        let bruno = advisor(store.as_ref(), "bruno", &["es"]).await;
        let (a, b) = tokio::join!(claim(&app, &alba, task.id), claim(&app, &bruno, task.id));
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "one wins, the other is told");
        let winner = if a.status().as_u16() == 200 {
            &alba
        } else {
            &bruno
        };
        let loser = if a.status().as_u16() == 200 {
            &bruno
        } else {
            &alba
        };
        assert_eq!(
            claim(&app, winner, task.id).await.status().as_u16(),
            200,
            "a second tap is harmless"
        );
        let stored = store.task(task.id).await.unwrap().unwrap();
        assert_eq!(stored.state, aboard::domain::TaskState::Claimed);

        let (_, body) = json_of(
            app.get_as("/api/advisor/queue", loser)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!(
            queue_ids(&body).is_empty(),
            "a task claimed by someone else leaves the others' queues"
        );
        let (status, body) = post_json(
            &app,
            &format!("/api/tasks/{}/messages", task.id),
            loser,
            json!({"network": "x", "body": "Hola Marta"}),
        )
        .await;
        assert_eq!((status, body["code"].as_str()), (409, Some("not_claimed")));
        app.stop().await;
        db.finish().await;
    }
}

async fn wait_for_state(app: &TestApp, token: &str, task: uuid::Uuid, state: &str) -> Value {
    let started = Instant::now();
    loop {
        let (_, body) = json_of(
            app.get_as(&format!("/api/tasks/{task}/messages"), token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        if body["messages"][0]["state"] == state {
            return body["messages"][0].clone();
        }
        assert!(
            started.elapsed() < StdDuration::from_secs(10),
            "no message reached {state}: {body}"
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_message_is_sent_once_and_a_near_copy_for_another_passenger_is_questioned() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let first = social_task(
            store.clone(),
            5301,
            &person("P-ONE", "Lucía Pérez", "es", vec![x_account("31")]),
        )
        .await;
        let second = social_task(
            store.clone(),
            5302,
            &person("P-TWO", "María Gil", "es", vec![x_account("32")]),
        )
        .await;
        let app = start(&db).await;
        let alba = token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        let path = format!("/api/tasks/{}/messages", first.id);

        let (status, body) =
            post_json(&app, &path, &alba, json!({"network": "x", "body": "Hola"})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("not_claimed")),
            "{body}"
        );
        assert_eq!(claim(&app, &alba, first.id).await.status().as_u16(), 200);
        let (status, body) =
            post_json(&app, &path, &alba, json!({"network": "x", "body": "   "})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("invalid")),
            "{body}"
        );
        let (status, body) = post_json(
            &app,
            &path,
            &alba,
            json!({"network": "facebook", "body": "Hola"}),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("invalid")),
            "{body}"
        );

        let text = "Hola Lucía, vimos que tu maleta llegó tarde la última vez. ¿Todo bien hoy? ¡Buen vuelo!";
        let request = json!({"network": "x", "body": text, "idempotency_key": "k1"});
        let (status, sent) = post_json(&app, &path, &alba, request.clone()).await;
        assert_eq!(status, 201, "{sent}");
        assert_eq!(sent["message"]["recipient"], "31");
        assert_eq!(sent["message"]["network"], "x");
        assert!(sent["near_duplicate"].is_null());
        let (status, again) = post_json(&app, &path, &alba, request).await;
        assert_eq!(status, 201);
        assert_eq!(
            again["message"]["id"], sent["message"]["id"],
            "the same key queues one message"
        );
        let delivered = wait_for_state(&app, &alba, first.id, "sent").await;
        assert!(
            delivered["provider_message_id"]
                .as_str()
                .unwrap()
                .starts_with("sandbox-")
        );
        let (_, listed) = json_of(app.get_as(&path, &alba).send().await.unwrap()).await;
        assert_eq!(listed["messages"].as_array().unwrap().len(), 1);

        // The same stock text for another passenger, with only the name changed.
        assert_eq!(claim(&app, &alba, second.id).await.status().as_u16(), 200);
        let copy =
            "Hola María, vimos que tu maleta llegó tarde la última vez. ¿Todo bien hoy? Buen vuelo";
        let check = app
            .client
            .post(app.url(&format!("/advisor/tasks/{}/check", second.id)))
            .bearer_auth(&alba)
            .form(&[("body", copy)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            check.contains("id=\"near-duplicate\""),
            "the live check warns: {check}"
        );
        let personal = app
            .client
            .post(app.url(&format!("/advisor/tasks/{}/check", second.id)))
            .bearer_auth(&alba)
            .form(&[(
                "body",
                "María, sé que tu reclamación de Bogotá sigue abierta; te escribo mañana.",
            )])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!personal.contains("near-duplicate"), "{personal}");

        let second_path = format!("/api/tasks/{}/messages", second.id);
        let (status, refused) = post_json(
            &app,
            &second_path,
            &alba,
            json!({"network": "x", "body": copy}),
        )
        .await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (409, Some("near_duplicate")),
            "{refused}"
        );
        assert_eq!(refused["near_duplicate"]["task_id"], first.id.to_string());
        assert!(
            refused["near_duplicate"]["similarity"].as_f64().unwrap()
                >= aboard::messaging::NEAR_DUPLICATE
        );
        let (_, none) = json_of(app.get_as(&second_path, &alba).send().await.unwrap()).await;
        assert!(
            none["messages"].as_array().unwrap().is_empty(),
            "nothing was queued"
        );
        let (status, confirmed) = post_json(
            &app,
            &second_path,
            &alba,
            json!({"network": "x", "body": copy, "confirm": true}),
        )
        .await;
        assert_eq!(status, 201, "{confirmed}");
        assert_eq!(
            confirmed["near_duplicate"]["message_id"],
            sent["message"]["id"]
        );
        app.stop().await;
        db.finish().await;
    }
}

/// A task whose person no network lets the airline write to now says why in the queue, with no Claim.
#[tokio::test]
async fn a_task_that_can_no_longer_be_sent_says_why_and_offers_no_claim() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let open = social_task(
            store.clone(),
            5501,
            &person("P-X", "Lucía Pérez", "es", vec![x_account("51")]),
        )
        .await;
        let messenger = SocialAccount {
            network: Network::Facebook,
            handle: "lucas.gil".to_string(),
            network_user_id: Some("52".to_string()),
            last_inbound_at: Some(clock::now() - Duration::hours(2)),
            ..x_account("52")
        };
        let record = person("P-FB", "Lucas Gil", "es", vec![messenger]);
        let closed = social_task(store.clone(), 5502, &record).await;
        // The registry learns that he last wrote ten days ago: Messenger's windows have closed since.
        let mut later = record.clone();
        later.accounts[0].last_inbound_at = Some(clock::now() - Duration::days(10));
        store
            .upsert_person(&later, "registry", clock::now())
            .await
            .unwrap();
        let app = start(&db).await;
        let alba = token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        let page = app
            .get_as("/advisor", &alba)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(&format!("id=\"claim-{}\"", open.id)));
        assert!(
            !page.contains(&format!("id=\"claim-{}\"", closed.id)),
            "{page}"
        );
        let marker = format!("id=\"blocked-{}\">", closed.id);
        let start = page.find(&marker).expect("the reason is shown") + marker.len();
        let why = &page[start..start + page[start..].find('<').unwrap()];
        assert!(
            why.contains("facebook") && why.contains("10 days ago"),
            "{why}"
        );
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn eligibility_is_checked_again_at_send_time_and_templates_fill_where_only_they_may_go() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let record = person("P-OPT", "Lucía Pérez", "es", vec![x_account("41")]);
        let task = social_task(store.clone(), 5401, &record).await;
        let whatsapp = SocialAccount {
            network: Network::Whatsapp,
            handle: "+34600000000".to_string(),
            network_user_id: Some("34600000000".to_string()),
            last_inbound_at: Some(clock::now() - Duration::hours(48)),
            ..x_account("42")
        };
        let templated = social_task(
            store.clone(),
            5402,
            &person("P-WA", "Pablo Gil", "es", vec![whatsapp]),
        )
        .await;
        let app = start(&db).await;
        let alba = token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        assert_eq!(claim(&app, &alba, task.id).await.status().as_u16(), 200);

        // The person withdraws their opt-in after the task was created.
        let mut withdrawn = record.clone();
        withdrawn.accounts[0].opted_in = false;
        store
            .upsert_person(&withdrawn, "registry", clock::now())
            .await
            .unwrap();
        let path = format!("/api/tasks/{}/messages", task.id);
        let (status, body) = post_json(
            &app,
            &path,
            &alba,
            json!({"network": "x", "body": "Hola Lucía, ¿qué tal el viaje?"}),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("not_eligible")),
            "{body}"
        );
        assert!(
            body["error"].as_str().unwrap().contains("has not opted in"),
            "{body}"
        );
        let page = app
            .get_as(&format!("/advisor/tasks/{}", task.id), &alba)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Cannot be written to now: the person has not opted in"),
            "the page says why: {page}"
        );

        assert_eq!(
            claim(&app, &alba, templated.id).await.status().as_u16(),
            200
        );
        let path = format!("/api/tasks/{}/messages", templated.id);
        let (status, body) = post_json(
            &app,
            &path,
            &alba,
            json!({"network": "whatsapp", "body": "Hola Pablo"}),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("template_required")),
            "{body}"
        );
        let (status, body) = post_json(
            &app,
            &path,
            &alba,
            json!({"network": "whatsapp", "template": "flight_checkin", "parameters": ["Pablo"]}),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("invalid")),
            "{body}"
        );
        let (status, body) = post_json(&app, &path, &alba, json!({"network": "whatsapp", "template": "flight_checkin", "parameters": ["Pablo", "IB5402"]})).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(
            body["message"]["body"],
            "Hello Pablo, we hope flight IB5402 is going well."
        );
        let page = app
            .get_as(&format!("/advisor/tasks/{}", templated.id), &alba)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Only an approved template may be sent now")
                && page.contains("flight_checkin"),
            "{page}"
        );
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn without_a_connector_every_advisor_page_says_messages_are_not_delivered_and_the_demo_network_answers()
 {
    let db = TestDb::sqlite().await;
    let store = db.store.clone();
    let app = start(&db).await;
    let alba = token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
    let record = person("P-NOTICE", "Lucía Pérez", "es", vec![x_account("41")]);
    let task = social_task(store.clone(), 5601, &record).await;
    for path in [
        "/advisor".to_string(),
        format!("/advisor/tasks/{}", task.id),
    ] {
        let page = app
            .get_as(&path, &alba)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("id=\"delivery-notice\"") && page.contains("NOT delivered"),
            "{path}: {page}"
        );
    }
    app.stop().await;

    // The demo's fake network: delivered, then some passengers answer a few seconds later.
    let mut config = db.config();
    config.outbox.connector = aboard::messaging::outbox::ConnectorKind::Demo;
    config.outbox.poll_millis = 100;
    let app = TestApp::spawn(config).await;
    let answering = (42..)
        .map(|n| n.to_string())
        .find(|id| aboard::demo::network::answers(id))
        .unwrap();
    let talker = social_task(
        store.clone(),
        5602,
        &person("P-DEMO-NET", "Ana Gil", "es", vec![x_account(&answering)]),
    )
    .await;
    let page = app
        .get_as(&format!("/advisor/tasks/{}", talker.id), &alba)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("fake local network"), "{page}");
    assert_eq!(claim(&app, &alba, talker.id).await.status().as_u16(), 200);
    let (status, body) = post_json(
        &app,
        &format!("/api/tasks/{}/messages", talker.id),
        &alba,
        json!({"network": "x", "body": "Ana, ¿qué tal el vuelo a Madrid?"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let started = std::time::Instant::now();
    loop {
        let replies = store.replies_for_task(talker.id).await.unwrap();
        if let Some(reply) = replies.first() {
            assert!(reply.new.body.as_deref().is_some_and(|b| !b.is_empty()));
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "the demo passenger never answered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let messages = store.messages_for_task(talker.id).await.unwrap();
    assert_eq!(messages[0].state, aboard::domain::MessageState::Read);
    app.stop().await;
    db.finish().await;
}

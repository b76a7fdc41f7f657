//! The served API description against the real app: every operation it describes is routed with exactly
//! the methods it names, and the answers of real calls (a manifest import, a person, the task list, a
//! closed task, an offload, refusals) validate against the schemas it gives for them, on both backends.

mod common;

use aboard::clock;
use aboard::domain::records::NewTask;
use aboard::domain::{Channel, Role};
use chrono::Duration;
use common::{TestApp, TestDb, token};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

const METHODS: [&str; 4] = ["get", "put", "post", "delete"];

async fn served_document(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The path with each `{parameter}` filled: a UUID reads as any id the API takes.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|part| {
            if part.starts_with('{') {
                Uuid::now_v7().to_string()
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn is_public(operation: &Value) -> bool {
    operation["security"] == json!([{}])
}

#[tokio::test]
async fn every_described_operation_is_routed_with_exactly_its_methods() {
    let db = TestDb::sqlite().await;
    let app = TestApp::spawn(db.config()).await;
    let document = served_document(&app).await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = document["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for method in METHODS {
            let url = app.url(&concrete(path));
            let request = app.client.request(
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                &url,
            );
            let status = request.send().await.unwrap().status();
            match item.get(method) {
                Some(operation) if is_public(operation) => {
                    assert_eq!(status, StatusCode::OK, "{method} {path} is public")
                }
                Some(operation) => {
                    operations += 1;
                    assert_eq!(
                        status,
                        StatusCode::UNAUTHORIZED,
                        "{method} {path} is routed and asks for a credential"
                    );
                    assert_eq!(
                        operation["responses"]["401"]["$ref"],
                        "#/components/responses/Unauthenticated"
                    );
                }
                None => assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is not described, so not routed"
                ),
            }
        }
    }
    assert!(
        operations >= 20,
        "{operations} operations take a credential"
    );
    for page in ["/gate", "/advisor", "/review", "/ops/import"] {
        assert!(paths.get(page).is_none(), "{page} is a page, not the API");
    }
    app.stop().await;
    db.finish().await;
}

/// Checks answers against the document's schemas, whose `$ref`s point into its components.
struct Schemas {
    document: Value,
}

impl Schemas {
    fn schema_of(&self, path: &str, method: &str, status: u16) -> Value {
        let response = &self.document["paths"][path][method]["responses"][status.to_string()];
        let response = match response["$ref"].as_str() {
            Some(reference) => self
                .document
                .pointer(reference.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("{reference} resolves")),
            None => response,
        };
        let schema = &response["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path} describes a JSON {status}"
        );
        schema.clone()
    }

    /// Sends the request and checks that its answer has `status` and the schema described for it.
    async fn check(&self, request: reqwest::RequestBuilder, path: &str, status: u16) -> Value {
        let request = request.build().unwrap();
        let method = request.method().as_str().to_lowercase();
        let response = reqwest::Client::new().execute(request).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{method} {path}");
        let answer: Value = response.json().await.unwrap();
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.document["components"],
            "allOf": [self.schema_of(path, &method, status)],
        });
        let validator = jsonschema::draft202012::new(&root).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&answer)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} {status} does not match its schema: {errors:#?}\n{answer:#}"
        );
        answer
    }
}

#[tokio::test]
async fn real_answers_match_their_described_schemas() {
    for db in TestDb::each().await {
        let app = TestApp::spawn(db.config()).await;
        let schemas = Schemas {
            document: served_document(&app).await,
        };
        let ops = token(db.store.as_ref(), Role::Ops, &[], &[]).await;
        let url = |path: &str| app.url(path);
        let client = &app.client;
        let date = clock::now().date_naive();

        let csv = format!(
            "flight,date,origin,destination,locator,surname,given,seat,email\n\
             IB6401,{date},MAD,MEX,X7K2QM,GARCIA,MARIA,12C,maria@example.com\n\
             IB6401,{date},MAD,MEX,X7K2QM,LOPEZ,ANA,12D,not-an-address\n"
        );
        let imported = schemas
            .check(
                client
                    .post(url("/api/manifests?name=IB6401.csv"))
                    .bearer_auth(&ops)
                    .body(csv),
                "/api/manifests",
                200,
            )
            .await;
        assert_eq!(imported["warnings"]["total"], 1, "{imported}");
        let flight_id: Uuid =
            serde_json::from_value(imported["flights"][0]["flight_id"].clone()).unwrap();
        schemas
            .check(
                client
                    .post(url("/api/manifests?name=broken.csv"))
                    .bearer_auth(&ops)
                    .body("flight,date\nIB1,yesterday\n"),
                "/api/manifests",
                422,
            )
            .await;

        let person = schemas
            .check(
                client
                    .put(url("/api/persons/P-MARIA"))
                    .bearer_auth(&ops)
                    .body(r#"{"external_id":"P-MARIA","display_name":"María García","language":"es"}"#),
                "/api/persons/{external_id}",
                200,
            )
            .await;
        let person_id: Uuid = serde_json::from_value(person["id"].clone()).unwrap();
        let passengers = db.store.passengers(flight_id).await.unwrap();
        let now = clock::now();
        let task = db
            .store
            .create_task(
                &NewTask {
                    flight_id,
                    passenger_id: passengers[0].id,
                    person_id,
                    rule_id: "checkin-at-gate".to_string(),
                    channel: Channel::Gate,
                    station: "MAD".to_string(),
                    gate: Some("S24".to_string()),
                    priority: 4,
                    due_at: now + Duration::minutes(20),
                    expires_at: now + Duration::minutes(40),
                    brief: "Lost bag last month".to_string(),
                    briefs: Default::default(),
                    why: vec!["an open baggage case".to_string()],
                    holdout: None,
                },
                now,
            )
            .await
            .unwrap()
            .unwrap();

        let listed = schemas
            .check(
                client.get(url("/api/tasks?station=MAD")).bearer_auth(&ops),
                "/api/tasks",
                200,
            )
            .await;
        assert_eq!(listed[0]["id"], task.id.to_string());
        schemas
            .check(
                client
                    .get(url("/api/tasks?station=MADRID"))
                    .bearer_auth(&ops),
                "/api/tasks",
                400,
            )
            .await;
        schemas
            .check(
                client
                    .post(url(&format!("/api/tasks/{}/close", task.id)))
                    .bearer_auth(&ops)
                    .json(&json!({"outcome": "talked_all_well"})),
                "/api/tasks/{id}/close",
                200,
            )
            .await;
        for event in [
            json!({"event": "offloaded", "passenger": passengers[1].id}),
            json!({"event": "boarding_started", "at": clock::now()}),
        ] {
            let body = json!({"flight": "IB6401", "date": date, "origin": "MAD", "event": event});
            schemas
                .check(
                    client
                        .post(url("/api/flight-events"))
                        .bearer_auth(&ops)
                        .json(&body),
                    "/api/flight-events",
                    200,
                )
                .await;
        }
        for path in [
            "/api/whoami",
            "/api/rules",
            "/api/scheduler",
            "/api/boarding-scans",
            "/api/manifests/held",
            "/api/links/review",
            "/api/events",
            "/api/reports/funnel",
            "/api/reports/latency",
            "/api/reports/deadlines",
            "/api/reports/matching",
        ] {
            schemas
                .check(client.get(url(path)).bearer_auth(&ops), path, 200)
                .await;
        }
        schemas
            .check(client.get(url("/api/tasks")), "/api/tasks", 401)
            .await;
        schemas
            .check(
                client
                    .get(url("/api/events?from=yesterday"))
                    .bearer_auth(&ops),
                "/api/events",
                400,
            )
            .await;
        schemas
            .check(client.get(url("/readyz")), "/readyz", 200)
            .await;

        app.stop().await;
        db.finish().await;
    }
}

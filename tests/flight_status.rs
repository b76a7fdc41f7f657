//! Flight status polling against a local mock of an AeroDataBox-style API (RapidAPI headers, the real
//! JSON shapes, 204/401/429/5xx answers with the gateway's `{"message": ...}` bodies), on each backend.

mod common;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aboard::config::FlightStatusConfig;
use aboard::domain::records::{MovementTimes, NewFlight};
use aboard::domain::{FlightKey, FlightNumber, FlightStatus, Iata};
use aboard::flightstatus::{
    AeroDataBox, FlightChange, FlightEventSink, FlightStatusJob, NoSink, PollSettings,
    StatusProvider, poll,
};
use aboard::scheduler::{Job, JobContext, Outcome, Unavailable};
use aboard::store::{EventFilter, Store};
use async_trait::async_trait;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use common::TestDb;
use secrecy::SecretString;

const RAPIDAPI_HOST: &str = "aerodatabox.p.rapidapi.com";
const KEY: &str = "test-key";

#[derive(Clone)]
enum Reply {
    Json(String),
    Status {
        code: u16,
        body: &'static str,
        retry_after: Option<&'static str>,
    },
}

/// One request as the mock saw it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    key: Option<String>,
    host: Option<String>,
}

/// Replies per flight number, in order; the last one repeats.
#[derive(Default)]
struct Mock {
    replies: Mutex<HashMap<String, VecDeque<Reply>>>,
    seen: Mutex<Vec<Seen>>,
}

impl Mock {
    fn script(&self, number: &str, replies: Vec<Reply>) {
        self.replies
            .lock()
            .unwrap()
            .insert(number.to_string(), replies.into());
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn answer(
    State(mock): State<Arc<Mock>>,
    Path((number, date)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    mock.seen.lock().unwrap().push(Seen {
        path: format!("/flights/number/{number}/{date}"),
        key: header("x-rapidapi-key"),
        host: header("x-rapidapi-host"),
    });
    if header("x-rapidapi-key").as_deref() != Some(KEY) {
        return (
            StatusCode::UNAUTHORIZED,
            r#"{"message":"Invalid API key. Go to https://docs.rapidapi.com/docs/keys for more info."}"#,
        )
            .into_response();
    }
    let reply = {
        let mut replies = mock.replies.lock().unwrap();
        match replies.get_mut(&number) {
            Some(queue) if queue.len() > 1 => queue.pop_front(),
            Some(queue) => queue.front().cloned(),
            None => None,
        }
    };
    match reply {
        Some(Reply::Json(body)) => {
            (StatusCode::OK, [("content-type", "application/json")], body).into_response()
        }
        Some(Reply::Status {
            code,
            body,
            retry_after,
        }) => {
            let mut response =
                (StatusCode::from_u16(code).unwrap(), body.to_string()).into_response();
            if let Some(value) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", value.parse().unwrap());
            }
            response
        }
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

/// The mock on an ephemeral port; returns it and its base URL.
async fn start_mock() -> (Arc<Mock>, String) {
    let mock = Arc::new(Mock::default());
    let app = Router::new()
        .route("/flights/number/{number}/{date}", get(answer))
        .with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (mock, format!("http://{address}"))
}

/// A leg as AeroDataBox returns it from Madrid, with optional revised time and gate.
fn leg(status: &str, scheduled: &str, revised: Option<&str>, gate: Option<&str>) -> String {
    let revised = revised
        .map(|r| format!(r#""revisedTime": {{"utc": "{r}Z", "local": "{r}+02:00"}},"#))
        .unwrap_or_default();
    let gate = gate
        .map(|g| format!(r#""gate": "{g}","#))
        .unwrap_or_default();
    format!(
        r#"[{{"greatCircleDistance": {{"km": 1000.0}},
            "departure": {{"airport": {{"icao": "LEMD", "iata": "MAD", "name": "Madrid",
                "timeZone": "Europe/Madrid"}},
              "scheduledTime": {{"utc": "{scheduled}Z", "local": "{scheduled}+02:00"}},
              {revised} {gate} "terminal": "4S", "quality": ["Basic", "Live"]}},
            "arrival": {{"airport": {{"icao": "MMMX", "iata": "MEX", "name": "Mexico City"}},
              "quality": ["Basic"]}},
            "lastUpdatedUtc": "2026-05-10 04:58Z", "number": "IB 6401", "callSign": "IBE6401",
            "status": "{status}", "codeshareStatus": "IsOperator", "isCargo": false,
            "aircraft": {{"reg": "EC-NVQ", "model": "Airbus A350-900"}},
            "airline": {{"name": "Iberia", "iata": "IB", "icao": "IBE"}}}}]"#
    )
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-05-10T05:00:00Z")
        .unwrap()
        .to_utc()
}

fn at(hh_mm: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-05-10T{hh_mm}:00Z"))
        .unwrap()
        .to_utc()
}

/// A stored flight from Madrid on 2026-05-10, scheduled at `departs` (UTC), gate unknown.
async fn stored_flight(store: &dyn Store, number: &str, departs: &str) {
    let flight = NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse(number).unwrap(),
            local_date: NaiveDate::from_ymd_opt(2026, 5, 10).unwrap(),
            origin: Iata::parse("MAD").unwrap(),
        },
        destination: Some(Iata::parse("MEX").unwrap()),
        departure: MovementTimes {
            scheduled: Some(at(departs)),
            ..Default::default()
        },
        arrival: MovementTimes::default(),
        gate: None,
        status: FlightStatus::Scheduled,
    };
    store.upsert_flight(&flight, now()).await.unwrap();
}

fn provider(base: &str) -> Arc<dyn StatusProvider> {
    let config = FlightStatusConfig {
        base_url: Some(base.to_string()),
        api_key: Some(SecretString::from(KEY.to_string())),
        host_header: Some(RAPIDAPI_HOST.to_string()),
        ..FlightStatusConfig::default()
    };
    Arc::new(AeroDataBox::from_config(&config).unwrap())
}

fn settings(max_requests: u32) -> PollSettings {
    PollSettings {
        horizon: TimeDelta::hours(6),
        lookback: TimeDelta::hours(6),
        max_requests,
        attempts: 3,
        backoff: Duration::from_millis(1),
    }
}

fn context(store: &Arc<dyn Store>, now: DateTime<Utc>) -> JobContext {
    JobContext {
        store: store.clone(),
        tick: now,
        now,
        instance: "test".to_string(),
    }
}

/// Keeps what it is handed, as the task rules would act on it.
#[derive(Default)]
struct Recorder(Mutex<Vec<FlightChange>>);

#[async_trait]
impl FlightEventSink for Recorder {
    async fn flight_changed(
        &self,
        change: &FlightChange,
        _store: &dyn Store,
        _now: DateTime<Utc>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.lock().unwrap().push(change.clone());
        Ok(())
    }
}

async fn status_events(store: &dyn Store) -> Vec<serde_json::Value> {
    store
        .events(&EventFilter {
            action_prefix: Some("flight.status".to_string()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.detail)
        .collect()
}

#[tokio::test]
async fn status_changes_become_flight_events_and_reach_the_sink() {
    for db in TestDb::each().await {
        let (mock, base) = start_mock().await;
        stored_flight(db.store.as_ref(), "IB6401", "06:05").await;
        stored_flight(db.store.as_ref(), "IB3166", "07:00").await;
        mock.script(
            "IB6401",
            vec![Reply::Json(leg(
                "Boarding",
                "2026-05-10 06:05",
                Some("2026-05-10 06:25"),
                Some("S21"),
            ))],
        );
        mock.script(
            "IB3166",
            vec![Reply::Json(leg("Expected", "2026-05-10 07:00", None, None))],
        );
        let sink = Arc::new(Recorder::default());
        let job = FlightStatusJob::new(Ok(provider(&base)), sink.clone(), settings(50));
        let report = job.run(&context(&db.store, now())).await.unwrap();
        assert_eq!(report.outcome, Outcome::Ok, "{report:?}");
        assert_eq!(
            report.detail,
            "2 flight(s) answered, 1 changed, 2 request(s)"
        );

        let seen = mock.seen();
        assert_eq!(seen[0].path, "/flights/number/IB6401/2026-05-10");
        assert_eq!(seen[0].key.as_deref(), Some(KEY));
        assert_eq!(seen[0].host.as_deref(), Some(RAPIDAPI_HOST));

        let key = FlightKey {
            flight: FlightNumber::parse("IB6401").unwrap(),
            local_date: NaiveDate::from_ymd_opt(2026, 5, 10).unwrap(),
            origin: Iata::parse("MAD").unwrap(),
        };
        let flight = db.store.find_flight(&key).await.unwrap().unwrap();
        assert_eq!(flight.status, FlightStatus::Boarding);
        assert_eq!(flight.gate.as_deref(), Some("S21"));
        assert_eq!(flight.departure.scheduled, Some(at("06:05")));
        assert_eq!(flight.departure.estimated, Some(at("06:25")));

        let events = status_events(db.store.as_ref()).await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["provider_status"], "Boarding");
        assert_eq!(events[0]["changes"]["status"]["old"], "scheduled");
        assert_eq!(events[0]["changes"]["status"]["new"], "boarding");
        assert_eq!(events[0]["changes"]["gate"]["old"], serde_json::Value::Null);
        assert_eq!(events[0]["changes"]["gate"]["new"], "S21");

        let changes = sink.0.lock().unwrap().clone();
        assert_eq!(changes.len(), 1);
        assert!(changes[0].status_changed());
        assert_eq!(changes[0].key, key);
        let fields: Vec<&str> = changes[0].fields.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["status", "departure.estimated", "gate"]);

        // The same answers again change nothing and log nothing.
        let again = job.run(&context(&db.store, now())).await.unwrap();
        assert_eq!(
            again.detail,
            "2 flight(s) answered, 0 changed, 2 request(s)"
        );
        assert_eq!(status_events(db.store.as_ref()).await.len(), 1);
        db.finish().await;
    }
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    for db in TestDb::each().await {
        let (mock, base) = start_mock().await;
        stored_flight(db.store.as_ref(), "IB6401", "06:05").await;
        let failure = |code| Reply::Status {
            code,
            body: r#"{"message":"Internal server error"}"#,
            retry_after: None,
        };
        mock.script(
            "IB6401",
            vec![
                failure(500),
                failure(503),
                Reply::Json(leg("GateClosed", "2026-05-10 06:05", None, Some("S21"))),
            ],
        );
        let report = poll(
            db.store.as_ref(),
            provider(&base).as_ref(),
            &NoSink,
            &settings(50),
            now(),
        )
        .await
        .unwrap();
        assert_eq!(report.requests, 3);
        assert_eq!(report.answered, 1);
        assert_eq!(report.changes.len(), 1);
        assert_eq!(report.changes[0].after.status, FlightStatus::GateClosed);

        // A provider that keeps failing is given up on after three attempts, with its message.
        mock.script("IB6401", vec![failure(502)]);
        let report = poll(
            db.store.as_ref(),
            provider(&base).as_ref(),
            &NoSink,
            &settings(50),
            now(),
        )
        .await
        .unwrap();
        assert_eq!(report.requests, 3);
        assert_eq!(
            report.errors,
            ["the flight status provider failed (HTTP 502): Internal server error"]
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn a_rate_limit_stops_the_run_and_is_respected() {
    for db in TestDb::each().await {
        let (mock, base) = start_mock().await;
        for (number, departs) in [
            ("IB6401", "06:05"),
            ("IB3166", "07:00"),
            ("IB3170", "08:00"),
        ] {
            stored_flight(db.store.as_ref(), number, departs).await;
            mock.script(
                number,
                vec![Reply::Json(leg("Expected", "2026-05-10 06:05", None, None))],
            );
        }
        mock.script(
            "IB6401",
            vec![
                Reply::Status {
                    code: 429,
                    body: r#"{"message":"You have exceeded the rate limit per second for your plan, BASIC, by the API provider"}"#,
                    retry_after: Some("120"),
                },
                Reply::Json(leg("Boarding", "2026-05-10 06:05", None, Some("S21"))),
            ],
        );
        let job = FlightStatusJob::new(Ok(provider(&base)), Arc::new(NoSink), settings(50));
        let report = job.run(&context(&db.store, now())).await.unwrap();
        assert_eq!(report.outcome, Outcome::Partial);
        assert!(
            report.detail.contains(
                "stopped: rate limited by the provider (You have exceeded the rate limit"
            ) && report.detail.ends_with("resuming after 05:02:00 UTC"),
            "{}",
            report.detail
        );
        assert_eq!(mock.seen().len(), 1, "no request after the 429");

        let waiting = job
            .run(&context(&db.store, now() + TimeDelta::seconds(60)))
            .await
            .unwrap();
        assert_eq!(waiting.outcome, Outcome::Partial);
        assert_eq!(
            waiting.detail,
            "skipped: the provider asked to wait until 05:02:00 UTC"
        );
        assert_eq!(mock.seen().len(), 1, "the wait is respected");

        let resumed = job
            .run(&context(&db.store, now() + TimeDelta::seconds(121)))
            .await
            .unwrap();
        assert_eq!(resumed.outcome, Outcome::Ok, "{resumed:?}");
        assert_eq!(mock.seen().len(), 4);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_refused_key_fails_the_run_with_the_provider_message() {
    for db in TestDb::each().await {
        let (mock, base) = start_mock().await;
        stored_flight(db.store.as_ref(), "IB6401", "06:05").await;
        stored_flight(db.store.as_ref(), "IB3166", "07:00").await;
        let config = FlightStatusConfig {
            base_url: Some(base.clone()),
            api_key: Some(SecretString::from("wrong-key".to_string())),
            ..FlightStatusConfig::default()
        };
        let wrong: Arc<dyn StatusProvider> = Arc::new(AeroDataBox::from_config(&config).unwrap());
        let job = FlightStatusJob::new(Ok(wrong), Arc::new(NoSink), settings(50));
        let err = job.run(&context(&db.store, now())).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "the flight status provider refused the API key (HTTP 401): Invalid API key. Go to \
             https://docs.rapidapi.com/docs/keys for more info.; check flight_status.api_key and the \
             subscription"
        );
        let seen = mock.seen();
        assert_eq!(seen.len(), 1, "one refusal is enough");
        // Without host_header, the host of the base URL is sent.
        assert_eq!(seen[0].host.as_deref(), Some("127.0.0.1"));
        db.finish().await;
    }
}

#[tokio::test]
async fn the_request_budget_bounds_a_run_and_failures_are_reported_per_flight() {
    for db in TestDb::each().await {
        let (mock, base) = start_mock().await;
        for (number, departs) in [
            ("IB6401", "06:05"),
            ("IB3166", "07:00"),
            ("IB3170", "08:00"),
        ] {
            stored_flight(db.store.as_ref(), number, departs).await;
        }
        // IB6401 has no data (204): the mock has no script for it.
        mock.script("IB3166", vec![Reply::Json("[{\"status\": ".to_string())]);
        mock.script(
            "IB3170",
            vec![Reply::Json(leg("Expected", "2026-05-10 08:00", None, None))],
        );
        let job = FlightStatusJob::new(Ok(provider(&base)), Arc::new(NoSink), settings(2));
        let err = job.run(&context(&db.store, now())).await.unwrap_err();
        let detail = err.to_string();
        assert!(
            detail.starts_with(
                "0 flight(s) answered, 0 changed, 2 request(s); 1 flight(s) left for the next run \
                 (budget of 2 requests); the flight status provider has no data for IB6401/10MAY MAD"
            ),
            "{detail}"
        );
        assert!(
            detail.contains(
                "the flight status provider's answer for IB3166/10MAY MAD is malformed at line 1"
            ),
            "{detail}"
        );
        assert_eq!(mock.seen().len(), 2);

        let job = FlightStatusJob::new(Ok(provider(&base)), Arc::new(NoSink), settings(3));
        let report = job.run(&context(&db.store, now())).await.unwrap();
        assert_eq!(report.outcome, Outcome::Partial, "{report:?}");
        assert!(
            report
                .detail
                .starts_with("1 flight(s) answered, 0 changed, 3 request(s); ")
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn without_a_provider_the_job_says_what_is_missing() {
    let job = FlightStatusJob::from_config(&FlightStatusConfig::default(), Arc::new(NoSink));
    assert_eq!(
        job.unavailable(),
        Some(Unavailable::NotSet("flight_status.base_url"))
    );
    assert_eq!(
        job.unavailable().unwrap().to_string(),
        "flight_status.base_url is not set"
    );
    let half = FlightStatusConfig {
        base_url: Some("https://aerodatabox.p.rapidapi.com".to_string()),
        ..FlightStatusConfig::default()
    };
    let job = FlightStatusJob::from_config(&half, Arc::new(NoSink));
    assert_eq!(
        job.unavailable(),
        Some(Unavailable::NotSet("flight_status.api_key"))
    );
}

//! "Today" near midnight, with the clock stopped at 23:35 in Madrid: a station's operating day runs from
//! three hours ago to a day ahead, so the 00:30 and 08:10 departures are listed and the evening's early
//! departures are not; every time not on today's date carries it; what is ahead says how far. Its own
//! test binary, because the stopped clock holds for the whole process.

mod common;

use aboard::clock;
use aboard::domain::records::{MovementTimes, NewFlight};
use aboard::domain::{FlightKey, FlightNumber, FlightStatus, Iata, Role};
use aboard::store::Store;
use chrono::{DateTime, NaiveDate, Utc};
use common::{TestApp, TestDb, token};
use reqwest::StatusCode;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

async fn departure(
    store: &dyn Store,
    number: &str,
    local_date: &str,
    at: &str,
    status: FlightStatus,
) {
    let flight = NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse(number).unwrap(),
            local_date: NaiveDate::parse_from_str(local_date, "%Y-%m-%d").unwrap(),
            origin: Iata::parse("MAD").unwrap(),
        },
        destination: Some(Iata::parse("LHR").unwrap()),
        departure: MovementTimes {
            scheduled: Some(utc(at)),
            ..Default::default()
        },
        arrival: MovementTimes::default(),
        gate: Some("S24".to_string()),
        status,
    };
    store.upsert_flight(&flight, clock::now()).await.unwrap();
}

/// The text of each `<li>` of the list with `id`, tags stripped.
fn items(html: &str, id: &str) -> Vec<String> {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("#{id} in {html}"));
    let end = html[start..].find("</ul>").unwrap() + start;
    html[start..end]
        .split("<li>")
        .skip(1)
        .map(|li| {
            let mut text = String::new();
            let mut in_tag = false;
            for c in li.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.trim().to_string()
        })
        .collect()
}

#[tokio::test]
async fn at_23_35_in_madrid_today_runs_past_midnight_and_tomorrow_carries_its_date() {
    // 23:35 CET on 22 November.
    clock::stop_at(Some(utc("2026-11-22T22:35:00Z")));
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        departure(
            store,
            "IB1000",
            "2026-11-22",
            "2026-11-22T17:00:00Z",
            FlightStatus::Departed,
        )
        .await;
        departure(
            store,
            "IB2000",
            "2026-11-22",
            "2026-11-22T20:00:00Z",
            FlightStatus::Departed,
        )
        .await;
        departure(
            store,
            "IB3000",
            "2026-11-22",
            "2026-11-22T22:50:00Z",
            FlightStatus::Boarding,
        )
        .await;
        departure(
            store,
            "IB4000",
            "2026-11-23",
            "2026-11-22T23:30:00Z",
            FlightStatus::Scheduled,
        )
        .await;
        departure(
            store,
            "IB5000",
            "2026-11-23",
            "2026-11-23T07:10:00Z",
            FlightStatus::Scheduled,
        )
        .await;
        departure(
            store,
            "IB6000",
            "2026-11-23",
            "2026-11-23T22:45:00Z",
            FlightStatus::Scheduled,
        )
        .await;
        let gate = token(store, Role::Gate, &["MAD"], &[]).await;
        let ops = token(store, Role::Ops, &[], &[]).await;
        let mut config = db.config();
        config.scheduler.enabled = false;
        let app = TestApp::spawn(config).await;

        let picker = app
            .get_as("/gate", &gate)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            items(&picker, "flights"),
            vec![
                "IB2000 · MAD · 21:00 CET · S24",
                "IB3000 · MAD · 23:50 CET (in 15 min) · S24",
                "IB4000 · MAD · 2026-11-23 00:30 CET (in 55 min) · S24",
                "IB5000 · MAD · 2026-11-23 08:10 CET (in 8 h 35 min) · S24",
            ],
            "from 20:35 tonight to 23:35 tomorrow, Madrid time"
        );

        let board = app
            .get_as("/ops/flights", &ops)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for (flight, listed) in [
            ("IB1000", false),
            ("IB2000", true),
            ("IB3000", true),
            ("IB4000", true),
            ("IB5000", true),
            ("IB6000", false),
        ] {
            assert_eq!(
                board.contains(&format!("data-flight=\"{flight}\"")),
                listed,
                "{flight} on the ops board's operating day"
            );
        }
        assert!(board.contains("2026-11-23 08:10 CET") && board.contains(">23:50 CET<"));
        let dated = app
            .get_as("/ops/flights?date=2026-11-23", &ops)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            dated.contains("data-flight=\"IB6000\"") && !dated.contains("data-flight=\"IB3000\"")
        );
        let bad = app
            .get_as("/ops/flights?date=23/11", &ops)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        assert!(
            bad.text()
                .await
                .unwrap()
                .contains("The date in the address must be written YYYY-MM-DD")
        );

        app.stop().await;
        db.finish().await;
    }
}

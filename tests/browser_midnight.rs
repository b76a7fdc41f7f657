//! The gate agent's flight picker at 23:35 in Madrid, in a real browser, with the clock stopped there: the
//! station's operating day runs past midnight, so the 00:30 and 08:10 departures are listed with their
//! date and how far ahead they are, and the early evening's departed flights are not. Its own test
//! binary, because the stopped clock holds for the whole process.

mod common;

use aboard::clock;
use aboard::domain::records::{MovementTimes, NewFlight};
use aboard::domain::{FlightKey, FlightNumber, FlightStatus, Iata, Role, UiLanguage};
use aboard::web::accounts::{self, StaffSpec};
use chrono::{DateTime, NaiveDate, Utc};
use common::browser::{WAIT, browser};
use common::{TestApp, TestDb};
use fantoccini::Locator;
use secrecy::SecretString;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

#[tokio::test]
async fn a_gate_agent_at_23_35_in_madrid_sees_tonight_and_tomorrow_morning_with_their_dates() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    // 23:35 CET on 22 November.
    clock::stop_at(Some(utc("2026-11-22T22:35:00Z")));
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    for (number, local_date, at, status) in [
        (
            "IB1000",
            "2026-11-22",
            "2026-11-22T17:00:00Z",
            FlightStatus::Departed,
        ),
        (
            "IB2000",
            "2026-11-22",
            "2026-11-22T20:00:00Z",
            FlightStatus::Departed,
        ),
        (
            "IB3000",
            "2026-11-22",
            "2026-11-22T22:50:00Z",
            FlightStatus::Boarding,
        ),
        (
            "IB4000",
            "2026-11-23",
            "2026-11-22T23:30:00Z",
            FlightStatus::Scheduled,
        ),
        (
            "IB5000",
            "2026-11-23",
            "2026-11-23T07:10:00Z",
            FlightStatus::Scheduled,
        ),
        (
            "IB6000",
            "2026-11-23",
            "2026-11-23T22:45:00Z",
            FlightStatus::Scheduled,
        ),
    ] {
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
    let spec = StaffSpec {
        login: "gate-mad".to_string(),
        display_name: Some("Gema Puerta".to_string()),
        grant: accounts::grant(Role::Gate, &["MAD".to_string()], &[]).unwrap(),
        ui_language: UiLanguage::En,
    };
    accounts::add_staff(store, &spec, &SecretString::from("right-password"), "test")
        .await
        .unwrap();
    let mut config = db.config();
    config.server.secure_cookies = false;
    config.scheduler.enabled = false;
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);

    client.goto(&format!("{base}/signin")).await.unwrap();
    let login = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("login"))
        .await
        .unwrap();
    login.send_keys("gate-mad").await.unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("right-password\n")
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("role"))
        .await
        .unwrap();
    client.goto(&format!("{base}/gate")).await.unwrap();
    let list = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("flights"))
        .await
        .unwrap();
    let mut listed = Vec::new();
    for item in list.find_all(Locator::Css("li")).await.unwrap() {
        listed.push(item.text().await.unwrap());
    }
    assert_eq!(
        listed,
        vec![
            "IB2000 · MAD · 21:00 CET · S24",
            "IB3000 · MAD · 23:50 CET (in 15 min) · S24",
            "IB4000 · MAD · 2026-11-23 00:30 CET (in 55 min) · S24",
            "IB5000 · MAD · 2026-11-23 08:10 CET (in 8 h 35 min) · S24",
        ],
        "from 20:35 tonight to 23:35 tomorrow, Madrid time, as the agent reads it"
    );

    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
    clock::stop_at(None);
}

//! An upgraded aboard files the persons already stored under its own blocking keys when it starts: a store
//! filed by an earlier matcher (here, one whose keys and version are gone) finds its persons again once
//! the service has started, and a manifest imported then links them. On both backends.

mod common;

use std::time::Duration;

use aboard::app::registry::import_registry_file;
use aboard::clock;
use aboard::domain::{LinkDecision, Role};
use aboard::matching::BLOCKING_KEYS_VERSION;
use reqwest::StatusCode;
use sqlx::Connection;

use common::{TestApp, TestDb, token};

const REGISTRY: &str = "record,external_id,display_name,emails,phones,loyalty,date_of_birth,case_ref,opened_at,status,severity\n\
person,P-ELENA,Elena Hidalgo Bejarano,elena.hidalgo@example.es,,,1979-04-02,,,,\n\
case,P-ELENA,,,,,,CS-9,2026-10-01T10:00:00Z,open,4\n";

/// Removes every person's blocking keys and the version they were filed under, as in a store no aboard
/// of this version has filed.
async fn forget_blocking_keys(url: &str) {
    const FORGET: [&str; 2] = ["DELETE FROM person_keys", "DELETE FROM registry_settings"];
    if url.starts_with("sqlite:") {
        let mut connection = sqlx::SqliteConnection::connect(url).await.unwrap();
        for statement in FORGET {
            sqlx::query(statement)
                .execute(&mut connection)
                .await
                .unwrap();
        }
    } else {
        let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
        for statement in FORGET {
            sqlx::query(statement)
                .execute(&mut connection)
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn persons_filed_by_an_earlier_matcher_are_filed_anew_at_start() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let at = clock::now();
        import_registry_file(store, "reg.csv", REGISTRY.as_bytes(), "test", at)
            .await
            .unwrap();
        forget_blocking_keys(&db.url).await;
        assert_eq!(store.blocking_keys_version().await.unwrap(), None);

        let app = TestApp::spawn(db.config()).await;
        let mut waited = Duration::ZERO;
        while store.blocking_keys_version().await.unwrap() != Some(BLOCKING_KEYS_VERSION) {
            assert!(
                waited < Duration::from_secs(20),
                "the registry was not filed anew"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += Duration::from_millis(100);
        }

        let ops = token(store, Role::Ops, &[], &[]).await;
        let date = at.with_timezone(&chrono_tz::Europe::Madrid).date_naive();
        let manifest = format!(
            "flight,date,origin,destination,surname,given,title,locator,email,date_of_birth\n\
             IB3166,{date},MAD,BCN,HIDALGOBEJARANO,ELENA,MRS,X7K2QM,elena.hidalgo@example.es,1979-04-02\n"
        );
        let response = app
            .client
            .post(app.url("/api/manifests?name=ib3166.csv"))
            .bearer_auth(&ops)
            .body(manifest)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");

        let person = store
            .person_by_external_id("P-ELENA")
            .await
            .unwrap()
            .unwrap();
        let mut linked = false;
        for _ in 0..100 {
            let flights = store.flights_on(date).await.unwrap();
            for flight in flights {
                for link in store.links_for_flight(flight.id).await.unwrap() {
                    linked |= link.person_id == person.id && link.decision == LinkDecision::Linked;
                }
            }
            if linked {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            linked,
            "the passenger was not linked to the person filed anew"
        );
        app.stop().await;
        db.finish().await;
    }
}

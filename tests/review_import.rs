//! The match review page and its API, and the ops import page, over real HTTP on both backends: who may
//! see which cases, the evidence side by side, a decision taken on the page or the API that the next
//! matching keeps, and files uploaded from the browser imported whole or refused with every error.

mod common;

use aboard::app::matching::match_flight_now;
use aboard::app::registry::import_registry_file;
use aboard::clock;
use aboard::domain::records::{
    FlightList, ListMode, ManifestImport, MovementTimes, NewFlight, NewPassenger,
};
use aboard::domain::{
    FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, Role, TravellerClass, UiLanguage,
};
use aboard::store::Store;
use aboard::web::accounts::{self, StaffSpec};
use chrono::Duration;
use common::{TestApp, TestDb, token};
use reqwest::StatusCode;
use reqwest::header;
use secrecy::SecretString;
use uuid::Uuid;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn passenger(key: &str, surname: &str, given: &str) -> NewPassenger {
    NewPassenger {
        pax_key: format!("LOC{key}/{key}"),
        surname: surname.to_string(),
        given_name: given.to_string(),
        title: None,
        traveller_class: TravellerClass::Adult,
        locator: Some(format!("LOC{key}")),
        seat: Some(format!("{key}C")),
        cabin_class: None,
        destination: Some("MEX".to_string()),
        party_ref: None,
        frequent_flyer: None,
        email: None,
        phone: None,
        date_of_birth: None,
        gender: None,
        nationality: None,
        docs_surname: None,
        docs_given: None,
        checkin_sequence: None,
        service_codes: vec![],
    }
}

async fn import_flight(
    store: &dyn Store,
    number: &str,
    departs_in: Duration,
    passengers: Vec<NewPassenger>,
) -> Uuid {
    let now = clock::now();
    let flight = NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse(number).unwrap(),
            local_date: now.date_naive(),
            origin: Iata::parse("MAD").unwrap(),
        },
        destination: Some(Iata::parse("MEX").unwrap()),
        departure: MovementTimes {
            scheduled: Some(now + departs_in),
            ..MovementTimes::default()
        },
        arrival: MovementTimes::default(),
        gate: Some("S24".to_string()),
        status: FlightStatus::Scheduled,
    };
    store
        .import_manifest(
            &ManifestImport {
                warnings: Default::default(),
                format: "csv".to_string(),
                file_name: format!("{number}.csv"),
                digest: format!("digest-{number}"),
                actor: "test".to_string(),
                sent_at: None,
                flights: vec![FlightList {
                    flight,
                    mode: ListMode::Merge,
                    passengers,
                }],
            },
            now,
        )
        .await
        .unwrap()
        .flights[0]
        .flight_id
}

/// Registry persons that each half-match one booking: a nickname (Spanish), a married name (Portuguese),
/// a relative holding the booking's frequent-flyer number (language unknown), a typo in the surname
/// (English).
const REGISTRY: &str = r#"[
{"external_id": "P-CHUS", "display_name": "Jesús Ruiz Gómez", "language": "es", "emails": ["jesus.ibanez@example.es"]},
{"external_id": "P-SEBASTIAO", "display_name": "Sebastião Conceição", "language": "pt", "emails": ["sebastiao.souza@example.br"]},
{"external_id": "P-LUCIA", "display_name": "Lucía Álvarez Sánchez", "loyalty": ["IB 77636955"]},
{"external_id": "P-ANOUK", "display_name": "Anouk Bakkar", "language": "en", "date_of_birth": "1991-02-27", "emails": ["anouk.bakker@example.nl"]}
]"#;

struct Cases {
    flight: Uuid,
    soon_flight: Uuid,
}

/// Two flights from MAD: the one leaving in an hour holds the typo case, the one leaving in three hours
/// the other three; the registry import matches both and sends each pair to review.
async fn seed_cases(store: &dyn Store) -> Cases {
    let mut chus = passenger("1", "IBANEZMARTINEZ", "JESUS");
    chus.email = Some("jesus.ibanez@example.es".to_string());
    let mut sebastiao = passenger("2", "SOUZA", "SEBASTIAO");
    sebastiao.email = Some("sebastiao.souza@example.br".to_string());
    let mut inigo = passenger("3", "ALVAREZSANCHEZ", "INIGO");
    inigo.frequent_flyer = Some(("IB".to_string(), "77636955".to_string()));
    let flight = import_flight(
        store,
        "IB6401",
        Duration::hours(3),
        vec![chus, sebastiao, inigo],
    )
    .await;
    let mut anouk = passenger("4", "BAKKER", "ANOUK");
    anouk.email = Some("anouk.bakker@example.nl".to_string());
    anouk.date_of_birth = chrono::NaiveDate::from_ymd_opt(1991, 2, 27);
    anouk.docs_surname = Some("BAKKER".to_string());
    anouk.docs_given = Some("ANOUK".to_string());
    let soon_flight = import_flight(store, "IB3000", Duration::hours(1), vec![anouk]).await;
    let done = import_registry_file(store, "reg.json", REGISTRY.as_bytes(), "test", clock::now())
        .await
        .unwrap();
    assert_eq!(done.flights_rematched, 2);
    Cases {
        flight,
        soon_flight,
    }
}

async fn link_of(store: &dyn Store, flight: Uuid, person: &str) -> (LinkDecision, String) {
    let person = store.person_by_external_id(person).await.unwrap().unwrap();
    let link = store
        .links_for_flight(flight)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.person_id == person.id)
        .expect("a link to the person");
    (link.decision, link.decided_by)
}

async fn add_staff(store: &dyn Store, login: &str, role: Role, languages: &[&str]) {
    let languages: Vec<String> = languages.iter().map(|l| l.to_string()).collect();
    let spec = StaffSpec {
        login: login.to_string(),
        display_name: Some(format!("{login} person")),
        grant: accounts::grant(role, &[], &languages).unwrap(),
        ui_language: UiLanguage::En,
    };
    accounts::add_staff(store, &spec, &SecretString::from("right-password"), "test")
        .await
        .unwrap();
}

fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|line| line.starts_with(&format!("{name}=")))
        .map(|line| line.split(';').next().unwrap_or_default().to_string())
}

fn csrf_field(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

/// Signs in; the session cookie and the CSRF token its pages carry.
async fn sign_in(app: &TestApp, login: &str) -> (String, String) {
    let form = client().get(app.url("/signin")).send().await.unwrap();
    let signin_cookie = cookie(&form, "aboard_signin").unwrap();
    let csrf = csrf_field(&form.text().await.unwrap());
    let response = client()
        .post(app.url("/signin"))
        .header(header::COOKIE, signin_cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", login),
            ("password", "right-password"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    let session = cookie(&response, "aboard_session").expect("signed in");
    let home = client()
        .get(app.url("/"))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (session, csrf_field(&home))
}

async fn get_page(app: &TestApp, path: &str, session: &str) -> (StatusCode, String) {
    let response = client()
        .get(app.url(path))
        .header(header::COOKIE, session)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn api_cases(app: &TestApp, token: &str) -> (StatusCode, serde_json::Value) {
    let response = client()
        .get(app.url("/api/links/review"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or_default())
}

fn external_ids(body: &serde_json::Value) -> Vec<String> {
    body["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["person"]["external_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn advisors_review_the_cases_of_their_languages_and_the_decision_is_kept() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let cases = seed_cases(store.as_ref()).await;
        let mut config = db.config();
        config.scheduler.enabled = false;
        let app = TestApp::spawn(config).await;
        let gate = token(store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let admin = token(store.as_ref(), Role::Admin, &[], &[]).await;
        let ops = token(store.as_ref(), Role::Ops, &[], &[]).await;
        let advisor_es = token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        let advisor_en = token(store.as_ref(), Role::Advisor, &[], &["en"]).await;

        // Ops see every case, the soonest flight first; the evidence is compared field by field.
        let (status, all) = api_cases(&app, &ops).await;
        assert_eq!(status, StatusCode::OK, "{all}");
        assert_eq!(external_ids(&all)[0], "P-ANOUK", "the flight leaving first");
        let mut ids = external_ids(&all);
        ids.sort();
        assert_eq!(ids, ["P-ANOUK", "P-CHUS", "P-LUCIA", "P-SEBASTIAO"]);
        let anouk = &all["cases"][0];
        assert_eq!(anouk["flight"]["flight"], "IB3000");
        assert_eq!(anouk["flight"]["time_zone"], "Europe/Madrid");
        assert_eq!(anouk["passenger"]["booking_name"], "BAKKER/ANOUK");
        assert_eq!(anouk["passenger"]["docs_name"], "BAKKER/ANOUK");
        assert_eq!(anouk["person"]["display_name"], "Anouk Bakkar");
        assert_eq!(anouk["evidence"]["email"], "agrees");
        assert_eq!(anouk["evidence"]["date_of_birth"], "agrees");
        assert_eq!(anouk["evidence"]["frequent_flyer"], "missing");
        assert!(
            anouk["reasons"].as_array().unwrap().iter().any(|r| r
                .as_str()
                .unwrap()
                .contains("surname is close but not the same")),
            "{anouk}"
        );
        let lucia = all["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["person"]["external_id"] == "P-LUCIA")
            .unwrap();
        assert_eq!(lucia["evidence"]["frequent_flyer"], "agrees");
        assert_eq!(lucia["person"]["loyalty"][0], "IB 77636955");

        // Advisors: their languages, and the persons whose language nobody knows.
        let (_, es) = api_cases(&app, &advisor_es).await;
        let mut es = external_ids(&es);
        es.sort();
        assert_eq!(es, ["P-CHUS", "P-LUCIA"]);
        let (_, en) = api_cases(&app, &advisor_en).await;
        assert_eq!(external_ids(&en), ["P-ANOUK", "P-LUCIA"]);
        for refused in [&gate, &admin] {
            assert_eq!(api_cases(&app, refused).await.0, StatusCode::FORBIDDEN);
            let page = client()
                .get(app.url("/review"))
                .bearer_auth(refused)
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), StatusCode::FORBIDDEN);
        }
        let anonymous = client().get(app.url("/review")).send().await.unwrap();
        assert!(anonymous.status().is_redirection());

        // The page, signed in: the es advisor's cases side by side, with the form to decide.
        add_staff(store.as_ref(), "advisor-es", Role::Advisor, &["es"]).await;
        let (session, csrf) = sign_in(&app, "advisor-es").await;
        let (_, home) = get_page(&app, "/", &session).await;
        assert!(home.contains("href=\"/review\""), "the start page links it");
        let (status, html) = get_page(&app, "/review", &session).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("IBANEZMARTINEZ/JESUS") && html.contains("Jesús Ruiz Gómez"));
        assert!(html.contains("ALVAREZSANCHEZ/INIGO"));
        assert!(!html.contains("Sebastião") && !html.contains("Bakkar"));
        assert!(html.contains("data-evidence=\"agrees\""));
        assert!(html.contains("perhaps a married or birth name"));
        assert!(html.contains("Europe/Madrid") || html.contains("CET") || html.contains("CEST"));

        // Confirming on the page (htmx): the case is replaced by its result and the link is linked.
        let chus = store
            .person_by_external_id("P-CHUS")
            .await
            .unwrap()
            .unwrap();
        let jesus = store
            .passengers(cases.flight)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.details.given_name == "JESUS")
            .unwrap();
        let path = format!("/review/{}/{}", jesus.id, chus.id);
        let forged = client()
            .post(app.url(&path))
            .header(header::COOKIE, &session)
            .form(&[("csrf", "forged"), ("decision", "confirm")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        let confirmed = client()
            .post(app.url(&path))
            .header(header::COOKIE, &session)
            .header("hx-request", "true")
            .form(&[("csrf", csrf.as_str()), ("decision", "confirm")])
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), StatusCode::OK);
        let fragment = confirmed.text().await.unwrap();
        assert!(
            fragment.contains("data-decision=\"linked\"") && fragment.contains("Confirmed"),
            "{fragment}"
        );
        assert_eq!(
            link_of(store.as_ref(), cases.flight, "P-CHUS").await,
            (LinkDecision::Linked, "staff:advisor-es".to_string())
        );
        // The next matching (a new manifest, a registry change) keeps it, and the list no longer has it.
        match_flight_now(store.as_ref(), cases.flight, clock::now())
            .await
            .unwrap();
        assert_eq!(
            link_of(store.as_ref(), cases.flight, "P-CHUS").await.0,
            LinkDecision::Linked
        );
        let (_, es_after) = api_cases(&app, &advisor_es).await;
        assert_eq!(external_ids(&es_after), ["P-LUCIA"]);

        // Without htmx the form returns to the list.
        let sebastiao = store
            .person_by_external_id("P-SEBASTIAO")
            .await
            .unwrap()
            .unwrap();
        let souza = store
            .passengers(cases.flight)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.details.surname == "SOUZA")
            .unwrap();
        // Not their language: refused on the page and on the API, and nothing changes.
        let out_of_scope = client()
            .post(app.url(&format!("/review/{}/{}", souza.id, sebastiao.id)))
            .header(header::COOKIE, &session)
            .form(&[("csrf", csrf.as_str()), ("decision", "reject")])
            .send()
            .await
            .unwrap();
        assert_eq!(out_of_scope.status(), StatusCode::FORBIDDEN);
        let api_out_of_scope = client()
            .post(app.url(&format!("/api/links/{}/{}", souza.id, sebastiao.id)))
            .bearer_auth(&advisor_es)
            .form(&[("decision", "reject")])
            .send()
            .await
            .unwrap();
        assert_eq!(api_out_of_scope.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            link_of(store.as_ref(), cases.flight, "P-SEBASTIAO").await.0,
            LinkDecision::Review
        );
        let rejected = client()
            .post(app.url(&format!("/review/{}/{}", souza.id, sebastiao.id)))
            .bearer_auth(&ops)
            .form(&[("decision", "reject")])
            .send()
            .await
            .unwrap();
        assert_eq!(rejected.status(), StatusCode::SEE_OTHER);
        assert_eq!(rejected.headers()[header::LOCATION], "/review");

        // Rejecting through the API: the same use case, kept by the next matching.
        let lucia = store
            .person_by_external_id("P-LUCIA")
            .await
            .unwrap()
            .unwrap();
        let inigo = store
            .passengers(cases.flight)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.details.given_name == "INIGO")
            .unwrap();
        let bad = client()
            .post(app.url(&format!("/api/links/{}/{}", inigo.id, lucia.id)))
            .bearer_auth(&advisor_en)
            .form(&[("decision", "maybe")])
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let decided = client()
            .post(app.url(&format!("/api/links/{}/{}", inigo.id, lucia.id)))
            .bearer_auth(&advisor_en)
            .form(&[("decision", "reject")])
            .send()
            .await
            .unwrap();
        assert_eq!(decided.status(), StatusCode::OK);
        match_flight_now(store.as_ref(), cases.flight, clock::now())
            .await
            .unwrap();
        for person in ["P-LUCIA", "P-SEBASTIAO"] {
            let (decision, by) = link_of(store.as_ref(), cases.flight, person).await;
            assert_eq!(decision, LinkDecision::Rejected, "{person}");
            assert!(by.starts_with("staff:"), "{person}: {by}");
        }
        let (_, left) = api_cases(&app, &ops).await;
        assert_eq!(external_ids(&left), ["P-ANOUK"]);
        assert_eq!(
            link_of(store.as_ref(), cases.soon_flight, "P-ANOUK")
                .await
                .0,
            LinkDecision::Review
        );

        app.stop().await;
        db.finish().await;
    }
}

/// A multipart body as a browser sends the import form: the fields in order, files with their names.
fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----aboardtestboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, file, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    session: &str,
    fields: &[(&str, Option<&str>, &[u8])],
) -> (StatusCode, String) {
    let (content_type, body) = multipart(fields);
    let response = client()
        .post(app.url("/ops/import"))
        .header(header::COOKIE, session)
        .header(header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

const GOOD_CSV: &str = "flight,date,origin,destination,locator,surname,given,email\n\
IB3100,2026-11-22,MAD,BCN,ABC123,NUNEZ,ANA,ana@example.es\n\
IB3100,2026-11-22,MAD,BCN,ABC123,NUNEZ,LUIS,\n";

const BAD_CSV: &str = "flight,date,origin,destination,locator,surname,given\n\
IB3101,2026-11-22,MAD,BCN,DEF456,GIL,EVA\n\
IB3101,2026-13-01,MAD,BCN,DEF457,,PAU\n";

const REGISTRY_UPLOAD: &str = r#"[{"external_id": "P-ANA", "display_name": "Ana Núñez", "language": "es", "emails": ["ana@example.es"]}]"#;

#[tokio::test]
async fn ops_import_files_from_the_browser_whole_or_not_at_all() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let uploads = tempfile::tempdir().unwrap();
        let mut config = db.config();
        config.scheduler.enabled = false;
        config.server.upload_dir = Some(uploads.path().to_path_buf());
        let app = TestApp::spawn(config).await;
        let gate = token(store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let advisor = token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        for refused in [&gate, &advisor] {
            let page = client()
                .get(app.url("/ops/import"))
                .bearer_auth(refused)
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), StatusCode::FORBIDDEN);
        }
        add_staff(store.as_ref(), "ops", Role::Ops, &[]).await;
        let (session, csrf) = sign_in(&app, "ops").await;
        let (_, home) = get_page(&app, "/", &session).await;
        assert!(home.contains("href=\"/ops/import\"") && home.contains("href=\"/review\""));
        let (status, form) = get_page(&app, "/ops/import", &session).await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains("enctype=\"multipart/form-data\""));
        let form_csrf = csrf_field(&form);
        assert_eq!(form_csrf, csrf);

        // Without the token first, nothing is read and nothing imported.
        let (status, _) = upload(
            &app,
            &session,
            &[
                ("kind", None, b"manifest"),
                ("csrf", None, csrf.as_bytes()),
                ("file", Some("good.csv"), GOOD_CSV.as_bytes()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = upload(
            &app,
            &session,
            &[
                ("csrf", None, b"forged"),
                ("file", Some("good.csv"), GOOD_CSV.as_bytes()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(store.counts().await.unwrap().passengers, 0);

        // A good manifest: the CLI's summary line, and the passengers are there.
        let (status, html) = upload(
            &app,
            &session,
            &[
                ("csrf", None, csrf.as_bytes()),
                ("kind", None, b"manifest"),
                ("format", None, b"auto"),
                ("file", Some("C:\\lists\\good.csv"), GOOD_CSV.as_bytes()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains(
                "good.csv (csv): 1 flight, 2 added, 0 updated, 0 unchanged, 0 removed, 0 cancelled tasks"
            ),
            "{html}"
        );
        assert_eq!(store.counts().await.unwrap().passengers, 2);

        // A bad one, format forced: every error with file, line, field and reason; nothing imported.
        let (status, html) = upload(
            &app,
            &session,
            &[
                ("csrf", None, csrf.as_bytes()),
                ("kind", None, b"manifest"),
                ("format", None, b"csv"),
                ("file", Some("bad.csv"), BAD_CSV.as_bytes()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(
            html.contains("bad.csv: rejected, nothing was imported"),
            "{html}"
        );
        assert!(
            html.contains("<td>bad.csv</td><td class=\"line\">3</td><td>date</td>"),
            "{html}"
        );
        assert!(
            html.contains("<td class=\"line\">3</td><td>surname</td>"),
            "{html}"
        );
        assert!(
            !html.contains("<td class=\"line\">2</td>"),
            "line 2 is fine: {html}"
        );
        assert_eq!(
            store.counts().await.unwrap().passengers,
            2,
            "nothing of it kept"
        );

        // MVT messages come the same way, told by their content; a time that cannot be read is a warning.
        let (status, html) = upload(
            &app,
            &session,
            &[
                ("csrf", None, csrf.as_bytes()),
                ("kind", None, b"manifest"),
                ("format", None, b"auto"),
                (
                    "file",
                    Some("moves.mvt"),
                    b"MVT\nIB3100/22.ECJFK.MAD\nAD11X0/1115\n",
                ),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains("moves.mvt (mvt): 1 message, 1 applied"),
            "{html}"
        );
        assert!(
            html.contains("<td>moves.mvt</td><td class=\"line\">3</td><td>AD</td>"),
            "{html}"
        );

        // No file chosen: asked to choose one.
        let (status, html) = upload(
            &app,
            &session,
            &[
                ("csrf", None, csrf.as_bytes()),
                ("kind", None, b"manifest"),
                ("file", Some(""), b""),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("Choose a file to import."));

        // A registry export, and a refused one.
        let (status, html) = upload(
            &app,
            &session,
            &[
                ("csrf", None, csrf.as_bytes()),
                ("kind", None, b"registry"),
                ("format", None, b"auto"),
                ("file", Some("reg.json"), REGISTRY_UPLOAD.as_bytes()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains("reg.json: 1 person(s) imported, 0 upcoming flight(s) matched again"),
            "{html}"
        );
        let ana = store.person_by_external_id("P-ANA").await.unwrap().unwrap();
        assert_eq!(ana.record.display_name, "Ana Núñez");
        let (status, html) = upload(
            &app,
            &session,
            &[
                ("csrf", None, csrf.as_bytes()),
                ("kind", None, b"registry"),
                (
                    "file",
                    Some("bad-reg.csv"),
                    b"record,external_id,display_name\nperson,P-X,\n",
                ),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("<td>bad-reg.csv</td><td class=\"line\">2</td><td>display_name</td>"),
            "{html}"
        );
        assert!(store.person_by_external_id("P-X").await.unwrap().is_none());
        // Each file was imported from its temporary file, which went with its request.
        assert_eq!(std::fs::read_dir(uploads.path()).unwrap().count(), 0);

        app.stop().await;
        db.finish().await;
    }
}

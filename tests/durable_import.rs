//! Nothing accepted is lost: `kill -9` at random instants during a large manifest import into a
//! populated registry, then one clean run, reaches exactly the identity links and follow-up tasks of an
//! uninterrupted import, on SQLite and (with TEST_DATABASE_URL) PostgreSQL. The real binary, real files,
//! a fresh database per side. The kill instants come from a seed printed with the results
//! (`ABOARD_KILL_SEED=N` replays one).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use aboard::domain::records::{MovementTimes, NewFlight, Station};
use aboard::domain::{FlightKey, FlightNumber, FlightStatus, Iata};
use aboard::store::{Store, TaskFilter};
use chrono::NaiveDate;
use common::TestDb;
use rand::{Rng, SeedableRng};

/// One file per flight: the command line stores 250 files a transaction, so the import commits three
/// times, each commit followed by the matching of its flights.
const FLIGHTS: usize = 750;
const PASSENGERS_PER_FLIGHT: usize = 4;
/// Every passenger of one flight in this many is a registry person (same name, e-mail and date of
/// birth); the other flights share no blocking key with the registry, so the import screens them out
/// and matches only these.
const LINKED_EVERY_FLIGHTS: usize = 5;
/// The flights whose passengers all board after the imports, so that links give tasks.
const BOARDED_EVERY_FLIGHTS: usize = 3;
const KILLS: usize = 20;

const SYLLABLES: [&str; 12] = [
    "BA", "CO", "DE", "FI", "GU", "LA", "MO", "NE", "PI", "RO", "SA", "TU",
];
const GIVEN: [&str; 8] = [
    "ANA", "JUAN", "MARTA", "PEDRO", "LUCIA", "CARLOS", "ELENA", "JORGE",
];

/// The n-th passenger of the day: a surname no one else has, a given name, a booking, an e-mail and a
/// date of birth.
fn passenger(n: usize) -> (String, &'static str, String, String, NaiveDate) {
    let surname: String = (0..4)
        .map(|i| SYLLABLES[(n / 12usize.pow(i)) % 12])
        .collect();
    let given = GIVEN[n % GIVEN.len()];
    let locator = format!("K{n:05}");
    let email = format!("pax{n}@example.com");
    let birth = NaiveDate::from_ymd_opt(
        1950 + (n % 50) as i32,
        1 + (n % 12) as u32,
        1 + (n % 28) as u32,
    )
    .expect("a valid date");
    (surname, given, locator, email, birth)
}

struct Day {
    date: NaiveDate,
    manifests: Vec<PathBuf>,
    registry: PathBuf,
    boarded: PathBuf,
}

/// The files of the day: one CSV manifest per flight, the registry export, and the boarded list.
fn write_day(dir: &Path) -> Day {
    let date = aboard::clock::now().date_naive();
    let mut manifests = Vec::with_capacity(FLIGHTS);
    let mut registry = String::from(
        "record,external_id,display_name,emails,date_of_birth,network,handle,followers,case_ref,opened_at,status,severity\n",
    );
    let mut boarded = String::from("flight,date,origin,locator,surname,given,seat,boarded_at\n");
    let boarded_at = aboard::clock::now().to_rfc3339();
    for flight in 0..FLIGHTS {
        let number = format!("IB{}", 1000 + flight);
        let mut csv = String::from(
            "flight,date,origin,destination,surname,given,locator,seat,email,date_of_birth\n",
        );
        for seat in 0..PASSENGERS_PER_FLIGHT {
            let n = flight * PASSENGERS_PER_FLIGHT + seat;
            let (surname, given, locator, email, birth) = passenger(n);
            let seat = format!(
                "{}{}",
                1 + seat / 6,
                ["A", "B", "C", "D", "E", "F"][seat % 6]
            );
            csv.push_str(&format!(
                "{number},{date},MAD,BCN,{surname},{given},{locator},{seat},{email},{birth}\n"
            ));
            if flight.is_multiple_of(LINKED_EVERY_FLIGHTS) {
                let id = format!("P{n}");
                let name = format!("{} {}", title_case(given), title_case(&surname));
                registry.push_str(&format!(
                    "person,{id},{name},{email},{birth},,,,,,,\n\
                     account,{id},,,,x,@{}{n},25000,,,,\n\
                     case,{id},,,,,,,C{n},2026-10-01T10:00:00Z,open,3\n",
                    surname.to_lowercase()
                ));
            }
            if flight % BOARDED_EVERY_FLIGHTS == 0 {
                boarded.push_str(&format!(
                    "{number},{date},MAD,{locator},{surname},{given},{seat},{boarded_at}\n"
                ));
            }
        }
        let path = dir.join(format!("{number}.csv"));
        std::fs::write(&path, csv).expect("write a manifest");
        manifests.push(path);
    }
    // Registry persons no passenger is: the registry is larger than the day's complainants.
    for n in 0..2_000 {
        registry.push_str(&format!(
            "person,X{n},Someone Else{n},else{n}@example.org,1970-01-01,,,,,,,\n"
        ));
    }
    let registry_path = dir.join("registry.csv");
    std::fs::write(&registry_path, registry).expect("write the registry");
    let boarded_path = dir.join("boarded.csv");
    std::fs::write(&boarded_path, boarded).expect("write the boarded list");
    Day {
        date,
        manifests,
        registry: registry_path,
        boarded: boarded_path,
    }
}

fn title_case(word: &str) -> String {
    let lower = word.to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn aboard(db: &TestDb, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aboard"));
    command
        .args(args)
        .env("ABOARD_DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Runs aboard to its end and gives what it printed.
fn run(db: &TestDb, args: &[&str]) -> String {
    let output = aboard(db, args)
        .stdout(Stdio::piped())
        .output()
        .expect("run aboard");
    assert!(
        output.status.success(),
        "aboard {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn import_args(day: &Day) -> Vec<String> {
    let mut args = vec!["import".to_string(), "manifest".to_string()];
    args.extend(day.manifests.iter().map(|p| p.display().to_string()));
    args
}

/// A populated registry, before any manifest arrives, and the departure times of the flights that
/// board (a manifest carries none; a follow-up's deadline needs them).
async fn prepare(db: &TestDb, day: &Day) {
    run(
        db,
        &[
            "registry",
            "import",
            day.registry.to_str().expect("a UTF-8 path"),
        ],
    );
    // Passengers boarding at a staffed station get their check-in at the gate.
    db.store
        .upsert_station(
            &Station {
                iata: Iata::parse("MAD").expect("an airport"),
                staffed: true,
                shift_start: None,
                shift_end: None,
            },
            "test",
            aboard::clock::now(),
        )
        .await
        .expect("staff MAD");
    let departs = aboard::clock::now() + chrono::TimeDelta::hours(3);
    for flight in (0..FLIGHTS).step_by(BOARDED_EVERY_FLIGHTS) {
        let flight = NewFlight {
            key: FlightKey {
                flight: FlightNumber::parse(&format!("IB{}", 1000 + flight)).expect("a flight"),
                local_date: day.date,
                origin: Iata::parse("MAD").expect("an airport"),
            },
            destination: Some(Iata::parse("BCN").expect("an airport")),
            departure: MovementTimes {
                scheduled: Some(departs),
                ..MovementTimes::default()
            },
            arrival: MovementTimes {
                scheduled: Some(departs + chrono::TimeDelta::minutes(80)),
                ..MovementTimes::default()
            },
            gate: None,
            status: FlightStatus::Scheduled,
        };
        db.store
            .upsert_flight(&flight, aboard::clock::now())
            .await
            .expect("a flight's schedule");
    }
}

/// Every link (flight, passenger key, person, decision) and task (flight, passenger key, person,
/// rule, channel), by the names both databases share.
async fn outcome(store: &dyn Store, date: NaiveDate) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut links = BTreeSet::new();
    let mut tasks = BTreeSet::new();
    for flight in store.flights_on(date).await.expect("flights") {
        let key = flight.key.to_string();
        let passengers = store.passengers(flight.id).await.expect("passengers");
        let pax_key = |id| {
            passengers
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.details.pax_key.clone())
                .unwrap_or_default()
        };
        for link in store.links_for_flight(flight.id).await.expect("links") {
            let person = store.person(link.person_id).await.expect("a person");
            links.insert(format!(
                "{key} {} {} {}",
                pax_key(link.passenger_id),
                person.map(|p| p.record.external_id).unwrap_or_default(),
                link.decision.as_str()
            ));
        }
        let filter = TaskFilter {
            flight_id: Some(flight.id),
            ..TaskFilter::default()
        };
        for task in store.tasks(&filter).await.expect("tasks") {
            let person = store.person(task.new.person_id).await.expect("a person");
            tasks.insert(format!(
                "{key} {} {} {} {}",
                pax_key(task.new.passenger_id),
                person.map(|p| p.record.external_id).unwrap_or_default(),
                task.new.rule_id,
                task.new.channel.as_str()
            ));
        }
    }
    (links, tasks)
}

/// Counts what killed runs left in a database, over connections of its own.
enum Probe {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Probe {
    async fn open(db: &TestDb) -> Probe {
        if db.url.starts_with("postgres") {
            Probe::Postgres(sqlx::PgPool::connect(&db.url).await.expect("connect"))
        } else {
            Probe::Sqlite(sqlx::SqlitePool::connect(&db.url).await.expect("open"))
        }
    }

    async fn close(self) {
        match self {
            Probe::Sqlite(pool) => pool.close().await,
            Probe::Postgres(pool) => pool.close().await,
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        match self {
            Probe::Sqlite(pool) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(pool)
                .await
                .expect("count"),
            Probe::Postgres(pool) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(pool)
                .await
                .expect("count"),
        }
    }

    /// Manifest files committed, and flights whose lists wait for matching.
    async fn left_behind(&self) -> (i64, i64) {
        (
            self.count("SELECT count(*) FROM imports WHERE kind = 'manifest'")
                .await,
            self.count("SELECT count(DISTINCT flight_id) FROM screening_queue")
                .await,
        )
    }
}

async fn kill_loop(reference: TestDb, killed: TestDb, day: &Day, seed: u64) {
    let backend = reference.store.backend().as_str();
    let args = import_args(day);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    prepare(&reference, day).await;
    prepare(&killed, day).await;

    let started = Instant::now();
    run(&reference, &args);
    let clean_import = started.elapsed();
    let boarded = run(
        &reference,
        &[
            "boarded",
            "import",
            day.boarded.to_str().expect("a UTF-8 path"),
        ],
    );
    assert!(boarded.contains("tasks created"), "{boarded}");
    let expected = outcome(reference.store.as_ref(), day.date).await;

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let probe = Probe::open(&killed).await;
    let mut report = Vec::with_capacity(KILLS);
    let mut mid_batch = 0;
    let mut killed_while_importing = 0;
    for kill in 0..KILLS {
        let (files_before, _) = probe.left_behind().await;
        let started = Instant::now();
        let mut child = aboard(&killed, &args).spawn().expect("start aboard");
        if kill == 0 {
            // The field report's case, for certain: killed as soon as a batch is committed and
            // before its flights are screened.
            while probe.left_behind().await.1 == 0 && started.elapsed() < clean_import * 2 {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        } else {
            let at = clean_import.mul_f64(rng.random_range(0.0..1.0));
            while started.elapsed() < at && child.try_wait().expect("the child's state").is_none() {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
        let finished = child.try_wait().expect("the child's state").is_some();
        child.kill().ok();
        child.wait().expect("reap the child");
        let after = started.elapsed();
        let (files, waiting) = probe.left_behind().await;
        if waiting > 0 {
            mid_batch += 1;
        }
        if files < FLIGHTS as i64 && !finished {
            killed_while_importing += 1;
        }
        report.push(format!(
            "{}ms:{}+{}{}",
            after.as_millis(),
            files_before,
            files - files_before,
            if waiting > 0 {
                format!(" ({waiting} unscreened)")
            } else {
                String::new()
            }
        ));
    }
    probe.close().await;
    run(&killed, &args);
    run(
        &killed,
        &[
            "boarded",
            "import",
            day.boarded.to_str().expect("a UTF-8 path"),
        ],
    );
    let reached = outcome(killed.store.as_ref(), day.date).await;
    eprintln!(
        "{backend}: seed {seed}, clean import {} ms; {KILLS} kills (after ms: files before+committed, \
         flights left unscreened): {}; {mid_batch} kills left committed lists unscreened, \
         {killed_while_importing} landed before the last file was stored; then one clean run: \
         {} links and {} tasks, uninterrupted: {} links and {} tasks",
        clean_import.as_millis(),
        report.join(", "),
        reached.0.len(),
        reached.1.len(),
        expected.0.len(),
        expected.1.len(),
    );
    let linked = expected.0.iter().filter(|l| l.ends_with(" linked")).count();
    assert_eq!(
        linked,
        FLIGHTS.div_ceil(LINKED_EVERY_FLIGHTS) * PASSENGERS_PER_FLIGHT,
        "the day's complainants"
    );
    assert!(!expected.1.is_empty(), "boarded complainants get tasks");
    let missing_links: Vec<_> = expected.0.difference(&reached.0).take(5).collect();
    let extra_links: Vec<_> = reached.0.difference(&expected.0).take(5).collect();
    assert!(
        missing_links.is_empty() && extra_links.is_empty(),
        "{backend} (seed {seed}): links missing {missing_links:?}, extra {extra_links:?}"
    );
    assert_eq!(reached.1, expected.1, "{backend} (seed {seed}): tasks");
    assert!(
        mid_batch > 0,
        "{backend} (seed {seed}): no kill landed between a commit and its matching"
    );
    reference.finish().await;
    killed.finish().await;
}

fn seed() -> u64 {
    std::env::var("ABOARD_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_imports_then_one_clean_run_reaches_every_link_and_task_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let day = write_day(dir.path());
    kill_loop(TestDb::sqlite().await, TestDb::sqlite().await, &day, seed()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_imports_then_one_clean_run_reaches_every_link_and_task_on_postgres() {
    let (Some(reference), Some(killed)) = (TestDb::postgres().await, TestDb::postgres().await)
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let day = write_day(dir.path());
    kill_loop(reference, killed, &day, seed()).await;
}

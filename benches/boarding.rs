//! `cargo bench --bench boarding [-- --flights N --scans N --persons N --rate N --batch N --readers N
//! --instances N --cache DIR]`: loads the import benchmark's airline day (3,000 flights, 450,000 passengers) through
//! the manifest import, a registry of 2,000,000 persons (bulk-filled; one passenger in 100 is linked to a complainant the
//! shipped rules follow up), serves aboard on loopback and replays the day's gate scans over HTTP from a
//! second process (this binary in client mode) at a fixed offered rate — 5,000 scans a second by
//! default, one scan per request as gate readers send them. A request is answered only after its scans,
//! the boarding and any task are committed, so its latency is the time from a scan sent to its task
//! committed; it is measured from when the request was due, so that a server falling behind shows as
//! latency, not as a slower client. The CPU time the server and the client used during the replay is
//! printed beside, since both share the machine's cores. SQLite always; PostgreSQL when
//! TEST_DATABASE_URL is set. `--instances N` serves PostgreSQL from N aboard instances on the one
//! database, each with its own connections and port, and gives each its share of the readers (reader
//! r sends to instance r mod N); SQLite, one file on one machine, is then left out.

/// The service's allocator (see src/main.rs): the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use aboard::app::import::{digest, new_passengers, to_import};
use aboard::config::Config;
use aboard::demo::driver::boarding_pass_text;
use aboard::domain::records::{
    ComplaintCase, IdentityLink, MovementTimes, NewFlight, PersonRecord, SocialAccount, Station,
};
use aboard::domain::{CaseStatus, FlightStatus, Iata, LinkDecision, Network, Role};
use aboard::manifest::{Document, FlightManifest, Format};
use aboard::store::Store;
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;

struct Options {
    flights: usize,
    per_flight: usize,
    scans: usize,
    persons: usize,
    linked_every: usize,
    rate: f64,
    batch: usize,
    /// Gate readers sending at once, each on its own connection, one request at a time.
    readers: usize,
    /// aboard instances serving the one PostgreSQL database.
    instances: usize,
    /// Where the loaded SQLite day and registry are kept between runs (`--cache DIR`); each run works
    /// on a copy, so only the replay is repeated.
    cache: Option<std::path::PathBuf>,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Options {
        flights: value("--flights", 3_000),
        per_flight: 150,
        scans: value("--scans", 150_000),
        persons: value("--persons", 2_000_000),
        linked_every: 100,
        rate: value("--rate", 5_000) as f64,
        batch: value("--batch", 1).max(1),
        readers: value("--readers", 200).max(1),
        instances: value("--instances", 1).max(1),
        cache: args
            .iter()
            .position(|a| a == "--cache")
            .and_then(|i| args.get(i + 1))
            .map(std::path::PathBuf::from),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--client") {
        let get = |n: usize| args.get(i + n).cloned().unwrap_or_default();
        client(
            &get(1),
            &get(2),
            Path::new(&get(3)),
            &get(4),
            &get(5),
            &get(6),
        );
        return;
    }
    let options = options();
    let now = aboard::clock::now();
    let day = support::airline_day::generate(2026, options.flights, options.per_flight, |o| {
        support::local_date(o, now)
    });
    let dir = tempfile::tempdir().expect("a temporary directory");
    let scans_file = dir.path().join("scans.tsv");
    let scans = write_scans(&day, options.scans, &scans_file);
    println!(
        "day: {} flights, {} passengers; {scans} gate scans to replay at {} scans/s, {} per request",
        day.len(),
        day.iter().map(|m| m.passengers.len()).sum::<usize>(),
        options.rate,
        options.batch
    );
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let sqlite_file = dir.path().join("aboard.db");
    if let Some(cache) = &options.cache {
        // Named by the day's flights (each keyed by its local date of departure, which changes at
        // each origin's midnight), so that a run never replays one day against another's copy.
        let flights: Vec<String> = day.iter().map(|m| m.key().to_string()).collect();
        let template = cache.join(format!(
            "boarding-{}-{}-{}-{}.db",
            options.flights,
            options.persons,
            options.linked_every,
            &digest(flights.join("\n").as_bytes())[..16]
        ));
        if !template.exists() {
            std::fs::create_dir_all(cache).expect("the cache folder");
            let url = format!("sqlite:{}", template.display());
            runtime.block_on(async {
                let mut config = Config::default();
                config.database.url = Some(SecretString::from(url.clone()));
                let store = aboard::open_store(&config).await.expect("open the store");
                prepare(store.as_ref(), &url, &day, &options, now).await;
                store.close().await;
            });
        }
        std::fs::copy(&template, &sqlite_file).expect("a copy of the cached database");
        // On disk before the replay: otherwise the first checkpoints' fsync writes back the whole
        // fresh copy, and the run measures that.
        std::fs::File::open(&sqlite_file)
            .and_then(|copy| copy.sync_all())
            .expect("the copy written to disk");
        println!(
            "  (SQLite day and registry copied from {})",
            template.display()
        );
    }
    let sqlite_url = format!("sqlite:{}", sqlite_file.display());
    if options.instances == 1 {
        runtime.block_on(bench(
            "SQLite",
            &sqlite_url,
            &day,
            &options,
            &scans_file,
            now,
        ));
    } else {
        println!(
            "\n{} instances: SQLite, one file on one machine, is left out",
            options.instances
        );
    }
    if let Some(admin) = support::postgres_admin_url() {
        let name = format!("aboard_bench_boarding_{}", std::process::id());
        let url = runtime.block_on(support::create_database(&admin, &name));
        runtime.block_on(bench("PostgreSQL", &url, &day, &options, &scans_file, now));
        runtime.block_on(support::drop_database(&admin, &name));
    } else {
        println!("\nTEST_DATABASE_URL is not set: PostgreSQL skipped");
    }
}

/// The day's boarding passes, as the gates read them: every flight boards at once, so the scans come
/// round-robin across flights. Writes `station<TAB>pass` lines; returns how many.
fn write_scans(day: &[FlightManifest], limit: usize, file: &Path) -> usize {
    let per_flight: Vec<Vec<(String, String)>> = day
        .iter()
        .map(|m| {
            let key = m.key();
            new_passengers(m.passengers.clone())
                .iter()
                .zip(&m.passengers)
                .filter_map(|(p, listed)| {
                    boarding_pass_text(p, &key, &listed.destination)
                        .map(|raw| (key.origin.to_string(), raw))
                })
                .collect()
        })
        .collect();
    let longest = per_flight.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = BufWriter::new(std::fs::File::create(file).expect("scans file"));
    let mut written = 0;
    'all: for n in 0..longest {
        for flight in &per_flight {
            if let Some((station, raw)) = flight.get(n) {
                if written == limit {
                    break 'all;
                }
                writeln!(out, "{station}\t{raw}").expect("write scans");
                written += 1;
            }
        }
    }
    out.flush().expect("flush scans");
    written
}

async fn bench(
    label: &str,
    url: &str,
    day: &[FlightManifest],
    options: &Options,
    scans_file: &Path,
    now: DateTime<Utc>,
) {
    println!("\n== {label} ==");
    let mut config = Config::default();
    config.database.url = Some(SecretString::from(url.to_string()));
    config.scheduler.enabled = false;
    let store = aboard::open_store(&config).await.expect("open the store");
    if store.counts().await.expect("counts").passengers == 0 {
        prepare(store.as_ref(), url, day, options, now).await;
    } else {
        set_flight_times(store.as_ref(), day, now).await;
    }
    let counts = store.counts().await.expect("counts");
    println!(
        "  registry: {} persons; {} passengers",
        counts.persons, counts.passengers
    );
    let grant = aboard::web::accounts::grant(Role::Ops, &[], &[]).expect("grant");
    let token = aboard::web::accounts::create_token(store.as_ref(), "bench reader", grant, "bench")
        .await
        .expect("token");
    let secret = secrecy::ExposeSecret::expose_secret(&token.secret).to_string();
    let mut addresses = Vec::new();
    let mut servers = Vec::new();
    for instance in 0..options.instances {
        // Each further instance opens the database anew, as another machine's would.
        let instance_store = match instance {
            0 => store.clone(),
            _ => aboard::open_store(&config).await.expect("open the store"),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        addresses.push(format!(
            "http://{}",
            listener.local_addr().expect("address")
        ));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let config = config.clone();
        servers.push((
            stop,
            tokio::spawn(async move {
                aboard::serve(listener, instance_store, &config, async {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
            }),
        ));
    }
    if options.instances > 1 {
        println!(
            "  {} instances: {}",
            options.instances,
            addresses.join(", ")
        );
    }
    let exe = std::env::current_exe().expect("this binary");
    let cpu_before = support::cpu_seconds();
    let output = tokio::process::Command::new(exe)
        .arg("--client")
        .arg(addresses.join(","))
        .arg(&secret)
        .arg(scans_file)
        .arg(options.rate.to_string())
        .arg(options.batch.to_string())
        .arg(options.readers.to_string())
        .output()
        .await
        .expect("the client process");
    let server_cpu = support::cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    if let Some(seconds) = server_cpu {
        println!("  server CPU during the replay: {seconds:.1} s");
    }
    let counts = store.counts().await.expect("counts");
    println!(
        "  store now holds {} tasks ({} open); peak memory of this process (server and loader) {:.0} MiB",
        counts.tasks,
        counts.open_tasks,
        support::peak_memory_mib().unwrap_or(0.0)
    );
    for (stop, server) in servers {
        let _ = stop.send(());
        let _ = server.await;
    }
}

/// The day, the registry and the day's complainants, written once into the database at `url`.
async fn prepare(
    store: &dyn Store,
    url: &str,
    day: &[FlightManifest],
    options: &Options,
    now: DateTime<Utc>,
) {
    load_day(store, day, now).await;
    fill_registry(url, options.persons, now).await;
    let linked = link_complainants(store, day, options, now).await;
    println!("  {linked} complainants linked to today's passengers");
}

/// The day through the manifest import (one file of rows), then each flight's times, gate and
/// boarding status as the flight status feed would give them.
async fn load_day(store: &dyn Store, day: &[FlightManifest], now: DateTime<Utc>) {
    let started = Instant::now();
    let (_, import, rows) = to_import(
        (Document::Rows(day.to_vec()), Default::default()),
        Format::Csv,
        &[],
        "day.csv",
        digest(format!("bench day {now}").as_bytes()),
        "bench",
    );
    store.import_manifest(&import, now).await.expect("import");
    set_flight_times(store, day, now).await;
    for code in support::airline_day::ORIGINS {
        store
            .upsert_station(
                &Station {
                    iata: Iata::parse(code).expect("station"),
                    staffed: true,
                    shift_start: None,
                    shift_end: None,
                },
                "test",
                aboard::clock::now(),
            )
            .await
            .expect("station");
    }
    println!(
        "  day loaded: {rows} passengers in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

/// Each flight's times, gate and boarding status as the flight status feed would give them: boarding
/// now, leaving in half an hour.
async fn set_flight_times(store: &dyn Store, day: &[FlightManifest], now: DateTime<Utc>) {
    for (n, manifest) in day.iter().enumerate() {
        let departure = now + Duration::minutes(30);
        store
            .upsert_flight(
                &NewFlight {
                    key: manifest.key(),
                    destination: manifest.passengers.last().map(|p| p.destination.clone()),
                    departure: MovementTimes {
                        scheduled: Some(departure),
                        ..MovementTimes::default()
                    },
                    arrival: MovementTimes {
                        scheduled: Some(departure + Duration::minutes(120)),
                        ..MovementTimes::default()
                    },
                    gate: Some(format!("G{}", n % 40)),
                    status: FlightStatus::Boarding,
                },
                now,
            )
            .await
            .expect("flight times");
    }
}

/// Bulk-fills the registry with `persons` people who do not fly today — each with a social account, a
/// resolved case and three blocking keys — straight in SQL: they cost the store its size, not the scan
/// path, and the registry import would take minutes to write them one by one.
async fn fill_registry(url: &str, persons: usize, now: DateTime<Utc>) {
    let started = Instant::now();
    let statements: Vec<&str> = if url.starts_with("postgres") {
        vec![
            "INSERT INTO persons (id, external_id, display_name, language, country, date_of_birth, \
             created_at, updated_at) SELECT gen_random_uuid(), 'BULK-' || i, 'Person ' || i, 'es', 'ES', \
             NULL, $2, $2 FROM generate_series(1, $1) AS i",
            "INSERT INTO social_accounts (person_id, network, handle, network_user_id, followers, \
             activity_30d, follows_airline, accepts_dms, opted_in, last_inbound_at) SELECT id, 'x', \
             '@' || external_id, NULL, 500, 3, true, false, true, NULL FROM persons WHERE external_id LIKE 'BULK-%'",
            "INSERT INTO complaint_cases (person_id, external_ref, opened_at, resolved_at, channel, \
             category, severity, summary, status, source_url) SELECT id, 'CS-' || external_id, $1, $1, \
             'x', 'baggage', 2, 'Late bag', 'resolved', NULL FROM persons WHERE external_id LIKE 'BULK-%'",
            "INSERT INTO person_keys (key, person_id) SELECT (random() * 9e18)::bigint, id \
             FROM persons, generate_series(1, 3) WHERE external_id LIKE 'BULK-%' ON CONFLICT DO NOTHING",
        ]
    } else {
        vec![
            "INSERT INTO persons (id, external_id, display_name, language, country, date_of_birth, \
             created_at, updated_at) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
             WHERE i < $1) SELECT randomblob(16), 'BULK-' || i, 'Person ' || i, 'es', 'ES', NULL, $2, $2 FROM n",
            "INSERT INTO social_accounts (person_id, network, handle, network_user_id, followers, \
             activity_30d, follows_airline, accepts_dms, opted_in, last_inbound_at) SELECT id, 'x', \
             '@' || external_id, NULL, 500, 3, 1, 0, 1, NULL FROM persons WHERE external_id LIKE 'BULK-%'",
            "INSERT INTO complaint_cases (person_id, external_ref, opened_at, resolved_at, channel, \
             category, severity, summary, status, source_url) SELECT id, 'CS-' || external_id, $1, $1, \
             'x', 'baggage', 2, 'Late bag', 'resolved', NULL FROM persons WHERE external_id LIKE 'BULK-%'",
            "INSERT INTO person_keys (key, person_id) SELECT random(), id FROM persons, \
             (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) WHERE external_id LIKE 'BULK-%' \
             ON CONFLICT DO NOTHING",
        ]
    };
    let persons = i64::try_from(persons).expect("a person count");
    // The persons take the count ($1) and the instant ($2); the cases the instant ($1).
    macro_rules! run {
        ($pool:expr) => {
            for sql in statements {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                if sql.contains("$2") {
                    query = query.bind(persons).bind(now);
                } else if sql.contains("$1") {
                    query = query.bind(now);
                }
                query.execute(&$pool).await.expect("fill the registry");
            }
            $pool.close().await;
        };
    }
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.expect("PostgreSQL");
        run!(pool);
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.expect("SQLite");
        run!(pool);
    }
    println!(
        "  registry filled with {persons} persons in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

/// Every `linked_every`-th passenger of the day is a complainant the rules follow up: an active
/// account, an open case, and a confirmed identity link.
async fn link_complainants(
    store: &dyn Store,
    day: &[FlightManifest],
    options: &Options,
    now: DateTime<Utc>,
) -> usize {
    let mut passengers = Vec::new();
    for manifest in day {
        let flight = store
            .find_flight(&manifest.key())
            .await
            .expect("flight")
            .expect("the flight was imported");
        passengers.extend(store.passengers(flight.id).await.expect("passengers"));
    }
    let chosen: Vec<_> = passengers.iter().step_by(options.linked_every).collect();
    let records: Vec<aboard::store::KeyedPerson> = chosen
        .iter()
        .enumerate()
        .map(|(n, _)| aboard::app::matching::keyed(complainant(n, now)))
        .collect();
    let ids = store
        .upsert_persons(&records, "bench", now)
        .await
        .expect("complainants");
    for (passenger, person_id) in chosen.iter().zip(ids) {
        store
            .upsert_link(&IdentityLink {
                passenger_id: passenger.id,
                person_id,
                decision: LinkDecision::Linked,
                score: 0.99,
                reasons: vec![],
                decided_by: "bench".to_string(),
                updated_at: now,
            })
            .await
            .expect("link");
    }
    chosen.len()
}

fn complainant(n: usize, now: DateTime<Utc>) -> PersonRecord {
    PersonRecord {
        external_id: format!("SC-{n:07}"),
        display_name: format!("Complainant {n}"),
        language: Some("es".to_string()),
        country: Some("ES".to_string()),
        date_of_birth: None,
        identifiers: vec![],
        accounts: vec![SocialAccount {
            network: Network::X,
            handle: format!("@complainant{n}"),
            network_user_id: Some(n.to_string()),
            followers: 20_000,
            activity_30d: 40,
            follows_airline: true,
            accepts_dms: false,
            opted_in: true,
            last_inbound_at: None,
        }],
        cases: vec![ComplaintCase {
            external_ref: format!("CS-{n}"),
            opened_at: now - Duration::days(60),
            resolved_at: None,
            channel: "x".to_string(),
            category: "baggage".to_string(),
            severity: 3,
            summary: "Late bag".to_string(),
            status: CaseStatus::Open,
            source_url: None,
        }],
        consents: vec![],
    }
}

/// One request's outcome, as the client records it.
struct Sent {
    latency: StdDuration,
    outcomes: Vec<String>,
    tasks: usize,
}

/// The second process: gate readers, each on its own connection, send the scans in turn at the offered
/// rate overall, reader r to the r mod N-th of the N comma-separated instance URLs; each request is
/// timed from when it was due.
fn client(urls: &str, token: &str, scans_file: &Path, rate: &str, batch: &str, readers: &str) {
    let rate = rate.parse::<f64>().unwrap_or(5_000.0).max(1.0);
    let readers: usize = readers.parse().unwrap_or(200).max(1);
    let batch: usize = batch.parse().unwrap_or(1).max(1);
    let file = std::fs::File::open(scans_file).expect("scans file");
    let lines: Vec<(String, String)> = std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| {
            l.split_once('\t')
                .map(|(s, r)| (s.to_string(), r.to_string()))
        })
        .collect();
    let runtime = tokio::runtime::Runtime::new().expect("client runtime");
    runtime.block_on(async move {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(512)
            .build()
            .expect("client");
        let now = chrono::Utc::now();
        let urls: Vec<Arc<String>> = urls
            .split(',')
            .map(|url| Arc::new(format!("{url}/api/boarding-scans")))
            .collect();
        let token = Arc::new(token.to_string());
        let interval = StdDuration::from_secs_f64(batch as f64 / rate);
        // Request bodies are made before the clock starts: the client's own work competes with the
        // server for the same two cores.
        let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
            lines
                .chunks(batch)
                .enumerate()
                .map(|(c, chunk)| {
                    let scans: Vec<serde_json::Value> = chunk
                        .iter()
                        .enumerate()
                        .map(|(i, (station, raw))| {
                            serde_json::json!({"raw": raw, "station": station, "gate": "G1",
                                "reader_id": format!("R{}", c % readers),
                                "scanned_at": now + Duration::milliseconds((c * batch + i) as i64)})
                        })
                        .collect();
                    serde_json::to_vec(&serde_json::json!({ "scans": scans })).expect("a body")
                })
                .collect(),
        );
        let cpu_at_start = support::cpu_seconds();
        let started = tokio::time::Instant::now();
        let mut requests = Vec::new();
        for reader in 0..readers {
            let url = urls[reader % urls.len()].clone();
            let (http, token, bodies) = (http.clone(), token.clone(), bodies.clone());
            requests.push(tokio::spawn(async move {
                let mut sent_by_reader = Vec::new();
                for c in (reader..bodies.len()).step_by(readers) {
                    let due = started + interval * c as u32;
                    tokio::time::sleep_until(due).await;
                    let response = http
                        .post(url.as_str())
                        .bearer_auth(token.as_str())
                        .header("content-type", "application/json")
                        .body(bodies[c].clone())
                        .send()
                        .await;
                    let mut sent = Sent {
                        latency: StdDuration::ZERO,
                        outcomes: Vec::new(),
                        tasks: 0,
                    };
                    match response {
                        Ok(r) if r.status().is_success() => {
                            let answer: serde_json::Value = r.json().await.unwrap_or_default();
                            for report in answer["scans"].as_array().into_iter().flatten() {
                                sent.outcomes
                                    .push(report["outcome"].as_str().unwrap_or("?").to_string());
                                sent.tasks +=
                                    report["tasks_created"].as_array().map_or(0, Vec::len);
                            }
                        }
                        Ok(r) => sent.outcomes.push(format!("http {}", r.status())),
                        Err(e) => sent.outcomes.push(format!("error {e}")),
                    }
                    sent.latency = due.elapsed();
                    sent_by_reader.push(sent);
                }
                sent_by_reader
            }));
        }
        let mut latencies = Vec::with_capacity(requests.len());
        let mut outcomes: HashMap<String, usize> = HashMap::new();
        let mut tasks = 0;
        for reader in requests {
            for sent in reader.await.expect("reader") {
                latencies.push(sent.latency);
                for outcome in sent.outcomes {
                    *outcomes.entry(outcome).or_default() += 1;
                }
                tasks += sent.tasks;
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        if let Some(seconds) = support::cpu_seconds().zip(cpu_at_start).map(|(a, b)| a - b) {
            println!("  client CPU during the replay: {seconds:.1} s");
        }
        latencies.sort();
        let pick = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let total: usize = outcomes.values().sum();
        println!(
            "  replayed {total} scans in {elapsed:.1}s (offered {rate:.0}/s by {readers} readers, {batch} per request): {:.0} scans/s",
            total as f64 / elapsed
        );
        println!(
            "  latency scan due -> scan, boarding and task committed: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            pick(0.50),
            pick(0.99),
            pick(1.0)
        );
        let mut outcomes: Vec<_> = outcomes.into_iter().collect();
        outcomes.sort();
        println!("  outcomes: {outcomes:?}; tasks created: {tasks}");
    });
}

//! Reliability under abuse: `cargo bench --bench abuse [-- --uploads N --upload-mb M --idle N --kills K]`
//! repeats an outside probe's findings (issue 21) against the built `aboard serve` and prints figures:
//! - the server's peak resident memory while N clients (16) each send an M MB (250) upload to
//!   `POST /api/manifests` with a gate token, which may not post there (the limit is 300 MB), beside
//!   its resident memory before they came;
//! - whether `/healthz` answers, and how soon, while N (25,000) idle connections are open;
//! - the erasure trace count: values of an erased person found in the SQLite files and, with
//!   TEST_DATABASE_URL, in a `pg_dump` (must be 0);
//! - with TEST_DATABASE_URL, K (3) kill -9s of the instance holding a scheduler tick's claim, two
//!   instances on one PostgreSQL: ticks lost and ticks run twice (both must be 0).

// The bench uses the throw-away databases and the memory reading of the shared support.
#[allow(dead_code)]
mod support;

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aboard::clock;
use aboard::domain::records::{
    ComplaintCase, FlightList, IdentityLink, ListMode, ManifestImport, MovementTimes, NewFlight,
    NewMessage, NewPassenger, NewTask, PersonRecord, SocialAccount, TaskTransition,
};
use aboard::domain::{
    CaseStatus, Channel, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, MessageMode,
    Network, Role, TaskOutcome, TaskState, TravellerClass,
};
use aboard::store::{SendResult, SqliteStore, Store};
use chrono::{DateTime, TimeDelta, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn value(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--hold-idle") {
        return hold_idle(&args[at + 1..]);
    }
    let uploads = value(&args, "--uploads", 16);
    let upload_mb = value(&args, "--upload-mb", 250);
    let idle = value(&args, "--idle", 25_000);
    let kills = value(&args, "--kills", 3);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let limit = raise_file_limit((PER_HOLDER + 1_000) as u64);
        println!("abuse: aboard serve from {}", env!("CARGO_BIN_EXE_aboard"));
        uploads_by_a_gate_token(uploads, upload_mb).await;
        idle_connections(idle, limit).await;
        erasure_traces().await;
        match support::postgres_admin_url() {
            Some(admin) => kill_mid_tick(&admin, kills).await,
            None => println!("kill -9 mid-tick: skipped (set TEST_DATABASE_URL)"),
        }
    });
}

/// Raises this process's open-file limit (which the servers it starts inherit) towards `wanted`: the hard
/// limit too where the process may (root may, up to the kernel's `nr_open`); returns the limit in force.
fn raise_file_limit(wanted: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the one struct passed.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        if limit.rlim_max < wanted {
            let raised = libc::rlimit {
                rlim_cur: wanted,
                rlim_max: wanted,
            };
            libc::setrlimit(libc::RLIMIT_NOFILE, &raised);
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        }
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted.min(limit.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
    }
    limit.rlim_cur
}

/// `aboard serve` on a SQLite file in a temporary folder, its log kept.
struct Server {
    child: Child,
    address: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(dir: tempfile::TempDir, extra: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_aboard"));
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("ABOARD__DATA_DIR", dir.path())
            .env("ABOARD__SCHEDULER__ENABLED", "false")
            .env("RUST_LOG", "warn,aboard=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in extra {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start aboard serve");
        let log = collect(child.stderr.take().expect("its log"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while !log
            .lock()
            .expect("log")
            .iter()
            .any(|l| l.contains("aboard is serving"))
        {
            assert!(Instant::now() < deadline, "aboard serve did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Server {
            child,
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            _dir: dir,
        }
    }

    /// Resident memory now and at its peak (VmRSS, VmHWM), in MiB.
    fn memory_mib(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
                .map_or(f64::NAN, |kib| kib / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a child's output line by line on a thread of its own, so that it never blocks on a full pipe.
fn collect(stream: impl std::io::Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stream)
            .lines()
            .map_while(Result::ok)
        {
            kept.lock().expect("log").push(line);
        }
    });
    log
}

/// A token for `role`, made on the server's SQLite file before it starts.
async fn token_in(dir: &Path, role: Role, stations: &[&str]) -> String {
    use secrecy::ExposeSecret;
    let store = SqliteStore::open(&dir.join("aboard.db"), 2)
        .await
        .expect("open the SQLite file");
    let stations: Vec<String> = stations.iter().map(|s| s.to_string()).collect();
    let grant = aboard::web::accounts::grant(role, &stations, &[]).expect("a grant");
    let issued = aboard::web::accounts::create_token(&store, "abuse bench", grant, "bench")
        .await
        .expect("a token");
    store.close().await;
    issued.secret.expose_secret().to_string()
}

/// Sends `head` and up to `size` bytes of body, stopping when the server stops taking them; returns the
/// status line's code and how many body bytes the socket took.
async fn upload(address: SocketAddr, head: String, size: usize) -> (Option<u16>, usize) {
    let Ok(stream) = TcpStream::connect(address).await else {
        return (None, 0);
    };
    let (mut reading, mut writing) = stream.into_split();
    let answered = Arc::new(AtomicBool::new(false));
    let sender = {
        let answered = answered.clone();
        tokio::spawn(async move {
            if writing.write_all(head.as_bytes()).await.is_err() {
                return 0;
            }
            let chunk = vec![b'x'; 256 * 1024];
            let mut sent = 0;
            while sent < size && !answered.load(Ordering::Relaxed) {
                let n = chunk.len().min(size - sent);
                if writing.write_all(&chunk[..n]).await.is_err() {
                    break;
                }
                sent += n;
            }
            sent
        })
    };
    let mut answer = [0u8; 12];
    let status =
        match tokio::time::timeout(Duration::from_secs(300), reading.read_exact(&mut answer)).await
        {
            Ok(Ok(_)) => String::from_utf8_lossy(&answer[9..12]).parse().ok(),
            _ => None,
        };
    answered.store(true, Ordering::Relaxed);
    drop(reading);
    let sent = sender.await.unwrap_or(0);
    (status, sent)
}

async fn uploads_by_a_gate_token(uploads: usize, upload_mb: usize) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let gate = token_in(dir.path(), Role::Gate, &["MAD"]).await;
    let server = Server::start(dir, &[]);
    let (before, _) = server.memory_mib();
    let size = upload_mb * 1_000_000;
    let head = format!(
        "POST /api/manifests HTTP/1.1\r\nHost: aboard\r\nAuthorization: Bearer {gate}\r\n\
         Content-Type: text/plain\r\nContent-Length: {size}\r\n\r\n"
    );
    let started = Instant::now();
    let sends: Vec<_> = (0..uploads)
        .map(|_| tokio::spawn(upload(server.address, head.clone(), size)))
        .collect();
    let mut statuses = Vec::new();
    let mut taken = 0;
    for send in sends {
        let (status, sent) = send.await.unwrap_or((None, 0));
        statuses.push(status);
        taken += sent;
    }
    let (_, peak) = server.memory_mib();
    let refused = statuses.iter().filter(|s| **s == Some(403)).count();
    println!(
        "uploads: {uploads} × {upload_mb} MB by a gate token to /api/manifests: {refused} refused 403 in \
         {:.1} s; the sockets took {:.1} MB of bodies in all; server resident {before:.1} MiB before, \
         peak {peak:.1} MiB (limit 300 MiB: {})",
        started.elapsed().as_secs_f64(),
        taken as f64 / 1e6,
        if peak < 300.0 { "within" } else { "OVER" }
    );
}

/// Idle connections one holder process opens at most: the open-file limit is per process, and its hard
/// limit (which only a privileged process may raise) may be below the connections asked for.
const PER_HOLDER: usize = 15_000;

/// `--hold-idle ADDRESS N`: opens N idle connections to ADDRESS, prints how many it opened, and holds
/// them until its standard input closes.
fn hold_idle(args: &[String]) {
    let address: SocketAddr = args
        .first()
        .and_then(|a| a.parse().ok())
        .expect("--hold-idle ADDRESS N");
    let n: usize = args
        .get(1)
        .and_then(|n| n.parse().ok())
        .expect("--hold-idle ADDRESS N");
    raise_file_limit((n + 100) as u64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let open = runtime.block_on(open_idle(address, n));
    println!("opened {}", open.len());
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut rest);
    drop(open);
}

/// Opens up to `n` connections to `address`, a few hundred connects in flight at a time; one the
/// server's queues cannot take gives up after 3 s, as a client would.
async fn open_idle(address: SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut open = Vec::with_capacity(n);
    let mut pending = tokio::task::JoinSet::new();
    for _ in 0..n {
        if pending.len() >= 500
            && let Some(Ok(Some(stream))) = pending.join_next().await
        {
            open.push(stream);
        }
        pending.spawn(async move {
            tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(address))
                .await
                .ok()?
                .ok()
        });
    }
    while let Some(joined) = pending.join_next().await {
        if let Ok(Some(stream)) = joined {
            open.push(stream);
        }
    }
    open
}

async fn idle_connections(idle: usize, limit: u64) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let server = Server::start(dir, &[]);
    let started = Instant::now();
    let this = std::env::current_exe().expect("this bench's path");
    let mut holders = Vec::new();
    let mut left = idle;
    while left > 0 {
        let share = left.min(PER_HOLDER);
        left -= share;
        let holder = Command::new(&this)
            .args([
                "--hold-idle",
                &server.address.to_string(),
                &share.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("a holder of idle connections");
        holders.push(holder);
    }
    let mut opened = 0;
    for holder in &mut holders {
        let mut line = String::new();
        let out = holder.stdout.as_mut().expect("its output");
        let _ = std::io::BufReader::new(out).read_line(&mut line);
        opened += line
            .trim()
            .strip_prefix("opened ")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
    }
    let opening = started.elapsed().as_secs_f64();
    let asked = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(120), async {
        let mut stream = TcpStream::connect(server.address).await.ok()?;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: aboard\r\nConnection: close\r\n\r\n")
            .await
            .ok()?;
        let mut answer = [0u8; 12];
        stream.read_exact(&mut answer).await.ok()?;
        Some(String::from_utf8_lossy(&answer).into_owned())
    })
    .await
    .ok()
    .flatten();
    let waited = asked.elapsed().as_secs_f64();
    println!(
        "idle connections: {opened} of {idle} opened in {opening:.1} s by {} processes (open-file limit {limit} each); /healthz {}",
        holders.len(),
        match answer {
            Some(line) if line.ends_with("200") => format!("answered 200 in {waited:.2} s"),
            Some(line) => format!("answered {line:?} in {waited:.2} s"),
            None => format!("did NOT answer within {waited:.0} s"),
        }
    );
    for mut holder in holders {
        drop(holder.stdin.take());
        let _ = holder.wait();
    }
}

/// The person whose values the erasure bench looks for afterwards.
const NAME: &str = "Evangelina Quiroga-Bustamante";
const EXTERNAL_ID: &str = "ABUSE-ERASE-77341";
const HANDLE: &str = "@evaquirogab";
const NETWORK_ID: &str = "90817263544";
const CASE_SUMMARY: &str = "Wheelchair not waiting at the gate in Lima";
const BRIEF: &str = "Ask Evangelina whether the wheelchair service worked";
const GATE_NOTE: &str = "Quiroga thanked the crew for the assistance";
const MESSAGE: &str = "Hola Evangelina, esta vez la silla te espera en la puerta";
const PROVIDER_ID: &str = "wamid.ABUSE55120";
const VALUES: [&str; 9] = [
    NAME,
    EXTERNAL_ID,
    HANDLE,
    NETWORK_ID,
    CASE_SUMMARY,
    BRIEF,
    GATE_NOTE,
    MESSAGE,
    PROVIDER_ID,
];

/// Gives the person a task with a brief and a gate note, and a message sent to their account.
async fn person_with_traces(store: &dyn Store) {
    let now = clock::now();
    let flight = NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse("IB6830").expect("a flight number"),
            local_date: now.date_naive(),
            origin: Iata::parse("MAD").expect("an airport"),
        },
        destination: Some(Iata::parse("LIM").expect("an airport")),
        departure: MovementTimes {
            scheduled: Some(now + TimeDelta::hours(2)),
            ..Default::default()
        },
        arrival: MovementTimes::default(),
        gate: None,
        status: FlightStatus::Scheduled,
    };
    let passenger = NewPassenger {
        pax_key: "R7ZK2Q/ABUSE-1".to_string(),
        surname: "QUIROGA".to_string(),
        given_name: "EVA".to_string(),
        title: None,
        traveller_class: TravellerClass::Adult,
        locator: Some("R7ZK2Q".to_string()),
        seat: None,
        cabin_class: None,
        destination: None,
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
    };
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: "abuse.csv".to_string(),
        digest: "abuse".to_string(),
        actor: "bench".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight,
            mode: ListMode::Merge,
            passengers: vec![passenger],
        }],
    };
    let flight_id = store
        .import_manifest(&import, now)
        .await
        .expect("import")
        .flights[0]
        .flight_id;
    let passenger_id = store.passengers(flight_id).await.expect("passengers")[0].id;
    let record = PersonRecord {
        external_id: EXTERNAL_ID.to_string(),
        display_name: NAME.to_string(),
        language: Some("es".to_string()),
        country: None,
        date_of_birth: None,
        identifiers: vec![],
        accounts: vec![SocialAccount {
            network: Network::X,
            handle: HANDLE.to_string(),
            network_user_id: Some(NETWORK_ID.to_string()),
            followers: 10,
            activity_30d: 1,
            follows_airline: true,
            accepts_dms: true,
            opted_in: true,
            last_inbound_at: Some(now),
        }],
        cases: vec![ComplaintCase {
            external_ref: "CS-ABUSE".to_string(),
            opened_at: now - TimeDelta::days(20),
            resolved_at: None,
            channel: "x".to_string(),
            category: "assistance".to_string(),
            severity: 4,
            summary: CASE_SUMMARY.to_string(),
            status: CaseStatus::Open,
            source_url: None,
        }],
        consents: vec![],
    };
    let person = store
        .upsert_person(&record, "bench", now)
        .await
        .expect("a person");
    store
        .upsert_link(&IdentityLink {
            passenger_id,
            person_id: person.id,
            decision: LinkDecision::Linked,
            score: 1.0,
            reasons: vec![],
            decided_by: "bench".to_string(),
            updated_at: now,
        })
        .await
        .expect("a link");
    let task = store
        .create_task(
            &NewTask {
                flight_id,
                passenger_id,
                person_id: person.id,
                rule_id: "abuse".to_string(),
                channel: Channel::Social,
                station: "MAD".to_string(),
                gate: None,
                priority: 1,
                due_at: now,
                expires_at: now + TimeDelta::hours(6),
                brief: BRIEF.to_string(),
                briefs: Default::default(),
                why: vec![],
                holdout: None,
            },
            now,
        )
        .await
        .expect("a task")
        .expect("a new task");
    let message = NewMessage {
        task_id: task.id,
        network: Network::X,
        recipient: NETWORK_ID.to_string(),
        body: MESSAGE.to_string(),
        author: "advisor:bench".to_string(),
        idempotency_key: format!("task:{}:1", task.id),
        mode: MessageMode::FreeText,
        tag: None,
        template: None,
    };
    let queued = store.enqueue_message(&message, now).await.expect("queued");
    let lease = now + TimeDelta::seconds(30);
    store
        .claim_messages("bench", now, lease, 10)
        .await
        .expect("claimed");
    store
        .begin_send(queued.id, "bench", lease)
        .await
        .expect("sending");
    store
        .finish_message(
            queued.id,
            "bench",
            &SendResult::Sent {
                provider_message_id: Some(PROVIDER_ID.to_string()),
            },
            now,
        )
        .await
        .expect("sent");
    store
        .transition_task(&TaskTransition {
            task_id: task.id,
            from: vec![TaskState::Open],
            to: TaskState::Done,
            actor: "gate".to_string(),
            assignee: None,
            outcome: Some(TaskOutcome::TalkedAllWell),
            note: Some(GATE_NOTE.to_string()),
            at: now,
        })
        .await
        .expect("a transition")
        .expect("done");
}

/// How many times the person's values occur in `bytes`.
fn traces(bytes: &[u8]) -> usize {
    VALUES
        .iter()
        .map(|value| {
            bytes
                .windows(value.len())
                .filter(|w| *w == value.as_bytes())
                .count()
        })
        .sum()
}

/// Runs `aboard erase` on `url`.
fn erase(url: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_aboard"))
        .args(["--database-url", url, "erase", EXTERNAL_ID])
        .output()
        .expect("run aboard erase");
    assert!(
        output.status.success(),
        "aboard erase: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn erasure_traces() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("aboard.db");
    let store = SqliteStore::open(&path, 2).await.expect("open SQLite");
    person_with_traces(&store).await;
    let files = |path: &PathBuf| -> Vec<u8> {
        ["", "-wal", "-shm"]
            .iter()
            .filter_map(|suffix| std::fs::read(format!("{}{suffix}", path.display())).ok())
            .flatten()
            .collect()
    };
    let before = traces(&files(&path));
    erase(&format!("sqlite:{}", path.display()));
    store.close().await;
    let after = traces(&files(&path));
    println!(
        "erasure, SQLite: {before} traces of the person in the files before `aboard erase`, {after} after"
    );
    let Some(admin) = support::postgres_admin_url() else {
        println!("erasure, PostgreSQL: skipped (set TEST_DATABASE_URL)");
        return;
    };
    let name = "aboard_bench_abuse_erase";
    let url = support::create_database(&admin, name).await;
    let store = aboard::store::PostgresStore::connect(&secrecy::SecretString::from(url.clone()), 2)
        .await
        .expect("connect");
    person_with_traces(&store).await;
    let dump = |url: &str| -> Vec<u8> {
        Command::new("pg_dump")
            .args(["--dbname", url])
            .output()
            .expect("pg_dump on PATH")
            .stdout
    };
    let before = traces(&dump(&url));
    erase(&url);
    store.close().await;
    let after = traces(&dump(&url));
    println!(
        "erasure, PostgreSQL: {before} traces in a pg_dump before `aboard erase`, {after} after"
    );
    support::drop_database(&admin, name).await;
}

/// `aboard serve` on PostgreSQL with its JSON log collected.
struct Instance {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Instance {
    fn start(config: &Path) -> Instance {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aboard"))
            .arg("--config")
            .arg(config)
            .args(["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn,aboard::scheduler=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start aboard serve");
        let log = collect(child.stderr.take().expect("its log"));
        Instance { child, log }
    }

    fn holds(&self, instance: &str) -> bool {
        instance.contains(&format!("-{}-", self.child.id()))
    }

    /// The flight-status ticks it logged as run.
    fn ran(&self) -> Vec<String> {
        self.log
            .lock()
            .expect("log")
            .iter()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|entry| {
                // The JSON log puts an event's fields beside its message; a run ends ok or failed
                // (the provider knows no such flight).
                let ran = ["scheduler job ran", "scheduler job failed"]
                    .iter()
                    .any(|m| entry["message"] == *m);
                (ran && entry["job"] == "flight-status")
                    .then(|| entry["tick"].as_str().unwrap_or_default().to_string())
            })
            .collect()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn kill_mid_tick(admin: &str, kills: usize) {
    let name = "aboard_bench_abuse_ticks";
    let url = support::create_database(admin, name).await;
    let store: Box<dyn Store> = Box::new(
        aboard::store::PostgresStore::connect(&secrecy::SecretString::from(url.clone()), 2)
            .await
            .expect("connect"),
    );
    let departs = clock::now() + TimeDelta::hours(1);
    store
        .upsert_flight(
            &NewFlight {
                key: FlightKey {
                    flight: FlightNumber::parse("IB6401").expect("a flight number"),
                    local_date: departs.date_naive(),
                    origin: Iata::parse("MAD").expect("an airport"),
                },
                destination: Some(Iata::parse("MEX").expect("an airport")),
                departure: MovementTimes {
                    scheduled: Some(departs),
                    ..Default::default()
                },
                arrival: MovementTimes::default(),
                gate: None,
                status: FlightStatus::Scheduled,
            },
            clock::now(),
        )
        .await
        .expect("a flight");
    store.close().await;

    // The provider: a request that comes while `stall` is set never gets an answer, so that the
    // instance making it holds its tick until it is killed; the others are answered at once.
    let stall = Arc::new(AtomicBool::new(false));
    let (stalled_sender, mut stalled) = tokio::sync::mpsc::channel::<()>(4);
    let provider = axum::Router::new().route(
        "/flights/number/{number}/{date}",
        axum::routing::get({
            let stall = stall.clone();
            move || async move {
                if stall.swap(false, Ordering::SeqCst) {
                    let _ = stalled_sender.send(()).await;
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let provider_url = format!("http://{}", listener.local_addr().expect("its address"));
    tokio::spawn(async move { axum::serve(listener, provider).await });

    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = dir.path().join("aboard.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {data:?}\n[database]\nurl = {url:?}\n\
             [scheduler]\ntick_lease_seconds = 3\n\
             [scheduler.jobs.flight-status]\nschedule = \"*/2 * * * * *\"\n\
             [flight_status]\nbase_url = {provider_url:?}\napi_key = \"bench-key\"\n\
             timeout_seconds = 3600\n",
            data = dir.path().display().to_string(),
        ),
    )
    .expect("write the configuration");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("connect");
    let mut instances = vec![Instance::start(&config), Instance::start(&config)];
    let mut dead = Vec::new();
    let mut taken_over = 0;
    for _ in 0..kills {
        stall.store(true, Ordering::SeqCst);
        if tokio::time::timeout(Duration::from_secs(60), stalled.recv())
            .await
            .is_err()
        {
            println!("kill -9 mid-tick: no tick asked the provider within 60 s");
            break;
        }
        let held: Option<(DateTime<Utc>, String)> = sqlx::query_as(
            "SELECT tick_at, instance FROM scheduler_ticks WHERE job = 'flight-status' \
             AND finished_at IS NULL ORDER BY tick_at LIMIT 1",
        )
        .fetch_optional(&pool)
        .await
        .expect("the tick table");
        let Some((tick, holder)) = held else {
            continue;
        };
        let Some(victim) = instances.iter().position(|i| i.holds(&holder)) else {
            continue;
        };
        let mut killed = instances.remove(victim);
        killed.kill();
        dead.push(killed);
        // The held tick, run again by the survivor once the lease lapses.
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let finished: Option<i64> = sqlx::query_scalar(
                "SELECT 1::BIGINT FROM scheduler_ticks WHERE job = 'flight-status' AND tick_at = $1 \
                 AND finished_at IS NOT NULL",
            )
            .bind(tick)
            .fetch_optional(&pool)
            .await
            .expect("the tick table");
            if finished.is_some() {
                taken_over += 1;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        instances.push(Instance::start(&config));
    }
    // A few ticks more, then the instances stop and every lease has lapsed.
    tokio::time::sleep(Duration::from_secs(6)).await;
    for instance in &mut instances {
        // SIGTERM: a running tick is finished, not abandoned.
        // SAFETY: kill only signals the child this bench started.
        unsafe {
            libc::kill(instance.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = instance.child.wait();
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    let lost: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM scheduler_ticks WHERE job = 'flight-status' AND finished_at IS NULL",
    )
    .fetch_one(&pool)
    .await
    .expect("the tick table");
    let claimed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM scheduler_ticks WHERE job = 'flight-status'")
            .fetch_one(&pool)
            .await
            .expect("the tick table");
    let mut ran: Vec<String> = instances
        .iter()
        .chain(&dead)
        .flat_map(Instance::ran)
        .collect();
    let runs = ran.len();
    ran.sort();
    ran.dedup();
    // Without the runs logged, "run twice" could not be told.
    let twice = match runs {
        0 => "unknown (no run was logged)".to_string(),
        _ => (runs - ran.len()).to_string(),
    };
    println!(
        "kill -9 mid-tick (PostgreSQL, two instances, 2 s ticks, 3 s lease): {} kills, held ticks run \
         by the other instance {taken_over}; {claimed} ticks claimed, {runs} runs logged; ticks lost \
         {lost}, ticks run twice {twice}",
        dead.len(),
    );
    pool.close().await;
    support::drop_database(admin, name).await;
}

//! `cargo bench --bench reports [-- --tasks N --events N --rebuild]`: a year of a large airline — 1,000,000
//! follow-ups at 40 stations (69 a flight, 14,493 flights, 100,000 registry persons, every passenger
//! boarded and linked, one message per social follow-up that reached someone, with its delivery and
//! reading), 1,000,000 holdout decisions and 5,000,000 events — is written set-based in SQL, rolled up day
//! by day by the service's own job (`app::reports::roll_up`), and then retention purges it as the service
//! would: flights more than 30 days after arrival go with their passengers, tasks, messages and links.
//! Then each report is asked as analysts ask it (`app::reports`), three times, and the best and worst
//! times are printed beside the 1 s target: a year of everything, a year at one station and desk, the
//! last 30 days (read from the facts retention kept), the uplift report over a year and a quarter, and the
//! ambassador candidates. SQLite always; PostgreSQL when TEST_DATABASE_URL is set. The rolled-up, purged
//! databases are kept between runs (the SQLite file under the target dir, the PostgreSQL database
//! `aboard_bench_reports`), so a second run only measures; `--rebuild` builds them again.

/// The service's allocator (see src/main.rs): the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Only the throw-away PostgreSQL databases of the shared support are used here.
#[allow(dead_code)]
mod support;

use std::sync::Arc;
use std::time::Instant;

use aboard::app::Caller;
use aboard::app::reports as use_case;
use aboard::domain::Role;
use aboard::reports::ReportFilter;
use aboard::store::{ReportStore, SqliteStore, Store};
use chrono::{DateTime, Duration, Utc};

const STATIONS: [&str; 40] = [
    "MAD", "BCN", "LHR", "CDG", "FRA", "AMS", "LIS", "FCO", "MXP", "MUC", "ZRH", "VIE", "BRU",
    "DUB", "CPH", "ARN", "OSL", "HEL", "ATH", "IST", "JFK", "MIA", "BOS", "ORD", "LAX", "MEX",
    "BOG", "LIM", "SCL", "EZE", "GRU", "GIG", "UIO", "PTY", "SJO", "HAV", "SDQ", "CCS", "MVD",
    "ASU",
];
/// Passengers (and follow-ups) a flight.
const PER_FLIGHT: i64 = 69;
const PERSONS: i64 = 100_000;
/// Retention of flights after arrival, as the service's default.
const FLIGHTS_DAYS: i64 = 30;

struct Options {
    tasks: i64,
    events: i64,
    rebuild: bool,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str, default: i64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Options {
        tasks: value("--tasks", 1_000_000),
        events: value("--events", 5_000_000),
        rebuild: args.iter().any(|a| a == "--rebuild"),
    }
}

/// How each backend spells the generated rows' ids, times and the series they come from.
#[derive(Clone, Copy, PartialEq)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// A CTE `g(i)` counting 0 to n-1.
    fn series(self, n: i64) -> String {
        match self {
            Dialect::Sqlite => format!(
                "WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < {n} - 1)"
            ),
            Dialect::Postgres => {
                format!("WITH g(i) AS (SELECT generate_series(0, {n} - 1)::bigint)")
            }
        }
    }

    /// A UUID made of a table prefix and a number, as each backend stores UUIDs.
    fn id(self, prefix: u32, number: &str) -> String {
        match self {
            Dialect::Sqlite => {
                format!("unhex(printf('%08x000000000000%012x', {prefix}, {number}))")
            }
            Dialect::Postgres => format!(
                "(lpad(to_hex({prefix}), 8, '0') || '000000000000' || lpad(to_hex(({number})::bigint), 12, '0'))::uuid"
            ),
        }
    }

    /// An instant from seconds since 1970, as sqlx stores `DateTime<Utc>`.
    fn at(self, seconds: &str) -> String {
        match self {
            Dialect::Sqlite => {
                format!("strftime('%Y-%m-%dT%H:%M:%S+00:00', {seconds}, 'unixepoch')")
            }
            Dialect::Postgres => format!("to_timestamp({seconds})"),
        }
    }

    /// Sets each holdout decision's days to the person's next linked flight: looked up per decision on
    /// SQLite (36 s here); joined at once on PostgreSQL, where the lookups took over 10 minutes.
    fn next_flights(self) -> String {
        match self {
            Dialect::Sqlite => "UPDATE holdout_assignments SET flight_after_days = CAST(julianday(\
                (SELECT MIN(f.local_date) FROM identity_links l JOIN passengers pa ON pa.id = l.passenger_id \
                JOIN flights f ON f.id = pa.flight_id WHERE l.person_id = holdout_assignments.person_id \
                AND l.decision = 'linked' AND f.local_date > holdout_assignments.flight_date)) \
                - julianday(flight_date) AS INTEGER)"
                .to_string(),
            Dialect::Postgres => "WITH n AS (SELECT h.id, MIN(f.local_date) - h.flight_date AS days \
                FROM holdout_assignments h JOIN identity_links l ON l.person_id = h.person_id \
                AND l.decision = 'linked' JOIN passengers pa ON pa.id = l.passenger_id \
                JOIN flights f ON f.id = pa.flight_id AND f.local_date > h.flight_date \
                GROUP BY h.id, h.flight_date) \
                UPDATE holdout_assignments SET flight_after_days = n.days FROM n \
                WHERE n.id = holdout_assignments.id"
                .to_string(),
        }
    }

    fn date(self, seconds: &str) -> String {
        match self {
            Dialect::Sqlite => format!("date({seconds}, 'unixepoch')"),
            Dialect::Postgres => format!("to_timestamp({seconds})::date"),
        }
    }
}

/// The statements that write the year, in order.
fn year(d: Dialect, tasks: i64, events: i64, start: i64) -> Vec<String> {
    let flights = (tasks + PER_FLIGHT - 1) / PER_FLIGHT;
    let stations = STATIONS
        .iter()
        .enumerate()
        .map(|(k, s)| format!("({k}, '{s}')"))
        .collect::<Vec<_>>()
        .join(", ");
    // Flight f leaves station f % 40 on day f / 40 at 10:00 UTC plus ten minutes a station.
    let departure = |f: &str| format!("({start} + ({f}) / 40 * 86400 + 36000 + ({f}) % 40 * 600)");
    let dep_of_i = departure("i / 69");
    let boarded = format!("({dep_of_i} - 1800 + i % 69 * 20)");
    let created = format!("({boarded} + 30 + i % 7 * 10)");
    let claimed = format!("({created} + i * 13 % 600)");
    let sent = format!("({claimed} + 120)");
    let language = "CASE i % 4 WHEN 0 THEN 'es' WHEN 1 THEN 'en' WHEN 2 THEN 'pt' ELSE 'fr' END";
    vec![
        format!(
            "{} INSERT INTO persons (id, external_id, display_name, language, created_at, updated_at, \
             seen_us, desk) SELECT {}, 'BENCH-' || i, 'Bench', {language}, {}, {}, {}, {language} FROM g",
            d.series(PERSONS),
            d.id(0x10, "i"),
            d.at(&start.to_string()),
            d.at(&start.to_string()),
            start * 1_000_000,
        ),
        format!(
            "{}, st(k, code) AS (VALUES {stations}) INSERT INTO flights (id, carrier, number, local_date, \
             origin, destination, scheduled_departure, scheduled_arrival, status, created_at, updated_at) \
             SELECT {}, 'IB', CAST(i AS TEXT), {}, st.code, CASE WHEN st.code = 'MAD' THEN 'BCN' ELSE 'MAD' END, \
             {}, {}, 'arrived', {}, {} FROM g JOIN st ON st.k = i % 40",
            d.series(flights),
            d.id(0x20, "i"),
            d.date(&departure("i")),
            d.at(&departure("i")),
            d.at(&format!("{} + 10800", departure("i"))),
            d.at(&start.to_string()),
            d.at(&start.to_string()),
        ),
        format!(
            "{} INSERT INTO passengers (id, flight_id, pax_key, surname, given_name, traveller_class, \
             service_codes, content_digest, boarding_state, boarded_at, created_at, updated_at) \
             SELECT {}, {}, 'K' || i, 'BENCH', 'PAX', 'adult', '[]', 'd', 'boarded', {}, {}, {} FROM g",
            d.series(tasks),
            d.id(0x30, "i"),
            d.id(0x20, "i / 69"),
            d.at(&boarded),
            d.at(&start.to_string()),
            d.at(&boarded),
        ),
        format!(
            "{} INSERT INTO identity_links (passenger_id, person_id, decision, score, reasons, decided_by, \
             created_at, updated_at) SELECT {}, {}, CASE i % 50 WHEN 0 THEN 'review' WHEN 1 THEN 'rejected' \
             ELSE 'linked' END, 0.9, '[]', CASE WHEN i % 10 = 2 THEN 'staff:bench' ELSE 'matcher' END, {}, {} \
             FROM g",
            d.series(tasks),
            d.id(0x30, "i"),
            d.id(0x10, &format!("i % {PERSONS}")),
            d.at(&format!("{boarded} - 10800")),
            d.at(&format!("{boarded} - 10800")),
        ),
        format!(
            "{}, st(k, code) AS (VALUES {stations}) INSERT INTO tasks (id, flight_id, passenger_id, person_id, \
             rule_id, channel, station, priority, state, due_at, expires_at, brief, why, outcome, \
             escalated_at, created_at, updated_at, claimed_at) \
             SELECT {}, {}, {}, {}, CASE i % 3 WHEN 0 THEN 'checkin-at-gate' WHEN 1 THEN 'checkin-over-social' \
             ELSE 'disruption-at-gate' END, CASE WHEN i / 69 % 40 < 20 THEN 'gate' ELSE 'social' END, st.code, 2, \
             CASE WHEN i % 20 BETWEEN 15 AND 17 THEN 'expired' WHEN i % 20 = 18 THEN 'cancelled' ELSE 'done' END, \
             {}, {}, 'Bench', '[]', \
             CASE WHEN i % 20 <= 10 THEN (CASE WHEN i / 69 % 40 < 20 THEN 'talked_all_well' ELSE 'message_sent' END) \
             WHEN i % 20 = 11 THEN 'talked_new_issue' WHEN i % 20 IN (12, 13) THEN 'not_found' \
             WHEN i % 20 = 14 THEN 'declined' WHEN i % 20 = 19 THEN 'asked_no_contact' END, \
             CASE WHEN i % 11 = 0 THEN {} END, {}, {}, \
             CASE WHEN i % 20 <= 14 OR i % 20 = 19 THEN {} END FROM g JOIN st ON st.k = i / 69 % 40",
            d.series(tasks),
            d.id(0x40, "i"),
            d.id(0x20, "i / 69"),
            d.id(0x30, "i"),
            d.id(0x10, &format!("i % {PERSONS}")),
            d.at(&format!("{created} + 1200")),
            d.at(&format!("{created} + 21600")),
            d.at(&format!("{created} + 900")),
            d.at(&created),
            d.at(&format!("{created} + i * 37 % 3600")),
            d.at(&claimed),
        ),
        format!(
            "{} INSERT INTO messages (id, task_id, network, recipient, body, author, idempotency_key, state, \
             attempts, created_at, sent_at, delivered_at, read_at, mode) \
             SELECT {}, {}, CASE WHEN i % 2 = 0 THEN 'whatsapp' ELSE 'x' END, 'r', 'Bench', 'staff:bench', \
             'bench-' || i, 'read', 1, {}, {}, {}, {}, 'free_text' FROM g \
             WHERE i / 69 % 40 >= 20 AND i % 20 <= 10",
            d.series(tasks),
            d.id(0x50, "i"),
            d.id(0x40, "i"),
            d.at(&format!("{sent} - 60")),
            d.at(&sent),
            d.at(&format!("{sent} + 5")),
            d.at(&format!("{sent} + 300")),
        ),
        format!(
            "{}, st(k, code) AS (VALUES {stations}) INSERT INTO holdout_assignments (id, flight_id, person_id, \
             station, flight_date, rule_id, channel, cohort, period, decided_at, decided_us) \
             SELECT {}, {}, {}, st.code, {}, 'checkin-at-gate', 'gate', \
             CASE WHEN i % 20 = 0 THEN 'held_out' ELSE 'treated' END, 0, {}, {boarded} * 1000000 \
             FROM g JOIN st ON st.k = i / 69 % 40",
            d.series(tasks),
            d.id(0x70, "i"),
            d.id(0x20, "i / 69"),
            d.id(0x10, &format!("i % {PERSONS}")),
            d.date(&dep_of_i),
            d.at(&boarded),
        ),
        // What the store keeps on each decision as links are decided (no case comes in this year).
        d.next_flights(),
        format!(
            "{} INSERT INTO events (id, at, actor, action, subject_kind, subject_id, detail) \
             SELECT {}, {}, 'aboard', CASE i % 5 WHEN 0 THEN 'task.created' WHEN 1 THEN 'task.claimed' \
             WHEN 2 THEN 'task.done' WHEN 3 THEN 'message.sent' ELSE 'link.matched' END, 'task', 'bench', '{{}}' \
             FROM g",
            d.series(events),
            d.id(0x60, "i"),
            d.at(&format!("{start} + i * {}", (365 * 86_400) / events.max(1))),
        ),
    ]
}

fn seconds(since: Instant) -> String {
    format!("{:.1} s", since.elapsed().as_secs_f64())
}

/// Where the generated rows are written straight in SQL: the database the store has migrated.
enum Target<'a> {
    Sqlite(&'a std::path::Path),
    Postgres(&'a str),
}

/// Writes, rolls up and purges the year; prints how long each took.
async fn build(store: &Arc<dyn Store>, target: Target<'_>, options: &Options, now: DateTime<Utc>) {
    let start = (now - Duration::days(366)).date_naive();
    let start = start
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(0);
    let dialect = match target {
        Target::Sqlite(_) => Dialect::Sqlite,
        Target::Postgres(_) => Dialect::Postgres,
    };
    let written = Instant::now();
    let statements = year(dialect, options.tasks, options.events, start);
    let mut counts = Vec::new();
    match target {
        Target::Sqlite(file) => {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
                .await
                .expect("SQLite");
            for sql in &statements {
                let began = Instant::now();
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .execute(&pool)
                    .await
                    .expect("write the year")
                    .rows_affected();
                counts.push((rows, began.elapsed()));
            }
            pool.close().await;
        }
        Target::Postgres(url) => {
            let pool = sqlx::PgPool::connect(url).await.expect("PostgreSQL");
            for sql in &statements {
                let began = Instant::now();
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .execute(&pool)
                    .await
                    .expect("write the year")
                    .rows_affected();
                counts.push((rows, began.elapsed()));
            }
            sqlx::query("ANALYZE")
                .execute(&pool)
                .await
                .expect("analyze");
            pool.close().await;
        }
    }
    for (sql, (rows, took)) in statements.iter().zip(counts) {
        let table = sql
            .split("INSERT INTO ")
            .nth(1)
            .or_else(|| sql.split("UPDATE ").nth(1))
            .and_then(|s| s.split(' ').next())
            .unwrap_or("?");
        println!("  wrote {rows:>9} {table} in {:.1} s", took.as_secs_f64());
    }
    println!("  the year written in {}", seconds(written));
    roll_up(store, now).await;
    let began = Instant::now();
    let arrived_before = now - Duration::days(FLIGHTS_DAYS);
    let mut flights = 0;
    loop {
        let purged = store
            .purge_flights(arrived_before, arrived_before.date_naive(), 500)
            .await
            .expect("purge");
        flights += purged.flights;
        if purged.flights < 500 {
            break;
        }
    }
    let counts = store.counts().await.expect("counts");
    println!(
        "  retention purged {flights} flights with their passengers, tasks, messages and links in {}: \
         {} tasks, {} passengers and {} events left",
        seconds(began),
        counts.tasks,
        counts.passengers,
        counts.events
    );
}

/// Runs the service's rollup job until it has nothing left: the days, then the months.
async fn roll_up(store: &Arc<dyn Store>, now: DateTime<Utc>) {
    let began = Instant::now();
    let mut made = 0;
    loop {
        let rolled = use_case::roll_up(store.as_ref(), now, 100)
            .await
            .expect("roll up");
        made += rolled;
        if rolled == 0 {
            break;
        }
    }
    println!(
        "  {made} days and months rolled up by the service's job in {}",
        seconds(began)
    );
}

/// Asks each report three times and prints the best and worst time against the 1 s target.
async fn measure(store: &Arc<dyn Store>, backend: &str, now: DateTime<Utc>) {
    let caller = Caller {
        actor: "staff:analyst".to_string(),
        name: "Analyst".to_string(),
        grant: aboard::app::accounts::grant(Role::Analyst, &[], &[]).expect("grant"),
    };
    let today = now.date_naive();
    let year = ReportFilter::dates(today - Duration::days(364), today);
    let one_desk = ReportFilter {
        station: Some("LHR".to_string()),
        desk: Some("es".to_string()),
        ..year.clone()
    };
    let month = ReportFilter::dates(today - Duration::days(29), today);
    let quarter = ReportFilter::dates(today - Duration::days(120), today - Duration::days(31));
    println!("\n{backend}: each report three times (best / worst; target 1 s)");
    for (name, f) in [
        ("a year, every station", &year),
        ("a year, LHR, desk es", &one_desk),
        ("the last 30 days", &month),
    ] {
        let mut times = Vec::new();
        let mut tasks = 0;
        for _ in 0..3 {
            let began = Instant::now();
            let report = use_case::report(store.as_ref(), &caller, f, now)
                .await
                .expect("report");
            times.push(began.elapsed().as_secs_f64());
            tasks =
                report.funnel.tasks_gate + report.funnel.tasks_cabin + report.funnel.tasks_social;
        }
        print_times(&format!("report: {name} ({tasks} tasks)"), &times);
    }
    for (name, f) in [("a year", &year), ("a quarter", &quarter)] {
        let mut times = Vec::new();
        let mut compared = 0;
        for _ in 0..3 {
            let began = Instant::now();
            let uplift = use_case::uplift(store.as_ref(), &caller, f, 30, now)
                .await
                .expect("uplift");
            times.push(began.elapsed().as_secs_f64());
            compared = uplift.treated + uplift.held_out;
        }
        print_times(&format!("uplift: {name} ({compared} decisions)"), &times);
    }
    let mut times = Vec::new();
    for _ in 0..3 {
        let began = Instant::now();
        use_case::ambassadors(store.as_ref(), &caller)
            .await
            .expect("ambassadors");
        times.push(began.elapsed().as_secs_f64());
    }
    print_times("ambassador candidates", &times);
}

fn print_times(what: &str, times: &[f64]) {
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    let worst = times.iter().copied().fold(0.0, f64::max);
    let verdict = if worst < 1.0 {
        "within 1 s"
    } else {
        "OVER 1 s"
    };
    println!(
        "  {what:<55} {:>8.1} ms / {:>8.1} ms  {verdict}",
        best * 1e3,
        worst * 1e3
    );
}

#[tokio::main]
async fn main() {
    let options = options();
    let now = aboard::clock::now();
    println!(
        "reports over a year: {} follow-ups, {} holdout decisions, {} events, {} stations; rolled up, then \
         flights older than {FLIGHTS_DAYS} days purged",
        options.tasks,
        options.tasks,
        options.events,
        STATIONS.len()
    );

    let dir = std::path::PathBuf::from(
        std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_string()),
    )
    .join("bench-reports");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let file = dir.join(format!(
        "reports-{}-{}.sqlite",
        options.tasks, options.events
    ));
    let built = file.exists() && !options.rebuild;
    if !built {
        let _ = std::fs::remove_file(&file);
    }
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&file, 4).await.expect("SQLite"));
    if built {
        println!(
            "\nSQLite: the year built before is reused ({})",
            file.display()
        );
        // What the job has not rolled up yet (months, after an upgrade; the days since).
        roll_up(&sqlite, now).await;
    } else {
        println!("\nSQLite: building the year");
        build(&sqlite, Target::Sqlite(&file), &options, now).await;
    }
    measure(&sqlite, "SQLite", now).await;
    sqlite.close().await;

    let Some(admin) = support::postgres_admin_url() else {
        println!("\nTEST_DATABASE_URL is not set: PostgreSQL skipped");
        return;
    };
    let name = format!("aboard_bench_reports_{}_{}", options.tasks, options.events);
    let url = support::with_database(&admin, &name);
    let secret = secrecy::SecretString::from(url.clone());
    let exists = aboard::store::PostgresStore::connect(&secret, 8).await.ok();
    let (postgres, built): (Arc<dyn Store>, bool) = match exists {
        Some(store)
            if !options.rebuild && store.rolled_through().await.ok().flatten().is_some() =>
        {
            (Arc::new(store), true)
        }
        other => {
            if let Some(store) = other {
                store.close().await;
            }
            let url = support::create_database(&admin, &name).await;
            let store = aboard::store::PostgresStore::connect(&secrecy::SecretString::from(url), 8)
                .await
                .expect("PostgreSQL");
            (Arc::new(store), false)
        }
    };
    if built {
        println!("\nPostgreSQL: the year built before is reused (database {name})");
        roll_up(&postgres, now).await;
    } else {
        println!("\nPostgreSQL: building the year");
        build(&postgres, Target::Postgres(&url), &options, now).await;
    }
    measure(&postgres, "PostgreSQL", now).await;
    postgres.close().await;
}

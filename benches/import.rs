//! `cargo bench --bench import [-- --flights N --per-flight N]`: a large network airline's day (3,000
//! flights × 150 passengers by default) written as one PNL per flight and as one CSV, then imported
//! with `aboard import manifest` (the CLI's own code, identity matching hook included) into a fresh
//! SQLite file and, when TEST_DATABASE_URL is set, a fresh PostgreSQL database. Each import runs in a
//! child process so that its peak memory is its own. The floors beside them: the sqlite3 command-line
//! shell's `.import` of the same CSV into a bare table (Debian package sqlite3) and, with PostgreSQL,
//! psql's `\copy` of it into a bare table of a fresh database; each backend's figures are also given
//! as a ratio to its own floor. `--dir DIR` keeps the files and databases there.

/// The service's allocator (see src/main.rs): the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use aboard::cli::ImportCommand;
use aboard::config::Config;
use aboard::manifest::{write_csv, write_pnl};
use secrecy::SecretString;

struct Options {
    flights: usize,
    per_flight: usize,
    /// Where to write the day and the databases, kept afterwards; a temporary folder otherwise.
    dir: Option<PathBuf>,
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
        per_flight: value("--per-flight", 150),
        dir: args
            .iter()
            .position(|a| a == "--dir")
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from),
    }
}

/// One import as the child process reports it.
struct Measured {
    rows: usize,
    seconds: f64,
    peak_mib: f64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let get = |n: usize| args.get(i + n).cloned().unwrap_or_default();
        child(&get(1), Path::new(&get(2)));
        return;
    }
    let options = options();
    let temporary = tempfile::tempdir().expect("a temporary directory");
    let dir = match &options.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).expect("the --dir folder");
            dir.as_path()
        }
        None => temporary.path(),
    };
    let (csv, pnl_dir, rows) = write_day(&options, dir);

    println!("\n== floor: sqlite3 .import of the CSV into a bare table ==");
    let floor_db = dir.join("floor.db");
    remove_database(&floor_db);
    let sqlite_floor = sqlite3_floor(&csv, &floor_db);
    print_floor(
        sqlite_floor,
        rows,
        "sqlite3 not found: `apt-get install sqlite3` to measure the floor",
    );
    let admin = support::postgres_admin_url();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let postgres_floor = admin.as_ref().and_then(|admin| {
        println!("\n== floor: psql \\copy of the CSV into a bare table ==");
        let name = format!("aboard_bench_floor_{}", std::process::id());
        let url = runtime.block_on(support::create_database(admin, &name));
        let floor = psql_floor(&csv, &url);
        runtime.block_on(support::drop_database(admin, &name));
        print_floor(
            floor,
            rows,
            "psql not found: `apt-get install postgresql-client` to measure the floor",
        );
        floor
    });

    let mut results: Vec<(String, &str, Measured)> = Vec::new();
    let sqlite = |name: &str| format!("sqlite:{}", dir.join(name).display());
    for (input, path) in [("csv", csv.clone()), ("pnl", pnl_dir.clone())] {
        let url = sqlite(&format!("aboard-{input}.db"));
        remove_database(&dir.join(format!("aboard-{input}.db")));
        println!("\n== SQLite, {input} ==");
        if let Some(m) = run_child(&url, &path) {
            results.push(("SQLite".to_string(), input, m));
        }
    }
    if let Some(admin) = &admin {
        for (input, path) in [("csv", csv.clone()), ("pnl", pnl_dir.clone())] {
            let name = format!("aboard_bench_import_{input}_{}", std::process::id());
            let url = runtime.block_on(support::create_database(admin, &name));
            println!("\n== PostgreSQL, {input} ==");
            if let Some(m) = run_child(&url, &path) {
                results.push(("PostgreSQL".to_string(), input, m));
            }
            runtime.block_on(support::drop_database(admin, &name));
        }
    } else {
        println!("\nTEST_DATABASE_URL is not set: PostgreSQL skipped");
    }

    println!(
        "\n== summary: {rows} passengers on {} flights ==",
        options.flights
    );
    println!(
        "{:<12} {:<6} {:>10} {:>12} {:>10} {:>10}",
        "database", "input", "seconds", "rows/s", "peak MiB", "× floor"
    );
    for (floor, name) in [(sqlite_floor, "sqlite3"), (postgres_floor, "psql")] {
        if let Some(seconds) = floor {
            println!(
                "{:<12} {:<6} {:>10.2} {:>12.0} {:>10} {:>10}",
                name,
                "csv",
                seconds,
                rows as f64 / seconds,
                "-",
                "1.00"
            );
        }
    }
    for (database, input, m) in &results {
        let floor = if database == "SQLite" {
            sqlite_floor
        } else {
            postgres_floor
        };
        let ratio = floor.map_or("-".to_string(), |f| format!("{:.2}", m.seconds / f));
        println!(
            "{:<12} {:<6} {:>10.2} {:>12.0} {:>10.0} {:>10}",
            database,
            input,
            m.seconds,
            m.rows as f64 / m.seconds,
            m.peak_mib,
            ratio
        );
    }
    println!(
        "× floor: SQLite against sqlite3's .import, PostgreSQL against psql's \\copy, of the same CSV"
    );
    println!(
        "targets: the whole day in under 5 s on SQLite, within 2× the sqlite3 floor; PostgreSQL within 3× psql's"
    );
}

fn print_floor(floor: Option<f64>, rows: usize, missing: &str) {
    match floor {
        Some(seconds) => println!(
            "  {rows} rows in {seconds:.2} s = {:.0} rows/s",
            rows as f64 / seconds
        ),
        None => println!("  {missing}"),
    }
}

/// Removes an SQLite database and its log. A kept --dir holds the last run's databases: importing
/// into them again would measure duplicate detection (or, for the floor, a table twice as long).
fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// Writes the day as `day.csv` and `pnl/IBnnnn.pnl`; returns both paths and the passenger count.
fn write_day(options: &Options, dir: &Path) -> (PathBuf, PathBuf, usize) {
    let started = Instant::now();
    let now = aboard::clock::now();
    let day = support::airline_day::generate(2026, options.flights, options.per_flight, |origin| {
        support::local_date(origin, now)
    });
    let rows: usize = day.iter().map(|m| m.passengers.len()).sum();
    let csv = dir.join("day.csv");
    std::fs::write(&csv, write_csv(&day)).expect("write the CSV");
    let pnl_dir = dir.join("pnl");
    std::fs::create_dir_all(&pnl_dir).expect("the PNL folder");
    let mut pnl_bytes = 0;
    for manifest in &day {
        let text = write_pnl(manifest, None, 60);
        pnl_bytes += text.len();
        let name = format!("{}.pnl", manifest.flight);
        std::fs::write(pnl_dir.join(name), text).expect("write a PNL");
    }
    let csv_bytes = std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0);
    println!(
        "day written in {:.1} s: {} flights, {rows} passengers; CSV {:.1} MB, PNLs {:.1} MB",
        started.elapsed().as_secs_f64(),
        day.len(),
        csv_bytes as f64 / 1e6,
        pnl_bytes as f64 / 1e6
    );
    (csv, pnl_dir, rows)
}

/// Seconds the sqlite3 shell takes to `.import` the CSV into a new table, or `None` without sqlite3.
fn sqlite3_floor(csv: &Path, database: &Path) -> Option<f64> {
    let script = format!(
        "PRAGMA journal_mode=WAL;\n.mode csv\n.import '{}' passengers\nSELECT count(*) FROM passengers;\n",
        csv.display()
    );
    timed_script(Command::new("sqlite3").arg(database), &script)
}

/// Seconds psql takes to create a bare table of the CSV's columns (all text, as sqlite3's `.import`
/// makes them) and `\copy` the CSV into it, or `None` without psql.
fn psql_floor(csv: &Path, url: &str) -> Option<f64> {
    let mut header = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(std::fs::File::open(csv).ok()?),
        &mut header,
    )
    .ok()?;
    let columns: Vec<String> = header
        .trim_end()
        .split(',')
        .map(|name| format!("\"{name}\" text"))
        .collect();
    let script = format!(
        "CREATE TABLE passengers ({});\n\\copy passengers FROM '{}' WITH (FORMAT csv, HEADER true)\n\
         SELECT count(*) FROM passengers;\n",
        columns.join(", "),
        csv.display()
    );
    timed_script(
        Command::new("psql").args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]),
        &script,
    )
}

/// Seconds a command-line shell takes to run `script` from its standard input, or `None` when it
/// cannot be started or fails.
fn timed_script(shell: &mut Command, script: &str) -> Option<f64> {
    let started = Instant::now();
    let mut shell = shell
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    shell
        .stdin
        .take()
        .expect("the shell's input")
        .write_all(script.as_bytes())
        .expect("the script");
    let output = shell.wait_with_output().ok()?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        println!(
            "  the shell failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        return None;
    }
    Some(seconds)
}

fn run_child(url: &str, input: &Path) -> Option<Measured> {
    let exe = std::env::current_exe().expect("this binary");
    let output = Command::new(exe)
        .arg("--child")
        .arg(url)
        .arg(input)
        .output()
        .expect("the import process");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result = stdout.lines().find_map(|l| l.strip_prefix("RESULT "));
    let Some(fields) = result else {
        println!("  the import failed:");
        for line in stdout
            .lines()
            .chain(String::from_utf8_lossy(&output.stderr).lines())
            .take(20)
        {
            println!("    {line}");
        }
        return None;
    };
    let numbers: Vec<f64> = fields
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let [rows, seconds, peak_mib, cpu_seconds] = numbers[..] else {
        println!("  unreadable result line: {fields}");
        return None;
    };
    println!(
        "  {rows} rows in {seconds:.2} s = {:.0} rows/s, peak memory {peak_mib:.0} MiB, CPU {cpu_seconds:.2} s",
        rows / seconds
    );
    Some(Measured {
        rows: rows as usize,
        seconds,
        peak_mib,
    })
}

/// The child: opens (and migrates) a fresh database, then imports every file as `aboard import manifest`
/// does. The clock starts after the migration: it measures the import, not the schema.
fn child(url: &str, input: &Path) {
    let files: Vec<PathBuf> = if input.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(input)
            .expect("the PNL folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        files
    } else {
        vec![input.to_path_buf()]
    };
    if let Ok(filter) = std::env::var("RUST_LOG") {
        aboard::telemetry::init(aboard::config::LogFormat::Text, &filter);
    }
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let mut config = Config::default();
        config.database.url = Some(SecretString::from(url.to_string()));
        let store = aboard::open_store(&config).await.expect("open the store");
        let command = ImportCommand::Manifest {
            files,
            format: None,
            region: None,
            actor: "bench".to_string(),
        };
        let cpu_at_start = support::cpu_seconds().unwrap_or(0.0);
        let started = Instant::now();
        let all_in = command.run(store.as_ref()).await;
        let seconds = started.elapsed().as_secs_f64();
        let cpu_seconds = support::cpu_seconds().unwrap_or(0.0) - cpu_at_start;
        assert!(all_in, "every file of the day imports");
        let rows = store.counts().await.expect("counts").passengers;
        println!(
            "RESULT {rows} {seconds} {} {cpu_seconds}",
            support::peak_memory_mib().unwrap_or(0.0)
        );
    });
}

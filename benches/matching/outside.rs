//! The matching bench's outside checks: Splink 5 (DuckDB) run on the very files generated for aboard's
//! matcher and scored with the same code, and aboard's matcher run on FEBRL4 through the registry and
//! manifest import formats. Both need python3 with `pip install -r benches/splink/requirements.txt`;
//! without it the bench says so and carries on.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use aboard::app::offline::match_files;
use aboard::domain::LinkDecision;
use aboard::matching::MatchOutcome;
use aboard::matching::synth::{Dataset, Evaluation};
use chrono::NaiveDate;
use uuid::Uuid;

const SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/splink");
const INSTALL: &str = "pip install -r benches/splink/requirements.txt";

/// A python3 that can import everything the outside checks use.
pub struct Python {
    exe: String,
}

impl Python {
    /// `$PYTHON`, else `python3` from `PATH`; an error in words when it is missing or lacks a package.
    pub fn find() -> Result<Python, String> {
        let exe = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
        let probe = Command::new(&exe)
            .args(["-c", "import splink, duckdb, recordlinkage, pandas"])
            .output();
        match probe {
            Err(e) => Err(format!("{exe} cannot be run ({e})")),
            Ok(out) if !out.status.success() => Err(format!(
                "{exe} cannot import splink, duckdb, recordlinkage and pandas ({})",
                last_line(&out.stderr)
            )),
            Ok(_) => Ok(Python { exe }),
        }
    }

    fn run(&self, script: &str, args: &[&str]) -> Result<String, String> {
        let path = format!("{SCRIPTS}/{script}");
        let out = Command::new(&self.exe)
            .arg(&path)
            .args(args)
            .output()
            .map_err(|e| format!("{} {path} cannot be run ({e})", self.exe))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "{script} failed: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .rev()
                    .take(6)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n    ")
            ))
        }
    }
}

fn last_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

/// Why an outside check does not run, and how to make it run, in one line.
pub fn skipped_because(what: &str, why: &str) -> String {
    format!("{what} skipped: {why}. To run it: {INSTALL}")
}

/// aboard's figures on one generated data set, to set beside Splink's.
pub struct Ours {
    pub evaluation: Evaluation,
    /// Building the registry index and matching every passenger.
    pub seconds: f64,
    /// Matching alone, the index built.
    pub match_seconds: f64,
    pub peak_mib: Option<f64>,
}

/// What Splink's script reports about its own run.
#[derive(serde::Deserialize)]
struct SplinkStats {
    splink_version: String,
    duckdb_version: String,
    threads: u32,
    auto_link: f64,
    review: f64,
    prepare_seconds: f64,
    train_seconds: f64,
    predict_seconds: f64,
    total_seconds: f64,
    peak_rss_mib: f64,
}

/// One passenger's best candidate according to Splink.
#[derive(serde::Deserialize)]
struct SplinkRow {
    passenger_key: Uuid,
    person_key: Uuid,
    match_probability: f64,
    decision: String,
}

/// Writes persons.csv, passengers.csv and truth.csv: the input of both linkers, a lossless dump of the
/// facts aboard's matcher was given.
pub fn write_inputs(data: &Dataset, dir: &Path) -> Result<(), String> {
    let open = |name: &str| {
        File::create(dir.join(name))
            .map(BufWriter::new)
            .map_err(|e| format!("{name}: {e}"))
    };
    data.write_csv(
        open("persons.csv")?,
        open("passengers.csv")?,
        open("truth.csv")?,
    )
    .map_err(|e| e.to_string())
}

/// Runs Splink on the files [`write_inputs`] wrote to `dir` and prints both linkers side by side.
pub fn compare_with_splink(python: &Python, data: &Dataset, dir: &Path, ours: &Ours) {
    let file = |name: &str| dir.join(name);
    let path = |name: &str| file(name).display().to_string();
    let started = Instant::now();
    let run = python.run(
        "compare_splink.py",
        &[
            "--persons",
            &path("persons.csv"),
            "--passengers",
            &path("passengers.csv"),
            "--links",
            &path("splink_links.csv"),
            "--stats",
            &path("splink_stats.json"),
        ],
    );
    let wall = started.elapsed().as_secs_f64();
    if let Err(e) = run {
        println!("Splink comparison failed: {e}");
        return;
    }
    let stats: SplinkStats = match std::fs::read_to_string(file("splink_stats.json"))
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => {
            println!("Splink comparison failed: its stats cannot be read: {e}");
            return;
        }
    };
    let rows: Vec<SplinkRow> = match csv::Reader::from_path(file("splink_links.csv"))
        .and_then(|mut r| r.deserialize().collect::<Result<Vec<SplinkRow>, _>>())
    {
        Ok(rows) => rows,
        Err(e) => {
            println!("Splink comparison failed: its links cannot be read: {e}");
            return;
        }
    };
    let outcomes: Vec<MatchOutcome> = rows
        .iter()
        .filter_map(|r| {
            let decision = match r.decision.as_str() {
                "link" => LinkDecision::Linked,
                "review" => LinkDecision::Review,
                _ => return None,
            };
            Some(MatchOutcome {
                passenger: r.passenger_key,
                person: r.person_key,
                decision,
                score: r.match_probability as f32,
                reasons: Vec::new(),
            })
        })
        .collect();
    let theirs = Evaluation::of(data, &outcomes);
    let ours_e = &ours.evaluation;
    let passengers = ours_e.passengers as f64;

    println!(
        "\n-- Splink {} (DuckDB {}, {} threads) on the same files: auto-link at p >= {}, review at p >= {} --",
        stats.splink_version, stats.duckdb_version, stats.threads, stats.auto_link, stats.review
    );
    println!(
        "Splink phases: prepare {:.1}s, train (prior, u sampling, 3 EM sessions) {:.1}s, predict {:.1}s; {:.1}s with interpreter start",
        stats.prepare_seconds, stats.train_seconds, stats.predict_seconds, wall
    );
    println!("{:<34} {:>22} {:>22}", "", "aboard", "Splink");
    let both = |what: &str, a: String, b: String| println!("{what:<34} {a:>22} {b:>22}");
    both(
        "auto-links",
        ours_e.auto_links.to_string(),
        theirs.auto_links.to_string(),
    );
    both(
        "wrong links",
        ours_e.wrong_links.to_string(),
        theirs.wrong_links.to_string(),
    );
    both(
        "precision (95% lower bound)",
        format!(
            "{:.5} ({:.5})",
            ours_e.precision(),
            ours_e.precision_lower_bound()
        ),
        format!(
            "{:.5} ({:.5})",
            theirs.precision(),
            theirs.precision_lower_bound()
        ),
    );
    both(
        "recall, strong-key matches",
        format!("{:.4}", ours_e.strong_key_recall()),
        format!("{:.4}", theirs.strong_key_recall()),
    );
    both(
        "recall, all true matches",
        format!("{:.4}", ours_e.recall()),
        format!("{:.4}", theirs.recall()),
    );
    both(
        "review rows / 1,000 passengers",
        format!("{:.2}", ours_e.reviews_per_thousand()),
        format!("{:.2}", theirs.reviews_per_thousand()),
    );
    both(
        "passengers / s, whole linkage",
        format!("{:.0}", passengers / ours.seconds),
        format!("{:.0}", passengers / stats.total_seconds),
    );
    both(
        "passengers / s, scoring only",
        format!("{:.0}", passengers / ours.match_seconds),
        format!("{:.0}", passengers / stats.predict_seconds),
    );
    both(
        "peak memory MiB",
        ours.peak_mib.map(|m| format!("{m:.0}")).unwrap_or_default(),
        format!("{:.0}", stats.peak_rss_mib),
    );
    println!(
        "speed ratio aboard / Splink       {:.1}x whole linkage (index + match vs prepare + train + predict), {:.1}x scoring alone (match vs predict)",
        stats.total_seconds / ours.seconds,
        stats.predict_seconds / ours.match_seconds
    );
    for (trap, n) in &theirs.wrong_links_by_trap {
        println!("  Splink wrong, {trap:<24} {n}");
    }
    println!("Splink's best candidate per passenger, linked at stricter thresholds:");
    for threshold in [0.99, 0.999, 0.9999, 0.99999, 0.999999] {
        let linked: Vec<MatchOutcome> = rows
            .iter()
            .filter(|r| r.match_probability >= threshold)
            .map(|r| MatchOutcome {
                passenger: r.passenger_key,
                person: r.person_key,
                decision: LinkDecision::Linked,
                score: r.match_probability as f32,
                reasons: Vec::new(),
            })
            .collect();
        let e = Evaluation::of(data, &linked);
        println!(
            "  p >= {threshold:<9} {:>6} links, {:>4} wrong, precision {:.5} (95% lower bound {:.5}), strong-key recall {:.4}",
            e.auto_links,
            e.wrong_links,
            e.precision(),
            e.precision_lower_bound(),
            e.strong_key_recall()
        );
    }
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    let whole = stats.total_seconds / ours.seconds;
    let scoring = stats.predict_seconds / ours.match_seconds;
    println!(
        "target aboard at least 10x Splink's speed: {} on the whole linkage ({whole:.1}x); {} on scoring alone, Splink's trained model against aboard's built index ({scoring:.1}x)",
        verdict(whole >= 10.0),
        verdict(scoring >= 10.0)
    );
    println!(
        "target zero wrong links among >= 3,000 auto-links: aboard {}, Splink {}",
        verdict(ours_e.wrong_links == 0 && ours_e.auto_links >= 3_000),
        verdict(theirs.wrong_links == 0 && theirs.auto_links >= 3_000)
    );
}

/// Runs aboard's matcher on FEBRL4, exported by Python into the registry and manifest CSV formats, and
/// prints how it did against the true pairs.
pub fn febrl4(python: &Python, dir: &Path) {
    println!(
        "\n== FEBRL4 (5,000 × 5,000, from recordlinkage, BSD-3-Clause) through the import formats =="
    );
    match python.run("febrl4_export.py", &[&dir.display().to_string()]) {
        Ok(out) => print!("{out}"),
        Err(e) => {
            println!("FEBRL4 check failed: {e}");
            return;
        }
    }
    let read = |name: &str| -> Result<(PathBuf, Vec<u8>), String> {
        let path = dir.join(name);
        std::fs::read(&path)
            .map(|b| (path.clone(), b))
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    let (registry, manifest, truth) = match (
        read("febrl4_registry.csv"),
        read("febrl4_manifest.csv"),
        read("febrl4_truth.csv"),
    ) {
        (Ok(r), Ok(m), Ok(t)) => (r, m, t),
        (r, m, t) => {
            let e = [r.err(), m.err(), t.err()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>();
            println!("FEBRL4 check failed: {}", e.join("; "));
            return;
        }
    };
    // Manifest line → the rec_id of the true pair in the registry; records left out have no line.
    let mut true_pair: HashMap<usize, String> = HashMap::new();
    let mut records = 0usize;
    for row in csv::Reader::from_reader(truth.1.as_slice())
        .records()
        .flatten()
    {
        records += 1;
        if let (Some(Ok(line)), Some(id)) = (row.get(0).map(str::parse::<usize>), row.get(2)) {
            true_pair.insert(line, id.to_string());
        }
    }
    let started = Instant::now();
    let result = match_files(
        (&registry.0.display().to_string(), &registry.1),
        (&manifest.0.display().to_string(), &manifest.1),
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default(),
    );
    let seconds = started.elapsed().as_secs_f64();
    let (csv_out, _) = match result {
        Ok(r) => r,
        Err(e) => {
            println!("FEBRL4 check failed: {e}");
            return;
        }
    };
    let mut e = Evaluation {
        passengers: records,
        true_matches: records,
        ..Evaluation::default()
    };
    let mut true_pairs_in_review = 0usize;
    let mut true_pairs_rejected = 0usize;
    // Review rows by their last reason, names and numbers masked: what sent them to a person.
    let mut review_rules: HashMap<String, usize> = HashMap::new();
    let mut wrong_examples = Vec::new();
    for row in csv::Reader::from_reader(csv_out.as_bytes())
        .records()
        .flatten()
    {
        let (Some(passenger), Some(person), Some(decision)) = (row.get(0), row.get(1), row.get(2))
        else {
            continue;
        };
        // The passenger reference is FLIGHT/DDMON ORIGIN:LINE:SURNAME/GIVEN.
        let line = passenger
            .split(':')
            .nth(1)
            .and_then(|l| l.parse::<usize>().ok());
        let correct = line.and_then(|l| true_pair.get(&l)).map(String::as_str) == Some(person);
        match decision {
            "linked" => {
                e.auto_links += 1;
                if correct {
                    e.correct_links += 1;
                } else {
                    e.wrong_links += 1;
                    wrong_examples.push(format!(
                        "{passenger} -> {person}: {}",
                        row.get(4).unwrap_or_default()
                    ));
                }
            }
            "review" => {
                e.review_rows += 1;
                true_pairs_in_review += usize::from(correct);
                let last = row.get(4).unwrap_or_default().rsplit(" | ").next();
                *review_rules
                    .entry(shape(last.unwrap_or_default()))
                    .or_default() += 1;
            }
            _ => true_pairs_rejected += usize::from(correct),
        }
    }
    println!(
        "matched in {seconds:.2}s (parse both files, index, match); names and dates of birth only: FEBRL has no e-mail, phone or frequent-flyer number"
    );
    println!(
        "auto-links {}, wrong {}, precision {:.5} (95% lower bound {:.5})",
        e.auto_links,
        e.wrong_links,
        e.precision(),
        e.precision_lower_bound()
    );
    println!(
        "recall {:.4} ({} of {records} true pairs auto-linked); {} true pairs in review, so {:.4} reach a link or a person",
        e.recall(),
        e.correct_links,
        true_pairs_in_review,
        (e.correct_links + true_pairs_in_review) as f64 / records as f64
    );
    println!(
        "review rows {} ({:.1} per 1,000 records); {true_pairs_rejected} true pairs rejected, {} records left out of the manifest (no surname or given name), the rest found no candidate",
        e.review_rows,
        e.reviews_per_thousand(),
        records - true_pair.len()
    );
    let mut rules: Vec<(String, usize)> = review_rules.into_iter().collect();
    rules.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (rule, n) in rules.iter().take(4) {
        println!("  review because {rule}: {n}");
    }
    for example in wrong_examples.iter().take(4) {
        println!("wrong link: {example}");
    }
}

/// A reason with its numbers as N and its upper-case names as X, so that reasons of one kind count together.
fn shape(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    for c in reason.chars() {
        let mask = if c.is_ascii_digit() {
            'N'
        } else if c.is_uppercase() {
            'X'
        } else {
            out.push(c);
            continue;
        };
        if !out.ends_with(mask) {
            out.push(mask);
        }
    }
    out
}

//! `cargo bench --bench matching [-- --small] [-- --csv DIR]`: generates labelled data with the traps of
//! identity matching, runs the matcher and prints precision (with its 95% bound), recall, review load,
//! throughput and peak memory. `--small` skips the 2,000,000 × 450,000 run; `--csv DIR` also writes the
//! small data set as persons.csv, passengers.csv and truth.csv for other linkers.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

use std::collections::HashMap;

use aboard::domain::LinkDecision;
use aboard::matching::synth::{Dataset, Evaluation, SynthConfig, generate};
use aboard::matching::{MatchOutcome, RegistryIndex, RememberedDecisions, match_flight};

fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU seconds used by this process so far (user + system), from /proc/self/stat, in clock ticks of 1/100 s.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn run(persons: usize, passengers: usize, csv_dir: Option<&PathBuf>) {
    println!("\n== {persons} persons × {passengers} passengers ==");
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let data = generate(&SynthConfig::new(2026, persons, passengers));
    let generated = started.elapsed();
    if let Some(dir) = csv_dir {
        let open = |name: &str| File::create(dir.join(name)).map(BufWriter::new);
        match (
            open("persons.csv"),
            open("passengers.csv"),
            open("truth.csv"),
        ) {
            (Ok(p), Ok(q), Ok(t)) => match data.write_csv(p, q, t) {
                Ok(()) => println!("CSV written to {}", dir.display()),
                Err(e) => eprintln!("could not write CSV to {}: {e}", dir.display()),
            },
            _ => eprintln!("could not create CSV files in {}", dir.display()),
        }
    }
    let built_at = Instant::now();
    let index = RegistryIndex::build(&data.persons);
    let built = built_at.elapsed();
    let matched_at = Instant::now();
    let outcomes = match_flight(&index, &data.passengers, &RememberedDecisions::new());
    let matched = matched_at.elapsed();
    let e = Evaluation::of(&data, &outcomes);
    print_wrong_link_examples(&data, &outcomes, 4);
    let total = started.elapsed();

    println!(
        "generate {:.2}s  index {:.2}s ({:.0} MiB heap)  match {:.2}s  total {:.2}s",
        generated.as_secs_f64(),
        built.as_secs_f64(),
        index.heap_bytes() as f64 / 1048576.0,
        matched.as_secs_f64(),
        total.as_secs_f64()
    );
    println!(
        "true matches            {} ({} share a strong key)",
        e.true_matches, e.strong_key_matches
    );
    println!("auto-links              {}", e.auto_links);
    println!("wrong links             {}", e.wrong_links);
    for (trap, n) in &e.wrong_links_by_trap {
        println!("  wrong, {trap:<24} {n}");
    }
    println!(
        "precision               {:.5} (95% lower bound {:.5})",
        e.precision(),
        e.precision_lower_bound()
    );
    println!(
        "recall                  {:.4} overall, {:.4} of strong-key matches",
        e.recall(),
        e.strong_key_recall()
    );
    println!(
        "review rows / 1,000     {:.2} ({} rows)",
        e.reviews_per_thousand(),
        e.review_rows
    );
    for (rule, n) in &e.reviews_by_rule {
        println!("  review decided by {rule:<28} {n}");
    }
    for (trap, n) in &e.reviews_by_trap {
        println!("  true match in review, {trap:<24} {n}");
    }
    println!(
        "passengers / second     {:.0} (matching only)",
        passengers as f64 / matched.as_secs_f64()
    );
    if let (Some(before), Some(after)) = (cpu_before, cpu_seconds()) {
        println!(
            "CPU time                {:.1}s for the whole run (user + system, all threads)",
            after - before
        );
    }
    if let Some(mib) = peak_memory_mib() {
        println!("peak memory (VmHWM)     {mib:.0} MiB");
    }
    let targets = [
        (
            "zero wrong links among >= 3,000 auto-links",
            e.wrong_links == 0 && e.auto_links >= 3_000,
        ),
        ("strong-key recall >= 0.85", e.strong_key_recall() >= 0.85),
        (
            "<= 20 review rows per 1,000 passengers",
            e.reviews_per_thousand() <= 20.0,
        ),
    ];
    for (what, met) in targets {
        println!("target {what}: {}", if met { "met" } else { "NOT met" });
    }
}

/// A few wrong links with the names on both sides and the reasons given, to see what fooled the matcher.
fn print_wrong_link_examples(data: &Dataset, outcomes: &[MatchOutcome], limit: usize) {
    let truth: HashMap<_, _> = data.truth.iter().map(|t| (t.passenger, t)).collect();
    let passengers: HashMap<_, _> = data.passengers.iter().map(|p| (p.key, p)).collect();
    let persons: HashMap<_, _> = data.persons.iter().map(|p| (p.key, p)).collect();
    let wrong = outcomes.iter().filter(|o| {
        o.decision == LinkDecision::Linked
            && truth.get(&o.passenger).and_then(|t| t.person) != Some(o.person)
    });
    for o in wrong.take(limit) {
        let (Some(p), Some(q)) = (passengers.get(&o.passenger), persons.get(&o.person)) else {
            continue;
        };
        println!(
            "wrong link: {} (docs {:?} {:?}) -> {:?}",
            p.name, p.docs_surname, p.docs_given, q.display_name
        );
        for r in &o.reasons {
            println!("    {}", r.describe());
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let small = args.iter().any(|a| a == "--small");
    let csv_dir = args
        .iter()
        .position(|a| a == "--csv")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    run(10_000, 50_000, csv_dir.as_ref());
    if !small {
        run(2_000_000, 450_000, None);
    }
}

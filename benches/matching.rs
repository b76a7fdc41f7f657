//! `cargo bench --bench matching [-- --small --csv DIR --no-python]`: generates labelled data with
//! the traps of identity matching, runs the matcher and prints precision (with its 95% bound), recall,
//! review load, throughput and peak memory. Then the outside checks (see `outside`): Splink 5 on the same
//! files, scored by the same code, side by side with aboard; and aboard on FEBRL4. They need python3 with
//! `pip install -r benches/splink/requirements.txt`; without it they are skipped with a note.
//!
//! `--small` skips the 2,000,000 × 450,000 run (Splink takes about five minutes and 9 GB on it, on two
//! cores); `--csv DIR` writes the small data set there as persons.csv, passengers.csv and truth.csv, with
//! Splink's and FEBRL4's files beside them and the large set under DIR/large, instead of temporary
//! directories; `--no-python` skips the outside checks.

#[path = "matching/outside.rs"]
mod outside;

use std::path::{Path, PathBuf};
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

/// Where files for Python go: the directory asked for with `--csv`, or a temporary one removed at the end.
enum Scratch {
    Given(PathBuf),
    Temporary(tempfile::TempDir),
}

impl Scratch {
    fn new(given: Option<&PathBuf>) -> std::io::Result<Scratch> {
        match given {
            Some(dir) => std::fs::create_dir_all(dir).map(|()| Scratch::Given(dir.clone())),
            None => tempfile::tempdir().map(Scratch::Temporary),
        }
    }

    fn path(&self) -> &Path {
        match self {
            Scratch::Given(dir) => dir,
            Scratch::Temporary(dir) => dir.path(),
        }
    }
}

fn run(
    persons: usize,
    passengers: usize,
    csv_dir: Option<&PathBuf>,
    // Python to run Splink with, or why Splink is not run.
    splink: Result<&outside::Python, String>,
) {
    println!("\n== {persons} persons × {passengers} passengers ==");
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let data = generate(&SynthConfig::new(2026, persons, passengers));
    let generated = started.elapsed();
    if let Some(dir) = csv_dir {
        match std::fs::create_dir_all(dir)
            .map_err(|e| e.to_string())
            .and_then(|()| outside::write_inputs(&data, dir))
        {
            Ok(()) => println!("CSV written to {}", dir.display()),
            Err(e) => eprintln!("could not write CSV to {}: {e}", dir.display()),
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
    print_missed_contact_matches(&data, &outcomes);
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
        "true matches            {} ({} share a strong key, {} a frequent-flyer number, e-mail or phone)",
        e.true_matches, e.strong_key_matches, e.contact_key_matches
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
        "recall                  {:.4} overall, {:.4} of strong-key matches, {:.4} of those sharing a \
         frequent-flyer number, e-mail or phone",
        e.recall(),
        e.strong_key_recall(),
        e.contact_key_recall()
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
            "frequent-flyer, e-mail or phone recall >= 0.97",
            e.contact_key_recall() >= 0.97,
        ),
        (
            "<= 20 review rows per 1,000 passengers",
            e.reviews_per_thousand() <= 20.0,
        ),
    ];
    for (what, met) in targets {
        println!("target {what}: {}", if met { "met" } else { "NOT met" });
    }
    let python = match splink {
        Ok(python) => python,
        Err(why) => return println!("{why}"),
    };
    let ours = outside::Ours {
        evaluation: e,
        seconds: (built + matched).as_secs_f64(),
        match_seconds: matched.as_secs_f64(),
        peak_mib: peak_memory_mib(),
    };
    drop(index);
    drop(outcomes);
    let scratch = match Scratch::new(csv_dir) {
        Ok(scratch) => scratch,
        Err(e) => return println!("Splink comparison skipped: no directory for its files: {e}"),
    };
    // With --csv the files were written above; the same bytes are Splink's input either way.
    if csv_dir.is_none()
        && let Err(e) = outside::write_inputs(&data, scratch.path())
    {
        return println!("Splink comparison skipped: cannot write its input: {e}");
    }
    outside::compare_with_splink(python, &data, scratch.path(), &ours);
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
        for q in data
            .passengers
            .iter()
            .filter(|q| q.flight_key == p.flight_key && q.locator == p.locator && q.key != p.key)
        {
            let row = outcomes
                .iter()
                .find(|r| r.passenger == q.key && r.person == o.person);
            let traps = truth
                .get(&q.key)
                .map(|t| {
                    t.traps
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            println!(
                "    beside {} {:?} [{traps}] is person {}: {:?}",
                q.name,
                q.traveller_class,
                truth.get(&q.key).and_then(|t| t.person) == Some(o.person),
                row.map(|r| (
                    r.decision,
                    r.reasons.iter().map(|x| x.describe()).collect::<Vec<_>>()
                ))
            );
        }
    }
}

/// The true matches sharing a frequent-flyer number, e-mail or phone that were not linked: what became of
/// them (review, rejected by the rule named, or never listed) by trap, and one example of each.
fn print_missed_contact_matches(data: &Dataset, outcomes: &[MatchOutcome]) {
    let mut row_of: HashMap<_, &MatchOutcome> = HashMap::new();
    for o in outcomes {
        row_of.insert((o.passenger, o.person), o);
    }
    let persons: HashMap<_, _> = data.persons.iter().map(|p| (p.key, p)).collect();
    let passengers: HashMap<_, _> = data.passengers.iter().map(|p| (p.key, p)).collect();
    let truth: HashMap<_, _> = data.truth.iter().map(|t| (t.passenger, t)).collect();
    let mut rows_of_person: HashMap<_, Vec<&MatchOutcome>> = HashMap::new();
    for o in outcomes
        .iter()
        .filter(|o| o.decision != LinkDecision::Rejected)
    {
        rows_of_person.entry(o.person).or_default().push(o);
    }
    let mut missed: std::collections::BTreeMap<String, (usize, String)> = Default::default();
    for (t, p) in data.truth.iter().zip(&data.passengers) {
        let Some(person) = t.person.filter(|_| t.shares_contact_key) else {
            continue;
        };
        let row = row_of.get(&(t.passenger, person));
        let fate = match row {
            Some(o) if o.decision == LinkDecision::Linked => continue,
            Some(o) => {
                let last = o.reasons.last().map(|r| r.describe()).unwrap_or_default();
                let rule = last
                    .split([':', '('])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                format!("{:?}: {rule}", o.decision)
            }
            None => "not listed".to_string(),
        };
        let traps: Vec<&str> = t.traps.iter().map(|t| t.as_str()).collect();
        let entry = missed
            .entry(format!("{fate} [{}]", traps.join(",")))
            .or_insert((0, String::new()));
        entry.0 += 1;
        if entry.1.is_empty() {
            // Other passengers of the same flight held against the same person.
            let rivals: Vec<String> = rows_of_person
                .get(&person)
                .into_iter()
                .flatten()
                .filter(|o| o.passenger != t.passenger)
                .filter_map(|o| passengers.get(&o.passenger).map(|q| (o, q)))
                .filter(|(_, q)| q.flight_key == p.flight_key)
                .map(|(o, q)| {
                    let traps = truth
                        .get(&o.passenger)
                        .map(|t| {
                            t.traps
                                .iter()
                                .map(|t| t.as_str())
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .unwrap_or_default();
                    format!("{} {:?} [{traps}]", q.name, q.traveller_class)
                })
                .collect();
            entry.1 = format!(
                "{} (docs {:?} {:?}) vs {:?}; rivals {rivals:?}",
                p.name,
                p.docs_surname,
                p.docs_given,
                persons
                    .get(&person)
                    .map(|q| q.display_name.as_str())
                    .unwrap_or("")
            );
        }
    }
    let mut by_count: Vec<_> = missed.into_iter().collect();
    by_count.sort_by_key(|entry| std::cmp::Reverse(entry.1.0));
    for (what, (n, example)) in by_count.iter().take(25) {
        println!("  missed {n:>4} {what}\n         e.g. {example}");
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
    let python = if args.iter().any(|a| a == "--no-python") {
        Err("--no-python was given".to_string())
    } else {
        outside::Python::find()
    };
    let splink = || {
        python
            .as_ref()
            .map_err(|why| outside::skipped_because("Splink comparison", why))
    };
    run(10_000, 50_000, csv_dir.as_ref(), splink());
    if !small {
        let large_dir = csv_dir.as_ref().map(|d| d.join("large"));
        run(2_000_000, 450_000, large_dir.as_ref(), splink());
    }
    match (&python, Scratch::new(csv_dir.as_ref())) {
        (Err(why), _) => println!("{}", outside::skipped_because("FEBRL4 check", why)),
        (Ok(_), Err(e)) => println!("FEBRL4 check skipped: no directory for its files: {e}"),
        (Ok(python), Ok(scratch)) => outside::febrl4(python, scratch.path()),
    }
}

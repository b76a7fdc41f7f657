//! The embedded airport table is exactly the IATA rows of ../shared/data/airportsdata/airports.csv.
//! Regenerate it with `ABOARD_REGENERATE_AIRPORTS=1 cargo test --test airports_table`.

use std::path::Path;

#[test]
fn the_embedded_table_is_derived_from_airportsdata() {
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/airportsdata/airports.csv");
    if !source.exists() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but {} is missing",
            source.display()
        );
        eprintln!(
            "{} is not here: nothing to compare the embedded table with",
            source.display()
        );
        return;
    }
    let mut reader = csv::Reader::from_path(&source).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (iata, icao, name, city, country, tz) = (
        column("iata"),
        column("icao"),
        column("name"),
        column("city"),
        column("country"),
        column("tz"),
    );
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| !r[iata].is_empty())
        .map(|r| {
            [iata, icao, name, city, country, tz]
                .iter()
                .map(|&i| r[i].to_string())
                .collect()
        })
        .collect();
    rows.sort();
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    writer
        .write_record(["iata", "icao", "name", "city", "country", "tz"])
        .unwrap();
    for row in &rows {
        writer.write_record(row).unwrap();
    }
    let derived = String::from_utf8(writer.into_inner().unwrap()).unwrap();
    let embedded_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/airports/airports.csv");
    if std::env::var("ABOARD_REGENERATE_AIRPORTS").is_ok_and(|v| v == "1") {
        std::fs::write(&embedded_path, &derived).unwrap();
        std::fs::copy(
            source.with_file_name("LICENSE"),
            embedded_path.with_file_name("LICENSE"),
        )
        .unwrap();
    }
    assert!(
        derived == aboard::airports::TABLE_CSV,
        "the embedded table is stale: regenerate it (see the file header)"
    );
    assert_eq!(aboard::airports::count(), rows.len());
}

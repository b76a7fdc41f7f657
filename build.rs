//! The staff interface speaks the languages whose catalogues are in `locales/`: this writes the
//! `UiLanguage` enum and the table that builds each catalogue into the binary from the file names, so
//! that adding a language is adding its file (`locales/de.ftl`). English comes first: it is the
//! catalogue every other is held to and the fallback.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=locales");
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let locales = Path::new(&manifest_dir).join("locales");
    let mut codes: Vec<String> = std::fs::read_dir(&locales)
        .unwrap_or_else(|e| panic!("{}: {e}", locales.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "ftl").then(|| path.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    for code in &codes {
        assert!(
            (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()),
            "locales/{code}.ftl: a catalogue is named by its language's ISO 639 code in lower case (es.ftl)"
        );
    }
    assert!(
        codes.iter().any(|c| c == "en"),
        "locales/en.ftl is missing: English is the catalogue the others are held to"
    );
    codes.sort_by_key(|c| (c != "en", c.clone()));

    let variant = |code: &str| {
        let mut chars = code.chars();
        chars.next().map_or(String::new(), |first| {
            first.to_ascii_uppercase().to_string() + chars.as_str()
        })
    };
    let mut languages = String::from(
        "word_enum!(\n    /// The language of the staff interface, chosen per account: one per catalogue in \
         `locales/`\n    /// (written by build.rs from the file names; English first).\n    UiLanguage, \
         \"interface language\", {\n",
    );
    let mut sources = String::from(
        "/// The Fluent source of a language's catalogue.\n\
         fn source(language: UiLanguage) -> &'static str {\n    match language {\n",
    );
    for code in &codes {
        let name = variant(code);
        writeln!(languages, "        {name} => \"{code}\",").unwrap();
        let file = locales.join(format!("{code}.ftl"));
        writeln!(
            sources,
            "        UiLanguage::{name} => include_str!({:?}),",
            file.display().to_string()
        )
        .unwrap();
    }
    languages.push_str("    }\n);\n");
    sources.push_str("    }\n}\n");

    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("ui_languages.rs"), languages)
        .expect("write ui_languages.rs");
    std::fs::write(Path::new(&out).join("catalogue_sources.rs"), sources)
        .expect("write catalogue_sources.rs");
}

//! Writers for the formats the parsers read: real PNL/ADL layout (one element a line, 3-digit totals,
//! parts), CSV with the full header, JSON lines. Used by round-trip tests and the benchmark generator.

use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};

use super::rows::{CSV_COLUMNS, Column};
use super::typeb::ddmon;
use super::{FlightManifest, ListedTime, MAX_TYPEB_LINE, ManifestChanges, ManifestPassenger};
use crate::domain::{BookingName, FlightKey, Iata, Title, TravellerClass};

/// The class a PNL lists a passenger under when the data has none (a destination line needs one).
const DEFAULT_CLASS: char = 'Y';

/// Writes a PNL in parts of at most `max_lines_per_part` name and element lines (a passenger's lines are
/// never split; at least one passenger per part). Passengers are listed by destination and class in order
/// of first appearance. Names too long for a 64-character line are cut as reservation systems do; the DOCS
/// element keeps the full name. A PNL has no check-in sequence: it is not written.
pub fn write_pnl(
    manifest: &FlightManifest,
    sent_at: Option<NaiveDateTime>,
    max_lines_per_part: usize,
) -> String {
    let key = manifest.key();
    let mut blocks: Vec<(BlockKey, Vec<&ManifestPassenger>)> = Vec::new();
    for p in &manifest.passengers {
        let block = block_key(p);
        match blocks.iter_mut().find(|(k, _)| *k == block) {
            Some((_, list)) => list.push(p),
            None => blocks.push((block, vec![p])),
        }
    }
    let entries = blocks
        .iter()
        .flat_map(|(block, list)| {
            let total = list.len();
            list.iter().map(move |p| Entry {
                block: block.clone(),
                total,
                section: None,
                lines: passenger_lines(p),
            })
        })
        .collect::<Vec<_>>();
    assemble("PNL", &key, sent_at, &entries, max_lines_per_part)
}

/// Writes an ADL: ADD, then DEL, then CHG, each in the order given, in parts like [`write_pnl`]. The
/// destination totals count the passengers the ADL lists for that destination and class.
pub fn write_adl(changes: &ManifestChanges, max_lines_per_part: usize) -> String {
    let sections = [
        ("ADD", &changes.adds),
        ("DEL", &changes.dels),
        ("CHG", &changes.chgs),
    ];
    let mut totals: Vec<(BlockKey, usize)> = Vec::new();
    for p in sections.iter().flat_map(|(_, list)| list.iter()) {
        let block = block_key(p);
        match totals.iter_mut().find(|(k, _)| *k == block) {
            Some((_, n)) => *n += 1,
            None => totals.push((block, 1)),
        }
    }
    let entries = sections
        .iter()
        .flat_map(|(section, list)| {
            let totals = &totals;
            list.iter().map(move |p| {
                let block = block_key(p);
                let total = totals
                    .iter()
                    .find(|(k, _)| *k == block)
                    .map_or(0, |(_, n)| *n);
                Entry {
                    block,
                    total,
                    section: Some(section),
                    lines: passenger_lines(p),
                }
            })
        })
        .collect::<Vec<_>>();
    assemble(
        "ADL",
        &changes.flight,
        changes.sent_at,
        &entries,
        max_lines_per_part,
    )
}

type BlockKey = (Iata, char);

fn block_key(p: &ManifestPassenger) -> BlockKey {
    (
        p.destination.clone(),
        p.booking_class.unwrap_or(DEFAULT_CLASS),
    )
}

struct Entry<'s> {
    block: BlockKey,
    total: usize,
    section: Option<&'s str>,
    lines: Vec<String>,
}

fn assemble(
    kind: &str,
    key: &FlightKey,
    sent_at: Option<NaiveDateTime>,
    entries: &[Entry<'_>],
    max_lines_per_part: usize,
) -> String {
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut body: Vec<String> = Vec::new();
    let mut body_entries = 0;
    let mut block: Option<&BlockKey> = None;
    let mut section: Option<&str> = None;
    for entry in entries {
        if body_entries > 0 && body.len() + entry.lines.len() > max_lines_per_part {
            parts.push(std::mem::take(&mut body));
            body_entries = 0;
            block = None;
            section = None;
        }
        if block != Some(&entry.block) {
            body.push(format!(
                "-{}{:03}{}",
                entry.block.0, entry.total, entry.block.1
            ));
            block = Some(&entry.block);
        }
        if entry.section.is_some() && section != entry.section {
            body.push(entry.section.unwrap_or_default().to_string());
            section = entry.section;
        }
        body.extend(entry.lines.iter().cloned());
        body_entries += 1;
    }
    parts.push(body);
    let count = parts.len();
    let mut out = String::new();
    for (index, part) in parts.iter().enumerate() {
        let number = index + 1;
        if let Some(at) = sent_at {
            let carrier = key.flight.carrier();
            let _ = writeln!(out, ".{}RM{} {}", key.origin, carrier, at.format("%d%H%M"));
        }
        let _ = writeln!(out, "{kind}");
        let _ = writeln!(
            out,
            "{}/{} {} PART{number}",
            key.flight,
            ddmon(key.local_date),
            key.origin
        );
        for line in part {
            out.push_str(line);
            out.push('\n');
        }
        if number == count {
            let _ = writeln!(out, "END{kind}");
        } else {
            let _ = writeln!(out, "ENDPART{number}");
        }
    }
    out
}

/// `SURNAME/GIVEN` with the title glued on, as name lines carry it. DR and PROF are spaced: glued they
/// would read as part of the name (ALEXANDR).
fn glued(name: &BookingName) -> String {
    match name.title {
        Some(t @ (Title::Dr | Title::Prof)) => {
            format!("{}/{} {}", name.surname, name.given, t.as_str())
        }
        Some(t) => format!("{}/{}{}", name.surname, name.given, t.as_str()),
        None => format!("{}/{}", name.surname, name.given),
    }
}

/// The name line: cut from the end of the given names, then of the surname, to fit 64 characters.
fn name_line(p: &ManifestPassenger) -> String {
    let tie = p
        .party
        .as_ref()
        .map(|party| format!("-{}{}", party.tie, party.size))
        .unwrap_or_default();
    let title = match p.name.title {
        Some(t @ (Title::Dr | Title::Prof)) => format!(" {}", t.as_str()),
        Some(t) => t.as_str().to_string(),
        None => String::new(),
    };
    let room = MAX_TYPEB_LINE.saturating_sub(2 + title.len() + tie.len());
    let surname: String = p
        .name
        .surname
        .chars()
        .take(room.saturating_sub(1))
        .collect();
    let given: String = p
        .name
        .given
        .chars()
        .take(room.saturating_sub(surname.chars().count()))
        .collect();
    format!("1{surname}/{}{title}{tie}", given.trim_end())
}

fn ddmonyy(date: NaiveDate) -> String {
    date.format("%d%b%y").to_string().to_ascii_uppercase()
}

/// A PNL e-mail: `@` → `//`, `_` → `..`, `-` → `./`, upper case.
fn encode_email(email: &str) -> String {
    let mut out = String::with_capacity(email.len() + 4);
    for c in email.chars() {
        match c {
            '@' => out.push_str("//"),
            '_' => out.push_str(".."),
            '-' => out.push_str("./"),
            c => out.push(c.to_ascii_uppercase()),
        }
    }
    out
}

fn passenger_lines(p: &ManifestPassenger) -> Vec<String> {
    let mut lines = vec![name_line(p)];
    let mut remark = |text: String| push_remark(&mut lines, &text);
    if let Some(l) = &p.locator {
        remark(format!(".L/{l}"));
    }
    for l in &p.other_locators {
        remark(format!(".L/{l}"));
    }
    if let Some(seat) = &p.seat {
        remark(format!(".R/SEAT HK1 {seat}"));
    }
    if let Some((airline, number)) = &p.frequent_flyer {
        remark(format!(".R/FQTV {airline} {number}"));
    }
    if p.docs_name.is_some()
        || p.gender.is_some()
        || p.nationality.is_some()
        || (p.date_of_birth.is_some() && p.traveller_class != TravellerClass::Child)
    {
        let (surname, given) = p
            .docs_name
            .as_ref()
            .map_or(("", ""), |n| (n.surname.as_str(), n.given.as_str()));
        remark(format!(
            ".R/DOCS HK1////{}/{}/{}//{surname}/{given}",
            p.nationality.as_deref().unwrap_or_default(),
            p.date_of_birth.map(ddmonyy).unwrap_or_default(),
            p.gender.map(|g| g.letter().to_string()).unwrap_or_default(),
        ));
    }
    if let Some(email) = &p.email {
        remark(format!(".R/CTCE HK1/{}", encode_email(email)));
    }
    if let Some(phone) = &p.phone {
        // CTCM writes the country code without its `+`.
        remark(format!(".R/CTCM HK1/{}", phone.trim_start_matches('+')));
    }
    if p.traveller_class == TravellerClass::Child {
        match p.date_of_birth {
            Some(dob) => remark(format!(".R/CHLD HK1/{}", ddmonyy(dob))),
            None => remark(".R/CHLD HK1".to_string()),
        }
    }
    if let Some(infant) = &p.infant {
        let mut text = ".R/INFT HK1".to_string();
        if let Some(dob) = infant.date_of_birth {
            text.push(' ');
            text.push_str(&ddmonyy(dob));
        }
        if let Some(name) = &infant.name {
            text.push(' ');
            text.push_str(&glued(name));
        }
        remark(text);
    }
    for code in &p.ssr_codes {
        remark(format!(".R/{code} HK1"));
    }
    lines
}

/// Pushes an element, continuing it on `.RN/` lines where it passes 64 characters. A cut never falls next
/// to a space, which line trimming would lose.
fn push_remark(lines: &mut Vec<String>, text: &str) {
    let mut rest = text;
    let mut prefix = "";
    loop {
        let room = MAX_TYPEB_LINE - prefix.len();
        if rest.len() <= room {
            lines.push(format!("{prefix}{rest}"));
            return;
        }
        let mut cut = room;
        while cut > 1
            && (!rest.is_char_boundary(cut)
                || rest.as_bytes()[cut - 1] == b' '
                || rest.as_bytes()[cut] == b' ')
        {
            cut -= 1;
        }
        lines.push(format!("{prefix}{}", &rest[..cut]));
        rest = &rest[cut..];
        prefix = ".RN/";
    }
}

/// A listed time as the columns read it back.
fn listed(time: ListedTime) -> String {
    match time {
        ListedTime::At(at) => at.to_rfc3339(),
        ListedTime::Local(local) => local.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

fn row_values(m: &FlightManifest, p: &ManifestPassenger) -> Vec<(Column, String)> {
    let opt = |v: Option<String>| v.unwrap_or_default();
    CSV_COLUMNS
        .iter()
        .map(|c| {
            let value = match c {
                Column::Flight => m.flight.to_string(),
                Column::Date => m.local_date.to_string(),
                Column::Origin => m.origin.to_string(),
                Column::Destination => p.destination.to_string(),
                Column::Surname => p.name.surname.clone(),
                Column::Given => p.name.given.clone(),
                Column::Title => opt(p.name.title.map(|t| t.as_str().to_string())),
                Column::Locator => opt(p.locator.as_ref().map(ToString::to_string)),
                Column::Seat => opt(p.seat.as_ref().map(ToString::to_string)),
                Column::Class => opt(p.booking_class.map(String::from)),
                Column::FfAirline => opt(p.frequent_flyer.as_ref().map(|f| f.0.to_string())),
                Column::FfNumber => opt(p.frequent_flyer.as_ref().map(|f| f.1.clone())),
                Column::Email => opt(p.email.clone()),
                Column::Phone => opt(p.phone.clone()),
                Column::DateOfBirth => opt(p.date_of_birth.map(|d| d.to_string())),
                Column::Gender => opt(p.gender.map(|g| g.letter().to_string())),
                Column::Nationality => opt(p.nationality.clone()),
                Column::Party => opt(p.party.as_ref().map(|party| party.tie.clone())),
                Column::CheckinSeq => opt(p.checkin_sequence.map(|s| s.to_string())),
                Column::DocsSurname => opt(p.docs_name.as_ref().map(|n| n.surname.clone())),
                Column::DocsGiven => opt(p.docs_name.as_ref().map(|n| n.given.clone())),
                Column::InfantSurname => opt(p
                    .infant
                    .as_ref()
                    .and_then(|i| i.name.as_ref())
                    .map(|n| n.surname.clone())),
                Column::InfantGiven => opt(p
                    .infant
                    .as_ref()
                    .and_then(|i| i.name.as_ref())
                    .map(|n| n.given.clone())),
                Column::InfantDateOfBirth => opt(p
                    .infant
                    .as_ref()
                    .and_then(|i| i.date_of_birth)
                    .map(|d| d.to_string())),
                Column::OtherLocators => p
                    .other_locators
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
                Column::Ssr => p.ssr_codes.join(" "),
                Column::ScheduledDeparture => opt(m.scheduled_departure.map(listed)),
                Column::ScheduledArrival => opt(m.scheduled_arrival.map(listed)),
            };
            (*c, value)
        })
        .collect()
}

/// Quotes a CSV field when it holds a separator, a quote, a line break or edge spaces (RFC 4180).
fn push_csv_field(out: &mut String, value: &str) {
    let needs_quotes =
        value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ');
    if needs_quotes {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// Writes all passengers of all manifests as CSV with every column of [`CSV_COLUMNS`]. Party sizes are not
/// written: the reader counts the passengers sharing a tie.
pub fn write_csv(manifests: &[FlightManifest]) -> String {
    let mut out = CSV_COLUMNS
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for m in manifests {
        for p in &m.passengers {
            for (i, (_, value)) in row_values(m, p).iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_csv_field(&mut out, value);
            }
            out.push('\n');
        }
    }
    out
}

/// Writes one JSON object per passenger and line, leaving out empty fields but the title.
pub fn write_json_lines(manifests: &[FlightManifest]) -> String {
    let mut out = String::new();
    for m in manifests {
        for p in &m.passengers {
            // The title is always written (null when there is none) so that the reader does not look
            // for a title glued to the given names.
            let object: Map<String, Value> = row_values(m, p)
                .into_iter()
                .filter(|(c, v)| !v.is_empty() || *c == Column::Title)
                .map(|(c, v)| {
                    let value = if v.is_empty() {
                        Value::Null
                    } else {
                        Value::String(v)
                    };
                    (c.name().to_string(), value)
                })
                .collect();
            out.push_str(&Value::Object(object).to_string());
            out.push('\n');
        }
    }
    out
}

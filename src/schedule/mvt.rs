//! IATA MVT movement messages (AHM 780), as Type B text: `MVT` (a `COR` line or word marks a
//! correction), the flight line `IB3166/22.ECJFK.MAD` (flight, day of the month of the scheduled
//! departure, aircraft registration, station), then movement lines: `AD` off-block/airborne, `AA`
//! touchdown/on-block, `ED` estimated departure, `EA` estimated arrival and where, `DL` delay codes and
//! their durations. Times are UTC, `HHMM` on the flight's day or `DDHHMM`. One file may hold several
//! messages, each opening with its `MVT` line; address and originator lines before it are skipped.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use super::{Findings, lines};
use crate::domain::{FlightNumber, Iata, ImportWarnings};
use crate::manifest::ParseErrors;

/// A delay reason (IATA AHM 730: two digits, or two letters in airlines' own lists) and how long it
/// held the flight, when the message says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DelayCode {
    pub code: String,
    pub minutes: Option<i64>,
}

/// What the message reports: the flight left, or landed, or when it is now expected to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// `AD`: the station is the departure station.
    Departure,
    /// `AA`: the station is the arrival station.
    Arrival,
    /// Only `ED` / `EA`: the station is the departure station.
    Estimate,
}

/// One MVT message about one flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Movement {
    /// 1-based line of the flight line.
    pub line: usize,
    pub flight: FlightNumber,
    /// The UTC date of the scheduled departure the flight line's day names (nearest to the reference).
    pub date: NaiveDate,
    pub registration: Option<String>,
    pub station: Iata,
    pub kind: MovementKind,
    pub correction: bool,
    pub off_block: Option<DateTime<Utc>>,
    pub airborne: Option<DateTime<Utc>>,
    pub touchdown: Option<DateTime<Utc>>,
    pub on_block: Option<DateTime<Utc>>,
    pub estimated_departure: Option<DateTime<Utc>>,
    pub estimated_arrival: Option<DateTime<Utc>>,
    /// Where `EA` says the flight lands.
    pub arrival_station: Option<Iata>,
    pub delays: Vec<DelayCode>,
    /// `SI` supplementary information, as written.
    pub remarks: Vec<String>,
}

impl Movement {
    /// The departure the message reports: off-block, else airborne.
    pub fn departed_at(&self) -> Option<DateTime<Utc>> {
        self.off_block.or(self.airborne)
    }

    /// The arrival the message reports: on-block, else touchdown.
    pub fn arrived_at(&self) -> Option<DateTime<Utc>> {
        self.on_block.or(self.touchdown)
    }
}

/// The messages of a file and the warnings about values left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movements {
    pub movements: Vec<Movement>,
    pub warnings: ImportWarnings,
}

/// Whether the bytes look like MVT messages: a line that is `MVT` (or `MVT COR`) before any other
/// message type line.
pub fn looks_like_mvt(bytes: &[u8]) -> bool {
    let bytes = crate::manifest::unframe(bytes);
    let head = &bytes[..bytes.len().min(4096)];
    String::from_utf8_lossy(head)
        .lines()
        .map(|l| l.trim())
        .find(|l| matches!(*l, "MVT" | "MVT COR" | "PNL" | "ADL") || l.starts_with("MVT "))
        .is_some_and(|l| l.starts_with("MVT"))
}

/// Reads MVT messages. `reference` (the day the file arrived) gives the month and year to the flight
/// line's day. Refused when a message's flight line cannot be read: the flight would be unknown.
pub fn parse_mvt(file: &str, bytes: &[u8], reference: NaiveDate) -> Result<Movements, ParseErrors> {
    let mut findings = Findings::new(file);
    let mut movements = Vec::new();
    // Framing and a SITA envelope, as around PNLs (see `manifest::unframe`).
    let unframed = crate::manifest::unframe(bytes);
    let all = lines(&unframed);
    let mut index = 0;
    while index < all.len() {
        let text = all[index].trim();
        if text == "MVT" || text.starts_with("MVT ") {
            let correction = text.split_whitespace().any(|w| w == "COR");
            let start = index + 1;
            let end = (start..all.len())
                .find(|&i| {
                    let l = all[i].trim();
                    l == "MVT" || l.starts_with("MVT ")
                })
                .unwrap_or(all.len());
            let body: Vec<(usize, &str)> = (start..end).map(|i| (i + 1, all[i].trim())).collect();
            if let Some(m) = message(&body, correction, reference, index + 1, &mut findings) {
                movements.push(m);
            }
            index = end;
        } else {
            index += 1;
        }
    }
    if movements.is_empty() && findings.errors.is_empty() {
        findings.error(
            1,
            "message",
            "no MVT message: a line reading MVT opens each one",
        );
    }
    let (movements, warnings) = findings.into_result(movements)?;
    Ok(Movements {
        movements,
        warnings,
    })
}

fn message(
    body: &[(usize, &str)],
    mut correction: bool,
    reference: NaiveDate,
    mvt_line: usize,
    findings: &mut Findings<'_>,
) -> Option<Movement> {
    let mut rest = body
        .iter()
        .copied()
        .filter(|(_, l)| !l.is_empty())
        .peekable();
    if rest.peek().is_some_and(|(_, l)| *l == "COR") {
        correction = true;
        rest.next();
    }
    let Some((line, flight_line)) = rest.next() else {
        findings.error(
            mvt_line,
            "flight",
            "the message ends before its flight line",
        );
        return None;
    };
    let (flight, date, registration, station) = match flight_line_parts(flight_line, reference) {
        Ok(parts) => parts,
        Err(why) => {
            findings.error(line, "flight", format!("{flight_line:?}: {why}"));
            return None;
        }
    };
    let mut movement = Movement {
        line,
        flight,
        date,
        registration,
        station,
        kind: MovementKind::Estimate,
        correction,
        off_block: None,
        airborne: None,
        touchdown: None,
        on_block: None,
        estimated_departure: None,
        estimated_arrival: None,
        arrival_station: None,
        delays: Vec::new(),
        remarks: Vec::new(),
    };
    for (line, text) in rest {
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            let word = words[i];
            let (tag, value) = if word.len() >= 2 && word.is_char_boundary(2) {
                word.split_at(2)
            } else {
                (word, "")
            };
            match tag {
                "AD" | "AA" | "ED" | "EA" | "NI" | "DL"
                    if !value.is_empty() || i + 1 < words.len() =>
                {
                    let value = if value.is_empty() {
                        i += 1;
                        words[i]
                    } else {
                        value
                    };
                    match tag {
                        "AD" => {
                            movement.kind = MovementKind::Departure;
                            let (off, air) = pair(value, date, line, "AD", findings);
                            movement.off_block = off;
                            movement.airborne = air;
                        }
                        "AA" => {
                            movement.kind = MovementKind::Arrival;
                            let (down, on) = pair(value, date, line, "AA", findings);
                            movement.touchdown = down;
                            movement.on_block = on;
                        }
                        "ED" => {
                            movement.estimated_departure = time(value, date, line, "ED", findings)
                        }
                        "EA" => {
                            movement.estimated_arrival = time(value, date, line, "EA", findings);
                            if let Some(next) = words.get(i + 1).filter(|w| w.len() == 3) {
                                match Iata::parse(next) {
                                    Ok(code) => movement.arrival_station = Some(code),
                                    Err(e) => findings.warn(line, "EA", format!("{next:?}: {e}")),
                                }
                                i += 1;
                            }
                        }
                        "DL" => movement.delays = delays(value, line, findings),
                        _ => {}
                    }
                }
                _ if i == 0 => {
                    match word {
                        "SI" => movement.remarks.push(text[2..].trim().to_string()),
                        w if w.starts_with("PX") || w.starts_with("EDL") || w.starts_with("SI") => {
                        }
                        _ => findings.warn(
                            line,
                            "element",
                            format!("{text:?} is not an MVT element aboard reads: ignored"),
                        ),
                    }
                    break;
                }
                _ => findings.warn(
                    line,
                    "element",
                    format!("{word:?} is not an MVT element aboard reads: ignored"),
                ),
            }
            i += 1;
        }
    }
    // An arrival read as HHMM on the departure's day that comes before the departure is the next day.
    let departed = movement.departed_at().or(movement.estimated_departure);
    for slot in [
        &mut movement.touchdown,
        &mut movement.on_block,
        &mut movement.estimated_arrival,
    ] {
        if let (Some(at), Some(left)) = (*slot, departed)
            && at < left
        {
            *slot = Some(at + Duration::days(1));
        }
    }
    Some(movement)
}

/// `IB3166/22.ECJFK.MAD` (the registration may be left out: `IB3166/22.MAD`).
fn flight_line_parts(
    text: &str,
    reference: NaiveDate,
) -> Result<(FlightNumber, NaiveDate, Option<String>, Iata), String> {
    let (flight, rest) = text
        .split_once('/')
        .ok_or("expected FLIGHT/DD.REGISTRATION.STATION")?;
    let flight = FlightNumber::parse(flight).map_err(|e| e.to_string())?;
    let parts: Vec<&str> = rest.split('.').collect();
    let (day, registration, station) = match parts.as_slice() {
        [day, registration, station] => (*day, Some(registration.to_string()), *station),
        [day, station] => (*day, None, *station),
        _ => return Err("expected FLIGHT/DD.REGISTRATION.STATION".to_string()),
    };
    let day: u32 = day
        .parse()
        .map_err(|_| format!("{day:?} is not a day of the month"))?;
    let date = nearest_date(day, reference).ok_or(format!("{day} is not a day of the month"))?;
    let station = Iata::parse(station.split_whitespace().next().unwrap_or(""))
        .map_err(|e| format!("the station: {e}"))?;
    Ok((
        flight,
        date,
        registration.filter(|r| !r.is_empty()),
        station,
    ))
}

/// The date with this day of the month nearest to `reference`.
fn nearest_date(day: u32, reference: NaiveDate) -> Option<NaiveDate> {
    let months = [-1i32, 0, 1].map(|shift| {
        let month0 = reference.year() * 12 + reference.month0() as i32 + shift;
        NaiveDate::from_ymd_opt(month0.div_euclid(12), month0.rem_euclid(12) as u32 + 1, day)
    });
    months
        .into_iter()
        .flatten()
        .min_by_key(|d| (*d - reference).num_days().abs())
}

/// `HHMM` on the flight's date, or `DDHHMM` on the nearest date with that day.
fn time(
    raw: &str,
    date: NaiveDate,
    line: usize,
    field: &str,
    findings: &mut Findings<'_>,
) -> Option<DateTime<Utc>> {
    let read = || -> Option<DateTime<Utc>> {
        if !raw.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (day, hhmm) = match raw.len() {
            4 => (date, raw),
            6 => (nearest_date(raw[..2].parse().ok()?, date)?, &raw[2..]),
            _ => return None,
        };
        let at = NaiveTime::from_hms_opt(hhmm[..2].parse().ok()?, hhmm[2..].parse().ok()?, 0)?;
        Some(Utc.from_utc_datetime(&day.and_time(at)))
    };
    let parsed = read();
    if parsed.is_none() {
        findings.warn(
            line,
            field,
            format!("{raw:?} is not a time (HHMM or DDHHMM, UTC): left out"),
        );
    }
    parsed
}

/// `1100/1115`: two times, the second optional.
fn pair(
    raw: &str,
    date: NaiveDate,
    line: usize,
    field: &str,
    findings: &mut Findings<'_>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let mut parts = raw.split('/');
    let first = parts
        .next()
        .filter(|p| !p.is_empty())
        .and_then(|p| time(p, date, line, field, findings));
    let second = parts
        .next()
        .filter(|p| !p.is_empty())
        .and_then(|p| time(p, date, line, field, findings));
    (first, second)
}

/// `72/0015` or `72/81/0010/0005`: the codes, then as many durations.
fn delays(raw: &str, line: usize, findings: &mut Findings<'_>) -> Vec<DelayCode> {
    let parts: Vec<&str> = raw.split('/').filter(|p| !p.is_empty()).collect();
    let codes: Vec<&str> = parts.iter().copied().filter(|p| p.len() == 2).collect();
    let durations: Vec<&str> = parts.iter().copied().filter(|p| p.len() != 2).collect();
    let mut out = Vec::new();
    for (n, code) in codes.iter().enumerate() {
        let known = code.bytes().all(|b| b.is_ascii_digit()) && *code != "00"
            || code.bytes().all(|b| b.is_ascii_uppercase());
        if !known {
            findings.warn(
                line,
                "DL",
                format!("{code:?} is not a delay code (two digits 01-99 or two letters): left out"),
            );
            continue;
        }
        let minutes = durations.get(n).and_then(|d| {
            let minutes = (d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit()))
                .then(|| Some(d[..2].parse::<i64>().ok()? * 60 + d[2..].parse::<i64>().ok()?))
                .flatten();
            if minutes.is_none() {
                findings.warn(
                    line,
                    "DL",
                    format!("{d:?} is not a delay duration (HHMM): the code is kept without it"),
                );
            }
            minutes
        });
        out.push(DelayCode {
            code: code.to_string(),
            minutes,
        });
    }
    for extra in parts.iter().filter(|p| p.len() != 2 && p.len() != 4) {
        findings.warn(
            line,
            "DL",
            format!("{extra:?} is neither a delay code nor a duration: left out"),
        );
    }
    out
}

//! Times on the flight's clock: `boarded + 10m`, `departure - 5m`, `gate_close`. A rule's due time and
//! expiry are written this way so they move with the flight when it is delayed.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use super::context::RuleContext;

/// A moment in a flight's life that a rule's times are counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockPoint {
    /// The time of the triggering event (the boarding scan for `boarded`): the context's `now`.
    Boarded,
    BoardingStarted,
    /// The estimated departure, or the scheduled one without an estimate.
    Departure,
    GateClose,
    /// The estimated arrival, or the scheduled one without an estimate.
    Arrival,
}

const POINT_NAMES: &str = "boarded, boarding_started, departure, gate_close, arrival";

/// Offsets longer than this are surely a typo (`boarded + 10h` for `10m`), so they are refused.
const LONGEST_OFFSET_HOURS: i64 = 48;

impl ClockPoint {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockPoint::Boarded => "boarded",
            ClockPoint::BoardingStarted => "boarding_started",
            ClockPoint::Departure => "departure",
            ClockPoint::GateClose => "gate_close",
            ClockPoint::Arrival => "arrival",
        }
    }

    /// This point for one passenger and flight, or `None` when the flight does not know it yet.
    pub fn resolve(self, context: &RuleContext) -> Option<DateTime<Utc>> {
        let flight = &context.flight;
        let local = match self {
            ClockPoint::Boarded => return Some(context.now),
            ClockPoint::BoardingStarted => flight.boarding_started?,
            ClockPoint::Departure => flight.departure(),
            ClockPoint::GateClose => flight.gate_close?,
            ClockPoint::Arrival => flight.arrival(),
        };
        Some(local.with_timezone(&Utc))
    }
}

impl fmt::Display for ClockPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A clock point plus or minus a whole number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClockTime {
    pub point: ClockPoint,
    pub offset: Duration,
}

impl ClockTime {
    pub fn at(point: ClockPoint) -> ClockTime {
        ClockTime {
            point,
            offset: Duration::zero(),
        }
    }
}

/// Why a clock time did not parse, in words for the person editing the rule file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ClockTimeError(String);

impl FromStr for ClockTime {
    type Err = ClockTimeError;

    fn from_str(raw: &str) -> Result<ClockTime, ClockTimeError> {
        let text = raw.trim();
        let name_end = text
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(text.len());
        let (name, rest) = text.split_at(name_end);
        let point = match name {
            "boarded" => ClockPoint::Boarded,
            "boarding_started" => ClockPoint::BoardingStarted,
            "departure" => ClockPoint::Departure,
            "gate_close" => ClockPoint::GateClose,
            "arrival" => ClockPoint::Arrival,
            "" => {
                return Err(ClockTimeError(format!(
                    "{raw:?} does not start with a clock point (one of: {POINT_NAMES})"
                )));
            }
            other => {
                return Err(ClockTimeError(format!(
                    "{other:?} is not a clock point (expected one of: {POINT_NAMES})"
                )));
            }
        };
        let rest = rest.trim_start();
        let sign = match rest.chars().next() {
            None => return Ok(ClockTime::at(point)),
            Some('+') => 1,
            Some('-') => -1,
            Some(_) => {
                return Err(ClockTimeError(format!(
                    "expected `+` or `-` and a duration after {name:?}, found {rest:?}"
                )));
            }
        };
        let seconds = parse_duration_seconds(rest.get(1..).unwrap_or(""))?;
        if seconds > LONGEST_OFFSET_HOURS * 3600 {
            return Err(ClockTimeError(format!(
                "{:?} is longer than {LONGEST_OFFSET_HOURS}h; rules act within a flight's day",
                rest.get(1..).unwrap_or("").trim()
            )));
        }
        Ok(ClockTime {
            point,
            offset: Duration::seconds(sign * seconds),
        })
    }
}

/// `10m`, `1h30m`, `45s`, `2h 15m`: numbers each followed by `h`, `m` or `s`.
fn parse_duration_seconds(text: &str) -> Result<i64, ClockTimeError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(ClockTimeError(
            "a duration is missing after `+` or `-` (write e.g. `10m`, `1h30m`)".to_owned(),
        ));
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in compact.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => {
                return Err(ClockTimeError(format!(
                    "{c:?} in {:?} is not a duration unit (use h, m or s, e.g. `1h30m`)",
                    text.trim()
                )));
            }
        };
        if digits.is_empty() {
            return Err(ClockTimeError(format!(
                "the unit {c:?} in {:?} has no number before it",
                text.trim()
            )));
        }
        let amount: i64 = digits
            .parse()
            .map_err(|_| ClockTimeError(format!("{digits:?} in {:?} is too large", text.trim())))?;
        total = amount
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| ClockTimeError(format!("{:?} is too large", text.trim())))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(ClockTimeError(format!(
            "{digits:?} in {:?} has no unit (add h, m or s)",
            text.trim()
        )));
    }
    Ok(total)
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.point)?;
        let seconds = self.offset.num_seconds();
        if seconds == 0 {
            return Ok(());
        }
        let sign = if seconds < 0 { '-' } else { '+' };
        let seconds = seconds.unsigned_abs();
        write!(f, " {sign} ")?;
        let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if s > 0 {
            write!(f, "{s}s")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ClockTime, String> {
        text.parse::<ClockTime>().map_err(|e| e.to_string())
    }

    #[test]
    fn points_and_offsets_parse_and_print_back() {
        let t = parse("boarded + 10m").unwrap();
        assert_eq!(t.point, ClockPoint::Boarded);
        assert_eq!(t.offset, Duration::minutes(10));
        assert_eq!(t.to_string(), "boarded + 10m");

        let t = parse("departure-1h30m").unwrap();
        assert_eq!(t.point, ClockPoint::Departure);
        assert_eq!(t.offset, Duration::minutes(-90));
        assert_eq!(t.to_string(), "departure - 1h30m");

        assert_eq!(
            parse(" gate_close ").unwrap(),
            ClockTime::at(ClockPoint::GateClose)
        );
        assert_eq!(
            parse("arrival + 2h 5s").unwrap().offset,
            Duration::seconds(7205)
        );
        assert_eq!(
            parse("boarding_started - 0m").unwrap(),
            ClockTime::at(ClockPoint::BoardingStarted)
        );
    }

    #[test]
    fn bad_clock_times_say_what_is_wrong() {
        assert!(
            parse("takeoff + 5m")
                .unwrap_err()
                .contains("\"takeoff\" is not a clock point")
        );
        assert!(
            parse("+ 5m")
                .unwrap_err()
                .contains("does not start with a clock point")
        );
        assert!(
            parse("boarded 5m")
                .unwrap_err()
                .contains("expected `+` or `-`")
        );
        assert!(
            parse("boarded +")
                .unwrap_err()
                .contains("duration is missing")
        );
        assert!(parse("boarded + 10").unwrap_err().contains("has no unit"));
        assert!(
            parse("boarded + 10d")
                .unwrap_err()
                .contains("not a duration unit")
        );
        assert!(
            parse("boarded + m")
                .unwrap_err()
                .contains("no number before it")
        );
        assert!(
            parse("boarded + 49h")
                .unwrap_err()
                .contains("longer than 48h")
        );
        assert!(
            parse("boarded + 99999999999999999999s")
                .unwrap_err()
                .contains("too large")
        );
        assert!(
            parse("")
                .unwrap_err()
                .contains("does not start with a clock point")
        );
    }

    #[test]
    fn points_resolve_against_the_flight_clock() {
        let mut context = RuleContext::sample();
        let flight = context.flight.clone();
        assert_eq!(ClockPoint::Boarded.resolve(&context), Some(context.now));
        assert_eq!(
            ClockPoint::Departure.resolve(&context),
            flight.estimated_departure.map(|t| t.with_timezone(&Utc))
        );
        assert_eq!(
            ClockPoint::Arrival.resolve(&context),
            flight.estimated_arrival.map(|t| t.with_timezone(&Utc))
        );
        context.flight.estimated_departure = None;
        assert_eq!(
            ClockPoint::Departure.resolve(&context),
            Some(flight.scheduled_departure.with_timezone(&Utc))
        );
        context.flight.gate_close = None;
        context.flight.boarding_started = None;
        assert_eq!(ClockPoint::GateClose.resolve(&context), None);
        assert_eq!(ClockPoint::BoardingStarted.resolve(&context), None);
    }
}

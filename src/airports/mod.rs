//! Airports: the embedded IATA code → airport → IANA time zone table. Storage keeps UTC; this table is how
//! the edges turn a UTC instant into the local time a gate agent or a crew reads, and a manifest's local date
//! and times into UTC. The table is derived from the airportsdata project (MIT; LICENSE beside the table) and
//! is plain data: no I/O, depends only on `domain`.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::domain::Iata;

/// The derived table: IATA rows of airportsdata's airports.csv, columns iata, icao, name, city, country, tz.
pub const TABLE_CSV: &str = include_str!("airports.csv");

#[derive(Debug, Clone, Serialize)]
pub struct Airport {
    pub iata: Iata,
    pub icao: String,
    pub name: String,
    pub city: String,
    pub country: String,
    #[serde(serialize_with = "serialize_tz")]
    pub tz: Tz,
}

fn serialize_tz<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

/// Rows whose zone chrono-tz does not know are left out here and reported by `unknown_zones`, which a test
/// keeps empty: an airport without a valid zone would silently show wrong local times.
static AIRPORTS: LazyLock<HashMap<Iata, Airport>> = LazyLock::new(|| {
    table_rows()
        .filter_map(|row| {
            Some(Airport {
                iata: Iata::parse(&row.iata).ok()?,
                tz: row.tz.parse().ok()?,
                icao: row.icao,
                name: row.name,
                city: row.city,
                country: row.country,
            })
        })
        .map(|a| (a.iata.clone(), a))
        .collect()
});

#[derive(serde::Deserialize)]
struct Row {
    iata: String,
    icao: String,
    name: String,
    city: String,
    country: String,
    tz: String,
}

fn table_rows() -> impl Iterator<Item = Row> {
    csv::Reader::from_reader(TABLE_CSV.as_bytes())
        .into_deserialize::<Row>()
        .filter_map(Result::ok)
}

pub fn lookup(code: &Iata) -> Option<&'static Airport> {
    AIRPORTS.get(code)
}

pub fn count() -> usize {
    AIRPORTS.len()
}

/// Zone names in the table that chrono-tz cannot parse.
pub fn unknown_zones() -> Vec<(String, String)> {
    table_rows()
        .filter(|row| row.tz.parse::<Tz>().is_err())
        .map(|row| (row.iata, row.tz))
        .collect()
}

/// Why a local time could not be placed on the UTC line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalTimeError {
    #[error("airport {0} is not in the airport table")]
    UnknownAirport(String),
    #[error("{time} does not exist at {airport} (the clocks jump forward then)")]
    Skipped {
        airport: String,
        time: NaiveDateTime,
    },
}

impl Airport {
    /// Local wall-clock time to UTC. In a fall-back hour the earlier instant is taken: a departure at an
    /// ambiguous 02:30 is the first one, which is what schedules mean.
    pub fn to_utc(&self, local: NaiveDateTime) -> Result<DateTime<Utc>, LocalTimeError> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
            LocalResult::None => Err(LocalTimeError::Skipped {
                airport: self.iata.to_string(),
                time: local,
            }),
        }
    }

    pub fn to_local(&self, instant: DateTime<Utc>) -> DateTime<Tz> {
        instant.with_timezone(&self.tz)
    }
}

pub fn local_to_utc(airport: &Iata, local: NaiveDateTime) -> Result<DateTime<Utc>, LocalTimeError> {
    lookup(airport)
        .ok_or_else(|| LocalTimeError::UnknownAirport(airport.to_string()))?
        .to_utc(local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn every_zone_in_the_table_is_known_to_chrono_tz() {
        assert_eq!(unknown_zones(), Vec::<(String, String)>::new());
        assert_eq!(count(), table_rows().count());
        assert!(count() > 7_800);
    }

    #[test]
    fn known_airports_have_their_zones() {
        for (code, zone) in [
            ("MAD", "Europe/Madrid"),
            ("MEX", "America/Mexico_City"),
            ("JFK", "America/New_York"),
            ("GRU", "America/Sao_Paulo"),
            ("EZE", "America/Argentina/Buenos_Aires"),
        ] {
            let airport = lookup(&Iata::parse(code).unwrap()).unwrap();
            assert_eq!(airport.tz.name(), zone, "{code}");
        }
        let ams = lookup(&Iata::parse("AMS").unwrap()).unwrap();
        assert_eq!(ams.icao, "EHAM");
        assert_eq!(ams.country, "NL");
    }

    #[test]
    fn local_times_convert_through_daylight_saving() {
        let mad = Iata::parse("MAD").unwrap();
        let winter = NaiveDate::from_ymd_opt(2026, 11, 22)
            .unwrap()
            .and_hms_opt(8, 30, 0)
            .unwrap();
        assert_eq!(
            local_to_utc(&mad, winter).unwrap().to_rfc3339(),
            "2026-11-22T07:30:00+00:00"
        );
        let skipped = NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert!(matches!(
            local_to_utc(&mad, skipped),
            Err(LocalTimeError::Skipped { .. })
        ));
        let ambiguous = NaiveDate::from_ymd_opt(2026, 10, 25)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            local_to_utc(&mad, ambiguous).unwrap().to_rfc3339(),
            "2026-10-25T00:30:00+00:00"
        );
    }
}

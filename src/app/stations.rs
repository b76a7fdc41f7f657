//! Where aboard has staff: a station is staffed or not, with a shift in local time (none: around the
//! clock). What `aboard station set` and the admin's stations page do; every change is logged as
//! `station.changed` with what it was before.

use chrono::NaiveTime;

use crate::clock;
use crate::domain::records::Station;
use crate::domain::{CodeError, Iata};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum StationError {
    #[error("station: {0}")]
    Code(#[from] CodeError),
    #[error("shift {0:?} is not like 05:00-23:00 (local HH:MM-HH:MM)")]
    Shift(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `05:00-23:00` as two local times; a shift that ends before it starts runs over midnight.
pub fn parse_shift(text: &str) -> Result<(NaiveTime, NaiveTime), StationError> {
    let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M");
    text.split_once('-')
        .and_then(|(start, end)| Some((time(start).ok()?, time(end).ok()?)))
        .ok_or_else(|| StationError::Shift(text.chars().take(40).collect()))
}

/// Sets whether `iata` is staffed and its shift (`None`: around the clock), and returns it as stored.
pub async fn set_station(
    store: &dyn Store,
    iata: &str,
    staffed: bool,
    shift: Option<(NaiveTime, NaiveTime)>,
    actor: &str,
) -> Result<Station, StationError> {
    let station = Station {
        iata: Iata::parse(iata)?,
        staffed,
        shift_start: shift.map(|(start, _)| start),
        shift_end: shift.map(|(_, end)| end),
    };
    store.upsert_station(&station, actor, clock::now()).await?;
    Ok(station)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_read_as_two_local_times_and_say_what_is_wrong() {
        let (start, end) = parse_shift(" 22:00 - 06:00 ").unwrap();
        assert_eq!(
            (start.to_string(), end.to_string()),
            ("22:00:00".into(), "06:00:00".into())
        );
        let e = parse_shift("5am-11pm").unwrap_err();
        assert_eq!(
            e.to_string(),
            "shift \"5am-11pm\" is not like 05:00-23:00 (local HH:MM-HH:MM)"
        );
    }
}

//! When a job runs: a cron expression read on the wall clock of the job's time zone, turned into UTC
//! instants.
//!
//! The `cron` crate is asked for wall-clock times only (it iterates in a zone with no daylight saving),
//! and each wall-clock time is placed in the job's zone here, so that both daylight-saving edges follow
//! one documented rule, the one Vixie cron uses:
//!
//! - A schedule with a fixed hour (`30 2 * * *`) names a moment of the local day. When the clocks fall
//!   back and 02:30 happens twice, it runs once, at the first 02:30. When the clocks spring forward over
//!   02:30, it runs at the first instant after the gap (03:00 local), so a daily job is never lost.
//! - A schedule whose hour field is `*` (`*/5 * * * *`) runs on elapsed time: through a repeated hour it
//!   keeps running every five minutes, and minutes that do not exist are not made up.
//!
//! Two wall-clock times that land on one instant (02:00 and 02:30 both moved to 03:00) are one tick.

use std::str::FromStr;

use chrono::offset::LocalResult;
use chrono::{DateTime, NaiveDateTime, Offset, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use cron::TimeUnitSpec;

/// A job's parsed schedule.
#[derive(Debug, Clone)]
pub struct JobSchedule {
    expression: String,
    zone: Tz,
    cron: cron::Schedule,
    /// The hour field is `*`: the job follows elapsed time rather than moments of the local day.
    every_hour: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "the schedule {expression:?} has {fields} fields: give 5 (minute hour day-of-month month \
         day-of-week) or 6 (a seconds field first)"
    )]
    FieldCount { expression: String, fields: usize },
    #[error(
        "the schedule {expression:?} names days of the week by number: write them as names (MON-FRI, \
         SAT,SUN), because cron dialects disagree about which day a number means"
    )]
    NumericWeekday { expression: String },
    #[error("the schedule {expression:?} is not a valid cron expression: {reason}")]
    Invalid { expression: String, reason: String },
    #[error("{zone:?} is not a known time zone: use an IANA name such as Europe/Madrid, or UTC")]
    UnknownZone { zone: String },
}

/// A daylight-saving shift is at most two hours; looking three hours either side of an instant finds
/// every offset a nearby wall-clock time can have.
const OFFSET_WINDOW: TimeDelta = TimeDelta::hours(3);
/// A bound on candidates examined per question, so that no expression can loop for long.
const MAX_CANDIDATES: usize = 20_000;

impl JobSchedule {
    /// Parses a 5-field (minute first) or 6-field (second first) expression for the named IANA zone.
    pub fn parse(expression: &str, zone: &str) -> Result<JobSchedule, ScheduleError> {
        let zone = Tz::from_str(zone.trim()).map_err(|_| ScheduleError::UnknownZone {
            zone: zone.to_string(),
        })?;
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let six_fields = match fields.len() {
            5 => format!("0 {}", fields.join(" ")),
            6 => fields.join(" "),
            n => {
                return Err(ScheduleError::FieldCount {
                    expression: expression.to_string(),
                    fields: n,
                });
            }
        };
        if fields
            .last()
            .is_some_and(|weekday| weekday.chars().any(|c| c.is_ascii_digit()))
        {
            return Err(ScheduleError::NumericWeekday {
                expression: expression.to_string(),
            });
        }
        let cron = cron::Schedule::from_str(&six_fields).map_err(|e| ScheduleError::Invalid {
            expression: expression.to_string(),
            reason: e.to_string(),
        })?;
        let every_hour = cron.hours().is_all();
        Ok(JobSchedule {
            expression: expression.trim().to_string(),
            zone,
            cron,
            every_hour,
        })
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The first tick strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (low, high) = self.offsets_around(after);
        // A wall-clock time w falls at w - offset, so only times after `after + low` can come later.
        let start = as_wall(after.naive_utc() + low);
        let mut best: Option<DateTime<Utc>> = None;
        for wall in self.cron.after(&start).take(MAX_CANDIDATES) {
            let wall = wall.naive_utc();
            // No later wall-clock time can fall before `wall - high`.
            if best.is_some_and(|b| wall - high >= b.naive_utc()) {
                break;
            }
            for instant in self.instants_of(wall) {
                if instant > after && best.is_none_or(|b| instant < b) {
                    best = Some(instant);
                }
            }
        }
        best
    }

    /// The latest tick at or before `now`: what a runner that was down catches up on.
    pub fn latest_at_or_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (low, high) = self.offsets_around(now);
        let start = as_wall(now.naive_utc() + high + TimeDelta::seconds(1));
        let mut best: Option<DateTime<Utc>> = None;
        let mut walls = self.cron.after(&start);
        for _ in 0..MAX_CANDIDATES {
            let Some(wall) = walls.next_back() else { break };
            let wall = wall.naive_utc();
            // No earlier wall-clock time can fall after `wall - low`.
            if best.is_some_and(|b| wall - low <= b.naive_utc()) {
                break;
            }
            for instant in self.instants_of(wall) {
                if instant <= now && best.is_none_or(|b| instant > b) {
                    best = Some(instant);
                }
            }
        }
        best
    }

    /// The instants at which a wall-clock time runs, by the rule in the module documentation.
    fn instants_of(&self, wall: NaiveDateTime) -> Vec<DateTime<Utc>> {
        match self.zone.from_local_datetime(&wall) {
            LocalResult::Single(t) => vec![t.with_timezone(&Utc)],
            LocalResult::Ambiguous(first, second) if self.every_hour => {
                vec![first.with_timezone(&Utc), second.with_timezone(&Utc)]
            }
            LocalResult::Ambiguous(first, _) => vec![first.with_timezone(&Utc)],
            LocalResult::None if self.every_hour => Vec::new(),
            LocalResult::None => self.end_of_gap(wall).into_iter().collect(),
        }
    }

    /// The first instant after the skipped stretch of wall-clock time that contains `wall`. Gaps end on
    /// a whole minute in every zone, and last at most a day (Samoa, 2011).
    fn end_of_gap(&self, wall: NaiveDateTime) -> Option<DateTime<Utc>> {
        let minute = wall.with_second(0)?.with_nanosecond(0)?;
        (1..=26 * 60).find_map(|step| {
            match self
                .zone
                .from_local_datetime(&(minute + TimeDelta::minutes(step)))
            {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    Some(t.with_timezone(&Utc))
                }
                LocalResult::None => None,
            }
        })
    }

    /// The smallest and largest UTC offsets in force near `instant`.
    fn offsets_around(&self, instant: DateTime<Utc>) -> (TimeDelta, TimeDelta) {
        let offsets = [instant - OFFSET_WINDOW, instant, instant + OFFSET_WINDOW].map(|t| {
            let seconds = self
                .zone
                .offset_from_utc_datetime(&t.naive_utc())
                .fix()
                .local_minus_utc();
            TimeDelta::seconds(i64::from(seconds))
        });
        let low = offsets.iter().min().copied().unwrap_or_default();
        let high = offsets.iter().max().copied().unwrap_or_default();
        (low, high)
    }
}

/// A wall-clock time handed to the `cron` crate in UTC, a zone where every time exists exactly once.
fn as_wall(wall: NaiveDateTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&wall)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn ticks(schedule: &JobSchedule, from: &str, count: usize) -> Vec<String> {
        let mut at = utc(from);
        let mut out = Vec::new();
        for _ in 0..count {
            at = schedule.next_after(at).unwrap();
            out.push(at.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
        out
    }

    #[test]
    fn five_fields_mean_minute_first_and_six_fields_second_first() {
        let five = JobSchedule::parse("*/15 * * * *", "UTC").unwrap();
        assert_eq!(
            ticks(&five, "2026-03-01T10:07:00Z", 3),
            [
                "2026-03-01T10:15:00Z",
                "2026-03-01T10:30:00Z",
                "2026-03-01T10:45:00Z"
            ]
        );
        let six = JobSchedule::parse("30 */15 * * * *", "UTC").unwrap();
        assert_eq!(
            ticks(&six, "2026-03-01T10:15:30Z", 2),
            ["2026-03-01T10:30:30Z", "2026-03-01T10:45:30Z"]
        );
        let weekdays = JobSchedule::parse("0 9 * * MON-FRI", "UTC").unwrap();
        // 2026-03-06 is a Friday.
        assert_eq!(
            ticks(&weekdays, "2026-03-06T10:00:00Z", 1),
            ["2026-03-09T09:00:00Z"]
        );
    }

    #[test]
    fn bad_expressions_and_zones_say_what_is_wrong() {
        let err = JobSchedule::parse("* * * *", "UTC").unwrap_err();
        assert!(matches!(err, ScheduleError::FieldCount { fields: 4, .. }));
        assert!(err.to_string().contains("give 5"), "{err}");
        assert!(matches!(
            JobSchedule::parse("0 9 * * 1-5", "UTC").unwrap_err(),
            ScheduleError::NumericWeekday { .. }
        ));
        assert!(matches!(
            JobSchedule::parse("61 * * * *", "UTC").unwrap_err(),
            ScheduleError::Invalid { .. }
        ));
        let err = JobSchedule::parse("* * * * *", "Europe/Madird").unwrap_err();
        assert_eq!(
            err,
            ScheduleError::UnknownZone {
                zone: "Europe/Madird".to_string()
            }
        );
    }

    #[test]
    fn ticks_follow_the_job_zone_wall_clock() {
        let madrid = JobSchedule::parse("0 6 * * *", "Europe/Madrid").unwrap();
        // 06:00 in Madrid is 05:00 UTC in winter and 04:00 UTC in summer.
        assert_eq!(
            ticks(&madrid, "2026-01-10T12:00:00Z", 1),
            ["2026-01-11T05:00:00Z"]
        );
        assert_eq!(
            ticks(&madrid, "2026-07-10T12:00:00Z", 1),
            ["2026-07-11T04:00:00Z"]
        );
        let tokyo = JobSchedule::parse("0 0 * * *", "Asia/Tokyo").unwrap();
        assert_eq!(
            ticks(&tokyo, "2026-07-10T12:00:00Z", 1),
            ["2026-07-10T15:00:00Z"]
        );
    }

    #[test]
    fn a_fall_back_hour_fires_a_fixed_time_once() {
        // Madrid falls back at 03:00 CEST (01:00 UTC) on 2026-10-25: 02:30 happens at 00:30 and 01:30 UTC.
        let schedule = JobSchedule::parse("30 2 * * *", "Europe/Madrid").unwrap();
        assert_eq!(
            ticks(&schedule, "2026-10-24T12:00:00Z", 2),
            ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]
        );
        // Asked from inside the repeated hour, after the first 02:30, the second one is not a new tick.
        assert_eq!(
            ticks(&schedule, "2026-10-25T01:10:00Z", 1),
            ["2026-10-26T01:30:00Z"]
        );
        assert_eq!(
            schedule.latest_at_or_before(utc("2026-10-25T01:45:00Z")),
            Some(utc("2026-10-25T00:30:00Z"))
        );
    }

    #[test]
    fn a_fall_back_hour_keeps_elapsed_time_schedules_running() {
        let schedule = JobSchedule::parse("*/30 * * * *", "Europe/Madrid").unwrap();
        assert_eq!(
            ticks(&schedule, "2026-10-25T00:10:00Z", 5),
            [
                "2026-10-25T00:30:00Z",
                "2026-10-25T01:00:00Z",
                "2026-10-25T01:30:00Z",
                "2026-10-25T02:00:00Z",
                "2026-10-25T02:30:00Z"
            ]
        );
    }

    #[test]
    fn a_spring_forward_gap_moves_a_fixed_time_to_the_end_of_the_gap() {
        // Madrid springs forward at 02:00 CET (01:00 UTC) on 2026-03-29: 02:30 does not exist that day.
        let schedule = JobSchedule::parse("30 2 * * *", "Europe/Madrid").unwrap();
        assert_eq!(
            ticks(&schedule, "2026-03-28T12:00:00Z", 2),
            ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]
        );
        // Two skipped times and the first real one after the gap are one tick.
        let several = JobSchedule::parse("0,30 2,3 * * *", "Europe/Madrid").unwrap();
        assert_eq!(
            ticks(&several, "2026-03-28T23:00:00Z", 2),
            ["2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"]
        );
        // Elapsed-time schedules do not make up minutes that never existed.
        let every = JobSchedule::parse("*/30 * * * *", "Europe/Madrid").unwrap();
        assert_eq!(
            ticks(&every, "2026-03-29T00:10:00Z", 3),
            [
                "2026-03-29T00:30:00Z",
                "2026-03-29T01:00:00Z",
                "2026-03-29T01:30:00Z"
            ]
        );
    }

    #[test]
    fn the_latest_tick_is_found_looking_back() {
        let schedule = JobSchedule::parse("0 3 * * *", "UTC").unwrap();
        assert_eq!(
            schedule.latest_at_or_before(utc("2026-05-10T02:59:59Z")),
            Some(utc("2026-05-09T03:00:00Z"))
        );
        assert_eq!(
            schedule.latest_at_or_before(utc("2026-05-10T03:00:00Z")),
            Some(utc("2026-05-10T03:00:00Z"))
        );
    }
}

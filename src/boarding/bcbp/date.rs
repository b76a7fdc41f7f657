use chrono::{Datelike, Days, NaiveDate};

use super::{BoardingPass, Leg};

/// How far after the reference (the scan) a flight may still lie: a pass is scanned on its flight's day, or
/// read by support staff after it; a few weeks ahead covers passes issued early.
const NEAR_FUTURE_DAYS: u64 = 30;
/// A pass is issued before it is scanned; two days absorb time zones and clock skew.
const ISSUE_GRACE_DAYS: u64 = 2;

impl BoardingPass {
    /// The date of issue with its year resolved: the latest year ending in the written digit that does not
    /// put the issue after the reference (the scan date).
    pub fn issue_date(&self, reference: NaiveDate) -> Option<NaiveDate> {
        let issue = self.date_of_issue?;
        let latest = reference.checked_add_days(Days::new(ISSUE_GRACE_DAYS))?;
        (reference.year() - 10..=reference.year() + 1)
            .filter(|year| year.rem_euclid(10) == i32::from(issue.year_digit))
            .filter_map(|year| NaiveDate::from_yo_opt(year, u32::from(issue.day_of_year)))
            .filter(|date| *date <= latest)
            .max()
    }
}

impl Leg {
    /// The flight's date with its year resolved. With a date of issue on the pass, the flight is the first
    /// date with this day of the year on or after the issue (a day's grace for time zones): a pass issued on
    /// day 364 of 2021 for day 001 is for 2022-01-01. Without one, it is the latest such date that is not
    /// more than a few weeks after the reference: the nearest in the past or near future.
    pub fn flight_date(&self, pass: &BoardingPass, reference: NaiveDate) -> Option<NaiveDate> {
        let day = u32::from(self.day_of_year?);
        match pass.issue_date(reference) {
            Some(issued) => {
                let earliest = issued.checked_sub_days(Days::new(1))?;
                (earliest.year()..=earliest.year() + 4)
                    .filter_map(|year| NaiveDate::from_yo_opt(year, day))
                    .find(|date| *date >= earliest)
            }
            None => {
                let latest = reference.checked_add_days(Days::new(NEAR_FUTURE_DAYS))?;
                (reference.year() - 4..=reference.year() + 1)
                    .filter_map(|year| NaiveDate::from_yo_opt(year, day))
                    .filter(|date| *date <= latest)
                    .max()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boarding::bcbp::IssueDate;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn leg_on(day: u16) -> Leg {
        Leg {
            day_of_year: Some(day),
            ..Leg::default()
        }
    }

    fn pass_issued(year_digit: u8, day_of_year: u16) -> BoardingPass {
        let mut pass = BoardingPass::new("TEST/PAX", vec![]);
        pass.date_of_issue = Some(IssueDate {
            year_digit,
            day_of_year,
        });
        pass
    }

    #[test]
    fn without_issue_date_the_flight_is_the_nearest_past_or_near_future_date() {
        let pass = BoardingPass::new("TEST/PAX", vec![]);
        let scan = date(2026, 1, 10);
        assert_eq!(leg_on(10).flight_date(&pass, scan), Some(scan));
        assert_eq!(
            leg_on(360).flight_date(&pass, scan),
            Some(date(2025, 12, 26))
        );
        assert_eq!(leg_on(25).flight_date(&pass, scan), Some(date(2026, 1, 25)));
        assert_eq!(
            leg_on(200).flight_date(&pass, scan),
            Some(date(2025, 7, 19))
        );
        assert_eq!(Leg::default().flight_date(&pass, scan), None);
    }

    #[test]
    fn day_366_falls_in_the_latest_leap_year() {
        let pass = BoardingPass::new("TEST/PAX", vec![]);
        assert_eq!(
            leg_on(366).flight_date(&pass, date(2026, 3, 1)),
            Some(date(2024, 12, 31))
        );
    }

    #[test]
    fn the_date_of_issue_fixes_the_year_across_new_year() {
        let pass = pass_issued(1, 364);
        let scan = date(2023, 12, 31);
        assert_eq!(pass.issue_date(scan), Some(date(2021, 12, 30)));
        assert_eq!(leg_on(1).flight_date(&pass, scan), Some(date(2022, 1, 1)));
        // Same pass scanned on the flight day itself.
        assert_eq!(
            leg_on(1).flight_date(&pass, date(2022, 1, 1)),
            Some(date(2022, 1, 1))
        );
    }

    #[test]
    fn an_issue_date_after_the_scan_belongs_to_the_previous_decade() {
        let pass = pass_issued(6, 225);
        assert_eq!(pass.issue_date(date(2016, 12, 31)), Some(date(2016, 8, 12)));
        assert_eq!(pass.issue_date(date(2016, 8, 1)), Some(date(2006, 8, 13)));
    }

    #[test]
    fn a_flight_on_the_issue_day_or_the_day_before_stays_in_the_issue_year() {
        let pass = pass_issued(6, 225);
        let scan = date(2016, 12, 31);
        assert_eq!(
            leg_on(225).flight_date(&pass, scan),
            Some(date(2016, 8, 12))
        );
        assert_eq!(
            leg_on(224).flight_date(&pass, scan),
            Some(date(2016, 8, 11))
        );
        assert_eq!(
            leg_on(223).flight_date(&pass, scan),
            Some(date(2017, 8, 11))
        );
    }
}

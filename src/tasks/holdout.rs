//! The holdout group: a fraction of the passengers the rules would follow up is left alone, so that the
//! uplift report can tell what the follow-ups changed. The draw is a keyed hash of the person and the
//! period, a pure function: every instance draws the same for a person, who stays in one group for the
//! whole period, and nobody can choose who is held out.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use crate::domain::Cohort;

/// How the holdout is drawn (`[contact.holdout]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HoldoutPolicy {
    /// The share of qualifying persons held out, 0 to 0.5; 0 turns the holdout off.
    pub fraction: f64,
    /// A person stays in one group for periods this long (counted from 1970-01-01 UTC).
    pub period_days: u32,
    /// Persons with an open complaint case are always followed up, and left out of the comparison.
    pub exclude_open_cases: bool,
    /// The key of the draw: the same on every instance, and changed only to draw the groups anew.
    pub key: String,
}

impl Default for HoldoutPolicy {
    fn default() -> Self {
        HoldoutPolicy {
            fraction: 0.05,
            period_days: 90,
            exclude_open_cases: true,
            key: "aboard-holdout".to_string(),
        }
    }
}

/// What is wrong with a holdout policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldoutPolicyError {
    #[error("contact.holdout.fraction must be from 0 (off) to 0.5, not {0}")]
    Fraction(String),
    #[error("contact.holdout.period_days must be at least 1")]
    Period,
    #[error("contact.holdout.key must not be empty")]
    Key,
}

impl HoldoutPolicy {
    pub fn check(&self) -> Result<(), HoldoutPolicyError> {
        if !(0.0..=0.5).contains(&self.fraction) {
            return Err(HoldoutPolicyError::Fraction(self.fraction.to_string()));
        }
        if self.period_days == 0 {
            return Err(HoldoutPolicyError::Period);
        }
        if self.key.is_empty() {
            return Err(HoldoutPolicyError::Key);
        }
        Ok(())
    }

    pub fn is_on(&self) -> bool {
        self.fraction > 0.0
    }
}

/// The period `at` falls in: whole periods of `period_days` since 1970-01-01 UTC.
pub fn period_of(at: DateTime<Utc>, period_days: u32) -> i64 {
    at.timestamp()
        .div_euclid(i64::from(period_days.max(1)) * 86_400)
}

/// The person's group in `period`, or `None` when the holdout is off. `open_case`: the person has a case
/// still open.
pub fn assign(
    policy: &HoldoutPolicy,
    person_id: Uuid,
    open_case: bool,
    period: i64,
) -> Option<Cohort> {
    if !policy.is_on() {
        return None;
    }
    if open_case && policy.exclude_open_cases {
        return Some(Cohort::Exempt);
    }
    Some(if draw(&policy.key, person_id, period) < policy.fraction {
        Cohort::HeldOut
    } else {
        Cohort::Treated
    })
}

/// A number in [0, 1) from the keyed hash of the person and the period.
fn draw(key: &str, person_id: Uuid, period: i64) -> f64 {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return 1.0;
    };
    mac.update(person_id.as_bytes());
    mac.update(&period.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // 53 bits: exactly representable, so the draw is uniform on [0, 1).
    (u64::from_be_bytes(first) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn persons(n: u128) -> impl Iterator<Item = Uuid> {
        (1..=n).map(|i| Uuid::from_u128(i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)))
    }

    #[test]
    fn a_person_stays_in_one_group_within_a_period_and_the_share_is_the_fraction() {
        let policy = HoldoutPolicy::default();
        let held: Vec<Uuid> = persons(20_000)
            .filter(|p| assign(&policy, *p, false, 7) == Some(Cohort::HeldOut))
            .collect();
        // 5% of 20,000 is 1,000, with a standard deviation of about 31.
        assert!(
            (880..=1_120).contains(&held.len()),
            "{} held out",
            held.len()
        );
        for p in &held {
            assert_eq!(assign(&policy, *p, false, 7), Some(Cohort::HeldOut));
        }
        let again: usize = held
            .iter()
            .filter(|p| assign(&policy, **p, false, 8) == Some(Cohort::HeldOut))
            .count();
        assert!(
            again < 150,
            "a new period draws anew: {again} held out twice"
        );
        let other_key = HoldoutPolicy {
            key: "another".to_string(),
            ..HoldoutPolicy::default()
        };
        let same = held
            .iter()
            .filter(|p| assign(&other_key, **p, false, 7) == Some(Cohort::HeldOut))
            .count();
        assert!(
            same < 150,
            "another key draws anew: {same} held out under both"
        );
    }

    #[test]
    fn open_cases_are_exempt_by_default_and_zero_turns_it_off() {
        let policy = HoldoutPolicy {
            fraction: 0.5,
            ..HoldoutPolicy::default()
        };
        let p = Uuid::from_u128(42);
        assert_eq!(assign(&policy, p, true, 1), Some(Cohort::Exempt));
        let included = HoldoutPolicy {
            exclude_open_cases: false,
            ..policy.clone()
        };
        assert_ne!(assign(&included, p, true, 1), Some(Cohort::Exempt));
        let off = HoldoutPolicy {
            fraction: 0.0,
            ..policy
        };
        assert_eq!(assign(&off, p, false, 1), None);
        assert!(
            HoldoutPolicy {
                fraction: 0.9,
                ..HoldoutPolicy::default()
            }
            .check()
            .is_err()
        );
    }

    #[test]
    fn periods_are_whole_days_from_the_epoch() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        assert_eq!(period_of(at("1970-03-31T23:59:59Z"), 90), 0);
        assert_eq!(period_of(at("1970-04-01T00:00:00Z"), 90), 1);
        assert_eq!(period_of(at("1969-12-31T00:00:00Z"), 90), -1);
    }
}

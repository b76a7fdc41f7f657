//! An AeroDataBox-style provider, as sold through RapidAPI: `GET {base}/flights/number/{number}/{date}`
//! with the headers `X-RapidAPI-Key` and `X-RapidAPI-Host`. The answer is a JSON array with one entry
//! per leg; times come as `{"utc": "2026-05-10 06:05Z", "local": "2026-05-10 08:05+02:00"}`. Errors come
//! as `{"message": "..."}` (RapidAPI's gateway and the API alike); no data is 204 or 404.
//!
//! Times are read as follows: `scheduledTime` is the schedule; `revisedTime` is the estimate until the
//! movement happened (departure: the flight left; arrival: it arrived) and the actual time after;
//! `runwayTime` (take-off or landing) stands in for an actual time the provider did not revise.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{FlightStatusError, RetryAfter, StatusProvider, StatusReport};
use crate::config::FlightStatusConfig;
use crate::domain::records::MovementTimes;
use crate::domain::{FlightKey, FlightStatus};

pub struct AeroDataBox {
    http: reqwest::Client,
    base: String,
    key: SecretString,
    host: String,
}

impl AeroDataBox {
    /// The configured provider; a `Config` error says what is missing when it is not configured.
    pub fn from_config(config: &FlightStatusConfig) -> Result<AeroDataBox, FlightStatusError> {
        let base = config
            .base_url
            .as_deref()
            .filter(|b| !b.trim().is_empty())
            .ok_or(FlightStatusError::NotSet("flight_status.base_url"))?;
        let key = config
            .api_key
            .clone()
            .ok_or(FlightStatusError::NotSet("flight_status.api_key"))?;
        let url = reqwest::Url::parse(base.trim()).map_err(|e| {
            FlightStatusError::Config(format!("flight_status.base_url {base:?} is not a URL: {e}"))
        })?;
        let host = match &config.host_header {
            Some(host) => host.clone(),
            None => url
                .host_str()
                .ok_or_else(|| {
                    FlightStatusError::Config(format!(
                        "flight_status.base_url {base:?} has no host"
                    ))
                })?
                .to_string(),
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_seconds.max(1)))
            .user_agent(concat!("aboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FlightStatusError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(AeroDataBox {
            http,
            base: base.trim().trim_end_matches('/').to_string(),
            key,
            host,
        })
    }
}

#[async_trait]
impl StatusProvider for AeroDataBox {
    fn name(&self) -> &'static str {
        "aerodatabox"
    }

    async fn fetch(&self, key: &FlightKey) -> Result<StatusReport, FlightStatusError> {
        let url = format!(
            "{}/flights/number/{}/{}?dateLocalRole=Departure",
            self.base,
            key.flight,
            key.local_date.format("%Y-%m-%d")
        );
        let response = self
            .http
            .get(&url)
            .header("X-RapidAPI-Key", self.key.expose_secret())
            .header("X-RapidAPI-Host", &self.host)
            .send()
            .await
            .map_err(|e| FlightStatusError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let body = response
            .bytes()
            .await
            .map_err(|e| FlightStatusError::Transport(e.without_url().to_string()))?;
        match status {
            StatusCode::OK => report_for(key, &body),
            StatusCode::NO_CONTENT | StatusCode::NOT_FOUND => Err(FlightStatusError::NoData {
                flight: key.to_string(),
                reason: error_message(&body, "the provider knows no such flight on that date"),
            }),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                Err(FlightStatusError::Unauthorized {
                    status: status.as_u16(),
                    message: error_message(&body, "no message"),
                })
            }
            StatusCode::TOO_MANY_REQUESTS => Err(FlightStatusError::RateLimited {
                retry_after,
                message: error_message(&body, "too many requests"),
            }),
            s if s.is_server_error() => Err(FlightStatusError::Server {
                status: s.as_u16(),
                message: error_message(&body, "no message"),
            }),
            s => Err(FlightStatusError::Unexpected {
                status: s.as_u16(),
                message: error_message(&body, "no message"),
            }),
        }
    }
}

/// `Retry-After` as seconds or as an HTTP date; anything else is ignored.
fn retry_after(headers: &HeaderMap) -> Option<RetryAfter> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(RetryAfter::Seconds(seconds));
    }
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|at| RetryAfter::At(at.with_timezone(&Utc)))
}

/// The provider's `{"message": ...}`, or the start of the body, or `fallback` when it is empty.
fn error_message(body: &[u8], fallback: &str) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        message: String,
    }
    if let Ok(e) = serde_json::from_slice::<ErrorBody>(body) {
        return e.message;
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        fallback.to_string()
    } else {
        text.chars().take(200).collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Leg {
    status: Option<String>,
    departure: Option<Movement>,
    arrival: Option<Movement>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Movement {
    airport: Option<Airport>,
    scheduled_time: Option<Time>,
    revised_time: Option<Time>,
    runway_time: Option<Time>,
    gate: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Airport {
    iata: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Time {
    utc: Option<String>,
    local: Option<String>,
}

/// Reads a 200 answer and picks the leg that departs from the flight's origin.
pub fn report_for(key: &FlightKey, body: &[u8]) -> Result<StatusReport, FlightStatusError> {
    let flight = key.to_string();
    let legs: Vec<Leg> =
        serde_json::from_slice(body).map_err(|e| FlightStatusError::Malformed {
            flight: flight.clone(),
            field: format!("line {} column {}", e.line(), e.column()),
            reason: e.to_string(),
        })?;
    let origin = key.origin.as_str();
    let leg = legs
        .into_iter()
        .find(|leg| {
            leg.departure
                .as_ref()
                .and_then(|d| d.airport.as_ref())
                .and_then(|a| a.iata.as_deref())
                .is_some_and(|iata| iata.eq_ignore_ascii_case(origin))
        })
        .ok_or_else(|| FlightStatusError::NoData {
            flight: flight.clone(),
            reason: format!("no leg of the answer departs from {origin}"),
        })?;
    let provider_status = leg.status.clone().unwrap_or_else(|| "Unknown".to_string());
    let status = map_status(&provider_status);
    let departed = matches!(
        provider_status.as_str(),
        "Departed" | "EnRoute" | "Approaching" | "Arrived" | "Diverted"
    );
    let arrived = provider_status == "Arrived";
    let malformed = |field: String, reason: String| FlightStatusError::Malformed {
        flight: flight.clone(),
        field,
        reason,
    };
    let departure = movement_times(leg.departure.as_ref(), "departure", departed, &malformed)?;
    let arrival = movement_times(leg.arrival.as_ref(), "arrival", arrived, &malformed)?;
    Ok(StatusReport {
        status,
        provider_status,
        departure,
        arrival,
        gate: leg
            .departure
            .and_then(|d| d.gate)
            .map(|g| g.trim().to_string())
            .filter(|g| !g.is_empty()),
    })
}

/// The provider's status words, in the vocabulary aboard shares. Unknown and unconfirmed words say
/// nothing: the stored status stays.
fn map_status(word: &str) -> Option<FlightStatus> {
    Some(match word {
        "Expected" => FlightStatus::Scheduled,
        "CheckIn" => FlightStatus::CheckIn,
        "Boarding" => FlightStatus::Boarding,
        "GateClosed" => FlightStatus::GateClosed,
        "Departed" | "EnRoute" | "Approaching" => FlightStatus::Departed,
        "Delayed" => FlightStatus::Delayed,
        "Arrived" => FlightStatus::Arrived,
        "Canceled" => FlightStatus::Cancelled,
        "Diverted" => FlightStatus::Diverted,
        _ => return None,
    })
}

fn movement_times(
    movement: Option<&Movement>,
    side: &str,
    happened: bool,
    malformed: &dyn Fn(String, String) -> FlightStatusError,
) -> Result<MovementTimes, FlightStatusError> {
    let Some(m) = movement else {
        return Ok(MovementTimes::default());
    };
    let read = |time: &Option<Time>,
                name: &str|
     -> Result<Option<DateTime<Utc>>, FlightStatusError> {
        time.as_ref()
            .map(|t| parse_time(t).map_err(|reason| malformed(format!("{side}.{name}"), reason)))
            .transpose()
            .map(Option::flatten)
    };
    let scheduled = read(&m.scheduled_time, "scheduledTime")?;
    let revised = read(&m.revised_time, "revisedTime")?;
    let runway = read(&m.runway_time, "runwayTime")?;
    Ok(if happened {
        MovementTimes {
            scheduled,
            estimated: None,
            actual: revised.or(runway),
        }
    } else {
        MovementTimes {
            scheduled,
            estimated: revised,
            actual: None,
        }
    })
}

/// `{"utc": "2026-05-10 06:05Z", "local": "2026-05-10 08:05+02:00"}`: the UTC form when present, else
/// the local form with its offset.
fn parse_time(time: &Time) -> Result<Option<DateTime<Utc>>, String> {
    if let Some(utc) = time.utc.as_deref() {
        let bare = utc.trim().trim_end_matches('Z');
        for format in ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
            if let Ok(t) = NaiveDateTime::parse_from_str(bare, format) {
                return Ok(Some(t.and_utc()));
            }
        }
        return Err(format!(
            "utc {utc:?} is not a time like \"2026-05-10 06:05Z\""
        ));
    }
    if let Some(local) = time.local.as_deref() {
        let local = local.trim();
        for format in [
            "%Y-%m-%d %H:%M%:z",
            "%Y-%m-%d %H:%M:%S%:z",
            "%Y-%m-%dT%H:%M:%S%:z",
        ] {
            if let Ok(t) = DateTime::parse_from_str(local, format) {
                return Ok(Some(t.with_timezone(&Utc)));
            }
        }
        return Err(format!(
            "local {local:?} is not a time like \"2026-05-10 08:05+02:00\""
        ));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FlightNumber, Iata};
    use chrono::NaiveDate;

    fn key() -> FlightKey {
        FlightKey {
            flight: FlightNumber::parse("IB3166").unwrap(),
            local_date: NaiveDate::from_ymd_opt(2026, 5, 10).unwrap(),
            origin: Iata::parse("MAD").unwrap(),
        }
    }

    fn t(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    const TWO_LEGS: &str = r#"[
      {"number": "IB 3166", "status": "Arrived",
       "departure": {"airport": {"icao": "LEBL", "iata": "BCN"},
                     "scheduledTime": {"utc": "2026-05-10 04:00Z", "local": "2026-05-10 06:00+02:00"}},
       "arrival": {"airport": {"iata": "MAD"}}},
      {"number": "IB 3166", "status": "Boarding",
       "departure": {"airport": {"icao": "LEMD", "iata": "MAD", "name": "Madrid"},
                     "scheduledTime": {"utc": "2026-05-10 06:05Z", "local": "2026-05-10 08:05+02:00"},
                     "revisedTime": {"utc": "2026-05-10 06:25Z", "local": "2026-05-10 08:25+02:00"},
                     "terminal": "4S", "gate": "S21", "quality": ["Basic", "Live"]},
       "arrival": {"airport": {"iata": "JFK"},
                   "scheduledTime": {"local": "2026-05-10 10:40-04:00"},
                   "revisedTime": {"utc": "2026-05-10 15:00Z"}},
       "aircraft": {"model": "Airbus A330"}, "isCargo": false}
    ]"#;

    #[test]
    fn the_leg_from_the_origin_gives_status_times_and_gate() {
        let report = report_for(&key(), TWO_LEGS.as_bytes()).unwrap();
        assert_eq!(report.status, Some(FlightStatus::Boarding));
        assert_eq!(report.provider_status, "Boarding");
        assert_eq!(report.gate.as_deref(), Some("S21"));
        assert_eq!(report.departure.scheduled, t("2026-05-10T06:05:00Z"));
        assert_eq!(report.departure.estimated, t("2026-05-10T06:25:00Z"));
        assert_eq!(report.departure.actual, None);
        assert_eq!(report.arrival.scheduled, t("2026-05-10T14:40:00Z"));
        assert_eq!(report.arrival.estimated, t("2026-05-10T15:00:00Z"));
    }

    #[test]
    fn after_departure_the_revised_time_is_the_actual_one() {
        let body = r#"[{"status": "EnRoute", "departure": {"airport": {"iata": "MAD"},
            "scheduledTime": {"utc": "2026-05-10 06:05Z"}, "revisedTime": {"utc": "2026-05-10 06:31Z"},
            "runwayTime": {"utc": "2026-05-10 06:44Z"}}}]"#;
        let report = report_for(&key(), body.as_bytes()).unwrap();
        assert_eq!(report.status, Some(FlightStatus::Departed));
        assert_eq!(report.departure.actual, t("2026-05-10T06:31:00Z"));
        assert_eq!(report.departure.estimated, None);
    }

    #[test]
    fn every_provider_status_word_has_a_meaning() {
        let words = [
            ("Unknown", None),
            ("Expected", Some(FlightStatus::Scheduled)),
            ("EnRoute", Some(FlightStatus::Departed)),
            ("CheckIn", Some(FlightStatus::CheckIn)),
            ("Boarding", Some(FlightStatus::Boarding)),
            ("GateClosed", Some(FlightStatus::GateClosed)),
            ("Departed", Some(FlightStatus::Departed)),
            ("Delayed", Some(FlightStatus::Delayed)),
            ("Approaching", Some(FlightStatus::Departed)),
            ("Arrived", Some(FlightStatus::Arrived)),
            ("Canceled", Some(FlightStatus::Cancelled)),
            ("Diverted", Some(FlightStatus::Diverted)),
            ("CanceledUncertain", None),
            ("SomethingNew", None),
        ];
        for (word, status) in words {
            assert_eq!(map_status(word), status, "{word}");
        }
    }

    #[test]
    fn malformed_answers_say_where() {
        let err = report_for(&key(), b"{\"message\": 1").unwrap_err();
        assert!(
            matches!(&err, FlightStatusError::Malformed { field, .. } if field.starts_with("line 1")),
            "{err}"
        );
        let body = r#"[{"status": "Expected", "departure": {"airport": {"iata": "MAD"},
            "revisedTime": {"utc": "soon"}}}]"#;
        let err = report_for(&key(), body.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, FlightStatusError::Malformed { field, .. } if field == "departure.revisedTime"),
            "{err}"
        );
        assert!(err.to_string().contains("\"soon\""), "{err}");
        let err = report_for(&key(), b"[]").unwrap_err();
        assert!(matches!(err, FlightStatusError::NoData { .. }), "{err}");
    }

    #[test]
    fn error_bodies_and_retry_after_are_read() {
        assert_eq!(
            error_message(br#"{"message":"You are not subscribed to this API."}"#, "x"),
            "You are not subscribed to this API."
        );
        assert_eq!(error_message(b"", "fallback"), "fallback");
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "30".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(RetryAfter::Seconds(30)));
        headers.insert(
            RETRY_AFTER,
            "Sun, 10 May 2026 06:00:00 GMT".parse().unwrap(),
        );
        assert_eq!(
            retry_after(&headers),
            Some(RetryAfter::At(t("2026-05-10T06:00:00Z").unwrap()))
        );
        headers.insert(RETRY_AFTER, "later".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}

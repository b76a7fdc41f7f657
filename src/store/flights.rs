//! Flights and manifests: schedules, passenger lists, boarding states and stations.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::StoreError;
use super::rows::corrupt;
use crate::domain::ImportWarnings;
use crate::domain::records::{
    Flight, FlightList, FlightUpdate, ImportOutcome, ManifestImport, NewFlight, Passenger, Station,
};
use crate::domain::{BoardingState, FlightKey, Iata};

/// What [`FlightStore::import_manifest_feed`] receives of a file as it is read.
pub enum Fed {
    /// The next flights' lists.
    Lists(Vec<FlightList>),
    /// The file is read; its warnings.
    End(ImportWarnings),
}

pub(super) const UPSERT_STATION: &str = "INSERT INTO stations (iata, staffed, shift_start, shift_end) \
    VALUES ($1, $2, $3, $4) ON CONFLICT (iata) DO UPDATE SET staffed = excluded.staffed, \
    shift_start = excluded.shift_start, shift_end = excluded.shift_end";

#[derive(sqlx::FromRow)]
pub(super) struct StationRow {
    iata: String,
    staffed: bool,
    shift_start: Option<String>,
    shift_end: Option<String>,
}

pub(super) const SELECT_STATION: &str =
    "SELECT iata, staffed, shift_start, shift_end FROM stations WHERE iata = $1";

pub(super) const SELECT_STATIONS: &str =
    "SELECT iata, staffed, shift_start, shift_end FROM stations ORDER BY iata";

fn shift_time(what: &str, raw: Option<String>) -> Result<Option<chrono::NaiveTime>, StoreError> {
    raw.map(|t| chrono::NaiveTime::parse_from_str(&t, "%H:%M").map_err(|e| corrupt(what, e)))
        .transpose()
}

/// The event that logs a station's staffing or shift as set, with what it was before.
pub(super) fn station_event(
    station: &Station,
    before: Option<&Station>,
    actor: &str,
) -> crate::domain::records::NewEvent {
    let described = |s: &Station| {
        serde_json::json!({
            "staffed": s.staffed,
            "shift_start": shift_text(s.shift_start),
            "shift_end": shift_text(s.shift_end),
        })
    };
    super::events::event(
        actor,
        "station.changed",
        "station",
        station.iata.as_str(),
        None,
        None,
        serde_json::json!({ "now": described(station), "before": before.map(described) }),
    )
}

pub(super) fn shift_text(time: Option<chrono::NaiveTime>) -> Option<String> {
    time.map(|t| t.format("%H:%M").to_string())
}

impl TryFrom<StationRow> for Station {
    type Error = StoreError;
    fn try_from(r: StationRow) -> Result<Station, StoreError> {
        Ok(Station {
            iata: Iata::parse(&r.iata).map_err(|e| corrupt("station", e))?,
            staffed: r.staffed,
            shift_start: shift_time("shift start", r.shift_start)?,
            shift_end: shift_time("shift end", r.shift_end)?,
        })
    }
}

/// `$1` id, then the update's fields; `NULL` keeps what is stored.
pub(super) const UPDATE_FLIGHT: &str = "UPDATE flights SET status = COALESCE($2, status), \
    scheduled_departure = COALESCE($3, scheduled_departure), \
    estimated_departure = COALESCE($4, estimated_departure), actual_departure = COALESCE($5, actual_departure), \
    scheduled_arrival = COALESCE($6, scheduled_arrival), estimated_arrival = COALESCE($7, estimated_arrival), \
    actual_arrival = COALESCE($8, actual_arrival), gate = COALESCE($9, gate), \
    boarding_started_at = COALESCE($10, boarding_started_at), gate_closed_at = COALESCE($11, gate_closed_at), \
    updated_at = $12 WHERE id = $1";

pub(super) fn flight_update_detail(before: &Flight, after: &Flight) -> serde_json::Value {
    let mut changes = serde_json::Map::new();
    let mut note = |name: &str, old: serde_json::Value, new: serde_json::Value| {
        if old != new {
            changes.insert(
                name.to_string(),
                serde_json::json!({ "from": old, "to": new }),
            );
        }
    };
    note(
        "status",
        serde_json::json!(before.status),
        serde_json::json!(after.status),
    );
    note(
        "gate",
        serde_json::json!(before.gate),
        serde_json::json!(after.gate),
    );
    note(
        "departure",
        serde_json::json!(before.departure),
        serde_json::json!(after.departure),
    );
    note(
        "arrival",
        serde_json::json!(before.arrival),
        serde_json::json!(after.arrival),
    );
    note(
        "boarding_started_at",
        serde_json::json!(before.boarding_started_at),
        serde_json::json!(after.boarding_started_at),
    );
    note(
        "gate_closed_at",
        serde_json::json!(before.gate_closed_at),
        serde_json::json!(after.gate_closed_at),
    );
    serde_json::Value::Object(changes)
}

/// Flights, their manifests and passengers, and stations.
#[async_trait]
pub trait FlightStore: Send + Sync {
    /// Creates the flight or updates its schedule, gate and status; the key never changes.
    async fn upsert_flight(
        &self,
        flight: &NewFlight,
        at: DateTime<Utc>,
    ) -> Result<Flight, StoreError>;
    async fn flight(&self, id: Uuid) -> Result<Option<Flight>, StoreError>;
    /// The flights of `ids` that exist, in one query, in no particular order.
    async fn flights(&self, ids: &[Uuid]) -> Result<Vec<Flight>, StoreError>;
    async fn find_flight(&self, key: &FlightKey) -> Result<Option<Flight>, StoreError>;
    /// Flights whose scheduled departure lies in `[from, to)`, earliest first.
    async fn flights_departing(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Flight>, StoreError>;
    /// Flights by local departure date, as ops boards list them.
    async fn flights_on(&self, local_date: NaiveDate) -> Result<Vec<Flight>, StoreError>;
    /// The flights whose best-known departure (actual, else estimated, else scheduled) falls in
    /// `[from, to)`, from any of `origins` (every origin when `None`), in departure order: a station's
    /// operating day, which runs past midnight.
    async fn operating_flights(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        origins: Option<&[Iata]>,
    ) -> Result<Vec<Flight>, StoreError>;
    /// Applies one file's manifest data in one transaction: flights created or updated, passengers added,
    /// refreshed or marked removed (their open tasks cancelled with the reason), the import recorded and
    /// logged. The same file twice changes nothing; a list older than the flight's last one is refused
    /// (`StoreError::Conflict`).
    async fn import_manifest(
        &self,
        import: &ManifestImport,
        at: DateTime<Utc>,
    ) -> Result<ImportOutcome, StoreError> {
        self.import_manifests(std::slice::from_ref(import), at)
            .await?
            .pop()
            .unwrap_or_else(|| Err(StoreError::NotFound("the import's outcome".to_string())))
    }
    /// One file whose lists arrive while it is read (`feed`, ended by [`Fed::End`] with the file's
    /// warnings), written as they come in one transaction: whole, or nothing when the feed closes before
    /// its end (the file was refused as it was read; [`StoreError::Abandoned`]).
    async fn import_manifest_feed(
        &self,
        head: &ManifestImport,
        feed: &mut tokio::sync::mpsc::Receiver<Fed>,
        at: DateTime<Utc>,
    ) -> Result<ImportOutcome, StoreError>;
    /// Several files in one transaction, each whole or not at all: a file refused as out of order is
    /// rolled back alone (its outcome is the conflict) and the others stand; any other failure rolls
    /// back every file. One commit for a night's worth of lists instead of one per file.
    async fn import_manifests(
        &self,
        imports: &[ManifestImport],
        at: DateTime<Utc>,
    ) -> Result<Vec<Result<ImportOutcome, StoreError>>, StoreError>;
    async fn passenger(&self, id: Uuid) -> Result<Option<Passenger>, StoreError>;
    async fn passengers(&self, flight_id: Uuid) -> Result<Vec<Passenger>, StoreError>;
    /// Moves a passenger to a boarding state and logs it; returns false when they were already there.
    async fn set_boarding_state(
        &self,
        passenger_id: Uuid,
        state: BoardingState,
        reason: Option<&str>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Applies a flight event and logs it as `action` (e.g. `flight.gate_closed`); returns the flight before
    /// and after.
    async fn update_flight(
        &self,
        flight_id: Uuid,
        update: &FlightUpdate,
        action: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(Flight, Flight), StoreError>;
    /// Sets whether a station is staffed and its shift; a change is logged as `station.changed`.
    async fn upsert_station(
        &self,
        station: &Station,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn station(&self, iata: &str) -> Result<Option<Station>, StoreError>;
    /// Every station set so far, by code.
    async fn stations(&self) -> Result<Vec<Station>, StoreError>;
}

/// Implements `FlightStore` for a backend store over its connection type `$conn`, once for both backends;
/// the backend brings the methods whose SQL or speed differs on it.
macro_rules! flight_store {
    ($store:ty, $conn:ty, { $($backend:tt)* }) => {
        async fn fetch_flight(conn: &mut $conn, id: Uuid) -> Result<Flight, StoreError> {
            sqlx::query_as::<_, FlightRow>(AssertSqlSafe(format!(
                "SELECT {FLIGHT_COLUMNS} FROM flights WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("flight {id}")))?
            .try_into()
        }

        async fn find_flight_in(
            conn: &mut $conn,
            key: &FlightKey,
        ) -> Result<Option<Flight>, StoreError> {
            sqlx::query_as::<_, FlightRow>(AssertSqlSafe(format!(
                "SELECT {FLIGHT_COLUMNS} FROM flights WHERE carrier = $1 AND number = $2 AND local_date = $3 AND origin = $4"
            )))
            .bind(key.flight.carrier().as_str())
            .bind(key.flight.number_part())
            .bind(key.local_date)
            .bind(key.origin.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .map(Flight::try_from)
            .transpose()
        }

        #[async_trait]
        impl $crate::store::FlightStore for $store {
            $($backend)*

            async fn upsert_flight(
                &self,
                flight: &NewFlight,
                at: DateTime<Utc>,
            ) -> Result<Flight, StoreError> {
                let mut tx = self.write().await?;
                bind_flight!(sqlx::query(UPSERT_FLIGHT), flight, at)
                    .execute(&mut *tx)
                    .await?;
                let stored = find_flight_in(&mut tx, &flight.key)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("flight {}", flight.key)))?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn flight(&self, id: Uuid) -> Result<Option<Flight>, StoreError> {
                sqlx::query_as::<_, FlightRow>(AssertSqlSafe(format!(
                    "SELECT {FLIGHT_COLUMNS} FROM flights WHERE id = $1"
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .map(Flight::try_from)
                .transpose()
            }

            async fn flights(&self, ids: &[Uuid]) -> Result<Vec<Flight>, StoreError> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut query = sqlx::query_as::<_, FlightRow>(AssertSqlSafe(format!(
                    "SELECT {FLIGHT_COLUMNS} FROM flights WHERE id IN ({})",
                    placeholders(1, ids.len())
                )));
                for id in ids {
                    query = query.bind(id);
                }
                query
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(Flight::try_from)
                    .collect()
            }

            async fn find_flight(&self, key: &FlightKey) -> Result<Option<Flight>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                find_flight_in(&mut conn, key).await
            }

            async fn flights_departing(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<Flight>, StoreError> {
                sqlx::query_as::<_, FlightRow>(AssertSqlSafe(format!(
                    "SELECT {FLIGHT_COLUMNS} FROM flights WHERE scheduled_departure >= $1 \
                     AND scheduled_departure < $2 ORDER BY scheduled_departure, carrier, number"
                )))
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Flight::try_from)
                .collect()
            }

            async fn flights_on(&self, local_date: NaiveDate) -> Result<Vec<Flight>, StoreError> {
                sqlx::query_as::<_, FlightRow>(AssertSqlSafe(format!(
                    "SELECT {FLIGHT_COLUMNS} FROM flights WHERE local_date = $1 \
                     ORDER BY scheduled_departure, carrier, number"
                )))
                .bind(local_date)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Flight::try_from)
                .collect()
            }

            async fn operating_flights(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
                origins: Option<&[Iata]>,
            ) -> Result<Vec<Flight>, StoreError> {
                let origins = origins.map(|o| o.to_vec());
                if origins.as_ref().is_some_and(Vec::is_empty) {
                    return Ok(Vec::new());
                }
                let of_origins = origins.as_ref().map_or(String::new(), |o| {
                    format!(" AND origin IN ({})", placeholders(3, o.len()))
                });
                let mut query = sqlx::query_as::<_, FlightRow>(AssertSqlSafe(format!(
                    "SELECT {FLIGHT_COLUMNS} FROM flights \
                     WHERE COALESCE(actual_departure, estimated_departure, scheduled_departure) >= $1 \
                     AND COALESCE(actual_departure, estimated_departure, scheduled_departure) < $2{of_origins} \
                     ORDER BY COALESCE(actual_departure, estimated_departure, scheduled_departure), carrier, number"
                )))
                .bind(from)
                .bind(to);
                for origin in origins.iter().flatten() {
                    query = query.bind(origin.as_str());
                }
                query
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(Flight::try_from)
                    .collect()
            }

            async fn passenger(&self, id: Uuid) -> Result<Option<Passenger>, StoreError> {
                sqlx::query_as::<_, PassengerRow>(AssertSqlSafe(format!(
                    "SELECT {PASSENGER_COLUMNS} FROM passengers WHERE id = $1"
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .map(Passenger::try_from)
                .transpose()
            }

            async fn passengers(&self, flight_id: Uuid) -> Result<Vec<Passenger>, StoreError> {
                sqlx::query_as::<_, PassengerRow>(AssertSqlSafe(format!(
                    "SELECT {PASSENGER_COLUMNS} FROM passengers WHERE flight_id = $1 ORDER BY surname, given_name, id"
                )))
                .bind(flight_id)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Passenger::try_from)
                .collect()
            }

            async fn set_boarding_state(
                &self,
                passenger_id: Uuid,
                state: BoardingState,
                reason: Option<&str>,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let mut tx = self.write().await?;
                let flight_id: Option<Uuid> = sqlx::query_scalar(
                    "UPDATE passengers SET boarding_state = $2, removed_reason = $3, \
                     boarded_at = CASE WHEN $2 = 'boarded' THEN $4 ELSE boarded_at END, updated_at = $4 \
                     WHERE id = $1 AND boarding_state <> $2 RETURNING flight_id",
                )
                .bind(passenger_id)
                .bind(state.as_str())
                .bind(reason)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(flight_id) = flight_id else {
                    return Ok(false);
                };
                let detail = serde_json::json!({ "state": state.as_str(), "reason": reason });
                let e = event(
                    actor,
                    "passenger.boarding_state",
                    "passenger",
                    passenger_id,
                    Some(flight_id),
                    None,
                    detail,
                );
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn update_flight(
                &self,
                flight_id: Uuid,
                update: &FlightUpdate,
                action: &str,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<(Flight, Flight), StoreError> {
                let mut tx = self.write().await?;
                let before = fetch_flight(&mut tx, flight_id).await?;
                sqlx::query(UPDATE_FLIGHT)
                    .bind(flight_id)
                    .bind(update.status.map(|s| s.as_str()))
                    .bind(update.departure.scheduled)
                    .bind(update.departure.estimated)
                    .bind(update.departure.actual)
                    .bind(update.arrival.scheduled)
                    .bind(update.arrival.estimated)
                    .bind(update.arrival.actual)
                    .bind(update.gate.as_deref())
                    .bind(update.boarding_started_at)
                    .bind(update.gate_closed_at)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                let after = fetch_flight(&mut tx, flight_id).await?;
                let e = event(
                    actor,
                    action,
                    "flight",
                    flight_id,
                    Some(flight_id),
                    None,
                    flight_update_detail(&before, &after),
                );
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                Ok((before, after))
            }

            async fn upsert_station(
                &self,
                station: &Station,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let mut tx = self.write().await?;
                let before = sqlx::query_as::<_, StationRow>(SELECT_STATION)
                    .bind(station.iata.as_str())
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(Station::try_from)
                    .transpose()?;
                sqlx::query(UPSERT_STATION)
                    .bind(station.iata.as_str())
                    .bind(station.staffed)
                    .bind(shift_text(station.shift_start))
                    .bind(shift_text(station.shift_end))
                    .execute(&mut *tx)
                    .await?;
                if before.as_ref() != Some(station) {
                    let e = station_event(station, before.as_ref(), actor);
                    insert_event(&mut tx, &e, at).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn station(&self, iata: &str) -> Result<Option<Station>, StoreError> {
                sqlx::query_as::<_, StationRow>(SELECT_STATION)
                    .bind(iata)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(Station::try_from)
                    .transpose()
            }

            async fn stations(&self) -> Result<Vec<Station>, StoreError> {
                sqlx::query_as::<_, StationRow>(SELECT_STATIONS)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(Station::try_from)
                    .collect()
            }
        }
    };
}
pub(super) use flight_store;

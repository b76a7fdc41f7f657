//! POST /api/inbound-messages: a person wrote to the airline. The bridge from a network's webhook, or the
//! social-care tool, reports the sender's account and when; aboard notes the time on that person, which
//! opens the networks' reply windows for advisors (`app::inbound`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Staff;
use super::{AppState, WebError};
use crate::app::inbound::{InboundError, record_inbound};
use crate::clock;
use crate::domain::records::InboundMessage;
use crate::domain::{Network, Role};

/// Integrations run with an ops token; admins too.
pub(super) const INBOUND_ROLES: &[Role] = &[Role::Ops, Role::Admin];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundRequest {
    /// A `Network` word.
    pub network: String,
    #[serde(default)]
    pub network_user_id: Option<String>,
    #[serde(default)]
    pub handle: Option<String>,
    /// When the person wrote; now when left out.
    #[serde(default)]
    pub received_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Noted {
    /// The registry persons whose account sent the message; empty for an unknown sender, whose message
    /// is kept in the event log.
    persons: Vec<Uuid>,
}

/// A request that names no sender, or no network aboard knows.
#[derive(Serialize, ToSchema)]
struct Refused {
    error: String,
    field: &'static str,
}

/// Notes that a person wrote to the airline: {network, network_user_id | handle, received_at?}.
#[utoipa::path(
    post,
    path = "/api/inbound-messages",
    tag = "registry",
    description = "A person wrote to the airline: note when, on the registry persons whose account sent it, \
        which opens the networks' reply windows. Roles: ops, admin",
    request_body = InboundRequest,
    responses(
        (status = OK, description = "The persons noted", body = Noted),
        (status = UNPROCESSABLE_ENTITY, description = "The request is not valid", body = Refused),
    )
)]
pub async fn post(
    State(state): State<AppState>,
    staff: Staff,
    Json(request): Json<InboundRequest>,
) -> Result<Response, WebError> {
    let invalid = |field: &'static str, error: String| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(Refused { error, field }),
        )
            .into_response()
    };
    let network: Network = match request.network.parse() {
        Ok(network) => network,
        Err(e) => return Ok(invalid("network", format!("network: {e}"))),
    };
    let now = clock::now();
    let message = InboundMessage {
        network,
        network_user_id: request.network_user_id,
        handle: request.handle,
        received_at: request.received_at.unwrap_or(now),
    };
    match record_inbound(state.store.as_ref(), message, &staff.actor(), now).await {
        Ok(persons) => Ok(Json(Noted { persons }).into_response()),
        Err(InboundError::Invalid { field, why }) => Ok(invalid(field, format!("{field}: {why}"))),
        Err(InboundError::Store(e)) => Err(e.into()),
    }
}

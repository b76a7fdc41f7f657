//! The JSON API for machines and scripts. Every endpoint takes a `Staff` and checks its role and scope;
//! tokens arrive as `Authorization: Bearer`, and a browser session may call it too (with its CSRF header
//! on anything but GET).

use axum::Json;
use serde::Serialize;

use super::auth::{Credential, Staff};
use crate::domain::{Role, Scopes};

#[derive(Serialize, utoipa::ToSchema)]
pub struct WhoAmI {
    /// `session` or `token`.
    pub kind: &'static str,
    pub name: String,
    pub role: Role,
    pub scopes: Scopes,
}

/// Who the credential belongs to and what it may do: how a script checks its token before work.
#[utoipa::path(
    get,
    path = "/api/whoami",
    tag = "staff",
    description = "Any role",
    responses((status = OK, description = "The caller and its grant", body = WhoAmI))
)]
pub async fn whoami(staff: Staff) -> Json<WhoAmI> {
    Json(WhoAmI {
        kind: match staff.credential {
            Credential::Session { .. } => "session",
            Credential::Token => "token",
        },
        role: staff.role(),
        scopes: staff.grant.scopes().clone(),
        name: staff.name,
    })
}

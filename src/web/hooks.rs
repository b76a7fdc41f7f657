//! The networks' webhooks: /hooks/whatsapp, /hooks/messenger, /hooks/instagram (Meta: GET verification
//! with `hub.challenge`, POSTs signed in `X-Hub-Signature-256`) and /hooks/x (GET CRC, POSTs signed in
//! `x-twitter-webhooks-signature`). No staff signs in here: the signature over the raw body, with the
//! secret in the network's `[outbox.*]` section, is the credential; a body whose signature does not
//! verify gets 401 and nothing is stored. A network without its section, or without its secret, has no
//! webhook (404). What the events say is applied by `app::hooks`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::AppState;
use crate::app::hooks;
use crate::clock;
use crate::messaging::hooks::{
    HookEvent, meta_signature_valid, parse_meta, parse_x, x_signature_valid, x_token,
};

/// The Meta app's secrets for one of its networks' webhooks.
struct MetaSecrets {
    app_secret: Option<SecretString>,
    verify_token: Option<SecretString>,
}

fn meta_secrets(state: &AppState, network: &str) -> Option<MetaSecrets> {
    let outbox = &state.outbox;
    match network {
        "whatsapp" => outbox.whatsapp.as_ref().map(|c| MetaSecrets {
            app_secret: c.app_secret.clone(),
            verify_token: c.verify_token.clone(),
        }),
        "messenger" => outbox.messenger.as_ref().map(|c| MetaSecrets {
            app_secret: c.app_secret.clone(),
            verify_token: c.verify_token.clone(),
        }),
        "instagram" => outbox.instagram.as_ref().map(|c| MetaSecrets {
            app_secret: c.app_secret.clone(),
            verify_token: c.verify_token.clone(),
        }),
        _ => None,
    }
}

fn no_webhook() -> Response {
    (StatusCode::NOT_FOUND, "no webhook is configured here").into_response()
}

fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[derive(Deserialize)]
pub struct Verification {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// GET /hooks/{whatsapp|messenger|instagram}: Meta's registration handshake.
pub async fn meta_verify(
    State(state): State<AppState>,
    axum::extract::Path(network): axum::extract::Path<String>,
    Query(query): Query<Verification>,
) -> Response {
    let Some(secrets) = meta_secrets(&state, &network) else {
        return no_webhook();
    };
    let Some(expected) = secrets.verify_token else {
        return no_webhook();
    };
    match (query.mode.as_deref(), query.verify_token, query.challenge) {
        (Some("subscribe"), Some(token), Some(challenge))
            if same(&token, expected.expose_secret()) =>
        {
            (StatusCode::OK, challenge).into_response()
        }
        _ => (StatusCode::FORBIDDEN, "the verify token does not match").into_response(),
    }
}

async fn apply(state: &AppState, events: Vec<HookEvent>, network: &str) -> Response {
    match hooks::apply(state.store.as_ref(), events, clock::now()).await {
        Ok(applied) => {
            tracing::debug!(network, ?applied, "webhook applied");
            (StatusCode::OK, "EVENT_RECEIVED").into_response()
        }
        Err(e) => {
            // A 5xx makes the network deliver the event again later.
            tracing::error!(network, error = %e, "a webhook delivery could not be stored");
            (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response()
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// POST /hooks/{whatsapp|messenger|instagram}: statuses and replies, signed with the app secret.
pub async fn meta_events(
    State(state): State<AppState>,
    axum::extract::Path(network): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(secret) = meta_secrets(&state, &network).and_then(|s| s.app_secret) else {
        return no_webhook();
    };
    if !meta_signature_valid(
        secret.expose_secret(),
        &body,
        header(&headers, "x-hub-signature-256"),
    ) {
        tracing::warn!(
            network,
            "a webhook body whose signature does not verify: refused"
        );
        return (StatusCode::UNAUTHORIZED, "the signature does not verify").into_response();
    }
    let events = serde_json::from_slice::<Value>(&body)
        .map_err(|e| format!("the body is not JSON: {e}"))
        .and_then(|value| parse_meta(&value, clock::now()));
    match events {
        Ok(events) => apply(&state, events, &network).await,
        Err(why) => (StatusCode::BAD_REQUEST, why).into_response(),
    }
}

#[derive(Deserialize)]
pub struct Crc {
    crc_token: Option<String>,
}

/// GET /hooks/x: X's challenge-response check, at registration and periodically after.
pub async fn x_crc(State(state): State<AppState>, Query(query): Query<Crc>) -> Response {
    let Some(secret) = state
        .outbox
        .x
        .as_ref()
        .and_then(|x| x.consumer_secret.clone())
    else {
        return no_webhook();
    };
    match query.crc_token {
        Some(token) => Json(json!({
            "response_token": x_token(secret.expose_secret(), token.as_bytes())
        }))
        .into_response(),
        None => (StatusCode::BAD_REQUEST, "crc_token is missing").into_response(),
    }
}

/// POST /hooks/x: direct message events, signed with the consumer secret.
pub async fn x_events(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(x) = state.outbox.x.as_ref() else {
        return no_webhook();
    };
    let Some(secret) = x.consumer_secret.as_ref() else {
        return no_webhook();
    };
    if !x_signature_valid(
        secret.expose_secret(),
        &body,
        header(&headers, "x-twitter-webhooks-signature"),
    ) {
        tracing::warn!(
            network = "x",
            "a webhook body whose signature does not verify: refused"
        );
        return (StatusCode::UNAUTHORIZED, "the signature does not verify").into_response();
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(value) => apply(&state, parse_x(&value, &x.user_id, clock::now()), "x").await,
        Err(e) => (
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON: {e}"),
        )
            .into_response(),
    }
}

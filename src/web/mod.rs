//! The HTTP edge: the JSON API, the staff pages and the operational endpoints (/healthz, /readyz, /metrics).
//! Handlers translate HTTP to calls on `app`'s use cases, the domain and the store; `WebError` maps every
//! lower error to a status code and a message that never leaks internals. Depends on every domain
//! concern, on `app` and on `store`.
//!
//! Adding a staff page or endpoint: write a handler that takes `staff: auth::Staff` (which alone makes
//! it require a signed-in caller) and, where the data belongs to a station or language, call
//! `staff.require_station(&iata)?` / `staff.require_language(code)?` before touching anything, or call a
//! use case in `app` as `staff.caller()`, which checks them itself (answer its `ServiceError` with
//! `staff.refused`); then add the route to the group of its roles in `page_routes` below or, for the JSON
//! API, give the handler a `#[utoipa::path]` and add it to its group in `api_routes`, which routes and
//! describes it in one. A group's roles are checked before anything of the request is read, so a caller
//! without them gets 403 whatever they send; a body is read only up to its route's limit. Pages render an askama template from `src/web/templates/` whose struct has
//! `page: pages::PageContext`; strings come from `i18n::Msg`.

/// Staff and token management is `app::accounts`; scripts and tests that make accounts found it here.
pub use crate::app::accounts;
/// How often an open gate page's event stream beats while nothing changes.
pub use gate::HEARTBEAT as GATE_HEARTBEAT;
mod admin;
pub mod advisor;
mod advisor_api;
mod api;
pub mod assets;
pub mod auth;
mod boarding;
mod events;
mod gate;
mod health;
mod hooks;
pub mod i18n;
pub mod import;
mod inbound;
pub mod metrics;
mod openapi;
mod ops;
mod ops_import;
pub mod pages;
mod registry;
mod reports;
mod review;
mod scheduler;
pub mod server;
pub mod tasks_api;
pub mod upload;

use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use tower_http::limit::RequestBodyLimitLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::events::EVENT_ROLES;
use crate::app::reload::RulesStatus;
use crate::app::reports::REPORT_ROLES;
use crate::app::review::REVIEW_ROLES;
use crate::app::{Engine, ServiceError};
use crate::domain::{Role, UiLanguage};
use crate::scheduler::Scheduler;
use crate::store::{Store, StoreError};
use auth::{AuthError, CookiePolicy, Surface};
use metrics::Metrics;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub metrics: Arc<Metrics>,
    pub engine: Arc<Engine>,
    pub rules_status: Arc<Mutex<RulesStatus>>,
    pub scheduler: Arc<Scheduler>,
    pub cookies: CookiePolicy,
    /// Approved message templates advisors may fill.
    pub messaging: Arc<crate::messaging::templates::MessagingConfig>,
    /// API tokens resolved in the last few seconds.
    pub tokens: Arc<auth::token_cache::TokenCache>,
    /// Reads phone numbers written without their country code in imports (`import.default_region`).
    pub default_region: Option<crate::domain::Region>,
    /// The connectors' sections: the networks' webhook secrets, and whether anything is delivered.
    pub outbox: Arc<crate::messaging::outbox::OutboxConfig>,
    /// Turns true when the server begins to stop: event streams, which stay open, end then.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Failed sign-ins that lock a login or an address out.
    pub signin: auth::SigninLimits,
    /// Where uploads are written while they are imported (`upload`).
    pub upload_dir: Arc<std::path::PathBuf>,
}

pub fn router(state: AppState) -> Router {
    let (described, openapi) = described_routes(state.clone()).split_for_parts();
    Router::new()
        .merge(described)
        .route("/assets/{name}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        // The networks' webhooks: their signatures, not a staff sign-in, let them in.
        .route("/hooks/x", get(hooks::x_crc).post(hooks::x_events))
        .route(
            "/hooks/{network}",
            get(hooks::meta_verify).post(hooks::meta_events),
        )
        .merge(page_routes(state.clone()))
        .fallback(pages::not_found)
        .layer(Extension(openapi::Document::new(openapi)))
        .layer(from_fn(security_headers))
        .route_layer(from_fn_with_state(state.metrics.clone(), metrics::track))
        .with_state(state)
}

/// The routes /api/openapi.json describes, each declared once by its handler's `#[utoipa::path]`: the
/// operational endpoints, and the JSON API with `auth::authenticate` in front of it.
pub fn described_routes(state: AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::metrics))
        .merge(api_routes(state))
}

/// Who may use a group of routes; each group is checked by `auth::allow` before its handlers read anything.
const OPS: &[Role] = &[Role::Ops];
const OPS_ADMIN: &[Role] = &[Role::Ops, Role::Admin];
const GATE: &[Role] = &[Role::Gate, Role::Ops];
const ADVISOR: &[Role] = &[Role::Advisor, Role::Ops];
const ADMIN: &[Role] = &[Role::Admin];

/// Largest body of a JSON request or a staff form: a person, a message, a batch of scans.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Bodies of at most `max` bytes: one announcing more is refused with 413 before any of it is read, and
/// one that does not announce its length is cut off there.
fn body_limit(max: usize) -> (DefaultBodyLimit, RequestBodyLimitLayer) {
    (DefaultBodyLimit::disable(), RequestBodyLimitLayer::new(max))
}

fn api_routes(state: AppState) -> OpenApiRouter<AppState> {
    // The roles outermost: a caller without them is refused before the body's length is even looked at.
    let only = |roles: &'static [Role], limit: usize, routes: OpenApiRouter<AppState>| {
        routes
            .route_layer(body_limit(limit))
            .route_layer(from_fn_with_state(roles, auth::allow))
    };
    let anyone = OpenApiRouter::new()
        .routes(routes!(api::whoami))
        .routes(routes!(openapi::document))
        .route_layer(body_limit(BODY_LIMIT));
    let ops_admin = OpenApiRouter::new()
        .routes(routes!(health::rules_status))
        .routes(routes!(scheduler::jobs))
        .routes(routes!(import::held_messages));
    let uploads = OpenApiRouter::new()
        .routes(routes!(import::upload_manifest))
        .routes(routes!(import::upload_schedule));
    let advisor = OpenApiRouter::new()
        .routes(routes!(advisor_api::queue))
        .routes(routes!(advisor_api::messages, advisor_api::send))
        .routes(routes!(advisor_api::send_again));
    // boarding: gate scans, flight events (a flight's own events ops only, said by the handler) and
    // in-person tasks
    let gate = OpenApiRouter::new()
        .routes(routes!(boarding::list_scans, boarding::post_scans))
        .routes(routes!(boarding::post_flight_event))
        .routes(routes!(tasks_api::list))
        .routes(routes!(tasks_api::claim))
        .routes(routes!(tasks_api::close));
    // registry and identity matching
    let registry = OpenApiRouter::new()
        .routes(routes!(registry::import))
        .routes(routes!(registry::read, registry::upsert, registry::erase));
    let inbound = OpenApiRouter::new().routes(routes!(inbound::post));
    let review = OpenApiRouter::new()
        .routes(routes!(registry::decide))
        .routes(routes!(review::api_list));
    // analysts and the airline's systems
    let events = OpenApiRouter::new().routes(routes!(events::api));
    let reports = OpenApiRouter::new()
        .routes(routes!(reports::funnel))
        .routes(routes!(reports::latency))
        .routes(routes!(reports::deadlines))
        .routes(routes!(reports::matching))
        .routes(routes!(reports::uplift));
    anyone
        .merge(only(OPS_ADMIN, BODY_LIMIT, ops_admin))
        .merge(only(OPS_ADMIN, import::MAX_UPLOAD_BYTES, uploads))
        .merge(only(ADVISOR, BODY_LIMIT, advisor))
        .merge(only(GATE, BODY_LIMIT, gate))
        .merge(only(registry::REGISTRY_ROLES, BODY_LIMIT, registry))
        .merge(only(inbound::INBOUND_ROLES, BODY_LIMIT, inbound))
        .merge(only(REVIEW_ROLES, BODY_LIMIT, review))
        .merge(only(EVENT_ROLES, BODY_LIMIT, events))
        .merge(only(REPORT_ROLES, BODY_LIMIT, reports))
        .route_layer(from_fn_with_state(state, auth::authenticate))
}

/// The staff pages: HTML for people signed in, with `auth::authenticate` in front of each.
fn page_routes(state: AppState) -> Router<AppState> {
    let only = |roles: &'static [Role], limit: usize, routes: Router<AppState>| {
        routes
            .route_layer(body_limit(limit))
            .route_layer(from_fn_with_state(roles, auth::allow))
    };
    let anyone = Router::new()
        .route("/", get(pages::home))
        .route("/signin", get(pages::signin).post(pages::signin_submit))
        .route("/signout", post(pages::signout))
        .route("/account/language", post(pages::set_language))
        .route_layer(body_limit(BODY_LIMIT));
    let advisor = Router::new()
        .route("/advisor", get(advisor::queue_page))
        .route("/advisor/tasks/{id}", get(advisor::task_page))
        .route("/advisor/tasks/{id}/claim", post(advisor::claim))
        .route("/advisor/tasks/{id}/events", get(advisor::thread_events))
        .route("/advisor/tasks/{id}/check", post(advisor::check_text))
        .route(
            "/advisor/tasks/{id}/messages",
            get(advisor::messages_fragment).post(advisor::send),
        )
        .route(
            "/advisor/tasks/{id}/messages/{message}/again",
            post(advisor::send_again),
        )
        .route("/advisor/tasks/{id}/close", post(advisor::close));
    let gate = Router::new()
        .route("/gate", get(gate::pick))
        .route("/gate/{station}", get(gate::station))
        .route("/gate/{station}/events", get(gate::events))
        .route("/gate/flight/{id}", get(gate::flight))
        .route("/gate/flight/{id}/print", get(gate::print))
        .route("/gate/tasks/{id}/outcome", post(gate::outcome))
        .route("/gate/tasks/{id}/undo", post(gate::undo))
        .route("/gate/tasks/{id}/claim", post(gate::claim));
    let ops = Router::new()
        .route("/ops/flights", get(ops::flights))
        .route("/ops/rules", get(ops::rules))
        .route("/ops/scheduler", get(ops::scheduler));
    let events = Router::new().route("/ops/events", get(events::page));
    let reports = Router::new()
        .route("/reports", get(reports::page))
        .route("/reports/csv/{table}", get(reports::csv_download))
        .route("/reports/ambassadors", get(reports::ambassadors))
        .route("/reports/uplift", get(reports::uplift_page));
    let upload = Router::new().route(
        "/ops/import",
        get(ops_import::form).post(ops_import::upload),
    );
    let admin = Router::new()
        .route(
            "/admin/staff",
            get(admin::staff_list).post(admin::staff_add),
        )
        .route(
            "/admin/staff/{login}",
            get(admin::staff_edit).post(admin::staff_update),
        )
        .route("/admin/staff/{login}/disable", post(admin::staff_disable))
        .route("/admin/staff/{login}/enable", post(admin::staff_enable))
        .route("/admin/staff/{login}/password", post(admin::staff_password))
        .route(
            "/admin/tokens",
            get(admin::tokens).post(admin::token_create),
        )
        .route("/admin/tokens/{id}/revoke", post(admin::token_revoke))
        .route(
            "/admin/stations",
            get(admin::stations_list).post(admin::station_set),
        );
    let review = Router::new()
        .route("/review", get(review::page))
        .route("/review/{passenger_id}/{person_id}", post(review::decide));
    anyone
        .merge(only(ADVISOR, BODY_LIMIT, advisor))
        .merge(only(GATE, BODY_LIMIT, gate))
        .merge(only(OPS, BODY_LIMIT, ops))
        .merge(only(OPS, import::MAX_UPLOAD_BYTES, upload))
        .merge(only(REVIEW_ROLES, BODY_LIMIT, review))
        .merge(only(EVENT_ROLES, BODY_LIMIT, events))
        .merge(only(REPORT_ROLES, BODY_LIMIT, reports))
        .merge(only(ADMIN, BODY_LIMIT, admin))
        .route_layer(from_fn_with_state(state, auth::authenticate))
}

/// Headers that keep pages from being framed, sniffed or made to run scripts from elsewhere.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ),
    );
    response
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("the database is not available")]
    Unavailable(#[source] StoreError),
    #[error("{0}")]
    NotFound(String),
    #[error("internal error")]
    Internal(#[source] StoreError),
    #[error("the server is too busy; try again")]
    Busy,
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Upload(#[from] upload::UploadError),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => WebError::NotFound(what),
            StoreError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_),
            ) => WebError::Unavailable(e),
            other => WebError::Internal(other),
        }
    }
}

impl From<ServiceError> for WebError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Store(e) => WebError::from(e),
            ServiceError::NotFound(what) => WebError::NotFound(what),
            // Pages say it on the caller's page with `Staff::refused`; this is the API's answer.
            ServiceError::Forbidden => WebError::Auth(AuthError::Forbidden {
                surface: Surface::Api,
                language: UiLanguage::En,
            }),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let error = self.to_string();
        let status = match self {
            WebError::Auth(e) => return e.into_response(),
            WebError::Unavailable(source) => {
                tracing::error!(error = %source, "request failed");
                StatusCode::SERVICE_UNAVAILABLE
            }
            WebError::Internal(source) => {
                tracing::error!(error = %source, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            WebError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Upload(e) => {
                if let upload::UploadError::Disk(source) = &e {
                    tracing::error!(error = %source, "an upload could not be stored");
                }
                e.status()
            }
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
        };
        (status, Json(openapi::ErrorBody { error })).into_response()
    }
}

//! Who is asking, and may they: sessions in cookies for people, bearer tokens for machines, CSRF on every
//! state-changing request a session makes, and the checks of role and scope that every page and endpoint
//! performs through the `Staff` extractor. Depends on `store` and `domain`.
//!
//! The `authenticate` middleware runs in front of every staff page and API route. It resolves the
//! credential once (an `Authorization: Bearer` token, else the session cookie), checks the CSRF token of
//! a session's POST/PUT/PATCH/DELETE (the `X-CSRF-Token` header, which htmx sends on every request, the
//! `csrf` field of a urlencoded form, or the first field of a multipart upload), and leaves the `Staff` in
//! the request for handlers to extract.

pub mod token_cache;

use axum::body::Body;
use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::TimeDelta;
use futures::StreamExt;
use serde::Deserialize;
use uuid::Uuid;

use super::i18n::Msg;
use super::pages;
use super::{AppState, WebError};
use crate::app::{Caller, ServiceError, secrets};
use crate::clock;
use crate::domain::records::{ApiToken, StaffSession};
use crate::domain::{Grant, Iata, Role, UiLanguage};
use crate::store::StoreError;

pub const SESSION_COOKIE: &str = "aboard_session";
/// The sign-in form's CSRF token, before there is a session: the form's field must equal this cookie.
pub const SIGNIN_COOKIE: &str = "aboard_signin";
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A shift and a bit: long enough not to sign an agent out mid-bank, short enough to end overnight.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::hours(12);
/// Largest urlencoded form body read to find its CSRF field; staff forms are a few fields.
const FORM_LIMIT: usize = 256 * 1024;
/// Largest CSRF field of a multipart form: the token is 64 characters.
const CSRF_FIELD_LIMIT: u64 = 1024;

/// How many failed sign-ins lock a login or a client address out, and for how long
/// (`server.signin_*`); counted in the database, so alike on every instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigninLimits {
    pub per_login: u32,
    pub per_address: u32,
    /// The window failures are counted in, and how long a lockout lasts.
    pub window: TimeDelta,
}

impl SigninLimits {
    pub fn of(config: &crate::config::ServerConfig) -> SigninLimits {
        SigninLimits {
            per_login: config.signin_failures_per_login.max(1),
            per_address: config.signin_failures_per_address.max(1),
            window: TimeDelta::minutes(i64::from(config.signin_window_minutes.max(1))),
        }
    }
}

/// How cookies are set; `secure` must be on wherever aboard is reached over https.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    /// An HttpOnly, SameSite=Strict cookie for the whole site, Secure when the policy says so. It lasts
    /// until the browser closes; the server ends sessions after `SESSION_LIFETIME` whatever the browser
    /// keeps.
    pub fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
            .build()
    }

    /// The cookie to hand `CookieJar::remove` so that the browser forgets `name`.
    pub fn removal(&self, name: &'static str) -> Cookie<'static> {
        self.cookie(name, String::new())
    }
}

/// Whether a request is answered as a page (HTML, redirects to /signin) or as the API (JSON, 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Page,
    Api,
}

impl Surface {
    pub fn of(path: &str) -> Surface {
        if path == "/api" || path.starts_with("/api/") {
            Surface::Api
        } else {
            Surface::Page
        }
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A person in a browser; their forms and htmx requests carry this CSRF token.
    Session {
        token_digest: String,
        csrf_token: String,
    },
    /// A machine with an API token.
    Token,
}

/// The signed-in account or token behind a request, with its role and scopes. Extract it in a handler
/// to require a signed-in caller (401 on the API, redirect to /signin on pages), then call `require_role`
/// and `require_station`/`require_language` before doing anything (403 when they fail).
#[derive(Debug, Clone)]
pub struct Staff {
    /// The account's or token's id.
    pub id: Uuid,
    /// The account's login or the token's name.
    pub name: String,
    pub display_name: String,
    pub grant: Grant,
    pub ui_language: UiLanguage,
    pub credential: Credential,
    pub surface: Surface,
}

impl Staff {
    fn from_session(session: StaffSession, surface: Surface) -> Staff {
        let account = session.account;
        Staff {
            id: account.id,
            name: account.login.to_string(),
            display_name: account.display_name,
            grant: account.grant,
            ui_language: account.ui_language,
            credential: Credential::Session {
                token_digest: session.token_digest,
                csrf_token: session.csrf_token,
            },
            surface,
        }
    }

    fn from_token(token: ApiToken, surface: Surface) -> Staff {
        Staff {
            id: token.id,
            display_name: token.name.clone(),
            name: token.name,
            grant: token.grant,
            ui_language: UiLanguage::En,
            credential: Credential::Token,
            surface,
        }
    }

    pub fn role(&self) -> Role {
        self.grant.role()
    }

    /// How the event log names this caller: `staff:LOGIN` or `token:NAME`.
    pub fn actor(&self) -> String {
        match self.credential {
            Credential::Session { .. } => format!("staff:{}", self.name),
            Credential::Token => format!("token:{}", self.name),
        }
    }

    /// The caller as the use cases in `app` know them.
    pub fn caller(&self) -> Caller {
        Caller {
            actor: self.actor(),
            name: self.name.clone(),
            grant: self.grant.clone(),
        }
    }

    /// The session's CSRF token, for the forms a page renders; tokens have none.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { csrf_token, .. } => Some(csrf_token),
            Credential::Token => None,
        }
    }

    pub fn require_role(&self, roles: &[Role]) -> Result<(), AuthError> {
        if roles.contains(&self.role()) {
            Ok(())
        } else {
            Err(self.forbidden())
        }
    }

    /// Gate agents scoped to `station`, and ops.
    pub fn require_station(&self, station: &Iata) -> Result<(), AuthError> {
        if self.grant.allows_station(station) {
            Ok(())
        } else {
            Err(self.forbidden())
        }
    }

    /// Advisors scoped to `language`, and ops.
    pub fn require_language(&self, language: &str) -> Result<(), AuthError> {
        if self.grant.allows_language(language) {
            Ok(())
        } else {
            Err(self.forbidden())
        }
    }

    /// A use case's refusal as this caller's surface shows it: a forbidden scope on their page.
    pub fn refused(&self, e: ServiceError) -> WebError {
        match e {
            ServiceError::Forbidden => WebError::Auth(self.forbidden()),
            other => WebError::from(other),
        }
    }

    fn forbidden(&self) -> AuthError {
        AuthError::Forbidden {
            surface: self.surface,
            language: self.ui_language,
        }
    }
}

/// Why a request was refused before its handler did anything. The responses say what the caller can do
/// and nothing about why internally.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("sign in, or send an API token as Authorization: Bearer")]
    Unauthenticated {
        surface: Surface,
        htmx: bool,
        /// The page asked for, to return to after signing in.
        wanted: String,
    },
    #[error("the API token is not valid or has been revoked")]
    BadToken,
    #[error("your role or scope does not allow this")]
    Forbidden {
        surface: Surface,
        language: UiLanguage,
    },
    #[error("the form had expired or did not come from aboard: reload the page and try again")]
    Csrf {
        surface: Surface,
        language: UiLanguage,
    },
    #[error("the sign-in service is not available")]
    Store(#[from] StoreError),
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let message = self.to_string();
        match self {
            AuthError::Unauthenticated {
                surface: Surface::Page,
                htmx: true,
                ..
            } => (StatusCode::UNAUTHORIZED, [("hx-redirect", "/signin")]).into_response(),
            AuthError::Unauthenticated {
                surface: Surface::Page,
                htmx: false,
                wanted,
            } => Redirect::to(&pages::signin_location(&wanted)).into_response(),
            AuthError::Unauthenticated {
                surface: Surface::Api,
                ..
            }
            | AuthError::BadToken => (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                axum::Json(serde_json::json!({ "error": message })),
            )
                .into_response(),
            AuthError::Forbidden {
                surface: Surface::Page,
                language,
            } => pages::error_page(
                StatusCode::FORBIDDEN,
                language,
                Msg::Forbidden,
                Msg::ForbiddenText,
            ),
            AuthError::Csrf {
                surface: Surface::Page,
                language,
            } => pages::error_page(
                StatusCode::FORBIDDEN,
                language,
                Msg::Forbidden,
                Msg::FormExpired,
            ),
            AuthError::Forbidden { .. } | AuthError::Csrf { .. } => (
                StatusCode::FORBIDDEN,
                axum::Json(serde_json::json!({ "error": message })),
            )
                .into_response(),
            AuthError::Store(e) => super::WebError::from(e).into_response(),
        }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Staff, AuthError> {
        parts
            .extensions
            .get::<Staff>()
            .cloned()
            .ok_or_else(|| AuthError::Unauthenticated {
                surface: Surface::of(parts.uri.path()),
                htmx: parts.headers.contains_key("hx-request"),
                wanted: parts
                    .uri
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_string(),
            })
    }
}

/// A route's roles, checked in front of its handler (`from_fn_with_state(ROLES, auth::allow)`): a caller
/// without one of them is refused before any of the request is read or validated (its path, query or
/// body), so a role that may not post cannot make the server read or parse a body. A request without a
/// caller goes on to the handler, whose `Staff` (its first extractor) refuses it as unauthenticated, or
/// to the router's 405 for a method the path does not have.
pub async fn allow(
    State(roles): State<&'static [Role]>,
    request: Request,
    next: Next,
) -> Result<Response, AuthError> {
    if let Some(staff) = request.extensions().get::<Staff>() {
        staff.require_role(roles)?;
    }
    Ok(next.run(request).await)
}

impl OptionalFromRequestParts<AppState> for Staff {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &AppState,
    ) -> Result<Option<Staff>, Self::Rejection> {
        Ok(parts.extensions.get::<Staff>().cloned())
    }
}

/// Resolves the caller and checks a session's CSRF token; see the module documentation.
pub async fn authenticate(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, AuthError> {
    let surface = Surface::of(request.uri().path());
    let staff = resolve(&state, request.headers(), surface).await?;
    let Some(staff) = staff else {
        return Ok(next.run(request).await);
    };
    let mut request = match &staff.credential {
        Credential::Session { csrf_token, .. } if !is_safe(request.method()) => {
            check_csrf(request, csrf_token, &staff).await?
        }
        _ => request,
    };
    request.extensions_mut().insert(staff);
    Ok(next.run(request).await)
}

async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    surface: Surface,
) -> Result<Option<Staff>, AuthError> {
    let store = state.store.as_ref();
    let now = clock::now();
    if let Some(authorization) = headers.get(header::AUTHORIZATION) {
        let token = authorization
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AuthError::BadToken)?;
        let digest = secrets::digest(token);
        if let Some(token) = state.tokens.get(&digest) {
            return Ok(Some(Staff::from_token(token, surface)));
        }
        let token = store
            .use_api_token(&digest, now)
            .await?
            .ok_or(AuthError::BadToken)?;
        state.tokens.put(digest, token.clone());
        return Ok(Some(Staff::from_token(token, surface)));
    }
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    let session = store.session(&secrets::digest(cookie.value()), now).await?;
    Ok(session.map(|s| Staff::from_session(s, surface)))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

#[derive(Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

/// Passes the request on when it carries the session's CSRF token in the header or, for a urlencoded
/// form, in its `csrf` field (the body is read and handed on unchanged).
async fn check_csrf(request: Request, expected: &str, staff: &Staff) -> Result<Request, AuthError> {
    let refused = || AuthError::Csrf {
        surface: staff.surface,
        language: staff.ui_language,
    };
    if let Some(sent) = request.headers().get(CSRF_HEADER) {
        let sent = sent.to_str().unwrap_or_default();
        return if secrets::same_secret(sent, expected) {
            Ok(request)
        } else {
            Err(refused())
        };
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if content_type.starts_with("multipart/form-data") {
        return check_multipart_csrf(request, &content_type, expected)
            .await
            .ok_or_else(refused);
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(refused());
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| refused())?;
    let field: CsrfField = serde_urlencoded::from_bytes(&bytes).map_err(|_| refused())?;
    match field.csrf {
        Some(sent) if secrets::same_secret(&sent, expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(refused()),
    }
}

/// A file upload (a multipart form) must carry the token as its first field. Only that field is read
/// here; the bytes read to find it are put back in front of the rest, so the handler receives the body
/// as it arrived, still streaming, whatever its size.
async fn check_multipart_csrf(
    request: Request,
    content_type: &str,
    expected: &str,
) -> Option<Request> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let (parts, body) = request.into_parts();
    let mut rest = body.into_data_stream();
    let mut read: Vec<axum::body::Bytes> = Vec::new();
    let sent = {
        let tee = (&mut rest).map(|chunk| {
            if let Ok(bytes) = &chunk {
                read.push(bytes.clone());
            }
            chunk
        });
        let limits = multer::Constraints::new()
            .size_limit(multer::SizeLimit::new().for_field(CSRF_FIELD, CSRF_FIELD_LIMIT));
        let mut multipart = multer::Multipart::with_constraints(tee, boundary, limits);
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some(CSRF_FIELD) => field.text().await.ok(),
            _ => None,
        }
    };
    let sent = sent?;
    if !secrets::same_secret(sent.trim(), expected) {
        return None;
    }
    let replayed = futures::stream::iter(read.into_iter().map(Ok::<_, axum::Error>));
    Some(Request::from_parts(
        parts,
        Body::from_stream(replayed.chain(rest)),
    ))
}

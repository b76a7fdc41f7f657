//! The staff pages: sign-in and sign-out, and the start page that sends each role to its work (the gate
//! view lives in `gate`, the ops pages in `ops`). Templates are askama files in `src/web/templates/`;
//! each page's struct holds a `PageContext` named `page`, which the base layout reads (language, who is
//! signed in, CSRF token).

use askama::Template;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::auth::{self, Credential, SESSION_COOKIE, SIGNIN_COOKIE, Staff};
use super::i18n::{self, Msg};
use super::{AppState, WebError, assets};
use crate::app::secrets;
use crate::clock;
use crate::domain::records::NewSession;
use crate::domain::{Login, Role, UiLanguage};
use crate::store::SigninKey;

/// What the base layout needs on every page.
pub struct PageContext {
    pub language: UiLanguage,
    /// The name and the role in the header, when someone is signed in.
    pub who: Option<(String, &'static str)>,
    /// The session's CSRF token: sent by htmx on every request and by the sign-out form.
    pub csrf: Option<String>,
}

impl PageContext {
    pub fn anonymous(language: UiLanguage) -> PageContext {
        PageContext {
            language,
            who: None,
            csrf: None,
        }
    }

    pub fn for_staff(staff: &Staff) -> PageContext {
        PageContext {
            language: staff.ui_language,
            who: Some((
                staff.display_name.clone(),
                i18n::role_name(staff.role(), staff.ui_language),
            )),
            csrf: staff.csrf_token().map(str::to_string),
        }
    }

    pub fn t(&self, msg: Msg) -> &'static str {
        msg.text(self.language)
    }

    pub fn lang(&self) -> &'static str {
        self.language.as_str()
    }

    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }
}

/// Renders a page; a template that fails to render is logged and answered with a bare 500.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: PageContext,
    title: &'static str,
    text: &'static str,
}

pub fn error_page(status: StatusCode, language: UiLanguage, title: Msg, text: Msg) -> Response {
    let page = PageContext::anonymous(language);
    let template = ErrorPage {
        title: page.t(title),
        text: page.t(text),
        page,
    };
    render(status, &template)
}

/// Where an unauthenticated page request is sent: /signin, remembering the page when it is not the start.
pub fn signin_location(wanted: &str) -> String {
    match safe_next(wanted) {
        Some(next) if next != "/" => {
            let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            format!("/signin?{query}")
        }
        _ => "/signin".to_string(),
    }
}

/// A local path to return to after signing in; anything that could leave the site is refused.
fn safe_next(next: &str) -> Option<&str> {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    local.then_some(next)
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    page: PageContext,
    csrf: String,
    next: String,
    login: String,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn browser_language(headers: &HeaderMap) -> UiLanguage {
    i18n::language_from_accept(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// A sign-in form with its CSRF token, set as a cookie too: the POST must bring both.
fn signin_form(
    state: &AppState,
    jar: CookieJar,
    status: StatusCode,
    language: UiLanguage,
    next: &str,
    login: &str,
    error: Option<Msg>,
) -> Response {
    // Several sign-in tabs share the browser's cookie, so an existing token is kept rather than replaced.
    let csrf = jar
        .get(SIGNIN_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(secrets::random_token);
    let jar = jar.add(state.cookies.cookie(SIGNIN_COOKIE, csrf.clone()));
    let page = PageContext::anonymous(language);
    let template = SigninPage {
        error: error.map(|m| page.t(m)),
        page,
        csrf,
        next: safe_next(next).unwrap_or("/").to_string(),
        login: login.to_string(),
    };
    (jar, render(status, &template)).into_response()
}

pub async fn signin(
    State(state): State<AppState>,
    staff: Option<Staff>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Response {
    if staff.is_some() {
        return Redirect::to("/").into_response();
    }
    let next = query.next.unwrap_or_default();
    signin_form(
        &state,
        jar,
        StatusCode::OK,
        browser_language(&headers),
        &next,
        "",
        None,
    )
}

#[derive(Deserialize)]
pub struct SigninForm {
    login: String,
    password: String,
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn signin_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(form): Form<SigninForm>,
) -> Result<Response, WebError> {
    let peer = peer.map(|Extension(info)| info);
    let language = browser_language(&headers);
    let expected = jar.get(SIGNIN_COOKIE).map(|c| c.value().to_string());
    if !expected.is_some_and(|e| secrets::same_secret(&e, &form.csrf)) {
        return Ok(signin_form(
            &state,
            jar,
            StatusCode::FORBIDDEN,
            language,
            &form.next,
            &form.login,
            Some(Msg::FormExpired),
        ));
    }
    // Failures are counted per login and per client address; a locked-out caller's password is not
    // even checked, so a guesser gets nothing from trying on.
    let now = clock::now();
    let login_key = format!("login:{}", signin_name(&form.login));
    let address_key = format!(
        "address:{}",
        peer.map_or_else(|| "unknown".to_string(), |p| p.0.ip().to_string())
    );
    let locked = state
        .store
        .signin_locked_until(&login_key, &address_key, now)
        .await?;
    if let Some(until) = locked {
        return Ok(locked_out(
            &state,
            jar,
            language,
            (&form.next, &form.login),
            until,
            now,
        ));
    }
    let Some(account) = check_password(&state, &form.login, form.password).await? else {
        let limits = state.signin;
        let keys = [
            SigninKey {
                key: login_key,
                max_failures: limits.per_login,
            },
            SigninKey {
                key: address_key,
                max_failures: limits.per_address,
            },
        ];
        let locked = state
            .store
            .count_signin_failure(&keys, limits.window, now)
            .await?;
        if let Some(until) = locked {
            return Ok(locked_out(
                &state,
                jar,
                language,
                (&form.next, &form.login),
                until,
                now,
            ));
        }
        return Ok(signin_form(
            &state,
            jar,
            StatusCode::UNAUTHORIZED,
            language,
            &form.next,
            &form.login,
            Some(Msg::WrongCredentials),
        ));
    };
    state.store.clear_signin_failures(&login_key).await?;
    let token = secrets::random_token();
    let session = NewSession {
        token_digest: secrets::digest(&token),
        user_id: account,
        csrf_token: secrets::random_token(),
        expires_at: now + auth::SESSION_LIFETIME,
    };
    state.store.create_session(&session, now).await?;
    let jar = jar
        .remove(state.cookies.removal(SIGNIN_COOKIE))
        .add(state.cookies.cookie(SESSION_COOKIE, token));
    let next = safe_next(&form.next).unwrap_or("/").to_string();
    Ok((jar, Redirect::to(&next)).into_response())
}

/// The login as failures are counted under it: as typed, trimmed and lower-cased, bounded in length.
fn signin_name(login: &str) -> String {
    login.trim().to_lowercase().chars().take(100).collect()
}

/// 429 with Retry-After, and the sign-in form saying why.
fn locked_out(
    state: &AppState,
    jar: CookieJar,
    language: UiLanguage,
    (next, login): (&str, &str),
    until: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Response {
    let seconds = (until - now).num_seconds().max(1);
    let mut response = signin_form(
        state,
        jar,
        StatusCode::TOO_MANY_REQUESTS,
        language,
        next,
        login,
        Some(Msg::TooManySignins),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    response
}

/// The id of the enabled account whose password this is. Hashing runs off the async threads; a login
/// that does not exist costs the same time as a wrong password.
async fn check_password(
    state: &AppState,
    login: &str,
    password: String,
) -> Result<Option<uuid::Uuid>, WebError> {
    let credentials = match Login::parse(login) {
        Ok(login) => state.store.staff_credentials(&login).await?,
        Err(_) => None,
    };
    let verified = tokio::task::spawn_blocking(move || match credentials {
        Some(c) if !c.account.disabled => {
            secrets::verify_password(&c.password_hash, &password).then_some(c.account.id)
        }
        _ => {
            secrets::verify_nobody(&password);
            None
        }
    })
    .await
    .map_err(|_| WebError::Busy)?;
    Ok(verified)
}

pub async fn signout(
    State(state): State<AppState>,
    staff: Staff,
    jar: CookieJar,
) -> Result<Response, WebError> {
    if let Credential::Session { token_digest, .. } = &staff.credential {
        state
            .store
            .delete_session(token_digest, clock::now())
            .await?;
    }
    let jar = jar.remove(state.cookies.removal(SESSION_COOKIE));
    Ok((jar, Redirect::to("/signin")).into_response())
}

struct Link {
    href: String,
    label: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageContext,
    display_name: String,
    login: String,
    role_word: &'static str,
    role_name: &'static str,
    stations: Vec<String>,
    languages: Vec<String>,
    links: Vec<Link>,
    station_form: bool,
    /// The languages the pages speak, by code and own name, for the account's own choice; none for a
    /// token, which has no account to keep it.
    languages_offered: Vec<(&'static str, &'static str)>,
}

/// Who you are and where your work is: a gate agent's stations, a station picker for ops.
pub async fn home(staff: Staff) -> Response {
    let page = PageContext::for_staff(&staff);
    let scopes = staff.grant.scopes();
    let mut links: Vec<Link> = scopes
        .stations
        .iter()
        .map(|s| Link {
            href: format!("/gate/{s}"),
            label: format!("{} · {s}", page.t(Msg::GateTasks)),
        })
        .collect();
    if matches!(staff.role(), Role::Advisor | Role::Ops) {
        links.push(Link {
            href: "/advisor".to_string(),
            label: page.t(Msg::SocialTasks).to_string(),
        });
        links.push(Link {
            href: "/review".to_string(),
            label: page.t(Msg::MatchReview).to_string(),
        });
    }
    if matches!(staff.role(), Role::Analyst | Role::Ops) {
        links.push(Link {
            href: "/reports".to_string(),
            label: page.t(Msg::Reports).to_string(),
        });
        links.push(Link {
            href: "/reports/uplift".to_string(),
            label: page.t(Msg::Uplift).to_string(),
        });
        links.push(Link {
            href: "/reports/ambassadors".to_string(),
            label: page.t(Msg::AmbassadorCandidates).to_string(),
        });
    }
    if staff.role() == Role::Analyst {
        links.push(Link {
            href: "/ops/events".to_string(),
            label: page.t(Msg::EventStream).to_string(),
        });
    }
    if staff.role() == Role::Admin {
        links.extend(
            super::admin::links(staff.ui_language).map(|(href, label)| Link {
                href: href.to_string(),
                label: label.to_string(),
            }),
        );
    }
    if staff.role() == Role::Ops {
        links.extend(
            super::ops::links(staff.ui_language).map(|(href, label)| Link {
                href: href.to_string(),
                label: label.to_string(),
            }),
        );
    }
    let template = HomePage {
        display_name: staff.display_name.clone(),
        login: staff.name.clone(),
        role_word: staff.role().as_str(),
        role_name: i18n::role_name(staff.role(), staff.ui_language),
        stations: scopes.stations.iter().map(|s| s.to_string()).collect(),
        languages: scopes.languages.clone(),
        links,
        station_form: staff.role() == Role::Ops,
        languages_offered: match staff.credential {
            Credential::Session { .. } => UiLanguage::ALL
                .iter()
                .map(|l| (l.as_str(), i18n::language_endonym(*l)))
                .collect(),
            Credential::Token => Vec::new(),
        },
        page,
    };
    render(StatusCode::OK, &template)
}

#[derive(Deserialize)]
pub struct LanguageForm {
    language: String,
}

/// POST /account/language — the signed-in person chooses the language of their own pages.
pub async fn set_language(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<LanguageForm>,
) -> Result<Response, WebError> {
    if !matches!(staff.credential, Credential::Session { .. }) {
        let (title, text) = (Msg::Forbidden, Msg::ForbiddenText);
        return Ok(error_page(
            StatusCode::FORBIDDEN,
            staff.ui_language,
            title,
            text,
        ));
    }
    let Ok(language) = form.language.parse::<UiLanguage>() else {
        let (title, text) = (Msg::BadAddress, Msg::BadLanguageCode);
        return Ok(error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            staff.ui_language,
            title,
            text,
        ));
    };
    crate::app::accounts::set_own_language(state.store.as_ref(), &staff.name, language).await?;
    Ok(Redirect::to("/").into_response())
}

/// Anything no route matched: a page in the browser's language, or JSON under /api.
pub async fn not_found(uri: Uri, headers: HeaderMap) -> Response {
    match auth::Surface::of(uri.path()) {
        auth::Surface::Api => WebError::NotFound("no such endpoint".to_string()).into_response(),
        auth::Surface::Page => error_page(
            StatusCode::NOT_FOUND,
            browser_language(&headers),
            Msg::NotFound,
            Msg::NotFoundText,
        ),
    }
}

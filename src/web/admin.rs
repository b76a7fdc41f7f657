//! The admin pages: staff accounts (add, change role, scopes and page language, disable and enable,
//! reset the password), API tokens (create, shown once; list; revoke) and stations (staffed, shift
//! hours). Admins only. Every change goes through the use cases in `app::accounts` and `app::stations`,
//! the ones the CLI runs, which log it as an event. Depends on those and on the page plumbing in `pages`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveTime;
use secrecy::ExposeSecret;
use serde::Deserialize;
use uuid::Uuid;

use super::auth::Staff;
use super::i18n::{self, Msg};
use super::pages::{PageContext, render};
use super::{AppState, WebError};
use crate::app::accounts::{self, AccountError, StaffSpec};
use crate::app::stations::{self, StationError};
use crate::domain::records::StaffAccount;
use crate::domain::{GrantError, Role, UiLanguage};
use crate::store::StoreError;

/// The admin pages, for the start page's links.
pub fn links(language: UiLanguage) -> [(&'static str, &'static str); 3] {
    [
        ("/admin/staff", Msg::StaffAccounts.text(language)),
        ("/admin/tokens", Msg::ApiTokens.text(language)),
        ("/admin/stations", Msg::StationsStaffing.text(language)),
    ]
}

/// A choice in a `<select>`: its value, its label, and whether it is the one chosen.
struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn role_choices(language: UiLanguage, chosen: Option<Role>) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str(),
            label: i18n::role_name(*r, language),
            selected: Some(*r) == chosen,
        })
        .collect()
}

fn language_choices(chosen: UiLanguage) -> Vec<Choice> {
    UiLanguage::ALL
        .iter()
        .map(|l| Choice {
            value: l.as_str(),
            label: i18n::language_endonym(*l),
            selected: *l == chosen,
        })
        .collect()
}

/// What the account form holds, as typed: kept to fill the form again when it is refused.
#[derive(Deserialize, Default)]
pub struct AccountForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    stations: String,
    #[serde(default)]
    languages: String,
    #[serde(default)]
    ui_language: String,
}

fn list(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl AccountForm {
    fn of(account: &StaffAccount) -> AccountForm {
        let scopes = account.grant.scopes();
        AccountForm {
            login: account.login.to_string(),
            display_name: account.display_name.clone(),
            role: account.grant.role().as_str().to_string(),
            stations: scopes
                .stations
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            languages: scopes.languages.join(", "),
            ui_language: account.ui_language.as_str().to_string(),
        }
    }

    fn chosen_role(&self) -> Option<Role> {
        self.role.parse().ok()
    }

    fn chosen_language(&self) -> UiLanguage {
        self.ui_language.parse().unwrap_or(UiLanguage::En)
    }

    /// The role and scopes the form asks for, or why they cannot be granted.
    fn grant(&self) -> Result<crate::domain::Grant, Msg> {
        let role = self.chosen_role().ok_or(Msg::ChooseRole)?;
        accounts::grant(role, &list(&self.stations), &list(&self.languages))
            .map_err(|e| refusal(&e))
    }
}

/// Why an account or token change was refused, in the admin's words; `None` is not theirs to fix.
fn account_refusal(e: &AccountError) -> Option<Msg> {
    match e {
        AccountError::Grant(GrantError::Login(_)) => Some(Msg::BadLogin),
        AccountError::Grant(GrantError::Language(_)) => Some(Msg::BadLanguageCode),
        AccountError::Grant(GrantError::GateWithoutStations) => Some(Msg::GateNeedsStation),
        AccountError::Grant(GrantError::AdvisorWithoutLanguages) => Some(Msg::AdvisorNeedsLanguage),
        AccountError::Grant(GrantError::UnexpectedScope { .. }) => Some(Msg::ScopeNotForRole),
        AccountError::Station(_) => Some(Msg::BadStationCode),
        AccountError::TokenName => Some(Msg::BadTokenName),
        AccountError::Store(StoreError::Conflict(_)) => Some(Msg::LoginTaken),
        AccountError::Password(_) | AccountError::Store(_) => None,
    }
}

fn refusal(e: &AccountError) -> Msg {
    account_refusal(e).unwrap_or(Msg::BadLogin)
}

/// What to tell the admin of a refused change, or the error that is not theirs to fix.
fn account_failure(e: AccountError) -> Result<Msg, WebError> {
    match account_refusal(&e) {
        Some(msg) => Ok(msg),
        None => Err(unexpected(e)),
    }
}

/// An account error where the admin typed nothing wrong: the login in the address names no account, or
/// the store or the password hasher failed.
fn unexpected(e: AccountError) -> WebError {
    match e {
        AccountError::Store(e) => WebError::from(e),
        AccountError::Password(e) => {
            tracing::error!(error = %e, "a password could not be hashed");
            WebError::Busy
        }
        other => WebError::NotFound(other.to_string()),
    }
}

struct AccountRow {
    login: String,
    display_name: String,
    role: &'static str,
    scopes: String,
    ui_language: &'static str,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "admin_staff.html")]
struct StaffPage {
    page: PageContext,
    accounts: Vec<AccountRow>,
    form: AccountForm,
    roles: Vec<Choice>,
    ui_languages: Vec<Choice>,
    error: Option<&'static str>,
}

async fn staff_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    form: AccountForm,
    error: Option<Msg>,
) -> Result<Response, WebError> {
    let page = PageContext::for_staff(staff);
    let language = staff.ui_language;
    let accounts = state
        .store
        .staff_accounts()
        .await?
        .into_iter()
        .map(|a| {
            let scopes = a.grant.scopes();
            let mut words: Vec<String> = scopes.stations.iter().map(|s| s.to_string()).collect();
            words.extend(scopes.languages.iter().cloned());
            AccountRow {
                login: a.login.to_string(),
                display_name: a.display_name,
                role: i18n::role_name(a.grant.role(), language),
                scopes: words.join(", "),
                ui_language: i18n::language_endonym(a.ui_language),
                disabled: a.disabled,
            }
        })
        .collect();
    let template = StaffPage {
        roles: role_choices(language, form.chosen_role()),
        ui_languages: language_choices(form.chosen_language()),
        error: error.map(|m| page.t(m)),
        accounts,
        form,
        page,
    };
    Ok(render(status, &template))
}

/// GET /admin/staff — every account, and a form to add one.
pub async fn staff_list(State(state): State<AppState>, staff: Staff) -> Result<Response, WebError> {
    staff.require_role(&[Role::Admin])?;
    let form = AccountForm {
        ui_language: staff.ui_language.as_str().to_string(),
        ..AccountForm::default()
    };
    staff_page(&state, &staff, StatusCode::OK, form, None).await
}

#[derive(Template)]
#[template(path = "admin_secret.html")]
struct SecretPage {
    page: PageContext,
    title: &'static str,
    what: String,
    secret: String,
    back: &'static str,
}

fn secret_page(
    staff: &Staff,
    title: Msg,
    what: String,
    secret: &str,
    back: &'static str,
) -> Response {
    let page = PageContext::for_staff(staff);
    let template = SecretPage {
        title: page.t(title),
        what,
        secret: secret.to_string(),
        back,
        page,
    };
    // Shown once: no cache may keep it.
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        render(StatusCode::CREATED, &template),
    )
        .into_response()
}

/// POST /admin/staff — adds an account with a temporary password, shown once.
pub async fn staff_add(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Admin])?;
    let grant = match form.grant() {
        Ok(grant) => grant,
        Err(msg) => {
            return staff_page(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                Some(msg),
            )
            .await;
        }
    };
    let spec = StaffSpec {
        login: form.login.clone(),
        display_name: Some(form.display_name.clone()),
        grant,
        ui_language: form.chosen_language(),
    };
    let password = crate::app::secrets::temporary_password();
    let added = accounts::add_staff(
        state.store.as_ref(),
        &spec,
        &secrecy::SecretString::from(password.clone()),
        &staff.actor(),
    )
    .await;
    match added {
        Ok(account) => Ok(secret_page(
            &staff,
            Msg::TemporaryPassword,
            account.login.to_string(),
            &password,
            "/admin/staff",
        )),
        Err(e) => {
            let msg = account_failure(e)?;
            staff_page(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                Some(msg),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_account.html")]
struct AccountPage {
    page: PageContext,
    form: AccountForm,
    roles: Vec<Choice>,
    ui_languages: Vec<Choice>,
    disabled: bool,
    own: bool,
    done: Option<&'static str>,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn done_message(done: Option<&str>) -> Option<Msg> {
    match done? {
        "saved" => Some(Msg::ChangesSaved),
        "disabled" => Some(Msg::AccountDisabledDone),
        "enabled" => Some(Msg::AccountEnabledDone),
        "revoked" => Some(Msg::TokenRevokedDone),
        _ => None,
    }
}

async fn account(state: &AppState, login: &str) -> Result<StaffAccount, WebError> {
    state
        .store
        .staff_accounts()
        .await?
        .into_iter()
        .find(|a| a.login.as_str() == login)
        .ok_or_else(|| WebError::NotFound(format!("staff account {login}")))
}

fn account_page(
    staff: &Staff,
    status: StatusCode,
    form: AccountForm,
    disabled: bool,
    done: Option<Msg>,
    error: Option<Msg>,
) -> Response {
    let page = PageContext::for_staff(staff);
    let template = AccountPage {
        roles: role_choices(staff.ui_language, form.chosen_role()),
        ui_languages: language_choices(form.chosen_language()),
        own: form.login == staff.name,
        disabled,
        done: done.map(|m| page.t(m)),
        error: error.map(|m| page.t(m)),
        form,
        page,
    };
    render(status, &template)
}

/// GET /admin/staff/{login} — one account, to change, disable or enable, or give a new password.
pub async fn staff_edit(
    State(state): State<AppState>,
    staff: Staff,
    Path(login): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Admin])?;
    let account = account(&state, &login).await?;
    Ok(account_page(
        &staff,
        StatusCode::OK,
        AccountForm::of(&account),
        account.disabled,
        done_message(query.done.as_deref()),
        None,
    ))
}

/// POST /admin/staff/{login} — saves the account's name, role, scopes and page language.
pub async fn staff_update(
    State(state): State<AppState>,
    staff: Staff,
    Path(login): Path<String>,
    Form(mut form): Form<AccountForm>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Admin])?;
    let current = account(&state, &login).await?;
    form.login = current.login.to_string();
    let refuse = |form: AccountForm, msg: Msg| {
        Ok(account_page(
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
            current.disabled,
            None,
            Some(msg),
        ))
    };
    // An admin who took away their own role could no longer undo it.
    if form.login == staff.name && form.chosen_role() != Some(Role::Admin) {
        return refuse(form, Msg::KeepOwnAdmin);
    }
    let grant = match form.grant() {
        Ok(grant) => grant,
        Err(msg) => return refuse(form, msg),
    };
    let updated = accounts::update_staff(
        state.store.as_ref(),
        &login,
        &form.display_name,
        grant,
        form.chosen_language(),
        &staff.actor(),
    )
    .await;
    match updated {
        Ok(Some(_)) => {
            Ok(Redirect::to(&format!("/admin/staff/{login}?done=saved")).into_response())
        }
        Ok(None) => Err(WebError::NotFound(format!("staff account {login}"))),
        Err(e) => {
            let msg = account_failure(e)?;
            refuse(form, msg)
        }
    }
}

/// POST /admin/staff/{login}/disable — disables the account and ends its sessions.
pub async fn staff_disable(
    State(state): State<AppState>,
    staff: Staff,
    Path(login): Path<String>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Admin])?;
    let current = account(&state, &login).await?;
    if current.login.as_str() == staff.name {
        return Ok(account_page(
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            AccountForm::of(&current),
            current.disabled,
            None,
            Some(Msg::KeepOwnAccount),
        ));
    }
    accounts::disable_staff(state.store.as_ref(), &login, &staff.actor())
        .await
        .map_err(unexpected)?;
    Ok(Redirect::to(&format!("/admin/staff/{login}?done=disabled")).into_response())
}

/// POST /admin/staff/{login}/enable — lets a disabled account sign in again.
pub async fn staff_enable(
    State(state): State<AppState>,
    staff: Staff,
    Path(login): Path<String>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Admin])?;
    account(&state, &login).await?;
    accounts::enable_staff(state.store.as_ref(), &login, &staff.actor())
        .await
        .map_err(unexpected)?;
    Ok(Redirect::to(&format!("/admin/staff/{login}?done=enabled")).into_response())
}

/// POST /admin/staff/{login}/password — a new temporary password, shown once; the account's sessions end.
pub async fn staff_password(
    State(state): State<AppState>,
    staff: Staff,
    Path(login): Path<String>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Admin])?;
    let current = account(&state, &login).await?;
    let password = accounts::reset_password(state.store.as_ref(), &login, &staff.actor())
        .await
        .map_err(unexpected)?
        .ok_or_else(|| WebError::NotFound(format!("staff account {login}")))?;
    Ok(secret_page(
        &staff,
        Msg::TemporaryPassword,
        current.login.to_string(),
        password.expose_secret(),
        "/admin/staff",
    ))
}

struct TokenRow {
    id: Uuid,
    name: String,
    role: &'static str,
    scopes: String,
    created: String,
    last_used: Option<String>,
    revoked: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    stations: String,
    #[serde(default)]
    languages: String,
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    page: PageContext,
    tokens: Vec<TokenRow>,
    form: TokenForm,
    roles: Vec<Choice>,
    done: Option<&'static str>,
    error: Option<&'static str>,
}

/// An instant for an admin's listing: UTC, with its date, since tokens are used from every station.
fn utc_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

async fn tokens_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    form: TokenForm,
    done: Option<Msg>,
    error: Option<Msg>,
) -> Result<Response, WebError> {
    let page = PageContext::for_staff(staff);
    let language = staff.ui_language;
    let tokens = state
        .store
        .api_tokens()
        .await?
        .into_iter()
        .rev()
        .map(|t| {
            let scopes = t.grant.scopes();
            let mut words: Vec<String> = scopes.stations.iter().map(|s| s.to_string()).collect();
            words.extend(scopes.languages.iter().cloned());
            TokenRow {
                id: t.id,
                name: t.name,
                role: i18n::role_name(t.grant.role(), language),
                scopes: words.join(", "),
                created: utc_time(t.created_at),
                last_used: t.last_used_at.map(utc_time),
                revoked: t.revoked_at.map(utc_time),
            }
        })
        .collect();
    let template = TokensPage {
        roles: role_choices(language, form.role.parse().ok()),
        done: done.map(|m| page.t(m)),
        error: error.map(|m| page.t(m)),
        tokens,
        form,
        page,
    };
    Ok(render(status, &template))
}

/// GET /admin/tokens — every token, newest first (never the tokens themselves), and a form to make one.
pub async fn tokens(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Admin])?;
    let done = done_message(query.done.as_deref());
    tokens_page(
        &state,
        &staff,
        StatusCode::OK,
        TokenForm::default(),
        done,
        None,
    )
    .await
}

/// POST /admin/tokens — makes a token and shows it once.
pub async fn token_create(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Admin])?;
    let refuse = |form: TokenForm, msg: Msg| {
        tokens_page(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
            None,
            Some(msg),
        )
    };
    let Ok(role) = form.role.parse::<Role>() else {
        return refuse(form, Msg::ChooseRole).await;
    };
    let grant = match accounts::grant(role, &list(&form.stations), &list(&form.languages)) {
        Ok(grant) => grant,
        Err(e) => return refuse(form, refusal(&e)).await,
    };
    match accounts::create_token(state.store.as_ref(), &form.name, grant, &staff.actor()).await {
        Ok(issued) => Ok(secret_page(
            &staff,
            Msg::NewApiToken,
            issued.token.name,
            issued.secret.expose_secret(),
            "/admin/tokens",
        )),
        Err(e) => {
            let msg = account_failure(e)?;
            refuse(form, msg).await
        }
    }
}

/// POST /admin/tokens/{id}/revoke — the token stops working within seconds on every instance.
pub async fn token_revoke(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Admin])?;
    let revoked = accounts::revoke_token(state.store.as_ref(), id, &staff.actor())
        .await
        .map_err(unexpected)?;
    if !revoked {
        return Err(WebError::NotFound(format!("unrevoked token {id}")));
    }
    Ok(Redirect::to("/admin/tokens?done=revoked").into_response())
}

struct StationRow {
    iata: String,
    staffed: bool,
    shift_start: String,
    shift_end: String,
}

#[derive(Deserialize, Default)]
pub struct StationForm {
    #[serde(default)]
    iata: String,
    /// A checkbox: present when ticked.
    staffed: Option<String>,
    #[serde(default)]
    shift_start: String,
    #[serde(default)]
    shift_end: String,
}

impl StationForm {
    /// The shift the two time fields give: both empty is around the clock, one alone is a mistake.
    fn shift(&self) -> Result<Option<(NaiveTime, NaiveTime)>, Msg> {
        let (start, end) = (self.shift_start.trim(), self.shift_end.trim());
        if start.is_empty() && end.is_empty() {
            return Ok(None);
        }
        stations::parse_shift(&format!("{start}-{end}"))
            .map(Some)
            .map_err(|_| Msg::BadShift)
    }
}

#[derive(Template)]
#[template(path = "admin_stations.html")]
struct StationsPage {
    page: PageContext,
    stations: Vec<StationRow>,
    form: StationForm,
    done: Option<&'static str>,
    error: Option<&'static str>,
}

async fn stations_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    form: StationForm,
    done: Option<Msg>,
    error: Option<Msg>,
) -> Result<Response, WebError> {
    let page = PageContext::for_staff(staff);
    let time = |t: Option<NaiveTime>| t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default();
    let stations = state
        .store
        .stations()
        .await?
        .into_iter()
        .map(|s| StationRow {
            iata: s.iata.to_string(),
            staffed: s.staffed,
            shift_start: time(s.shift_start),
            shift_end: time(s.shift_end),
        })
        .collect();
    let template = StationsPage {
        done: done.map(|m| page.t(m)),
        error: error.map(|m| page.t(m)),
        stations,
        form,
        page,
    };
    Ok(render(status, &template))
}

/// GET /admin/stations — each station's staffing and shift, each its own form, and one to add a station.
pub async fn stations_list(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Admin])?;
    let done = done_message(query.done.as_deref());
    stations_page(
        &state,
        &staff,
        StatusCode::OK,
        StationForm::default(),
        done,
        None,
    )
    .await
}

/// POST /admin/stations — sets a station's staffing and shift.
pub async fn station_set(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<StationForm>,
) -> Result<Response, WebError> {
    staff.require_role(&[Role::Admin])?;
    let refuse = |form: StationForm, msg: Msg| {
        stations_page(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
            None,
            Some(msg),
        )
    };
    let shift = match form.shift() {
        Ok(shift) => shift,
        Err(msg) => return refuse(form, msg).await,
    };
    let set = stations::set_station(
        state.store.as_ref(),
        &form.iata,
        form.staffed.is_some(),
        shift,
        &staff.actor(),
    )
    .await;
    match set {
        Ok(_) => Ok(Redirect::to("/admin/stations?done=saved").into_response()),
        Err(StationError::Code(_)) => refuse(form, Msg::BadStationCode).await,
        Err(StationError::Shift(_)) => refuse(form, Msg::BadShift).await,
        Err(StationError::Store(e)) => Err(WebError::from(e)),
    }
}

//! Staff accounts, their sessions, and the API tokens of gate readers and scripts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use super::rows::{corrupt, word};
use crate::domain::records::{
    ApiToken, NewApiToken, NewSession, NewStaffAccount, StaffAccount, StaffChange,
    StaffCredentials, StaffSession,
};
use crate::domain::{Grant, Login, Role, Scopes};

fn stored_grant(what: &str, role: &str, scopes: &str) -> Result<Grant, StoreError> {
    let role: Role = word(what, role)?;
    let scopes: Scopes = serde_json::from_str(scopes).map_err(|e| corrupt(what, e))?;
    Grant::new(role, scopes).map_err(|e| corrupt(what, e))
}

#[derive(sqlx::FromRow)]
pub(super) struct StaffRow {
    id: Uuid,
    login: String,
    display_name: String,
    role: String,
    scopes: String,
    ui_language: String,
    disabled: bool,
    created_at: DateTime<Utc>,
}

impl TryFrom<StaffRow> for StaffAccount {
    type Error = StoreError;
    fn try_from(r: StaffRow) -> Result<StaffAccount, StoreError> {
        Ok(StaffAccount {
            id: r.id,
            login: Login::parse(&r.login).map_err(|e| corrupt("staff login", e))?,
            display_name: r.display_name,
            grant: stored_grant("staff grant", &r.role, &r.scopes)?,
            ui_language: word("staff interface language", &r.ui_language)?,
            disabled: r.disabled,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CredentialsRow {
    #[sqlx(flatten)]
    staff: StaffRow,
    password_hash: String,
}

impl TryFrom<CredentialsRow> for StaffCredentials {
    type Error = StoreError;
    fn try_from(r: CredentialsRow) -> Result<StaffCredentials, StoreError> {
        Ok(StaffCredentials {
            account: r.staff.try_into()?,
            password_hash: r.password_hash,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    #[sqlx(flatten)]
    staff: StaffRow,
    token_digest: String,
    csrf_token: String,
    session_created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl TryFrom<SessionRow> for StaffSession {
    type Error = StoreError;
    fn try_from(r: SessionRow) -> Result<StaffSession, StoreError> {
        Ok(StaffSession {
            token_digest: r.token_digest,
            csrf_token: r.csrf_token,
            created_at: r.session_created_at,
            expires_at: r.expires_at,
            account: r.staff.try_into()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ApiTokenRow {
    id: Uuid,
    name: String,
    role: String,
    scopes: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TryFrom<ApiTokenRow> for ApiToken {
    type Error = StoreError;
    fn try_from(r: ApiTokenRow) -> Result<ApiToken, StoreError> {
        Ok(ApiToken {
            id: r.id,
            name: r.name,
            grant: stored_grant("API token grant", &r.role, &r.scopes)?,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

pub(super) const INSERT_STAFF: &str = "INSERT INTO staff_users (id, login, display_name, password_hash, \
    role, scopes, ui_language, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
    ON CONFLICT (login) DO NOTHING";

pub(super) const SELECT_STAFF: &str = "SELECT u.id, u.login, u.display_name, u.role, u.scopes, \
    u.ui_language, u.disabled, u.created_at FROM staff_users u";

pub(super) const SELECT_CREDENTIALS: &str = "SELECT u.id, u.login, u.display_name, u.role, u.scopes, \
    u.ui_language, u.disabled, u.created_at, u.password_hash FROM staff_users u WHERE u.login = $1";

/// `$1` login, `$2` disabled (true).
pub(super) const DISABLE_STAFF: &str =
    "UPDATE staff_users SET disabled = $2 WHERE login = $1 AND disabled <> $2 RETURNING id";

/// `$1` login.
pub(super) const SELECT_STAFF_BY_LOGIN: &str = "SELECT u.id, u.login, u.display_name, u.role, u.scopes, \
    u.ui_language, u.disabled, u.created_at FROM staff_users u WHERE u.login = $1";

/// `$1` id, then the new display name, role, scopes and interface language.
pub(super) const UPDATE_STAFF: &str = "UPDATE staff_users SET display_name = $2, role = $3, scopes = $4, \
    ui_language = $5 WHERE id = $1";

/// `$1` login, `$2` the new password hash.
pub(super) const SET_STAFF_PASSWORD: &str =
    "UPDATE staff_users SET password_hash = $2 WHERE login = $1 RETURNING id";

pub(super) const DELETE_USER_SESSIONS: &str = "DELETE FROM staff_sessions WHERE user_id = $1";

pub(super) const DELETE_EXPIRED_SESSIONS: &str =
    "DELETE FROM staff_sessions WHERE expires_at <= $1";

pub(super) const INSERT_SESSION: &str = "INSERT INTO staff_sessions (token_digest, user_id, csrf_token, \
    created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";

/// `$1` token digest, `$2` now, `$3` false (the account must not be disabled).
pub(super) const SELECT_SESSION: &str = "SELECT u.id, u.login, u.display_name, u.role, u.scopes, \
    u.ui_language, u.disabled, u.created_at, s.token_digest, s.csrf_token, \
    s.created_at AS session_created_at, s.expires_at FROM staff_sessions s \
    JOIN staff_users u ON u.id = s.user_id \
    WHERE s.token_digest = $1 AND s.expires_at > $2 AND u.disabled = $3";

pub(super) const DELETE_SESSION: &str = "DELETE FROM staff_sessions WHERE token_digest = $1 \
    RETURNING user_id";

pub(super) const STAFF_LOGIN: &str = "SELECT login FROM staff_users WHERE id = $1";

pub(super) const API_TOKEN_COLUMNS: &str =
    "id, name, role, scopes, created_at, last_used_at, revoked_at";

pub(super) const INSERT_API_TOKEN: &str = "INSERT INTO api_tokens (id, name, token_digest, role, scopes, \
    created_at) VALUES ($1, $2, $3, $4, $5, $6)";

/// `$1` digest, `$2` now, `$3` the last use older than which it is noted again.
pub(super) const TOUCH_API_TOKEN: &str = "UPDATE api_tokens SET last_used_at = $2 \
    WHERE token_digest = $1 AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at <= $3)";

pub(super) const REVOKE_API_TOKEN: &str = "UPDATE api_tokens SET revoked_at = $2 \
    WHERE id = $1 AND revoked_at IS NULL RETURNING name";

pub(super) const SIGNIN_LOCKED_UNTIL: &str = "SELECT MAX(locked_until) FROM signin_failures \
    WHERE key IN ($1, $2) AND locked_until > $3";

/// One more failure for a key: counting starts again at 1 when the key's window began before `$3`.
pub(super) const COUNT_SIGNIN_FAILURE: &str = "INSERT INTO signin_failures (key, failures, \
    window_started_at) VALUES ($1, 1, $2) ON CONFLICT (key) DO UPDATE SET \
    failures = CASE WHEN signin_failures.window_started_at <= $3 THEN 1 \
    ELSE signin_failures.failures + 1 END, \
    window_started_at = CASE WHEN signin_failures.window_started_at <= $3 THEN $2 \
    ELSE signin_failures.window_started_at END \
    RETURNING failures";

pub(super) const LOCK_SIGNIN: &str = "UPDATE signin_failures SET locked_until = $2, failures = 0, \
    window_started_at = $3 WHERE key = $1";

pub(super) const CLEAR_SIGNIN_FAILURES: &str = "DELETE FROM signin_failures WHERE key = $1";

/// A key failed sign-ins are counted under, and how many failures within the window lock it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigninKey {
    /// `login:…` or `address:…`.
    pub key: String,
    pub max_failures: u32,
}

/// How long a token's last use may be out of date: a reader scanning every second writes once a minute.
pub(super) const TOKEN_USE_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// The event detail that describes an account or token's grant.
pub(super) fn grant_detail(grant: &Grant) -> serde_json::Value {
    serde_json::json!({ "role": grant.role().as_str(), "scopes": grant.scopes() })
}

/// Staff accounts, sessions and API tokens.
#[async_trait]
pub trait StaffStore: Send + Sync {
    /// Creates a staff account; a login already taken is a `Conflict` and nothing is written.
    async fn create_staff(
        &self,
        account: &NewStaffAccount,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<StaffAccount, StoreError>;
    /// The account and its password hash, disabled or not: sign-in decides what a disabled account gets.
    async fn staff_credentials(
        &self,
        login: &Login,
    ) -> Result<Option<StaffCredentials>, StoreError>;
    /// Every account, by login.
    async fn staff_accounts(&self) -> Result<Vec<StaffAccount>, StoreError>;
    /// Disables the account and ends its sessions; false when no enabled account has that login.
    async fn disable_staff(
        &self,
        login: &Login,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Enables a disabled account again; false when no disabled account has that login.
    async fn enable_staff(
        &self,
        login: &Login,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Changes an account's name, grant and interface language, logging what it was and is; `None` when
    /// no account has that login. Its sessions carry on with the new grant from their next request.
    async fn update_staff(
        &self,
        login: &Login,
        change: &StaffChange,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<StaffAccount>, StoreError>;
    /// Replaces an account's password hash and ends its sessions; false when no account has that login.
    async fn set_staff_password(
        &self,
        login: &Login,
        password_hash: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Starts a session and logs the sign-in.
    async fn create_session(
        &self,
        session: &NewSession,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The session with this token digest, if it has not expired by `now` and its account is enabled.
    async fn session(
        &self,
        token_digest: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffSession>, StoreError>;
    /// Ends a session and logs the sign-out; false when there was none.
    async fn delete_session(
        &self,
        token_digest: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn create_api_token(
        &self,
        token: &NewApiToken,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<ApiToken, StoreError>;
    /// The unrevoked token with this digest, noting when it was used (at most once a minute, so that a busy
    /// gate reader does not write on every scan).
    async fn use_api_token(
        &self,
        token_digest: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<ApiToken>, StoreError>;
    /// Revokes the token; false when no unrevoked token has that id.
    async fn revoke_api_token(
        &self,
        id: Uuid,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Every token, revoked ones included, oldest first.
    async fn api_tokens(&self) -> Result<Vec<ApiToken>, StoreError>;
    /// When the last of these keys' lockouts ends, if any of them is locked out at `now`.
    async fn signin_locked_until(
        &self,
        login: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// Counts a failed sign-in under each key, within a window of `window`; a key that reaches its
    /// `max_failures` is locked out until `now + window` and its lockout logged (`staff.signin_locked`).
    /// Returns when the last lockout this failure started ends, if it started one.
    async fn count_signin_failure(
        &self,
        keys: &[SigninKey],
        window: chrono::TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// Forgets a key's failures (a login that signed in).
    async fn clear_signin_failures(&self, key: &str) -> Result<(), StoreError>;
}

/// Implements `StaffStore` for a backend store over its connection type `$conn`, once for both backends;
/// the backend brings the methods whose SQL or speed differs on it.
macro_rules! staff_store {
    ($store:ty, $conn:ty, { $($backend:tt)* }) => {
        /// Ends the account's sessions (a disabled account, a password reset) and logs `action` with how
        /// many ended; the caller's transaction commits.
        async fn end_sessions_and_log(
            conn: &mut $conn,
            id: Uuid,
            login: &Login,
            action: &str,
            actor: &str,
            at: DateTime<Utc>,
        ) -> Result<(), StoreError> {
            let ended = sqlx::query(DELETE_USER_SESSIONS)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            let detail = serde_json::json!({ "login": login.as_str(), "sessions_ended": ended });
            let e = event(actor, action, "staff", id, None, None, detail);
            insert_event(conn, &e, at).await?;
            Ok(())
        }

        #[async_trait]
        impl $crate::store::StaffStore for $store {
            $($backend)*

            async fn create_staff(
                &self,
                account: &NewStaffAccount,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<StaffAccount, StoreError> {
                let mut tx = self.write().await?;
                let id = Uuid::now_v7();
                let inserted = sqlx::query(INSERT_STAFF)
                    .bind(id)
                    .bind(account.login.as_str())
                    .bind(&account.display_name)
                    .bind(&account.password_hash)
                    .bind(account.grant.role().as_str())
                    .bind(to_json(account.grant.scopes()))
                    .bind(account.ui_language.as_str())
                    .bind(false)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if inserted == 0 {
                    return Err(StoreError::Conflict(format!(
                        "a staff account with login {} already exists",
                        account.login
                    )));
                }
                let mut detail = grant_detail(&account.grant);
                detail["login"] = account.login.as_str().into();
                detail["ui_language"] = account.ui_language.as_str().into();
                let e = event(actor, "staff.created", "staff", id, None, None, detail);
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                Ok(StaffAccount {
                    id,
                    login: account.login.clone(),
                    display_name: account.display_name.clone(),
                    grant: account.grant.clone(),
                    ui_language: account.ui_language,
                    disabled: false,
                    created_at: at,
                })
            }

            async fn staff_credentials(
                &self,
                login: &Login,
            ) -> Result<Option<StaffCredentials>, StoreError> {
                sqlx::query_as::<_, CredentialsRow>(SELECT_CREDENTIALS)
                    .bind(login.as_str())
                    .fetch_optional(&self.pool)
                    .await?
                    .map(StaffCredentials::try_from)
                    .transpose()
            }

            async fn staff_accounts(&self) -> Result<Vec<StaffAccount>, StoreError> {
                sqlx::query_as::<_, StaffRow>(AssertSqlSafe(format!("{SELECT_STAFF} ORDER BY u.login")))
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(StaffAccount::try_from)
                    .collect()
            }

            async fn disable_staff(
                &self,
                login: &Login,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let mut tx = self.write().await?;
                let id: Option<Uuid> = sqlx::query_scalar(DISABLE_STAFF)
                    .bind(login.as_str())
                    .bind(true)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(id) = id else {
                    return Ok(false);
                };
                end_sessions_and_log(&mut tx, id, login, "staff.disabled", actor, at).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn enable_staff(
                &self,
                login: &Login,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let mut tx = self.write().await?;
                let id: Option<Uuid> = sqlx::query_scalar(DISABLE_STAFF)
                    .bind(login.as_str())
                    .bind(false)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(id) = id else {
                    return Ok(false);
                };
                let detail = serde_json::json!({ "login": login.as_str() });
                let e = event(actor, "staff.enabled", "staff", id, None, None, detail);
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn update_staff(
                &self,
                login: &Login,
                change: &StaffChange,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<Option<StaffAccount>, StoreError> {
                let mut tx = self.write().await?;
                let before = sqlx::query_as::<_, StaffRow>(SELECT_STAFF_BY_LOGIN)
                    .bind(login.as_str())
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(StaffAccount::try_from)
                    .transpose()?;
                let Some(before) = before else {
                    return Ok(None);
                };
                sqlx::query(UPDATE_STAFF)
                    .bind(before.id)
                    .bind(&change.display_name)
                    .bind(change.grant.role().as_str())
                    .bind(to_json(change.grant.scopes()))
                    .bind(change.ui_language.as_str())
                    .execute(&mut *tx)
                    .await?;
                let described = |grant: &Grant, name: &str, ui: crate::domain::UiLanguage| {
                    let mut d = grant_detail(grant);
                    d["display_name"] = name.into();
                    d["ui_language"] = ui.as_str().into();
                    d
                };
                let detail = serde_json::json!({
                    "login": login.as_str(),
                    "before": described(&before.grant, &before.display_name, before.ui_language),
                    "now": described(&change.grant, &change.display_name, change.ui_language),
                });
                let e = event(actor, "staff.changed", "staff", before.id, None, None, detail);
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                Ok(Some(StaffAccount {
                    display_name: change.display_name.clone(),
                    grant: change.grant.clone(),
                    ui_language: change.ui_language,
                    ..before
                }))
            }

            async fn set_staff_password(
                &self,
                login: &Login,
                password_hash: &str,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let mut tx = self.write().await?;
                let id: Option<Uuid> = sqlx::query_scalar(SET_STAFF_PASSWORD)
                    .bind(login.as_str())
                    .bind(password_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(id) = id else {
                    return Ok(false);
                };
                end_sessions_and_log(&mut tx, id, login, "staff.password_reset", actor, at).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn create_session(
                &self,
                session: &NewSession,
                at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let mut tx = self.write().await?;
                sqlx::query(DELETE_EXPIRED_SESSIONS)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                let login: Option<String> = sqlx::query_scalar(STAFF_LOGIN)
                    .bind(session.user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let login =
                    login.ok_or_else(|| StoreError::NotFound(format!("staff {}", session.user_id)))?;
                sqlx::query(INSERT_SESSION)
                    .bind(&session.token_digest)
                    .bind(session.user_id)
                    .bind(&session.csrf_token)
                    .bind(at)
                    .bind(session.expires_at)
                    .execute(&mut *tx)
                    .await?;
                let detail = serde_json::json!({ "expires_at": session.expires_at });
                let e = event(
                    &format!("staff:{login}"),
                    "staff.signed_in",
                    "staff",
                    session.user_id,
                    None,
                    None,
                    detail,
                );
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session(
                &self,
                token_digest: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<StaffSession>, StoreError> {
                sqlx::query_as::<_, SessionRow>(SELECT_SESSION)
                    .bind(token_digest)
                    .bind(now)
                    .bind(false)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(StaffSession::try_from)
                    .transpose()
            }

            async fn delete_session(
                &self,
                token_digest: &str,
                at: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let mut tx = self.write().await?;
                let user: Option<Uuid> = sqlx::query_scalar(DELETE_SESSION)
                    .bind(token_digest)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(user) = user else {
                    return Ok(false);
                };
                let login: Option<String> = sqlx::query_scalar(STAFF_LOGIN)
                    .bind(user)
                    .fetch_optional(&mut *tx)
                    .await?;
                let actor = format!("staff:{}", login.unwrap_or_default());
                let e = event(
                    &actor,
                    "staff.signed_out",
                    "staff",
                    user,
                    None,
                    None,
                    serde_json::json!({}),
                );
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn create_api_token(
                &self,
                token: &NewApiToken,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<ApiToken, StoreError> {
                let mut tx = self.write().await?;
                let id = Uuid::now_v7();
                sqlx::query(INSERT_API_TOKEN)
                    .bind(id)
                    .bind(&token.name)
                    .bind(&token.token_digest)
                    .bind(token.grant.role().as_str())
                    .bind(to_json(token.grant.scopes()))
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                let mut detail = grant_detail(&token.grant);
                detail["name"] = token.name.as_str().into();
                let e = event(actor, "token.created", "api_token", id, None, None, detail);
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                Ok(ApiToken {
                    id,
                    name: token.name.clone(),
                    grant: token.grant.clone(),
                    created_at: at,
                    last_used_at: None,
                    revoked_at: None,
                })
            }

            async fn use_api_token(
                &self,
                token_digest: &str,
                at: DateTime<Utc>,
            ) -> Result<Option<ApiToken>, StoreError> {
                let mut token = sqlx::query_as::<_, ApiTokenRow>(AssertSqlSafe(format!(
                    "SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE token_digest = $1 AND revoked_at IS NULL"
                )))
                .bind(token_digest)
                .fetch_optional(&self.pool)
                .await?
                .map(ApiToken::try_from)
                .transpose()?;
                // Written at most once per resolution: a gate reader's every request must not take the
                // database's write lock.
                if let Some(token) = &mut token
                    && token
                        .last_used_at
                        .is_none_or(|last| last <= at - TOKEN_USE_RESOLUTION)
                {
                    sqlx::query(TOUCH_API_TOKEN)
                        .bind(token_digest)
                        .bind(at)
                        .bind(at - TOKEN_USE_RESOLUTION)
                        .execute(self.write_pool())
                        .await?;
                    token.last_used_at = Some(at);
                }
                Ok(token)
            }

            async fn revoke_api_token(
                &self,
                id: Uuid,
                actor: &str,
                at: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let mut tx = self.write().await?;
                let name: Option<String> = sqlx::query_scalar(REVOKE_API_TOKEN)
                    .bind(id)
                    .bind(at)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(name) = name else {
                    return Ok(false);
                };
                let detail = serde_json::json!({ "name": name });
                let e = event(actor, "token.revoked", "api_token", id, None, None, detail);
                insert_event(&mut tx, &e, at).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn signin_locked_until(
                &self,
                login: &str,
                address: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<DateTime<Utc>>, StoreError> {
                Ok(sqlx::query_scalar(SIGNIN_LOCKED_UNTIL)
                    .bind(login)
                    .bind(address)
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn count_signin_failure(
                &self,
                keys: &[SigninKey],
                window: chrono::TimeDelta,
                now: DateTime<Utc>,
            ) -> Result<Option<DateTime<Utc>>, StoreError> {
                let mut tx = self.write().await?;
                let until = now + window;
                let mut locked = None;
                for key in keys {
                    let failures: i64 = sqlx::query_scalar(COUNT_SIGNIN_FAILURE)
                        .bind(&key.key)
                        .bind(now)
                        .bind(now - window)
                        .fetch_one(&mut *tx)
                        .await?;
                    if failures < i64::from(key.max_failures) {
                        continue;
                    }
                    sqlx::query(LOCK_SIGNIN)
                        .bind(&key.key)
                        .bind(until)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    let detail = serde_json::json!({ "failures": failures, "until": until });
                    let e = event(
                        "signin",
                        "staff.signin_locked",
                        "signin",
                        &key.key,
                        None,
                        None,
                        detail,
                    );
                    insert_event(&mut tx, &e, now).await?;
                    locked = Some(until);
                }
                tx.commit().await?;
                Ok(locked)
            }

            async fn clear_signin_failures(&self, key: &str) -> Result<(), StoreError> {
                let mut tx = self.write().await?;
                sqlx::query(CLEAR_SIGNIN_FAILURES)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
                sqlx::query_as::<_, ApiTokenRow>(AssertSqlSafe(format!(
                    "SELECT {API_TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id"
                )))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(ApiToken::try_from)
                .collect()
            }
        }
    };
}
pub(super) use staff_store;

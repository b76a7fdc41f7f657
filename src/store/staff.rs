//! Staff accounts, their sessions, and the API tokens of gate readers and scripts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use crate::domain::Login;
use crate::domain::records::{
    ApiToken, NewApiToken, NewSession, NewStaffAccount, StaffAccount, StaffCredentials,
    StaffSession,
};

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
}

/// Implements `StaffStore` for a backend store over its connection type `$conn`, once for both backends;
/// the backend brings the methods whose SQL or speed differs on it.
macro_rules! staff_store {
    ($store:ty, $conn:ty, { $($backend:tt)* }) => {
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
                let ended = sqlx::query(DELETE_USER_SESSIONS)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let detail = serde_json::json!({ "login": login.as_str(), "sessions_ended": ended });
                let e = event(actor, "staff.disabled", "staff", id, None, None, detail);
                insert_event(&mut tx, &e, at).await?;
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

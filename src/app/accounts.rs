//! Creating, changing and retiring staff accounts and API tokens: what `aboard staff …` and `aboard
//! token …` do, and what the demo and the admin pages build on. Passwords are hashed here; API tokens and
//! temporary passwords are made here and returned once, to be shown once.

use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::secrets::{self, PasswordError};
use crate::clock;
use crate::domain::records::{ApiToken, NewApiToken, NewStaffAccount, StaffAccount, StaffChange};
use crate::domain::{CodeError, Grant, GrantError, Iata, Login, Role, Scopes, UiLanguage};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Grant(#[from] GrantError),
    #[error("station: {0}")]
    Station(#[from] CodeError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("a token name must be 1 to 100 characters")]
    TokenName,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A role with stations and languages as an operator types them (`MAD`, `es`), checked to fit.
pub fn grant(role: Role, stations: &[String], languages: &[String]) -> Result<Grant, AccountError> {
    let stations = stations
        .iter()
        .map(|s| Iata::parse(s))
        .collect::<Result<_, _>>()?;
    Ok(Grant::new(
        role,
        Scopes {
            stations,
            languages: languages.to_vec(),
        },
    )?)
}

/// An account to create, as the operator describes it.
#[derive(Debug, Clone)]
pub struct StaffSpec {
    pub login: String,
    /// The name shown in the header; the login when none is given.
    pub display_name: Option<String>,
    pub grant: Grant,
    pub ui_language: UiLanguage,
}

pub async fn add_staff(
    store: &dyn Store,
    spec: &StaffSpec,
    password: &SecretString,
    actor: &str,
) -> Result<StaffAccount, AccountError> {
    let login = Login::parse(&spec.login)?;
    let password_hash = secrets::hash_password(password.expose_secret())?;
    let display_name = spec
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(login.as_str())
        .to_string();
    let account = NewStaffAccount {
        login,
        display_name,
        password_hash,
        grant: spec.grant.clone(),
        ui_language: spec.ui_language,
    };
    Ok(store.create_staff(&account, actor, clock::now()).await?)
}

/// Disables an account and ends its sessions; false when no enabled account has that login.
pub async fn disable_staff(
    store: &dyn Store,
    login: &str,
    actor: &str,
) -> Result<bool, AccountError> {
    let login = Login::parse(login)?;
    Ok(store.disable_staff(&login, actor, clock::now()).await?)
}

/// Enables a disabled account; false when no disabled account has that login.
pub async fn enable_staff(
    store: &dyn Store,
    login: &str,
    actor: &str,
) -> Result<bool, AccountError> {
    let login = Login::parse(login)?;
    Ok(store.enable_staff(&login, actor, clock::now()).await?)
}

/// Changes an account's name, role and scopes and interface language; `None` when no account has that
/// login. An empty name becomes the login, as when the account was made.
pub async fn update_staff(
    store: &dyn Store,
    login: &str,
    display_name: &str,
    grant: Grant,
    ui_language: UiLanguage,
    actor: &str,
) -> Result<Option<StaffAccount>, AccountError> {
    let login = Login::parse(login)?;
    let display_name = match display_name.trim() {
        "" => login.as_str().to_string(),
        name => name.to_string(),
    };
    let change = StaffChange {
        display_name,
        grant,
        ui_language,
    };
    Ok(store
        .update_staff(&login, &change, actor, clock::now())
        .await?)
}

/// The account holder changes the language of their own pages, keeping everything else; false when no
/// account has that login.
pub async fn set_own_language(
    store: &dyn Store,
    login: &str,
    ui_language: UiLanguage,
) -> Result<bool, StoreError> {
    let Some(account) = store
        .staff_accounts()
        .await?
        .into_iter()
        .find(|a| a.login.as_str() == login)
    else {
        return Ok(false);
    };
    let change = StaffChange {
        display_name: account.display_name,
        grant: account.grant,
        ui_language,
    };
    let actor = format!("staff:{login}");
    let changed = store
        .update_staff(&account.login, &change, &actor, clock::now())
        .await?;
    Ok(changed.is_some())
}

/// Gives an account a new password, made here and returned to be shown once, and ends its sessions;
/// `None` when no account has that login.
pub async fn reset_password(
    store: &dyn Store,
    login: &str,
    actor: &str,
) -> Result<Option<SecretString>, AccountError> {
    let login = Login::parse(login)?;
    let password = secrets::temporary_password();
    let hash = hash_off_thread(password.clone()).await?;
    let reset = store
        .set_staff_password(&login, &hash, actor, clock::now())
        .await?;
    Ok(reset.then(|| SecretString::from(password)))
}

/// Hashing takes tens of milliseconds of CPU: it runs where it does not hold up other requests.
async fn hash_off_thread(password: String) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(|e| PasswordError::Hash(e.to_string()))?
        .map_err(AccountError::from)
}

/// A new token and the secret that proves it; the secret exists nowhere else.
pub struct IssuedToken {
    pub token: ApiToken,
    pub secret: SecretString,
}

pub async fn create_token(
    store: &dyn Store,
    name: &str,
    grant: Grant,
    actor: &str,
) -> Result<IssuedToken, AccountError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AccountError::TokenName);
    }
    let secret = secrets::new_api_token();
    let new = NewApiToken {
        name: name.to_string(),
        token_digest: secrets::digest(&secret),
        grant,
    };
    let token = store.create_api_token(&new, actor, clock::now()).await?;
    Ok(IssuedToken {
        token,
        secret: SecretString::from(secret),
    })
}

pub async fn revoke_token(store: &dyn Store, id: Uuid, actor: &str) -> Result<bool, AccountError> {
    Ok(store.revoke_api_token(id, actor, clock::now()).await?)
}

/// A grant in words, for listings: `gate, stations BCN,MAD`.
pub fn describe_grant(grant: &Grant) -> String {
    let scopes = grant.scopes();
    let mut parts = vec![grant.role().as_str().to_string()];
    if !scopes.stations.is_empty() {
        let stations: Vec<&str> = scopes.stations.iter().map(|s| s.as_str()).collect();
        parts.push(format!("stations {}", stations.join(",")));
    }
    if !scopes.languages.is_empty() {
        parts.push(format!("languages {}", scopes.languages.join(",")));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_from_the_command_line_name_what_is_wrong() {
        let gate = grant(Role::Gate, &["mad".to_string(), "BCN".to_string()], &[]).unwrap();
        assert_eq!(describe_grant(&gate), "gate, stations BCN,MAD");
        let advisor = grant(Role::Advisor, &[], &["es".to_string()]).unwrap();
        assert_eq!(describe_grant(&advisor), "advisor, languages es");
        assert!(matches!(
            grant(Role::Gate, &["MADRID".to_string()], &[]),
            Err(AccountError::Station(_))
        ));
        assert!(matches!(
            grant(Role::Gate, &[], &[]),
            Err(AccountError::Grant(GrantError::GateWithoutStations))
        ));
    }
}

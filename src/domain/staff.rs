//! Who may do what: staff logins, and a role with the stations or languages it is scoped to.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::codes::Iata;
use super::enums::Role;

/// A staff account's sign-in name: 1 to 64 characters, lower-case letters, digits, `.`, `-` and `_`,
/// starting with a letter or digit. Upper case is folded so that `Ana` and `ana` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Login(String);

impl Login {
    pub fn parse(raw: &str) -> Result<Login, GrantError> {
        let login = raw.trim().to_ascii_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        let starts_well = login
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if login.len() <= 64 && starts_well && login.chars().all(allowed) {
            Ok(Login(login))
        } else {
            Err(GrantError::Login(raw.chars().take(70).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Login {
    type Error = GrantError;
    fn try_from(value: String) -> Result<Login, GrantError> {
        Login::parse(&value)
    }
}

impl From<Login> for String {
    fn from(value: Login) -> String {
        value.0
    }
}

/// What a grant is limited to: the stations a gate agent works, the languages an advisor writes in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scopes {
    #[serde(default)]
    pub stations: Vec<Iata>,
    /// ISO 639-1 codes, lower case.
    #[serde(default)]
    pub languages: Vec<String>,
}

/// Why a login, role or scope was refused, in words for the operator who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error(
        "login {0:?} is not valid: use 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit"
    )]
    Login(String),
    #[error("language {0:?} is not valid: expected a two-letter ISO 639-1 code such as es or en")]
    Language(String),
    #[error("a gate account or token needs at least one station (--stations MAD,BCN)")]
    GateWithoutStations,
    #[error("an advisor account or token needs at least one language (--languages es,en)")]
    AdvisorWithoutLanguages,
    #[error(
        "the {role} role takes no {scope}: only gate is scoped to stations and advisor to languages"
    )]
    UnexpectedScope { role: Role, scope: &'static str },
}

/// A role together with the scopes it is limited to, checked to fit each other: gate grants name their
/// stations, advisor grants their languages, ops, admin and analyst grants neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    role: Role,
    scopes: Scopes,
}

impl Grant {
    pub fn new(role: Role, mut scopes: Scopes) -> Result<Grant, GrantError> {
        scopes.languages = scopes
            .languages
            .iter()
            .map(|l| language_code(l))
            .collect::<Result<_, _>>()?;
        scopes.stations.sort();
        scopes.stations.dedup();
        scopes.languages.sort();
        scopes.languages.dedup();
        let has_stations = !scopes.stations.is_empty();
        let has_languages = !scopes.languages.is_empty();
        match role {
            Role::Gate if !has_stations => return Err(GrantError::GateWithoutStations),
            Role::Advisor if !has_languages => return Err(GrantError::AdvisorWithoutLanguages),
            Role::Gate | Role::Ops | Role::Admin | Role::Analyst if has_languages => {
                return Err(GrantError::UnexpectedScope {
                    role,
                    scope: "languages",
                });
            }
            Role::Advisor | Role::Ops | Role::Admin | Role::Analyst if has_stations => {
                return Err(GrantError::UnexpectedScope {
                    role,
                    scope: "stations",
                });
            }
            _ => {}
        }
        Ok(Grant { role, scopes })
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn scopes(&self) -> &Scopes {
        &self.scopes
    }

    /// Gate agents work the stations they are scoped to; ops oversee every station.
    pub fn allows_station(&self, station: &Iata) -> bool {
        match self.role {
            Role::Ops => true,
            Role::Gate => self.scopes.stations.contains(station),
            // Analysts read figures across stations but work no station's tasks.
            Role::Advisor | Role::Admin | Role::Analyst => false,
        }
    }

    /// Advisors write in the languages they are scoped to; ops oversee every language.
    pub fn allows_language(&self, language: &str) -> bool {
        match self.role {
            Role::Ops => true,
            Role::Advisor => self
                .scopes
                .languages
                .iter()
                .any(|l| l.eq_ignore_ascii_case(language.trim())),
            Role::Gate | Role::Admin | Role::Analyst => false,
        }
    }
}

fn language_code(raw: &str) -> Result<String, GrantError> {
    let code = raw.trim().to_ascii_lowercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(code)
    } else {
        Err(GrantError::Language(raw.chars().take(20).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stations(codes: &[&str]) -> Scopes {
        Scopes {
            stations: codes.iter().map(|c| Iata::parse(c).unwrap()).collect(),
            languages: Vec::new(),
        }
    }

    fn languages(codes: &[&str]) -> Scopes {
        Scopes {
            stations: Vec::new(),
            languages: codes.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn logins_fold_case_and_refuse_odd_characters() {
        assert_eq!(Login::parse(" Ana.Ruiz ").unwrap().as_str(), "ana.ruiz");
        assert_eq!(Login::parse("gate-mad_2").unwrap().as_str(), "gate-mad_2");
        for bad in [
            "",
            "-ana",
            "ana ruiz",
            "ana@iberia",
            "josé",
            &"a".repeat(65),
        ] {
            assert!(
                matches!(Login::parse(bad), Err(GrantError::Login(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn gate_grants_allow_only_their_stations() {
        let grant = Grant::new(Role::Gate, stations(&["MAD", "BCN", "MAD"])).unwrap();
        assert_eq!(grant.scopes().stations, stations(&["BCN", "MAD"]).stations);
        assert!(grant.allows_station(&Iata::parse("MAD").unwrap()));
        assert!(!grant.allows_station(&Iata::parse("LHR").unwrap()));
        assert!(!grant.allows_language("es"));
    }

    #[test]
    fn advisor_grants_allow_only_their_languages() {
        let grant = Grant::new(Role::Advisor, languages(&["ES", "en"])).unwrap();
        assert_eq!(grant.scopes().languages, vec!["en", "es"]);
        assert!(grant.allows_language("es"));
        assert!(grant.allows_language("EN"));
        assert!(!grant.allows_language("fr"));
        assert!(!grant.allows_station(&Iata::parse("MAD").unwrap()));
    }

    #[test]
    fn ops_oversee_everything_and_admins_nothing_operational() {
        let ops = Grant::new(Role::Ops, Scopes::default()).unwrap();
        assert!(ops.allows_station(&Iata::parse("GRU").unwrap()));
        assert!(ops.allows_language("pt"));
        let admin = Grant::new(Role::Admin, Scopes::default()).unwrap();
        assert!(!admin.allows_station(&Iata::parse("MAD").unwrap()));
        assert!(!admin.allows_language("es"));
    }

    #[test]
    fn scopes_must_fit_the_role() {
        assert_eq!(
            Grant::new(Role::Gate, Scopes::default()),
            Err(GrantError::GateWithoutStations)
        );
        assert_eq!(
            Grant::new(Role::Advisor, Scopes::default()),
            Err(GrantError::AdvisorWithoutLanguages)
        );
        assert_eq!(
            Grant::new(Role::Ops, stations(&["MAD"])),
            Err(GrantError::UnexpectedScope {
                role: Role::Ops,
                scope: "stations"
            })
        );
        assert_eq!(
            Grant::new(Role::Gate, languages(&["es"]).clone()).unwrap_err(),
            GrantError::GateWithoutStations
        );
        let mut both = stations(&["MAD"]);
        both.languages.push("es".to_string());
        assert!(matches!(
            Grant::new(Role::Gate, both),
            Err(GrantError::UnexpectedScope { .. })
        ));
        assert_eq!(
            Grant::new(Role::Advisor, languages(&["spa"])),
            Err(GrantError::Language("spa".to_string()))
        );
    }
}

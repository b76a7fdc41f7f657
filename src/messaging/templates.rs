//! Approved message templates: the texts an airline had a network approve (WhatsApp outside its 24-hour
//! window accepts nothing else). An advisor picks one and fills its numbered parameters, `{{1}}`,
//! `{{2}}`, …, as the networks number them. Configured under `[messaging.templates]`, name = text.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MessagingConfig {
    /// Template name (as the network approved it) to its text with `{{n}}` parameters.
    pub templates: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("no approved template is called {0:?}")]
    Unknown(String),
    #[error("the template has {expected} parameter(s) but {given} were filled")]
    Parameters { expected: usize, given: usize },
    #[error("parameter {0} is empty: write what it should say")]
    EmptyParameter(usize),
}

/// How many parameters a template text takes: its highest `{{n}}`.
pub fn parameter_count(text: &str) -> usize {
    let mut highest = 0;
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => {
                if let Ok(n) = after[..close].trim().parse::<usize>() {
                    highest = highest.max(n);
                }
                rest = &after[close + 2..];
            }
            None => break,
        }
    }
    highest
}

impl MessagingConfig {
    /// The text the person will read: template `name` with its parameters in place. Every parameter must
    /// be given and non-empty, so that nobody receives a message with a hole in it.
    pub fn fill(&self, name: &str, parameters: &[String]) -> Result<String, TemplateError> {
        let text = self
            .templates
            .get(name)
            .ok_or_else(|| TemplateError::Unknown(name.to_string()))?;
        let expected = parameter_count(text);
        if parameters.len() != expected {
            return Err(TemplateError::Parameters {
                expected,
                given: parameters.len(),
            });
        }
        if let Some(empty) = parameters.iter().position(|p| p.trim().is_empty()) {
            return Err(TemplateError::EmptyParameter(empty + 1));
        }
        let mut filled = text.clone();
        for (index, value) in parameters.iter().enumerate().rev() {
            filled = filled.replace(&format!("{{{{{}}}}}", index + 1), value.trim());
        }
        Ok(filled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> MessagingConfig {
        MessagingConfig {
            templates: BTreeMap::from([(
                "flight_checkin".to_string(),
                "Hello {{1}}, this is {{2}} from the airline about flight {{1}}… no, {{3}}."
                    .to_string(),
            )]),
        }
    }

    #[test]
    fn parameters_are_numbered_and_all_must_be_filled() {
        let config = config();
        assert_eq!(parameter_count("Hi {{1}}, flight {{ 2 }}"), 2);
        assert_eq!(parameter_count("no parameters {{ here"), 0);
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            config.fill("flight_checkin", &owned(&["Ana", "Alba", "IB3170"])),
            Ok(
                "Hello Ana, this is Alba from the airline about flight Ana… no, IB3170."
                    .to_string()
            )
        );
        assert_eq!(
            config.fill("flight_checkin", &owned(&["Ana"])),
            Err(TemplateError::Parameters {
                expected: 3,
                given: 1
            })
        );
        assert_eq!(
            config.fill("flight_checkin", &owned(&["Ana", " ", "IB1"])),
            Err(TemplateError::EmptyParameter(2))
        );
        assert_eq!(
            config.fill("other", &[]),
            Err(TemplateError::Unknown("other".to_string()))
        );
    }
}

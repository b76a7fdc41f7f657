use std::fmt;

use serde::{Deserialize, Serialize};

use super::TravellerClass;

/// A title glued to the end of a given name on a booking (`MARIAJOSEMRS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Title {
    Mr,
    Mrs,
    Ms,
    Miss,
    Mstr,
    Chd,
    Inf,
    Dr,
    Prof,
}

impl Title {
    /// Longest first, so that `MRS` is not read as `MR` + `S` and `MISS` not as `MS`.
    const SUFFIXES: [(&'static str, Title); 9] = [
        ("PROF", Title::Prof),
        ("MSTR", Title::Mstr),
        ("MISS", Title::Miss),
        ("MRS", Title::Mrs),
        ("CHD", Title::Chd),
        ("INF", Title::Inf),
        ("MR", Title::Mr),
        ("MS", Title::Ms),
        ("DR", Title::Dr),
    ];

    pub fn as_str(self) -> &'static str {
        Self::SUFFIXES
            .iter()
            .find(|(_, t)| *t == self)
            .map(|(s, _)| *s)
            .unwrap_or("")
    }

    pub fn parse(raw: &str) -> Option<Title> {
        let upper = raw.trim().to_ascii_uppercase();
        Self::SUFFIXES
            .iter()
            .find(|(s, _)| *s == upper)
            .map(|(_, t)| *t)
    }

    pub fn traveller_class(self) -> TravellerClass {
        match self {
            Title::Mstr | Title::Chd => TravellerClass::Child,
            Title::Inf => TravellerClass::Infant,
            _ => TravellerClass::Adult,
        }
    }

    /// Splits a trailing title off a given-name field. A name that is nothing but a title keeps its letters
    /// as the name (a passenger called "Ms" is rarer than a missing title, but losing the name is worse).
    pub fn split_from(given: &str) -> (String, Option<Title>) {
        let trimmed = given.trim();
        for (suffix, title) in Self::SUFFIXES {
            let Some(rest) = trimmed.strip_suffix(suffix) else {
                continue;
            };
            if let Some(spaced) = rest.strip_suffix(' ') {
                return (spaced.trim().to_string(), Some(title));
            }
            // Glued doctor and professor titles are left alone: ALEXANDR is a name, not ALEXAN + DR.
            if rest.len() >= 2 && !matches!(title, Title::Dr | Title::Prof) {
                return (rest.to_string(), Some(title));
            }
        }
        (trimmed.to_string(), None)
    }
}

/// Why a booking name did not validate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the surname is missing (expected SURNAME/GIVEN)")]
    NoSurname,
    #[error("the name holds a character that is not a letter, space, hyphen or apostrophe: {0:?}")]
    BadCharacter(char),
    #[error("the name is longer than 64 characters")]
    TooLong,
}

/// A passenger's name as the booking holds it: surname, given names, optional title. Kept as written
/// (upper case, A–Z on most systems); normalisation for matching happens in `matching`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BookingName {
    pub surname: String,
    pub given: String,
    pub title: Option<Title>,
}

impl BookingName {
    pub fn new(surname: &str, given: &str, title: Option<Title>) -> Result<Self, NameError> {
        let surname = surname.trim();
        let given = given.trim();
        if surname.is_empty() {
            return Err(if given.is_empty() {
                NameError::Empty
            } else {
                NameError::NoSurname
            });
        }
        if surname.chars().count() + given.chars().count() > 64 {
            return Err(NameError::TooLong);
        }
        if let Some(c) = surname
            .chars()
            .chain(given.chars())
            .find(|c| !(c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.')))
        {
            return Err(NameError::BadCharacter(c));
        }
        Ok(Self {
            surname: surname.to_uppercase(),
            given: given.to_uppercase(),
            title,
        })
    }

    /// Parses `SURNAME/GIVENTITLE` (title glued or spaced) as it appears on PNLs and boarding passes.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(NameError::Empty);
        }
        let (surname, given) = raw.split_once('/').unwrap_or((raw, ""));
        let (given, title) = Title::split_from(given);
        Self::new(surname, &given, title)
    }

    pub fn traveller_class(&self) -> TravellerClass {
        self.title
            .map(Title::traveller_class)
            .unwrap_or(TravellerClass::Adult)
    }
}

impl fmt::Display for BookingName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.surname, self.given)?;
        if let Some(t) = self.title {
            write!(f, " {}", t.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glued_titles_split_longest_first() {
        let n = BookingName::parse("GARCIAPENA/MARIAJOSEMRS").unwrap();
        assert_eq!(n.surname, "GARCIAPENA");
        assert_eq!(n.given, "MARIAJOSE");
        assert_eq!(n.title, Some(Title::Mrs));
        let n = BookingName::parse("COSTA/TIAGOMSTR").unwrap();
        assert_eq!(n.traveller_class(), TravellerClass::Child);
        let n = BookingName::parse("SMITH/ANNA MISS").unwrap();
        assert_eq!((n.given.as_str(), n.title), ("ANNA", Some(Title::Miss)));
        let n = BookingName::parse("DE VRIES/JAN").unwrap();
        assert_eq!((n.surname.as_str(), n.title), ("DE VRIES", None));
    }

    #[test]
    fn bad_names_are_refused_with_the_reason() {
        assert_eq!(BookingName::parse(""), Err(NameError::Empty));
        assert_eq!(BookingName::parse("/JUAN"), Err(NameError::NoSurname));
        assert_eq!(
            BookingName::parse("SMITH/J0HN"),
            Err(NameError::BadCharacter('0'))
        );
    }
}

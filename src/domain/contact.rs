//! Phone numbers and e-mail addresses as people and booking systems write them, brought to one form at the
//! boundary: phones to E.164 by the numbering plans of libphonenumber (the `phonenumber` crate), e-mails
//! trimmed and lower-cased.

use std::fmt;

use phonenumber::{Mode, country};

/// A country whose numbering plan reads a national number (`600 111 222` in `ES`): the person's or the
/// passenger's country, else the import's default region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(country::Id);

impl Region {
    /// A two-letter ISO 3166 code (`ES`), or a three-letter one (`ESP`, as DOCS writes nationalities).
    pub fn parse(raw: &str) -> Result<Region, String> {
        let code = raw.trim().to_ascii_uppercase();
        let alpha2 = if code.len() == 3 {
            isocountry::CountryCode::for_alpha3(&code)
                .map(|c| c.alpha2())
                .unwrap_or_default()
        } else {
            code.as_str()
        };
        alpha2.parse::<country::Id>().map(Region).map_err(|_| {
            format!(
                "{raw:?} is not a country with a telephone numbering plan (two letters, such as ES)"
            )
        })
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// A phone number as aboard keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phone {
    /// In E.164: `+34600111222`.
    E164(String),
    /// No numbering plan reads it: its digits as written, which matching still compares by their last
    /// nine; `why` says what was missing.
    Raw { digits: String, why: String },
}

/// Reads a phone number as people write it (`+34 600 11 12 22`, `0034 600…`, `(020) 7946-0958 ext. 12`); a
/// number without its country code takes `region`'s. Err when it is no phone number at all (letters, too
/// few or too many digits).
pub fn read_phone(raw: &str, region: Option<Region>) -> Result<Phone, String> {
    let text = raw.trim();
    let lowered = text.to_ascii_lowercase();
    let number = ["ext", "x", "#"]
        .iter()
        .filter_map(|marker| lowered.find(marker))
        .min()
        .map_or(text, |at| &text[..at]);
    if let Some(bad) = number
        .chars()
        .find(|c| !c.is_ascii_digit() && !" -.()/+".contains(*c))
    {
        // libphonenumber would read letters as a keypad's (600 CALL ME); a registry means no such thing.
        return Err(format!(
            "{raw:?} is not a phone number ({bad:?} does not belong in one)"
        ));
    }
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if !(6..=15).contains(&digits.len()) {
        return Err(format!(
            "{raw:?} is not a phone number (expected 6 to 15 digits, found {})",
            digits.len()
        ));
    }
    // `+44 (0)20…`: the national trunk prefix written beside the country code is not dialled with it.
    let international = number.starts_with('+') || number.starts_with("00");
    let number = if international {
        number.replacen("(0)", "", 1)
    } else {
        number.to_string()
    };
    let read = phonenumber::parse(region.map(|r| r.0), &number);
    match read {
        Ok(parsed) if phonenumber::is_valid(&parsed) => {
            Ok(Phone::E164(parsed.format().mode(Mode::E164).to_string()))
        }
        Ok(_) => Ok(Phone::Raw {
            digits,
            why: "it is not a number of its country's numbering plan".to_string(),
        }),
        Err(_) if region.is_none() => Ok(Phone::Raw {
            digits,
            why: "it has no country code, and no country or default region says which".to_string(),
        }),
        Err(e) => Ok(Phone::Raw {
            digits,
            why: format!(
                "it cannot be read as a number of {}: {e}",
                region.map_or(String::new(), |r| r.to_string())
            ),
        }),
    }
}

/// An e-mail address trimmed and lower-cased. Only its shape is checked: one `@` with text on both sides,
/// a domain with a dot, no spaces or control characters, no `..`.
pub fn read_email(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    let valid = trimmed.len() <= 254
        && trimmed.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        })
        && !trimmed.contains("..")
        && !trimmed.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(trimmed.to_lowercase())
    } else {
        Err(format!(
            "{:?} is not an e-mail address",
            raw.chars().take(60).collect::<String>()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn es() -> Option<Region> {
        Some(Region::parse("ES").unwrap())
    }

    #[test]
    fn regions_are_read_from_two_or_three_letters() {
        assert_eq!(Region::parse("esp").unwrap(), Region::parse("ES").unwrap());
        assert_eq!(Region::parse("GB").unwrap().to_string(), "GB");
        assert!(Region::parse("XX").is_err());
        assert!(Region::parse("Spain").is_err());
    }

    #[test]
    fn phones_reach_e164_with_their_own_or_the_region_country_code() {
        let e164 = |raw, region| match read_phone(raw, region) {
            Ok(Phone::E164(n)) => n,
            other => panic!("{raw}: {other:?}"),
        };
        assert_eq!(e164("+34 600 11 12 22", None), "+34600111222");
        assert_eq!(e164("0034 600 111 222", es()), "+34600111222");
        assert_eq!(e164("600-111-222", es()), "+34600111222");
        let gb = Region::parse("GB").ok();
        assert_eq!(e164("(020) 7946 0958 ext. 12", gb), "+442079460958");
        assert_eq!(e164("+44 (0)20 7946 0958", es()), "+442079460958");
    }

    #[test]
    fn a_number_no_plan_reads_is_kept_as_digits_and_garbage_is_refused() {
        match read_phone("600 111 222", None) {
            Ok(Phone::Raw { digits, why }) => {
                assert_eq!(digits, "600111222");
                assert!(why.contains("no country code"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read_phone("+34 100 111 222", None),
            Ok(Phone::Raw { .. })
        ));
        assert!(read_phone("600 CALL ME", es()).unwrap_err().contains("'C'"));
        assert!(read_phone("123", es()).unwrap_err().contains("found 3"));
    }

    proptest::proptest! {
        /// libphonenumber's parser meets whatever a file holds: it must answer, never panic.
        #[test]
        fn phones_never_panic(
            raw in "[0-9 +()./#x-]{0,32}|\\PC{0,24}",
            region in proptest::sample::select(vec![None, Some("ES"), Some("GB"), Some("DE"), Some("US"), Some("IN")]),
        ) {
            let region = region.and_then(|r| Region::parse(r).ok());
            let _ = read_phone(&raw, region);
            let _ = read_phone(&format!("+{raw}"), None);
        }
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased_and_malformed_ones_refused() {
        assert_eq!(
            read_email("  Maria.Garcia@Example.ES ").unwrap(),
            "maria.garcia@example.es"
        );
        for bad in [
            "maria garcia@example.es",
            "a@b@c.es",
            "@c.es",
            "a@",
            "a@localhost",
            "a..b@c.es",
            "",
        ] {
            assert!(read_email(bad).is_err(), "{bad}");
        }
    }
}

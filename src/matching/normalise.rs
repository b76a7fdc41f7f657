//! Turning names, e-mails and phone numbers as people and booking systems write them into keys that can be
//! compared: A–Z name keys in two transliterations, readings of a display name as given names + surnames,
//! nicknames, case-folded e-mails and E.164 phone numbers.

use unicode_normalization::char::decompose_canonical;

/// How letters outside A–Z are written in a name key. Tickets show both, so both are indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transliteration {
    /// ICAO Doc 9303 (machine-readable passports): Ä→AE, Ö→OE, Ü→UE, Å→AA, Æ→AE, Ø→OE, ß→SS, Ñ→N, Ç→C,
    /// other accents dropped.
    Icao,
    /// Accents simply dropped (Ä→A, Ü→U), as many booking systems do.
    Plain,
}

impl Transliteration {
    pub const BOTH: [Transliteration; 2] = [Transliteration::Icao, Transliteration::Plain];
}

/// Letters whose transliteration is not "drop the accent" in at least one scheme.
fn special_letter(c: char, scheme: Transliteration) -> Option<&'static str> {
    let icao = scheme == Transliteration::Icao;
    Some(match c {
        'Ä' | 'ä' if icao => "AE",
        'Ö' | 'ö' if icao => "OE",
        'Ü' | 'ü' if icao => "UE",
        'Å' | 'å' if icao => "AA",
        'Ø' | 'ø' if icao => "OE",
        'Ø' | 'ø' => "O",
        'Æ' | 'æ' => "AE",
        'Œ' | 'œ' => "OE",
        'ß' | 'ẞ' => "SS",
        'Þ' | 'þ' => "TH",
        'Ð' | 'ð' | 'Đ' | 'đ' => "D",
        'Ł' | 'ł' | 'Ŀ' | 'ŀ' => "L",
        'Ħ' | 'ħ' => "H",
        'Ŋ' | 'ŋ' => "N",
        'Ĳ' | 'ĳ' => "IJ",
        'ı' => "I",
        _ => return None,
    })
}

/// Folds a name into upper-case A–Z words separated by single spaces. Spaces, hyphens and commas separate
/// words; apostrophes and dots vanish (O'Brien → OBRIEN); letters without a Latin reading (Cyrillic, Greek,
/// CJK) are dropped, because no key can be derived from them here.
pub fn fold_words(raw: &str, scheme: Transliteration) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    let push = |s: &str, out: &mut String, pending_space: &mut bool| {
        if *pending_space && !out.is_empty() {
            out.push(' ');
        }
        *pending_space = false;
        out.push_str(s);
    };
    for c in raw.chars() {
        if c.is_ascii_alphabetic() {
            let upper = c.to_ascii_uppercase();
            push(upper.encode_utf8(&mut [0; 4]), &mut out, &mut pending_space);
        } else if c.is_whitespace() || matches!(c, '-' | '‐' | '‑' | '–' | ',' | '/' | '_') {
            pending_space = true;
        } else if let Some(s) = special_letter(c, scheme) {
            push(s, &mut out, &mut pending_space);
        } else if !c.is_ascii() {
            let mut base = String::new();
            decompose_canonical(c, |d| {
                if d.is_ascii_alphabetic() {
                    base.push(d.to_ascii_uppercase());
                }
            });
            if !base.is_empty() {
                push(&base, &mut out, &mut pending_space);
            }
        }
    }
    out
}

/// A name as one A–Z key with no separators: "García-Peña" → GARCIAPENA, "van der Berg" → VANDERBERG.
pub fn name_key(raw: &str, scheme: Transliteration) -> String {
    fold_words(raw, scheme).replace(' ', "")
}

/// Words that belong to the surname that follows them (Dutch, German, Portuguese, Spanish, French).
const PARTICLES: [&str; 22] = [
    "VAN", "VON", "DE", "DER", "DEN", "DEL", "DELLA", "DI", "DA", "DO", "DOS", "DAS", "DU", "LE",
    "LA", "LOS", "LAS", "TER", "TEN", "TE", "T", "ZU",
];

pub fn is_particle(folded_word: &str) -> bool {
    PARTICLES.contains(&folded_word)
}

/// One word of a display name in both transliterations, with its hyphen-separated parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameWord {
    /// The word's parts ("García-Peña" has two), ICAO transliteration.
    pub icao: Vec<String>,
    /// The same parts, accents dropped.
    pub plain: Vec<String>,
    pub particle: bool,
}

impl NameWord {
    fn parse(word: &str) -> Option<NameWord> {
        let icao: Vec<String> = fold_words(word, Transliteration::Icao)
            .split(' ')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        if icao.is_empty() {
            return None;
        }
        let plain: Vec<String> = fold_words(word, Transliteration::Plain)
            .split(' ')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        let particle = icao.len() == 1 && icao.first().is_some_and(|p| is_particle(p));
        Some(NameWord {
            icao,
            plain,
            particle,
        })
    }

    fn parts(&self, scheme: Transliteration) -> &[String] {
        match scheme {
            Transliteration::Icao => &self.icao,
            Transliteration::Plain => &self.plain,
        }
    }
}

/// One way of reading a display name as given names followed by surnames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameReading {
    pub given: Vec<NameWord>,
    pub surname: Vec<NameWord>,
}

impl NameReading {
    /// The given names as one key (MARIAJOSE).
    pub fn given_key(&self, scheme: Transliteration) -> String {
        glue(&self.given, scheme, true)
    }

    /// The given names as separate keys, hyphenated names split (JEAN, PIERRE).
    pub fn given_parts(&self, scheme: Transliteration) -> Vec<&str> {
        self.given
            .iter()
            .flat_map(|w| w.parts(scheme))
            .map(String::as_str)
            .collect()
    }

    /// Every key under which the surname may appear on a ticket: the whole surname with and without its
    /// particles, and each of its surnames alone (Spanish profiles show the first, Portuguese the last).
    pub fn surname_variants(&self, scheme: Transliteration) -> Vec<String> {
        let mut keys = vec![glue(&self.surname, scheme, true)];
        let without_particles = glue(&self.surname, scheme, false);
        keys.push(without_particles);
        for word in self.surname.iter().filter(|w| !w.particle) {
            let parts = word.parts(scheme);
            if parts.len() > 1 {
                keys.push(parts.concat());
            }
            keys.extend(parts.iter().cloned());
        }
        keys.retain(|k| !k.is_empty());
        keys.sort();
        keys.dedup();
        keys
    }

    /// The whole surname as one key, particles included (VANDERBERG).
    pub fn surname_key(&self, scheme: Transliteration) -> String {
        glue(&self.surname, scheme, true)
    }
}

fn glue(words: &[NameWord], scheme: Transliteration, with_particles: bool) -> String {
    words
        .iter()
        .filter(|w| with_particles || !w.particle)
        .flat_map(|w| w.parts(scheme))
        .map(String::as_str)
        .collect()
}

/// A registry display name ("María José García-Peña", "Jan van der Berg", "García Peña, María José") and the
/// readings it allows. Without a comma the split between given names and surnames is a guess, so every
/// split that does not strand a particle is kept and the matcher takes the reading that fits best.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    pub readings: Vec<NameReading>,
}

/// Display names longer than this are cut: no real name has more words, and the readings grow with each.
const MAX_WORDS: usize = 6;

impl PersonName {
    pub fn parse(display: &str) -> PersonName {
        if let Some((surname, given)) = display.split_once(',') {
            let reading = NameReading {
                given: words(given),
                surname: words(surname),
            };
            return PersonName {
                readings: if reading.surname.is_empty() {
                    Vec::new()
                } else {
                    vec![reading]
                },
            };
        }
        let all = words(display);
        let readings = match all.len() {
            0 => Vec::new(),
            1 => vec![NameReading {
                given: Vec::new(),
                surname: all,
            }],
            n => (1..n)
                .filter(|&k| all.get(k - 1).is_some_and(|w| !w.particle))
                .filter(|&k| all.get(k..).is_some_and(|s| s.iter().any(|w| !w.particle)))
                .map(|k| NameReading {
                    given: all.get(..k).map(<[NameWord]>::to_vec).unwrap_or_default(),
                    surname: all.get(k..).map(<[NameWord]>::to_vec).unwrap_or_default(),
                })
                .collect(),
        };
        PersonName { readings }
    }
}

fn words(raw: &str) -> Vec<NameWord> {
    raw.split_whitespace()
        .filter_map(NameWord::parse)
        .take(MAX_WORDS)
        .collect()
}

/// Locales whose nicknames the matcher knows (and whose names the synthetic generator writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Locale {
    #[serde(rename = "es_ES")]
    EsEs,
    #[serde(rename = "es_MX")]
    EsMx,
    #[serde(rename = "pt_BR")]
    PtBr,
    #[serde(rename = "nl_NL")]
    NlNl,
    #[serde(rename = "en_GB")]
    EnGb,
    #[serde(rename = "fr_FR")]
    FrFr,
    #[serde(rename = "de_DE")]
    DeDe,
}

impl Locale {
    pub const ALL: [Locale; 7] = [
        Locale::EsEs,
        Locale::EsMx,
        Locale::PtBr,
        Locale::NlNl,
        Locale::EnGb,
        Locale::FrFr,
        Locale::DeDe,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::EsEs => "es_ES",
            Locale::EsMx => "es_MX",
            Locale::PtBr => "pt_BR",
            Locale::NlNl => "nl_NL",
            Locale::EnGb => "en_GB",
            Locale::FrFr => "fr_FR",
            Locale::DeDe => "de_DE",
        }
    }
}

/// Nicknames and the names they stand for, as A–Z keys, per language. Spanish pairs serve es_ES and es_MX.
pub const NICKNAMES: &[(Locale, &str, &str)] = &[
    (Locale::EsEs, "PEPE", "JOSE"),
    (Locale::EsEs, "PACO", "FRANCISCO"),
    (Locale::EsEs, "PANCHO", "FRANCISCO"),
    (Locale::EsEs, "LOLA", "DOLORES"),
    (Locale::EsEs, "CONCHA", "CONCEPCION"),
    (Locale::EsEs, "CHARO", "ROSARIO"),
    (Locale::EsEs, "MERCHE", "MERCEDES"),
    (Locale::EsEs, "PILI", "PILAR"),
    (Locale::EsEs, "NACHO", "IGNACIO"),
    (Locale::EsEs, "CHEMA", "JOSEMARIA"),
    (Locale::EsEs, "CHUS", "JESUS"),
    (Locale::EsEs, "MANOLO", "MANUEL"),
    (Locale::EsEs, "TONI", "ANTONIO"),
    (Locale::EsEs, "QUIQUE", "ENRIQUE"),
    (Locale::EsEs, "RAFA", "RAFAEL"),
    (Locale::EsEs, "MAITE", "MARIATERESA"),
    (Locale::EsEs, "MARISA", "MARIALUISA"),
    (Locale::EsMx, "CHUY", "JESUS"),
    (Locale::EsMx, "LUPE", "GUADALUPE"),
    (Locale::EsMx, "MEMO", "GUILLERMO"),
    (Locale::EsMx, "BETO", "ALBERTO"),
    (Locale::EsMx, "LALO", "EDUARDO"),
    (Locale::EsMx, "NENA", "MAGDALENA"),
    (Locale::PtBr, "ZE", "JOSE"),
    (Locale::PtBr, "CHICO", "FRANCISCO"),
    (Locale::PtBr, "TONINHO", "ANTONIO"),
    (Locale::PtBr, "BIA", "BEATRIZ"),
    (Locale::PtBr, "GABI", "GABRIELA"),
    (Locale::PtBr, "DUDU", "EDUARDO"),
    (Locale::PtBr, "NANDO", "FERNANDO"),
    (Locale::PtBr, "BETO", "ROBERTO"),
    (Locale::PtBr, "MALU", "MARIALUIZA"),
    (Locale::PtBr, "LELE", "LETICIA"),
    (Locale::NlNl, "HANS", "JOHANNES"),
    (Locale::NlNl, "JAN", "JOHANNES"),
    (Locale::NlNl, "JOOP", "JOHANNES"),
    (Locale::NlNl, "KEES", "CORNELIS"),
    (Locale::NlNl, "WIM", "WILLEM"),
    (Locale::NlNl, "HENK", "HENDRIK"),
    (Locale::NlNl, "PIET", "PIETER"),
    (Locale::NlNl, "BRAM", "ABRAHAM"),
    (Locale::NlNl, "SJAAK", "JACOBUS"),
    (Locale::NlNl, "KOOS", "JACOBUS"),
    (Locale::NlNl, "TRUUS", "GEERTRUIDA"),
    (Locale::NlNl, "RIA", "MARIA"),
    (Locale::NlNl, "JOKE", "JOHANNA"),
    (Locale::NlNl, "ANS", "JOHANNA"),
    (Locale::NlNl, "TON", "ANTONIUS"),
    (Locale::NlNl, "GERT", "GERARDUS"),
    (Locale::EnGb, "BILL", "WILLIAM"),
    (Locale::EnGb, "WILL", "WILLIAM"),
    (Locale::EnGb, "BOB", "ROBERT"),
    (Locale::EnGb, "ROB", "ROBERT"),
    (Locale::EnGb, "JIM", "JAMES"),
    (Locale::EnGb, "JIMMY", "JAMES"),
    (Locale::EnGb, "TOM", "THOMAS"),
    (Locale::EnGb, "DICK", "RICHARD"),
    (Locale::EnGb, "RICK", "RICHARD"),
    (Locale::EnGb, "TED", "EDWARD"),
    (Locale::EnGb, "ED", "EDWARD"),
    (Locale::EnGb, "HARRY", "HENRY"),
    (Locale::EnGb, "JACK", "JOHN"),
    (Locale::EnGb, "CHARLIE", "CHARLES"),
    (Locale::EnGb, "MIKE", "MICHAEL"),
    (Locale::EnGb, "DAN", "DANIEL"),
    (Locale::EnGb, "CHRIS", "CHRISTOPHER"),
    (Locale::EnGb, "ALEX", "ALEXANDER"),
    (Locale::EnGb, "ANDY", "ANDREW"),
    (Locale::EnGb, "TONY", "ANTHONY"),
    (Locale::EnGb, "DAVE", "DAVID"),
    (Locale::EnGb, "LIZ", "ELIZABETH"),
    (Locale::EnGb, "BETH", "ELIZABETH"),
    (Locale::EnGb, "BETTY", "ELIZABETH"),
    (Locale::EnGb, "MAGGIE", "MARGARET"),
    (Locale::EnGb, "PEGGY", "MARGARET"),
    (Locale::EnGb, "KATE", "CATHERINE"),
    (Locale::EnGb, "KATIE", "CATHERINE"),
    (Locale::EnGb, "BECKY", "REBECCA"),
    (Locale::EnGb, "JESS", "JESSICA"),
    (Locale::EnGb, "SUE", "SUSAN"),
    (Locale::FrFr, "PIERROT", "PIERRE"),
    (Locale::FrFr, "MANU", "EMMANUEL"),
    (Locale::FrFr, "SEB", "SEBASTIEN"),
    (Locale::FrFr, "NICO", "NICOLAS"),
    (Locale::FrFr, "FRED", "FREDERIC"),
    (Locale::FrFr, "STEPH", "STEPHANE"),
    (Locale::FrFr, "STEPH", "STEPHANIE"),
    (Locale::FrFr, "ZAZA", "ISABELLE"),
    (Locale::FrFr, "BABETTE", "ELISABETH"),
    (Locale::FrFr, "MARGOT", "MARGUERITE"),
    (Locale::FrFr, "JOJO", "JOSEPH"),
    (Locale::FrFr, "FANFAN", "FRANCOISE"),
    (Locale::DeDe, "HANS", "JOHANNES"),
    (Locale::DeDe, "HANNES", "JOHANNES"),
    (Locale::DeDe, "SEPP", "JOSEF"),
    (Locale::DeDe, "JUPP", "JOSEF"),
    (Locale::DeDe, "FRITZ", "FRIEDRICH"),
    (Locale::DeDe, "WILLI", "WILHELM"),
    (Locale::DeDe, "KATHI", "KATHARINA"),
    (Locale::DeDe, "LIESEL", "ELISABETH"),
    (Locale::DeDe, "USCHI", "URSULA"),
    (Locale::DeDe, "GABI", "GABRIELE"),
    (Locale::DeDe, "STEFFI", "STEFANIE"),
    (Locale::DeDe, "BASTI", "SEBASTIAN"),
    (Locale::DeDe, "MAX", "MAXIMILIAN"),
    (Locale::DeDe, "TOBI", "TOBIAS"),
    (Locale::DeDe, "HEINZ", "HEINRICH"),
    (Locale::DeDe, "JOCHEN", "JOACHIM"),
    (Locale::DeDe, "ULI", "ULRICH"),
    (Locale::DeDe, "BERND", "BERNHARD"),
];

/// The nicknames people go by for a given name ("Liz" for Elizabeth), title-cased, each with the language
/// it is used in.
pub fn nicknames_of(given: &str) -> impl Iterator<Item = (Locale, String)> {
    let key = name_key(given, Transliteration::Icao);
    NICKNAMES
        .iter()
        .filter(move |(_, _, formal)| *formal == key)
        .map(|(locale, nick, _)| (*locale, title_case(nick)))
}

fn title_case(upper: &str) -> String {
    let mut letters = upper.chars();
    letters.next().map_or_else(String::new, |first| {
        first.to_string() + &letters.as_str().to_lowercase()
    })
}

/// Whether one given-name key is a known nickname of the other (in either direction), or both are
/// nicknames of the same name (BILL and WILL).
pub fn are_nicknames(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    fn formal_of(name: &str) -> impl Iterator<Item = &'static str> + '_ {
        NICKNAMES
            .iter()
            .filter(move |(_, nick, _)| *nick == name)
            .map(|(_, _, formal)| *formal)
    }
    formal_of(a).any(|f| f == b)
        || formal_of(b).any(|f| f == a)
        || formal_of(a).any(|fa| formal_of(b).any(|fb| fa == fb))
}

/// Case-folds an e-mail address; None for anything that is not `local@domain` with no spaces.
pub fn normalise_email(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let (local, domain) = trimmed.split_once('@')?;
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || trimmed.chars().any(char::is_whitespace)
    {
        return None;
    }
    Some(trimmed.to_lowercase())
}

/// A phone number reduced to what can be compared: its E.164 digits when the country code is known, and
/// its last nine digits, which are the same whichever way the number was dialled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhoneKey {
    /// E.164 digits without the `+` (34600111222); None when written without a country code.
    pub e164: Option<u64>,
    /// The last nine digits (600111222).
    pub last9: u32,
}

impl PhoneKey {
    /// Two numbers agree when both E.164 forms are known and equal, or when one lacks its country code
    /// and the last nine digits are equal. Different country codes never agree, whatever their tails.
    pub fn agreement(&self, other: &PhoneKey) -> Option<PhoneAgreement> {
        match (self.e164, other.e164) {
            (Some(a), Some(b)) => (a == b).then_some(PhoneAgreement::E164),
            _ => (self.last9 == other.last9).then_some(PhoneAgreement::LastNineDigits),
        }
    }

    pub fn display(&self) -> String {
        match self.e164 {
            Some(d) => format!("+{d}"),
            None => format!("…{:09}", self.last9),
        }
    }
}

/// How two phone numbers were found equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneAgreement {
    E164,
    LastNineDigits,
}

/// Reads a phone number as people write it: `+34 600 11 12 22`, `0034600111222`, `(020) 7946-0958`,
/// `+44 (0)20 7946 0958`. An extension (`x12`, `ext. 12`) is ignored. None when fewer than nine digits
/// remain (too short to tell people apart) or when the number holds letters.
pub fn normalise_phone(raw: &str) -> Option<PhoneKey> {
    let lowered = raw.trim().to_ascii_lowercase();
    let extension_at = ["ext", "x", "#"]
        .iter()
        .filter_map(|marker| lowered.find(marker))
        .min()
        .unwrap_or(lowered.len());
    let number = lowered.get(..extension_at).unwrap_or_default().trim();
    let international = number.starts_with('+') || number.starts_with("00");
    let without_trunk = if international {
        number.replacen("(0)", "", 1)
    } else {
        number.to_string()
    };
    let mut digits = String::with_capacity(16);
    for c in without_trunk.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' | '+' => {}
            _ => return None,
        }
    }
    let digits = if international && !number.starts_with('+') {
        digits.get(2..).unwrap_or_default().to_string()
    } else {
        digits
    };
    if digits.len() < 9 || digits.len() > 15 {
        return None;
    }
    let last9: u32 = digits.get(digits.len() - 9..)?.parse().ok()?;
    let e164 = if international && !digits.starts_with('0') {
        digits.parse().ok()
    } else {
        None
    };
    Some(PhoneKey { e164, last9 })
}

/// Edit distance between two keys (a swap of neighbours counts once), for telling typos from other names.
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn icao(s: &str) -> String {
        name_key(s, Transliteration::Icao)
    }
    fn plain(s: &str) -> String {
        name_key(s, Transliteration::Plain)
    }

    #[test]
    fn icao_transliteration_follows_doc_9303() {
        assert_eq!(icao("Müller"), "MUELLER");
        assert_eq!(icao("Jäger"), "JAEGER");
        assert_eq!(icao("Köhler"), "KOEHLER");
        assert_eq!(icao("Ångström"), "AANGSTROEM");
        assert_eq!(icao("Færøy"), "FAEROEY");
        assert_eq!(icao("Weiß"), "WEISS");
        assert_eq!(icao("Muñoz"), "MUNOZ");
        assert_eq!(icao("Gonçalves"), "GONCALVES");
        assert_eq!(icao("Hélène"), "HELENE");
        assert_eq!(icao("Íñigo"), "INIGO");
        assert_eq!(icao("Magalhães"), "MAGALHAES");
    }

    #[test]
    fn plain_transliteration_drops_accents() {
        assert_eq!(plain("Müller"), "MULLER");
        assert_eq!(plain("Jäger"), "JAGER");
        assert_eq!(plain("Ångström"), "ANGSTROM");
        assert_eq!(plain("Søren"), "SOREN");
        assert_eq!(plain("Weiß"), "WEISS");
        assert_eq!(plain("Muñoz"), "MUNOZ");
    }

    #[test]
    fn separators_and_apostrophes() {
        assert_eq!(icao("García-Peña"), "GARCIAPENA");
        assert_eq!(icao("O'Brien"), "OBRIEN");
        assert_eq!(icao("van 't Hof"), "VANTHOF");
        assert_eq!(
            fold_words("García-Peña  López", Transliteration::Icao),
            "GARCIA PENA LOPEZ"
        );
        assert_eq!(icao("Иван"), "");
    }

    #[test]
    fn dutch_particles_stay_with_the_surname() {
        let name = PersonName::parse("Jan van der Berg");
        assert_eq!(name.readings.len(), 1);
        let reading = &name.readings[0];
        assert_eq!(reading.given_key(Transliteration::Icao), "JAN");
        assert_eq!(reading.surname_key(Transliteration::Icao), "VANDERBERG");
        assert!(
            reading
                .surname_variants(Transliteration::Icao)
                .contains(&"BERG".to_string())
        );
    }

    #[test]
    fn compound_surnames_offer_each_surname() {
        let name = PersonName::parse("María José García-Peña");
        let reading = name
            .readings
            .iter()
            .find(|r| r.given_key(Transliteration::Icao) == "MARIAJOSE")
            .unwrap();
        let variants = reading.surname_variants(Transliteration::Icao);
        for v in ["GARCIAPENA", "GARCIA", "PENA"] {
            assert!(variants.contains(&v.to_string()), "{v} in {variants:?}");
        }
        let portuguese = PersonName::parse("João de Souza Santos");
        let reading = &portuguese.readings[0];
        assert_eq!(reading.given_key(Transliteration::Icao), "JOAO");
        let variants = reading.surname_variants(Transliteration::Icao);
        for v in ["DESOUZASANTOS", "SOUZASANTOS", "SOUZA", "SANTOS"] {
            assert!(variants.contains(&v.to_string()), "{v} in {variants:?}");
        }
    }

    #[test]
    fn spanish_given_names_with_particles_are_read_both_ways() {
        let name = PersonName::parse("María del Carmen López");
        let givens: Vec<String> = name
            .readings
            .iter()
            .map(|r| r.given_key(Transliteration::Icao))
            .collect();
        assert!(givens.contains(&"MARIADELCARMEN".to_string()), "{givens:?}");
        assert!(givens.contains(&"MARIA".to_string()), "{givens:?}");
    }

    #[test]
    fn comma_form_and_umlauts_in_readings() {
        let name = PersonName::parse("Müller, Jürgen");
        assert_eq!(name.readings.len(), 1);
        let r = &name.readings[0];
        assert_eq!(r.surname_key(Transliteration::Icao), "MUELLER");
        assert_eq!(r.surname_key(Transliteration::Plain), "MULLER");
        assert_eq!(r.given_key(Transliteration::Plain), "JURGEN");
        assert!(PersonName::parse("  ").readings.is_empty());
        assert_eq!(PersonName::parse("O'Brien").readings[0].given.len(), 0);
    }

    #[test]
    fn nicknames_in_both_directions_and_between_siblings() {
        assert!(are_nicknames("PEPE", "JOSE"));
        assert!(are_nicknames("JOSE", "PEPE"));
        assert!(are_nicknames("PACO", "FRANCISCO"));
        assert!(are_nicknames("LOLA", "DOLORES"));
        assert!(are_nicknames("BILL", "WILLIAM"));
        assert!(are_nicknames("BILL", "WILL"));
        assert!(are_nicknames("ZE", "JOSE"));
        assert!(are_nicknames("WIM", "WILLEM"));
        assert!(are_nicknames("SEPP", "JOSEF"));
        assert!(are_nicknames("MANU", "EMMANUEL"));
        assert!(!are_nicknames("JOSE", "JOSE"));
        assert!(!are_nicknames("JOSE", "LUCAS"));
        for locale in Locale::ALL {
            let served = NICKNAMES
                .iter()
                .any(|(l, _, _)| *l == locale || (locale == Locale::EsMx && *l == Locale::EsEs));
            assert!(served, "no nicknames for {}", locale.as_str());
        }
    }

    #[test]
    fn emails_are_case_folded_and_checked() {
        assert_eq!(
            normalise_email("  Maria.Garcia@Example.ES "),
            Some("maria.garcia@example.es".to_string())
        );
        assert_eq!(normalise_email("no-at-sign"), None);
        assert_eq!(normalise_email("a@b@c.com"), None);
        assert_eq!(normalise_email("a b@c.com"), None);
        assert_eq!(normalise_email("@c.com"), None);
    }

    #[test]
    fn phones_reach_e164_and_last_nine_digits() {
        let p = normalise_phone("+34 600 11 12 22").unwrap();
        assert_eq!(p.e164, Some(34_600_111_222));
        assert_eq!(p.last9, 600_111_222);
        assert_eq!(normalise_phone("0034600111222"), Some(p));
        let uk = normalise_phone("+44 (0)20 7946 0958").unwrap();
        assert_eq!(uk.e164, Some(442_079_460_958));
        let national = normalise_phone("(020) 7946-0958 ext. 12").unwrap();
        assert_eq!(national.e164, None);
        assert_eq!(national.last9, 79_460_958);
        assert_eq!(
            uk.agreement(&national),
            Some(PhoneAgreement::LastNineDigits)
        );
        let nl = normalise_phone("+31 6 12345678").unwrap();
        let es = normalise_phone("+34 612345678").unwrap();
        assert_eq!(nl.last9, es.last9);
        assert_eq!(
            nl.agreement(&es),
            None,
            "different country codes never agree"
        );
        assert_eq!(normalise_phone("600 11 12"), None);
        assert_eq!(normalise_phone("call me"), None);
        assert_eq!(normalise_phone(""), None);
    }
}

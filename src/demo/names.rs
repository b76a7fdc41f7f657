//! Names as people write them in seven locales, and as a booking spells them.

use chrono::{Duration, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Locale {
    EsEs,
    EsMx,
    PtBr,
    NlNl,
    EnGb,
    FrFr,
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

    pub fn language(self) -> &'static str {
        match self {
            Locale::EsEs | Locale::EsMx => "es",
            Locale::PtBr => "pt",
            Locale::NlNl => "nl",
            Locale::EnGb => "en",
            Locale::FrFr => "fr",
            Locale::DeDe => "de",
        }
    }

    pub fn country(self) -> &'static str {
        match self {
            Locale::EsEs => "ES",
            Locale::EsMx => "MX",
            Locale::PtBr => "BR",
            Locale::NlNl => "NL",
            Locale::EnGb => "GB",
            Locale::FrFr => "FR",
            Locale::DeDe => "DE",
        }
    }

    pub fn mail_domain(self) -> &'static str {
        match self {
            Locale::EsEs => "correo.example.es",
            Locale::EsMx => "correo.example.mx",
            Locale::PtBr => "email.example.br",
            Locale::NlNl => "post.example.nl",
            Locale::EnGb => "mail.example.co.uk",
            Locale::FrFr => "courriel.example.fr",
            Locale::DeDe => "post.example.de",
        }
    }

    pub fn phone_prefix(self) -> &'static str {
        match self {
            Locale::EsEs => "+34",
            Locale::EsMx => "+52",
            Locale::PtBr => "+55",
            Locale::NlNl => "+31",
            Locale::EnGb => "+44",
            Locale::FrFr => "+33",
            Locale::DeDe => "+49",
        }
    }

    fn pools(
        self,
    ) -> (
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
    ) {
        match self {
            Locale::EsEs => (
                &[
                    "María José",
                    "Lucía",
                    "Carmen",
                    "Inés",
                    "Begoña",
                    "Nuria",
                    "Ángela",
                    "Pilar",
                ],
                &[
                    "José Luis",
                    "Álvaro",
                    "Javier",
                    "Íñigo",
                    "Jesús",
                    "Sergio",
                    "Raúl",
                    "Andrés",
                ],
                &[
                    "García",
                    "Peña",
                    "Fernández",
                    "Martínez",
                    "Núñez",
                    "Gómez",
                    "Ibáñez",
                    "Muñoz",
                    "Álvarez",
                    "Sánchez",
                ],
            ),
            Locale::EsMx => (
                &[
                    "Guadalupe",
                    "Ximena",
                    "Fernanda",
                    "Sofía",
                    "Itzel",
                    "Mariana",
                ],
                &[
                    "José Ángel",
                    "Jesús",
                    "Emiliano",
                    "Iván",
                    "Rodrigo",
                    "Joaquín",
                ],
                &[
                    "Hernández",
                    "López",
                    "Pérez",
                    "Ramírez",
                    "Cruz",
                    "Gutiérrez",
                    "Ortiz",
                    "Chávez",
                ],
            ),
            Locale::PtBr => (
                &["Ana", "Beatriz", "Conceição", "Lívia", "Luísa", "Fernanda"],
                &["João", "Tiago", "Luís", "Antônio", "Vinícius", "Sebastião"],
                &[
                    "Costa",
                    "Conceição",
                    "Gonçalves",
                    "Araújo",
                    "Simões",
                    "Magalhães",
                    "Souza",
                    "Brandão",
                ],
            ),
            Locale::NlNl => (
                &["Sanne", "Eline", "Anouk", "Maaike", "Floor", "Zoë"],
                &["Jan", "Daan", "Bram", "Sjoerd", "Thijs", "Joël"],
                &[
                    "de Vries",
                    "van den Berg",
                    "Bakker",
                    "van Dijk",
                    "Visser",
                    "de Jong",
                    "Smit",
                    "van der Meer",
                ],
            ),
            Locale::EnGb => (
                &[
                    "Charlotte",
                    "Siobhán",
                    "Emily",
                    "Niamh",
                    "Olivia",
                    "Harriet",
                ],
                &["William", "Oliver", "Seán", "Harry", "James", "Rhys"],
                &[
                    "Smith", "O'Brien", "Taylor", "Davies", "Wright", "Hughes", "Evans", "Thompson",
                ],
            ),
            Locale::FrFr => (
                &["Émilie", "Chloé", "Léa", "Hélène", "Françoise", "Zoé"],
                &["François", "Jérôme", "Noël", "Théo", "Benoît", "Loïc"],
                &[
                    "Lefèvre",
                    "Dubois",
                    "Moreau",
                    "Bérenger",
                    "Rousseau",
                    "Girard",
                    "Lemaître",
                    "Fournier",
                ],
            ),
            Locale::DeDe => (
                &["Jürgen", "Käthe", "Lena", "Sophie", "Jördis", "Annegret"],
                &["Jürgen", "Günther", "Lukas", "Maximilian", "Björn", "Jörg"],
                &[
                    "Müller",
                    "Schäfer",
                    "Weiß",
                    "Groß",
                    "Köhler",
                    "Schröder",
                    "Becker",
                    "Hoffmann",
                ],
            ),
        }
    }

    /// Spanish and Mexican people carry two surnames, Brazilians often two as well.
    fn surname_count(self, rng: &mut ChaCha8Rng) -> usize {
        match self {
            Locale::EsEs | Locale::EsMx => 2,
            Locale::PtBr if rng.random_bool(0.6) => 2,
            _ => 1,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonName {
    pub locale: Locale,
    pub given: String,
    pub surnames: Vec<String>,
    pub gender: char,
    pub child: bool,
    pub date_of_birth: NaiveDate,
}

impl PersonName {
    /// As the person writes it, e.g. "María José García Peña".
    pub fn display(&self) -> String {
        format!("{} {}", self.given, self.surnames.join(" "))
    }

    /// As a booking spells it: upper case A–Z, no spaces, hyphens or apostrophes.
    pub fn iata_surname(&self) -> String {
        iata_letters(&self.surnames.concat())
    }

    pub fn iata_given(&self) -> String {
        iata_letters(&self.given)
    }

    pub fn ascii_given(&self) -> String {
        iata_letters(self.given.split(' ').next().unwrap_or(&self.given))
    }

    pub fn ascii_surname(&self) -> String {
        iata_letters(self.surnames.first().map(String::as_str).unwrap_or(""))
    }

    pub fn title(&self) -> &'static str {
        match (self.child, self.gender) {
            (true, 'M') => "MSTR",
            (true, _) => "MISS",
            (false, 'M') => "MR",
            (false, _) => "MRS",
        }
    }
}

/// ICAO Doc 9303 transliteration to the letters a booking holds.
fn iata_letters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'ä' | 'Ä' | 'æ' | 'Æ' => out.push_str("AE"),
            'ö' | 'Ö' | 'ø' | 'Ø' => out.push_str("OE"),
            'ü' | 'Ü' => out.push_str("UE"),
            'å' | 'Å' => out.push_str("AA"),
            'ß' => out.push_str("SS"),
            'á' | 'à' | 'â' | 'ã' | 'Á' | 'À' | 'Â' | 'Ã' => out.push('A'),
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => out.push('E'),
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => out.push('I'),
            'ó' | 'ò' | 'ô' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Õ' => out.push('O'),
            'ú' | 'ù' | 'û' | 'Ú' | 'Ù' | 'Û' => out.push('U'),
            'ñ' | 'Ñ' => out.push('N'),
            'ç' | 'Ç' => out.push('C'),
            c if c.is_ascii_alphabetic() => out.push(c.to_ascii_uppercase()),
            _ => {}
        }
    }
    out
}

pub fn person(rng: &mut ChaCha8Rng, locale: Locale) -> PersonName {
    let (female, male, surnames) = locale.pools();
    let (given, gender) = if rng.random_bool(0.5) {
        (*female.choose(rng).unwrap_or(&"Ana"), 'F')
    } else {
        (*male.choose(rng).unwrap_or(&"Juan"), 'M')
    };
    let count = locale.surname_count(rng);
    let chosen = (0..count)
        .map(|_| surnames.choose(rng).unwrap_or(&"García").to_string())
        .collect();
    let born = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default()
        + Duration::days(rng.random_range(0..365 * 55));
    PersonName {
        locale,
        given: given.to_string(),
        surnames: chosen,
        gender,
        child: false,
        date_of_birth: born,
    }
}

/// A partner or child travelling on the lead's booking: same family name, another given name.
pub fn relative(rng: &mut ChaCha8Rng, lead: &PersonName, member: usize) -> PersonName {
    let mut relative = person(rng, lead.locale);
    relative.surnames = lead.surnames.clone();
    if member >= 2 {
        relative.child = true;
        relative.date_of_birth = NaiveDate::from_ymd_opt(2012, 1, 1).unwrap_or_default()
            + Duration::days(rng.random_range(0..365 * 12));
    }
    relative
}

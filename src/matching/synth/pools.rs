//! Name pools per locale, written as people write them (diacritics included), roughly from most to least
//! common: the generator draws early entries more often, so namesakes occur as they do in life. Public so
//! that demos can draw believable names too.

use crate::matching::normalise::Locale;

/// Everything the generator needs to invent people of one locale.
#[derive(Debug, Clone, Copy)]
pub struct LocalePool {
    pub locale: Locale,
    pub female_given: &'static [&'static str],
    pub male_given: &'static [&'static str],
    /// Surnames, with their particles where they have them ("van der Berg", "de Souza").
    pub surnames: &'static [&'static str],
    pub email_domains: &'static [&'static str],
    /// Country calling code and the first digits of a mobile number.
    pub phone_country: &'static str,
    pub mobile_prefixes: &'static [&'static str],
    /// Digits after the mobile prefix.
    pub mobile_rest_digits: u32,
    /// The home airline whose frequent-flyer programme people join.
    pub home_carrier: &'static str,
    /// Share of this locale among people.
    pub weight: f64,
}

const ES_FEMALE: &[&str] = &[
    "María", "Lucía", "Carmen", "Ana", "Laura", "Marta", "Elena", "Sofía", "Paula", "Isabel",
    "Dolores", "Pilar", "Cristina", "Rocío", "Begoña", "Inés", "Nuria", "Concepción", "Mercedes",
    "Rosario", "Teresa", "Raquel", "Beatriz", "Silvia", "Irene", "Alba", "Noelia", "Ainhoa",
    "Montserrat", "Yolanda", "Maite", "Remedios", "Encarnación", "Almudena", "Itziar",
];
const ES_MALE: &[&str] = &[
    "José", "Antonio", "Manuel", "Francisco", "Javier", "David", "Juan", "Daniel", "Carlos",
    "Miguel", "Alejandro", "Pablo", "Jesús", "Rafael", "Sergio", "Fernando", "Álvaro", "Jorge",
    "Luis", "Alberto", "Ignacio", "Enrique", "Rubén", "Íñigo", "Adrián", "Óscar", "Ramón", "Andrés",
    "Joaquín", "Gonzalo", "Borja", "Ángel", "Víctor", "Agustín", "Eusebio",
];
const ES_SURNAMES: &[&str] = &[
    "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
    "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero",
    "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez",
    "Serrano", "Blanco", "Molina", "Morales", "Suárez", "Ortega", "Delgado", "Castro", "Ortiz",
    "Rubio", "Marín", "Sanz", "Núñez", "Iglesias", "Medina", "Garrido", "Cortés", "Castillo",
    "Santos", "Lozano", "Guerrero", "Cano", "Prieto", "Méndez", "Cruz", "Calvo", "Gallego", "Vidal",
    "León", "Márquez", "Herrera", "Peña", "Flores", "Cabrera", "Campos", "Vega", "Fuentes",
    "Carrasco", "Díez", "Caballero", "Reyes", "Nieto", "Aguilar", "Pascual", "Santana", "Herrero",
    "Lorenzo", "Montero", "Hidalgo", "Giménez", "Ibáñez", "Ferrer", "Durán", "Santiago", "Benítez",
    "Mora", "Vicente", "Vargas", "Arias", "Carmona", "Crespo", "Román", "Pastor", "Soto", "Sáez",
    "Velasco", "Moya", "Soler", "Parra", "Esteban", "Bravo", "Gallardo", "Rojas", "Echeverría",
    "Zubizarreta", "Goicoechea", "Urquijo", "Olabarrieta", "Arrieta", "Azcárate", "Beristáin",
];
const MX_FEMALE: &[&str] = &[
    "María", "Guadalupe", "Juana", "Margarita", "Verónica", "Leticia", "Rosa", "Ximena", "Fernanda",
    "Valeria", "Daniela", "Itzel", "Gabriela", "Alejandra", "Patricia", "Adriana", "Claudia",
    "Magdalena", "Araceli", "Yesenia", "Brenda", "Karla", "Mariana", "Paola", "Dulce",
];
const MX_MALE: &[&str] = &[
    "José", "Juan", "Luis", "Jesús", "Miguel", "Francisco", "Alejandro", "Eduardo", "Guillermo",
    "Alberto", "Jorge", "Ricardo", "Fernando", "Roberto", "Arturo", "Héctor", "Raúl", "Sergio",
    "Armando", "Emiliano", "Santiago", "Diego", "Mateo", "Rodrigo", "Cuauhtémoc",
];
const MX_SURNAMES: &[&str] = &[
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez",
    "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres", "Díaz",
    "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero", "Álvarez",
    "Méndez", "Chávez", "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera", "Medina", "Castro",
    "Vargas", "Guzmán", "Velázquez", "Muñoz", "Rojas", "Contreras", "Salazar", "Luna", "Ortega",
    "Guerrero", "Estrada", "Bautista", "Cortés", "Soto", "Alvarado", "Zúñiga", "Ochoa", "Carrillo",
    "Xicoténcatl", "Tlapanco", "Villaseñor", "Quiñones", "Ibarra", "Valenzuela",
];
const PT_FEMALE: &[&str] = &[
    "Maria", "Ana", "Francisca", "Antônia", "Adriana", "Juliana", "Márcia", "Fernanda", "Patrícia",
    "Aline", "Beatriz", "Letícia", "Camila", "Luíza", "Gabriela", "Mariana", "Larissa", "Bruna",
    "Conceição", "Raimunda", "Tatiane", "Vitória", "Júlia", "Lívia", "Giovanna",
];
const PT_MALE: &[&str] = &[
    "José", "João", "Antônio", "Francisco", "Carlos", "Paulo", "Pedro", "Lucas", "Luiz", "Marcos",
    "Luís", "Gabriel", "Rafael", "Daniel", "Marcelo", "Bruno", "Eduardo", "Felipe", "Raimundo",
    "Rodrigo", "Fernando", "Roberto", "Thiago", "Matheus", "Gonçalo",
];
const PT_SURNAMES: &[&str] = &[
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima",
    "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes",
    "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira", "Nunes", "Marques",
    "Machado", "Mendes", "Freitas", "Cardoso", "Ramos", "Gonçalves", "Araújo", "Azevedo",
    "Magalhães", "Brandão", "Figueiredo", "Guimarães", "Assunção", "de Souza", "da Silva",
    "dos Santos", "de Oliveira", "da Costa", "de Jesus", "Conceição", "Teixeira", "Correia",
    "Cavalcanti", "Monteiro", "Pinheiro", "Sampaio", "Quintão", "Falcão",
];
const NL_FEMALE: &[&str] = &[
    "Anna", "Emma", "Sanne", "Lotte", "Femke", "Marieke", "Ingrid", "Eline", "Anouk", "Fleur",
    "Maaike", "Johanna", "Geertruida", "Saskia", "Maria", "Zoë", "Noëlle", "Linde", "Esmée", "Roos",
    "Janneke", "Wilhelmina", "Petra", "Ilse", "Renée",
];
const NL_MALE: &[&str] = &[
    "Jan", "Pieter", "Willem", "Hendrik", "Johannes", "Cornelis", "Joost", "Bram", "Daan", "Sem",
    "Thijs", "Ruud", "Gerrit", "Maarten", "Stijn", "Jacobus", "Abraham", "Daniël", "Gerardus",
    "Antonius", "Michiel", "Sjoerd", "Wouter", "Bas", "Teun",
];
const NL_SURNAMES: &[&str] = &[
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
    "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
    "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer",
    "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen",
    "van den Broek", "de Bruijn", "van der Heijden", "Schouten", "van Beek", "Willems", "van Vliet",
    "van de Ven", "Hoekstra", "Maas", "Verhoeven", "Koster", "van Dam", "van der Wal", "Prins",
    "Blom", "Huisman", "van 't Hof", "Sluijter", "IJzerman", "Ruïs",
];
const EN_FEMALE: &[&str] = &[
    "Olivia", "Amelia", "Emily", "Charlotte", "Sophie", "Jessica", "Elizabeth", "Margaret",
    "Catherine", "Sarah", "Rebecca", "Susan", "Hannah", "Lucy", "Grace", "Chloë", "Eleanor",
    "Harriet", "Imogen", "Zoë", "Siobhan", "Niamh", "Bethan", "Priya", "Aisha",
];
const EN_MALE: &[&str] = &[
    "William", "Robert", "James", "Thomas", "Richard", "Edward", "Oliver", "John", "Henry",
    "George", "Charles", "Michael", "Daniel", "Christopher", "Alexander", "Andrew", "Anthony",
    "David", "Harry", "Jack", "Samuel", "Benjamin", "Rhys", "Callum", "Arjun",
];
const EN_SURNAMES: &[&str] = &[
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes",
    "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin",
    "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison",
    "Morgan", "Allen", "Scott", "Phillips", "Watson", "Parker", "Price", "Bennett", "Young",
    "Griffiths", "Mitchell", "Kelly", "O'Brien", "O'Connor", "McDonald", "MacLeod", "Fitzgerald",
    "Ashworth", "Featherstonehaugh", "Cholmondeley", "Smith-Jones", "Llewellyn",
];
const FR_FEMALE: &[&str] = &[
    "Marie", "Camille", "Léa", "Chloé", "Manon", "Inès", "Élodie", "Hélène", "Françoise", "Céline",
    "Amélie", "Océane", "Anaïs", "Zoé", "Noémie", "Isabelle", "Stéphanie", "Élisabeth",
    "Marguerite", "Sylvie", "Nathalie", "Aurélie", "Gaëlle", "Maëlys", "Clémence",
];
const FR_MALE: &[&str] = &[
    "Jean", "Pierre", "François", "Nicolas", "Stéphane", "Jérôme", "Frédéric", "Sébastien",
    "Théo", "Loïc", "Benoît", "Gaël", "Hervé", "Jean-Luc", "Jean-Pierre", "Rémi", "Raphaël",
    "Emmanuel", "Joseph", "Mathéo", "Noël", "Aurélien", "Cédric", "Joël", "Grégoire",
];
const FR_SURNAMES: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller",
    "Henry", "Roussel", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Fontaine",
    "Chevalier", "Robin", "Masson", "Gérard", "Nguyen", "Noël", "Ménard", "Prévost", "Rivière",
    "Le Gall", "de la Fontaine", "d'Arcy", "Saint-Exupéry", "Lacroix", "Benoît",
];
const DE_FEMALE: &[&str] = &[
    "Ursula", "Gisela", "Sabine", "Petra", "Monika", "Anja", "Julia", "Lena", "Hannah", "Brigitte",
    "Mareike", "Jana", "Bärbel", "Dörte", "Käthe", "Katharina", "Elisabeth", "Gabriele",
    "Stefanie", "Theresia", "Hildegard", "Gerlinde", "Ilse", "Franziska", "Annegret",
];
const DE_MALE: &[&str] = &[
    "Jürgen", "Jörg", "Björn", "Günter", "Uwe", "Klaus", "Hans", "Stefan", "Thomas", "Michael",
    "Andreas", "Matthias", "Tobias", "Lukas", "Maximilian", "Johannes", "Josef", "Friedrich",
    "Wilhelm", "Sebastian", "Heinrich", "Joachim", "Ulrich", "Bernhard", "Sören",
];
const DE_SURNAMES: &[&str] = &[
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
    "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler",
    "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz",
    "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller", "Günther",
    "Jäger", "Groß", "Kühn", "Böhm", "Krämer", "Süß", "von Bülow", "von der Heide", "Straßburger",
];

pub const LOCALE_POOLS: [LocalePool; 7] = [
    LocalePool {
        locale: Locale::EsEs,
        female_given: ES_FEMALE,
        male_given: ES_MALE,
        surnames: ES_SURNAMES,
        email_domains: &["gmail.com", "hotmail.es", "telefonica.net", "yahoo.es", "outlook.es"],
        phone_country: "34",
        mobile_prefixes: &["6", "7"],
        mobile_rest_digits: 8,
        home_carrier: "IB",
        weight: 0.30,
    },
    LocalePool {
        locale: Locale::EsMx,
        female_given: MX_FEMALE,
        male_given: MX_MALE,
        surnames: MX_SURNAMES,
        email_domains: &["gmail.com", "hotmail.com", "yahoo.com.mx", "outlook.com", "prodigy.net.mx"],
        phone_country: "52",
        mobile_prefixes: &["155", "133", "181"],
        mobile_rest_digits: 8,
        home_carrier: "AM",
        weight: 0.12,
    },
    LocalePool {
        locale: Locale::PtBr,
        female_given: PT_FEMALE,
        male_given: PT_MALE,
        surnames: PT_SURNAMES,
        email_domains: &["gmail.com", "hotmail.com", "uol.com.br", "bol.com.br", "terra.com.br"],
        phone_country: "55",
        mobile_prefixes: &["119", "219", "319"],
        mobile_rest_digits: 8,
        home_carrier: "LA",
        weight: 0.12,
    },
    LocalePool {
        locale: Locale::NlNl,
        female_given: NL_FEMALE,
        male_given: NL_MALE,
        surnames: NL_SURNAMES,
        email_domains: &["gmail.com", "ziggo.nl", "kpnmail.nl", "hotmail.nl", "outlook.com"],
        phone_country: "31",
        mobile_prefixes: &["6"],
        mobile_rest_digits: 8,
        home_carrier: "KL",
        weight: 0.10,
    },
    LocalePool {
        locale: Locale::EnGb,
        female_given: EN_FEMALE,
        male_given: EN_MALE,
        surnames: EN_SURNAMES,
        email_domains: &["gmail.com", "btinternet.com", "hotmail.co.uk", "yahoo.co.uk", "outlook.com"],
        phone_country: "44",
        mobile_prefixes: &["74", "75", "77", "78", "79"],
        mobile_rest_digits: 8,
        home_carrier: "BA",
        weight: 0.14,
    },
    LocalePool {
        locale: Locale::FrFr,
        female_given: FR_FEMALE,
        male_given: FR_MALE,
        surnames: FR_SURNAMES,
        email_domains: &["gmail.com", "orange.fr", "free.fr", "laposte.net", "sfr.fr"],
        phone_country: "33",
        mobile_prefixes: &["6", "7"],
        mobile_rest_digits: 8,
        home_carrier: "AF",
        weight: 0.11,
    },
    LocalePool {
        locale: Locale::DeDe,
        female_given: DE_FEMALE,
        male_given: DE_MALE,
        surnames: DE_SURNAMES,
        email_domains: &["gmail.com", "web.de", "gmx.de", "t-online.de", "posteo.de"],
        phone_country: "49",
        mobile_prefixes: &["151", "160", "170", "176"],
        mobile_rest_digits: 8,
        home_carrier: "LH",
        weight: 0.11,
    },
];

pub fn pool(locale: Locale) -> &'static LocalePool {
    LOCALE_POOLS
        .iter()
        .find(|p| p.locale == locale)
        .unwrap_or(&LOCALE_POOLS[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_has_a_pool_with_diacritics_somewhere() {
        for locale in Locale::ALL {
            let p = pool(locale);
            assert_eq!(p.locale, locale);
            assert!(p.female_given.len() >= 20 && p.male_given.len() >= 20);
            assert!(p.surnames.len() >= 50);
            let all = p.female_given.iter().chain(p.male_given).chain(p.surnames);
            assert!(all.clone().any(|n| !n.is_ascii()), "{}", locale.as_str());
        }
        let total: f64 = LOCALE_POOLS.iter().map(|p| p.weight).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }
}

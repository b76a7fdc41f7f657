//! The words aboard shows staff, in every language it speaks: one Fluent file per language in `locales/`,
//! built into the binary, and lookups by message id. Pure data and formatting, no I/O; the web layer
//! (`web::i18n`) names its strings through it, and rules read case categories' names from it.
//!
//! Every catalogue holds English's ids and no others (the tests below refuse a missing or extra id, and
//! a message that does not parse). To add a language, write `locales/xx.ftl` (its ISO 639 code): build.rs
//! names it in `UiLanguage` and builds it in, and its `language-name` is how the pages offer it.

use std::collections::HashMap;
use std::sync::LazyLock;

pub use fluent_bundle::FluentValue;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

use crate::domain::UiLanguage;

include!(concat!(env!("OUT_DIR"), "/catalogue_sources.rs"));

struct Catalogue {
    bundle: FluentBundle<FluentResource>,
    /// Every message that needs no argument, formatted once: pages ask for these by the hundred.
    plain: HashMap<String, &'static str>,
}

impl Catalogue {
    fn load(language: UiLanguage) -> Catalogue {
        let (bundle, ids, problems) = read(language);
        // The tests refuse a shipped file with problems; one edited in place is said in the log.
        for problem in &problems {
            tracing::error!(%problem, "a message catalogue could not be read whole");
        }
        let mut plain = HashMap::with_capacity(ids.len());
        for id in ids {
            let Some(pattern) = bundle.get_message(&id).and_then(|m| m.value()) else {
                continue;
            };
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, None, &mut errors);
            if errors.is_empty() {
                plain.insert(id, &*Box::leak(text.into_owned().into_boxed_str()));
            }
        }
        Catalogue { bundle, plain }
    }
}

/// A language's file as a bundle, with its message ids and what could not be read (syntax errors, ids
/// given twice).
fn read(language: UiLanguage) -> (FluentBundle<FluentResource>, Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let resource = FluentResource::try_new(source(language).to_string()).unwrap_or_else(
        |(resource, errors)| {
            problems.extend(errors.iter().map(|e| format!("{language}: {e}")));
            resource
        },
    );
    let ids: Vec<String> = resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect();
    let tag = language
        .as_str()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // Fluent wraps arguments in Unicode isolation marks for mixed-direction text; every language here
    // writes left to right, and the marks would show in copied text and break tests' matches.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        problems.extend(errors.iter().map(|e| format!("{language}: {e}")));
    }
    (bundle, ids, problems)
}

static CATALOGUES: LazyLock<Vec<Catalogue>> = LazyLock::new(|| {
    UiLanguage::ALL
        .iter()
        .map(|l| Catalogue::load(*l))
        .collect()
});

fn catalogue(language: UiLanguage) -> &'static Catalogue {
    let index = UiLanguage::ALL
        .iter()
        .position(|l| *l == language)
        .unwrap_or(0);
    &CATALOGUES[index]
}

/// A message without arguments in `language`; English when the language lacks it (the tests keep that
/// from happening), and the id itself when no catalogue has it.
pub fn text(language: UiLanguage, id: &str) -> &'static str {
    catalogue(language)
        .plain
        .get(id)
        .or_else(|| catalogue(UiLanguage::En).plain.get(id))
        .copied()
        .unwrap_or_else(|| {
            tracing::warn!(id, "a message no catalogue holds");
            "?"
        })
}

/// The word for a stored value in `language`: `family` and the value's snake_case word make the id
/// (`role` and `gate` are `role-gate`); none when no catalogue names the value (a registry's own case
/// category).
pub fn word(language: UiLanguage, family: &str, value: &str) -> Option<&'static str> {
    let id = format!("{family}-{}", value.replace('_', "-"));
    catalogue(language)
        .plain
        .get(&id)
        .or_else(|| catalogue(UiLanguage::En).plain.get(&id))
        .copied()
}

/// A message with arguments (`{ $network }` in the file) in `language`, English when it lacks it.
pub fn format(language: UiLanguage, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let found = [language, UiLanguage::En].into_iter().find_map(|l| {
        let bundle = &catalogue(l).bundle;
        Some((bundle, bundle.get_message(id)?.value()?))
    });
    match found {
        Some((bundle, pattern)) => {
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
            if !errors.is_empty() {
                tracing::warn!(id, ?errors, "a message formatted with problems");
            }
            text.into_owned()
        }
        None => {
            tracing::warn!(id, "a message no catalogue holds");
            "?".to_string()
        }
    }
}

/// Every message id of a language's catalogue, for the tests that hold catalogues to English.
#[cfg(test)]
pub(crate) fn ids(language: UiLanguage) -> Vec<String> {
    read(language).1
}

/// Problems reading a language's file: syntax errors and ids given twice.
#[cfg(test)]
pub(crate) fn problems(language: UiLanguage) -> Vec<String> {
    read(language).2
}

/// Whether `id` exists in English, the catalogue every other is held to.
#[cfg(test)]
pub(crate) fn has(id: &str) -> bool {
    catalogue(UiLanguage::En).bundle.has_message(id)
}

/// The variables (`$name`) a message uses, for checking that a translation asks for the same ones.
#[cfg(test)]
pub(crate) fn variables(language: UiLanguage, id: &str) -> Vec<String> {
    let Some(message) = catalogue(language).bundle.get_message(id) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    if let Some(pattern) = message.value() {
        collect_variables(pattern, &mut names);
    }
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
fn collect_variables(pattern: &fluent_syntax::ast::Pattern<&str>, names: &mut Vec<String>) {
    use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
    for element in &pattern.elements {
        let PatternElement::Placeable { expression } = element else {
            continue;
        };
        match expression {
            Expression::Inline(InlineExpression::VariableReference { id }) => {
                names.push(id.name.to_string())
            }
            Expression::Select { selector, variants } => {
                if let InlineExpression::VariableReference { id } = selector {
                    names.push(id.name.to_string());
                }
                for variant in variants {
                    collect_variables(&variant.value, names);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_reads_cleanly_and_holds_exactly_englishs_ids_with_their_variables() {
        let english: Vec<String> = ids(UiLanguage::En);
        assert!(
            english.len() > 300,
            "English has {} messages",
            english.len()
        );
        for &language in UiLanguage::ALL {
            assert_eq!(problems(language), Vec::<String>::new());
            let theirs = ids(language);
            let missing: Vec<_> = english.iter().filter(|id| !theirs.contains(id)).collect();
            let extra: Vec<_> = theirs.iter().filter(|id| !english.contains(id)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{language}: missing {missing:?}, not in English {extra:?}"
            );
            for id in &english {
                assert_eq!(
                    variables(language, id),
                    variables(UiLanguage::En, id),
                    "{language}: {id} asks for other arguments than English"
                );
            }
        }
    }

    #[test]
    fn messages_and_words_come_in_the_asked_language_with_their_arguments() {
        assert_eq!(text(UiLanguage::Es, "sign-in"), "Iniciar sesión");
        assert_eq!(text(UiLanguage::Pt, "sign-in"), "Iniciar sessão");
        assert_eq!(text(UiLanguage::Fr, "sign-in"), "Se connecter");
        assert_eq!(
            word(UiLanguage::Es, "role", "gate"),
            Some("Agente de puerta")
        );
        assert_eq!(
            word(UiLanguage::Fr, "flight-status", "gate_closed"),
            Some("Porte fermée")
        );
        assert_eq!(word(UiLanguage::Es, "case-category", "lost_pet"), None);
        assert_eq!(
            format(
                UiLanguage::Es,
                "not-allowed-opted-out",
                &[("network", "WhatsApp".into())]
            ),
            "la persona pidió que no la contacten por WhatsApp"
        );
        assert_eq!(text(UiLanguage::Pt, "no-such-message"), "?");
    }
}

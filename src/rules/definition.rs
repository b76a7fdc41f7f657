//! Reading one rule file: TOML into checked rule definitions, every problem reported with its place.
//! Expressions are kept as text here; `compile` turns them into programs.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::clock::ClockTime;
use super::context::Trigger;
use super::diagnostic::{Diagnostic, Position, Problem};
use crate::domain::{Channel, UiLanguage};

const RULE_FIELDS: &str =
    "id, description, trigger, when, channel, priority, due, expiry, brief, enabled";

const LONGEST_ID: usize = 64;

/// A CEL expression as written, with the position of its key (where diagnostics point).
#[derive(Debug, Clone)]
pub(crate) struct ExpressionText {
    pub(crate) source: String,
    pub(crate) key_position: Position,
}

#[derive(Debug, Clone)]
pub(crate) enum PriorityDefinition {
    Fixed(u8),
    Expression(ExpressionText),
}

/// A rule whose fields all have the right shape; its expressions are not compiled yet.
#[derive(Debug, Clone)]
pub(crate) struct RuleDefinition {
    pub(crate) file: String,
    /// Where the rule's `[[rule]]` header is.
    pub(crate) position: Position,
    pub(crate) id: String,
    /// In English; `descriptions` holds the other languages the file gives (`description.es`).
    pub(crate) description: String,
    pub(crate) descriptions: Vec<(UiLanguage, String)>,
    pub(crate) trigger: Trigger,
    pub(crate) when: ExpressionText,
    pub(crate) channels: Vec<Channel>,
    pub(crate) priority: PriorityDefinition,
    pub(crate) due: ClockTime,
    pub(crate) due_position: Position,
    pub(crate) expiry: Option<ClockTime>,
    pub(crate) expiry_position: Option<Position>,
    /// In English; `briefs` holds the other languages the file gives (`brief.es`).
    pub(crate) brief: ExpressionText,
    pub(crate) briefs: Vec<(UiLanguage, ExpressionText)>,
    pub(crate) enabled: bool,
}

type RawTable = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawTable>>,
}

/// Reads one file's rules; a rule with any problem is left out and its problems are added to `diagnostics`.
pub(crate) fn read_file(
    file: &str,
    text: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<RuleDefinition> {
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => {
            diagnostics.push(Diagnostic {
                file: file.to_owned(),
                position: Some(Position::at(
                    text,
                    error.span().map_or(0, |span| span.start),
                )),
                rule_id: None,
                problem: Problem::Syntax {
                    reason: one_line(error.message()),
                },
            });
            return Vec::new();
        }
    };
    if raw.rule.is_empty() {
        diagnostics.push(Diagnostic {
            file: file.to_owned(),
            position: None,
            rule_id: None,
            problem: Problem::NoRules,
        });
    }
    raw.rule
        .into_iter()
        .filter_map(|table| {
            let position = Position::at(text, table.span().start);
            let mut reader = TableReader {
                file,
                text,
                rule_id: None,
                diagnostics: Vec::new(),
            };
            let definition = reader.read(position, table.into_inner());
            diagnostics.append(&mut reader.diagnostics);
            definition
        })
        .collect()
}

/// TOML messages can span lines; a diagnostic is one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct TableReader<'a> {
    file: &'a str,
    text: &'a str,
    rule_id: Option<String>,
    diagnostics: Vec<Diagnostic>,
}

impl TableReader<'_> {
    fn report(&mut self, position: Position, problem: Problem) {
        self.diagnostics.push(Diagnostic {
            file: self.file.to_owned(),
            position: Some(position),
            rule_id: self.rule_id.clone(),
            problem,
        });
    }

    fn position(&self, offset: usize) -> Position {
        Position::at(self.text, offset)
    }

    fn read(&mut self, header: Position, mut table: RawTable) -> Option<RuleDefinition> {
        // The id first, so every later diagnostic can name the rule.
        let id = match take(&mut table, "id") {
            Some((_, value)) => self.id(value),
            None => {
                self.report(header, Problem::MissingField { field: "id" });
                None
            }
        };
        self.rule_id = id.clone();
        let description = self.required_spanned(&mut table, header, "description", |_, value| {
            localized(value.get_ref(), |text| Ok(text.to_owned()))
        });
        let trigger = self.required(&mut table, header, "trigger", |value| {
            value
                .as_str()
                .ok_or_else(|| "expected a string".to_owned())?
                .parse::<Trigger>()
                .map_err(|e| e.to_string())
        });
        let when = self.expression(&mut table, header, "when");
        let channels = self.required(&mut table, header, "channel", channels);
        let priority = self.required_spanned(&mut table, header, "priority", |key, value| {
            priority(key, value)
        });
        let due = self.clock_time(&mut table, header, "due", true);
        let expiry = self.clock_time(&mut table, header, "expiry", false);
        let brief = self.required_spanned(&mut table, header, "brief", |key_position, value| {
            localized(value.get_ref(), |text| {
                Ok(ExpressionText {
                    source: text.to_owned(),
                    key_position,
                })
            })
        });
        let enabled = match take(&mut table, "enabled") {
            None => Some(true),
            Some((_, value)) => match value.get_ref().as_bool() {
                Some(enabled) => Some(enabled),
                None => {
                    let position = self.position(value.span().start);
                    self.report(
                        position,
                        Problem::InvalidValue {
                            field: "enabled",
                            reason: "expected true or false".to_owned(),
                        },
                    );
                    None
                }
            },
        };
        for key in table.into_keys() {
            let position = self.position(key.span().start);
            self.report(
                position,
                Problem::UnknownField {
                    field: key.into_inner(),
                    expected: RULE_FIELDS,
                },
            );
        }
        let (due, due_position) = due.flatten()?;
        let (description, (brief, briefs)) = (description?, brief?);
        let (expiry, expiry_position) = match expiry {
            Some(Some((expiry, position))) => (Some(expiry), Some(position)),
            Some(None) => return None,
            None => (None, None),
        };
        if !self.diagnostics.is_empty() {
            return None;
        }
        Some(RuleDefinition {
            file: self.file.to_owned(),
            position: header,
            id: id?,
            description: description.0,
            descriptions: description.1,
            trigger: trigger?,
            when: when?,
            channels: channels?,
            priority: priority?,
            due,
            due_position,
            expiry,
            expiry_position,
            brief,
            briefs,
            enabled: enabled?,
        })
    }

    fn id(&mut self, value: Spanned<toml::Value>) -> Option<String> {
        let position = self.position(value.span().start);
        let problem = match value.get_ref().as_str() {
            None => "expected a string".to_owned(),
            Some("") => "the id is empty".to_owned(),
            Some(id) if id.chars().count() > LONGEST_ID => {
                format!("the id is longer than {LONGEST_ID} characters")
            }
            Some(id) => match id
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            {
                None => return Some(id.to_owned()),
                Some(c) => format!("{c:?} is not allowed; use letters, digits, `-`, `_` and `.`"),
            },
        };
        self.report(
            position,
            Problem::InvalidValue {
                field: "id",
                reason: problem,
            },
        );
        None
    }

    fn required<T>(
        &mut self,
        table: &mut RawTable,
        header: Position,
        field: &'static str,
        convert: impl FnOnce(&toml::Value) -> Result<T, String>,
    ) -> Option<T> {
        self.required_spanned(table, header, field, |_, value| convert(value.get_ref()))
    }

    fn required_spanned<T>(
        &mut self,
        table: &mut RawTable,
        header: Position,
        field: &'static str,
        convert: impl FnOnce(Position, &Spanned<toml::Value>) -> Result<T, String>,
    ) -> Option<T> {
        let Some((key, value)) = take(table, field) else {
            self.report(header, Problem::MissingField { field });
            return None;
        };
        let key_position = self.position(key.span().start);
        match convert(key_position, &value) {
            Ok(converted) => Some(converted),
            Err(reason) => {
                let position = self.position(value.span().start);
                self.report(position, Problem::InvalidValue { field, reason });
                None
            }
        }
    }

    fn expression(
        &mut self,
        table: &mut RawTable,
        header: Position,
        field: &'static str,
    ) -> Option<ExpressionText> {
        self.required_spanned(table, header, field, |key_position, value| {
            Ok(ExpressionText {
                source: non_empty_string(value.get_ref())?.to_owned(),
                key_position,
            })
        })
    }

    /// `Some(None)` when the field is present but invalid, `None` when it is absent and not required.
    fn clock_time(
        &mut self,
        table: &mut RawTable,
        header: Position,
        field: &'static str,
        required: bool,
    ) -> Option<Option<(ClockTime, Position)>> {
        if !required && !table.keys().any(|k| k.get_ref() == field) {
            return None;
        }
        Some(
            self.required_spanned(table, header, field, |key_position, value| {
                let text = value
                    .get_ref()
                    .as_str()
                    .ok_or_else(|| "expected a string such as \"boarded + 10m\"".to_owned())?;
                let time = text.parse::<ClockTime>().map_err(|e| e.to_string())?;
                Ok((time, key_position))
            }),
        )
    }
}

fn take(table: &mut RawTable, field: &str) -> Option<(Spanned<String>, Spanned<toml::Value>)> {
    let key = table.keys().find(|k| k.get_ref() == field)?.clone();
    table.remove_entry(&key)
}

/// A text given in English alone (`brief = '…'`) or per language (`brief.en = '…'`, `brief.es = '…'`):
/// English and the others, each a language the pages speak.
fn localized<T>(
    value: &toml::Value,
    convert: impl Fn(&str) -> Result<T, String>,
) -> Result<(T, Vec<(UiLanguage, T)>), String> {
    let toml::Value::Table(table) = value else {
        return Ok((convert(non_empty_string(value)?)?, Vec::new()));
    };
    let mut english = None;
    let mut others = Vec::new();
    for (key, text) in table {
        let language = key.parse::<UiLanguage>().map_err(|_| {
            let spoken: Vec<&str> = UiLanguage::ALL.iter().map(|l| l.as_str()).collect();
            format!(
                "{key:?} is not a language aboard's pages speak ({})",
                spoken.join(", ")
            )
        })?;
        let converted = convert(non_empty_string(text).map_err(|e| format!("{key}: {e}"))?)?;
        match language {
            UiLanguage::En => english = Some(converted),
            other => others.push((other, converted)),
        }
    }
    let english =
        english.ok_or("the English text (`en`) is missing; other languages fall back to it")?;
    Ok((english, others))
}

fn non_empty_string(value: &toml::Value) -> Result<&str, String> {
    match value.as_str() {
        None => Err(format!("expected a string, found {}", value.type_str())),
        Some(text) if text.trim().is_empty() => Err("it is empty".to_owned()),
        Some(text) => Ok(text),
    }
}

fn channels(value: &toml::Value) -> Result<Vec<Channel>, String> {
    let words: Vec<&toml::Value> = match value {
        toml::Value::String(_) => vec![value],
        toml::Value::Array(items) if items.is_empty() => {
            return Err("the list of channels is empty".to_owned());
        }
        toml::Value::Array(items) => items.iter().collect(),
        other => {
            return Err(format!(
                "expected a channel or a list of channels, found {}",
                other.type_str()
            ));
        }
    };
    let mut channels = Vec::new();
    for word in words {
        let word = word
            .as_str()
            .ok_or_else(|| format!("expected channel names, found {}", word.type_str()))?;
        let channel = word.parse::<Channel>().map_err(|e| e.to_string())?;
        if channels.contains(&channel) {
            return Err(format!("{channel} is listed twice"));
        }
        channels.push(channel);
    }
    Ok(channels)
}

fn priority(
    key_position: Position,
    value: &Spanned<toml::Value>,
) -> Result<PriorityDefinition, String> {
    match value.get_ref() {
        toml::Value::Integer(n) => u8::try_from(*n)
            .ok()
            .filter(|p| (1..=5).contains(p))
            .map(PriorityDefinition::Fixed)
            .ok_or_else(|| format!("{n} is outside 1 (lowest) to 5 (most urgent)")),
        toml::Value::String(_) => Ok(PriorityDefinition::Expression(ExpressionText {
            source: non_empty_string(value.get_ref())?.to_owned(),
            key_position,
        })),
        other => Err(format!(
            "expected a number from 1 to 5 or a CEL expression in a string, found {}",
            other.type_str()
        )),
    }
}

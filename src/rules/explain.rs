//! Why a rule fired, in words: a `when` written as `a && b && c` held because each of `a`, `b` and `c` held,
//! so each part becomes one line of the task's `why`, followed by the values of the facts it looked at
//! (`person.open_cases is 1`). Staff see why the task exists without reading CEL.

use cel::common::ast::Expr;
use cel::{Context, Env, IdedExpr, Program, Value};

use super::context::FACT_ROOTS;

/// One conjunct of a `when` expression and the context facts it reads.
#[derive(Debug)]
pub(crate) struct Fact {
    text: String,
    paths: Vec<(String, Program)>,
}

/// Lists lengthier than this are summarised by their size in explanations.
const LONGEST_LISTED: usize = 5;

/// Splits a compiled `when` into its top-level `&&` parts. When the parts cannot be cut out of the source
/// text cleanly (a parenthesised chain, say), the whole expression is one part: the explanation stays
/// true, only coarser.
pub(crate) fn facts(env: &Env, when: &Program, source: &str) -> Vec<Fact> {
    let mut parts = Vec::new();
    let mut operators = Vec::new();
    flatten_and(when.expression(), &mut parts, &mut operators);
    let texts = conjunct_texts(when, source, &operators)
        .filter(|texts| texts.len() == parts.len())
        .filter(|texts| texts.iter().all(|t| env.compile(t).is_ok()));
    match texts {
        Some(texts) => texts
            .into_iter()
            .zip(parts)
            .map(|(text, part)| fact(env, text, part))
            .collect(),
        None => vec![fact(env, source.trim().to_owned(), when.expression())],
    }
}

fn flatten_and<'a>(expr: &'a IdedExpr, parts: &mut Vec<&'a IdedExpr>, operators: &mut Vec<u64>) {
    match &expr.expr {
        Expr::Call(call) if call.func_name == "_&&_" && call.target.is_none() => {
            if let [left, right] = call.args.as_slice() {
                flatten_and(left, parts, operators);
                operators.push(expr.id);
                flatten_and(right, parts, operators);
                return;
            }
            parts.push(expr);
        }
        _ => parts.push(expr),
    }
}

/// The source text between consecutive top-level `&&` operators (whose byte offsets the parser recorded).
fn conjunct_texts(when: &Program, source: &str, operators: &[u64]) -> Option<Vec<String>> {
    let mut texts = Vec::new();
    let mut start = 0usize;
    for id in operators {
        let (op_start, op_end) = when.source_info().offset_for(*id)?;
        let op_start = usize::try_from(op_start).ok()?;
        texts.push(source.get(start..op_start)?.trim().to_owned());
        start = usize::try_from(op_end).ok()?.checked_add(1)?;
    }
    texts.push(source.get(start..)?.trim().to_owned());
    Some(texts)
}

fn fact(env: &Env, text: String, part: &IdedExpr) -> Fact {
    let mut names = Vec::new();
    collect_paths(part, &mut names);
    names.sort();
    names.dedup();
    let paths = names
        .into_iter()
        .filter_map(|name| env.compile(&name).ok().map(|program| (name, program)))
        .collect();
    Fact { text, paths }
}

/// The longest `root.field.field` selections under `expr` that start at a context root.
fn collect_paths(expr: &IdedExpr, paths: &mut Vec<String>) {
    match &expr.expr {
        Expr::Select(select) if !select.test => match dotted(expr) {
            Some(path) => paths.push(path),
            None => collect_paths(&select.operand, paths),
        },
        Expr::Select(select) => collect_paths(&select.operand, paths),
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                collect_paths(target, paths);
            }
            for arg in &call.args {
                collect_paths(arg, paths);
            }
        }
        Expr::Comprehension(comprehension) => collect_paths(&comprehension.iter_range, paths),
        Expr::List(list) => {
            for element in &list.elements {
                collect_paths(element, paths);
            }
        }
        _ => {}
    }
}

fn dotted(expr: &IdedExpr) -> Option<String> {
    match &expr.expr {
        Expr::Ident(name) if FACT_ROOTS.contains(&name.as_str()) => Some(name.clone()),
        Expr::Select(select) if !select.test => {
            Some(format!("{}.{}", dotted(&select.operand)?, select.field))
        }
        _ => None,
    }
}

impl Fact {
    /// `person.open_cases > 0 (person.open_cases is 1)`.
    pub(crate) fn explain(&self, context: &Context) -> String {
        let values: Vec<String> = self
            .paths
            .iter()
            .filter_map(|(name, program)| {
                let value = program.execute(context).ok()?;
                Some(format!("{name} is {}", describe(&value)))
            })
            .collect();
        if values.is_empty() {
            self.text.clone()
        } else {
            format!("{} ({})", self.text, values.join(", "))
        }
    }
}

/// A value as an ops person reads it: strings quoted, times in UTC, short lists spelled out.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "missing".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(n) => n.to_string(),
        Value::UInt(n) => n.to_string(),
        Value::Float(x) => x.to_string(),
        Value::String(s) => format!("{:?}", s.as_str()),
        Value::Timestamp(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%MZ")
            .to_string(),
        Value::Duration(d) => format!("{}m", d.num_minutes()),
        Value::List(items) if items.len() <= LONGEST_LISTED && items.iter().all(is_scalar) => {
            let items: Vec<String> = items.iter().map(describe).collect();
            format!("[{}]", items.join(", "))
        }
        Value::List(items) => format!("a list of {}", items.len()),
        Value::Map(map) if map.map.len() <= LONGEST_LISTED && map.map.values().all(is_scalar) => {
            let mut entries: Vec<String> = map
                .map
                .iter()
                .map(|(key, value)| format!("{}: {}", describe(&Value::from(key)), describe(value)))
                .collect();
            entries.sort();
            format!("{{{}}}", entries.join(", "))
        }
        Value::Map(map) => format!("a map of {}", map.map.len()),
        other => format!("a {}", other.type_of()),
    }
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::List(_) | Value::Map(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<(String, Vec<String>)> {
        let env = Env::stdlib();
        let program = env.compile(source).unwrap();
        facts(&env, &program, source)
            .into_iter()
            .map(|f| (f.text, f.paths.into_iter().map(|(name, _)| name).collect()))
            .collect()
    }

    #[test]
    fn a_conjunction_splits_into_its_parts_with_the_facts_each_reads() {
        let parts = texts(
            "person.followers_max >= 1000 &&\n (person.open_cases > 0 || 'a&&b' == \"é&&\")\n && station.staffed && person.social_accounts.exists(a, a.writable)",
        );
        assert_eq!(
            parts,
            vec![
                (
                    "person.followers_max >= 1000".to_owned(),
                    vec!["person.followers_max".to_owned()]
                ),
                (
                    "(person.open_cases > 0 || 'a&&b' == \"é&&\")".to_owned(),
                    vec!["person.open_cases".to_owned()]
                ),
                (
                    "station.staffed".to_owned(),
                    vec!["station.staffed".to_owned()]
                ),
                (
                    "person.social_accounts.exists(a, a.writable)".to_owned(),
                    vec!["person.social_accounts".to_owned()]
                ),
            ]
        );
    }

    #[test]
    fn a_parenthesised_chain_stays_whole() {
        let parts = texts("(station.staffed && person.open_cases > 0) && trigger == 'boarded'");
        assert_eq!(parts.len(), 1);
        assert_eq!(
            parts[0].0,
            "(station.staffed && person.open_cases > 0) && trigger == 'boarded'"
        );
        assert_eq!(parts[0].1, vec!["person.open_cases", "station.staffed"]);
    }

    #[test]
    fn values_read_as_words() {
        assert_eq!(describe(&Value::Null), "missing");
        assert_eq!(describe(&Value::from("es")), "\"es\"");
        assert_eq!(
            describe(&Value::from(vec![
                Value::from("baggage"),
                Value::from("delay")
            ])),
            "[\"baggage\", \"delay\"]"
        );
        let long: Vec<Value> = (0..9).map(Value::Int).collect();
        assert_eq!(describe(&Value::from(long)), "a list of 9");
    }
}

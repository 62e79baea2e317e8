//! German and English must stay complete: the same message ids and the same
//! variables in both, and every id the code uses must exist.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn variables(pattern: &Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_variables(expression, out);
        }
    }
}

fn expression_variables(expression: &Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        Expression::Inline(inline) => inline_variables(inline, out),
        Expression::Select { selector, variants } => {
            inline_variables(selector, out);
            for variant in variants {
                variables(&variant.value, out);
            }
        }
    }
}

fn inline_variables(inline: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        InlineExpression::Placeable { expression } => expression_variables(expression, out),
        _ => {}
    }
}

/// Message id → the variables it uses.
fn messages(lang: &str) -> BTreeMap<String, BTreeSet<String>> {
    let path = root().join("locales").join(lang).join("basis.ftl");
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let resource = fluent_syntax::parser::parse(source.as_str())
        .unwrap_or_else(|(_, errors)| panic!("{} does not parse: {errors:?}", path.display()));
    let mut out = BTreeMap::new();
    for entry in resource.body {
        if let Entry::Message(message) = entry {
            let mut vars = BTreeSet::new();
            if let Some(value) = &message.value {
                variables(value, &mut vars);
            }
            assert!(out.insert(message.id.name.to_owned(), vars).is_none(), "{lang}: duplicate {}", message.id.name);
        }
    }
    out
}

#[test]
fn german_and_english_have_the_same_messages_and_variables() {
    let de = messages("de");
    let en = messages("en");
    let only_de: Vec<_> = de.keys().filter(|k| !en.contains_key(*k)).collect();
    let only_en: Vec<_> = en.keys().filter(|k| !de.contains_key(*k)).collect();
    assert!(only_de.is_empty() && only_en.is_empty(), "only in de: {only_de:?}; only in en: {only_en:?}");
    for (id, vars) in &de {
        assert_eq!(vars, &en[id], "variables of `{id}` differ between de and en");
    }
}

/// Every `t!(…, "id" …)` in the workspace's sources names an existing message.
/// (`fl!` already checks German at compile time; this also covers English.)
#[test]
fn every_message_the_code_uses_exists() {
    let en = messages("en");
    let mut used = BTreeSet::new();
    let mut stack = vec![root().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && name != ".git" {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                for (i, _) in source.match_indices("t!(") {
                    let before = source[..i].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue; // assert!(, format!(, …
                    }
                    let line_start = source[..i].rfind('\n').map_or(0, |n| n + 1);
                    if source[line_start..i].trim_start().starts_with("//") {
                        continue;
                    }
                    // t!(texts, locale, "id" …): the first string literal.
                    if let Some(start) = source[i..].find('"') {
                        let rest = &source[i + start + 1..];
                        let id: String = rest.chars().take_while(|c| *c != '"').collect();
                        if id.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !id.is_empty() {
                            used.insert((id, path.display().to_string()));
                        }
                    }
                }
            }
        }
    }
    assert!(used.len() > 20, "the scan found too few uses: {used:?}");
    let missing: Vec<_> = used.iter().filter(|(id, _)| !en.contains_key(id)).collect();
    assert!(missing.is_empty(), "used but not in English: {missing:?}");
}

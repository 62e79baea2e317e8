//! Helpers shared by the integration tests: a teloxide client pointed at the
//! fake, and a checker that holds every answer against the Bot API 10.1
//! schema (required fields present, types right, no invented fields).

#![allow(dead_code)]

use std::sync::OnceLock;

use basis_telegram_fake::FakeTelegram;
use serde_json::Value;
use teloxide::{ApiError, Bot, RequestError};

pub fn bot(tg: &FakeTelegram) -> Bot {
    Bot::new(tg.token()).set_api_url(tg.api_url().parse().expect("api url"))
}

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_json::from_str(include_str!("../data/bot-api-10.1-types.json")).expect("spec json"))
}

/// Schema violations of `v` as any of `types` (empty when it conforms).
pub fn violations(types: &[&str], v: &Value) -> Vec<String> {
    let types: Vec<String> = types.iter().map(|s| s.to_string()).collect();
    check_any(&types, v, "$")
}

fn check_any(types: &[String], v: &Value, path: &str) -> Vec<String> {
    let mut best: Option<Vec<String>> = None;
    for t in types {
        let errs = check(t, v, path);
        if errs.is_empty() {
            return errs;
        }
        if best.as_ref().is_none_or(|b| errs.len() < b.len()) {
            best = Some(errs);
        }
    }
    best.unwrap_or_default()
}

fn check(t: &str, v: &Value, path: &str) -> Vec<String> {
    if let Some(inner) = t.strip_prefix("Array of ") {
        let Some(arr) = v.as_array() else {
            return vec![format!("{path}: expected array of {inner}, got {v}")];
        };
        return arr.iter().enumerate().flat_map(|(i, x)| check(inner, x, &format!("{path}[{i}]"))).collect();
    }
    let ok = match t {
        "Integer" => Some(v.is_i64() || v.is_u64()),
        "Float" => Some(v.is_number()),
        "String" => Some(v.is_string()),
        "Boolean" => Some(v.is_boolean()),
        "True" => Some(v == &Value::Bool(true)),
        _ => None,
    };
    if let Some(ok) = ok {
        return if ok { vec![] } else { vec![format!("{path}: expected {t}, got {v}")] };
    }
    let Some(def) = spec()["types"].get(t) else {
        return vec![format!("{path}: unknown type {t}")];
    };
    if let Some(subs) = def.get("subtypes").and_then(Value::as_array) {
        let subs: Vec<String> = subs.iter().filter_map(Value::as_str).map(str::to_owned).collect();
        return check_any(&subs, v, path);
    }
    let Some(obj) = v.as_object() else {
        return vec![format!("{path}: expected {t} object, got {v}")];
    };
    let fields = def.get("fields").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut errs = Vec::new();
    for f in &fields {
        let name = f["name"].as_str().unwrap_or_default();
        let types: Vec<String> = f["types"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        match obj.get(name) {
            None if f["required"] == Value::Bool(true) => {
                errs.push(format!("{path}: {t} lacks required field {name}"));
            }
            None => {}
            Some(x) => errs.extend(check_any(&types, x, &format!("{path}.{name}"))),
        }
    }
    for k in obj.keys() {
        if !fields.iter().any(|f| f["name"] == Value::String(k.clone())) {
            errs.push(format!("{path}: {t} has no field {k}"));
        }
    }
    errs
}

/// Checks every successful answer the fake gave against the return type the
/// Bot API documents for the method.
pub fn assert_answers_conform(tg: &FakeTelegram) {
    let mut problems = Vec::new();
    for r in tg.requests() {
        let Some(resp) = r.response.as_ref().filter(|_| r.is_ok()) else {
            continue;
        };
        let Some(returns) = spec()["methods"][&r.method]["returns"].as_array() else {
            problems.push(format!("{}: unknown method", r.method));
            continue;
        };
        let returns: Vec<&str> = returns.iter().filter_map(Value::as_str).collect();
        for v in violations(&returns, &resp["result"]) {
            problems.push(format!("{}: {v}", r.method));
        }
    }
    assert!(problems.is_empty(), "answers break the Bot API schema:\n{}", problems.join("\n"));
}

/// Checks every message the chats hold, as members see them now, against the
/// Message type: also those no getUpdates or send answer carried, such as the
/// service messages the bot's topic changes leave.
pub fn assert_messages_conform(tg: &FakeTelegram, chats: &[i64]) {
    let mut problems = Vec::new();
    for chat in chats {
        for m in tg.messages_in(*chat) {
            for v in violations(&["Message"], &m.json) {
                problems.push(format!("chat {chat} message {}: {v}", m.message_id));
            }
        }
    }
    assert!(problems.is_empty(), "messages break the Bot API schema:\n{}", problems.join("\n"));
}

/// The description of an error teloxide has no variant for, e.g.
/// "Bad Request: TOPIC_CLOSED"; fails the test on success or another error.
pub fn refusal<T: std::fmt::Debug>(result: Result<T, RequestError>) -> String {
    match result {
        Err(RequestError::Api(ApiError::Unknown(description))) => description,
        other => panic!("expected a refusal teloxide does not know, got {other:?}"),
    }
}

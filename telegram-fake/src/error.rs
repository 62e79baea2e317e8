//! Telegram's error envelope and the errors the fake answers with.

use std::borrow::Cow;

use serde_json::{Map, Value, json};

/// An unsuccessful Bot API answer: `{"ok":false,"error_code":N,...}`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TgError {
    pub code: u16,
    pub description: Cow<'static, str>,
    pub retry_after: Option<u32>,
    pub migrate_to_chat_id: Option<i64>,
}

impl TgError {
    pub fn new(code: u16, description: impl Into<Cow<'static, str>>) -> Self {
        TgError { code, description: description.into(), retry_after: None, migrate_to_chat_id: None }
    }

    /// 400 with Telegram's `Bad Request: ` prefix.
    pub fn bad(text: &str) -> Self {
        TgError::new(400, format!("Bad Request: {text}"))
    }

    /// 400 for a static text that already carries the prefix.
    pub fn bad_static(description: &'static str) -> Self {
        TgError::new(400, description)
    }

    pub fn forbidden(description: &'static str) -> Self {
        TgError::new(403, description)
    }

    pub fn unauthorized() -> Self {
        TgError::new(401, "Unauthorized")
    }

    pub fn not_found() -> Self {
        TgError::new(404, "Not Found")
    }

    pub fn bad_gateway() -> Self {
        TgError::new(502, "Bad Gateway")
    }

    pub fn too_many(retry_after: u32) -> Self {
        TgError {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}").into(),
            retry_after: Some(retry_after),
            migrate_to_chat_id: None,
        }
    }

    pub fn migrated(to: i64) -> Self {
        TgError {
            code: 400,
            description: "Bad Request: group chat was migrated to a supergroup chat".into(),
            retry_after: None,
            migrate_to_chat_id: Some(to),
        }
    }

    pub fn chat_not_found() -> Self {
        TgError::bad_static("Bad Request: chat not found")
    }

    pub fn empty(param: &str) -> Self {
        TgError::bad(&format!("{param} is empty"))
    }

    pub fn invalid(param: &str) -> Self {
        TgError::bad(&format!("invalid {param} specified"))
    }

    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("ok".into(), Value::Bool(false));
        m.insert("error_code".into(), json!(self.code));
        m.insert("description".into(), json!(self.description));
        let mut params = Map::new();
        if let Some(r) = self.retry_after {
            params.insert("retry_after".into(), json!(r));
        }
        if let Some(to) = self.migrate_to_chat_id {
            params.insert("migrate_to_chat_id".into(), json!(to));
        }
        if !params.is_empty() {
            m.insert("parameters".into(), Value::Object(params));
        }
        Value::Object(m)
    }
}

pub(crate) type TgResult<T> = Result<T, TgError>;

/// A successful answer: the result plus the optional `description` Telegram
/// adds to a few methods (e.g. "Webhook was set").
pub(crate) struct Reply {
    pub result: Value,
    pub description: Option<&'static str>,
}

impl Reply {
    pub fn into_json(self) -> Value {
        let mut m = Map::new();
        m.insert("ok".into(), Value::Bool(true));
        m.insert("result".into(), self.result);
        if let Some(d) = self.description {
            m.insert("description".into(), json!(d));
        }
        Value::Object(m)
    }
}

impl From<Value> for Reply {
    fn from(result: Value) -> Self {
        Reply { result, description: None }
    }
}

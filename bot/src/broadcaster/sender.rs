//! The broadcaster's own Bot API client. It does not go through teloxide:
//! teloxide sleeps 10 s inside any request answered with a 5xx, which would
//! hold a send slot and a lease for nothing, and its typed errors drop the
//! error code and parameters that decide what happens to a delivery.

use std::time::Duration;

use basis_storage::Content;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

/// What Telegram answered, reduced to what the queue needs to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendResult {
    /// Delivered (or corrected): the chat's copy.
    Sent {
        /// The copy's message id in that chat (an album's first).
        message_id: i64,
    },
    /// 429: nobody may send before this many seconds have passed.
    RetryAfter {
        /// Telegram's `retry_after`.
        seconds: u64,
    },
    /// The group became a supergroup with this id.
    Migrated {
        /// The supergroup's chat id, to send to from now on.
        to_chat_id: i64,
    },
    /// The chat cannot be reached any more (blocked, deactivated, kicked…).
    Unreachable {
        /// Telegram's description of the error, or what went wrong.
        reason: String,
    },
    /// Telegram refused this message for good (e.g. a copy of a deleted one).
    Rejected {
        /// Telegram's description of the error, or what went wrong.
        reason: String,
    },
    /// 5xx, time-out or network trouble: worth another try.
    Transient {
        /// Telegram's description of the error, or what went wrong.
        reason: String,
    },
    /// Telegram answered `true` (deleteMessage): done, no message id.
    Done,
}

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    /// Only the message id matters; the rest of the Message is skipped
    /// without being built.
    #[serde(default)]
    result: Option<Sent>,
    #[serde(default)]
    error_code: Option<u16>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

/// A Message (only its id is read) or `true`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Sent {
    Message(SentMessage),
    Flag(bool),
    /// copyMessages: the ids of the copies, in order.
    Many(Vec<SentMessage>),
}

#[derive(Deserialize)]
struct SentMessage {
    #[serde(default)]
    message_id: Option<i64>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u64>,
    #[serde(default)]
    migrate_to_chat_id: Option<i64>,
}

/// Sends broadcasts and corrections straight to the Bot API; cheap to clone.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    /// `<api>/bot<token>/`: secret, never logged.
    base: SecretString,
}

impl Sender {
    /// A client for `<api_url>/bot<token>/`; each request gives up after
    /// `timeout`.
    pub fn new(api_url: &str, token: &SecretString, timeout: Duration) -> Sender {
        let api = api_url.trim_end_matches('/');
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .pool_max_idle_per_host(512)
            .tcp_nodelay(true)
            .build()
            .unwrap_or_default();
        Sender { client, base: format!("{api}/bot{}/", token.expose_secret()).into() }
    }

    /// Sends `content` to `chat_id`. `reference` is the chat's own copy of
    /// an earlier broadcast: a new post replies to it, a correction edits or
    /// deletes it. `paid`: the scheduler found no room in the free budget.
    pub async fn send(
        &self,
        chat_id: i64,
        content: &Content,
        reference: Option<i64>,
        thread: Option<i64>,
        paid: bool,
    ) -> SendResult {
        let (method, mut body) = match (content, reference) {
            (Content::Text(text), _) => ("sendMessage", json!({ "chat_id": chat_id, "text": text })),
            (Content::Copy { chat_id: from, message_id, .. }, _) => {
                ("copyMessage", json!({ "chat_id": chat_id, "from_chat_id": from, "message_id": message_id }))
            }
            (Content::Edit(text), Some(target)) => {
                ("editMessageText", json!({ "chat_id": chat_id, "message_id": target, "text": text }))
            }
            (Content::Delete { parts }, Some(target)) if *parts > 1 => {
                // An album's copies were sent together, with consecutive ids.
                let ids: Vec<i64> = (target..target + parts).collect();
                ("deleteMessages", json!({ "chat_id": chat_id, "message_ids": ids }))
            }
            (Content::Delete { .. }, Some(target)) => {
                ("deleteMessage", json!({ "chat_id": chat_id, "message_id": target }))
            }
            (Content::Album { chat_id: from, message_ids }, _) => {
                ("copyMessages", json!({ "chat_id": chat_id, "from_chat_id": from, "message_ids": message_ids }))
            }
            (Content::Edit(_) | Content::Delete { .. }, None) => {
                return SendResult::Rejected { reason: "no message to correct".to_owned() };
            }
            (Content::Event { .. }, _) => {
                return SendResult::Rejected { reason: "event messages are rendered per member".to_owned() };
            }
        };
        if content.is_correction() {
            // Nothing new is sent: no paid broadcast, no reply.
            return corrected(self.call(method, &body).await, reference.unwrap_or(0));
        }
        // copyMessages has no such flag.
        if paid && !matches!(content, Content::Album { .. }) {
            body["allow_paid_broadcast"] = json!(true);
        }
        if let Some(thread) = thread {
            body["message_thread_id"] = json!(thread);
        }
        // copyMessages cannot reply: an album follow-up is not threaded.
        if let Some(reply_to) = reference.filter(|_| !matches!(content, Content::Album { .. })) {
            body["reply_parameters"] = json!({ "message_id": reply_to, "allow_sending_without_reply": true });
        }
        match self.call(method, &body).await {
            SendResult::Done => SendResult::Transient { reason: "answer without message_id".to_owned() },
            other => other,
        }
    }

    /// Sends a message rendered for this chat (events), or with `edit`
    /// replaces the chat's earlier copy `reference` by it.
    pub async fn send_rendered(
        &self,
        chat_id: i64,
        text: &str,
        markup: Option<serde_json::Value>,
        reference: Option<i64>,
        edit: bool,
        paid: bool,
    ) -> SendResult {
        let mut body = json!({ "chat_id": chat_id, "text": text });
        if let Some(markup) = markup {
            body["reply_markup"] = markup;
        }
        if edit {
            let Some(target) = reference else {
                return SendResult::Rejected { reason: "no message to correct".to_owned() };
            };
            body["message_id"] = json!(target);
            return corrected(self.call("editMessageText", &body).await, target);
        }
        if paid {
            body["allow_paid_broadcast"] = json!(true);
        }
        if let Some(reply_to) = reference {
            body["reply_parameters"] = json!({ "message_id": reply_to, "allow_sending_without_reply": true });
        }
        match self.call("sendMessage", &body).await {
            SendResult::Done => SendResult::Transient { reason: "answer without message_id".to_owned() },
            other => other,
        }
    }

    async fn call(&self, method: &str, body: &serde_json::Value) -> SendResult {
        let url = format!("{}{method}", self.base.expose_secret());
        let response = match self.client.post(url).json(body).send().await {
            Ok(response) => response,
            // The error's URL carries the token: drop it.
            Err(error) => {
                return SendResult::Transient { reason: error.without_url().to_string() };
            }
        };
        let status = response.status().as_u16();
        match response.json::<Answer>().await {
            Ok(answer) => classify(status, answer),
            Err(_) => SendResult::Transient { reason: format!("HTTP {status} without a Bot API answer") },
        }
    }
}

/// The outcome of editing or deleting the copy `target`: its id stays what
/// it was (deleting answers `true`), and editing to the text it has already
/// is no failure.
fn corrected(result: SendResult, target: i64) -> SendResult {
    match result {
        SendResult::Sent { .. } | SendResult::Done => SendResult::Sent { message_id: target },
        SendResult::Rejected { reason } if reason.contains("message is not modified") => {
            SendResult::Sent { message_id: target }
        }
        other => other,
    }
}

fn classify(status: u16, answer: Answer) -> SendResult {
    if answer.ok {
        return match answer.result {
            Some(Sent::Message(SentMessage { message_id: Some(message_id) })) => SendResult::Sent { message_id },
            Some(Sent::Flag(true)) => SendResult::Done,
            Some(Sent::Many(copies)) if copies.first().and_then(|c| c.message_id).is_some() => {
                SendResult::Sent { message_id: copies[0].message_id.unwrap_or_default() }
            }
            _ => SendResult::Transient { reason: "answer without message_id".to_owned() },
        };
    }
    let code = answer.error_code.unwrap_or(status);
    let reason = answer.description.unwrap_or_else(|| format!("error {code}"));
    let parameters = answer.parameters.unwrap_or(Parameters { retry_after: None, migrate_to_chat_id: None });
    if let Some(seconds) = parameters.retry_after {
        return SendResult::RetryAfter { seconds };
    }
    if code == 429 {
        return SendResult::RetryAfter { seconds: 1 };
    }
    if let Some(to_chat_id) = parameters.migrate_to_chat_id {
        return SendResult::Migrated { to_chat_id };
    }
    let unreachable_400 =
        ["chat not found", "CHAT_WRITE_FORBIDDEN", "group is deactivated", "user is deactivated", "PEER_ID_INVALID"];
    match code {
        403 => SendResult::Unreachable { reason },
        400 if unreachable_400.iter().any(|m| reason.contains(m)) => SendResult::Unreachable { reason },
        400 => SendResult::Rejected { reason },
        _ => SendResult::Transient { reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: serde_json::Value) -> Answer {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn telegrams_answers_are_classified_by_code_and_parameters() {
        let ok = answer(json!({"ok": true, "result": {"message_id": 7}}));
        assert_eq!(classify(200, ok), SendResult::Sent { message_id: 7 });
        let flood = answer(
            json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 5", "parameters": {"retry_after": 5}}),
        );
        assert_eq!(classify(429, flood), SendResult::RetryAfter { seconds: 5 });
        let moved = answer(
            json!({"ok": false, "error_code": 400, "description": "Bad Request: group chat was migrated to a supergroup chat", "parameters": {"migrate_to_chat_id": -1001}}),
        );
        assert_eq!(classify(400, moved), SendResult::Migrated { to_chat_id: -1001 });
        for (code, text) in [
            (403, "Forbidden: bot was blocked by the user"),
            (403, "Forbidden: user is deactivated"),
            (403, "Forbidden: bot was kicked from the group chat"),
            (403, "Forbidden: bot is not a member of the channel chat"),
            (400, "Bad Request: chat not found"),
            (400, "Bad Request: CHAT_WRITE_FORBIDDEN"),
        ] {
            let a = answer(json!({"ok": false, "error_code": code, "description": text}));
            assert!(matches!(classify(code, a), SendResult::Unreachable { .. }), "{text}");
        }
        let gone =
            answer(json!({"ok": false, "error_code": 400, "description": "Bad Request: message to copy not found"}));
        assert!(matches!(classify(400, gone), SendResult::Rejected { .. }));
        let bad_gateway = answer(json!({"ok": false, "error_code": 502, "description": "Bad Gateway"}));
        assert!(matches!(classify(502, bad_gateway), SendResult::Transient { .. }));
    }
}

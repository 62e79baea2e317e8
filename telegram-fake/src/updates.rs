//! How updates reach the bot: getUpdates long polling (held on a Notify, not
//! polled) and the webhook settings.

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::{
    Inner,
    error::{Reply, TgError, TgResult},
    params::P,
    state::{State, Webhook, unix_now},
};

fn conflict_other_poll() -> TgError {
    TgError::new(
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    )
}

fn conflict_webhook() -> TgError {
    TgError::new(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )
}

/// Applies getUpdates' `offset`: everything before it is confirmed and
/// forgotten; a negative offset keeps only that many of the newest.
fn confirm(st: &mut State, offset: Option<i64>) {
    match offset {
        Some(o) if o > 0 => {
            while st.updates.front().is_some_and(|u| u.id < o) {
                st.updates.pop_front();
            }
        }
        Some(o) if o < 0 => {
            let keep = o.unsigned_abs() as usize;
            while st.updates.len() > keep {
                st.updates.pop_front();
            }
        }
        _ => {}
    }
}

fn string_list(v: &Value) -> TgResult<Vec<String>> {
    match v {
        Value::Array(a) => Ok(a.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
        _ => Err(TgError::bad("can't parse allowed updates")),
    }
}

pub(crate) async fn get_updates(inner: &Inner, map: &Map<String, Value>) -> TgResult<Reply> {
    let p = P(map);
    let offset = p.i64("offset")?;
    let limit = p.i64("limit")?.unwrap_or(100).clamp(1, 100) as usize;
    let timeout = p.i64("timeout")?.unwrap_or(0).clamp(0, 3600) as u64;
    let allowed = p.get("allowed_updates").map(string_list).transpose()?;
    let generation = {
        let mut st = inner.state.lock();
        if st.webhook.is_some() {
            return Err(conflict_webhook());
        }
        if let Some(a) = allowed {
            st.allowed_updates = Some(a);
        }
        let before = st.updates.len();
        confirm(&mut st, offset);
        if st.updates.len() != before {
            // Tests waiting for the bot to take its updates should not have to
            // wait until this long poll returns.
            inner.notify_observers();
        }
        st.poll_generation += 1;
        st.poll_generation
    };
    // Wakes an older poll, which then ends with 409 like on Telegram.
    inner.updates_notify.notify_waiters();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        let notified = inner.updates_notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let mut st = inner.state.lock();
            if st.poll_generation != generation {
                return Err(conflict_other_poll());
            }
            st.purge_unwanted();
            let done = !st.updates.is_empty() || inner.is_shutting_down() || tokio::time::Instant::now() >= deadline;
            if done {
                let out: Vec<Value> = st.updates.iter().take(limit).map(|u| u.body.clone()).collect();
                return Ok(Value::Array(out).into());
            }
        }
        let _ = tokio::time::timeout_at(deadline, notified).await;
    }
}

fn loopback(url: &str) -> bool {
    let rest = url.strip_prefix("http://").unwrap_or("");
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

pub(crate) fn set_webhook(st: &mut State, p: &P) -> TgResult<Reply> {
    let url = p.str("url")?.unwrap_or_default().trim().to_owned();
    if url.is_empty() {
        return delete_webhook(st, p);
    }
    // Telegram insists on HTTPS; local webhooks in tests cannot have it, so
    // plain HTTP is accepted for loopback addresses only.
    if !(url.starts_with("https://") || loopback(&url)) {
        return Err(TgError::bad("bad webhook: HTTPS url must be provided for webhook"));
    }
    let secret = p.str("secret_token")?.map(|s| s.into_owned());
    if let Some(s) = &secret {
        let ok = (1..=256).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return Err(TgError::bad("bad webhook: secret token contains unallowed characters"));
        }
    }
    if let Some(a) = p.get("allowed_updates") {
        st.allowed_updates = Some(string_list(a)?);
    }
    if p.bool("drop_pending_updates")? {
        st.updates.clear();
    }
    let already = st.webhook.as_ref().is_some_and(|w| w.url == url);
    st.webhook = Some(Webhook {
        url,
        secret_token: secret,
        max_connections: p.i64("max_connections")?.unwrap_or(40).clamp(1, 100) as u32,
        ip_address: p.str("ip_address")?.map(|s| s.into_owned()),
        has_custom_certificate: p.has("certificate"),
    });
    st.webhook_generation += 1;
    st.webhook_last_error = None;
    Ok(Reply {
        result: json!(true),
        description: Some(if already { "Webhook is already set" } else { "Webhook was set" }),
    })
}

pub(crate) fn delete_webhook(st: &mut State, p: &P) -> TgResult<Reply> {
    if p.bool("drop_pending_updates")? {
        st.updates.clear();
    }
    let existed = st.webhook.take().is_some();
    st.webhook_generation += 1;
    Ok(Reply {
        result: json!(true),
        description: Some(if existed { "Webhook was deleted" } else { "Webhook is already deleted" }),
    })
}

pub(crate) fn webhook_info(st: &State) -> Value {
    let mut m = Map::new();
    let url = st.webhook.as_ref().map(|w| w.url.as_str()).unwrap_or("");
    m.insert("url".into(), json!(url));
    m.insert("has_custom_certificate".into(), json!(st.webhook.as_ref().is_some_and(|w| w.has_custom_certificate)));
    m.insert("pending_update_count".into(), json!(st.updates.len()));
    if let Some(w) = &st.webhook {
        m.insert("max_connections".into(), json!(w.max_connections));
        if let Some(ip) = &w.ip_address {
            m.insert("ip_address".into(), json!(ip));
        }
        if let Some((date, msg)) = &st.webhook_last_error {
            m.insert("last_error_date".into(), json!(date));
            m.insert("last_error_message".into(), json!(msg));
        }
    }
    if let Some(a) = st.allowed_updates.as_ref().filter(|a| !a.is_empty()) {
        m.insert("allowed_updates".into(), json!(a));
    }
    Value::Object(m)
}

pub(crate) fn record_webhook_error(st: &mut State, message: String) {
    st.webhook_last_error = Some((unix_now(), message));
}

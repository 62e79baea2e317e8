//! Webhook delivery: while a webhook is set, queued updates are POSTed to it
//! one at a time, in order, with the secret token header; failures are kept
//! for getWebhookInfo and retried with backoff. A JSON reply carrying a
//! `method` is executed like Telegram does.

use std::{sync::Arc, time::Duration};

use serde_json::Value;
use tokio::sync::watch;

use crate::{
    Inner,
    params::{Params, normalize},
    server,
    state::now,
    updates::record_webhook_error,
};

const MAX_BACKOFF: Duration = Duration::from_secs(5);
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

pub(crate) async fn run(inner: Arc<Inner>, mut shutdown: watch::Receiver<bool>) {
    let client = match reqwest::Client::builder().timeout(Duration::from_secs(30)).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "webhook delivery disabled: no HTTP client");
            return;
        }
    };
    let mut backoff = FIRST_BACKOFF;
    loop {
        let notified = inner.updates_notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if inner.is_shutting_down() {
            return;
        }
        let job = {
            let mut st = inner.state.lock();
            match &st.webhook {
                None => None,
                Some(w) => {
                    let url = w.url.clone();
                    let secret = w.secret_token.clone();
                    let generation = st.webhook_generation;
                    st.purge_unwanted();
                    st.updates.front().map(|u| (url, secret, u.id, u.body.clone(), generation))
                }
            }
        };
        let Some((url, secret, id, body, generation)) = job else {
            tokio::select! {
                _ = &mut notified => {}
                _ = shutdown.changed() => return,
            }
            continue;
        };
        let mut req = client.post(&url).json(&body);
        if let Some(s) = &secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        let failure = match req.send().await {
            Ok(resp) if resp.status().is_success() => {
                let reply = resp.bytes().await.ok();
                {
                    let mut st = inner.state.lock();
                    if st.webhook_generation == generation && st.updates.front().is_some_and(|u| u.id == id) {
                        st.updates.pop_front();
                    }
                }
                backoff = FIRST_BACKOFF;
                if let Some(bytes) = reply {
                    answer_in_reply(&inner, &bytes).await;
                }
                None
            }
            Ok(resp) => Some(format!("Wrong response from the webhook: {}", resp.status())),
            Err(e) if e.is_timeout() => Some("Read timeout expired".to_owned()),
            Err(e) => Some(format!("Connection failed: {e}")),
        };
        if let Some(message) = failure {
            record_webhook_error(&mut inner.state.lock(), message);
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = shutdown.changed() => return,
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}

/// A webhook may answer with a method call instead of making a request.
async fn answer_in_reply(inner: &Inner, bytes: &[u8]) {
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    let Some(Value::String(method)) = map.remove("method") else {
        return;
    };
    let map = map
        .into_iter()
        .map(|(k, v)| {
            let v = normalize(&k, v);
            (k, v)
        })
        .collect();
    let params = Params { map, files: Vec::new() };
    server::execute(inner, &method.to_ascii_lowercase(), params, now()).await;
}

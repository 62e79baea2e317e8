//! The one HTTP listener (`BASIS_LISTEN`), in polling and webhook mode
//! alike: `/healthz` (the process is up), `/readyz` (the database answers
//! and the Bot API did at the last check), `/metrics` (Prometheus), and in
//! webhook mode the webhook's path.
//!
//! Webhook requests must carry the secret token set with setWebhook in
//! `X-Telegram-Bot-Api-Secret-Token`; it is compared in constant time, and
//! a request without it or with a wrong one gets 401 and changes nothing.
//! Accepted updates go to the dispatcher through a bounded queue; once
//! shutdown begins, new ones get 503 so that Telegram delivers them again
//! later (to this or another instance), and those already queued are
//! handled before the dispatcher stops.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use basis_storage::Storage;
use futures::stream::BoxStream;
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use teloxide::prelude::*;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::Update;
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;
use crate::settings::Settings;

/// The header Telegram sends the webhook's secret token in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// Updates accepted but not yet taken by the dispatcher; when full, webhook
/// requests wait (and Telegram sends fewer at once).
const WEBHOOK_QUEUE: usize = 256;

/// How long `/readyz` waits for the database.
const DB_PATIENCE: Duration = Duration::from_secs(2);

/// What `/readyz` knows besides the database.
#[derive(Default)]
pub struct Health {
    /// When the Bot API last answered getMe, or why it did not at the last check.
    bot_api: Mutex<Option<Result<Instant, String>>>,
    stopping: AtomicBool,
}

impl Health {
    /// Records a successful Bot API check (getMe answered).
    pub fn bot_api_answered(&self) {
        *self.bot_api.lock().unwrap_or_else(|p| p.into_inner()) = Some(Ok(Instant::now()));
    }

    /// Records a failed check; `true` when the previous one had succeeded.
    pub fn bot_api_failed(&self, reason: String) -> bool {
        let mut state = self.bot_api.lock().unwrap_or_else(|p| p.into_inner());
        let was_fine = !matches!(*state, Some(Err(_)));
        *state = Some(Err(reason));
        was_fine
    }

    /// Shutdown has begun: `/readyz` answers 503 from now on.
    pub fn stopping(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    fn bot_api(&self) -> Option<Result<Instant, String>> {
        self.bot_api.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The listener, bound at build time (so a taken port fails the start and
/// tests learn the address), and in webhook mode the webhook's plumbing.
pub struct Bound {
    listener: TcpListener,
    addr: SocketAddr,
    webhook: Option<Webhook>,
}

struct Webhook {
    url: url::Url,
    secret: SecretString,
    intake: mpsc::Sender<Update>,
    updates: WebhookUpdates,
}

impl Bound {
    /// Binds `BASIS_LISTEN` (or takes `pre_bound`); `None` when it is off.
    pub async fn bind(config: &Settings, pre_bound: Option<TcpListener>) -> std::io::Result<Option<Bound>> {
        let listener = match (pre_bound, config.listen) {
            (Some(listener), _) => listener,
            (None, Some(addr)) => TcpListener::bind(addr).await?,
            (None, None) => return Ok(None),
        };
        let addr = listener.local_addr()?;
        let webhook = config.webhook.clone().map(|webhook| {
            let url = webhook.url;
            let secret = webhook.secret.unwrap_or_else(random_secret);
            crate::telemetry::hide(secret.expose_secret());
            let (intake, rx) = mpsc::channel(WEBHOOK_QUEUE);
            let (token, flag) = mk_stop_token();
            Webhook { url, secret, intake, updates: WebhookUpdates { rx, token, flag, stopped: false } }
        });
        Ok(Some(Bound { listener, addr, webhook }))
    }

    /// The address actually bound (the real port when `BASIS_LISTEN` asked
    /// for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Starts serving. In webhook mode the returned [`Serving`] holds the
    /// update listener for the dispatcher and what setWebhook needs.
    /// `plugins` are the plugins' routes, served beside Basis's own.
    pub fn serve(self, storage: Storage, metrics: Arc<Metrics>, health: Arc<Health>, plugins: Router) -> Serving {
        let (webhook_route, hook) = match self.webhook {
            Some(w) => {
                let state = HookState { secret: w.secret.clone(), intake: w.intake, metrics: metrics.clone() };
                (Some((w.url.path().to_owned(), state)), Some((w.url, w.secret, w.updates)))
            }
            None => (None, None),
        };
        let state = AppState { storage, metrics, health };
        let mut router = Router::new()
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics_text))
            .with_state(state)
            .merge(plugins);
        if let Some((path, hook_state)) = webhook_route {
            router = router.merge(Router::new().route(&path, post(webhook)).with_state(hook_state));
        }
        let stop = CancellationToken::new();
        let signal = stop.clone().cancelled_owned();
        let listener = self.listener;
        tracing::info!(address = %self.addr, "serving /healthz, /readyz and /metrics");
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).with_graceful_shutdown(signal).await {
                tracing::error!(%error, "the HTTP listener failed");
            }
        });
        let (webhook, updates) = match hook {
            Some((url, secret, updates)) => (Some((url, secret)), Some(updates)),
            None => (None, None),
        };
        Serving { stop, task: Some(task), webhook, updates }
    }
}

/// The running listener; dropping it stops it.
pub struct Serving {
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
    webhook: Option<(url::Url, SecretString)>,
    updates: Option<WebhookUpdates>,
}

impl Serving {
    /// Asks Telegram to post updates to the webhook, with the secret token;
    /// returns the listener the dispatcher reads them from. `None` in
    /// polling mode.
    pub async fn set_webhook(
        &mut self,
        bot: &Bot,
        allowed: Vec<teloxide::types::AllowedUpdate>,
    ) -> Result<Option<WebhookUpdates>, teloxide::RequestError> {
        let (Some((url, secret)), Some(updates)) = (self.webhook.take(), self.updates.take()) else {
            return Ok(None);
        };
        bot.set_webhook(url.clone()).secret_token(secret.expose_secret()).allowed_updates(allowed).await?;
        tracing::info!(webhook = %format!("{}/…", url.origin().ascii_serialization()), "receiving updates by webhook");
        Ok(Some(updates))
    }

    /// Stops accepting connections and waits (a few seconds at most) for
    /// requests in flight.
    pub async fn shut_down(mut self) {
        self.stop.cancel();
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task).await.is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Asks the Bot API (getMe) every `every`, for `/readyz`.
pub async fn watch_bot_api(bot: Bot, health: Arc<Health>, every: Duration, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.cancelled() => return,
        }
        let reason = match tokio::time::timeout(Duration::from_secs(10), bot.get_me()).await {
            Ok(Ok(_)) => {
                health.bot_api_answered();
                continue;
            }
            // teloxide hides the token in its errors' URLs.
            Ok(Err(error)) => error.to_string(),
            Err(_) => "no answer within 10 s".to_owned(),
        };
        if health.bot_api_failed(reason.clone()) {
            tracing::warn!(%reason, "the Bot API did not answer the health check");
        }
    }
}

#[derive(Clone)]
struct AppState {
    storage: Storage,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
}

#[derive(Clone)]
struct HookState {
    secret: SecretString,
    intake: mpsc::Sender<Update>,
    metrics: Arc<Metrics>,
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, String) {
    let unready = |reason: String| (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n"));
    if state.health.stopping.load(Ordering::SeqCst) {
        return unready("shutting down".to_owned());
    }
    match tokio::time::timeout(DB_PATIENCE, state.storage.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            tracing::debug!(error = %crate::broadcaster::error_chain(&error), "readiness: the database did not answer");
            return unready(format!("database unreachable: {}", short(&crate::broadcaster::error_chain(&error))));
        }
        Err(_) => return unready(format!("database did not answer within {} s", DB_PATIENCE.as_secs())),
    }
    match state.health.bot_api() {
        None => unready("Bot API not reached yet".to_owned()),
        Some(Err(reason)) => unready(format!("Bot API unreachable at the last check: {}", short(&reason))),
        Some(Ok(_)) => (StatusCode::OK, "ready\n".to_owned()),
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    // Fresh figures for the scrape; the background refresh keeps them
    // recent when the database is slow.
    if let Ok(Err(error)) = tokio::time::timeout(Duration::from_secs(2), state.metrics.refresh(&state.storage)).await {
        tracing::debug!(%error, "metrics: could not read the queue");
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render()).into_response()
}

async fn webhook(State(hook): State<HookState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let given = headers.get(SECRET_HEADER).map(|v| v.as_bytes());
    if !secret_matches(given, hook.secret.expose_secret().as_bytes()) {
        hook.metrics.webhook_refused();
        return StatusCode::UNAUTHORIZED;
    }
    let update: Update = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(error) => {
            // Never the body (members' texts) nor serde's message (it may
            // quote them): where it broke is enough.
            tracing::warn!(line = error.line(), column = error.column(), kind = ?error.classify(), "a webhook request held no update");
            return StatusCode::OK;
        }
    };
    match hook.intake.send(update).await {
        Ok(()) => StatusCode::OK,
        // Shutting down: Telegram will deliver it again.
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Constant-time comparison: the time taken says nothing about how much of
/// a guess was right. A missing header never matches.
fn secret_matches(given: Option<&[u8]>, expected: &[u8]) -> bool {
    match given {
        Some(given) => given.ct_eq(expected).into(),
        None => false,
    }
}

/// 32 characters of A-Z, a-z, 0-9: what setWebhook accepts.
fn random_secret() -> SecretString {
    let secret: String = rand::rng().sample_iter(rand::distr::Alphanumeric).take(32).map(char::from).collect();
    secret.into()
}

fn short(text: &str) -> String {
    let mut out: String = text.chars().take(160).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// The dispatcher's update listener in webhook mode. Stopping it closes the
/// queue (new requests get 503) and ends the stream once the updates
/// already accepted have been handed over.
pub struct WebhookUpdates {
    rx: mpsc::Receiver<Update>,
    token: StopToken,
    flag: StopFlag,
    stopped: bool,
}

impl<'a> AsUpdateStream<'a> for WebhookUpdates {
    type StreamErr = Infallible;
    type Stream = BoxStream<'a, Result<Update, Infallible>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        Box::pin(futures::stream::poll_fn(move |cx| {
            if !self.stopped && Pin::new(&mut self.flag).poll(cx).is_ready() {
                self.stopped = true;
                self.rx.close();
            }
            self.rx.poll_recv(cx).map(|update| update.map(Ok))
        }))
    }
}

impl UpdateListener for WebhookUpdates {
    type Err = Infallible;

    fn stop_token(&mut self) -> StopToken {
        self.token.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_secret_matches() {
        assert!(secret_matches(Some(b"s3cr3t-Token_x"), b"s3cr3t-Token_x"));
        for wrong in [&b""[..], b"s3cr3t-Token_", b"s3cr3t-Token_y", b"s3cr3t-Token_xx", b"S3CR3T-TOKEN_X"] {
            assert!(!secret_matches(Some(wrong), b"s3cr3t-Token_x"), "{wrong:?}");
        }
        assert!(!secret_matches(None, b"s3cr3t-Token_x"));
        let generated = random_secret();
        assert_eq!(generated.expose_secret().len(), 32);
        assert!(generated.expose_secret().bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}

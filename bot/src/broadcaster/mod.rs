//! The broadcaster: delivers every queued broadcast to every chat, as fast
//! as Telegram allows and durable across crashes.
//!
//! `claim` → pace → send → `settle`. Claims hold a lease; each send passes
//! the global pace, a 429 pause and the per-chat limits; outcomes are settled
//! in batches, fenced by the lease token. After a crash the leases run out and
//! the rows return to the queue: delivery is at-least-once, and a duplicate
//! can only come from a send that was in flight (or sent but not yet settled)
//! when the process died.

mod progress;
mod render;
mod schedule;
mod sender;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use basis_core::{BroadcastId, Locale};
use basis_outbound::Outbound;
use basis_outbound::{ChatKey, Priority, Refusal, Scheduler};
use basis_storage::{Claimed, Content, Event, EventNote, NewBroadcast, Outcome, Settlement, Storage, StorageError};
use rand::Rng;
use secrecy::SecretString;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

pub use render::{Finished, Parts, Render, Rendered};
pub use sender::{SendResult, Sender};

/// How the broadcaster sends, claims and retries; the defaults suit
/// production (tests and the sandbox shorten some).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Sends in flight at once, so latency never caps the rate.
    pub max_in_flight: usize,
    /// How long a claimed delivery stays with this instance; after a crash
    /// it returns to the queue once this has passed.
    pub lease: Duration,
    /// How long one Bot API request may take before it counts as a
    /// transient failure.
    pub send_timeout: Duration,
    /// Tries before a delivery that keeps failing transiently is given up.
    pub max_attempts: i64,
    /// The first retry's wait; it doubles with every further attempt
    /// (jittered), also while claiming fails.
    pub backoff_base: Duration,
    /// The longest wait between two tries.
    pub backoff_cap: Duration,
    /// How often an idle broadcaster looks for work queued by another
    /// instance (a local enqueue wakes it at once).
    pub idle_poll: Duration,
    /// How often organizers' progress messages are updated.
    pub progress_every: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_in_flight: 128,
            lease: Duration::from_secs(60),
            send_timeout: Duration::from_secs(20),
            max_attempts: 6,
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(300),
            idle_poll: Duration::from_millis(250),
            progress_every: Duration::from_secs(3),
        }
    }
}

struct Inner {
    parts: Parts,
    /// Status and report messages: they queue behind members' replies.
    bot: Outbound,
    sender: Sender,
    /// The one budget every send draws on; the broadcast gets what replies
    /// leave.
    scheduler: Scheduler,
    settings: Settings,
    metrics: Arc<crate::metrics::Metrics>,
    /// Broadcasts whose progress message is still on its way.
    posting: std::sync::Mutex<std::collections::HashSet<BroadcastId>>,
}

/// Cheap to clone; every clone drives the same queue.
#[derive(Clone)]
pub struct Broadcaster {
    inner: Arc<Inner>,
}

impl Broadcaster {
    /// A broadcaster sending through its own client to `api_url` with
    /// `token`, paced by `bot`'s scheduler; status messages go out through
    /// `bot`. Deliveries go out only while [`Broadcaster::run`] runs.
    pub fn new(
        parts: Parts,
        bot: &Outbound,
        api_url: &str,
        token: &SecretString,
        settings: Settings,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Broadcaster {
        let sender = Sender::new(api_url, token, settings.send_timeout);
        let scheduler = bot.scheduler().clone();
        let bot = bot.background();
        let posting = Default::default();
        Broadcaster { inner: Arc::new(Inner { parts, bot, sender, scheduler, settings, metrics, posting }) }
    }

    fn storage(&self) -> &Storage {
        &self.inner.parts.storage
    }

    fn now(&self) -> i64 {
        self.inner.parts.now()
    }

    /// Queues a confirmed broadcast (fan-out in one statement), wakes the
    /// workers and posts the organizer's progress message.
    pub async fn enqueue(&self, new: NewBroadcast) -> Result<(BroadcastId, i64), StorageError> {
        let (id, total) = self.storage().create_broadcast(&new, self.now()).await?;
        self.inner.parts.wake.notify_one();
        tracing::info!(broadcast = %id, total, "broadcast queued");
        if let Some(chat) = new.report_chat_id {
            progress::post_initial(self.inner.clone(), id, chat, &new.report_locale, total);
        }
        Ok((id, total))
    }

    /// Sends until `shutdown`: then claims nothing new, lets sends in flight
    /// finish, returns what was claimed but not sent, and settles.
    pub async fn run(self, shutdown: CancellationToken) {
        let (tx, rx) = mpsc::unbounded_channel();
        let settler = tokio::spawn(settle_loop(self.inner.clone(), rx));
        let reporter = tokio::spawn(progress::report_loop(self.inner.clone(), shutdown.clone()));
        let scheduler = tokio::spawn(schedule::schedule_loop(self.inner.clone(), shutdown.clone()));
        let permits = Arc::new(Semaphore::new(self.inner.settings.max_in_flight));
        let mut contents: HashMap<BroadcastId, Option<Arc<Content>>> = HashMap::new();
        let mut events: HashMap<BroadcastId, (tokio::time::Instant, Option<Arc<Event>>)> = HashMap::new();
        let mut db_trouble = 0u32;
        let mut shrunk = tokio::time::Instant::now();
        // The next batch is claimed while the current one is being sent, so
        // sending never waits for the database.
        let mut prefetched: Option<tokio::task::JoinHandle<Result<Vec<Claimed>, StorageError>>> = None;

        while !shutdown.is_cancelled() {
            if shrunk.elapsed() > Duration::from_secs(60) {
                self.inner.scheduler.shrink();
                shrunk = tokio::time::Instant::now();
            }
            // Claim in useful batches: waiting for a quarter of the slots to
            // free up keeps claims (database writes) few when sending is fast.
            let free = permits.available_permits();
            let worth_claiming = (self.inner.settings.max_in_flight / 4).max(1).min(self.ahead());
            if free < worth_claiming {
                tokio::select! {
                    permit = permits.clone().acquire_many_owned(worth_claiming as u32) => drop(permit),
                    _ = shutdown.cancelled() => break,
                }
                continue;
            }
            let claimed = match prefetched.take() {
                Some(next) => next.await.unwrap_or_else(|_| Ok(Vec::new())),
                None => self.storage().claim(self.claim_size(free), self.now(), self.lease_ms()).await,
            };
            let batch = match claimed {
                Ok(batch) => {
                    db_trouble = 0;
                    batch
                }
                Err(error) => {
                    db_trouble += 1;
                    let wait =
                        backoff(self.inner.settings.backoff_base, self.inner.settings.backoff_cap, db_trouble.min(8));
                    tracing::warn!(error = %error_chain(&error), retry_in = ?wait, "claiming deliveries failed");
                    tokio::select! { _ = tokio::time::sleep(wait) => {}, _ = shutdown.cancelled() => break }
                    continue;
                }
            };
            if batch.is_empty() {
                tokio::select! {
                    _ = self.inner.parts.wake.notified() => {},
                    _ = tokio::time::sleep(self.inner.settings.idle_poll) => {},
                    _ = shutdown.cancelled() => break,
                }
                continue;
            }
            let half = batch.len() / 2;
            let mut batch = batch.into_iter();
            while let Some(claimed) = batch.next() {
                if prefetched.is_none() && batch.len() == half {
                    let storage = self.storage().clone();
                    let size = self.claim_size(self.inner.settings.max_in_flight);
                    let (now, lease) = (self.now(), self.lease_ms());
                    prefetched = Some(tokio::spawn(async move { storage.claim(size, now, lease).await }));
                }
                let grant = tokio::select! {
                    grant = self.inner.scheduler.acquire(ChatKey::of(claimed.chat_id.0), Priority::Bulk) => grant,
                    _ = shutdown.cancelled() => Err(Refusal::Closed),
                };
                let paid = match grant {
                    Ok(grant) => grant.paid,
                    Err(Refusal::ChatLimited(wait)) => {
                        let _ = tx.send(self.requeue(&claimed, self.now() + wait.as_millis() as i64, "chat limit"));
                        continue;
                    }
                    Err(Refusal::Dropped | Refusal::Closed) => {
                        // Give back what this worker will not send.
                        for claimed in std::iter::once(claimed).chain(batch.by_ref()) {
                            let _ = tx.send(self.requeue(&claimed, self.now(), "shutdown"));
                        }
                        break;
                    }
                };
                let content = match contents.get(&claimed.broadcast_id) {
                    Some(content) => content.clone(),
                    None => match self.storage().broadcast(claimed.broadcast_id).await {
                        Ok(loaded) => {
                            // Finished broadcasts are not needed again.
                            if contents.len() >= 256 {
                                contents.clear();
                            }
                            let content = loaded.and_then(|b| b.content()).map(Arc::new);
                            contents.insert(claimed.broadcast_id, content.clone());
                            content
                        }
                        // A storage error says nothing about the broadcast:
                        // the delivery waits and nothing is remembered.
                        Err(error) => {
                            let _ = tx.send(self.storage_trouble(&claimed, &error));
                            continue;
                        }
                    },
                };
                let Some(content) = content else {
                    let outcome = Outcome::Failed { error: "broadcast has no content".to_owned() };
                    let _ = tx.send(settlement(&claimed, outcome));
                    continue;
                };
                let outgoing = match &*content {
                    Content::Event { event_id, note } => {
                        // Per broadcast: a notice written after a change
                        // never renders an event read before it.
                        let fresh = events.get(&claimed.broadcast_id).filter(|(at, _)| at.elapsed() < EVENT_FRESH);
                        let event = match fresh {
                            Some((_, event)) => event.clone(),
                            None => match self.storage().event(*event_id).await {
                                Ok(loaded) => {
                                    if events.len() >= 256 {
                                        events.clear();
                                    }
                                    let loaded = loaded.map(Arc::new);
                                    events.insert(claimed.broadcast_id, (tokio::time::Instant::now(), loaded.clone()));
                                    loaded
                                }
                                Err(error) => {
                                    let _ = tx.send(self.storage_trouble(&claimed, &error));
                                    continue;
                                }
                            },
                        };
                        let Some(event) = event else {
                            let _ =
                                tx.send(settlement(&claimed, Outcome::Failed { error: "event is gone".to_owned() }));
                            continue;
                        };
                        self.render(&claimed, &event, *note)
                    }
                    _ => Outgoing::Content(content),
                };
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    break;
                };
                let this = self.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let sender = &this.inner.sender;
                    let (chat, reference) = (claimed.chat_id, claimed.ref_message_id);
                    let result = match outgoing {
                        Outgoing::Content(content) => {
                            sender.send(chat.0, &content, reference, claimed.thread_id, paid).await
                        }
                        Outgoing::Rendered { text, markup, edit } => {
                            sender.send_rendered(chat.0, &text, markup, reference, edit, paid).await
                        }
                    };
                    let outcome = this.decide(&claimed, result.clone());
                    this.inner.metrics.delivery(&result, &outcome);
                    let _ = tx.send(settlement(&claimed, outcome));
                    drop(permit);
                });
            }
        }
        // A batch claimed ahead goes back to the queue untouched.
        if let Some(next) = prefetched.take()
            && let Ok(Ok(rows)) = next.await
        {
            for claimed in rows {
                let _ = tx.send(self.requeue(&claimed, self.now(), "shutdown"));
            }
        }
        // Sends in flight finish (each is bounded by the send time-out).
        let _ = permits.acquire_many(self.inner.settings.max_in_flight as u32).await;
        drop(tx);
        let _ = settler.await;
        let _ = reporter.await;
        let _ = scheduler.await;
        tracing::info!("broadcaster stopped");
    }

    /// An event message in the member's language, with their answer.
    fn render(&self, claimed: &Claimed, event: &Event, note: EventNote) -> Outgoing {
        let locale = claimed.locale.as_deref().and_then(Locale::parse).unwrap_or_default();
        let rendered = self.inner.parts.render.event(event, note, locale, claimed.choice, self.now());
        let markup = rendered.keyboard.and_then(|k| serde_json::to_value(k).ok());
        Outgoing::Rendered { text: rendered.text, markup, edit: note == EventNote::Refresh }
    }

    /// At a set pace, claim about two seconds of work: an urgent broadcast
    /// overtakes soon, and no lease runs out while rows wait their turn.
    fn ahead(&self) -> usize {
        self.inner.scheduler.settings().rate.map_or(usize::MAX, |rate| (rate as usize * 2).max(1))
    }

    fn claim_size(&self, free: usize) -> i64 {
        free.min(self.ahead()).max(1) as i64
    }

    fn lease_ms(&self) -> i64 {
        self.inner.settings.lease.as_millis() as i64
    }

    /// The database failed while the delivery was prepared: it is tried
    /// again a little later, without counting an attempt.
    fn storage_trouble(&self, claimed: &Claimed, error: &StorageError) -> Settlement {
        tracing::warn!(error = %error_chain(error), broadcast = %claimed.broadcast_id, "could not read what to send; trying again");
        self.requeue(claimed, self.now() + STORAGE_RETRY_MS, "storage")
    }

    fn requeue(&self, claimed: &Claimed, due_at: i64, why: &str) -> Settlement {
        settlement(claimed, Outcome::Retry { due_at, error: why.to_owned(), counts: false })
    }

    fn decide(&self, claimed: &Claimed, result: SendResult) -> Outcome {
        let settings = &self.inner.settings;
        let now = self.now();
        match result {
            SendResult::Sent { message_id } => Outcome::Sent { message_id },
            SendResult::RetryAfter { seconds } => {
                let wait = Duration::from_secs(seconds.max(1));
                self.inner.scheduler.pause_for(wait);
                tracing::warn!(retry_after = seconds, "Telegram asked to slow down; all sending pauses");
                Outcome::Retry { due_at: now + wait.as_millis() as i64, error: "429".to_owned(), counts: false }
            }
            SendResult::Migrated { to_chat_id } => Outcome::Moved { to_chat_id: basis_core::ChatId(to_chat_id) },
            SendResult::Unreachable { reason } => Outcome::Blocked { error: reason },
            SendResult::Rejected { reason } => Outcome::Failed { error: reason },
            SendResult::Done => Outcome::Failed { error: "answer without message_id".to_owned() },
            SendResult::Transient { reason } if claimed.attempts + 1 >= settings.max_attempts => {
                Outcome::Failed { error: reason }
            }
            SendResult::Transient { reason } => {
                let wait = backoff(settings.backoff_base, settings.backoff_cap, claimed.attempts as u32);
                Outcome::Retry { due_at: now + wait.as_millis() as i64, error: reason, counts: true }
            }
        }
    }
}

/// How long a delivery waits after the database failed to say what to send.
const STORAGE_RETRY_MS: i64 = 1_000;

/// How long an event's row is reused for rendering one broadcast before it
/// is read again (a change shows up in copies sent after it).
const EVENT_FRESH: Duration = Duration::from_secs(2);

/// What one send puts on the wire.
enum Outgoing {
    Content(Arc<Content>),
    /// Rendered for this member; `edit` replaces their earlier copy.
    Rendered {
        text: String,
        markup: Option<serde_json::Value>,
        edit: bool,
    },
}

fn settlement(claimed: &Claimed, outcome: Outcome) -> Settlement {
    Settlement {
        broadcast_id: claimed.broadcast_id,
        chat_id: claimed.chat_id,
        lease_token: claimed.lease_token,
        outcome,
    }
}

/// Exponential, capped, with full jitter in its upper half so that retries
/// of many chats do not arrive together.
fn backoff(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16)).min(cap);
    let half = exp / 2;
    half + half.mul_f64(rand::rng().random::<f64>())
}

/// Outcomes are written in batches; when the database is away they wait in
/// memory and are written once it is back.
async fn settle_loop(inner: Arc<Inner>, mut rx: mpsc::UnboundedReceiver<Settlement>) {
    let mut buffer = Vec::with_capacity(512);
    let mut trouble = 0u32;
    while let Some(first) = rx.recv().await {
        buffer.push(first);
        while buffer.len() < 1024 {
            match rx.try_recv() {
                Ok(next) => buffer.push(next),
                Err(_) => break,
            }
        }
        loop {
            match inner.parts.storage.settle(&buffer, inner.parts.now()).await {
                Ok(_) => {
                    trouble = 0;
                    break;
                }
                Err(error) => {
                    trouble += 1;
                    let wait = backoff(Duration::from_millis(100), Duration::from_secs(5), trouble.min(8));
                    tracing::warn!(error = %error_chain(&error), pending = buffer.len(), retry_in = ?wait, "settling deliveries failed");
                    tokio::time::sleep(wait).await;
                }
            }
        }
        buffer.clear();
    }
}

/// An error with its causes, `a: b: c`, for log lines.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(60);
        for attempt in 0..20 {
            let d = backoff(base, cap, attempt);
            let full = base.saturating_mul(1 << attempt.min(16)).min(cap);
            assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
        }
    }
}

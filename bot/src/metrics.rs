//! Prometheus metrics of one running instance, served at `/metrics`.
//!
//! Every [`Metrics`] has its own registry: counters count what this process
//! did (Prometheus adds the `instance` label; sum them across instances),
//! while the gauges read from the database (queue depth, broadcast
//! progress) show the shared queue and read the same on every instance
//! (take `max`, not `sum`). Label values are bounded: a fixed set of
//! reasons and priorities, and the ids of broadcasts running right now.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use basis_storage::{Outcome, PRIORITY_NORMAL, PRIORITY_URGENT, Storage, StorageError};
use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use teloxide::dispatching::UpdateHandler;
use tokio_util::sync::CancellationToken;

use crate::broadcaster::SendResult;
use crate::lock;

/// Why a delivery failed or is tried again: the `reason` label.
pub const REASONS: &[&str] = &["blocked", "rate_limited", "server_error", "network", "rejected", "moved"];

/// A plugin's collector, shared with the plugin that updates it.
struct Shared(basis_handlers::plugin::Collector);

impl prometheus::core::Collector for Shared {
    fn desc(&self) -> Vec<&prometheus::core::Desc> {
        self.0.desc()
    }

    fn collect(&self) -> Vec<prometheus::proto::MetricFamily> {
        self.0.collect()
    }
}

/// The window the send rate is measured over.
const RATE_WINDOW_SECS: u64 = 5;

/// This instance's counters and gauges, rendered in the Prometheus text
/// format for `/metrics`.
pub struct Metrics {
    registry: Registry,
    updates: IntCounter,
    handler_seconds: Histogram,
    sent: IntCounter,
    failed: IntCounterVec,
    retried: IntCounterVec,
    rate_limited: IntCounter,
    webhook_refused: IntCounter,
    queue_depth: IntGaugeVec,
    send_rate: Gauge,
    broadcast_sent: IntGaugeVec,
    broadcast_total: IntGaugeVec,
    broadcast_remaining: IntGaugeVec,
    last_refresh: IntGauge,
    outbound_sent: IntCounterVec,
    outbound_paid: IntCounter,
    outbound_dropped: IntCounter,
    outbound_waiting: IntGauge,
    /// The outbound scheduler whose figures `/metrics` shows.
    scheduler: std::sync::OnceLock<basis_outbound::Scheduler>,
    sends: Mutex<RateWindow>,
    /// Broadcast ids that have gauges now; removed once finished.
    shown: Mutex<BTreeSet<i64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// All metrics at zero, in a registry of their own.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let counter = |name: &str, help: &str| {
            let c = IntCounter::new(name, help).expect("valid metric");
            registry.register(Box::new(c.clone())).expect("unique metric");
            c
        };
        let counter_vec = |name: &str, help: &str, label: &str| {
            let c = IntCounterVec::new(Opts::new(name, help), &[label]).expect("valid metric");
            registry.register(Box::new(c.clone())).expect("unique metric");
            c
        };
        let gauge_vec = |name: &str, help: &str, label: &str| {
            let g = IntGaugeVec::new(Opts::new(name, help), &[label]).expect("valid metric");
            registry.register(Box::new(g.clone())).expect("unique metric");
            g
        };
        let updates = counter("basis_updates_handled_total", "Telegram updates that went through the handler tree");
        let handler_seconds = Histogram::with_opts(
            HistogramOpts::new("basis_handler_duration_seconds", "Time the handler tree took per update")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
        )
        .expect("valid metric");
        registry.register(Box::new(handler_seconds.clone())).expect("unique metric");
        let sent = counter("basis_deliveries_sent_total", "Deliveries Telegram accepted");
        let failed = counter_vec("basis_deliveries_failed_total", "Deliveries given up, by reason", "reason");
        let retried =
            counter_vec("basis_deliveries_retried_total", "Deliveries put back to be sent again, by reason", "reason");
        let rate_limited = counter(
            "basis_telegram_429_total",
            "429 Too Many Requests answers to any request, replies and broadcasts alike (each paused all sending)",
        );
        let outbound_sent = counter_vec(
            "basis_outbound_sent_total",
            "Messages the outbound scheduler let go out, by priority (reply, background, bulk)",
            "priority",
        );
        let outbound_paid = counter(
            "basis_outbound_paid_total",
            "Of those, sent beyond the free 30 in a second (Telegram charges these 0.1 Stars each)",
        );
        let outbound_dropped = counter(
            "basis_outbound_dropped_total",
            "Replies dropped because Telegram's limits left no room for them within their deadline",
        );
        let outbound_waiting =
            IntGauge::new("basis_outbound_waiting", "Replies and status messages waiting for their turn")
                .expect("valid metric");
        registry.register(Box::new(outbound_waiting.clone())).expect("unique metric");
        let webhook_refused =
            counter("basis_webhook_refused_total", "Webhook requests refused for a missing or wrong secret token");
        let queue_depth = gauge_vec(
            "basis_queue_depth",
            "Deliveries waiting to be sent (pending or being sent), by priority; the same on every instance",
            "priority",
        );
        let send_rate = Gauge::new(
            "basis_send_rate",
            "Deliveries this instance sent per second over the last 5 seconds (any outcome)",
        )
        .expect("valid metric");
        registry.register(Box::new(send_rate.clone())).expect("unique metric");
        let broadcast_sent = gauge_vec("basis_broadcast_sent", "Deliveries sent of a running broadcast", "broadcast");
        let broadcast_total = gauge_vec("basis_broadcast_total", "Receiving chats of a running broadcast", "broadcast");
        let broadcast_remaining =
            gauge_vec("basis_broadcast_remaining", "Deliveries still to go of a running broadcast", "broadcast");
        let last_refresh = IntGauge::new(
            "basis_metrics_refreshed_timestamp_seconds",
            "When the gauges read from the database were last refreshed (Unix time)",
        )
        .expect("valid metric");
        registry.register(Box::new(last_refresh.clone())).expect("unique metric");
        // Every series exists from the start, so rates work from the first scrape.
        for reason in REASONS {
            failed.with_label_values(&[*reason]);
            retried.with_label_values(&[*reason]);
        }
        for priority in ["normal", "urgent"] {
            queue_depth.with_label_values(&[priority]);
        }
        for priority in ["reply", "background", "bulk"] {
            outbound_sent.with_label_values(&[priority]);
        }
        Metrics {
            registry,
            updates,
            handler_seconds,
            sent,
            failed,
            retried,
            rate_limited,
            webhook_refused,
            queue_depth,
            send_rate,
            broadcast_sent,
            broadcast_total,
            broadcast_remaining,
            last_refresh,
            outbound_sent,
            outbound_paid,
            outbound_dropped,
            outbound_waiting,
            scheduler: std::sync::OnceLock::new(),
            sends: Mutex::new(RateWindow::new()),
            shown: Mutex::new(BTreeSet::new()),
        }
    }

    /// Serves a plugin's metrics with these (see `Extensions::metrics`).
    /// A name Basis uses already is refused with a warning.
    pub fn register(&self, collector: basis_handlers::plugin::Collector) {
        if let Err(error) = self.registry.register(Box::new(Shared(collector))) {
            tracing::warn!(%error, "a plugin's metrics were not registered");
        }
    }

    /// One update went through the handler tree in `took`.
    pub fn update_handled(&self, took: Duration) {
        self.updates.inc();
        self.handler_seconds.observe(took.as_secs_f64());
    }

    /// What the broadcaster made of one send: called where a [`SendResult`]
    /// becomes an [`Outcome`].
    pub fn delivery(&self, result: &SendResult, outcome: &Outcome) {
        lock(&self.sends).record(Instant::now());
        match outcome {
            Outcome::Sent { .. } => self.sent.inc(),
            Outcome::Failed { .. } | Outcome::Blocked { .. } => {
                self.failed.with_label_values(&[reason_of(result)]).inc();
            }
            Outcome::Retry { .. } | Outcome::Moved { .. } => {
                self.retried.with_label_values(&[reason_of(result)]).inc();
            }
        }
    }

    /// A webhook request without the right secret token.
    pub fn webhook_refused(&self) {
        self.webhook_refused.inc();
    }

    /// Reads the queue depth and the running broadcasts from the database.
    pub async fn refresh(&self, storage: &Storage) -> Result<(), StorageError> {
        let depth = storage.queue_depth().await?;
        let running = storage.running_broadcasts().await?;
        let mut by_label: BTreeMap<String, i64> = BTreeMap::from([("normal".into(), 0), ("urgent".into(), 0)]);
        for (priority, count) in depth.by_priority {
            *by_label.entry(priority_label(priority)).or_default() += count;
        }
        for (label, count) in by_label {
            self.queue_depth.with_label_values(&[label.as_str()]).set(count);
        }
        let mut shown = lock(&self.shown);
        let now: BTreeSet<i64> = running.iter().map(|b| b.id.0).collect();
        for gone in shown.difference(&now) {
            let id = gone.to_string();
            let _ = self.broadcast_sent.remove_label_values(&[id.as_str()]);
            let _ = self.broadcast_total.remove_label_values(&[id.as_str()]);
            let _ = self.broadcast_remaining.remove_label_values(&[id.as_str()]);
        }
        for b in &running {
            let id = b.id.to_string();
            self.broadcast_sent.with_label_values(&[id.as_str()]).set(b.sent);
            self.broadcast_total.with_label_values(&[id.as_str()]).set(b.total);
            self.broadcast_remaining.with_label_values(&[id.as_str()]).set(b.remaining);
        }
        *shown = now;
        self.last_refresh.set(chrono::Utc::now().timestamp());
        Ok(())
    }

    /// Shows `scheduler`'s figures: what went out, what was dropped, 429s.
    pub fn watch(&self, scheduler: basis_outbound::Scheduler) {
        let _ = self.scheduler.set(scheduler);
    }

    /// Everything in Prometheus' text format.
    pub fn render(&self) -> String {
        self.send_rate.set(lock(&self.sends).per_second(Instant::now()));
        if let Some(scheduler) = self.scheduler.get() {
            use std::sync::atomic::Ordering::Relaxed;
            let stats = scheduler.stats();
            // The scheduler counts; the counters catch up to it.
            let catch_up = |counter: &IntCounter, to: u64| counter.inc_by(to.saturating_sub(counter.get()));
            catch_up(&self.rate_limited, stats.retry_after.load(Relaxed));
            catch_up(&self.outbound_paid, stats.granted_paid.load(Relaxed));
            catch_up(&self.outbound_dropped, stats.dropped.load(Relaxed));
            for (label, count) in [
                ("reply", &stats.granted_replies),
                ("background", &stats.granted_background),
                ("bulk", &stats.granted_bulk),
            ] {
                catch_up(&self.outbound_sent.with_label_values(&[label]), count.load(Relaxed));
            }
            self.outbound_waiting.set(stats.waiting.load(Relaxed) as i64);
        }
        let mut out = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(%error, "could not encode the metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

fn priority_label(priority: i64) -> String {
    match priority {
        PRIORITY_NORMAL => "normal".to_owned(),
        p if p >= PRIORITY_URGENT => "urgent".to_owned(),
        p => p.to_string(),
    }
}

/// The `reason` label of a send that did not simply succeed.
fn reason_of(result: &SendResult) -> &'static str {
    match result {
        SendResult::RetryAfter { .. } => "rate_limited",
        SendResult::Migrated { .. } => "moved",
        SendResult::Unreachable { .. } => "blocked",
        SendResult::Rejected { .. } | SendResult::Done | SendResult::Sent { .. } => "rejected",
        SendResult::Transient { reason } => transient_reason(reason),
    }
}

/// A transient failure came either from the connection (no HTTP answer:
/// reqwest's error text) or from Telegram's side (a 5xx or an answer that
/// made no sense).
fn transient_reason(reason: &str) -> &'static str {
    let reason = reason.to_ascii_lowercase();
    let network = ["error sending request", "timed out", "timeout", "connection", "body", "dns", "request or response"];
    if network.iter().any(|n| reason.contains(n)) { "network" } else { "server_error" }
}

/// Sends per second over the last [`RATE_WINDOW_SECS`] complete seconds.
struct RateWindow {
    start: Instant,
    /// `(second since start, sends in it)`, one slot per second, reused.
    slots: [(u64, u64); RATE_WINDOW_SECS as usize + 2],
}

impl RateWindow {
    fn new() -> RateWindow {
        RateWindow { start: Instant::now(), slots: [(u64::MAX, 0); RATE_WINDOW_SECS as usize + 2] }
    }

    fn record(&mut self, at: Instant) {
        let second = at.saturating_duration_since(self.start).as_secs();
        let slot = &mut self.slots[(second % self.slots.len() as u64) as usize];
        if slot.0 != second {
            *slot = (second, 0);
        }
        slot.1 += 1;
    }

    fn per_second(&self, at: Instant) -> f64 {
        let now = at.saturating_duration_since(self.start).as_secs();
        let from = now.saturating_sub(RATE_WINDOW_SECS);
        let sends: u64 =
            self.slots.iter().filter(|(s, _)| *s != u64::MAX && *s >= from && *s < now).map(|(_, n)| n).sum();
        sends as f64 / RATE_WINDOW_SECS as f64
    }
}

/// Wraps the handler tree: counts every update and times it.
pub fn instrument<E: Send + Sync + 'static>(handler: UpdateHandler<E>, metrics: Arc<Metrics>) -> UpdateHandler<E> {
    let description = handler.description().clone();
    let signature = handler.sig().clone();
    teloxide::dptree::from_fn_with_description(
        description,
        move |deps, cont| {
            let handler = handler.clone();
            let metrics = metrics.clone();
            async move {
                let started = Instant::now();
                let result = handler.execute(deps, cont).await;
                metrics.update_handled(started.elapsed());
                result
            }
        },
        signature,
    )
}

/// Refreshes the database gauges every `every` until `stop`.
pub async fn refresh_loop(metrics: Arc<Metrics>, storage: Storage, every: Duration, stop: CancellationToken) {
    let mut failing = false;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), metrics.refresh(&storage)).await {
            Ok(Ok(())) => failing = false,
            Ok(Err(error)) if !failing => {
                failing = true;
                tracing::warn!(%error, "could not read the queue for the metrics");
            }
            Err(_) if !failing => {
                failing = true;
                tracing::warn!("reading the queue for the metrics took over 10 s");
            }
            _ => {}
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_counted_by_bounded_reasons() {
        let m = Metrics::new();
        let retry = Outcome::Retry { due_at: 0, error: String::new(), counts: true };
        let failed = Outcome::Failed { error: String::new() };
        m.delivery(&SendResult::Sent { message_id: 1 }, &Outcome::Sent { message_id: 1 });
        m.delivery(&SendResult::RetryAfter { seconds: 3 }, &retry);
        m.delivery(&SendResult::Unreachable { reason: "Forbidden".into() }, &Outcome::Blocked { error: "x".into() });
        let timeout = SendResult::Transient { reason: "error sending request: operation timed out".into() };
        m.delivery(&timeout, &retry);
        m.delivery(&SendResult::Transient { reason: "Bad Gateway".into() }, &failed);
        m.delivery(
            &SendResult::Migrated { to_chat_id: -100 },
            &Outcome::Moved { to_chat_id: basis_core::ChatId(-100) },
        );
        let text = m.render();
        for line in [
            "basis_deliveries_sent_total 1",
            "basis_deliveries_retried_total{reason=\"rate_limited\"} 1",
            "basis_deliveries_retried_total{reason=\"network\"} 1",
            "basis_deliveries_retried_total{reason=\"moved\"} 1",
            "basis_deliveries_failed_total{reason=\"blocked\"} 1",
            "basis_deliveries_failed_total{reason=\"server_error\"} 1",
            "basis_deliveries_failed_total{reason=\"rejected\"} 0",
            "basis_queue_depth{priority=\"urgent\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
    }

    #[tokio::test]
    async fn the_outbound_schedulers_figures_are_shown() {
        use basis_outbound::{ChatKey, Priority, Scheduler, Settings};
        let m = Metrics::new();
        let scheduler = Scheduler::new(Settings { rate: Some(1000), ..Settings::default() });
        m.watch(scheduler.clone());
        for chat in 1..=3 {
            scheduler.acquire(ChatKey::of(chat), Priority::Reply).await.unwrap();
        }
        scheduler.acquire(ChatKey::of(4), Priority::Bulk).await.unwrap();
        scheduler.pause_for(Duration::from_millis(1));
        let text = m.render();
        for line in [
            "basis_outbound_sent_total{priority=\"reply\"} 3",
            "basis_outbound_sent_total{priority=\"bulk\"} 1",
            "basis_outbound_sent_total{priority=\"background\"} 0",
            "basis_outbound_dropped_total 0",
            "basis_outbound_paid_total 0",
            "basis_outbound_waiting 0",
            "basis_telegram_429_total 1",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        // Rendering again counts nothing twice.
        assert!(m.render().lines().any(|l| l == "basis_telegram_429_total 1"));
    }

    #[test]
    fn the_send_rate_covers_the_last_complete_seconds() {
        let mut w = RateWindow::new();
        let t0 = w.start;
        for i in 0..50 {
            w.record(t0 + Duration::from_millis(1000 + i * 20));
        }
        assert_eq!(w.per_second(t0 + Duration::from_millis(2500)), 10.0);
        assert_eq!(w.per_second(t0 + Duration::from_secs(7)), 0.0);
        // Slots are reused without counting old seconds.
        w.record(t0 + Duration::from_secs(8));
        assert_eq!(w.per_second(t0 + Duration::from_secs(9)), 0.2);
    }
}

//! The scheduler: one budget for everything the bot sends.
//!
//! One worker task hands out the right to send one message. It holds the
//! global pace (governor, a little under `rate`), picks who gets each
//! permit — replies first, then background messages, then the broadcast —
//! and keeps the per-chat and per-group limits for all of them, so that no
//! send goes out into a certain 429. Replies wait in memory, in the order
//! their updates arrived, per priority, bounded and with a deadline; the
//! broadcast waits in the database and asks for one permit at a time, so it
//! only ever gets what replies leave. A 429 on any request pauses everyone.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::settings::{FREE_PER_SEC, Settings};

/// Which chat a message goes to, as the limits see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChatKey {
    id: i64,
    /// Groups, supergroups and channels have a per-minute limit of their own.
    group: bool,
}

impl ChatKey {
    /// The chat with Telegram id `id`; negative ids are groups, supergroups
    /// and channels.
    pub fn of(id: i64) -> ChatKey {
        ChatKey { id, group: id < 0 }
    }

    /// A channel named by its `@username`.
    pub fn named(name: &str) -> ChatKey {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        name.to_ascii_lowercase().hash(&mut hasher);
        ChatKey { id: hasher.finish() as i64, group: true }
    }
}

/// Who is asking, in the order permits are handed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    /// An answer to what a person just did.
    Reply = 0,
    /// Status and report messages, notices to organizers.
    Background = 1,
    /// The broadcast: one permit at a time, from the durable queue.
    Bulk = 2,
}

/// The right to send one message now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    /// Paid broadcasts are on and the pace may pass the free 30/s: the send
    /// carries `allow_paid_broadcast`.
    pub paid: bool,
}

/// Why a send got no permit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Its deadline passed while it waited, or the queue was full.
    Dropped,
    /// Broadcast only: this chat must wait this long; the delivery goes back
    /// to the queue rather than holding the permit.
    ChatLimited(Duration),
    /// The scheduler is gone (the application is stopping).
    Closed,
}

/// Figures for `/metrics`: counters since start, and the queue now.
#[derive(Default, Debug)]
pub struct Stats {
    /// Permits given to replies.
    pub granted_replies: AtomicU64,
    /// Permits given to background messages.
    pub granted_background: AtomicU64,
    /// Permits given to broadcast messages.
    pub granted_bulk: AtomicU64,
    /// Of the above, sent when the last second held the free 30 already:
    /// what Telegram charges 0.1 Stars for.
    pub granted_paid: AtomicU64,
    /// Replies and background messages dropped: their deadline passed, or
    /// their queue was full.
    pub dropped: AtomicU64,
    /// 429 answers to any request.
    pub retry_after: AtomicU64,
    /// Replies and background messages waiting now.
    pub waiting: AtomicU64,
}

tokio::task_local! {
    /// The update being answered: Telegram's update id, which grows in the
    /// order updates arrive.
    static ANSWERING: u64;
}

/// Runs `handling` as the answer to update `update_id`: the replies it sends
/// take their turn by the update's arrival, not by when the handler got
/// round to asking. Handlers of a crowd's updates run concurrently and
/// finish their database work in any order (joins written in one batch
/// resume together); their answers still go out in the order the crowd
/// came.
pub async fn answering<F: std::future::Future>(update_id: u64, handling: F) -> F::Output {
    ANSWERING.scope(update_id, handling).await
}

struct Waiter {
    key: ChatKey,
    priority: Priority,
    /// Its place in its lane: the update it answers, or for sends that
    /// answer none, the latest update seen when it asked (behind everyone
    /// waiting then).
    order: u64,
    deadline: Option<Instant>,
    retry: bool,
    answer: oneshot::Sender<Result<Grant, Refusal>>,
}

pub(crate) struct Shared {
    settings: Settings,
    pause_until: Mutex<Option<Instant>>,
    global: Option<DefaultDirectRateLimiter>,
    per_chat: DefaultKeyedRateLimiter<ChatKey>,
    bulk_chat: DefaultKeyedRateLimiter<ChatKey>,
    per_group: DefaultKeyedRateLimiter<ChatKey>,
    /// Made once: creating a clock calibrates it, far too slow per send.
    clock: DefaultClock,
    /// Every permit's time within the last second: how many sends went
    /// beyond the free 30 (Telegram counts free and paid in one window).
    window: Mutex<VecDeque<Instant>>,
    /// Messages other instances sent lately, still to be paid for from this
    /// pace, and when the last were charged.
    debt: Mutex<(u64, Instant)>,
    /// The highest update id a waiter answered so far.
    latest_update: AtomicU64,
    stats: Stats,
}

/// Sends are spaced evenly, 2.5 % below the limit so that jitter between
/// the grant and the request's arrival cannot push more than `rate` sends
/// into one second's window at the server (25 ms of slack in every window:
/// on two shared cores a debug build's requests arrived up to 20 ms denser
/// than they were granted, and 1.5 % drew a 429 now and then), with a
/// small burst (5 ms worth) that absorbs the timer's millisecond steps at
/// high rates; the burst is taken off the pace too, so no one-second window
/// holds more than `rate` messages.
fn global_quota(rate: NonZeroU32) -> Quota {
    let burst = (rate.get() / 200).max(1);
    let pace = f64::from(rate.get()) * 0.975 - f64::from(burst - 1);
    let period = Duration::from_secs_f64(1.0 / pace.max(0.5));
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(rate))
        .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
}

fn quota(period: Duration, burst: u32) -> Quota {
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
}

/// The window Telegram counts the free 30 in.
const FREE_WINDOW: Duration = Duration::from_secs(1);

/// How long another instance's sends are paid for.
const DEBT_KEPT: Duration = Duration::from_secs(1);

/// Cheap to clone; every clone is the same scheduler.
#[derive(Clone)]
pub struct Scheduler {
    tx: mpsc::UnboundedSender<Waiter>,
    shared: Arc<Shared>,
}

impl Scheduler {
    /// Starts the worker; needs a Tokio runtime. It ends when the last clone
    /// is dropped.
    pub fn new(settings: Settings) -> Scheduler {
        let global = settings.rate.and_then(NonZeroU32::new).map(|r| RateLimiter::direct(global_quota(r)));
        let shared = Arc::new(Shared {
            per_chat: RateLimiter::keyed(quota(settings.chat_period, settings.chat_burst)),
            bulk_chat: RateLimiter::keyed(quota(settings.bulk_chat_period, 1)),
            per_group: RateLimiter::keyed(quota(settings.group_period, settings.group_burst)),
            global,
            settings,
            pause_until: Mutex::new(None),
            clock: DefaultClock::default(),
            window: Mutex::new(VecDeque::new()),
            debt: Mutex::new((0, Instant::now())),
            latest_update: AtomicU64::new(0),
            stats: Stats::default(),
        });
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(work(shared.clone(), rx));
        Scheduler { tx, shared }
    }

    /// The settings it was started with.
    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    /// Its counters, for `/metrics`.
    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }

    /// Waits for the right to send one message to `key`. Replies and
    /// background messages wait their turn (until their deadline); the
    /// broadcast is told at once when the chat must wait.
    pub async fn acquire(&self, key: ChatKey, priority: Priority) -> Result<Grant, Refusal> {
        self.acquire_again(key, priority, false).await
    }

    /// As [`Scheduler::acquire`]; a `retry` (after a 429) goes to the front
    /// of its queue, so that a chat's messages keep their order.
    pub async fn acquire_again(&self, key: ChatKey, priority: Priority, retry: bool) -> Result<Grant, Refusal> {
        if priority == Priority::Bulk && self.shared.global.is_none() {
            // Unlimited (benchmarks): no pace to share, only the chat limits.
            self.until_unpaused().await;
            return self.shared.check_bulk(key).map(|()| self.shared.granted(priority, false));
        }
        let deadline = (priority != Priority::Bulk).then(|| Instant::now() + self.shared.settings.deadline);
        let (answer, wait) = oneshot::channel();
        let order = match ANSWERING.try_with(|id| *id) {
            Ok(id) => {
                self.shared.latest_update.fetch_max(id, Relaxed);
                id
            }
            Err(_) => self.shared.latest_update.load(Relaxed),
        };
        self.tx.send(Waiter { key, priority, order, deadline, retry, answer }).map_err(|_| Refusal::Closed)?;
        wait.await.unwrap_or(Err(Refusal::Closed))
    }

    /// Everyone waits after a 429; a later, longer pause wins.
    pub fn pause_for(&self, wait: Duration) {
        self.shared.stats.retry_after.fetch_add(1, Relaxed);
        let until = Instant::now() + wait;
        let mut pause = self.shared.pause_until.lock().unwrap_or_else(|e| e.into_inner());
        if pause.is_none_or(|p| p < until) {
            *pause = Some(until);
        }
    }

    /// When the pause after a 429 ends; `None` when no pause is in force.
    pub fn paused_until(&self) -> Option<Instant> {
        self.shared.paused_until()
    }

    /// Returns once no pause is in force.
    pub async fn until_unpaused(&self) {
        while let Some(until) = self.paused_until() {
            tokio::time::sleep_until(until).await;
        }
    }

    /// Another instance sent `messages` on the same bot (webhook mode with
    /// several instances): the next permits pay for them. Debts older than
    /// a second are forgiven; Telegram's window has moved on.
    pub fn charge(&self, messages: u64) {
        let mut debt = self.shared.debt.lock().unwrap_or_else(|e| e.into_inner());
        if debt.1.elapsed() > DEBT_KEPT {
            debt.0 = 0;
        }
        debt.0 = (debt.0 + messages).min(u64::from(self.shared.settings.rate.unwrap_or(0)));
        debt.1 = Instant::now();
        drop(debt);
        // They fill Telegram's window of free messages too.
        let mut window = self.shared.window.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        for _ in 0..messages.min(FREE_PER_SEC as u64) {
            window.push_back(now);
        }
    }

    /// Messages this scheduler let go out since it started.
    pub fn sent_total(&self) -> u64 {
        let stats = &self.shared.stats;
        stats.granted_replies.load(Relaxed) + stats.granted_background.load(Relaxed) + stats.granted_bulk.load(Relaxed)
    }

    /// Forgets chats that have not been sent to lately.
    pub fn shrink(&self) {
        let s = &self.shared;
        for limiter in [&s.per_chat, &s.bulk_chat, &s.per_group] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

impl Shared {
    /// Takes one message of another instance's off the debt, if any.
    fn pay_debt(&self) -> bool {
        let mut debt = self.debt.lock().unwrap_or_else(|e| e.into_inner());
        if debt.0 == 0 || debt.1.elapsed() > DEBT_KEPT {
            debt.0 = 0;
            return false;
        }
        debt.0 -= 1;
        true
    }

    fn paused_until(&self) -> Option<Instant> {
        let pause = *self.pause_until.lock().unwrap_or_else(|e| e.into_inner());
        pause.filter(|p| *p > Instant::now())
    }

    /// A reply's chat limits; the permits are taken when there is room.
    fn check_chat(&self, key: ChatKey) -> Result<(), Duration> {
        let wait = |not_until: governor::NotUntil<_>| not_until.wait_time_from(self.clock.now());
        self.per_chat.check_key(&key).map_err(wait)?;
        if key.group {
            self.per_group.check_key(&key).map_err(wait)?;
        }
        Ok(())
    }

    /// A broadcast message is spaced more strictly still: members never get
    /// two posts within a second, however many posts run at once.
    fn check_bulk(&self, key: ChatKey) -> Result<(), Refusal> {
        let wait = |not_until: governor::NotUntil<_>| Refusal::ChatLimited(not_until.wait_time_from(self.clock.now()));
        self.bulk_chat.check_key(&key).map_err(wait)?;
        self.check_chat(key).map_err(Refusal::ChatLimited)
    }

    /// Books a permit. With paid broadcasts on, every limited send is marked
    /// as paid: Telegram charges only for the messages beyond the free 30 in
    /// a second, and an unmarked send is refused whenever 30 others reached
    /// Telegram in the second before it, which at 1000/s no sender can rule
    /// out (sends granted after it may overtake it on the way).
    fn granted(&self, priority: Priority, limited: bool) -> Grant {
        let paid = limited && self.settings.paid && self.settings.rate.is_some_and(|r| r > FREE_PER_SEC);
        let charged = paid && {
            let now = Instant::now();
            let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
            while window.front().is_some_and(|t| now.duration_since(*t) >= FREE_WINDOW) {
                window.pop_front();
            }
            window.push_back(now);
            window.len() > FREE_PER_SEC as usize
        };
        let counter = match priority {
            Priority::Reply => &self.stats.granted_replies,
            Priority::Background => &self.stats.granted_background,
            Priority::Bulk => &self.stats.granted_bulk,
        };
        counter.fetch_add(1, Relaxed);
        if charged {
            self.stats.granted_paid.fetch_add(1, Relaxed);
        }
        Grant { paid }
    }
}

/// Drops that happen together are logged together, once.
#[derive(Default)]
struct DropLog {
    count: u64,
    last: Option<Instant>,
}

impl DropLog {
    fn note(&mut self, now: Instant) {
        self.count += 1;
        self.last = Some(now);
    }

    /// When the burst counts as over.
    fn due(&self, quiet: Duration) -> Option<Instant> {
        self.last.map(|last| last + quiet)
    }

    fn flush(&mut self, now: Instant, quiet: Duration, deadline: Duration) {
        if self.due(quiet).is_some_and(|due| due <= now) {
            tracing::warn!(
                dropped = self.count,
                deadline_secs = deadline.as_secs(),
                "replies dropped: Telegram's limits left no room to send them within their deadline"
            );
            *self = DropLog::default();
        }
    }
}

struct Queues {
    lanes: [VecDeque<Waiter>; 3],
    /// Chats a reply is waiting for, and until when (a cache of the chat
    /// limits, so that a permit is only taken when someone can use it).
    blocked: HashMap<ChatKey, Instant>,
    drops: DropLog,
}

impl Queues {
    fn push(&mut self, waiter: Waiter, shared: &Shared) {
        let lane = &mut self.lanes[waiter.priority as usize];
        if waiter.priority != Priority::Bulk && lane.len() >= shared.settings.queue_limit {
            self.drops.note(Instant::now());
            shared.stats.dropped.fetch_add(1, Relaxed);
            let _ = waiter.answer.send(Err(Refusal::Dropped));
            return;
        }
        if waiter.retry {
            lane.push_front(waiter);
        } else if waiter.priority == Priority::Bulk {
            lane.push_back(waiter);
        } else {
            // By arrival of the update answered; nearly always at the back.
            let at = lane.iter().rposition(|w| w.order <= waiter.order).map_or(0, |i| i + 1);
            lane.insert(at, waiter);
        }
    }

    fn is_empty(&self) -> bool {
        self.lanes.iter().all(VecDeque::is_empty)
    }

    fn waiting(&self) -> u64 {
        (self.lanes[0].len() + self.lanes[1].len()) as u64
    }

    /// Answers the waiters whose deadline has passed, and forgets those
    /// nobody waits for any more. Every waiter of a lane got the same
    /// deadline when it asked, so the oldest are at the front (give or take
    /// the few that an earlier update's answer overtook when it asked).
    fn expire(&mut self, now: Instant, shared: &Shared) {
        for lane in &mut self.lanes {
            while let Some(front) = lane.front() {
                let expired = front.deadline.is_some_and(|d| d <= now);
                if !expired && !front.answer.is_closed() {
                    break;
                }
                let Some(waiter) = lane.pop_front() else { break };
                if expired && !waiter.answer.is_closed() {
                    self.drops.note(now);
                    shared.stats.dropped.fetch_add(1, Relaxed);
                    let _ = waiter.answer.send(Err(Refusal::Dropped));
                }
            }
        }
        self.blocked.retain(|_, until| *until > now);
    }

    /// Whether a permit taken now would find a taker.
    fn someone_can_go(&self) -> bool {
        !self.lanes[Priority::Bulk as usize].is_empty()
            || self.lanes[..2].iter().flatten().any(|w| !self.blocked.contains_key(&w.key))
    }

    /// When the next waiter may be able to go, or its deadline comes.
    fn next_change(&self) -> Option<Instant> {
        let unblocked = self.blocked.values().copied().min();
        let deadline = self.lanes.iter().filter_map(|lane| lane.front()?.deadline).min();
        [unblocked, deadline].into_iter().flatten().min()
    }

    /// Hands one permit out; `false` when nobody could take it.
    fn hand_out(&mut self, shared: &Shared, now: Instant) -> bool {
        for priority in [Priority::Reply, Priority::Background] {
            let lane = &mut self.lanes[priority as usize];
            let mut chosen = None;
            for (i, waiter) in lane.iter().enumerate() {
                if self.blocked.contains_key(&waiter.key) {
                    continue;
                }
                match shared.check_chat(waiter.key) {
                    Ok(()) => {
                        chosen = Some(i);
                        break;
                    }
                    Err(wait) => {
                        self.blocked.insert(waiter.key, now + wait);
                    }
                }
            }
            if let Some(waiter) = chosen.and_then(|i| lane.remove(i)) {
                let grant = shared.granted(priority, true);
                if waiter.answer.send(Ok(grant)).is_ok() {
                    return true;
                }
                // Nobody waits for it any more: the permit stays for the next.
            }
        }
        let bulk = &mut self.lanes[Priority::Bulk as usize];
        while let Some(waiter) = bulk.pop_front() {
            if waiter.answer.is_closed() {
                continue;
            }
            match shared.check_bulk(waiter.key) {
                Ok(()) => {
                    let grant = shared.granted(Priority::Bulk, true);
                    if waiter.answer.send(Ok(grant)).is_ok() {
                        return true;
                    }
                }
                Err(refusal) => {
                    let _ = waiter.answer.send(Err(refusal));
                }
            }
        }
        false
    }
}

async fn work(shared: Arc<Shared>, mut rx: mpsc::UnboundedReceiver<Waiter>) {
    let mut queues = Queues { lanes: Default::default(), blocked: HashMap::new(), drops: DropLog::default() };
    let (quiet, deadline) = (shared.settings.drop_log_quiet, shared.settings.deadline);
    // A permit taken from the pace and not yet handed out.
    let mut permit = false;
    let mut open = true;
    loop {
        while let Ok(waiter) = rx.try_recv() {
            queues.push(waiter, &shared);
        }
        let now = Instant::now();
        queues.expire(now, &shared);
        queues.drops.flush(now, quiet, deadline);
        shared.stats.waiting.store(queues.waiting(), Relaxed);
        if queues.is_empty() {
            if !open {
                return;
            }
            let wake = queues.drops.due(quiet);
            tokio::select! {
                waiter = rx.recv() => match waiter {
                    Some(waiter) => queues.push(waiter, &shared),
                    None => open = false,
                },
                _ = sleep_until(wake) => {}
            }
            continue;
        }
        if let Some(until) = shared.paused_until() {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => {}
                Some(waiter) = rx.recv(), if open => queues.push(waiter, &shared),
            }
            continue;
        }
        if !queues.someone_can_go() {
            let wake = [queues.next_change(), queues.drops.due(quiet)].into_iter().flatten().min();
            tokio::select! {
                _ = sleep_until(wake) => {}
                Some(waiter) = rx.recv(), if open => queues.push(waiter, &shared),
            }
            continue;
        }
        if !permit {
            if let Some(global) = &shared.global {
                global.until_ready().await;
                if shared.pay_debt() {
                    // This slot of the pace went to another instance's send.
                    continue;
                }
            }
            permit = true;
            // What arrived meanwhile competes for this permit too.
            continue;
        }
        if queues.hand_out(&shared, Instant::now()) {
            permit = false;
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

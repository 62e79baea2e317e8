//! Telegram's limits as the broadcaster keeps them: one global pace, a pause
//! for everyone after a 429, one message per second per chat and twenty per
//! minute per group, and the replies to members, which go first and are paid
//! back from the broadcast budget.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use basis_handlers::ReplyBudget;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

/// Sends are spaced evenly, 1.5 % below the limit so that network jitter
/// cannot push two sends into one second's window at the server, with a
/// small burst (5 ms worth) that absorbs the timer's millisecond steps at
/// high rates; the burst is taken off the pace too, so no one-second window
/// of a run holds more than `rate` messages.
fn global_quota(rate: NonZeroU32) -> Quota {
    let burst = (rate.get() / 200).max(1);
    let pace = f64::from(rate.get()) * 0.985 - f64::from(burst - 1);
    let period = Duration::from_secs_f64(1.0 / pace.max(0.5));
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(rate))
        .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
}

pub struct Limits {
    global: Option<DefaultDirectRateLimiter>,
    per_chat: DefaultKeyedRateLimiter<i64>,
    per_group: DefaultKeyedRateLimiter<i64>,
    pause_until: Mutex<Option<Instant>>,
    pub replies: Arc<ReplyBudget>,
    /// Made once: creating a clock calibrates it, far too slow per send.
    clock: DefaultClock,
}

impl Limits {
    /// `rate`: messages per second for everything the bot sends; `None`
    /// sends as fast as the Bot API answers (benchmarks only).
    pub fn new(rate: Option<u32>, replies: Arc<ReplyBudget>) -> Limits {
        let global = rate.and_then(NonZeroU32::new).map(|r| RateLimiter::direct(global_quota(r)));
        // A tenth of a second to spare: requests do not reach Telegram with the
        // spacing they left with.
        let per_chat = RateLimiter::keyed(Quota::with_period(Duration::from_millis(1100)).expect("non-zero period"));
        let per_group = RateLimiter::keyed(Quota::per_minute(NonZeroU32::new(20).expect("20 > 0")));
        Limits { global, per_chat, per_group, pause_until: Mutex::new(None), replies, clock: DefaultClock::default() }
    }

    /// Everyone waits after a 429; a later, longer pause wins.
    pub fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut pause = self.pause_until.lock().unwrap_or_else(|e| e.into_inner());
        if pause.is_none_or(|p| p < until) {
            *pause = Some(until);
        }
    }

    pub fn paused_until(&self) -> Option<Instant> {
        let pause = *self.pause_until.lock().unwrap_or_else(|e| e.into_inner());
        pause.filter(|p| *p > Instant::now())
    }

    /// Waits until the global pace allows one more broadcast message, after
    /// paying for the replies sent in the meantime.
    pub async fn until_global_ready(&self) {
        loop {
            if let Some(until) = self.paused_until() {
                tokio::time::sleep_until(until).await;
                continue;
            }
            let Some(global) = &self.global else { return };
            global.until_ready().await;
            if !self.replies.take() {
                return;
            }
        }
    }

    /// How long `chat_id` must wait before it may get another message, or
    /// `None` when it may get one now (the permit is then taken).
    pub fn chat_wait(&self, chat_id: i64) -> Option<Duration> {
        if let Err(not_until) = self.per_chat.check_key(&chat_id) {
            return Some(not_until.wait_time_from(self.clock.now()));
        }
        if chat_id < 0
            && let Err(not_until) = self.per_group.check_key(&chat_id)
        {
            return Some(not_until.wait_time_from(self.clock.now()));
        }
        None
    }

    /// Forgets chats that have not been sent to lately.
    pub fn shrink(&self) {
        self.per_chat.retain_recent();
        self.per_group.retain_recent();
        self.per_chat.shrink_to_fit();
        self.per_group.shrink_to_fit();
    }
}

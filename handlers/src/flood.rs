//! Flood control. A sender — the user, or the chat when an update has no
//! user — who sends more than `flood_per_minute` updates a minute is told
//! once that they are being throttled; their updates are then dropped unread
//! until their rate is back under the limit. Everyone else is served as
//! usual: the check runs at the root of the handler tree, before storage is
//! touched, and costs a hash-map look-up per update.
//!
//! What counts: every update in a private chat, commands and button presses
//! in groups (chatter there is not for the bot and is ignored anyway).
//! Changes of the bot's membership (`my_chat_member`) always pass: a block
//! must be recorded, whoever sends it.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use dptree::HandlerDescription;
use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use teloxide::dispatching::DpHandlerDescription;
use teloxide::prelude::*;
use teloxide::types::UpdateKind;

use crate::{Ctx, Handler, HandlerError, Locale, Outbound, t};

/// How often idle senders are forgotten, so memory stays bounded by the
/// senders of the last minute or two.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// A throttled sender who has sent nothing for this long is forgotten; their
/// next update passes (the limiter has long refilled).
const FORGET_AFTER: Duration = Duration::from_secs(120);

/// Who is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sender {
    /// The Telegram user who sent the update.
    User(u64),
    /// Updates without a user: the chat they came from.
    Chat(i64),
}

/// What to do with one update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Under the limit: handle it.
    Pass,
    /// Over the limit for the first time in this episode: say so, once.
    Throttle,
    /// Still flooding: drop without a word.
    Drop,
}

type Limiter<C> = RateLimiter<Sender, DefaultKeyedStateStore<Sender>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// A keyed limiter (governor, GCRA: a burst of `limit`, then one update
/// every `60 s / limit`) plus who was told already.
pub struct FloodControl<C: Clock = DefaultClock> {
    /// `None`: flood control is off (`flood_per_minute = 0`).
    limiter: Option<Limiter<C>>,
    clock: C,
    /// Throttled senders and when their latest update was dropped.
    throttled: Mutex<HashMap<Sender, C::Instant>>,
    /// A throttled sender is released by an update the limiter lets through
    /// at least this long after their last dropped one: their rate is back
    /// under the limit. (One that slips through amid a flood is dropped.)
    release_gap: Nanos,
    next_sweep: Mutex<Option<C::Instant>>,
}

impl FloodControl {
    /// At most `limit` updates a minute per sender; 0 switches it off.
    pub fn per_minute(limit: u32) -> FloodControl {
        FloodControl::with_clock(limit, DefaultClock::default())
    }
}

impl<C: Clock + Clone> FloodControl<C> {
    /// Like [`FloodControl::per_minute`], timed by `clock` (tests use a fake
    /// one).
    pub fn with_clock(limit: u32, clock: C) -> FloodControl<C> {
        let limiter = NonZeroU32::new(limit)
            .map(|n| RateLimiter::new(Quota::per_minute(n), DefaultKeyedStateStore::default(), clock.clone()));
        let gap = Duration::from_secs(60) / limit.max(1);
        FloodControl {
            limiter,
            clock,
            throttled: Mutex::default(),
            release_gap: gap.into(),
            next_sweep: Mutex::default(),
        }
    }

    /// Counts one update from `sender` and says what to do with it.
    pub fn check(&self, sender: Sender) -> Verdict {
        let Some(limiter) = &self.limiter else { return Verdict::Pass };
        let now = self.clock.now();
        self.sweep(limiter, now);
        let passed = limiter.check_key(&sender).is_ok();
        let mut throttled = self.throttled.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match (passed, throttled.get_mut(&sender)) {
            (true, None) => Verdict::Pass,
            (true, Some(last)) if now.duration_since(*last) >= self.release_gap => {
                throttled.remove(&sender);
                Verdict::Pass
            }
            (true, Some(_)) => Verdict::Drop,
            (false, Some(last)) => {
                *last = now;
                Verdict::Drop
            }
            (false, None) => {
                throttled.insert(sender, now);
                Verdict::Throttle
            }
        }
    }

    /// Senders held in memory (limiter state and throttled ones).
    pub fn tracked(&self) -> usize {
        let throttled = self.throttled.lock().map(|t| t.len()).unwrap_or_default();
        self.limiter.as_ref().map_or(0, |l| l.len()) + throttled
    }

    /// Once a minute: drop the state of senders indistinguishable from new
    /// ones, and throttled senders who went quiet.
    fn sweep(&self, limiter: &Limiter<C>, now: C::Instant) {
        {
            let mut next = self.next_sweep.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            match *next {
                Some(at) if now < at => return,
                _ => *next = Some(now + SWEEP_EVERY.into()),
            }
        }
        limiter.retain_recent();
        limiter.shrink_to_fit();
        let forget = Nanos::from(FORGET_AFTER);
        let mut throttled = self.throttled.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        throttled.retain(|_, last| now.duration_since(*last) < forget);
        throttled.shrink_to_fit();
    }
}

/// Who sent `update`, if it counts at all.
pub fn counted_sender(update: &Update) -> Option<Sender> {
    let in_private = update.chat().is_none_or(|c| c.is_private());
    let counts = match &update.kind {
        UpdateKind::MyChatMember(_) => false,
        UpdateKind::CallbackQuery(_) => true,
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => {
            in_private || m.text().is_some_and(|t| t.starts_with('/'))
        }
        _ => in_private,
    };
    if !counts {
        return None;
    }
    match (update.from(), update.chat()) {
        (Some(user), _) => Some(Sender::User(user.id.0)),
        (None, Some(chat)) => Some(Sender::Chat(chat.id.0)),
        (None, None) => None,
    }
}

/// The filter at the root of the tree: `false` drops the update. It is
/// described as an entry, not as user code: the dispatcher asks Telegram for
/// the update kinds the tree's description names, and user code would name
/// every kind there is.
pub(crate) fn filter() -> Handler {
    dptree::filter_async_with_description(
        DpHandlerDescription::entry(),
        |update: Update, bot: Outbound, ctx: Ctx| async move {
            let Some(sender) = counted_sender(&update) else { return true };
            match ctx.flood.check(sender) {
                Verdict::Pass => true,
                Verdict::Drop => false,
                Verdict::Throttle => {
                    tracing::info!(update_id = update.id.0, "a sender floods the bot; throttled");
                    if let Err(error) = tell(&bot, &ctx, &update).await {
                        tracing::warn!(%error, "could not tell a flooding sender they are throttled");
                    }
                    false
                }
            }
        },
    )
}

/// The one notice of an episode: a toast for a button press, a message
/// otherwise.
async fn tell(bot: &Outbound, ctx: &Ctx, update: &Update) -> Result<(), HandlerError> {
    let chat = update.chat();
    let stored = match chat {
        Some(chat) => ctx.storage.chat(chat.id.into()).await?.and_then(|c| Locale::parse(&c.locale)),
        None => None,
    };
    let locale =
        stored.unwrap_or_else(|| Locale::from_telegram(update.from().and_then(|u| u.language_code.as_deref())));
    let text = t!(ctx.texts, locale, "flood-throttled");
    match (&update.kind, chat) {
        (UpdateKind::CallbackQuery(query), _) => {
            bot.answer_callback_query(query.id.clone()).text(text).show_alert(true).await?;
        }
        (_, Some(chat)) => {
            bot.send_message(chat.id, text).await?;
        }
        (_, None) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    #[test]
    fn a_flooder_is_told_once_and_released_when_calm() {
        let clock = FakeRelativeClock::default();
        let flood = FloodControl::with_clock(30, clock.clone());
        let (flooder, other) = (Sender::User(1), Sender::User(2));
        for _ in 0..30 {
            assert_eq!(flood.check(flooder), Verdict::Pass);
        }
        assert_eq!(flood.check(flooder), Verdict::Throttle);
        for _ in 0..1000 {
            assert_eq!(flood.check(flooder), Verdict::Drop);
        }
        assert_eq!(flood.check(other), Verdict::Pass, "others stay served");
        // Still flooding at 10 a second: what slips through is dropped too,
        // and no second notice comes.
        for _ in 0..300 {
            clock.advance(Duration::from_millis(100));
            assert_eq!(flood.check(flooder), Verdict::Drop);
        }
        // Calm for a moment: the next update is served again.
        clock.advance(Duration::from_secs(3));
        assert_eq!(flood.check(flooder), Verdict::Pass);
        clock.advance(Duration::from_secs(2));
        assert_eq!(flood.check(flooder), Verdict::Pass);
        // A new flood is a new episode, with one notice.
        let verdicts: Vec<Verdict> = (0..40).map(|_| flood.check(flooder)).collect();
        assert_eq!(verdicts.iter().filter(|v| **v == Verdict::Throttle).count(), 1);
    }

    #[test]
    fn memory_is_bounded_by_recent_senders() {
        let clock = FakeRelativeClock::default();
        let flood = FloodControl::with_clock(30, clock.clone());
        for id in 0..10_000 {
            flood.check(Sender::Chat(id));
        }
        for _ in 0..40 {
            flood.check(Sender::User(7));
        }
        assert!(flood.tracked() >= 10_000);
        clock.advance(Duration::from_secs(180));
        flood.check(Sender::User(8));
        assert!(flood.tracked() <= 2, "{} senders still held", flood.tracked());
    }

    #[test]
    fn zero_switches_it_off() {
        let flood = FloodControl::per_minute(0);
        for _ in 0..10_000 {
            assert_eq!(flood.check(Sender::User(1)), Verdict::Pass);
        }
        assert_eq!(flood.tracked(), 0);
    }
}

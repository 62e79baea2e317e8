//! Telegram under pressure: flood limits answered with 429 and injected 5xx
//! failures, both deterministic so broadcaster tests are repeatable.

use std::{
    collections::{HashMap, VecDeque},
    time::{Duration, Instant},
};

use crate::types::Limits;

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
/// Telegram lifts the global limit for calls with `allow_paid_broadcast`.
const PAID_BROADCAST_PER_SEC: u32 = 1000;

#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    count: u32,
}

impl Window {
    /// Time until one more message fits, or zero when it fits now.
    fn wait(&self, limit: u32, len: Duration, now: Instant) -> Duration {
        if now.saturating_duration_since(self.start) >= len || self.count < limit {
            Duration::ZERO
        } else {
            (self.start + len).saturating_duration_since(now)
        }
    }

    fn add(&mut self, len: Duration, now: Instant) {
        if now.saturating_duration_since(self.start) >= len {
            self.start = now;
            self.count = 0;
        }
        self.count += 1;
    }
}

/// A chat's bucket: `burst` messages at once, refilled at the per-chat rate.
#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refill(&mut self, rate: u32, burst: u32, now: Instant) {
        let gained = now.saturating_duration_since(self.at).as_secs_f64() * f64::from(rate);
        self.tokens = (self.tokens + gained).min(f64::from(burst.max(1)));
        self.at = now;
    }

    /// Time until one more message fits, or zero when it fits now.
    fn wait(&self, rate: u32, burst: u32, now: Instant) -> Duration {
        let mut b = *self;
        b.refill(rate, burst, now);
        if b.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - b.tokens) / f64::from(rate.max(1)))
        }
    }
}

pub(crate) struct Limiter {
    pub limits: Option<Limits>,
    /// Send times within the last second (sliding log: the global limit is
    /// the one broadcasters tune against, so it should not allow 2x bursts at
    /// window edges).
    global: VecDeque<Instant>,
    per_chat: HashMap<i64, Bucket>,
    per_group: HashMap<i64, Window>,
    prune_at: usize,
    pub count_429: usize,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter {
            limits: None,
            global: VecDeque::new(),
            per_chat: HashMap::new(),
            per_group: HashMap::new(),
            prune_at: 65_536,
            count_429: 0,
        }
    }
}

impl Limiter {
    pub fn set(&mut self, limits: Limits) {
        let off =
            limits.global_per_sec.is_none() && limits.per_chat_per_sec.is_none() && limits.per_group_per_min.is_none();
        self.limits = if off { None } else { Some(limits) };
        self.global.clear();
        self.per_chat.clear();
        self.per_group.clear();
    }

    /// Checks whether one more message to `chat` may go out now; on excess
    /// returns the `retry_after` seconds to answer with.
    pub fn check(&mut self, chat: i64, is_group: bool, paid: bool, now: Instant) -> Result<(), u32> {
        let Some(l) = self.limits else {
            return Ok(());
        };
        let mut wait = Duration::ZERO;
        if let Some(g) = l.global_per_sec {
            let g = if paid { g.max(PAID_BROADCAST_PER_SEC) } else { g };
            while self.global.front().is_some_and(|t| now.saturating_duration_since(*t) >= SECOND) {
                self.global.pop_front();
            }
            if self.global.len() >= g as usize {
                let idx = self.global.len() - g as usize;
                if let Some(t) = self.global.get(idx) {
                    wait = wait.max((*t + SECOND).saturating_duration_since(now));
                }
            }
        }
        if let (Some(c), Some(b)) = (l.per_chat_per_sec, self.per_chat.get(&chat)) {
            wait = wait.max(b.wait(c, l.per_chat_burst, now));
        }
        if is_group && let (Some(c), Some(w)) = (l.per_group_per_min, self.per_group.get(&chat)) {
            wait = wait.max(w.wait(c, MINUTE, now));
        }
        if wait.is_zero() {
            return Ok(());
        }
        self.count_429 += 1;
        let secs = if l.retry_after_secs > 0 { l.retry_after_secs } else { (wait.as_secs_f64().ceil() as u32).max(1) };
        Err(secs)
    }

    /// Counts a message that went out.
    pub fn commit(&mut self, chat: i64, is_group: bool, now: Instant) {
        let Some(l) = self.limits else {
            return;
        };
        if l.global_per_sec.is_some() {
            self.global.push_back(now);
        }
        let fresh = Window { start: now, count: 0 };
        if let Some(rate) = l.per_chat_per_sec {
            let full = Bucket { tokens: f64::from(l.per_chat_burst.max(1)), at: now };
            let bucket = self.per_chat.entry(chat).or_insert(full);
            bucket.refill(rate, l.per_chat_burst, now);
            bucket.tokens -= 1.0;
        }
        if is_group && l.per_group_per_min.is_some() {
            self.per_group.entry(chat).or_insert(fresh).add(MINUTE, now);
        }
        if self.per_chat.len() >= self.prune_at {
            // Full buckets and windows older than their length carry no
            // information.
            let rate = f64::from(l.per_chat_per_sec.unwrap_or(1).max(1));
            let full_after = Duration::from_secs_f64(f64::from(l.per_chat_burst.max(1)) / rate);
            self.per_chat.retain(|_, b| now.saturating_duration_since(b.at) < full_after);
            self.per_group.retain(|_, w| now.saturating_duration_since(w.start) < MINUTE);
            self.prune_at = (self.per_chat.len() * 2).max(65_536);
        }
    }
}

/// Deterministic pseudo-random choice of which send calls fail with 502.
#[derive(Default)]
pub(crate) struct Chaos {
    pub rate: f64,
    pub seed: u64,
    counter: u64,
}

impl Chaos {
    pub fn set(&mut self, rate: f64, seed: u64) {
        self.rate = rate.clamp(0.0, 1.0);
        self.seed = seed;
        self.counter = 0;
    }

    pub fn hit(&mut self) -> bool {
        if self.rate <= 0.0 {
            return false;
        }
        self.counter += 1;
        let x = splitmix64(self.seed.wrapping_add(self.counter));
        ((x >> 11) as f64 / (1u64 << 53) as f64) < self.rate
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_chat_limit_answers_retry_after() {
        let mut l = Limiter::default();
        l.set(Limits { per_chat_per_sec: Some(1), ..Limits::default() });
        let t = Instant::now();
        assert!(l.check(1, false, false, t).is_ok());
        l.commit(1, false, t);
        assert_eq!(l.check(1, false, false, t), Err(1));
        assert!(l.check(2, false, false, t).is_ok());
        assert!(l.check(1, false, false, t + SECOND).is_ok());
        assert_eq!(l.count_429, 1);
    }

    #[test]
    fn a_short_burst_to_one_chat_passes_then_the_rate_applies() {
        let mut l = Limiter::default();
        l.set(Limits { per_chat_per_sec: Some(1), per_chat_burst: 3, ..Limits::default() });
        let t = Instant::now();
        for _ in 0..3 {
            assert!(l.check(1, false, false, t).is_ok());
            l.commit(1, false, t);
        }
        assert_eq!(l.check(1, false, false, t), Err(1));
        assert!(l.check(1, false, false, t + Duration::from_millis(999)).is_err());
        assert!(l.check(1, false, false, t + SECOND).is_ok());
    }

    #[test]
    fn global_limit_is_a_sliding_window() {
        let mut l = Limiter::default();
        l.set(Limits { global_per_sec: Some(2), ..Limits::default() });
        let t = Instant::now();
        for i in 0..2 {
            assert!(l.check(i, false, false, t).is_ok());
            l.commit(i, false, t);
        }
        assert!(l.check(9, false, false, t + Duration::from_millis(500)).is_err());
        assert!(l.check(9, false, true, t + Duration::from_millis(500)).is_ok());
        assert!(l.check(9, false, false, t + SECOND).is_ok());
    }

    #[test]
    fn group_limit_is_per_minute() {
        let mut l = Limiter::default();
        l.set(Limits { per_group_per_min: Some(20), ..Limits::default() });
        let t = Instant::now();
        for i in 0..20 {
            let at = t + Duration::from_millis(i * 100);
            assert!(l.check(-5, true, false, at).is_ok());
            l.commit(-5, true, at);
        }
        assert_eq!(l.check(-5, true, false, t + Duration::from_secs(2)), Err(58));
        assert!(l.check(-5, true, false, t + MINUTE).is_ok());
    }

    #[test]
    fn chaos_is_deterministic_and_near_its_rate() {
        let mut a = Chaos::default();
        let mut b = Chaos::default();
        a.set(0.1, 7);
        b.set(0.1, 7);
        let xs: Vec<bool> = (0..10_000).map(|_| a.hit()).collect();
        let ys: Vec<bool> = (0..10_000).map(|_| b.hit()).collect();
        assert_eq!(xs, ys);
        let hits = xs.iter().filter(|x| **x).count();
        assert!((800..1200).contains(&hits), "{hits}");
    }
}

//! Feed intake: every `[[feeds]]` entry is polled, and each new entry
//! becomes a post of its title and link — a draft offered in Telegram
//! (`mode = "draft"`, the default, and always while two-person approval is
//! on) or a broadcast queued at once (`mode = "send"`).
//!
//! - **New entries only.** The first poll remembers what is there without
//!   posting. Seen entries are rows (by a hash of their id), so a restart
//!   posts nothing again, and of several instances the one whose insert of
//!   the entry wins posts it.
//! - **Polite polling.** One instance polls each feed when it is due (the
//!   due time moves forward in one statement). Requests are conditional
//!   (ETag, Last-Modified), with a timeout and a size limit. A failing feed
//!   waits twice as long after each failure, up to an hour (or `every`,
//!   when that is longer). `/metrics` shows each feed's state, and the log
//!   has one line per change of state, not one per poll.
//! - **Time** is Basis's clock, so tests move it; [`Feeds::poll_now`] asks
//!   for a round at once and waits for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use basis_handlers::offer::{self, NO_AUTHOR};
use basis_handlers::{Basis, Locale, RegionKey};
use basis_storage::{
    AuditAction, Content, DraftState, NewBroadcast, NewDraft, PRIORITY_NORMAL, RegionTarget, StorageError,
};
use futures::StreamExt;
use prometheus::{IntCounterVec, IntGaugeVec, Opts};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::settings::{FeedConfig, Mode, Settings};
use crate::store;

/// New entries posted from one poll at most; a feed that suddenly shows
/// more (rewritten ids) has the rest remembered without posting.
const POSTS_PER_POLL: usize = 10;
/// The longest wait after failures (unless `every` is longer).
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How often the poller looks for due feeds by itself.
const TICK: Duration = Duration::from_secs(1);

/// The feeds' metrics, shown on `/metrics`.
#[derive(Clone)]
pub struct FeedMetrics {
    up: IntGaugeVec,
    failures: IntGaugeVec,
    polls: IntCounterVec,
    posts: IntCounterVec,
}

impl FeedMetrics {
    fn new() -> FeedMetrics {
        let gauge = |name: &str, help: &str| IntGaugeVec::new(Opts::new(name, help), &["feed"]).expect("valid metric");
        FeedMetrics {
            up: gauge("basis_api_feed_up", "1 while the feed's last poll got an answer, 0 while it fails"),
            failures: gauge("basis_api_feed_failures", "Polls of the feed that failed in a row"),
            polls: IntCounterVec::new(
                Opts::new("basis_api_feed_polls_total", "Polls of the feed by outcome: fetched, not_modified, failed"),
                &["feed", "outcome"],
            )
            .expect("valid metric"),
            posts: IntCounterVec::new(
                Opts::new("basis_api_feed_posts_total", "New entries of the feed made into posts or drafts"),
                &["feed"],
            )
            .expect("valid metric"),
        }
    }

    /// The collectors, for `Extensions::metrics`.
    pub(crate) fn collectors(&self) -> Vec<basis_handlers::plugin::Collector> {
        vec![
            Arc::new(self.up.clone()),
            Arc::new(self.failures.clone()),
            Arc::new(self.polls.clone()),
            Arc::new(self.posts.clone()),
        ]
    }
}

/// The feed poller of one bot: its settings, metrics, and a way to ask it
/// for a round now.
#[derive(Clone)]
pub struct Feeds {
    settings: Settings,
    metrics: FeedMetrics,
    asks: mpsc::UnboundedSender<oneshot::Sender<()>>,
    inbox: Arc<Mutex<Option<mpsc::UnboundedReceiver<oneshot::Sender<()>>>>>,
}

impl Feeds {
    pub(crate) fn new(settings: Settings) -> Feeds {
        let (asks, inbox) = mpsc::unbounded_channel();
        let metrics = FeedMetrics::new();
        for feed in &settings.feeds {
            metrics.up.with_label_values(&[&feed.name]).set(1);
            metrics.failures.with_label_values(&[&feed.name]);
            metrics.posts.with_label_values(&[&feed.name]);
            for outcome in ["fetched", "not_modified", "failed"] {
                metrics.polls.with_label_values(&[&feed.name, outcome]);
            }
        }
        Feeds { settings, metrics, asks, inbox: Arc::new(Mutex::new(Some(inbox))) }
    }

    pub(crate) fn metrics(&self) -> &FeedMetrics {
        &self.metrics
    }

    /// Polls every feed that is due now (by Basis's clock), and returns
    /// when that round is done; a bot that is starting does it once its
    /// poller runs. Once the bot has stopped it returns at once.
    pub async fn poll_now(&self) {
        let (done, wait) = oneshot::channel();
        if self.asks.send(done).is_ok() {
            let _ = wait.await;
        }
    }

    /// The background task: a round every second and whenever asked, until
    /// `stop`.
    pub(crate) async fn run(self, basis: Basis, stop: CancellationToken) {
        let inbox = self.inbox.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        let Some(mut inbox) = inbox else { return };
        let feeds = usable(&basis, &self.settings.feeds);
        if feeds.is_empty() {
            // Nothing to poll; answer those who ask, until the end.
            loop {
                tokio::select! {
                    asked = inbox.recv() => match asked { Some(done) => { let _ = done.send(()); } None => return },
                    _ = stop.cancelled() => return,
                }
            }
        }
        let client = match reqwest::Client::builder()
            .timeout(self.settings.feed_timeout)
            .user_agent(concat!("Basis/", env!("CARGO_PKG_VERSION"), " (feed intake)"))
            .build()
        {
            Ok(client) => client,
            Err(error) => {
                tracing::error!(error = %error.without_url(), "feeds cannot be polled: no HTTP client");
                return;
            }
        };
        let mut poller = Poller {
            basis,
            client,
            settings: self.settings.clone(),
            metrics: self.metrics.clone(),
            failing: HashMap::new(),
            due: HashMap::new(),
        };
        tracing::info!(feeds = feeds.len(), "polling feeds");
        loop {
            let mut answered = Vec::new();
            tokio::select! {
                asked = inbox.recv() => if let Some(done) = asked { answered.push(done) },
                _ = tokio::time::sleep(TICK) => {},
                _ = stop.cancelled() => return,
            }
            while let Ok(done) = inbox.try_recv() {
                answered.push(done);
            }
            for feed in &feeds {
                if let Err(error) = poller.poll(feed).await {
                    tracing::warn!(feed = %feed.name, error = %crate::http::error::chain(&error), "a feed's state could not be stored");
                }
            }
            for done in answered {
                let _ = done.send(());
            }
        }
    }
}

/// The feeds whose topics exist; the others are logged once and left out.
fn usable(basis: &Basis, feeds: &[FeedConfig]) -> Vec<FeedConfig> {
    let mut out = Vec::new();
    for feed in feeds {
        let mut topics = Vec::new();
        let mut bad = None;
        for name in &feed.topics {
            match basis.topics().find(name) {
                Some(topic) => topics.push(topic.key.as_str().to_owned()),
                None => bad = Some(format!("unknown topic `{name}`")),
            }
        }
        let mut regions = Vec::new();
        for name in &feed.regions {
            match basis.regions().find(name) {
                Some(region) => regions.push(region.key.to_string()),
                None => bad = Some(format!("unknown region `{name}`")),
            }
        }
        match bad {
            Some(reason) => tracing::error!(feed = %feed.name, %reason, "this feed is not polled"),
            None => out.push(FeedConfig { topics, regions, ..feed.clone() }),
        }
    }
    out
}

struct Poller {
    basis: Basis,
    client: reqwest::Client,
    settings: Settings,
    metrics: FeedMetrics,
    /// Feeds known to be failing: a log line only when this changes.
    failing: HashMap<String, bool>,
    /// When each feed is due, as last read: the database is asked again
    /// only then, not every second.
    due: HashMap<String, i64>,
}

/// What one request brought.
enum Fetched {
    NotModified,
    Document { body: Vec<u8>, etag: Option<String>, last_modified: Option<String> },
}

/// Why a poll failed, in a line (no URL: it may hold a key).
#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error("HTTP {0}")]
    Status(u16),
    #[error("{0}")]
    Network(String),
    #[error("the document is larger than {0} bytes")]
    TooLarge(usize),
    #[error("not an RSS or Atom document: {0}")]
    Parse(String),
}

impl Poller {
    async fn poll(&mut self, feed: &FeedConfig) -> Result<(), StorageError> {
        let storage = self.basis.storage().clone();
        let now = self.basis.now();
        let every = feed.every.as_millis() as i64;
        match self.due.get(&feed.name) {
            Some(due) if *due > now => return Ok(()),
            Some(_) => {}
            None => store::ensure_feed(&storage, &feed.url).await?,
        }
        let state = match store::claim_poll(&storage, &feed.url, now, now + every).await? {
            Ok(state) => state,
            Err(due) => {
                self.due.insert(feed.name.clone(), due);
                return Ok(());
            }
        };
        self.due.insert(feed.name.clone(), now + every);
        let fetched = self.fetch(feed, &state).await;
        let outcome = match fetched {
            Ok(Fetched::NotModified) => {
                store::poll_succeeded(&storage, &feed.url, None, None, state.primed).await?;
                "not_modified"
            }
            Ok(Fetched::Document { body, etag, last_modified }) => match feed_rs::parser::parse(&body[..]) {
                Ok(document) => {
                    self.take(feed, &document, state.primed).await?;
                    store::poll_succeeded(&storage, &feed.url, etag.as_deref(), last_modified.as_deref(), true).await?;
                    "fetched"
                }
                Err(error) => {
                    self.failed(feed, state.failures, PollError::Parse(error.to_string())).await?;
                    "failed"
                }
            },
            Err(error) => {
                self.failed(feed, state.failures, error).await?;
                "failed"
            }
        };
        self.metrics.polls.with_label_values(&[&feed.name, outcome]).inc();
        if outcome != "failed" {
            self.metrics.up.with_label_values(&[&feed.name]).set(1);
            self.metrics.failures.with_label_values(&[&feed.name]).set(0);
            if self.failing.insert(feed.name.clone(), false) == Some(true) {
                tracing::info!(feed = %feed.name, "feed answers again");
            }
        }
        Ok(())
    }

    async fn failed(&mut self, feed: &FeedConfig, before: i64, error: PollError) -> Result<(), StorageError> {
        let failures = before + 1;
        let wait = backoff(feed.every, failures);
        let now = self.basis.now();
        let due = now + wait.as_millis() as i64;
        store::poll_failed(self.basis.storage(), &feed.url, failures, due, &error.to_string()).await?;
        self.due.insert(feed.name.clone(), due);
        self.metrics.up.with_label_values(&[&feed.name]).set(0);
        self.metrics.failures.with_label_values(&[&feed.name]).set(failures);
        if self.failing.insert(feed.name.clone(), true) != Some(true) {
            tracing::warn!(feed = %feed.name, %error, retry_in_s = wait.as_secs(), "feed fails; polling it less often until it answers");
        } else {
            tracing::debug!(feed = %feed.name, %error, failures, "feed still fails");
        }
        Ok(())
    }

    async fn fetch(&self, feed: &FeedConfig, state: &store::FeedState) -> Result<Fetched, PollError> {
        let mut request = self.client.get(&feed.url);
        if let Some(etag) = &state.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(since) = &state.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, since);
        }
        let network = |e: reqwest::Error| PollError::Network(e.without_url().to_string());
        let response = request.send().await.map_err(network)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(PollError::Status(status.as_u16()));
        }
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (etag, last_modified) = (header(reqwest::header::ETAG), header(reqwest::header::LAST_MODIFIED));
        let limit = self.settings.feed_max_bytes;
        if response.content_length().is_some_and(|n| n as usize > limit) {
            return Err(PollError::TooLarge(limit));
        }
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(network)?;
            if body.len() + chunk.len() > limit {
                return Err(PollError::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Document { body, etag, last_modified })
    }

    /// Remembers the document's entries; after the first poll, each new
    /// one (oldest first) becomes a post.
    async fn take(&self, feed: &FeedConfig, document: &feed_rs::model::Feed, primed: bool) -> Result<(), StorageError> {
        let storage = self.basis.storage();
        let now = self.basis.now();
        let mut posted = 0;
        let mut skipped = 0;
        // Feeds list the newest first.
        for entry in document.entries.iter().rev() {
            let key = crate::tokens::hash(&entry.id);
            if !store::see_entry(storage, &feed.url, &key, now).await? || !primed {
                continue;
            }
            if posted == POSTS_PER_POLL {
                skipped += 1;
                continue;
            }
            let title = entry.title.as_ref().map(|t| t.content.trim().to_owned()).unwrap_or_default();
            let link = entry.links.first().map(|l| l.href.trim().to_owned()).unwrap_or_default();
            if title.is_empty() && link.is_empty() {
                continue;
            }
            self.post(feed, &title, &link).await?;
            posted += 1;
        }
        if !primed {
            tracing::info!(feed = %feed.name, entries = document.entries.len(), "feed read for the first time: its entries are remembered, none posted");
        }
        if skipped > 0 {
            tracing::warn!(feed = %feed.name, posted, skipped, "a feed had more new entries than one poll posts; the rest are remembered unposted");
        }
        Ok(())
    }

    async fn post(&self, feed: &FeedConfig, title: &str, link: &str) -> Result<(), StorageError> {
        let basis = &self.basis;
        let storage = basis.storage();
        let now = basis.now();
        let text = render(basis, feed, title, link);
        let content = Content::Text(text);
        let via = format!("feed {}", feed.name);
        // Checked against the catalog at start (`usable`).
        let regions: Vec<RegionKey> = feed.regions.iter().filter_map(|r| RegionKey::parse(r)).collect();
        let target = if regions.is_empty() { RegionTarget::Everywhere } else { RegionTarget::Within(regions) };
        self.metrics.posts.with_label_values(&[&feed.name]).inc();
        if feed.mode == Mode::Draft || offer::approval(basis) {
            let new = NewDraft {
                author_id: basis_core::UserId(NO_AUTHOR),
                chat_id: basis_core::ChatId(0),
                content,
                topics: feed.keys(),
                follow_up_of: None,
            };
            let draft = storage.create_draft_to(&new, &target, DraftState::Open, now).await?;
            storage.audit(basis_core::UserId(0), AuditAction::Draft, &draft.to_string(), &via, now).await?;
            let people = match offer::reviewers_within(basis, &feed.keys(), &target).await {
                Ok(people) => people,
                Err(error) => {
                    tracing::warn!(feed = %feed.name, error = %crate::http::error::chain(&error), "could not find whom to offer a feed's draft");
                    return Ok(());
                }
            };
            let name = feed.name.clone();
            let note = |locale: Locale| basis.text_with(locale, "api-feed-offer-note", &[("feed", &name)]);
            match offer::offer_draft(basis, draft, &people, false, note).await {
                Ok(asked) => tracing::info!(feed = %feed.name, draft = %draft, asked, "feed entry offered as a draft"),
                Err(error) => {
                    tracing::warn!(feed = %feed.name, draft = %draft, error = %crate::http::error::chain(&error), "could not offer a feed's draft")
                }
            }
        } else {
            let new = NewBroadcast {
                author_id: basis_core::UserId(0),
                content,
                topics: feed.keys(),
                priority: PRIORITY_NORMAL,
                report_chat_id: None,
                report_locale: Locale::default().code().to_owned(),
                ref_broadcast_id: None,
            };
            let (broadcast, total) = storage.create_broadcast_to(&new, &target, now).await?;
            offer::wake(basis);
            storage
                .audit(
                    basis_core::UserId(0),
                    AuditAction::Post,
                    &broadcast.to_string(),
                    &format!("{via}, {total} chats"),
                    now,
                )
                .await?;
            tracing::info!(feed = %feed.name, broadcast = %broadcast, total, "feed entry posted");
        }
        Ok(())
    }
}

/// A post of an entry: the feed's `format` with `{title}` and `{link}`, or
/// the organisation's texts (title, an empty line, the link), within
/// Telegram's 4096 characters.
fn render(basis: &Basis, feed: &FeedConfig, title: &str, link: &str) -> String {
    let title: String = title.chars().take(3000).collect();
    let text = match &feed.format {
        Some(format) => format.replace("{title}", &title).replace("{link}", link),
        None => basis.text_with(Locale::default(), "api-feed-post", &[("title", &title), ("link", link)]),
    };
    text.trim().chars().take(crate::http::MAX_TEXT).collect()
}

/// The wait after `failures` failures in a row: `every` doubled each time,
/// up to an hour (or `every`, when that is longer).
pub fn backoff(every: Duration, failures: i64) -> Duration {
    let cap = MAX_BACKOFF.max(every);
    let factor = 1u32 << failures.clamp(0, 16) as u32;
    every.checked_mul(factor).map_or(cap, |d| d.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_feed_waits_twice_as_long_each_time_up_to_an_hour() {
        let five = Duration::from_secs(300);
        let waits: Vec<u64> = (1..=6).map(|n| backoff(five, n).as_secs() / 60).collect();
        assert_eq!(waits, vec![10, 20, 40, 60, 60, 60]);
        assert_eq!(backoff(Duration::from_secs(60), 1), Duration::from_secs(120));
        assert_eq!(backoff(Duration::from_secs(7200), 3), Duration::from_secs(7200), "never below every");
        assert_eq!(backoff(five, 1000), Duration::from_secs(3600));
    }
}

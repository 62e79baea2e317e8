//! The configuration parsed once into typed settings (parse, don't
//! validate): a [`Config`] is what the file and the environment say, as
//! text; [`Settings`] is what Basis runs with. Everything that can be wrong
//! is found by [`Config::parse`], with a message naming the setting; after
//! it nothing is parsed again, and no code falls back to a default because
//! a value did not parse.

use std::net::SocketAddr;
use std::time::Duration;

use basis_handlers::{InboxSettings, Locale, TopicKey};
use basis_storage::{RegionKey, RegionSeed, RegionText, TopicSeed, TopicText};
use secrecy::{ExposeSecret, SecretString};

use crate::config::{Config, ConfigError, LogFormat, MAX_REGION_DEPTH, RegionConfig, redact_url};

/// A topic as configured, checked.
#[derive(Clone, Debug)]
pub struct TopicSetting {
    /// The topic's stable id.
    pub key: TopicKey,
    /// Shown before its name; may be empty.
    pub emoji: String,
    /// Name and description per language it has a name in.
    pub texts: Vec<(Locale, String, String)>,
}

/// A region as configured, checked: its parent exists, no circle, at most
/// [`MAX_REGION_DEPTH`] levels.
#[derive(Clone, Debug)]
pub struct RegionSetting {
    /// The region's stable id.
    pub key: RegionKey,
    /// The region it lies in.
    pub parent: Option<RegionKey>,
    /// Name per language it has one in.
    pub names: Vec<(Locale, String)>,
}

/// How fast the bot may send, all messages together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Messages per second (1–1000).
    pub per_second: u32,
    /// Above the free 30/s: `allow_paid_broadcast` on every send.
    pub paid: bool,
}

/// Webhook mode: where Telegram posts updates, and the secret it sends.
#[derive(Clone, Debug)]
pub struct Webhook {
    /// The public URL (http or https, not one of the listener's own paths).
    pub url: url::Url,
    /// `X-Telegram-Bot-Api-Secret-Token`; random when not configured.
    pub secret: Option<SecretString>,
}

/// What Basis runs with: the configuration, parsed and checked.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The bot token; only `basis run` needs it ([`Settings::token`]).
    pub token: Option<SecretString>,
    /// The Bot API's base URL.
    pub api_url: url::Url,
    /// `sqlite://file` or `postgres://…`.
    pub database_url: String,
    /// Telegram user ids with every organizer right.
    pub owners: Vec<basis_core::UserId>,
    /// The send rate.
    pub rate: Rate,
    /// The tracing filter.
    pub log: String,
    /// Text or JSON lines.
    pub log_format: LogFormat,
    /// The organisation's name as members see it.
    pub organisation: String,
    /// The topics, at least one.
    pub topics: Vec<TopicSetting>,
    /// The regions; none by default.
    pub regions: Vec<RegionSetting>,
    /// How long an organizer invitation stays valid.
    pub invite_ttl: Duration,
    /// The deployment's time zone.
    pub timezone: chrono_tz::Tz,
    /// Two-person approval of every post.
    pub approval: bool,
    /// Where the HTTP listener serves; `None`: off.
    pub listen: Option<SocketAddr>,
    /// Webhook mode, or `None` for long polling.
    pub webhook: Option<Webhook>,
    /// Days finished deliveries and closed conversations are kept; 0:
    /// forever.
    pub retention_days: u32,
    /// Updates a minute one sender may send; 0: no flood control.
    pub flood_per_minute: u32,
    /// The privacy notice's version.
    pub privacy_version: u32,
    /// How to reach the controller; may be empty.
    pub privacy_contact: String,
    /// How the organizers' inbox answers.
    pub inbox: InboxSettings,
}

impl Config {
    /// Parses and checks everything, once.
    pub fn parse(&self) -> Result<Settings, ConfigError> {
        let topics = self.parse_topics()?;
        let regions = parse_regions(&self.regions)?;
        let timezone = self.timezone.parse().map_err(|_| ConfigError::Timezone(self.timezone.clone()))?;
        if !(1..=720).contains(&self.invite_hours) {
            return Err(ConfigError::InviteHours(self.invite_hours));
        }
        if !(1..=1000).contains(&self.rate_limit) {
            return Err(ConfigError::RateLimit(self.rate_limit));
        }
        if self.rate_limit > 30 && !self.paid_broadcast {
            return Err(ConfigError::UnpaidRate(self.rate_limit));
        }
        let api_url =
            url::Url::parse(self.api_url.trim()).map_err(|_| ConfigError::ApiUrl(redact_url(&self.api_url)))?;
        let listen = match self.listen.trim() {
            "" | "off" => None,
            listen => Some(listen.parse().map_err(|_| ConfigError::Listen(self.listen.clone()))?),
        };
        let webhook = self.parse_webhook(listen)?;
        if self.retention_days > 36_500 {
            return Err(ConfigError::RetentionDays(self.retention_days));
        }
        Ok(Settings {
            token: self.token.clone().filter(|t| !t.expose_secret().trim().is_empty()),
            api_url,
            database_url: self.database_url.clone(),
            owners: self.owners.iter().copied().map(basis_core::UserId).collect(),
            rate: Rate { per_second: self.rate_limit, paid: self.paid_broadcast },
            log: self.log.clone(),
            log_format: self.log_format,
            organisation: self.organisation.clone(),
            topics,
            regions,
            invite_ttl: Duration::from_secs(u64::from(self.invite_hours) * 3600),
            timezone,
            approval: self.approval,
            listen,
            webhook,
            retention_days: self.retention_days,
            flood_per_minute: self.flood_per_minute,
            privacy_version: self.privacy_version,
            privacy_contact: self.privacy_contact.clone(),
            inbox: InboxSettings { signed: self.inbox_signed, scoped: self.inbox_scoped },
        })
    }

    fn parse_topics(&self) -> Result<Vec<TopicSetting>, ConfigError> {
        if self.topics.is_empty() {
            return Err(ConfigError::NoTopics);
        }
        let mut topics: Vec<TopicSetting> = Vec::with_capacity(self.topics.len());
        for topic in &self.topics {
            let key = TopicKey::parse(&topic.key).ok_or_else(|| ConfigError::InvalidTopicKey(topic.key.clone()))?;
            if topics.iter().any(|t| t.key == key) {
                return Err(ConfigError::DuplicateTopic(topic.key.clone()));
            }
            if topic.name.values().all(|n| n.trim().is_empty()) {
                return Err(ConfigError::UnnamedTopic(topic.key.clone()));
            }
            if let Some(lang) = topic.name.keys().chain(topic.description.keys()).find(|l| Locale::parse(l).is_none()) {
                return Err(ConfigError::UnknownLanguage(topic.key.clone(), lang.clone()));
            }
            let texts = topic
                .name
                .iter()
                .filter_map(|(lang, name)| {
                    let description = topic.description.get(lang).cloned().unwrap_or_default();
                    Some((Locale::parse(lang)?, name.clone(), description))
                })
                .collect();
            topics.push(TopicSetting { key, emoji: topic.emoji.clone(), texts });
        }
        Ok(topics)
    }

    fn parse_webhook(&self, listen: Option<SocketAddr>) -> Result<Option<Webhook>, ConfigError> {
        let secret = match &self.webhook_secret {
            Some(secret) => {
                let text = secret.expose_secret();
                let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
                if !(1..=256).contains(&text.len()) || !text.bytes().all(allowed) {
                    return Err(ConfigError::WebhookSecret);
                }
                Some(secret.clone())
            }
            None => None,
        };
        let Some(raw) = self.webhook_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let bad = || ConfigError::WebhookUrl(redact_url(raw));
        let url = url::Url::parse(raw).map_err(|_| bad())?;
        let reserved = ["/healthz", "/readyz", "/metrics"];
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() || reserved.contains(&url.path()) {
            return Err(bad());
        }
        if listen.is_none() {
            return Err(ConfigError::WebhookWithoutListener);
        }
        Ok(Some(Webhook { url, secret }))
    }
}

/// Keys in the form of topic keys, each once, named, with parents that
/// exist, lead to a top without coming back, and at most
/// [`MAX_REGION_DEPTH`] levels.
fn parse_regions(regions: &[RegionConfig]) -> Result<Vec<RegionSetting>, ConfigError> {
    let mut parsed: Vec<RegionSetting> = Vec::with_capacity(regions.len());
    for region in regions {
        let key = RegionKey::parse(&region.key).ok_or_else(|| ConfigError::InvalidRegionKey(region.key.clone()))?;
        if region.key == "none" {
            return Err(ConfigError::ReservedRegionKey);
        }
        if parsed.iter().any(|r| r.key == key) {
            return Err(ConfigError::DuplicateRegion(region.key.clone()));
        }
        if region.name.values().all(|n| n.trim().is_empty()) {
            return Err(ConfigError::UnnamedRegion(region.key.clone()));
        }
        if let Some(lang) = region.name.keys().find(|l| Locale::parse(l).is_none()) {
            return Err(ConfigError::UnknownRegionLanguage(region.key.clone(), lang.clone()));
        }
        let names = region.name.iter().filter_map(|(lang, name)| Some((Locale::parse(lang)?, name.clone()))).collect();
        parsed.push(RegionSetting { key, parent: None, names });
    }
    for (setting, region) in parsed.iter_mut().zip(regions) {
        if let Some(parent) = &region.parent {
            let known = regions.iter().any(|r| &r.key == parent);
            setting.parent = RegionKey::parse(parent).filter(|_| known);
            if setting.parent.is_none() {
                return Err(ConfigError::UnknownParent(region.key.clone(), parent.clone()));
            }
        }
    }
    let parent_of = |key: &RegionKey| parsed.iter().find(|r| &r.key == key).and_then(|r| r.parent.as_ref());
    for region in &parsed {
        // Walking up from a region: a top within as many steps as there are
        // regions, or the parents go round in a circle.
        let mut depth = 1;
        let mut at = &region.key;
        while let Some(parent) = parent_of(at) {
            if parent == &region.key || depth > parsed.len() {
                return Err(ConfigError::RegionCycle(region.key.as_str().to_owned()));
            }
            depth += 1;
            at = parent;
        }
        if depth > MAX_REGION_DEPTH {
            return Err(ConfigError::RegionTooDeep(region.key.as_str().to_owned(), depth));
        }
    }
    Ok(parsed)
}

impl Settings {
    /// The bot token; [`ConfigError::MissingToken`] when unset or empty.
    pub fn token(&self) -> Result<&SecretString, ConfigError> {
        self.token.as_ref().ok_or(ConfigError::MissingToken)
    }

    /// The configured topics as the database seeds them.
    pub fn topic_seeds(&self) -> Vec<TopicSeed> {
        self.topics
            .iter()
            .map(|t| TopicSeed {
                key: t.key.as_str().to_owned(),
                emoji: t.emoji.clone(),
                texts: t
                    .texts
                    .iter()
                    .map(|(locale, name, description)| TopicText {
                        locale: locale.code().to_owned(),
                        name: name.clone(),
                        description: description.clone(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The configured regions as the database seeds them.
    pub fn region_seeds(&self) -> Vec<RegionSeed> {
        self.regions
            .iter()
            .map(|r| RegionSeed {
                key: r.key.clone(),
                parent: r.parent.clone(),
                texts: r
                    .names
                    .iter()
                    .map(|(locale, name)| RegionText { locale: locale.code().to_owned(), name: name.clone() })
                    .collect(),
            })
            .collect()
    }

    /// One line for the start-up log: everything but secrets.
    pub fn redacted(&self) -> String {
        format!(
            "api_url={} database_url={} owners={:?} rate_limit={}/s paid_broadcast={} organisation={:?} topics=[{}] regions={} \
             token={} listen={} updates={} log_format={:?} retention_days={} inbox_signed={} inbox_scoped={}",
            redact_url(self.api_url.as_str()),
            redact_url(&self.database_url),
            self.owners.iter().map(|o| o.0).collect::<Vec<_>>(),
            self.rate.per_second,
            self.rate.paid,
            self.organisation,
            self.topics.iter().map(|t| t.key.as_str()).collect::<Vec<_>>().join(","),
            self.regions.len(),
            if self.token.is_some() { "[set, redacted]" } else { "[not set]" },
            self.listen.map_or("off".to_owned(), |a| a.to_string()),
            // Only the origin: some put a secret into the webhook's path.
            self.webhook.as_ref().map_or("long polling".to_owned(), |w| format!(
                "webhook at {}/…",
                w.url.origin().ascii_serialization()
            )),
            self.log_format,
            self.retention_days,
            self.inbox.signed,
            self.inbox.scoped,
        )
    }
}

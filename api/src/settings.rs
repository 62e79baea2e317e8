//! The posting API's settings: the `[api]` section of `basis.toml` (the
//! file `BASIS_CONFIG` names) and its `[[feeds]]` entries.
//!
//! ```toml
//! [api]
//! rate_per_minute = 60        # requests per token and minute
//! max_body_bytes = 10485760   # larger bodies get 413
//!
//! [[feeds]]
//! url = "https://example.org/liveblog.rss"
//! topics = ["strikes"]
//! mode = "draft"              # or "send"
//! every = "5m"                # 30s, 5m, 1h or seconds
//! ```

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

/// What a new entry or request becomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Queued at once (unless two-person approval is on).
    Send,
    /// Offered in Telegram with Send / Discard; nothing goes out before Send.
    #[default]
    Draft,
}

/// One `[[feeds]]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedConfig {
    /// Names the feed in `/metrics`, the logs and the audit log.
    pub name: String,
    /// The RSS 2.0 or Atom document.
    pub url: String,
    /// Topic keys its entries are posted to.
    pub topics: Vec<String>,
    /// Region keys or names: its entries reach only followers there (a
    /// feed naming an unknown region is not polled).
    pub regions: Vec<String>,
    /// `draft` (default) or `send`.
    pub mode: Mode,
    /// How often it is polled while it answers (default 5 min).
    pub every: Duration,
    /// How an entry reads: `{title}` and `{link}` are replaced; by default
    /// the title, an empty line and the link.
    pub format: Option<String>,
}

impl FeedConfig {
    /// The topics its entries are posted to, as a list: keys the catalog
    /// knows once the feed's names were resolved at start.
    pub fn keys(&self) -> basis_core::TopicList {
        basis_core::TopicList::from_stored(&self.topics.join(","))
    }
}

/// Everything the plugin is configured with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Requests per token and minute (a burst of as many, then evenly).
    pub rate_per_minute: u32,
    /// Larger request bodies are answered 413.
    pub max_body_bytes: usize,
    /// The feeds to poll.
    pub feeds: Vec<FeedConfig>,
    /// How long one feed request may take.
    pub feed_timeout: Duration,
    /// Larger feed documents count as a failure.
    pub feed_max_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rate_per_minute: 60,
            max_body_bytes: 10 * 1024 * 1024,
            feeds: Vec::new(),
            feed_timeout: Duration::from_secs(10),
            feed_max_bytes: 2 * 1024 * 1024,
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApi {
    rate_per_minute: Option<u32>,
    max_body_bytes: Option<usize>,
    feed_timeout: Option<Every>,
    feed_max_bytes: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    url: String,
    topics: Vec<String>,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    mode: Mode,
    every: Option<Every>,
    name: Option<String>,
    format: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Every {
    Seconds(u64),
    Text(String),
}

impl Every {
    fn duration(&self) -> Result<Duration, String> {
        match self {
            Every::Seconds(s) => Ok(Duration::from_secs(*s)),
            Every::Text(text) => parse_duration(text).ok_or_else(|| format!("`{text}` is not a duration like 5m")),
        }
    }
}

/// `30s`, `5m`, `1h`, `90` (seconds).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = digits.parse().ok()?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" | "min" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

impl Settings {
    /// The `[api]` section and the `[[feeds]]` of `file` (missing is fine:
    /// defaults, no feeds).
    pub fn load(file: &Path) -> Result<Settings, String> {
        use figment::Figment;
        use figment::providers::{Format, Toml};
        let figment = Figment::new().merge(Toml::file(file));
        let api: RawApi = match figment.contains("api") {
            true => figment.extract_inner("api").map_err(|e| format!("[api]: {e}"))?,
            false => RawApi::default(),
        };
        let feeds: Vec<RawFeed> = match figment.contains("feeds") {
            true => figment.extract_inner("feeds").map_err(|e| format!("[[feeds]]: {e}"))?,
            false => Vec::new(),
        };
        let defaults = Settings::default();
        let mut settings = Settings {
            rate_per_minute: api.rate_per_minute.unwrap_or(defaults.rate_per_minute),
            max_body_bytes: api.max_body_bytes.unwrap_or(defaults.max_body_bytes),
            feed_timeout: api.feed_timeout.map(|e| e.duration()).transpose()?.unwrap_or(defaults.feed_timeout),
            feed_max_bytes: api.feed_max_bytes.unwrap_or(defaults.feed_max_bytes),
            feeds: Vec::new(),
        };
        if settings.rate_per_minute == 0 {
            return Err("[api] rate_per_minute must be at least 1".into());
        }
        for raw in feeds {
            let feed = feed_of(raw)?;
            if settings.feeds.iter().any(|f| f.name == feed.name || f.url == feed.url) {
                return Err(format!("[[feeds]]: `{}` is configured twice (give each feed its own name)", feed.name));
            }
            settings.feeds.push(feed);
        }
        Ok(settings)
    }
}

fn feed_of(raw: RawFeed) -> Result<FeedConfig, String> {
    let url = reqwest::Url::parse(&raw.url).map_err(|_| format!("[[feeds]]: `{}` is not a URL", raw.url))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("[[feeds]]: `{}` is not an http(s) URL", raw.url));
    }
    if raw.topics.is_empty() {
        return Err(format!("[[feeds]]: `{}` names no topics", raw.url));
    }
    let every = raw.every.map(|e| e.duration()).transpose()?.unwrap_or(Duration::from_secs(300));
    if every < Duration::from_secs(1) {
        return Err(format!("[[feeds]]: `{}` is polled too often (every must be at least 1s)", raw.url));
    }
    let name = raw.name.unwrap_or_else(|| url.host_str().unwrap_or("feed").to_owned());
    if name.is_empty() || name.len() > 64 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
        return Err(format!("[[feeds]]: name `{name}` must be 1–64 of a-z, A-Z, 0-9, . _ -"));
    }
    Ok(FeedConfig {
        name,
        url: raw.url,
        topics: raw.topics,
        regions: raw.regions,
        mode: raw.mode,
        every,
        format: raw.format,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        for bad in ["", "m", "5 weeks", "-5m", "1.5h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn feeds_come_from_the_configuration_file_with_their_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("basis.toml");
        std::fs::write(
            &file,
            "organisation = \"IG Beispiel\"\n[api]\nrate_per_minute = 10\n\n\
             [[feeds]]\nurl = \"https://example.org/blog.rss\"\ntopics = [\"strikes\"]\n\n\
             [[feeds]]\nname = \"press\"\nurl = \"http://127.0.0.1:9/atom\"\ntopics = [\"energy\"]\nmode = \"send\"\nevery = \"30s\"\n",
        )
        .unwrap();
        let settings = Settings::load(&file).unwrap();
        assert_eq!(settings.rate_per_minute, 10);
        assert_eq!(settings.feeds.len(), 2);
        let blog = &settings.feeds[0];
        assert_eq!((blog.name.as_str(), blog.mode, blog.every), ("example.org", Mode::Draft, Duration::from_secs(300)));
        let press = &settings.feeds[1];
        assert_eq!((press.name.as_str(), press.mode, press.every), ("press", Mode::Send, Duration::from_secs(30)));

        std::fs::write(&file, "[[feeds]]\nurl = \"ftp://example.org/x\"\ntopics = [\"strikes\"]\n").unwrap();
        assert!(Settings::load(&file).unwrap_err().contains("not an http(s) URL"));
        std::fs::write(&file, "[[feeds]]\nurl = \"https://example.org/x\"\ntopics = []\n").unwrap();
        assert!(Settings::load(&file).unwrap_err().contains("names no topics"));
        std::fs::write(&file, "[[feeds]]\nurl = \"https://example.org/x\"\ntopics = [\"a\"]\nmode = \"shout\"\n")
            .unwrap();
        assert!(Settings::load(&file).unwrap_err().contains("[[feeds]]"));
        assert_eq!(Settings::load(&dir.path().join("missing.toml")).unwrap(), Settings::default());
    }
}

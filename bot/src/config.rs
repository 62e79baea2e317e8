//! Configuration in layers: built-in defaults, then `basis.toml`, then
//! `BASIS_*` environment variables (the environment wins).

use std::collections::BTreeMap;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::telemetry::LogFormat;

/// Telegram's own Bot API server, the default `BASIS_API_URL`.
pub const TELEGRAM_API_URL: &str = "https://api.telegram.org";

/// One `[[topics]]` entry of `basis.toml`: a topic members can follow.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct TopicConfig {
    /// The topic's stable id: 1–32 characters of `a-z`, `0-9`, `_` and `-`.
    pub key: String,
    /// Shown before the topic's name; may be empty.
    #[serde(default)]
    pub emoji: String,
    /// Name per language code (`de`, `en`).
    pub name: BTreeMap<String, String>,
    /// The topic's description per language code; may be left out.
    #[serde(default)]
    pub description: BTreeMap<String, String>,
}

/// One `[[regions]]` entry of `basis.toml`: a place members can say they
/// are in, such as a Land, a district or a plant.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct RegionConfig {
    /// The region's stable id, in the form of a topic key.
    pub key: String,
    /// Name per language code (`de`, `en`).
    pub name: BTreeMap<String, String>,
    /// The key of the region it lies in, whose posts reach it too; none
    /// for a region at the top.
    #[serde(default)]
    pub parent: Option<String>,
}

/// The deepest a region may lie: a region at the top, one below it, one
/// below that (Land → Bezirk → Betrieb).
pub const MAX_REGION_DEPTH: usize = 3;

/// The effective configuration: defaults, then `basis.toml`, then `BASIS_*`
/// variables. Each field is the `basis.toml` key of the same name and, all
/// but `topics` and `regions`, the variable `BASIS_<NAME>` (see README,
/// *Configuration*).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Config {
    /// The bot token from @BotFather. Required for `basis run`.
    #[serde(default, skip_serializing)]
    pub token: Option<SecretString>,
    /// Bot API base URL; requests go to `<api_url>/bot<token>/<method>`.
    pub api_url: String,
    /// `sqlite://file` (created when missing) or `postgres://user@host/db`.
    pub database_url: String,
    /// Telegram user ids with every organizer right.
    #[serde(deserialize_with = "id_list")]
    pub owners: Vec<i64>,
    /// Messages per second, broadcasts and replies together.
    pub rate_limit: u32,
    /// Above 30/s Telegram needs `allow_paid_broadcast` (0.1 Stars each).
    pub paid_broadcast: bool,
    /// tracing filter, e.g. `info` or `basis=debug,info`.
    pub log: String,
    /// The organisation's name as members see it.
    pub organisation: String,
    /// The topics members can follow; they seed the database on every start.
    pub topics: Vec<TopicConfig>,
    /// Where members can say they are; none by default, and then nothing
    /// about regions is shown. They seed the database on every start.
    #[serde(default)]
    pub regions: Vec<RegionConfig>,
    /// Hours an organizer invitation stays valid.
    pub invite_hours: u32,
    /// The time zone organizers' times are read and shown in (IANA name).
    pub timezone: String,
    /// Two-person approval of every post.
    pub approval: bool,
    /// Where `/healthz`, `/readyz`, `/metrics` (and the webhook) are served;
    /// `""` or `off`: no listener.
    pub listen: String,
    /// The public HTTPS URL Telegram posts updates to; unset: long polling.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Sent by Telegram with every webhook request; random when unset.
    #[serde(default, skip_serializing, deserialize_with = "lenient_secret")]
    pub webhook_secret: Option<SecretString>,
    /// `text` or `json` (one object per line).
    pub log_format: LogFormat,
    /// Days the delivery rows of finished broadcasts are kept; 0: forever.
    pub retention_days: u32,
    /// Updates a minute one sender may send before being throttled; 0: off.
    pub flood_per_minute: u32,
    /// The privacy notice's version: raising it shows the notice once to
    /// every chat that saw an older one.
    pub privacy_version: u32,
    /// How to reach the controller, named in the privacy notice.
    pub privacy_contact: String,
    /// Answers from the organizers' inbox carry the answering organizer's
    /// first name; off: they come from the team.
    pub inbox_signed: bool,
    /// Organizers limited to topics answer only the members who follow one
    /// of them; off: every organizer answers every member.
    pub inbox_scoped: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token: None,
            api_url: TELEGRAM_API_URL.to_owned(),
            database_url: "sqlite://basis.db".to_owned(),
            owners: Vec::new(),
            rate_limit: 30,
            paid_broadcast: false,
            log: "info".to_owned(),
            organisation: "Basis".to_owned(),
            topics: default_topics(),
            regions: Vec::new(),
            invite_hours: 24,
            timezone: "Europe/Berlin".to_owned(),
            approval: false,
            listen: "127.0.0.1:8080".to_owned(),
            webhook_url: None,
            webhook_secret: None,
            log_format: LogFormat::Text,
            retention_days: 30,
            flood_per_minute: 30,
            privacy_version: 1,
            privacy_contact: String::new(),
            inbox_signed: false,
            inbox_scoped: false,
        }
    }
}

/// Why the configuration was refused, with a message for the operator.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration is invalid: {0}")]
    /// The file or a variable could not be read or has the wrong type.
    Load(#[from] Box<figment::Error>),
    #[error(
        "BASIS_TOKEN is not set. Ask @BotFather in Telegram for a token (/newbot) and start with BASIS_TOKEN=<token> basis run"
    )]
    /// No bot token, or an empty one.
    MissingToken,
    #[error("topic key `{0}` is invalid: use 1–32 characters of a-z, 0-9, _ and -")]
    /// A topic key outside 1–32 characters of `a-z`, `0-9`, `_` and `-`.
    InvalidTopicKey(String),
    #[error("topic `{0}` is listed twice")]
    /// Two topics with the same key.
    DuplicateTopic(String),
    #[error("topic `{0}` needs a name")]
    /// A topic without a name in any language.
    UnnamedTopic(String),
    #[error("topic `{0}` has a name in unknown language `{1}` (known: de, en)")]
    /// A topic's name or description in a language Basis has no texts for
    /// (topic key, language code).
    UnknownLanguage(String, String),
    #[error("region key `{0}` is invalid: use 1–32 characters of a-z, 0-9, _ and -")]
    /// A region key outside 1–32 characters of `a-z`, `0-9`, `_` and `-`.
    InvalidRegionKey(String),
    #[error("region key `none` is reserved: `/region none` clears a member's region")]
    /// A region keyed `none`, which `/region none` could not choose.
    ReservedRegionKey,
    #[error("region `{0}` is listed twice")]
    /// Two regions with the same key.
    DuplicateRegion(String),
    #[error("region `{0}` needs a name")]
    /// A region without a name in any language.
    UnnamedRegion(String),
    #[error("region `{0}` has a name in unknown language `{1}` (known: de, en)")]
    /// A region's name in a language Basis has no texts for (region key,
    /// language code).
    UnknownRegionLanguage(String, String),
    #[error("region `{0}` names parent `{1}`, which is not a configured region")]
    /// A region whose parent is not among the regions (region key, parent).
    UnknownParent(String, String),
    #[error("region `{0}` lies within itself: its parents lead back to it")]
    /// A region whose chain of parents comes back to it.
    RegionCycle(String),
    #[error("region `{0}` lies {1} levels deep; at most 3 (for example Land → Bezirk → Betrieb)")]
    /// A region more than [`MAX_REGION_DEPTH`] levels deep (region key,
    /// its depth).
    RegionTooDeep(String, usize),
    #[error("BASIS_TIMEZONE `{0}` is not a time zone name like Europe/Berlin")]
    /// `timezone` is not an IANA time zone name.
    Timezone(String),
    #[error("BASIS_INVITE_HOURS must be between 1 and 720, not {0}")]
    /// `invite_hours` outside 1–720.
    InviteHours(u32),
    #[error("no topics configured")]
    /// The topic list is empty.
    NoTopics,
    #[error("BASIS_RATE_LIMIT must be between 1 and 1000, not {0}")]
    /// `rate_limit` outside 1–1000.
    RateLimit(u32),
    #[error(
        "BASIS_RATE_LIMIT={0} is above Telegram's free 30/s: set BASIS_PAID_BROADCAST=true (each message above 30/s costs 0.1 Stars)"
    )]
    /// `rate_limit` above 30/s without `paid_broadcast`.
    UnpaidRate(u32),
    #[error("BASIS_LISTEN `{0}` is not an address like 127.0.0.1:8080 (or `off`)")]
    /// `listen` is neither a socket address nor `off` or empty.
    Listen(String),
    #[error("BASIS_WEBHOOK_URL `{0}` is not an http(s) URL outside /healthz, /readyz and /metrics")]
    /// `webhook_url` is not an http(s) URL with a host, or its path is one
    /// of the listener's own (password redacted).
    WebhookUrl(String),
    #[error("BASIS_WEBHOOK_URL needs the listener: set BASIS_LISTEN to the address the webhook is forwarded to")]
    /// `webhook_url` is set while the listener is off.
    WebhookWithoutListener,
    #[error("BASIS_WEBHOOK_SECRET must be 1–256 characters of A-Z, a-z, 0-9, _ and -")]
    /// `webhook_secret` is not 1–256 characters of `A-Z a-z 0-9 _ -`.
    WebhookSecret,
    #[error("BASIS_API_URL `{0}` is not a URL")]
    /// `api_url` does not parse as a URL (password redacted).
    ApiUrl(String),
    #[error("BASIS_RETENTION_DAYS must be at most 36500, not {0}")]
    /// `retention_days` above 36500.
    RetentionDays(u32),
}

impl Config {
    /// Reads `path` (a missing file is fine) and the environment, as text;
    /// [`Config::parse`] makes the settings Basis runs with.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::from_figment(Figment::from(Serialized::defaults(Config::default())).merge(Toml::file(path)).merge(env()))
    }

    /// Extracts a configuration from already merged sources (tests build
    /// their own); [`Config::parse`] checks it.
    pub fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        Ok(figment.extract().map_err(Box::new)?)
    }
}

/// Only the variables Basis documents, so that e.g. `BASIS_TEST_POSTGRES_URL`
/// never leaks into the configuration.
fn env() -> Env {
    Env::prefixed("BASIS_").only(&[
        "token",
        "api_url",
        "database_url",
        "owners",
        "rate_limit",
        "paid_broadcast",
        "log",
        "organisation",
        "invite_hours",
        "timezone",
        "approval",
        "listen",
        "webhook_url",
        "webhook_secret",
        "log_format",
        "retention_days",
        "flood_per_minute",
        "privacy_version",
        "privacy_contact",
        "inbox_signed",
        "inbox_scoped",
    ])
}

/// Hides a password inside a URL (`postgres://user:secret@host/db`).
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("redacted"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

/// A secret that the environment's parser may have read as a number or a
/// boolean (`BASIS_WEBHOOK_SECRET=123456`): taken as the text it was.
fn lenient_secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SecretString>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Int(i64),
        UInt(u64),
        Bool(bool),
    }
    Ok(Option::<Raw>::deserialize(deserializer)?.map(|raw| {
        let text = match raw {
            Raw::Text(text) => text,
            Raw::Int(n) => n.to_string(),
            Raw::UInt(n) => n.to_string(),
            Raw::Bool(b) => b.to_string(),
        };
        SecretString::from(text)
    }))
}

/// `1,2,3` from the environment, or a TOML array, or one number.
fn id_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Ids {
        One(i64),
        Many(Vec<i64>),
        Text(String),
    }
    match Ids::deserialize(deserializer)? {
        Ids::One(id) => Ok(vec![id]),
        Ids::Many(ids) => Ok(ids),
        Ids::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<i64>().map_err(|_| serde::de::Error::custom(format!("`{s}` is not a Telegram user id"))))
            .collect(),
    }
}

fn default_topics() -> Vec<TopicConfig> {
    let topic = |key: &str, emoji: &str, de: (&str, &str), en: (&str, &str)| TopicConfig {
        key: key.to_owned(),
        emoji: emoji.to_owned(),
        name: BTreeMap::from([("de".to_owned(), de.0.to_owned()), ("en".to_owned(), en.0.to_owned())]),
        description: BTreeMap::from([("de".to_owned(), de.1.to_owned()), ("en".to_owned(), en.1.to_owned())]),
    };
    vec![
        topic(
            "energy",
            "⚡",
            ("Energie & Klima", "Energiewende, Strompreise, Klimaschutz"),
            ("Energy & climate", "Energy transition, power prices, climate protection"),
        ),
        topic(
            "europe",
            "🇪🇺",
            ("Europa", "Europäische Politik und Wahlen"),
            ("Europe", "European politics and elections"),
        ),
        topic(
            "strikes",
            "✊",
            ("Streiks", "Tarifrunden, Streiks und Kundgebungen"),
            ("Strikes", "Wage rounds, strikes and rallies"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use basis_handlers::Locale;
    use basis_storage::RegionKey;

    use super::*;

    fn load(toml: &str, env: &[(&str, &str)]) -> Result<crate::Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(toml));
        for (key, value) in env {
            figment = figment.merge((key.to_string(), value.to_string()));
        }
        Config::from_figment(figment)?.parse()
    }

    #[test]
    fn defaults_need_no_file() {
        let config = load("", &[]).unwrap();
        assert_eq!(config.database_url, "sqlite://basis.db");
        assert_eq!(config.rate.per_second, 30);
        assert_eq!(config.timezone, chrono_tz::Europe::Berlin);
        assert_eq!(config.listen, Some("127.0.0.1:8080".parse().unwrap()));
        assert!(config.webhook.is_none());
        let keys: Vec<_> = config.topics.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["energy", "europe", "strikes"]);
        assert!(config.topics[0].texts.contains(&(
            Locale::En,
            "Energy & climate".into(),
            "Energy transition, power prices, climate protection".into()
        )));
        assert!(matches!(config.token(), Err(ConfigError::MissingToken)));
    }

    #[test]
    fn owners_come_as_comma_separated_text_or_array() {
        assert_eq!(load("owners = \"1, 22,333\"", &[]).unwrap().owners, [1, 22, 333].map(basis_core::UserId));
        assert_eq!(load("owners = [5, 6]", &[]).unwrap().owners, [5, 6].map(basis_core::UserId));
        assert!(load("owners = \"1,x\"", &[]).is_err());
    }

    #[test]
    fn bad_topics_are_refused_with_a_reason() {
        let bad_key = "[[topics]]\nkey = \"Energy Now\"\nname = { de = \"E\" }";
        assert!(matches!(load(bad_key, &[]), Err(ConfigError::InvalidTopicKey(_))));
        let twice = "[[topics]]\nkey = \"a\"\nname = { de = \"A\" }\n[[topics]]\nkey = \"a\"\nname = { de = \"B\" }";
        assert!(matches!(load(twice, &[]), Err(ConfigError::DuplicateTopic(_))));
        let french = "[[topics]]\nkey = \"a\"\nname = { fr = \"A\" }";
        assert!(matches!(load(french, &[]), Err(ConfigError::UnknownLanguage(..))));
        assert!(matches!(load("rate_limit = 0", &[]), Err(ConfigError::RateLimit(0))));
    }

    /// `[[regions]]` entries: `(key, parent)`, each named in German.
    fn regions(entries: &[(&str, Option<&str>)]) -> String {
        entries
            .iter()
            .map(|(key, parent)| {
                let parent = parent.map(|p| format!("parent = \"{p}\"\n")).unwrap_or_default();
                format!("[[regions]]\nkey = \"{key}\"\nname = {{ de = \"{key}\" }}\n{parent}")
            })
            .collect()
    }

    #[test]
    fn regions_are_none_by_default_and_seeded_as_configured() {
        assert!(load("", &[]).unwrap().regions.is_empty());
        let toml = "[[regions]]\nkey = \"niedersachsen\"\nname = { de = \"Niedersachsen\", en = \"Lower Saxony\" }\n\
                    [[regions]]\nkey = \"wolfsburg\"\nname = { de = \"Wolfsburg\", en = \"Wolfsburg\" }\n\
                    parent = \"niedersachsen\"\n";
        let config = load(toml, &[]).unwrap();
        let seeds = config.region_seeds();
        let keys: Vec<(&str, Option<&str>)> =
            seeds.iter().map(|s| (s.key.as_str(), s.parent.as_ref().map(RegionKey::as_str))).collect();
        assert_eq!(keys, [("niedersachsen", None), ("wolfsburg", Some("niedersachsen"))]);
        let names: Vec<(&str, &str)> = seeds[0].texts.iter().map(|t| (t.locale.as_str(), t.name.as_str())).collect();
        assert_eq!(names, [("de", "Niedersachsen"), ("en", "Lower Saxony")]);
        assert!(config.redacted().contains("regions=2"));
    }

    #[test]
    fn a_flat_list_and_three_levels_are_fine() {
        assert!(load(&regions(&[("wolfsburg", None), ("kassel", None)]), &[]).is_ok());
        // Listed in any order: a child may come before its parent.
        let tree =
            regions(&[("vw-werk", Some("wolfsburg")), ("wolfsburg", Some("niedersachsen")), ("niedersachsen", None)]);
        assert!(load(&tree, &[]).is_ok());
    }

    #[test]
    fn bad_regions_are_refused_with_a_reason() {
        let refused = |entries: &[(&str, Option<&str>)]| load(&regions(entries), &[]).unwrap_err();
        assert!(matches!(refused(&[("Wolfsburg", None)]), ConfigError::InvalidRegionKey(k) if k == "Wolfsburg"));
        assert!(matches!(refused(&[("none", None)]), ConfigError::ReservedRegionKey));
        assert!(matches!(refused(&[("a", None), ("a", None)]), ConfigError::DuplicateRegion(k) if k == "a"));
        assert!(matches!(
            refused(&[("wolfsburg", Some("niedersachsen"))]),
            ConfigError::UnknownParent(k, p) if k == "wolfsburg" && p == "niedersachsen"
        ));
        assert!(matches!(refused(&[("a", Some("a"))]), ConfigError::RegionCycle(k) if k == "a"));
        assert!(matches!(
            refused(&[("a", Some("b")), ("b", Some("c")), ("c", Some("a"))]),
            ConfigError::RegionCycle(_)
        ));
        let four_deep =
            [("land", None), ("bezirk", Some("land")), ("betrieb", Some("bezirk")), ("halle", Some("betrieb"))];
        assert!(matches!(refused(&four_deep), ConfigError::RegionTooDeep(k, 4) if k == "halle"));
        let unnamed = "[[regions]]\nkey = \"a\"\nname = { de = \" \" }";
        assert!(matches!(load(unnamed, &[]), Err(ConfigError::UnnamedRegion(_))));
        let french = "[[regions]]\nkey = \"a\"\nname = { fr = \"A\" }";
        assert!(matches!(load(french, &[]), Err(ConfigError::UnknownRegionLanguage(k, l)) if k == "a" && l == "fr"));
        let message = refused(&[("a", Some("b")), ("b", Some("a"))]).to_string();
        assert_eq!(message, "region `a` lies within itself: its parents lead back to it");
    }

    #[test]
    fn inbox_answers_come_from_the_team_unless_signed() {
        let config = load("", &[]).unwrap();
        assert!(!config.inbox.signed && !config.inbox.scoped);
        let config = load("inbox_signed = true\ninbox_scoped = true", &[]).unwrap();
        assert!(config.inbox.signed && config.inbox.scoped);
        assert!(config.redacted().contains("inbox_signed=true"));
    }

    #[test]
    fn secrets_stay_out_of_the_summary() {
        let config = load("token = \"123:very-secret\"\ndatabase_url = \"postgres://u:pw@h/db\"", &[]).unwrap();
        let line = config.redacted();
        assert!(!line.contains("very-secret") && !line.contains(":pw@"), "{line}");
        assert!(line.contains("postgres://u:redacted@h/db"), "{line}");
        assert!(!format!("{config:?}").contains("very-secret"));
    }
}

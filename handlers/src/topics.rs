//! The topics members can choose, held in memory after the configuration
//! seeded the database (they only change at start-up).

use basis_storage::Topic;

use crate::i18n::Locale;

pub use basis_core::TopicKey;

/// A topic as members see it, with its name and description in every
/// language.
#[derive(Clone, Debug)]
pub struct CatalogTopic {
    /// The stable key, as in `/subscribe energy`.
    pub key: TopicKey,
    /// Shown before the name; may be empty.
    pub emoji: String,
    names: [(String, String); 2],
}

impl CatalogTopic {
    /// `Energie & Klima`: the name in `locale`, without the emoji.
    pub fn name(&self, locale: Locale) -> &str {
        &self.names[locale as usize].0
    }

    /// What the topic is about, in `locale`; may be empty.
    pub fn description(&self, locale: Locale) -> &str {
        &self.names[locale as usize].1
    }

    /// `⚡ Energie & Klima`
    pub fn label(&self, locale: Locale) -> String {
        if self.emoji.is_empty() {
            self.name(locale).to_owned()
        } else {
            format!("{} {}", self.emoji, self.name(locale))
        }
    }
}

/// Every topic members can choose, in the configured order.
#[derive(Clone, Debug, Default)]
pub struct TopicCatalog {
    topics: Vec<CatalogTopic>,
}

impl TopicCatalog {
    /// Builds the catalog from stored topics, leaving retired ones out. A
    /// missing translation falls back to the other language, then the key.
    pub fn from_stored(stored: &[Topic]) -> TopicCatalog {
        let topics = stored
            .iter()
            .filter(|t| !t.retired)
            .filter_map(|t| {
                let key = TopicKey::parse(&t.key)?;
                let text = |locale: Locale| {
                    t.texts.iter().find(|x| x.locale == locale.code()).map(|x| (x.name.clone(), x.description.clone()))
                };
                let fallback = || (t.key.clone(), String::new());
                let de = text(Locale::De).or_else(|| text(Locale::En)).unwrap_or_else(fallback);
                let en = text(Locale::En).unwrap_or_else(|| de.clone());
                Some(CatalogTopic { key, emoji: t.emoji.clone(), names: [de, en] })
            })
            .collect();
        TopicCatalog { topics }
    }

    /// Every topic, in the configured order.
    pub fn all(&self) -> &[CatalogTopic] {
        &self.topics
    }

    /// The topic with exactly this key.
    pub fn get(&self, key: &str) -> Option<&CatalogTopic> {
        self.topics.iter().find(|t| t.key.as_str() == key)
    }

    /// What a member typed: the key or a localized name, in any case, with
    /// or without the emoji.
    pub fn find(&self, input: &str) -> Option<&CatalogTopic> {
        let wanted = normalize(input);
        if wanted.is_empty() {
            return None;
        }
        self.topics.iter().find(|t| {
            t.key.as_str() == wanted
                || Locale::ALL.iter().any(|&l| normalize(t.name(l)) == wanted || normalize(&t.label(l)) == wanted)
        })
    }

    /// One line per topic: `⚡ Energie & Klima — /subscribe energy`.
    pub fn listing(&self, locale: Locale) -> String {
        self.topics
            .iter()
            .map(|t| format!("{} — /subscribe {}", t.label(locale), t.key.as_str()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Localized labels of the given keys, one per line, in catalog order.
    pub fn labels_of<K: AsRef<str>>(&self, keys: &[K], locale: Locale) -> Vec<String> {
        self.topics
            .iter()
            .filter(|t| keys.iter().any(|k| k.as_ref() == t.key.as_str()))
            .map(|t| t.label(locale))
            .collect()
    }
}

fn normalize(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use basis_storage::TopicText;

    fn catalog() -> TopicCatalog {
        let text = |locale: &str, name: &str| TopicText {
            locale: locale.into(),
            name: name.into(),
            description: String::new(),
        };
        TopicCatalog::from_stored(&[
            Topic {
                key: "energy".into(),
                emoji: "⚡".into(),
                position: 0,
                retired: false,
                texts: vec![text("de", "Energie & Klima"), text("en", "Energy & climate")],
            },
            Topic { key: "europe".into(), emoji: "🇪🇺".into(), position: 1, retired: true, texts: vec![] },
            Topic {
                key: "strikes".into(),
                emoji: String::new(),
                position: 2,
                retired: false,
                texts: vec![text("de", "Streiks")],
            },
        ])
    }

    #[test]
    fn topics_are_found_by_key_or_localized_name_in_any_case() {
        let c = catalog();
        assert_eq!(c.find("energy").unwrap().key.as_str(), "energy");
        assert_eq!(c.find("ENERGY").unwrap().key.as_str(), "energy");
        assert_eq!(c.find("energie & klima").unwrap().key.as_str(), "energy");
        assert_eq!(c.find("  Energy   &  Climate ").unwrap().key.as_str(), "energy");
        assert_eq!(c.find("⚡ Energie & Klima").unwrap().key.as_str(), "energy");
        assert_eq!(c.find("STREIKS").unwrap().key.as_str(), "strikes");
        assert!(c.find("europe").is_none(), "retired topics are hidden");
        assert!(c.find("").is_none());
        assert!(c.find("عربي").is_none());
    }

    #[test]
    fn a_missing_translation_falls_back() {
        let c = catalog();
        assert_eq!(c.get("strikes").unwrap().name(Locale::En), "Streiks");
        assert_eq!(c.get("strikes").unwrap().label(Locale::De), "Streiks");
    }

    #[test]
    fn topic_keys_are_short_and_plain() {
        assert!(TopicKey::parse("strikes").is_some());
        assert!(TopicKey::parse("ig-metall_2026").is_some());
        assert!(TopicKey::parse("").is_none());
        assert!(TopicKey::parse("Strikes").is_none());
        assert!(TopicKey::parse("a b").is_none());
        assert!(TopicKey::parse(&"x".repeat(33)).is_none());
        assert!(TopicKey::parse("ümlaut").is_none());
    }
}

//! Topics are configuration: the config file seeds them on every start.

use std::collections::BTreeMap;

use crate::{Result, Storage, on_pool};

/// A topic's name and description in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicText {
    /// The language, such as `de`.
    pub locale: String,
    /// The topic's name, as members see it.
    pub name: String,
    /// What the topic is about.
    pub description: String,
}

/// A topic as the configuration declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicSeed {
    /// The topic's key, the same in every language.
    pub key: String,
    /// The emoji shown before its name.
    pub emoji: String,
    /// Its name and description per language.
    pub texts: Vec<TopicText>,
}

/// A topic as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topic {
    /// The topic's key.
    pub key: String,
    /// The emoji shown before its name.
    pub emoji: String,
    /// Its place in the configured order, from 0.
    pub position: i64,
    /// No longer in the configuration: kept with its subscriptions, hidden
    /// from members, until an operator removes it on purpose.
    pub retired: bool,
    /// Its name and description per language.
    pub texts: Vec<TopicText>,
}

/// What seeding changed, for the start-up log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Keys of topics that were new.
    pub added: Vec<String>,
    /// Keys of topics the configuration no longer lists.
    pub retired: Vec<String>,
}

impl SeedReport {
    /// What seeding `configured` keys over the `known` ones (key, retired)
    /// changes: the keys that are new, and the current ones no longer
    /// configured.
    pub(crate) fn between<'a>(
        known: &[(String, bool)],
        configured: impl Iterator<Item = &'a str> + Clone,
    ) -> SeedReport {
        let added = configured.clone().filter(|c| !known.iter().any(|(key, _)| key == c)).map(str::to_owned).collect();
        let retired = known
            .iter()
            .filter(|(key, retired)| !retired && !configured.clone().any(|c| c == key))
            .map(|(key, _)| key.clone())
            .collect();
        SeedReport { added, retired }
    }
}

impl Storage {
    /// Adds new topics, refreshes names, order and emoji of known ones, and
    /// retires (never deletes) topics the configuration no longer lists.
    pub async fn seed_topics(&self, seeds: &[TopicSeed], now: i64) -> Result<SeedReport> {
        let _turn = self.write_turn().await;
        let known: Vec<(String, bool)> =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT key, retired FROM topics").fetch_all(p).await)?;
        let report = SeedReport::between(&known, seeds.iter().map(|s| s.key.as_str()));

        on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            for (position, seed) in seeds.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO topics (key, emoji, position, retired, created_at) \
                     VALUES ($1, $2, $3, FALSE, $4) \
                     ON CONFLICT (key) DO UPDATE SET emoji = $2, position = $3, retired = FALSE",
                )
                .bind(&seed.key)
                .bind(&seed.emoji)
                .bind(position as i64)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                for text in &seed.texts {
                    sqlx::query(
                        "INSERT INTO topic_texts (topic_key, locale, name, description) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (topic_key, locale) \
                         DO UPDATE SET name = $3, description = $4",
                    )
                    .bind(&seed.key)
                    .bind(&text.locale)
                    .bind(&text.name)
                    .bind(&text.description)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            for key in &report.retired {
                sqlx::query("UPDATE topics SET retired = TRUE WHERE key = $1").bind(key).execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(report)
    }

    /// All topics, current ones first in configured order.
    pub async fn topics(&self) -> Result<Vec<Topic>> {
        let rows: Vec<(String, String, i64, bool)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT key, emoji, position, retired FROM topics ORDER BY retired, position, key"
        )
        .fetch_all(p)
        .await)?;
        let texts: Vec<(String, String, String, String)> = on_pool!(&self.pool, |p| {
            sqlx::query_as(
                "SELECT topic_key, locale, name, description FROM topic_texts \
                 ORDER BY topic_key, locale",
            )
            .fetch_all(p)
            .await
        })?;
        let mut by_topic: BTreeMap<String, Vec<TopicText>> = BTreeMap::new();
        for (key, locale, name, description) in texts {
            by_topic.entry(key).or_default().push(TopicText { locale, name, description });
        }
        Ok(rows
            .into_iter()
            .map(|(key, emoji, position, retired)| Topic {
                texts: by_topic.remove(&key).unwrap_or_default(),
                key,
                emoji,
                position,
                retired,
            })
            .collect())
    }
}

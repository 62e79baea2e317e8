//! Regions: where members are, as they declare it themselves. Like topics,
//! regions are configuration (seeded on every start, retired rather than
//! deleted), and a region may lie below another (Land → Bezirk → Betrieb).
//! A chat chooses at most one; its choice is kept, hidden, when its region
//! is retired, and goes with the chat.

use std::collections::BTreeMap;

use crate::topics::SeedReport;
use crate::{Result, Storage, on_pool};

use basis_core::RegionKey;

/// A region's name in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionText {
    /// The language, such as `de`.
    pub locale: String,
    /// The region's name, as members see it.
    pub name: String,
}

/// A region as the configuration declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionSeed {
    /// The region's key, the same in every language.
    pub key: RegionKey,
    /// The region it belongs to, whose posts reach it; `None` for a root.
    pub parent: Option<RegionKey>,
    /// Its name per language.
    pub texts: Vec<RegionText>,
}

/// A region as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// The region's key.
    pub key: RegionKey,
    /// The region above it, as last configured; `None` for a root.
    pub parent: Option<RegionKey>,
    /// Its place in the configured order, from 0.
    pub position: i64,
    /// No longer in the configuration: kept with its members' choices,
    /// hidden from members, and no post is targeted at it.
    pub retired: bool,
    /// Its name per language.
    pub texts: Vec<RegionText>,
}

/// A chat's choice of region.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ChatRegion {
    /// The region chosen; it may have been retired since.
    pub region_key: RegionKey,
    /// When it was chosen (Unix ms).
    pub chosen_at: i64,
}

impl Storage {
    /// Adds new regions, refreshes names, parents and order of known ones,
    /// and retires (never deletes) regions the configuration no longer
    /// lists: their members keep their choice, hidden, until the region
    /// comes back. The configuration has checked keys, parents and depth.
    pub async fn seed_regions(&self, seeds: &[RegionSeed], now: i64) -> Result<SeedReport> {
        let _turn = self.write_turn().await;
        let known: Vec<(String, bool)> =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT key, retired FROM regions ORDER BY position, key")
                .fetch_all(p)
                .await)?;
        let mut report = SeedReport::default();
        for seed in seeds {
            if !known.iter().any(|(key, _)| key == seed.key.as_str()) {
                report.added.push(seed.key.to_string());
            }
        }
        for (key, retired) in &known {
            if !retired && !seeds.iter().any(|s| s.key.as_str() == key) {
                report.retired.push(key.clone());
            }
        }
        on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            for (position, seed) in seeds.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO regions (key, parent, position, retired, created_at) \
                     VALUES ($1, $2, $3, FALSE, $4) \
                     ON CONFLICT (key) DO UPDATE SET parent = $2, position = $3, retired = FALSE",
                )
                .bind(&seed.key)
                .bind(&seed.parent)
                .bind(position as i64)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                for text in &seed.texts {
                    sqlx::query(
                        "INSERT INTO region_texts (region_key, locale, name) VALUES ($1, $2, $3) \
                         ON CONFLICT (region_key, locale) DO UPDATE SET name = $3",
                    )
                    .bind(&seed.key)
                    .bind(&text.locale)
                    .bind(&text.name)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            for key in &report.retired {
                sqlx::query("UPDATE regions SET retired = TRUE WHERE key = $1").bind(key).execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(report)
    }

    /// All regions, current ones first in configured order.
    pub async fn regions(&self) -> Result<Vec<Region>> {
        let rows: Vec<(RegionKey, Option<RegionKey>, i64, bool)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT key, parent, position, retired FROM regions ORDER BY retired, position, key"
        )
        .fetch_all(p)
        .await)?;
        let texts: Vec<(String, String, String)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT region_key, locale, name FROM region_texts ORDER BY region_key, locale"
        )
        .fetch_all(p)
        .await)?;
        let mut by_region: BTreeMap<String, Vec<RegionText>> = BTreeMap::new();
        for (key, locale, name) in texts {
            by_region.entry(key).or_default().push(RegionText { locale, name });
        }
        Ok(rows
            .into_iter()
            .map(|(key, parent, position, retired)| Region {
                texts: by_region.remove(key.as_str()).unwrap_or_default(),
                key,
                parent,
                position,
                retired,
            })
            .collect())
    }

    /// Puts the chat in a current region, replacing its earlier choice.
    /// `false` when that was its region already, the region is unknown or
    /// retired, or the chat is not stored (its first choice stores it, as
    /// for topics).
    pub async fn set_region(&self, chat_id: i64, region: &RegionKey, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "INSERT INTO chat_regions (chat_id, region_key, chosen_at) \
                   SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM regions WHERE key = $2 AND NOT retired) \
                   AND EXISTS (SELECT 1 FROM chats WHERE id = $1) \
                   ON CONFLICT (chat_id) DO UPDATE SET region_key = excluded.region_key, chosen_at = excluded.chosen_at \
                   WHERE chat_regions.region_key <> excluded.region_key";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(chat_id)
            .bind(region)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Forgets the chat's region (`/region none`); `false` when it had none.
    pub async fn clear_region(&self, chat_id: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let done = on_pool!(&self.pool, |p| sqlx::query("DELETE FROM chat_regions WHERE chat_id = $1")
            .bind(chat_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// The chat's region and when it was chosen, if it chose one; also a
    /// retired one (the catalog hides it from the member).
    pub async fn chat_region(&self, chat_id: i64) -> Result<Option<ChatRegion>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, ChatRegion>(
            "SELECT region_key, chosen_at FROM chat_regions WHERE chat_id = $1"
        )
        .bind(chat_id)
        .fetch_optional(p)
        .await)?)
    }

    /// The chat's region, if it chose one (see [`chat_region`](Self::chat_region)).
    pub async fn region_of(&self, chat_id: i64) -> Result<Option<RegionKey>> {
        Ok(self.chat_region(chat_id).await?.map(|r| r.region_key))
    }
}

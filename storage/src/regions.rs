//! Regions: where members are, as they declare it themselves. Like topics,
//! regions are configuration (seeded on every start, retired rather than
//! deleted); a chat chooses at most one; a post may be targeted at regions,
//! and then reaches only the followers of its topics who are in one of them
//! or in a region below one of them.
//!
//! A target is fixed when the post is queued: the regions named and every
//! current region below them are written as rows of `broadcast_regions`,
//! and the fan-out joins them with the members' regions in its one
//! `INSERT … SELECT` (see `queue`). Retired regions are left out of that
//! expansion: like a retired topic, a retired region receives no posts,
//! though its members keep their choice.

use crate::TopicList;
use crate::{BroadcastId, ChatId};
use std::collections::BTreeMap;

use crate::topics::SeedReport;
use crate::{Result, Storage, StorageError, on_pool};

use basis_core::RegionKey;

/// The regions named in the comma-separated parameter `$n` and every
/// current region below them, as the recursive CTE `below(key)`. Keys may
/// hold `_`, which `LIKE` reads as a wildcard: it is escaped, so `vw_werk`
/// never matches a target of `vw-werk`.
macro_rules! below {
    ($n:literal) => {
        concat!(
            "below(key) AS (SELECT key FROM regions WHERE NOT retired \
             AND (',' || ",
            $n,
            " || ',') LIKE ('%,' || REPLACE(key, '_', '\\_') || ',%') ESCAPE '\\' \
             UNION SELECT r.key FROM regions r JOIN below b ON r.parent = b.key WHERE NOT r.retired)"
        )
    };
}
pub(crate) use below;

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

/// Whom of the followers of a post's topics it reaches.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RegionTarget {
    /// Every follower, with a region or without: an untargeted post.
    #[default]
    Everywhere,
    /// Followers in one of these regions or in a region below one of them.
    /// Members without a region are not among them. At least one region:
    /// an empty list is refused ([`StorageError::NoRegions`]), never read
    /// as everywhere.
    Within(Vec<RegionKey>),
}

impl RegionTarget {
    /// The target as stored in a `regions` column: `''` for everywhere,
    /// otherwise the named keys, comma-separated. A column that is not
    /// empty but names no key reads as a target that reaches nobody.
    pub fn from_stored(stored: &str) -> RegionTarget {
        if stored.trim().is_empty() { RegionTarget::Everywhere } else { RegionTarget::Within(RegionKey::split(stored)) }
    }

    /// The text of a `regions` column (see [`from_stored`](Self::from_stored)).
    pub fn stored(&self) -> String {
        match self {
            RegionTarget::Everywhere => String::new(),
            RegionTarget::Within(keys) => RegionKey::join(keys),
        }
    }

    /// The regions named; none for everywhere.
    pub fn keys(&self) -> &[RegionKey] {
        match self {
            RegionTarget::Everywhere => &[],
            RegionTarget::Within(keys) => keys,
        }
    }

    /// Whether only members in some regions are reached.
    pub fn is_targeted(&self) -> bool {
        matches!(self, RegionTarget::Within(_))
    }

    /// The stored text, refusing a target that names no region.
    pub(crate) fn checked(&self) -> Result<String> {
        match self {
            RegionTarget::Within(keys) if keys.is_empty() => Err(StorageError::NoRegions),
            target => Ok(target.stored()),
        }
    }
}

/// A chat's choice of region.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ChatRegion {
    /// The region chosen; it may have been retired since.
    pub region_key: RegionKey,
    /// When it was chosen (Unix ms).
    pub chosen_at: i64,
}

/// Followers of a post's topics in one region, for the preview.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RegionAudience {
    /// The region the members chose (one of those reached).
    pub region_key: RegionKey,
    /// Active chats there following any of the topics.
    pub chats: i64,
}

/// A chat's region as set only when it has none; the same statement for
/// a choice through a deep link and for the batch of joins.
pub(crate) const PLACE_IF_UNPLACED: &str = "INSERT INTO chat_regions (chat_id, region_key, chosen_at) \
     SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM regions WHERE key = $2 AND NOT retired) \
     AND EXISTS (SELECT 1 FROM chats WHERE id = $1) ON CONFLICT (chat_id) DO NOTHING";

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
        let report = SeedReport::between(&known, seeds.iter().map(|s| s.key.as_str()));
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
    pub async fn set_region(&self, chat_id: ChatId, region: &RegionKey, now: i64) -> Result<bool> {
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

    /// Puts the chat in a current region only if it has chosen none yet:
    /// what a deep link carrying a region does, so that scanning another
    /// region's poster never overwrites a member's own choice. `false` when
    /// nothing changed.
    pub async fn set_region_if_unset(&self, chat_id: ChatId, region: &RegionKey, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let done = on_pool!(&self.pool, |p| sqlx::query(PLACE_IF_UNPLACED)
            .bind(chat_id)
            .bind(region)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Whether to ask the chat where it is, now: `true` once, for a stored
    /// chat that has chosen no region and was never asked; the fact is
    /// recorded in the same statement, so no second update or instance asks
    /// again, whether the member answers or skips.
    pub async fn ask_region_once(&self, chat_id: ChatId, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE chats SET region_asked_at = $2 WHERE id = $1 AND region_asked_at IS NULL \
                   AND NOT EXISTS (SELECT 1 FROM chat_regions WHERE chat_id = $1)";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(chat_id)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// When the chat was asked where it is, if it was.
    pub async fn region_asked_at(&self, chat_id: ChatId) -> Result<Option<i64>> {
        let asked: Option<Option<i64>> =
            on_pool!(&self.pool, |p| sqlx::query_scalar("SELECT region_asked_at FROM chats WHERE id = $1")
                .bind(chat_id)
                .fetch_optional(p)
                .await)?;
        Ok(asked.flatten())
    }

    /// Forgets the chat's region (`/region none`); `false` when it had none.
    pub async fn clear_region(&self, chat_id: ChatId) -> Result<bool> {
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
    pub async fn chat_region(&self, chat_id: ChatId) -> Result<Option<ChatRegion>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, ChatRegion>(
            "SELECT region_key, chosen_at FROM chat_regions WHERE chat_id = $1"
        )
        .bind(chat_id)
        .fetch_optional(p)
        .await)?)
    }

    /// The chat's region, if it chose one (see [`chat_region`](Self::chat_region)).
    pub async fn region_of(&self, chat_id: ChatId) -> Result<Option<RegionKey>> {
        Ok(self.chat_region(chat_id).await?.map(|r| r.region_key))
    }

    /// The regions a broadcast reaches, as fixed when it was queued (those
    /// named and every region below them), in key order; empty for a
    /// broadcast that was not targeted.
    pub async fn broadcast_regions(&self, broadcast_id: BroadcastId) -> Result<Vec<RegionKey>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, RegionKey>(
            "SELECT region_key FROM broadcast_regions WHERE broadcast_id = $1 ORDER BY region_key"
        )
        .bind(broadcast_id)
        .fetch_all(p)
        .await)?)
    }

    /// The current regions `named` and every current region below them, in
    /// key order: whom a target of `named` reaches, were it queued now.
    pub async fn regions_below(&self, named: &[RegionKey]) -> Result<Vec<RegionKey>> {
        let sql = concat!("WITH RECURSIVE ", below!("$1"), " SELECT key FROM below ORDER BY key");
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, RegionKey>(sql)
            .bind(RegionKey::join(named))
            .fetch_all(p)
            .await)?)
    }

    /// The audience of a post to `topics` within `named` regions, per
    /// region the members chose: active chats following any of the topics,
    /// each counted once (a chat has one region, so the figures add up to
    /// the post's audience). Regions nobody there follows are left out.
    /// Like the fan-out, it looks up the members of a few regions one by
    /// one and scans the chats for many.
    pub async fn audience_by_region(&self, topics: &TopicList, named: &[RegionKey]) -> Result<Vec<RegionAudience>> {
        // The regions first, then their members by key: both planners see
        // how many members those keys hold, which a recursive CTE hides.
        let below = self.regions_below(named).await?;
        if below.is_empty() {
            return Ok(Vec::new());
        }
        // Only numbered placeholders are generated, never values.
        let keys = |first: usize| (first..first + below.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let crowded = format!(
            "SELECT (SELECT COUNT(*) FROM chat_regions WHERE region_key IN ({})) * 10 \
             > (SELECT COUNT(*) FROM subscriptions)",
            keys(1)
        );
        let following = "AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.chat_id = m.chat_id \
                         AND (',' || $1 || ',') LIKE ('%,' || s.topic_key || ',%')) \
                         GROUP BY m.region_key ORDER BY m.region_key";
        let few = format!(
            "SELECT m.region_key, COUNT(*) AS chats FROM chat_regions m CROSS JOIN chats c \
             WHERE m.region_key IN ({}) AND c.id = m.chat_id AND c.status = 'active' {following}",
            keys(2)
        );
        let many = format!(
            "SELECT m.region_key, COUNT(*) AS chats FROM chats c CROSS JOIN chat_regions m \
             WHERE m.chat_id = c.id AND c.status = 'active' AND m.region_key IN ({}) {following}",
            keys(2)
        );
        let topics = topics.stored();
        Ok(on_pool!(&self.pool, |p| {
            let mut query = sqlx::query_scalar::<_, bool>(sqlx::AssertSqlSafe(crowded.as_str()));
            for key in &below {
                query = query.bind(key);
            }
            let sql = if query.fetch_one(p).await? { many.as_str() } else { few.as_str() };
            let mut query = sqlx::query_as::<_, RegionAudience>(sqlx::AssertSqlSafe(sql)).bind(&topics);
            for key in &below {
                query = query.bind(key);
            }
            query.fetch_all(p).await
        })?)
    }
}

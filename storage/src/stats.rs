//! Figures for organizers: subscribers per topic and per region, growth,
//! joins through deep links and how the last broadcasts went.
//!
//! Growth comes from `subscription_events`, which holds topic, time, +1 / -1
//! and the link a join came through, but never a chat: the statistics can
//! say how many, not who.

use crate::BroadcastId;
use crate::TopicList;
use std::collections::HashMap;

use basis_core::RegionKey;

use crate::{Result, Storage, on_pool};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// One topic's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicStats {
    /// The topic's key.
    pub topic_key: String,
    /// Active chats following the topic now (blocked chats and groups that
    /// removed the bot are not counted).
    pub subscribers: i64,
    /// Subscriptions gained and lost in the last 7 days.
    pub new_7d: i64,
    /// Subscriptions lost in the last 7 days.
    pub lost_7d: i64,
    /// Subscriptions gained and lost in the last 30 days.
    pub new_30d: i64,
    /// Subscriptions lost in the last 30 days.
    pub lost_30d: i64,
}

/// Joins of one topic through one deep link.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkJoins {
    /// The topic's key.
    pub topic_key: String,
    /// The campaign named in the link; empty for the plain topic link.
    pub campaign: String,
    /// Joins through it since the statistics began.
    pub joins: i64,
}

/// A topic's subscribers day by day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailySeries {
    /// The topic's key.
    pub topic_key: String,
    /// `(start of the day in Unix ms, UTC; subscribers at the end of that
    /// day)`, oldest first; the last day's figure is the one of now.
    pub points: Vec<(i64, i64)>,
}

/// How one broadcast went.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BroadcastStats {
    /// The broadcast's id.
    pub id: BroadcastId,
    /// When it was made (Unix ms).
    pub created_at: i64,
    /// The topics whose followers it reaches.
    pub topics: TopicList,
    /// The regions it was targeted at as named, comma-separated; empty when
    /// it went to every follower of its topics.
    pub regions: String,
    /// Receiving chats at fan-out.
    pub total: i64,
    /// Delivered.
    pub sent: i64,
    /// Not delivered because the chat blocked the bot or removed it.
    pub blocked: i64,
    /// Not delivered for another reason.
    pub failed: i64,
}

/// One region's subscribers now.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RegionStats {
    /// The region's key.
    pub region_key: RegionKey,
    /// No longer configured: its members kept their choice, hidden.
    pub retired: bool,
    /// Active chats that chose this region itself (not a region below it)
    /// and follow at least one topic. Regions are disjoint, so a parent's
    /// figure is its own plus its children's.
    pub subscribers: i64,
}

/// Subscribers by the region they chose. Counts only: whoever shows them
/// hides small ones (fewer than 5 are shown as "< 5").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegionBreakdown {
    /// Every region, retired ones too, current ones first in configured
    /// order.
    pub regions: Vec<RegionStats>,
    /// Active chats following a topic that chose no region.
    pub without_region: i64,
}

/// Followers of one topic in one region.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct TopicRegionStats {
    /// The topic's key.
    pub topic_key: String,
    /// The region its followers chose; `None`: those without a region.
    pub region_key: Option<RegionKey>,
    /// Active chats following the topic there.
    pub subscribers: i64,
}

/// The source recorded for a join through a deep link with `campaign`
/// (empty for the plain topic link).
pub fn link_source(campaign: &str) -> String {
    format!("{LINK_PREFIX}{campaign}")
}

const LINK_PREFIX: &str = "link:";

/// The start of the UTC day holding `ms`.
pub fn day_start(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
}

impl Storage {
    /// Every topic (retired ones too) with its subscribers now and its gains
    /// and losses in the 7 and 30 days before `now`, in the configured order.
    pub async fn topic_stats(&self, now: i64) -> Result<Vec<TopicStats>> {
        let counts: Vec<(String, i64)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT t.key, COUNT(c.id) FROM topics t \
             LEFT JOIN subscriptions s ON s.topic_key = t.key \
             LEFT JOIN chats c ON c.id = s.chat_id AND c.status = 'active' \
             GROUP BY t.key, t.position ORDER BY t.position, t.key"
        )
        .fetch_all(p)
        .await)?;
        let week = now - 7 * DAY_MS;
        let month = now - 30 * DAY_MS;
        let growth: Vec<(String, i64, i64, i64, i64)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT topic_key, \
               COUNT(CASE WHEN delta > 0 AND at > $1 THEN 1 END), \
               COUNT(CASE WHEN delta < 0 AND at > $1 THEN 1 END), \
               COUNT(CASE WHEN delta > 0 THEN 1 END), \
               COUNT(CASE WHEN delta < 0 THEN 1 END) \
             FROM subscription_events WHERE at > $2 AND at <= $3 GROUP BY topic_key"
        )
        .bind(week)
        .bind(month)
        .bind(now)
        .fetch_all(p)
        .await)?;
        let mut growth: HashMap<String, (i64, i64, i64, i64)> =
            growth.into_iter().map(|(key, a, b, c, d)| (key, (a, b, c, d))).collect();
        Ok(counts
            .into_iter()
            .map(|(topic_key, subscribers)| {
                let (new_7d, lost_7d, new_30d, lost_30d) = growth.remove(&topic_key).unwrap_or_default();
                TopicStats { topic_key, subscribers, new_7d, lost_7d, new_30d, lost_30d }
            })
            .collect())
    }

    /// Subscribers (active chats following any topic) per region they
    /// chose, and those without one.
    pub async fn region_stats(&self) -> Result<RegionBreakdown> {
        let regions = on_pool!(&self.pool, |p| sqlx::query_as::<_, RegionStats>(
            "SELECT r.key AS region_key, r.retired, COUNT(c.id) AS subscribers FROM regions r \
             LEFT JOIN chat_regions m ON m.region_key = r.key \
             LEFT JOIN chats c ON c.id = m.chat_id AND c.status = 'active' \
               AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.chat_id = c.id) \
             GROUP BY r.key, r.retired, r.position ORDER BY r.retired, r.position, r.key"
        )
        .fetch_all(p)
        .await)?;
        let without_region = on_pool!(&self.pool, |p| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM chats c WHERE c.status = 'active' \
             AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.chat_id = c.id) \
             AND NOT EXISTS (SELECT 1 FROM chat_regions m WHERE m.chat_id = c.id)"
        )
        .fetch_one(p)
        .await)?;
        Ok(RegionBreakdown { regions, without_region })
    }

    /// Followers of each topic per region they chose (`None`: without a
    /// region), for every pair with at least one, by topic and region key,
    /// those without a region last.
    pub async fn topic_region_stats(&self) -> Result<Vec<TopicRegionStats>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, TopicRegionStats>(
            "SELECT s.topic_key, m.region_key, COUNT(*) AS subscribers FROM subscriptions s \
             JOIN chats c ON c.id = s.chat_id AND c.status = 'active' \
             LEFT JOIN chat_regions m ON m.chat_id = s.chat_id \
             GROUP BY s.topic_key, m.region_key ORDER BY s.topic_key, m.region_key IS NULL, m.region_key"
        )
        .fetch_all(p)
        .await)?)
    }

    /// Joins through deep links per topic and campaign, most first.
    pub async fn link_joins(&self) -> Result<Vec<LinkJoins>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, LinkJoins>(
            "SELECT topic_key, SUBSTR(source, 6) AS campaign, COUNT(*) AS joins FROM subscription_events \
             WHERE delta > 0 AND source LIKE 'link:%' \
             GROUP BY topic_key, source ORDER BY joins DESC, topic_key, campaign"
        )
        .fetch_all(p)
        .await)?)
    }

    /// Subscribers of every topic at the end of each of the last `days` UTC
    /// days up to `now` (at least one): today's count minus what happened
    /// after each day. Topics in the configured order.
    pub async fn daily_subscribers(&self, days: i64, now: i64) -> Result<Vec<DailySeries>> {
        let days = days.max(1);
        let first = day_start(now) - (days - 1) * DAY_MS;
        let today = self.topic_stats(now).await?;
        let changes: Vec<(String, i64, i64)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT topic_key, (at - $1) / 86400000 AS day, CAST(SUM(delta) AS BIGINT) \
             FROM subscription_events WHERE at >= $1 GROUP BY topic_key, day"
        )
        .bind(first)
        .fetch_all(p)
        .await)?;
        let mut by_topic: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
        for (topic, day, delta) in changes {
            by_topic.entry(topic).or_default().push((day, delta));
        }
        Ok(today
            .into_iter()
            .map(|t| {
                let changes = by_topic.remove(&t.topic_key).unwrap_or_default();
                let points = (0..days)
                    .map(|day| {
                        let later: i64 = changes.iter().filter(|(d, _)| *d > day).map(|(_, delta)| delta).sum();
                        (first + day * DAY_MS, t.subscribers - later)
                    })
                    .collect();
                DailySeries { topic_key: t.topic_key, points }
            })
            .collect())
    }

    /// The last `limit` posts (kinds `text` and `copy`; corrections are not
    /// posts), newest first, with their deliveries by outcome.
    pub async fn recent_broadcasts(&self, limit: i64) -> Result<Vec<BroadcastStats>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, BroadcastStats>(
            "SELECT b.id, b.created_at, b.topics, b.regions, b.total, \
               COUNT(CASE WHEN d.status = 'sent' THEN 1 END) AS sent, \
               COUNT(CASE WHEN d.status = 'blocked' THEN 1 END) AS blocked, \
               COUNT(CASE WHEN d.status = 'failed' THEN 1 END) AS failed \
             FROM (SELECT id, created_at, topics, regions, total FROM broadcasts \
                   WHERE kind IN ('text', 'copy') ORDER BY id DESC LIMIT $1) b \
             LEFT JOIN deliveries d ON d.broadcast_id = b.id \
             GROUP BY b.id, b.created_at, b.topics, b.regions, b.total ORDER BY b.id DESC"
        )
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_utc_midnight() {
        assert_eq!(day_start(0), 0);
        assert_eq!(day_start(DAY_MS - 1), 0);
        assert_eq!(day_start(DAY_MS), DAY_MS);
        assert_eq!(day_start(-1), -DAY_MS);
        assert_eq!(link_source("flyer"), "link:flyer");
        assert_eq!(link_source(""), "link:");
    }
}

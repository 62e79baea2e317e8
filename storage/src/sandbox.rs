//! Synthetic members for `basis sandbox`: a rehearsal broadcast to a few
//! thousand chats shows how the queue works through them.

use crate::BroadcastId;
use crate::{Result, Storage, on_pool};

impl Storage {
    /// Stores `count` private chats with ids `first..first + count`, active
    /// and consenting, every fifth in English, the rest in German. The chat
    /// `x` follows `topics[j]` when `x` is a multiple of `j + 1`: everyone
    /// the first topic, every second member the next, and so on. Topics that
    /// do not exist are skipped. Two statements per topic, whatever `count`.
    pub async fn seed_synthetic_members(&self, first: i64, count: i64, topics: &[&str], now: i64) -> Result<()> {
        if count <= 0 {
            return Ok(());
        }
        let last = first + count - 1;
        let chats = "WITH RECURSIVE n(x) AS (SELECT $1 UNION ALL SELECT x + 1 FROM n WHERE x < $2) \
                     INSERT INTO chats (id, kind, locale, status, consent_at, updated_at) \
                     SELECT x, 'private', CASE WHEN x % 5 = 0 THEN 'en' ELSE 'de' END, 'active', $3, $3 \
                     FROM n WHERE true ON CONFLICT (id) DO NOTHING";
        let subscriptions = "WITH RECURSIVE n(x) AS (SELECT $1 UNION ALL SELECT x + 1 FROM n WHERE x < $2) \
                             INSERT INTO subscriptions (chat_id, topic_key, created_at) \
                             SELECT x, $3, $4 FROM n \
                             WHERE x % $5 = 0 AND EXISTS (SELECT 1 FROM topics WHERE key = $3 AND NOT retired) \
                             ON CONFLICT (chat_id, topic_key) DO NOTHING";
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| {
            sqlx::query(chats).bind(first).bind(last).bind(now).execute(p).await?;
            for (j, topic) in topics.iter().enumerate() {
                let stride = j as i64 + 1;
                sqlx::query(subscriptions)
                    .bind(first)
                    .bind(last)
                    .bind(*topic)
                    .bind(now)
                    .bind(stride)
                    .execute(p)
                    .await?;
            }
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(())
    }

    /// The ids of the latest `limit` broadcasts, newest first, finished or
    /// not: the sandbox's queue panel shows them.
    pub async fn latest_broadcasts(&self, limit: i64) -> Result<Vec<BroadcastId>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, BroadcastId>(
            "SELECT id FROM broadcasts ORDER BY id DESC LIMIT $1"
        )
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }
}

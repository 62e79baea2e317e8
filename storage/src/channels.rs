//! Channels and forum topics linked to Basis topics.

use crate::TopicList;
use crate::organizers::AUDIT;
use crate::{ChatId, UserId};
use crate::{Result, Storage, on_pool};

/// One channel (or forum topic) receiving one topic's posts.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ChannelLink {
    /// The channel or group (a Telegram chat id).
    pub chat_id: ChatId,
    /// 0 for a channel or a group without topics.
    pub thread_id: i64,
    /// The Basis topic whose posts it receives.
    pub topic_key: String,
    /// The channel's title when it was linked, for listings.
    pub title: String,
    /// The organizer who linked it.
    pub linked_by: UserId,
    /// When it was linked (Unix ms).
    pub linked_at: i64,
}

impl Storage {
    /// Links a channel to a topic; `false` when it was linked already.
    pub async fn link_channel(&self, link: &ChannelLink) -> Result<bool> {
        let _turn = self.write_turn().await;
        let added = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let added = sqlx::query(
                "INSERT INTO channel_links (chat_id, thread_id, topic_key, title, linked_by, linked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (chat_id, thread_id, topic_key) DO NOTHING",
            )
            .bind(link.chat_id)
            .bind(link.thread_id)
            .bind(&link.topic_key)
            .bind(&link.title)
            .bind(link.linked_by)
            .bind(link.linked_at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added > 0 {
                sqlx::query(AUDIT)
                    .bind(link.linked_at)
                    .bind(link.linked_by)
                    .bind(basis_core::AuditAction::Channel)
                    .bind(format!("{}/{}", link.chat_id, link.thread_id))
                    .bind(&link.topic_key)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(added > 0)
        })?;
        Ok(added)
    }

    /// `false` when there was no such link.
    pub async fn unlink_channel(
        &self,
        chat_id: ChatId,
        thread_id: i64,
        topic: &str,
        by: UserId,
        now: i64,
    ) -> Result<bool> {
        let _turn = self.write_turn().await;
        let removed = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let removed =
                sqlx::query("DELETE FROM channel_links WHERE chat_id = $1 AND thread_id = $2 AND topic_key = $3")
                    .bind(chat_id)
                    .bind(thread_id)
                    .bind(topic)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if removed > 0 {
                sqlx::query(AUDIT)
                    .bind(now)
                    .bind(by)
                    .bind(basis_core::AuditAction::Unchannel)
                    .bind(format!("{chat_id}/{thread_id}"))
                    .bind(topic)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(removed > 0)
        })?;
        Ok(removed)
    }

    /// Every link, by topic, then chat and forum topic.
    pub async fn channel_links(&self) -> Result<Vec<ChannelLink>> {
        let sql = "SELECT chat_id, thread_id, topic_key, title, linked_by, linked_at FROM channel_links \
                   ORDER BY topic_key, chat_id, thread_id";
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, ChannelLink>(sql).fetch_all(p).await)?)
    }

    /// How many channels a post to `topics` is published in.
    pub async fn channels_for(&self, topics: &TopicList) -> Result<i64> {
        let sql = "SELECT COUNT(DISTINCT chat_id) FROM channel_links \
                   WHERE (',' || $1 || ',') LIKE ('%,' || topic_key || ',%')";
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, i64>(sql).bind(topics).fetch_one(p).await)?)
    }
}

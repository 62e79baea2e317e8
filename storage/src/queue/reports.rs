//! A broadcast's progress and its final report, claimed once so that a
//! crash cannot lose it and two instances cannot both send it.

use super::*;
use crate::{BroadcastId, ChatId};
use basis_core::DeliveryStatus;

/// Counts of a broadcast's deliveries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// All of the broadcast's deliveries.
    pub total: i64,
    /// Delivered.
    pub sent: i64,
    /// Given up on.
    pub failed: i64,
    /// The chat blocked the bot or removed it.
    pub blocked: i64,
    /// Pending or being sent.
    pub remaining: i64,
    /// Being sent: claimed under a lease.
    pub leased: i64,
    /// Reasons of failed deliveries with their counts, most frequent first.
    pub errors: Vec<(String, i64)>,
}

impl Progress {
    /// Deliveries settled: sent, failed or blocked.
    pub fn done(&self) -> i64 {
        self.sent + self.failed + self.blocked
    }
}

impl Storage {
    /// The broadcast with this id.
    pub async fn broadcast(&self, id: BroadcastId) -> Result<Option<Broadcast>> {
        Ok(on_pool!(&self.pool, |p| {
            sqlx::query_as::<_, Broadcast>(
                "SELECT id, author_id, kind, text, source_chat_id, source_message_id, topics, priority, status, \
             report_chat_id, report_locale, report_message_id, total, created_at, finished_at, ref_broadcast_id, \
             event_id, album, regions FROM broadcasts WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(p)
            .await
        })?)
    }

    /// Broadcasts still being delivered, oldest first.
    pub async fn unfinished_broadcasts(&self) -> Result<Vec<BroadcastId>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, BroadcastId>(
            "SELECT id FROM broadcasts WHERE status = 'sending' ORDER BY id"
        )
        .fetch_all(p)
        .await)?)
    }

    /// How far a broadcast's deliveries are.
    pub async fn progress(&self, broadcast_id: BroadcastId) -> Result<Progress> {
        let counts: Vec<(DeliveryStatus, i64)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT status, COUNT(*) FROM deliveries WHERE broadcast_id = $1 GROUP BY status"
        )
        .bind(broadcast_id)
        .fetch_all(p)
        .await)?;
        let mut progress = Progress::default();
        for (status, n) in counts {
            progress.total += n;
            match status {
                DeliveryStatus::Sent => progress.sent = n,
                DeliveryStatus::Failed => progress.failed = n,
                DeliveryStatus::Blocked => progress.blocked = n,
                DeliveryStatus::Sending => {
                    progress.leased = n;
                    progress.remaining += n;
                }
                DeliveryStatus::Pending => progress.remaining += n,
            }
        }
        if progress.failed > 0 {
            progress.errors = on_pool!(&self.pool, |p| {
                sqlx::query_as(
                    "SELECT COALESCE(error, ''), COUNT(*) AS n FROM deliveries \
                 WHERE broadcast_id = $1 AND status = 'failed' GROUP BY error ORDER BY n DESC LIMIT 5",
                )
                .bind(broadcast_id)
                .fetch_all(p)
                .await
            })?;
        }
        Ok(progress)
    }

    /// Remembers the organizer's progress message of a broadcast.
    pub async fn set_report_message(&self, broadcast_id: BroadcastId, message_id: i64) -> Result<()> {
        self.set_broadcast_field("UPDATE broadcasts SET report_message_id = $2 WHERE id = $1", broadcast_id, message_id)
            .await
    }

    /// Moves a broadcast's progress message to message `message_id` in
    /// `chat_id`: whoever sent a draft offered to several people follows
    /// its progress in their own chat.
    pub async fn set_report_chat_message(
        &self,
        broadcast_id: BroadcastId,
        chat_id: ChatId,
        message_id: i64,
    ) -> Result<()> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE broadcasts SET report_chat_id = $2, report_message_id = $3 WHERE id = $1";
        on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(broadcast_id)
            .bind(chat_id)
            .bind(message_id)
            .execute(p)
            .await
            .map(drop))?;
        Ok(())
    }

    /// One integer column of one broadcast; `sql` binds the id as `$1`.
    async fn set_broadcast_field(&self, sql: &'static str, broadcast_id: BroadcastId, value: i64) -> Result<()> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query(sql).bind(broadcast_id).bind(value).execute(p).await.map(drop))?;
        Ok(())
    }

    /// Marks the broadcast done once nothing is left to send; returns whether
    /// this call finished it (so exactly one instance sends the final report).
    pub async fn finish_if_complete(&self, broadcast_id: BroadcastId, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let done = on_pool!(&self.pool, |p| {
            sqlx::query(
                "UPDATE broadcasts SET status = 'done', finished_at = $2 WHERE id = $1 AND status = 'sending' \
             AND NOT EXISTS (SELECT 1 FROM deliveries WHERE broadcast_id = $1 AND status IN ('pending', 'sending'))",
            )
            .bind(broadcast_id)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(done > 0)
    }

    /// Finished broadcasts whose organizer has not had the final report.
    pub async fn unreported_broadcasts(&self) -> Result<Vec<BroadcastId>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, BroadcastId>(
            "SELECT id FROM broadcasts WHERE status = 'done' AND reported_at IS NULL \
             AND report_chat_id IS NOT NULL ORDER BY id"
        )
        .fetch_all(p)
        .await)?)
    }

    /// Takes the final report of a broadcast on; `false` when another
    /// instance has it (for `lease_ms`) or it was sent already.
    pub async fn claim_report(&self, broadcast_id: BroadcastId, now: i64, lease_ms: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let done = on_pool!(&self.pool, |p| sqlx::query(
            "UPDATE broadcasts SET report_claimed_at = $2 WHERE id = $1 AND reported_at IS NULL \
             AND (report_claimed_at IS NULL OR report_claimed_at < $3)"
        )
        .bind(broadcast_id)
        .bind(now)
        .bind(now - lease_ms)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Records that the final report was sent.
    pub async fn mark_reported(&self, broadcast_id: BroadcastId, now: i64) -> Result<()> {
        self.set_broadcast_field("UPDATE broadcasts SET reported_at = $2 WHERE id = $1", broadcast_id, now).await
    }

    /// The message id a chat received for a broadcast, if it was sent.
    pub async fn delivered_message(&self, broadcast_id: BroadcastId, chat_id: ChatId) -> Result<Option<i64>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, Option<i64>>(
            "SELECT message_id FROM deliveries WHERE broadcast_id = $1 AND chat_id = $2 AND status = 'sent'"
        )
        .bind(broadcast_id)
        .bind(chat_id)
        .fetch_optional(p)
        .await)?
        .flatten())
    }
}

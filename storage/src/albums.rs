//! Albums organizers send the bot, remembered part by part.

use crate::ChatId;
use crate::{Result, Storage, on_pool};

impl Storage {
    /// Remembers one part of an album; `true` when it is the first part of
    /// its album seen in this chat.
    pub async fn remember_album_part(&self, chat_id: ChatId, group: &str, message_id: i64, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let first = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let seen: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM album_parts WHERE chat_id = $1 AND media_group_id = $2")
                    .bind(chat_id)
                    .bind(group)
                    .fetch_one(&mut *tx)
                    .await?;
            sqlx::query(
                "INSERT INTO album_parts (chat_id, media_group_id, message_id, at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (chat_id, message_id) DO NOTHING",
            )
            .bind(chat_id)
            .bind(group)
            .bind(message_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(seen == 0)
        })?;
        Ok(first)
    }

    /// Every part of the album that `message_id` belongs to, in order;
    /// `None` when it is not a remembered album part.
    pub async fn album_of_message(&self, chat_id: ChatId, message_id: i64) -> Result<Option<Vec<i64>>> {
        let ids: Vec<i64> = on_pool!(&self.pool, |p| sqlx::query_scalar(
            "SELECT a.message_id FROM album_parts a JOIN album_parts m \
             ON m.chat_id = a.chat_id AND m.media_group_id = a.media_group_id \
             WHERE m.chat_id = $1 AND m.message_id = $2 ORDER BY a.message_id"
        )
        .bind(chat_id)
        .bind(message_id)
        .fetch_all(p)
        .await)?;
        Ok((!ids.is_empty()).then_some(ids))
    }
}

//! Chats (private members, groups, channels) and their subscriptions.

use crate::ChatId;
use crate::TopicList;
use crate::{Result, Storage, on_pool};

pub use basis_core::{ChatKind, ChatStatus};

/// Everything Basis stores about a chat, besides its topics.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Chat {
    /// The Telegram chat id.
    pub id: ChatId,
    /// Private chat, group, supergroup or channel.
    #[sqlx(try_from = "String")]
    pub kind: ChatKind,
    /// The chat's language, such as `de`.
    pub locale: String,
    /// Whether later posts reach the chat.
    #[sqlx(try_from = "String")]
    pub status: ChatStatus,
    /// When the chat first chose to receive posts (Unix ms).
    pub consent_at: i64,
    /// When the row last changed (Unix ms).
    pub updated_at: i64,
    /// The privacy notice's version in force when the chat agreed, or the
    /// newer one it was shown since.
    pub privacy_version: i64,
}

/// A statistics event: topic, time, +1 / -1, source. No chat id, by design.
pub(crate) const EVENT: &str = "INSERT INTO subscription_events (topic_key, at, delta, source) VALUES ($1, $2, $3, $4)";

/// A subscription to a current topic; nothing for a retired or unknown one.
pub(crate) const SUBSCRIBE: &str = "INSERT INTO subscriptions (chat_id, topic_key, created_at) \
                         SELECT $1, $2, $3 WHERE EXISTS \
                           (SELECT 1 FROM topics WHERE key = $2 AND NOT retired) \
                         ON CONFLICT (chat_id, topic_key) DO NOTHING";

/// A chat's first row; an existing one stays as it is.
pub(crate) const INSERT_CHAT: &str = "INSERT INTO chats (id, kind, locale, status, consent_at, updated_at, privacy_version) \
                           VALUES ($1, $2, $3, 'active', $4, $4, $5) ON CONFLICT (id) DO NOTHING";

/// A chat's topic keys in the configured order.
pub(crate) const SUBSCRIPTIONS: &str = "SELECT s.topic_key FROM subscriptions s JOIN topics t ON t.key = s.topic_key \
                             WHERE s.chat_id = $1 ORDER BY t.position, t.key";

/// A chat as it is first stored: on its first choice, which is its consent
/// to the privacy notice of `privacy_version`.
#[derive(Clone, Copy, Debug)]
pub struct NewChat<'a> {
    /// The Telegram chat id.
    pub id: ChatId,
    /// Private chat, group, supergroup or channel.
    pub kind: ChatKind,
    /// The chat's language, such as `de`.
    pub locale: &'a str,
    /// The privacy notice's version the chat agreed to.
    pub privacy_version: i64,
}

macro_rules! select_chat {
    () => {
        "SELECT id, kind, locale, status, consent_at, updated_at, privacy_version FROM chats WHERE id = $1"
    };
}

impl Storage {
    /// The stored chat, if any.
    pub async fn chat(&self, id: ChatId) -> Result<Option<Chat>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Chat>(select_chat!()).bind(id).fetch_optional(p).await)?)
    }

    /// Creates the chat's row on its first choice (the moment of consent) and
    /// returns it; an existing row is returned unchanged.
    pub async fn ensure_chat(&self, id: ChatId, kind: ChatKind, locale: &str, now: i64) -> Result<Chat> {
        let _turn = self.write_turn().await;
        let insert = "INSERT INTO chats (id, kind, locale, status, consent_at, updated_at) \
                      VALUES ($1, $2, $3, 'active', $4, $4) ON CONFLICT (id) DO NOTHING";
        Ok(on_pool!(&self.pool, |p| {
            sqlx::query(insert).bind(id).bind(kind.as_str()).bind(locale).bind(now).execute(p).await?;
            sqlx::query_as::<_, Chat>(select_chat!()).bind(id).fetch_one(p).await
        })?)
    }

    /// Sets the chat's language; `false` for an unknown chat.
    pub async fn set_locale(&self, id: ChatId, locale: &str, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE chats SET locale = $2, updated_at = $3 WHERE id = $1";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(id)
            .bind(locale)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Records that the chat blocked, unblocked, removed or re-added the bot.
    /// Returns whether a stored chat changed; unknown chats stay unknown.
    pub async fn set_status(&self, id: ChatId, status: ChatStatus, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE chats SET status = $2, updated_at = $3 WHERE id = $1 AND status <> $2";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(id)
            .bind(status.as_str())
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Subscribes the chat to a current topic; `false` when it already was
    /// subscribed or the topic does not exist (or is retired).
    pub async fn subscribe(&self, chat_id: ChatId, topic: &str, now: i64) -> Result<bool> {
        self.subscribe_via(chat_id, topic, "", now).await
    }

    /// [`subscribe`](Self::subscribe), recording where the join came from:
    /// `source` is `link:<campaign>` for a deep link (`link:` without a
    /// campaign), `''` otherwise. The subscription and its statistics event
    /// (which names no chat) are written in one transaction.
    pub async fn subscribe_via(&self, chat_id: ChatId, topic: &str, source: &str, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let done = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let done =
                sqlx::query(SUBSCRIBE).bind(chat_id).bind(topic).bind(now).execute(&mut *tx).await?.rows_affected();
            if done > 0 {
                sqlx::query(EVENT).bind(topic).bind(now).bind(1_i64).bind(source).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(done)
        })?;
        Ok(done > 0)
    }

    /// `false` when the chat was not subscribed. The event is stamped with
    /// the current time; [`unsubscribe_at`](Self::unsubscribe_at) takes it.
    pub async fn unsubscribe(&self, chat_id: ChatId, topic: &str) -> Result<bool> {
        self.unsubscribe_at(chat_id, topic, crate::now_ms()).await
    }

    /// Removes one subscription and records the loss (without the chat) in
    /// the same transaction; `false` when the chat was not subscribed.
    pub async fn unsubscribe_at(&self, chat_id: ChatId, topic: &str, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "DELETE FROM subscriptions WHERE chat_id = $1 AND topic_key = $2";
        let done = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let done = sqlx::query(sql).bind(chat_id).bind(topic).execute(&mut *tx).await?.rows_affected();
            if done > 0 {
                sqlx::query(EVENT).bind(topic).bind(now).bind(-1_i64).bind("").execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(done)
        })?;
        Ok(done > 0)
    }

    /// Flips one subscription and returns whether the chat now follows the
    /// topic. Updates of one chat arrive in sequence, so no lock is needed
    /// between the two statements; a lost race only repeats the same flip.
    pub async fn toggle(&self, chat_id: ChatId, topic: &str, now: i64) -> Result<bool> {
        if self.unsubscribe_at(chat_id, topic, now).await? {
            return Ok(false);
        }
        self.subscribe(chat_id, topic, now).await
    }

    /// The chat's topic keys in the configured order.
    pub async fn subscriptions(&self, chat_id: ChatId) -> Result<Vec<String>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, String>(SUBSCRIPTIONS).bind(chat_id).fetch_all(p).await)?)
    }

    /// Forgets the chat: its row and everything hanging off it (topics,
    /// region, answers, delivery records). Returns
    /// whether anything was stored. Each topic it followed counts as lost,
    /// stamped with the current time; [`delete_chat_at`](Self::delete_chat_at)
    /// takes the time.
    pub async fn delete_chat(&self, chat_id: ChatId) -> Result<bool> {
        self.delete_chat_at(chat_id, crate::now_ms()).await
    }

    /// [`delete_chat`](Self::delete_chat) at `now`: one loss event (without
    /// the chat) per topic it followed, in the same transaction.
    pub async fn delete_chat_at(&self, chat_id: ChatId, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let done = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            // Delivery records name the chat too: they go with it.
            sqlx::query("DELETE FROM deliveries WHERE chat_id = $1").bind(chat_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM rsvps WHERE chat_id = $1").bind(chat_id).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO subscription_events (topic_key, at, delta, source) \
                 SELECT topic_key, $2, -1, '' FROM subscriptions WHERE chat_id = $1",
            )
            .bind(chat_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM subscriptions WHERE chat_id = $1").bind(chat_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM chat_regions WHERE chat_id = $1").bind(chat_id).execute(&mut *tx).await?;
            let done = sqlx::query("DELETE FROM chats WHERE id = $1").bind(chat_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(done.rows_affected())
        })?;
        Ok(done > 0)
    }

    /// Distinct active chats following any of `topics`: the audience of a post.
    pub async fn audience_size(&self, topics: &TopicList) -> Result<i64> {
        let mut total = 0;
        if topics.is_empty() {
            return Ok(total);
        }
        let placeholders: Vec<String> = (1..=topics.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT COUNT(DISTINCT s.chat_id) FROM subscriptions s JOIN chats c ON c.id = s.chat_id \
             WHERE c.status = 'active' AND s.topic_key IN ({})",
            placeholders.join(", ")
        );
        on_pool!(&self.pool, |p| {
            let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str()));
            for topic in topics {
                query = query.bind(topic.as_str());
            }
            total = query.fetch_one(p).await?;
        });
        Ok(total)
    }
}

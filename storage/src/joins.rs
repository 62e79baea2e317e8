//! Joins through deep links, written in batches.
//!
//! When a QR code on a poster is scanned at a rally, thousands of members
//! open the same deep link within seconds. Each join is a chat row, a
//! subscription and a statistics event; written one transaction each, the
//! commits (and on PostgreSQL the round trips) cost more than the answers
//! Telegram lets the bot send. So joins that arrive while a batch is being
//! written wait for the next one, and every batch is one transaction: group
//! commit, as databases do it for their own log. A lone join is written at
//! once, as before; nobody waits for a batch to fill.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::members::{EVENT, INSERT_CHAT, SUBSCRIBE, SUBSCRIPTIONS};
use crate::{NewChat, Pool, Result, Storage, StorageError};

/// Most joins in one transaction; more wait for the next. The members of
/// a batch resume together, in any order; their answers still go out in
/// the order they came (see `basis_outbound::answering`).
const BATCH_LIMIT: usize = 500;

/// One join waiting for its batch.
struct Pending {
    id: i64,
    kind: &'static str,
    locale: String,
    privacy_version: i64,
    topic: String,
    source: String,
    now: i64,
    answer: oneshot::Sender<Result<Vec<String>>>,
}

/// Joins waiting to be written, shared by the clones of one [`Storage`].
#[derive(Default)]
pub(crate) struct JoinQueue {
    pending: Mutex<Vec<Pending>>,
    /// One batch in flight at a time; joins arriving meanwhile gather.
    turn: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for JoinQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinQueue").finish_non_exhaustive()
    }
}

impl Storage {
    /// A join through a deep link: the chat's row (made on this first
    /// choice, with the privacy notice in force, or kept as it is), the
    /// subscription to a current topic and its statistics event (which names
    /// no chat), committed together. Returns the chat's topic keys
    /// afterwards, in the configured order, for the answer's keyboard.
    /// Joins arriving at once are committed in one transaction (see the
    /// module), each with its own result.
    pub async fn join_via(&self, chat: NewChat<'_>, topic: &str, source: &str, now: i64) -> Result<Vec<String>> {
        let (answer, answered) = oneshot::channel();
        let pending = Pending {
            id: chat.id,
            kind: chat.kind.as_str(),
            locale: chat.locale.to_owned(),
            privacy_version: chat.privacy_version,
            topic: topic.to_owned(),
            source: source.to_owned(),
            now,
            answer,
        };
        let first = {
            let mut queue = crate::lock(&self.joins.pending);
            queue.push(pending);
            queue.len() == 1
        };
        // The first to find the queue empty starts a batch. It runs as a task
        // of its own: a handler that is cancelled leaves the others' joins
        // in good hands.
        if first {
            let storage = self.clone();
            tokio::spawn(async move { storage.write_joins().await });
        }
        answered.await.map_err(|_| StorageError::Interrupted)?
    }

    async fn write_joins(&self) {
        let _turn = self.joins.turn.lock().await;
        loop {
            let batch: Vec<Pending> = {
                let mut queue = crate::lock(&self.joins.pending);
                let take = queue.len().min(BATCH_LIMIT);
                queue.drain(..take).collect()
            };
            if batch.is_empty() {
                return;
            }
            match self.join_batch(&batch).await {
                Ok(mut topics) => {
                    for pending in batch {
                        let _ = pending.answer.send(Ok(topics.remove(&pending.id).unwrap_or_default()));
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, joins = batch.len(), "a batch of joins failed");
                    let shared = Arc::new(error);
                    for pending in batch {
                        let _ = pending.answer.send(Err(StorageError::Batch(shared.clone())));
                    }
                }
            }
        }
    }

    /// Writes the batch in one transaction; the topics of every chat in it.
    async fn join_batch(&self, batch: &[Pending]) -> Result<HashMap<i64, Vec<String>>, sqlx::Error> {
        let _turn = self.write_turn().await;
        let mut topics: HashMap<i64, Vec<String>> = HashMap::with_capacity(batch.len());
        match &self.pool {
            // In-process: the statements cost no round trips; the one commit
            // is what counts.
            Pool::Sqlite(p) => {
                let mut tx = p.begin().await?;
                for join in batch {
                    sqlx::query(INSERT_CHAT)
                        .bind(join.id)
                        .bind(join.kind)
                        .bind(&join.locale)
                        .bind(join.now)
                        .bind(join.privacy_version)
                        .execute(&mut *tx)
                        .await?;
                    let done =
                        sqlx::query(SUBSCRIBE).bind(join.id).bind(&join.topic).bind(join.now).execute(&mut *tx).await?;
                    if done.rows_affected() > 0 {
                        sqlx::query(EVENT)
                            .bind(&join.topic)
                            .bind(join.now)
                            .bind(1_i64)
                            .bind(&join.source)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let keys = sqlx::query_scalar::<_, String>(SUBSCRIPTIONS).bind(join.id).fetch_all(&mut *tx).await?;
                    topics.insert(join.id, keys);
                }
                tx.commit().await?;
            }
            // Over the network: the whole batch is one statement, one round
            // trip. The parts of a statement see one snapshot, so the topics
            // read are completed with what the statement adds; the foreign
            // keys are checked at its end, when the chats' rows are there.
            // Updates of one chat come in sequence, so a chat is in a batch
            // at most once (`DISTINCT ON` keeps a second one harmless).
            Pool::Postgres(p) => {
                let sql = "WITH input AS (\
                             SELECT DISTINCT ON (id) * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], \
                               $4::BIGINT[], $5::TEXT[], $6::TEXT[], $7::BIGINT[]) \
                               AS i(id, kind, locale, privacy_version, topic, source, at)), \
                           chat AS (\
                             INSERT INTO chats (id, kind, locale, status, consent_at, updated_at, privacy_version) \
                             SELECT id, kind, locale, 'active', at, at, privacy_version FROM input \
                             ON CONFLICT (id) DO NOTHING), \
                           joined AS (\
                             INSERT INTO subscriptions (chat_id, topic_key, created_at) \
                             SELECT i.id, i.topic, i.at FROM input i JOIN topics t ON t.key = i.topic AND NOT t.retired \
                             ON CONFLICT (chat_id, topic_key) DO NOTHING RETURNING chat_id, topic_key), \
                           counted AS (\
                             INSERT INTO subscription_events (topic_key, at, delta, source) \
                             SELECT j.topic_key, i.at, 1, i.source FROM joined j JOIN input i ON i.id = j.chat_id) \
                           SELECT s.chat_id, s.topic_key FROM (\
                             SELECT chat_id, topic_key FROM subscriptions WHERE chat_id IN (SELECT id FROM input) \
                             UNION SELECT chat_id, topic_key FROM joined) s \
                           JOIN topics t ON t.key = s.topic_key \
                           ORDER BY s.chat_id, t.position, t.key";
                let column = |f: fn(&Pending) -> String| batch.iter().map(f).collect::<Vec<_>>();
                let rows = sqlx::query_as::<_, (i64, String)>(sql)
                    .bind(batch.iter().map(|j| j.id).collect::<Vec<_>>())
                    .bind(column(|j| j.kind.to_owned()))
                    .bind(column(|j| j.locale.clone()))
                    .bind(batch.iter().map(|j| j.privacy_version).collect::<Vec<_>>())
                    .bind(column(|j| j.topic.clone()))
                    .bind(column(|j| j.source.clone()))
                    .bind(batch.iter().map(|j| j.now).collect::<Vec<_>>())
                    .fetch_all(p)
                    .await?;
                for (chat, key) in rows {
                    topics.entry(chat).or_default().push(key);
                }
            }
        }
        Ok(topics)
    }
}

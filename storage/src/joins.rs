//! Joins through deep links, written in batches.
//!
//! A link may carry a region (`?start=strikes-R-wolfsburg`): the join then
//! also places the chat there, unless it chose a region before — scanning
//! the poster of another region's rally never overwrites a member's own
//! choice.
//!
//! When a QR code on a poster is scanned at a rally, thousands of members
//! open the same deep link within seconds. Each join is a chat row, a
//! subscription and a statistics event; written one transaction each, the
//! commits (and on PostgreSQL the round trips) cost more than the answers
//! Telegram lets the bot send. So joins that arrive while a batch is being
//! written wait for the next one, and every batch is one transaction: group
//! commit, as databases do it for their own log. A lone join is written at
//! once, as before; nobody waits for a batch to fill.

use crate::ChatId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use basis_core::RegionKey;

use crate::members::{EVENT, INSERT_CHAT, SUBSCRIBE, SUBSCRIPTIONS};
use crate::regions::PLACE_IF_UNPLACED;
use crate::{NewChat, Pool, Result, Storage, StorageError};

/// Most joins in one transaction; more wait for the next. The members of
/// a batch resume together, in any order; their answers still go out in
/// the order they came (see `basis_outbound::answering`).
const BATCH_LIMIT: usize = 500;

/// One join waiting for its batch.
struct Pending {
    id: ChatId,
    kind: &'static str,
    locale: String,
    privacy_version: i64,
    topic: String,
    region: Option<RegionKey>,
    source: String,
    now: i64,
    answer: oneshot::Sender<Result<Joined>>,
}

/// What a join left: the chat's topics and its region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Joined {
    /// The chat's topic keys, in the configured order, for the answer's
    /// keyboard.
    pub topics: Vec<String>,
    /// The chat's region afterwards: the link's, or the one it had chosen
    /// before; `None` when it has none.
    pub region: Option<RegionKey>,
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
        Ok(self.join_via_region(chat, topic, None, source, now).await?.topics)
    }

    /// [`join_via`](Self::join_via) through a link that carries a region:
    /// the chat is placed in it too (if it is current and the chat has
    /// chosen none yet), in the same transaction.
    pub async fn join_via_region(
        &self,
        chat: NewChat<'_>,
        topic: &str,
        region: Option<&RegionKey>,
        source: &str,
        now: i64,
    ) -> Result<Joined> {
        let (answer, answered) = oneshot::channel();
        let pending = Pending {
            id: chat.id,
            kind: chat.kind.as_str(),
            locale: chat.locale.to_owned(),
            privacy_version: chat.privacy_version,
            topic: topic.to_owned(),
            region: region.cloned(),
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
                Ok(mut joined) => {
                    for pending in batch {
                        let _ = pending.answer.send(Ok(joined.remove(&pending.id).unwrap_or_default()));
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

    /// Writes the batch in one transaction; the topics and region of every
    /// chat in it.
    async fn join_batch(&self, batch: &[Pending]) -> Result<HashMap<ChatId, Joined>, sqlx::Error> {
        let _turn = self.write_turn().await;
        let mut joined: HashMap<ChatId, Joined> = HashMap::with_capacity(batch.len());
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
                    if let Some(region) = &join.region {
                        sqlx::query(PLACE_IF_UNPLACED)
                            .bind(join.id)
                            .bind(region)
                            .bind(join.now)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let topics =
                        sqlx::query_scalar::<_, String>(SUBSCRIPTIONS).bind(join.id).fetch_all(&mut *tx).await?;
                    let region =
                        sqlx::query_scalar::<_, RegionKey>("SELECT region_key FROM chat_regions WHERE chat_id = $1")
                            .bind(join.id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    joined.insert(join.id, Joined { topics, region });
                }
                tx.commit().await?;
            }
            // Over the network: the whole batch is one statement, one round
            // trip. The parts of a statement see one snapshot, so the topics
            // and region read are completed with what the statement adds; the
            // foreign keys are checked at its end, when the chats' rows are
            // there. Updates of one chat come in sequence, so a chat is in a
            // batch at most once (`DISTINCT ON` keeps a second one harmless).
            // Every chat of the batch gets one row at least (no topic when it
            // follows none), carrying its region.
            Pool::Postgres(p) => {
                let sql = "WITH input AS (\
                             SELECT DISTINCT ON (id) * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], \
                               $4::BIGINT[], $5::TEXT[], $6::TEXT[], $7::BIGINT[], $8::TEXT[]) \
                               AS i(id, kind, locale, privacy_version, topic, source, at, region)), \
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
                             SELECT j.topic_key, i.at, 1, i.source FROM joined j JOIN input i ON i.id = j.chat_id), \
                           placed AS (\
                             INSERT INTO chat_regions (chat_id, region_key, chosen_at) \
                             SELECT i.id, i.region, i.at FROM input i \
                             JOIN regions r ON r.key = i.region AND NOT r.retired \
                             ON CONFLICT (chat_id) DO NOTHING RETURNING chat_id, region_key) \
                           SELECT i.id, s.topic_key, COALESCE(m.region_key, pl.region_key) AS region_key FROM input i \
                           LEFT JOIN (\
                             SELECT chat_id, topic_key FROM subscriptions WHERE chat_id IN (SELECT id FROM input) \
                             UNION SELECT chat_id, topic_key FROM joined) s ON s.chat_id = i.id \
                           LEFT JOIN topics t ON t.key = s.topic_key \
                           LEFT JOIN chat_regions m ON m.chat_id = i.id \
                           LEFT JOIN placed pl ON pl.chat_id = i.id \
                           ORDER BY i.id, t.position, t.key";
                let column = |f: fn(&Pending) -> String| batch.iter().map(f).collect::<Vec<_>>();
                let rows = sqlx::query_as::<_, (ChatId, Option<String>, Option<RegionKey>)>(sql)
                    .bind(batch.iter().map(|j| j.id).collect::<Vec<_>>())
                    .bind(column(|j| j.kind.to_owned()))
                    .bind(column(|j| j.locale.clone()))
                    .bind(batch.iter().map(|j| j.privacy_version).collect::<Vec<_>>())
                    .bind(column(|j| j.topic.clone()))
                    .bind(column(|j| j.source.clone()))
                    .bind(batch.iter().map(|j| j.now).collect::<Vec<_>>())
                    .bind(batch.iter().map(|j| j.region.as_ref().map(|r| r.to_string())).collect::<Vec<_>>())
                    .fetch_all(p)
                    .await?;
                for (chat, key, region) in rows {
                    let entry = joined.entry(chat).or_default();
                    entry.topics.extend(key);
                    entry.region = region;
                }
            }
        }
        Ok(joined)
    }
}

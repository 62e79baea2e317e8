//! Claiming due deliveries under a lease and settling them with the
//! lease's token (fencing): what the broadcaster's workers do.

use super::*;
use crate::{BroadcastId, ChatId};
use basis_core::{DeliveryStatus, RsvpAnswer};

/// A group became a supergroup: the chat (with its topics and region) takes the new id,
/// and the delivery goes back to the queue under it. If the new id is known
/// already, the old chat's topics are merged into it.
macro_rules! move_chat {
    ($tx:ident, $s:expr, $to:expr, $now:expr) => {{
        let (s, to, now): (&Settlement, ChatId, i64) = ($s, $to, $now);
        let owned = sqlx::query(
            "UPDATE deliveries SET lease_until = NULL, updated_at = $4 \
         WHERE broadcast_id = $1 AND chat_id = $2 AND lease_token = $3 AND status = 'sending'",
        )
        .bind(s.broadcast_id)
        .bind(s.chat_id)
        .bind(s.lease_token)
        .bind(now)
        .execute(&mut *$tx)
        .await?
        .rows_affected();
        if owned > 0 {
            let from = s.chat_id;
            sqlx::query(
                "INSERT INTO chats (id, kind, locale, status, consent_at, updated_at, privacy_version) \
         SELECT $2, 'supergroup', locale, 'active', consent_at, $3, privacy_version FROM chats WHERE id = $1 \
         ON CONFLICT (id) DO NOTHING",
            )
            .bind(from)
            .bind(to)
            .bind(now)
            .execute(&mut *$tx)
            .await?;
            sqlx::query(
                "INSERT INTO subscriptions (chat_id, topic_key, created_at) \
         SELECT $2, topic_key, created_at FROM subscriptions WHERE chat_id = $1 \
         ON CONFLICT (chat_id, topic_key) DO NOTHING",
            )
            .bind(from)
            .bind(to)
            .execute(&mut *$tx)
            .await?;
            sqlx::query("DELETE FROM subscriptions WHERE chat_id = $1").bind(from).execute(&mut *$tx).await?;
            // Its region too, unless the new chat chose one of its own.
            sqlx::query(
                "INSERT INTO chat_regions (chat_id, region_key, chosen_at) \
         SELECT $2, region_key, chosen_at FROM chat_regions WHERE chat_id = $1 ON CONFLICT (chat_id) DO NOTHING",
            )
            .bind(from)
            .bind(to)
            .execute(&mut *$tx)
            .await?;
            sqlx::query("DELETE FROM chat_regions WHERE chat_id = $1").bind(from).execute(&mut *$tx).await?;
            // Its answers to events move too, so that /stop in the new chat removes them.
            sqlx::query(
                "INSERT INTO rsvps (event_id, chat_id, answer, at) SELECT event_id, $2, answer, at FROM rsvps \
         WHERE chat_id = $1 ON CONFLICT (event_id, chat_id) DO NOTHING",
            )
            .bind(from)
            .bind(to)
            .execute(&mut *$tx)
            .await?;
            sqlx::query("DELETE FROM rsvps WHERE chat_id = $1").bind(from).execute(&mut *$tx).await?;
            sqlx::query("DELETE FROM chats WHERE id = $1").bind(from).execute(&mut *$tx).await?;
            // Every open delivery to the old id now goes to the new one, unless the
            // new chat already has its own delivery of that broadcast.
            sqlx::query(
                "DELETE FROM deliveries WHERE chat_id = $1 AND status IN ('pending', 'sending') \
         AND broadcast_id IN (SELECT broadcast_id FROM deliveries WHERE chat_id = $2)",
            )
            .bind(from)
            .bind(to)
            .execute(&mut *$tx)
            .await?;
            sqlx::query(
            "UPDATE deliveries SET chat_id = $2, status = 'pending', due_at = $3, lease_until = NULL, updated_at = $3 \
         WHERE chat_id = $1 AND status IN ('pending', 'sending')",
        )
        .bind(from)
        .bind(to)
        .bind(now)
        .execute(&mut *$tx)
        .await?;
        }
        owned
    }};
}

/// A delivery a worker holds until its lease ends.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Claimed {
    /// The broadcast being delivered.
    pub broadcast_id: BroadcastId,
    /// The chat it goes to.
    pub chat_id: ChatId,
    /// Attempts counted so far (waiting out a 429 does not count).
    pub attempts: i64,
    /// The delivery's priority; higher goes first.
    pub priority: i64,
    /// The lease's token, handed back when settling.
    pub lease_token: i64,
    /// The message this delivery replies to, edits or deletes.
    pub ref_message_id: Option<i64>,
    /// The forum topic it goes to, if any.
    pub thread_id: Option<i64>,
    /// The member's language and answer, for event broadcasts.
    pub locale: Option<String>,
    /// The member's current answer, for refreshed invitations.
    pub choice: Option<RsvpAnswer>,
}

/// How one send ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered.
    Sent {
        /// The message in the chat.
        message_id: i64,
    },
    /// Try again at `due_at`. `counts` is false for 429: waiting out a flood
    /// limit is not the chat's fault.
    Retry {
        /// When to try again (Unix ms).
        due_at: i64,
        /// Why this attempt failed.
        error: String,
        /// Whether the attempt counts against the delivery's retries.
        counts: bool,
    },
    /// Gave up (retries exhausted, or a permanent error).
    Failed {
        /// Why it failed.
        error: String,
    },
    /// The chat cannot be reached any more; later posts skip it.
    Blocked {
        /// Why the chat cannot be reached.
        error: String,
    },
    /// A group became a supergroup: move the chat and send again.
    Moved {
        /// The supergroup's chat id.
        to_chat_id: ChatId,
    },
}

/// How one claimed delivery ended, with the lease it was claimed under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// The broadcast delivered.
    pub broadcast_id: BroadcastId,
    /// The chat it went to.
    pub chat_id: ChatId,
    /// The token of the claim's lease.
    pub lease_token: i64,
    /// How the send ended.
    pub outcome: Outcome,
}

/// How often claims look for leases that ran out.
const LEASE_CHECK_MS: i64 = 1_000;

/// Rows per statement when marking deliveries sent (4 parameters each; far
/// below both engines' parameter limits).
const SENT_PER_STATEMENT: usize = 256;

/// `UPDATE … FROM (VALUES …)` marking `rows` deliveries sent, each fenced by
/// its lease token. `$1` is the time; then four parameters per row. Only
/// numbered placeholders are generated, never values.
fn mark_sent_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| {
            let n = 2 + i * 4;
            format!(
                "(CAST(${} AS BIGINT), CAST(${} AS BIGINT), CAST(${} AS BIGINT), CAST(${} AS BIGINT))",
                n,
                n + 1,
                n + 2,
                n + 3
            )
        })
        .collect();
    format!(
        "WITH v(b, c, t, m) AS (VALUES {}) \
         UPDATE deliveries SET status = 'sent', message_id = v.m, attempts = attempts + 1, error = NULL, \
         lease_until = NULL, updated_at = $1 \
         FROM v WHERE deliveries.broadcast_id = v.b AND deliveries.chat_id = v.c \
         AND deliveries.lease_token = v.t AND deliveries.status = 'sending'",
        values.join(", ")
    )
}

impl Storage {
    /// Claims up to `limit` due deliveries, most urgent first, under a lease
    /// until `now + lease_ms`. Leases that ran out (a worker died) are
    /// returned to the queue first.
    pub async fn claim(&self, limit: i64, now: i64, lease_ms: i64) -> Result<Vec<Claimed>> {
        let _turn = self.write_turn().await;
        let token: i64 = rand::random::<i64>() & i64::MAX;
        let expire = "UPDATE deliveries SET status = 'pending', updated_at = $1 \
                      WHERE status = 'sending' AND lease_until < $1";
        let checked = &self.leases_checked;
        let last = checked.load(std::sync::atomic::Ordering::Relaxed);
        let expire_due = now - last >= LEASE_CHECK_MS
            && checked
                .compare_exchange(last, now, std::sync::atomic::Ordering::Relaxed, std::sync::atomic::Ordering::Relaxed)
                .is_ok();
        let claimed = match &self.pool {
            Pool::Sqlite(p) => {
                if expire_due {
                    sqlx::query(expire).bind(now).execute(p).await?;
                }
                sqlx::query_as::<_, Claimed>(
                    "UPDATE deliveries SET status = 'sending', lease_until = $1, lease_token = $2, updated_at = $3 \
                     WHERE (broadcast_id, chat_id) IN ( \
                       SELECT broadcast_id, chat_id FROM deliveries \
                       WHERE status = 'pending' AND due_at <= $3 \
                       ORDER BY priority DESC, due_at LIMIT $4) \
                     RETURNING broadcast_id, chat_id, attempts, priority, lease_token, ref_message_id, thread_id, locale, \
                     choice",
                )
                .bind(now + lease_ms)
                .bind(token)
                .bind(now)
                .bind(limit)
                .fetch_all(p)
                .await?
            }
            Pool::Postgres(p) => {
                if expire_due {
                    sqlx::query(expire).bind(now).execute(p).await?;
                }
                sqlx::query_as::<_, Claimed>(
                    "WITH due AS ( \
                       SELECT broadcast_id, chat_id FROM deliveries \
                       WHERE status = 'pending' AND due_at <= $3 \
                       ORDER BY priority DESC, due_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
                     UPDATE deliveries d SET status = 'sending', lease_until = $1, lease_token = $2, updated_at = $3 \
                     FROM due WHERE d.broadcast_id = due.broadcast_id AND d.chat_id = due.chat_id \
                     RETURNING d.broadcast_id, d.chat_id, d.attempts, d.priority, d.lease_token, d.ref_message_id, d.thread_id, \
                     d.locale, d.choice",
                )
                .bind(now + lease_ms)
                .bind(token)
                .bind(now)
                .bind(limit)
                .fetch_all(p)
                .await?
            }
        };
        let mut claimed = claimed;
        claimed.sort_by_key(|c| (-c.priority, c.broadcast_id, c.chat_id));
        Ok(claimed)
    }

    /// Records outcomes in one transaction. A settlement whose lease token no
    /// longer matches (the lease expired and the row was claimed again) is
    /// ignored. Returns how many were applied.
    pub async fn settle(&self, settlements: &[Settlement], now: i64) -> Result<usize> {
        let _turn = self.write_turn().await;
        if settlements.is_empty() {
            return Ok(0);
        }
        // Successful sends are nearly all of them: they are written many rows
        // per statement; the rest one by one.
        let sent: Vec<(&Settlement, i64)> = settlements
            .iter()
            .filter_map(|s| match s.outcome {
                Outcome::Sent { message_id } => Some((s, message_id)),
                _ => None,
            })
            .collect();
        let applied = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let mut applied = 0;
            for chunk in sent.chunks(SENT_PER_STATEMENT) {
                let sql = mark_sent_sql(chunk.len());
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
                for (s, message_id) in chunk {
                    query = query.bind(s.broadcast_id).bind(s.chat_id).bind(s.lease_token).bind(*message_id);
                }
                applied += query.execute(&mut *tx).await?.rows_affected() as usize;
            }
            for s in settlements {
                let done = match &s.outcome {
                    Outcome::Sent { .. } => 0,
                    Outcome::Retry { due_at, error, counts } => sqlx::query(
                        "UPDATE deliveries SET status = 'pending', due_at = $4, error = $5, \
                         attempts = attempts + $6, lease_until = NULL, updated_at = $7 \
                         WHERE broadcast_id = $1 AND chat_id = $2 AND lease_token = $3 AND status = 'sending'",
                    )
                    .bind(s.broadcast_id)
                    .bind(s.chat_id)
                    .bind(s.lease_token)
                    .bind(*due_at)
                    .bind(error)
                    .bind(i64::from(*counts))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
                    Outcome::Failed { error } | Outcome::Blocked { error } => {
                        let status = match s.outcome {
                            Outcome::Blocked { .. } => DeliveryStatus::Blocked,
                            _ => DeliveryStatus::Failed,
                        };
                        let done = sqlx::query(
                            "UPDATE deliveries SET status = $4, error = $5, attempts = attempts + 1, \
                             lease_until = NULL, updated_at = $6 \
                             WHERE broadcast_id = $1 AND chat_id = $2 AND lease_token = $3 AND status = 'sending'",
                        )
                        .bind(s.broadcast_id)
                        .bind(s.chat_id)
                        .bind(s.lease_token)
                        .bind(status)
                        .bind(error)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if done > 0 && status == DeliveryStatus::Blocked {
                            sqlx::query("UPDATE chats SET status = 'blocked', updated_at = $2 WHERE id = $1 AND kind = 'private'")
                                .bind(s.chat_id)
                                .bind(now)
                                .execute(&mut *tx)
                                .await?;
                            sqlx::query(
                                "UPDATE chats SET status = 'left', updated_at = $2 WHERE id = $1 AND kind <> 'private'",
                            )
                            .bind(s.chat_id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        }
                        done
                    }
                    Outcome::Moved { to_chat_id } => move_chat!(tx, s, *to_chat_id, now),
                };
                applied += done as usize;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(applied)
        })?;
        Ok(applied)
    }
}

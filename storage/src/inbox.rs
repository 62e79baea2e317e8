//! The organizers' inbox: members write to the bot, organizers answer from
//! a Telegram group. Stored is only what routes a message and its answer —
//! which member chat a conversation belongs to (under a pseudonymous case
//! number), where the conversation lives in the inbox group, which message
//! there stands for which in the member's chat, and when — never a text.
//!
//! Messages travel through a durable queue (`inbox_relays`): a handler
//! records a relay and returns; a worker claims the oldest relay of each
//! conversation and direction under a lease (SQLite `UPDATE … RETURNING`,
//! PostgreSQL `FOR UPDATE SKIP LOCKED`), copies it and settles it with the
//! lease's token, as the broadcaster does with deliveries. A conversation
//! has at most one relay per direction in flight, so its messages arrive in
//! the order they were written; a restart or a second worker loses none
//! and repeats at most those in flight.

use crate::{ChatId, UserId};
use basis_core::{AuditAction, InboxCopy, RelayDirection, RelayStatus};

use crate::organizers::AUDIT;
use crate::{Pool, Result, Storage, on_pool};

/// The group where organizers read and answer members' messages.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Inbox {
    /// The group's chat id.
    pub chat_id: ChatId,
    /// Topics on: every conversation gets a forum topic of its own.
    pub forum: bool,
    /// The language of labels and notices in the group (`de`, `en`).
    pub locale: String,
    /// The owner who made it the inbox.
    pub set_by: UserId,
    /// When (Unix ms).
    pub set_at: i64,
}

/// One member's conversation with the organizers.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Case {
    /// The pseudonymous number organizers see (`Mitglied #12`).
    pub case_no: i64,
    /// The member's private chat.
    pub chat_id: ChatId,
    /// The inbox group its topic or label is in.
    pub inbox_chat_id: Option<ChatId>,
    /// Its forum topic there, in a forum.
    pub thread_id: Option<i64>,
    /// Whether that topic is closed on Telegram now.
    pub topic_closed: bool,
    /// Its label there, in a group without topics.
    pub header_id: Option<i64>,
    /// When the conversation (last) opened (Unix ms).
    pub opened_at: i64,
    /// When an organizer first answered since then.
    pub answered_at: Option<i64>,
    /// When an organizer closed it; `None` while open.
    pub closed_at: Option<i64>,
    /// When an organizer muted the member; `None` unless muted.
    pub muted_at: Option<i64>,
}

impl Case {
    /// Its forum topic in the inbox `inbox`, if it has one there.
    pub fn topic_in(&self, inbox: ChatId) -> Option<i64> {
        self.thread_id.filter(|_| self.inbox_chat_id == Some(inbox))
    }

    /// Its label in the inbox `inbox` (a group without topics), if sent.
    pub fn header_in(&self, inbox: ChatId) -> Option<i64> {
        self.header_id.filter(|_| self.inbox_chat_id == Some(inbox))
    }
}

/// What became of a member's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// Queued for the inbox; `opened` when it began a conversation (the
    /// member's first message, or the first after one was closed).
    Queued {
        /// The conversation's case number.
        case_no: i64,
        /// Whether this message opened the conversation.
        opened: bool,
    },
    /// Organizers muted the member: nothing is relayed.
    Muted,
}

/// A message in the inbox group that belongs to a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct InboxMessage {
    /// The conversation.
    pub case_no: i64,
    /// What it stands for.
    pub kind: InboxCopy,
    /// Its counterpart in the member's chat (none for a label).
    pub member_message_id: Option<i64>,
}

/// An organizer's answer, to be copied to the member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAnswer {
    /// The conversation.
    pub case_no: i64,
    /// The inbox group the answer was written in.
    pub inbox_chat_id: ChatId,
    /// The answer there.
    pub message_id: i64,
    /// The member's message it answers, in the member's chat.
    pub reply_to: Option<i64>,
    /// The organizer's first name, when answers are signed.
    pub signer: Option<String>,
}

/// A relay a worker holds until its lease ends.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimedRelay {
    /// The relay.
    pub id: i64,
    /// The conversation.
    pub case_no: i64,
    /// Which way it goes.
    pub direction: RelayDirection,
    /// The member's chat.
    pub chat_id: ChatId,
    /// The chat the message to copy is in.
    pub from_chat_id: ChatId,
    /// The message to copy.
    pub message_id: i64,
    /// The message the original replied to, on the sender's side.
    pub reply_to: Option<i64>,
    /// The organizer's first name, when answers are signed.
    pub signer: Option<String>,
    /// Failed attempts so far.
    pub attempts: i64,
    /// The lease's token, handed back when settling.
    pub lease_token: i64,
}

/// The copy a relay made, recorded when it is settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Copied {
    /// The inbox group.
    pub inbox_chat_id: ChatId,
    /// The message in the inbox group: the copy of a member's message, or
    /// the organizer's answer that was copied.
    pub inbox_message_id: i64,
    /// Its counterpart in the member's chat.
    pub member_message_id: i64,
}

/// The inbox in figures, without a chat id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboxStats {
    /// Conversations not closed.
    pub open: i64,
    /// Of those, with the member muted.
    pub muted: i64,
    /// Conversations an organizer answered.
    pub answered: i64,
    /// The median time from a conversation's opening to its first answer.
    pub median_first_answer_ms: Option<i64>,
}

/// What the inbox keeps about one member, for `/mydata`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseData {
    /// The conversation.
    pub case: Case,
    /// Messages of it in the inbox group (copies, answers, its label).
    pub messages: i64,
    /// Relays still waiting.
    pub waiting: i64,
}

/// Relays claimed at most per call.
pub const RELAY_BATCH: i64 = 64;

const CASE_COLUMNS: &str = "case_no, chat_id, inbox_chat_id, thread_id, topic_closed, header_id, opened_at, \
                            answered_at, closed_at, muted_at";

/// Deletes (with the cascade) a conversation's relays and mapping.
const DELETE_CASE: &str = "DELETE FROM inbox_cases WHERE chat_id = $1";

impl Storage {
    /// The inbox, if an owner set one up.
    pub async fn inbox(&self) -> Result<Option<Inbox>> {
        let sql = "SELECT chat_id, forum, locale, set_by, set_at FROM inbox WHERE id = 1";
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Inbox>(sql).fetch_optional(p).await)?)
    }

    /// Makes `inbox.chat_id` the inbox (there is one per deployment) and
    /// returns the one it replaces, if any.
    pub async fn set_inbox(&self, inbox: &Inbox) -> Result<Option<Inbox>> {
        let previous = self.inbox().await?;
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO inbox (id, chat_id, forum, locale, set_by, set_at) VALUES (1, $1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO UPDATE SET chat_id = $1, forum = $2, locale = $3, set_by = $4, set_at = $5",
            )
            .bind(inbox.chat_id)
            .bind(inbox.forum)
            .bind(&inbox.locale)
            .bind(inbox.set_by)
            .bind(inbox.set_at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(AUDIT)
                .bind(inbox.set_at)
                .bind(inbox.set_by)
                .bind(AuditAction::Inbox)
                .bind(inbox.chat_id.to_string())
                .bind(if inbox.forum { "forum" } else { "replies" })
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })?;
        Ok(previous)
    }

    /// Ends the inbox if `chat_id` is it: members' messages are no longer
    /// relayed, and those still waiting for it are dropped. Returns how
    /// many were dropped, or `None` when `chat_id` is not the inbox.
    pub async fn end_inbox(&self, chat_id: ChatId, by: UserId, now: i64) -> Result<Option<u64>> {
        let _turn = self.write_turn().await;
        let dropped = on_pool!(&self.pool, |p| async {
            let mut tx = p.begin().await?;
            let ended = sqlx::query("DELETE FROM inbox WHERE chat_id = $1").bind(chat_id).execute(&mut *tx).await?;
            if ended.rows_affected() == 0 {
                return Ok::<_, sqlx::Error>(None);
            }
            let dropped = sqlx::query("DELETE FROM inbox_relays WHERE direction = $1")
                .bind(RelayDirection::ToInbox)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(AUDIT)
                .bind(now)
                .bind(by)
                .bind(AuditAction::InboxOff)
                .bind(chat_id.to_string())
                .bind("")
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(dropped))
        }
        .await)?;
        Ok(dropped)
    }

    /// A group became a supergroup: the inbox moves with it. Topics and
    /// labels stay behind, so each conversation gets a new label there.
    pub async fn move_inbox(&self, from: ChatId, to: ChatId) -> Result<bool> {
        let _turn = self.write_turn().await;
        let moved = on_pool!(&self.pool, |p| sqlx::query("UPDATE inbox SET chat_id = $2 WHERE chat_id = $1")
            .bind(from)
            .bind(to)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(moved > 0)
    }

    /// A member's message `message_id` (replying to `reply_to` in their
    /// chat, if it does) is queued for the inbox. Opens the member's
    /// conversation, or opens it again once closed; a muted member's
    /// message is not queued.
    pub async fn inbox_receive(
        &self,
        chat_id: ChatId,
        message_id: i64,
        reply_to: Option<i64>,
        now: i64,
    ) -> Result<Received> {
        let _turn = self.write_turn().await;
        let received = on_pool!(&self.pool, |p| async {
            let mut tx = p.begin().await?;
            let created = sqlx::query(
                "INSERT INTO inbox_cases (chat_id, opened_at, updated_at) VALUES ($1, $2, $2) \
                 ON CONFLICT (chat_id) DO NOTHING",
            )
            .bind(chat_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            let (case_no, closed_at, muted_at): (i64, Option<i64>, Option<i64>) =
                sqlx::query_as("SELECT case_no, closed_at, muted_at FROM inbox_cases WHERE chat_id = $1")
                    .bind(chat_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if muted_at.is_some() {
                tx.commit().await?;
                return Ok::<_, sqlx::Error>(Received::Muted);
            }
            let reopened = closed_at.is_some();
            if reopened {
                // A new conversation: its own first answer, and in a group
                // without topics a label of its own.
                sqlx::query(
                    "UPDATE inbox_cases SET closed_at = NULL, opened_at = $2, answered_at = NULL, header_id = NULL, \
                     updated_at = $2 WHERE case_no = $1",
                )
                .bind(case_no)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "INSERT INTO inbox_relays (case_no, direction, chat_id, from_chat_id, message_id, reply_to, status, \
                 due_at, created_at) VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $7)",
            )
            .bind(case_no)
            .bind(RelayDirection::ToInbox)
            .bind(chat_id)
            .bind(message_id)
            .bind(reply_to)
            .bind(RelayStatus::Pending)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Received::Queued { case_no, opened: created || reopened })
        }
        .await)?;
        Ok(received)
    }

    /// An organizer's answer is queued for the member; the conversation's
    /// first answer is timed. `false` when the conversation is gone (the
    /// member left with `/stop`).
    pub async fn inbox_answer(&self, answer: &NewAnswer, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let queued = on_pool!(&self.pool, |p| async {
            let mut tx = p.begin().await?;
            let chat: Option<i64> = sqlx::query_scalar("SELECT chat_id FROM inbox_cases WHERE case_no = $1")
                .bind(answer.case_no)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(chat) = chat else {
                return Ok::<_, sqlx::Error>(false);
            };
            sqlx::query(
                "UPDATE inbox_cases SET answered_at = COALESCE(answered_at, $2), updated_at = $2 WHERE case_no = $1",
            )
            .bind(answer.case_no)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO inbox_relays (case_no, direction, chat_id, from_chat_id, message_id, reply_to, signer, \
                 status, due_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
            )
            .bind(answer.case_no)
            .bind(RelayDirection::ToMember)
            .bind(chat)
            .bind(answer.inbox_chat_id)
            .bind(answer.message_id)
            .bind(answer.reply_to)
            .bind(&answer.signer)
            .bind(RelayStatus::Pending)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        }
        .await)?;
        Ok(queued)
    }

    /// The conversation `case_no`.
    pub async fn inbox_case(&self, case_no: i64) -> Result<Option<Case>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM inbox_cases WHERE case_no = $1");
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(case_no)
            .fetch_optional(p)
            .await)?)
    }

    /// The conversation whose forum topic is `thread_id` of `inbox_chat_id`.
    pub async fn inbox_case_in_topic(&self, inbox_chat_id: ChatId, thread_id: i64) -> Result<Option<Case>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM inbox_cases WHERE inbox_chat_id = $1 AND thread_id = $2");
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(inbox_chat_id)
            .bind(thread_id)
            .fetch_optional(p)
            .await)?)
    }

    /// What the message `message_id` of the inbox group stands for, if it
    /// belongs to a conversation.
    pub async fn inbox_message(&self, inbox_chat_id: ChatId, message_id: i64) -> Result<Option<InboxMessage>> {
        let sql = "SELECT case_no, kind, member_message_id FROM inbox_messages \
                   WHERE inbox_chat_id = $1 AND inbox_message_id = $2";
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, InboxMessage>(sql)
            .bind(inbox_chat_id)
            .bind(message_id)
            .fetch_optional(p)
            .await)?)
    }

    /// The message of the inbox group `inbox_chat_id` that stands for the
    /// member's message `member_message_id` (a member replying to an answer
    /// is relayed as a reply to the organizer's message).
    pub async fn inbox_counterpart(
        &self,
        case_no: i64,
        inbox_chat_id: ChatId,
        member_message_id: i64,
    ) -> Result<Option<i64>> {
        let sql = "SELECT MAX(inbox_message_id) FROM inbox_messages \
                   WHERE case_no = $1 AND inbox_chat_id = $2 AND member_message_id = $3";
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, Option<i64>>(sql)
            .bind(case_no)
            .bind(inbox_chat_id)
            .bind(member_message_id)
            .fetch_one(p)
            .await)?)
    }

    /// Mutes the member of `case_no` (nothing more of theirs is relayed, and
    /// what waits is dropped) or unmutes them. `false` when nothing changed.
    pub async fn inbox_mute(&self, case_no: i64, muted: bool, by: UserId, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let changed = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let sql = match muted {
                true => "UPDATE inbox_cases SET muted_at = $2, updated_at = $2 WHERE case_no = $1 AND muted_at IS NULL",
                false => {
                    "UPDATE inbox_cases SET muted_at = NULL, updated_at = $2 WHERE case_no = $1 AND muted_at IS NOT NULL"
                }
            };
            let changed = sqlx::query(sql).bind(case_no).bind(now).execute(&mut *tx).await?.rows_affected() > 0;
            if changed {
                if muted {
                    sqlx::query("DELETE FROM inbox_relays WHERE case_no = $1 AND direction = $2 AND status = $3")
                        .bind(case_no)
                        .bind(RelayDirection::ToInbox)
                        .bind(RelayStatus::Pending)
                        .execute(&mut *tx)
                        .await?;
                }
                let action = if muted { AuditAction::Mute } else { AuditAction::Unmute };
                sqlx::query(AUDIT)
                    .bind(now)
                    .bind(by)
                    .bind(action)
                    .bind(format!("#{case_no}"))
                    .bind("")
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(changed)
        })?;
        Ok(changed)
    }

    /// Closes the conversation `case_no`; the member's next message opens
    /// it again. `false` when it was closed already.
    pub async fn inbox_close(&self, case_no: i64, by: UserId, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let closed = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let closed = sqlx::query(
                "UPDATE inbox_cases SET closed_at = $2, updated_at = $2 WHERE case_no = $1 AND closed_at IS NULL",
            )
            .bind(case_no)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if closed {
                sqlx::query(AUDIT)
                    .bind(now)
                    .bind(by)
                    .bind(AuditAction::Close)
                    .bind(format!("#{case_no}"))
                    .bind("")
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(closed)
        })?;
        Ok(closed)
    }

    /// The conversation's forum topic in `inbox_chat_id` was created.
    pub async fn inbox_topic_opened(
        &self,
        case_no: i64,
        inbox_chat_id: ChatId,
        thread_id: i64,
        now: i64,
    ) -> Result<()> {
        self.update_case(
            "UPDATE inbox_cases SET inbox_chat_id = $2, thread_id = $3, topic_closed = FALSE, header_id = NULL, \
             updated_at = $4 WHERE case_no = $1",
            case_no,
            inbox_chat_id,
            thread_id,
            now,
        )
        .await
    }

    /// The conversation's label in `inbox_chat_id` (a group without topics)
    /// was sent as `header_id`: replies to it reach the member.
    pub async fn inbox_header_sent(&self, case_no: i64, inbox_chat_id: ChatId, header_id: i64, now: i64) -> Result<()> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let updated = sqlx::query(
                "UPDATE inbox_cases SET inbox_chat_id = $2, header_id = $3, thread_id = NULL, updated_at = $4 \
                 WHERE case_no = $1",
            )
            .bind(case_no)
            .bind(inbox_chat_id)
            .bind(header_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() > 0 {
                sqlx::query(
                    "INSERT INTO inbox_messages (inbox_chat_id, inbox_message_id, case_no, kind, at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (inbox_chat_id, inbox_message_id) DO NOTHING",
                )
                .bind(inbox_chat_id)
                .bind(header_id)
                .bind(case_no)
                .bind(InboxCopy::Header)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// Whether the conversation's topic is closed on Telegram now.
    pub async fn inbox_topic_closed(&self, case_no: i64, closed: bool, now: i64) -> Result<()> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query(
            "UPDATE inbox_cases SET topic_closed = $2, updated_at = $3 WHERE case_no = $1"
        )
        .bind(case_no)
        .bind(closed)
        .bind(now)
        .execute(p)
        .await
        .map(drop))?;
        Ok(())
    }

    /// The conversation's topic or label is gone (deleted in the group):
    /// the next message makes a new one.
    pub async fn inbox_place_lost(&self, case_no: i64, now: i64) -> Result<()> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query(
            "UPDATE inbox_cases SET thread_id = NULL, header_id = NULL, topic_closed = FALSE, updated_at = $2 \
             WHERE case_no = $1"
        )
        .bind(case_no)
        .bind(now)
        .execute(p)
        .await
        .map(drop))?;
        Ok(())
    }

    /// The message `message_id` of the inbox group is gone (an admin
    /// deleted it): nothing routes through it any more, and if it was a
    /// conversation's label, the next message gets a new one.
    pub async fn inbox_message_gone(&self, inbox_chat_id: ChatId, message_id: i64, now: i64) -> Result<()> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM inbox_messages WHERE inbox_chat_id = $1 AND inbox_message_id = $2")
                .bind(inbox_chat_id)
                .bind(message_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE inbox_cases SET header_id = NULL, updated_at = $3 WHERE inbox_chat_id = $1 AND header_id = $2",
            )
            .bind(inbox_chat_id)
            .bind(message_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })?;
        Ok(())
    }

    async fn update_case(&self, sql: &'static str, case_no: i64, a: ChatId, b: i64, now: i64) -> Result<()> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query(sql).bind(case_no).bind(a).bind(b).bind(now).execute(p).await.map(drop))?;
        Ok(())
    }

    /// Claims up to `limit` relays going `direction` under a lease until
    /// `now + lease_ms`: of each conversation only the oldest, and only
    /// while none of its is being sent, so that a conversation's messages
    /// keep their order across workers and restarts.
    pub async fn inbox_claim(
        &self,
        direction: RelayDirection,
        limit: i64,
        now: i64,
        lease_ms: i64,
    ) -> Result<Vec<ClaimedRelay>> {
        let _turn = self.write_turn().await;
        let token: i64 = rand::random::<i64>() & i64::MAX;
        // The head of each conversation's queue (this direction), if it may go.
        const HEADS: &str = "SELECT r.id FROM inbox_relays r \
             WHERE r.direction = $4 AND r.status = 'pending' AND r.due_at <= $3 \
             AND r.id = (SELECT MIN(h.id) FROM inbox_relays h WHERE h.case_no = r.case_no AND h.direction = r.direction) \
             ORDER BY r.id LIMIT $5";
        let mut claimed = match &self.pool {
            Pool::Sqlite(p) => {
                let sql = format!(
                    "UPDATE inbox_relays SET status = 'sending', lease_until = $1, lease_token = $2 \
                     WHERE id IN ({HEADS}) \
                     RETURNING id, case_no, direction, chat_id, from_chat_id, message_id, reply_to, signer, attempts, \
                     lease_token"
                );
                sqlx::query_as::<_, ClaimedRelay>(sqlx::AssertSqlSafe(sql))
                    .bind(now + lease_ms)
                    .bind(token)
                    .bind(now)
                    .bind(direction)
                    .bind(limit)
                    .fetch_all(p)
                    .await?
            }
            Pool::Postgres(p) => {
                let sql = format!(
                    "WITH due AS ({HEADS} FOR UPDATE OF r SKIP LOCKED) \
                     UPDATE inbox_relays q SET status = 'sending', lease_until = $1, lease_token = $2 \
                     FROM due WHERE q.id = due.id \
                     RETURNING q.id, q.case_no, q.direction, q.chat_id, q.from_chat_id, q.message_id, q.reply_to, \
                     q.signer, q.attempts, q.lease_token"
                );
                sqlx::query_as::<_, ClaimedRelay>(sqlx::AssertSqlSafe(sql))
                    .bind(now + lease_ms)
                    .bind(token)
                    .bind(now)
                    .bind(direction)
                    .bind(limit)
                    .fetch_all(p)
                    .await?
            }
        };
        claimed.sort_by_key(|r| r.id);
        Ok(claimed)
    }

    /// Returns every relay being sent to the queue: at the start of the
    /// instance that relays (the one that leads), whatever another held
    /// belonged to a process that is gone. Returns how many.
    pub async fn inbox_release_all(&self) -> Result<u64> {
        let _turn = self.write_turn().await;
        Ok(on_pool!(&self.pool, |p| sqlx::query(
            "UPDATE inbox_relays SET status = 'pending', lease_until = NULL WHERE status = 'sending'"
        )
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
    }

    /// Returns relays whose lease ran out (their worker died) to the queue.
    pub async fn inbox_expire_leases(&self, now: i64) -> Result<u64> {
        let _turn = self.write_turn().await;
        Ok(on_pool!(&self.pool, |p| {
            sqlx::query(
            "UPDATE inbox_relays SET status = 'pending', lease_until = NULL WHERE status = 'sending' AND lease_until < $1"
        )
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?)
    }

    /// The relay was copied: it leaves the queue, and the copy is recorded
    /// so that replies to it find their way. Only with the token of the
    /// current lease; `false` when the lease was lost (or the member left).
    pub async fn inbox_relayed(&self, relay: &ClaimedRelay, copied: Copied, now: i64) -> Result<bool> {
        let kind = match relay.direction {
            RelayDirection::ToInbox => InboxCopy::Member,
            RelayDirection::ToMember => InboxCopy::Answer,
        };
        let _turn = self.write_turn().await;
        let settled = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let deleted =
                sqlx::query("DELETE FROM inbox_relays WHERE id = $1 AND lease_token = $2 AND status = 'sending'")
                    .bind(relay.id)
                    .bind(relay.lease_token)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if deleted > 0 {
                sqlx::query(
                    "INSERT INTO inbox_messages (inbox_chat_id, inbox_message_id, case_no, kind, member_message_id, at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (inbox_chat_id, inbox_message_id) DO NOTHING",
                )
                .bind(copied.inbox_chat_id)
                .bind(copied.inbox_message_id)
                .bind(relay.case_no)
                .bind(kind)
                .bind(copied.member_message_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(deleted > 0)
        })?;
        Ok(settled)
    }

    /// Try the relay again at `due_at`; `counts` is false when the attempt
    /// was not its fault (the outbound path had no room for it in time).
    pub async fn inbox_retry(&self, relay: &ClaimedRelay, due_at: i64, counts: bool) -> Result<bool> {
        let _turn = self.write_turn().await;
        let done = on_pool!(&self.pool, |p| sqlx::query(
            "UPDATE inbox_relays SET status = 'pending', due_at = $3, attempts = attempts + $4, lease_until = NULL \
             WHERE id = $1 AND lease_token = $2 AND status = 'sending'"
        )
        .bind(relay.id)
        .bind(relay.lease_token)
        .bind(due_at)
        .bind(i64::from(counts))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// The relay cannot go (the message is gone, the member blocked the
    /// bot): it leaves the queue without a copy.
    pub async fn inbox_give_up(&self, relay: &ClaimedRelay) -> Result<bool> {
        let _turn = self.write_turn().await;
        let done = on_pool!(&self.pool, |p| sqlx::query(
            "DELETE FROM inbox_relays WHERE id = $1 AND lease_token = $2 AND status = 'sending'"
        )
        .bind(relay.id)
        .bind(relay.lease_token)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Relays waiting or being sent.
    pub async fn inbox_waiting(&self) -> Result<i64> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM inbox_relays")
            .fetch_one(p)
            .await)?)
    }

    /// The inbox in figures: open conversations, muted members, and the
    /// median time to a conversation's first answer (over the conversations
    /// still kept), never who.
    pub async fn inbox_stats(&self) -> Result<InboxStats> {
        let (open, muted, answered, waits) = on_pool!(&self.pool, |p| {
            let (open, muted): (i64, i64) =
                sqlx::query_as("SELECT COUNT(*), COUNT(muted_at) FROM inbox_cases WHERE closed_at IS NULL")
                    .fetch_one(p)
                    .await?;
            let waits: Vec<i64> = sqlx::query_scalar(
                "SELECT answered_at - opened_at FROM inbox_cases WHERE answered_at IS NOT NULL ORDER BY 1",
            )
            .fetch_all(p)
            .await?;
            Ok::<_, sqlx::Error>((open, muted, waits.len() as i64, waits))
        })?;
        Ok(InboxStats { open, muted, answered, median_first_answer_ms: median(&waits) })
    }

    /// What the inbox keeps about `chat_id`, for `/mydata`.
    pub async fn inbox_data(&self, chat_id: ChatId) -> Result<Option<CaseData>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM inbox_cases WHERE chat_id = $1");
        let data = on_pool!(&self.pool, |p| async {
            let Some(case) =
                sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(sql.as_str())).bind(chat_id).fetch_optional(p).await?
            else {
                return Ok::<_, sqlx::Error>(None);
            };
            let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbox_messages WHERE case_no = $1")
                .bind(case.case_no)
                .fetch_one(p)
                .await?;
            let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbox_relays WHERE case_no = $1")
                .bind(case.case_no)
                .fetch_one(p)
                .await?;
            Ok(Some(CaseData { case, messages, waiting }))
        }
        .await)?;
        Ok(data)
    }

    /// Forgets `chat_id`'s conversation: the case, what routed its messages
    /// and what waits to be relayed. `true` when there was one.
    pub async fn forget_inbox_chat(&self, chat_id: ChatId) -> Result<bool> {
        let _turn = self.write_turn().await;
        let done = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            // The cascade takes the relays and the mapping; relays are also
            // deleted by chat, should one be left without its case.
            sqlx::query("DELETE FROM inbox_relays WHERE chat_id = $1").bind(chat_id).execute(&mut *tx).await?;
            let done = sqlx::query(DELETE_CASE).bind(chat_id).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok::<_, sqlx::Error>(done)
        })?;
        Ok(done > 0)
    }

    /// Deletes the conversations closed before `closed_before` (Unix ms),
    /// with what routed their messages; returns how many went.
    pub async fn purge_inbox(&self, closed_before: i64) -> Result<u64> {
        let _turn = self.write_turn().await;
        Ok(on_pool!(&self.pool, |p| sqlx::query(
            "DELETE FROM inbox_cases WHERE closed_at IS NOT NULL AND closed_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM inbox_relays r WHERE r.case_no = inbox_cases.case_no)"
        )
        .bind(closed_before)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
    }
}

/// The middle value of sorted `values` (the lower of the two middle ones).
fn median(sorted: &[i64]) -> Option<i64> {
    match sorted.len() {
        0 => None,
        n => Some(sorted[(n - 1) / 2]),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(super::median(&[]), None);
        assert_eq!(super::median(&[5]), Some(5));
        assert_eq!(super::median(&[1, 2, 9]), Some(2));
        assert_eq!(super::median(&[1, 2, 8, 9]), Some(2));
    }
}

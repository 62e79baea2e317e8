//! The durable delivery queue. A broadcast is written together with one
//! delivery row per receiving chat; workers claim due rows under a lease and
//! settle them with the lease's token, so a worker whose lease expired cannot
//! change a row that another worker has claimed since (fencing).

use crate::{Pool, Result, Storage, on_pool};

/// A group became a supergroup: the chat (with its topics) takes the new id,
/// and the delivery goes back to the queue under it. If the new id is known
/// already, the old chat's topics are merged into it.
macro_rules! move_chat {
    ($tx:ident, $s:expr, $to:expr, $now:expr) => {{
        let (s, to, now): (&Settlement, i64, i64) = ($s, $to, $now);
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

/// What members receive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// Text composed by the bot, sent with sendMessage.
    Text(String),
    /// An organizer's message, copied with copyMessage (media travel by id).
    /// `text` is the message's text when it is a text message: what an edit
    /// may replace.
    Copy { chat_id: i64, message_id: i64, text: Option<String> },
    /// A correction: every delivered copy of the referenced broadcast gets
    /// this text (editMessageText).
    Edit(String),
    /// A retraction: every delivered copy of the referenced broadcast is
    /// deleted (deleteMessage; an album's `parts` with deleteMessages).
    Delete { parts: i64 },
    /// An organizer's album, copied whole with copyMessages.
    Album { chat_id: i64, message_ids: Vec<i64> },
    /// About an assembly; rendered for each member in their language.
    Event { event_id: i64, note: EventNote },
}

/// What an event broadcast tells its members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventNote {
    /// To the topics' subscribers, with RSVP buttons.
    Invitation,
    /// To those who said yes or maybe, as a reply to their invitation.
    Reminder,
    /// Time or place changed: urgent, to everyone invited.
    Change,
    /// Called off: urgent, to everyone invited.
    Cancel,
    /// Every invitation copy is edited to show the event as it is now.
    Refresh,
}

impl EventNote {
    pub fn as_str(self) -> &'static str {
        match self {
            EventNote::Invitation => "invitation",
            EventNote::Reminder => "reminder",
            EventNote::Change => "change",
            EventNote::Cancel => "cancel",
            EventNote::Refresh => "refresh",
        }
    }

    pub fn parse(text: &str) -> Option<EventNote> {
        [EventNote::Invitation, EventNote::Reminder, EventNote::Change, EventNote::Cancel, EventNote::Refresh]
            .into_iter()
            .find(|n| n.as_str() == text)
    }
}

/// What must still hold when a broadcast is written, checked in its
/// transaction: the thing it comes from is taken exactly once.
#[derive(Clone, Debug)]
pub(crate) enum Fence {
    None,
    /// A draft in this state becomes the broadcast.
    Draft(i64, DraftState),
    /// An event draft becomes active; its reminders (minutes before, due
    /// time) are written with it.
    Event {
        id: i64,
        reminders: Vec<(i64, i64)>,
    },
    /// A pending reminder is sent.
    Reminder {
        event_id: i64,
        minutes_before: i64,
    },
}

impl Content {
    fn kind(&self) -> &'static str {
        match self {
            Content::Text(_) => "text",
            Content::Copy { .. } => "copy",
            Content::Edit(_) => "edit",
            Content::Delete { .. } => "delete",
            Content::Album { .. } => "album",
            Content::Event { .. } => "event",
        }
    }

    /// Edits and deletions act on earlier messages instead of sending.
    pub fn is_correction(&self) -> bool {
        matches!(self, Content::Edit(_) | Content::Delete { .. })
    }
}

pub const PRIORITY_NORMAL: i64 = 0;
/// Overtakes the queue of normal broadcasts (a changed assembly time).
pub const PRIORITY_URGENT: i64 = 10;
/// Added for the organisation's own channels: published before members.
pub const PRIORITY_CHANNEL: i64 = 100;

#[derive(Clone, Debug)]
pub struct NewBroadcast {
    pub author_id: i64,
    pub content: Content,
    pub topics: Vec<String>,
    pub priority: i64,
    /// The organizer's chat that gets the progress message…
    pub report_chat_id: Option<i64>,
    /// …in the organizer's language.
    pub report_locale: String,
    /// A follow-up replies to each chat's copy of this broadcast; an edit or
    /// deletion acts on its copies.
    pub ref_broadcast_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Broadcast {
    pub id: i64,
    pub author_id: i64,
    pub kind: String,
    pub text: Option<String>,
    pub source_chat_id: Option<i64>,
    pub source_message_id: Option<i64>,
    pub topics: String,
    pub priority: i64,
    pub status: String,
    pub report_chat_id: Option<i64>,
    pub report_locale: String,
    pub report_message_id: Option<i64>,
    pub total: i64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub ref_broadcast_id: Option<i64>,
    pub event_id: Option<i64>,
    /// An album's message ids, comma-separated.
    pub album: Option<String>,
}

impl Broadcast {
    pub fn content(&self) -> Option<Content> {
        match (self.kind.as_str(), &self.text, self.source_chat_id, self.source_message_id) {
            ("text", Some(text), _, _) => Some(Content::Text(text.clone())),
            ("copy", text, Some(chat_id), Some(message_id)) => {
                Some(Content::Copy { chat_id, message_id, text: text.clone() })
            }
            ("edit", Some(text), _, _) => Some(Content::Edit(text.clone())),
            ("delete", parts, _, _) => {
                Some(Content::Delete { parts: parts.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1) })
            }
            ("album", _, Some(chat_id), _) => {
                Some(Content::Album { chat_id, message_ids: album_ids(self.album.as_deref())? })
            }
            ("event", Some(note), _, _) => {
                Some(Content::Event { event_id: self.event_id?, note: EventNote::parse(note)? })
            }
            _ => None,
        }
    }

    pub fn is_finished(&self) -> bool {
        self.status == "done"
    }
}

/// An organizer's post awaiting confirmation.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Draft {
    pub id: i64,
    pub author_id: i64,
    pub chat_id: i64,
    pub text: String,
    pub topics: String,
    /// compose → content → open (guided), open → timing → scheduled,
    /// open → review (approval); each ends queued or cancelled.
    pub status: String,
    pub broadcast_id: Option<i64>,
    pub source_chat_id: Option<i64>,
    pub source_message_id: Option<i64>,
    pub follow_up_of: Option<i64>,
    pub scheduled_at: Option<i64>,
    pub priority: i64,
    pub report_locale: String,
    pub created_at: i64,
    pub album: Option<String>,
}

impl Draft {
    pub fn content(&self) -> Content {
        if let (Some(chat_id), Some(message_ids)) = (self.source_chat_id, album_ids(self.album.as_deref())) {
            return Content::Album { chat_id, message_ids };
        }
        match (self.source_chat_id, self.source_message_id) {
            (Some(chat_id), Some(message_id)) => {
                Content::Copy { chat_id, message_id, text: Some(self.text.clone()).filter(|t| !t.is_empty()) }
            }
            _ => Content::Text(self.text.clone()),
        }
    }

    pub fn topic_keys(&self) -> Vec<String> {
        self.topics.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect()
    }
}

/// What an organizer composed, before preview.
#[derive(Clone, Debug)]
pub struct NewDraft {
    pub author_id: i64,
    /// The organizer's chat, where preview and report go.
    pub chat_id: i64,
    pub content: Content,
    pub topics: Vec<String>,
    pub follow_up_of: Option<i64>,
}

/// Where a draft is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftState {
    /// Guided `/post`: topics being chosen on a keyboard.
    Compose,
    /// Guided `/post`: waiting for the organizer to send the content.
    Content,
    /// Previewed, waiting for Send / Urgent / Schedule / Cancel.
    Open,
    /// Schedule was pressed: waiting for the organizer to type a time.
    Timing,
    /// Waiting for its time.
    Scheduled,
    /// Waiting for a second organizer's approval.
    Review,
}

impl DraftState {
    fn as_str(self) -> &'static str {
        match self {
            DraftState::Compose => "compose",
            DraftState::Content => "content",
            DraftState::Open => "open",
            DraftState::Timing => "timing",
            DraftState::Scheduled => "scheduled",
            DraftState::Review => "review",
        }
    }
}

/// A delivery a worker holds until its lease ends.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Claimed {
    pub broadcast_id: i64,
    pub chat_id: i64,
    pub attempts: i64,
    pub priority: i64,
    pub lease_token: i64,
    /// The message this delivery replies to, edits or deletes.
    pub ref_message_id: Option<i64>,
    /// The forum topic it goes to, if any.
    pub thread_id: Option<i64>,
    /// The member's language and answer, for event broadcasts.
    pub locale: Option<String>,
    pub choice: Option<String>,
}

/// How one send ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        message_id: i64,
    },
    /// Try again at `due_at`. `counts` is false for 429: waiting out a flood
    /// limit is not the chat's fault.
    Retry {
        due_at: i64,
        error: String,
        counts: bool,
    },
    /// Gave up (retries exhausted, or a permanent error).
    Failed {
        error: String,
    },
    /// The chat cannot be reached any more; later posts skip it.
    Blocked {
        error: String,
    },
    /// A group became a supergroup: move the chat and send again.
    Moved {
        to_chat_id: i64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    pub broadcast_id: i64,
    pub chat_id: i64,
    pub lease_token: i64,
    pub outcome: Outcome,
}

/// Counts of a broadcast's deliveries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: i64,
    pub sent: i64,
    pub failed: i64,
    pub blocked: i64,
    /// Pending or being sent.
    pub remaining: i64,
    /// Being sent: claimed under a lease.
    pub leased: i64,
    /// Reasons of failed deliveries with their counts, most frequent first.
    pub errors: Vec<(String, i64)>,
}

impl Progress {
    pub fn done(&self) -> i64 {
        self.sent + self.failed + self.blocked
    }
}

/// Who an event broadcast reaches: `$1` broadcast, `$2` priority, `$3` now,
/// `$4` topics, `$5` the invitation broadcast. Every row carries the
/// member's language; a refresh also their current answer.
fn event_fan_out(note: EventNote) -> &'static str {
    match note {
        EventNote::Invitation => {
            "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at, locale) \
             SELECT DISTINCT $1, s.chat_id, $2, 'pending', 0, $3, $3, c.locale \
             FROM subscriptions s JOIN chats c ON c.id = s.chat_id \
             WHERE c.status = 'active' AND (',' || $4 || ',') LIKE ('%,' || s.topic_key || ',%') \
             AND ($5 IS NULL OR $5 = $5) ON CONFLICT (broadcast_id, chat_id) DO NOTHING"
        }
        EventNote::Reminder => {
            "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at, locale, \
             ref_message_id) \
             SELECT $1, r.chat_id, $2, 'pending', 0, $3, $3, c.locale, i.message_id \
             FROM rsvps r JOIN chats c ON c.id = r.chat_id \
             LEFT JOIN deliveries i ON i.broadcast_id = $5 AND i.chat_id = r.chat_id AND i.status = 'sent' \
             WHERE r.event_id = (SELECT event_id FROM broadcasts WHERE id = $1) AND r.answer IN ('yes', 'maybe') \
             AND c.status = 'active' AND $4 = $4"
        }
        EventNote::Change | EventNote::Cancel => {
            "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at, locale, \
             ref_message_id) \
             SELECT $1, i.chat_id, $2, 'pending', 0, $3, $3, c.locale, i.message_id \
             FROM deliveries i JOIN chats c ON c.id = i.chat_id \
             WHERE i.broadcast_id = $5 AND i.status = 'sent' AND c.status = 'active' AND $4 = $4"
        }
        EventNote::Refresh => {
            "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at, locale, \
             ref_message_id, choice) \
             SELECT $1, i.chat_id, $2, 'pending', 0, $3, $3, c.locale, i.message_id, r.answer \
             FROM deliveries i JOIN chats c ON c.id = i.chat_id \
             LEFT JOIN rsvps r ON r.chat_id = i.chat_id \
               AND r.event_id = (SELECT event_id FROM broadcasts WHERE id = $1) \
             WHERE i.broadcast_id = $5 AND i.status = 'sent' AND i.message_id IS NOT NULL \
             AND c.status = 'active' AND $4 = $4"
        }
    }
}

/// An album's message ids as stored: comma-separated.
fn album_of(content: &Content) -> Option<String> {
    match content {
        Content::Album { message_ids, .. } => {
            Some(message_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
        }
        _ => None,
    }
}

fn album_ids(stored: Option<&str>) -> Option<Vec<i64>> {
    let ids: Vec<i64> = stored?.split(',').filter_map(|id| id.parse().ok()).collect();
    (!ids.is_empty()).then_some(ids)
}

/// A draft's text and source message for its content.
fn draft_fields(content: &Content) -> (String, Option<i64>, Option<i64>) {
    match content {
        Content::Copy { chat_id, message_id, text } => {
            (text.clone().unwrap_or_default(), Some(*chat_id), Some(*message_id))
        }
        Content::Text(text) | Content::Edit(text) => (text.clone(), None, None),
        Content::Delete { .. } | Content::Event { .. } => (String::new(), None, None),
        Content::Album { chat_id, message_ids } => (String::new(), Some(*chat_id), message_ids.first().copied()),
    }
}

/// How often claims look for leases that ran out.
const LEASE_CHECK_MS: i64 = 1_000;

const DRAFT_COLUMNS: &str = "id, author_id, chat_id, text, topics, status, broadcast_id, source_chat_id, \
                             source_message_id, follow_up_of, scheduled_at, priority, report_locale, created_at, album";

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
    /// Writes the broadcast and fans it out to every active chat following
    /// any of its topics — each chat once — in one transaction. Returns the
    /// broadcast's id and its number of deliveries. A correction (edit,
    /// delete) fans out to the chats that got the referenced broadcast.
    pub async fn create_broadcast(&self, new: &NewBroadcast, now: i64) -> Result<(i64, i64)> {
        let created = self.create_broadcast_from(new, Fence::None, now).await?;
        Ok(created.expect("without a draft there is nothing to have been queued before"))
    }

    /// Queues a draft that is in state `from` as a broadcast, in one
    /// transaction with the fan-out; `None` when the draft has left that
    /// state before (a double press, Telegram delivering the same update
    /// again, or a cancellation). `priority` and `report_locale` default to
    /// what the draft stored (a scheduled draft keeps them).
    pub async fn queue_draft(
        &self,
        draft_id: i64,
        from: DraftState,
        priority: Option<i64>,
        report_locale: Option<&str>,
        now: i64,
    ) -> Result<Option<(i64, i64)>> {
        let Some(draft) = self.draft(draft_id).await? else { return Ok(None) };
        let new = NewBroadcast {
            author_id: draft.author_id,
            content: draft.content(),
            topics: draft.topic_keys(),
            priority: priority.unwrap_or(draft.priority),
            report_chat_id: Some(draft.chat_id),
            report_locale: report_locale.unwrap_or(&draft.report_locale).to_owned(),
            ref_broadcast_id: draft.follow_up_of,
        };
        self.create_broadcast_from(&new, Fence::Draft(draft_id, from), now).await
    }

    pub(crate) async fn create_broadcast_from(
        &self,
        new: &NewBroadcast,
        fence: Fence,
        now: i64,
    ) -> Result<Option<(i64, i64)>> {
        let _turn = self.write_turn().await;
        let (text, source_chat, source_message) = match &new.content {
            Content::Text(text) | Content::Edit(text) => (Some(text.clone()), None, None),
            Content::Copy { chat_id, message_id, text } => (text.clone(), Some(*chat_id), Some(*message_id)),
            Content::Delete { parts } => (Some(parts.to_string()), None, None),
            Content::Album { chat_id, message_ids } => (None, Some(*chat_id), message_ids.first().copied()),
            Content::Event { note, .. } => (Some(note.as_str().to_owned()), None, None),
        };
        let album = album_of(&new.content);
        let event_id = match &new.content {
            Content::Event { event_id, .. } => Some(*event_id),
            _ => None,
        };
        let topics = new.topics.join(",");
        // The topic list is bound as one comma-joined text: no dynamic SQL.
        let fan_out = match (&new.content, new.ref_broadcast_id) {
            (Content::Event { note, .. }, _) => event_fan_out(*note),
            (content, _) if content.is_correction() => {
                "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at, \
                 ref_message_id) \
                 SELECT $1, chat_id, $2, 'pending', 0, $3, $3, message_id FROM deliveries \
                 WHERE broadcast_id = $5 AND status = 'sent' AND message_id IS NOT NULL AND $4 = $4"
            }
            // A follow-up replies to each chat's own copy of the earlier post;
            // chats that did not get it receive it as a message of its own.
            (_, Some(_)) => {
                "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at, \
                 ref_message_id) \
                 SELECT DISTINCT $1, s.chat_id, $2, 'pending', 0, $3, $3, o.message_id \
                 FROM subscriptions s JOIN chats c ON c.id = s.chat_id \
                 LEFT JOIN deliveries o ON o.broadcast_id = $5 AND o.chat_id = s.chat_id AND o.status = 'sent' \
                 WHERE c.status = 'active' AND (',' || $4 || ',') LIKE ('%,' || s.topic_key || ',%') \
                 ON CONFLICT (broadcast_id, chat_id) DO NOTHING"
            }
            (_, None) => {
                "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at) \
                 SELECT DISTINCT $1, s.chat_id, $2, 'pending', 0, $3, $3 \
                 FROM subscriptions s JOIN chats c ON c.id = s.chat_id \
                 WHERE c.status = 'active' AND (',' || $4 || ',') LIKE ('%,' || s.topic_key || ',%') \
                 AND ($5 IS NULL OR $5 = $5) ON CONFLICT (broadcast_id, chat_id) DO NOTHING"
            }
        };
        // The organisation's channels get the post first: a higher priority
        // puts them at the head of the queue. A chat linked several times
        // (forum topics) gets it once, in its first topic.
        let to_channels = !new.content.is_correction() && !matches!(new.content, Content::Event { .. });
        let channels = to_channels.then_some(
            "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at, \
             ref_message_id, thread_id) \
             SELECT $1, l.chat_id, $2, 'pending', 0, $3, $3, \
               (SELECT o.message_id FROM deliveries o WHERE o.broadcast_id = $5 AND o.chat_id = l.chat_id \
                AND o.status = 'sent'), \
               CASE WHEN MIN(l.thread_id) = 0 THEN NULL ELSE MIN(l.thread_id) END \
             FROM channel_links l WHERE (',' || $4 || ',') LIKE ('%,' || l.topic_key || ',%') \
             GROUP BY l.chat_id \
             ON CONFLICT (broadcast_id, chat_id) DO NOTHING",
        );
        let insert = "INSERT INTO broadcasts (author_id, kind, text, source_chat_id, source_message_id, topics, \
                      priority, status, report_chat_id, report_locale, total, created_at, ref_broadcast_id, event_id, \
                      album) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, 'sending', $8, $10, 0, $9, $11, $12, $13) RETURNING id";
        on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let taken = match &fence {
                Fence::None => 1,
                Fence::Draft(draft, from) => sqlx::query("UPDATE drafts SET status = 'queued' WHERE id = $1 AND status = $2")
                    .bind(draft)
                    .bind(from.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
                Fence::Event { id, .. } => sqlx::query(
                    "UPDATE events SET status = 'active', step = NULL, updated_at = $2 WHERE id = $1 AND status = 'draft'",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                Fence::Reminder { event_id, minutes_before } => sqlx::query(
                    "UPDATE event_reminders SET status = 'sent' \
                     WHERE event_id = $1 AND minutes_before = $2 AND status = 'pending'",
                )
                .bind(event_id)
                .bind(minutes_before)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
            };
            if taken == 0 {
                return Ok(None);
            }
            let id: i64 = sqlx::query_scalar(insert)
                .bind(new.author_id)
                .bind(new.content.kind())
                .bind(text)
                .bind(source_chat)
                .bind(source_message)
                .bind(&topics)
                .bind(new.priority)
                .bind(new.report_chat_id)
                .bind(now)
                .bind(&new.report_locale)
                .bind(new.ref_broadcast_id)
                .bind(event_id)
                .bind(&album)
                .fetch_one(&mut *tx)
                .await?;
            // A retraction stops what of the post has not gone out yet.
            if let (Content::Delete { .. }, Some(target)) = (&new.content, new.ref_broadcast_id) {
                sqlx::query(
                    "UPDATE deliveries SET status = 'failed', error = 'retracted', updated_at = $2 \
                     WHERE broadcast_id = $1 AND status = 'pending'",
                )
                .bind(target)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let mut total = 0;
            if let Some(channels) = channels {
                total += sqlx::query(channels)
                    .bind(id)
                    .bind(new.priority + PRIORITY_CHANNEL)
                    .bind(now)
                    .bind(&topics)
                    .bind(new.ref_broadcast_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected() as i64;
            }
            total += sqlx::query(fan_out)
                .bind(id)
                .bind(new.priority)
                .bind(now)
                .bind(&topics)
                .bind(new.ref_broadcast_id)
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64;
            sqlx::query(
                "UPDATE broadcasts SET total = $2, status = CASE WHEN $2 = 0 THEN 'done' ELSE status END, \
                         finished_at = CASE WHEN $2 = 0 THEN $3 ELSE NULL END WHERE id = $1",
            )
            .bind(id)
            .bind(total)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            // An edit changes what the broadcast says from now on, also for
            // its statistics and later follow-ups.
            if let (Content::Edit(text), Some(target)) = (&new.content, new.ref_broadcast_id) {
                sqlx::query("UPDATE broadcasts SET text = $2 WHERE id = $1 AND kind IN ('text', 'copy')")
                    .bind(target)
                    .bind(text)
                    .execute(&mut *tx)
                    .await?;
            }
            match &fence {
                Fence::None => {}
                Fence::Draft(draft, _) => {
                    sqlx::query("UPDATE drafts SET broadcast_id = $2 WHERE id = $1")
                        .bind(draft)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                Fence::Event { id: event, reminders } => {
                    sqlx::query("UPDATE events SET invitation_id = $2 WHERE id = $1")
                        .bind(event)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    for (minutes, due) in reminders {
                        let status = if *due > now { "pending" } else { "skipped" };
                        sqlx::query(
                            "INSERT INTO event_reminders (event_id, minutes_before, due_at, status) \
                             VALUES ($1, $2, $3, $4) ON CONFLICT (event_id, minutes_before) DO NOTHING",
                        )
                        .bind(event)
                        .bind(minutes)
                        .bind(due)
                        .bind(status)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                Fence::Reminder { event_id, minutes_before } => {
                    sqlx::query("UPDATE event_reminders SET broadcast_id = $3 WHERE event_id = $1 AND minutes_before = $2")
                        .bind(event_id)
                        .bind(minutes_before)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some((id, total)))
        })
        .map_err(Into::into)
    }

    /// Keeps an organizer's post until it is confirmed or cancelled.
    pub async fn create_draft(&self, new: &NewDraft, state: DraftState, now: i64) -> Result<i64> {
        let _turn = self.write_turn().await;
        let (text, source_chat, source_message) = draft_fields(&new.content);
        let sql = "INSERT INTO drafts (author_id, chat_id, text, topics, status, created_at, source_chat_id, \
                   source_message_id, follow_up_of, album) \
                   VALUES ($1, $2, $3, $4, $9, $5, $6, $7, $8, $10) RETURNING id";
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, i64>(sql)
            .bind(new.author_id)
            .bind(new.chat_id)
            .bind(&text)
            .bind(new.topics.join(","))
            .bind(now)
            .bind(source_chat)
            .bind(source_message)
            .bind(new.follow_up_of)
            .bind(state.as_str())
            .bind(album_of(&new.content))
            .fetch_one(p)
            .await)?)
    }

    pub async fn draft(&self, id: i64) -> Result<Option<Draft>> {
        let sql = format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = $1");
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Draft>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// Moves a draft from `from` to `to`; `false` when it was not in `from`
    /// (handled already).
    pub async fn move_draft(&self, id: i64, from: DraftState, to: DraftState) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE drafts SET status = $3 WHERE id = $1 AND status = $2";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// `false` when the draft was queued or cancelled already. Open,
    /// scheduled and drafts in review can be cancelled.
    pub async fn cancel_draft(&self, id: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE drafts SET status = 'cancelled' WHERE id = $1 \
                   AND status IN ('compose', 'content', 'open', 'timing', 'scheduled', 'review')";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Schedules a draft waiting for its time for `at`; `false` when it was
    /// handled already.
    pub async fn schedule_draft(&self, id: i64, at: i64, priority: i64, report_locale: &str) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE drafts SET status = 'scheduled', scheduled_at = $2, priority = $3, report_locale = $4 \
                   WHERE id = $1 AND status = 'timing'";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(id)
            .bind(at)
            .bind(priority)
            .bind(report_locale)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Hands an open draft to review, remembering the drafter's language
    /// for the report; `false` when it was handled already.
    pub async fn submit_for_review(&self, id: i64, report_locale: &str) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE drafts SET status = 'review', report_locale = $2 WHERE id = $1 AND status = 'open'";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(id)
            .bind(report_locale)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Guided `/post`: the topics chosen so far.
    pub async fn set_draft_topics(&self, id: i64, topics: &[String]) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE drafts SET topics = $2 WHERE id = $1 AND status = 'compose'";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(id)
            .bind(topics.join(","))
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Guided `/post`: the content arrived; the draft is open for preview.
    pub async fn fill_draft(&self, id: i64, content: &Content) -> Result<bool> {
        let _turn = self.write_turn().await;
        let (text, source_chat, source_message) = draft_fields(content);
        let sql = "UPDATE drafts SET status = 'open', text = $2, source_chat_id = $3, source_message_id = $4, \
                   album = $5 WHERE id = $1 AND status = 'content'";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(id)
            .bind(&text)
            .bind(source_chat)
            .bind(source_message)
            .bind(album_of(content))
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// The newest draft in `chat_id` waiting for the organizer to type
    /// something (content or a time).
    pub async fn awaiting_input(&self, chat_id: i64) -> Result<Option<Draft>> {
        let sql = format!(
            "SELECT {DRAFT_COLUMNS} FROM drafts WHERE chat_id = $1 AND status IN ('content', 'timing') \
             ORDER BY id DESC LIMIT 1"
        );
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Draft>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(chat_id)
            .fetch_optional(p)
            .await)?)
    }

    /// The broadcast whose progress report is message `message_id` in `chat_id`.
    pub async fn broadcast_by_report(&self, chat_id: i64, message_id: i64) -> Result<Option<i64>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, i64>(
            "SELECT id FROM broadcasts WHERE report_chat_id = $1 AND report_message_id = $2"
        )
        .bind(chat_id)
        .bind(message_id)
        .fetch_optional(p)
        .await)?)
    }

    /// Scheduled drafts, soonest first; with `due_by`, only those due by then.
    pub async fn scheduled_drafts(&self, due_by: Option<i64>) -> Result<Vec<Draft>> {
        let sql = format!(
            "SELECT {DRAFT_COLUMNS} FROM drafts WHERE status = 'scheduled' AND scheduled_at <= $1 \
             ORDER BY scheduled_at, id"
        );
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Draft>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(due_by.unwrap_or(i64::MAX))
            .fetch_all(p)
            .await)?)
    }

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
                        let status = if matches!(s.outcome, Outcome::Blocked { .. }) { "blocked" } else { "failed" };
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
                        if done > 0 && status == "blocked" {
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

    pub async fn broadcast(&self, id: i64) -> Result<Option<Broadcast>> {
        Ok(on_pool!(&self.pool, |p| {
            sqlx::query_as::<_, Broadcast>(
                "SELECT id, author_id, kind, text, source_chat_id, source_message_id, topics, priority, status, \
             report_chat_id, report_locale, report_message_id, total, created_at, finished_at, ref_broadcast_id, \
             event_id, album FROM broadcasts WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(p)
            .await
        })?)
    }

    /// Broadcasts still being delivered, oldest first.
    pub async fn unfinished_broadcasts(&self) -> Result<Vec<i64>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, i64>(
            "SELECT id FROM broadcasts WHERE status = 'sending' ORDER BY id"
        )
        .fetch_all(p)
        .await)?)
    }

    pub async fn progress(&self, broadcast_id: i64) -> Result<Progress> {
        let counts: Vec<(String, i64)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT status, COUNT(*) FROM deliveries WHERE broadcast_id = $1 GROUP BY status"
        )
        .bind(broadcast_id)
        .fetch_all(p)
        .await)?;
        let mut progress = Progress::default();
        for (status, n) in counts {
            progress.total += n;
            match status.as_str() {
                "sent" => progress.sent = n,
                "failed" => progress.failed = n,
                "blocked" => progress.blocked = n,
                "sending" => {
                    progress.leased = n;
                    progress.remaining += n;
                }
                _ => progress.remaining += n,
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

    pub async fn set_report_message(&self, broadcast_id: i64, message_id: i64) -> Result<()> {
        self.set_broadcast_field("UPDATE broadcasts SET report_message_id = $2 WHERE id = $1", broadcast_id, message_id)
            .await
    }

    /// One integer column of one broadcast; `sql` binds the id as `$1`.
    async fn set_broadcast_field(&self, sql: &'static str, broadcast_id: i64, value: i64) -> Result<()> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query(sql).bind(broadcast_id).bind(value).execute(p).await.map(drop))?;
        Ok(())
    }

    /// Marks the broadcast done once nothing is left to send; returns whether
    /// this call finished it (so exactly one instance sends the final report).
    pub async fn finish_if_complete(&self, broadcast_id: i64, now: i64) -> Result<bool> {
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
    pub async fn unreported_broadcasts(&self) -> Result<Vec<i64>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, i64>(
            "SELECT id FROM broadcasts WHERE status = 'done' AND reported_at IS NULL \
             AND report_chat_id IS NOT NULL ORDER BY id"
        )
        .fetch_all(p)
        .await)?)
    }

    /// Takes the final report of a broadcast on; `false` when another
    /// instance has it (for `lease_ms`) or it was sent already.
    pub async fn claim_report(&self, broadcast_id: i64, now: i64, lease_ms: i64) -> Result<bool> {
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

    pub async fn mark_reported(&self, broadcast_id: i64, now: i64) -> Result<()> {
        self.set_broadcast_field("UPDATE broadcasts SET reported_at = $2 WHERE id = $1", broadcast_id, now).await
    }

    /// The message id a chat received for a broadcast, if it was sent.
    pub async fn delivered_message(&self, broadcast_id: i64, chat_id: i64) -> Result<Option<i64>> {
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

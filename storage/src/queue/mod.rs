//! The durable delivery queue. A broadcast is written together with one
//! delivery row per receiving chat; workers claim due rows under a lease and
//! settle them with the lease's token, so a worker whose lease expired cannot
//! change a row that another worker has claimed since (fencing).
//!
//! A post targeted at regions fans out in the same one statement, from
//! the regions fixed for it in `broadcast_regions`: starting from their
//! members when they are few, scanning the subscriptions when they are many
//! (see `followers!`). An untargeted post runs the statement it always ran.

use crate::TopicList;
use crate::regions::{RegionTarget, below};
use crate::{BroadcastId, ChatId, DraftId, EventId, UserId};
use crate::{Pool, Result, Storage, on_pool};

pub use basis_core::{BroadcastKind, BroadcastStatus};

mod claims;
mod drafts;
mod reports;

pub use claims::*;
pub use drafts::*;
pub use reports::*;

/// What members receive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// Text composed by the bot, sent with sendMessage.
    Text(String),
    /// An organizer's message, copied with copyMessage (media travel by id).
    /// `text` is the message's text when it is a text message: what an edit
    /// may replace.
    Copy {
        /// The chat the organizer's message is in.
        chat_id: ChatId,
        /// The organizer's message.
        message_id: i64,
        /// Its text, for a text message.
        text: Option<String>,
    },
    /// A correction: every delivered copy of the referenced broadcast gets
    /// this text (editMessageText).
    Edit(String),
    /// A retraction: every delivered copy of the referenced broadcast is
    /// deleted (deleteMessage; an album's `parts` with deleteMessages).
    Delete {
        /// Messages per copy: 1, or an album's number of parts.
        parts: i64,
    },
    /// An organizer's album, copied whole with copyMessages.
    Album {
        /// The chat the organizer's album is in.
        chat_id: ChatId,
        /// The album's messages, in order.
        message_ids: Vec<i64>,
    },
    /// About an assembly; rendered for each member in their language.
    Event {
        /// The event it is about.
        event_id: EventId,
        /// What it tells members.
        note: EventNote,
    },
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
    /// The name stored in a broadcast's `text`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventNote::Invitation => "invitation",
            EventNote::Reminder => "reminder",
            EventNote::Change => "change",
            EventNote::Cancel => "cancel",
            EventNote::Refresh => "refresh",
        }
    }

    /// The note named `text`, as `as_str` gives it.
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
    Draft(DraftId, DraftState),
    /// An event draft becomes active; its reminders (minutes before, due
    /// time) are written with it.
    Event {
        id: EventId,
        reminders: Vec<(i64, i64)>,
    },
    /// A pending reminder is sent.
    Reminder {
        event_id: EventId,
        minutes_before: i64,
    },
}

impl Content {
    /// The kind of broadcast that carries this content.
    pub fn kind(&self) -> BroadcastKind {
        match self {
            Content::Text(_) => BroadcastKind::Text,
            Content::Copy { .. } => BroadcastKind::Copy,
            Content::Edit(_) => BroadcastKind::Edit,
            Content::Delete { .. } => BroadcastKind::Delete,
            Content::Album { .. } => BroadcastKind::Album,
            Content::Event { .. } => BroadcastKind::Event,
        }
    }

    /// Edits and deletions act on earlier messages instead of sending.
    pub fn is_correction(&self) -> bool {
        matches!(self, Content::Edit(_) | Content::Delete { .. })
    }
}

/// The priority of ordinary posts.
pub const PRIORITY_NORMAL: i64 = 0;
/// Overtakes the queue of normal broadcasts (a changed assembly time).
pub const PRIORITY_URGENT: i64 = 10;
/// Added for the organisation's own channels: published before members.
pub const PRIORITY_CHANNEL: i64 = 100;

/// A broadcast to be written and fanned out.
#[derive(Clone, Debug)]
pub struct NewBroadcast {
    /// The organizer who sent it.
    pub author_id: UserId,
    /// What members receive.
    pub content: Content,
    /// Keys of the topics whose subscribers receive it.
    pub topics: TopicList,
    /// Higher goes first, such as `PRIORITY_URGENT`.
    pub priority: i64,
    /// The organizer's chat that gets the progress message…
    pub report_chat_id: Option<ChatId>,
    /// …in the organizer's language.
    pub report_locale: String,
    /// A follow-up replies to each chat's copy of this broadcast; an edit or
    /// deletion acts on its copies.
    pub ref_broadcast_id: Option<BroadcastId>,
}

/// A broadcast as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Broadcast {
    /// The broadcast's id.
    pub id: BroadcastId,
    /// The organizer who sent it.
    pub author_id: UserId,
    /// What it does.
    pub kind: BroadcastKind,
    /// The text sent (text), copied (copy) or put in (edit); an event
    /// broadcast's note; a deletion's number of parts.
    pub text: Option<String>,
    /// The chat of the organizer's message that is copied.
    pub source_chat_id: Option<ChatId>,
    /// The organizer's message that is copied.
    pub source_message_id: Option<i64>,
    /// The topics whose followers it reaches.
    pub topics: TopicList,
    /// Higher goes first.
    pub priority: i64,
    /// Sending while deliveries are open, then done.
    pub status: BroadcastStatus,
    /// Where the organizer's progress message lives.
    pub report_chat_id: Option<ChatId>,
    /// The language of the progress message and the report.
    pub report_locale: String,
    /// The progress message, once sent.
    pub report_message_id: Option<i64>,
    /// Receiving chats at fan-out.
    pub total: i64,
    /// When it was written (Unix ms).
    pub created_at: i64,
    /// When its last delivery was settled (Unix ms).
    pub finished_at: Option<i64>,
    /// The broadcast it follows up on, edits or deletes.
    pub ref_broadcast_id: Option<BroadcastId>,
    /// The event it is about, for event broadcasts.
    pub event_id: Option<EventId>,
    /// An album's message ids, comma-separated.
    pub album: Option<String>,
    /// The regions it is targeted at as named, comma-separated; empty when
    /// it reaches every follower of its topics. Whom it reached is fixed
    /// in [`Storage::broadcast_regions`].
    pub regions: String,
}

impl Broadcast {
    /// What members receive; `None` when the row does not make sense.
    pub fn content(&self) -> Option<Content> {
        match (self.kind, &self.text, self.source_chat_id, self.source_message_id) {
            (BroadcastKind::Text, Some(text), _, _) => Some(Content::Text(text.clone())),
            (BroadcastKind::Copy, text, Some(chat_id), Some(message_id)) => {
                Some(Content::Copy { chat_id, message_id, text: text.clone() })
            }
            (BroadcastKind::Edit, Some(text), _, _) => Some(Content::Edit(text.clone())),
            (BroadcastKind::Delete, parts, _, _) => {
                Some(Content::Delete { parts: parts.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1) })
            }
            (BroadcastKind::Album, _, Some(chat_id), _) => {
                Some(Content::Album { chat_id, message_ids: album_ids(self.album.as_deref())? })
            }
            (BroadcastKind::Event, Some(note), _, _) => {
                Some(Content::Event { event_id: self.event_id?, note: EventNote::parse(note)? })
            }
            _ => None,
        }
    }

    /// Whether every delivery is settled.
    pub fn is_finished(&self) -> bool {
        self.status == BroadcastStatus::Done
    }

    /// Whom of its topics' followers it reaches (as named).
    pub fn region_target(&self) -> RegionTarget {
        RegionTarget::from_stored(&self.regions)
    }
}

/// Where a fan-out finds its chats (`s` the subscription, `c` the chat):
/// - `everywhere`: every follower of the topics, scanning the subscriptions
///   in chat order (the statement of an untargeted post);
/// - `few`: a target that holds few members starts from the members of its
///   regions and looks each one up, which costs little per member and
///   nothing for everyone else;
/// - `many`: a target that holds many scans the subscriptions as an
///   untargeted post does, keeping the chats in one of its regions: looked
///   up one by one, a million members cost several times that scan.
///
/// `{regions}` becomes the placeholders of the regions reached (from `$6`),
/// so that PostgreSQL's planner sees how many members those keys hold.
/// `CROSS JOIN` fixes the order on SQLite; PostgreSQL plans it as a join.
macro_rules! followers {
    (everywhere) => {
        "FROM subscriptions s JOIN chats c ON c.id = s.chat_id "
    };
    (few) => {
        "FROM chat_regions m CROSS JOIN subscriptions s CROSS JOIN chats c "
    };
    (many) => {
        "FROM subscriptions s CROSS JOIN chat_regions m CROSS JOIN chats c "
    };
}

/// The start of the fan-out's `WHERE`, after `followers!`.
macro_rules! following {
    (everywhere) => {
        "WHERE "
    };
    (few) => {
        "WHERE m.region_key IN ({regions}) AND s.chat_id = m.chat_id AND c.id = s.chat_id AND "
    };
    (many) => {
        "WHERE m.chat_id = s.chat_id AND c.id = s.chat_id AND m.region_key IN ({regions}) AND "
    };
}

/// Which shape of fan-out a broadcast takes (see `followers!`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    Everywhere,
    Few,
    Many,
}

/// Whether the members of the regions `{regions}` (from `$1`) are more
/// than a tenth of all subscriptions: then scanning those is cheaper than
/// looking each member up. Two counts over indexes, a fraction of the
/// fan-out itself.
const CROWDED: &str = "SELECT (SELECT COUNT(*) FROM chat_regions WHERE region_key IN ({regions})) * 10 \
                       > (SELECT COUNT(*) FROM subscriptions)";

/// `$first, $first+1, …`, one per region: numbered placeholders only,
/// never values.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// A post's fan-out: `$1` broadcast, `$2` priority, `$3` now, `$4` topics.
macro_rules! post_fan_out {
    ($reach:tt) => {
        concat!(
            "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at) \
             SELECT DISTINCT $1, s.chat_id, $2, 'pending', 0, $3, $3 ",
            followers!($reach),
            following!($reach),
            "c.status = 'active' AND (',' || $4 || ',') LIKE ('%,' || s.topic_key || ',%') \
             AND ($5 IS NULL OR $5 = $5) ON CONFLICT (broadcast_id, chat_id) DO NOTHING"
        )
    };
}

/// A follow-up replies to each chat's own copy of the earlier post (`$5`);
/// chats that did not get it receive it as a message of its own.
macro_rules! follow_up_fan_out {
    ($reach:tt) => {
        concat!(
            "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at, \
             ref_message_id) \
             SELECT DISTINCT $1, s.chat_id, $2, 'pending', 0, $3, $3, o.message_id ",
            followers!($reach),
            "LEFT JOIN deliveries o ON o.broadcast_id = $5 AND o.chat_id = s.chat_id AND o.status = 'sent' ",
            following!($reach),
            "c.status = 'active' AND (',' || $4 || ',') LIKE ('%,' || s.topic_key || ',%') \
             ON CONFLICT (broadcast_id, chat_id) DO NOTHING"
        )
    };
}

/// An event's invitation, with each member's language.
macro_rules! invitation_fan_out {
    ($reach:tt) => {
        concat!(
            "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at, locale) \
             SELECT DISTINCT $1, s.chat_id, $2, 'pending', 0, $3, $3, c.locale ",
            followers!($reach),
            following!($reach),
            "c.status = 'active' AND (',' || $4 || ',') LIKE ('%,' || s.topic_key || ',%') \
             AND ($5 IS NULL OR $5 = $5) ON CONFLICT (broadcast_id, chat_id) DO NOTHING"
        )
    };
}

/// Who an event broadcast reaches: `$1` broadcast, `$2` priority, `$3` now,
/// `$4` topics, `$5` the invitation broadcast. Every row carries the
/// member's language; a refresh also their current answer. An event for
/// members in some regions has the broadcast's rows in `broadcast_regions`
/// (a notice or reminder takes the invitation's).
fn event_fan_out(note: EventNote, reach: Reach) -> &'static str {
    let targeted = reach != Reach::Everywhere;
    match note {
        EventNote::Invitation => match reach {
            Reach::Everywhere => invitation_fan_out!(everywhere),
            Reach::Few => invitation_fan_out!(few),
            Reach::Many => invitation_fan_out!(many),
        },
        // Those who said yes or maybe and got the invitation, or are in the
        // event's regions now: an answer given by a forged button outside
        // them brings no reminder.
        EventNote::Reminder if targeted => {
            "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at, locale, \
             ref_message_id) \
             SELECT $1, r.chat_id, $2, 'pending', 0, $3, $3, c.locale, i.message_id \
             FROM rsvps r JOIN chats c ON c.id = r.chat_id \
             LEFT JOIN deliveries i ON i.broadcast_id = $5 AND i.chat_id = r.chat_id AND i.status = 'sent' \
             WHERE r.event_id = (SELECT event_id FROM broadcasts WHERE id = $1) AND r.answer IN ('yes', 'maybe') \
             AND c.status = 'active' AND $4 = $4 \
             AND (i.chat_id IS NOT NULL OR EXISTS (SELECT 1 FROM chat_regions m \
               JOIN broadcast_regions t ON t.region_key = m.region_key AND t.broadcast_id = $1 \
               WHERE m.chat_id = r.chat_id))"
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

impl Storage {
    /// Writes the broadcast and fans it out to every active chat following
    /// any of its topics — each chat once — in one transaction. Returns the
    /// broadcast's id and its number of deliveries. A correction (edit,
    /// delete) fans out to the chats that got the referenced broadcast.
    pub async fn create_broadcast(&self, new: &NewBroadcast, now: i64) -> Result<(BroadcastId, i64)> {
        self.create_broadcast_to(new, &RegionTarget::Everywhere, now).await
    }

    /// [`create_broadcast`](Self::create_broadcast) for the followers of its
    /// topics within `target`: with [`RegionTarget::Within`] only members in
    /// one of those regions or below them, never members without a region,
    /// and not the linked channels, which are not regional. The regions
    /// reached are fixed now ([`broadcast_regions`](Self::broadcast_regions)).
    /// A broadcast that refers to another (a follow-up, a correction, an
    /// event's notice) reaches that one's audience and takes its regions:
    /// `target` is not used for it.
    pub async fn create_broadcast_to(
        &self,
        new: &NewBroadcast,
        target: &RegionTarget,
        now: i64,
    ) -> Result<(BroadcastId, i64)> {
        let created = self.create_broadcast_from(new, target, Fence::None, now).await?;
        Ok(created.expect("without a draft there is nothing to have been queued before"))
    }

    /// Queues a draft that is in state `from` as a broadcast, in one
    /// transaction with the fan-out; `None` when the draft has left that
    /// state before (a double press, Telegram delivering the same update
    /// again, or a cancellation). `priority` and `report_locale` default to
    /// what the draft stored (a scheduled draft keeps them); its regions are
    /// expanded now, so a scheduled draft reaches the regions below its
    /// targets as configured when it goes out.
    pub async fn queue_draft(
        &self,
        draft_id: DraftId,
        from: DraftState,
        priority: Option<i64>,
        report_locale: Option<&str>,
        now: i64,
    ) -> Result<Option<(BroadcastId, i64)>> {
        let Some(draft) = self.draft(draft_id).await? else { return Ok(None) };
        let new = NewBroadcast {
            author_id: draft.author_id,
            content: draft.content(),
            topics: draft.topics.clone(),
            priority: priority.unwrap_or(draft.priority),
            report_chat_id: Some(draft.chat_id),
            report_locale: report_locale.unwrap_or(&draft.report_locale).to_owned(),
            ref_broadcast_id: draft.follow_up_of,
        };
        self.create_broadcast_from(&new, &draft.region_target(), Fence::Draft(draft_id, from), now).await
    }

    pub(crate) async fn create_broadcast_from(
        &self,
        new: &NewBroadcast,
        target: &RegionTarget,
        fence: Fence,
        now: i64,
    ) -> Result<Option<(BroadcastId, i64)>> {
        let named = target.checked()?;
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
        let topics = new.topics.stored();
        // The topic list is bound as one comma-joined text: no dynamic SQL.
        let fan_out = |reach: Reach| match (&new.content, new.ref_broadcast_id, reach) {
            (Content::Event { note, .. }, _, _) => event_fan_out(*note, reach),
            (content, _, _) if content.is_correction() => {
                "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at, \
                 ref_message_id) \
                 SELECT $1, chat_id, $2, 'pending', 0, $3, $3, message_id FROM deliveries \
                 WHERE broadcast_id = $5 AND status = 'sent' AND message_id IS NOT NULL AND $4 = $4"
            }
            (_, Some(_), Reach::Everywhere) => follow_up_fan_out!(everywhere),
            (_, Some(_), Reach::Few) => follow_up_fan_out!(few),
            (_, Some(_), Reach::Many) => follow_up_fan_out!(many),
            (_, None, Reach::Everywhere) => post_fan_out!(everywhere),
            (_, None, Reach::Few) => post_fan_out!(few),
            (_, None, Reach::Many) => post_fan_out!(many),
        };
        // Corrections and an event's notices and reminders go to chats
        // already known; only posts and invitations look for followers.
        let finds_followers = match &new.content {
            Content::Event { note, .. } => *note == EventNote::Invitation,
            content => !content.is_correction(),
        };
        // The organisation's channels get the post first: a higher priority
        // puts them at the head of the queue. A chat linked several times
        // (forum topics) gets it once, in its first topic. Channels are not
        // regional: a post targeted at regions does not reach them.
        let to_channels =
            |targeted: bool| !targeted && !new.content.is_correction() && !matches!(new.content, Content::Event { .. });
        let channels = "INSERT INTO deliveries (broadcast_id, chat_id, priority, status, attempts, due_at, updated_at, \
             ref_message_id, thread_id) \
             SELECT $1, l.chat_id, $2, 'pending', 0, $3, $3, \
               (SELECT o.message_id FROM deliveries o WHERE o.broadcast_id = $5 AND o.chat_id = l.chat_id \
                AND o.status = 'sent'), \
               CASE WHEN MIN(l.thread_id) = 0 THEN NULL ELSE MIN(l.thread_id) END \
             FROM channel_links l WHERE (',' || $4 || ',') LIKE ('%,' || l.topic_key || ',%') \
             GROUP BY l.chat_id \
             ON CONFLICT (broadcast_id, chat_id) DO NOTHING";
        // The regions reached, fixed now: those named and every current
        // region below them; or those of the broadcast referred to.
        let expand = concat!(
            "WITH RECURSIVE ",
            below!("$2"),
            " INSERT INTO broadcast_regions (broadcast_id, region_key) SELECT $1, key FROM below RETURNING region_key"
        );
        let inherit = "INSERT INTO broadcast_regions (broadcast_id, region_key) \
                       SELECT $1, region_key FROM broadcast_regions WHERE broadcast_id = $2 RETURNING region_key";
        let insert = "INSERT INTO broadcasts (author_id, kind, text, source_chat_id, source_message_id, topics, \
                      priority, status, report_chat_id, report_locale, total, created_at, ref_broadcast_id, event_id, \
                      album, regions) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, 'sending', $8, $10, 0, $9, $11, $12, $13, $14) RETURNING id";
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
            let regions = match new.ref_broadcast_id {
                Some(earlier) => sqlx::query_scalar::<_, String>("SELECT regions FROM broadcasts WHERE id = $1")
                    .bind(earlier)
                    .fetch_optional(&mut *tx)
                    .await?
                    .unwrap_or_default(),
                None => named.clone(),
            };
            let targeted = !regions.is_empty();
            let id: BroadcastId = sqlx::query_scalar(insert)
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
                .bind(&regions)
                .fetch_one(&mut *tx)
                .await?;
            let mut reach = Reach::Everywhere;
            let mut reached: Vec<String> = Vec::new();
            if targeted {
                reached = match new.ref_broadcast_id {
                    Some(earlier) => sqlx::query_scalar(inherit).bind(id).bind(earlier).fetch_all(&mut *tx).await?,
                    None => sqlx::query_scalar(expand).bind(id).bind(&regions).fetch_all(&mut *tx).await?,
                };
                reach = Reach::Few;
                if finds_followers && !reached.is_empty() {
                    let crowded = CROWDED.replace("{regions}", &placeholders(1, reached.len()));
                    let mut count = sqlx::query_scalar::<_, bool>(sqlx::AssertSqlSafe(crowded));
                    for key in &reached {
                        count = count.bind(key);
                    }
                    if count.fetch_one(&mut *tx).await? {
                        reach = Reach::Many;
                    }
                }
            }
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
            if to_channels(targeted) {
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
            // A target whose regions are all unknown or retired by now
            // reaches nobody.
            if !(targeted && finds_followers && reached.is_empty()) {
                let sql = fan_out(reach).replace("{regions}", &placeholders(6, reached.len()));
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .bind(new.priority)
                    .bind(now)
                    .bind(&topics)
                    .bind(new.ref_broadcast_id);
                if finds_followers && reach != Reach::Everywhere {
                    for key in &reached {
                        query = query.bind(key);
                    }
                }
                total += query.execute(&mut *tx).await?.rows_affected() as i64;
            }
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
}

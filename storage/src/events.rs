//! Assemblies: events with time and place, members' answers (RSVP) and
//! reminders. The invitation, reminders, changes and cancellations go out
//! through the broadcast queue like any post.

use crate::TopicList;
use crate::queue::{Content, EventNote, Fence, NewBroadcast};
use crate::regions::RegionTarget;
use crate::{BroadcastId, ChatId, EventId, UserId};
use crate::{Result, Storage, on_pool};
pub use basis_core::{EventStatus, EventStep, RsvpAnswer};

/// An event as stored. Times are Unix milliseconds.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Event {
    /// The event's id.
    pub id: EventId,
    /// The organizer who made it.
    pub author_id: UserId,
    /// The organizer's chat: preview, confirmation and reports go there.
    pub chat_id: ChatId,
    /// What it is called.
    pub title: String,
    /// When it starts.
    pub starts_at: i64,
    /// When it ends, if given.
    pub ends_at: Option<i64>,
    /// Where it takes place, in words.
    pub place: String,
    /// The place's latitude, when known.
    pub latitude: Option<f64>,
    /// The place's longitude, when known.
    pub longitude: Option<f64>,
    /// The topics whose followers it reaches.
    pub topics: TopicList,
    /// The organizer's note to members; may be empty.
    pub note: String,
    /// Minutes before the start, comma-separated.
    pub reminders: String,
    /// Draft, active or cancelled.
    pub status: EventStatus,
    /// The guided `/event`'s next question.
    pub step: Option<EventStep>,
    /// The invitation broadcast, once sent; changes reply to its copies.
    pub invitation_id: Option<BroadcastId>,
    /// The iCalendar `SEQUENCE`: raised by every change.
    pub sequence: i64,
    /// When the draft was started.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
}

impl Event {
    /// The reminders as minutes before the start, leaving out what does not
    /// parse or is not positive.
    pub fn reminder_minutes(&self) -> Vec<i64> {
        self.reminders.split(',').filter_map(|m| m.trim().parse().ok()).filter(|m| *m > 0).collect()
    }

    /// Whether the event was called off.
    pub fn is_cancelled(&self) -> bool {
        self.status == EventStatus::Cancelled
    }

    /// Where the event takes place as a map point, when known.
    pub fn point(&self) -> Option<(f64, f64)> {
        self.latitude.zip(self.longitude)
    }
}

/// Counts of members' answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Answers {
    /// Members who said they come.
    pub yes: i64,
    /// Members who said maybe.
    pub maybe: i64,
    /// Members who said they do not come.
    pub no: i64,
}

/// A reminder whose time has come.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DueReminder {
    /// The event it reminds of.
    pub event_id: EventId,
    /// How long before the start it goes out, in minutes.
    pub minutes_before: i64,
    /// When it goes out (Unix ms).
    pub due_at: i64,
}

/// Binds the fields an organizer fills in, in the order both the insert and
/// the update of an event draft name them.
macro_rules! bind_fields {
    ($query:expr, $event:expr) => {
        $query
            .bind(&$event.title)
            .bind($event.starts_at)
            .bind($event.ends_at)
            .bind(&$event.place)
            .bind($event.latitude)
            .bind($event.longitude)
            .bind(&$event.topics)
            .bind(&$event.note)
            .bind(&$event.reminders)
            .bind(&$event.step)
    };
}

const COLUMNS: &str = "id, author_id, chat_id, title, starts_at, ends_at, place, latitude, longitude, topics, note, \
                       reminders, status, step, invitation_id, sequence, created_at, updated_at";

impl Storage {
    /// Stores a new event draft (status `draft`) and returns its id.
    pub async fn create_event(&self, event: &Event, now: i64) -> Result<EventId> {
        let _turn = self.write_turn().await;
        let sql = "INSERT INTO events (author_id, chat_id, title, starts_at, ends_at, place, latitude, longitude, \
                   topics, note, reminders, status, step, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'draft', $12, $13, $13) RETURNING id";
        Ok(on_pool!(&self.pool, |p| bind_fields!(
            sqlx::query_scalar::<_, EventId>(sql).bind(event.author_id).bind(event.chat_id),
            event
        )
        .bind(now)
        .fetch_one(p)
        .await)?)
    }

    /// Saves a draft's fields as the guided `/event` fills them in; `false`
    /// when it is no longer a draft.
    pub async fn save_event_draft(&self, event: &Event, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE events SET title = $2, starts_at = $3, ends_at = $4, place = $5, latitude = $6, \
                   longitude = $7, topics = $8, note = $9, reminders = $10, step = $11, updated_at = $12 \
                   WHERE id = $1 AND status = 'draft'";
        let done = on_pool!(&self.pool, |p| bind_fields!(sqlx::query(sql).bind(event.id), event)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// The event with this id, in any status.
    pub async fn event(&self, id: EventId) -> Result<Option<Event>> {
        let sql = format!("SELECT {COLUMNS} FROM events WHERE id = $1");
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// The newest event draft in `chat_id` waiting for the organizer's answer.
    pub async fn event_draft_awaiting(&self, chat_id: ChatId) -> Result<Option<Event>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE chat_id = $1 AND status = 'draft' AND step IS NOT NULL \
             ORDER BY id DESC LIMIT 1"
        );
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(chat_id)
            .fetch_optional(p)
            .await)?)
    }

    /// Active and cancelled events that have not ended before `since`,
    /// soonest first.
    pub async fn upcoming_events(&self, since: i64) -> Result<Vec<Event>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE status IN ('active', 'cancelled') \
             AND COALESCE(ends_at, starts_at) >= $1 ORDER BY starts_at, id"
        );
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(since)
            .fetch_all(p)
            .await)?)
    }

    /// Whom of the topics' followers an event is for (`/event strikes
    /// @wolfsburg …`); everywhere unless set.
    pub async fn event_regions(&self, event_id: EventId) -> Result<RegionTarget> {
        let stored: Option<String> =
            on_pool!(&self.pool, |p| sqlx::query_scalar("SELECT regions FROM events WHERE id = $1")
                .bind(event_id)
                .fetch_optional(p)
                .await)?;
        Ok(RegionTarget::from_stored(&stored.unwrap_or_default()))
    }

    /// Targets an event draft at regions; its invitation, reminders,
    /// changes and cancellation then reach only members there. `false`
    /// when it is no longer a draft (the audience of a sent invitation
    /// stays as it was).
    pub async fn set_event_regions(&self, event_id: EventId, target: &RegionTarget, now: i64) -> Result<bool> {
        let regions = target.checked()?;
        let _turn = self.write_turn().await;
        let sql = "UPDATE events SET regions = $2, updated_at = $3 WHERE id = $1 AND status = 'draft'";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(event_id)
            .bind(&regions)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Sends the invitation: the draft becomes active, its reminders are
    /// written and the invitation is fanned out, in one transaction, to the
    /// followers of its topics within its regions (fixed now, for every
    /// later notice and reminder). `None` when it was sent (or discarded)
    /// before.
    pub async fn send_event(
        &self,
        event_id: EventId,
        priority: i64,
        report_locale: &str,
        now: i64,
    ) -> Result<Option<(BroadcastId, i64)>> {
        let Some(event) = self.event(event_id).await? else { return Ok(None) };
        let target = self.event_regions(event_id).await?;
        let reminders =
            event.reminder_minutes().into_iter().map(|m| (m, event.starts_at - m * 60_000)).collect::<Vec<_>>();
        let new = NewBroadcast {
            author_id: event.author_id,
            content: Content::Event { event_id, note: EventNote::Invitation },
            topics: event.topics.clone(),
            priority,
            report_chat_id: Some(event.chat_id),
            report_locale: report_locale.to_owned(),
            ref_broadcast_id: None,
        };
        self.create_broadcast_from(&new, &target, Fence::Event { id: event_id, reminders }, now).await
    }

    /// Discards an event draft; `false` when it is not a draft.
    pub async fn discard_event(&self, event_id: EventId) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "DELETE FROM events WHERE id = $1 AND status = 'draft'";
        let done =
            on_pool!(&self.pool, |p| sqlx::query(sql).bind(event_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Tells everyone invited about a change or cancellation (`note`), and
    /// edits their invitations to show the event as it is now. Returns the
    /// two broadcasts' ids and sizes.
    pub async fn notify_invited(
        &self,
        event: &Event,
        note: EventNote,
        author_id: UserId,
        report_chat_id: ChatId,
        report_locale: &str,
        now: i64,
    ) -> Result<Option<((BroadcastId, i64), (BroadcastId, i64))>> {
        let Some(invitation) = event.invitation_id else { return Ok(None) };
        let broadcast = |note| NewBroadcast {
            author_id,
            content: Content::Event { event_id: event.id, note },
            topics: event.topics.clone(),
            priority: crate::PRIORITY_URGENT,
            report_chat_id: Some(report_chat_id),
            report_locale: report_locale.to_owned(),
            ref_broadcast_id: Some(invitation),
        };
        let notice = self.create_broadcast(&broadcast(note), now).await?;
        // The refresh has no report of its own: the notice's report speaks.
        let refresh = NewBroadcast { report_chat_id: None, ..broadcast(EventNote::Refresh) };
        let refreshed = self.create_broadcast(&refresh, now).await?;
        Ok(Some((notice, refreshed)))
    }

    /// Moves an active event; pending reminders move with it (those whose
    /// time has passed are skipped). `false` when it is not active.
    pub async fn change_event(&self, event: &Event, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let changed = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let changed = sqlx::query(
                "UPDATE events SET starts_at = $2, ends_at = $3, place = $4, latitude = $5, longitude = $6, \
                 sequence = sequence + 1, updated_at = $7 WHERE id = $1 AND status = 'active'",
            )
            .bind(event.id)
            .bind(event.starts_at)
            .bind(event.ends_at)
            .bind(&event.place)
            .bind(event.latitude)
            .bind(event.longitude)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed > 0 {
                sqlx::query(
                    "UPDATE event_reminders SET due_at = $2 - minutes_before * 60000 \
                     WHERE event_id = $1 AND status IN ('pending', 'skipped')",
                )
                .bind(event.id)
                .bind(event.starts_at)
                .execute(&mut *tx)
                .await?;
                // A reminder that is still ahead is armed again; one whose
                // time has passed is skipped.
                sqlx::query(
                    "UPDATE event_reminders SET status = CASE WHEN due_at > $2 THEN 'pending' ELSE 'skipped' END \
                     WHERE event_id = $1 AND status IN ('pending', 'skipped')",
                )
                .bind(event.id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(changed > 0)
        })?;
        Ok(changed)
    }

    /// Calls an active event off and stops its reminders; `false` when it
    /// is not active.
    pub async fn cancel_event(&self, event_id: EventId, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let cancelled = on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await?;
            let cancelled = sqlx::query(
                "UPDATE events SET status = 'cancelled', sequence = sequence + 1, updated_at = $2 \
                 WHERE id = $1 AND status = 'active'",
            )
            .bind(event_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("UPDATE event_reminders SET status = 'cancelled' WHERE event_id = $1 AND status = 'pending'")
                .bind(event_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(cancelled > 0)
        })?;
        Ok(cancelled)
    }

    /// Records a chat's answer; `false` when it was the answer already.
    pub async fn set_rsvp(&self, event_id: EventId, chat_id: ChatId, answer: RsvpAnswer, now: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "INSERT INTO rsvps (event_id, chat_id, answer, at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (event_id, chat_id) DO UPDATE SET answer = excluded.answer, at = excluded.at \
                   WHERE rsvps.answer <> excluded.answer";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(event_id)
            .bind(chat_id)
            .bind(answer)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// A chat's answer to an event's invitation, if it gave one.
    pub async fn rsvp(&self, event_id: EventId, chat_id: ChatId) -> Result<Option<RsvpAnswer>> {
        let sql = "SELECT answer FROM rsvps WHERE event_id = $1 AND chat_id = $2";
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, RsvpAnswer>(sql)
            .bind(event_id)
            .bind(chat_id)
            .fetch_optional(p)
            .await)?)
    }

    /// How many chats gave each answer to an event's invitation.
    pub async fn answers(&self, event_id: EventId) -> Result<Answers> {
        let sql = "SELECT answer, COUNT(*) FROM rsvps WHERE event_id = $1 GROUP BY answer";
        let rows: Vec<(String, i64)> = on_pool!(&self.pool, |p| sqlx::query_as(sql).bind(event_id).fetch_all(p).await)?;
        let mut answers = Answers::default();
        for (answer, n) in rows {
            match answer.as_str() {
                "yes" => answers.yes = n,
                "maybe" => answers.maybe = n,
                _ => answers.no = n,
            }
        }
        Ok(answers)
    }

    /// Pending reminders due by `now`, earliest first.
    pub async fn due_reminders(&self, now: i64) -> Result<Vec<DueReminder>> {
        let sql = "SELECT event_id, minutes_before, due_at FROM event_reminders \
                   WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at";
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, DueReminder>(sql).bind(now).fetch_all(p).await)?)
    }

    /// Marks a pending reminder as not sent (`skipped` or `cancelled`).
    pub async fn drop_reminder(&self, event_id: EventId, minutes_before: i64, status: &str) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE event_reminders SET status = $3 \
                   WHERE event_id = $1 AND minutes_before = $2 AND status = 'pending'";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(event_id)
            .bind(minutes_before)
            .bind(status)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Sends a due reminder to everyone who said yes or maybe, each as a
    /// reply to their invitation; `None` when another instance sent it. For
    /// an event in some regions only those who got the invitation or are in
    /// those regions now.
    pub async fn send_reminder(
        &self,
        event: &Event,
        minutes_before: i64,
        now: i64,
    ) -> Result<Option<(BroadcastId, i64)>> {
        let new = NewBroadcast {
            author_id: event.author_id,
            content: Content::Event { event_id: event.id, note: EventNote::Reminder },
            topics: event.topics.clone(),
            priority: crate::PRIORITY_URGENT,
            report_chat_id: None,
            report_locale: "de".to_owned(),
            ref_broadcast_id: event.invitation_id,
        };
        // The reminder refers to the invitation, whose regions it takes.
        let fence = Fence::Reminder { event_id: event.id, minutes_before };
        self.create_broadcast_from(&new, &RegionTarget::Everywhere, fence, now).await
    }

    /// Reminder states of an event: (minutes before, status), for tests
    /// and the organizer's view.
    pub async fn reminders_of(&self, event_id: EventId) -> Result<Vec<(i64, String)>> {
        let sql = "SELECT minutes_before, status FROM event_reminders WHERE event_id = $1 ORDER BY minutes_before DESC";
        Ok(on_pool!(&self.pool, |p| sqlx::query_as(sql).bind(event_id).fetch_all(p).await)?)
    }
}

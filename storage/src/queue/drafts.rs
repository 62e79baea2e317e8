//! Organizers' drafts: kept until they are sent, scheduled, submitted for
//! approval or cancelled; each move between states is checked in SQL.

use super::*;
use crate::TopicList;
use crate::{BroadcastId, ChatId, DraftId, UserId};

/// An organizer's post awaiting confirmation.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Draft {
    /// The draft's id.
    pub id: DraftId,
    /// The organizer who wrote it.
    pub author_id: UserId,
    /// The organizer's chat, where preview and report go.
    pub chat_id: ChatId,
    /// The post's text; for a copied message its text, if any; empty for
    /// albums.
    pub text: String,
    /// The topics whose followers it reaches.
    pub topics: TopicList,
    /// compose → content → open (guided), open → timing → scheduled,
    /// open → review (approval); each ends queued or cancelled.
    pub status: DraftState,
    /// The broadcast it became, once queued.
    pub broadcast_id: Option<BroadcastId>,
    /// The chat of the organizer's message that is copied, if any.
    pub source_chat_id: Option<ChatId>,
    /// The organizer's message that is copied (an album's first).
    pub source_message_id: Option<i64>,
    /// The broadcast this post follows up on: it replies to each member's copy.
    pub follow_up_of: Option<BroadcastId>,
    /// When a scheduled draft is due (Unix ms).
    pub scheduled_at: Option<i64>,
    /// The priority a scheduled draft is queued with.
    pub priority: i64,
    /// The organizer's language, for the report.
    pub report_locale: String,
    /// When it was started (Unix ms).
    pub created_at: i64,
    /// An album's message ids, comma-separated.
    pub album: Option<String>,
    /// The regions it is targeted at, comma-separated; empty: every
    /// follower of its topics. A follow-up has those of the post it
    /// follows.
    pub regions: String,
}

impl Draft {
    /// What members would receive.
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

    /// Whom of its topics' followers it would reach.
    pub fn region_target(&self) -> RegionTarget {
        RegionTarget::from_stored(&self.regions)
    }
}

/// What an organizer composed, before preview.
#[derive(Clone, Debug)]
pub struct NewDraft {
    /// The organizer who wrote it.
    pub author_id: UserId,
    /// The organizer's chat, where preview and report go.
    pub chat_id: ChatId,
    /// What members would receive.
    pub content: Content,
    /// The topics whose followers it reaches.
    pub topics: TopicList,
    /// The broadcast this post follows up on, if any.
    pub follow_up_of: Option<BroadcastId>,
}

pub use basis_core::DraftState;

/// A draft's text and source message for its content.
fn draft_fields(content: &Content) -> (String, Option<ChatId>, Option<i64>) {
    match content {
        Content::Copy { chat_id, message_id, text } => {
            (text.clone().unwrap_or_default(), Some(*chat_id), Some(*message_id))
        }
        Content::Text(text) | Content::Edit(text) => (text.clone(), None, None),
        Content::Delete { .. } | Content::Event { .. } => (String::new(), None, None),
        Content::Album { chat_id, message_ids } => (String::new(), Some(*chat_id), message_ids.first().copied()),
    }
}

const DRAFT_COLUMNS: &str = "id, author_id, chat_id, text, topics, status, broadcast_id, source_chat_id, \
                             source_message_id, follow_up_of, scheduled_at, priority, report_locale, created_at, album, \
                             regions";

impl Storage {
    /// Keeps an organizer's post until it is confirmed or cancelled.
    pub async fn create_draft(&self, new: &NewDraft, state: DraftState, now: i64) -> Result<DraftId> {
        self.create_draft_to(new, &RegionTarget::Everywhere, state, now).await
    }

    /// [`create_draft`](Self::create_draft) for the followers of its topics
    /// within `target` (`/post strikes @wolfsburg …`). A follow-up takes the
    /// regions of the post it follows instead, so that its preview shows the
    /// audience it will reach.
    pub async fn create_draft_to(
        &self,
        new: &NewDraft,
        target: &RegionTarget,
        state: DraftState,
        now: i64,
    ) -> Result<DraftId> {
        let regions = target.checked()?;
        let _turn = self.write_turn().await;
        let (text, source_chat, source_message) = draft_fields(&new.content);
        let sql = "INSERT INTO drafts (author_id, chat_id, text, topics, status, created_at, source_chat_id, \
                   source_message_id, follow_up_of, album, regions) \
                   VALUES ($1, $2, $3, $4, $9, $5, $6, $7, $8, $10, \
                     CASE WHEN $8 IS NULL THEN $11 \
                     ELSE COALESCE((SELECT regions FROM broadcasts WHERE id = $8), '') END) RETURNING id";
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, DraftId>(sql)
            .bind(new.author_id)
            .bind(new.chat_id)
            .bind(&text)
            .bind(&new.topics)
            .bind(now)
            .bind(source_chat)
            .bind(source_message)
            .bind(new.follow_up_of)
            .bind(state.as_str())
            .bind(album_of(&new.content))
            .bind(&regions)
            .fetch_one(p)
            .await)?)
    }

    /// The draft with this id, in any state.
    pub async fn draft(&self, id: DraftId) -> Result<Option<Draft>> {
        let sql = format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = $1");
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, Draft>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// Moves a draft from `from` to `to`; `false` when it was not in `from`
    /// (handled already).
    pub async fn move_draft(&self, id: DraftId, from: DraftState, to: DraftState) -> Result<bool> {
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
    pub async fn cancel_draft(&self, id: DraftId) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE drafts SET status = 'cancelled' WHERE id = $1 \
                   AND status IN ('compose', 'content', 'open', 'timing', 'scheduled', 'review')";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Schedules a draft waiting for its time for `at`; `false` when it was
    /// handled already.
    pub async fn schedule_draft(&self, id: DraftId, at: i64, priority: i64, report_locale: &str) -> Result<bool> {
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
    pub async fn submit_for_review(&self, id: DraftId, report_locale: &str) -> Result<bool> {
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
    pub async fn set_draft_topics(&self, id: DraftId, topics: &TopicList) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE drafts SET topics = $2 WHERE id = $1 AND status = 'compose'";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(id)
            .bind(topics)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Guided `/post`: the regions chosen so far (while the topics are being
    /// chosen); `false` when the draft has moved on, or is a follow-up,
    /// whose regions are those of the post it follows.
    pub async fn set_draft_regions(&self, id: DraftId, target: &RegionTarget) -> Result<bool> {
        let regions = target.checked()?;
        let _turn = self.write_turn().await;
        let sql = "UPDATE drafts SET regions = $2 WHERE id = $1 AND status = 'compose' AND follow_up_of IS NULL";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(id)
            .bind(&regions)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Guided `/post`: the content arrived; the draft is open for preview.
    pub async fn fill_draft(&self, id: DraftId, content: &Content) -> Result<bool> {
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
    pub async fn awaiting_input(&self, chat_id: ChatId) -> Result<Option<Draft>> {
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
    pub async fn broadcast_by_report(&self, chat_id: ChatId, message_id: i64) -> Result<Option<BroadcastId>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, BroadcastId>(
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
}

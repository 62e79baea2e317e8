//! Members' privacy: everything stored about one chat, for `/mydata`, and
//! the version of the privacy notice each chat saw.
//!
//! The chat id appears in `chats`, `subscriptions`, `chat_regions`, `rsvps`
//! and `deliveries`; [`Storage::delete_chat_at`] removes it from all five,
//! and [`Storage::chat_data`] reads exactly these.

use crate::{BroadcastId, ChatId, EventId};
use basis_core::{BroadcastKind, DeliveryStatus, RsvpAnswer};

use crate::members::Chat;
use crate::regions::ChatRegion;
use crate::{Result, Storage, on_pool};

/// One topic the chat follows.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SubscriptionRecord {
    /// The topic's key.
    pub topic_key: String,
    /// When the chat chose it (Unix ms).
    pub created_at: i64,
}

/// The chat's answer to an event's invitation.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RsvpRecord {
    /// The event answered.
    pub event_id: EventId,
    /// The event's title.
    pub title: String,
    /// When the event starts (Unix ms).
    pub starts_at: i64,
    /// The chat's answer.
    pub answer: RsvpAnswer,
    /// When the chat answered (Unix ms).
    pub at: i64,
}

/// One delivery of a broadcast to the chat.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRecord {
    /// The broadcast delivered.
    pub broadcast_id: BroadcastId,
    /// What the broadcast did.
    pub kind: BroadcastKind,
    /// When the broadcast was made.
    pub broadcast_at: i64,
    /// Where the delivery is.
    pub status: DeliveryStatus,
    /// When the delivery last changed (for `sent`: when it was sent).
    pub updated_at: i64,
    /// The message in the chat, once sent.
    pub message_id: Option<i64>,
    /// Why it failed, for failed deliveries.
    pub error: Option<String>,
}

/// Everything stored about one chat, and nothing about any other.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatData {
    /// The chat's row, if stored.
    pub chat: Option<Chat>,
    /// The topics it follows.
    pub subscriptions: Vec<SubscriptionRecord>,
    /// The region it chose, and when; also a region retired since.
    pub region: Option<ChatRegion>,
    /// When it was asked where it is (once, after its first topic).
    pub region_asked_at: Option<i64>,
    /// Its answers to invitations.
    pub rsvps: Vec<RsvpRecord>,
    /// Deliveries of broadcasts to it, not yet purged.
    pub deliveries: Vec<DeliveryRecord>,
}

impl ChatData {
    /// Whether nothing at all is stored about the chat.
    pub fn is_empty(&self) -> bool {
        self.chat.is_none()
            && self.subscriptions.is_empty()
            && self.region.is_none()
            && self.rsvps.is_empty()
            && self.deliveries.is_empty()
    }
}

impl Storage {
    /// Everything stored about `chat_id`: its row, topics, region, answers
    /// and deliveries.
    pub async fn chat_data(&self, chat_id: ChatId) -> Result<ChatData> {
        let chat = self.chat(chat_id).await?;
        let region = self.chat_region(chat_id).await?;
        let region_asked_at = self.region_asked_at(chat_id).await?;
        let subscriptions = "SELECT topic_key, created_at FROM subscriptions WHERE chat_id = $1 \
                             ORDER BY created_at, topic_key";
        let rsvps = "SELECT r.event_id, e.title, e.starts_at, r.answer, r.at FROM rsvps r \
                     JOIN events e ON e.id = r.event_id WHERE r.chat_id = $1 ORDER BY e.starts_at, r.event_id";
        let deliveries = "SELECT d.broadcast_id, b.kind, b.created_at AS broadcast_at, d.status, d.updated_at, \
                          d.message_id, d.error FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id \
                          WHERE d.chat_id = $1 ORDER BY d.broadcast_id";
        let (subscriptions, rsvps, deliveries) = on_pool!(&self.pool, |p| {
            let subscriptions =
                sqlx::query_as::<_, SubscriptionRecord>(subscriptions).bind(chat_id).fetch_all(p).await?;
            let rsvps = sqlx::query_as::<_, RsvpRecord>(rsvps).bind(chat_id).fetch_all(p).await?;
            let deliveries = sqlx::query_as::<_, DeliveryRecord>(deliveries).bind(chat_id).fetch_all(p).await?;
            Ok::<_, sqlx::Error>((subscriptions, rsvps, deliveries))
        })?;
        Ok(ChatData { chat, subscriptions, region, region_asked_at, rsvps, deliveries })
    }

    /// Records that the chat was shown (or agreed under) privacy notice
    /// `version`. `true` only when that is newer than the one it saw: the
    /// notice is then due, and no other instance or update shows it again.
    pub async fn see_privacy_notice(&self, chat_id: ChatId, version: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE chats SET privacy_version = $2 WHERE id = $1 AND privacy_version < $2";
        let done = on_pool!(&self.pool, |p| sqlx::query(sql)
            .bind(chat_id)
            .bind(version)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }
}

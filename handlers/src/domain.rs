//! Domain events: what members and organizers did, for plugins to react
//! to. Each is delivered to the listeners once what caused it is committed.
//! They carry no more personal data than a listener needs to answer: the
//! chat's id and language where the listener may write to the chat, and no
//! message text, ever.

use crate::Locale;
use crate::plugin::Basis;

/// Something that happened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DomainEvent {
    /// A chat now follows `topic` (a command, a button or a deep link). A
    /// deep link says it again for a chat that followed the topic already
    /// (a second scan of the poster): listeners must tolerate repeats.
    Subscribed {
        /// The chat: a member's private chat, or a group.
        chat: basis_core::ChatId,
        /// The chat's language, for a listener that writes to it.
        locale: Locale,
        /// The topic's key.
        topic: String,
    },
    /// A chat no longer follows `topic`.
    Unsubscribed {
        /// The chat.
        chat: basis_core::ChatId,
        /// The topic's key.
        topic: String,
    },
    /// A chat joined through a deep link to `topic` (a QR code, a landing
    /// page). `Subscribed` follows.
    JoinedViaLink {
        /// The chat.
        chat: basis_core::ChatId,
        /// The chat's language.
        locale: Locale,
        /// The topic's key.
        topic: String,
        /// The link's source as statistics count it (`link`, or the
        /// campaign's name).
        source: String,
    },
    /// A chat asked to be forgotten (`/stop`): its rows are deleted.
    /// Plugins delete theirs.
    Left {
        /// The chat whose rows are gone.
        chat: basis_core::ChatId,
    },
    /// A broadcast reached every chat it could.
    BroadcastFinished {
        /// The broadcast's number.
        broadcast: basis_core::BroadcastId,
        /// Chats it reached.
        delivered: i64,
        /// Chats it could not reach (besides those that blocked the bot).
        failed: i64,
    },
    /// A chat answered an assembly's invitation.
    RsvpChanged {
        /// The assembly's number.
        event: basis_core::EventId,
        /// The chat that answered.
        chat: basis_core::ChatId,
        /// Its answer now.
        answer: basis_core::RsvpAnswer,
    },
    /// A Telegram user became an organizer.
    OrganizerGranted {
        /// Their Telegram user id.
        user: basis_core::UserId,
    },
    /// An organizer's rights were revoked.
    OrganizerRevoked {
        /// Their Telegram user id.
        user: basis_core::UserId,
    },
}

impl DomainEvent {
    /// A short name for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            DomainEvent::Subscribed { .. } => "subscribed",
            DomainEvent::Unsubscribed { .. } => "unsubscribed",
            DomainEvent::JoinedViaLink { .. } => "joined_via_link",
            DomainEvent::Left { .. } => "left",
            DomainEvent::BroadcastFinished { .. } => "broadcast_finished",
            DomainEvent::RsvpChanged { .. } => "rsvp_changed",
            DomainEvent::OrganizerGranted { .. } => "organizer_granted",
            DomainEvent::OrganizerRevoked { .. } => "organizer_revoked",
        }
    }
}

/// A domain event, as a listener gets it.
#[derive(Clone)]
pub struct Notice {
    /// The bot, its storage, texts and the plugins' state.
    pub basis: Basis,
    /// What happened.
    pub event: DomainEvent,
}

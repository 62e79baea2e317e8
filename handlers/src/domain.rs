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
    /// A chat now follows `topic` (a command, a button or a deep link).
    Subscribed { chat: i64, locale: Locale, topic: String },
    /// A chat no longer follows `topic`.
    Unsubscribed { chat: i64, topic: String },
    /// A chat joined through a deep link to `topic` (a QR code, a landing
    /// page); `source` is the link's campaign, if it had one. `Subscribed`
    /// follows when the join added the topic.
    JoinedViaLink { chat: i64, locale: Locale, topic: String, source: String },
    /// A chat asked to be forgotten (`/stop`): its rows are deleted.
    /// Plugins delete theirs.
    Left { chat: i64 },
    /// A broadcast reached every chat it could.
    BroadcastFinished { broadcast: i64, delivered: i64, failed: i64 },
    /// A chat answered an assembly's invitation.
    RsvpChanged { event: i64, chat: i64, answer: basis_core::RsvpAnswer },
    /// A Telegram user became an organizer.
    OrganizerGranted { user: i64 },
    /// An organizer's rights were revoked.
    OrganizerRevoked { user: i64 },
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
    pub basis: Basis,
    pub event: DomainEvent,
}

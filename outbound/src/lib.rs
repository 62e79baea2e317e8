#![warn(missing_docs)]
//! The one outbound path. Every message Basis sends — replies, keyboards,
//! apologies, progress and report messages, notices to organizers, the
//! broadcast itself — draws on one budget kept by one [`Scheduler`].
//!
//! [`Outbound`] is a teloxide `Requester` adaptor around the `Bot`: the
//! handlers get it instead of the bot, so no handler paces or counts
//! anything, and no send can forget to be counted. Message-creating methods
//! wait for a permit (replies first); everything else — edits, callback
//! answers, chat actions — passes straight through. A 429 on any request
//! pauses everyone for `retry_after`, and the request that got it is sent
//! again after the pause instead of failing its handler.

mod request;
mod requester_impl;
mod scheduler;
mod settings;

use teloxide::Bot;
use teloxide::types::{ChatId, Recipient};

pub use request::{Dropped, Paced, is_dropped};
pub use scheduler::{ChatKey, Grant, Priority, Refusal, Scheduler, Stats, answering};
pub use settings::{FREE_PER_SEC, Settings};

/// The bot every part of Basis sends with: a `Requester` whose
/// message-creating requests wait for the scheduler's permit.
///
/// Cheap to clone; clones share the scheduler. [`Outbound::background`]
/// gives a clone whose messages queue behind replies.
#[derive(Clone)]
pub struct Outbound {
    bot: Bot,
    scheduler: Scheduler,
    priority: Priority,
}

impl Outbound {
    /// Wraps `bot`; starts the scheduler's worker (needs a Tokio runtime).
    pub fn new(bot: Bot, settings: Settings) -> Outbound {
        Outbound { bot, scheduler: Scheduler::new(settings), priority: Priority::Reply }
    }

    /// The same bot, for messages nobody is waiting for right now (status
    /// messages, reports): they go after every waiting reply.
    pub fn background(&self) -> Outbound {
        Outbound { priority: Priority::Background, ..self.clone() }
    }

    /// The scheduler every clone shares.
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// The plain bot underneath, for requests that must not wait.
    pub fn inner(&self) -> &Bot {
        &self.bot
    }

    pub(crate) fn priority(&self) -> Priority {
        self.priority
    }
}

/// The chat a payload's `chat_id` names, as the limits see it.
pub(crate) fn chat_key<C: AsChatKey + ?Sized>(chat: &C) -> ChatKey {
    chat.chat_key()
}

pub(crate) trait AsChatKey {
    fn chat_key(&self) -> ChatKey;
}

impl AsChatKey for Recipient {
    fn chat_key(&self) -> ChatKey {
        match self {
            Recipient::Id(id) => ChatKey::of(id.0),
            Recipient::ChannelUsername(name) => ChatKey::named(name),
        }
    }
}

impl AsChatKey for ChatId {
    fn chat_key(&self) -> ChatKey {
        ChatKey::of(self.0)
    }
}

//! The states Basis stores, each with one codec ([`crate::text_enum!`]).

crate::text_enum! {
    /// What kind of chat a row is about.
    pub enum ChatKind {
        /// A member's private chat with the bot.
        Private = "private",
        /// A basic group.
        Group = "group",
        /// A supergroup (also forums).
        Supergroup = "supergroup",
        /// A channel the bot posts to.
        Channel = "channel",
    }
}

impl ChatKind {
    /// Groups and supergroups: their admins choose for them.
    pub fn is_group(self) -> bool {
        matches!(self, ChatKind::Group | ChatKind::Supergroup)
    }
}

crate::text_enum! {
    /// Whether later posts reach the chat.
    pub enum ChatStatus {
        /// Posts reach it.
        Active = "active",
        /// The member blocked the bot (or the account is gone).
        Blocked = "blocked",
        /// The bot was removed from the group or channel.
        Left = "left",
    }
}

crate::text_enum! {
    /// Where an organizer's draft is in its life.
    pub enum DraftState {
        /// Guided `/post`: topics being chosen on a keyboard.
        Compose = "compose",
        /// Guided `/post`: waiting for the organizer to send the content.
        Content = "content",
        /// Previewed, waiting for Send / Urgent / Schedule / Cancel.
        Open = "open",
        /// Schedule was pressed: waiting for the organizer to type a time.
        Timing = "timing",
        /// Waiting for its time.
        Scheduled = "scheduled",
        /// Waiting for a second organizer's approval.
        Review = "review",
        /// Sent to the queue: done with.
        Queued = "queued",
        /// Discarded by its author.
        Cancelled = "cancelled",
    }
}

crate::text_enum! {
    /// Where an assembly is in its life.
    pub enum EventStatus {
        /// Being written (the guided `/event`) or previewed.
        Draft = "draft",
        /// Announced: members answer, reminders go out.
        Active = "active",
        /// Called off: members who were invited were told.
        Cancelled = "cancelled",
    }
}

crate::text_enum! {
    /// The guided `/event`'s next question.
    pub enum EventStep {
        /// What it is called.
        Title = "title",
        /// When it starts (and ends).
        When = "when",
        /// Where it is (text, a venue or a location).
        Place = "place",
        /// Whose members it is for.
        Topics = "topics",
        /// An optional note; the last question.
        Note = "note",
    }
}

crate::text_enum! {
    /// A member's answer to an assembly's invitation.
    pub enum RsvpAnswer {
        /// Coming.
        Yes = "yes",
        /// Perhaps.
        Maybe = "maybe",
        /// Not coming.
        No = "no",
    }
}

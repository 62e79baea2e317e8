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
    /// What an organizer or owner did, as the audit log names it.
    pub enum AuditAction {
        /// An owner made an invitation.
        Invite = "invite",
        /// Someone redeemed an invitation and became an organizer.
        Grant = "grant",
        /// An owner revoked an organizer's rights.
        Revoke = "revoke",
        /// A post was previewed.
        Draft = "draft",
        /// A draft was submitted for approval.
        Submit = "submit",
        /// A second organizer approved a draft.
        Approve = "approve",
        /// A second organizer rejected a draft.
        Reject = "reject",
        /// A post was queued.
        Post = "post",
        /// A post was scheduled.
        Schedule = "schedule",
        /// A scheduled post was cancelled.
        Cancel = "cancel",
        /// A post was corrected.
        Edit = "edit",
        /// A post was retracted.
        Retract = "retract",
        /// An assembly was previewed.
        EventDraft = "event-draft",
        /// An assembly was announced.
        Event = "event",
        /// An assembly's time or place changed.
        EventChange = "event-change",
        /// An assembly was called off.
        EventCancel = "event-cancel",
        /// A channel was connected.
        Channel = "channel",
        /// A channel was disconnected.
        Unchannel = "unchannel",
        /// An owner made a token for the posting API.
        ApiToken = "api-token",
        /// An owner revoked a token of the posting API.
        ApiRevoke = "api-revoke",
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

crate::text_enum! {
    /// What a broadcast does to members' chats.
    pub enum BroadcastKind {
        /// Text composed by the bot (sendMessage).
        Text = "text",
        /// An organizer's message, copied (copyMessage).
        Copy = "copy",
        /// A correction: every delivered copy of an earlier post gets new text.
        Edit = "edit",
        /// A retraction: every delivered copy of an earlier post is deleted.
        Delete = "delete",
        /// An organizer's album, copied whole.
        Album = "album",
        /// About an assembly, rendered per member.
        Event = "event",
    }
}

impl BroadcastKind {
    /// A post whose text a correction may replace (`/edit`) and that a
    /// follow-up may answer: text and copied messages.
    pub fn has_text(self) -> bool {
        matches!(self, BroadcastKind::Text | BroadcastKind::Copy)
    }

    /// A post members received as messages of its own, which `/retract`
    /// can take back (text, copies and albums).
    pub fn is_post(self) -> bool {
        matches!(self, BroadcastKind::Text | BroadcastKind::Copy | BroadcastKind::Album)
    }
}

crate::text_enum! {
    /// Whether a broadcast still has deliveries open.
    pub enum BroadcastStatus {
        /// Deliveries are open.
        Sending = "sending",
        /// Every delivery is settled.
        Done = "done",
    }
}

crate::text_enum! {
    /// Where one delivery of a broadcast to one chat is.
    pub enum DeliveryStatus {
        /// Waiting for its turn (or its next try).
        Pending = "pending",
        /// Claimed under a lease, being sent.
        Sending = "sending",
        /// Telegram took it.
        Sent = "sent",
        /// Given up on after its tries.
        Failed = "failed",
        /// The chat blocked the bot or removed it.
        Blocked = "blocked",
    }
}

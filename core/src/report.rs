//! A broadcast's figures as its organizer sees them: what the broadcaster
//! counts and the texts render, shared so that neither imports the other.

use crate::BroadcastKind;

/// What a broadcast does to members' chats, as its report names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Job {
    /// A new post (or follow-up).
    #[default]
    Post,
    /// Edits every delivered copy of an earlier post.
    Edit,
    /// Deletes every delivered copy of an earlier post.
    Retract,
}

impl Job {
    /// What a broadcast of this kind does.
    pub fn of(kind: BroadcastKind) -> Job {
        match kind {
            BroadcastKind::Edit => Job::Edit,
            BroadcastKind::Delete => Job::Retract,
            BroadcastKind::Text | BroadcastKind::Copy | BroadcastKind::Album | BroadcastKind::Event => Job::Post,
        }
    }
}

/// A broadcast's counts, as the progress message and final report show them.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    /// What the broadcast does.
    pub job: Job,
    /// The broadcast a correction acts on.
    pub of: Option<i64>,
    /// The broadcast's number.
    pub id: i64,
    /// All of its deliveries.
    pub total: i64,
    /// Delivered.
    pub sent: i64,
    /// Given up on.
    pub failed: i64,
    /// The chat blocked the bot or removed it.
    pub blocked: i64,
    /// Pending or being sent.
    pub remaining: i64,
    /// Seconds left at the current pace, when known.
    pub eta_secs: Option<u64>,
    /// Why deliveries failed, with counts.
    pub reasons: Vec<(String, i64)>,
}

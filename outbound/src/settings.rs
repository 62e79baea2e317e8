//! What the scheduler is told about the deployment.

use std::time::Duration;

/// Telegram's free budget: messages a second across all chats without
/// `allow_paid_broadcast`.
pub const FREE_PER_SEC: u32 = 30;

/// How fast the bot may send, and how long replies may wait for their turn.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Messages a second for everything the bot sends (`BASIS_RATE_LIMIT`);
    /// `None`: as fast as the Bot API answers (benchmarks only).
    pub rate: Option<u32>,
    /// The deployment agreed to pay (`BASIS_PAID_BROADCAST`): sends beyond
    /// the free 30/s carry `allow_paid_broadcast`.
    pub paid: bool,
    /// How long a reply may wait for its turn before it is dropped.
    pub deadline: Duration,
    /// Replies (and background messages) waiting at most, per priority;
    /// beyond it a new one is dropped at once.
    pub queue_limit: usize,
    /// Per chat: a short burst, then one message per `chat_period`.
    pub chat_burst: u32,
    /// After the burst, one message to a chat per this much.
    pub chat_period: Duration,
    /// Per group: a burst, then one per `group_period`, so that no minute
    /// holds more than Telegram's 20.
    pub group_burst: u32,
    /// After the burst, one message to a group per this much.
    pub group_period: Duration,
    /// Broadcast messages to one chat are spaced by this much, without burst.
    pub bulk_chat_period: Duration,
    /// A drop burst is logged once it has been quiet this long.
    pub drop_log_quiet: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rate: Some(FREE_PER_SEC),
            paid: false,
            deadline: Duration::from_secs(60),
            queue_limit: 20_000,
            chat_burst: 3,
            // A tenth of a second to spare: requests do not reach Telegram
            // with the spacing they left with.
            chat_period: Duration::from_millis(1100),
            group_burst: 10,
            group_period: Duration::from_secs(6),
            bulk_chat_period: Duration::from_millis(1100),
            drop_log_quiet: Duration::from_secs(2),
        }
    }
}

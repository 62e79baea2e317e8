#![warn(missing_docs)]
//! Basis handlers: the dptree tree that answers members. Handlers only read
//! and write storage and answer; they never loop over the Bot API, never
//! sleep, and a failure or panic in one update cannot stop the bot.

mod buttons;
pub mod callback;
mod channels;
pub mod command;
mod corrections;
mod dispatch;
pub mod domain;
pub mod events;
pub mod flood;
mod guard;
mod guided;
pub mod i18n;
mod inbox;
mod keyboards;
mod member;
mod membership;
mod menu;
pub mod offer;
mod organizer;
pub mod pictures;
pub mod plugin;
pub mod plugins;
mod privacy;
mod region_choice;
pub mod regions;
pub mod registry;
pub mod reports;
mod roles;
mod scene;
pub mod stats;
pub mod topics;
pub mod when;

use std::sync::Arc;

use basis_storage::{Storage, StorageError};
use teloxide::dispatching::{DpHandlerDescription, UpdateFilterExt};
use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;

pub use basis_outbound::Outbound;
pub use domain::{DomainEvent, Notice};
pub use flood::FloodControl;
pub use i18n::{Locale, Texts};
pub use inbox::InboxSettings;
pub use menu::register_commands;
pub use plugin::{
    Basis, Call, Extensions, Input, Migrations, PersonalData, Plugin, PluginError, PluginGroup, Press, Registry,
};
pub use plugins::DefaultPlugins;
pub use regions::{RegionCatalog, RegionKey};
pub use registry::{Args, Audience, Declaration, Id, Place, Refusal, Required};
pub use roles::Role;
pub use topics::{TopicCatalog, TopicKey};

/// Errors a handler reports to the dispatcher's error handler (which logs
/// them); the member gets a localized apology instead.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The database failed.
    #[error("storage failed")]
    Storage(#[from] StorageError),
    /// A Bot API request failed (after the outbound path's retries).
    #[error("Telegram request failed")]
    Telegram(#[from] teloxide::RequestError),
    /// A step in front of the handler failed (loading the chat, the gate's
    /// role lookup); it is shared by the tree's branches.
    #[error(transparent)]
    Earlier(Arc<HandlerError>),
    /// A handler asked for the organizer's role, but its command's
    /// declaration lets members in, so the gate looked none up: refused,
    /// never taken for an owner's.
    #[error("the command `{0}` is not declared for organizers or owners, so it has no role")]
    NoRole(&'static str),
}

impl HandlerError {
    /// A send the outbound path dropped: Telegram's limits left no room for
    /// it within its deadline (the scheduler counts and logs those).
    pub fn is_dropped_send(&self) -> bool {
        match self {
            HandlerError::Telegram(error) => basis_outbound::is_dropped(error),
            HandlerError::Earlier(error) => error.is_dropped_send(),
            HandlerError::Storage(_) | HandlerError::NoRole(_) => false,
        }
    }
}

/// What a handler returns.
pub type HandlerResult = Result<(), HandlerError>;

/// Milliseconds since the Unix epoch; injected so tests control time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Called with every update before it is handled. Tests use it to make a
/// handler fail on purpose; production builds do not have it.
#[cfg(feature = "testing")]
pub type Probe = Arc<dyn Fn(&Update) + Send + Sync>;

/// What every handler needs, given to the dispatcher once.
pub struct Context {
    /// The database.
    pub storage: Storage,
    /// Every text in every language, Basis's and the plugins'.
    pub texts: Texts,
    /// The topics members can choose.
    pub topics: TopicCatalog,
    /// The regions members can say they are in; empty when none are
    /// configured, and then nothing about regions is shown.
    pub regions: RegionCatalog,
    /// The organisation's name as members see it.
    pub organisation: String,
    /// The time now (tests set it).
    pub clock: Clock,
    /// Tests only: called with every update before it is handled.
    #[cfg(feature = "testing")]
    pub probe: Option<Probe>,
    /// Telegram user ids with every organizer right (`BASIS_OWNERS`).
    pub owners: Vec<basis_core::UserId>,
    /// Wakes the broadcaster when a post is queued.
    pub wake: Arc<tokio::sync::Notify>,
    /// How long an organizer invitation stays valid.
    pub invite_ttl_ms: i64,
    /// The deployment's time zone: times organizers type and read.
    pub timezone: chrono_tz::Tz,
    /// Two-person approval: a post goes out only once a second organizer
    /// with the topics in scope approves it.
    pub approval: bool,
    /// Flood control: at most `flood_per_minute` updates a minute per sender.
    pub flood: FloodControl,
    /// The privacy notice's version; a chat that saw an older one is shown
    /// the notice once at its next interaction.
    pub privacy_version: i64,
    /// How to reach the controller (e.g. `datenschutz@example.org`), named
    /// in every privacy notice with the organisation; may be empty.
    pub privacy_contact: String,
    /// What the plugins added: commands, buttons, texts, listeners.
    pub registry: Registry,
    /// How the organizers' inbox answers members.
    pub inbox: InboxSettings,
    /// Whether this instance leads (see [`Leading`]).
    pub leading: Leading,
}

/// Whether this instance leads: in polling mode it alone polls and sends,
/// so that one budget holds for the bot. Work that must be done once and
/// counts against that budget (the broadcaster, the inbox's relays) waits
/// for it. The application sets it; cheap to clone, clones share it.
#[derive(Clone, Debug)]
pub struct Leading(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for Leading {
    fn default() -> Self {
        Leading(Arc::new(tokio::sync::watch::channel(false).0))
    }
}

impl Leading {
    /// This instance leads from now on, or no longer.
    pub fn set(&self, leading: bool) {
        self.0.send_replace(leading);
    }

    /// Whether this instance leads now.
    pub fn is_leading(&self) -> bool {
        *self.0.borrow()
    }

    /// Returns once this instance leads (at once if it does).
    pub async fn until_leading(&self) {
        let mut leading = self.0.subscribe();
        let _ = leading.wait_for(|leads| *leads).await;
    }
}

impl Context {
    /// Milliseconds since the Unix epoch, by the context's clock.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// The context as handlers get it.
pub type Ctx = Arc<Context>;

/// The update kinds Basis asks Telegram for; everything else is never sent.
pub fn allowed_updates() -> Vec<AllowedUpdate> {
    vec![
        AllowedUpdate::Message,
        AllowedUpdate::EditedMessage,
        AllowedUpdate::CallbackQuery,
        AllowedUpdate::MyChatMember,
    ]
}

/// The whole tree. Edited messages and unknown kinds fall through to the
/// dispatcher's default handler and are deliberately ignored.
pub fn schema(registry: &Registry) -> teloxide::dispatching::UpdateHandler<HandlerError> {
    let mut tree = guard::panic_guard()
        // Before anything else: a flooding sender costs nothing further.
        .chain(flood::filter());
    // The plugins' raw branches come before Basis's own handlers.
    for branch in registry.branches() {
        tree = tree.branch(branch.clone());
    }
    tree.branch(dispatch::messages(registry))
        .branch(Update::filter_callback_query().endpoint(buttons::on_callback))
        .branch(Update::filter_my_chat_member().endpoint(membership::on_my_chat_member))
}

type Handler = dptree::Handler<'static, HandlerResult, DpHandlerDescription>;

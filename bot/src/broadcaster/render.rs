//! What the broadcaster shows people is given to it: the texts of event
//! messages, progress messages and reports come from whoever builds the
//! broadcaster (the application hands it Basis's Fluent texts), so the
//! broadcaster does not import the handlers and data flows one way.

use std::sync::Arc;

use basis_core::report::Figures;
use basis_core::{BroadcastId, Locale, RsvpAnswer};
use basis_storage::{Event, EventNote, Storage};
use teloxide::types::InlineKeyboardMarkup;
use tokio::sync::Notify;

/// An event message for one member, with its buttons.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The message's text.
    pub text: String,
    /// Its buttons, if any.
    pub keyboard: Option<InlineKeyboardMarkup>,
}

/// The texts the broadcaster sends, in a given language.
pub trait Render: Send + Sync + 'static {
    /// The message members get about an assembly (`note` says which), with
    /// the member's answer marked.
    fn event(&self, event: &Event, note: EventNote, locale: Locale, choice: Option<RsvpAnswer>, now: i64) -> Rendered;
    /// The status message of a new post, before its progress is reported.
    fn queued(&self, locale: Locale, id: i64, total: i64) -> String;
    /// The status message while the broadcast is on its way.
    fn progress(&self, locale: Locale, figures: &Figures) -> String;
    /// The status message once every delivery is settled.
    fn final_report(&self, locale: Locale, figures: &Figures) -> String;
}

/// A broadcast whose last delivery was settled, for whoever listens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finished {
    /// The broadcast.
    pub broadcast: BroadcastId,
    /// Deliveries Telegram took.
    pub delivered: i64,
    /// Deliveries given up on.
    pub failed: i64,
}

/// What the broadcaster works with besides the bot.
#[derive(Clone)]
pub struct Parts {
    /// The delivery queue.
    pub storage: Storage,
    /// Milliseconds since the Unix epoch (tests move it).
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    /// Notified when a post is queued in this process.
    pub wake: Arc<Notify>,
    /// The texts it sends.
    pub render: Arc<dyn Render>,
    /// Told when a broadcast is finished (after the fact is stored).
    pub finished: Arc<dyn Fn(Finished) + Send + Sync>,
}

impl Parts {
    /// The time now, by the clock.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

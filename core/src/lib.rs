//! The types every layer of Basis shares: the languages it speaks, topic
//! keys, and the states it stores. Storage speaks these types, handlers and
//! the broadcaster match on them; nobody compares status strings.
//!
//! A state is stored as text. [`text_enum!`] gives each one a single codec:
//! its text, its parser, `Display`, and `sqlx::Type`, `Encode` and `Decode`
//! for SQLite and PostgreSQL, so that a state is bound and read as itself.

#![warn(missing_docs)]

pub mod report;
mod states;
mod text_enum;

pub use states::{
    AuditAction, BroadcastKind, BroadcastStatus, ChatKind, ChatStatus, DeliveryStatus, DraftState, EventStatus,
    EventStep, InboxCopy, RelayDirection, RelayStatus, RsvpAnswer,
};

/// The languages Basis speaks; German is the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    /// German.
    #[default]
    De,
    /// English.
    En,
}

impl Locale {
    /// Every language, in the order menus list them.
    pub const ALL: [Locale; 2] = [Locale::De, Locale::En];

    /// `de` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Locale::De => "de",
            Locale::En => "en",
        }
    }

    /// Accepts `de`, `EN`, `en-GB`, `de_AT`; nothing else.
    pub fn parse(code: &str) -> Option<Locale> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "de" => Some(Locale::De),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// What a member sees before choosing: English where Telegram says the
    /// app speaks English, German otherwise.
    pub fn from_telegram(language_code: Option<&str>) -> Locale {
        match language_code.and_then(Locale::parse) {
            Some(Locale::En) => Locale::En,
            _ => Locale::De,
        }
    }
}

/// A topic's key as configured: 1–32 of `a-z 0-9 _ -`. It appears in deep
/// links and callback data, so nothing else is a key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicKey(String);

impl TopicKey {
    /// The longest key.
    pub const MAX_LEN: usize = 32;

    /// The key `input` is, if it is one.
    pub fn parse(input: &str) -> Option<TopicKey> {
        let valid = !input.is_empty()
            && input.len() <= Self::MAX_LEN
            && input.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        valid.then(|| TopicKey(input.to_owned()))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TopicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

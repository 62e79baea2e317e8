//! The types every layer of Basis shares: the languages it speaks, topic
//! and region keys, and the states it stores. Storage speaks these types, handlers and
//! the broadcaster match on them; nobody compares status strings.
//!
//! A state is stored as text. [`text_enum!`] gives each one a single codec:
//! its text, its parser, `Display`, and `sqlx::Type`, `Encode` and `Decode`
//! for SQLite and PostgreSQL, so that a state is bound and read as itself.

#![warn(missing_docs)]

mod ids;
pub mod report;
mod states;
mod text_enum;
mod topic_list;

pub use ids::{BroadcastId, ChatId, DraftId, EventId, UserId};
pub use states::{
    AuditAction, BroadcastKind, BroadcastStatus, ChatKind, ChatStatus, DeliveryStatus, DraftState, EventStatus,
    EventStep, InboxCopy, RelayDirection, RelayStatus, RsvpAnswer,
};
pub use topic_list::TopicList;

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

impl AsRef<str> for TopicKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TopicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A region's key as configured (`wolfsburg`, `niedersachsen`): the same
/// form as a topic's key, 1–32 of `a-z 0-9 _ -`, because it travels the
/// same ways (deep links, callback data, `/post … @wolfsburg`).
///
/// Stored as text, it is bound and read as itself on both engines; a
/// stored text that is no key fails to read, with the text in the error.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionKey(String);

impl RegionKey {
    /// The longest key.
    pub const MAX_LEN: usize = TopicKey::MAX_LEN;

    /// The key `input` is, if it is one.
    pub fn parse(input: &str) -> Option<RegionKey> {
        TopicKey::parse(input).map(|key| RegionKey(key.0))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Keys as stored in one column: comma-separated, in the given order.
    pub fn join(keys: &[RegionKey]) -> String {
        keys.iter().map(RegionKey::as_str).collect::<Vec<_>>().join(",")
    }

    /// The keys of a comma-separated column; empty parts and anything that
    /// is no key are left out.
    pub fn split(stored: &str) -> Vec<RegionKey> {
        stored.split(',').filter_map(RegionKey::parse).collect()
    }
}

impl std::fmt::Display for RegionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionKey {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        RegionKey::parse(&value).ok_or_else(|| format!("`{value}` is not a region key"))
    }
}

text_column!(RegionKey, |key| key.0.clone(), |text| Ok(RegionKey::try_from(text.to_owned())?));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_keys_have_the_form_of_topic_keys() {
        assert_eq!(RegionKey::parse("wolfsburg").unwrap().as_str(), "wolfsburg");
        assert!(RegionKey::parse("vw-werk_2").is_some());
        for bad in ["", "Wolfsburg", "a b", "münchen", "a,b", &"x".repeat(33)] {
            assert!(RegionKey::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_column_of_region_keys_reads_back_what_was_joined() {
        let keys = vec![RegionKey::parse("kassel").unwrap(), RegionKey::parse("wolfsburg").unwrap()];
        assert_eq!(RegionKey::join(&keys), "kassel,wolfsburg");
        assert_eq!(RegionKey::split("kassel,wolfsburg"), keys);
        assert_eq!(RegionKey::split(""), Vec::<RegionKey>::new());
        assert_eq!(RegionKey::split(",kassel,,Bad Key"), keys[..1]);
    }
}

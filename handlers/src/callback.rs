//! Callback data of inline buttons as a typed value. Anything that does not
//! parse is stale or forged and changes nothing.

use crate::i18n::Locale;
use crate::regions::RegionKey;
use crate::topics::TopicKey;

/// What an inline button asks for, as carried in its callback data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackData {
    /// Switch one topic on or off for the chat the keyboard is in.
    Toggle(TopicKey),
    /// Answer to "really delete everything?".
    Stop {
        /// Yes, delete everything (`false`: keep it all).
        confirmed: bool,
    },
    /// Switch the chat to this language.
    Language(Locale),
    /// An organizer's answer to a post preview.
    Post {
        /// The draft the preview shows.
        draft: basis_core::DraftId,
        /// What to do with it.
        action: PostAction,
    },
    /// Guided `/post`: switch a topic of the draft on or off (`Some`), or go
    /// on to the content (`None`).
    Compose {
        /// The draft being composed.
        draft: basis_core::DraftId,
        /// The topic to switch, or `None` to go on.
        topic: Option<TopicKey>,
    },
    /// A button under an event: a member's answer, the calendar file, the
    /// map, or the organizer's Send / Discard of the invitation.
    Event {
        /// The event the button is under.
        event: basis_core::EventId,
        /// Which button was pressed.
        action: EventAction,
    },
    /// `/region` and the question after a first topic: where the chat is.
    Region(RegionPress),
    /// Guided `/post`: the regions of a draft (after its topics).
    ComposeRegion {
        /// The draft being composed.
        draft: basis_core::DraftId,
        /// Which button was pressed.
        press: RegionPress,
    },
}

/// A button of a keyboard of regions. A tree is shown level by level:
/// a region with regions below it opens them, the others are chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionPress {
    /// Choose this region (in a draft: switch it on or off).
    Choose(RegionKey),
    /// Show the regions below this one.
    Open(RegionKey),
    /// Show the regions at the top.
    Top,
    /// No region (a member: forget the chat's; a draft: everywhere).
    Clear,
    /// Done: a member skips the question, a draft goes on to its content.
    Done,
}

impl RegionPress {
    fn encode(&self) -> String {
        match self {
            RegionPress::Choose(key) => format!("s:{}", key.as_str()),
            RegionPress::Open(key) => format!("o:{}", key.as_str()),
            RegionPress::Top => "t".to_owned(),
            RegionPress::Clear => "n".to_owned(),
            RegionPress::Done => "x".to_owned(),
        }
    }

    fn parse(data: &str) -> Option<RegionPress> {
        match data.split_once(':') {
            Some(("s", key)) => RegionKey::parse(key).map(RegionPress::Choose),
            Some(("o", key)) => RegionKey::parse(key).map(RegionPress::Open),
            Some(_) => None,
            None => match data {
                "t" => Some(RegionPress::Top),
                "n" => Some(RegionPress::Clear),
                "x" => Some(RegionPress::Done),
                _ => None,
            },
        }
    }
}

/// A button under an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventAction {
    /// The member will come.
    Yes,
    /// The member might come.
    Maybe,
    /// The member will not come.
    No,
    /// Send the event as a calendar file.
    Calendar,
    /// Send the event's place as a map location.
    Map,
    /// The organizer sends the invitation to the members of its topics.
    Send,
    /// The organizer throws the invitation away unsent.
    Discard,
}

impl EventAction {
    const CODES: [(EventAction, char); 7] = [
        (EventAction::Yes, 'y'),
        (EventAction::Maybe, 'm'),
        (EventAction::No, 'n'),
        (EventAction::Calendar, 'c'),
        (EventAction::Map, 'p'),
        (EventAction::Send, 's'),
        (EventAction::Discard, 'x'),
    ];

    fn code(self) -> char {
        Self::CODES.iter().find(|(a, _)| *a == self).map_or('?', |(_, c)| *c)
    }

    fn from_code(code: &str) -> Option<EventAction> {
        let mut chars = code.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else { return None };
        Self::CODES.iter().find(|(_, k)| *k == c).map(|(a, _)| *a)
    }

    /// The stored RSVP answer, for the three answer buttons.
    pub fn answer(self) -> Option<basis_core::RsvpAnswer> {
        match self {
            EventAction::Yes => Some(basis_core::RsvpAnswer::Yes),
            EventAction::Maybe => Some(basis_core::RsvpAnswer::Maybe),
            EventAction::No => Some(basis_core::RsvpAnswer::No),
            _ => None,
        }
    }
}

/// An organizer's answer to a post preview.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostAction {
    /// Send it now.
    Send,
    /// Send it now, ahead of other queued posts.
    Urgent,
    /// Throw the draft away.
    Cancel,
    /// Ask for a time, then send then.
    Schedule,
    /// Two-person approval: hand the draft to a second organizer…
    Submit,
    /// …who approves it (it is queued)…
    Approve,
    /// …or rejects it.
    Reject,
}

impl PostAction {
    const CODES: [(PostAction, char); 7] = [
        (PostAction::Send, 's'),
        (PostAction::Urgent, 'u'),
        (PostAction::Cancel, 'c'),
        (PostAction::Schedule, 't'),
        (PostAction::Submit, 'r'),
        (PostAction::Approve, 'a'),
        (PostAction::Reject, 'x'),
    ];

    fn code(self) -> char {
        Self::CODES.iter().find(|(a, _)| *a == self).map_or('?', |(_, c)| *c)
    }

    fn from_code(code: &str) -> Option<PostAction> {
        let mut chars = code.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else { return None };
        Self::CODES.iter().find(|(_, k)| *k == c).map(|(a, _)| *a)
    }
}

/// A positive id of at most 18 digits: no sign, no spaces, no leading `+`.
/// A draft's, event's or broadcast's number: up to 18 digits, nothing else.
pub(crate) fn parse_id<Id: std::str::FromStr>(digits: &str) -> Option<Id> {
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl CallbackData {
    /// Telegram accepts 1–64 bytes.
    pub const MAX_LEN: usize = 64;

    /// The value as callback data, at most [`Self::MAX_LEN`] bytes.
    pub fn encode(&self) -> String {
        match self {
            CallbackData::Toggle(key) => format!("t:{}", key.as_str()),
            CallbackData::Stop { confirmed: true } => "stop:y".to_owned(),
            CallbackData::Stop { confirmed: false } => "stop:n".to_owned(),
            CallbackData::Language(locale) => format!("lang:{}", locale.code()),
            CallbackData::Post { draft, action } => format!("p:{}:{draft}", action.code()),
            CallbackData::Compose { draft, topic: Some(topic) } => format!("g:{draft}:{}", topic.as_str()),
            CallbackData::Compose { draft, topic: None } => format!("gn:{draft}"),
            CallbackData::Event { event, action } => format!("ev:{}:{event}", action.code()),
            CallbackData::Region(press) => format!("r:{}", press.encode()),
            CallbackData::ComposeRegion { draft, press } => format!("gr:{draft}:{}", press.encode()),
        }
    }

    /// The value `data` encodes, or `None` if it is stale or forged.
    pub fn parse(data: &str) -> Option<CallbackData> {
        let (kind, value) = data.split_once(':')?;
        match (kind, value) {
            ("t", key) => TopicKey::parse(key).map(CallbackData::Toggle),
            ("stop", "y") => Some(CallbackData::Stop { confirmed: true }),
            ("stop", "n") => Some(CallbackData::Stop { confirmed: false }),
            ("lang", code) if code.len() == 2 => Locale::parse(code).map(CallbackData::Language),
            ("p", rest) => {
                let (action, draft) = rest.split_once(':')?;
                Some(CallbackData::Post { draft: parse_id(draft)?, action: PostAction::from_code(action)? })
            }
            ("g", rest) => {
                let (draft, topic) = rest.split_once(':')?;
                Some(CallbackData::Compose { draft: parse_id(draft)?, topic: Some(TopicKey::parse(topic)?) })
            }
            ("gn", draft) => Some(CallbackData::Compose { draft: parse_id(draft)?, topic: None }),
            ("ev", rest) => {
                let (action, event) = rest.split_once(':')?;
                Some(CallbackData::Event { event: parse_id(event)?, action: EventAction::from_code(action)? })
            }
            ("r", press) => RegionPress::parse(press).map(CallbackData::Region),
            ("gr", rest) => {
                let (draft, press) = rest.split_once(':')?;
                Some(CallbackData::ComposeRegion { draft: parse_id(draft)?, press: RegionPress::parse(press)? })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips_within_telegrams_limit() {
        let values = [
            CallbackData::Toggle(TopicKey::parse(&"k".repeat(TopicKey::MAX_LEN)).unwrap()),
            CallbackData::Toggle(TopicKey::parse("strikes").unwrap()),
            CallbackData::Stop { confirmed: true },
            CallbackData::Stop { confirmed: false },
            CallbackData::Language(Locale::De),
            CallbackData::Language(Locale::En),
            CallbackData::Post { draft: basis_core::DraftId(1), action: PostAction::Send },
            CallbackData::Post { draft: basis_core::DraftId(999_999_999_999_999_999), action: PostAction::Urgent },
            CallbackData::Post { draft: basis_core::DraftId(42), action: PostAction::Cancel },
            CallbackData::Post { draft: basis_core::DraftId(42), action: PostAction::Schedule },
            CallbackData::Post { draft: basis_core::DraftId(42), action: PostAction::Submit },
            CallbackData::Post { draft: basis_core::DraftId(42), action: PostAction::Approve },
            CallbackData::Post { draft: basis_core::DraftId(42), action: PostAction::Reject },
            CallbackData::Compose {
                draft: basis_core::DraftId(999_999_999_999_999_999),
                topic: Some(TopicKey::parse(&"k".repeat(TopicKey::MAX_LEN)).unwrap()),
            },
            CallbackData::Compose { draft: basis_core::DraftId(7), topic: None },
            CallbackData::Event { event: basis_core::EventId(3), action: EventAction::Yes },
            CallbackData::Event { event: basis_core::EventId(999_999_999_999_999_999), action: EventAction::Discard },
            CallbackData::Event { event: basis_core::EventId(4), action: EventAction::Map },
            CallbackData::Region(RegionPress::Choose(RegionKey::parse(&"k".repeat(RegionKey::MAX_LEN)).unwrap())),
            CallbackData::Region(RegionPress::Open(RegionKey::parse("niedersachsen").unwrap())),
            CallbackData::Region(RegionPress::Top),
            CallbackData::Region(RegionPress::Clear),
            CallbackData::Region(RegionPress::Done),
            CallbackData::ComposeRegion {
                draft: basis_core::DraftId(999_999_999_999_999_999),
                press: RegionPress::Open(RegionKey::parse(&"k".repeat(RegionKey::MAX_LEN)).unwrap()),
            },
            CallbackData::ComposeRegion { draft: basis_core::DraftId(7), press: RegionPress::Done },
        ];
        for value in values {
            let encoded = value.encode();
            assert!(!encoded.is_empty() && encoded.len() <= CallbackData::MAX_LEN, "{encoded}");
            assert_eq!(CallbackData::parse(&encoded), Some(value));
        }
    }

    #[test]
    fn garbage_is_rejected() {
        for data in [
            "",
            ":",
            "t:",
            "t:Strikes",
            "t:a b",
            "stop:",
            "stop:maybe",
            "lang:fr",
            "lang:en-US",
            "x:y",
            "t:energy:1",
            "🙂",
            "p:s:",
            "p:s:-1",
            "p:z:1",
            "p:s:1a",
            "p:s: 1",
            "p:s:9999999999999999999",
            "p:ss:1",
            "p::1",
            "g:1:",
            "g::strikes",
            "g:1:Strikes",
            "gn:",
            "gn:-3",
            "ev:y:",
            "ev:q:1",
            "ev:y:x",
            "r:",
            "r:s:",
            "r:s:Wolfsburg",
            "r:o:",
            "r:q",
            "r:tt",
            "r:s:a b",
            "gr:1",
            "gr::x",
            "gr:1:s:",
            "gr:-1:x",
            "gr:1:z",
        ] {
            assert_eq!(CallbackData::parse(data), None, "{data:?}");
        }
    }
}

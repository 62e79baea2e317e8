//! Callback data of inline buttons as a typed value. Anything that does not
//! parse is stale or forged and changes nothing.

use crate::i18n::Locale;
use crate::topics::TopicKey;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackData {
    /// Switch one topic on or off for the chat the keyboard is in.
    Toggle(TopicKey),
    /// Answer to "really delete everything?".
    Stop {
        confirmed: bool,
    },
    Language(Locale),
    /// An organizer's answer to a post preview.
    Post {
        draft: i64,
        action: PostAction,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostAction {
    Send,
    Urgent,
    Cancel,
}

impl CallbackData {
    /// Telegram accepts 1–64 bytes.
    pub const MAX_LEN: usize = 64;

    pub fn encode(&self) -> String {
        match self {
            CallbackData::Toggle(key) => format!("t:{}", key.as_str()),
            CallbackData::Stop { confirmed: true } => "stop:y".to_owned(),
            CallbackData::Stop { confirmed: false } => "stop:n".to_owned(),
            CallbackData::Language(locale) => format!("lang:{}", locale.code()),
            CallbackData::Post { draft, action } => {
                let action = match action {
                    PostAction::Send => 's',
                    PostAction::Urgent => 'u',
                    PostAction::Cancel => 'c',
                };
                format!("p:{action}:{draft}")
            }
        }
    }

    pub fn parse(data: &str) -> Option<CallbackData> {
        let (kind, value) = data.split_once(':')?;
        match (kind, value) {
            ("t", key) => TopicKey::parse(key).map(CallbackData::Toggle),
            ("stop", "y") => Some(CallbackData::Stop { confirmed: true }),
            ("stop", "n") => Some(CallbackData::Stop { confirmed: false }),
            ("lang", code) if code.len() == 2 => Locale::parse(code).map(CallbackData::Language),
            ("p", rest) => {
                let (action, draft) = rest.split_once(':')?;
                let action = match action {
                    "s" => PostAction::Send,
                    "u" => PostAction::Urgent,
                    "c" => PostAction::Cancel,
                    _ => return None,
                };
                // Digits only: no sign, no spaces, no leading `+`.
                if draft.is_empty() || draft.len() > 18 || !draft.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                Some(CallbackData::Post { draft: draft.parse().ok()?, action })
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
            CallbackData::Post { draft: 1, action: PostAction::Send },
            CallbackData::Post { draft: 999_999_999_999_999_999, action: PostAction::Urgent },
            CallbackData::Post { draft: 42, action: PostAction::Cancel },
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
            "p:x:1",
            "p:s:1a",
            "p:s: 1",
            "p:s:9999999999999999999",
        ] {
            assert_eq!(CallbackData::parse(data), None, "{data:?}");
        }
    }
}

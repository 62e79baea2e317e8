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
        }
    }

    pub fn parse(data: &str) -> Option<CallbackData> {
        let (kind, value) = data.split_once(':')?;
        match (kind, value) {
            ("t", key) => TopicKey::parse(key).map(CallbackData::Toggle),
            ("stop", "y") => Some(CallbackData::Stop { confirmed: true }),
            ("stop", "n") => Some(CallbackData::Stop { confirmed: false }),
            ("lang", code) if code.len() == 2 => Locale::parse(code).map(CallbackData::Language),
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
        ] {
            assert_eq!(CallbackData::parse(data), None, "{data:?}");
        }
    }
}

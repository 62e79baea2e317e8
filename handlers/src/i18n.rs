//! Every text a person reads comes from `locales/<lang>/basis.ftl`. The files
//! are embedded in the binary, and `t!` checks message ids at compile time.

use std::str::FromStr;

use i18n_embed::LanguageLoader;
use i18n_embed::fluent::{FluentLanguageLoader, fluent_language_loader};
use rust_embed::RustEmbed;
use unic_langid::LanguageIdentifier;

#[derive(RustEmbed)]
#[folder = "../locales"]
struct Localizations;

/// The languages Basis speaks; German is the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    De,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::De, Locale::En];

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

/// One loaded Fluent bundle per language.
pub struct Texts {
    de: FluentLanguageLoader,
    en: FluentLanguageLoader,
}

impl Texts {
    pub fn load() -> Texts {
        Texts { de: load(Locale::De), en: load(Locale::En) }
    }

    pub fn get(&self, locale: Locale) -> &FluentLanguageLoader {
        match locale {
            Locale::De => &self.de,
            Locale::En => &self.en,
        }
    }
}

impl Default for Texts {
    fn default() -> Self {
        Self::load()
    }
}

fn load(locale: Locale) -> FluentLanguageLoader {
    let loader: FluentLanguageLoader = fluent_language_loader!();
    let id = LanguageIdentifier::from_str(locale.code()).expect("static language id");
    // The files are embedded at compile time; failing here is a build defect.
    loader.load_languages(&Localizations, &[id]).expect("embedded locale files");
    // Isolation marks (U+2068/U+2069) would show up in Telegram messages.
    loader.set_use_isolating(false);
    loader
}

/// `t!(texts, locale, "message-id", arg = value, …)`: the message in the
/// member's language, checked at compile time against `locales/de`.
#[macro_export]
macro_rules! t {
    ($texts:expr, $locale:expr, $id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        i18n_embed_fl::fl!($texts.get($locale), $id $(, $name = $value)*)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_language_codes_map_to_locales() {
        assert_eq!(Locale::from_telegram(Some("en")), Locale::En);
        assert_eq!(Locale::from_telegram(Some("en-US")), Locale::En);
        assert_eq!(Locale::from_telegram(Some("de")), Locale::De);
        assert_eq!(Locale::from_telegram(Some("fr")), Locale::De);
        assert_eq!(Locale::from_telegram(None), Locale::De);
        assert_eq!(Locale::parse(" EN "), Some(Locale::En));
        assert_eq!(Locale::parse(""), None);
        assert_eq!(Locale::parse("english"), None);
    }

    #[test]
    fn texts_have_no_isolation_marks() {
        let texts = Texts::load();
        let text = t!(texts, Locale::En, "subscribed", topic = "Energy");
        assert_eq!(text, "✅ You now get updates on Energy.");
        let text = t!(texts, Locale::De, "subscribed", topic = "Energie");
        assert_eq!(text, "✅ Du bekommst jetzt Neuigkeiten zu Energie.");
    }
}

//! Every text a person reads comes from `locales/<lang>/basis.ftl`. The files
//! are embedded in the binary, and `t!` checks message ids at compile time.

use std::str::FromStr;

use std::borrow::Cow;
use std::collections::HashSet;

use i18n_embed::fluent::{FluentLanguageLoader, fluent_language_loader};
use i18n_embed::{AssetsMultiplexor, I18nAssets, LanguageLoader};
use rust_embed::RustEmbed;
use unic_langid::LanguageIdentifier;

#[derive(RustEmbed)]
#[folder = "../locales"]
struct Localizations;

pub use basis_core::Locale;

/// One loaded Fluent bundle per language.
pub struct Texts {
    de: FluentLanguageLoader,
    en: FluentLanguageLoader,
}

impl Texts {
    /// Basis's own texts, without any plugin's.
    pub fn load() -> Texts {
        Texts::load_with(&[])
    }

    /// Basis's texts and the plugins' (checked by
    /// [`crate::plugin::Registry::build`]: complete, no id taken twice).
    pub fn load_with(plugins: &[crate::plugin::PluginTexts]) -> Texts {
        let assets = |locale: Locale| {
            let path = format!("{}/basis.ftl", locale.code());
            let files = plugins.iter().filter(|t| t.locale == locale).map(|t| t.source.clone().into_bytes()).collect();
            AssetsMultiplexor::new([
                Box::new(Localizations) as Box<dyn I18nAssets + Send + Sync>,
                Box::new(PluginFiles { path, files }),
            ])
        };
        Texts { de: load(Locale::De, &assets(Locale::De)), en: load(Locale::En, &assets(Locale::En)) }
    }

    /// The texts of one language.
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

/// The plugins' texts for one language, read as if they were part of
/// Basis's file.
struct PluginFiles {
    path: String,
    files: Vec<Vec<u8>>,
}

impl I18nAssets for PluginFiles {
    fn get_files(&self, file_path: &str) -> Vec<Cow<'_, [u8]>> {
        if file_path == self.path { self.files.iter().map(|f| Cow::Borrowed(f.as_slice())).collect() } else { vec![] }
    }

    fn filenames_iter(&self) -> Box<dyn Iterator<Item = String> + '_> {
        Box::new(std::iter::once(self.path.clone()).filter(|_| !self.files.is_empty()))
    }
}

/// The message ids a Fluent source defines, or why it does not parse.
pub(crate) fn message_ids(source: &str) -> Result<Vec<String>, String> {
    let resource = fluent_syntax::parser::parse(source).map_err(|(_, errors)| format!("{errors:?}"))?;
    Ok(resource
        .body
        .iter()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            fluent_syntax::ast::Entry::Term(t) => Some(format!("-{}", t.id.name)),
            _ => None,
        })
        .collect())
}

/// Basis's own message ids (in German, the language every id exists in).
pub(crate) fn basis_ids() -> HashSet<String> {
    let file = Localizations::get("de/basis.ftl").expect("embedded locale files");
    message_ids(&String::from_utf8_lossy(&file.data)).unwrap_or_default().into_iter().collect()
}

fn load(locale: Locale, assets: &AssetsMultiplexor) -> FluentLanguageLoader {
    let loader: FluentLanguageLoader = fluent_language_loader!();
    let id = LanguageIdentifier::from_str(locale.code()).expect("static language id");
    // The files are embedded at compile time and the plugins' are checked
    // before: failing here is a build defect.
    loader.load_languages(assets, &[id]).expect("embedded locale files");
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

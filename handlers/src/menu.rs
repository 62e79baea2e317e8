//! The command menu Telegram shows next to the text field, per language.

use teloxide::prelude::*;
use teloxide::types::BotCommand;

use crate::{Locale, Outbound, Texts, t};

pub fn commands(texts: &Texts, locale: Locale) -> Vec<BotCommand> {
    vec![
        BotCommand::new("start", t!(texts, locale, "cmd-start")),
        BotCommand::new("topics", t!(texts, locale, "cmd-topics")),
        BotCommand::new("subscribe", t!(texts, locale, "cmd-subscribe")),
        BotCommand::new("unsubscribe", t!(texts, locale, "cmd-unsubscribe")),
        BotCommand::new("mytopics", t!(texts, locale, "cmd-mytopics")),
        BotCommand::new("language", t!(texts, locale, "cmd-language")),
        BotCommand::new("privacy", t!(texts, locale, "cmd-privacy")),
        BotCommand::new("mydata", t!(texts, locale, "cmd-mydata")),
        BotCommand::new("stop", t!(texts, locale, "cmd-stop")),
        BotCommand::new("help", t!(texts, locale, "cmd-help")),
    ]
}

/// Registers the menu for every language, and German for all others.
pub async fn register_commands(bot: &Outbound, texts: &Texts) -> Result<(), teloxide::RequestError> {
    for locale in Locale::ALL {
        bot.set_my_commands(commands(texts, locale)).language_code(locale.code()).await?;
    }
    bot.set_my_commands(commands(texts, Locale::default())).await?;
    Ok(())
}

//! The command menu Telegram shows next to the text field, per language.

use teloxide::prelude::*;
use teloxide::types::BotCommand;

use crate::registry::Commands;
use crate::{Locale, Outbound, Texts};

/// The menu, made from the command declarations.
pub fn commands(texts: &Texts, locale: Locale, registry: &Commands) -> Vec<BotCommand> {
    registry.menu(texts, locale)
}

/// Registers the menu for every language, and German for all others.
pub async fn register_commands(
    bot: &Outbound,
    texts: &Texts,
    registry: &Commands,
) -> Result<(), teloxide::RequestError> {
    for locale in Locale::ALL {
        bot.set_my_commands(commands(texts, locale, registry)).language_code(locale.code()).await?;
    }
    bot.set_my_commands(commands(texts, Locale::default(), registry)).await?;
    Ok(())
}

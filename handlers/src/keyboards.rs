//! Inline keyboards members press.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::callback::CallbackData;
use crate::{Context, Locale, t};

/// One button per topic, marked on or off; a press toggles it.
pub(crate) fn topics(ctx: &Context, locale: Locale, subscribed: &[String]) -> InlineKeyboardMarkup {
    let rows = ctx.topics.all().iter().map(|topic| {
        let on = subscribed.iter().any(|k| k == topic.key.as_str());
        let mark = if on { "✅" } else { "⬜" };
        let data = CallbackData::Toggle(topic.key.clone()).encode();
        vec![InlineKeyboardButton::callback(format!("{mark} {}", topic.label(locale)), data)]
    });
    InlineKeyboardMarkup::new(rows)
}

pub(crate) fn stop_confirmation(ctx: &Context, locale: Locale) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[
        InlineKeyboardButton::callback(
            t!(ctx.texts, locale, "stop-yes"),
            CallbackData::Stop { confirmed: true }.encode(),
        ),
        InlineKeyboardButton::callback(
            t!(ctx.texts, locale, "stop-no"),
            CallbackData::Stop { confirmed: false }.encode(),
        ),
    ]])
}

/// Each language named in itself.
pub(crate) fn languages(ctx: &Context) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([Locale::ALL.map(|locale| {
        InlineKeyboardButton::callback(t!(ctx.texts, locale, "language-name"), CallbackData::Language(locale).encode())
    })])
}

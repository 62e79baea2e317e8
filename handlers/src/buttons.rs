//! The buttons under the bot's messages: topics, language, `/stop`'s
//! confirmation, posts' previews, the guided `/post`, events, and the
//! plugins' buttons in their own namespaces. Every press is checked again
//! when it arrives.

use teloxide::ApiError;
use teloxide::prelude::*;
use teloxide::types::MessageId;

use crate::callback::CallbackData;
use crate::domain::DomainEvent;
use crate::events;
use crate::member::set_language;
use crate::plugin::{Basis, Press};
use crate::scene::Scene;
use crate::{Ctx, HandlerResult, Locale, Outbound, keyboards, organizer, t};

pub(crate) async fn on_callback(bot: Outbound, ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let Some(message) = query.regular_message() else {
        let locale = Locale::from_telegram(query.from.language_code.as_deref());
        bot.answer_callback_query(query.id.clone()).text(t!(ctx.texts, locale, "button-stale")).await?;
        return Ok(());
    };
    let scene = Scene::new(bot, ctx, &message.chat, Some(&query.from)).await?;
    let outcome = press(&scene, &query, message.id).await;
    if outcome.is_err() {
        let text = t!(scene.ctx.texts, scene.locale, "error-generic");
        let _ = scene.bot.answer_callback_query(query.id.clone()).text(text).await;
    }
    outcome
}

async fn press(scene: &Scene, query: &CallbackQuery, message_id: MessageId) -> HandlerResult {
    let ctx = &scene.ctx;
    let bot = &scene.bot;
    let parsed = query.data.as_deref().and_then(CallbackData::parse);
    let data = match parsed {
        Some(CallbackData::Toggle(key)) if ctx.topics.get(key.as_str()).is_none() => None,
        other => other,
    };
    let Some(data) = data else {
        // A plugin's button, in its own namespace.
        if let Some((handler, rest)) = query.data.as_deref().and_then(|d| ctx.registry.press_handler(d)) {
            let answered = std::sync::Arc::default();
            let press = Press {
                basis: Basis::new(bot.clone(), ctx.clone()),
                chat: scene.chat.id,
                user: query.from.id,
                message: message_id,
                locale: scene.locale,
                data: rest,
                query: query.id.clone(),
                answered: std::sync::Arc::clone(&answered),
            };
            handler(press).await?;
            if !answered.load(std::sync::atomic::Ordering::Relaxed) {
                bot.answer_callback_query(query.id.clone()).await?;
            }
            return Ok(());
        }
        bot.answer_callback_query(query.id.clone()).text(t!(ctx.texts, scene.locale, "button-stale")).await?;
        return Ok(());
    };
    // Organizer buttons have their own rules, checked inside.
    let organizer = match data {
        CallbackData::Post { draft, action } => {
            Some(organizer::decide(scene, &query.from, message_id, draft, action).await?)
        }
        CallbackData::Compose { draft, ref topic } => {
            Some(organizer::compose(scene, &query.from, message_id, draft, topic.clone()).await?)
        }
        // Calendar, map, and the organizer's Send / Discard: no group check.
        CallbackData::Event { event, action } if action.answer().is_none() => {
            Some(events::press(scene, &query.from, message_id, event, action).await?)
        }
        _ => None,
    };
    if let Some((toast, alert)) = organizer {
        bot.answer_callback_query(query.id.clone()).text(toast).show_alert(alert).await?;
        return Ok(());
    }
    if let Some(refusal) = scene.refusal(scene.permission(Some(&query.from), None).await) {
        bot.answer_callback_query(query.id.clone()).text(refusal).show_alert(true).await?;
        return Ok(());
    }
    let chat_id = scene.chat.id;
    let locale = scene.locale;
    let toast = match data {
        CallbackData::Toggle(key) => {
            scene.remember().await?;
            let on = ctx.storage.toggle(chat_id.0, key.as_str(), ctx.now()).await?;
            let topic = key.as_str().to_owned();
            scene.emit(match on {
                true => DomainEvent::Subscribed { chat: chat_id.0, locale, topic },
                false => DomainEvent::Unsubscribed { chat: chat_id.0, topic },
            });
            let keyboard = keyboards::topics(ctx, locale, &scene.subscribed().await?);
            ignore_stale_edit(bot.edit_message_reply_markup(chat_id, message_id).reply_markup(keyboard).await)?;
            let topic = ctx.topics.get(key.as_str()).map(|t| t.label(locale)).unwrap_or_default();
            if on {
                t!(ctx.texts, locale, "topic-on-toast", topic = topic)
            } else {
                t!(ctx.texts, locale, "topic-off-toast", topic = topic)
            }
        }
        CallbackData::Stop { confirmed: true } => {
            let text = if ctx.storage.delete_chat_at(chat_id.0, ctx.now()).await? {
                scene.emit(DomainEvent::Left { chat: chat_id.0 });
                t!(ctx.texts, locale, "stop-done")
            } else {
                t!(ctx.texts, locale, "stop-nothing")
            };
            ignore_stale_edit(bot.edit_message_text(chat_id, message_id, text.clone()).await)?;
            text
        }
        CallbackData::Stop { confirmed: false } => {
            let text = t!(ctx.texts, locale, "stop-cancelled");
            ignore_stale_edit(bot.edit_message_text(chat_id, message_id, text.clone()).await)?;
            text
        }
        // Answered above, before the group check: posting has its own rule.
        CallbackData::Post { .. } | CallbackData::Compose { .. } => return Ok(()),
        // An answer counts for the chat: in a group, its admins answer.
        CallbackData::Event { event, action } => events::answer(scene, message_id, event, action).await?,
        CallbackData::Language(chosen) => {
            set_language(scene, chosen).await?;
            let text = t!(ctx.texts, chosen, "language-set");
            ignore_stale_edit(bot.edit_message_text(chat_id, message_id, text.clone()).await)?;
            text
        }
    };
    bot.answer_callback_query(query.id.clone()).text(toast).await?;
    Ok(())
}

/// A double press edits to the same content, or the message is gone: the
/// state in storage is right either way.
fn ignore_stale_edit<T>(result: Result<T, teloxide::RequestError>) -> HandlerResult {
    match result {
        Ok(_) => Ok(()),
        Err(teloxide::RequestError::Api(
            ApiError::MessageNotModified | ApiError::MessageToEditNotFound | ApiError::MessageCantBeEdited,
        )) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

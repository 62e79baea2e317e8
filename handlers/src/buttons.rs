//! Every press of a button under the bot's messages goes to the plugin
//! whose callback namespace its data starts with (`t:` topics and `lang:`
//! languages are the members plugin's, `stop:` privacy's, `p:`, `g:` and
//! `gn:` posting's, `ev:` assemblies', and each plugin's own). Data that no
//! plugin takes is stale or forged and changes nothing. Every press is
//! checked again when it arrives, by the plugin that handles it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use teloxide::ApiError;
use teloxide::prelude::*;

use crate::plugin::{Basis, Press};
use crate::scene::Scene;
use crate::{Ctx, HandlerResult, Locale, Outbound, t};

pub(crate) async fn on_callback(bot: Outbound, ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let Some(message) = query.regular_message() else {
        let locale = Locale::from_telegram(query.from.language_code.as_deref());
        bot.answer_callback_query(query.id.clone()).text(t!(ctx.texts, locale, "button-stale")).await?;
        return Ok(());
    };
    let scene = Arc::new(Scene::new(bot.clone(), ctx.clone(), &message.chat, Some(&query.from)).await?);
    let Some((handler, rest)) = query.data.as_deref().and_then(|d| ctx.registry.press_handler(d)) else {
        bot.answer_callback_query(query.id.clone()).text(t!(ctx.texts, scene.locale, "button-stale")).await?;
        return Ok(());
    };
    let answered = Arc::new(AtomicBool::new(false));
    let press = Press {
        basis: Basis::new(bot.clone(), ctx.clone()),
        chat: scene.chat.id,
        user: query.from.id,
        message: message.id,
        locale: scene.locale,
        data: rest,
        from: query.from.clone(),
        query: query.id.clone(),
        answered: answered.clone(),
        scene: scene.clone(),
    };
    let outcome = handler.clone()(press).await;
    if outcome.is_err() {
        let text = t!(ctx.texts, scene.locale, "error-generic");
        let _ = bot.answer_callback_query(query.id.clone()).text(text).await;
    } else if !answered.load(Ordering::Relaxed) {
        // Every press must be answered once, or the button keeps spinning.
        bot.answer_callback_query(query.id.clone()).await?;
    }
    outcome
}

/// A double press edits to the same content, or the message is gone: the
/// state in storage is right either way.
pub(crate) fn ignore_stale_edit<T>(result: Result<T, teloxide::RequestError>) -> HandlerResult {
    match result {
        Ok(_) => Ok(()),
        Err(teloxide::RequestError::Api(
            ApiError::MessageNotModified | ApiError::MessageToEditNotFound | ApiError::MessageCantBeEdited,
        )) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

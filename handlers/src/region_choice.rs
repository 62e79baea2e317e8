//! Where a chat is, as its member says (in a group: its admins): `/region`
//! with buttons of the regions' tree (a region with regions below it opens
//! them in place, with a way back), `/region <key or name>` at once,
//! `/region none` to forget it, and the question asked once after a chat's
//! first topic. With no regions configured none of this is offered.
//!
//! Every press is checked when it arrives: a region that is unknown or
//! retired by now (or forged data) changes nothing and is answered with an
//! alert.

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::callback::{CallbackData, RegionPress};
use crate::plugin::{Call, Press};
use crate::regions::{CatalogRegion, RegionCatalog, RegionKey};
use crate::scene::Scene;
use crate::{Context, HandlerResult, Locale, t};

/// Longest piece of member input echoed back in an answer.
const ECHO_LIMIT: usize = 64;

/// What `/region` takes for "no region".
fn means_none(input: &str) -> bool {
    matches!(input.to_lowercase().as_str(), "none" | "keine" | "-")
}

/// One level of the regions' tree as rows of buttons: `tops` at the top,
/// else the regions below `level`. A region with regions below it gets a
/// second button that opens them; `chosen` are marked. Below a level, a
/// row leads back (`back`).
pub(crate) fn level_rows(
    ctx: &Context,
    locale: Locale,
    tops: &[&CatalogRegion],
    level: Option<&RegionKey>,
    chosen: &[RegionKey],
    data: impl Fn(RegionPress) -> String,
    back: RegionPress,
) -> Vec<Vec<InlineKeyboardButton>> {
    let catalog = &ctx.regions;
    let shown: Vec<&CatalogRegion> = match level {
        None => tops.to_vec(),
        Some(key) => catalog.children(key),
    };
    let mut rows: Vec<Vec<InlineKeyboardButton>> = shown
        .into_iter()
        .map(|region| {
            let mark = if chosen.contains(&region.key) { "✅" } else { "⬜" };
            let label = format!("{mark} {}", region.name(locale));
            let mut row = vec![InlineKeyboardButton::callback(label, data(RegionPress::Choose(region.key.clone())))];
            if catalog.has_children(&region.key) {
                let open = t!(ctx.texts, locale, "region-open", region = region.name(locale));
                row.push(InlineKeyboardButton::callback(open, data(RegionPress::Open(region.key.clone()))));
            }
            row
        })
        .collect();
    if level.is_some() {
        rows.push(vec![InlineKeyboardButton::callback(t!(ctx.texts, locale, "region-back"), data(back))]);
    }
    rows
}

/// Where "back" leads from the regions below `key`: the level above it.
pub(crate) fn back_from(catalog: &RegionCatalog, key: &RegionKey) -> RegionPress {
    match catalog.get(key.as_str()).and_then(|r| r.parent.clone()) {
        Some(parent) => RegionPress::Open(parent),
        None => RegionPress::Top,
    }
}

/// The chat's region, if it is a current one (a retired one is hidden).
async fn current_region(scene: &Scene) -> Result<Option<RegionKey>, crate::HandlerError> {
    let stored = scene.ctx.storage.region_of(scene.chat.id.into()).await?;
    Ok(stored.filter(|key| scene.ctx.regions.get(key.as_str()).is_some()))
}

/// A member's keyboard of regions at `level`: below the top level a way
/// back; at the top "No region" for a chat that has one, else "Not now".
fn keyboard(
    ctx: &Context,
    locale: Locale,
    level: Option<&RegionKey>,
    chosen: Option<&RegionKey>,
) -> InlineKeyboardMarkup {
    let catalog = &ctx.regions;
    let chosen: Vec<RegionKey> = chosen.into_iter().cloned().collect();
    let back = level.map_or(RegionPress::Top, |key| back_from(catalog, key));
    let data = |press: RegionPress| CallbackData::Region(press).encode();
    let mut rows = level_rows(ctx, locale, &catalog.roots(), level, &chosen, data, back);
    if level.is_none() {
        let (label, press) = match chosen.is_empty() {
            true => (t!(ctx.texts, locale, "region-not-now"), RegionPress::Done),
            false => (t!(ctx.texts, locale, "region-button-none"), RegionPress::Clear),
        };
        rows.push(vec![InlineKeyboardButton::callback(label, CallbackData::Region(press).encode())]);
    }
    InlineKeyboardMarkup::new(rows)
}

/// `Niedersachsen › Wolfsburg`, or the key of a region no longer known.
fn label(catalog: &RegionCatalog, key: &RegionKey, locale: Locale) -> String {
    catalog.path_label(key, locale).unwrap_or_else(|| key.to_string())
}

/// `/region`, `/region <key or name>`, `/region none`.
pub(crate) async fn region(call: Call, input: String) -> HandlerResult {
    let scene = &call.scene;
    let (ctx, locale, chat) = (&scene.ctx, scene.locale, basis_core::ChatId::from(scene.chat.id));
    let catalog = &ctx.regions;
    // Only offered where regions are configured.
    if catalog.is_empty() {
        return scene.say(t!(ctx.texts, locale, "unknown-command")).await;
    }
    let input = input.trim();
    if input.is_empty() {
        let current = current_region(scene).await?;
        let text = match &current {
            Some(key) => t!(ctx.texts, locale, "region-prompt-current", region = label(catalog, key, locale)),
            None => t!(ctx.texts, locale, "region-prompt"),
        };
        return scene.ask(text, keyboard(ctx, locale, None, current.as_ref())).await;
    }
    if means_none(input) {
        let text = match ctx.storage.clear_region(chat).await? {
            true => t!(ctx.texts, locale, "region-cleared"),
            false => t!(ctx.texts, locale, "region-none-yet"),
        };
        return scene.say(text).await;
    }
    let Some(region) = catalog.find(input) else {
        let input: String = input.chars().take(ECHO_LIMIT).collect();
        let regions = catalog.listing(locale);
        return scene.say(t!(ctx.texts, locale, "region-unknown", input = input, regions = regions)).await;
    };
    scene.remember().await?;
    let shown = label(catalog, &region.key, locale);
    let text = match ctx.storage.set_region(chat, &region.key, ctx.now()).await? {
        true => t!(ctx.texts, locale, "region-set", region = shown),
        false => t!(ctx.texts, locale, "region-already", region = shown),
    };
    scene.say(text).await
}

/// A press on a member's keyboard of regions; in a group, for its admins.
pub(crate) async fn press(press: Press) -> HandlerResult {
    let scene = &press.scene;
    let (ctx, locale, chat) = (&scene.ctx, scene.locale, scene.chat.id);
    let catalog = &ctx.regions;
    let choice = match CallbackData::parse(&format!("r:{}", press.data)) {
        Some(CallbackData::Region(choice)) if !catalog.is_empty() => choice,
        // Without regions nothing about them is shown: an old or forged
        // button is just stale.
        _ if catalog.is_empty() => return press.answer(t!(ctx.texts, locale, "button-stale")).await,
        _ => return press.alert(t!(ctx.texts, locale, "region-gone")).await,
    };
    // A region that is unknown or retired by now, or one with nothing to
    // open, changes nothing.
    let known = match &choice {
        RegionPress::Choose(key) => catalog.get(key.as_str()).is_some(),
        RegionPress::Open(key) => catalog.has_children(key),
        _ => true,
    };
    if !known {
        return press.alert(t!(ctx.texts, locale, "region-gone")).await;
    }
    if !press.may_change_chat().await? {
        return Ok(());
    }
    let text = match choice {
        RegionPress::Choose(key) => {
            scene.remember().await?;
            ctx.storage.set_region(chat.into(), &key, ctx.now()).await?;
            t!(ctx.texts, locale, "region-set", region = label(catalog, &key, locale))
        }
        RegionPress::Clear => match ctx.storage.clear_region(chat.into()).await? {
            true => t!(ctx.texts, locale, "region-cleared"),
            false => t!(ctx.texts, locale, "region-none-yet"),
        },
        RegionPress::Done => t!(ctx.texts, locale, "region-skipped"),
        RegionPress::Open(key) => {
            let current = current_region(scene).await?;
            let markup = keyboard(ctx, locale, Some(&key), current.as_ref());
            let edited = scene.bot.edit_message_reply_markup(chat, press.message).reply_markup(markup).await;
            return crate::buttons::ignore_stale_edit(edited);
        }
        RegionPress::Top => {
            let current = current_region(scene).await?;
            let markup = keyboard(ctx, locale, None, current.as_ref());
            let edited = scene.bot.edit_message_reply_markup(chat, press.message).reply_markup(markup).await;
            return crate::buttons::ignore_stale_edit(edited);
        }
    };
    // The buttons go; the message says what the chat's region is now.
    crate::buttons::ignore_stale_edit(scene.bot.edit_message_text(chat, press.message, text.clone()).await)?;
    press.answer(text).await
}

/// After a chat's topic: asks once where it is, with the regions' buttons
/// and "Not now", if regions are configured and the chat has none. Never
/// asked again, whatever the answer.
pub(crate) async fn ask_once(scene: &Scene) -> HandlerResult {
    let ctx = &scene.ctx;
    if ctx.regions.is_empty() || !ctx.storage.ask_region_once(scene.chat.id.into(), ctx.now()).await? {
        return Ok(());
    }
    let locale = scene.locale;
    scene.ask(t!(ctx.texts, locale, "region-ask"), keyboard(ctx, locale, None, None)).await
}

/// The chat's region as `/mytopics` and `/privacy` show it: `None` when no
/// regions are configured; a retired one is hidden like a retired topic.
pub(crate) async fn shown_region(scene: &Scene) -> Result<Option<String>, crate::HandlerError> {
    let ctx = &scene.ctx;
    if ctx.regions.is_empty() {
        return Ok(None);
    }
    Ok(Some(match current_region(scene).await? {
        Some(key) => label(&ctx.regions, &key, scene.locale),
        None => t!(ctx.texts, scene.locale, "region-none-label"),
    }))
}

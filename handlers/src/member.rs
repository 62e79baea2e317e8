//! What members do: the members plugin's commands (`/start`, `/topics`,
//! `/subscribe`, `/unsubscribe`, `/mytopics`, `/language`, `/help`) and its
//! buttons (a topic on or off, a language). The gate in front of each
//! command (`registry.rs`) has checked the place and, in groups, the
//! admin; a button checks the presser when it is pressed.

use teloxide::prelude::*;

use crate::callback::CallbackData;
use crate::command::valid_payload;
use crate::domain::DomainEvent;
use crate::plugin::{Call, Press};
use crate::registry::Audience;
use crate::scene::Scene;
use crate::{HandlerResult, Locale, keyboards, region_choice, roles, stats, t};

/// `/start`, `/start <topic>[-C-<campaign>]` from a deep link, or an
/// organizer's invitation `/start inv_<token>`.
pub(crate) async fn start(call: Call, payload: String) -> HandlerResult {
    let scene = &call.scene;
    let ctx = &scene.ctx;
    let locale = scene.locale;
    if payload.starts_with(roles::INVITE_PREFIX) && valid_payload(&payload) {
        return roles::redeem(scene, call.message.from.as_ref(), &payload[roles::INVITE_PREFIX.len()..]).await;
    }
    // `<topic>` or `<topic>-C-<campaign>`, either with `-R-<region>`: joins
    // are counted per link, and a region places a member who has none.
    let (rest, region) = stats::split_region(&payload);
    let target = valid_payload(&payload).then(|| stats::deep_link_target(&ctx.topics, &rest)).flatten();
    // A region no longer configured (an old poster) is left out; the link
    // still subscribes.
    let region = region.and_then(|key| ctx.regions.get(key.as_str())).map(|r| r.key.clone());
    let Some((topic, campaign)) = target else {
        let welcome = t!(ctx.texts, locale, "welcome", org = ctx.organisation.clone());
        let privacy = crate::privacy::short_notice(ctx, locale);
        return scene.send_topics(format!("{welcome}\n\n{privacy}")).await;
    };
    // A deep link subscribes: in a group, for its admins only.
    let permission = scene.permission(call.message.from.as_ref(), call.message.sender_chat.as_ref()).await;
    if let Some(refusal) = scene.refusal(permission) {
        return scene.say(refusal).await;
    }
    // Written with the joins arriving at the same time: a crowd scanning the
    // poster's QR code at once is answered as fast as Telegram allows.
    let source = basis_storage::link_source(&campaign);
    let joined =
        ctx.storage.join_via_region(scene.new_chat(), topic.key.as_str(), region.as_ref(), &source, ctx.now()).await?;
    let (chat, key) = (scene.chat.id.0, topic.key.as_str().to_owned());
    scene.emit(DomainEvent::JoinedViaLink { chat: basis_core::ChatId(chat), locale, topic: key.clone(), source });
    scene.emit(DomainEvent::Subscribed { chat: basis_core::ChatId(chat), locale, topic: key });
    let keyboard = keyboards::topics(ctx, locale, &joined.topics);
    let mut text = t!(ctx.texts, locale, "deep-link-subscribed", topic = topic.label(locale));
    // Placed by the link (a region chosen before stays as it was).
    if let Some(placed) = region.filter(|r| joined.region.as_ref() == Some(r)) {
        let shown = ctx.regions.path_label(&placed, locale).unwrap_or_else(|| placed.to_string());
        text.push('\n');
        text.push_str(&t!(ctx.texts, locale, "deep-link-region", region = shown));
    }
    scene.ask(text, keyboard).await?;
    region_choice::ask_once(scene).await
}

/// `/topics`: the keyboard of topics, each on or off.
pub(crate) async fn topics(call: Call) -> HandlerResult {
    call.scene.send_topics(t!(call.scene.ctx.texts, call.locale, "topics-prompt")).await
}

/// `/subscribe <topic>`.
pub(crate) async fn subscribe(call: Call, input: String) -> HandlerResult {
    let scene = &call.scene;
    let (ctx, locale) = (&scene.ctx, scene.locale);
    let topic = match scene.find_topic(&input) {
        Ok(topic) => topic,
        Err(answer) => return scene.say(answer).await,
    };
    scene.remember().await?;
    let label = topic.label(locale);
    let text = if ctx.storage.subscribe(scene.chat.id.into(), topic.key.as_str(), ctx.now()).await? {
        let topic = topic.key.as_str().to_owned();
        scene.emit(DomainEvent::Subscribed { chat: scene.chat.id.into(), locale, topic });
        scene.say(t!(ctx.texts, locale, "subscribed", topic = label)).await?;
        return region_choice::ask_once(scene).await;
    } else {
        t!(ctx.texts, locale, "already-subscribed", topic = label)
    };
    scene.say(text).await
}

/// `/unsubscribe <topic>`.
pub(crate) async fn unsubscribe(call: Call, input: String) -> HandlerResult {
    let scene = &call.scene;
    let (ctx, locale) = (&scene.ctx, scene.locale);
    let topic = match scene.find_topic(&input) {
        Ok(topic) => topic,
        Err(answer) => return scene.say(answer.replace("/subscribe ", "/unsubscribe ")).await,
    };
    let label = topic.label(locale);
    let text = if ctx.storage.unsubscribe_at(scene.chat.id.into(), topic.key.as_str(), ctx.now()).await? {
        scene.emit(DomainEvent::Unsubscribed { chat: scene.chat.id.into(), topic: topic.key.as_str().to_owned() });
        t!(ctx.texts, locale, "unsubscribed", topic = label)
    } else {
        t!(ctx.texts, locale, "not-subscribed", topic = label)
    };
    scene.say(text).await
}

/// `/mytopics`: what the chat follows.
pub(crate) async fn my_topics(call: Call) -> HandlerResult {
    let scene = &call.scene;
    let (ctx, locale) = (&scene.ctx, scene.locale);
    let labels = ctx.topics.labels_of(&scene.subscribed().await?, locale);
    let mut text = if labels.is_empty() {
        t!(ctx.texts, locale, "mytopics-none")
    } else {
        t!(ctx.texts, locale, "mytopics-list", topics = labels.join("\n"))
    };
    // Where regions are configured: the chat's, or how to choose one.
    if let Some(region) = region_choice::shown_region(scene).await? {
        text.push_str("\n\n");
        text.push_str(&t!(ctx.texts, locale, "mytopics-region", region = region));
    }
    scene.say(text).await
}

/// `/language`: a keyboard of languages; `/language <code>` switches.
pub(crate) async fn language(call: Call, input: String) -> HandlerResult {
    let scene = &call.scene;
    let (ctx, locale) = (&scene.ctx, scene.locale);
    if input.is_empty() {
        return scene.ask(t!(ctx.texts, locale, "language-prompt"), keyboards::languages(ctx)).await;
    }
    match Locale::parse(&input) {
        Some(chosen) => {
            set_language(scene, chosen).await?;
            scene.say(t!(ctx.texts, chosen, "language-set")).await
        }
        None => scene.say(t!(ctx.texts, locale, "language-unknown")).await,
    }
}

/// `/help`: the commands the asker may use. Organizers' commands work in
/// private chats only, so only there are they listed for organizers.
pub(crate) async fn help(call: Call) -> HandlerResult {
    let scene = &call.scene;
    let audience = if scene.chat.is_private() {
        match roles::role_of(scene, call.message.from.as_ref()).await? {
            Some(role) if role.is_owner() => Audience::Owner,
            Some(_) => Audience::Organizer,
            None => Audience::Member,
        }
    } else {
        Audience::Member
    };
    scene.say(scene.ctx.registry.commands.help(&scene.ctx.texts, scene.locale, audience)).await
}

/// A topic button: on or off for the chat the keyboard is in; in a group,
/// for its admins.
pub(crate) async fn toggle(press: Press) -> HandlerResult {
    let scene = &press.scene;
    let (ctx, locale) = (&scene.ctx, scene.locale);
    let key = match CallbackData::parse(&format!("t:{}", press.data)) {
        Some(CallbackData::Toggle(key)) if ctx.topics.get(key.as_str()).is_some() => key,
        _ => return press.answer(t!(ctx.texts, locale, "button-stale")).await,
    };
    if !press.may_change_chat().await? {
        return Ok(());
    }
    scene.remember().await?;
    let chat_id = scene.chat.id;
    let on = ctx.storage.toggle(chat_id.into(), key.as_str(), ctx.now()).await?;
    let topic = key.as_str().to_owned();
    scene.emit(match on {
        true => DomainEvent::Subscribed { chat: chat_id.into(), locale, topic },
        false => DomainEvent::Unsubscribed { chat: chat_id.into(), topic },
    });
    let keyboard = keyboards::topics(ctx, locale, &scene.subscribed().await?);
    crate::buttons::ignore_stale_edit(
        scene.bot.edit_message_reply_markup(chat_id, press.message).reply_markup(keyboard).await,
    )?;
    let topic = ctx.topics.get(key.as_str()).map(|t| t.label(locale)).unwrap_or_default();
    press
        .answer(if on {
            t!(ctx.texts, locale, "topic-on-toast", topic = topic)
        } else {
            t!(ctx.texts, locale, "topic-off-toast", topic = topic)
        })
        .await?;
    if on {
        region_choice::ask_once(scene).await?;
    }
    Ok(())
}

/// A language button.
pub(crate) async fn language_press(press: Press) -> HandlerResult {
    let scene = &press.scene;
    let ctx = &scene.ctx;
    let Some(CallbackData::Language(chosen)) = CallbackData::parse(&format!("lang:{}", press.data)) else {
        return press.answer(t!(ctx.texts, scene.locale, "button-stale")).await;
    };
    if !press.may_change_chat().await? {
        return Ok(());
    }
    set_language(scene, chosen).await?;
    let text = t!(ctx.texts, chosen, "language-set");
    crate::buttons::ignore_stale_edit(scene.bot.edit_message_text(scene.chat.id, press.message, text.clone()).await)?;
    press.answer(text).await
}

pub(crate) async fn set_language(scene: &Scene, chosen: Locale) -> HandlerResult {
    let now = scene.ctx.now();
    let storage = &scene.ctx.storage;
    storage.ensure_chat(scene.chat.id.into(), scene.kind, chosen.code(), now).await?;
    storage.set_locale(scene.chat.id.into(), chosen.code(), now).await?;
    if !scene.stored {
        crate::privacy::agreed(scene).await?;
    }
    Ok(())
}

//! What members do: commands in private chats and groups, and the buttons
//! under the bot's messages.

use basis_storage::ChatKind;
use teloxide::ApiError;
use teloxide::prelude::*;
use teloxide::types::{Me, MessageId, User};

use crate::callback::CallbackData;
use crate::command::{Command, CommandText, valid_payload};
use crate::corrections::{self, Correction};
use crate::registry::{self, Audience, Declaration, Place};
use crate::scene::{Permission, Scene};
use crate::{Ctx, HandlerError, HandlerResult, Locale, Outbound, keyboards, organizer, roles, stats, t};
use crate::{channels, events};

/// `/help`: the commands the asker may use. Organizers' commands work in
/// private chats only, so only there are they listed for organizers.
async fn help(scene: &Scene, from: Option<&User>) -> HandlerResult {
    let audience = if scene.chat.is_private() {
        match roles::role_of(scene, from).await? {
            Some(role) if role.is_owner() => Audience::Owner,
            Some(_) => Audience::Organizer,
            None => Audience::Member,
        }
    } else {
        Audience::Member
    };
    scene.say(registry::help(&scene.ctx.texts, scene.locale, audience)).await
}

pub(crate) async fn on_message(bot: Outbound, ctx: Ctx, me: Me, msg: Message) -> HandlerResult {
    let private = msg.chat.is_private();
    if msg.chat.is_channel() {
        return Ok(());
    }
    let command = msg.text().and_then(CommandText::split);
    let command = match command {
        Some(c) if !c.is_for(me.username()) => return Ok(()),
        Some(c) => Some((registry::parse(&c), c.mention.is_some())),
        // In groups the bot hears only commands; chatter there is not for it.
        None if !private => return Ok(()),
        None => None,
    };
    let scene = Scene::new(bot, ctx, &msg.chat, msg.from.as_ref()).await?;
    let outcome = match command {
        Some((Some((declaration, command)), _)) => run(&scene, declaration, command, &msg, &me).await,
        Some((None, addressed)) if private || addressed => {
            scene.say(t!(scene.ctx.texts, scene.locale, "unknown-command")).await
        }
        Some((None, _)) => Ok(()),
        // A guided post's content or a scheduled post's time, else a hint.
        None => match organizer::input(&scene, &msg).await {
            Ok(true) => Ok(()),
            Ok(false) => scene.say(t!(scene.ctx.texts, scene.locale, "not-a-command")).await,
            Err(error) => Err(error),
        },
    };
    // The error handler logs the cause; the member learns it failed. A reply
    // the outbound path dropped is not followed by an apology: it would find
    // no more room than the reply did.
    if let Err(error) = &outcome
        && !error.is_dropped_send()
    {
        let _ = scene.say(t!(scene.ctx.texts, scene.locale, "error-generic")).await;
    }
    outcome
}

async fn run(scene: &Scene, declaration: &Declaration, command: Command, msg: &Message, me: &Me) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let changes_topics =
        matches!(command, Command::Subscribe(_) | Command::Unsubscribe(_) | Command::Stop | Command::Language(_))
            || matches!(&command, Command::Start(p) if stats::deep_link_target(&ctx.topics, p).is_some());
    if declaration.place == Place::Private && !scene.chat.is_private() {
        return scene.say(t!(ctx.texts, locale, "organizers-private-only")).await;
    }
    if changes_topics {
        let permission = scene.permission(msg.from.as_ref(), msg.sender_chat.as_ref()).await;
        if let Some(refusal) = scene.refusal(permission) {
            return scene.say(refusal).await;
        }
    }
    // A group's data is for its admins, by the same rule.
    if command == Command::MyData {
        let permission = scene.permission(msg.from.as_ref(), msg.sender_chat.as_ref()).await;
        if permission == Permission::Denied {
            return scene.say(t!(ctx.texts, locale, "mydata-admins-only")).await;
        }
        if let Some(refusal) = scene.refusal(permission) {
            return scene.say(refusal).await;
        }
    }
    match command {
        Command::Start(payload) if payload.starts_with(roles::INVITE_PREFIX) && valid_payload(&payload) => {
            roles::redeem(scene, msg.from.as_ref(), &payload[roles::INVITE_PREFIX.len()..]).await
        }
        Command::Start(payload) => {
            // `<topic>` or `<topic>-C-<campaign>`: joins are counted per link.
            let target = valid_payload(&payload).then(|| stats::deep_link_target(&ctx.topics, &payload)).flatten();
            match target {
                Some((topic, campaign)) => {
                    // Written with the joins arriving at the same time: a
                    // crowd scanning the poster's QR code at once is
                    // answered as fast as Telegram allows.
                    let source = basis_storage::link_source(&campaign);
                    let topics = ctx.storage.join_via(scene.new_chat(), topic.key.as_str(), &source, ctx.now()).await?;
                    let keyboard = keyboards::topics(ctx, locale, &topics);
                    scene
                        .ask(t!(ctx.texts, locale, "deep-link-subscribed", topic = topic.label(locale)), keyboard)
                        .await
                }
                None => {
                    let welcome = t!(ctx.texts, locale, "welcome", org = ctx.organisation.clone());
                    let privacy = crate::privacy::short_notice(ctx, locale);
                    scene.send_topics(format!("{welcome}\n\n{privacy}")).await
                }
            }
        }
        Command::Topics => scene.send_topics(t!(ctx.texts, locale, "topics-prompt")).await,
        Command::Subscribe(input) => {
            let topic = match scene.find_topic(&input) {
                Ok(topic) => topic,
                Err(answer) => return scene.say(answer).await,
            };
            scene.remember().await?;
            let label = topic.label(locale);
            let text = if ctx.storage.subscribe(scene.chat.id.0, topic.key.as_str(), ctx.now()).await? {
                t!(ctx.texts, locale, "subscribed", topic = label)
            } else {
                t!(ctx.texts, locale, "already-subscribed", topic = label)
            };
            scene.say(text).await
        }
        Command::Unsubscribe(input) => {
            let topic = match scene.find_topic(&input) {
                Ok(topic) => topic,
                Err(answer) => {
                    return scene.say(answer.replace("/subscribe ", "/unsubscribe ")).await;
                }
            };
            let label = topic.label(locale);
            let text = if ctx.storage.unsubscribe_at(scene.chat.id.0, topic.key.as_str(), ctx.now()).await? {
                t!(ctx.texts, locale, "unsubscribed", topic = label)
            } else {
                t!(ctx.texts, locale, "not-subscribed", topic = label)
            };
            scene.say(text).await
        }
        Command::MyTopics => {
            let labels = ctx.topics.labels_of(&scene.subscribed().await?, locale);
            let text = if labels.is_empty() {
                t!(ctx.texts, locale, "mytopics-none")
            } else {
                t!(ctx.texts, locale, "mytopics-list", topics = labels.join("\n"))
            };
            scene.say(text).await
        }
        Command::Privacy => scene.say(privacy_report(scene).await?).await,
        Command::MyData => crate::privacy::my_data(scene).await,
        Command::Stop => {
            if ctx.storage.chat(scene.chat.id.0).await?.is_none() {
                return scene.say(t!(ctx.texts, locale, "stop-nothing")).await;
            }
            let keyboard = keyboards::stop_confirmation(ctx, locale);
            scene.ask(t!(ctx.texts, locale, "stop-confirm"), keyboard).await
        }
        Command::Language(input) if input.is_empty() => {
            let keyboard = keyboards::languages(ctx);
            scene.ask(t!(ctx.texts, locale, "language-prompt"), keyboard).await
        }
        Command::Language(input) => match Locale::parse(&input) {
            Some(chosen) => {
                set_language(scene, chosen).await?;
                scene.say(t!(ctx.texts, chosen, "language-set")).await
            }
            None => scene.say(t!(ctx.texts, locale, "language-unknown")).await,
        },
        Command::Help => help(scene, msg.from.as_ref()).await,
        Command::Post(args) => organizer::post(scene, msg, &args).await,
        Command::FollowUp(args) => organizer::follow_up(scene, msg, &args).await,
        Command::Edit(args) => corrections::correct(scene, msg, &args, Correction::Edit).await,
        Command::Retract(args) => corrections::correct(scene, msg, &args, Correction::Retract).await,
        Command::Scheduled => organizer::scheduled(scene, msg.from.as_ref()).await,
        Command::Stats => stats::stats(scene, msg.from.as_ref()).await,
        Command::Link(args) => stats::link(scene, msg.from.as_ref(), me, &args).await,
        Command::Qr(args) => stats::qr(scene, msg.from.as_ref(), me, &args).await,
        Command::Channel(args) => channels::channel(scene, msg.from.as_ref(), me, &args).await,
        Command::Event(args) => events::create(scene, msg, &args).await,
        Command::Events => events::list(scene, msg.from.as_ref()).await,
        Command::EventChange(args) => events::change(scene, msg, &args).await,
        Command::EventCancel(args) => events::cancel(scene, msg, &args).await,
        Command::Invite(args) => roles::invite(scene, msg.from.as_ref(), me, &args).await,
        Command::Organizers => roles::list(scene, msg.from.as_ref()).await,
        Command::Revoke(args) => roles::revoke(scene, msg.from.as_ref(), &args).await,
        Command::Audit => roles::audit(scene, msg.from.as_ref()).await,
    }
}

async fn set_language(scene: &Scene, chosen: Locale) -> HandlerResult {
    let now = scene.ctx.now();
    let storage = &scene.ctx.storage;
    storage.ensure_chat(scene.chat.id.0, scene.kind, chosen.code(), now).await?;
    storage.set_locale(scene.chat.id.0, chosen.code(), now).await?;
    if !scene.stored {
        crate::privacy::agreed(scene).await?;
    }
    Ok(())
}

/// Exactly what is stored about this chat.
async fn privacy_report(scene: &Scene) -> Result<String, HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let Some(chat) = ctx.storage.chat(scene.chat.id.0).await? else {
        let nothing = t!(ctx.texts, locale, "privacy-nothing");
        return Ok(format!("{nothing}\n\n{}", crate::privacy::controller(ctx, locale)));
    };
    let labels = ctx.topics.labels_of(&scene.subscribed().await?, locale);
    let topics = if labels.is_empty() { t!(ctx.texts, locale, "privacy-no-topics") } else { labels.join(", ") };
    let kind = match chat.kind {
        ChatKind::Private => t!(ctx.texts, locale, "kind-private"),
        ChatKind::Group => t!(ctx.texts, locale, "kind-group"),
        ChatKind::Supergroup => t!(ctx.texts, locale, "kind-supergroup"),
        ChatKind::Channel => t!(ctx.texts, locale, "kind-channel"),
    };
    let language =
        Locale::parse(&chat.locale).map(|l| t!(ctx.texts, l, "language-name")).unwrap_or(chat.locale.clone());
    let stored = t!(
        ctx.texts,
        locale,
        "privacy-stored",
        chat = chat.id.to_string(),
        kind = kind,
        language = language,
        since = format_time(chat.consent_at, locale),
        topics = topics
    );
    Ok(format!("{stored}\n{}", crate::privacy::report_footer(ctx, locale, chat.privacy_version)))
}

fn format_time(ms: i64, locale: Locale) -> String {
    let Some(time) = chrono::DateTime::from_timestamp_millis(ms) else {
        return ms.to_string();
    };
    match locale {
        Locale::De => time.format("%d.%m.%Y %H:%M UTC").to_string(),
        Locale::En => time.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

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

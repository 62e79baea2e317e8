//! What members do: commands in private chats and groups, and the buttons
//! under the bot's messages.

use basis_storage::ChatKind;
use teloxide::ApiError;
use teloxide::prelude::*;
use teloxide::types::{Me, MessageId, User};

use crate::callback::CallbackData;
use crate::command::{Command, CommandText, valid_payload};
use crate::corrections::{self, Correction};
use crate::domain::DomainEvent;
use crate::plugin::{Basis, Call, CommandFn, Press};
use crate::registry::{Action, Audience, Declaration};
use crate::roles::Role;
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
    scene.say(scene.ctx.registry.commands.help(&scene.ctx.texts, scene.locale, audience)).await
}

pub(crate) async fn on_message(bot: Outbound, ctx: Ctx, me: Me, msg: Message) -> HandlerResult {
    let private = msg.chat.is_private();
    if msg.chat.is_channel() {
        return Ok(());
    }
    let command = msg.text().and_then(CommandText::split);
    let command = match command {
        Some(c) if !c.is_for(me.username()) => return Ok(()),
        Some(c) => {
            let declaration = ctx.registry.commands.find(&c.name).cloned();
            Some((declaration.map(|d| (d, c.args.to_owned())), c.mention.is_some()))
        }
        // In groups the bot hears only commands; chatter there is not for it.
        None if !private => return Ok(()),
        None => None,
    };
    let scene = Scene::new(bot, ctx, &msg.chat, msg.from.as_ref()).await?;
    let outcome = match command {
        Some((Some((declaration, args)), _)) => match declaration.action {
            Action::Basis(parse) => run(&scene, &declaration, parse(args), &msg, &me).await,
            Action::Plugin(index) => match scene.ctx.registry.commands.handler(index) {
                Some(handler) => call_plugin(&scene, &declaration, handler, args, &msg).await,
                None => Ok(()),
            },
        },
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

/// A plugin's command, behind the gate its declaration asks for.
async fn call_plugin(
    scene: &Scene,
    declaration: &Declaration,
    handler: CommandFn,
    args: String,
    msg: &Message,
) -> HandlerResult {
    if let Err(refusal) = crate::registry::gate(scene, declaration, msg.from.as_ref()).await? {
        return scene.say(refusal.text(declaration, &scene.ctx.texts, scene.locale)).await;
    }
    handler(Call {
        basis: Basis::new(scene.bot.clone(), scene.ctx.clone()),
        chat: scene.chat.id,
        user: msg.from.as_ref().map(|u| u.id),
        locale: scene.locale,
        args,
    })
    .await
}

async fn run(scene: &Scene, declaration: &Declaration, command: Command, msg: &Message, me: &Me) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let changes_topics =
        matches!(command, Command::Subscribe(_) | Command::Unsubscribe(_) | Command::Stop | Command::Language(_))
            || matches!(&command, Command::Start(p) if stats::deep_link_target(&ctx.topics, p).is_some());
    // The gate: where the command works, and the role its audience needs,
    // looked up now (a revoked organizer is refused at once).
    match crate::registry::gate(scene, declaration, msg.from.as_ref()).await? {
        Err(refusal) => return scene.say(refusal.text(declaration, &ctx.texts, locale)).await,
        Ok(Some(role)) => return organizer_command(scene, &role, command, msg, me).await,
        Ok(None) => {}
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
                    let (chat, key) = (scene.chat.id.0, topic.key.as_str().to_owned());
                    scene.emit(DomainEvent::JoinedViaLink { chat, locale, topic: key.clone(), source });
                    scene.emit(DomainEvent::Subscribed { chat, locale, topic: key });
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
                let topic = topic.key.as_str().to_owned();
                scene.emit(DomainEvent::Subscribed { chat: scene.chat.id.0, locale, topic });
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
                scene.emit(DomainEvent::Unsubscribed { chat: scene.chat.id.0, topic: topic.key.as_str().to_owned() });
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
        // Organizers' and owners' commands passed the gate above.
        _ => Ok(()),
    }
}

/// An organizer's or owner's command, once the gate let `role` through.
async fn organizer_command(scene: &Scene, role: &Role, command: Command, msg: &Message, me: &Me) -> HandlerResult {
    let from = msg.from.as_ref();
    match command {
        Command::Post(args) => organizer::post(scene, role, msg, &args).await,
        Command::FollowUp(args) => organizer::follow_up(scene, role, msg, &args).await,
        Command::Edit(args) => corrections::correct(scene, role, msg, &args, Correction::Edit).await,
        Command::Retract(args) => corrections::correct(scene, role, msg, &args, Correction::Retract).await,
        Command::Scheduled => organizer::scheduled(scene, role, from).await,
        Command::Stats => stats::stats(scene, role).await,
        Command::Link(args) => stats::link(scene, role, me, &args).await,
        Command::Qr(args) => stats::qr(scene, role, me, &args).await,
        Command::Event(args) => events::create(scene, role, msg, &args).await,
        Command::Events => events::list(scene, role).await,
        Command::EventChange(args) => events::change(scene, role, msg, &args).await,
        Command::EventCancel(args) => events::cancel(scene, role, msg, &args).await,
        // Owners only (the gate checked it).
        Command::Channel(args) => channels::channel(scene, from, me, &args).await,
        Command::Invite(args) => roles::invite(scene, from, me, &args).await,
        Command::Organizers => roles::list(scene).await,
        Command::Revoke(args) => roles::revoke(scene, from, &args).await,
        Command::Audit => roles::audit(scene).await,
        // Members' commands never reach here.
        _ => Ok(()),
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

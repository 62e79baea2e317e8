//! What members do: commands in private chats and groups, through the gate
//! the command declarations make (buttons are in `buttons.rs`).

use teloxide::prelude::*;
use teloxide::types::{Me, User};

use crate::command::{Command, CommandText, valid_payload};
use crate::corrections::{self, Correction};
use crate::domain::DomainEvent;
use crate::plugin::{Basis, Call, CommandFn};
use crate::registry::{Action, Audience, Declaration};
use crate::roles::Role;
use crate::scene::{Permission, Scene};
use crate::{Ctx, HandlerResult, Locale, Outbound, keyboards, organizer, roles, stats, t};
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
        Command::Privacy => scene.say(crate::privacy::privacy_report(scene).await?).await,
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

pub(crate) async fn set_language(scene: &Scene, chosen: Locale) -> HandlerResult {
    let now = scene.ctx.now();
    let storage = &scene.ctx.storage;
    storage.ensure_chat(scene.chat.id.0, scene.kind, chosen.code(), now).await?;
    storage.set_locale(scene.chat.id.0, chosen.code(), now).await?;
    if !scene.stored {
        crate::privacy::agreed(scene).await?;
    }
    Ok(())
}

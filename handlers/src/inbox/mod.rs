//! Members write back: the organizers' inbox.
//!
//! An owner's `/inbox` makes a group the inbox. A member's message to the
//! bot that is not a command is queued there (a durable relay, never its
//! text) under a pseudonymous case label such as `Mitglied #12 · Streiks`;
//! in a forum each conversation gets a topic of its own, in a group without
//! topics it begins with a message carrying the label, which the member's
//! copies reply to. An organizer's reply to a copy, or any message in the
//! member's topic, is queued back to the member; whoever is not an
//! organizer when they write reaches nobody. `/mute` and `/close` act on
//! the conversation they are sent in.
//!
//! Handlers only record relays and answer; the worker in [`relay`] copies
//! them with copyMessage through the one outbound path.

use basis_storage::{Case, Inbox, InboxCopy, NewAnswer, Received};
use teloxide::prelude::*;
use teloxide::types::{Chat, ChatKind, ChatMemberKind, MessageKind, PublicChatKind, ThreadId};

use crate::plugin::{Call, Input};
use crate::registry::Args;
use crate::roles::Role;
use crate::{Context, HandlerError, HandlerResult, Locale, t};

pub(crate) mod relay;

/// How the inbox answers members (`BASIS_INBOX_SIGNED`,
/// `BASIS_INBOX_SCOPED`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InboxSettings {
    /// Answers carry the answering organizer's first name; otherwise they
    /// come from the team.
    pub signed: bool,
    /// Organizers limited to some topics answer, mute and close only the
    /// conversations of members who follow one of them; otherwise every
    /// organizer looks after every conversation.
    pub scoped: bool,
}

/// `on`/`off` after `/inbox` and `/mute`: nothing means on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Switch {
    On,
    Off,
}

impl Args for Switch {
    fn read(text: &str) -> Option<Switch> {
        match text.to_lowercase().as_str() {
            "" | "on" | "an" => Some(Switch::On),
            "off" | "aus" => Some(Switch::Off),
            _ => None,
        }
    }
}

/// Whether a chat is a supergroup with topics on.
fn is_forum(chat: &Chat) -> bool {
    matches!(&chat.kind, ChatKind::Public(public) if matches!(&public.kind, PublicChatKind::Supergroup(s) if s.is_forum))
}

/// A message with content a person wrote (not a service message).
fn is_content(message: &Message) -> bool {
    matches!(message.kind, MessageKind::Common(_)) && !message.from.as_ref().is_some_and(|u| u.is_bot)
}

/// The forum topic a message was written in, if any.
fn topic_of(message: &Message) -> Option<i64> {
    message.is_topic_message.then_some(message.thread_id).flatten().map(|t| i64::from(t.0.0))
}

/// A message id as Telegram's types hold it.
pub(crate) fn message_id(id: i64) -> teloxide::types::MessageId {
    teloxide::types::MessageId(i32::try_from(id).unwrap_or(i32::MAX))
}

/// A forum topic's id as Telegram's types hold it.
pub(crate) fn thread(id: i64) -> ThreadId {
    ThreadId(message_id(id))
}

/// `Mitglied #12 · Streiks, Energie & Klima`: the case number and the
/// member's topics, no name; at most the 128 characters of a topic's name.
pub(crate) async fn label(ctx: &Context, locale: Locale, case: &Case) -> Result<String, HandlerError> {
    let topics: Vec<String> = ctx
        .storage
        .subscriptions(case.chat_id)
        .await?
        .iter()
        .filter_map(|key| ctx.topics.get(key).map(|t| t.name(locale).to_owned()))
        .collect();
    let number = case.case_no.to_string();
    let label = match topics.is_empty() {
        true => t!(ctx.texts, locale, "inbox-label-bare", case = number),
        false => t!(ctx.texts, locale, "inbox-label", case = number, topics = topics.join(", ")),
    };
    Ok(label.chars().take(128).collect())
}

/// A message not a command, in a member's private chat or in the inbox.
pub(crate) async fn read(input: Input) -> Result<bool, HandlerError> {
    if !is_content(&input.message) {
        return Ok(false);
    }
    match input.scene.chat.is_private() {
        true => member_wrote(input).await,
        false => organizer_wrote(input).await,
    }
}

/// A member's message goes to the inbox, if there is one. Organizers'
/// messages in their private chat are material for posts, not for the
/// inbox: the posting plugin's hint tells them how.
async fn member_wrote(input: Input) -> Result<bool, HandlerError> {
    let ctx = &input.basis.ctx;
    if input.role().await?.is_some() || ctx.storage.inbox().await?.is_none() {
        return Ok(false);
    }
    let message = &input.message;
    let reply_to = message.reply_to_message().map(|m| i64::from(m.id.0));
    let received = ctx.storage.inbox_receive(input.chat.into(), i64::from(message.id.0), reply_to, ctx.now()).await?;
    match received {
        // Told nothing new; nothing relayed.
        Received::Muted => Ok(true),
        Received::Queued { opened, .. } => {
            relay::wake(&input.basis, basis_storage::RelayDirection::ToInbox);
            if opened {
                let org = ctx.organisation.clone();
                input.say(t!(ctx.texts, input.locale, "inbox-notice", org = org)).await?;
            }
            Ok(true)
        }
    }
}

/// The conversation a message in the inbox belongs to: its forum topic, or
/// the member's message (or the label) it replies to. With it, the
/// member's message it answers, in the member's chat.
async fn conversation(
    ctx: &Context,
    inbox: &Inbox,
    message: &Message,
) -> Result<Option<(Case, Option<i64>)>, HandlerError> {
    let storage = &ctx.storage;
    let replied = match message.reply_to_message() {
        Some(replied) => storage.inbox_message(inbox.chat_id, i64::from(replied.id.0)).await?,
        None => None,
    };
    // Only replies to the member's side count: an organizer answering a
    // colleague's answer is talking to the colleague.
    let replied = replied.filter(|m| matches!(m.kind, InboxCopy::Member | InboxCopy::Header));
    let answers = replied.and_then(|m| m.member_message_id);
    if inbox.forum
        && let Some(topic) = topic_of(message)
    {
        let case = storage.inbox_case_in_topic(inbox.chat_id, topic).await?;
        return Ok(case.map(|case| (case, answers)));
    }
    match replied {
        Some(replied) => Ok(storage.inbox_case(replied.case_no).await?.map(|case| (case, answers))),
        None => Ok(None),
    }
}

/// Whether `role` looks after `case`: everyone, unless the inbox is scoped
/// and the organizer limited to topics the member follows none of.
async fn looks_after(ctx: &Context, role: &Role, case: &Case) -> Result<bool, HandlerError> {
    let scope = match role {
        Role::Organizer(o) if ctx.inbox.scoped => o.scope(),
        _ => None,
    };
    let Some(scope) = scope else { return Ok(true) };
    let topics = ctx.storage.subscriptions(case.chat_id).await?;
    Ok(topics.iter().any(|t| scope.names(t)))
}

/// A message in a group: in the inbox, an organizer's answer goes to the
/// member; anyone else's goes nowhere.
async fn organizer_wrote(input: Input) -> Result<bool, HandlerError> {
    let ctx = &input.basis.ctx;
    let Some(inbox) = ctx.storage.inbox().await?.filter(|i| i.chat_id == input.chat.into()) else {
        return Ok(false);
    };
    let Some((case, answers)) = conversation(ctx, &inbox, &input.message).await? else {
        return Ok(false);
    };
    // The role when they write: a revoked organizer reaches nobody.
    let Some(role) = input.role().await? else {
        tracing::debug!(case = case.case_no, "not relayed: written by someone who is not an organizer");
        return Ok(true);
    };
    if !looks_after(ctx, &role, &case).await? {
        tracing::debug!(case = case.case_no, "not relayed: the member is outside the organizer's topics");
        return Ok(true);
    }
    let signer = match (ctx.inbox.signed, input.message.from.as_ref()) {
        (true, Some(from)) => Some(from.first_name.chars().take(64).collect()),
        _ => None,
    };
    let answer = NewAnswer {
        case_no: case.case_no,
        inbox_chat_id: inbox.chat_id,
        message_id: i64::from(input.message.id.0),
        reply_to: answers,
        signer,
    };
    if ctx.storage.inbox_answer(&answer, ctx.now()).await? {
        relay::wake(&input.basis, basis_storage::RelayDirection::ToMember);
    }
    Ok(true)
}

/// Answers where the command was written: in its forum topic, if any.
async fn reply_here(call: &Call, text: String) -> HandlerResult {
    let request = call.basis.bot.send_message(call.chat, text);
    match topic_of(&call.message) {
        Some(topic) => request.message_thread_id(thread(topic)).await?,
        None => request.await?,
    };
    Ok(())
}

/// `/inbox` makes this group the inbox; `/inbox off` ends it (owners).
pub(crate) async fn inbox_command(call: Call, switch: Switch) -> HandlerResult {
    let ctx = &call.basis.ctx;
    let locale = call.locale;
    let by = call.user.map_or(basis_core::UserId(0), Into::into);
    if switch == Switch::Off {
        let answer = match ctx.storage.end_inbox(call.chat.into(), by, ctx.now()).await? {
            Some(dropped) => t!(ctx.texts, locale, "inbox-ended", dropped = dropped.to_string()),
            None => t!(ctx.texts, locale, "inbox-not-inbox"),
        };
        return reply_here(&call, answer).await;
    }
    let forum = is_forum(&call.message.chat);
    // The bot must be an admin (to read every message), in a forum one who
    // manages topics.
    let rights = match call.basis.bot.get_chat_member(call.chat, call.me.id).await {
        Ok(member) => match member.kind {
            ChatMemberKind::Owner(_) => Ok(()),
            ChatMemberKind::Administrator(admin) if admin.can_manage_topics || !forum => Ok(()),
            ChatMemberKind::Administrator(_) => Err("inbox-needs-topics"),
            _ => Err("inbox-needs-admin"),
        },
        Err(error) => {
            tracing::warn!(%error, "could not ask Telegram for the bot's rights in the group");
            Err("inbox-check-failed")
        }
    };
    if let Err(refusal) = rights {
        return reply_here(&call, ctx.texts.get(locale).get(refusal)).await;
    }
    let inbox =
        Inbox { chat_id: call.chat.into(), forum, locale: locale.code().to_owned(), set_by: by, set_at: ctx.now() };
    let previous = ctx.storage.set_inbox(&inbox).await?;
    let org = ctx.organisation.clone();
    let mut answer = match forum {
        true => t!(ctx.texts, locale, "inbox-set-forum", org = org),
        false => t!(ctx.texts, locale, "inbox-set-replies", org = org),
    };
    answer.push('\n');
    answer.push_str(&match ctx.inbox.signed {
        true => t!(ctx.texts, locale, "inbox-answers-signed"),
        false => t!(ctx.texts, locale, "inbox-answers-team"),
    });
    if let Some(previous) = previous.filter(|p| p.chat_id != inbox.chat_id) {
        answer.push('\n');
        answer.push_str(&t!(ctx.texts, locale, "inbox-moved", chat = previous.chat_id.to_string()));
    }
    tracing::info!(chat = %inbox.chat_id, forum, "the inbox is set up");
    reply_here(&call, answer).await
}

/// The conversation a command in the inbox is about, or the answer why
/// there is none.
async fn commanded_case(call: &Call) -> Result<Result<Case, String>, HandlerError> {
    let ctx = &call.basis.ctx;
    let texts = ctx.texts.get(call.locale);
    let Some(inbox) = ctx.storage.inbox().await?.filter(|i| i.chat_id == call.chat.into()) else {
        return Ok(Err(texts.get("inbox-not-inbox")));
    };
    let Some((case, _)) = conversation(ctx, &inbox, &call.message).await? else {
        return Ok(Err(texts.get("inbox-no-case")));
    };
    if !looks_after(ctx, call.role()?, &case).await? {
        return Ok(Err(texts.get("inbox-out-of-scope")));
    }
    Ok(Ok(case))
}

/// `/mute` (or `/mute off`) in a member's topic or as a reply to one of
/// their messages: organizers.
pub(crate) async fn mute_command(call: Call, switch: Switch) -> HandlerResult {
    let case = match commanded_case(&call).await? {
        Ok(case) => case,
        Err(answer) => return reply_here(&call, answer).await,
    };
    let ctx = &call.basis.ctx;
    let by = call.user.map_or(basis_core::UserId(0), Into::into);
    let on = switch == Switch::On;
    let changed = ctx.storage.inbox_mute(case.case_no, on, by, ctx.now()).await?;
    let label = label(ctx, call.locale, &case).await?;
    let answer = match (on, changed) {
        (true, true) => t!(ctx.texts, call.locale, "inbox-muted", label = label),
        (true, false) => t!(ctx.texts, call.locale, "inbox-already-muted", label = label),
        (false, true) => t!(ctx.texts, call.locale, "inbox-unmuted", label = label),
        (false, false) => t!(ctx.texts, call.locale, "inbox-not-muted", label = label),
    };
    reply_here(&call, answer).await
}

/// `/close` in a member's topic or as a reply to one of their messages:
/// organizers. A forum topic is closed too; the member's next message
/// opens the conversation (and the topic) again.
pub(crate) async fn close_command(call: Call) -> HandlerResult {
    let case = match commanded_case(&call).await? {
        Ok(case) => case,
        Err(answer) => return reply_here(&call, answer).await,
    };
    let ctx = &call.basis.ctx;
    let by = call.user.map_or(basis_core::UserId(0), Into::into);
    let label = label(ctx, call.locale, &case).await?;
    if !ctx.storage.inbox_close(case.case_no, by, ctx.now()).await? {
        return reply_here(&call, t!(ctx.texts, call.locale, "inbox-already-closed", label = label)).await;
    }
    reply_here(&call, t!(ctx.texts, call.locale, "inbox-closed", label = label)).await?;
    if let Some(topic) = case.topic_in(call.chat.into()).filter(|_| !case.topic_closed) {
        match call.basis.bot.close_forum_topic(call.chat, thread(topic)).await {
            Ok(_) => ctx.storage.inbox_topic_closed(case.case_no, true, ctx.now()).await?,
            Err(error) if relay::not_modified(&error) => {
                ctx.storage.inbox_topic_closed(case.case_no, true, ctx.now()).await?
            }
            Err(error) => tracing::warn!(%error, case = case.case_no, "could not close the conversation's topic"),
        }
    }
    Ok(())
}

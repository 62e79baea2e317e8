//! `/channel`: the organisation's Telegram channels and forum topics, linked
//! to Basis topics. A post to a topic is published there at once, before
//! the member fan-out. Owners link; the bot must be an admin of the channel
//! who may post.

use basis_storage::ChannelLink;
use teloxide::prelude::*;
use teloxide::types::{Me, Recipient, User};

use crate::scene::Scene;
use crate::{HandlerResult, t};

/// What `/channel` was asked to do.
#[derive(Debug, PartialEq, Eq)]
enum Request<'a> {
    List,
    Link { topic: &'a str, chat: Recipient, thread: i64 },
    Unlink { topic: &'a str, chat: Recipient, thread: i64 },
}

/// `@name` or a numeric chat id (`-100…`).
fn recipient(input: &str) -> Option<Recipient> {
    if let Some(name) = input.strip_prefix('@') {
        let valid = (4..=32).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        return valid.then(|| Recipient::ChannelUsername(input.to_owned()));
    }
    input.parse::<i64>().ok().filter(|id| *id < 0).map(|id| Recipient::Id(ChatId(id)))
}

fn parse(args: &str) -> Option<Request<'_>> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let (unlink, rest) = match words.first() {
        None => return Some(Request::List),
        Some(&"remove") | Some(&"entfernen") => (true, &words[1..]),
        Some(_) => (false, &words[..]),
    };
    let (topic, chat, thread) = match rest {
        [topic, chat] => (*topic, recipient(chat)?, 0),
        [topic, chat, thread] => (*topic, recipient(chat)?, thread.parse::<i64>().ok().filter(|t| *t > 0)?),
        _ => return None,
    };
    Some(if unlink { Request::Unlink { topic, chat, thread } } else { Request::Link { topic, chat, thread } })
}

pub(crate) async fn channel(scene: &Scene, from: Option<&User>, me: &Me, args: &str) -> HandlerResult {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let by = from.map_or(basis_core::UserId(0), |u| u.id.into());
    let request = match parse(args) {
        Some(request) => request,
        None => return scene.say(t!(ctx.texts, locale, "channel-usage")).await,
    };
    let (topic, chat, thread, unlink) = match request {
        Request::List => return scene.say(listing(scene).await?).await,
        Request::Link { topic, chat, thread } => (topic, chat, thread, false),
        Request::Unlink { topic, chat, thread } => (topic, chat, thread, true),
    };
    let Some(topic) = ctx.topics.find(topic) else {
        let input: String = topic.chars().take(64).collect();
        let topics = ctx.topics.listing(locale);
        return scene.say(t!(ctx.texts, locale, "post-unknown-topic", input = input, topics = topics)).await;
    };
    let label = topic.label(locale);
    // Telegram tells who the chat is, and whether the bot may post there.
    let Ok(found) = scene.bot.get_chat(chat).await else {
        return scene.say(t!(ctx.texts, locale, "channel-not-found")).await;
    };
    let title = found.title().unwrap_or_default().chars().take(64).collect::<String>();
    if unlink {
        let removed = ctx.storage.unlink_channel(found.id.into(), thread, topic.key.as_str(), by, ctx.now()).await?;
        let answer = if removed {
            t!(ctx.texts, locale, "channel-unlinked", channel = title, topic = label)
        } else {
            t!(ctx.texts, locale, "channel-not-linked", channel = title, topic = label)
        };
        return scene.say(answer).await;
    }
    let may_post = match scene.bot.get_chat_member(found.id, me.id).await {
        Ok(member) if found.is_channel() => member.kind.can_post_messages(),
        Ok(member) => member.is_privileged() || member.is_member(),
        Err(_) => false,
    };
    if !may_post {
        return scene.say(t!(ctx.texts, locale, "channel-not-admin", channel = title)).await;
    }
    let link = ChannelLink {
        chat_id: found.id.into(),
        thread_id: thread,
        topic_key: topic.key.as_str().to_owned(),
        title: title.clone(),
        linked_by: by,
        linked_at: ctx.now(),
    };
    let answer = if ctx.storage.link_channel(&link).await? {
        tracing::info!(chat = %link.chat_id, thread, topic = link.topic_key, "channel linked");
        t!(ctx.texts, locale, "channel-linked", channel = title, topic = label)
    } else {
        t!(ctx.texts, locale, "channel-already-linked", channel = title, topic = label)
    };
    scene.say(answer).await
}

async fn listing(scene: &Scene) -> Result<String, crate::HandlerError> {
    let ctx = &scene.ctx;
    let locale = scene.locale;
    let links = ctx.storage.channel_links().await?;
    if links.is_empty() {
        return Ok(t!(ctx.texts, locale, "channel-none"));
    }
    let lines: Vec<String> = links
        .iter()
        .map(|l| {
            let topic = ctx.topics.get(&l.topic_key).map(|t| t.label(locale)).unwrap_or_else(|| l.topic_key.clone());
            let thread = if l.thread_id > 0 { format!(" #{}", l.thread_id) } else { String::new() };
            format!("• {topic} → {} ({}{thread})", l.title, l.chat_id)
        })
        .collect();
    Ok(t!(ctx.texts, locale, "channel-list", links = lines.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_and_garbage_does_not() {
        assert_eq!(parse(""), Some(Request::List));
        let at = Recipient::ChannelUsername("@igm_news".into());
        assert_eq!(parse("strikes @igm_news"), Some(Request::Link { topic: "strikes", chat: at.clone(), thread: 0 }));
        assert_eq!(
            parse("remove strikes -1001234 17"),
            Some(Request::Unlink { topic: "strikes", chat: Recipient::Id(ChatId(-1001234)), thread: 17 })
        );
        for bad in
            ["strikes", "strikes igm", "strikes @a", "strikes 1234", "strikes @x y z", "strikes -100 0", "a b c d"]
        {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}

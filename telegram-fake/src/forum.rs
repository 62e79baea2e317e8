//! Forum supergroups: their topics, who may manage them, the service messages
//! that topic changes leave in the thread, and which topic a message lands
//! in. Checks and error texts follow the Bot API server and TDLib, which it
//! passes these methods to.
//!
//! Where the fake knowingly differs from Telegram:
//! - The "General" topic is not modelled: messages without a thread land in
//!   the chat as before (sends refuse thread id 1, as Telegram does), and the
//!   topic methods answer id 1 like an unknown topic rather than acting on
//!   General.
//! - Only administrators with `can_manage_topics` (and the creator) create
//!   topics; the chat permission that lets every member do so is not modelled.
//! - An icon colour outside the six Telegram documents becomes the default
//!   blue, as an omitted one does on Telegram.

use serde_json::{Map, Value, json};

use crate::{
    error::{Reply, TgError, TgResult},
    params::P,
    send::{check_can_send, resolve_chat},
    state::{MemberStatus, NewMessage, Sender, State},
    types::{FakeEvent, TgChatKind, TgTopic},
};

/// Thread id of a forum's "General" topic; the Bot API refuses it as a
/// `message_thread_id` (messages for General go without one).
const GENERAL_TOPIC: i64 = 1;
/// What Telegram gives a topic created without a colour.
pub(crate) const DEFAULT_ICON_COLOR: u32 = 0x6F_B9_F0;
/// The colours createForumTopic accepts.
const ICON_COLORS: [u32; 6] = [0x6F_B9_F0, 0xFF_D6_7E, 0xCB_86_DB, 0x8E_EE_98, 0xFF_93_B2, 0xFB_6F_5F];
const MAX_NAME: usize = 128;

/// A topic of a forum supergroup; its thread id is the key it is kept under.
pub(crate) struct Topic {
    pub name: String,
    pub icon_color: u32,
    pub icon_custom_emoji_id: Option<String>,
    pub closed: bool,
    /// Who created it: the bot may close, reopen and rename its own topics
    /// without the right to manage topics.
    pub creator: i64,
}

/// Whether the chat is a supergroup with topics on.
pub(crate) fn is_forum(st: &State, chat: i64) -> bool {
    st.chat_kind(chat) == Some(TgChatKind::Supergroup) && st.groups.get(&chat).is_some_and(|g| g.is_forum)
}

pub(crate) fn topic(st: &State, chat: i64, thread: i64) -> Option<&Topic> {
    st.topics.get(&chat)?.get(&thread)
}

/// Whether `user` may create topics, manage every topic and write in closed
/// ones: the chat's creator, or an administrator with `can_manage_topics`.
pub(crate) fn can_manage_topics(st: &State, chat: i64, user: i64) -> bool {
    match st.member_status(chat, user) {
        MemberStatus::Creator => true,
        MemberStatus::Administrator => st.rights_of(chat, user).can_manage_topics,
        _ => false,
    }
}

/// The test API's view of a topic.
pub(crate) fn tg_topic(chat: i64, thread: i64, t: &Topic) -> TgTopic {
    TgTopic {
        chat_id: chat,
        thread_id: thread,
        name: t.name.clone(),
        icon_color: t.icon_color,
        icon_custom_emoji_id: t.icon_custom_emoji_id.clone(),
        closed: t.closed,
        creator_id: t.creator,
    }
}

fn thread_not_found() -> TgError {
    TgError::bad_static("Bad Request: message thread not found")
}

/// The topic a message the bot sends lands in. `message_thread_id` counts in
/// forums only: Telegram ignores it in other groups and in channels, and
/// refuses it in private chats (the bot has no topics there). Without it, a
/// reply goes to the topic of the message it answers (`replied_thread`).
/// Closed topics take messages only from those who manage topics.
pub(crate) fn send_thread(st: &State, chat: i64, p: &P, replied_thread: Option<i64>) -> TgResult<Option<i64>> {
    // Like the Bot API, 0 and negative ids mean "no thread".
    let requested = p.i64("message_thread_id")?.filter(|t| *t > 0);
    let thread = match requested {
        None => replied_thread,
        Some(_) if st.chat_kind(chat) == Some(TgChatKind::Private) => return Err(thread_not_found()),
        Some(_) if !is_forum(st, chat) => None,
        Some(t) if t == GENERAL_TOPIC || topic(st, chat, t).is_none() => return Err(thread_not_found()),
        Some(t) => Some(t),
    };
    if let Some(t) = thread
        && topic(st, chat, t).is_some_and(|t| t.closed)
        && !can_manage_topics(st, chat, st.bot.id)
    {
        return Err(TgError::bad_static("Bad Request: TOPIC_CLOSED"));
    }
    Ok(thread)
}

/// A topic name as Telegram stores it: control characters become spaces,
/// the ends are trimmed and anything beyond 128 characters is cut off.
fn clean_name(raw: &str) -> String {
    let spaced: String = raw.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.trim().chars().take(MAX_NAME).collect::<String>().trim_end().to_owned()
}

/// A custom emoji id as the Bot API reads it: a number, where 0 or anything
/// unreadable means "no emoji".
fn emoji_id(raw: &str) -> Option<String> {
    raw.trim().parse::<i64>().ok().filter(|id| *id != 0).map(|id| id.to_string())
}

/// Where a service message goes.
enum Place {
    /// It opens a new topic, whose thread id is the message's own id.
    NewTopic,
    Topic(i64),
}

/// Leaves a service message about a topic and tells observers. Whoever
/// caused it is its sender.
fn service_message(st: &mut State, chat: i64, by: i64, place: Place, field: &str, value: Value) -> Value {
    let mut content = Map::new();
    content.insert(field.into(), value);
    let sender = if by == st.bot.id { Sender::Bot } else { Sender::User(by) };
    let mut new = NewMessage::new(chat, sender, content);
    match place {
        Place::NewTopic => new.opens_topic = true,
        Place::Topic(t) => new.thread = Some(t),
    }
    let (id, json) = st.create_message(new);
    st.emit(FakeEvent::MessageSent { chat_id: chat, message_id: id });
    json
}

/// Creates a topic by `creator` and returns its `forum_topic_created`
/// service message, whose id is the new thread id.
pub(crate) fn open_topic(
    st: &mut State,
    chat: i64,
    creator: i64,
    name: String,
    icon_color: u32,
    icon_custom_emoji_id: Option<String>,
) -> (i64, Value) {
    let mut created = Map::new();
    created.insert("name".into(), json!(name));
    created.insert("icon_color".into(), json!(icon_color));
    if let Some(e) = &icon_custom_emoji_id {
        created.insert("icon_custom_emoji_id".into(), json!(e));
    }
    let json = service_message(st, chat, creator, Place::NewTopic, "forum_topic_created", Value::Object(created));
    let thread = json.get("message_id").and_then(Value::as_i64).unwrap_or(0);
    let topic = Topic { name, icon_color, icon_custom_emoji_id, closed: false, creator };
    st.topics.entry(chat).or_default().insert(thread, topic);
    (thread, json)
}

/// Closes or reopens a topic as `by` and returns the service message;
/// `None` when it already was.
pub(crate) fn set_closed(st: &mut State, chat: i64, thread: i64, by: i64, closed: bool) -> Option<Value> {
    let topic = st.topics.get_mut(&chat)?.get_mut(&thread)?;
    if topic.closed == closed {
        return None;
    }
    topic.closed = closed;
    let field = if closed { "forum_topic_closed" } else { "forum_topic_reopened" };
    Some(service_message(st, chat, by, Place::Topic(thread), field, json!({})))
}

/// The forum a topic method names; the bot must be able to write there.
fn forum_chat(st: &State, p: &P) -> TgResult<i64> {
    let chat = resolve_chat(st, p, "chat_id")?;
    check_can_send(st, chat)?;
    if !is_forum(st, chat) {
        return Err(TgError::bad_static("Bad Request: the chat is not a forum"));
    }
    Ok(chat)
}

/// The topic a topic method names: it must be a positive id of an existing
/// topic.
fn named_topic(st: &State, chat: i64, p: &P) -> TgResult<i64> {
    // The Bot API reads anything unparsable as 0.
    let thread = p.i64("message_thread_id").ok().flatten().unwrap_or(0);
    if thread <= 0 {
        return Err(TgError::bad_static("Bad Request: invalid forum topic identifier specified"));
    }
    if topic(st, chat, thread).is_none() {
        return Err(TgError::bad_static("Bad Request: TOPIC_ID_INVALID"));
    }
    Ok(thread)
}

/// Whether the bot may close, reopen or rename this topic.
fn bot_may_change(st: &State, chat: i64, thread: i64) -> bool {
    let bot = st.bot.id;
    can_manage_topics(st, chat, bot) || topic(st, chat, thread).is_some_and(|t| t.creator == bot)
}

fn not_modified() -> TgError {
    TgError::bad_static("Bad Request: TOPIC_NOT_MODIFIED")
}

pub(crate) fn create_forum_topic(st: &mut State, p: &P) -> TgResult<Reply> {
    let chat = forum_chat(st, p)?;
    if !can_manage_topics(st, chat, st.bot.id) {
        return Err(TgError::bad_static("Bad Request: not enough rights to create a topic"));
    }
    let name = clean_name(&p.str("name")?.unwrap_or_default());
    if name.is_empty() {
        return Err(TgError::bad_static("Bad Request: title must be non-empty"));
    }
    let color = p.i64("icon_color").ok().flatten().unwrap_or(0);
    if !(0..=0xFF_FF_FF).contains(&color) {
        return Err(TgError::bad_static("Bad Request: invalid icon color specified"));
    }
    let color = u32::try_from(color).ok().filter(|c| ICON_COLORS.contains(c)).unwrap_or(DEFAULT_ICON_COLOR);
    let emoji = p.str("icon_custom_emoji_id")?.as_deref().and_then(emoji_id);
    let bot = st.bot.id;
    let (thread, _) = open_topic(st, chat, bot, name, color, emoji);
    let mut forum_topic = Map::new();
    if let Some(t) = topic(st, chat, thread) {
        forum_topic.insert("message_thread_id".into(), json!(thread));
        forum_topic.insert("name".into(), json!(t.name));
        forum_topic.insert("icon_color".into(), json!(t.icon_color));
        if let Some(e) = &t.icon_custom_emoji_id {
            forum_topic.insert("icon_custom_emoji_id".into(), json!(e));
        }
    }
    Ok(Value::Object(forum_topic).into())
}

pub(crate) fn close_forum_topic(st: &mut State, p: &P, closed: bool) -> TgResult<Reply> {
    let chat = forum_chat(st, p)?;
    let thread = named_topic(st, chat, p)?;
    if !bot_may_change(st, chat, thread) {
        return Err(TgError::bad_static("Bad Request: not enough rights to close or open the topic"));
    }
    let bot = st.bot.id;
    set_closed(st, chat, thread, bot, closed).ok_or_else(not_modified)?;
    Ok(json!(true).into())
}

pub(crate) fn edit_forum_topic(st: &mut State, p: &P) -> TgResult<Reply> {
    let chat = forum_chat(st, p)?;
    let thread = named_topic(st, chat, p)?;
    if !bot_may_change(st, chat, thread) {
        return Err(TgError::bad_static("Bad Request: not enough rights to edit the topic"));
    }
    let raw_name = p.str("name")?.unwrap_or_default();
    let name = clean_name(&raw_name);
    if !raw_name.is_empty() && name.is_empty() {
        return Err(TgError::bad_static("Bad Request: title must be non-empty"));
    }
    // An empty name keeps the current one; an empty emoji id removes the icon.
    let new_name = Some(name).filter(|n| !n.is_empty());
    let new_emoji = if p.has("icon_custom_emoji_id") {
        Some(p.str("icon_custom_emoji_id")?.as_deref().and_then(emoji_id))
    } else {
        None
    };
    if new_name.is_none() && new_emoji.is_none() {
        // TDLib answers this without asking Telegram.
        return Ok(json!(true).into());
    }
    let invalid = || TgError::bad_static("Bad Request: TOPIC_ID_INVALID");
    let topic = st.topics.get_mut(&chat).and_then(|m| m.get_mut(&thread)).ok_or_else(invalid)?;
    let same_name = new_name.as_ref().is_none_or(|n| *n == topic.name);
    let same_emoji = new_emoji.as_ref().is_none_or(|e| *e == topic.icon_custom_emoji_id);
    if same_name && same_emoji {
        return Err(not_modified());
    }
    let mut edited = Map::new();
    if let Some(n) = new_name {
        edited.insert("name".into(), json!(n));
        topic.name = n;
    }
    if let Some(e) = new_emoji {
        edited.insert("icon_custom_emoji_id".into(), json!(e.clone().unwrap_or_default()));
        topic.icon_custom_emoji_id = e;
    }
    let bot = st.bot.id;
    service_message(st, chat, bot, Place::Topic(thread), "forum_topic_edited", Value::Object(edited));
    Ok(json!(true).into())
}

pub(crate) fn delete_forum_topic(st: &mut State, p: &P) -> TgResult<Reply> {
    let chat = forum_chat(st, p)?;
    let thread = named_topic(st, chat, p)?;
    let bot = st.bot.id;
    let may = match st.member_status(chat, bot) {
        MemberStatus::Creator => true,
        MemberStatus::Administrator => st.rights_of(chat, bot).can_delete_messages,
        _ => false,
    };
    if !may {
        return Err(TgError::bad_static("Bad Request: not enough rights to delete the topic"));
    }
    if let Some(topics) = st.topics.get_mut(&chat) {
        topics.remove(&thread);
    }
    // The topic goes with all its messages.
    let mut deleted = Vec::new();
    for m in st.history.get_mut(&chat).into_iter().flatten() {
        if m.thread == Some(thread) && !m.deleted {
            m.deleted = true;
            deleted.push(m.id);
        }
    }
    for id in deleted {
        st.emit(FakeEvent::MessageDeleted { chat_id: chat, message_id: id });
    }
    Ok(json!(true).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_cut_like_telegram_does() {
        assert_eq!(clean_name("  Anfragen\nvon Mitgliedern  "), "Anfragen von Mitgliedern");
        assert_eq!(clean_name(&"ä".repeat(130)).chars().count(), 128);
        assert_eq!(clean_name(" \t "), "");
    }

    #[test]
    fn emoji_ids_are_numbers() {
        assert_eq!(emoji_id("5312536423851630001").as_deref(), Some("5312536423851630001"));
        assert_eq!(emoji_id(""), None);
        assert_eq!(emoji_id("0"), None);
        assert_eq!(emoji_id("smile"), None);
    }
}

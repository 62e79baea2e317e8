//! Dispatch of Bot API methods, and the methods about the bot itself, chats
//! and members.

use std::time::Instant;

use serde_json::{Map, Value, json};

use crate::{
    error::{Reply, TgError, TgResult},
    forum,
    params::{BOT_API_METHODS, P},
    send::{self, check_can_send, resolve_chat},
    state::{MemberStatus, State, rights_from, user_value},
    types::{TgChatKind, UploadedFile},
    updates,
};

/// Methods that put new messages into a chat: they are subject to flood
/// limits, injected 5xx failures and the chat's blocked/kicked state.
const SEND_METHODS: &[&str] = &[
    "sendmessage",
    "sendphoto",
    "senddocument",
    "sendaudio",
    "sendvideo",
    "sendanimation",
    "sendvoice",
    "sendvideonote",
    "sendsticker",
    "sendlocation",
    "sendvenue",
    "sendcontact",
    "senddice",
    "sendmediagroup",
    "forwardmessage",
    "forwardmessages",
    "copymessage",
    "copymessages",
];

const OTHER_METHODS: &[&str] = &[
    "getme",
    "logout",
    "close",
    "getupdates",
    "setwebhook",
    "deletewebhook",
    "getwebhookinfo",
    "setmycommands",
    "getmycommands",
    "deletemycommands",
    "setmyname",
    "getmyname",
    "setmydescription",
    "getmydescription",
    "setmyshortdescription",
    "getmyshortdescription",
    "setchatmenubutton",
    "getchatmenubutton",
    "setmydefaultadministratorrights",
    "getmydefaultadministratorrights",
    "sendchataction",
    "editmessagetext",
    "editmessagecaption",
    "editmessagereplymarkup",
    "deletemessage",
    "deletemessages",
    "answercallbackquery",
    "getchat",
    "getchatmember",
    "getchatadministrators",
    "getchatmembercount",
    "leavechat",
    "banchatmember",
    "unbanchatmember",
    "restrictchatmember",
    "promotechatmember",
    "pinchatmessage",
    "unpinchatmessage",
    "unpinallchatmessages",
    "setmessagereaction",
    "getfile",
    "createforumtopic",
    "editforumtopic",
    "closeforumtopic",
    "reopenforumtopic",
    "deleteforumtopic",
];

pub(crate) enum Kind {
    Implemented,
    /// A real Bot API method the fake does not answer.
    NotImplemented,
    Unknown,
}

pub(crate) fn classify(method: &str) -> Kind {
    if SEND_METHODS.contains(&method) || OTHER_METHODS.contains(&method) {
        Kind::Implemented
    } else if BOT_API_METHODS.contains(&method) {
        Kind::NotImplemented
    } else {
        Kind::Unknown
    }
}

pub(crate) fn is_send(method: &str) -> bool {
    SEND_METHODS.contains(&method)
}

/// Answers every implemented method except getUpdates, which waits.
pub(crate) fn call(
    st: &mut State,
    method: &str,
    map: &Map<String, Value>,
    files: &[UploadedFile],
    at: Instant,
) -> TgResult<Reply> {
    let p = P(map);
    if is_send(method) {
        if st.chaos.hit() {
            return Err(TgError::bad_gateway());
        }
        let chat = resolve_chat(st, &p, "chat_id")?;
        check_can_send(st, chat)?;
        let is_group = st.chat_kind(chat).is_some_and(TgChatKind::is_group);
        let paid = p.bool("allow_paid_broadcast")?;
        if let Err(secs) = st.limiter.check(chat, is_group, paid, at) {
            return Err(TgError::too_many(secs));
        }
        let reply = match method {
            "sendmessage" => send::send_message(st, chat, &p, at),
            "sendphoto" => send::send_media(st, chat, "photo", &p, files, at),
            "senddocument" => send::send_media(st, chat, "document", &p, files, at),
            "sendaudio" => send::send_media(st, chat, "audio", &p, files, at),
            "sendvideo" => send::send_media(st, chat, "video", &p, files, at),
            "sendanimation" => send::send_media(st, chat, "animation", &p, files, at),
            "sendvoice" => send::send_media(st, chat, "voice", &p, files, at),
            "sendvideonote" => send::send_media(st, chat, "video_note", &p, files, at),
            "sendsticker" => send::send_media(st, chat, "sticker", &p, files, at),
            "sendlocation" => send::send_location(st, chat, &p, at),
            "sendvenue" => send::send_venue(st, chat, &p, at),
            "sendcontact" => send::send_contact(st, chat, &p, at),
            "senddice" => send::send_dice(st, chat, &p, at),
            "sendmediagroup" => send::send_media_group(st, chat, &p, files, at),
            "forwardmessage" => send::forward_message(st, chat, &p, at),
            "forwardmessages" => send::forward_messages(st, chat, &p, at),
            "copymessage" => send::copy_message(st, chat, &p, at),
            _ => send::copy_messages(st, chat, &p, at),
        }?;
        st.limiter.commit(chat, is_group, at);
        return Ok(reply);
    }
    match method {
        "getme" => Ok(me_json(st).into()),
        "logout" | "close" => Ok(json!(true).into()),
        "setwebhook" => updates::set_webhook(st, &p),
        "deletewebhook" => updates::delete_webhook(st, &p),
        "getwebhookinfo" => Ok(updates::webhook_info(st).into()),
        "setmycommands" => set_my_commands(st, &p),
        "getmycommands" => get_my_commands(st, &p),
        "deletemycommands" => delete_my_commands(st, &p),
        "setmyname" => set_bot_text(st, &p, "name"),
        "getmyname" => get_bot_text(st, &p, "name"),
        "setmydescription" => set_bot_text(st, &p, "description"),
        "getmydescription" => get_bot_text(st, &p, "description"),
        "setmyshortdescription" => set_bot_text(st, &p, "short_description"),
        "getmyshortdescription" => get_bot_text(st, &p, "short_description"),
        "setchatmenubutton" => set_menu_button(st, &p),
        "getchatmenubutton" => get_menu_button(st, &p),
        "setmydefaultadministratorrights" => set_admin_rights(st, &p),
        "getmydefaultadministratorrights" => get_admin_rights(st, &p),
        "sendchataction" => {
            let chat = resolve_chat(st, &p, "chat_id")?;
            check_can_send(st, chat)?;
            send::send_chat_action(st, chat, &p)
        }
        "editmessagetext" => send::edit_message_text(st, &p),
        "editmessagecaption" => send::edit_message_caption(st, &p),
        "editmessagereplymarkup" => send::edit_message_reply_markup(st, &p),
        "deletemessage" => send::delete_message(st, &p),
        "deletemessages" => send::delete_messages(st, &p),
        "answercallbackquery" => send::answer_callback_query(st, &p),
        "getchat" => get_chat(st, &p),
        "getchatmember" => get_chat_member(st, &p),
        "getchatadministrators" => get_chat_administrators(st, &p),
        "getchatmembercount" => get_chat_member_count(st, &p),
        "leavechat" => leave_chat(st, &p),
        "banchatmember" => change_member(st, &p, MemberChange::Ban),
        "unbanchatmember" => change_member(st, &p, MemberChange::Unban),
        "restrictchatmember" => change_member(st, &p, MemberChange::Restrict),
        "promotechatmember" => change_member(st, &p, MemberChange::Promote),
        "pinchatmessage" | "unpinchatmessage" | "unpinallchatmessages" | "setmessagereaction" => {
            resolve_chat(st, &p, "chat_id")?;
            Ok(json!(true).into())
        }
        "getfile" => send::get_file(st, &p),
        "createforumtopic" => forum::create_forum_topic(st, &p),
        "editforumtopic" => forum::edit_forum_topic(st, &p),
        "closeforumtopic" => forum::close_forum_topic(st, &p, true),
        "reopenforumtopic" => forum::close_forum_topic(st, &p, false),
        "deleteforumtopic" => forum::delete_forum_topic(st, &p),
        _ => Err(TgError::not_found()),
    }
}

pub(crate) fn me_json(st: &State) -> Value {
    let mut v = user_value(&st.bot);
    if let Some(o) = v.as_object_mut() {
        o.insert("can_join_groups".into(), json!(true));
        o.insert("can_read_all_group_messages".into(), json!(false));
        o.insert("supports_inline_queries".into(), json!(false));
        o.insert("can_connect_to_business".into(), json!(false));
        o.insert("has_main_web_app".into(), json!(false));
        o.insert("has_topics_enabled".into(), json!(false));
        o.insert("allows_users_to_create_topics".into(), json!(false));
        o.insert("can_manage_bots".into(), json!(false));
        o.insert("supports_guest_queries".into(), json!(false));
        o.insert("supports_join_request_queries".into(), json!(false));
    }
    v
}

fn get_chat(st: &mut State, p: &P) -> TgResult<Reply> {
    let chat = resolve_chat(st, p, "chat_id")?;
    let mut v = st.chat_json(chat);
    if let Some(o) = v.as_object_mut() {
        o.insert("accent_color_id".into(), json!(0));
        o.insert("max_reaction_count".into(), json!(11));
        o.insert(
            "accepted_gift_types".into(),
            json!({
                "unlimited_gifts": false,
                "limited_gifts": false,
                "unique_gifts": false,
                "premium_subscription": false,
                "gifts_from_channels": false,
            }),
        );
    }
    Ok(v.into())
}

fn user_param(st: &State, p: &P) -> TgResult<i64> {
    let user = p.i64("user_id")?.ok_or_else(|| TgError::empty("user_id"))?;
    if !st.knows_user(user) {
        return Err(TgError::bad_static("Bad Request: user not found"));
    }
    Ok(user)
}

fn get_chat_member(st: &mut State, p: &P) -> TgResult<Reply> {
    let chat = resolve_chat(st, p, "chat_id")?;
    let user = user_param(st, p)?;
    let status = st.member_status(chat, user);
    Ok(st.member_json(chat, user, status).into())
}

fn get_chat_administrators(st: &mut State, p: &P) -> TgResult<Reply> {
    let chat = resolve_chat(st, p, "chat_id")?;
    if st.chat_kind(chat) == Some(TgChatKind::Private) {
        return Err(TgError::bad("there are no administrators in the private chat"));
    }
    let mut admins: Vec<(MemberStatus, i64)> = st
        .members
        .iter()
        .filter(|((c, _), s)| *c == chat && matches!(s, MemberStatus::Creator | MemberStatus::Administrator))
        .map(|((_, u), s)| (*s, *u))
        .collect();
    // Creator first, then by id, so answers are stable.
    admins.sort_by_key(|(s, u)| (*s != MemberStatus::Creator, *u));
    let list: Vec<Value> = admins.into_iter().map(|(s, u)| st.member_json(chat, u, s)).collect();
    Ok(Value::Array(list).into())
}

fn get_chat_member_count(st: &mut State, p: &P) -> TgResult<Reply> {
    let chat = resolve_chat(st, p, "chat_id")?;
    if st.chat_kind(chat) == Some(TgChatKind::Private) {
        return Ok(json!(2).into());
    }
    let mut count = st.members.iter().filter(|((c, _), s)| *c == chat && s.is_present()).count();
    if !st.members.contains_key(&(chat, st.bot.id)) {
        count += 1;
    }
    Ok(json!(count.max(1)).into())
}

fn leave_chat(st: &mut State, p: &P) -> TgResult<Reply> {
    let chat = resolve_chat(st, p, "chat_id")?;
    if st.chat_kind(chat) == Some(TgChatKind::Private) {
        return Err(TgError::bad("chat member status can't be changed in private chats"));
    }
    let bot = st.bot.id;
    st.members.insert((chat, bot), MemberStatus::Left);
    Ok(json!(true).into())
}

enum MemberChange {
    Ban,
    Unban,
    Restrict,
    Promote,
}

fn change_member(st: &mut State, p: &P, change: MemberChange) -> TgResult<Reply> {
    let chat = resolve_chat(st, p, "chat_id")?;
    if st.chat_kind(chat) == Some(TgChatKind::Private) {
        return Err(TgError::bad_static("Bad Request: method is available only for supergroups and channel"));
    }
    let user = user_param(st, p)?;
    let current = st.member_status(chat, user);
    if current == MemberStatus::Creator {
        return Err(TgError::bad_static("Bad Request: can't demote chat creator"));
    }
    let next = match change {
        MemberChange::Ban => MemberStatus::Kicked,
        MemberChange::Unban => {
            if current != MemberStatus::Kicked {
                return Ok(json!(true).into());
            }
            MemberStatus::Left
        }
        MemberChange::Restrict => MemberStatus::Restricted,
        MemberChange::Promote => {
            // Telegram promotes with the rights given and demotes when none is.
            let rights = rights_from(|name| p.bool(name))?;
            let any_right = p.0.keys().any(|k| k.starts_with("can_") && p.bool(k).unwrap_or(false));
            if any_right {
                st.rights.insert((chat, user), rights);
                MemberStatus::Administrator
            } else {
                st.rights.remove(&(chat, user));
                MemberStatus::Member
            }
        }
    };
    st.members.insert((chat, user), next);
    Ok(json!(true).into())
}

// ----- commands and profile ------------------------------------------------------

const SCOPES: &[&str] = &[
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
];

pub(crate) fn scope_key(p: &P) -> TgResult<String> {
    let Some(scope) = p.object("scope")? else {
        return Ok("default".into());
    };
    let sp = P(scope);
    let kind = sp.str("type")?.unwrap_or("default".into());
    if !SCOPES.contains(&kind.as_ref()) {
        return Err(TgError::bad("wrong bot command scope type specified"));
    }
    let mut key = kind.into_owned();
    if let Some(c) = sp.str("chat_id")? {
        key.push(':');
        key.push_str(&c);
    }
    if let Some(u) = sp.i64("user_id")? {
        key.push(':');
        key.push_str(&u.to_string());
    }
    Ok(key)
}

fn lang_param(p: &P) -> TgResult<String> {
    Ok(p.str("language_code")?.map(|s| s.into_owned()).unwrap_or_default())
}

fn set_my_commands(st: &mut State, p: &P) -> TgResult<Reply> {
    let commands = p.array("commands")?.ok_or_else(|| TgError::empty("commands"))?;
    if commands.len() > 100 {
        return Err(TgError::bad("too many commands specified"));
    }
    let mut list = Vec::with_capacity(commands.len());
    for c in commands {
        let command = c.get("command").and_then(Value::as_str).unwrap_or("");
        let description = c.get("description").and_then(Value::as_str).unwrap_or("");
        let command_ok = (1..=32).contains(&command.len())
            && command.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !command_ok {
            return Err(TgError::bad_static("Bad Request: BOT_COMMAND_INVALID"));
        }
        let desc_len = description.chars().count();
        if !(1..=256).contains(&desc_len) {
            return Err(TgError::bad_static("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"));
        }
        list.push((command.to_owned(), description.to_owned()));
    }
    let key = (scope_key(p)?, lang_param(p)?);
    if list.is_empty() {
        st.commands.remove(&key);
    } else {
        st.commands.insert(key, list);
    }
    Ok(json!(true).into())
}

fn get_my_commands(st: &mut State, p: &P) -> TgResult<Reply> {
    let key = (scope_key(p)?, lang_param(p)?);
    let list: Vec<Value> = st
        .commands
        .get(&key)
        .map(|l| l.iter().map(|(c, d)| json!({"command": c, "description": d})).collect())
        .unwrap_or_default();
    Ok(Value::Array(list).into())
}

fn delete_my_commands(st: &mut State, p: &P) -> TgResult<Reply> {
    let key = (scope_key(p)?, lang_param(p)?);
    st.commands.remove(&key);
    Ok(json!(true).into())
}

fn set_bot_text(st: &mut State, p: &P, field: &'static str) -> TgResult<Reply> {
    let max = match field {
        "name" => 64,
        "description" => 512,
        _ => 120,
    };
    let text = p.str(field)?.map(|s| s.into_owned()).unwrap_or_default();
    if text.chars().count() > max {
        return Err(TgError::bad(&format!("{field} is too long")));
    }
    let key = (field, lang_param(p)?);
    if text.is_empty() {
        st.bot_texts.remove(&key);
    } else {
        st.bot_texts.insert(key, text);
    }
    Ok(json!(true).into())
}

fn get_bot_text(st: &mut State, p: &P, field: &'static str) -> TgResult<Reply> {
    let lang = lang_param(p)?;
    let text = st
        .bot_texts
        .get(&(field, lang))
        .or_else(|| st.bot_texts.get(&(field, String::new())))
        .cloned()
        .unwrap_or_else(|| if field == "name" { st.bot.first_name.clone() } else { String::new() });
    Ok(json!({ field: text }).into())
}

fn menu_chat(st: &State, p: &P) -> TgResult<i64> {
    if p.has("chat_id") { resolve_chat(st, p, "chat_id") } else { Ok(0) }
}

fn set_menu_button(st: &mut State, p: &P) -> TgResult<Reply> {
    let chat = menu_chat(st, p)?;
    match p.object("menu_button")? {
        Some(b) => {
            st.menu_buttons.insert(chat, Value::Object(b.clone()));
        }
        None => {
            st.menu_buttons.remove(&chat);
        }
    }
    Ok(json!(true).into())
}

fn get_menu_button(st: &mut State, p: &P) -> TgResult<Reply> {
    let chat = menu_chat(st, p)?;
    let b = st
        .menu_buttons
        .get(&chat)
        .or_else(|| st.menu_buttons.get(&0))
        .cloned()
        .unwrap_or_else(|| json!({"type": "commands"}));
    Ok(b.into())
}

fn set_admin_rights(st: &mut State, p: &P) -> TgResult<Reply> {
    let idx = usize::from(p.bool("for_channels")?);
    st.admin_rights[idx] = p.object("rights")?.map(|r| Value::Object(r.clone()));
    Ok(json!(true).into())
}

fn get_admin_rights(st: &mut State, p: &P) -> TgResult<Reply> {
    let idx = usize::from(p.bool("for_channels")?);
    let rights = st.admin_rights[idx].clone().unwrap_or_else(|| {
        json!({
            "is_anonymous": false,
            "can_manage_chat": false,
            "can_delete_messages": false,
            "can_manage_video_chats": false,
            "can_restrict_members": false,
            "can_promote_members": false,
            "can_change_info": false,
            "can_invite_users": false,
            "can_post_stories": false,
            "can_edit_stories": false,
            "can_delete_stories": false,
        })
    });
    Ok(rights.into())
}

//! Methods that create, change or remove messages, with Telegram's checks and
//! error texts.

use std::time::Instant;

use axum::body::Bytes;
use serde_json::{Map, Value, json};

use crate::{
    entities::utf16_len,
    error::{Reply, TgError, TgResult},
    forum,
    params::{P, num, value_i64},
    state::{FileRecord, MemberStatus, NewMessage, SendBlock, Sender, State, is_empty_inline, unix_now},
    types::{FakeEvent, TgChatKind, UploadedFile},
};

const MAX_TEXT: usize = 4096;
const MAX_CAPTION: usize = 1024;
const MAX_CALLBACK_DATA: usize = 64;

/// Fields that make up a message's content, copied by copyMessage and
/// forwardMessage.
const CONTENT_FIELDS: &[&str] = &[
    "text",
    "entities",
    "link_preview_options",
    "animation",
    "audio",
    "document",
    "photo",
    "sticker",
    "video",
    "video_note",
    "voice",
    "caption",
    "caption_entities",
    "show_caption_above_media",
    "has_media_spoiler",
    "contact",
    "dice",
    "location",
    "venue",
    "poll",
];

const CAPTIONED: &[&str] = &["photo", "video", "document", "audio", "animation", "voice"];

/// Resolves a chat parameter the way Telegram does: numeric id or
/// `@username`, unknown chats and migrated groups answered with errors.
pub(crate) fn resolve_chat(st: &State, p: &P, name: &str) -> TgResult<i64> {
    let id = match p.get(name) {
        None => return Err(TgError::empty(name)),
        Some(Value::Number(n)) => n.as_i64().ok_or_else(TgError::chat_not_found)?,
        Some(Value::String(s)) => {
            let s = s.trim();
            if let Ok(i) = s.parse::<i64>() {
                i
            } else if let Some(u) = s.strip_prefix('@') {
                *st.usernames.get(&u.to_ascii_lowercase()).ok_or_else(TgError::chat_not_found)?
            } else {
                return Err(TgError::chat_not_found());
            }
        }
        Some(_) => return Err(TgError::chat_not_found()),
    };
    if let Some(&to) = st.migrations.get(&id) {
        return Err(TgError::migrated(to));
    }
    if !st.chats.contains_key(&id) {
        return Err(TgError::chat_not_found());
    }
    Ok(id)
}

/// Whether the bot may write into the chat at all.
pub(crate) fn check_can_send(st: &State, chat: i64) -> TgResult<()> {
    match st.blocks.get(&chat) {
        Some(SendBlock::Blocked) => {
            return Err(TgError::forbidden("Forbidden: bot was blocked by the user"));
        }
        Some(SendBlock::Deactivated) => {
            return Err(TgError::forbidden("Forbidden: user is deactivated"));
        }
        Some(SendBlock::Custom(e)) => return Err(e.clone()),
        None => {}
    }
    let kind = st.chat_kind(chat).unwrap_or(TgChatKind::Private);
    let status = st.members.get(&(chat, st.bot.id)).copied();
    let text = match (kind, status) {
        (TgChatKind::Private, _) => return Ok(()),
        (TgChatKind::Group, Some(MemberStatus::Kicked)) => "Forbidden: bot was kicked from the group chat",
        (TgChatKind::Supergroup, Some(MemberStatus::Kicked)) => "Forbidden: bot was kicked from the supergroup chat",
        (TgChatKind::Channel, Some(MemberStatus::Kicked)) => "Forbidden: bot was kicked from the channel chat",
        (TgChatKind::Group, Some(MemberStatus::Left)) => "Forbidden: bot is not a member of the group chat",
        (TgChatKind::Supergroup, Some(MemberStatus::Left)) => "Forbidden: bot is not a member of the supergroup chat",
        (TgChatKind::Channel, Some(MemberStatus::Left)) => "Forbidden: bot is not a member of the channel chat",
        _ => return Ok(()),
    };
    Err(TgError::forbidden(text))
}

/// Checks a keyboard like Telegram does before accepting a message.
pub(crate) fn validate_markup(v: &Value) -> TgResult<Value> {
    let bad_markup = || TgError::bad("can't parse reply keyboard markup JSON object");
    let Value::Object(m) = v else {
        return Err(bad_markup());
    };
    if let Some(rows) = m.get("inline_keyboard") {
        let rows = rows.as_array().ok_or_else(|| TgError::bad("field \"inline_keyboard\" must be an Array"))?;
        for row in rows {
            let row =
                row.as_array().ok_or_else(|| TgError::bad("field \"inline_keyboard\" must be an Array of Arrays"))?;
            for button in row {
                validate_inline_button(button)?;
            }
        }
        return Ok(v.clone());
    }
    if let Some(rows) = m.get("keyboard") {
        let ok = rows.as_array().is_some_and(|rows| rows.iter().all(Value::is_array));
        return if ok { Ok(v.clone()) } else { Err(bad_markup()) };
    }
    if m.contains_key("remove_keyboard") || m.contains_key("force_reply") {
        return Ok(v.clone());
    }
    Err(bad_markup())
}

fn validate_inline_button(b: &Value) -> TgResult<()> {
    const ACTIONS: &[&str] = &[
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    ];
    let Some(o) = b.as_object() else {
        return Err(TgError::bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object"));
    };
    if !o.get("text").is_some_and(Value::is_string) {
        return Err(TgError::bad("can't parse inline keyboard button: Text must be non-empty"));
    }
    if !ACTIONS.iter().any(|a| o.contains_key(*a)) {
        return Err(TgError::bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ));
    }
    if let Some(data) = o.get("callback_data") {
        let len = data.as_str().map(str::len).unwrap_or(0);
        if len == 0 || len > MAX_CALLBACK_DATA {
            return Err(TgError::bad_static("Bad Request: BUTTON_DATA_INVALID"));
        }
    }
    if let Some(url) = o.get("url") {
        let ok = url.as_str().is_some_and(|u| {
            let u = u.trim();
            u.split_once("://").is_some_and(|(scheme, rest)| !scheme.is_empty() && !rest.is_empty())
        });
        if !ok {
            return Err(TgError::bad_static("Bad Request: BUTTON_URL_INVALID"));
        }
    }
    Ok(())
}

/// Options shared by the send methods.
struct SendOpts {
    markup: Option<Value>,
    reply_to: Option<i64>,
    /// The forum topic the message lands in.
    thread: Option<i64>,
    extra: Map<String, Value>,
}

fn send_opts(st: &State, chat: i64, p: &P, text_message: bool) -> TgResult<SendOpts> {
    let markup = match p.get("reply_markup") {
        None => None,
        Some(v) => Some(validate_markup(v)?),
    };
    let mut reply_id = None;
    let mut reply_chat = chat;
    let mut without_reply = p.bool("allow_sending_without_reply")?;
    if let Some(rp) = p.object("reply_parameters")? {
        let rp = P(rp);
        reply_id = Some(rp.i64("message_id")?.ok_or_else(|| TgError::bad("message to be replied not found"))?);
        if let Some(c) = rp.get("chat_id") {
            reply_chat = value_i64(c).unwrap_or(chat);
        }
        without_reply |= rp.bool("allow_sending_without_reply")?;
    } else if let Some(id) = p.i64("reply_to_message_id")? {
        reply_id = Some(id);
    }
    let mut reply_to = None;
    let mut replied_thread = None;
    if let Some(id) = reply_id {
        let target = st.find_message(reply_chat, id).filter(|m| !m.deleted);
        let unknowable = !st.keep_history && id >= 1 && id <= st.last_message_id(reply_chat);
        if let Some(target) = target.filter(|_| reply_chat == chat) {
            reply_to = Some(id);
            replied_thread = target.thread;
        } else if !(target.is_some() || unknowable || without_reply) {
            return Err(TgError::bad_static("Bad Request: message to be replied not found"));
        }
    }
    let thread = forum::send_thread(st, chat, p, replied_thread)?;
    let mut extra = Map::new();
    if text_message {
        if let Some(lp) = p.object("link_preview_options")? {
            extra.insert("link_preview_options".into(), Value::Object(lp.clone()));
        } else if p.bool("disable_web_page_preview")? {
            extra.insert("link_preview_options".into(), json!({"is_disabled": true}));
        }
    }
    if p.bool("protect_content")? {
        extra.insert("has_protected_content".into(), json!(true));
    }
    if let Some(e) = p.str("message_effect_id")? {
        extra.insert("effect_id".into(), json!(e));
    }
    Ok(SendOpts { markup, reply_to, thread, extra })
}

fn deliver(st: &mut State, chat: i64, id: i64, at: Instant) {
    st.deliveries.push((chat, id, at));
    st.emit(FakeEvent::MessageSent { chat_id: chat, message_id: id });
}

fn finish(
    st: &mut State,
    chat: i64,
    content: Map<String, Value>,
    opts: SendOpts,
    file_bytes: Option<Bytes>,
    at: Instant,
) -> Value {
    let mut new = NewMessage::new(chat, Sender::Bot, content);
    new.markup = opts.markup;
    new.reply_to = opts.reply_to;
    new.thread = opts.thread;
    new.extra = opts.extra;
    new.file_bytes = file_bytes;
    let (id, json) = st.create_message(new);
    deliver(st, chat, id, at);
    json
}

pub(crate) fn send_message(st: &mut State, chat: i64, p: &P, at: Instant) -> TgResult<Reply> {
    let raw = p.str("text")?.unwrap_or_default();
    if raw.trim().is_empty() {
        return Err(TgError::bad_static("Bad Request: message text is empty"));
    }
    let mode = p.str("parse_mode")?;
    let (text, ents) = st.format_text(&raw, mode.as_deref(), p.array("entities")?)?;
    if text.is_empty() {
        return Err(TgError::bad_static("Bad Request: message text is empty"));
    }
    if utf16_len(&text) > MAX_TEXT {
        return Err(TgError::bad_static("Bad Request: message is too long"));
    }
    let opts = send_opts(st, chat, p, true)?;
    let mut content = Map::new();
    content.insert("text".into(), json!(text));
    if !ents.is_empty() {
        content.insert("entities".into(), Value::Array(ents));
    }
    Ok(finish(st, chat, content, opts, None, at).into())
}

/// Caption and caption_entities of a media message.
fn caption_fields(st: &State, p: &P, content: &mut Map<String, Value>) -> TgResult<()> {
    let Some(raw) = p.str("caption")? else {
        return Ok(());
    };
    let mode = p.str("parse_mode")?;
    let (caption, ents) = st.format_text(&raw, mode.as_deref(), p.array("caption_entities")?)?;
    if utf16_len(&caption) > MAX_CAPTION {
        return Err(TgError::bad_static("Bad Request: message caption is too long"));
    }
    if !caption.is_empty() {
        content.insert("caption".into(), json!(caption));
        if !ents.is_empty() {
            content.insert("caption_entities".into(), Value::Array(ents));
        }
    }
    if p.bool("show_caption_above_media")? {
        content.insert("show_caption_above_media".into(), json!(true));
    }
    Ok(())
}

fn file_prefix(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "photo" => ("AgACAgIAAxkDAAI", "photos"),
        "video" => ("BAACAgIAAxkDAAI", "videos"),
        "audio" => ("CQACAgIAAxkDAAI", "music"),
        "voice" => ("AwACAgIAAxkDAAI", "voice"),
        "animation" => ("CgACAgIAAxkDAAI", "animations"),
        "video_note" => ("DQACAgIAAxkDAAI", "video_notes"),
        "sticker" => ("CAACAgIAAxkDAAI", "stickers"),
        _ => ("BQACAgIAAxkDAAI", "documents"),
    }
}

fn guess_mime(file_name: &str) -> Option<&'static str> {
    let ext = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" => "text/plain",
        "csv" => "text/csv",
        "pdf" => "application/pdf",
        "json" => "application/json",
        "zip" => "application/zip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" => "audio/ogg",
        "ics" => "text/calendar",
        _ => return None,
    })
}

/// A file arriving with a request: its name, type and (for uploads) bytes.
pub(crate) struct Incoming {
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    pub bytes: Option<Bytes>,
}

/// Registers a new file and returns the value of the message field for it.
pub(crate) fn register_file(st: &mut State, kind: &'static str, file: Incoming, p: &P) -> TgResult<Value> {
    let n = st.next_file;
    st.next_file += 1;
    let (prefix, dir) = file_prefix(kind);
    let file_id = format!("{prefix}{n:08X}Basis");
    let unique_id = format!("AQAD{n:08X}");
    let size = file.bytes.as_ref().map(Bytes::len);
    let mime = file.mime_type.clone().or_else(|| file.file_name.as_deref().and_then(guess_mime).map(str::to_owned));
    let int = |name: &str, default: i64| -> TgResult<i64> { Ok(p.i64(name)?.unwrap_or(default)) };
    let mut obj = Map::new();
    obj.insert("file_id".into(), json!(file_id));
    obj.insert("file_unique_id".into(), json!(unique_id));
    let mut with_name = false;
    match kind {
        "photo" => {}
        "video" | "animation" => {
            obj.insert("width".into(), num(int("width", 1280)?));
            obj.insert("height".into(), num(int("height", 720)?));
            obj.insert("duration".into(), num(int("duration", 1)?));
            with_name = true;
        }
        "audio" => {
            obj.insert("duration".into(), num(int("duration", 1)?));
            if let Some(v) = p.str("performer")? {
                obj.insert("performer".into(), json!(v));
            }
            if let Some(v) = p.str("title")? {
                obj.insert("title".into(), json!(v));
            }
            with_name = true;
        }
        "voice" => {
            obj.insert("duration".into(), num(int("duration", 1)?));
        }
        "video_note" => {
            obj.insert("length".into(), num(int("length", 240)?));
            obj.insert("duration".into(), num(int("duration", 1)?));
        }
        "sticker" => {
            obj.insert("type".into(), json!("regular"));
            obj.insert("width".into(), json!(512));
            obj.insert("height".into(), json!(512));
            obj.insert("is_animated".into(), json!(false));
            obj.insert("is_video".into(), json!(false));
        }
        _ => with_name = true,
    }
    if with_name && let Some(name) = &file.file_name {
        obj.insert("file_name".into(), json!(name));
    }
    if kind != "photo"
        && kind != "sticker"
        && let Some(m) = &mime
    {
        obj.insert("mime_type".into(), json!(m));
    }
    if let Some(s) = size {
        obj.insert("file_size".into(), json!(s));
    }
    let bytes = if st.keep_history { file.bytes } else { None };
    let ext = file
        .file_name
        .as_deref()
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, e)| e.to_owned())
        .unwrap_or_else(|| if kind == "photo" { "jpg".into() } else { "bin".into() });
    let media = if kind == "photo" {
        // Telegram sends several sizes; bots usually take the last, largest.
        let sizes = [(90u32, 90u32), (320, 320), (800, 800)];
        let mut arr = Vec::new();
        for (i, (w, h)) in sizes.iter().enumerate() {
            let mut s = Map::new();
            s.insert("file_id".into(), json!(format!("{file_id}{i}")));
            s.insert("file_unique_id".into(), json!(format!("{unique_id}{i}")));
            s.insert("width".into(), json!(w));
            s.insert("height".into(), json!(h));
            if let Some(size) = size {
                s.insert("file_size".into(), json!(size / (3 - i)));
            }
            arr.push(Value::Object(s));
        }
        Value::Array(arr)
    } else {
        Value::Object(obj)
    };
    let ids: Vec<String> =
        if kind == "photo" { (0..3).map(|i| format!("{file_id}{i}")).collect() } else { vec![file_id] };
    for (i, id) in ids.into_iter().enumerate() {
        let path = format!("{dir}/file_{n}_{i}.{ext}");
        st.file_paths.insert(path.clone(), id.clone());
        st.files.insert(
            id.clone(),
            FileRecord {
                file_id: id,
                unique_id: format!("{unique_id}{i}"),
                size,
                bytes: bytes.clone(),
                path,
                kind,
                media: media.clone(),
            },
        );
    }
    Ok(media)
}

fn file_by_part<'f>(files: &'f [UploadedFile], part: &str) -> Option<&'f UploadedFile> {
    files.iter().find(|f| f.part_name == part)
}

/// Resolves an "InputFile or String" value: upload, URL or file id.
pub(crate) fn input_file(
    st: &mut State,
    kind: &'static str,
    value: Option<&Value>,
    field: &str,
    files: &[UploadedFile],
    p: &P,
) -> TgResult<(Value, Option<Bytes>)> {
    let wrong = || TgError::bad_static("Bad Request: wrong file identifier/HTTP URL specified");
    let upload = match value {
        None => {
            file_by_part(files, field).ok_or_else(|| TgError::bad(&format!("there is no {field} in the request")))?
        }
        Some(Value::String(s)) => {
            let s = s.trim();
            if let Some(part) = s.strip_prefix("attach://") {
                file_by_part(files, part).ok_or_else(wrong)?
            } else if s.starts_with("http://") || s.starts_with("https://") {
                let name = s.rsplit('/').next().filter(|n| !n.is_empty()).map(str::to_owned);
                let media = register_file(st, kind, Incoming { file_name: name, mime_type: None, bytes: None }, p)?;
                return Ok((media, None));
            } else if s.is_empty() {
                return Err(TgError::bad(&format!("there is no {field} in the request")));
            } else {
                let rec = st.files.get(s).ok_or_else(wrong)?;
                if rec.kind != kind && !(rec.kind == "animation" && kind == "document") {
                    return Err(TgError::bad(&format!(
                        "can't use file of type {} as {}",
                        type_name(rec.kind),
                        type_name(kind)
                    )));
                }
                return Ok((rec.media.clone(), rec.bytes.clone()));
            }
        }
        Some(_) => return Err(wrong()),
    };
    let bytes = upload.bytes.clone();
    let media = register_file(
        st,
        kind,
        Incoming {
            file_name: upload.file_name.clone(),
            mime_type: upload.content_type.clone(),
            bytes: Some(bytes.clone()),
        },
        p,
    )?;
    let keep = st.keep_history.then_some(bytes);
    Ok((media, keep))
}

fn type_name(kind: &str) -> String {
    let mut out = String::new();
    for part in kind.split('_') {
        let mut cs = part.chars();
        if let Some(f) = cs.next() {
            out.extend(f.to_uppercase());
            out.push_str(cs.as_str());
        }
    }
    out
}

pub(crate) fn send_media(
    st: &mut State,
    chat: i64,
    kind: &'static str,
    p: &P,
    files: &[UploadedFile],
    at: Instant,
) -> TgResult<Reply> {
    let opts = send_opts(st, chat, p, false)?;
    let mut content = Map::new();
    if kind != "sticker" && kind != "video_note" {
        caption_fields(st, p, &mut content)?;
    }
    if p.bool("has_spoiler")? {
        content.insert("has_media_spoiler".into(), json!(true));
    }
    let (media, bytes) = input_file(st, kind, p.get(kind), kind, files, p)?;
    if kind == "animation" {
        // Telegram duplicates animations into `document` for old clients.
        content.insert("document".into(), media.clone());
    }
    content.insert(kind.into(), media);
    Ok(finish(st, chat, content, opts, bytes, at).into())
}

fn location_value(p: &P) -> TgResult<Value> {
    let lat = p.f64("latitude")?.ok_or_else(|| TgError::empty("latitude"))?;
    let lon = p.f64("longitude")?.ok_or_else(|| TgError::empty("longitude"))?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(TgError::bad_static("Bad Request: invalid location"));
    }
    let mut loc = Map::new();
    loc.insert("latitude".into(), json!(lat));
    loc.insert("longitude".into(), json!(lon));
    if let Some(a) = p.f64("horizontal_accuracy")? {
        loc.insert("horizontal_accuracy".into(), json!(a));
    }
    for k in ["live_period", "heading", "proximity_alert_radius"] {
        if let Some(v) = p.i64(k)? {
            loc.insert(k.into(), num(v));
        }
    }
    Ok(Value::Object(loc))
}

pub(crate) fn send_location(st: &mut State, chat: i64, p: &P, at: Instant) -> TgResult<Reply> {
    let loc = location_value(p)?;
    let opts = send_opts(st, chat, p, false)?;
    let mut content = Map::new();
    content.insert("location".into(), loc);
    Ok(finish(st, chat, content, opts, None, at).into())
}

pub(crate) fn send_venue(st: &mut State, chat: i64, p: &P, at: Instant) -> TgResult<Reply> {
    let loc = location_value(p)?;
    let title = p.req_str("title")?;
    let address = p.req_str("address")?;
    let opts = send_opts(st, chat, p, false)?;
    let mut venue = Map::new();
    venue.insert("location".into(), loc.clone());
    venue.insert("title".into(), json!(title));
    venue.insert("address".into(), json!(address));
    for k in ["foursquare_id", "foursquare_type", "google_place_id", "google_place_type"] {
        if let Some(v) = p.str(k)? {
            venue.insert(k.into(), json!(v));
        }
    }
    let mut content = Map::new();
    content.insert("venue".into(), Value::Object(venue));
    content.insert("location".into(), loc);
    Ok(finish(st, chat, content, opts, None, at).into())
}

pub(crate) fn send_contact(st: &mut State, chat: i64, p: &P, at: Instant) -> TgResult<Reply> {
    let mut contact = Map::new();
    contact.insert("phone_number".into(), json!(p.req_str("phone_number")?));
    contact.insert("first_name".into(), json!(p.req_str("first_name")?));
    for k in ["last_name", "vcard"] {
        if let Some(v) = p.str(k)? {
            contact.insert(k.into(), json!(v));
        }
    }
    let opts = send_opts(st, chat, p, false)?;
    let mut content = Map::new();
    content.insert("contact".into(), Value::Object(contact));
    Ok(finish(st, chat, content, opts, None, at).into())
}

pub(crate) fn send_dice(st: &mut State, chat: i64, p: &P, at: Instant) -> TgResult<Reply> {
    let emoji = p.str("emoji")?.unwrap_or("🎲".into()).into_owned();
    let faces = match emoji.as_str() {
        "🎲" | "🎯" | "🎳" => 6,
        "🏀" | "⚽" => 5,
        "🎰" => 64,
        _ => return Err(TgError::bad_static("Bad Request: invalid dice emoji")),
    };
    let opts = send_opts(st, chat, p, false)?;
    let value = st.next_dice(faces);
    let mut content = Map::new();
    content.insert("dice".into(), json!({"emoji": emoji, "value": value}));
    Ok(finish(st, chat, content, opts, None, at).into())
}

pub(crate) fn send_media_group(
    st: &mut State,
    chat: i64,
    p: &P,
    files: &[UploadedFile],
    at: Instant,
) -> TgResult<Reply> {
    let media = p.array("media")?.ok_or_else(|| TgError::empty("media"))?;
    if media.len() > 10 {
        return Err(TgError::bad_static("Bad Request: Too much messages to send as an album"));
    }
    if media.len() < 2 {
        return Err(TgError::bad_static("Bad Request: MEDIA_GROUP_TOO_SMALL"));
    }
    let opts = send_opts(st, chat, p, false)?;
    if opts.markup.is_some() {
        return Err(TgError::bad("albums can't have a reply markup"));
    }
    let mut contents = Vec::new();
    for item in media {
        let item = item.as_object().ok_or_else(|| TgError::bad("can't parse InputMedia JSON object"))?;
        let ip = P(item);
        let kind: &'static str = match ip.str("type")?.as_deref() {
            Some("photo") => "photo",
            Some("video") => "video",
            Some("document") => "document",
            Some("audio") => "audio",
            _ => return Err(TgError::bad("unsupported media type in the album")),
        };
        let mut content = Map::new();
        caption_fields(st, &ip, &mut content)?;
        if ip.bool("has_spoiler")? {
            content.insert("has_media_spoiler".into(), json!(true));
        }
        let (m, bytes) = input_file(st, kind, ip.get("media"), "media", files, &ip)?;
        content.insert(kind.into(), m);
        contents.push((content, bytes));
    }
    let group_id = st.next_media_group.to_string();
    st.next_media_group += 1;
    let mut out = Vec::new();
    for (mut content, bytes) in contents {
        content.insert("media_group_id".into(), json!(group_id));
        let each = SendOpts { markup: None, reply_to: opts.reply_to, thread: opts.thread, extra: opts.extra.clone() };
        out.push(finish(st, chat, content, each, bytes, at));
    }
    Ok(Value::Array(out).into())
}

/// The message to copy or forward, or a placeholder when history is off and
/// the id is plausible (benchmarks copy messages whose bodies were dropped).
fn source(st: &State, chat: i64, id: i64, not_found: &'static str) -> TgResult<(Value, Option<Bytes>)> {
    match st.find_message(chat, id) {
        Some(m) if !m.deleted => Ok((m.json.clone(), m.file_bytes.clone())),
        None if !st.keep_history && id >= 1 && id <= st.last_message_id(chat) => {
            Ok((json!({"message_id": id, "date": unix_now(), "chat": st.chat_json(chat), "text": "…"}), None))
        }
        _ => Err(TgError::bad_static(not_found)),
    }
}

fn copy_content(src: &Value) -> TgResult<Map<String, Value>> {
    let mut content = Map::new();
    if let Some(o) = src.as_object() {
        for k in CONTENT_FIELDS {
            if let Some(v) = o.get(*k) {
                content.insert((*k).into(), v.clone());
            }
        }
    }
    if content.is_empty() {
        return Err(TgError::bad_static("Bad Request: message can't be copied"));
    }
    Ok(content)
}

fn message_ids(p: &P) -> TgResult<Vec<i64>> {
    let ids = p.array("message_ids")?.ok_or_else(|| TgError::empty("message_ids"))?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(TgError::bad("message_ids must contain 1-100 identifiers"));
    }
    let ids: Vec<i64> =
        ids.iter().map(|v| value_i64(v).ok_or_else(|| TgError::invalid("message_ids"))).collect::<TgResult<_>>()?;
    if ids.windows(2).any(|w| w[0] >= w[1]) {
        return Err(TgError::bad("message identifiers must be specified in strictly increasing order"));
    }
    Ok(ids)
}

pub(crate) fn copy_message(st: &mut State, chat: i64, p: &P, at: Instant) -> TgResult<Reply> {
    let from = resolve_chat(st, p, "from_chat_id")?;
    let id =
        p.i64("message_id")?.ok_or_else(|| TgError::bad_static("Bad Request: message identifier is not specified"))?;
    let (src, bytes) = source(st, from, id, "Bad Request: message to copy not found")?;
    let mut content = copy_content(&src)?;
    let has_caption_slot = CAPTIONED.iter().any(|k| content.contains_key(*k));
    if has_caption_slot && (p.has("caption") || p.bool("remove_caption")?) {
        content.remove("caption");
        content.remove("caption_entities");
        if !p.bool("remove_caption")? {
            caption_fields(st, p, &mut content)?;
        }
    }
    let opts = send_opts(st, chat, p, false)?;
    let mut new = NewMessage::new(chat, Sender::Bot, content);
    new.markup = opts.markup;
    new.reply_to = opts.reply_to;
    new.thread = opts.thread;
    new.extra = opts.extra;
    new.file_bytes = bytes;
    new.copied_from = Some((from, id));
    let (new_id, _) = st.create_message(new);
    deliver(st, chat, new_id, at);
    Ok(json!({"message_id": new_id}).into())
}

pub(crate) fn copy_messages(st: &mut State, chat: i64, p: &P, at: Instant) -> TgResult<Reply> {
    let from = resolve_chat(st, p, "from_chat_id")?;
    let ids = message_ids(p)?;
    let remove_caption = p.bool("remove_caption")?;
    let opts = send_opts(st, chat, p, false)?;
    let mut out = Vec::new();
    // Album grouping is kept: the copies of one album form a new album.
    let mut groups: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for id in ids {
        // Telegram skips what it cannot find or copy.
        let Ok((src, bytes)) = source(st, from, id, "") else {
            continue;
        };
        let Ok(mut content) = copy_content(&src) else {
            continue;
        };
        if remove_caption {
            content.remove("caption");
            content.remove("caption_entities");
        }
        if let Some(group) = src.get("media_group_id").and_then(Value::as_str) {
            let copy_group = match groups.get(group) {
                Some(copy_group) => copy_group.clone(),
                None => {
                    let copy_group = st.next_media_group.to_string();
                    st.next_media_group += 1;
                    groups.insert(group.to_owned(), copy_group.clone());
                    copy_group
                }
            };
            content.insert("media_group_id".into(), json!(copy_group));
        }
        let mut new = NewMessage::new(chat, Sender::Bot, content);
        new.thread = opts.thread;
        new.extra = opts.extra.clone();
        new.file_bytes = bytes;
        new.copied_from = Some((from, id));
        let (new_id, _) = st.create_message(new);
        deliver(st, chat, new_id, at);
        out.push(json!({"message_id": new_id}));
    }
    Ok(Value::Array(out).into())
}

fn forward_origin(st: &State, src: &Value, from_chat: i64) -> Value {
    let date = src.get("date").cloned().unwrap_or(json!(0));
    if st.chat_kind(from_chat) == Some(TgChatKind::Channel) {
        return json!({
            "type": "channel",
            "chat": st.chat_json(from_chat),
            "message_id": src.get("message_id").cloned().unwrap_or(json!(0)),
            "date": date,
        });
    }
    if let Some(user) = src.get("from") {
        return json!({"type": "user", "sender_user": user, "date": date});
    }
    if let Some(chat) = src.get("sender_chat") {
        return json!({"type": "chat", "sender_chat": chat, "date": date});
    }
    json!({"type": "hidden_user", "sender_user_name": "Hidden", "date": date})
}

fn forward_one(st: &mut State, chat: i64, from: i64, id: i64, p: &P, at: Instant) -> TgResult<(i64, Value)> {
    let (src, bytes) = source(st, from, id, "Bad Request: message to forward not found")?;
    let content = copy_content(&src)?;
    let thread = forum::send_thread(st, chat, p, None)?;
    let mut new = NewMessage::new(chat, Sender::Bot, content);
    new.thread = thread;
    new.extra.insert("forward_origin".into(), forward_origin(st, &src, from));
    if p.bool("protect_content")? {
        new.extra.insert("has_protected_content".into(), json!(true));
    }
    new.file_bytes = bytes;
    let (new_id, json) = st.create_message(new);
    deliver(st, chat, new_id, at);
    Ok((new_id, json))
}

pub(crate) fn forward_message(st: &mut State, chat: i64, p: &P, at: Instant) -> TgResult<Reply> {
    let from = resolve_chat(st, p, "from_chat_id")?;
    let id =
        p.i64("message_id")?.ok_or_else(|| TgError::bad_static("Bad Request: message identifier is not specified"))?;
    let (_, json) = forward_one(st, chat, from, id, p, at)?;
    Ok(json.into())
}

pub(crate) fn forward_messages(st: &mut State, chat: i64, p: &P, at: Instant) -> TgResult<Reply> {
    let from = resolve_chat(st, p, "from_chat_id")?;
    let mut out = Vec::new();
    for id in message_ids(p)? {
        if let Ok((new_id, _)) = forward_one(st, chat, from, id, p, at) {
            out.push(json!({"message_id": new_id}));
        }
    }
    Ok(Value::Array(out).into())
}

// ----- edits ------------------------------------------------------------------

enum Target {
    Inline(String),
    Message(i64, i64),
}

fn edit_target(st: &State, p: &P) -> TgResult<Target> {
    if let Some(id) = p.str("inline_message_id")? {
        return Ok(Target::Inline(id.into_owned()));
    }
    if !p.has("chat_id") {
        return Err(TgError::bad_static("Bad Request: message identifier is not specified"));
    }
    let chat = resolve_chat(st, p, "chat_id")?;
    let id =
        p.i64("message_id")?.ok_or_else(|| TgError::bad_static("Bad Request: message identifier is not specified"))?;
    check_can_send(st, chat)?;
    Ok(Target::Message(chat, id))
}

/// What an edit changes.
enum Edit {
    Text { text: String, entities: Vec<Value>, link_preview: Option<Value> },
    Caption { caption: Option<String>, entities: Vec<Value> },
    Markup,
}

fn edit_markup_param(p: &P) -> TgResult<Option<Value>> {
    match p.get("reply_markup") {
        None => Ok(None),
        Some(v) => {
            let m = validate_markup(v)?;
            if m.get("inline_keyboard").is_none() {
                return Err(TgError::bad("inline keyboard expected"));
            }
            Ok(Some(m).filter(|m| !is_empty_inline(m)))
        }
    }
}

fn apply_edit(st: &mut State, p: &P, edit: Edit) -> TgResult<Reply> {
    let markup = edit_markup_param(p)?;
    let (chat, id) = match edit_target(st, p)? {
        Target::Inline(inline_id) => {
            st.inline_edits.insert(inline_id, Value::Object(p.0.clone()));
            return Ok(json!(true).into());
        }
        Target::Message(chat, id) => (chat, id),
    };
    let keep = st.keep_history;
    let last = st.last_message_id(chat);
    let bot_json = st.user_json(st.bot.id);
    let chat_json = st.chat_json(chat);
    let Some(msg) = st.find_message_mut(chat, id).filter(|m| !m.deleted) else {
        if !keep && id >= 1 && id <= last {
            // History is off: answer with what the message must look like now.
            let mut m = json!({
                "message_id": id, "from": bot_json, "chat": chat_json,
                "date": unix_now(), "edit_date": unix_now(),
            });
            if let Edit::Text { text, entities, .. } = &edit {
                m["text"] = json!(text);
                if !entities.is_empty() {
                    m["entities"] = json!(entities);
                }
            }
            if let Some(markup) = &markup {
                m["reply_markup"] = markup.clone();
            }
            return Ok(m.into());
        }
        return Err(TgError::bad_static("Bad Request: message to edit not found"));
    };
    if !msg.from_bot {
        return Err(TgError::bad_static("Bad Request: message can't be edited"));
    }
    let Some(obj) = msg.json.as_object_mut() else {
        return Err(TgError::bad_static("Bad Request: message can't be edited"));
    };
    let old_markup = obj.get("reply_markup").cloned();
    let markup_same = old_markup == markup;
    let empty = Vec::new();
    let arr = |o: &Map<String, Value>, k: &str| -> Vec<Value> {
        o.get(k).and_then(Value::as_array).unwrap_or(&empty).clone()
    };
    match &edit {
        Edit::Text { text, entities, link_preview } => {
            if !obj.contains_key("text") {
                return Err(TgError::bad_static("Bad Request: there is no text in the message to edit"));
            }
            let same =
                obj.get("text").and_then(Value::as_str) == Some(text.as_str()) && &arr(obj, "entities") == entities;
            if same && markup_same {
                return Err(not_modified());
            }
            obj.insert("text".into(), json!(text));
            set_or_remove(obj, "entities", entities);
            if let Some(lp) = link_preview {
                obj.insert("link_preview_options".into(), lp.clone());
            }
        }
        Edit::Caption { caption, entities } => {
            if !CAPTIONED.iter().any(|k| obj.contains_key(*k)) {
                return Err(TgError::bad_static("Bad Request: there is no caption in the message to edit"));
            }
            let same = obj.get("caption").and_then(Value::as_str) == caption.as_deref()
                && &arr(obj, "caption_entities") == entities;
            if same && markup_same {
                return Err(not_modified());
            }
            match caption {
                Some(c) => {
                    obj.insert("caption".into(), json!(c));
                }
                None => {
                    obj.remove("caption");
                }
            }
            set_or_remove(obj, "caption_entities", entities);
        }
        Edit::Markup => {
            if markup_same {
                return Err(not_modified());
            }
        }
    }
    match &markup {
        Some(m) => {
            obj.insert("reply_markup".into(), m.clone());
        }
        None => {
            obj.remove("reply_markup");
        }
    }
    obj.insert("edit_date".into(), json!(unix_now()));
    msg.markup = markup;
    msg.edits += 1;
    let json = msg.json.clone();
    st.emit(FakeEvent::MessageEdited { chat_id: chat, message_id: id });
    Ok(json.into())
}

fn set_or_remove(obj: &mut Map<String, Value>, key: &str, entities: &[Value]) {
    if entities.is_empty() {
        obj.remove(key);
    } else {
        obj.insert(key.into(), Value::Array(entities.to_vec()));
    }
}

fn not_modified() -> TgError {
    TgError::bad_static(
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    )
}

pub(crate) fn edit_message_text(st: &mut State, p: &P) -> TgResult<Reply> {
    let raw = p.str("text")?.unwrap_or_default();
    if raw.trim().is_empty() {
        return Err(TgError::bad_static("Bad Request: message text is empty"));
    }
    let mode = p.str("parse_mode")?;
    let (text, entities) = st.format_text(&raw, mode.as_deref(), p.array("entities")?)?;
    if text.is_empty() {
        return Err(TgError::bad_static("Bad Request: message text is empty"));
    }
    if utf16_len(&text) > MAX_TEXT {
        return Err(TgError::bad_static("Bad Request: MESSAGE_TOO_LONG"));
    }
    let link_preview = match p.object("link_preview_options")? {
        Some(lp) => Some(Value::Object(lp.clone())),
        None if p.bool("disable_web_page_preview")? => Some(json!({"is_disabled": true})),
        None => None,
    };
    apply_edit(st, p, Edit::Text { text, entities, link_preview })
}

pub(crate) fn edit_message_caption(st: &mut State, p: &P) -> TgResult<Reply> {
    let mut content = Map::new();
    caption_fields(st, p, &mut content)?;
    let caption = content.get("caption").and_then(Value::as_str).map(str::to_owned);
    let entities = content.get("caption_entities").and_then(Value::as_array).cloned().unwrap_or_default();
    apply_edit(st, p, Edit::Caption { caption, entities })
}

pub(crate) fn edit_message_reply_markup(st: &mut State, p: &P) -> TgResult<Reply> {
    apply_edit(st, p, Edit::Markup)
}

pub(crate) fn delete_message(st: &mut State, p: &P) -> TgResult<Reply> {
    let chat = resolve_chat(st, p, "chat_id")?;
    let id =
        p.i64("message_id")?.ok_or_else(|| TgError::bad_static("Bad Request: message identifier is not specified"))?;
    if mark_deleted(st, chat, id) {
        Ok(json!(true).into())
    } else {
        Err(TgError::bad_static("Bad Request: message to delete not found"))
    }
}

pub(crate) fn delete_messages(st: &mut State, p: &P) -> TgResult<Reply> {
    let chat = resolve_chat(st, p, "chat_id")?;
    let ids = p.array("message_ids")?.ok_or_else(|| TgError::empty("message_ids"))?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(TgError::bad("message_ids must contain 1-100 identifiers"));
    }
    for v in ids {
        if let Some(id) = value_i64(v) {
            mark_deleted(st, chat, id);
        }
    }
    Ok(json!(true).into())
}

fn mark_deleted(st: &mut State, chat: i64, id: i64) -> bool {
    let keep = st.keep_history;
    let last = st.last_message_id(chat);
    let found = match st.find_message_mut(chat, id) {
        Some(m) if !m.deleted => {
            m.deleted = true;
            true
        }
        Some(_) => false,
        None => !keep && id >= 1 && id <= last,
    };
    if found {
        st.emit(FakeEvent::MessageDeleted { chat_id: chat, message_id: id });
    }
    found
}

pub(crate) fn send_chat_action(st: &mut State, chat: i64, p: &P) -> TgResult<Reply> {
    const ACTIONS: &[&str] = &[
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ];
    let action = p.req_str("action")?;
    if !ACTIONS.contains(&action.as_ref()) {
        return Err(TgError::bad_static("Bad Request: wrong parameter action in request"));
    }
    st.emit(FakeEvent::ChatAction { chat_id: chat, action: action.into_owned() });
    Ok(json!(true).into())
}

pub(crate) fn answer_callback_query(st: &mut State, p: &P) -> TgResult<Reply> {
    let id = p.req_str("callback_query_id")?.into_owned();
    let invalid =
        || TgError::bad_static("Bad Request: query is too old and response timeout expired or query id is invalid");
    match st.callbacks.get_mut(&id) {
        Some(answered) if !*answered => *answered = true,
        _ => return Err(invalid()),
    }
    let text = p.str("text")?.map(|t| t.into_owned());
    if text.as_deref().is_some_and(|t| utf16_len(t) > 200) {
        return Err(TgError::bad_static("Bad Request: MESSAGE_TOO_LONG"));
    }
    let show_alert = p.bool("show_alert")?;
    st.callback_answers.push(crate::state::CallbackAnswer { id: id.clone(), text, show_alert });
    st.emit(FakeEvent::CallbackAnswered { callback_query_id: id });
    Ok(json!(true).into())
}

pub(crate) fn get_file(st: &mut State, p: &P) -> TgResult<Reply> {
    let id = p.req_str("file_id")?;
    let rec = st.files.get(id.as_ref()).ok_or_else(|| TgError::bad_static("Bad Request: invalid file id"))?;
    let mut m = Map::new();
    m.insert("file_id".into(), json!(rec.file_id));
    m.insert("file_unique_id".into(), json!(rec.unique_id));
    if let Some(s) = rec.size {
        m.insert("file_size".into(), json!(s));
    }
    m.insert("file_path".into(), json!(rec.path));
    Ok(Value::Object(m).into())
}

/// Content of a message a member sends, used by the test API.
pub(crate) fn member_content(st: &State, text: &str) -> Map<String, Value> {
    let mut content = Map::new();
    let (text, ents) = st.format_text(text, None, None).unwrap_or_else(|_| (text.to_owned(), Vec::new()));
    content.insert("text".into(), json!(text));
    if !ents.is_empty() {
        content.insert("entities".into(), Value::Array(ents));
    }
    content
}

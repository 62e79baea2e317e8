//! Everything the fake Telegram remembers: people, chats, the messages in
//! them as members see them now, the update queue and the knobs tests turn.
//! It lives behind one mutex; every request holds it only for a short,
//! non-async critical section.

use std::{
    collections::{HashMap, VecDeque},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use axum::body::Bytes;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::{
    entities::{self, Entity},
    error::{TgError, TgResult},
    forum::Topic,
    limits::{Chaos, Limiter},
    types::{AdminRights, FakeEvent, TgChat, TgChatKind, TgMessageState, TgUser},
};

/// Per-chat data kept for every known chat; small on purpose, because
/// benchmarks register up to a million private chats.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChatEntry {
    pub kind: TgChatKind,
    /// Message ids are per chat and shared by the bot and the members;
    /// Telegram's fit in 32 bits, which keeps this entry at 8 bytes.
    pub last_message_id: u32,
}

pub(crate) struct GroupInfo {
    pub title: String,
    pub username: Option<String>,
    /// A supergroup with topics on.
    pub is_forum: bool,
}

/// Why sending to a chat fails.
pub(crate) enum SendBlock {
    Blocked,
    Deactivated,
    Custom(TgError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MemberStatus {
    Creator,
    Administrator,
    Member,
    Restricted,
    Left,
    Kicked,
}

impl MemberStatus {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "creator" | "owner" => MemberStatus::Creator,
            "administrator" | "admin" => MemberStatus::Administrator,
            "member" => MemberStatus::Member,
            "restricted" => MemberStatus::Restricted,
            "left" => MemberStatus::Left,
            "kicked" | "banned" => MemberStatus::Kicked,
            _ => return None,
        })
    }

    pub fn is_present(self) -> bool {
        matches!(
            self,
            MemberStatus::Creator | MemberStatus::Administrator | MemberStatus::Member | MemberStatus::Restricted
        )
    }
}

pub(crate) struct StoredMessage {
    pub id: i64,
    pub from_bot: bool,
    pub deleted: bool,
    pub edits: u32,
    /// The keyboard as the member sees it; reply keyboards are not part of a
    /// Message object, so they live here rather than in `json`.
    pub markup: Option<Value>,
    /// The Message object with its current content.
    pub json: Value,
    pub file_bytes: Option<Bytes>,
    pub copied_from: Option<(i64, i64)>,
    /// The forum topic the message belongs to.
    pub thread: Option<i64>,
}

pub(crate) struct QueuedUpdate {
    pub id: i64,
    pub kind: &'static str,
    pub body: Value,
}

pub(crate) struct FileRecord {
    pub file_id: String,
    pub unique_id: String,
    pub size: Option<usize>,
    pub bytes: Option<Bytes>,
    pub path: String,
    /// Kind of media and the value of the message field, so a file id can be
    /// sent again and look the same.
    pub kind: &'static str,
    pub media: Value,
}

pub(crate) struct Webhook {
    pub url: String,
    pub secret_token: Option<String>,
    pub max_connections: u32,
    pub ip_address: Option<String>,
    pub has_custom_certificate: bool,
}

pub(crate) struct CallbackAnswer {
    pub id: String,
    pub text: Option<String>,
    pub show_alert: bool,
}

/// Who sends a new message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sender {
    Bot,
    User(i64),
    /// A channel posting as itself.
    Chat,
}

/// A message about to be created.
pub(crate) struct NewMessage {
    pub chat_id: i64,
    pub sender: Sender,
    /// Content fields (text/entities, photo/caption, ...).
    pub content: Map<String, Value>,
    /// Any keyboard; only inline keyboards appear in the Message object.
    pub markup: Option<Value>,
    pub reply_to: Option<i64>,
    /// Further Message fields (link_preview_options, forward_origin, ...).
    pub extra: Map<String, Value>,
    pub file_bytes: Option<Bytes>,
    pub copied_from: Option<(i64, i64)>,
    /// The forum topic the message goes to.
    pub thread: Option<i64>,
    /// The message creates a forum topic, whose thread id is its own id.
    pub opens_topic: bool,
}

impl NewMessage {
    pub fn new(chat_id: i64, sender: Sender, content: Map<String, Value>) -> Self {
        NewMessage {
            chat_id,
            sender,
            content,
            markup: None,
            reply_to: None,
            extra: Map::new(),
            file_bytes: None,
            copied_from: None,
            thread: None,
            opens_topic: false,
        }
    }
}

pub(crate) struct State {
    pub bot: TgUser,
    pub users: HashMap<i64, TgUser>,
    pub chats: HashMap<i64, ChatEntry>,
    pub groups: HashMap<i64, GroupInfo>,
    pub usernames: HashMap<String, i64>,
    pub history: HashMap<i64, Vec<StoredMessage>>,
    pub members: HashMap<(i64, i64), MemberStatus>,
    /// Rights of administrators, by (chat, user); administrators without an
    /// entry have [`AdminRights::default`].
    pub rights: HashMap<(i64, i64), AdminRights>,
    /// Forum topics by chat, then by thread id.
    pub topics: HashMap<i64, std::collections::BTreeMap<i64, Topic>>,
    pub blocks: HashMap<i64, SendBlock>,
    pub migrations: HashMap<i64, i64>,

    pub updates: VecDeque<QueuedUpdate>,
    pub next_update_id: i64,
    pub allowed_updates: Option<Vec<String>>,
    /// Bumped by every getUpdates; an older long poll that sees a newer
    /// generation ends with 409 like Telegram's "terminated by other
    /// getUpdates request".
    pub poll_generation: u64,
    pub webhook: Option<Webhook>,
    pub webhook_last_error: Option<(i64, String)>,
    pub webhook_generation: u64,

    pub commands: HashMap<(String, String), Vec<(String, String)>>,
    pub bot_texts: HashMap<(&'static str, String), String>,
    pub menu_buttons: HashMap<i64, Value>,
    pub admin_rights: [Option<Value>; 2],

    pub callbacks: HashMap<String, bool>,
    pub callback_answers: Vec<CallbackAnswer>,
    pub next_callback: u64,

    pub files: HashMap<String, FileRecord>,
    pub file_paths: HashMap<String, String>,
    pub next_file: u64,
    pub next_media_group: u64,
    pub inline_edits: HashMap<String, Value>,

    pub limiter: Limiter,
    pub latency: Duration,
    /// Extra delay of calls addressed to one chat.
    pub chat_latency: std::collections::HashMap<i64, Duration>,
    pub chaos: Chaos,
    pub failures: VecDeque<(String, TgError)>,
    pub deliveries: Vec<(i64, i64, Instant)>,
    pub keep_history: bool,
    pub events: broadcast::Sender<FakeEvent>,
    pub dice_seed: u64,
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// `Instant::now()` through tokio, so tests that pause tokio's clock see
/// consistent times.
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

pub(crate) fn user_value(u: &TgUser) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(u.id));
    m.insert("is_bot".into(), json!(u.is_bot));
    m.insert("first_name".into(), json!(u.first_name));
    if let Some(v) = &u.last_name {
        m.insert("last_name".into(), json!(v));
    }
    if let Some(v) = &u.username {
        m.insert("username".into(), json!(v));
    }
    if let Some(v) = &u.language_code {
        m.insert("language_code".into(), json!(v));
    }
    Value::Object(m)
}

/// Every right with its Bot API name.
fn named_rights(r: &mut AdminRights) -> [(&'static str, &mut bool); 17] {
    [
        ("is_anonymous", &mut r.is_anonymous),
        ("can_manage_chat", &mut r.can_manage_chat),
        ("can_delete_messages", &mut r.can_delete_messages),
        ("can_manage_video_chats", &mut r.can_manage_video_chats),
        ("can_restrict_members", &mut r.can_restrict_members),
        ("can_promote_members", &mut r.can_promote_members),
        ("can_change_info", &mut r.can_change_info),
        ("can_invite_users", &mut r.can_invite_users),
        ("can_post_stories", &mut r.can_post_stories),
        ("can_edit_stories", &mut r.can_edit_stories),
        ("can_delete_stories", &mut r.can_delete_stories),
        ("can_post_messages", &mut r.can_post_messages),
        ("can_edit_messages", &mut r.can_edit_messages),
        ("can_pin_messages", &mut r.can_pin_messages),
        ("can_manage_topics", &mut r.can_manage_topics),
        ("can_manage_direct_messages", &mut r.can_manage_direct_messages),
        ("can_manage_tags", &mut r.can_manage_tags),
    ]
}

/// The rights an administrator object carries in a chat of this kind: the
/// Bot API leaves out what does not apply (posting in groups, pinning and
/// topics in channels, topics in basic groups).
pub(crate) fn rights_json(rights: &AdminRights, kind: TgChatKind) -> Vec<(&'static str, bool)> {
    let mut r = *rights;
    named_rights(&mut r)
        .into_iter()
        .filter(|(name, _)| match *name {
            "can_post_messages" | "can_edit_messages" | "can_manage_direct_messages" => kind == TgChatKind::Channel,
            "can_pin_messages" | "can_manage_tags" => kind.is_group(),
            "can_manage_topics" => kind == TgChatKind::Supergroup,
            _ => true,
        })
        .map(|(name, on)| (name, *on))
        .collect()
}

/// Rights read by name (promoteChatMember's parameters); missing ones are off.
pub(crate) fn rights_from(on: impl Fn(&str) -> TgResult<bool>) -> TgResult<AdminRights> {
    let mut r = AdminRights::none();
    for (name, slot) in named_rights(&mut r) {
        *slot = on(name)?;
    }
    Ok(r)
}

impl State {
    pub fn new(bot: TgUser) -> Self {
        let (events, _) = broadcast::channel(1024);
        State {
            bot,
            users: HashMap::new(),
            chats: HashMap::new(),
            groups: HashMap::new(),
            usernames: HashMap::new(),
            history: HashMap::new(),
            members: HashMap::new(),
            rights: HashMap::new(),
            topics: HashMap::new(),
            blocks: HashMap::new(),
            migrations: HashMap::new(),
            updates: VecDeque::new(),
            next_update_id: 100_000_001,
            allowed_updates: None,
            poll_generation: 0,
            webhook: None,
            webhook_last_error: None,
            webhook_generation: 0,
            commands: HashMap::new(),
            bot_texts: HashMap::new(),
            menu_buttons: HashMap::new(),
            admin_rights: [None, None],
            callbacks: HashMap::new(),
            callback_answers: Vec::new(),
            next_callback: 1,
            files: HashMap::new(),
            file_paths: HashMap::new(),
            next_file: 1,
            next_media_group: 13_000_000_000_000_001,
            inline_edits: HashMap::new(),
            limiter: Limiter::default(),
            latency: Duration::ZERO,
            chat_latency: Default::default(),
            chaos: Chaos::default(),
            failures: VecDeque::new(),
            deliveries: Vec::new(),
            keep_history: true,
            events,
            dice_seed: 0x5EED,
        }
    }

    pub fn emit(&self, event: FakeEvent) {
        // Nobody listening is the normal case in tests.
        let _ = self.events.send(event);
    }

    // ----- people and chats -------------------------------------------------

    pub fn register_user(&mut self, user: TgUser) {
        self.chats.entry(user.id).or_insert(ChatEntry { kind: TgChatKind::Private, last_message_id: 0 });
        self.users.insert(user.id, user);
    }

    pub fn register_chat(&mut self, chat: &TgChat) {
        let entry = self.chats.entry(chat.id).or_insert(ChatEntry { kind: chat.kind, last_message_id: 0 });
        entry.kind = chat.kind;
        if chat.kind != TgChatKind::Private {
            let info = self.groups.entry(chat.id).or_insert(GroupInfo {
                title: String::new(),
                username: None,
                is_forum: false,
            });
            info.title = chat.title.clone().unwrap_or_default();
        }
    }

    pub fn chat_kind(&self, id: i64) -> Option<TgChatKind> {
        self.chats.get(&id).map(|c| c.kind)
    }

    /// A User object; ids without a registered user (benchmark chats) get a
    /// plausible placeholder rather than an error.
    pub fn user_json(&self, id: i64) -> Value {
        if id == self.bot.id {
            return user_value(&self.bot);
        }
        match self.users.get(&id) {
            Some(u) => user_value(u),
            None => json!({"id": id, "is_bot": false, "first_name": "User"}),
        }
    }

    pub fn knows_user(&self, id: i64) -> bool {
        id == self.bot.id || self.users.contains_key(&id) || self.chat_kind(id) == Some(TgChatKind::Private)
    }

    /// A Chat object (the short form used inside messages).
    pub fn chat_json(&self, id: i64) -> Value {
        let kind = self.chat_kind(id).unwrap_or(if id > 0 { TgChatKind::Private } else { TgChatKind::Group });
        let mut m = Map::new();
        m.insert("id".into(), json!(id));
        m.insert("type".into(), json!(kind.as_str()));
        if kind == TgChatKind::Private {
            match self.users.get(&id) {
                Some(u) => {
                    m.insert("first_name".into(), json!(u.first_name));
                    if let Some(v) = &u.last_name {
                        m.insert("last_name".into(), json!(v));
                    }
                    if let Some(v) = &u.username {
                        m.insert("username".into(), json!(v));
                    }
                }
                None => {
                    m.insert("first_name".into(), json!("User"));
                }
            }
        } else {
            let info = self.groups.get(&id);
            m.insert("title".into(), json!(info.map(|g| g.title.as_str()).unwrap_or("Group")));
            if let Some(u) = info.and_then(|g| g.username.as_ref())
                && kind != TgChatKind::Group
            {
                m.insert("username".into(), json!(u));
            }
            if kind == TgChatKind::Supergroup && info.is_some_and(|g| g.is_forum) {
                m.insert("is_forum".into(), json!(true));
            }
        }
        Value::Object(m)
    }

    pub fn member_status(&self, chat_id: i64, user_id: i64) -> MemberStatus {
        self.members.get(&(chat_id, user_id)).copied().unwrap_or(MemberStatus::Member)
    }

    /// A complete ChatMember object of the given status.
    pub fn member_json(&self, chat_id: i64, user_id: i64, status: MemberStatus) -> Value {
        let user = self.user_json(user_id);
        match status {
            MemberStatus::Creator => {
                json!({"status": "creator", "user": user, "is_anonymous": false})
            }
            MemberStatus::Administrator => {
                let rights = self.rights_of(chat_id, user_id);
                let mut m = Map::new();
                m.insert("status".into(), json!("administrator"));
                m.insert("user".into(), user);
                m.insert("can_be_edited".into(), json!(user_id != self.bot.id));
                let kind = self.chat_kind(chat_id).unwrap_or(TgChatKind::Group);
                for (name, on) in rights_json(&rights, kind) {
                    m.insert(name.into(), json!(on));
                }
                Value::Object(m)
            }
            MemberStatus::Member => json!({"status": "member", "user": user}),
            MemberStatus::Restricted => json!({
                "status": "restricted",
                "user": user,
                "is_member": true,
                "can_send_messages": false,
                "can_send_audios": false,
                "can_send_documents": false,
                "can_send_photos": false,
                "can_send_videos": false,
                "can_send_video_notes": false,
                "can_send_voice_notes": false,
                "can_send_polls": false,
                "can_send_other_messages": false,
                "can_add_web_page_previews": false,
                "can_react_to_messages": false,
                "can_edit_tag": false,
                "can_change_info": false,
                "can_invite_users": false,
                "can_pin_messages": false,
                "can_manage_topics": false,
                "until_date": 0,
            }),
            MemberStatus::Left => json!({"status": "left", "user": user}),
            MemberStatus::Kicked => json!({"status": "kicked", "user": user, "until_date": 0}),
        }
    }

    /// An administrator's rights (whether or not they are one now).
    pub fn rights_of(&self, chat_id: i64, user_id: i64) -> AdminRights {
        self.rights.get(&(chat_id, user_id)).copied().unwrap_or_default()
    }

    // ----- messages ---------------------------------------------------------

    pub fn next_message_id(&mut self, chat_id: i64) -> i64 {
        let entry = self.chats.entry(chat_id).or_insert(ChatEntry {
            kind: if chat_id > 0 { TgChatKind::Private } else { TgChatKind::Group },
            last_message_id: 0,
        });
        entry.last_message_id = entry.last_message_id.saturating_add(1);
        i64::from(entry.last_message_id)
    }

    pub fn last_message_id(&self, chat_id: i64) -> i64 {
        self.chats.get(&chat_id).map(|c| i64::from(c.last_message_id)).unwrap_or(0)
    }

    pub fn find_message(&self, chat_id: i64, id: i64) -> Option<&StoredMessage> {
        let list = self.history.get(&chat_id)?;
        let idx = list.binary_search_by_key(&id, |m| m.id).ok()?;
        list.get(idx)
    }

    pub fn find_message_mut(&mut self, chat_id: i64, id: i64) -> Option<&mut StoredMessage> {
        let list = self.history.get_mut(&chat_id)?;
        let idx = list.binary_search_by_key(&id, |m| m.id).ok()?;
        list.get_mut(idx)
    }

    /// The message a reply points to, as Telegram embeds it: one level deep.
    pub fn reply_json(&self, chat_id: i64, id: i64) -> Option<Value> {
        let m = self.find_message(chat_id, id).filter(|m| !m.deleted)?;
        let mut v = m.json.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("reply_to_message");
        }
        Some(v)
    }

    /// Builds, stores (when history is kept) and returns a new message.
    pub fn create_message(&mut self, new: NewMessage) -> (i64, Value) {
        let id = self.next_message_id(new.chat_id);
        let mut m = Map::new();
        m.insert("message_id".into(), json!(id));
        match new.sender {
            Sender::Bot => {
                if self.chat_kind(new.chat_id) == Some(TgChatKind::Channel) {
                    m.insert("sender_chat".into(), self.chat_json(new.chat_id));
                } else {
                    m.insert("from".into(), user_value(&self.bot));
                }
            }
            Sender::User(uid) => {
                m.insert("from".into(), self.user_json(uid));
            }
            Sender::Chat => {
                m.insert("sender_chat".into(), self.chat_json(new.chat_id));
            }
        }
        m.insert("chat".into(), self.chat_json(new.chat_id));
        m.insert("date".into(), json!(unix_now()));
        let thread = if new.opens_topic { Some(id) } else { new.thread };
        if let Some(t) = thread {
            m.insert("message_thread_id".into(), json!(t));
            m.insert("is_topic_message".into(), json!(true));
        }
        // In a topic, a message that answers nothing in particular still
        // points at the message that created the topic, as Telegram sends it.
        let reply_to = new.reply_to.or(thread.filter(|t| *t < id));
        if let Some(r) = reply_to.and_then(|r| self.reply_json(new.chat_id, r)) {
            m.insert("reply_to_message".into(), r);
        }
        m.extend(new.content);
        m.extend(new.extra);
        if let Some(inline) = inline_markup(new.markup.as_ref()) {
            m.insert("reply_markup".into(), inline);
        }
        let json = Value::Object(m);
        if self.keep_history {
            let stored = StoredMessage {
                id,
                from_bot: new.sender == Sender::Bot,
                deleted: false,
                edits: 0,
                markup: new.markup.filter(|m| !is_empty_inline(m)),
                json: json.clone(),
                file_bytes: new.file_bytes,
                copied_from: new.copied_from,
                thread,
            };
            self.history.entry(new.chat_id).or_default().push(stored);
        }
        (id, json)
    }

    pub fn message_state(&self, chat_id: i64, m: &StoredMessage) -> TgMessageState {
        let j = &m.json;
        let s = |k: &str| j.get(k).and_then(Value::as_str).map(str::to_owned);
        let kind = message_kind(j);
        let entities = j
            .get("entities")
            .or_else(|| j.get("caption_entities"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let file_name = ["document", "audio", "video", "animation"]
            .iter()
            .find_map(|k| j.get(*k)?.get("file_name")?.as_str().map(str::to_owned));
        TgMessageState {
            chat_id,
            message_id: m.id,
            from_bot: m.from_bot,
            from_user_id: j.get("from").and_then(|f| f.get("id")).and_then(Value::as_i64),
            kind,
            text: s("text"),
            caption: s("caption"),
            entities,
            reply_markup: m.markup.clone(),
            deleted: m.deleted,
            edits: m.edits,
            reply_to: j.get("reply_to_message").and_then(|r| r.get("message_id")).and_then(Value::as_i64),
            thread_id: m.thread,
            file_name,
            file_bytes: m.file_bytes.as_ref().map(|b| b.to_vec()),
            copied_from: m.copied_from,
            forwarded: j.get("forward_origin").is_some(),
            media_group_id: s("media_group_id"),
            date: j.get("date").and_then(Value::as_i64).unwrap_or(0),
            json: j.clone(),
        }
    }

    // ----- text -------------------------------------------------------------

    /// Text or caption as the member will see it, with entities as JSON:
    /// markup parsed, whitespace trimmed, commands/links detected.
    pub fn format_text(
        &self,
        raw: &str,
        parse_mode: Option<&str>,
        explicit: Option<&Vec<Value>>,
    ) -> TgResult<(String, Vec<Value>)> {
        let user = |id: i64| self.user_json(id);
        if let Some(explicit) = explicit {
            let mut out = explicit.clone();
            let taken: Vec<(usize, usize)> = explicit.iter().filter_map(span).collect();
            let auto = entities::detect(raw, &taken);
            out.extend(auto.iter().map(|e| e.to_json(&user)));
            out.sort_by_key(|e| {
                let (o, l) = span(e).unwrap_or((0, 0));
                (o, usize::MAX - l)
            });
            return Ok((raw.to_owned(), out));
        }
        let (text, ents) = match parse_mode.filter(|m| !m.is_empty()) {
            None => (raw.to_owned(), Vec::new()),
            Some(mode) => match entities::parse(raw, mode) {
                Ok(Ok(parsed)) => parsed,
                Ok(Err(e)) => return Err(TgError::bad(&format!("can't parse entities: {e}"))),
                Err(()) => return Err(TgError::bad("unsupported parse_mode")),
            },
        };
        let (text, mut ents) = entities::trim(text, ents);
        let taken: Vec<(usize, usize)> = ents
            .iter()
            .filter(|e| matches!(e.kind, "code" | "pre" | "text_link" | "text_mention" | "custom_emoji"))
            .map(|e| (e.offset, e.length))
            .collect();
        let auto = entities::detect(&text, &taken);
        ents.extend(auto);
        entities::sort(&mut ents);
        let json = ents.iter().map(|e: &Entity| e.to_json(&user)).collect();
        Ok((text, json))
    }

    // ----- updates ----------------------------------------------------------

    pub fn push_update(&mut self, kind: &'static str, body: Value) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        let mut m = Map::new();
        m.insert("update_id".into(), json!(id));
        m.insert(kind.into(), body);
        self.updates.push_back(QueuedUpdate { id, kind, body: Value::Object(m) });
        self.emit(FakeEvent::UpdateQueued { update_id: id });
        id
    }

    /// Whether the current `allowed_updates` lets this kind through. Without
    /// a setting Telegram sends everything but chat_member and reactions.
    pub fn allows(&self, kind: &str) -> bool {
        match &self.allowed_updates {
            Some(list) if !list.is_empty() => list.iter().any(|k| k == kind),
            _ => !matches!(kind, "chat_member" | "message_reaction" | "message_reaction_count"),
        }
    }

    /// Drops queued updates the bot said it does not want.
    pub fn purge_unwanted(&mut self) {
        if self.updates.iter().any(|u| !self.allows(u.kind)) {
            let keep: VecDeque<QueuedUpdate> =
                std::mem::take(&mut self.updates).into_iter().filter(|u| self.allows(u.kind)).collect();
            self.updates = keep;
        }
    }

    pub fn chat_instance(&self, chat_id: i64) -> String {
        // Stable per chat, opaque like Telegram's.
        let h = (chat_id as u64 ^ self.bot.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!("{}", (h >> 1) as i64 * if h & 1 == 0 { 1 } else { -1 })
    }

    pub fn next_dice(&mut self, faces: u64) -> u64 {
        self.dice_seed = self.dice_seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.dice_seed >> 33) % faces + 1
    }
}

fn span(e: &Value) -> Option<(usize, usize)> {
    let o = e.get("offset")?.as_u64()? as usize;
    let l = e.get("length")?.as_u64()? as usize;
    Some((o, l))
}

pub(crate) fn is_empty_inline(markup: &Value) -> bool {
    markup
        .get("inline_keyboard")
        .and_then(Value::as_array)
        .is_some_and(|rows| rows.iter().all(|r| r.as_array().is_none_or(|r| r.is_empty())))
}

/// The part of a keyboard that belongs into a Message object.
pub(crate) fn inline_markup(markup: Option<&Value>) -> Option<Value> {
    let m = markup?;
    if m.get("inline_keyboard").is_some() && !is_empty_inline(m) { Some(m.clone()) } else { None }
}

pub(crate) fn message_kind(j: &Value) -> &'static str {
    const KINDS: &[&str] = &[
        "text",
        "animation",
        "photo",
        "document",
        "video",
        "audio",
        "voice",
        "video_note",
        "sticker",
        "venue",
        "location",
        "contact",
        "dice",
        "poll",
        "forum_topic_created",
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_reopened",
    ];
    KINDS.iter().find(|k| j.get(**k).is_some()).copied().unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_chat_stays_small() {
        // A million benchmark members must not cost gigabytes.
        assert!(std::mem::size_of::<ChatEntry>() <= 8);
    }
}

//! Plain data the test API hands out: people, chats, recorded calls and what a
//! member currently sees in a chat.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde_json::Value;

/// A Telegram account as the fake knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgUser {
    pub id: i64,
    pub is_bot: bool,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

impl TgUser {
    /// A human user with only the fields Telegram always sends.
    pub fn new(id: i64, first_name: &str) -> Self {
        TgUser {
            id,
            is_bot: false,
            first_name: first_name.to_owned(),
            last_name: None,
            username: None,
            language_code: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TgChatKind {
    Private,
    Group,
    Supergroup,
    Channel,
}

impl TgChatKind {
    /// The value of Telegram's `Chat.type`.
    pub fn as_str(self) -> &'static str {
        match self {
            TgChatKind::Private => "private",
            TgChatKind::Group => "group",
            TgChatKind::Supergroup => "supergroup",
            TgChatKind::Channel => "channel",
        }
    }

    /// Groups and supergroups share Telegram's per-group flood limit.
    pub fn is_group(self) -> bool {
        matches!(self, TgChatKind::Group | TgChatKind::Supergroup)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgChat {
    pub id: i64,
    pub kind: TgChatKind,
    /// Groups, supergroups and channels only.
    pub title: Option<String>,
}

/// What an injected update produced, so a test can refer to it later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Injected {
    pub update_id: i64,
    pub message_id: Option<i64>,
    pub callback_query_id: Option<String>,
}

/// A file part of a multipart request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadedFile {
    /// Name of the multipart part (teloxide uses a random id and refers to it
    /// with `attach://<id>` in the parameter).
    pub part_name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

impl UploadedFile {
    pub fn size(&self) -> usize {
        self.bytes.len()
    }
}

/// One Bot API call the fake answered.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// Lower-case method name, e.g. `sendmessage`.
    pub method: String,
    /// All parameters merged into one JSON object (query, form, JSON body and
    /// the text parts of multipart bodies), with JSON-encoded values decoded.
    pub params: Value,
    /// When the request arrived.
    pub at: Instant,
    /// HTTP status of the answer (200 on success, otherwise the error code).
    pub status: u16,
    /// The whole JSON answer. Successful answers are dropped while history
    /// keeping is off, so that benchmarks do not hold every sent message twice.
    pub response: Option<Value>,
    pub files: Vec<UploadedFile>,
}

impl RecordedRequest {
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.params.get(name)
    }

    pub fn is_ok(&self) -> bool {
        self.status == 200
    }

    /// `chat_id` as a number, when it was given as one (or as a numeric string).
    pub fn chat_id(&self) -> Option<i64> {
        match self.params.get("chat_id")? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        self.params.get("text")?.as_str()
    }

    /// The error description Telegram would have sent, for failed calls.
    pub fn error_description(&self) -> Option<&str> {
        self.response.as_ref()?.get("description")?.as_str()
    }

    /// The uploaded file a parameter refers to: either via `attach://<part>`
    /// or as a part named like the parameter itself.
    pub fn file(&self, param: &str) -> Option<&UploadedFile> {
        let part = match self.params.get(param).and_then(Value::as_str) {
            Some(v) => v.strip_prefix("attach://").unwrap_or(param),
            None => param,
        };
        self.files.iter().find(|f| f.part_name == part)
    }
}

/// A message as a member of the chat sees it right now.
#[derive(Clone, Debug, PartialEq)]
pub struct TgMessageState {
    pub chat_id: i64,
    pub message_id: i64,
    pub from_bot: bool,
    /// Sender's user id; `None` for channel posts.
    pub from_user_id: Option<i64>,
    /// `"text"`, `"photo"`, `"document"`, `"video"`, `"audio"`, `"animation"`,
    /// `"voice"`, `"video_note"`, `"sticker"`, `"location"`, `"venue"`,
    /// `"contact"`, `"dice"`, `"poll"`, the forum service messages
    /// `"forum_topic_created"`, `"forum_topic_edited"`, `"forum_topic_closed"`
    /// and `"forum_topic_reopened"`, or `"other"`.
    pub kind: &'static str,
    pub text: Option<String>,
    pub caption: Option<String>,
    /// Entities of the text or caption, as Telegram would send them.
    pub entities: Vec<Value>,
    /// The keyboard attached to the message (inline, or a reply keyboard the
    /// bot sent with it).
    pub reply_markup: Option<Value>,
    pub deleted: bool,
    pub edits: u32,
    /// The message this one answers (`reply_to_message`). In a forum topic a
    /// message that answers nothing in particular points at the message that
    /// created the topic, as Telegram sends it.
    pub reply_to: Option<i64>,
    /// The forum topic (`message_thread_id`) the message belongs to; `None`
    /// outside forum topics.
    pub thread_id: Option<i64>,
    pub file_name: Option<String>,
    pub file_bytes: Option<Vec<u8>>,
    /// Source of a `copyMessage`/`copyMessages` copy.
    pub copied_from: Option<(i64, i64)>,
    pub forwarded: bool,
    pub media_group_id: Option<String>,
    /// Unix time the message was sent.
    pub date: i64,
    /// The message object exactly as the fake would send it in an update.
    pub json: Value,
}

impl TgMessageState {
    /// Labels of the inline keyboard buttons, row by row.
    pub fn button_labels(&self) -> Vec<Vec<String>> {
        keyboard_rows(self.reply_markup.as_ref())
            .iter()
            .map(|row| {
                row.iter()
                    .filter_map(|b| b.get("text").and_then(Value::as_str).or_else(|| b.as_str()).map(str::to_owned))
                    .collect()
            })
            .collect()
    }

    /// `callback_data` of the first inline button whose label is `label`.
    pub fn callback_data_for(&self, label: &str) -> Option<String> {
        keyboard_rows(self.reply_markup.as_ref())
            .iter()
            .flatten()
            .find(|b| b.get("text").and_then(Value::as_str) == Some(label))
            .and_then(|b| b.get("callback_data")?.as_str().map(str::to_owned))
    }

    /// Text or caption, whichever the message has.
    pub fn body(&self) -> Option<&str> {
        self.text.as_deref().or(self.caption.as_deref())
    }
}

fn keyboard_rows(markup: Option<&Value>) -> Vec<Vec<Value>> {
    let Some(markup) = markup else {
        return Vec::new();
    };
    let rows = markup.get("inline_keyboard").or_else(|| markup.get("keyboard")).and_then(Value::as_array);
    rows.map(|rows| rows.iter().filter_map(Value::as_array).map(|r| r.to_vec()).collect()).unwrap_or_default()
}

/// A forum topic as members see it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgTopic {
    /// The forum the topic belongs to.
    pub chat_id: i64,
    /// The topic's `message_thread_id`: the id of the service message that
    /// created it.
    pub thread_id: i64,
    /// The topic's name as it is now.
    pub name: String,
    /// RGB colour of the topic icon.
    pub icon_color: u32,
    /// Custom emoji shown as the topic icon, if any.
    pub icon_custom_emoji_id: Option<String>,
    /// Closed topics take messages only from those who manage topics.
    pub closed: bool,
    /// User id of whoever created the topic (the bot's id for its own).
    pub creator_id: i64,
}

/// What an administrator may do in a chat (Telegram's
/// `ChatAdministratorRights`). The fake reports these in getChatMember,
/// getChatAdministrators and `my_chat_member` updates, and checks
/// `can_manage_topics` and `can_delete_messages` for forum topics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdminRights {
    /// The administrator's presence in the chat is hidden.
    pub is_anonymous: bool,
    /// May see the chat's event log, boosts, members and more.
    pub can_manage_chat: bool,
    /// May delete others' messages (and forum topics).
    pub can_delete_messages: bool,
    /// May manage video chats.
    pub can_manage_video_chats: bool,
    /// May restrict, ban or unban members.
    pub can_restrict_members: bool,
    /// May add administrators with a subset of their own rights.
    pub can_promote_members: bool,
    /// May change the chat's title, photo and other settings.
    pub can_change_info: bool,
    /// May invite new users to the chat.
    pub can_invite_users: bool,
    /// May post stories to the chat.
    pub can_post_stories: bool,
    /// May edit others' stories.
    pub can_edit_stories: bool,
    /// May delete others' stories.
    pub can_delete_stories: bool,
    /// May post messages (channels only).
    pub can_post_messages: bool,
    /// May edit others' messages and pin them (channels only).
    pub can_edit_messages: bool,
    /// May pin messages (groups and supergroups only).
    pub can_pin_messages: bool,
    /// May create, rename, close and reopen forum topics, and write in
    /// closed ones (supergroups only).
    pub can_manage_topics: bool,
    /// May manage the channel's direct messages (channels only).
    pub can_manage_direct_messages: bool,
    /// May edit members' tags (groups and supergroups only).
    pub can_manage_tags: bool,
}

impl Default for AdminRights {
    /// A usual administrator, and what an administrator set up without
    /// rights (e.g. by [`FakeTelegram::set_member_status`]) has: manages the
    /// chat, deletes, restricts, invites, pins, changes the chat's info and
    /// manages video chats (and posts and edits in channels); may not
    /// promote, handle stories or manage forum topics.
    ///
    /// [`FakeTelegram::set_member_status`]: crate::FakeTelegram::set_member_status
    fn default() -> Self {
        AdminRights {
            can_manage_chat: true,
            can_delete_messages: true,
            can_manage_video_chats: true,
            can_restrict_members: true,
            can_change_info: true,
            can_invite_users: true,
            can_post_messages: true,
            can_edit_messages: true,
            can_pin_messages: true,
            ..AdminRights::none()
        }
    }
}

impl AdminRights {
    /// No right at all: an administrator in name only.
    pub const fn none() -> Self {
        AdminRights {
            is_anonymous: false,
            can_manage_chat: false,
            can_delete_messages: false,
            can_manage_video_chats: false,
            can_restrict_members: false,
            can_promote_members: false,
            can_change_info: false,
            can_invite_users: false,
            can_post_stories: false,
            can_edit_stories: false,
            can_delete_stories: false,
            can_post_messages: false,
            can_edit_messages: false,
            can_pin_messages: false,
            can_manage_topics: false,
            can_manage_direct_messages: false,
            can_manage_tags: false,
        }
    }

    /// Every right except anonymity.
    pub const fn all() -> Self {
        AdminRights {
            is_anonymous: false,
            can_manage_chat: true,
            can_delete_messages: true,
            can_manage_video_chats: true,
            can_restrict_members: true,
            can_promote_members: true,
            can_change_info: true,
            can_invite_users: true,
            can_post_stories: true,
            can_edit_stories: true,
            can_delete_stories: true,
            can_post_messages: true,
            can_edit_messages: true,
            can_pin_messages: true,
            can_manage_topics: true,
            can_manage_direct_messages: true,
            can_manage_tags: true,
        }
    }

    /// The usual administrator ([`Default`]) who may also manage forum topics,
    /// as a bot running a forum needs to be.
    pub fn topic_manager() -> Self {
        AdminRights { can_manage_topics: true, ..AdminRights::default() }
    }
}

/// Telegram's flood limits, enforced on send methods when set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Messages per second across all chats (Telegram: about 30; calls with
    /// `allow_paid_broadcast` get at least 1000).
    pub global_per_sec: Option<u32>,
    /// Messages per second to one chat (Telegram: about 1).
    pub per_chat_per_sec: Option<u32>,
    /// How many messages one chat may get at once before the per-chat rate
    /// applies (Telegram lets short bursts pass); 0 or 1: none.
    pub per_chat_burst: u32,
    /// Messages per minute to one group or supergroup (Telegram: 20); the
    /// topics of a forum share it.
    pub per_group_per_min: Option<u32>,
    /// `retry_after` of a 429; 0 means "the real time until the window
    /// frees up", rounded up to whole seconds.
    pub retry_after_secs: u32,
}

impl Default for Limits {
    /// No limits at all.
    fn default() -> Self {
        Limits {
            global_per_sec: None,
            per_chat_per_sec: None,
            per_chat_burst: 1,
            per_group_per_min: None,
            retry_after_secs: 0,
        }
    }
}

impl Limits {
    /// The limits Telegram documents for bots.
    pub fn telegram() -> Self {
        Limits {
            global_per_sec: Some(30),
            per_chat_per_sec: Some(1),
            per_chat_burst: 3,
            per_group_per_min: Some(20),
            retry_after_secs: 0,
        }
    }
}

/// Something the bot did, for observers such as a browser sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FakeEvent {
    MessageSent { chat_id: i64, message_id: i64 },
    MessageEdited { chat_id: i64, message_id: i64 },
    MessageDeleted { chat_id: i64, message_id: i64 },
    CallbackAnswered { callback_query_id: String },
    ChatAction { chat_id: i64, action: String },
    UpdateQueued { update_id: i64 },
}

/// An error the test wants a method to answer with, once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InjectedFailure {
    pub status: u16,
    pub description: String,
    pub retry_after: Option<u32>,
    pub migrate_to_chat_id: Option<i64>,
}

impl InjectedFailure {
    pub fn new(status: u16, description: &str) -> Self {
        InjectedFailure { status, description: description.to_owned(), retry_after: None, migrate_to_chat_id: None }
    }

    pub fn too_many_requests(retry_after: Duration) -> Self {
        let secs = retry_after.as_secs().max(1) as u32;
        InjectedFailure {
            status: 429,
            description: format!("Too Many Requests: retry after {secs}"),
            retry_after: Some(secs),
            migrate_to_chat_id: None,
        }
    }
}

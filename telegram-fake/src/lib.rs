//! A fake Telegram Bot API server for Basis.
//!
//! No machine that builds or tests Basis can reach Telegram, yet the bot must
//! be exercised with the real teloxide client. This crate serves the Bot API
//! over HTTP on 127.0.0.1 and answers like Telegram does: the same URLs and
//! JSON envelopes, complete objects teloxide parses, real long polling, and
//! Telegram's behaviour under pressure (429 with `retry_after`, 403 for
//! blocked users, group migration, injected 5xx). Tests play the members
//! through [`FakeTelegram`] (send texts and media with [`MemberMessage`],
//! press buttons, write in forum topics, block the bot) and assert on what a
//! member sees now ([`FakeTelegram::messages_in`],
//! [`FakeTelegram::thread_messages`]) and on the calls the bot made
//! ([`FakeTelegram::requests`]). The same server backs
//! the browser sandbox, which follows the bot through
//! [`FakeTelegram::subscribe`].
//!
//! Where the fake knowingly differs from Telegram:
//! - `allowed_updates` filters when updates are handed out, not when they
//!   are created, so updates injected before the bot's first getUpdates
//!   follow the bot's wishes.
//! - Webhooks may use plain `http://` on loopback addresses.
//! - Flood control counts an album or a `copyMessages` call as one message,
//!   and only successful sends use up the budget.
//! - Files are never fetched from URLs; photos have fixed sizes.
//! - Methods of the Bot API the fake does not implement answer 400 with a
//!   text saying so (unknown names get Telegram's 404).
//!
//! ```no_run
//! # async fn demo() {
//! use basis_telegram_fake::FakeTelegram;
//! let tg = FakeTelegram::start().await;
//! // teloxide::Bot::new(tg.token()).set_api_url(tg.api_url().parse().unwrap())
//! let anna = tg.user(1001, "Anna", Some("de"));
//! let chat = tg.private_chat(&anna);
//! tg.send_text(&anna, &chat, "/start");
//! # }
//! ```

mod entities;
mod error;
mod forum;
mod limits;
mod member;
mod methods;
mod params;
mod send;
mod server;
mod state;
mod types;
mod updates;
mod webhook;

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use parking_lot::Mutex;
use serde_json::{Map, Value, json};
use tokio::{
    sync::{Notify, broadcast, watch},
    task::JoinHandle,
};

pub use axum::body::Bytes;
pub use member::MemberMessage;
pub use types::{
    AdminRights, FakeEvent, Injected, InjectedFailure, Limits, RecordedRequest, TgChat, TgChatKind, TgMessageState,
    TgTopic, TgUser, UploadedFile,
};

use error::TgError;
use state::{MemberStatus, NewMessage, SendBlock, Sender, State, now, unix_now};

/// The token [`FakeTelegram::start`] accepts.
pub const DEFAULT_TOKEN: &str = "7000000001:TEST-token-not-secret";

/// Update kinds an injected raw update may carry.
const UPDATE_KINDS: &[&str] = &[
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
];

pub(crate) struct Inner {
    token: String,
    addr: SocketAddr,
    pub(crate) state: Mutex<State>,
    /// Shared entries, so waiters can copy new ones out cheaply.
    log: Mutex<Vec<Arc<RecordedRequest>>>,
    log_notify: Notify,
    /// Woken whenever the update queue or webhook settings change.
    pub(crate) updates_notify: Notify,
    record_requests: AtomicBool,
    keep_history: AtomicBool,
    shutting_down: AtomicBool,
    shutdown_tx: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Inner {
    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Relaxed)
    }

    /// Wakes everyone waiting for a request or for updates to be taken.
    pub(crate) fn notify_observers(&self) {
        self.log_notify.notify_waiters();
    }
}

/// A message a member is about to send, before it gets id, sender and date.
struct Post {
    content: Map<String, Value>,
    reply_to: Option<i64>,
    thread: Option<i64>,
    file_bytes: Option<Bytes>,
}

impl Post {
    fn new(content: Map<String, Value>) -> Self {
        Post { content, reply_to: None, thread: None, file_bytes: None }
    }
}

fn with_caption(message: MemberMessage, caption: Option<&str>) -> MemberMessage {
    match caption {
        Some(c) => message.caption(c),
        None => message,
    }
}

/// Stops a test that lets a member write where Telegram's apps would not let
/// them: outside a forum's topics, or in a closed topic without the right.
fn member_may_write(st: &State, chat: i64, user: Option<i64>, thread: i64) {
    assert!(forum::is_forum(st, chat), "fake Telegram: chat {chat} is not a forum, it has no topic {thread}");
    let topic = forum::topic(st, chat, thread)
        .unwrap_or_else(|| panic!("fake Telegram: the forum {chat} has no topic {thread}"));
    let may_write_closed = user.is_some_and(|u| forum::can_manage_topics(st, chat, u));
    assert!(
        !topic.closed || may_write_closed,
        "fake Telegram: topic {thread} of {chat} is closed; only those who manage topics write there"
    );
}

/// A running fake Bot API server. Cheap to clone; all clones share one server.
#[derive(Clone)]
pub struct FakeTelegram {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for FakeTelegram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeTelegram").field("addr", &self.inner.addr).finish_non_exhaustive()
    }
}

impl FakeTelegram {
    /// Starts a server with [`DEFAULT_TOKEN`] on a free port of 127.0.0.1.
    pub async fn start() -> FakeTelegram {
        Self::start_with_token(DEFAULT_TOKEN).await
    }

    /// Starts a server that accepts only `token`. The bot's user id is the
    /// numeric part before ':' (1 if there is none).
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start_with_token(token: &str) -> FakeTelegram {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        Self::start_on(addr, token).await.expect("fake Telegram: cannot bind 127.0.0.1:0")
    }

    /// Starts a server on a chosen address (the sandbox may want a fixed
    /// port); port 0 picks a free one.
    pub async fn start_on(addr: SocketAddr, token: &str) -> std::io::Result<FakeTelegram> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let bot_id = token.split(':').next().and_then(|s| s.parse::<i64>().ok()).unwrap_or(1);
        let bot = TgUser {
            id: bot_id,
            is_bot: true,
            first_name: "Basis".into(),
            last_name: None,
            username: Some("basis_test_bot".into()),
            language_code: None,
        };
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let inner = Arc::new(Inner {
            token: token.to_owned(),
            addr,
            state: Mutex::new(State::new(bot)),
            log: Mutex::new(Vec::new()),
            log_notify: Notify::new(),
            updates_notify: Notify::new(),
            record_requests: AtomicBool::new(true),
            keep_history: AtomicBool::new(true),
            shutting_down: AtomicBool::new(false),
            shutdown_tx,
            tasks: Mutex::new(Vec::new()),
        });
        let app = server::router(inner.clone());
        let mut rx = shutdown_rx.clone();
        let serve = tokio::spawn(async move {
            let signal = async move {
                let _ = rx.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(signal).await {
                tracing::warn!(error = %e, "fake Telegram server stopped");
            }
        });
        let hook = tokio::spawn(webhook::run(inner.clone(), shutdown_rx));
        inner.tasks.lock().extend([serve, hook]);
        Ok(FakeTelegram { inner })
    }

    /// Base URL for teloxide's `set_api_url`, e.g. `http://127.0.0.1:PORT/`.
    pub fn api_url(&self) -> String {
        format!("http://{}/", self.inner.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    pub fn token(&self) -> &str {
        &self.inner.token
    }

    pub fn bot_user_id(&self) -> i64 {
        self.inner.state.lock().bot.id
    }

    /// The bot as a [`TgUser`] (e.g. to mention it in texts).
    pub fn bot_user(&self) -> TgUser {
        self.inner.state.lock().bot.clone()
    }

    /// Stops the server: long polls end with an empty answer, the listener
    /// closes and the webhook worker stops.
    pub async fn shutdown(self) {
        let inner = &self.inner;
        inner.shutting_down.store(true, Ordering::Relaxed);
        let _ = inner.shutdown_tx.send(true);
        inner.updates_notify.notify_waiters();
        inner.log_notify.notify_waiters();
        let tasks: Vec<JoinHandle<()>> = inner.tasks.lock().drain(..).collect();
        for mut task in tasks {
            // Idle keep-alive connections can hold graceful shutdown open.
            if tokio::time::timeout(Duration::from_secs(2), &mut task).await.is_err() {
                task.abort();
            }
        }
    }

    fn notify_updates(&self) {
        self.inner.updates_notify.notify_waiters();
    }

    // ----- people and chats -------------------------------------------------

    /// Registers a human user (or updates name and language) and returns it.
    /// Their private chat with the bot exists from now on.
    pub fn user(&self, id: i64, first_name: &str, language_code: Option<&str>) -> TgUser {
        let mut st = self.inner.state.lock();
        let mut user = st.users.get(&id).cloned().unwrap_or_else(|| TgUser::new(id, first_name));
        user.first_name = first_name.to_owned();
        user.language_code = language_code.map(str::to_owned);
        st.register_user(user.clone());
        user
    }

    /// Registers a user with every field chosen by the test.
    pub fn register_user(&self, user: TgUser) -> TgUser {
        self.inner.state.lock().register_user(user.clone());
        user
    }

    /// The private chat between `user` and the bot (its id is the user's id).
    pub fn private_chat(&self, user: &TgUser) -> TgChat {
        let mut st = self.inner.state.lock();
        if !st.users.contains_key(&user.id) {
            st.register_user(user.clone());
        }
        TgChat { id: user.id, kind: TgChatKind::Private, title: None }
    }

    /// A basic group. Its id must be negative, like Telegram's.
    ///
    /// # Panics
    /// When `id` is not negative.
    pub fn group(&self, id: i64, title: &str) -> TgChat {
        self.public_chat(id, title, TgChatKind::Group, false)
    }

    /// A supergroup (Telegram's ids look like -100xxxxxxxxxx), topics off.
    pub fn supergroup(&self, id: i64, title: &str) -> TgChat {
        self.public_chat(id, title, TgChatKind::Supergroup, false)
    }

    /// A supergroup with topics on (`is_forum` in its Chat object). The bot
    /// needs [`AdminRights::can_manage_topics`] to create topics there (see
    /// [`make_bot_admin`](Self::make_bot_admin)); members open topics with
    /// [`create_topic`](Self::create_topic).
    pub fn forum(&self, id: i64, title: &str) -> TgChat {
        self.public_chat(id, title, TgChatKind::Supergroup, true)
    }

    /// A channel; the bot posts there as the channel.
    pub fn channel(&self, id: i64, title: &str) -> TgChat {
        self.public_chat(id, title, TgChatKind::Channel, false)
    }

    fn public_chat(&self, id: i64, title: &str, kind: TgChatKind, is_forum: bool) -> TgChat {
        assert!(id < 0, "fake Telegram: group and channel ids are negative, got {id}");
        let chat = TgChat { id, kind, title: Some(title.to_owned()) };
        let mut st = self.inner.state.lock();
        st.register_chat(&chat);
        if let Some(g) = st.groups.get_mut(&id) {
            g.is_forum = is_forum;
        }
        if is_forum && let Some(c) = st.chats.get_mut(&id) {
            // Message 1 of a forum is where its "General" topic begins, so
            // the first topic gets a later thread id, as on Telegram.
            c.last_message_id = c.last_message_id.max(1);
        }
        chat
    }

    /// Gives a supergroup or channel a public `@username`, so `chat_id` may
    /// be given as `@username`.
    pub fn set_chat_username(&self, chat_id: i64, username: &str) {
        let mut st = self.inner.state.lock();
        let name = username.trim_start_matches('@').to_owned();
        if let Some(g) = st.groups.get_mut(&chat_id) {
            g.username = Some(name.clone());
        }
        st.usernames.insert(name.to_ascii_lowercase(), chat_id);
    }

    /// Makes a private chat with `id` exist without registering a user.
    pub fn ensure_private_chat(&self, id: i64) {
        self.add_private_chats([id]);
    }

    /// Registers many private chats at once (benchmarks use up to a million);
    /// each costs a few dozen bytes.
    pub fn add_private_chats(&self, ids: impl IntoIterator<Item = i64>) {
        let mut st = self.inner.state.lock();
        for id in ids {
            st.chats.entry(id).or_insert(state::ChatEntry { kind: TgChatKind::Private, last_message_id: 0 });
        }
    }

    /// What getChatMember/getChatAdministrators answer for this user in this
    /// chat: "creator", "administrator", "member", "restricted", "left" or
    /// "kicked" (default "member"). For the bot itself, "left" and "kicked"
    /// also make sends to the chat fail with 403.
    ///
    /// # Panics
    /// On an unknown status.
    pub fn set_member_status(&self, chat_id: i64, user_id: i64, status: &str) {
        let s =
            MemberStatus::parse(status).unwrap_or_else(|| panic!("fake Telegram: unknown member status {status:?}"));
        self.inner.state.lock().members.insert((chat_id, user_id), s);
    }

    /// Makes `user_id` an administrator of the chat with these rights, as
    /// getChatMember and getChatAdministrators then report.
    pub fn set_admin(&self, chat_id: i64, user_id: i64, rights: AdminRights) {
        let mut st = self.inner.state.lock();
        st.members.insert((chat_id, user_id), MemberStatus::Administrator);
        st.rights.insert((chat_id, user_id), rights);
    }

    /// Makes the bot an administrator of the chat with these rights, without
    /// an update (see [`bot_promoted`](Self::bot_promoted) for one).
    pub fn make_bot_admin(&self, chat_id: i64, rights: AdminRights) {
        self.set_admin(chat_id, self.bot_user_id(), rights);
    }

    // ----- updates people cause ---------------------------------------------

    fn member_message(&self, from: Option<&TgUser>, chat: &TgChat, post: Post) -> Injected {
        let mut st = self.inner.state.lock();
        if st.chat_kind(chat.id).is_none() {
            st.register_chat(chat);
        }
        let sender = match from {
            Some(u) => {
                if !st.users.contains_key(&u.id) {
                    st.register_user(u.clone());
                }
                Sender::User(u.id)
            }
            None => Sender::Chat,
        };
        let replied_thread = post.reply_to.and_then(|r| st.find_message(chat.id, r)).and_then(|m| m.thread);
        let thread = post.thread.or(replied_thread);
        if let Some(t) = thread {
            member_may_write(&st, chat.id, from.map(|u| u.id), t);
        }
        let mut new = NewMessage::new(chat.id, sender, post.content);
        new.reply_to = post.reply_to;
        new.thread = thread;
        new.file_bytes = post.file_bytes;
        let (id, json) = st.create_message(new);
        let kind = if chat.kind == TgChatKind::Channel { "channel_post" } else { "message" };
        let update_id = st.push_update(kind, json);
        drop(st);
        self.notify_updates();
        Injected { update_id, message_id: Some(id), callback_query_id: None }
    }

    /// A member writes `text`. Entities are set like Telegram does: commands
    /// (`/start`, `/start@basis_test_bot`), mentions, hashtags and links, with
    /// UTF-16 offsets.
    pub fn send_text(&self, from: &TgUser, chat: &TgChat, text: &str) -> Injected {
        let content = send::member_content(&self.inner.state.lock(), text);
        self.member_message(Some(from), chat, Post::new(content))
    }

    /// A member answers a message (e.g. a ForceReply prompt). The update's
    /// `reply_to_message` is the answered message as it is now; in a forum
    /// the answer goes to that message's topic.
    pub fn send_reply(&self, from: &TgUser, chat: &TgChat, reply_to_message_id: i64, text: &str) -> Injected {
        self.send(from, chat, MemberMessage::text(text).reply_to(reply_to_message_id))
    }

    /// A member writes `text` in a topic of a forum: the update carries
    /// `message_thread_id`, `is_topic_message` and, as `reply_to_message`,
    /// the message that created the topic, as Telegram sends it.
    ///
    /// # Panics
    /// Like [`send`](Self::send).
    pub fn send_in_topic(&self, from: &TgUser, chat: &TgChat, thread_id: i64, text: &str) -> Injected {
        self.send(from, chat, MemberMessage::text(text).in_thread(thread_id))
    }

    /// A member sends a message of any kind [`MemberMessage`] builds: text
    /// with entities, photo, voice, video, document or location, with a
    /// caption, as a reply, in a forum topic. The bot gets the complete
    /// Message object a Telegram app would produce.
    ///
    /// # Panics
    /// When the message should go to a topic of a chat that is not a forum,
    /// to a topic that does not exist, or to a closed topic the member may
    /// not write in (only those who manage topics may): Telegram's apps do
    /// not let members do that.
    pub fn send(&self, from: &TgUser, chat: &TgChat, message: MemberMessage) -> Injected {
        let (content, file_bytes) = message.content(&mut self.inner.state.lock());
        let post = Post { content, reply_to: message.reply_to, thread: message.thread, file_bytes };
        self.member_message(Some(from), chat, post)
    }

    /// A member sends a voice message of `duration_secs` seconds.
    pub fn send_voice(&self, from: &TgUser, chat: &TgChat, duration_secs: u32, caption: Option<&str>) -> Injected {
        let voice = MemberMessage::voice(duration_secs, b"OggS\0\x02voice");
        self.send(from, chat, with_caption(voice, caption))
    }

    /// A member sends a short video (`video.mp4`, 1280×720, 3 seconds).
    pub fn send_video(&self, from: &TgUser, chat: &TgChat, caption: Option<&str>) -> Injected {
        let video = MemberMessage::video(3, "video.mp4", b"\0\0\0\x18ftypmp42");
        self.send(from, chat, with_caption(video, caption))
    }

    /// A member shares a location.
    pub fn send_location(&self, from: &TgUser, chat: &TgChat, latitude: f64, longitude: f64) -> Injected {
        self.send(from, chat, MemberMessage::location(latitude, longitude))
    }

    /// A member sends a message with any content fields (`photo`, `caption`,
    /// `contact`, ...); the fake adds id, sender, chat and date.
    pub fn send_message_with(&self, from: &TgUser, chat: &TgChat, fields: Value) -> Injected {
        let content = match fields {
            Value::Object(m) => m,
            other => {
                let mut m = Map::new();
                m.insert("text".into(), other);
                m
            }
        };
        self.member_message(Some(from), chat, Post::new(content))
    }

    /// A member sends a photo, optionally with a caption.
    pub fn send_photo(&self, from: &TgUser, chat: &TgChat, caption: Option<&str>) -> Injected {
        self.send_photo_bytes(from, chat, b"\xFF\xD8\xFF", caption)
    }

    /// A member sends a photo with these bytes (the sandbox's uploads), so
    /// that copies of it show the real picture.
    pub fn send_photo_bytes(&self, from: &TgUser, chat: &TgChat, bytes: &[u8], caption: Option<&str>) -> Injected {
        self.send(from, chat, with_caption(MemberMessage::photo(bytes), caption))
    }

    /// A member sends a document.
    pub fn send_document(
        &self,
        from: &TgUser,
        chat: &TgChat,
        file_name: &str,
        bytes: &[u8],
        caption: Option<&str>,
    ) -> Injected {
        self.send(from, chat, with_caption(MemberMessage::document(file_name, bytes), caption))
    }

    /// A member sends an album of `photos` pictures: one message each, with
    /// a shared `media_group_id`, the caption on the first, as Telegram
    /// delivers albums.
    pub fn send_album(&self, from: &TgUser, chat: &TgChat, photos: usize, caption: Option<&str>) -> Vec<Injected> {
        let group = {
            let mut st = self.inner.state.lock();
            let group = st.next_media_group.to_string();
            st.next_media_group += 1;
            group
        };
        (0..photos)
            .map(|i| {
                let bytes = Bytes::from(vec![0xFF, 0xD8, 0xFF, i as u8]);
                let mut content = {
                    let mut st = self.inner.state.lock();
                    let empty = Map::new();
                    let incoming = send::Incoming { file_name: None, mime_type: None, bytes: Some(bytes.clone()) };
                    let media = send::register_file(&mut st, "photo", incoming, &params::P(&empty));
                    let mut content = Map::new();
                    if let Ok(media) = media {
                        content.insert("photo".into(), media);
                    }
                    if let (0, Some(c)) = (i, caption) {
                        content.insert("caption".into(), Value::String(c.to_owned()));
                    }
                    content
                };
                content.insert("media_group_id".into(), Value::String(group.clone()));
                self.member_message(Some(from), chat, Post { file_bytes: Some(bytes), ..Post::new(content) })
            })
            .collect()
    }

    /// A member edits their message; the bot gets `edited_message`.
    pub fn edit_text(&self, from: &TgUser, chat: &TgChat, message_id: i64, text: &str) -> Injected {
        let mut st = self.inner.state.lock();
        let content = send::member_content(&st, text);
        let edited = match st.find_message_mut(chat.id, message_id) {
            Some(m) => {
                if let Some(o) = m.json.as_object_mut() {
                    o.remove("entities");
                    o.extend(content.clone());
                    o.insert("edit_date".into(), json!(unix_now()));
                }
                m.edits += 1;
                m.json.clone()
            }
            None => {
                let mut o = Map::new();
                o.insert("message_id".into(), json!(message_id));
                o.insert("from".into(), st.user_json(from.id));
                o.insert("chat".into(), st.chat_json(chat.id));
                o.insert("date".into(), json!(unix_now()));
                o.insert("edit_date".into(), json!(unix_now()));
                o.extend(content);
                Value::Object(o)
            }
        };
        let kind = if chat.kind == TgChatKind::Channel { "edited_channel_post" } else { "edited_message" };
        let update_id = st.push_update(kind, edited);
        drop(st);
        self.notify_updates();
        Injected { update_id, message_id: Some(message_id), callback_query_id: None }
    }

    /// A member taps an inline button. The callback query carries the message
    /// as the server knows it now (with its current keyboard); deleted or
    /// unknown messages arrive as inaccessible messages (date 0).
    pub fn press_button(&self, from: &TgUser, chat: &TgChat, message_id: i64, data: &str) -> Injected {
        let mut st = self.inner.state.lock();
        if !st.users.contains_key(&from.id) {
            st.register_user(from.clone());
        }
        let message = match st.find_message(chat.id, message_id).filter(|m| !m.deleted) {
            Some(m) => m.json.clone(),
            None => json!({"chat": st.chat_json(chat.id), "message_id": message_id, "date": 0}),
        };
        let n = st.next_callback;
        st.next_callback += 1;
        let id = format!("{}{:08}", (st.bot.id as u64 % 1_000_000) + 4_000_000, n);
        st.callbacks.insert(id.clone(), false);
        let query = json!({
            "id": id,
            "from": st.user_json(from.id),
            "message": message,
            "chat_instance": st.chat_instance(chat.id),
            "data": data,
        });
        let update_id = st.push_update("callback_query", query);
        drop(st);
        self.notify_updates();
        Injected { update_id, message_id: Some(message_id), callback_query_id: Some(id) }
    }

    /// Taps the inline button labelled `label` on the message, if it has one
    /// with callback data.
    pub fn press_button_labeled(&self, from: &TgUser, chat: &TgChat, message_id: i64, label: &str) -> Option<Injected> {
        let data = self.message(chat.id, message_id)?.callback_data_for(label)?;
        Some(self.press_button(from, chat, message_id, &data))
    }

    /// A post in a channel the bot administers.
    pub fn channel_post(&self, chat: &TgChat, text: &str) -> Injected {
        let content = send::member_content(&self.inner.state.lock(), text);
        self.member_message(None, chat, Post::new(content))
    }

    /// The bot's own membership changed (`my_chat_member`): a member blocked
    /// ("kicked") or restarted ("member") it in a private chat, or someone
    /// added/removed/promoted it in a group. Sends follow the new state: a
    /// private chat with "kicked" answers 403 "bot was blocked by the user".
    pub fn bot_membership_changed(&self, chat: &TgChat, by: &TgUser, old_status: &str, new_status: &str) -> Injected {
        let mut st = self.inner.state.lock();
        if st.chat_kind(chat.id).is_none() {
            st.register_chat(chat);
        }
        let bot = st.bot.id;
        let new = MemberStatus::parse(new_status).unwrap_or(MemberStatus::Member);
        if chat.kind == TgChatKind::Private {
            if new == MemberStatus::Kicked {
                st.blocks.insert(chat.id, SendBlock::Blocked);
            } else if matches!(st.blocks.get(&chat.id), Some(SendBlock::Blocked)) {
                st.blocks.remove(&chat.id);
            }
        } else {
            st.members.insert((chat.id, bot), new);
        }
        let old = MemberStatus::parse(old_status).unwrap_or(MemberStatus::Left);
        let (old, new) = (st.member_json(chat.id, bot, old), st.member_json(chat.id, bot, new));
        let update = self.member_update(&mut st, chat, by, old, new);
        let update_id = st.push_update("my_chat_member", update);
        drop(st);
        self.notify_updates();
        Injected { update_id, message_id: None, callback_query_id: None }
    }

    /// Another member's status changed (`chat_member`; the bot receives it
    /// only when it asks for it in `allowed_updates`, like on Telegram).
    pub fn chat_member_changed(
        &self,
        chat: &TgChat,
        user: &TgUser,
        by: &TgUser,
        old_status: &str,
        new_status: &str,
    ) -> Injected {
        let mut st = self.inner.state.lock();
        if st.chat_kind(chat.id).is_none() {
            st.register_chat(chat);
        }
        if !st.users.contains_key(&user.id) {
            st.register_user(user.clone());
        }
        if let Some(s) = MemberStatus::parse(new_status) {
            st.members.insert((chat.id, user.id), s);
        }
        let old = MemberStatus::parse(old_status).unwrap_or(MemberStatus::Left);
        let new = MemberStatus::parse(new_status).unwrap_or(MemberStatus::Member);
        let (old, new) = (st.member_json(chat.id, user.id, old), st.member_json(chat.id, user.id, new));
        let update = self.member_update(&mut st, chat, by, old, new);
        let update_id = st.push_update("chat_member", update);
        drop(st);
        self.notify_updates();
        Injected { update_id, message_id: None, callback_query_id: None }
    }

    /// Someone made the bot an administrator of a group with these rights:
    /// the bot gets `my_chat_member` (from its status before to
    /// administrator), and getChatMember reports the rights from now on.
    pub fn bot_promoted(&self, chat: &TgChat, by: &TgUser, rights: AdminRights) -> Injected {
        let mut st = self.inner.state.lock();
        if st.chat_kind(chat.id).is_none() {
            st.register_chat(chat);
        }
        let bot = st.bot.id;
        let old = st.member_json(chat.id, bot, st.member_status(chat.id, bot));
        st.members.insert((chat.id, bot), MemberStatus::Administrator);
        st.rights.insert((chat.id, bot), rights);
        let new = st.member_json(chat.id, bot, MemberStatus::Administrator);
        let update = self.member_update(&mut st, chat, by, old, new);
        let update_id = st.push_update("my_chat_member", update);
        drop(st);
        self.notify_updates();
        Injected { update_id, message_id: None, callback_query_id: None }
    }

    fn member_update(&self, st: &mut State, chat: &TgChat, by: &TgUser, old: Value, new: Value) -> Value {
        if !st.users.contains_key(&by.id) {
            st.register_user(by.clone());
        }
        json!({
            "chat": st.chat_json(chat.id),
            "from": st.user_json(by.id),
            "date": unix_now(),
            "old_chat_member": old,
            "new_chat_member": new,
        })
    }

    // ----- forum topics people open and close ---------------------------------

    /// A member opens a topic in a forum (no rights checked). The bot gets
    /// the `forum_topic_created` service message; its message id is the new
    /// topic's thread id (`Injected::message_id`).
    ///
    /// # Panics
    /// When the chat is not a forum.
    pub fn create_topic(&self, by: &TgUser, chat: &TgChat, name: &str) -> Injected {
        let mut st = self.inner.state.lock();
        assert!(forum::is_forum(&st, chat.id), "fake Telegram: chat {} is not a forum", chat.id);
        if !st.users.contains_key(&by.id) {
            st.register_user(by.clone());
        }
        let (thread, json) =
            forum::open_topic(&mut st, chat.id, by.id, name.to_owned(), forum::DEFAULT_ICON_COLOR, None);
        let update_id = st.push_update("message", json);
        drop(st);
        self.notify_updates();
        Injected { update_id, message_id: Some(thread), callback_query_id: None }
    }

    /// A member closes (`closed`) or reopens a topic; the bot gets the
    /// `forum_topic_closed` or `forum_topic_reopened` service message.
    ///
    /// # Panics
    /// When there is no such topic or it already is in that state.
    pub fn set_topic_closed(&self, by: &TgUser, chat: &TgChat, thread_id: i64, closed: bool) -> Injected {
        let mut st = self.inner.state.lock();
        if !st.users.contains_key(&by.id) {
            st.register_user(by.clone());
        }
        let json = forum::set_closed(&mut st, chat.id, thread_id, by.id, closed)
            .unwrap_or_else(|| panic!("fake Telegram: no topic {thread_id} in {} to close or reopen", chat.id));
        let message_id = json.get("message_id").and_then(Value::as_i64);
        let update_id = st.push_update("message", json);
        drop(st);
        self.notify_updates();
        Injected { update_id, message_id, callback_query_id: None }
    }

    /// Queues any update; the server assigns `update_id`. An `update_id`
    /// present in the value is replaced.
    pub fn inject_raw(&self, update_without_id: Value) -> i64 {
        let mut st = self.inner.state.lock();
        let (kind, body) = match update_without_id {
            Value::Object(mut m) => {
                m.remove("update_id");
                let key = m.keys().next().cloned().unwrap_or_default();
                let kind = UPDATE_KINDS.iter().find(|k| **k == key).copied().unwrap_or("unknown");
                let body = m.remove(&key).unwrap_or(Value::Null);
                (kind, body)
            }
            other => ("unknown", other),
        };
        let id = st.push_update(kind, body);
        drop(st);
        self.notify_updates();
        id
    }

    // ----- observation --------------------------------------------------------

    /// Every call the bot made, in the order they were answered.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.log.lock().iter().map(|r| (**r).clone()).collect()
    }

    /// Calls of one method (any case: "sendMessage" or "sendmessage").
    pub fn requests_for(&self, method: &str) -> Vec<RecordedRequest> {
        let m = method.to_ascii_lowercase();
        self.inner.log.lock().iter().filter(|r| r.method == m).map(|r| (**r).clone()).collect()
    }

    /// Number of recorded calls so far; pass it to
    /// [`wait_for_request_after`](Self::wait_for_request_after).
    pub fn mark(&self) -> usize {
        self.inner.log.lock().len()
    }

    /// Forgets the recorded calls (marks taken before become stale).
    pub fn clear_requests(&self) {
        self.inner.log.lock().clear();
    }

    /// The first recorded call matching `pred`, waiting up to `timeout` for it.
    pub async fn wait_for_request<F: Fn(&RecordedRequest) -> bool>(
        &self,
        pred: F,
        timeout: Duration,
    ) -> Option<RecordedRequest> {
        self.wait_for_request_after(0, pred, timeout).await
    }

    /// The first call recorded after `mark` that matches `pred`, waiting up to
    /// `timeout`. Waits on a Notify, so it returns as soon as the call is in.
    pub async fn wait_for_request_after<F: Fn(&RecordedRequest) -> bool>(
        &self,
        mark: usize,
        pred: F,
        timeout: Duration,
    ) -> Option<RecordedRequest> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut next = mark;
        loop {
            let notified = self.inner.log_notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            // Only the new entries are copied out, and `pred` runs without
            // the lock, so it may itself look at the fake.
            let fresh: Vec<Arc<RecordedRequest>> = {
                let log = self.inner.log.lock();
                log.get(next..).map(<[_]>::to_vec).unwrap_or_default()
            };
            next += fresh.len();
            if let Some(r) = fresh.into_iter().find(|r| pred(r)) {
                return Some((*r).clone());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let fresh: Vec<Arc<RecordedRequest>> = {
                    let log = self.inner.log.lock();
                    log.get(next..).map(<[_]>::to_vec).unwrap_or_default()
                };
                return fresh.into_iter().find(|r| pred(r)).map(|r| (*r).clone());
            }
        }
    }

    /// Waits until the bot has confirmed every queued update (its next
    /// getUpdates moved the offset past them). Returns false on timeout.
    pub async fn wait_until_updates_confirmed(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.log_notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.pending_updates() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.pending_updates() == 0;
            }
        }
    }

    /// Every message of a chat as members see it now, oldest first
    /// (empty while history keeping is off).
    pub fn messages_in(&self, chat_id: i64) -> Vec<TgMessageState> {
        let st = self.inner.state.lock();
        st.history
            .get(&chat_id)
            .map(|list| list.iter().map(|m| st.message_state(chat_id, m)).collect())
            .unwrap_or_default()
    }

    /// The bot's messages in a chat that are not deleted.
    pub fn bot_messages_in(&self, chat_id: i64) -> Vec<TgMessageState> {
        let st = self.inner.state.lock();
        st.history
            .get(&chat_id)
            .map(|list| {
                list.iter().filter(|m| m.from_bot && !m.deleted).map(|m| st.message_state(chat_id, m)).collect()
            })
            .unwrap_or_default()
    }

    pub fn last_bot_message(&self, chat_id: i64) -> Option<TgMessageState> {
        let st = self.inner.state.lock();
        let list = st.history.get(&chat_id)?;
        let m = list.iter().rev().find(|m| m.from_bot && !m.deleted)?;
        Some(st.message_state(chat_id, m))
    }

    /// One message, deleted or not.
    pub fn message(&self, chat_id: i64, message_id: i64) -> Option<TgMessageState> {
        let st = self.inner.state.lock();
        let m = st.find_message(chat_id, message_id)?;
        Some(st.message_state(chat_id, m))
    }

    /// The topics of a forum, oldest first (deleted ones are gone).
    pub fn topics(&self, chat_id: i64) -> Vec<TgTopic> {
        let st = self.inner.state.lock();
        st.topics
            .get(&chat_id)
            .map(|topics| topics.iter().map(|(id, t)| forum::tg_topic(chat_id, *id, t)).collect())
            .unwrap_or_default()
    }

    /// One topic of a forum, if it exists.
    pub fn topic(&self, chat_id: i64, thread_id: i64) -> Option<TgTopic> {
        let st = self.inner.state.lock();
        forum::topic(&st, chat_id, thread_id).map(|t| forum::tg_topic(chat_id, thread_id, t))
    }

    /// The messages of one forum topic as members see them, oldest first:
    /// the service message that created it, then everything posted there
    /// (deleted messages included, marked).
    pub fn thread_messages(&self, chat_id: i64, thread_id: i64) -> Vec<TgMessageState> {
        let st = self.inner.state.lock();
        st.history
            .get(&chat_id)
            .map(|list| {
                list.iter().filter(|m| m.thread == Some(thread_id)).map(|m| st.message_state(chat_id, m)).collect()
            })
            .unwrap_or_default()
    }

    /// Answers to callback queries: (callback id, text, show_alert).
    pub fn callback_answers(&self) -> Vec<(String, Option<String>, bool)> {
        self.inner.state.lock().callback_answers.iter().map(|a| (a.id.clone(), a.text.clone(), a.show_alert)).collect()
    }

    /// The default-scope command menu for a language (`None`: all languages).
    pub fn my_commands(&self, language_code: Option<&str>) -> Vec<(String, String)> {
        self.commands_for_scope("default", language_code)
    }

    /// The command menu of a scope key: "default", "all_private_chats",
    /// "all_group_chats", "all_chat_administrators", `chat:<id>`,
    /// `chat_administrators:<id>` or `chat_member:<chat>:<user>`.
    pub fn commands_for_scope(&self, scope: &str, language_code: Option<&str>) -> Vec<(String, String)> {
        let key = (scope.to_owned(), language_code.unwrap_or("").to_owned());
        self.inner.state.lock().commands.get(&key).cloned().unwrap_or_default()
    }

    /// Updates queued and not yet confirmed through `offset`.
    pub fn pending_updates(&self) -> usize {
        self.inner.state.lock().updates.len()
    }

    /// The current webhook URL, if one is set.
    pub fn webhook_url(&self) -> Option<String> {
        self.inner.state.lock().webhook.as_ref().map(|w| w.url.clone())
    }

    /// Follows what the bot does (for the browser sandbox).
    pub fn subscribe(&self) -> broadcast::Receiver<FakeEvent> {
        self.inner.state.lock().events.subscribe()
    }

    // ----- Telegram under pressure ----------------------------------------

    /// The member blocked the bot: sends answer 403 "bot was blocked by the user".
    pub fn block_chat(&self, chat_id: i64) {
        self.inner.state.lock().blocks.insert(chat_id, SendBlock::Blocked);
    }

    /// Undoes [`block_chat`](Self::block_chat), [`deactivate_user`](Self::deactivate_user)
    /// and [`set_chat_error`](Self::set_chat_error).
    pub fn unblock_chat(&self, chat_id: i64) {
        self.inner.state.lock().blocks.remove(&chat_id);
    }

    /// The account was deleted: sends answer 403 "user is deactivated".
    pub fn deactivate_user(&self, chat_id: i64) {
        self.inner.state.lock().blocks.insert(chat_id, SendBlock::Deactivated);
    }

    /// Any other refusal for sends to a chat, e.g.
    /// `(400, "Bad Request: CHAT_WRITE_FORBIDDEN")` or
    /// `(403, "Forbidden: the group chat was deleted")`.
    pub fn set_chat_error(&self, chat_id: i64, code: u16, description: &str) {
        self.inner.state.lock().blocks.insert(chat_id, SendBlock::Custom(TgError::new(code, description.to_owned())));
    }

    /// The group became a supergroup: every call naming `old_id` answers 400
    /// with `migrate_to_chat_id = new_id`; the new supergroup exists.
    pub fn migrate_group(&self, old_id: i64, new_id: i64) {
        let mut st = self.inner.state.lock();
        let title = st.groups.get(&old_id).map(|g| g.title.clone()).unwrap_or_else(|| "Group".into());
        st.register_chat(&TgChat { id: new_id, kind: TgChatKind::Supergroup, title: Some(title) });
        st.migrations.insert(old_id, new_id);
    }

    /// Enforces flood limits on send methods (default: off).
    pub fn set_limits(&self, limits: Limits) {
        self.inner.state.lock().limiter.set(limits);
    }

    /// Answers this share of send calls with 502 Bad Gateway (seed 0).
    pub fn inject_server_errors(&self, rate: f64) {
        self.inject_server_errors_seeded(rate, 0);
    }

    /// Like [`inject_server_errors`](Self::inject_server_errors) with a chosen
    /// seed; the same seed fails the same calls.
    pub fn inject_server_errors_seeded(&self, rate: f64, seed: u64) {
        self.inner.state.lock().chaos.set(rate, seed);
    }

    /// The next call of `method` fails with `failure` (queue several to fail
    /// several calls). Works for every method, getUpdates and getMe included.
    pub fn fail_next(&self, method: &str, failure: InjectedFailure) {
        let mut e = TgError::new(failure.status, failure.description);
        e.retry_after = failure.retry_after;
        e.migrate_to_chat_id = failure.migrate_to_chat_id;
        self.inner.state.lock().failures.push_back((method.to_ascii_lowercase(), e));
    }

    /// Delay added to every call except getUpdates.
    pub fn set_latency(&self, d: Duration) {
        self.inner.state.lock().latency = d;
    }

    /// Delay added to calls addressed to `chat_id` only (a hung request);
    /// `Duration::ZERO` removes it.
    pub fn set_chat_latency(&self, chat_id: i64, d: Duration) {
        let mut st = self.inner.state.lock();
        if d.is_zero() {
            st.chat_latency.remove(&chat_id);
        } else {
            st.chat_latency.insert(chat_id, d);
        }
    }

    /// How many 429 answers flood control gave.
    pub fn too_many_429s(&self) -> usize {
        self.inner.state.lock().limiter.count_429
    }

    /// Successful sends of new messages: (chat, message id, when).
    pub fn deliveries(&self) -> Vec<(i64, i64, Instant)> {
        self.inner.state.lock().deliveries.clone()
    }

    /// Number of successful sends so far, without copying them.
    pub fn delivery_count(&self) -> usize {
        self.inner.state.lock().deliveries.len()
    }

    /// With `false`, message bodies, file bytes and successful answers are no
    /// longer kept (ids, deliveries and flood control still work), so
    /// benchmarks can send millions of messages. Edits and deletes of
    /// messages whose bodies were dropped succeed without checks.
    pub fn set_keep_history(&self, on: bool) {
        self.inner.state.lock().keep_history = on;
        self.inner.keep_history.store(on, Ordering::Relaxed);
    }

    /// With `false`, calls are no longer recorded (waiting for requests then
    /// times out).
    pub fn set_record_requests(&self, on: bool) {
        self.inner.record_requests.store(on, Ordering::Relaxed);
    }

    /// Current Unix time as the fake stamps messages.
    pub fn unix_time(&self) -> i64 {
        unix_now()
    }

    /// When a call arrived relative to now, for tests measuring rates.
    pub fn now(&self) -> Instant {
        now()
    }
}

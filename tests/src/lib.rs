//! End-to-end harness: the real `basis` application (the code `basis run`
//! runs) against the fake Bot API on 127.0.0.1 and a real database. One
//! method per thing a person does.

use std::sync::Arc;
use std::time::Duration;

use basis::broadcaster::{self, Broadcaster};
use basis::{Application, Config, Hooks, PluginGroup, StartError};
use basis_storage::testing::TestDatabase;
use basis_storage::{ChatKind, Content, NewBroadcast, PRIORITY_NORMAL, Progress};
use basis_telegram_fake::{FakeTelegram, RecordedRequest, TgChat, TgMessageState, TgUser};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a test waits for the bot before it fails (an upper bound, never
/// a sleep: the wait ends as soon as the request arrives).
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Someone in a chat: a member in their private chat, or in a group.
#[derive(Clone)]
pub struct Member {
    pub user: TgUser,
    pub chat: TgChat,
}

impl Member {
    pub fn chat_id(&self) -> i64 {
        self.chat.id
    }
}

pub struct TestApp {
    pub fake: FakeTelegram,
    pub db: TestDatabase,
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), StartError>>,
    pub broadcaster: Broadcaster,
    /// Where `/healthz`, `/readyz`, `/metrics` (and a webhook) answer.
    pub http: Option<std::net::SocketAddr>,
}

/// Broadcaster settings for tests: fast retries and frequent progress.
pub fn quick_broadcasts() -> broadcaster::Settings {
    broadcaster::Settings {
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(400),
        progress_every: Duration::from_millis(200),
        idle_poll: Duration::from_millis(50),
        ..broadcaster::Settings::default()
    }
}

/// Outbound settings for conversation tests: production's, but with no
/// per-chat limit on replies (broadcasts keep theirs).
pub fn conversation_outbound() -> basis_outbound::Settings {
    basis_outbound::Settings { chat_burst: 10_000, group_burst: 10_000, ..basis_outbound::Settings::default() }
}

/// Outbound settings as in production.
pub fn production_outbound() -> basis_outbound::Settings {
    basis_outbound::Settings::default()
}

pub fn config_for(fake: &FakeTelegram, db: &TestDatabase) -> Config {
    Config {
        token: Some(fake.token().to_owned().into()),
        api_url: fake.api_url(),
        database_url: db.url.clone(),
        organisation: "IG Beispiel".to_owned(),
        // A free port: many bots run side by side in the tests.
        listen: "127.0.0.1:0".to_owned(),
        ..Config::default()
    }
}

impl TestApp {
    pub async fn spawn(db: TestDatabase) -> TestApp {
        Self::spawn_with(db, Hooks::default()).await
    }

    pub async fn spawn_with(db: TestDatabase, hooks: Hooks) -> TestApp {
        Self::spawn_configured(db, hooks, |_| {}).await
    }

    /// Starts the application with a changed configuration.
    pub async fn spawn_configured(db: TestDatabase, hooks: Hooks, change: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_full(db, None, hooks, change).await
    }

    /// Starts the application on `db`, against `fake` if given (a restart
    /// keeps talking to the same "Telegram").
    pub async fn spawn_full(
        db: TestDatabase,
        fake: Option<FakeTelegram>,
        hooks: Hooks,
        change: impl FnOnce(&mut Config),
    ) -> TestApp {
        Self::spawn_plugins(db, fake, hooks, change, basis::DefaultPlugins::default().into_plugins()).await
    }

    /// Starts a bot made of `plugins` (a deployment built on Basis).
    pub async fn spawn_plugins(
        db: TestDatabase,
        fake: Option<FakeTelegram>,
        mut hooks: Hooks,
        change: impl FnOnce(&mut Config),
        plugins: Vec<Arc<dyn basis::Plugin>>,
    ) -> TestApp {
        // Short long-polls keep shutdown quick; the bot still long-polls.
        hooks.poll_timeout.get_or_insert(Duration::from_secs(1));
        // Quick progress reports and retries, so tests finish in seconds.
        hooks.broadcast.get_or_insert_with(quick_broadcasts);
        // A conversation test sends a chat dozens of answers in a row; at
        // Telegram's pace for one chat (a burst of 3, then one per 1.1 s)
        // the authorization matrix alone would take ten minutes. Tests of
        // the limits (outbound.rs, broadcast.rs, the scheduler's own) keep
        // them; the rest lift the per-chat limit for replies.
        hooks.outbound.get_or_insert_with(conversation_outbound);
        let fake = match fake {
            Some(fake) => fake,
            None => FakeTelegram::start().await,
        };
        let mark = fake.mark();
        let mut config = config_for(&fake, &db);
        change(&mut config);
        let app = Application::build_with(config.parse().expect("a valid configuration"), hooks, &plugins)
            .await
            .expect("application builds");
        let broadcaster = app.broadcaster();
        let http = app.http_addr();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(app.run(shutdown.clone()));
        // Start-up ends with the command menus; updates injected from then on
        // wait at the fake server until the dispatcher polls them.
        let menus = |r: &RecordedRequest| r.method == "setmycommands" && r.params.get("language_code").is_none();
        if fake.wait_for_request_after(mark, menus, PATIENCE).await.is_none() {
            let calls: Vec<_> = fake.requests().iter().map(|r| format!("{} {}", r.method, r.status)).collect();
            let outcome = if task.is_finished() { format!("{:?}", task.await) } else { "still running".to_owned() };
            panic!("the bot did not start; requests: {calls:?}; run: {outcome}");
        }
        TestApp { fake, db, shutdown, task, broadcaster, http }
    }

    pub fn storage(&self) -> &basis_storage::Storage {
        &self.db.storage
    }

    /// A member in their private chat; `language` is what their app reports.
    pub fn member(&self, id: i64, language: Option<&str>) -> Member {
        let user = self.fake.user(id, "Alex", language);
        let chat = self.fake.private_chat(&user);
        Member { user, chat }
    }

    /// `user` inside `group`, with the given member status there.
    pub fn in_group(&self, user: &TgUser, group: &TgChat, status: &str) -> Member {
        self.fake.set_member_status(group.id, user.id, status);
        Member { user: user.clone(), chat: group.clone() }
    }

    /// Sends `text` and returns the bot's next new message in that chat.
    pub async fn ask(&self, who: &Member, text: &str) -> TgMessageState {
        let mark = self.fake.mark();
        self.fake.send_text(&who.user, &who.chat, text);
        self.next_message_after(mark, who.chat.id).await
    }

    /// Sends `text` where no answer is expected, then proves the bot handled
    /// it: updates of one chat run in order, so once `/help` sent after it is
    /// answered, `text` was processed. Returns what the bot sent in between.
    pub async fn say_expecting_silence(&self, who: &Member, text: &str) -> Vec<RecordedRequest> {
        let mark = self.fake.mark();
        self.fake.send_text(&who.user, &who.chat, text);
        self.barrier(who, mark).await
    }

    /// Sends `/help` as `who` and waits for its answer; returns what the bot
    /// sent since `mark`, besides that answer and polling.
    pub async fn barrier(&self, who: &Member, mark: usize) -> Vec<RecordedRequest> {
        self.fake.send_text(&who.user, &who.chat, "/help");
        // Both languages' help lists /privacy with a dash; no other answer does.
        let is_help = |r: &RecordedRequest| {
            r.method == "sendmessage"
                && chat_of(r) == Some(who.chat.id)
                && r.text().is_some_and(|t| t.contains("/privacy –"))
        };
        self.fake.wait_for_request_after(mark, is_help, PATIENCE).await.expect("the bot answers /help");
        self.fake.requests()[mark..].iter().filter(|r| r.method != "getupdates" && !is_help(r)).cloned().collect()
    }

    pub async fn next_message_after(&self, mark: usize, chat_id: i64) -> TgMessageState {
        let sent = self
            .fake
            .wait_for_request_after(mark, |r| r.method == "sendmessage" && chat_of(r) == Some(chat_id), PATIENCE)
            .await
            .unwrap_or_else(|| panic!("no answer in chat {chat_id}"));
        let id = message_id_of(&sent).expect("sendMessage answered with a message");
        self.fake.messages_in(chat_id).into_iter().find(|m| m.message_id == id).expect("message state")
    }

    /// Makes `user` an organizer for `topics` (keys, comma-separated; empty:
    /// all) and `regions` (none: not limited), as if they had opened an
    /// invitation by `by` at `now`.
    pub async fn grant(&self, user: i64, topics: &str, regions: &[&str], by: i64, now: i64) {
        let hash = format!("hash-{user}");
        let topics = basis_storage::TopicList::from_stored(topics);
        let regions: Vec<_> =
            regions.iter().map(|r| basis_storage::RegionKey::parse(r).expect("a region key")).collect();
        let by = basis_storage::UserId(by);
        let storage = self.storage();
        storage.create_invite_within(&hash, &topics, &regions, by, now, now + 3_600_000).await.expect("invite");
        storage.redeem_invite(&hash, basis_storage::UserId(user), "Kim", now).await.expect("redeem");
    }

    /// Presses an inline button and returns the toast the bot answered with.
    pub async fn press(&self, who: &Member, message_id: i64, data: &str) -> Option<String> {
        self.press_for_alert(who, message_id, data).await.0
    }

    /// Presses an inline button and returns the answer's text and whether
    /// it is an alert (a refusal) rather than a toast.
    pub async fn press_for_alert(&self, who: &Member, message_id: i64, data: &str) -> (Option<String>, bool) {
        let mark = self.fake.mark();
        let injected = self.fake.press_button(&who.user, &who.chat, message_id, data);
        let callback_id = injected.callback_query_id.clone().expect("a callback query id");
        let answer = self
            .fake
            .wait_for_request_after(
                mark,
                |r| r.method == "answercallbackquery" && r.params["callback_query_id"].as_str() == Some(&callback_id),
                PATIENCE,
            )
            .await
            .expect("the bot answers the button press");
        let text = answer.params.get("text").and_then(|t| t.as_str()).map(str::to_owned);
        (text, answer.params.get("show_alert").and_then(|a| a.as_bool()).unwrap_or(false))
    }

    /// The current state of a message in a chat.
    pub fn message(&self, chat_id: i64, message_id: i64) -> TgMessageState {
        self.fake.messages_in(chat_id).into_iter().find(|m| m.message_id == message_id).expect("message exists")
    }

    /// Members `ids` who follow `topics`, stored directly (fast) and known to
    /// the fake server.
    pub async fn subscribers(&self, ids: impl IntoIterator<Item = i64>, topics: &[&str]) {
        let ids: Vec<i64> = ids.into_iter().collect();
        self.fake.add_private_chats(ids.iter().copied().filter(|id| *id > 0));
        for group in ids.iter().copied().filter(|id| *id < 0) {
            self.fake.group(group, "Gruppe");
        }
        for id in ids {
            let kind = if id > 0 { ChatKind::Private } else { ChatKind::Group };
            self.storage().ensure_chat(basis_storage::ChatId(id), kind, "de", 0).await.expect("store chat");
            for topic in topics {
                self.storage().subscribe(basis_storage::ChatId(id), topic, 0).await.expect("store subscription");
            }
        }
    }

    /// Queues a text post to `topics` with `organizer`'s chat getting the
    /// progress message; returns the broadcast id.
    pub async fn post(&self, organizer: &Member, topics: &[&str], text: &str, priority: i64) -> i64 {
        let new = NewBroadcast {
            author_id: basis_storage::UserId(organizer.user.id),
            content: Content::Text(text.to_owned()),
            topics: basis_storage::TopicList::parse_all(topics.iter().copied()).expect("topic keys"),
            priority,
            report_chat_id: Some(basis_storage::ChatId(organizer.chat.id)),
            report_locale: organizer.user.language_code.clone().unwrap_or_else(|| "de".to_owned()),
            ref_broadcast_id: None,
        };
        (self.broadcaster.enqueue(new).await.expect("queue the broadcast").0).0
    }

    pub async fn post_normal(&self, organizer: &Member, topics: &[&str], text: &str) -> i64 {
        self.post(organizer, topics, text, PRIORITY_NORMAL).await
    }

    /// Waits for the final report of broadcast `id` and returns its figures.
    pub async fn finished(&self, organizer: &Member, id: i64, within: Duration) -> (Progress, String) {
        let tag = format!("#{id} ");
        let report = self
            .fake
            .wait_for_request(
                |r| {
                    r.method == "editmessagetext"
                        && chat_of(r) == Some(organizer.chat.id)
                        && r.text().is_some_and(|t| t.starts_with('✅') && t.contains(&tag))
                },
                within,
            )
            .await;
        let Some(report) = report else {
            let progress = self.storage().progress(basis_storage::BroadcastId(id)).await;
            panic!("broadcast {id} did not finish in {within:?}: {progress:?}, 429s: {}", self.fake.too_many_429s());
        };
        let progress = self.storage().progress(basis_storage::BroadcastId(id)).await.expect("progress");
        (progress, report.text().unwrap_or_default().to_owned())
    }

    /// Texts each chat received, in order (bot messages only).
    pub fn received(&self, chat_id: i64) -> Vec<String> {
        self.fake.bot_messages_in(chat_id).into_iter().filter_map(|m| m.text).collect()
    }

    pub async fn subscriptions(&self, chat_id: i64) -> Vec<String> {
        self.storage().subscriptions(basis_storage::ChatId(chat_id)).await.expect("read subscriptions")
    }

    /// Stops the application gracefully and hands back its database and
    /// fake server, for a restart.
    pub async fn stop_keeping_state(self) -> (TestDatabase, FakeTelegram) {
        self.shutdown.cancel();
        self.task.await.expect("the application task ends").expect("a clean stop");
        (self.db, self.fake)
    }

    pub async fn stop(self) -> Result<(), StartError> {
        self.shutdown.cancel();
        let result = self.task.await.expect("the application task ends");
        self.fake.shutdown().await;
        result
    }
}

/// The chat a Bot API request is addressed to.
pub fn chat_of(request: &RecordedRequest) -> Option<i64> {
    request.chat_id()
}

/// The id of the message a successful send created.
pub fn message_id_of(request: &RecordedRequest) -> Option<i64> {
    request.response.as_ref()?["result"]["message_id"].as_i64()
}

/// Button labels and callback data of an inline keyboard, row by row.
pub fn buttons(message: &TgMessageState) -> Vec<(String, String)> {
    let Some(markup) = &message.reply_markup else {
        return Vec::new();
    };
    markup["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["text"].as_str().unwrap_or_default().to_owned(),
                b["callback_data"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

pub type SharedProbe = Arc<dyn Fn(&teloxide::types::Update) + Send + Sync>;

/// A clock the tests move forward: real time plus an offset, so that what
/// happens "tomorrow" is tested now, without sleeping.
#[derive(Clone, Default)]
pub struct TestClock {
    offset_ms: Arc<std::sync::atomic::AtomicI64>,
}

impl TestClock {
    pub fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(by.as_millis() as i64, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn now(&self) -> i64 {
        basis_storage::now_ms() + self.offset_ms.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The application's clock, reading this one.
    pub fn hooks(&self) -> Hooks {
        let clock = self.clone();
        Hooks { clock: Some(Arc::new(move || clock.now())), ..Hooks::default() }
    }
}

/// Regions as a union might configure them: Niedersachsen (Lower Saxony)
/// with Wolfsburg (and the VW plant below it) and Hannover, Hessen (Hesse)
/// with Kassel.
pub fn regions() -> Vec<basis::config::RegionConfig> {
    let region = |key: &str, de: &str, en: &str, parent: Option<&str>| basis::config::RegionConfig {
        key: key.to_owned(),
        name: [("de".to_owned(), de.to_owned()), ("en".to_owned(), en.to_owned())].into(),
        parent: parent.map(str::to_owned),
    };
    vec![
        region("niedersachsen", "Niedersachsen", "Lower Saxony", None),
        region("wolfsburg", "Wolfsburg", "Wolfsburg", Some("niedersachsen")),
        region("vw-werk", "VW-Werk", "VW plant", Some("wolfsburg")),
        region("hannover", "Hannover", "Hanover", Some("niedersachsen")),
        region("hessen", "Hessen", "Hesse", None),
        region("kassel", "Kassel", "Kassel", Some("hessen")),
    ]
}

/// The text `id` in `locale` with `args`, as the bot renders it: tests
/// compare answers with the locale files rather than repeat their words.
pub fn text(locale: basis::Locale, id: &str, args: &[(&str, &str)]) -> String {
    let texts = basis_handlers::Texts::load();
    let args: std::collections::HashMap<&str, &str> = args.iter().copied().collect();
    texts.get(locale).get_args(id, args)
}

/// The invitation link in an owner's `/invite` answer, as `(payload, link)`.
pub fn invite_link(answer: &str) -> Option<(String, String)> {
    let link = answer.split_whitespace().find(|w| w.starts_with("https://t.me/"))?;
    let payload = link.split_once("?start=")?.1;
    Some((payload.to_owned(), link.to_owned()))
}

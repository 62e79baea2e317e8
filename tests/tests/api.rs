//! The posting API and feed intake, end to end: real HTTP against the
//! application's own listener, tokens made in Telegram, posts delivered
//! through the real broadcaster to the fake Bot API, feeds served by a
//! local HTTP server, on SQLite and PostgreSQL. The logs of every run in
//! this binary are captured, and none holds an API token.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use basis::{Config, Plugin, PluginGroup};
use basis_api::{FeedConfig, Feeds, Mode, PostingApi, Settings};
use basis_handlers::RegionCatalog;
use basis_storage::testing::TestDatabase;
use basis_tests::{Member, PATIENCE, TestApp, TestClock, buttons, invite_link};
use serde_json::{Value, json};

const OWNER: i64 = 500;
const WAIT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------
// Logs: every test of this binary writes into one capture, at debug level.

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The logs of this test binary so far, written as `basis run` writes them
/// (and once more without its secret filter).
fn logs() -> (Capture, Capture) {
    static LOGS: OnceLock<(Capture, Capture)> = OnceLock::new();
    LOGS.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        let (text, raw) = (Capture::default(), Capture::default());
        let (t, r) = (text.clone(), raw.clone());
        tracing_subscriber::registry()
            .with(tracing_subscriber::EnvFilter::new("debug"))
            .with(basis::telemetry::layer(basis::telemetry::LogFormat::Text, move || t.clone(), false))
            .with(tracing_subscriber::fmt::layer().with_ansi(false).with_writer(move || r.clone()))
            .try_init()
            .expect("the only subscriber in this test binary");
        (text, raw)
    })
    .clone()
}

// ---------------------------------------------------------------------------
// The application with the posting API.

struct Bot {
    app: TestApp,
    feeds: Feeds,
    client: reqwest::Client,
    base: String,
}

fn configure(approval: bool) -> impl FnOnce(&mut Config) {
    move |c: &mut Config| {
        c.owners = vec![OWNER];
        c.rate_limit = 1000;
        c.paid_broadcast = true;
        c.approval = approval;
    }
}

async fn start_with(
    db: TestDatabase,
    fake: Option<basis_telegram_fake::FakeTelegram>,
    clock: &TestClock,
    settings: Settings,
    approval: bool,
) -> Bot {
    logs();
    let api = PostingApi::new(settings);
    let feeds = api.feeds();
    let mut plugins = basis::DefaultPlugins::default().into_plugins();
    plugins.push(Arc::new(api) as Arc<dyn Plugin>);
    let app = TestApp::spawn_plugins(db, fake, clock.hooks(), configure(approval), plugins).await;
    let base = format!("http://{}", app.http.expect("the listener is on"));
    Bot { app, feeds, client: reqwest::Client::new(), base }
}

/// The bot with the posting API and the test regions.
async fn start_with_regions(db: TestDatabase) -> Bot {
    logs();
    let api = PostingApi::new(Settings::default());
    let feeds = api.feeds();
    let mut plugins = basis::DefaultPlugins::default().into_plugins();
    plugins.push(Arc::new(api) as Arc<dyn Plugin>);
    let configure = |c: &mut Config| {
        configure(false)(c);
        c.regions = basis_tests::regions();
    };
    let app = TestApp::spawn_plugins(db, None, TestClock::default().hooks(), configure, plugins).await;
    let base = format!("http://{}", app.http.expect("the listener is on"));
    Bot { app, feeds, client: reqwest::Client::new(), base }
}

async fn start(db: TestDatabase) -> Bot {
    start_with(db, None, &TestClock::default(), Settings::default(), false).await
}

/// The token in `/apitoken`'s answer.
fn token_in(answer: &str) -> String {
    let token = answer.split_whitespace().find(|w| w.starts_with("basis_"));
    token.unwrap_or_else(|| panic!("no token in {answer:?}")).to_owned()
}

impl Bot {
    fn owner(&self) -> Member {
        self.app.member(OWNER, Some("en"))
    }

    /// An owner makes a token in Telegram: `/apitoken <args>`.
    async fn token(&self, args: &str) -> String {
        let answer = self.app.ask(&self.owner(), &format!("/apitoken {args}")).await.text.unwrap_or_default();
        token_in(&answer)
    }

    async fn post(&self, token: Option<&str>, body: Value) -> (u16, Value) {
        self.post_with(token, None, body).await
    }

    async fn post_with(&self, token: Option<&str>, key: Option<&str>, body: Value) -> (u16, Value) {
        let mut request = self.client.post(format!("{}/api/v1/broadcasts", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        answer(request).await
    }

    async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        answer(self.client.get(format!("{}{path}", self.base)).bearer_auth(token)).await
    }

    async fn call(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        answer(self.client.post(format!("{}{path}", self.base)).bearer_auth(token).json(&body)).await
    }

    /// Waits until broadcast `id` of the API is done; returns its status.
    async fn done(&self, token: &str, id: i64, report_to: &Member) -> Value {
        let (_, status) = self.get(token, &format!("/api/v1/broadcasts/{id}")).await;
        let broadcast = status["broadcast"].as_i64().unwrap_or_else(|| panic!("not queued: {status}"));
        self.app.finished(report_to, broadcast, WAIT).await;
        self.get(token, &format!("/api/v1/broadcasts/{id}")).await.1
    }

    /// How many broadcasts Basis has queued in all.
    async fn broadcasts(&self) -> i64 {
        basis_api::store::count(self.app.storage(), "broadcasts").await.unwrap()
    }

    /// Copies of `text` each chat of `chats` received.
    fn copies(&self, chats: impl IntoIterator<Item = i64>, text: &str) -> Vec<usize> {
        chats.into_iter().map(|chat| self.app.received(chat).iter().filter(|t| t.as_str() == text).count()).collect()
    }

    async fn stop(self) {
        self.app.stop().await.expect("a clean stop");
    }
}

async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("the listener answers");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")))
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {body}"))
}

/// Waits until every chat of `chats` got a message with `text`.
async fn delivered(app: &TestApp, chats: impl IntoIterator<Item = i64>, text: &str) {
    for chat in chats {
        let got = app
            .fake
            .wait_for_request(
                |r| r.method == "sendmessage" && r.chat_id() == Some(chat) && r.text() == Some(text),
                WAIT,
            )
            .await;
        assert!(got.is_some(), "chat {chat} never got {text:?}");
    }
}

// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_made_in_telegram_posts_to_its_topics_and_every_subscriber_gets_the_post_once() {
    for db in TestDatabase::every_engine().await {
        let bot = start(db).await;
        bot.app.subscribers(81_000..81_020, &["strikes", "energy"]).await;
        bot.app.subscribers(81_100..81_105, &["europe"]).await;
        let token = bot.token("cms strikes,energy").await;

        let text = "Warnstreik morgen ab 6 Uhr vor Tor 3";
        let (status, created) = bot.post(Some(&token), json!({"topics": ["strikes", "energy"], "text": text})).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["status"], "queued");
        assert_eq!(created["recipients"], 20, "members following both topics count once");

        let id = created["id"].as_i64().unwrap();
        let done = bot.done(&token, id, &bot.owner()).await;
        assert_eq!(done["status"], "done", "{done}");
        assert_eq!(done["counts"], json!({"delivered": 20, "blocked": 0, "failed": 0, "pending": 0}));
        assert_eq!(bot.copies(81_000..81_020, text), vec![1; 20], "each subscriber got the post once");
        assert_eq!(bot.copies(81_100..81_105, text), vec![0; 5], "other topics' followers got nothing");

        let audit = bot.app.storage().audit_entries(10).await.unwrap();
        let used = audit.iter().find(|e| e.action == basis_storage::AuditAction::Post).expect("the post is audited");
        assert!(used.detail.starts_with("token cms"), "{used:?}");
        assert!(audit.iter().any(|e| e.action == basis_storage::AuditAction::ApiToken && e.subject == "cms"));
        bot.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_idempotency_key_twice_makes_one_broadcast() {
    for db in TestDatabase::every_engine().await {
        let bot = start(db).await;
        bot.app.subscribers(82_000..82_010, &["strikes"]).await;
        let token = bot.token("cms strikes").await;
        let body = json!({"topics": ["strikes"], "text": "Tarifrunde: erstes Angebot liegt vor"});

        let (first, a) = bot.post_with(Some(&token), Some("cms-article-4711"), body.clone()).await;
        let (again, b) = bot.post_with(Some(&token), Some("cms-article-4711"), body.clone()).await;
        assert_eq!((first, again), (201, 201), "{a} {b}");
        assert_eq!(a["id"], b["id"], "the retry answers with the first broadcast");
        let done = bot.done(&token, a["id"].as_i64().unwrap(), &bot.owner()).await;
        assert_eq!(done["counts"]["delivered"], 10);
        assert_eq!(bot.broadcasts().await, 1, "one broadcast, not two");
        assert_eq!(bot.copies(82_000..82_010, "Tarifrunde: erstes Angebot liegt vor"), vec![1; 10]);

        let changed = json!({"topics": ["strikes"], "text": "something else"});
        let (status, error) = bot.post_with(Some(&token), Some("cms-article-4711"), changed).await;
        assert_eq!((status, code(&error)), (422, "idempotency_key_reused"));
        let (status, _) = bot.post_with(Some(&token), Some("cms-article-4712"), body).await;
        assert_eq!(status, 201, "another key is another broadcast");
        assert_eq!(bot.broadcasts().await, 2);
        bot.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_requests_get_json_errors_and_change_nothing() {
    for db in TestDatabase::every_engine().await {
        let settings = Settings { max_body_bytes: 64 * 1024, ..Settings::default() };
        let bot = start_with(db, None, &TestClock::default(), settings, false).await;
        bot.app.subscribers(83_000..83_003, &["strikes", "energy"]).await;
        let token = bot.token("cms strikes").await;
        let ok = |text: &str| json!({"topics": ["strikes"], "text": text});

        let (status, body) = bot.post(None, ok("no token")).await;
        assert_eq!((status, code(&body)), (401, "missing_token"));
        let wrong = format!("{}x", &token[..token.len() - 1]);
        let (status, body) = bot.post(Some(&wrong), ok("wrong token")).await;
        assert_eq!((status, code(&body)), (401, "invalid_token"));
        let (status, body) = bot.post(Some(&token), json!({"topics": ["energy"], "text": "not mine"})).await;
        assert_eq!((status, code(&body)), (403, "out_of_scope"));

        let cases = [
            (json!({"topics": ["strikes"], "txt": "typo"}), 400, "bad_request"),
            (json!({"topics": "strikes", "text": "a string"}), 400, "bad_request"),
            (json!({"topics": ["pensions"], "text": "unknown topic"}), 422, "unknown_topic"),
            (json!({"topics": [], "text": "no topic"}), 422, "no_topics"),
            (json!({"topics": ["strikes"], "text": "   "}), 422, "empty_text"),
            (json!({"topics": ["strikes"], "text": "x".repeat(4097)}), 422, "text_too_long"),
            (json!({"topics": ["strikes"], "text": "late", "at": "2020-01-01T06:00:00+01:00"}), 422, "time_in_past"),
            (json!({"topics": ["strikes"], "text": "when?", "at": "morgen 6 Uhr"}), 422, "bad_time"),
            (json!({"topics": ["strikes"], "text": "north", "regions": ["nord"]}), 422, "unknown_region"),
            (json!({"topics": ["strikes"], "text": "x".repeat(70_000)}), 413, "body_too_large"),
        ];
        for (body, expected, expected_code) in cases {
            let (status, error) = bot.post(Some(&token), body).await;
            assert_eq!((status, code(&error)), (expected, expected_code), "{error}");
            assert!(!error["error"]["message"].as_str().unwrap().is_empty());
        }
        let raw = bot
            .client
            .post(format!("{}/api/v1/broadcasts", bot.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status().as_u16(), 400);
        let (status, body) = bot.get(&token, "/api/v1/broadcasts/999").await;
        assert_eq!((status, code(&body)), (404, "not_found"));
        assert_eq!(bot.broadcasts().await, 0, "nothing was queued");
        assert_eq!(basis_api::store::count(bot.app.storage(), "api_broadcasts").await.unwrap(), 0);
        bot.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_stops_working_at_once_and_a_busy_token_is_slowed_down() {
    for db in TestDatabase::every_engine().await {
        let settings = Settings { rate_per_minute: 3, ..Settings::default() };
        let bot = start_with(db, None, &TestClock::default(), settings, false).await;
        bot.app.subscribers(84_000..84_002, &["strikes"]).await;
        let cms = bot.token("cms strikes").await;
        let blog = bot.token("liveblog").await;
        let listing = bot.app.ask(&bot.owner(), "/apitoken").await.text.unwrap_or_default();
        assert!(listing.contains("cms") && listing.contains("liveblog"), "{listing}");
        assert!(!listing.contains(&cms) && !listing.contains(&blog), "tokens are shown once only");

        let (status, one) = bot.post(Some(&cms), json!({"topics": ["strikes"], "text": "one"})).await;
        assert_eq!(status, 201);
        let answer = bot.app.ask(&bot.owner(), "/apitoken revoke cms").await.text.unwrap_or_default();
        assert!(answer.contains("revoked"), "{answer}");
        let (status, body) = bot.post(Some(&cms), json!({"topics": ["strikes"], "text": "two"})).await;
        assert_eq!((status, code(&body)), (401, "invalid_token"), "revoked at once");
        let (status, _) = bot.get(&cms, &format!("/api/v1/broadcasts/{}", one["id"])).await;
        assert_eq!(status, 401);

        // Three requests a minute for a token: the fourth is refused.
        let path = format!("/api/v1/broadcasts/{}", one["id"]);
        for _ in 0..3 {
            let (status, body) = bot.get(&blog, &path).await;
            assert_eq!(status, 200, "a token for all topics reads every API broadcast: {body}");
        }
        let (status, body) = bot.get(&blog, &path).await;
        assert_eq!((status, code(&body)), (429, "rate_limited"));
        bot.stop().await;
    }
}

/// The newest message with buttons in `chat`.
fn with_buttons(app: &TestApp, chat: i64) -> Option<basis_telegram_fake::TgMessageState> {
    app.fake.bot_messages_in(chat).into_iter().rev().find(|m| !buttons(m).is_empty())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_offered_in_telegram_and_nothing_goes_out_before_send() {
    for db in TestDatabase::every_engine().await {
        let bot = start(db).await;
        let members = 85_000..85_008;
        bot.app.subscribers(members.clone(), &["strikes"]).await;
        let owner = bot.owner();
        // Two organizers: one for strikes, one for energy only.
        let mut organizers = Vec::new();
        for (id, scope) in [(601, "strikes"), (602, "energy")] {
            let answer = bot.app.ask(&owner, &format!("/invite {scope}")).await.text.unwrap_or_default();
            let (payload, _) = invite_link(&answer).expect("an invitation");
            let organizer = bot.app.member(id, Some("en"));
            bot.app.ask(&organizer, &format!("/start {payload}")).await;
            organizers.push(organizer);
        }
        let (kim, eva) = (&organizers[0], &organizers[1]);
        let token = bot.token("cms strikes").await;

        let text = "Streikversammlung heute 18 Uhr im Gewerkschaftshaus";
        let (status, created) =
            bot.post(Some(&token), json!({"topics": ["strikes"], "text": text, "mode": "draft"})).await;
        assert_eq!((status, created["status"].as_str()), (201, Some("draft")), "{created}");
        assert_eq!(created["recipients"], 8);
        let id = created["id"].as_i64().unwrap();
        let (_, state) = bot.get(&token, &format!("/api/v1/broadcasts/{id}")).await;
        assert_eq!((state["status"].as_str(), state["broadcast"].as_i64()), (Some("draft"), None));
        let draft = state["draft"].as_i64().expect("a draft in Telegram");

        // The owner and the strikes organizer see the preview with Send / Discard.
        for who in [&owner, kim] {
            bot.app
                .fake
                .wait_for_request(
                    |r| {
                        r.method == "sendmessage"
                            && r.chat_id() == Some(who.chat_id())
                            && r.params.get("reply_markup").is_some()
                            && r.text().is_some_and(|t| t.contains(&format!("#{draft}")))
                    },
                    PATIENCE,
                )
                .await
                .expect("the preview's buttons");
            assert!(bot.copies([who.chat_id()], text) == vec![1], "the preview shows the post as members get it");
            let offer = with_buttons(&bot.app, who.chat_id()).expect("buttons");
            let data: Vec<String> = buttons(&offer).into_iter().map(|(_, d)| d).collect();
            assert_eq!(data, vec![format!("p:s:{draft}"), format!("p:c:{draft}")], "Send and Discard");
        }
        // Offers go out before the API answers: nothing for the energy
        // organizer, and nothing for members.
        assert!(bot.app.fake.bot_messages_in(eva.chat_id()).iter().all(|m| m.text.as_deref() != Some(text)));
        assert!(with_buttons(&bot.app, eva.chat_id()).is_none());
        assert_eq!(bot.copies(members.clone(), text), vec![0; 8], "nothing goes out before Send");
        assert_eq!(bot.broadcasts().await, 0);

        // Someone outside the scope cannot send it, even with forged data.
        let last = bot.app.fake.last_bot_message(eva.chat_id()).unwrap().message_id;
        let refused = bot.app.press(eva, last, &format!("p:s:{draft}")).await;
        assert!(refused.is_some_and(|t| !t.contains("Done")));
        // The organizer sends it and follows its progress in their chat.
        let offer = with_buttons(&bot.app, kim.chat_id()).unwrap();
        assert_eq!(bot.app.press(kim, offer.message_id, &format!("p:s:{draft}")).await.as_deref(), Some("Done."));
        let done = bot.done(&token, id, kim).await;
        assert_eq!((done["status"].as_str(), done["counts"]["delivered"].as_i64()), (Some("done"), Some(8)), "{done}");
        assert_eq!(bot.copies(members.clone(), text), vec![1; 8]);
        // The owner's Send comes too late and sends nothing more.
        let late = with_buttons(&bot.app, owner.chat_id()).unwrap();
        let answer = bot.app.press(&owner, late.message_id, &format!("p:s:{draft}")).await.unwrap_or_default();
        assert!(answer.contains("already"), "{answer}");
        assert_eq!(bot.broadcasts().await, 1);

        // Discard: nothing goes out, and the API says so.
        let (_, second) =
            bot.post(Some(&token), json!({"topics": ["strikes"], "text": "verworfen", "mode": "draft"})).await;
        let (_, state) = bot.get(&token, &format!("/api/v1/broadcasts/{}", second["id"])).await;
        let draft = state["draft"].as_i64().unwrap();
        let offer = bot
            .app
            .fake
            .wait_for_request(
                |r| {
                    r.method == "sendmessage"
                        && r.chat_id() == Some(OWNER)
                        && r.text().is_some_and(|t| t.contains(&format!("#{draft}")))
                },
                PATIENCE,
            )
            .await
            .unwrap();
        let message = offer.response.as_ref().unwrap()["result"]["message_id"].as_i64().unwrap();
        bot.app.press(&owner, message, &format!("p:c:{draft}")).await;
        let (_, state) = bot.get(&token, &format!("/api/v1/broadcasts/{}", second["id"])).await;
        assert_eq!(state["status"], "discarded");
        assert_eq!(bot.broadcasts().await, 1);
        bot.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_person_approval_a_send_becomes_a_draft_too() {
    for db in TestDatabase::every_engine().await {
        let bot = start_with(db, None, &TestClock::default(), Settings::default(), true).await;
        bot.app.subscribers(86_000..86_004, &["strikes"]).await;
        let token = bot.token("cms").await;
        let (status, created) =
            bot.post(Some(&token), json!({"topics": ["strikes"], "text": "Abstimmung läuft"})).await;
        assert_eq!((status, created["status"].as_str()), (201, Some("draft")), "{created}");
        let (_, state) = bot.get(&token, &format!("/api/v1/broadcasts/{}", created["id"])).await;
        let draft = state["draft"].as_i64().unwrap();
        let owner = bot.owner();
        let offer = bot
            .app
            .fake
            .wait_for_request(
                |r| {
                    r.method == "sendmessage"
                        && r.chat_id() == Some(OWNER)
                        && r.text().is_some_and(|t| t.contains(&format!("#{draft}")))
                },
                PATIENCE,
            )
            .await
            .unwrap();
        let message = offer.response.as_ref().unwrap()["result"]["message_id"].as_i64().unwrap();
        assert_eq!(bot.broadcasts().await, 0, "nothing before a person says so");
        assert_eq!(bot.app.press(&owner, message, &format!("p:s:{draft}")).await.as_deref(), Some("Done."));
        bot.done(&token, created["id"].as_i64().unwrap(), &owner).await;
        assert_eq!(bot.copies(86_000..86_004, "Abstimmung läuft"), vec![1; 4]);
        let (status, error) = bot
            .post(Some(&token), json!({"topics": ["strikes"], "text": "später", "at": "2099-01-01T00:00:00Z"}))
            .await;
        assert_eq!((status, code(&error)), (422, "time_too_far"));
        bot.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_by_url_and_by_upload_reach_members_and_corrections_work_like_the_commands() {
    for db in TestDatabase::every_engine().await {
        let bot = start(db).await;
        let members = 87_000..87_005;
        bot.app.subscribers(members.clone(), &["strikes"]).await;
        let token = bot.token("press strikes").await;
        let owner = bot.owner();

        let (status, by_url) = bot
            .post(
                Some(&token),
                json!({"topics": ["strikes"], "text": "Kundgebung", "photo": "https://example.org/demo.jpg"}),
            )
            .await;
        assert_eq!(status, 201, "{by_url}");
        bot.done(&token, by_url["id"].as_i64().unwrap(), &owner).await;
        let form = reqwest::multipart::Form::new()
            .part(
                "request",
                reqwest::multipart::Part::text(json!({"topics": ["strikes"], "text": "Streikposten"}).to_string())
                    .mime_str("application/json")
                    .unwrap(),
            )
            .part(
                "photo",
                reqwest::multipart::Part::bytes(vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3])
                    .file_name("tor3.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
        let (status, upload) =
            answer(bot.client.post(format!("{}/api/v1/broadcasts", bot.base)).bearer_auth(&token).multipart(form))
                .await;
        assert_eq!(status, 201, "{upload}");
        bot.done(&token, upload["id"].as_i64().unwrap(), &owner).await;
        for chat in members.clone() {
            let photos: Vec<Option<String>> = bot
                .app
                .fake
                .bot_messages_in(chat)
                .into_iter()
                .filter(|m| m.kind == "photo")
                .map(|m| m.caption)
                .collect();
            assert_eq!(photos, vec![Some("Kundgebung".to_owned()), Some("Streikposten".to_owned())], "chat {chat}");
        }
        let (status, error) =
            bot.call(&token, &format!("/api/v1/broadcasts/{}/edit", upload["id"]), json!({"text": "x"})).await;
        assert_eq!((status, code(&error)), (422, "not_text"));

        // A text post, edited and then retracted, as /edit and /retract do.
        let (_, text) = bot.post(Some(&token), json!({"topics": ["strikes"], "text": "Treffpunkt Tor 3"})).await;
        let id = text["id"].as_i64().unwrap();
        bot.done(&token, id, &owner).await;
        let (status, edit) =
            bot.call(&token, &format!("/api/v1/broadcasts/{id}/edit"), json!({"text": "Treffpunkt Tor 5"})).await;
        assert_eq!((status, edit["status"].as_str()), (202, Some("editing")), "{edit}");
        bot.app.finished(&owner, edit["correction"].as_i64().unwrap(), WAIT).await;
        for chat in members.clone() {
            let texts = bot.app.received(chat);
            assert!(
                texts.contains(&"Treffpunkt Tor 5".to_owned()) && !texts.contains(&"Treffpunkt Tor 3".to_owned()),
                "{texts:?}"
            );
        }
        let (status, retract) = bot.call(&token, &format!("/api/v1/broadcasts/{id}/retract"), json!({})).await;
        assert_eq!((status, retract["copies"].as_i64()), (202, Some(5)), "{retract}");
        bot.app.finished(&owner, retract["correction"].as_i64().unwrap(), WAIT).await;
        for chat in members.clone() {
            let copy = bot
                .app
                .fake
                .messages_in(chat)
                .into_iter()
                .find(|m| m.text.as_deref() == Some("Treffpunkt Tor 5"))
                .unwrap();
            assert!(copy.deleted, "chat {chat}");
        }
        let (_, state) = bot.get(&token, &format!("/api/v1/broadcasts/{id}")).await;
        assert_eq!(state["status"], "retracted");
        let (status, again) = bot.call(&token, &format!("/api/v1/broadcasts/{id}/retract"), json!({})).await;
        assert_eq!((status, code(&again)), (409, "conflict"));
        bot.stop().await;
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_api_and_needs_no_token() {
    let bot = start(TestDatabase::sqlite().await).await;
    let document: Value =
        reqwest::get(format!("{}/api/v1/openapi.json", bot.base)).await.unwrap().json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/broadcasts",
        "/api/v1/broadcasts/{id}",
        "/api/v1/broadcasts/{id}/retract",
        "/api/v1/broadcasts/{id}/edit",
    ] {
        assert!(document["paths"][path].is_object(), "{path} is not documented");
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
    assert!(document["components"]["schemas"]["NewBroadcastRequest"]["properties"]["mode"].is_object());
    bot.stop().await;
}

// ---------------------------------------------------------------------------
// Feeds, served by a local HTTP server.

/// A feed's entries: (id, title, link), oldest first.
type Entries = Vec<(String, String, String)>;

#[derive(Default)]
struct Served {
    /// Entries per path.
    entries: Mutex<std::collections::HashMap<&'static str, Entries>>,
    /// Raised whenever a document changes: its ETag.
    version: AtomicUsize,
    /// Answer 500 to everything.
    failing: std::sync::atomic::AtomicBool,
    requests: AtomicUsize,
    not_modified: AtomicUsize,
}

impl Served {
    fn add(&self, path: &'static str, id: &str, title: &str, link: &str) {
        self.entries.lock().unwrap().entry(path).or_default().push((id.into(), title.into(), link.into()));
        self.version.fetch_add(1, Ordering::SeqCst);
    }

    fn etag(&self) -> String {
        format!("\"v{}\"", self.version.load(Ordering::SeqCst))
    }

    fn document(&self, path: &str) -> String {
        let entries = self.entries.lock().unwrap().get(path).cloned().unwrap_or_default();
        // Feeds list the newest first.
        let items = entries.iter().rev();
        if path == "/rss" {
            let items: String = items
                .map(|(id, title, link)| {
                    format!("<item><guid>{id}</guid><title>{title}</title><link>{link}</link></item>")
                })
                .collect();
            format!(
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Liveblog</title><link>http://x</link><description>d</description>{items}</channel></rss>"
            )
        } else {
            let items: String = items
                .map(|(id, title, link)| {
                    format!("<entry><id>{id}</id><title>{title}</title><link href=\"{link}\"/><updated>2026-12-04T10:00:00Z</updated></entry>")
                })
                .collect();
            format!(
                "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><id>urn:press</id><title>Presse</title><updated>2026-12-04T10:00:00Z</updated>{items}</feed>"
            )
        }
    }
}

/// Serves `/rss` and `/atom` with ETags; answers 304 to a matching
/// If-None-Match and 500 while failing.
async fn serve_feeds() -> (String, Arc<Served>) {
    use axum::http::{HeaderMap, StatusCode, Uri};
    let served = Arc::new(Served::default());
    let state = served.clone();
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let served = state.clone();
        async move {
            served.requests.fetch_add(1, Ordering::SeqCst);
            if served.failing.load(Ordering::SeqCst) {
                return (StatusCode::INTERNAL_SERVER_ERROR, HeaderMap::new(), String::new());
            }
            let etag = served.etag();
            if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
                served.not_modified.fetch_add(1, Ordering::SeqCst);
                return (StatusCode::NOT_MODIFIED, HeaderMap::new(), String::new());
            }
            let mut answer = HeaderMap::new();
            answer.insert("etag", etag.parse().unwrap());
            (StatusCode::OK, answer, served.document(uri.path()))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, served)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_post_only_new_entries_once_poll_politely_and_back_off_when_failing() {
    for (n, db) in TestDatabase::every_engine().await.into_iter().enumerate() {
        let (server, served) = serve_feeds().await;
        served.add("/rss", "urn:1", "Verhandlungen beginnen", "https://example.org/1");
        served.add("/atom", "tag:press,1", "Pressemitteilung eins", "https://example.org/p1");
        let (rss, atom) = (format!("liveblog-{n}"), format!("press-{n}"));
        let feed = |name: &str, path: &str, topic: &str, format: Option<&str>| FeedConfig {
            name: name.to_owned(),
            url: format!("{server}{path}"),
            topics: vec![topic.to_owned()],
            regions: Vec::new(),
            mode: Mode::Send,
            every: Duration::from_secs(60),
            format: format.map(str::to_owned),
        };
        let settings = Settings {
            feeds: vec![
                feed(&rss, "/rss", "strikes", None),
                feed(&atom, "/atom", "energy", Some("📰 {title} – {link}")),
            ],
            ..Settings::default()
        };
        let clock = TestClock::default();
        let bot = start_with(db, None, &clock, settings.clone(), false).await;
        bot.app.subscribers(88_000..88_004, &["strikes", "energy"]).await;

        // The first poll remembers what is there and posts nothing.
        bot.feeds.poll_now().await;
        assert_eq!(served.requests.load(Ordering::SeqCst), 2);
        assert_eq!(bot.broadcasts().await, 0, "the first poll posts nothing");
        // Not due again yet: no request.
        bot.feeds.poll_now().await;
        assert_eq!(served.requests.load(Ordering::SeqCst), 2);

        // One new entry in each: each becomes one post.
        served.add("/rss", "urn:2", "Erstes Angebot liegt vor", "https://example.org/2");
        served.add("/atom", "tag:press,2", "Pressemitteilung zwei", "https://example.org/p2");
        clock.advance(Duration::from_secs(61));
        bot.feeds.poll_now().await;
        assert_eq!(bot.broadcasts().await, 2);
        let from_rss = "Erstes Angebot liegt vor\n\nhttps://example.org/2";
        let from_atom = "📰 Pressemitteilung zwei – https://example.org/p2";
        delivered(&bot.app, 88_000..88_004, from_rss).await;
        delivered(&bot.app, 88_000..88_004, from_atom).await;

        // Unchanged: the request is conditional and the answer is 304.
        clock.advance(Duration::from_secs(61));
        bot.feeds.poll_now().await;
        assert_eq!(served.not_modified.load(Ordering::SeqCst), 2, "both feeds answered 304");
        assert_eq!(bot.broadcasts().await, 2);

        // A restart: the documents come again in full, nothing is posted again.
        let (db, fake) = bot.app.stop_keeping_state().await;
        served.version.fetch_add(1, Ordering::SeqCst);
        let bot = start_with(db, Some(fake), &clock, settings.clone(), false).await;
        clock.advance(Duration::from_secs(61));
        let before = served.requests.load(Ordering::SeqCst);
        bot.feeds.poll_now().await;
        assert_eq!(served.requests.load(Ordering::SeqCst), before + 2, "both were fetched after the restart");
        assert_eq!(bot.broadcasts().await, 2, "a restart does not repost");
        assert_eq!(bot.copies(88_000..88_004, from_rss), vec![1; 4]);

        // 500: the feed backs off (twice `every` after one failure), shows in
        // /metrics, and says so once in the log.
        served.failing.store(true, Ordering::SeqCst);
        clock.advance(Duration::from_secs(61));
        bot.feeds.poll_now().await;
        let failed_at = served.requests.load(Ordering::SeqCst);
        let metrics = reqwest::get(format!("{}/metrics", bot.base)).await.unwrap().text().await.unwrap();
        assert!(metrics.contains(&format!("basis_api_feed_up{{feed=\"{rss}\"}} 0")), "{metrics}");
        assert!(metrics.contains(&format!("basis_api_feed_failures{{feed=\"{rss}\"}} 1")), "{metrics}");
        clock.advance(Duration::from_secs(61));
        bot.feeds.poll_now().await;
        assert_eq!(served.requests.load(Ordering::SeqCst), failed_at, "not polled again within the back-off");
        clock.advance(Duration::from_secs(60));
        bot.feeds.poll_now().await;
        assert_eq!(served.requests.load(Ordering::SeqCst), failed_at + 2, "polled again after it");
        let (text, _) = logs();
        let failing = String::from_utf8_lossy(&text.0.lock().unwrap())
            .lines()
            .filter(|l| l.contains("feed fails") && l.contains(&format!("feed={rss} ")))
            .count();
        assert_eq!(failing, 1, "one log line per change of state, not per poll");

        // It answers again: up, and the new entry is posted.
        served.failing.store(false, Ordering::SeqCst);
        served.add("/rss", "urn:3", "Einigung erzielt", "https://example.org/3");
        // Two failures in a row: the next poll is four times `every` away.
        clock.advance(Duration::from_secs(241));
        bot.feeds.poll_now().await;
        delivered(&bot.app, 88_000..88_004, "Einigung erzielt\n\nhttps://example.org/3").await;
        let metrics = reqwest::get(format!("{}/metrics", bot.base)).await.unwrap().text().await.unwrap();
        assert!(metrics.contains(&format!("basis_api_feed_up{{feed=\"{rss}\"}} 1")), "{metrics}");
        assert_eq!(bot.broadcasts().await, 3);
        bot.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_entries_in_draft_mode_are_offered_and_wait_for_send() {
    for (n, db) in TestDatabase::every_engine().await.into_iter().enumerate() {
        let (server, served) = serve_feeds().await;
        served.add("/rss", "urn:1", "Alt", "https://example.org/1");
        let settings = Settings {
            feeds: vec![FeedConfig {
                name: format!("blog-{n}"),
                url: format!("{server}/rss"),
                topics: vec!["strikes".into()],
                regions: Vec::new(),
                mode: Mode::Draft,
                every: Duration::from_secs(60),
                format: None,
            }],
            ..Settings::default()
        };
        let clock = TestClock::default();
        let bot = start_with(db, None, &clock, settings, false).await;
        bot.app.subscribers(89_000..89_003, &["strikes"]).await;
        // The owner has opened the bot: Telegram lets it write to them.
        let owner = bot.owner();
        bot.app.ask(&owner, "/start").await;
        bot.feeds.poll_now().await;
        served.add("/rss", "urn:2", "Neu", "https://example.org/2");
        clock.advance(Duration::from_secs(61));
        bot.feeds.poll_now().await;
        let offer = with_buttons(&bot.app, OWNER).expect("the owner is offered the entry");
        let send = buttons(&offer).into_iter().find(|(_, d)| d.starts_with("p:s:")).expect("Send").1;
        assert_eq!(bot.broadcasts().await, 0, "nothing before Send");
        assert_eq!(bot.app.press(&owner, offer.message_id, &send).await.as_deref(), Some("Done."));
        delivered(&bot.app, 89_000..89_003, "Neu\n\nhttps://example.org/2").await;
        assert_eq!(bot.broadcasts().await, 1);
        bot.stop().await;
    }
}

// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logs_of_a_run_hold_no_api_token() {
    let bot = start(TestDatabase::sqlite().await).await;
    bot.app.subscribers(90_000..90_003, &["strikes"]).await;
    let token = bot.token("cms strikes").await;
    let other = bot.token("blog").await;
    let (_, created) = bot.post(Some(&token), json!({"topics": ["strikes"], "text": "Logtest"})).await;
    bot.done(&token, created["id"].as_i64().unwrap(), &bot.owner()).await;
    bot.post(Some(&format!("{token}x")), json!({"topics": ["strikes"], "text": "wrong"})).await;
    bot.post(Some(&token), json!({"topics": ["nope"], "text": "unknown"})).await;
    bot.app.ask(&bot.owner(), "/apitoken revoke cms").await;
    bot.post(Some(&token), json!({"topics": ["strikes"], "text": "revoked"})).await;
    let stored = bot.app.db.columns_mentioning(&token["basis_".len()..]).await;
    assert!(stored.is_empty(), "the token is stored in {stored:?}: only its hash may be");
    bot.stop().await;

    let (text, raw) = logs();
    let (text, raw) = (
        String::from_utf8_lossy(&text.0.lock().unwrap()).into_owned(),
        String::from_utf8_lossy(&raw.0.lock().unwrap()).into_owned(),
    );
    for expected in ["API token created", "API post queued", "API token revoked"] {
        assert!(text.contains(expected), "missing {expected:?} in the logs");
    }
    for secret in [token.as_str(), other.as_str(), &token["basis_".len()..]] {
        for (format, logs) in [("text", &text), ("unfiltered", &raw)] {
            let hit = logs.lines().find(|l| l.contains(secret));
            assert!(hit.is_none(), "an API token is in the {format} logs: {}", hit.unwrap());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_reach_the_regions_named_and_tokens_limited_to_regions_stay_inside_them() {
    for db in TestDatabase::every_engine().await {
        let bot = start_with_regions(db).await;
        let (storage, now) = (bot.app.storage(), basis_storage::now_ms());
        bot.app.subscribers(82_000..82_010, &["strikes"]).await;
        for (chats, region) in [(82_000..82_003, "wolfsburg"), (82_003..82_004, "vw-werk"), (82_004..82_006, "kassel")]
        {
            let key = basis_storage::RegionKey::parse(region).unwrap();
            for chat in chats {
                assert!(storage.set_region(basis_storage::ChatId(chat), &key, now).await.unwrap());
            }
        }
        let token = bot.token("cms strikes").await;
        let text = "Warnstreik bei VW";
        let (status, created) =
            bot.post(Some(&token), json!({"topics": ["strikes"], "regions": ["wolfsburg"], "text": text})).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["recipients"], 4, "Wolfsburg and the plant below it");
        let done = bot.done(&token, created["id"].as_i64().unwrap(), &bot.owner()).await;
        assert_eq!(done["regions"], json!(["wolfsburg"]), "{done}");
        assert_eq!(bot.copies(82_000..82_010, text), [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
        // By name, as members see it.
        let (status, created) =
            bot.post(Some(&token), json!({"topics": ["strikes"], "regions": ["Hesse"], "text": "Kassel"})).await;
        assert_eq!((status, created["recipients"].as_i64()), (201, Some(2)), "{created}");
        let (status, body) =
            bot.post(Some(&token), json!({"topics": ["strikes"], "regions": ["atlantis"], "text": "x"})).await;
        assert_eq!((status, code(&body)), (422, "unknown_region"));
        // A draft for a region is offered with its regions and audience.
        let mark = bot.app.fake.mark();
        let body = json!({"topics": ["strikes"], "regions": ["kassel"], "text": "Entwurf Kassel", "mode": "draft"});
        let (status, created) = bot.post(Some(&token), body).await;
        assert_eq!((status, created["status"].as_str(), created["recipients"].as_i64()), (201, Some("draft"), Some(2)));
        let (_, state) = bot.get(&token, &format!("/api/v1/broadcasts/{}", created["id"])).await;
        assert_eq!((state["regions"].clone(), state["recipients"].as_i64()), (json!(["kassel"]), Some(2)), "{state}");
        bot.app.barrier(&bot.owner(), mark).await;
        let offer = with_buttons(&bot.app, OWNER).expect("the offer with its buttons");
        // The owner's chat is not stored: the offer comes in German.
        let lines = basis_tests::text(
            basis::Locale::De,
            "post-confirm-regions",
            &[("regions", "Kassel"), ("counts", "Kassel 2")],
        );
        assert!(offer.text.as_deref().unwrap_or_default().ends_with(&lines), "{:?}", offer.text);

        // A token limited to Kassel must name regions inside it.
        let answer = bot.app.ask(&bot.owner(), "/apitoken kassel-cms strikes @kassel").await.text.unwrap();
        assert!(answer.contains("✊ Strikes, only in Kassel"), "{answer}");
        let kassel = token_in(&answer);
        let made = bot.broadcasts().await;
        for (regions, expected) in [(json!([]), 403), (json!(["wolfsburg"]), 403), (json!(["hessen"]), 403)] {
            let (status, body) =
                bot.post(Some(&kassel), json!({"topics": ["strikes"], "regions": regions, "text": "x"})).await;
            assert_eq!((status, code(&body)), (expected, "out_of_scope"), "{regions}: {body}");
        }
        assert_eq!(bot.broadcasts().await, made, "refused requests make nothing");
        let (status, created) =
            bot.post(Some(&kassel), json!({"topics": ["strikes"], "regions": ["kassel"], "text": "Nur Kassel"})).await;
        assert_eq!((status, created["recipients"].as_i64()), (201, Some(2)), "{created}");
        // Another token's post for Wolfsburg is not this token's to read.
        let (status, body) = bot.get(&kassel, "/api/v1/broadcasts/1").await;
        assert_eq!((status, code(&body)), (403, "out_of_scope"));
        let answer = bot.app.ask(&bot.owner(), "/apitoken north strikes @atlantis").await.text.unwrap();
        assert!(answer.contains("atlantis"), "{answer}");
        assert!(basis_api::store::live_tokens(storage).await.unwrap().iter().all(|t| t.name != "north"));
        bot.stop().await;
    }
}

#[tokio::test]
async fn basis_export_carries_the_posting_apis_tables_to_postgres() {
    let Some(target) = TestDatabase::postgres().await else { return };
    let source = TestDatabase::sqlite().await;
    let plugins: Vec<Arc<dyn Plugin>> = vec![Arc::new(PostingApi::new(Settings::default()))];
    let registry = basis_handlers::Registry::build(&plugins).unwrap();
    assert_eq!(registry.tables, basis_api::TABLES);
    for storage in [&source.storage, &target.storage] {
        for (plugin, m) in &registry.migrations {
            storage.migrate_plugin(plugin, m.sqlite, m.postgres).await.unwrap();
        }
    }
    let scope =
        basis_api::tokens::Scope { topics: basis_storage::TopicList::from_stored("strikes"), regions: Vec::new() };
    let token = basis_api::tokens::create(
        &source.storage,
        &RegionCatalog::default(),
        "cms",
        &scope,
        OWNER,
        basis_storage::UserId(OWNER),
        1,
    )
    .await
    .unwrap()
    .unwrap();
    assert!(basis_api::store::see_entry(&source.storage, "https://example.org/rss", "e1", 1).await.unwrap());

    let counts = source.storage.export_with(&target.storage, &registry.tables, |_| {}).await.expect("export");
    assert!(counts.contains(&("api_tokens", 1)) && counts.contains(&("api_feed_entries", 1)), "{counts:?}");
    let moved = basis_api::tokens::authenticate(&target.storage, &token, 2).await.unwrap();
    assert_eq!(moved.map(|t| t.name).as_deref(), Some("cms"), "the token works on the new database");
    assert!(!basis_api::store::see_entry(&target.storage, "https://example.org/rss", "e1", 3).await.unwrap());
    // A second token continues the copied ids.
    basis_api::tokens::create(
        &target.storage,
        &RegionCatalog::default(),
        "blog",
        &scope,
        OWNER,
        basis_storage::UserId(OWNER),
        4,
    )
    .await
    .unwrap()
    .unwrap();
}

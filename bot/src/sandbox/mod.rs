//! `basis sandbox`: the whole product on one machine, to try in a browser.
//!
//! The fake Bot API server runs in-process, the real application (the same
//! [`Application`] as `basis run`) talks to it, and a small web page on
//! 127.0.0.1 lets a person play several Telegram users at once: members
//! with different languages, an owner, a group with its admin. Nothing
//! leaves the machine; no token is needed.
//!
//! The page (`page.html`, `page.js`, `page.css`, embedded in the binary)
//! polls a JSON API:
//!
//! | route | what |
//! |---|---|
//! | `GET /api/personas` | who can be played |
//! | `GET /api/chat/{persona}` | the persona's chat as its members see it now |
//! | `POST /api/chat/{persona}/send` | `{"text", "reply_to"?}`: the persona writes |
//! | `POST /api/chat/{persona}/press` | `{"message_id", "data"}`: taps an inline button; answers the toast |
//! | `POST /api/chat/{persona}/photo?caption=&reply_to=` | body: the picture's bytes |
//! | `GET /api/queue` | broadcasts in progress, send rate, what each persona received |
//! | `GET /api/file/{chat}/{message}` | a photo's or document's bytes |
//!
//! Requests must name 127.0.0.1 or localhost as their host, and writes must
//! carry `X-Sandbox: 1`, so that other web sites cannot drive the sandbox
//! from a browser.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use basis_storage::Storage;
use basis_telegram_fake::{FakeTelegram, RecordedRequest, TgChat, TgMessageState, TgUser};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{Application, Config, Hooks, StartError, broadcaster};

const PAGE_HTML: &str = include_str!("page.html");
const PAGE_JS: &str = include_str!("page.js");
const PAGE_CSS: &str = include_str!("page.css");

/// The owner persona's Telegram user id (added to the configured owners).
pub const OWNER_ID: i64 = 900;
/// The sandbox group's chat id.
pub const GROUP_ID: i64 = -4001;
/// The first id of the synthetic members.
pub const SYNTHETIC_FIRST: i64 = 1_000_000;
/// Topics the synthetic members follow: everyone the first, every second
/// member the next, every third the last.
const SYNTHETIC_TOPICS: [&str; 3] = ["strikes", "energy", "europe"];

/// `basis sandbox` options.
#[derive(Clone, Debug, clap::Args)]
pub struct Args {
    /// Port of the page on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8090)]
    pub port: u16,
    /// Synthetic subscribers to seed, so that a rehearsal broadcast shows
    /// realistic progress (all follow strikes, every 2nd energy, every 3rd europe).
    #[arg(long, default_value_t = 1000)]
    pub members: u32,
    /// Database URL to use instead of a fresh SQLite file in a temporary
    /// directory (which is deleted at exit). Never a production database:
    /// the synthetic members are written into it.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

impl Default for Args {
    fn default() -> Self {
        Args { port: 8090, members: 1000, database: None }
    }
}

/// Someone the person at the page can play.
#[derive(Clone, Debug)]
pub struct Persona {
    /// Names the persona in the page's API routes (`anna`, `owner`, `group`).
    pub key: &'static str,
    /// The name shown on the page: the user's, or the group's.
    pub name: &'static str,
    /// What the persona's Telegram app reports.
    pub language: &'static str,
    /// What the persona is for the bot (`member`, `owner`, a group and its
    /// admin), shown on the page.
    pub role: &'static str,
    /// The Telegram user who writes and presses buttons.
    pub user: TgUser,
    /// The chat the persona writes in: a private chat with the bot, or the
    /// group.
    pub chat: TgChat,
}

fn personas(fake: &FakeTelegram) -> Vec<Persona> {
    let private = |key, name, language, role, id| {
        let user = fake.user(id, name, Some(language));
        let chat = fake.private_chat(&user);
        Persona { key, name, language, role, user, chat }
    };
    let carla = fake.user(1003, "Carla", Some("de"));
    let group = fake.group(GROUP_ID, "Ortsgruppe Nord");
    fake.set_member_status(GROUP_ID, carla.id, "administrator");
    vec![
        private("anna", "Anna", "de", "member", 1001),
        private("ben", "Ben", "en", "member", 1002),
        private("owner", "Olga", "en", "owner", OWNER_ID),
        Persona {
            key: "group",
            name: "Ortsgruppe Nord",
            language: "de",
            role: "group · Carla (admin)",
            user: carla,
            chat: group,
        },
    ]
}

struct Shared {
    fake: FakeTelegram,
    storage: Storage,
    personas: Vec<Persona>,
    rate_limit: u32,
    members: u32,
    /// (when, deliveries so far), the last few seconds.
    samples: Mutex<VecDeque<(Instant, usize)>>,
    allowed_hosts: Vec<String>,
}

impl Shared {
    fn persona(&self, key: &str) -> Result<&Persona, ApiError> {
        self.personas.iter().find(|p| p.key == key).ok_or(ApiError(StatusCode::NOT_FOUND, "no such persona"))
    }
}

/// A running sandbox: fake Telegram, the bot and the page.
pub struct Sandbox {
    addr: SocketAddr,
    fake: FakeTelegram,
    database_url: String,
    shutdown: CancellationToken,
    app: JoinHandle<Result<(), StartError>>,
    tasks: Vec<JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl Sandbox {
    /// Starts everything; returns once the bot answers.
    pub async fn start(mut config: Config, args: &Args) -> anyhow::Result<Sandbox> {
        let page = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{} (choose another with --port)", args.port))?;
        let addr = page.local_addr()?;
        let (dir, database_url) = match &args.database {
            Some(url) => (None, url.clone()),
            None => {
                let dir = tempfile::Builder::new().prefix("basis-sandbox-").tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("basis.db").display());
                (Some(dir), url)
            }
        };
        let fake = FakeTelegram::start().await;
        let personas = personas(&fake);

        config.token = Some(fake.token().to_owned().into());
        config.api_url = fake.api_url();
        config.database_url = database_url.clone();
        if !config.owners.contains(&OWNER_ID) {
            config.owners.push(OWNER_ID);
        }
        config.listen = "off".to_owned();
        config.webhook_url = None;
        config.webhook_secret = None;
        let rate_limit = config.rate_limit;
        let hooks = Hooks {
            poll_timeout: Some(Duration::from_secs(1)),
            broadcast: Some(broadcaster::Settings {
                progress_every: Duration::from_secs(1),
                idle_poll: Duration::from_millis(100),
                ..broadcaster::Settings::default()
            }),
            ..Hooks::default()
        };
        let app = Application::build(config, hooks).await?;
        let storage = app.storage().clone();
        if args.members > 0 {
            let count = i64::from(args.members);
            storage
                .seed_synthetic_members(SYNTHETIC_FIRST, count, &SYNTHETIC_TOPICS, basis_storage::now_ms())
                .await
                .context("cannot seed the synthetic members")?;
            fake.add_private_chats(SYNTHETIC_FIRST..SYNTHETIC_FIRST + count);
        }

        let mark = fake.mark();
        let shutdown = CancellationToken::new();
        let app = tokio::spawn(app.run(shutdown.clone()));
        let menus = |r: &RecordedRequest| r.method == "setmycommands" && r.params.get("language_code").is_none();
        if fake.wait_for_request_after(mark, menus, Duration::from_secs(30)).await.is_none() {
            shutdown.cancel();
            let outcome = match tokio::time::timeout(Duration::from_secs(5), app).await {
                Ok(Ok(Err(error))) => anyhow::Error::new(error),
                _ => anyhow::anyhow!("the bot did not start within 30 s"),
            };
            return Err(outcome);
        }
        // Carla adds the bot to her group.
        let group = personas.iter().find(|p| p.key == "group").expect("the group persona");
        fake.bot_membership_changed(&group.chat, &group.user, "left", "member");

        let shared = Arc::new(Shared {
            fake: fake.clone(),
            storage,
            personas,
            rate_limit,
            members: args.members,
            samples: Mutex::default(),
            allowed_hosts: vec![format!("127.0.0.1:{}", addr.port()), format!("localhost:{}", addr.port())],
        });
        let sampler = tokio::spawn(sample_deliveries(shared.clone(), shutdown.clone()));
        let router = router(shared);
        let stop = shutdown.clone();
        let server = tokio::spawn(async move {
            let serving = axum::serve(page, router).with_graceful_shutdown(async move { stop.cancelled().await });
            if let Err(error) = serving.await {
                tracing::warn!(%error, "the sandbox page stopped");
            }
        });
        Ok(Sandbox { addr, fake, database_url, shutdown, app, tasks: vec![sampler, server], _dir: dir })
    }

    /// Where the page is served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's address to open in a browser.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The fake Bot API server the bot talks to.
    pub fn fake(&self) -> &FakeTelegram {
        &self.fake
    }

    /// The database the bot uses: `--database` or the temporary SQLite file.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Stops the page, the bot and the fake server.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        let result = self.app.await.context("the bot's task failed")?;
        for task in self.tasks {
            if tokio::time::timeout(Duration::from_secs(2), task).await.is_err() {
                tracing::debug!("a sandbox task did not stop in time");
            }
        }
        self.fake.shutdown().await;
        result.map_err(anyhow::Error::new)
    }
}

/// `basis sandbox`: starts, says where to look, runs until Ctrl-C.
pub async fn run(config: Config, args: Args) -> anyhow::Result<()> {
    let sandbox = Sandbox::start(config, &args).await?;
    let temporary = if args.database.is_none() { " (temporary, deleted at exit)" } else { "" };
    println!();
    println!("Basis sandbox is running. Open {} in a browser.", sandbox.url());
    println!("It serves only 127.0.0.1 (this machine). No token, no Telegram, no network.");
    println!("Personas: Anna (de), Ben (en), Olga (owner, en), group Ortsgruppe Nord with Carla (admin).");
    println!("Synthetic subscribers: {}. Database: {}{temporary}.", args.members, sandbox.database_url());
    println!("Stop with Ctrl-C.");
    println!();
    crate::app::shutdown_signal().await;
    sandbox.stop().await
}

/// Counts the fake's deliveries four times a second, for the send rate.
async fn sample_deliveries(shared: Arc<Shared>, shutdown: CancellationToken) {
    loop {
        {
            let mut samples = shared.samples.lock().expect("samples");
            let now = Instant::now();
            samples.push_back((now, shared.fake.delivery_count()));
            while samples.front().is_some_and(|(at, _)| now.duration_since(*at) > Duration::from_secs(3)) {
                samples.pop_front();
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE_HTML) }))
        .route("/page.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], PAGE_JS) }))
        .route("/page.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], PAGE_CSS) }))
        .route("/api/personas", get(list_personas))
        .route("/api/chat/{persona}", get(chat))
        .route("/api/chat/{persona}/send", post(send))
        .route("/api/chat/{persona}/press", post(press))
        .route("/api/chat/{persona}/photo", post(photo))
        .route("/api/queue", get(queue))
        .route("/api/file/{chat}/{message}", get(file))
        .layer(DefaultBodyLimit::max(10 * 1024 * 1024))
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// Only this machine's browser, and no writes from other sites' pages.
async fn guard(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !shared.allowed_hosts.iter().any(|h| h == host) {
        return (StatusCode::FORBIDDEN, "the sandbox answers only http://127.0.0.1 and http://localhost")
            .into_response();
    }
    if request.method() != Method::GET && request.headers().get("x-sandbox").is_none_or(|v| v != "1") {
        return (StatusCode::FORBIDDEN, "writes need the header X-Sandbox: 1").into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

struct ApiError(StatusCode, &'static str);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

async fn list_personas(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let list: Vec<Value> = shared
        .personas
        .iter()
        .map(|p| {
            json!({
                "key": p.key,
                "name": p.name,
                "language": p.language,
                "role": p.role,
                "user_id": p.user.id,
                "chat_id": p.chat.id,
                "chat_kind": p.chat.kind.as_str(),
            })
        })
        .collect();
    Json(json!({ "personas": list, "bot": shared.fake.bot_user().username }))
}

fn message_json(m: &TgMessageState) -> Value {
    let from = &m.json["from"];
    let name = from["first_name"].as_str().or_else(|| m.json["sender_chat"]["title"].as_str()).unwrap_or("");
    let file = m.file_bytes.as_ref().map(|_| format!("/api/file/{}/{}", m.chat_id, m.message_id));
    json!({
        "id": m.message_id,
        "from_bot": m.from_bot,
        "from_id": m.from_user_id,
        "from_name": name,
        "kind": m.kind,
        "text": m.body(),
        "entities": m.entities,
        "reply_markup": m.reply_markup,
        "edited": m.edits > 0,
        "reply_to": m.reply_to,
        "file": file,
        "file_name": m.file_name,
        "forwarded": m.forwarded,
        "date": m.date,
    })
}

async fn chat(State(shared): State<Arc<Shared>>, Path(persona): Path<String>) -> Result<Json<Value>, ApiError> {
    let persona = shared.persona(&persona)?;
    let messages: Vec<Value> =
        shared.fake.messages_in(persona.chat.id).iter().filter(|m| !m.deleted).map(message_json).collect();
    Ok(Json(json!({ "persona": persona.key, "chat_id": persona.chat.id, "messages": messages })))
}

#[derive(Deserialize)]
struct SendBody {
    text: String,
    #[serde(default)]
    reply_to: Option<i64>,
}

async fn send(
    State(shared): State<Arc<Shared>>,
    Path(persona): Path<String>,
    Json(body): Json<SendBody>,
) -> Result<Json<Value>, ApiError> {
    let persona = shared.persona(&persona)?;
    let text = body.text.trim();
    if text.is_empty() {
        return Err(ApiError(StatusCode::BAD_REQUEST, "empty message"));
    }
    let injected = match body.reply_to {
        Some(to) => shared.fake.send_reply(&persona.user, &persona.chat, to, text),
        None => shared.fake.send_text(&persona.user, &persona.chat, text),
    };
    Ok(Json(json!({ "message_id": injected.message_id })))
}

#[derive(Deserialize)]
struct PressBody {
    message_id: i64,
    data: String,
}

/// Taps a button and waits (up to 5 s) for the bot's answer, whose text the
/// page shows as a toast.
async fn press(
    State(shared): State<Arc<Shared>>,
    Path(persona): Path<String>,
    Json(body): Json<PressBody>,
) -> Result<Json<Value>, ApiError> {
    let persona = shared.persona(&persona)?;
    let mark = shared.fake.mark();
    let injected = shared.fake.press_button(&persona.user, &persona.chat, body.message_id, &body.data);
    let id = injected.callback_query_id.unwrap_or_default();
    let answered = |r: &RecordedRequest| {
        r.method == "answercallbackquery" && r.param("callback_query_id").and_then(Value::as_str) == Some(id.as_str())
    };
    let answer = shared.fake.wait_for_request_after(mark, answered, Duration::from_secs(5)).await;
    let text = answer.as_ref().and_then(|r| r.param("text")).and_then(Value::as_str).map(str::to_owned);
    let alert = answer.as_ref().and_then(|r| r.param("show_alert")).and_then(Value::as_bool).unwrap_or(false);
    Ok(Json(json!({ "callback_query_id": id, "answered": answer.is_some(), "text": text, "show_alert": alert })))
}

#[derive(Deserialize)]
struct PhotoQuery {
    #[serde(default)]
    caption: Option<String>,
}

async fn photo(
    State(shared): State<Arc<Shared>>,
    Path(persona): Path<String>,
    Query(query): Query<PhotoQuery>,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let persona = shared.persona(&persona)?;
    if bytes.is_empty() {
        return Err(ApiError(StatusCode::BAD_REQUEST, "no picture"));
    }
    if image_type(&bytes).is_none() {
        return Err(ApiError(StatusCode::BAD_REQUEST, "not a PNG, JPEG, GIF or WebP picture"));
    }
    let caption = query.caption.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let injected = shared.fake.send_photo_bytes(&persona.user, &persona.chat, &bytes, caption);
    Ok(Json(json!({ "message_id": injected.message_id })))
}

fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG") {
        Some("image/png")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF8") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

async fn file(State(shared): State<Arc<Shared>>, Path((chat, message)): Path<(i64, i64)>) -> Response {
    // Only the personas' chats: the synthetic members' copies are nobody's to see.
    if !shared.personas.iter().any(|p| p.chat.id == chat) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Some(m) = shared.fake.message(chat, message) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(bytes) = m.file_bytes else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(kind) = image_type(&bytes) {
        return ([(header::CONTENT_TYPE, kind)], bytes).into_response();
    }
    let name = m.file_name.unwrap_or_else(|| "file".to_owned());
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let disposition = format!("attachment; filename=\"{safe}\"");
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn queue(State(shared): State<Arc<Shared>>) -> Result<Json<Value>, ApiError> {
    let storage_error = |_| ApiError(StatusCode::INTERNAL_SERVER_ERROR, "the database did not answer");
    let running = shared.storage.unfinished_broadcasts().await.map_err(storage_error)?;
    let mut ids = shared.storage.latest_broadcasts(3).await.map_err(storage_error)?;
    for id in running.iter().rev() {
        if !ids.contains(id) {
            ids.insert(0, *id);
        }
    }
    let mut broadcasts = Vec::new();
    for id in &ids {
        let progress = shared.storage.progress(*id).await.map_err(storage_error)?;
        broadcasts.push(json!({
            "id": id,
            "running": running.contains(id),
            "total": progress.total,
            "sent": progress.sent,
            "failed": progress.failed,
            "blocked": progress.blocked,
            "remaining": progress.remaining,
            "done": progress.done(),
        }));
    }
    let rate = {
        let samples = shared.samples.lock().expect("samples");
        match (samples.front(), samples.back()) {
            (Some((t0, n0)), Some((t1, n1))) if t1 > t0 => (n1 - n0) as f64 / t1.duration_since(*t0).as_secs_f64(),
            _ => 0.0,
        }
    };
    let received: Vec<Value> = shared
        .personas
        .iter()
        .map(|p| {
            let messages = shared.fake.bot_messages_in(p.chat.id);
            let last =
                messages.last().and_then(|m| m.body().map(str::to_owned).or_else(|| Some(format!("[{}]", m.kind))));
            json!({ "key": p.key, "name": p.name, "received": messages.len(), "last": last.map(|t| snippet(&t, 80)) })
        })
        .collect();
    Ok(Json(json!({
        "broadcasts": broadcasts,
        "rate": { "per_second": (rate * 10.0).round() / 10.0, "limit": shared.rate_limit },
        "deliveries": shared.fake.delivery_count(),
        "synthetic_members": shared.members,
        "personas": received,
    })))
}

fn snippet(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() <= max && !text.contains('\n') {
        return line.to_owned();
    }
    let cut: String = line.chars().take(max).collect();
    format!("{cut}…")
}

//! Running in production: the HTTP listener's `/healthz`, `/readyz` and
//! `/metrics`, webhook mode with its secret token, and the retention of
//! delivery rows — against the real application and the fake Bot API.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use basis::{Application, Hooks};
use basis_storage::testing::TestDatabase;
use basis_storage::{Content, NewBroadcast, Outcome, PRIORITY_NORMAL, Settlement, now_ms};
use basis_telegram_fake::{FakeTelegram, InjectedFailure, RecordedRequest};
use basis_tests::{PATIENCE, TestApp, config_for};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const SECRET: &str = "Right-Secret_0123456789";
const DAY_MS: i64 = 86_400_000;

async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("http://{addr}{path}")).await.expect("the listener answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

async fn scrape(addr: SocketAddr) -> String {
    let (status, body) = get(addr, "/metrics").await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The value of one series (`name` or `name{labels}`) in a scrape.
fn value(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

fn count(scrape: &str, series: &str) -> i64 {
    value(scrape, series).unwrap_or_else(|| panic!("no {series} in\n{scrape}")) as i64
}

/// Checks `condition` until it holds; fails after [`PATIENCE`]. A wait on
/// a condition, not a sleep that hopes a race is over.
async fn wait_until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !condition().await {
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn is_post(r: &RecordedRequest, text: &str) -> bool {
    r.method == "sendmessage" && r.text() == Some(text)
}

/// A private `/start` as Telegram would post it to a webhook.
fn start_update(update_id: i64, user: i64) -> Value {
    let who = json!({"id": user, "is_bot": false, "first_name": "Mallory", "language_code": "en"});
    json!({
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": now_ms() / 1000,
            "chat": {"id": user, "type": "private", "first_name": "Mallory"},
            "from": who,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}]
        }
    })
}

async fn post_hook(url: &str, secret: Option<&str>, body: &Value) -> u16 {
    let mut request = reqwest::Client::new().post(url).json(body);
    if let Some(secret) = secret {
        request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
    }
    request.send().await.expect("the webhook answers").status().as_u16()
}

#[tokio::test]
async fn healthz_and_readyz_answer_and_readyz_fails_when_the_database_is_gone() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let fake = FakeTelegram::start().await;
        let app = Application::build(config_for(&fake, &db), Hooks::default()).await.expect("builds");
        let addr = app.http_addr().expect("the listener is on by default");
        // The application's own pool: closing it is the database going away.
        let storage = app.storage().clone();
        let mark = fake.mark();
        let shutdown = CancellationToken::new();
        let running = tokio::spawn(app.run(shutdown.clone()));
        fake.wait_for_request_after(mark, |r| r.method == "setmycommands", PATIENCE).await.expect("started");

        assert_eq!(get(addr, "/healthz").await, (200, "ok\n".to_owned()), "{engine:?}");
        assert_eq!(get(addr, "/readyz").await, (200, "ready\n".to_owned()), "{engine:?}");
        let (status, _) = get(addr, "/nothing-here").await;
        assert_eq!(status, 404);

        storage.close().await;
        let (status, reason) = get(addr, "/readyz").await;
        assert_eq!(status, 503, "{engine:?}: {reason}");
        assert!(reason.starts_with("database unreachable"), "{engine:?}: {reason}");
        assert_eq!(get(addr, "/healthz").await.0, 200, "the process is still up");

        shutdown.cancel();
        running.await.unwrap().expect("a clean stop without a database");
        assert!(reqwest::get(format!("http://{addr}/healthz")).await.is_err(), "the listener closed");
        fake.shutdown().await;
    }
}

#[tokio::test]
async fn readyz_fails_once_the_bot_api_stops_answering() {
    let db = TestDatabase::sqlite().await;
    let fake = FakeTelegram::start().await;
    let hooks = Hooks { health_every: Some(Duration::from_millis(50)), ..Hooks::default() };
    let app = Application::build(config_for(&fake, &db), hooks).await.expect("builds");
    let addr = app.http_addr().unwrap();
    let mark = fake.mark();
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(app.run(shutdown.clone()));
    fake.wait_for_request_after(mark, |r| r.method == "setmycommands", PATIENCE).await.expect("started");
    assert_eq!(get(addr, "/readyz").await.0, 200);

    fake.shutdown().await;
    wait_until("/readyz reports the Bot API", || async {
        let (status, reason) = get(addr, "/readyz").await;
        status == 503 && reason.starts_with("Bot API unreachable at the last check")
    })
    .await;
    shutdown.cancel();
    running.await.unwrap().expect("a clean stop");
}

#[tokio::test]
async fn the_listener_can_be_switched_off_and_a_taken_port_fails_the_start() {
    let db = TestDatabase::sqlite().await;
    let fake = FakeTelegram::start().await;
    let off = basis::Config { listen: "off".into(), ..config_for(&fake, &db) };
    let app = Application::build(off, Hooks::default()).await.expect("builds");
    assert_eq!(app.http_addr(), None);
    drop(app);

    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let busy = basis::Config { listen: taken.local_addr().unwrap().to_string(), ..config_for(&fake, &db) };
    match Application::build(busy, Hooks::default()).await {
        Err(error @ basis::StartError::Listen(..)) => assert!(error.to_string().contains("BASIS_LISTEN"), "{error}"),
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("started on a port that is taken"),
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn a_webhook_request_with_the_secret_is_handled_and_without_or_with_a_wrong_one_refused() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        // Bound first: the webhook URL names the port.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/telegram/hook", listener.local_addr().unwrap());
        let hooks = Hooks { listener: Some(listener), ..Hooks::default() };
        let app = TestApp::spawn_full(db, None, hooks, |c| {
            c.webhook_url = Some(url.clone());
            c.webhook_secret = Some(SECRET.to_owned().into());
        })
        .await;
        let addr = app.http.unwrap();

        let set = app.fake.requests_for("setwebhook");
        assert_eq!(set.len(), 1, "{engine:?}");
        assert_eq!(set[0].params["secret_token"], SECRET);
        assert_eq!(app.fake.webhook_url().as_deref(), Some(url.as_str()));
        assert!(app.fake.requests_for("getupdates").is_empty(), "{engine:?}: polled in webhook mode");
        assert!(app.fake.requests_for("deletewebhook").is_empty());

        // Telegram (the fake) posts updates with the secret: handled.
        let anna = app.member(4101, Some("en"));
        let welcome = app.ask(&anna, "/start").await.text.unwrap_or_default();
        assert!(welcome.starts_with("Welcome"), "{engine:?}: {welcome}");

        // Without the secret, with a wrong one, or with one that is only a
        // prefix: 401, and nothing happens.
        let mallory = 4102;
        for (n, secret) in [None, Some("wrong"), Some(&SECRET[..SECRET.len() - 1]), Some("")].into_iter().enumerate() {
            let status = post_hook(&url, secret, &start_update(900_000 + n as i64, mallory)).await;
            assert_eq!(status, 401, "{engine:?}: secret {secret:?}");
        }
        // The right secret, from "Telegram" directly: handled.
        let ben = app.member(4103, Some("en"));
        assert_eq!(post_hook(&url, Some(SECRET), &start_update(900_100, ben.chat_id())).await, 200);
        app.fake
            .wait_for_request(|r| r.method == "sendmessage" && r.chat_id() == Some(ben.chat_id()), PATIENCE)
            .await
            .expect("the update with the right secret is answered");

        wait_until("both handled updates are counted", || async {
            value(&scrape(addr).await, "basis_updates_handled_total") == Some(2.0)
        })
        .await;
        let metrics = scrape(addr).await;
        assert_eq!(count(&metrics, "basis_webhook_refused_total"), 4, "{engine:?}");
        assert_eq!(count(&metrics, "basis_handler_duration_seconds_count"), 2);
        assert!(
            app.storage().chat(basis_storage::ChatId(mallory)).await.unwrap().is_none(),
            "{engine:?}: a refused update was stored"
        );
        assert!(
            !app.fake.requests().iter().any(|r| r.chat_id() == Some(mallory)),
            "{engine:?}: the bot answered a refused update"
        );
        // Health endpoints live on the same listener.
        assert_eq!(get(addr, "/readyz").await.0, 200);

        app.stop().await.expect("a clean stop");
    }
}

#[tokio::test]
async fn metrics_after_a_broadcast_hold_the_right_numbers() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| {
            c.rate_limit = 1000;
            c.paid_broadcast = true;
        })
        .await;
        let addr = app.http.unwrap();
        for id in [801, 802] {
            let member = app.member(id, Some("de"));
            app.ask(&member, "/start").await;
        }
        let chats: Vec<i64> = (71_000..71_030).collect();
        app.subscribers(chats.iter().copied(), &["strikes"]).await;
        app.fake.block_chat(71_001);
        app.fake.block_chat(71_002);
        // Six tries, at most one a second: the broadcast runs for seconds.
        app.fake.set_chat_error(71_003, 502, "Bad Gateway");
        // The first send of the broadcast draws a 429 (no other sendMessage
        // happens from here on: the broadcast has no progress message).
        app.fake.fail_next("sendmessage", InjectedFailure::too_many_requests(Duration::from_secs(1)));
        let text = "Warnstreik ab 6 Uhr vor Tor 3";
        let new = NewBroadcast {
            author_id: basis_storage::UserId(1),
            content: Content::Text(text.into()),
            topics: basis_storage::TopicList::from_stored("strikes"),
            priority: PRIORITY_NORMAL,
            report_chat_id: None,
            report_locale: "de".into(),
            ref_broadcast_id: None,
        };
        let (id, total) = app.broadcaster.enqueue(new).await.unwrap();
        assert_eq!(total, 30);

        let series = |name: &str| format!("{name}{{broadcast=\"{id}\"}}");
        wait_until("the running broadcast shows in the metrics", || async {
            let m = scrape(addr).await;
            value(&m, &series("basis_broadcast_total")) == Some(30.0)
                && value(&m, &series("basis_broadcast_sent")).is_some_and(|n| n >= 1.0)
                && value(&m, &series("basis_broadcast_remaining")).is_some_and(|n| n >= 1.0)
                && value(&m, "basis_queue_depth{priority=\"normal\"}").is_some_and(|n| n >= 1.0)
                && value(&m, "basis_send_rate").is_some_and(|r| r > 0.0)
        })
        .await;

        let storage = app.storage().clone();
        wait_until("the broadcast finishes", || async {
            storage.broadcast(id).await.unwrap().is_some_and(|b| b.is_finished())
        })
        .await;
        let progress = storage.progress(id).await.unwrap();
        assert_eq!((progress.sent, progress.blocked, progress.failed), (27, 2, 1), "{engine:?}");
        let delivered = app.fake.requests().iter().filter(|r| r.is_ok() && is_post(r, text)).count() as i64;
        assert_eq!(delivered, 27);

        let m = scrape(addr).await;
        let expected = [
            ("basis_deliveries_sent_total", progress.sent),
            ("basis_deliveries_failed_total{reason=\"blocked\"}", progress.blocked),
            ("basis_deliveries_failed_total{reason=\"server_error\"}", 1),
            ("basis_deliveries_failed_total{reason=\"rejected\"}", 0),
            // Six tries for the chat answering 502: five retries, then given up.
            ("basis_deliveries_retried_total{reason=\"server_error\"}", 5),
            ("basis_deliveries_retried_total{reason=\"rate_limited\"}", 1),
            ("basis_telegram_429_total", 1),
            ("basis_queue_depth{priority=\"normal\"}", 0),
            ("basis_queue_depth{priority=\"urgent\"}", 0),
            ("basis_updates_handled_total", 2),
            ("basis_handler_duration_seconds_count", 2),
        ];
        for (series, want) in expected {
            assert_eq!(count(&m, series), want, "{engine:?}: {series}\n{m}");
        }
        assert!(!m.contains(&format!("broadcast=\"{id}\"")), "{engine:?}: a finished broadcast keeps its gauges");
        assert!(m.contains("# TYPE basis_handler_duration_seconds histogram"));
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn old_delivery_rows_are_purged_at_start_and_new_ones_and_the_audit_log_kept() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let s = db.storage.clone();
        s.seed_topics(&basis::Config::default().parse().unwrap().topic_seeds(), 0).await.unwrap();
        for chat in 72_000..72_010 {
            s.ensure_chat(basis_storage::ChatId(chat), basis_storage::ChatKind::Private, "de", 0).await.unwrap();
            s.subscribe(basis_storage::ChatId(chat), "strikes", 0).await.unwrap();
        }
        let now = now_ms();
        let mut finished = Vec::new();
        for age_days in [45, 10] {
            let at = now - age_days * DAY_MS;
            let new = NewBroadcast {
                author_id: basis_storage::UserId(1),
                content: Content::Text(format!("{age_days} days ago")),
                topics: basis_storage::TopicList::from_stored("strikes"),
                priority: PRIORITY_NORMAL,
                report_chat_id: None,
                report_locale: "de".into(),
                ref_broadcast_id: None,
            };
            let (id, _) = s.create_broadcast(&new, at).await.unwrap();
            let claimed = s.claim(100, at, 60_000).await.unwrap();
            let sent: Vec<Settlement> = claimed
                .iter()
                .map(|c| Settlement {
                    broadcast_id: c.broadcast_id,
                    chat_id: c.chat_id,
                    lease_token: c.lease_token,
                    outcome: Outcome::Sent { message_id: 1 },
                })
                .collect();
            s.settle(&sent, at).await.unwrap();
            assert!(s.finish_if_complete(id, at).await.unwrap());
            s.mark_reported(id, at).await.unwrap();
            finished.push(id);
        }
        s.audit(basis_storage::UserId(1), basis_storage::AuditAction::Post, "long ago", "", now - 400 * DAY_MS)
            .await
            .unwrap();
        let (old, recent) = (finished[0], finished[1]);
        assert_eq!(s.progress(old).await.unwrap().sent, 10);

        let app = TestApp::spawn(db).await;
        wait_until("the start-up purge", || async { s.progress(old).await.unwrap().sent == 0 }).await;
        assert_eq!(s.progress(recent).await.unwrap().sent, 10, "{engine:?}: purged rows younger than 30 days");
        assert!(s.broadcast(old).await.unwrap().is_some(), "{engine:?}: the broadcast itself is kept");
        let audit = s.audit_entries(50).await.unwrap();
        assert!(audit.iter().any(|e| e.subject == "long ago"), "{engine:?}: the audit log lost an entry");
        app.stop().await.unwrap();
    }
}

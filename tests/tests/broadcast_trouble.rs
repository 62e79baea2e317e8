//! The broadcaster when things go wrong around it: two instances racing for
//! one queue, PostgreSQL dropping every connection mid-broadcast, a SQLite
//! file locked by someone else. Deliveries may wait, never double or vanish.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use basis::broadcaster::Broadcaster;
use basis::{Application, Hooks};
use basis_storage::testing::TestDatabase;
use basis_storage::{ChatKind, Content, Engine, NewBroadcast, PRIORITY_NORMAL, Storage};
use basis_telegram_fake::{FakeTelegram, RecordedRequest};
use basis_tests::{TestApp, chat_of, config_for, quick_broadcasts};
use sqlx::Connection;
use tokio_util::sync::CancellationToken;

const SOON: Duration = Duration::from_secs(60);

fn is_copy_of(r: &RecordedRequest, text: &str) -> bool {
    r.is_ok() && r.method == "sendmessage" && r.text() == Some(text)
}

/// How often each chat received `text`.
fn receipts(fake: &FakeTelegram, text: &str) -> HashMap<i64, usize> {
    let mut counts = HashMap::new();
    for r in fake.requests().iter().filter(|r| is_copy_of(r, text)) {
        *counts.entry(chat_of(r).expect("a chat id")).or_insert(0) += 1;
    }
    counts
}

/// Panics unless every chat in `ids` got `text` exactly once, and no one else.
fn assert_exactly_once(fake: &FakeTelegram, text: &str, ids: std::ops::Range<i64>, engine: Engine) {
    let got = receipts(fake, text);
    let missing: Vec<i64> = ids.clone().filter(|id| !got.contains_key(id)).collect();
    let doubled: Vec<(&i64, &usize)> = got.iter().filter(|(_, n)| **n > 1).collect();
    assert!(missing.is_empty(), "{engine:?}: {} chats got nothing, e.g. {:?}", missing.len(), &missing[..1]);
    assert!(doubled.is_empty(), "{engine:?}: {} chats got it more than once: {doubled:?}", doubled.len());
    assert_eq!(got.len(), ids.count(), "{engine:?}: someone outside the audience got it");
}

/// Subscribers `ids` of `topic`, known to the fake and stored in parallel
/// batches (one commit after another is slow on PostgreSQL).
async fn store_subscribers(fake: &FakeTelegram, storage: &Storage, ids: std::ops::Range<i64>, topic: &str) {
    fake.add_private_chats(ids.clone());
    let ids: Vec<i64> = ids.collect();
    let mut batches = tokio::task::JoinSet::new();
    for batch in ids.chunks(ids.len().div_ceil(8).max(1)) {
        let (storage, batch, topic) = (storage.clone(), batch.to_vec(), topic.to_owned());
        batches.spawn(async move {
            for id in batch {
                storage.ensure_chat(basis_storage::ChatId(id), ChatKind::Private, "de", 0).await.expect("store chat");
                storage.subscribe(basis_storage::ChatId(id), &topic, 0).await.expect("store subscription");
            }
        });
    }
    while let Some(done) = batches.join_next().await {
        done.expect("storing subscribers");
    }
}

/// Waits (up to `within`) until `count` copies of `text` went out.
async fn copies_sent(fake: &FakeTelegram, text: &str, count: usize, within: Duration) {
    // Each recorded call is offered once, in order, so counting here is exact.
    let seen = Cell::new(0usize);
    let reached = fake
        .wait_for_request(
            |r| {
                if is_copy_of(r, text) {
                    seen.set(seen.get() + 1);
                }
                seen.get() >= count
            },
            within,
        )
        .await;
    assert!(reached.is_some(), "only {} of {count} copies went out in {within:?}", seen.get());
}

async fn until_done(storage: &Storage, id: i64, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let broadcast =
            storage.broadcast(basis_storage::BroadcastId(id)).await.expect("read broadcast").expect("broadcast exists");
        if broadcast.is_finished() {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            let progress = storage.progress(basis_storage::BroadcastId(id)).await;
            panic!("broadcast {id} not done after {within:?}: {progress:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Even or odd `updated_at` of every sent delivery: each instance's clock
/// only ever says even or only odd milliseconds, and a delivery is settled
/// by the instance that sent it, so the parity names the sender.
async fn senders(db: &TestDatabase, id: i64) -> (usize, usize) {
    let query = "SELECT updated_at FROM deliveries WHERE broadcast_id = $1 AND status = 'sent'";
    let stamps: Vec<i64> = match db.engine() {
        Engine::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&db.url).await.expect("connect");
            sqlx::query_scalar(query).bind(id).fetch_all(&mut c).await.expect("read deliveries")
        }
        Engine::Postgres => {
            let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
            sqlx::query_scalar(query).bind(id).fetch_all(&mut c).await.expect("read deliveries")
        }
    };
    let even = stamps.iter().filter(|t| *t % 2 == 0).count();
    (even, stamps.len() - even)
}

#[tokio::test]
async fn racing_broadcasters_on_one_database_never_send_a_chat_twice() {
    const TEXT: &str = "Tarifeinigung erzielt";
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let fake = FakeTelegram::start().await;
        let mut config = config_for(&fake, &db);
        config.rate_limit = 1000;
        config.paid_broadcast = true;
        let even: basis_handlers::Clock = Arc::new(|| basis_storage::now_ms() & !1);
        let odd: basis_handlers::Clock = Arc::new(|| basis_storage::now_ms() | 1);
        let mut broadcasters: Vec<Broadcaster> = Vec::new();
        for clock in [even, odd] {
            let hooks = Hooks { broadcast: Some(quick_broadcasts()), clock: Some(clock), ..Default::default() };
            let app = Application::build(config.clone(), hooks).await.expect("application builds");
            // Only the broadcasters run: two pollers would fight over updates.
            broadcasters.push(app.broadcaster());
        }
        let organizer = fake.user(1, "Org", Some("de"));
        fake.private_chat(&organizer);
        store_subscribers(&fake, &db.storage, 20_000..21_000, "strikes").await;

        let shutdown = CancellationToken::new();
        let running: Vec<_> = broadcasters.iter().map(|b| tokio::spawn(b.clone().run(shutdown.clone()))).collect();
        let new = NewBroadcast {
            author_id: basis_storage::UserId(1),
            content: Content::Text(TEXT.to_owned()),
            topics: basis_storage::TopicList::from_stored("strikes"),
            priority: PRIORITY_NORMAL,
            report_chat_id: Some(basis_storage::ChatId(1)),
            report_locale: "de".to_owned(),
            ref_broadcast_id: None,
        };
        let (id, total) = broadcasters[0].enqueue(new).await.expect("queue the broadcast");
        assert_eq!(total, 1000);
        until_done(&db.storage, id.0, SOON).await;
        shutdown.cancel();
        for run in running {
            run.await.expect("a broadcaster stops cleanly");
        }

        let progress = db.storage.progress(id).await.expect("progress");
        assert_eq!((progress.sent, progress.failed, progress.remaining), (1000, 0, 0), "{engine:?}");
        assert_exactly_once(&fake, TEXT, 20_000..21_000, engine);
        let (first, second) = senders(&db, id.0).await;
        assert!(first > 0 && second > 0, "{engine:?}: one instance sent everything ({first} vs {second}): no race");
        eprintln!("{engine:?}: the instances sent {first} and {second}");
        fake.shutdown().await;
    }
}

#[tokio::test]
async fn postgres_connections_terminated_mid_broadcast_are_survived() {
    const TEXT: &str = "Warnstreik ab 6 Uhr";
    let Some(db) = TestDatabase::postgres().await else {
        eprintln!("no PostgreSQL configured (BASIS_TEST_POSTGRES_URL): nothing to terminate, test skipped");
        return;
    };
    let admin_url = std::env::var("BASIS_TEST_POSTGRES_URL").expect("set, or postgres() would be None");
    let name = db.url.rsplit('/').next().and_then(|s| s.split('?').next()).expect("a database name").to_owned();
    let app = TestApp::spawn_configured(db, Hooks::default(), |c| {
        c.rate_limit = 200;
        c.paid_broadcast = true;
    })
    .await;
    let organizer = app.member(1, Some("de"));
    store_subscribers(&app.fake, app.storage(), 30_000..30_600, "strikes").await;
    let id = app.post_normal(&organizer, &["strikes"], TEXT).await;
    copies_sent(&app.fake, TEXT, 100, SOON).await;

    // Every connection to the test database goes, the application's and the
    // test's own pool alike, as when the server restarts or a proxy resets;
    // again and again, so that some fall in the middle of a claim or settle.
    let admin = sqlx::PgPool::connect(&admin_url).await.expect("admin connection");
    let mut terminated = 0;
    let deadline = tokio::time::Instant::now() + SOON;
    while receipts(&app.fake, TEXT).len() < 400 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            app.storage().progress(basis_storage::BroadcastId(id)).await
        );
        let killed: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(&name)
        .fetch_all(&admin)
        .await
        .expect("terminate backends");
        terminated += killed.iter().filter(|k| **k).count();
        // The pace of the fault, not a wait for the bot: it must have time
        // to reconnect and get on before the next blow.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    admin.close().await;
    assert!(terminated > 0, "no connection of the application was terminated");

    let (progress, report) = app.finished(&organizer, id, SOON).await;
    assert_eq!((progress.sent, progress.failed, progress.remaining), (600, 0, 0), "{report}");
    assert!(report.contains("Zugestellt: 600 von 600"), "{report}");
    // Outcomes that could not be written wait in memory and are retried
    // under the same lease, so nothing is sent again.
    assert_exactly_once(&app.fake, TEXT, 30_000..30_600, Engine::Postgres);
    app.stop().await.expect("a clean stop after losing the database connections");
}

#[tokio::test]
async fn a_locked_sqlite_database_only_delays_the_broadcast() {
    const TEXT: &str = "Betriebsversammlung verschoben";
    let db = TestDatabase::sqlite().await;
    let app = TestApp::spawn_configured(db, Hooks::default(), |c| {
        c.rate_limit = 200;
        c.paid_broadcast = true;
    })
    .await;
    let organizer = app.member(1, Some("de"));
    store_subscribers(&app.fake, app.storage(), 40_000..40_300, "strikes").await;
    let id = app.post_normal(&organizer, &["strikes"], TEXT).await;
    copies_sent(&app.fake, TEXT, 30, SOON).await;

    // Another program (a backup, an operator's sqlite3 shell) takes the
    // write lock. Holding it for three seconds is the fault being injected,
    // not a wait for the bot: every write of the bot's must queue behind it.
    let mut intruder = sqlx::SqliteConnection::connect(&app.db.url).await.expect("second connection");
    sqlx::query("BEGIN IMMEDIATE").execute(&mut intruder).await.expect("take the write lock");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let during = app
        .storage()
        .broadcast(basis_storage::BroadcastId(id))
        .await
        .expect("readers are not blocked")
        .expect("broadcast exists");
    assert!(!during.is_finished(), "the broadcast finished although no one could write");
    sqlx::query("COMMIT").execute(&mut intruder).await.expect("release the write lock");
    intruder.close().await.expect("close the second connection");

    let (progress, report) = app.finished(&organizer, id, SOON).await;
    assert_eq!((progress.sent, progress.failed, progress.remaining), (300, 0, 0), "{report}");
    assert_exactly_once(&app.fake, TEXT, 40_000..40_300, Engine::Sqlite);
    app.stop().await.expect("the application survived the lock without panicking");
}

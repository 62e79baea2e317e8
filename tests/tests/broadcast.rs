//! The broadcaster end to end: the real application sends through the fake
//! Bot API, which keeps Telegram's limits, and a real database.

use std::collections::HashMap;
use std::time::Duration;

use basis::Hooks;
use basis::broadcaster::Settings;
use basis_storage::testing::TestDatabase;
use basis_storage::{ChatStatus, PRIORITY_URGENT};
use basis_telegram_fake::Limits;
use basis_tests::{TestApp, chat_of, quick_broadcasts};

const SOON: Duration = Duration::from_secs(60);

/// How often each chat in `chats` received `text`.
fn receipts(app: &TestApp, text: &str) -> HashMap<i64, usize> {
    let mut counts = HashMap::new();
    for r in app.fake.requests() {
        if r.is_ok() && r.method == "sendmessage" && r.text() == Some(text) {
            *counts.entry(chat_of(&r).unwrap()).or_insert(0) += 1;
        }
    }
    counts
}

async fn fast_app(db: TestDatabase) -> TestApp {
    TestApp::spawn_configured(db, Hooks::default(), |c| {
        c.rate_limit = 1000;
        c.paid_broadcast = true;
    })
    .await
}

#[tokio::test]
async fn every_subscriber_gets_the_post_exactly_once_and_nobody_else() {
    for db in TestDatabase::every_engine().await {
        let app = fast_app(db).await;
        let organizer = app.member(1, Some("de"));
        app.subscribers(1000..1200, &["energy"]).await;
        app.subscribers(1100..1300, &["europe"]).await; // 100 follow both
        app.subscribers(2000..2050, &["strikes"]).await;
        let id = app.post_normal(&organizer, &["energy", "europe"], "Koalitionsvertrag steht").await;
        let (progress, report) = app.finished(&organizer, id, SOON).await;
        assert_eq!((progress.total, progress.sent, progress.failed), (300, 300, 0));
        assert!(report.contains("Zugestellt: 300 von 300"), "{report}");

        let got = receipts(&app, "Koalitionsvertrag steht");
        assert_eq!(got.len(), 300);
        assert!(got.values().all(|n| *n == 1), "someone got it twice");
        assert!((1000..1300).all(|id| got.contains_key(&id)));
        assert!((2000..2050).all(|id| !got.contains_key(&id)), "non-subscribers get nothing");
        // Each delivered copy's message id is kept for edits and retraction.
        let copy = app.fake.last_bot_message(1150).unwrap();
        assert_eq!(
            app.storage().delivered_message(basis_storage::BroadcastId(id), basis_storage::ChatId(1150)).await.unwrap(),
            Some(copy.message_id)
        );
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_clean_run_stays_within_telegrams_limits_and_draws_no_429() {
    let db = TestDatabase::sqlite().await;
    let app = TestApp::spawn_configured(
        db,
        Hooks { outbound: Some(basis_tests::production_outbound()), ..Hooks::default() },
        |c| c.rate_limit = 30,
    )
    .await;
    app.fake.set_limits(Limits::telegram());
    let organizer = app.member(1, Some("en"));
    app.subscribers(5000..5070, &["strikes"]).await;
    app.subscribers([-700, -701], &["strikes"]).await;
    // Two posts at once: every chat gets two messages, never within a second.
    let first = app.post_normal(&organizer, &["strikes"], "Warnstreik morgen").await;
    let second = app.post_normal(&organizer, &["strikes"], "Treffpunkt Tor 3").await;
    let (a, _) = app.finished(&organizer, first, SOON).await;
    let (b, _) = app.finished(&organizer, second, SOON).await;
    assert_eq!((a.sent, b.sent), (72, 72));
    let refused: Vec<_> =
        app.fake.requests().into_iter().filter(|r| r.status == 429).map(|r| (chat_of(&r), r.method)).collect();
    assert_eq!(app.fake.too_many_429s(), 0, "a clean run draws no 429: {refused:?}");

    let mut sends: Vec<_> =
        app.fake.requests().into_iter().filter(|r| r.is_ok() && r.method == "sendmessage").collect();
    sends.sort_by_key(|r| r.at);
    // No one-second window holds more than the configured rate.
    for (i, r) in sends.iter().enumerate() {
        let window = sends[i..].iter().take_while(|s| s.at.duration_since(r.at) < Duration::from_secs(1)).count();
        assert!(window <= 30, "{window} messages within one second");
    }
    // No member gets two posts within a second (the organizer's status
    // messages are replies: a short burst of them is fine).
    let mut last: HashMap<i64, std::time::Instant> = HashMap::new();
    for r in sends.iter().filter(|r| chat_of(r) != Some(organizer.chat_id())) {
        let chat = chat_of(r).unwrap();
        if let Some(previous) = last.insert(chat, r.at) {
            assert!(
                r.at.duration_since(previous) >= Duration::from_millis(900),
                "chat {chat} got two messages within a second"
            );
        }
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn storms_errors_blocked_and_migrated_chats_still_deliver_everything_deliverable_once() {
    for db in TestDatabase::every_engine().await {
        // The bot may send 30/s; this "Telegram" allows 12/s and says so with 429s.
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.rate_limit = 30).await;
        app.fake.set_limits(Limits {
            global_per_sec: Some(12),
            per_chat_per_sec: None,
            per_chat_burst: 1,
            per_group_per_min: None,
            retry_after_secs: 1,
        });
        app.fake.inject_server_errors_seeded(0.05, 7);
        let organizer = app.member(1, Some("de"));
        app.subscribers(3000..3100, &["strikes"]).await;
        app.subscribers([-900], &["strikes", "europe"]).await;
        app.fake.group(-900, "Ortsgruppe");
        app.fake.migrate_group(-900, -100900);
        app.fake.supergroup(-100900, "Ortsgruppe");
        let blocked: Vec<i64> = (3000..3100).step_by(33).collect(); // 3 %
        for chat in &blocked {
            app.fake.block_chat(*chat);
        }

        let id = app.post_normal(&organizer, &["strikes"], "Urabstimmung läuft").await;
        let (progress, report) = app.finished(&organizer, id, SOON).await;
        let statuses: std::collections::BTreeMap<u16, usize> =
            app.fake.requests().iter().fold(Default::default(), |mut m, r| {
                *m.entry(r.status).or_default() += 1;
                m
            });
        assert!(app.fake.too_many_429s() > 0, "the storm happened: {statuses:?}");
        assert_eq!(progress.blocked, blocked.len() as i64, "{report}");
        assert_eq!(progress.failed, 0, "{report}");
        assert_eq!(progress.sent, 101 - blocked.len() as i64);
        let got = receipts(&app, "Urabstimmung läuft");
        assert!(
            got.values().all(|n| *n == 1),
            "duplicates: {:?}",
            got.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
        );
        assert_eq!(got.get(&-100900), Some(&1), "the migrated group got it under its new id");
        assert!(!got.contains_key(&-900));
        for chat in &blocked {
            assert!(!got.contains_key(chat));
            assert_eq!(
                app.storage().chat(basis_storage::ChatId(*chat)).await.unwrap().unwrap().status,
                ChatStatus::Blocked
            );
        }
        assert_eq!(app.subscriptions(-100900).await, ["europe", "strikes"]);

        // The next post leaves blocked chats out: no attempt at all.
        let mark = app.fake.mark();
        let next = app.post_normal(&organizer, &["strikes"], "Ergebnis der Urabstimmung").await;
        let (progress, _) = app.finished(&organizer, next, SOON).await;
        assert_eq!(progress.total, 101 - blocked.len() as i64);
        let tried: Vec<i64> =
            app.fake.requests()[mark..].iter().filter(|r| r.method == "sendmessage").filter_map(chat_of).collect();
        assert!(blocked.iter().all(|b| !tried.contains(b)));
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn an_urgent_post_overtakes_a_normal_one_already_sending() {
    let db = TestDatabase::sqlite().await;
    let app = TestApp::spawn_configured(db, Hooks::default(), |c| {
        c.rate_limit = 100;
        c.paid_broadcast = true;
    })
    .await;
    let organizer = app.member(1, Some("de"));
    app.subscribers(4000..4300, &["strikes"]).await;
    let normal = app.post_normal(&organizer, &["strikes"], "Bericht vom Verhandlungstag").await;
    // Wait until the normal post is under way.
    app.fake
        .wait_for_request(|r| r.text() == Some("Bericht vom Verhandlungstag"), SOON)
        .await
        .expect("normal post starts");
    let urgent = app.post(&organizer, &["strikes"], "Kundgebung verlegt: Tor 5!", PRIORITY_URGENT).await;
    app.finished(&organizer, urgent, SOON).await;
    let (normal_progress, _) = app.finished(&organizer, normal, SOON).await;
    assert_eq!(normal_progress.sent, 300);
    let sends = app.fake.requests();
    let last = |text: &str| sends.iter().filter(|r| r.text() == Some(text)).map(|r| r.at).max().unwrap();
    assert!(last("Kundgebung verlegt: Tor 5!") < last("Bericht vom Verhandlungstag"), "the urgent post finished first");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn progress_is_shown_in_one_edited_message_per_broadcast() {
    let db = TestDatabase::sqlite().await;
    let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.rate_limit = 30).await;
    let organizer = app.member(1, Some("en"));
    app.subscribers(6000..6060, &["energy"]).await;
    app.subscribers(6100..6130, &["europe"]).await;
    let a = app.post_normal(&organizer, &["energy"], "A").await;
    let b = app.post_normal(&organizer, &["europe"], "B").await;
    let (pa, report_a) = app.finished(&organizer, a, SOON).await;
    let (pb, report_b) = app.finished(&organizer, b, SOON).await;
    assert_eq!((pa.sent, pb.sent), (60, 30));
    assert!(report_a.contains("Delivered: 60 of 60"), "{report_a}");
    assert!(report_b.contains("Delivered: 30 of 30"), "{report_b}");
    // One status message per broadcast, edited in place with a progress bar.
    let status = app.fake.bot_messages_in(organizer.chat_id());
    assert_eq!(status.len(), 2);
    assert!(status.iter().all(|m| m.edits >= 1));
    let edits: Vec<String> = app
        .fake
        .requests_for("editmessagetext")
        .iter()
        .filter_map(|r| r.text().map(str::to_owned))
        .filter(|t| t.contains("in progress"))
        .collect();
    assert!(edits.iter().any(|t| t.contains('▓') && t.contains("Remaining:")), "{edits:?}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn latency_does_not_cap_the_rate() {
    let db = TestDatabase::sqlite().await;
    let app = TestApp::spawn_configured(db, Hooks::default(), |c| {
        c.rate_limit = 200;
        c.paid_broadcast = true;
    })
    .await;
    app.fake.set_latency(Duration::from_millis(150));
    let organizer = app.member(1, Some("de"));
    app.subscribers(7000..7400, &["energy"]).await;
    let id = app.post_normal(&organizer, &["energy"], "Strompreisbremse").await;
    app.finished(&organizer, id, SOON).await;
    let mut times: Vec<_> =
        app.fake.requests().into_iter().filter(|r| r.text() == Some("Strompreisbremse")).map(|r| r.at).collect();
    times.sort();
    let span = times.last().unwrap().duration_since(times[0]).as_secs_f64();
    let rate = (times.len() - 1) as f64 / span;
    // At 150 ms per call, one send at a time would manage under 7/s.
    assert!(rate > 150.0, "achieved {rate:.0}/s of 200/s");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn shutdown_returns_unsent_deliveries_and_a_restart_finishes_the_job() {
    for db in TestDatabase::every_engine().await {
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.rate_limit = 30).await;
        let organizer = app.member(1, Some("de"));
        app.subscribers(8000..8100, &["europe"]).await;
        let id = app.post_normal(&organizer, &["europe"], "Europawahl: erste Zahlen").await;
        app.fake.wait_for_request(|r| r.text() == Some("Europawahl: erste Zahlen"), SOON).await.unwrap();
        let (db, fake) = app.stop_keeping_state().await;
        let progress = db.storage.progress(basis_storage::BroadcastId(id)).await.unwrap();
        assert!(progress.remaining > 0 && progress.sent > 0, "{progress:?}");
        assert_eq!(progress.leased, 0, "nothing stays leased to the stopped process");

        let again = TestApp::spawn_full(db, Some(fake), Hooks::default(), |c| c.rate_limit = 30).await;
        let (progress, _) = again.finished(&organizer, id, SOON).await;
        assert_eq!(progress.sent, 100);
        let got = receipts(&again, "Europawahl: erste Zahlen");
        assert_eq!(got.len(), 100);
        assert!(got.values().all(|n| *n == 1), "a graceful stop sends nothing twice");
        again.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_member_is_answered_at_once_in_the_middle_of_a_long_broadcast() {
    let db = TestDatabase::sqlite().await;
    let app = TestApp::spawn_configured(
        db,
        Hooks { outbound: Some(basis_tests::production_outbound()), ..Hooks::default() },
        |c| c.rate_limit = 30,
    )
    .await;
    app.fake.set_limits(Limits::telegram());
    let organizer = app.member(1, Some("de"));
    app.subscribers(9000..9300, &["strikes"]).await; // ten seconds of sending
    let id = app.post_normal(&organizer, &["strikes"], "Streikgeld wird ausgezahlt").await;
    app.fake.wait_for_request(|r| r.text() == Some("Streikgeld wird ausgezahlt"), SOON).await.unwrap();

    let newcomer = app.member(9999, Some("de"));
    let asked = std::time::Instant::now();
    let welcome = app.ask(&newcomer, "/start").await;
    let waited = asked.elapsed();
    assert!(welcome.text.unwrap().starts_with("Willkommen"));
    let progress = app.storage().progress(basis_storage::BroadcastId(id)).await.unwrap();
    assert!(progress.remaining > 100, "answered while the broadcast still runs: {progress:?}");
    assert!(waited < Duration::from_secs(2), "the reply did not queue behind the broadcast: {waited:?}");
    // The reply was paid for from the broadcast's budget: still no 429.
    let (progress, _) = app.finished(&organizer, id, SOON).await;
    assert_eq!(progress.sent, 300);
    assert_eq!(app.fake.too_many_429s(), 0);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_hung_request_does_not_hold_up_the_other_sends() {
    let db = TestDatabase::sqlite().await;
    let settings = Settings { send_timeout: Duration::from_secs(1), ..quick_broadcasts() };
    let hooks = Hooks { broadcast: Some(settings), ..Hooks::default() };
    let app = TestApp::spawn_configured(db, hooks, |c| {
        c.rate_limit = 200;
        c.paid_broadcast = true;
    })
    .await;
    let organizer = app.member(1, Some("en"));
    app.subscribers(10_000..10_200, &["europe"]).await;
    // Telegram never answers calls to this one chat in time.
    app.fake.set_chat_latency(10_050, Duration::from_secs(30));
    let id = app.post_normal(&organizer, &["europe"], "Gipfel in Brüssel").await;
    let (progress, report) = app.finished(&organizer, id, SOON).await;
    assert_eq!((progress.sent, progress.failed), (199, 1), "{report}");
    assert!(report.contains("1×"), "the reason is reported: {report}");

    let mut times: Vec<_> = app
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.is_ok() && r.text() == Some("Gipfel in Brüssel"))
        .map(|r| r.at)
        .collect();
    times.sort();
    let span = times.last().unwrap().duration_since(times[0]);
    // 199 sends at 200/s take about a second; one hung call must not add its
    // time-outs (six tries of a second each) to everyone else's.
    assert!(span < Duration::from_secs(3), "the others took {span:?}");
    app.stop().await.unwrap();
}

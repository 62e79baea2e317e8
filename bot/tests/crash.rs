//! Crash recovery of the real `basis` binary: killed with SIGKILL halfway
//! through a broadcast and started again on the same database, it loses no
//! delivery, repeats only sends that were in flight when it died, and the
//! organizer's report comes out right.

mod common;

use common::{basis, start};
use std::cell::Cell;
use std::collections::HashMap;
use std::time::Duration;

use basis_storage::testing::TestDatabase;
use basis_storage::{ChatKind, Content, NewBroadcast, PRIORITY_NORMAL, now_ms};
use basis_telegram_fake::{FakeTelegram, RecordedRequest};
use futures::StreamExt;

const CHATS: i64 = 3000;
const FIRST_CHAT: i64 = 100_000;
const ORGANIZER: i64 = 1;
const TEXT: &str = "Streik!";
const KILL_AFTER: usize = 1500;
const PATIENCE: Duration = Duration::from_secs(60);

fn is_copy(r: &RecordedRequest) -> bool {
    r.is_ok() && r.method == "sendmessage" && r.text() == Some(TEXT)
}

/// How often each chat received the post.
fn receipts(requests: &[RecordedRequest]) -> HashMap<i64, usize> {
    let mut counts = HashMap::new();
    for r in requests.iter().filter(|r| is_copy(r)) {
        *counts.entry(r.chat_id().expect("a chat id")).or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_killed_mid_broadcast_and_restarted_loses_nobody_and_repeats_only_sends_in_flight() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let begun = std::time::Instant::now();
        let fake = FakeTelegram::start().await;
        let dir = tempfile::tempdir().expect("working directory");

        // `basis migrate` seeds the default topics the subscriptions need.
        let migrated = basis(&["migrate"], &fake, &db, dir.path(), 500).status().await.expect("run basis migrate");
        assert!(migrated.success(), "{engine:?}: basis migrate failed: {migrated}");

        let organizer = fake.user(ORGANIZER, "Org", Some("de"));
        fake.private_chat(&organizer);
        let chats: Vec<i64> = (FIRST_CHAT..FIRST_CHAT + CHATS).collect();
        fake.add_private_chats(chats.iter().copied());
        // Several at once: one commit after another would take PostgreSQL
        // most of the test's time budget.
        futures::stream::iter(&chats)
            .for_each_concurrent(16, |&chat| {
                let storage = &db.storage;
                async move {
                    storage
                        .ensure_chat(basis_core::ChatId(chat), ChatKind::Private, "de", 0)
                        .await
                        .expect("store chat");
                    storage.subscribe(basis_core::ChatId(chat), "strikes", 0).await.expect("store subscription");
                }
            })
            .await;
        let new = NewBroadcast {
            author_id: basis_core::UserId(ORGANIZER),
            content: Content::Text(TEXT.into()),
            topics: basis_storage::TopicList::from_stored("strikes"),
            priority: PRIORITY_NORMAL,
            report_chat_id: Some(basis_core::ChatId(ORGANIZER)),
            report_locale: "de".into(),
            ref_broadcast_id: None,
        };
        let (id, total) = db.storage.create_broadcast(&new, now_ms()).await.expect("queue the broadcast");
        assert_eq!(total, CHATS);

        let mut bot = start(&fake, &db, dir.path(), 500);
        // Counts each recorded call once, as the fake hands them over in order.
        let seen = Cell::new(0usize);
        let halfway = fake
            .wait_for_request(
                |r| {
                    if is_copy(r) {
                        seen.set(seen.get() + 1);
                    }
                    seen.get() >= KILL_AFTER
                },
                PATIENCE,
            )
            .await;
        assert!(halfway.is_some(), "{engine:?}: only {} copies went out before the deadline", seen.get());
        bot.kill().await.expect("SIGKILL the bot");

        // Stands for the dead process's leases running out: without this the
        // rows it had claimed would wait out the 60 s lease before anyone
        // may send them again.
        db.expire_leases().await;
        let settled = db.storage.progress(id).await.expect("progress after the crash");
        assert!(settled.remaining > 0, "{engine:?}: the crash came too late to test anything: {settled:?}");
        // Everything the dead process sent has reached the fake by now (the
        // database round trips above let it read what was still in its
        // sockets); requests before this mark are the first run's.
        let restart_mark = fake.mark();
        let before = fake.requests();
        let sent_before = before.iter().filter(|r| is_copy(r)).count() as i64;
        let in_flight_at_kill = sent_before - settled.sent;
        assert!(in_flight_at_kill >= 0, "{engine:?}: the database claims sends Telegram never saw");
        assert!(
            !before.iter().any(|r| r.chat_id() == Some(ORGANIZER)),
            "{engine:?}: a report before the broadcast was done"
        );

        let again = start(&fake, &db, dir.path(), 500);
        let tag = format!("✅ Sendung #{id} abgeschlossen");
        let report = fake
            .wait_for_request_after(
                restart_mark,
                |r| {
                    r.is_ok()
                        && r.method == "sendmessage"
                        && r.chat_id() == Some(ORGANIZER)
                        && r.text().is_some_and(|t| t.starts_with(&tag))
                },
                PATIENCE,
            )
            .await;
        let progress = db.storage.progress(id).await.expect("progress");
        let report = report.unwrap_or_else(|| panic!("{engine:?}: no final report within {PATIENCE:?}: {progress:?}"));
        let report = report.text().unwrap_or_default().to_owned();
        let broadcast = db.storage.broadcast(id).await.expect("read broadcast").expect("broadcast exists");
        assert!(broadcast.is_finished(), "{engine:?}: {broadcast:?}");
        drop(again);

        assert_eq!((progress.sent, progress.failed, progress.remaining), (CHATS, 0, 0), "{engine:?}");
        assert!(report.contains(&format!("Zugestellt: {CHATS} von {CHATS}")), "{engine:?}: {report}");
        let got = receipts(&fake.requests());
        let lost: Vec<i64> = chats.iter().copied().filter(|c| !got.contains_key(c)).collect();
        assert!(lost.is_empty(), "{engine:?}: {} chats never got the post, e.g. {:?}", lost.len(), &lost[..1]);
        let twice = got.values().filter(|n| **n == 2).count() as i64;
        let more = got.values().filter(|n| **n > 2).count();
        assert_eq!(more, 0, "{engine:?}: some chats got the post three times or more");
        assert!(
            twice <= in_flight_at_kill,
            "{engine:?}: {twice} chats got it twice, but only {in_flight_at_kill} sends were in flight at the kill"
        );
        eprintln!(
            "{engine:?}: killed after {sent_before} sends ({} settled), {twice} repeated, done in {:.1?}",
            settled.sent,
            begun.elapsed()
        );
        fake.shutdown().await;
    }
}

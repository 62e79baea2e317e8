//! Two `basis run` processes on one PostgreSQL database during a large
//! broadcast: one leads (polls and sends), the other stands by. Together they
//! stay within the global rate, no chat gets the post twice (apart from sends
//! in flight at the kill), and SIGKILL of the leader hands over within
//! seconds with nothing lost.

mod common;

use common::{basis, start};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use basis_storage::testing::TestDatabase;
use basis_storage::{Content, NewBroadcast, PRIORITY_NORMAL, now_ms};
use basis_telegram_fake::{FakeTelegram, RecordedRequest};

const CHATS: i64 = 2000;
const FIRST_CHAT: i64 = 200_000;
const ORGANIZER: i64 = 1;
const RATE: usize = 250;
const TEXT: &str = "Urabstimmung!";
const PATIENCE: Duration = Duration::from_secs(60);

fn is_copy(r: &RecordedRequest) -> bool {
    r.is_ok() && r.method == "sendmessage" && r.text() == Some(TEXT)
}

/// The most sends that fell into any one-second window.
fn busiest_second(sends: &[Instant]) -> usize {
    let mut most = 0;
    let mut first = 0;
    for (i, at) in sends.iter().enumerate() {
        while at.duration_since(sends[first]) >= Duration::from_secs(1) {
            first += 1;
        }
        most = most.max(i + 1 - first);
    }
    most
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_the_queue_and_the_rate_and_a_killed_leader_hands_over() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().expect("working directory");
    let migrated = basis(&["migrate"], &fake, &db, dir.path(), RATE).status().await.expect("run basis migrate");
    assert!(migrated.success());
    let organizer = fake.user(ORGANIZER, "Org", Some("de"));
    fake.private_chat(&organizer);
    fake.add_private_chats(FIRST_CHAT..FIRST_CHAT + CHATS);
    db.bulk_members(FIRST_CHAT, FIRST_CHAT + CHATS - 1, "strikes").await;

    // The first instance leads; the second waits.
    let mut leader = start(&fake, &db, dir.path(), RATE);
    let menus = |r: &RecordedRequest| r.method == "setmycommands";
    assert!(fake.wait_for_request(menus, PATIENCE).await.is_some(), "the first instance starts");
    let standby_mark = fake.mark();
    let mut standby = start(&fake, &db, dir.path(), RATE);
    assert!(
        fake.wait_for_request_after(standby_mark, menus, PATIENCE).await.is_some(),
        "the second instance starts too"
    );

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

    // A third of the way, the leader dies.
    let seen = std::cell::Cell::new(0usize);
    let third = fake
        .wait_for_request(
            |r| {
                seen.set(seen.get() + usize::from(is_copy(r)));
                seen.get() >= CHATS as usize / 3
            },
            PATIENCE,
        )
        .await;
    assert!(third.is_some(), "the leader sends");
    leader.kill().await.expect("SIGKILL the leader");
    let killed_at = Instant::now();
    let kill_mark = fake.mark();
    let before: Vec<RecordedRequest> = fake.requests();
    let sent_before = before.iter().filter(|r| is_copy(r)).count();

    // The standby takes over within seconds…
    let resumed = fake.wait_for_request_after(kill_mark, is_copy, PATIENCE).await.expect("the standby sends");
    let handover = resumed.at.duration_since(killed_at);
    assert!(handover < Duration::from_secs(5), "handover took {handover:?}");
    // …and answers members, polling now in its place.
    let member = fake.user(FIRST_CHAT, "Mitglied", Some("de"));
    let chat = fake.private_chat(&member);
    let asked = fake.mark();
    fake.send_text(&member, &chat, "/help");
    let answered = fake
        .wait_for_request_after(asked, |r| r.method == "sendmessage" && r.chat_id() == Some(FIRST_CHAT), PATIENCE)
        .await;
    assert!(answered.is_some(), "the new leader answers members");

    let tag = format!("✅ Sendung #{id} abgeschlossen");
    let report = fake
        .wait_for_request(
            |r| r.is_ok() && r.chat_id() == Some(ORGANIZER) && r.text().is_some_and(|t| t.starts_with(&tag)),
            PATIENCE,
        )
        .await;
    let progress = db.storage.progress(id).await.expect("progress");
    assert!(report.is_some(), "no final report: {progress:?}");
    assert_eq!((progress.sent, progress.failed, progress.remaining), (CHATS, 0, 0));
    standby.kill().await.expect("stop the second instance");

    let requests = fake.requests();
    let mut counts: HashMap<i64, usize> = HashMap::new();
    let mut sends: Vec<Instant> = Vec::new();
    for r in requests.iter().filter(|r| is_copy(r)) {
        *counts.entry(r.chat_id().unwrap()).or_insert(0) += 1;
        sends.push(r.at);
    }
    assert_eq!(counts.len(), CHATS as usize, "every chat got the post");
    let twice = counts.values().filter(|n| **n > 1).count();
    assert!(counts.values().all(|n| *n <= 2));
    // Only sends in flight at the kill can repeat: at most the leader's
    // sends in flight (max_in_flight) and never more than it had claimed.
    assert!(twice <= 128, "{twice} chats got it twice");
    let busiest = busiest_second(&sends);
    assert!(busiest <= RATE, "{busiest} sends in one second across both instances (limit {RATE})");
    let conflicts = requests.iter().filter(|r| r.method == "getupdates" && r.status == 409).count();
    assert_eq!(conflicts, 0, "two instances polled at once");
    eprintln!(
        "leader killed after {sent_before} sends; handover {handover:?}; {twice} repeated; busiest second {busiest}"
    );
    fake.shutdown().await;
}

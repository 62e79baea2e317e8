//! The organizers' inbox survives a crash of the real `basis` binary:
//! killed with SIGKILL while members' messages are being copied into the
//! inbox group and started again on the same database, it loses none of
//! them, keeps each member's order, and copies twice only what was in
//! flight when it died.

mod common;

use common::start;
use std::cell::Cell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use basis_storage::Inbox;
use basis_storage::testing::TestDatabase;
use basis_telegram_fake::{AdminRights, FakeTelegram, RecordedRequest};

const GROUP: i64 = -100_777;
const MEMBERS: i64 = 5;
const FIRST: i64 = 50_000;
const KILL_AFTER: usize = 4;
const PATIENCE: Duration = Duration::from_secs(60);

fn is_copy(r: &RecordedRequest) -> bool {
    r.is_ok() && r.method == "copymessage" && r.chat_id() == Some(GROUP)
}

/// Each member's messages as the inbox got them, in order.
fn copies(requests: &[RecordedRequest]) -> HashMap<i64, Vec<i64>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in requests.iter().filter(|r| is_copy(r)) {
        let (from, id) = (r.params["from_chat_id"].as_i64().unwrap(), r.params["message_id"].as_i64().unwrap());
        out.entry(from).or_default().push(id);
    }
    out
}

/// Waits until the bot has started (its command menus are the last step).
async fn started(fake: &FakeTelegram, mark: usize) {
    let menus = |r: &RecordedRequest| r.method == "setmycommands" && r.params.get("language_code").is_none();
    assert!(fake.wait_for_request_after(mark, menus, PATIENCE).await.is_some(), "basis did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_killed_while_relaying_to_the_inbox_loses_nothing_and_repeats_only_copies_in_flight() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let fake = FakeTelegram::start().await;
        let dir = tempfile::tempdir().expect("working directory");
        fake.forum(GROUP, "Inbox");
        fake.make_bot_admin(GROUP, AdminRights::topic_manager());
        let inbox = Inbox {
            chat_id: basis_core::ChatId(GROUP),
            forum: true,
            locale: "de".into(),
            set_by: basis_core::UserId(1),
            set_at: 0,
        };
        db.storage.set_inbox(&inbox).await.expect("set up the inbox");
        // Telegram is slow to answer the inbox group: the copies are still
        // on their way when the bot dies.
        fake.set_chat_latency(GROUP, Duration::from_millis(200));

        let mut bot = start(&fake, &db, dir.path(), 500);
        started(&fake, 0).await;
        // Every member writes twice.
        let mut written: HashMap<i64, Vec<i64>> = HashMap::new();
        for id in FIRST..FIRST + MEMBERS {
            let user = fake.user(id, "Alex", Some("de"));
            let chat = fake.private_chat(&user);
            for text in ["Ich bin dabei!", "Bis morgen!"] {
                written.entry(id).or_default().push(fake.send_text(&user, &chat, text).message_id.unwrap());
            }
        }
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
        assert!(halfway.is_some(), "{engine:?}: only {} copies before the deadline", seen.get());
        bot.kill().await.expect("SIGKILL the bot");

        // Whatever the dead process sent has reached the fake by now; what
        // it recorded is in the database.
        let restart_mark = fake.mark();
        let sent_before = fake.requests().iter().filter(|r| is_copy(r)).count() as i64;
        let recorded = db.storage.row_count("inbox_messages").await.expect("copies recorded");
        let in_flight = sent_before - recorded;
        assert!(in_flight >= 0, "{engine:?}: the database records copies Telegram never saw");
        let waiting = db.storage.inbox_waiting().await.expect("relays waiting");
        assert!(waiting > 0, "{engine:?}: the crash came too late to test anything");

        let again = start(&fake, &db, dir.path(), 500);
        started(&fake, restart_mark).await;
        let deadline = Instant::now() + PATIENCE;
        while db.storage.inbox_waiting().await.expect("relays waiting") > 0 {
            assert!(Instant::now() < deadline, "{engine:?}: the rest was not relayed after the restart");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        drop(again);

        let got = copies(&fake.requests());
        let mut repeated = 0;
        for (member, messages) in &written {
            let mut arrived = got.get(member).cloned().unwrap_or_default();
            let all = arrived.len();
            arrived.dedup();
            repeated += all - arrived.len();
            assert_eq!(&arrived, messages, "{engine:?}: member {member}'s messages, each, in order");
        }
        assert!(
            repeated as i64 <= in_flight,
            "{engine:?}: {repeated} copies repeated, but only {in_flight} were in flight at the kill"
        );
        eprintln!(
            "{engine:?}: killed after {sent_before} copies ({recorded} recorded, {waiting} waiting), {repeated} repeated"
        );
        fake.shutdown().await;
    }
}

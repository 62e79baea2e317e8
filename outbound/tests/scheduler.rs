//! The scheduler's rules, one by one, and the adaptor against the fake Bot
//! API: replies first, chat limits without blocking others, the free budget
//! and the paid flag, deadlines, and a 429 that pauses and retries.

use std::io::Write;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use basis_outbound::{ChatKey, Outbound, Priority, Refusal, Scheduler, Settings, answering};
use basis_telegram_fake::{FakeTelegram, InjectedFailure};
use teloxide::prelude::*;

fn settings(rate: u32) -> Settings {
    Settings { rate: Some(rate), ..Settings::default() }
}

/// Asks for all `asks` at once and returns them in the order they were let go.
async fn order_of(scheduler: &Scheduler, asks: &[(i64, Priority)]) -> Vec<(i64, Priority)> {
    let order = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = asks
        .iter()
        .map(|&(chat, priority)| {
            let (scheduler, order) = (scheduler.clone(), order.clone());
            tokio::spawn(async move {
                scheduler.acquire(ChatKey::of(chat), priority).await.expect("a permit");
                order.lock().unwrap().push((chat, priority));
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    Arc::try_unwrap(order).unwrap().into_inner().unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn replies_take_their_turn_by_the_arrival_of_their_updates_not_by_when_they_ask() {
    let scheduler = Scheduler::new(settings(50));
    let order = Arc::new(Mutex::new(Vec::new()));
    // The handlers of updates 1–8 ask in reverse (their database work took
    // different times); a send that answers no update asks last.
    let mut tasks: Vec<_> = (1..=8_u64)
        .rev()
        .map(|update| {
            let (scheduler, order) = (scheduler.clone(), order.clone());
            tokio::spawn(answering(update, async move {
                scheduler.acquire(ChatKey::of(update as i64), Priority::Reply).await.expect("a permit");
                order.lock().unwrap().push(update);
            }))
        })
        .collect();
    let (unanswered, log) = (scheduler.clone(), order.clone());
    tasks.push(tokio::spawn(async move {
        unanswered.acquire(ChatKey::of(99), Priority::Reply).await.expect("a permit");
        log.lock().unwrap().push(99);
    }));
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [1, 2, 3, 4, 5, 6, 7, 8, 99]);
}

#[tokio::test(flavor = "current_thread")]
async fn replies_go_before_status_messages_and_the_broadcast() {
    let scheduler = Scheduler::new(settings(50));
    let asks = [
        (1, Priority::Bulk),
        (2, Priority::Background),
        (3, Priority::Reply),
        (4, Priority::Bulk),
        (5, Priority::Reply),
        (6, Priority::Background),
    ];
    let order = order_of(&scheduler, &asks).await;
    let priorities: Vec<Priority> = order.iter().map(|(_, p)| *p).collect();
    assert_eq!(
        priorities,
        [Priority::Reply, Priority::Reply, Priority::Background, Priority::Background, Priority::Bulk, Priority::Bulk]
    );
    // FIFO within each priority.
    assert_eq!(order.iter().map(|(c, _)| *c).collect::<Vec<_>>(), [3, 5, 2, 6, 1, 4]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_chat_at_its_limit_waits_without_holding_up_other_chats() {
    let scheduler =
        Scheduler::new(Settings { chat_burst: 1, chat_period: Duration::from_millis(300), ..settings(1000) });
    let started = Instant::now();
    let order = order_of(&scheduler, &[(7, Priority::Reply), (7, Priority::Reply), (8, Priority::Reply)]).await;
    assert_eq!(order.iter().map(|(c, _)| *c).collect::<Vec<_>>(), [7, 8, 7]);
    assert!(started.elapsed() >= Duration::from_millis(250), "the chat's second message waited its turn");
}

#[tokio::test(flavor = "current_thread")]
async fn the_broadcast_is_told_when_a_chat_must_wait() {
    let scheduler = Scheduler::new(settings(1000));
    assert!(scheduler.acquire(ChatKey::of(9), Priority::Bulk).await.is_ok());
    match scheduler.acquire(ChatKey::of(9), Priority::Bulk).await {
        Err(Refusal::ChatLimited(wait)) => assert!(wait > Duration::from_millis(900), "{wait:?}"),
        other => panic!("expected the chat limit, got {other:?}"),
    }
    // A reply to that member still goes: replies may burst a little.
    assert!(scheduler.acquire(ChatKey::of(9), Priority::Reply).await.is_ok());
}

#[tokio::test(flavor = "current_thread")]
async fn with_paid_broadcasts_every_send_is_marked_and_those_beyond_the_free_30_are_counted() {
    let scheduler = Scheduler::new(Settings { paid: true, ..settings(1000) });
    let started = std::time::Instant::now();
    let mut marks = Vec::new();
    for chat in 0..100 {
        marks.push(scheduler.acquire(ChatKey::of(1000 + chat), Priority::Reply).await.expect("a permit").paid);
    }
    // Every send is marked: an unmarked one is refused when 30 others reach
    // Telegram before it within a second, and sends granted after it may
    // overtake it. Only those beyond the free 30 are counted as charged.
    assert!(marks.iter().all(|paid| *paid), "{marks:?}");
    let charged = scheduler.stats().granted_paid.load(Relaxed);
    assert!(charged <= 70, "{charged} charged: the first 30 of a second are free");
    if started.elapsed() < Duration::from_millis(900) {
        assert_eq!(charged, 70, "100 sends within one second");
    }

    let free = Scheduler::new(settings(30));
    assert!(!free.acquire(ChatKey::of(1), Priority::Reply).await.unwrap().paid, "without paid broadcasts, never");
    assert_eq!(free.stats().granted_paid.load(Relaxed), 0);
}

/// Log lines, captured.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn replies_past_their_deadline_are_dropped_counted_and_logged_once_per_burst() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // Two a second, and a deadline of 300 ms: of ten replies at once, one.
    let scheduler = Scheduler::new(Settings {
        deadline: Duration::from_millis(300),
        drop_log_quiet: Duration::from_millis(200),
        ..settings(2)
    });
    let asks: Vec<_> = (0..10)
        .map(|chat| {
            let scheduler = scheduler.clone();
            tokio::spawn(async move { scheduler.acquire(ChatKey::of(chat), Priority::Reply).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for ask in asks {
        outcomes.push(ask.await.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1);
    assert!(outcomes.iter().filter(|o| o.is_err()).all(|o| *o == Err(Refusal::Dropped)));
    assert_eq!(scheduler.stats().dropped.load(Relaxed), 9);

    let line = "replies dropped";
    let deadline = Instant::now() + Duration::from_secs(5);
    while !String::from_utf8_lossy(&logs.0.lock().unwrap()).contains(line) {
        assert!(Instant::now() < deadline, "the burst was never logged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert_eq!(text.matches(line).count(), 1, "one line for the burst: {text}");
    assert!(text.contains("dropped=9"), "{text}");
}

#[tokio::test(flavor = "current_thread")]
async fn after_a_pause_nobody_sends_until_it_ends() {
    let scheduler = Scheduler::new(settings(1000));
    scheduler.pause_for(Duration::from_millis(300));
    let started = Instant::now();
    scheduler.acquire(ChatKey::of(1), Priority::Reply).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(280), "{:?}", started.elapsed());
    assert_eq!(scheduler.stats().retry_after.load(Relaxed), 1);
}

#[tokio::test]
async fn a_429_is_waited_out_and_the_same_request_sent_again() {
    let fake = FakeTelegram::start().await;
    let user = fake.user(42, "Anna", Some("de"));
    let chat = fake.private_chat(&user);
    let bot = Outbound::new(Bot::new(fake.token()).set_api_url(fake.api_url().parse().unwrap()), settings(30));
    fake.fail_next("sendMessage", InjectedFailure::too_many_requests(Duration::from_secs(1)));
    let started = Instant::now();
    let sent = bot.send_message(ChatId(chat.id), "Willkommen").await.expect("sent after the pause");
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(sent.text(), Some("Willkommen"));
    let tries: Vec<u16> = fake.requests_for("sendMessage").iter().map(|r| r.status).collect();
    assert_eq!(tries, [429, 200]);
    assert_eq!(bot.scheduler().stats().retry_after.load(Relaxed), 1);

    // Edits and callback answers do not wait for a permit: with the budget
    // used up by waiting replies, an edit still goes at once.
    let slow = Outbound::new(Bot::new(fake.token()).set_api_url(fake.api_url().parse().unwrap()), settings(1));
    let first = slow.send_message(ChatId(chat.id), "eins").await.unwrap();
    let queued = tokio::spawn({
        let slow = slow.clone();
        async move { slow.send_message(ChatId(chat.id), "zwei").await }
    });
    let started = Instant::now();
    slow.edit_message_text(ChatId(chat.id), first.id, "eins (bearbeitet)").await.expect("edited");
    assert!(started.elapsed() < Duration::from_millis(500), "the edit waited: {:?}", started.elapsed());
    assert!(!queued.is_finished(), "the second message waits for the next second");
    queued.await.unwrap().expect("sent in its turn");
    fake.shutdown().await;
}

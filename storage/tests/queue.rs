//! The delivery queue on every engine: fan-out, claims, leases, fencing.

use basis_storage::TopicList;
use basis_storage::{ChatId, UserId};
use std::collections::HashSet;

use basis_storage::testing::TestDatabase;
use basis_storage::{
    ChatKind, ChatStatus, Content, NewBroadcast, Outcome, PRIORITY_NORMAL, PRIORITY_URGENT, Settlement, Storage,
    TopicSeed, TopicText,
};

async fn seeded(s: &Storage) {
    let seed = |key: &str| TopicSeed {
        key: key.into(),
        emoji: String::new(),
        texts: vec![TopicText { locale: "de".into(), name: key.into(), description: String::new() }],
    };
    s.seed_topics(&[seed("energy"), seed("europe"), seed("strikes")], 0).await.unwrap();
}

fn post(topics: &[&str], priority: i64) -> NewBroadcast {
    NewBroadcast {
        author_id: UserId(1),
        content: Content::Text("Hallo".into()),
        topics: TopicList::parse_all(topics.iter().copied()).expect("topic keys"),
        priority,
        report_chat_id: Some(ChatId(1)),
        report_locale: "de".into(),
        ref_broadcast_id: None,
    }
}

fn sent(c: &basis_storage::Claimed, message_id: i64) -> Settlement {
    Settlement {
        broadcast_id: c.broadcast_id,
        chat_id: c.chat_id,
        lease_token: c.lease_token,
        outcome: Outcome::Sent { message_id },
    }
}

#[tokio::test]
async fn fan_out_reaches_each_active_subscriber_once() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        for id in 1..=10 {
            s.ensure_chat(ChatId(id), ChatKind::Private, "de", 0).await.unwrap();
            s.subscribe(ChatId(id), "energy", 0).await.unwrap();
            if id % 2 == 0 {
                s.subscribe(ChatId(id), "europe", 0).await.unwrap();
            }
        }
        s.ensure_chat(ChatId(11), ChatKind::Private, "de", 0).await.unwrap();
        s.subscribe(ChatId(11), "strikes", 0).await.unwrap();
        s.set_status(ChatId(3), ChatStatus::Blocked, 0).await.unwrap();

        let (id, total) = s.create_broadcast(&post(&["energy", "europe"], PRIORITY_NORMAL), 5).await.unwrap();
        assert_eq!(total, 9, "{:?}: 10 subscribers, one blocked, overlaps counted once", db.engine());
        let b = s.broadcast(id).await.unwrap().unwrap();
        assert_eq!((b.total, b.status.as_str(), b.topics.stored()), (9, "sending", "energy,europe".to_owned()));
        assert_eq!(b.content(), Some(Content::Text("Hallo".into())));
        let claimed = s.claim(100, 5, 1000).await.unwrap();
        let chats: HashSet<i64> = claimed.iter().map(|c| c.chat_id.0).collect();
        assert_eq!(chats, HashSet::from([1, 2, 4, 5, 6, 7, 8, 9, 10]));

        // A topic nobody follows makes an empty broadcast that is done at once.
        let (empty, total) = s.create_broadcast(&post(&["nothing"], PRIORITY_NORMAL), 6).await.unwrap();
        assert_eq!(total, 0);
        assert!(s.broadcast(empty).await.unwrap().unwrap().is_finished());
        // Topic names that are prefixes of others do not match by accident.
        let (_, total) = s.create_broadcast(&post(&["energ"], PRIORITY_NORMAL), 6).await.unwrap();
        assert_eq!(total, 0);
    }
}

#[tokio::test]
async fn urgent_broadcasts_are_claimed_first_and_due_times_respected() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        for id in 1..=5 {
            s.ensure_chat(ChatId(id), ChatKind::Private, "de", 0).await.unwrap();
            s.subscribe(ChatId(id), "strikes", 0).await.unwrap();
        }
        let (normal, _) = s.create_broadcast(&post(&["strikes"], PRIORITY_NORMAL), 1).await.unwrap();
        let (urgent, _) = s.create_broadcast(&post(&["strikes"], PRIORITY_URGENT), 2).await.unwrap();
        let first = s.claim(5, 10, 1000).await.unwrap();
        assert!(first.iter().all(|c| c.broadcast_id == urgent), "{first:?}");
        let second = s.claim(10, 10, 1000).await.unwrap();
        assert!(second.iter().all(|c| c.broadcast_id == normal) && second.len() == 5);
        // Retry later: not due before its time.
        let retry = Settlement {
            broadcast_id: normal,
            chat_id: second[0].chat_id,
            lease_token: second[0].lease_token,
            outcome: Outcome::Retry { due_at: 500, error: "502".into(), counts: true },
        };
        assert_eq!(s.settle(&[retry], 20).await.unwrap(), 1);
        assert!(s.claim(10, 499, 1000).await.unwrap().is_empty());
        let again = s.claim(10, 500, 1000).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 1);
    }
}

#[tokio::test]
async fn an_expired_lease_returns_to_the_queue_and_the_late_worker_is_fenced_off() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        s.ensure_chat(ChatId(1), ChatKind::Private, "de", 0).await.unwrap();
        s.subscribe(ChatId(1), "energy", 0).await.unwrap();
        let (id, _) = s.create_broadcast(&post(&["energy"], PRIORITY_NORMAL), 0).await.unwrap();
        let stale = s.claim(10, 100, 1000).await.unwrap();
        assert_eq!(stale.len(), 1);
        // Within the lease nobody else gets it.
        assert!(s.claim(10, 500, 1000).await.unwrap().is_empty());
        // The worker hangs; its lease runs out and another claims the row.
        let fresh = s.claim(10, 1101, 1000).await.unwrap();
        assert_eq!(fresh.len(), 1);
        assert_ne!(fresh[0].lease_token, stale[0].lease_token);
        // The hung worker's late acknowledgement changes nothing…
        assert_eq!(s.settle(&[sent(&stale[0], 111)], 1200).await.unwrap(), 0);
        assert_eq!(s.progress(id).await.unwrap().remaining, 1);
        // …the current holder's does.
        assert_eq!(s.settle(&[sent(&fresh[0], 222)], 1201).await.unwrap(), 1);
        assert_eq!(s.delivered_message(id, ChatId(1)).await.unwrap(), Some(222));
        assert!(s.finish_if_complete(id, 1202).await.unwrap());
        assert!(!s.finish_if_complete(id, 1203).await.unwrap(), "only one caller finishes it");
    }
}

#[tokio::test]
async fn outcomes_are_counted_and_blocked_chats_are_left_out_next_time() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        for id in 1..=4 {
            s.ensure_chat(ChatId(id), ChatKind::Private, "de", 0).await.unwrap();
            s.subscribe(ChatId(id), "energy", 0).await.unwrap();
        }
        let (id, _) = s.create_broadcast(&post(&["energy"], PRIORITY_NORMAL), 0).await.unwrap();
        let claimed = s.claim(10, 1, 1000).await.unwrap();
        let settle = |chat: i64, outcome: Outcome| {
            let c = claimed.iter().find(|c| c.chat_id == ChatId(chat)).unwrap();
            Settlement { broadcast_id: id, chat_id: ChatId(chat), lease_token: c.lease_token, outcome }
        };
        let settlements = vec![
            settle(1, Outcome::Sent { message_id: 10 }),
            settle(2, Outcome::Blocked { error: "Forbidden: bot was blocked by the user".into() }),
            settle(3, Outcome::Failed { error: "Bad Gateway".into() }),
        ];
        assert_eq!(s.settle(&settlements, 2).await.unwrap(), 3);
        let progress = s.progress(id).await.unwrap();
        assert_eq!(
            (progress.total, progress.sent, progress.blocked, progress.failed, progress.remaining),
            (4, 1, 1, 1, 1)
        );
        assert_eq!(progress.errors, vec![("Bad Gateway".to_owned(), 1)]);
        assert!(!s.finish_if_complete(id, 3).await.unwrap());
        assert_eq!(s.chat(ChatId(2)).await.unwrap().unwrap().status, ChatStatus::Blocked);
        let (_, total) = s.create_broadcast(&post(&["energy"], PRIORITY_NORMAL), 4).await.unwrap();
        assert_eq!(total, 3, "the blocked chat is skipped in the next post");
    }
}

#[tokio::test]
async fn a_migrated_group_moves_with_its_topics_and_is_sent_again() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        s.ensure_chat(ChatId(-42), ChatKind::Group, "de", 0).await.unwrap();
        s.subscribe(ChatId(-42), "energy", 0).await.unwrap();
        s.subscribe(ChatId(-42), "strikes", 0).await.unwrap();
        let (id, _) = s.create_broadcast(&post(&["energy"], PRIORITY_NORMAL), 0).await.unwrap();
        let claimed = s.claim(10, 1, 1000).await.unwrap();
        let moved = Settlement {
            broadcast_id: id,
            chat_id: ChatId(-42),
            lease_token: claimed[0].lease_token,
            outcome: Outcome::Moved { to_chat_id: ChatId(-100042) },
        };
        assert_eq!(s.settle(&[moved], 2).await.unwrap(), 1);
        assert!(s.chat(ChatId(-42)).await.unwrap().is_none());
        let chat = s.chat(ChatId(-100042)).await.unwrap().unwrap();
        assert_eq!(chat.kind, ChatKind::Supergroup);
        assert_eq!(s.subscriptions(ChatId(-100042)).await.unwrap(), vec!["energy", "strikes"]);
        let again = s.claim(10, 3, 1000).await.unwrap();
        assert_eq!(again.iter().map(|c| c.chat_id).collect::<Vec<_>>(), vec![ChatId(-100042)]);
    }
}

#[tokio::test]
async fn racing_claimers_never_get_the_same_delivery() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        for id in 1..=400 {
            s.ensure_chat(ChatId(id), ChatKind::Private, "de", 0).await.unwrap();
            s.subscribe(ChatId(id), "europe", 0).await.unwrap();
        }
        s.create_broadcast(&post(&["europe"], PRIORITY_NORMAL), 0).await.unwrap();
        let mut workers = Vec::new();
        for _ in 0..4 {
            let s = s.clone();
            workers.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = s.claim(7, 10, 60_000).await.unwrap();
                    if batch.is_empty() {
                        break mine;
                    }
                    mine.extend(batch.into_iter().map(|c| c.chat_id));
                }
            }));
        }
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.await.unwrap());
        }
        let unique: HashSet<_> = all.iter().copied().collect();
        assert_eq!(all.len(), 400, "{:?}", db.engine());
        assert_eq!(unique.len(), 400);
    }
}

#[tokio::test]
async fn stop_removes_the_chats_delivery_records_too() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        s.ensure_chat(ChatId(9), ChatKind::Private, "de", 0).await.unwrap();
        s.subscribe(ChatId(9), "energy", 0).await.unwrap();
        let (id, _) = s.create_broadcast(&post(&["energy"], PRIORITY_NORMAL), 0).await.unwrap();
        let claimed = s.claim(10, 1, 1000).await.unwrap();
        s.settle(&[sent(&claimed[0], 5)], 2).await.unwrap();
        assert!(s.delete_chat(ChatId(9)).await.unwrap());
        assert_eq!(s.delivered_message(id, ChatId(9)).await.unwrap(), None);
        assert_eq!(s.progress(id).await.unwrap().total, 0);
    }
}

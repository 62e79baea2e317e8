//! Statistics on every engine: what changes of subscriptions record (and
//! what they must not: the chat), and the figures organizers read.

use basis_storage::TopicList;
use basis_storage::testing::TestDatabase;
use basis_storage::{ChatId, UserId};
use basis_storage::{
    ChatKind, ChatStatus, Content, DAY_MS, LinkJoins, NewBroadcast, NewChat, Outcome, PRIORITY_NORMAL, Settlement,
    Storage, TopicSeed, TopicStats, TopicText, day_start,
};

async fn seeded(s: &Storage) {
    let seed = |key: &str| TopicSeed {
        key: key.into(),
        emoji: String::new(),
        texts: vec![TopicText { locale: "de".into(), name: key.into(), description: String::new() }],
    };
    s.seed_topics(&[seed("energy"), seed("europe"), seed("strikes")], 0).await.unwrap();
}

/// A fixed "now": 2026-03-10 12:00 UTC.
const NOW: i64 = 1_773_144_000_000;

fn stats_of<'a>(all: &'a [TopicStats], key: &str) -> &'a TopicStats {
    all.iter().find(|t| t.topic_key == key).unwrap_or_else(|| panic!("no stats for {key}: {all:?}"))
}

/// `(subscribers, +7d, -7d, +30d, -30d)`.
fn figures(t: &TopicStats) -> (i64, i64, i64, i64, i64) {
    (t.subscribers, t.new_7d, t.lost_7d, t.new_30d, t.lost_30d)
}

async fn member(s: &Storage, id: i64) {
    s.ensure_chat(ChatId(id), ChatKind::Private, "de", 0).await.unwrap();
}

#[tokio::test]
async fn changes_of_subscriptions_are_counted_without_the_chat() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        let engine = db.engine();
        seeded(s).await;
        // A distinctive chat id, to prove no statistics table holds it.
        let chat = 987_650_001;
        member(s, chat).await;
        assert!(s.subscribe(ChatId(chat), "energy", NOW - 40 * DAY_MS).await.unwrap());
        assert!(!s.subscribe(ChatId(chat), "energy", NOW - 39 * DAY_MS).await.unwrap(), "no second join");
        assert!(!s.subscribe(ChatId(chat), "nonsense", NOW - 39 * DAY_MS).await.unwrap());
        assert!(s.subscribe_via(ChatId(chat), "strikes", "link:flyer", NOW - 20 * DAY_MS).await.unwrap());
        assert!(
            !s.subscribe_via(ChatId(chat), "strikes", "link:flyer", NOW - 19 * DAY_MS).await.unwrap(),
            "already in"
        );
        assert!(s.unsubscribe_at(ChatId(chat), "energy", NOW - 3 * DAY_MS).await.unwrap());
        assert!(!s.unsubscribe_at(ChatId(chat), "energy", NOW - 2 * DAY_MS).await.unwrap(), "no second loss");
        // The buttons: on, off, on.
        assert!(s.toggle(ChatId(chat), "europe", NOW - 2 * DAY_MS).await.unwrap());
        assert!(!s.toggle(ChatId(chat), "europe", NOW - 2 * DAY_MS + 1).await.unwrap());
        assert!(s.toggle(ChatId(chat), "europe", NOW - DAY_MS).await.unwrap());

        let all = s.topic_stats(NOW).await.unwrap();
        assert_eq!(all.iter().map(|t| t.topic_key.as_str()).collect::<Vec<_>>(), ["energy", "europe", "strikes"]);
        assert_eq!(figures(stats_of(&all, "energy")), (0, 0, 1, 0, 1), "{engine:?}: joined 40 days ago, left");
        assert_eq!(figures(stats_of(&all, "europe")), (1, 2, 1, 2, 1), "{engine:?}");
        assert_eq!(figures(stats_of(&all, "strikes")), (1, 0, 0, 1, 0), "{engine:?}");
        let joins = s.link_joins().await.unwrap();
        assert_eq!(joins, vec![LinkJoins { topic_key: "strikes".into(), campaign: "flyer".into(), joins: 1 }]);

        // Deleting the chat loses each of its topics once, now.
        let hits = db.columns_mentioning("987650001").await;
        assert!(hits.iter().all(|c| !c.starts_with("subscription_events.")), "{engine:?}: {hits:?}");
        assert!(s.delete_chat_at(ChatId(chat), NOW - 1000).await.unwrap());
        assert!(!s.delete_chat_at(ChatId(chat), NOW - 500).await.unwrap());
        let all = s.topic_stats(NOW).await.unwrap();
        assert_eq!(figures(stats_of(&all, "europe")), (0, 2, 2, 2, 2), "{engine:?}");
        assert_eq!(figures(stats_of(&all, "strikes")), (0, 0, 1, 1, 1), "{engine:?}");
        assert!(!db.dump_contains("987650001").await, "{engine:?}: the deleted chat is still somewhere");
        // The join through the link stays counted; it names no one.
        assert_eq!(s.link_joins().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_group_moving_to_a_supergroup_is_neither_lost_nor_new() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        s.ensure_chat(ChatId(-42), ChatKind::Group, "de", 0).await.unwrap();
        s.subscribe(ChatId(-42), "energy", NOW - DAY_MS).await.unwrap();
        s.subscribe(ChatId(-42), "strikes", NOW - DAY_MS).await.unwrap();
        let before = s.topic_stats(NOW).await.unwrap();
        let new = NewBroadcast {
            author_id: UserId(1),
            content: Content::Text("Hallo".into()),
            topics: TopicList::from_stored("energy"),
            priority: PRIORITY_NORMAL,
            report_chat_id: None,
            report_locale: "de".into(),
            ref_broadcast_id: None,
        };
        let (id, _) = s.create_broadcast(&new, NOW).await.unwrap();
        let claimed = s.claim(10, NOW, 1000).await.unwrap();
        let moved = Settlement {
            broadcast_id: id,
            chat_id: ChatId(-42),
            lease_token: claimed[0].lease_token,
            outcome: Outcome::Moved { to_chat_id: ChatId(-100_042) },
        };
        assert_eq!(s.settle(&[moved], NOW).await.unwrap(), 1);
        assert_eq!(s.subscriptions(ChatId(-100_042)).await.unwrap(), vec!["energy", "strikes"]);
        assert_eq!(s.topic_stats(NOW).await.unwrap(), before, "{:?}", db.engine());
        assert_eq!(figures(stats_of(&before, "energy")), (1, 1, 0, 1, 0));
    }
}

#[tokio::test]
async fn subscribers_count_active_chats_and_growth_respects_the_windows() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        let engine = db.engine();
        seeded(s).await;
        // 1–4 joined 60, 20, 5 days and 1 hour ago; 5 joined 10 days ago
        // and left 6 days ago; 4 blocked the bot since.
        for (id, ago) in [(1, 60 * DAY_MS), (2, 20 * DAY_MS), (3, 5 * DAY_MS), (4, 3_600_000), (5, 10 * DAY_MS)] {
            member(s, id).await;
            assert!(s.subscribe(ChatId(id), "strikes", NOW - ago).await.unwrap());
        }
        s.unsubscribe_at(ChatId(5), "strikes", NOW - 6 * DAY_MS).await.unwrap();
        s.set_status(ChatId(4), ChatStatus::Blocked, NOW).await.unwrap();
        // A join after `now` is not in the windows.
        member(s, 6).await;
        s.subscribe(ChatId(6), "energy", NOW + DAY_MS).await.unwrap();
        // Exactly 7 days ago is outside the 7-day window.
        member(s, 7).await;
        s.subscribe(ChatId(7), "europe", NOW - 7 * DAY_MS).await.unwrap();

        let all = s.topic_stats(NOW).await.unwrap();
        assert_eq!(figures(stats_of(&all, "strikes")), (3, 2, 1, 4, 1), "{engine:?}: blocked 4 not counted now");
        assert_eq!(figures(stats_of(&all, "energy")), (1, 0, 0, 0, 0), "{engine:?}");
        assert_eq!(figures(stats_of(&all, "europe")), (1, 0, 0, 1, 0), "{engine:?}");
        assert!(s.link_joins().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn joins_are_counted_per_topic_and_link() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        for id in 1..=6 {
            member(s, id).await;
        }
        for (id, topic, source) in [
            (1, "strikes", "link:flyer-mai"),
            (2, "strikes", "link:flyer-mai"),
            (3, "strikes", "link:"),
            (4, "energy", "link:flyer-mai"),
            (5, "strikes", ""),
            (6, "strikes", "link:flyer-mai"),
        ] {
            assert!(s.subscribe_via(ChatId(id), topic, source, NOW).await.unwrap());
        }
        // Leaving again does not undo a join through a link.
        s.unsubscribe_at(ChatId(6), "strikes", NOW + 1).await.unwrap();
        let joins = s.link_joins().await.unwrap();
        let joins: Vec<(&str, &str, i64)> =
            joins.iter().map(|j| (j.topic_key.as_str(), j.campaign.as_str(), j.joins)).collect();
        assert_eq!(
            joins,
            [("strikes", "flyer-mai", 3), ("energy", "flyer-mai", 1), ("strikes", "", 1)],
            "{:?}",
            db.engine()
        );
    }
}

#[tokio::test]
async fn the_daily_series_is_rebuilt_from_todays_counts() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        let engine = db.engine();
        seeded(s).await;
        let today = day_start(NOW);
        // Two members from before the statistics began (no events: stored
        // directly), then: +1 four days ago, +2 and -1 two days ago, -1 today.
        db.bulk_members(100, 101, "energy").await;
        for id in 1..=3 {
            member(s, id).await;
        }
        s.subscribe(ChatId(1), "energy", today - 4 * DAY_MS + 5).await.unwrap();
        s.subscribe(ChatId(2), "energy", today - 2 * DAY_MS + 5).await.unwrap();
        s.subscribe(ChatId(3), "energy", today - 2 * DAY_MS + 6).await.unwrap();
        s.unsubscribe_at(ChatId(1), "energy", today - 2 * DAY_MS + 7).await.unwrap();
        s.unsubscribe_at(ChatId(2), "energy", NOW - 1).await.unwrap();
        // Before the charted days: only in the starting value.
        s.subscribe(ChatId(3), "strikes", today - 30 * DAY_MS).await.unwrap();

        let series = s.daily_subscribers(6, NOW).await.unwrap();
        assert_eq!(series.iter().map(|d| d.topic_key.as_str()).collect::<Vec<_>>(), ["energy", "europe", "strikes"]);
        let energy = &series[0];
        let days: Vec<i64> = energy.points.iter().map(|p| p.0).collect();
        assert_eq!(days, (0..6).rev().map(|d| today - d * DAY_MS).collect::<Vec<_>>(), "{engine:?}");
        let counts: Vec<i64> = energy.points.iter().map(|p| p.1).collect();
        assert_eq!(counts, [2, 3, 3, 4, 4, 3], "{engine:?}");
        assert_eq!(series[1].points.iter().map(|p| p.1).collect::<Vec<_>>(), [0; 6]);
        assert_eq!(series[2].points.iter().map(|p| p.1).collect::<Vec<_>>(), [1; 6]);
        assert_eq!(s.topic_stats(NOW).await.unwrap()[0].subscribers, 3, "the last point is now");
        // At least one day.
        assert_eq!(s.daily_subscribers(0, NOW).await.unwrap()[0].points, vec![(today, 3)]);
    }
}

#[tokio::test]
async fn recent_broadcasts_show_their_outcomes_newest_first() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        for id in 1..=5 {
            member(s, id).await;
            s.subscribe(ChatId(id), "strikes", 0).await.unwrap();
        }
        let post = |topics: &[&str], content: Content| NewBroadcast {
            author_id: UserId(1),
            content,
            topics: TopicList::parse_all(topics.iter().copied()).expect("topic keys"),
            priority: PRIORITY_NORMAL,
            report_chat_id: None,
            report_locale: "de".into(),
            ref_broadcast_id: None,
        };
        let (first, _) = s.create_broadcast(&post(&["strikes"], Content::Text("Eins".into())), NOW - 10).await.unwrap();
        let claimed = s.claim(10, NOW, 1000).await.unwrap();
        let settle = |chat: i64, outcome: Outcome| Settlement {
            broadcast_id: first,
            chat_id: ChatId(chat),
            lease_token: claimed.iter().find(|c| c.chat_id == ChatId(chat)).unwrap().lease_token,
            outcome,
        };
        let outcomes = [
            settle(1, Outcome::Sent { message_id: 10 }),
            settle(2, Outcome::Sent { message_id: 11 }),
            settle(3, Outcome::Blocked { error: "Forbidden".into() }),
            settle(4, Outcome::Failed { error: "Bad Request".into() }),
        ];
        s.settle(&outcomes, NOW).await.unwrap();
        // A correction is not a post; an empty post is one.
        let edit = NewBroadcast { ref_broadcast_id: Some(first), ..post(&["strikes"], Content::Edit("Zwei".into())) };
        assert_eq!(s.create_broadcast(&edit, NOW - 5).await.unwrap().1, 2, "the two sent copies are edited");
        let copy = Content::Copy { chat_id: ChatId(1), message_id: 3, text: None };
        let (second, _) = s.create_broadcast(&post(&["europe", "energy"], copy), NOW).await.unwrap();

        let recent = s.recent_broadcasts(5).await.unwrap();
        let rows: Vec<_> =
            recent.iter().map(|b| (b.id, b.topics.to_string(), b.total, b.sent, b.blocked, b.failed)).collect();
        assert_eq!(
            rows,
            [(second, "europe,energy".to_owned(), 0, 0, 0, 0), (first, "strikes".to_owned(), 5, 2, 1, 1)],
            "{:?}",
            db.engine()
        );
        assert_eq!(recent[1].created_at, NOW - 10);
        assert_eq!(recent[0].topics.strs(), ["europe", "energy"]);
        assert_eq!(s.recent_broadcasts(1).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_join_through_a_link_stores_the_chat_the_subscription_and_the_count_at_once() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        let engine = db.engine();
        seeded(s).await;
        let chat = NewChat { id: ChatId(987_650_002), kind: ChatKind::Private, locale: "en", privacy_version: 3 };
        let topics = s.join_via(chat, "strikes", "link:gate", NOW).await.unwrap();
        assert_eq!(topics, ["strikes"], "{engine:?}");
        let stored = s.chat(chat.id).await.unwrap().expect("the chat is stored");
        assert_eq!((stored.locale.as_str(), stored.consent_at, stored.privacy_version), ("en", NOW, 3), "{engine:?}");

        // A second link: the row stays as it was (first consent, language),
        // the keyboard shows both topics in the configured order.
        let later = NewChat { locale: "de", privacy_version: 4, ..chat };
        let topics = s.join_via(later, "energy", "link:", NOW + 1000).await.unwrap();
        assert_eq!(topics, ["energy", "strikes"], "{engine:?}");
        let stored = s.chat(chat.id).await.unwrap().unwrap();
        assert_eq!((stored.locale.as_str(), stored.consent_at, stored.privacy_version), ("en", NOW, 3), "{engine:?}");

        // The same link again, and a topic that does not exist: no join counted.
        assert_eq!(s.join_via(chat, "strikes", "link:gate", NOW + 2000).await.unwrap(), ["energy", "strikes"]);
        assert_eq!(s.join_via(chat, "nonsense", "link:gate", NOW + 2000).await.unwrap(), ["energy", "strikes"]);
        let joins = s.link_joins().await.unwrap();
        assert_eq!(
            joins,
            vec![
                LinkJoins { topic_key: "energy".into(), campaign: String::new(), joins: 1 },
                LinkJoins { topic_key: "strikes".into(), campaign: "gate".into(), joins: 1 },
            ],
            "{engine:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowd_joining_at_once_is_written_in_batches_each_join_with_its_own_answer() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        let engine = db.engine();
        seeded(s).await;
        // Some already follow energy; a few open a link to a topic that is
        // not there.
        for id in 1..=50 {
            let chat = NewChat { id: ChatId(id), kind: ChatKind::Private, locale: "de", privacy_version: 1 };
            s.join_via(chat, "energy", "link:", NOW).await.unwrap();
        }
        let crowd: Vec<_> = (1..=600_i64)
            .map(|id| {
                let s = s.clone();
                tokio::spawn(async move {
                    let topic = if id % 100 == 0 { "nonsense" } else { "strikes" };
                    let chat = NewChat { id: ChatId(id), kind: ChatKind::Private, locale: "en", privacy_version: 2 };
                    (id, s.join_via(chat, topic, "link:gate", NOW + id).await.unwrap())
                })
            })
            .collect();
        for task in crowd {
            let (id, topics) = task.await.unwrap();
            let expected: &[&str] = match (id <= 50, id % 100 == 0) {
                (true, _) => &["energy", "strikes"],
                (false, true) => &[],
                (false, false) => &["strikes"],
            };
            assert_eq!(topics, expected, "{engine:?}: chat {id}");
            let stored = s.chat(ChatId(id)).await.unwrap().expect("every chat is stored");
            let first = if id <= 50 { ("de", NOW, 1) } else { ("en", NOW + id, 2) };
            assert_eq!((stored.locale.as_str(), stored.consent_at, stored.privacy_version), first, "{engine:?}: {id}");
        }
        let joins = s.link_joins().await.unwrap();
        let gate = joins.iter().find(|j| j.campaign == "gate").expect("the gate's link");
        assert_eq!((gate.topic_key.as_str(), gate.joins), ("strikes", 594), "{engine:?}");
        assert_eq!(stats_of(&s.topic_stats(NOW + 1000).await.unwrap(), "strikes").subscribers, 594, "{engine:?}");
    }
}

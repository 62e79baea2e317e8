//! The repository suite, run on every engine: SQLite always, PostgreSQL where
//! `BASIS_TEST_POSTGRES_URL` names a server.

use basis_storage::ChatId;
use basis_storage::TopicList;
use basis_storage::testing::TestDatabase;
use basis_storage::{ChatKind, ChatStatus, Storage, TopicSeed, TopicText};

fn seed(key: &str, de: &str, en: &str) -> TopicSeed {
    TopicSeed {
        key: key.into(),
        emoji: "⚡".into(),
        texts: vec![
            TopicText { locale: "de".into(), name: de.into(), description: format!("{de} …") },
            TopicText { locale: "en".into(), name: en.into(), description: format!("{en} …") },
        ],
    }
}

async fn seeded(storage: &Storage) {
    storage
        .seed_topics(
            &[
                seed("energy", "Energie", "Energy"),
                seed("europe", "Europa", "Europe"),
                seed("strikes", "Streiks", "Strikes"),
            ],
            1,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn seeding_adds_new_topics_and_retires_instead_of_dropping() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        let first =
            s.seed_topics(&[seed("energy", "Energie", "Energy"), seed("europe", "Europa", "Europe")], 1).await.unwrap();
        assert_eq!(first.added, vec!["energy", "europe"], "{:?}", db.engine());
        s.ensure_chat(ChatId(5), ChatKind::Private, "de", 2).await.unwrap();
        assert!(s.subscribe(ChatId(5), "europe", 2).await.unwrap());

        let second = s
            .seed_topics(
                &[seed("strikes", "Streiks", "Strikes"), seed("energy", "Energie & Klima", "Energy & climate")],
                3,
            )
            .await
            .unwrap();
        assert_eq!(second.added, vec!["strikes"]);
        assert_eq!(second.retired, vec!["europe"]);

        let topics = s.topics().await.unwrap();
        let keys: Vec<_> = topics.iter().map(|t| (t.key.as_str(), t.retired)).collect();
        assert_eq!(keys, vec![("strikes", false), ("energy", false), ("europe", true)]);
        let energy = &topics[1];
        assert_eq!(energy.texts.iter().find(|t| t.locale == "en").unwrap().name, "Energy & climate");
        // The retired topic keeps its subscribers, but takes no new ones.
        assert_eq!(s.subscriptions(ChatId(5)).await.unwrap(), vec!["europe"]);
        s.ensure_chat(ChatId(6), ChatKind::Private, "de", 4).await.unwrap();
        assert!(!s.subscribe(ChatId(6), "europe", 4).await.unwrap());
    }
}

#[tokio::test]
async fn subscribing_is_idempotent_and_unknown_topics_are_refused() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        let chat = s.ensure_chat(ChatId(42), ChatKind::Private, "en", 10).await.unwrap();
        assert_eq!(chat.consent_at, 10);
        assert_eq!(chat.status, ChatStatus::Active);
        assert!(s.subscribe(ChatId(42), "strikes", 11).await.unwrap());
        assert!(!s.subscribe(ChatId(42), "strikes", 12).await.unwrap());
        assert!(!s.subscribe(ChatId(42), "nonsense", 12).await.unwrap());
        assert!(s.subscribe(ChatId(42), "energy", 13).await.unwrap());
        // Configured order, not insertion order.
        assert_eq!(s.subscriptions(ChatId(42)).await.unwrap(), vec!["energy", "strikes"]);
        assert!(s.unsubscribe(ChatId(42), "energy").await.unwrap());
        assert!(!s.unsubscribe(ChatId(42), "energy").await.unwrap());
        assert_eq!(s.subscriptions(ChatId(42)).await.unwrap(), vec!["strikes"]);
        // A second ensure keeps the first consent time.
        assert_eq!(s.ensure_chat(ChatId(42), ChatKind::Private, "de", 99).await.unwrap().consent_at, 10);
    }
}

#[tokio::test]
async fn toggle_flips_a_subscription() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        s.ensure_chat(ChatId(7), ChatKind::Private, "de", 1).await.unwrap();
        assert!(s.toggle(ChatId(7), "europe", 2).await.unwrap());
        assert_eq!(s.subscriptions(ChatId(7)).await.unwrap(), vec!["europe"]);
        assert!(!s.toggle(ChatId(7), "europe", 3).await.unwrap());
        assert!(s.subscriptions(ChatId(7)).await.unwrap().is_empty());
        assert!(!s.toggle(ChatId(7), "unknown", 3).await.unwrap());
    }
}

#[tokio::test]
async fn deleting_a_chat_leaves_no_row_with_its_id() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        s.ensure_chat(ChatId(-100123), ChatKind::Supergroup, "de", 1).await.unwrap();
        s.ensure_chat(ChatId(77), ChatKind::Private, "de", 1).await.unwrap();
        for topic in ["energy", "europe", "strikes"] {
            s.subscribe(ChatId(-100123), topic, 2).await.unwrap();
            s.subscribe(ChatId(77), topic, 2).await.unwrap();
        }
        assert!(s.delete_chat(ChatId(-100123)).await.unwrap());
        assert!(!s.delete_chat(ChatId(-100123)).await.unwrap());
        assert!(s.chat(ChatId(-100123)).await.unwrap().is_none());
        assert!(s.subscriptions(ChatId(-100123)).await.unwrap().is_empty());
        // Others are untouched.
        assert_eq!(s.subscriptions(ChatId(77)).await.unwrap().len(), 3);
    }
}

#[tokio::test]
async fn status_and_locale_changes_only_touch_stored_chats() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        assert!(!s.set_status(ChatId(1), ChatStatus::Blocked, 5).await.unwrap());
        assert!(s.chat(ChatId(1)).await.unwrap().is_none());
        s.ensure_chat(ChatId(1), ChatKind::Private, "de", 1).await.unwrap();
        assert!(s.set_status(ChatId(1), ChatStatus::Blocked, 5).await.unwrap());
        assert!(!s.set_status(ChatId(1), ChatStatus::Blocked, 6).await.unwrap());
        assert_eq!(s.chat(ChatId(1)).await.unwrap().unwrap().status, ChatStatus::Blocked);
        assert!(s.set_locale(ChatId(1), "en", 7).await.unwrap());
        let chat = s.chat(ChatId(1)).await.unwrap().unwrap();
        assert_eq!((chat.locale.as_str(), chat.updated_at), ("en", 7));
    }
}

#[tokio::test]
async fn audience_counts_each_active_chat_once() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        for id in 1..=5 {
            s.ensure_chat(ChatId(id), ChatKind::Private, "de", 1).await.unwrap();
            s.subscribe(ChatId(id), "energy", 1).await.unwrap();
            if id % 2 == 0 {
                s.subscribe(ChatId(id), "europe", 1).await.unwrap();
            }
        }
        s.set_status(ChatId(4), ChatStatus::Blocked, 2).await.unwrap();
        let both = TopicList::from_stored("energy,europe");
        assert_eq!(s.audience_size(&both).await.unwrap(), 4);
        assert_eq!(s.audience_size(&TopicList::from_stored("europe")).await.unwrap(), 1);
        assert_eq!(s.audience_size(&TopicList::default()).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn sqlite_database_is_created_readable_by_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    let storage = Storage::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    storage.migrate().await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

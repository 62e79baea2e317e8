//! A chat's data, as `/mydata` reads it and `/stop` deletes it, and the
//! privacy notice's version, on every engine.

use basis_storage::TopicList;
use basis_storage::testing::TestDatabase;
use basis_storage::{ChatId, UserId};
use basis_storage::{
    ChatKind, Content, NewBroadcast, PRIORITY_NORMAL, RegionKey, RegionSeed, RegionText, TopicSeed, TopicText,
};

fn seed(key: &str) -> TopicSeed {
    TopicSeed {
        key: key.into(),
        emoji: String::new(),
        texts: vec![TopicText { locale: "de".into(), name: key.into(), description: String::new() }],
    }
}

#[tokio::test]
async fn a_chats_data_is_its_own_and_goes_with_it() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let s = &db.storage;
        s.seed_topics(&[seed("energy"), seed("strikes")], 1).await.unwrap();
        let wolfsburg = RegionKey::parse("wolfsburg").unwrap();
        let region = RegionSeed {
            key: wolfsburg.clone(),
            parent: None,
            texts: vec![RegionText { locale: "de".into(), name: "Wolfsburg".into() }],
        };
        s.seed_regions(&[region], 1).await.unwrap();
        for chat in [11, 12] {
            s.ensure_chat(ChatId(chat), ChatKind::Private, "de", 100).await.unwrap();
            s.subscribe(ChatId(chat), "strikes", 200).await.unwrap();
            s.set_region(ChatId(chat), &wolfsburg, 250).await.unwrap();
        }
        s.subscribe(ChatId(11), "energy", 300).await.unwrap();
        let post = NewBroadcast {
            author_id: UserId(1),
            content: Content::Text("Streik".into()),
            topics: TopicList::from_stored("strikes"),
            priority: PRIORITY_NORMAL,
            report_chat_id: None,
            report_locale: "de".into(),
            ref_broadcast_id: None,
        };
        let (broadcast, total) = s.create_broadcast(&post, 400).await.unwrap();
        assert_eq!(total, 2);

        let data = s.chat_data(ChatId(11)).await.unwrap();
        let chat = data.chat.clone().expect("the chat row");
        assert_eq!((chat.id, chat.consent_at, chat.privacy_version), (ChatId(11), 100, 1), "{engine:?}");
        let topics: Vec<(&str, i64)> =
            data.subscriptions.iter().map(|t| (t.topic_key.as_str(), t.created_at)).collect();
        assert_eq!(topics, [("strikes", 200), ("energy", 300)], "{engine:?}");
        let region = data.region.clone().expect("the region chosen");
        assert_eq!((region.region_key, region.chosen_at), (wolfsburg.clone(), 250));
        assert_eq!(data.deliveries.len(), 1);
        let delivery = &data.deliveries[0];
        assert_eq!((delivery.broadcast_id, delivery.kind.as_str(), delivery.broadcast_at), (broadcast, "text", 400));
        assert_eq!((delivery.status.as_str(), delivery.message_id), ("pending", None));
        assert!(data.rsvps.is_empty());

        // Shown once: only a newer version counts.
        assert!(s.see_privacy_notice(ChatId(11), 2).await.unwrap(), "{engine:?}");
        assert!(!s.see_privacy_notice(ChatId(11), 2).await.unwrap());
        assert!(!s.see_privacy_notice(ChatId(11), 1).await.unwrap());
        assert!(!s.see_privacy_notice(ChatId(99), 2).await.unwrap(), "unknown chats stay unknown");
        assert_eq!(s.chat(ChatId(11)).await.unwrap().unwrap().privacy_version, 2);
        assert_eq!(s.chat(ChatId(12)).await.unwrap().unwrap().privacy_version, 1);

        assert!(s.delete_chat_at(ChatId(11), 500).await.unwrap());
        assert!(s.chat_data(ChatId(11)).await.unwrap().is_empty(), "{engine:?}");
        let other = s.chat_data(ChatId(12)).await.unwrap();
        assert_eq!((other.subscriptions.len(), other.deliveries.len()), (1, 1), "{engine:?}");
        assert!(other.region.is_some(), "the other chat keeps its region");
        assert!(db.columns_mentioning("11").await.iter().all(|c| !c.ends_with("chat_id")), "{engine:?}");
    }
}

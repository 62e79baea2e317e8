//! Regions on every engine: configured regions are seeded and retired like
//! topics, members choose where they are, and a region goes with its chat.

use basis_storage::testing::TestDatabase;
use basis_storage::{
    ChatKind, Content, NewBroadcast, Outcome, PRIORITY_NORMAL, RegionKey, RegionSeed, RegionText, Settlement, Storage,
    TopicSeed, TopicText,
};

fn key(k: &str) -> RegionKey {
    RegionKey::parse(k).unwrap()
}

fn region(k: &str, parent: Option<&str>, de: &str) -> RegionSeed {
    RegionSeed {
        key: key(k),
        parent: parent.map(key),
        texts: vec![RegionText { locale: "de".into(), name: de.into() }],
    }
}

/// Two Länder, two towns below them, a plant below Wolfsburg.
fn tree() -> Vec<RegionSeed> {
    vec![
        region("niedersachsen", None, "Niedersachsen"),
        region("wolfsburg", Some("niedersachsen"), "Wolfsburg"),
        region("vw-werk", Some("wolfsburg"), "VW-Werk"),
        region("hessen", None, "Hessen"),
        region("kassel", Some("hessen"), "Kassel"),
    ]
}

async fn seeded(s: &Storage) {
    let topic = |k: &str| TopicSeed {
        key: k.into(),
        emoji: String::new(),
        texts: vec![TopicText { locale: "de".into(), name: k.into(), description: String::new() }],
    };
    s.seed_topics(&[topic("energy"), topic("strikes")], 0).await.unwrap();
    s.seed_regions(&tree(), 0).await.unwrap();
}

/// A member following `topics`, in `region` (or in none).
async fn member(s: &Storage, id: i64, topics: &[&str], region: Option<&str>) {
    s.ensure_chat(id, ChatKind::Private, "de", 0).await.unwrap();
    for topic in topics {
        assert!(s.subscribe(id, topic, 0).await.unwrap());
    }
    if let Some(r) = region {
        assert!(s.set_region(id, &key(r), 0).await.unwrap(), "{id} in {r}");
    }
}

#[tokio::test]
async fn members_choose_one_region_and_only_a_current_one() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let s = &db.storage;
        seeded(s).await;
        assert!(!s.set_region(1, &key("kassel"), 1).await.unwrap(), "a chat not stored yet");
        s.ensure_chat(1, ChatKind::Private, "de", 1).await.unwrap();
        assert_eq!(s.region_of(1).await.unwrap(), None);
        assert!(s.set_region(1, &key("kassel"), 2).await.unwrap());
        assert!(!s.set_region(1, &key("kassel"), 3).await.unwrap(), "{engine:?}: the same again");
        assert!(!s.set_region(1, &key("atlantis"), 3).await.unwrap(), "unknown");
        assert!(s.set_region(1, &key("wolfsburg"), 4).await.unwrap(), "replaces");
        let chosen = s.chat_region(1).await.unwrap().unwrap();
        assert_eq!((chosen.region_key.as_str(), chosen.chosen_at), ("wolfsburg", 4));
        assert!(s.clear_region(1).await.unwrap());
        assert!(!s.clear_region(1).await.unwrap());
        assert_eq!(s.region_of(1).await.unwrap(), None, "{engine:?}");
        // Groups choose as one chat.
        s.ensure_chat(-5, ChatKind::Group, "de", 7).await.unwrap();
        assert!(s.set_region(-5, &key("hessen"), 7).await.unwrap());
        assert_eq!(s.region_of(-5).await.unwrap(), Some(key("hessen")));
    }
}

#[tokio::test]
async fn a_retired_region_keeps_its_members_choice_hidden() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let s = &db.storage;
        seeded(s).await;
        member(s, 1, &["strikes"], Some("wolfsburg")).await;
        member(s, 2, &["strikes"], Some("niedersachsen")).await;
        let without_wolfsburg: Vec<RegionSeed> =
            tree().into_iter().filter(|r| !matches!(r.key.as_str(), "wolfsburg" | "vw-werk")).collect();
        let report = s.seed_regions(&without_wolfsburg, 5).await.unwrap();
        assert_eq!(report.retired, ["wolfsburg", "vw-werk"], "{engine:?}");
        let regions = s.regions().await.unwrap();
        let listed: Vec<(&str, bool)> = regions.iter().map(|r| (r.key.as_str(), r.retired)).collect();
        assert_eq!(
            listed,
            [("niedersachsen", false), ("hessen", false), ("kassel", false), ("wolfsburg", true), ("vw-werk", true)]
        );
        assert_eq!(s.region_of(1).await.unwrap(), Some(key("wolfsburg")), "{engine:?}: the choice is kept");
        s.ensure_chat(3, ChatKind::Private, "de", 5).await.unwrap();
        assert!(!s.set_region(3, &key("wolfsburg"), 5).await.unwrap(), "nobody new chooses it");
        let back = s.seed_regions(&tree(), 10).await.unwrap();
        assert_eq!(back.added, Vec::<String>::new());
        assert!(s.set_region(3, &key("wolfsburg"), 11).await.unwrap(), "{engine:?}: back in the file, back in use");
    }
}

#[tokio::test]
async fn seeding_names_regions_per_language_and_follows_a_new_parent() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        let mut seeds = tree();
        let first = s.seed_regions(&seeds, 1).await.unwrap();
        assert_eq!(first.added, ["niedersachsen", "wolfsburg", "vw-werk", "hessen", "kassel"]);
        seeds[4].parent = Some(key("niedersachsen"));
        seeds[4].texts.push(RegionText { locale: "en".into(), name: "Cassel".into() });
        assert!(s.seed_regions(&seeds, 2).await.unwrap().added.is_empty());
        let kassel = s.regions().await.unwrap().into_iter().find(|r| r.key.as_str() == "kassel").unwrap();
        assert_eq!((kassel.parent, kassel.position), (Some(key("niedersachsen")), 4), "{:?}", db.engine());
        let names: Vec<(&str, &str)> = kassel.texts.iter().map(|t| (t.locale.as_str(), t.name.as_str())).collect();
        assert_eq!(names, [("de", "Kassel"), ("en", "Cassel")]);
    }
}

#[tokio::test]
async fn the_region_goes_with_the_chat_and_moves_with_a_group() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let s = &db.storage;
        seeded(s).await;
        let chat = 987_650_042;
        member(s, chat, &["strikes"], Some("wolfsburg")).await;
        let data = s.chat_data(chat).await.unwrap();
        let chosen = data.region.expect("the region is part of the chat's data");
        assert_eq!((chosen.region_key.as_str(), chosen.chosen_at), ("wolfsburg", 0));
        assert!(s.delete_chat_at(chat, 5).await.unwrap());
        assert!(s.chat_data(chat).await.unwrap().is_empty());
        assert!(db.columns_mentioning(&chat.to_string()).await.is_empty(), "{engine:?}");

        // A group that becomes a supergroup keeps its region.
        s.ensure_chat(-42, ChatKind::Group, "de", 0).await.unwrap();
        s.subscribe(-42, "strikes", 0).await.unwrap();
        s.set_region(-42, &key("kassel"), 0).await.unwrap();
        let strike = NewBroadcast {
            author_id: 1,
            content: Content::Text("Warnstreik".into()),
            topics: vec!["strikes".into()],
            priority: PRIORITY_NORMAL,
            report_chat_id: None,
            report_locale: "de".into(),
            ref_broadcast_id: None,
        };
        let (id, _) = s.create_broadcast(&strike, 6).await.unwrap();
        let claimed = s.claim(10, 7, 60_000).await.unwrap();
        let moved = Settlement {
            broadcast_id: id,
            chat_id: -42,
            lease_token: claimed[0].lease_token,
            outcome: Outcome::Moved { to_chat_id: -100042 },
        };
        assert_eq!(s.settle(&[moved], 8).await.unwrap(), 1);
        assert_eq!(s.region_of(-100042).await.unwrap(), Some(key("kassel")), "{engine:?}");
        assert_eq!(s.region_of(-42).await.unwrap(), None);
    }
}

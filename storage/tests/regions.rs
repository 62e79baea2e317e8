//! Regions on every engine: members choose where they are, a post targeted
//! at regions reaches exactly the followers there (and below), the target
//! is fixed when it is queued, scopes carry regions, and a region goes with
//! its chat.

use basis_storage::TopicList;
use basis_storage::{BroadcastId, ChatId, EventId, UserId};
use std::collections::BTreeMap;

use basis_storage::testing::TestDatabase;
use basis_storage::{
    ChannelLink, ChatKind, Content, DraftState, Event, EventNote, EventStatus, NewBroadcast, NewChat, NewDraft,
    Outcome, PRIORITY_NORMAL, RegionKey, RegionSeed, RegionTarget, RegionText, RsvpAnswer, Settlement, Storage,
    StorageError, TopicSeed, TopicText,
};

fn key(k: &str) -> RegionKey {
    RegionKey::parse(k).unwrap()
}

fn within(keys: &[&str]) -> RegionTarget {
    RegionTarget::Within(keys.iter().map(|k| key(k)).collect())
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
    s.seed_topics(&[topic("energy"), topic("europe"), topic("strikes")], 0).await.unwrap();
    s.seed_regions(&tree(), 0).await.unwrap();
}

/// Every engine twice: alone, the members of a target are many of all
/// subscriptions, and its fan-out scans them; among a crowd of others (who
/// follow `europe` and chose no region) they are few, and its fan-out
/// starts from them. Both must reach the same chats.
async fn both_shapes() -> Vec<(TestDatabase, &'static str)> {
    let mut all = Vec::new();
    for shape in ["many", "few"] {
        for db in TestDatabase::every_engine().await {
            seeded(&db.storage).await;
            if shape == "few" {
                db.bulk_members(100_000, 100_999, "europe").await;
            }
            all.push((db, shape));
        }
    }
    all
}

/// A member following `topics`, in `region` (or in none).
async fn member(s: &Storage, id: i64, topics: &[&str], region: Option<&str>) {
    s.ensure_chat(ChatId(id), ChatKind::Private, "de", 0).await.unwrap();
    for topic in topics {
        assert!(s.subscribe(ChatId(id), topic, 0).await.unwrap());
    }
    if let Some(r) = region {
        assert!(s.set_region(ChatId(id), &key(r), 0).await.unwrap(), "{id} in {r}");
    }
}

fn post(topics: &[&str]) -> NewBroadcast {
    NewBroadcast {
        author_id: UserId(1),
        content: Content::Text("Warnstreik morgen".into()),
        topics: TopicList::parse_all(topics.iter().copied()).expect("topic keys"),
        priority: PRIORITY_NORMAL,
        report_chat_id: Some(ChatId(1)),
        report_locale: "de".into(),
        ref_broadcast_id: None,
    }
}

/// Sends everything queued (as Telegram would accept it, message id
/// `chat × 10`) and returns, per broadcast, the chats it went to with the
/// message each copy replied to, edited or deleted.
async fn deliver_all(s: &Storage, now: i64) -> BTreeMap<BroadcastId, BTreeMap<i64, Option<i64>>> {
    let claimed = s.claim(10_000, now, 60_000).await.unwrap();
    let settlements: Vec<Settlement> = claimed
        .iter()
        .map(|c| Settlement {
            broadcast_id: c.broadcast_id,
            chat_id: c.chat_id,
            lease_token: c.lease_token,
            outcome: Outcome::Sent { message_id: c.chat_id.0 * 10 },
        })
        .collect();
    s.settle(&settlements, now).await.unwrap();
    let mut reached: BTreeMap<BroadcastId, BTreeMap<i64, Option<i64>>> = BTreeMap::new();
    for c in claimed {
        let previous = reached.entry(c.broadcast_id).or_default().insert(c.chat_id.0, c.ref_message_id);
        assert!(previous.is_none(), "chat {} got broadcast {} twice", c.chat_id, c.broadcast_id);
    }
    reached
}

/// The chats broadcast `id` went to, in order.
async fn reached_by(s: &Storage, id: BroadcastId, now: i64) -> Vec<i64> {
    deliver_all(s, now).await.remove(&id).unwrap_or_default().into_keys().collect()
}

#[tokio::test]
async fn a_targeted_post_reaches_exactly_the_followers_in_its_region_once() {
    for (db, shape) in both_shapes().await {
        let engine = (db.engine(), shape);
        let s = &db.storage;
        member(s, 1, &["strikes", "energy"], Some("wolfsburg")).await;
        member(s, 2, &["strikes"], Some("wolfsburg")).await;
        member(s, 3, &["energy"], Some("wolfsburg")).await;
        member(s, 4, &["strikes"], Some("kassel")).await;
        member(s, 5, &["strikes"], None).await;
        // A Wolfsburg member who follows nothing posted to.
        s.ensure_chat(ChatId(6), ChatKind::Private, "de", 0).await.unwrap();
        s.set_region(ChatId(6), &key("wolfsburg"), 0).await.unwrap();

        let (id, total) =
            s.create_broadcast_to(&post(&["strikes", "energy"]), &within(&["wolfsburg"]), 10).await.unwrap();
        assert_eq!(total, 3, "{engine:?}");
        assert_eq!(reached_by(s, id, 11).await, [1, 2, 3], "{engine:?}: each Wolfsburg follower once, nobody else");
        let broadcast = s.broadcast(id).await.unwrap().unwrap();
        assert_eq!(broadcast.region_target(), within(&["wolfsburg"]));
        assert_eq!(s.broadcast_regions(id).await.unwrap(), [key("vw-werk"), key("wolfsburg")]);

        let (id, _) = s.create_broadcast_to(&post(&["strikes"]), &within(&["wolfsburg", "kassel"]), 12).await.unwrap();
        assert_eq!(reached_by(s, id, 13).await, [1, 2, 4], "{engine:?}: two regions named");
    }
}

#[tokio::test]
async fn an_untargeted_post_reaches_everyone_and_a_targeted_one_nobody_without_a_region() {
    for (db, shape) in both_shapes().await {
        let engine = (db.engine(), shape);
        let s = &db.storage;
        member(s, 1, &["strikes"], Some("wolfsburg")).await;
        member(s, 2, &["strikes"], Some("kassel")).await;
        member(s, 3, &["strikes"], None).await;

        let (id, total) = s.create_broadcast(&post(&["strikes"]), 10).await.unwrap();
        assert_eq!((total, reached_by(s, id, 11).await), (3, vec![1, 2, 3]), "{engine:?}");
        assert_eq!(s.broadcast(id).await.unwrap().unwrap().region_target(), RegionTarget::Everywhere);
        assert!(s.broadcast_regions(id).await.unwrap().is_empty());

        let every_region = within(&["niedersachsen", "hessen"]);
        let (id, _) = s.create_broadcast_to(&post(&["strikes"]), &every_region, 12).await.unwrap();
        assert_eq!(reached_by(s, id, 13).await, [1, 2], "{engine:?}: member 3 chose no region");
    }
}

#[tokio::test]
async fn a_post_to_a_parent_reaches_the_regions_below_it() {
    for (db, shape) in both_shapes().await {
        let engine = (db.engine(), shape);
        let s = &db.storage;
        member(s, 1, &["strikes"], Some("niedersachsen")).await;
        member(s, 2, &["strikes"], Some("wolfsburg")).await;
        member(s, 3, &["strikes"], Some("vw-werk")).await;
        member(s, 4, &["strikes"], Some("hessen")).await;
        member(s, 5, &["strikes"], Some("kassel")).await;

        let (land, _) = s.create_broadcast_to(&post(&["strikes"]), &within(&["niedersachsen"]), 10).await.unwrap();
        assert_eq!(reached_by(s, land, 11).await, [1, 2, 3], "{engine:?}: the Land and both levels below");
        let (town, _) = s.create_broadcast_to(&post(&["strikes"]), &within(&["wolfsburg"]), 12).await.unwrap();
        assert_eq!(reached_by(s, town, 13).await, [2, 3], "{engine:?}: not the Land above");
        let (plant, _) = s.create_broadcast_to(&post(&["strikes"]), &within(&["vw-werk"]), 14).await.unwrap();
        assert_eq!(reached_by(s, plant, 15).await, [3]);
        let below: Vec<_> = s.regions_below(&[key("hessen")]).await.unwrap();
        assert_eq!(below, [key("hessen"), key("kassel")]);
    }
}

#[tokio::test]
async fn the_preview_counts_the_audience_per_region() {
    for (db, shape) in both_shapes().await {
        let s = &db.storage;
        member(s, 1, &["strikes", "energy"], Some("wolfsburg")).await;
        member(s, 2, &["strikes"], Some("vw-werk")).await;
        member(s, 3, &["strikes"], Some("vw-werk")).await;
        member(s, 4, &["energy"], Some("vw-werk")).await;
        member(s, 5, &["strikes"], Some("kassel")).await;
        member(s, 6, &["strikes"], None).await;

        let counts =
            s.audience_by_region(&TopicList::from_stored("strikes,energy"), &[key("wolfsburg")]).await.unwrap();
        let counts: Vec<(&str, i64)> = counts.iter().map(|c| (c.region_key.as_str(), c.chats)).collect();
        assert_eq!(counts, [("vw-werk", 3), ("wolfsburg", 1)], "{:?}", (db.engine(), shape));
        let nowhere = s.audience_by_region(&TopicList::from_stored("strikes"), &[key("atlantis")]).await.unwrap();
        assert!(nowhere.is_empty(), "an unknown region holds nobody");
        let (_, total) =
            s.create_broadcast_to(&post(&["strikes", "energy"]), &within(&["wolfsburg"]), 10).await.unwrap();
        assert_eq!(total, 4, "the figures add up to what is queued");
    }
}

#[tokio::test]
async fn an_empty_target_is_refused_and_never_read_as_everyone() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        member(s, 1, &["strikes"], None).await;
        let refused = s.create_broadcast_to(&post(&["strikes"]), &RegionTarget::Within(vec![]), 10).await;
        assert!(matches!(refused, Err(StorageError::NoRegions)), "{refused:?}");
        assert!(s.claim(10, 11, 60_000).await.unwrap().is_empty(), "nothing was queued");
        // A region that is unknown (or retired) by the time the post is
        // queued reaches nobody rather than everybody.
        let (_, total) = s.create_broadcast_to(&post(&["strikes"]), &within(&["atlantis"]), 12).await.unwrap();
        assert_eq!(total, 0);
    }
}

#[tokio::test]
async fn keys_with_underscores_do_not_match_other_keys() {
    for (db, shape) in both_shapes().await {
        let s = &db.storage;
        let plants = [region("vw_werk", None, "VW (alt)"), region("vw-werk", None, "VW")];
        s.seed_regions(&plants, 1).await.unwrap();
        member(s, 1, &["strikes"], Some("vw_werk")).await;
        member(s, 2, &["strikes"], Some("vw-werk")).await;
        let (id, _) = s.create_broadcast_to(&post(&["strikes"]), &within(&["vw-werk"]), 10).await.unwrap();
        assert_eq!(reached_by(s, id, 11).await, [2], "{:?}: `_` is no wildcard", (db.engine(), shape));
    }
}

#[tokio::test]
async fn channels_are_not_regional_and_get_untargeted_posts_only() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        member(s, 1, &["strikes"], Some("wolfsburg")).await;
        let channel = ChannelLink {
            chat_id: ChatId(-1001),
            thread_id: 0,
            topic_key: "strikes".into(),
            title: "Streik-Kanal".into(),
            linked_by: UserId(1),
            linked_at: 0,
        };
        s.link_channel(&channel).await.unwrap();
        let (national, _) = s.create_broadcast(&post(&["strikes"]), 10).await.unwrap();
        assert_eq!(reached_by(s, national, 11).await, [-1001, 1]);
        let (local, _) = s.create_broadcast_to(&post(&["strikes"]), &within(&["wolfsburg"]), 12).await.unwrap();
        assert_eq!(reached_by(s, local, 13).await, [1], "{:?}", db.engine());
    }
}

#[tokio::test]
async fn follow_ups_edits_and_retractions_reach_the_audience_of_the_targeted_post() {
    for (db, shape) in both_shapes().await {
        let engine = (db.engine(), shape);
        let s = &db.storage;
        member(s, 1, &["strikes"], Some("wolfsburg")).await;
        member(s, 2, &["strikes"], Some("vw-werk")).await;
        member(s, 3, &["strikes"], Some("kassel")).await;
        member(s, 4, &["strikes"], None).await;
        let (first, _) = s.create_broadcast_to(&post(&["strikes"]), &within(&["wolfsburg"]), 10).await.unwrap();
        assert_eq!(reached_by(s, first, 11).await, [1, 2]);
        // Afterwards a member arrives in Wolfsburg and one moves to Kassel.
        member(s, 5, &["strikes"], Some("wolfsburg")).await;
        assert!(s.set_region(ChatId(2), &key("kassel"), 12).await.unwrap());

        let follow_up = NewBroadcast { ref_broadcast_id: Some(first), ..post(&["strikes"]) };
        let (id, _) = s.create_broadcast(&follow_up, 13).await.unwrap();
        let replies = deliver_all(s, 14).await.remove(&id).unwrap_or_default();
        let expected = BTreeMap::from([(1, Some(10)), (5, None)]);
        assert_eq!(replies, expected, "{engine:?}: Wolfsburg now, threaded under each own copy");
        assert_eq!(s.broadcast(id).await.unwrap().unwrap().region_target(), within(&["wolfsburg"]));
        assert_eq!(s.broadcast_regions(id).await.unwrap(), s.broadcast_regions(first).await.unwrap());

        // Corrections reach every copy of the post, also of the member who
        // moved away, and nobody else.
        let edit =
            NewBroadcast { ref_broadcast_id: Some(first), content: Content::Edit("Neu".into()), ..post(&["strikes"]) };
        let (id, _) = s.create_broadcast(&edit, 15).await.unwrap();
        let edited = deliver_all(s, 16).await.remove(&id).unwrap_or_default();
        assert_eq!(edited, BTreeMap::from([(1, Some(10)), (2, Some(20))]), "{engine:?}");
        let retract =
            NewBroadcast { ref_broadcast_id: Some(first), content: Content::Delete { parts: 1 }, ..post(&["strikes"]) };
        let (id, _) = s.create_broadcast(&retract, 17).await.unwrap();
        assert_eq!(reached_by(s, id, 18).await, [1, 2], "{engine:?}");
    }
}

#[tokio::test]
async fn a_draft_keeps_its_regions_until_it_is_queued_and_a_follow_up_takes_the_posts() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let s = &db.storage;
        seeded(s).await;
        member(s, 1, &["strikes"], Some("wolfsburg")).await;
        member(s, 2, &["strikes"], Some("kassel")).await;
        let draft = |follow_up_of| NewDraft {
            author_id: UserId(9),
            chat_id: ChatId(9),
            content: Content::Text("Streik".into()),
            topics: TopicList::from_stored("strikes"),
            follow_up_of,
        };
        let id = s.create_draft_to(&draft(None), &within(&["kassel"]), DraftState::Open, 10).await.unwrap();
        assert_eq!(s.draft(id).await.unwrap().unwrap().region_target(), within(&["kassel"]));
        let (broadcast, total) = s.queue_draft(id, DraftState::Open, None, None, 11).await.unwrap().unwrap();
        assert_eq!(total, 1);
        assert_eq!(reached_by(s, broadcast, 12).await, [2], "{engine:?}");

        // The guided /post: regions chosen with the topics, then fixed.
        let guided = s.create_draft(&draft(None), DraftState::Compose, 13).await.unwrap();
        assert!(s.set_draft_regions(guided, &within(&["niedersachsen"])).await.unwrap());
        assert!(s.move_draft(guided, DraftState::Compose, DraftState::Content).await.unwrap());
        assert!(s.fill_draft(guided, &Content::Text("Streik".into())).await.unwrap());
        assert!(!s.set_draft_regions(guided, &RegionTarget::Everywhere).await.unwrap(), "open: fixed");
        let (broadcast, _) = s.queue_draft(guided, DraftState::Open, None, None, 14).await.unwrap().unwrap();
        assert_eq!(reached_by(s, broadcast, 15).await, [1], "{engine:?}");

        // A follow-up's draft shows, and reaches, the regions of its post.
        let follow_up = s.create_draft(&draft(Some(broadcast)), DraftState::Open, 16).await.unwrap();
        assert_eq!(s.draft(follow_up).await.unwrap().unwrap().region_target(), within(&["niedersachsen"]));
        assert!(!s.set_draft_regions(follow_up, &within(&["kassel"])).await.unwrap());
        let (id, _) = s.queue_draft(follow_up, DraftState::Open, None, None, 17).await.unwrap().unwrap();
        assert_eq!(reached_by(s, id, 18).await, [1], "{engine:?}");
    }
}

fn event(author: i64) -> Event {
    Event {
        id: EventId(0),
        author_id: UserId(author),
        chat_id: ChatId(author),
        title: "Kundgebung vor Tor 3".into(),
        starts_at: 10_000_000,
        ends_at: None,
        place: "Werkstraße 1".into(),
        latitude: None,
        longitude: None,
        topics: TopicList::from_stored("strikes"),
        note: String::new(),
        reminders: "60".into(),
        status: EventStatus::Draft,
        step: None,
        invitation_id: None,
        sequence: 0,
        created_at: 0,
        updated_at: 0,
    }
}

#[tokio::test]
async fn an_assembly_in_a_region_invites_and_reminds_only_the_members_there() {
    for (db, shape) in both_shapes().await {
        let engine = (db.engine(), shape);
        let s = &db.storage;
        member(s, 1, &["strikes"], Some("wolfsburg")).await;
        member(s, 2, &["strikes"], Some("vw-werk")).await;
        member(s, 3, &["strikes"], Some("kassel")).await;
        member(s, 4, &["strikes"], None).await;
        let id = s.create_event(&event(9), 0).await.unwrap();
        assert_eq!(s.event_regions(id).await.unwrap(), RegionTarget::Everywhere);
        assert!(s.set_event_regions(id, &within(&["wolfsburg"]), 1).await.unwrap());
        assert_eq!(s.event_regions(id).await.unwrap(), within(&["wolfsburg"]));
        let (invitation, _) = s.send_event(id, PRIORITY_NORMAL, "de", 2).await.unwrap().unwrap();
        assert_eq!(reached_by(s, invitation, 3).await, [1, 2], "{engine:?}");
        assert!(!s.set_event_regions(id, &RegionTarget::Everywhere, 4).await.unwrap(), "sent: fixed");

        // Member 3 answers through a forged button; 2 has moved away since.
        for chat in [1, 2, 3] {
            s.set_rsvp(id, ChatId(chat), RsvpAnswer::Yes, 5).await.unwrap();
        }
        assert!(s.set_region(ChatId(2), &key("kassel"), 6).await.unwrap());
        let sent = s.event(id).await.unwrap().unwrap();
        let (reminder, _) = s.send_reminder(&sent, 60, 7).await.unwrap().unwrap();
        let reminded = deliver_all(s, 8).await.remove(&reminder).unwrap_or_default();
        assert_eq!(reminded, BTreeMap::from([(1, Some(10)), (2, Some(20))]), "{engine:?}: invited, not forged");

        let notices = s.notify_invited(&sent, EventNote::Change, UserId(9), ChatId(9), "de", 9).await.unwrap().unwrap();
        let reached = deliver_all(s, 10).await;
        let notified: Vec<i64> = reached[&notices.0.0].keys().copied().collect();
        assert_eq!(notified, [1, 2], "{engine:?}: everyone invited, no one else");
    }
}

#[tokio::test]
async fn members_choose_one_region_and_only_a_current_one() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let s = &db.storage;
        seeded(s).await;
        assert!(!s.set_region(ChatId(1), &key("kassel"), 1).await.unwrap(), "a chat not stored yet");
        s.ensure_chat(ChatId(1), ChatKind::Private, "de", 1).await.unwrap();
        assert_eq!(s.region_of(ChatId(1)).await.unwrap(), None);
        assert!(s.set_region(ChatId(1), &key("kassel"), 2).await.unwrap());
        assert!(!s.set_region(ChatId(1), &key("kassel"), 3).await.unwrap(), "{engine:?}: the same again");
        assert!(!s.set_region(ChatId(1), &key("atlantis"), 3).await.unwrap(), "unknown");
        assert!(s.set_region(ChatId(1), &key("wolfsburg"), 4).await.unwrap(), "replaces");
        let chosen = s.chat_region(ChatId(1)).await.unwrap().unwrap();
        assert_eq!((chosen.region_key.as_str(), chosen.chosen_at), ("wolfsburg", 4));
        assert!(!s.set_region_if_unset(ChatId(1), &key("kassel"), 5).await.unwrap(), "a choice is kept");
        assert!(s.clear_region(ChatId(1)).await.unwrap());
        assert!(!s.clear_region(ChatId(1)).await.unwrap());
        assert!(s.set_region_if_unset(ChatId(1), &key("kassel"), 6).await.unwrap());
        assert_eq!(s.region_of(ChatId(1)).await.unwrap(), Some(key("kassel")), "{engine:?}");
        // Groups choose as one chat.
        s.ensure_chat(ChatId(-5), ChatKind::Group, "de", 7).await.unwrap();
        assert!(s.set_region(ChatId(-5), &key("hessen"), 7).await.unwrap());
        assert_eq!(s.region_of(ChatId(-5)).await.unwrap(), Some(key("hessen")));
    }
}

#[tokio::test]
async fn a_retired_region_keeps_its_members_choice_hidden_and_is_reached_by_no_post() {
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
        assert_eq!(s.region_of(ChatId(1)).await.unwrap(), Some(key("wolfsburg")), "{engine:?}: the choice is kept");
        s.ensure_chat(ChatId(3), ChatKind::Private, "de", 5).await.unwrap();
        assert!(!s.set_region(ChatId(3), &key("wolfsburg"), 5).await.unwrap(), "nobody new chooses it");
        let (id, _) = s.create_broadcast_to(&post(&["strikes"]), &within(&["niedersachsen"]), 6).await.unwrap();
        assert_eq!(reached_by(s, id, 7).await, [2], "{engine:?}: like a retired topic, it receives nothing");
        let (id, _) = s.create_broadcast(&post(&["strikes"]), 8).await.unwrap();
        assert_eq!(reached_by(s, id, 9).await, [1, 2], "untargeted posts still reach its members");

        let back = s.seed_regions(&tree(), 10).await.unwrap();
        assert_eq!(back.added, Vec::<String>::new());
        let (id, _) = s.create_broadcast_to(&post(&["strikes"]), &within(&["wolfsburg"]), 11).await.unwrap();
        assert_eq!(reached_by(s, id, 12).await, [1], "{engine:?}: back in the file, back in use");
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
        assert_eq!(s.regions_below(&[key("niedersachsen")]).await.unwrap().len(), 4);
    }
}

#[tokio::test]
async fn a_deep_link_with_a_region_places_a_new_member_and_keeps_an_earlier_choice() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let s = &db.storage;
        seeded(s).await;
        let chat = |id| NewChat { id, kind: ChatKind::Private, locale: "de", privacy_version: 1 };
        let joined = s.join_via_region(chat(ChatId(1)), "strikes", Some(&key("wolfsburg")), "link:", 10).await.unwrap();
        assert_eq!((joined.topics, joined.region), (vec!["strikes".to_owned()], Some(key("wolfsburg"))), "{engine:?}");

        member(s, 2, &[], Some("kassel")).await;
        let joined = s.join_via_region(chat(ChatId(2)), "strikes", Some(&key("wolfsburg")), "link:", 11).await.unwrap();
        assert_eq!(joined.region, Some(key("kassel")), "{engine:?}: the member's own choice stays");

        // A crowd at the rally: joins written together, each with its answer.
        let joins: Vec<_> =
            (100..140)
                .map(|id| {
                    let region = (id % 2 == 0).then(|| key("vw-werk"));
                    async move {
                        s.join_via_region(chat(ChatId(id)), "strikes", region.as_ref(), "link:", 12).await.unwrap()
                    }
                })
                .collect();
        let answers = futures::future::join_all(joins).await;
        for (id, joined) in (100..140).zip(answers) {
            assert_eq!(joined.topics, ["strikes"]);
            assert_eq!(joined.region, (id % 2 == 0).then(|| key("vw-werk")), "{engine:?}: chat {id}");
        }
        let retired = s.join_via_region(chat(ChatId(3)), "strikes", Some(&key("atlantis")), "link:", 13).await.unwrap();
        assert_eq!((retired.topics.len(), retired.region), (1, None), "an unknown region is left out");
        let (id, _) = s.create_broadcast_to(&post(&["strikes"]), &within(&["wolfsburg"]), 14).await.unwrap();
        assert_eq!(
            reached_by(s, id, 15).await,
            [1, 100, 102, 104, 106, 108, 110, 112, 114, 116, 118, 120, 122, 124, 126, 128, 130, 132, 134, 136, 138]
        );
    }
}

#[tokio::test]
async fn organizer_scopes_carry_regions() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let s = &db.storage;
        seeded(s).await;
        s.create_invite_within("local", &TopicList::from_stored("strikes"), &[key("kassel")], UserId(1), 10, 1_000)
            .await
            .unwrap();
        s.create_invite("national", &TopicList::from_stored(""), UserId(1), 10, 1_000).await.unwrap();
        s.redeem_invite("local", UserId(7), "Kim", 20).await.unwrap();
        s.redeem_invite("national", UserId(8), "Ali", 20).await.unwrap();
        let local = s.organizer(UserId(7)).await.unwrap().unwrap();
        assert_eq!(
            (local.scope(), local.region_scope()),
            (Some(&TopicList::from_stored("strikes")), Some(vec![key("kassel")]))
        );
        let national = s.organizer(UserId(8)).await.unwrap().unwrap();
        assert_eq!((national.scope(), national.region_scope()), (None, None), "{engine:?}");
        assert_eq!(s.organizers().await.unwrap()[0].regions, "kassel");
        let details: Vec<String> = s.audit_entries(10).await.unwrap().into_iter().map(|e| e.detail).collect();
        assert!(details.contains(&"strikes @kassel".to_owned()), "{details:?}");
        assert!(details.contains(&"strikes @kassel (invited by 1)".to_owned()), "{details:?}");
        // A new invitation replaces the scope, regions included.
        s.create_invite("wider", &TopicList::from_stored("strikes"), UserId(1), 30, 1_000).await.unwrap();
        s.redeem_invite("wider", UserId(7), "Kim", 40).await.unwrap();
        assert_eq!(s.organizer(UserId(7)).await.unwrap().unwrap().region_scope(), None, "{engine:?}");
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
        let data = s.chat_data(ChatId(chat)).await.unwrap();
        let chosen = data.region.expect("the region is part of the chat's data");
        assert_eq!((chosen.region_key.as_str(), chosen.chosen_at), ("wolfsburg", 0));
        assert!(s.delete_chat_at(ChatId(chat), 5).await.unwrap());
        assert!(s.chat_data(ChatId(chat)).await.unwrap().is_empty());
        assert!(db.columns_mentioning(&chat.to_string()).await.is_empty(), "{engine:?}");

        // A group that becomes a supergroup keeps its region.
        s.ensure_chat(ChatId(-42), ChatKind::Group, "de", 0).await.unwrap();
        s.subscribe(ChatId(-42), "strikes", 0).await.unwrap();
        s.set_region(ChatId(-42), &key("kassel"), 0).await.unwrap();
        let (id, _) = s.create_broadcast_to(&post(&["strikes"]), &within(&["kassel"]), 6).await.unwrap();
        let claimed = s.claim(10, 7, 60_000).await.unwrap();
        let moved = Settlement {
            broadcast_id: id,
            chat_id: ChatId(-42),
            lease_token: claimed[0].lease_token,
            outcome: Outcome::Moved { to_chat_id: ChatId(-100042) },
        };
        assert_eq!(s.settle(&[moved], 8).await.unwrap(), 1);
        assert_eq!(s.region_of(ChatId(-100042)).await.unwrap(), Some(key("kassel")), "{engine:?}");
        assert_eq!(s.region_of(ChatId(-42)).await.unwrap(), None);
    }
}

#[tokio::test]
async fn statistics_count_subscribers_per_region_and_per_topic_and_region() {
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let s = &db.storage;
        seeded(s).await;
        member(s, 1, &["strikes", "energy"], Some("wolfsburg")).await;
        member(s, 2, &["strikes"], Some("wolfsburg")).await;
        member(s, 3, &["energy"], Some("kassel")).await;
        member(s, 4, &["strikes"], None).await;
        member(s, 5, &[], Some("kassel")).await;
        member(s, 6, &["strikes"], Some("kassel")).await;
        s.set_status(ChatId(6), basis_storage::ChatStatus::Blocked, 1).await.unwrap();

        let stats = s.region_stats().await.unwrap();
        let per_region: Vec<(&str, bool, i64)> =
            stats.regions.iter().map(|r| (r.region_key.as_str(), r.retired, r.subscribers)).collect();
        assert_eq!(
            per_region,
            [
                ("niedersachsen", false, 0),
                ("wolfsburg", false, 2),
                ("vw-werk", false, 0),
                ("hessen", false, 0),
                ("kassel", false, 1)
            ],
            "{engine:?}: active followers of some topic only"
        );
        assert_eq!(stats.without_region, 1);

        let pairs = s.topic_region_stats().await.unwrap();
        let pairs: Vec<(&str, Option<&str>, i64)> = pairs
            .iter()
            .map(|p| (p.topic_key.as_str(), p.region_key.as_ref().map(RegionKey::as_str), p.subscribers))
            .collect();
        assert_eq!(
            pairs,
            [
                ("energy", Some("kassel"), 1),
                ("energy", Some("wolfsburg"), 1),
                ("strikes", Some("wolfsburg"), 2),
                ("strikes", None, 1)
            ],
            "{engine:?}"
        );
        let (_, _) = s.create_broadcast_to(&post(&["strikes"]), &within(&["wolfsburg"]), 2).await.unwrap();
        let recent = s.recent_broadcasts(1).await.unwrap();
        assert_eq!(recent[0].regions, "wolfsburg");
    }
}

#[tokio::test]
async fn a_chat_is_asked_where_it_is_once_and_never_when_it_has_a_region() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        seeded(s).await;
        assert!(!s.ask_region_once(ChatId(1), 5).await.unwrap(), "a chat not stored is not asked");
        member(s, 1, &["strikes"], None).await;
        assert!(s.ask_region_once(ChatId(1), 5).await.unwrap());
        assert_eq!(s.region_asked_at(ChatId(1)).await.unwrap(), Some(5));
        assert!(!s.ask_region_once(ChatId(1), 6).await.unwrap(), "only once");
        // Cleared and asked again later: still no second question.
        assert!(s.set_region(ChatId(1), &key("kassel"), 7).await.unwrap());
        assert!(s.clear_region(ChatId(1)).await.unwrap());
        assert!(!s.ask_region_once(ChatId(1), 8).await.unwrap());
        member(s, 2, &["strikes"], Some("wolfsburg")).await;
        assert!(!s.ask_region_once(ChatId(2), 5).await.unwrap(), "a chat with a region is not asked");
        assert_eq!(s.region_asked_at(ChatId(2)).await.unwrap(), None);
        // The fact is part of the chat's data and goes with it.
        assert_eq!(s.chat_data(ChatId(1)).await.unwrap().region_asked_at, Some(5));
        assert!(s.delete_chat(ChatId(1)).await.unwrap());
        assert_eq!(s.region_asked_at(ChatId(1)).await.unwrap(), None);
    }
}

//! Regions end to end, on every engine: members say where they are
//! (`/region`, its buttons, a deep link, the question after their first
//! topic), organizers post and call assemblies for some regions only,
//! organizers limited to regions stay inside them, `/stats` counts per
//! region without pointing at anyone, and with no regions configured
//! nothing about them shows.

use basis::{Hooks, Locale};
use basis_storage::testing::TestDatabase;
use basis_storage::{ChatId, DraftId, EventId, UserId};
use basis_tests::{Member, TestApp, buttons, regions, text};

const OWNER: i64 = 500;

/// A bot with the test regions (see [`basis_tests::regions`]).
async fn apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in TestDatabase::every_engine().await {
        apps.push(
            TestApp::spawn_configured(db, Hooks::default(), |c| {
                c.regions = regions();
                c.owners = vec![OWNER];
            })
            .await,
        );
    }
    apps
}

async fn region_of(app: &TestApp, who: &Member) -> Option<String> {
    app.storage().region_of(ChatId(who.chat_id())).await.unwrap().map(|k| k.to_string())
}

#[tokio::test]
async fn region_buttons_open_the_tree_and_a_press_sets_the_region_in_place() {
    for app in apps().await {
        let anna = app.member(2001, Some("en"));
        let prompt = app.ask(&anna, "/region").await;
        assert_eq!(prompt.text.as_deref(), Some(text(Locale::En, "region-prompt", &[]).as_str()));
        let top: Vec<(String, String)> = buttons(&prompt);
        assert_eq!(
            top,
            [
                ("⬜ Lower Saxony".to_owned(), "r:s:niedersachsen".to_owned()),
                ("Lower Saxony ›".to_owned(), "r:o:niedersachsen".to_owned()),
                ("⬜ Hesse".to_owned(), "r:s:hessen".to_owned()),
                ("Hesse ›".to_owned(), "r:o:hessen".to_owned()),
                ("Not now".to_owned(), "r:x".to_owned()),
            ]
        );
        // A parent opens its regions in the same message, with a way back.
        app.press(&anna, prompt.message_id, "r:o:niedersachsen").await;
        let level = app.message(anna.chat_id(), prompt.message_id);
        let data: Vec<String> = buttons(&level).into_iter().map(|(_, d)| d).collect();
        assert_eq!(data, ["r:s:wolfsburg", "r:o:wolfsburg", "r:s:hannover", "r:t"]);
        app.press(&anna, prompt.message_id, "r:o:wolfsburg").await;
        let data: Vec<String> =
            buttons(&app.message(anna.chat_id(), prompt.message_id)).into_iter().map(|(_, d)| d).collect();
        assert_eq!(data, ["r:s:vw-werk", "r:o:niedersachsen"], "back leads one level up");
        assert_eq!(region_of(&app, &anna).await, None, "opening chooses nothing");

        let set = text(Locale::En, "region-set", &[("region", "Lower Saxony › Wolfsburg › VW plant")]);
        assert_eq!(app.press(&anna, prompt.message_id, "r:s:vw-werk").await.as_deref(), Some(set.as_str()));
        assert_eq!(region_of(&app, &anna).await.as_deref(), Some("vw-werk"));
        let edited = app.message(anna.chat_id(), prompt.message_id);
        assert_eq!(edited.text.as_deref(), Some(set.as_str()));
        assert!(edited.reply_markup.is_none(), "the buttons go once chosen");
        // Everything happened in that one message.
        assert_eq!(app.fake.bot_messages_in(anna.chat_id()).len(), 1);

        // Asked again, the keyboard marks nothing hidden and offers "No region".
        let again = app.ask(&anna, "/region").await;
        let current = text(Locale::En, "region-prompt-current", &[("region", "Lower Saxony › Wolfsburg › VW plant")]);
        assert_eq!(again.text.as_deref(), Some(current.as_str()));
        assert_eq!(buttons(&again).last().map(|(_, d)| d.as_str()), Some("r:n"));
        app.press(&anna, again.message_id, "r:n").await;
        assert_eq!(region_of(&app, &anna).await, None);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn region_takes_a_key_or_a_name_and_none_clears_it() {
    for app in apps().await {
        let ben = app.member(2002, Some("de"));
        let said = |m: basis_telegram_fake::TgMessageState| m.text.unwrap();
        let set = text(Locale::De, "region-set", &[("region", "Hessen › Kassel")]);
        assert_eq!(said(app.ask(&ben, "/region KASSEL").await), set);
        assert_eq!(region_of(&app, &ben).await.as_deref(), Some("kassel"));
        // Choosing stores the chat, as a first topic does.
        assert!(app.storage().chat(ChatId(ben.chat_id())).await.unwrap().is_some());
        let already = text(Locale::De, "region-already", &[("region", "Hessen › Kassel")]);
        assert_eq!(said(app.ask(&ben, "/region kassel").await), already);
        assert_eq!(
            said(app.ask(&ben, "/region Lower Saxony").await),
            text(Locale::De, "region-set", &[("region", "Niedersachsen")])
        );
        let unknown = said(app.ask(&ben, "/region Atlantis").await);
        assert!(unknown.starts_with("Die Region „Atlantis“ kenne ich nicht"), "{unknown}");
        assert!(unknown.contains("  Wolfsburg — wolfsburg"), "{unknown}");
        assert_eq!(region_of(&app, &ben).await.as_deref(), Some("niedersachsen"), "unknown input changes nothing");
        assert_eq!(said(app.ask(&ben, "/region keine").await), text(Locale::De, "region-cleared", &[]));
        assert_eq!(said(app.ask(&ben, "/region none").await), text(Locale::De, "region-none-yet", &[]));
        assert_eq!(region_of(&app, &ben).await, None);

        // In a group only its admins choose.
        let group = app.fake.group(-7_001, "Betriebsgruppe");
        let admin = app.in_group(&ben.user, &group, "administrator");
        let other = app.in_group(&app.fake.user(2003, "Cem", Some("de")), &group, "member");
        assert_eq!(said(app.ask(&other, "/region kassel").await), text(Locale::De, "group-admins-only", &[]));
        assert_eq!(region_of(&app, &other).await, None);
        app.ask(&admin, "/region kassel").await;
        assert_eq!(region_of(&app, &admin).await.as_deref(), Some("kassel"));
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn forged_region_buttons_change_nothing_and_get_an_alert() {
    for app in apps().await {
        let anna = app.member(2010, Some("en"));
        app.ask(&anna, "/region wolfsburg").await;
        let prompt = app.ask(&anna, "/region").await;
        let gone = text(Locale::En, "region-gone", &[]);
        for data in ["r:s:atlantis", "r:o:kassel", "r:o:atlantis", "r:s:Kassel", "r:zz", "r:s:", "r:"] {
            let (answer, alert) = app.press_for_alert(&anna, prompt.message_id, data).await;
            assert_eq!((answer.as_deref(), alert), (Some(gone.as_str()), true), "{data}");
        }
        assert_eq!(region_of(&app, &anna).await.as_deref(), Some("wolfsburg"));
        assert_eq!(app.message(anna.chat_id(), prompt.message_id).edits, 0, "the keyboard stayed as it was");
        // In a group, a member who is no admin changes nothing either.
        let group = app.fake.group(-7_002, "Ortsgruppe");
        let admin = app.in_group(&anna.user, &group, "administrator");
        let prompt = app.ask(&admin, "/region").await;
        let other = app.in_group(&app.fake.user(2011, "Cem", Some("en")), &group, "member");
        let (answer, alert) = app.press_for_alert(&other, prompt.message_id, "r:s:kassel").await;
        assert_eq!((answer, alert), (Some(text(Locale::En, "group-admins-only", &[])), true));
        assert_eq!(region_of(&app, &admin).await, None);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_deep_link_with_a_region_subscribes_and_places_a_member_who_has_none() {
    for app in apps().await {
        let anna = app.member(2020, Some("de"));
        let answer = app.ask(&anna, "/start strikes-R-wolfsburg").await;
        let said = answer.text.unwrap();
        assert!(said.starts_with(&text(Locale::De, "deep-link-subscribed", &[("topic", "✊ Streiks")])), "{said}");
        assert!(said.ends_with(&text(Locale::De, "deep-link-region", &[("region", "Niedersachsen › Wolfsburg")])));
        assert_eq!(app.subscriptions(anna.chat_id()).await, ["strikes"]);
        assert_eq!(region_of(&app, &anna).await.as_deref(), Some("wolfsburg"));
        // Another region's poster never overwrites the member's choice.
        let answer = app.ask(&anna, "/start energy-R-kassel-C-flyer").await.text.unwrap();
        assert!(!answer.contains("📍"), "{answer}");
        assert_eq!(app.subscriptions(anna.chat_id()).await, ["energy", "strikes"]);
        assert_eq!(region_of(&app, &anna).await.as_deref(), Some("wolfsburg"));
        let joins = app.storage().link_joins().await.unwrap();
        assert!(joins.iter().any(|j| j.topic_key == "energy" && j.campaign == "flyer"), "{joins:?}");

        // A region no longer configured (an old poster) still subscribes.
        let ben = app.member(2021, Some("de"));
        let answer = app.ask(&ben, "/start strikes-R-atlantis").await.text.unwrap();
        assert!(answer.starts_with(&text(Locale::De, "deep-link-subscribed", &[("topic", "✊ Streiks")])));
        assert_eq!(region_of(&app, &ben).await, None);
        // A region part that is no key is no topic link.
        let cem = app.member(2022, Some("de"));
        let answer = app.ask(&cem, "/start strikes-R-Kassel").await.text.unwrap();
        assert!(answer.starts_with("Willkommen"), "{answer}");
        assert!(app.storage().chat(ChatId(cem.chat_id())).await.unwrap().is_none());
        app.stop().await.unwrap();
    }
}

/// How often the bot asked `who` where they are.
fn questions(app: &TestApp, who: &Member, locale: Locale) -> usize {
    let question = text(locale, "region-ask", &[]);
    app.fake
        .requests()
        .iter()
        .filter(|r| {
            r.method == "sendmessage" && r.chat_id() == Some(who.chat_id()) && r.text() == Some(question.as_str())
        })
        .count()
}

#[tokio::test]
async fn the_bot_asks_once_after_the_first_topic_and_skipping_works() {
    for app in apps().await {
        let anna = app.member(2030, Some("en"));
        let keyboard = app.ask(&anna, "/topics").await;
        let mark = app.fake.mark();
        app.press(&anna, keyboard.message_id, "t:strikes").await;
        let question = app.next_message_after(mark, anna.chat_id()).await;
        assert_eq!(question.text.as_deref(), Some(text(Locale::En, "region-ask", &[]).as_str()));
        assert_eq!(buttons(&question).last().map(|(_, d)| d.as_str()), Some("r:x"));
        let skipped = text(Locale::En, "region-skipped", &[]);
        assert_eq!(app.press(&anna, question.message_id, "r:x").await.as_deref(), Some(skipped.as_str()));
        assert_eq!(app.message(anna.chat_id(), question.message_id).text.as_deref(), Some(skipped.as_str()));
        assert_eq!(region_of(&app, &anna).await, None);
        // Never again: not for more topics, not after leaving all of them.
        app.press(&anna, keyboard.message_id, "t:energy").await;
        app.ask(&anna, "/unsubscribe strikes").await;
        app.ask(&anna, "/unsubscribe energy").await;
        app.ask(&anna, "/subscribe europe").await;
        app.barrier(&anna, app.fake.mark()).await;
        assert_eq!(questions(&app, &anna, Locale::En), 1);

        // Answered with a button, the question is answered for good.
        let ben = app.member(2031, Some("de"));
        let mark = app.fake.mark();
        app.fake.send_text(&ben.user, &ben.chat, "/subscribe strikes");
        app.barrier(&ben, mark).await;
        let question = app.fake.bot_messages_in(ben.chat_id()).into_iter().find(|m| !buttons(m).is_empty());
        let question = question.expect("the question with its buttons");
        assert_eq!(question.text.as_deref(), Some(text(Locale::De, "region-ask", &[]).as_str()));
        app.press(&ben, question.message_id, "r:s:hessen").await;
        assert_eq!(region_of(&app, &ben).await.as_deref(), Some("hessen"));
        app.ask(&ben, "/subscribe energy").await;
        app.barrier(&ben, app.fake.mark()).await;
        assert_eq!(questions(&app, &ben, Locale::De), 1);
        // A member placed by a deep link is not asked.
        let cem = app.member(2032, Some("de"));
        app.ask(&cem, "/start strikes-R-kassel").await;
        app.barrier(&cem, app.fake.mark()).await;
        assert_eq!(questions(&app, &cem, Locale::De), 0);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn mytopics_privacy_and_mydata_show_the_region_and_stop_deletes_it() {
    for app in apps().await {
        let anna = app.member(2040, Some("en"));
        app.ask(&anna, "/start strikes-R-kassel").await;
        let mine = app.ask(&anna, "/mytopics").await.text.unwrap();
        assert!(mine.ends_with(&text(Locale::En, "mytopics-region", &[("region", "Hesse › Kassel")])), "{mine}");
        let report = app.ask(&anna, "/privacy").await.text.unwrap();
        assert!(report.contains("• Topics: ✊ Strikes\n• Region: Hesse › Kassel"), "{report}");

        let mark = app.fake.mark();
        app.fake.send_text(&anna.user, &anna.chat, "/mydata");
        let sent = app
            .fake
            .wait_for_request_after(mark, |r| r.method == "senddocument", basis_tests::PATIENCE)
            .await
            .expect("a document");
        let data: serde_json::Value = serde_json::from_slice(&sent.files[0].bytes).unwrap();
        assert_eq!(data["region"]["region"], "kassel");
        assert_eq!(data["region"]["name"], "Kassel");
        assert!(data["region"]["chosen_at"].as_str().unwrap().ends_with('Z'));

        let question = app.ask(&anna, "/stop").await;
        app.press(&anna, question.message_id, "stop:y").await;
        assert_eq!(region_of(&app, &anna).await, None);
        assert!(app.db.columns_mentioning(&anna.chat_id().to_string()).await.is_empty());
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn retiring_a_region_keeps_the_choice_but_hides_it() {
    for db in TestDatabase::every_engine().await {
        let app = TestApp::spawn_configured(db, Hooks::default(), |c| c.regions = regions()).await;
        let anna = app.member(2050, Some("en"));
        app.ask(&anna, "/start strikes-R-kassel").await;
        let (db, fake) = app.stop_keeping_state().await;

        let without_kassel: Vec<_> = regions().into_iter().filter(|r| r.key != "kassel").collect();
        let app = TestApp::spawn_full(db, Some(fake), Hooks::default(), |c| c.regions = without_kassel).await;
        let mine = app.ask(&anna, "/mytopics").await.text.unwrap();
        let none = text(Locale::En, "region-none-label", &[]);
        assert!(mine.ends_with(&text(Locale::En, "mytopics-region", &[("region", &none)])), "{mine}");
        assert_eq!(region_of(&app, &anna).await.as_deref(), Some("kassel"), "the choice is kept");
        let unknown = app.ask(&anna, "/region kassel").await.text.unwrap();
        assert!(unknown.starts_with("I don't know the region “kassel”"), "{unknown}");
        let prompt = app.ask(&anna, "/region").await;
        assert!(buttons(&prompt).iter().all(|(_, d)| !d.contains("kassel")));
        let (db, fake) = app.stop_keeping_state().await;

        // Back in the configuration, it is in use again.
        let app = TestApp::spawn_full(db, Some(fake), Hooks::default(), |c| c.regions = regions()).await;
        let mine = app.ask(&anna, "/mytopics").await.text.unwrap();
        assert!(mine.ends_with(&text(Locale::En, "mytopics-region", &[("region", "Hesse › Kassel")])), "{mine}");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn without_regions_nothing_about_regions_is_shown() {
    for db in TestDatabase::every_engine().await {
        let app = TestApp::spawn(db).await;
        let menu: Vec<String> = app.fake.my_commands(Some("en")).into_iter().map(|(c, _)| c).collect();
        assert!(!menu.is_empty() && !menu.contains(&"region".to_owned()), "{menu:?}");
        let anna = app.member(2060, Some("en"));
        let help = app.ask(&anna, "/help").await.text.unwrap();
        assert!(!help.contains("/region") && !help.to_lowercase().contains("region"), "{help}");
        let unknown = app.ask(&anna, "/region kassel").await.text.unwrap();
        assert_eq!(unknown, text(Locale::En, "unknown-command", &[]));
        let answer = app.ask(&anna, "/start strikes").await;
        app.press(&anna, answer.message_id, "t:energy").await;
        let mine = app.ask(&anna, "/mytopics").await.text.unwrap();
        let report = app.ask(&anna, "/privacy").await.text.unwrap();
        let (stale, _) = app.press_for_alert(&anna, answer.message_id, "r:s:kassel").await;
        assert_eq!(stale, Some(text(Locale::En, "button-stale", &[])));
        for said in app.received(anna.chat_id()).iter().chain([&mine, &report]) {
            assert!(!said.contains("📍") && !said.to_lowercase().contains("region"), "{said}");
        }
        assert_eq!(app.storage().region_asked_at(ChatId(anna.chat_id())).await.unwrap(), None);
        app.stop().await.unwrap();
    }
}

/// A bot with the test regions, quick to broadcast.
async fn organizing_apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in TestDatabase::every_engine().await {
        apps.push(
            TestApp::spawn_configured(db, Hooks::default(), |c| {
                c.regions = regions();
                c.owners = vec![OWNER];
                c.rate_limit = 1000;
                c.paid_broadcast = true;
            })
            .await,
        );
    }
    apps
}

const WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Members who follow `topics` and chose `region` (or none).
async fn members_in(app: &TestApp, ids: std::ops::Range<i64>, topics: &[&str], region: Option<&str>) {
    app.subscribers(ids.clone(), topics).await;
    if let Some(region) = region {
        let key = basis_storage::RegionKey::parse(region).unwrap();
        for id in ids {
            assert!(app.storage().set_region(ChatId(id), &key, 0).await.unwrap());
        }
    }
}

/// The newest message with buttons in `who`'s chat.
fn with_buttons(app: &TestApp, who: &Member) -> basis_telegram_fake::TgMessageState {
    let messages = app.fake.bot_messages_in(who.chat_id());
    messages.into_iter().rev().find(|m| !buttons(m).is_empty()).expect("a message with buttons")
}

/// The callback data of the button whose data starts with `prefix`.
fn button(message: &basis_telegram_fake::TgMessageState, prefix: &str) -> String {
    let found = buttons(message).into_iter().find(|(_, data)| data.starts_with(prefix));
    found.unwrap_or_else(|| panic!("no {prefix} button in {:?}", buttons(message))).1
}

/// Sends `command` and returns the preview's confirmation and its draft.
async fn confirmation(app: &TestApp, who: &Member, command: &str) -> (i64, basis_telegram_fake::TgMessageState) {
    let mark = app.fake.mark();
    app.fake.send_text(&who.user, &who.chat, command);
    app.barrier(who, mark).await;
    let confirm = with_buttons(app, who);
    let draft = button(&confirm, "p:c:").trim_start_matches("p:c:").parse().unwrap();
    (draft, confirm)
}

/// Sends the draft and waits until it is delivered; the broadcast's id.
async fn send(app: &TestApp, who: &Member, draft: i64, confirm: i64) -> i64 {
    assert_eq!(app.press(who, confirm, &format!("p:s:{draft}")).await.as_deref(), Some("Done."));
    let broadcast = app.storage().draft(DraftId(draft)).await.unwrap().unwrap().broadcast_id.expect("queued");
    app.finished(who, broadcast.0, WAIT).await;
    broadcast.0
}

/// Which of `chats` received `text`, and how often each.
fn reached(app: &TestApp, chats: std::ops::Range<i64>, text: &str) -> Vec<(i64, usize)> {
    chats
        .filter_map(|chat| {
            let copies = app.received(chat).iter().filter(|t| t.as_str() == text).count();
            (copies > 0).then_some((chat, copies))
        })
        .collect()
}

#[tokio::test]
async fn a_targeted_post_reaches_exactly_the_members_there_once_and_a_parent_its_children() {
    for app in organizing_apps().await {
        // 3001 Wolfsburg (two topics), 3002 the VW plant below it, 3003
        // Kassel, 3004 no region, 3005 Hannover, 3006 Wolfsburg but
        // following another topic.
        members_in(&app, 3001..3002, &["strikes", "energy"], Some("wolfsburg")).await;
        members_in(&app, 3002..3003, &["strikes"], Some("vw-werk")).await;
        members_in(&app, 3003..3004, &["strikes"], Some("kassel")).await;
        members_in(&app, 3004..3005, &["strikes"], None).await;
        members_in(&app, 3005..3006, &["strikes"], Some("hannover")).await;
        members_in(&app, 3006..3007, &["europe"], Some("wolfsburg")).await;
        let owner = app.member(OWNER, Some("en"));

        let (draft, confirm) = confirmation(&app, &owner, "/post strikes,energy @wolfsburg Warning strike at VW").await;
        let said = confirm.text.clone().unwrap();
        assert!(said.contains("Recipients: 2 chats"), "{said}");
        let lines = text(
            Locale::En,
            "post-confirm-regions",
            &[("regions", "Wolfsburg"), ("counts", "VW plant 1 · Wolfsburg 1")],
        );
        assert!(said.ends_with(&lines), "{said}");
        let targeted = send(&app, &owner, draft, confirm.message_id).await;
        assert_eq!(reached(&app, 3001..3007, "Warning strike at VW"), [(3001, 1), (3002, 1)]);

        let (draft, confirm) = confirmation(&app, &owner, "/post strikes @niedersachsen All of Lower Saxony").await;
        send(&app, &owner, draft, confirm.message_id).await;
        assert_eq!(reached(&app, 3001..3007, "All of Lower Saxony"), [(3001, 1), (3002, 1), (3005, 1)]);

        let (draft, confirm) = confirmation(&app, &owner, "/post strikes,energy Everyone").await;
        assert!(confirm.text.unwrap().ends_with(&text(Locale::En, "post-confirm-everywhere", &[])));
        send(&app, &owner, draft, confirm.message_id).await;
        assert_eq!(reached(&app, 3001..3007, "Everyone"), [(3001, 1), (3002, 1), (3003, 1), (3004, 1), (3005, 1)]);

        // A follow-up reaches whom the post reached.
        let (draft, confirm) = confirmation(&app, &owner, &format!("/followup {targeted} Meet at gate 3")).await;
        assert!(confirm.text.unwrap().contains("Recipients: 2 chats"));
        send(&app, &owner, draft, confirm.message_id).await;
        assert_eq!(reached(&app, 3001..3007, "Meet at gate 3"), [(3001, 1), (3002, 1)]);

        // An unknown region is named, and nothing is made.
        let drafts = app.storage().scheduled_drafts(None).await.unwrap().len();
        let answer = app.ask(&owner, "/post strikes @atlantis Hello").await.text.unwrap();
        assert!(answer.starts_with("There is no region “atlantis”"), "{answer}");
        assert_eq!(app.storage().scheduled_drafts(None).await.unwrap().len(), drafts);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn the_guided_post_asks_for_regions_after_the_topics() {
    for app in organizing_apps().await {
        members_in(&app, 3101..3102, &["strikes"], Some("kassel")).await;
        members_in(&app, 3102..3103, &["strikes"], Some("wolfsburg")).await;
        members_in(&app, 3103..3104, &["strikes"], None).await;
        let owner = app.member(OWNER, Some("en"));
        let keyboard = app.ask(&owner, "/post").await;
        let draft: i64 = button(&keyboard, "gn:").trim_start_matches("gn:").parse().unwrap();
        app.press(&owner, keyboard.message_id, &format!("g:{draft}:strikes")).await;
        app.press(&owner, keyboard.message_id, &format!("gn:{draft}")).await;
        let step = app.message(OWNER, keyboard.message_id);
        let asked = text(Locale::En, "guided-regions", &[("id", &draft.to_string()), ("topics", "✊ Strikes")]);
        assert_eq!(step.text.as_deref(), Some(asked.as_str()));
        let data: Vec<String> = buttons(&step).into_iter().map(|(_, d)| d).collect();
        let gr = |rest: &str| format!("gr:{draft}:{rest}");
        assert_eq!(
            data,
            [
                gr("s:niedersachsen"),
                gr("o:niedersachsen"),
                gr("s:hessen"),
                gr("o:hessen"),
                gr("n"),
                gr("x"),
                format!("p:c:{draft}")
            ]
        );
        app.press(&owner, keyboard.message_id, &gr("o:hessen")).await;
        let chosen = app.press(&owner, keyboard.message_id, &gr("s:kassel")).await;
        assert_eq!(chosen, Some(text(Locale::En, "guided-chosen-regions", &[("regions", "Kassel")])));
        let level = app.message(OWNER, keyboard.message_id);
        assert_eq!(buttons(&level)[0], ("✅ Kassel".to_owned(), gr("s:kassel")), "chosen, on the level it was chosen");
        app.press(&owner, keyboard.message_id, &gr("x")).await;
        let (draft_now, confirm) = confirmation(&app, &owner, "Only for Kassel").await;
        assert_eq!(draft_now, draft);
        assert!(confirm.text.unwrap().contains("Recipients: 1 chats"));
        send(&app, &owner, draft, confirm.message_id).await;
        assert_eq!(reached(&app, 3101..3104, "Only for Kassel"), [(3101, 1)]);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn an_assembly_for_a_region_invites_only_the_members_there() {
    for app in organizing_apps().await {
        members_in(&app, 3201..3203, &["strikes"], Some("wolfsburg")).await;
        members_in(&app, 3203..3204, &["strikes"], Some("vw-werk")).await;
        members_in(&app, 3204..3206, &["strikes"], Some("kassel")).await;
        members_in(&app, 3206..3207, &["strikes"], None).await;
        let owner = app.member(OWNER, Some("en"));
        let mark = app.fake.mark();
        app.fake.send_text(
            &owner.user,
            &owner.chat,
            "/event strikes @wolfsburg tomorrow 06:00 | Rally at gate 3 | Werkstraße 1",
        );
        app.barrier(&owner, mark).await;
        let confirm = with_buttons(&app, &owner);
        let said = confirm.text.clone().unwrap();
        assert!(
            said.contains(&text(
                Locale::En,
                "post-confirm-regions",
                &[("regions", "Wolfsburg"), ("counts", "VW plant 1 · Wolfsburg 2")]
            )),
            "{said}"
        );
        let send_event = button(&confirm, "ev:s:");
        let event: i64 = send_event.trim_start_matches("ev:s:").parse().unwrap();
        assert_eq!(app.press(&owner, confirm.message_id, &send_event).await.as_deref(), Some("Done."));
        let invitation = app.storage().event(EventId(event)).await.unwrap().unwrap().invitation_id.expect("sent");
        app.finished(&owner, invitation.0, WAIT).await;
        let invited: Vec<i64> = (3201..3207).filter(|chat| !app.fake.bot_messages_in(*chat).is_empty()).collect();
        assert_eq!(invited, [3201, 3202, 3203]);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn stats_count_per_region_and_hide_what_could_point_at_someone() {
    for app in organizing_apps().await {
        members_in(&app, 3301..3313, &["strikes"], Some("wolfsburg")).await;
        members_in(&app, 3313..3315, &["strikes"], Some("kassel")).await;
        members_in(&app, 3315..3322, &["strikes"], None).await;
        let owner = app.member(OWNER, Some("en"));
        let mark = app.fake.mark();
        let report = app.ask(&owner, "/stats").await.text.unwrap();
        let few = text(Locale::En, "stats-few", &[("smallest", "5")]);
        let line =
            |region: &str, n: &str| text(Locale::En, "stats-region-line", &[("region", region), ("subscribers", n)]);
        let expected = [
            text(Locale::En, "stats-regions", &[]),
            line("Lower Saxony", "12"),
            line("  Wolfsburg", "12"),
            line("    VW plant", &few),
            line("  Hanover", &few),
            line("Hesse", &few),
            line("  Kassel", &few),
            // Kassel's two would be everyone less Lower Saxony less those
            // without a region: that figure is hidden too.
            line(&text(Locale::En, "stats-region-none", &[]), &few),
        ]
        .join("\n");
        assert!(report.contains(&expected), "{report}");
        // The chart of the regions follows the topics' chart: the same
        // figures as bars, the hidden ones without a bar.
        let chart = app
            .fake
            .wait_for_request_after(
                mark,
                |r| {
                    r.method == "sendphoto"
                        && r.file("photo").and_then(|f| f.file_name.clone()).as_deref() == Some("regions.png")
                },
                basis_tests::PATIENCE,
            )
            .await
            .expect("a chart of the regions");
        let png = image::load_from_memory(&chart.file("photo").expect("a picture").bytes).expect("a PNG");
        assert_eq!((png.width(), png.height()), basis_handlers::pictures::CHART_SIZE);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn an_invitation_limits_an_organizer_to_regions_and_links_can_place_members() {
    for app in organizing_apps().await {
        let owner = app.member(OWNER, Some("en"));
        let answer = app.ask(&owner, "/invite strikes @kassel").await.text.unwrap();
        let scope = text(Locale::En, "scope-regions", &[("topics", "✊ Strikes"), ("regions", "Kassel")]);
        assert!(answer.starts_with(&format!("Organizer invitation ({scope}):")), "{answer}");
        let (payload, _) = basis_tests::invite_link(&answer).expect("a link");
        let kim = app.member(3401, Some("en"));
        let accepted = app.ask(&kim, &format!("/start {payload}")).await.text.unwrap();
        assert!(accepted.contains(&scope), "{accepted}");
        let organizer = app.storage().organizer(UserId(3401)).await.unwrap().expect("granted");
        assert_eq!((organizer.topics.stored().as_str(), organizer.regions.as_str()), ("strikes", "kassel"));
        let list = app.ask(&owner, "/organizers").await.text.unwrap();
        assert!(list.contains(&format!("(3401) – {scope}")), "{list}");
        let unknown = app.ask(&owner, "/invite strikes @atlantis").await.text.unwrap();
        assert!(unknown.starts_with("There is no region “atlantis”"), "{unknown}");

        // Limited to Kassel: an untargeted post is refused with the reason.
        let refused = app.ask(&kim, "/post strikes Hello everyone").await.text.unwrap();
        let required = text(Locale::En, "post-regions-required", &[("regions", "Kassel"), ("example", "kassel")]);
        assert_eq!(refused, required);

        // A link that places whoever has no region yet.
        let link = app.ask(&owner, "/link strikes @vw-werk gate-3").await.text.unwrap();
        assert!(link.contains("?start=strikes-R-vw-werk-C-gate-3"), "{link}");
        assert!(link.ends_with(&text(Locale::En, "link-region", &[("region", "Lower Saxony › Wolfsburg › VW plant")])));
        let two = app.ask(&owner, "/link strikes @kassel @wolfsburg").await.text.unwrap();
        assert_eq!(two, text(Locale::En, "link-one-region", &[]));
        app.stop().await.unwrap();
    }
}

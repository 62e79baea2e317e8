//! Organizers' posts beyond plain text: copies of any message, follow-ups
//! that thread, corrections that reach every copy, scheduled and guided
//! posts that survive a restart, and two-person approval.

use std::time::Duration;

use basis::Config;
use basis_storage::testing::TestDatabase;
use basis_telegram_fake::TgMessageState;
use basis_tests::{Member, TestApp, TestClock, buttons, chat_of};
use serde_json::json;

const OWNER: i64 = 500;
const LOCAL: i64 = 600;
const WAIT: Duration = Duration::from_secs(60);

fn configure(approval: bool) -> impl FnOnce(&mut Config) {
    move |c: &mut Config| {
        c.owners = vec![OWNER];
        c.rate_limit = 1000;
        c.paid_broadcast = true;
        c.approval = approval;
    }
}

async fn start(db: TestDatabase, clock: &TestClock, approval: bool) -> TestApp {
    TestApp::spawn_configured(db, clock.hooks(), configure(approval)).await
}

async fn text_of(app: &TestApp, who: &Member, command: &str) -> String {
    app.ask(who, command).await.text.unwrap_or_default()
}

/// The newest message with buttons in `who`'s chat.
fn with_buttons(app: &TestApp, who: &Member) -> TgMessageState {
    let messages = app.fake.bot_messages_in(who.chat_id());
    messages.into_iter().rev().find(|m| !buttons(m).is_empty()).expect("a message with buttons")
}

/// The callback data of the button whose data starts with `prefix`.
fn button(message: &TgMessageState, prefix: &str) -> String {
    let found = buttons(message).into_iter().find(|(_, data)| data.starts_with(prefix));
    found.unwrap_or_else(|| panic!("no {prefix} button in {:?}", buttons(message))).1
}

/// Sends `command` (or injects it through `send`) and returns the
/// confirmation that follows, with the draft id from its Cancel button.
async fn confirmation(app: &TestApp, who: &Member, send: impl FnOnce()) -> (i64, TgMessageState) {
    let mark = app.fake.mark();
    send();
    app.barrier(who, mark).await;
    let confirm = with_buttons(app, who);
    let draft = button(&confirm, "p:c:").trim_start_matches("p:c:").parse().unwrap();
    (draft, confirm)
}

async fn sent_post(app: &TestApp, who: &Member, command: &str) -> i64 {
    let (draft, confirm) = confirmation(app, who, || drop(app.fake.send_text(&who.user, &who.chat, command))).await;
    assert_eq!(app.press(who, confirm.message_id, &format!("p:s:{draft}")).await.as_deref(), Some("Done."));
    let broadcast =
        app.storage().draft(basis_storage::DraftId(draft)).await.unwrap().unwrap().broadcast_id.expect("queued");
    app.finished(who, broadcast.0, WAIT).await;
    broadcast.0
}

/// The number in a status message like "✏️ Correction #7 of broadcast #3".
fn first_number(text: &str) -> i64 {
    let at = text.find('#').expect("an id") + 1;
    text[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

fn copy_of(app: &TestApp, chat: i64, text: &str) -> Option<TgMessageState> {
    app.fake.bot_messages_in(chat).into_iter().find(|m| m.text.as_deref() == Some(text))
}

#[tokio::test]
async fn a_reply_to_any_message_sends_a_copy_of_it_and_bad_kinds_are_refused() {
    let clock = TestClock::default();
    let app = start(TestDatabase::sqlite().await, &clock, false).await;
    let owner = app.member(OWNER, Some("en"));
    app.subscribers(40_000..40_010, &["strikes"]).await;

    let mark = app.fake.mark();
    let photo = app.fake.send_photo(&owner.user, &owner.chat, Some("Streikposten an Tor 3")).message_id.unwrap();
    app.barrier(&owner, mark).await;
    let (draft, confirm) =
        confirmation(&app, &owner, || drop(app.fake.send_reply(&owner.user, &owner.chat, photo, "/post strikes")))
            .await;
    // The preview is a copy of the photo, made the way members get theirs.
    let previews: Vec<_> = app.fake.requests_for("copymessage").into_iter().filter(|r| r.is_ok()).collect();
    assert_eq!(previews.len(), 1);
    assert_eq!(chat_of(&previews[0]), Some(OWNER));
    assert_eq!(previews[0].params["message_id"].as_i64(), Some(photo));
    assert!(confirm.text.as_deref().unwrap().contains("Recipients: 10 chats"), "{:?}", confirm.text);

    app.press(&owner, confirm.message_id, &format!("p:u:{draft}")).await;
    let broadcast = app.storage().draft(basis_storage::DraftId(draft)).await.unwrap().unwrap().broadcast_id.unwrap();
    let (progress, _) = app.finished(&owner, broadcast.0, WAIT).await;
    assert_eq!(progress.sent, 10);
    for chat in 40_000..40_010 {
        let got = app.fake.bot_messages_in(chat);
        assert_eq!(got.len(), 1, "chat {chat}");
        assert_eq!((got[0].kind, got[0].caption.as_deref()), ("photo", Some("Streikposten an Tor 3")));
        assert_eq!(got[0].copied_from, Some((OWNER, photo)));
    }

    let mark = app.fake.mark();
    let dice = app.fake.send_message_with(&owner.user, &owner.chat, json!({"dice": {"emoji": "🎲", "value": 4}}));
    // An organizer's message without a command gets a hint how to post it.
    let hint = app.next_message_after(mark, OWNER).await.text.unwrap();
    assert!(hint.starts_with("To send this to members, reply to it with /post"), "{hint}");
    let mark = app.fake.mark();
    app.fake.send_reply(&owner.user, &owner.chat, dice.message_id.unwrap(), "/post strikes");
    let answer = app.next_message_after(mark, OWNER).await.text.unwrap();
    assert!(answer.starts_with("I can't pass this kind of message on."), "{answer}");
    let long = "x".repeat(1025);
    let mark = app.fake.mark();
    let photo = app.fake.send_photo(&owner.user, &owner.chat, Some(&long)).message_id.unwrap();
    app.barrier(&owner, mark).await;
    let mark = app.fake.mark();
    app.fake.send_reply(&owner.user, &owner.chat, photo, "/post strikes");
    let answer = app.next_message_after(mark, OWNER).await.text.unwrap();
    assert_eq!(answer, "The caption is 1025 characters long; at most 1024 are allowed.");
    // A reply with text after the topics posts that text, not the photo.
    let preview = app.ask(&owner, "/post strikes Nur Text").await;
    assert_eq!(preview.text.as_deref(), Some("Nur Text"));
    assert_eq!(app.storage().unfinished_broadcasts().await.unwrap(), Vec::<basis_storage::BroadcastId>::new());
    app.stop().await.unwrap();
}

#[tokio::test]
async fn follow_ups_thread_and_corrections_reach_every_copy() {
    for db in TestDatabase::every_engine().await {
        let clock = TestClock::default();
        let app = start(db, &clock, false).await;
        let owner = app.member(OWNER, Some("en"));
        app.subscribers(41_000..41_006, &["strikes"]).await;

        let first = sent_post(&app, &owner, "/post strikes Verhandlung beginnt").await;
        app.subscribers([41_100], &["strikes"]).await;
        let second = sent_post(&app, &owner, &format!("/followup #{first} Erste Einigung")).await;
        for chat in 41_000..41_006 {
            let earlier = app
                .storage()
                .delivered_message(basis_storage::BroadcastId(first), basis_storage::ChatId(chat))
                .await
                .unwrap()
                .expect("first copy");
            let copy = copy_of(&app, chat, "Erste Einigung").expect("follow-up");
            assert_eq!(copy.reply_to, Some(earlier), "chat {chat} threads under its own copy");
        }
        let late = copy_of(&app, 41_100, "Erste Einigung").expect("a late subscriber gets the follow-up too");
        assert_eq!(late.reply_to, None);

        // /edit by number: every copy of the first post changes.
        let status = text_of(&app, &owner, &format!("/edit {first} Verhandlung beginnt um 10 Uhr")).await;
        assert!(status.starts_with("✏️ Correction #"), "{status}");
        let (progress, report) = app.finished(&owner, first_number(&status), WAIT).await;
        assert_eq!(progress.sent, 6, "{report}");
        assert!(report.contains("Changed: 6 of 6") && report.contains("Could not change: 0"), "{report}");
        for chat in 41_000..41_006 {
            let id = app
                .storage()
                .delivered_message(basis_storage::BroadcastId(first), basis_storage::ChatId(chat))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(app.message(chat, id).text.as_deref(), Some("Verhandlung beginnt um 10 Uhr"));
        }
        assert_eq!(
            app.storage().broadcast(basis_storage::BroadcastId(first)).await.unwrap().unwrap().text.as_deref(),
            Some("Verhandlung beginnt um 10 Uhr")
        );

        // /edit as a reply to the follow-up's report, then /retract it.
        let report_id = app
            .storage()
            .broadcast(basis_storage::BroadcastId(second))
            .await
            .unwrap()
            .unwrap()
            .report_message_id
            .unwrap();
        let mark = app.fake.mark();
        app.fake.send_reply(&owner.user, &owner.chat, report_id, "/edit Einigung erzielt");
        let status = app.next_message_after(mark, OWNER).await.text.unwrap();
        assert!(status.contains(&format!("of broadcast #{second}")), "{status}");
        app.finished(&owner, first_number(&status), WAIT).await;
        assert!(copy_of(&app, 41_100, "Einigung erzielt").is_some());

        let status = text_of(&app, &owner, &format!("/retract #{second}")).await;
        assert!(status.starts_with("🗑 Retraction #"), "{status}");
        let (_, report) = app.finished(&owner, first_number(&status), WAIT).await;
        assert!(report.contains("Deleted: 7 of 7") && report.contains("Could not remove: 0"), "{report}");
        for chat in (41_000..41_006).chain([41_100]) {
            let id = app
                .storage()
                .delivered_message(basis_storage::BroadcastId(second), basis_storage::ChatId(chat))
                .await
                .unwrap()
                .unwrap();
            assert!(app.message(chat, id).deleted, "chat {chat}");
        }

        // Bad input changes nothing; members may not correct.
        for (command, expected) in [
            ("/edit", "To correct: /edit"),
            ("/edit 9999 x", "There is no broadcast #9999."),
            ("/retract abc", "To retract a broadcast"),
            ("/followup abc", "To post a follow-up"),
        ] {
            let answer = text_of(&app, &owner, command).await;
            assert!(answer.starts_with(expected), "{command} → {answer}");
        }
        let member = app.member(41_000, Some("en"));
        let refusal = text_of(&app, &member, &format!("/retract {first}")).await;
        assert_eq!(refusal, "Posten dürfen nur Organisatorinnen und Organisatoren.");
        clock.advance(Duration::from_secs(49 * 3600));
        let answer = text_of(&app, &owner, &format!("/retract {first}")).await;
        assert!(answer.contains("older than 48 hours"), "{answer}");
        assert!(app.storage().unfinished_broadcasts().await.unwrap().is_empty());
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_scheduled_post_goes_out_at_its_time_also_after_a_restart() {
    for db in TestDatabase::every_engine().await {
        let clock = TestClock::default();
        let app = start(db, &clock, false).await;
        let owner = app.member(OWNER, Some("de"));
        app.subscribers(42_000..42_005, &["energy"]).await;

        let (draft, confirm) = confirmation(&app, &owner, || {
            drop(app.fake.send_text(&owner.user, &owner.chat, "/post energy Strompreis"))
        })
        .await;
        app.press(&owner, confirm.message_id, &format!("p:t:{draft}")).await;
        let asked = app.message(OWNER, confirm.message_id).text.unwrap();
        assert!(asked.starts_with(&format!("Wann soll Entwurf #{draft} rausgehen?")), "{asked}");
        assert!(asked.contains("Europe/Berlin"), "{asked}");
        assert!(text_of(&app, &owner, "übermorgen halb acht").await.starts_with("Diese Zeit verstehe ich nicht"));
        assert!(text_of(&app, &owner, "01.01.2020 10:00").await.starts_with("Diese Zeit ist schon vorbei"));
        let answer = text_of(&app, &owner, "morgen 7:00").await;
        assert!(answer.starts_with(&format!("🕒 Entwurf #{draft} geht am ")), "{answer}");
        assert!(answer.contains(" 07:00 raus (Europe/Berlin)"), "{answer}");
        let stored = app.storage().draft(basis_storage::DraftId(draft)).await.unwrap().unwrap();
        assert_eq!(stored.status, basis_storage::DraftState::Scheduled);
        let due = stored.scheduled_at.unwrap();
        assert!(due > clock.now() && due < clock.now() + 36 * 3_600_000);

        // A second one, cancelled from /scheduled.
        let (other, confirm) =
            confirmation(&app, &owner, || drop(app.fake.send_text(&owner.user, &owner.chat, "/post energy Abgesagt")))
                .await;
        app.press(&owner, confirm.message_id, &format!("p:t:{other}")).await;
        text_of(&app, &owner, "morgen 6:00").await;
        let listing = app.ask(&owner, "/scheduled").await;
        let text = listing.text.clone().unwrap();
        assert!(text.contains(&format!("#{draft} ·")) && text.contains(&format!("#{other} ·")), "{text}");
        let toast = app.press(&owner, listing.message_id, &format!("p:c:{other}")).await;
        assert_eq!(toast.as_deref(), Some("Erledigt."));

        // Restart; then the time comes.
        let (db, fake) = app.stop_keeping_state().await;
        let app = TestApp::spawn_full(db, Some(fake), clock.hooks(), configure(false)).await;
        assert!(copy_of(&app, 42_000, "Strompreis").is_none(), "not before its time");
        clock.advance(Duration::from_millis((due - clock.now()).max(0) as u64 + 1_000));
        let sent = app.fake.wait_for_request(
            |r| r.method == "sendmessage" && chat_of(r) == Some(42_004) && r.text() == Some("Strompreis"),
            WAIT,
        );
        assert!(sent.await.is_some(), "the scheduled post went out");
        let broadcast =
            app.storage().draft(basis_storage::DraftId(draft)).await.unwrap().unwrap().broadcast_id.expect("queued");
        let (progress, _) = app.finished(&owner, broadcast.0, WAIT).await;
        assert_eq!(progress.sent, 5);
        assert_eq!(
            app.storage().draft(basis_storage::DraftId(other)).await.unwrap().unwrap().status,
            basis_storage::DraftState::Cancelled
        );
        assert!(copy_of(&app, 42_000, "Abgesagt").is_none());
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_guided_post_keeps_its_draft_across_a_restart() {
    let clock = TestClock::default();
    let app = start(TestDatabase::sqlite().await, &clock, false).await;
    let owner = app.member(OWNER, Some("en"));
    app.subscribers(43_000..43_004, &["europe"]).await;

    let start = app.ask(&owner, "/post").await;
    let next = button(&start, "gn:");
    let draft: i64 = next.trim_start_matches("gn:").parse().unwrap();
    let toast = app.press(&owner, start.message_id, &next).await;
    assert_eq!(toast.as_deref(), Some("Please choose at least one topic."));
    let europe = format!("g:{draft}:europe");
    assert_eq!(app.press(&owner, start.message_id, &europe).await.as_deref(), Some("Chosen: 🇪🇺 Europe"));
    assert!(buttons(&app.message(OWNER, start.message_id)).iter().any(|(label, _)| label == "✅ 🇪🇺 Europe"));
    app.press(&owner, start.message_id, &next).await;
    let asked = app.message(OWNER, start.message_id).text.unwrap();
    assert!(asked.starts_with(&format!("Draft #{draft} for 🇪🇺 Europe: now send me the message")), "{asked}");

    let (db, fake) = app.stop_keeping_state().await;
    let app = TestApp::spawn_full(db, Some(fake), clock.hooks(), configure(false)).await;
    let (same, confirm) =
        confirmation(&app, &owner, || drop(app.fake.send_text(&owner.user, &owner.chat, "Gipfel in Brüssel"))).await;
    assert_eq!(same, draft);
    assert!(confirm.text.as_deref().unwrap().contains("Recipients: 4 chats"));
    app.press(&owner, confirm.message_id, &format!("p:s:{draft}")).await;
    let broadcast = app.storage().draft(basis_storage::DraftId(draft)).await.unwrap().unwrap().broadcast_id.unwrap();
    let (progress, _) = app.finished(&owner, broadcast.0, WAIT).await;
    assert_eq!(progress.sent, 4);
    assert!(copy_of(&app, 43_003, "Gipfel in Brüssel").is_some());
    // Once the draft is sent, another message gets the hint how to post it.
    assert!(text_of(&app, &owner, "hello").await.starts_with("To send this to members, reply to it with /post"));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn with_approval_a_second_organizer_signs_off_every_post() {
    let clock = TestClock::default();
    let app = start(TestDatabase::sqlite().await, &clock, true).await;
    let owner = app.member(OWNER, Some("en"));
    let local = app.member(LOCAL, Some("en"));
    text_of(&app, &owner, "/language en").await;
    let now = clock.now();
    app.grant(LOCAL, "strikes", &[], OWNER, now).await;
    app.subscribers(44_000..44_003, &["strikes"]).await;

    let (draft, confirm) =
        confirmation(&app, &local, || drop(app.fake.send_text(&local.user, &local.chat, "/post strikes Ergebnis")))
            .await;
    let data: Vec<String> = buttons(&confirm).into_iter().map(|(_, d)| d).collect();
    assert_eq!(data, [format!("p:r:{draft}"), format!("p:c:{draft}")]);
    let forged = app.press(&local, confirm.message_id, &format!("p:s:{draft}")).await;
    assert_eq!(forged.as_deref(), Some("Posts need a second pair of eyes here: submit the draft for approval."));

    let mark = app.fake.mark();
    app.press(&local, confirm.message_id, &format!("p:r:{draft}")).await;
    let waiting = app.message(LOCAL, confirm.message_id).text.unwrap();
    assert_eq!(waiting, format!("Draft #{draft} is waiting for approval; 1 organizers were asked."));
    let request = app.next_message_after(mark, OWNER).await;
    assert_eq!(request.text.as_deref(), Some("Ergebnis"), "first the preview");
    let request = with_buttons(&app, &owner);
    assert!(request.text.as_deref().unwrap().starts_with("👀 Alex asks you to approve draft"), "{:?}", request.text);

    let own = app.press(&local, confirm.message_id, &format!("p:a:{draft}")).await;
    assert_eq!(own.as_deref(), Some("Someone else has to approve your own drafts."));
    assert_eq!(app.press(&owner, request.message_id, &format!("p:a:{draft}")).await.as_deref(), Some("Done."));
    let broadcast = app
        .storage()
        .draft(basis_storage::DraftId(draft))
        .await
        .unwrap()
        .unwrap()
        .broadcast_id
        .expect("approved and queued");
    let (progress, _) = app.finished(&local, broadcast.0, WAIT).await;
    assert_eq!(progress.sent, 3);
    let approved = app.message(OWNER, request.message_id).text.unwrap();
    assert_eq!(approved, format!("Draft #{draft} is approved and goes out as broadcast #{broadcast}."));
    let again = app.press(&owner, request.message_id, &format!("p:a:{draft}")).await;
    assert_eq!(again.as_deref(), Some("This draft was sent or discarded already."));

    // A rejected draft goes nowhere, and its author hears why.
    let (second, confirm) =
        confirmation(&app, &local, || drop(app.fake.send_text(&local.user, &local.chat, "/post strikes Gerücht")))
            .await;
    app.press(&local, confirm.message_id, &format!("p:r:{second}")).await;
    let request = with_buttons(&app, &owner);
    let mark = app.fake.mark();
    app.press(&owner, request.message_id, &format!("p:x:{second}")).await;
    let notice = app.next_message_after(mark, LOCAL).await.text.unwrap();
    assert!(notice.ends_with(&format!("rejected your draft #{second} — nothing was sent.")), "{notice}");
    assert!(copy_of(&app, 44_000, "Gerücht").is_none());

    let audit = text_of(&app, &owner, "/audit").await;
    for action in ["submit", "approve", "reject", "grant"] {
        assert!(audit.contains(&format!(" · {action} ")), "{action} missing in {audit}");
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn linked_channels_and_forum_topics_get_the_post_first() {
    let clock = TestClock::default();
    let app = start(TestDatabase::sqlite().await, &clock, false).await;
    let owner = app.member(OWNER, Some("en"));
    let bot = app.fake.bot_user_id();
    app.fake.channel(-100_777, "IG Beispiel News");
    app.fake.set_chat_username(-100_777, "igb_news");
    app.fake.set_member_status(-100_777, bot, "administrator");
    app.fake.channel(-100_778, "Fremder Kanal");
    app.fake.set_member_status(-100_778, bot, "member");
    app.fake.supergroup(-100_900, "Vertrauensleute");
    app.fake.set_member_status(-100_900, bot, "member");
    app.subscribers(45_000..45_003, &["strikes"]).await;

    assert_eq!(
        text_of(&app, &owner, "/channel").await,
        "No channel is linked yet. This is how: /channel <topic> <@channel>"
    );
    let linked = text_of(&app, &owner, "/channel strikes @igb_news").await;
    assert_eq!(linked, "Linked: posts to ✊ Strikes now appear in \"IG Beispiel News\" first.");
    let again = text_of(&app, &owner, "/channel Strikes @IGB_NEWS").await;
    assert_eq!(again, "\"IG Beispiel News\" is linked to ✊ Strikes already.");
    assert!(text_of(&app, &owner, "/channel strikes -100900 17").await.starts_with("Linked:"));
    let refused = text_of(&app, &owner, "/channel strikes -100778").await;
    assert!(refused.starts_with("I may not post in \"Fremder Kanal\""), "{refused}");
    assert!(text_of(&app, &owner, "/channel strikes @nobody_here").await.starts_with("I can't find this channel"));
    assert!(text_of(&app, &owner, "/channel strikes").await.starts_with("To link a channel to a topic"));
    let listing = text_of(&app, &owner, "/channel").await;
    assert!(listing.contains("✊ Strikes → IG Beispiel News (-100777)"), "{listing}");
    assert!(listing.contains("✊ Strikes → Vertrauensleute (-100900 #17)"), "{listing}");
    let member = app.member(45_000, Some("en"));
    assert!(
        text_of(&app, &member, "/channel strikes @igb_news").await.starts_with("Das dürfen nur die Verantwortlichen")
    );

    let (draft, confirm) =
        confirmation(&app, &owner, || drop(app.fake.send_text(&owner.user, &owner.chat, "/post strikes Streik!")))
            .await;
    assert!(confirm.text.as_deref().unwrap().contains("Plus 2 linked channels"), "{:?}", confirm.text);
    let mark = app.fake.mark();
    app.press(&owner, confirm.message_id, &format!("p:s:{draft}")).await;
    let broadcast = app.storage().draft(basis_storage::DraftId(draft)).await.unwrap().unwrap().broadcast_id.unwrap();
    let (progress, _) = app.finished(&owner, broadcast.0, WAIT).await;
    assert_eq!(progress.sent, 5);
    let sends: Vec<_> = app.fake.requests()[mark..]
        .iter()
        .filter(|r| r.is_ok() && r.method == "sendmessage" && r.text() == Some("Streik!"))
        .cloned()
        .collect();
    let order: Vec<i64> = sends.iter().filter_map(chat_of).collect();
    let mut first_two = order[..2].to_vec();
    first_two.sort();
    assert_eq!(first_two, [-100_900, -100_777], "channels first: {order:?}");
    let forum = sends.iter().find(|r| chat_of(r) == Some(-100_900)).unwrap();
    assert_eq!(forum.params["message_thread_id"].as_i64(), Some(17));

    // A retraction reaches the channel copies too.
    let status = text_of(&app, &owner, &format!("/retract {broadcast}")).await;
    let (_, report) = app.finished(&owner, first_number(&status), WAIT).await;
    assert!(report.contains("Deleted: 5 of 5"), "{report}");
    let id = app.storage().delivered_message(broadcast, basis_storage::ChatId(-100_777)).await.unwrap().unwrap();
    assert!(app.message(-100_777, id).deleted);

    let removed = text_of(&app, &owner, "/channel remove strikes @igb_news").await;
    assert_eq!(removed, "\"IG Beispiel News\" no longer gets posts to ✊ Strikes.");
    assert_eq!(app.storage().channels_for(&basis_storage::TopicList::from_stored("strikes")).await.unwrap(), 1);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_reply_to_an_album_posts_the_whole_album_and_a_retraction_removes_it() {
    let clock = TestClock::default();
    let app = start(TestDatabase::sqlite().await, &clock, false).await;
    let owner = app.member(OWNER, Some("en"));
    app.subscribers(47_000..47_004, &["strikes"]).await;

    let mark = app.fake.mark();
    let parts = app.fake.send_album(&owner.user, &owner.chat, 3, Some("Streikposten heute"));
    app.barrier(&owner, mark).await;
    let hints = app.fake.requests()[mark..]
        .iter()
        .filter(|r| r.method == "sendmessage" && r.text().is_some_and(|t| t.starts_with("To send this to members")))
        .count();
    assert_eq!(hints, 1, "one hint for the album, not one per picture");
    let second = parts[1].message_id.unwrap();
    let (draft, confirm) =
        confirmation(&app, &owner, || drop(app.fake.send_reply(&owner.user, &owner.chat, second, "/post strikes")))
            .await;
    let preview = app.fake.requests_for("copymessages");
    assert_eq!(preview.len(), 1, "the preview is the whole album");
    let ids: Vec<i64> = parts.iter().map(|p| p.message_id.unwrap()).collect();
    let sent: Vec<i64> =
        preview[0].params["message_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(sent, ids);

    app.press(&owner, confirm.message_id, &format!("p:s:{draft}")).await;
    let broadcast = app.storage().draft(basis_storage::DraftId(draft)).await.unwrap().unwrap().broadcast_id.unwrap();
    let (progress, _) = app.finished(&owner, broadcast.0, WAIT).await;
    assert_eq!(progress.sent, 4);
    for chat in 47_000..47_004 {
        let got = app.fake.bot_messages_in(chat);
        assert_eq!(got.len(), 3, "chat {chat} has the whole album");
        assert!(got.iter().all(|m| m.kind == "photo" && m.media_group_id.is_some()));
        assert_eq!(got[0].caption.as_deref(), Some("Streikposten heute"));
    }

    let status = text_of(&app, &owner, &format!("/retract {broadcast}")).await;
    let (_, report) = app.finished(&owner, first_number(&status), WAIT).await;
    assert!(report.contains("Deleted: 4 of 4"), "{report}");
    for chat in 47_000..47_004 {
        assert!(app.fake.bot_messages_in(chat).iter().all(|m| m.deleted), "chat {chat} keeps no picture");
    }
    let edit = text_of(&app, &owner, &format!("/edit {broadcast} Neuer Text")).await;
    assert_eq!(edit, format!("Broadcast #{broadcast} is not text; only texts can be changed afterwards."));
    app.stop().await.unwrap();
}

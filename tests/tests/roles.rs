//! Owners grant and revoke organizers with one-time invitations; organizers
//! post within their topics; every action lands in the audit log.

use std::time::Duration;

use basis_storage::testing::TestDatabase;
use basis_tests::{Member, TestApp, TestClock, buttons, invite_link};

const OWNER: i64 = 500;

async fn app(db: TestDatabase, clock: &TestClock) -> TestApp {
    TestApp::spawn_configured(db, clock.hooks(), |c| {
        c.owners = vec![OWNER];
        c.rate_limit = 1000;
        c.paid_broadcast = true;
    })
    .await
}

async fn text_of(app: &TestApp, who: &Member, command: &str) -> String {
    app.ask(who, command).await.text.unwrap_or_default()
}

/// The owner's invitation, as the deep-link payload members' apps send.
async fn invitation(app: &TestApp, owner: &Member, command: &str) -> String {
    let answer = text_of(app, owner, command).await;
    let (payload, link) = invite_link(&answer).unwrap_or_else(|| panic!("no link in {answer}"));
    assert!(link.starts_with("https://t.me/"), "{link}");
    payload
}

#[tokio::test]
async fn an_invitation_makes_one_organizer_with_its_topics_once() {
    for db in TestDatabase::every_engine().await {
        let clock = TestClock::default();
        let app = app(db, &clock).await;
        let owner = app.member(OWNER, Some("en"));
        let local = app.member(600, Some("en"));
        let stranger = app.member(700, Some("en"));
        app.subscribers(30_000..30_005, &["strikes"]).await;

        let payload = invitation(&app, &owner, "/invite strikes").await;
        assert!(payload.starts_with("inv_") && payload.len() == 26, "{payload}");
        // Only the hash is stored: the token itself appears in no table.
        let token = payload.trim_start_matches("inv_").to_owned();
        assert!(!app.db.dump_contains(&token).await, "the token is stored in clear");

        let welcome = text_of(&app, &local, &format!("/start {payload}")).await;
        assert!(welcome.starts_with("Welcome to the team! You are now an organizer for: ✊ Strikes"), "{welcome}");
        let again = text_of(&app, &stranger, &format!("/start {payload}")).await;
        assert_eq!(again, "This invitation has been used already. Please ask for a new one.");
        let reused = text_of(&app, &local, &format!("/start {payload}")).await;
        assert_eq!(reused, "This invitation has been used already. Please ask for a new one.");
        let forged = text_of(&app, &stranger, "/start inv_AAAAAAAAAAAAAAAAAAAAAA").await;
        assert_eq!(forged, "I don't know this invitation. Check the link or ask for a new one.");

        // Within scope the organizer gets a preview; outside it a refusal.
        let mark = app.fake.mark();
        app.fake.send_text(&local.user, &local.chat, "/post strikes Warnstreik ab 6 Uhr");
        app.barrier(&local, mark).await;
        let confirm = app.fake.bot_messages_in(local.chat_id()).into_iter().rev().find(|m| !buttons(m).is_empty());
        let confirm = confirm.expect("a confirmation");
        assert!(confirm.text.as_deref().unwrap().contains("Recipients: 5 chats"), "{:?}", confirm.text);
        let outside = text_of(&app, &local, "/post strikes,energy Strompreise").await;
        assert_eq!(outside, "You may only post to these topics: ✊ Strikes");

        // Organizers are not owners.
        for command in ["/invite", "/organizers", "/revoke 700", "/audit"] {
            let answer = text_of(&app, &local, command).await;
            assert_eq!(answer, "Only this bot's owners (BASIS_OWNERS) may do that.", "{command}");
        }
        let listing = text_of(&app, &owner, "/organizers").await;
        assert!(listing.contains("• 500") && listing.contains("(600) – ✊ Strikes"), "{listing}");
        assert!(!listing.contains("700"), "{listing}");

        // Revoked: the pending draft's Send button no longer works either.
        assert_eq!(text_of(&app, &owner, "/revoke 600").await, "600 is no longer an organizer.");
        assert_eq!(text_of(&app, &owner, "/revoke 600").await, "600 holds no organizer rights.");
        assert!(text_of(&app, &owner, "/revoke 500").await.starts_with("Owners come from the configuration"));
        let send = buttons(&confirm).into_iter().find(|(_, d)| d.starts_with("p:s:")).unwrap().1;
        let toast = app.press(&local, confirm.message_id, &send).await;
        assert_eq!(toast.as_deref(), Some("Only organizers may post."));
        let draft: i64 = send.trim_start_matches("p:s:").parse().unwrap();
        assert_eq!(
            app.storage().draft(basis_storage::DraftId(draft)).await.unwrap().unwrap().status,
            basis_storage::DraftState::Open
        );

        let audit = text_of(&app, &owner, "/audit").await;
        let actions: Vec<&str> =
            audit.lines().skip(1).map(|l| l.split(" · ").nth(2).unwrap().split(' ').next().unwrap()).collect();
        assert_eq!(actions, ["revoke", "draft", "grant", "invite"], "{audit}");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn invitations_expire_and_whole_scope_invitations_cover_every_topic() {
    let clock = TestClock::default();
    let app = app(TestDatabase::sqlite().await, &clock).await;
    let owner = app.member(OWNER, Some("de"));
    let press = app.member(601, Some("de"));

    let late = invitation(&app, &owner, "/invite").await;
    let fresh = invitation(&app, &owner, "/einladen").await;
    clock.advance(Duration::from_secs(24 * 3600 + 1));
    let answer = text_of(&app, &press, &format!("/start {late}")).await;
    assert_eq!(answer, "Diese Einladung ist abgelaufen. Bitte um eine neue.");
    assert!(app.storage().organizer(basis_storage::UserId(601)).await.unwrap().is_none());

    let fresh_too = text_of(&app, &press, &format!("/start {fresh}")).await;
    assert_eq!(fresh_too, "Diese Einladung ist abgelaufen. Bitte um eine neue.", "both were made a day ago");
    let now = invitation(&app, &owner, "/invite").await;
    let accepted = text_of(&app, &press, &format!("/start {now}")).await;
    assert!(accepted.contains("alle Themen"), "{accepted}");
    let preview = text_of(&app, &press, "/post strikes,energy,europe Hallo").await;
    assert_eq!(preview, "Hallo");

    // Bad input changes nothing.
    for (command, expected) in [
        ("/invite atomkraft", "Das Thema „atomkraft“ gibt es nicht"),
        ("/revoke", "So entziehst du Rechte"),
        ("/revoke abc", "So entziehst du Rechte"),
        ("/revoke -5", "So entziehst du Rechte"),
    ] {
        let answer = text_of(&app, &owner, command).await;
        assert!(answer.starts_with(expected), "{command} → {answer}");
    }
    assert_eq!(app.storage().organizers().await.unwrap().len(), 1);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn organizer_commands_stay_out_of_groups() {
    let clock = TestClock::default();
    let app = app(TestDatabase::sqlite().await, &clock).await;
    let owner = app.member(OWNER, Some("en"));
    let group = app.fake.group(-4_000, "Betriebsgruppe");
    let in_group = app.in_group(&owner.user, &group, "administrator");
    for command in ["/post strikes Hallo", "/invite", "/organizers", "/audit"] {
        let answer = text_of(&app, &in_group, command).await;
        assert_eq!(answer, "Organizer commands only work in the private chat with me.", "{command}");
    }
    let payload = invitation(&app, &owner, "/invite").await;
    let member = app.member(650, Some("en"));
    let in_group = app.in_group(&member.user, &group, "member");
    let answer = text_of(&app, &in_group, &format!("/start {payload}")).await;
    assert_eq!(answer, "Invitations can only be accepted in the private chat with me.");
    assert!(app.storage().organizers().await.unwrap().is_empty());
    app.stop().await.unwrap();
}

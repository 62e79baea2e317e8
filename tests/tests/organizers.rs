//! Organizers post from inside Telegram: preview, confirmation, once only.

use basis::Hooks;
use basis_storage::testing::TestDatabase;
use basis_tests::{Member, TestApp, buttons, chat_of};

const OWNER: i64 = 500;

async fn app_with_owner(db: TestDatabase) -> TestApp {
    TestApp::spawn_configured(db, Hooks::default(), |c| {
        c.owners = vec![OWNER];
        c.rate_limit = 1000;
        c.paid_broadcast = true;
    })
    .await
}

/// Sends `/post …` and returns the confirmation message with its buttons.
async fn draft(app: &TestApp, owner: &Member, command: &str) -> (i64, basis_telegram_fake::TgMessageState) {
    let mark = app.fake.mark();
    app.fake.send_text(&owner.user, &owner.chat, command);
    app.barrier(owner, mark).await;
    let confirm = app
        .fake
        .bot_messages_in(owner.chat_id())
        .into_iter()
        .rev()
        .find(|m| !buttons(m).is_empty())
        .expect("a confirmation with buttons");
    let send = buttons(&confirm).into_iter().find(|(_, data)| data.starts_with("p:s:")).expect("a Send button");
    (send.1.trim_start_matches("p:s:").parse().unwrap(), confirm)
}

fn copies(app: &TestApp, text: &str) -> usize {
    app.fake.requests().iter().filter(|r| r.is_ok() && r.method == "sendmessage" && r.text() == Some(text)).count()
}

#[tokio::test]
async fn an_owner_previews_a_post_and_a_double_press_sends_it_once() {
    for db in TestDatabase::every_engine().await {
        let app = app_with_owner(db).await;
        let owner = app.member(OWNER, Some("de"));
        app.subscribers(20_000..20_040, &["strikes"]).await;
        app.subscribers(20_100..20_110, &["energy"]).await;

        let preview = app.ask(&owner, "/post strikes Warnstreik morgen ab 6 Uhr!").await;
        assert_eq!(preview.text.as_deref(), Some("Warnstreik morgen ab 6 Uhr!"), "the preview is the post itself");
        let (draft, confirm) = draft(&app, &owner, "/post strikes,ENERGY Urabstimmung beginnt").await;
        let text = confirm.text.unwrap();
        assert!(text.contains("Empfänger: 50 Chats"), "{text}");
        assert_eq!(copies(&app, "Urabstimmung beginnt"), 1, "only the preview before Send");

        let first = app.press(&owner, confirm.message_id, &format!("p:s:{draft}")).await;
        assert_eq!(first.as_deref(), Some("Erledigt."));
        let again = app.press(&owner, confirm.message_id, &format!("p:s:{draft}")).await;
        assert_eq!(again.as_deref(), Some("Dieser Entwurf wurde schon gesendet oder verworfen."));

        let broadcast =
            app.storage().draft(basis_storage::DraftId(draft)).await.unwrap().unwrap().broadcast_id.expect("queued");
        let (progress, report) = app.finished(&owner, broadcast.0, std::time::Duration::from_secs(60)).await;
        assert_eq!(progress.sent, 50, "{report}");
        assert_eq!(copies(&app, "Urabstimmung beginnt"), 51, "preview + one per member");
        // The confirmation turned into the report, without buttons.
        let report_message = app.message(owner.chat_id(), confirm.message_id);
        assert!(report_message.reply_markup.is_none());
        assert!(report_message.text.unwrap().starts_with("✅ Sendung"));
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn members_cannot_post_or_press_an_organizers_buttons() {
    let db = TestDatabase::sqlite().await;
    let app = app_with_owner(db).await;
    let owner = app.member(OWNER, Some("en"));
    let member = app.member(20_200, Some("en"));
    app.subscribers(20_300..20_310, &["europe"]).await;

    let refusal = app.ask(&member, "/post europe Fake news").await;
    assert_eq!(refusal.text.as_deref(), Some("Only organizers may post."));
    let (draft, confirm) = draft(&app, &owner, "/post europe Real news").await;
    // A member replays the owner's button data in their own chat…
    let mine = app.ask(&member, "/topics").await;
    let toast = app.press(&member, mine.message_id, &format!("p:s:{draft}")).await;
    assert_eq!(toast.as_deref(), Some("Only organizers may post."));
    // …or even presses it under the owner's message.
    let forged = basis_tests::Member { user: member.user.clone(), chat: owner.chat.clone() };
    let toast = app.press(&forged, confirm.message_id, &format!("p:u:{draft}")).await;
    assert_eq!(toast.as_deref(), Some("Only organizers may post."));
    assert_eq!(
        app.storage().draft(basis_storage::DraftId(draft)).await.unwrap().unwrap().status,
        basis_storage::DraftState::Open,
        "nothing was queued"
    );
    assert_eq!(copies(&app, "Real news"), 1, "only the preview");

    // The owner discards it; Send afterwards does nothing.
    assert_eq!(app.press(&owner, confirm.message_id, &format!("p:c:{draft}")).await.as_deref(), Some("Done."));
    assert_eq!(app.message(owner.chat_id(), confirm.message_id).text.as_deref(), Some("Discarded — nothing was sent."));
    let late = app.press(&owner, confirm.message_id, &format!("p:s:{draft}")).await;
    assert_eq!(late.as_deref(), Some("This draft was sent or discarded already."));
    assert_eq!(copies(&app, "Real news"), 1);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn bad_posts_get_a_clear_answer_and_queue_nothing() {
    let db = TestDatabase::sqlite().await;
    let app = app_with_owner(db).await;
    let owner = app.member(OWNER, Some("de"));
    let too_long = format!("/post strikes {}", "x".repeat(4097));
    let cases = [
        ("/post strikes", "So postest du"),
        ("/post strikes    ", "So postest du"),
        ("/post atomkraft Hallo", "Das Thema „atomkraft“ gibt es nicht"),
        ("/post strikes,nope Hallo", "Das Thema „nope“ gibt es nicht"),
        (too_long.as_str(), "Der Text ist 4097 Zeichen lang"),
    ];
    for (command, expected) in cases {
        let answer = app.ask(&owner, command).await.text.unwrap();
        assert!(answer.starts_with(expected), "{command:.40} → {answer}");
    }
    let queued = app.fake.requests().iter().filter(|r| r.method == "sendmessage" && chat_of(r) != Some(OWNER)).count();
    assert_eq!(queued, 0);
    app.stop().await.unwrap();
}

//! Bad input, failing handlers and a bad start: the bot answers clearly or
//! stays silent, never panics, never changes a row it should not.

use std::sync::Arc;

use basis::{Application, Hooks, StartError};
use basis_storage::testing::TestDatabase;
use basis_telegram_fake::FakeTelegram;
use basis_tests::{TestApp, chat_of, config_for};
use teloxide::types::{Update, UpdateKind};

fn text_of(update: &Update) -> Option<&str> {
    match &update.kind {
        UpdateKind::Message(m) => m.text(),
        _ => None,
    }
}

/// teloxide issue #1435: a panic kills the chat's worker and the chat's next
/// update then takes the process down. Here the bot apologises and carries on.
#[tokio::test]
async fn a_panicking_handler_does_not_stop_the_bot() {
    let probe = Arc::new(|update: &Update| {
        if text_of(update) == Some("/help 💥") {
            panic!("a handler failed on purpose");
        }
    });
    let db = TestDatabase::sqlite().await;
    let app = TestApp::spawn_with(db, Hooks { probe: Some(probe), ..Hooks::default() }).await;
    let anna = app.member(3001, Some("de"));
    let ben = app.member(3002, Some("en"));
    for _ in 0..3 {
        let apology = app.ask(&anna, "/help 💥").await;
        assert_eq!(apology.text.as_deref(), Some("Da ist etwas schiefgegangen. Bitte versuche es gleich noch einmal."));
        // The same chat, and everyone else, are still served.
        let answer = app.ask(&anna, "/subscribe strikes").await.text.unwrap();
        assert!(answer.starts_with("✅") || answer.starts_with("Du folgst"), "{answer}");
        assert!(app.ask(&ben, "/help").await.text.unwrap().starts_with("How it works"));
    }
    assert_eq!(app.subscriptions(anna.chat_id()).await, ["strikes"]);
    app.stop().await.expect("a clean shutdown after panics");
}

#[tokio::test]
async fn a_database_failure_gets_an_apology_not_silence() {
    let db = TestDatabase::sqlite().await;
    let app = TestApp::spawn(db).await;
    let anna = app.member(3010, Some("en"));
    app.ask(&anna, "/subscribe europe").await;
    app.db.sabotage().await;
    let answer = app.ask(&anna, "/mytopics").await;
    assert_eq!(answer.text.as_deref(), Some("Something went wrong. Please try again in a moment."));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn garbage_and_hostile_input_get_clear_answers_and_change_nothing() {
    for db in TestDatabase::every_engine().await {
        let app = TestApp::spawn(db).await;
        let anna = app.member(3020, Some("de"));
        app.ask(&anna, "/start energy").await;

        let long = "ä".repeat(4000);
        let cases = [
            (format!("/subscribe {long}"), "Das Thema „"),
            (format!("/unsubscribe {long}"), "Das Thema „"),
            (long.clone(), "Ich verstehe nur Befehle"),
            ("/subscribe 🔥🔥🔥".to_owned(), "Das Thema „🔥🔥🔥“ kenne ich nicht"),
            ("/subscribe שביתות".to_owned(), "Das Thema „שביתות“ kenne ich nicht"),
            ("/subscribe energy europe strikes".to_owned(), "Das Thema „energy europe strikes“ kenne ich nicht"),
            ("/unsubscribe".to_owned(), "Bitte nenne ein Thema"),
            ("/frobnicate".to_owned(), "Diesen Befehl kenne ich nicht"),
            ("/".to_owned(), "Ich verstehe nur Befehle"),
            ("/language 💥".to_owned(), "Diese Sprache gibt es nicht"),
            ("مرحبا".to_owned(), "Ich verstehe nur Befehle"),
        ];
        for (input, expected) in cases {
            let answer = app.ask(&anna, &input).await.text.unwrap();
            assert!(answer.starts_with(expected), "{input:.40} → {answer:.80}");
            assert!(answer.chars().count() <= 4096, "answers fit into one Telegram message");
        }
        assert_eq!(app.subscriptions(anna.chat_id()).await, ["energy"]);
        let stored = app.storage().chat(basis_storage::ChatId(anna.chat_id())).await.unwrap().unwrap();
        assert_eq!(stored.locale, "de");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn edits_channel_posts_and_unknown_update_kinds_are_ignored() {
    let db = TestDatabase::sqlite().await;
    let app = TestApp::spawn(db).await;
    let anna = app.member(3030, Some("de"));
    let sent = app.ask(&anna, "/subscribe energy").await;
    let mark = app.fake.mark();
    // Editing an old command does not run it again.
    let own = app.fake.send_text(&anna.user, &anna.chat, "/subscribe strikes");
    app.fake.edit_text(&anna.user, &anna.chat, own.message_id.unwrap(), "/unsubscribe energy");
    let channel = app.fake.channel(-1009999, "Kanal");
    app.fake.channel_post(&channel, "/stop");
    app.fake.inject_raw(serde_json::json!({
        "message_reaction": {"chat": {"id": 3030, "type": "private", "first_name": "Alex"}, "message_id": sent.message_id,
            "date": 1764000000, "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}
    }));
    app.fake
        .inject_raw(serde_json::json!({"poll": {"id": "p1", "question": "?", "options": [], "total_voter_count": 0,
        "is_closed": false, "is_anonymous": true, "type": "regular", "allows_multiple_answers": false}}));
    let during = app.barrier(&anna, mark).await;
    let answers: Vec<_> = during.iter().filter(|r| r.method == "sendmessage").collect();
    assert_eq!(answers.len(), 1, "only the new /subscribe is answered: {answers:?}");
    assert!(during.iter().all(|r| chat_of(r) != Some(-1009999)), "{during:?}");
    assert_eq!(app.subscriptions(anna.chat_id()).await, ["energy", "strikes"]);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_wrong_token_is_reported_clearly_and_never_printed() {
    let fake = FakeTelegram::start().await;
    let db = TestDatabase::sqlite().await;
    let mut config = config_for(&fake, &db);
    config.token = Some("999:wrong-and-secret".to_owned().into());
    let app = Application::build(config, Hooks::default()).await.unwrap();
    let error = app.run(tokio_util::sync::CancellationToken::new()).await.unwrap_err();
    assert!(matches!(error, StartError::BadToken), "{error:?}");
    assert!(!format!("{error} {error:?}").contains("wrong-and-secret"));

    let mut config = config_for(&fake, &db);
    config.api_url = "http://127.0.0.1:9/".to_owned();
    let app = Application::build(config, Hooks::default()).await.unwrap();
    let error = app.run(tokio_util::sync::CancellationToken::new()).await.unwrap_err();
    assert!(matches!(error, StartError::Unreachable(..)), "{error:?}");
    let chain = format!("{error} {:?}", std::error::Error::source(&error));
    assert!(!chain.contains(fake.token()), "{chain}");
}

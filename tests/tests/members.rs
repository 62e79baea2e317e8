//! A member's life with the bot, end to end, on every engine.

use basis_storage::testing::TestDatabase;
use basis_storage::{ChatKind, ChatStatus};
use basis_tests::{TestApp, buttons, chat_of};

async fn apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in TestDatabase::every_engine().await {
        apps.push(TestApp::spawn(db).await);
    }
    apps
}

#[tokio::test]
async fn start_greets_in_german_with_privacy_notice_and_topic_keyboard() {
    for app in apps().await {
        let anna = app.member(1001, Some("de"));
        let welcome = app.ask(&anna, "/start").await;
        let text = welcome.text.clone().unwrap();
        assert!(text.contains("Willkommen bei IG Beispiel"), "{text}");
        assert!(text.contains("Datenschutz") && text.contains("/stop"), "{text}");
        let labels: Vec<_> = buttons(&welcome).into_iter().map(|(l, d)| format!("{l}|{d}")).collect();
        assert_eq!(labels, ["⬜ ⚡ Energie & Klima|t:energy", "⬜ 🇪🇺 Europa|t:europe", "⬜ ✊ Streiks|t:strikes"]);
        // Greeting stores nothing: consent comes with the first choice.
        assert!(app.storage().chat(basis_storage::ChatId(anna.chat_id())).await.unwrap().is_none());
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn an_english_app_gets_english_and_unknown_languages_get_german() {
    for app in apps().await {
        let ben = app.member(1002, Some("en-GB"));
        let welcome = app.ask(&ben, "/start").await;
        assert!(welcome.text.unwrap().starts_with("Welcome to IG Beispiel"));
        let claire = app.member(1003, Some("fr"));
        assert!(app.ask(&claire, "/help").await.text.unwrap().starts_with("So funktioniert es"));
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn deep_link_subscribes_at_once_and_bad_payloads_get_the_welcome() {
    for app in apps().await {
        let anna = app.member(1010, Some("de"));
        let answer = app.ask(&anna, "/start strikes").await;
        assert_eq!(answer.text.as_deref(), Some("✅ Du bekommst jetzt Neuigkeiten zu ✊ Streiks."));
        assert!(buttons(&answer).iter().any(|(l, _)| l == "✅ ✊ Streiks"));
        assert_eq!(app.subscriptions(anna.chat_id()).await, ["strikes"]);
        let chat = app.storage().chat(basis_storage::ChatId(anna.chat_id())).await.unwrap().unwrap();
        assert_eq!((chat.kind, chat.status, chat.locale.as_str()), (ChatKind::Private, ChatStatus::Active, "de"));

        let ben = app.member(1011, Some("en"));
        for payload in ["nonsense", "STRIKES%20", "a b c", &"x".repeat(80), "ström"] {
            let answer = app.ask(&ben, &format!("/start {payload}")).await;
            assert!(answer.text.unwrap().starts_with("Welcome"), "{payload}");
        }
        // An invitation payload that matches no invitation says so.
        let answer = app.ask(&ben, "/start inv_xyz").await;
        assert!(answer.text.unwrap().starts_with("I don't know this invitation"));
        assert!(app.storage().chat(basis_storage::ChatId(ben.chat_id())).await.unwrap().is_none());
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn pressing_a_topic_toggles_it_and_edits_the_keyboard_in_place() {
    for app in apps().await {
        let anna = app.member(1020, Some("de"));
        let keyboard = app.ask(&anna, "/topics").await;
        let toast = app.press(&anna, keyboard.message_id, "t:energy").await;
        assert_eq!(toast.as_deref(), Some("✅ ⚡ Energie & Klima: an"));
        assert_eq!(app.subscriptions(anna.chat_id()).await, ["energy"]);
        let edited = app.message(anna.chat_id(), keyboard.message_id);
        assert!(edited.edits >= 1);
        assert_eq!(buttons(&edited)[0].0, "✅ ⚡ Energie & Klima");

        let toast = app.press(&anna, keyboard.message_id, "t:energy").await;
        assert_eq!(toast.as_deref(), Some("☑️ ⚡ Energie & Klima: aus"));
        assert!(app.subscriptions(anna.chat_id()).await.is_empty());
        assert_eq!(buttons(&app.message(anna.chat_id(), keyboard.message_id))[0].0, "⬜ ⚡ Energie & Klima");
        // No new messages: the keyboard changed where it was.
        assert_eq!(app.fake.bot_messages_in(anna.chat_id()).len(), 1);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn stale_or_forged_buttons_get_a_polite_answer_and_change_nothing() {
    for app in apps().await {
        let anna = app.member(1030, Some("en"));
        let keyboard = app.ask(&anna, "/start europe").await;
        for data in ["t:atomkraft", "t:", "stop:maybe", "lang:xx", "garbage", "t:Energy", "💥", &"t:".repeat(40)] {
            let toast = app.press(&anna, keyboard.message_id, data).await;
            assert_eq!(
                toast.as_deref(),
                Some("This button is no longer valid. Send /topics for a fresh choice."),
                "{data}"
            );
        }
        assert_eq!(app.subscriptions(anna.chat_id()).await, ["europe"]);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn subscribe_and_unsubscribe_take_keys_or_localized_names_in_any_case() {
    for app in apps().await {
        let anna = app.member(1040, Some("de"));
        let said = |m: basis_telegram_fake::TgMessageState| m.text.unwrap();
        assert_eq!(
            said(app.ask(&anna, "/subscribe ENERGY").await),
            "✅ Du bekommst jetzt Neuigkeiten zu ⚡ Energie & Klima."
        );
        assert_eq!(said(app.ask(&anna, "/subscribe europa").await), "✅ Du bekommst jetzt Neuigkeiten zu 🇪🇺 Europa.");
        assert_eq!(said(app.ask(&anna, "/subscribe Energy & Climate").await), "Du folgst ⚡ Energie & Klima bereits.");
        assert_eq!(app.subscriptions(anna.chat_id()).await, ["energy", "europe"]);

        let unknown = said(app.ask(&anna, "/subscribe Atomkraft").await);
        assert!(unknown.starts_with("Das Thema „Atomkraft“ kenne ich nicht"), "{unknown}");
        assert!(unknown.contains("✊ Streiks — /subscribe strikes"), "{unknown}");
        let missing = said(app.ask(&anna, "/subscribe").await);
        assert!(missing.starts_with("Bitte nenne ein Thema"), "{missing}");

        assert_eq!(
            said(app.ask(&anna, "/unsubscribe Europa").await),
            "☑️ Du bekommst keine Neuigkeiten mehr zu 🇪🇺 Europa."
        );
        assert_eq!(said(app.ask(&anna, "/unsubscribe strikes").await), "Du folgst ✊ Streiks gar nicht.");
        let unknown = said(app.ask(&anna, "/unsubscribe nope").await);
        assert!(unknown.contains("— /unsubscribe strikes"), "{unknown}");
        assert_eq!(app.subscriptions(anna.chat_id()).await, ["energy"]);

        let mine = said(app.ask(&anna, "/mytopics").await);
        assert_eq!(mine, "Du folgst diesen Themen:\n⚡ Energie & Klima");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn privacy_tells_exactly_what_is_stored() {
    for app in apps().await {
        let ben = app.member(1050, Some("en"));
        let nothing = app.ask(&ben, "/privacy").await.text.unwrap();
        assert!(nothing.starts_with("Nothing is stored about this chat"), "{nothing}");
        app.ask(&ben, "/subscribe strikes").await;
        let report = app.ask(&ben, "/privacy").await.text.unwrap();
        assert!(report.contains("• Chat number: 1050"), "{report}");
        assert!(report.contains("• Kind of chat: private chat"), "{report}");
        assert!(report.contains("• Language: English"), "{report}");
        assert!(report.contains("• Topics: ✊ Strikes"), "{report}");
        assert!(report.contains("Agreed since: 20"), "{report}");
        assert!(!report.contains("Alex"), "no names are stored or shown");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn stop_deletes_the_chats_data_after_confirmation() {
    for app in apps().await {
        let anna = app.member(1060, Some("de"));
        app.ask(&anna, "/start energy").await;
        app.ask(&anna, "/subscribe strikes").await;

        let question = app.ask(&anna, "/stop").await;
        let options = buttons(&question);
        assert_eq!(options.iter().map(|(_, d)| d.as_str()).collect::<Vec<_>>(), ["stop:y", "stop:n"]);
        app.press(&anna, question.message_id, "stop:n").await;
        assert_eq!(app.subscriptions(anna.chat_id()).await, ["energy", "strikes"]);
        assert_eq!(
            app.message(anna.chat_id(), question.message_id).text.as_deref(),
            Some("Abgebrochen – es bleibt alles, wie es war.")
        );

        let question = app.ask(&anna, "/stop").await;
        app.press(&anna, question.message_id, "stop:y").await;
        let done = app.message(anna.chat_id(), question.message_id);
        assert!(done.text.unwrap().starts_with("Erledigt"));
        assert!(done.reply_markup.is_none(), "the buttons are gone");
        assert!(app.storage().chat(basis_storage::ChatId(anna.chat_id())).await.unwrap().is_none());
        assert!(app.subscriptions(anna.chat_id()).await.is_empty());
        // A replayed confirmation finds nothing left to delete.
        assert_eq!(
            app.press(&anna, question.message_id, "stop:y").await.unwrap(),
            "Über diesen Chat ist nichts gespeichert; es gibt nichts zu löschen."
        );
        assert!(app.ask(&anna, "/stop").await.text.unwrap().starts_with("Über diesen Chat ist nichts gespeichert"));
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn language_can_be_chosen_by_command_or_button() {
    for app in apps().await {
        let anna = app.member(1070, Some("de"));
        assert_eq!(app.ask(&anna, "/language en").await.text.as_deref(), Some("The language is now English."));
        assert!(app.ask(&anna, "/help").await.text.unwrap().starts_with("How it works"));
        let prompt = app.ask(&anna, "/language").await;
        assert_eq!(
            buttons(&prompt),
            [("Deutsch".to_owned(), "lang:de".to_owned()), ("English".to_owned(), "lang:en".to_owned())]
        );
        assert_eq!(
            app.press(&anna, prompt.message_id, "lang:de").await.as_deref(),
            Some("Die Sprache ist jetzt Deutsch.")
        );
        assert!(app.ask(&anna, "/help").await.text.unwrap().starts_with("So funktioniert es"));
        assert!(app.ask(&anna, "/language klingonisch").await.text.unwrap().starts_with("Diese Sprache gibt es nicht"));
        assert_eq!(app.storage().chat(basis_storage::ChatId(anna.chat_id())).await.unwrap().unwrap().locale, "de");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn in_groups_only_admins_change_the_topics() {
    for app in apps().await {
        let group = app.fake.supergroup(-1001234, "Vertrauensleute Werk 3");
        let admin_user = app.fake.user(2001, "Admin", Some("de"));
        let member_user = app.fake.user(2002, "Mitglied", Some("de"));
        let admin = app.in_group(&admin_user, &group, "administrator");
        let member = app.in_group(&member_user, &group, "member");

        let refusal = app.ask(&member, "/subscribe strikes").await.text.unwrap();
        assert_eq!(refusal, "Nur die Admins dieser Gruppe können ihre Themen ändern.");
        assert!(app.storage().chat(basis_storage::ChatId(group.id)).await.unwrap().is_none());

        app.ask(&admin, "/subscribe@basis_test_bot strikes").await;
        assert_eq!(app.subscriptions(group.id).await, ["strikes"]);
        assert_eq!(
            app.storage().chat(basis_storage::ChatId(group.id)).await.unwrap().unwrap().kind,
            ChatKind::Supergroup
        );

        let keyboard = app.ask(&member, "/topics").await;
        let toast = app.press(&member, keyboard.message_id, "t:energy").await;
        assert_eq!(toast.as_deref(), Some("Nur die Admins dieser Gruppe können ihre Themen ändern."));
        assert_eq!(app.subscriptions(group.id).await, ["strikes"]);
        app.press(&admin, keyboard.message_id, "t:energy").await;
        assert_eq!(app.subscriptions(group.id).await, ["energy", "strikes"]);

        // The check is made when they act: a demoted admin is refused.
        app.fake.set_member_status(group.id, admin_user.id, "member");
        assert_eq!(
            app.press(&admin, keyboard.message_id, "t:energy").await.as_deref(),
            Some("Nur die Admins dieser Gruppe können ihre Themen ändern.")
        );
        assert!(app.fake.requests_for("getchatmember").len() >= 4);

        // Commands for other bots and group chatter are not for us.
        let quiet = app.say_expecting_silence(&member, "/start@some_other_bot").await;
        assert!(quiet.iter().all(|r| chat_of(r) != Some(group.id)), "{quiet:?}");
        let quiet = app.say_expecting_silence(&member, "Guten Morgen zusammen").await;
        assert!(quiet.iter().all(|r| chat_of(r) != Some(group.id)), "{quiet:?}");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn membership_updates_record_blocks_and_removals() {
    for app in apps().await {
        let anna = app.member(1080, Some("de"));
        app.ask(&anna, "/start energy").await;
        let mark = app.fake.mark();
        app.fake.bot_membership_changed(&anna.chat, &anna.user, "member", "kicked");
        app.barrier(&anna, mark).await;
        assert_eq!(
            app.storage().chat(basis_storage::ChatId(anna.chat_id())).await.unwrap().unwrap().status,
            ChatStatus::Blocked
        );
        assert_eq!(app.storage().audience_size(&basis_storage::TopicList::from_stored("energy")).await.unwrap(), 0);
        let mark = app.fake.mark();
        app.fake.bot_membership_changed(&anna.chat, &anna.user, "kicked", "member");
        app.barrier(&anna, mark).await;
        assert_eq!(
            app.storage().chat(basis_storage::ChatId(anna.chat_id())).await.unwrap().unwrap().status,
            ChatStatus::Active
        );

        // A group that adds the bot is remembered; removing it marks it left.
        let group = app.fake.group(-555, "Ortsverein");
        let admin = app.in_group(&app.fake.user(2101, "Vorsitz", Some("de")), &group, "creator");
        let mark = app.fake.mark();
        app.fake.bot_membership_changed(&group, &admin.user, "left", "member");
        app.barrier(&admin, mark).await;
        assert_eq!(app.storage().chat(basis_storage::ChatId(-555)).await.unwrap().unwrap().kind, ChatKind::Group);
        let mark = app.fake.mark();
        app.fake.bot_membership_changed(&group, &admin.user, "member", "left");
        app.barrier(&admin, mark).await;
        assert_eq!(app.storage().chat(basis_storage::ChatId(-555)).await.unwrap().unwrap().status, ChatStatus::Left);
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn command_menus_are_registered_per_language() {
    for app in apps().await {
        let de = app.fake.my_commands(Some("de"));
        let en = app.fake.my_commands(Some("en"));
        assert_eq!(de.len(), 10);
        assert_eq!(
            de.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
            en.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>()
        );
        assert!(de.contains(&("topics".to_owned(), "Themen wählen".to_owned())));
        assert!(en.contains(&("topics".to_owned(), "Choose topics".to_owned())));
        assert_eq!(app.fake.my_commands(None), de);
        app.stop().await.unwrap();
    }
}

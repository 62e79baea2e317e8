//! The union local's bot end to end, against the fake Bot API, on every
//! engine: its own command, listener, button and table, next to everything
//! Basis does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use basis::sqlx;
use basis::{DefaultPlugins, Hooks, Plugin, PluginGroup, PluginPool};
use basis_storage::testing::TestDatabase;
use basis_tests::{TestApp, buttons};
use union_local::{Settings, UnionLocal};

const PATIENCE: Duration = Duration::from_secs(20);

fn settings() -> Settings {
    Settings { strike_pay_cents: 8750, picket_contact: "Tor 3, Jana".into(), topic: "strikes".into() }
}

fn plugins() -> Vec<Arc<dyn Plugin>> {
    let mut plugins = DefaultPlugins::default().into_plugins();
    plugins.push(Arc::new(UnionLocal { settings: settings() }));
    plugins
}

async fn apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in TestDatabase::every_engine().await {
        apps.push(TestApp::spawn_plugins(db, None, Hooks::default(), |_| {}, plugins()).await);
    }
    apps
}

/// One number from the plugin's tables.
async fn count(app: &TestApp, sql: &'static str, chat: i64) -> i64 {
    match app.storage().plugin_pool() {
        PluginPool::Sqlite(p) => sqlx::query_scalar(sql).bind(chat).fetch_one(p).await.unwrap(),
        PluginPool::Postgres(p) => sqlx::query_scalar(sql).bind(chat).fetch_one(p).await.unwrap(),
    }
}

/// Waits until the plugin's tables say `want` (listeners run after the
/// answer, in a task of their own).
async fn until(app: &TestApp, sql: &'static str, chat: i64, want: i64) {
    let deadline = Instant::now() + PATIENCE;
    while count(app, sql, chat).await != want {
        assert!(Instant::now() < deadline, "`{sql}` for {chat} never became {want}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const TIMES: &str = "SELECT COALESCE(MAX(times), 0) FROM union_local_welcomed WHERE chat_id = $1";
const PICKETS: &str = "SELECT COUNT(*) FROM union_local_pickets WHERE chat_id = $1";

/// The welcome the listener sends `chat` after `mark`.
async fn welcome_after(app: &TestApp, mark: usize, chat: i64) -> basis_telegram_fake::RecordedRequest {
    let welcome = |r: &basis_telegram_fake::RecordedRequest| {
        r.method == "sendmessage"
            && r.is_ok()
            && r.params["chat_id"] == chat
            && r.params["text"].as_str().is_some_and(|t| t.contains("Tor 3"))
    };
    app.fake.wait_for_request_after(mark, welcome, PATIENCE).await.expect("the welcome")
}

fn welcomes(app: &TestApp, chat: i64) -> Vec<String> {
    app.received(chat).into_iter().filter(|t| t.contains("Tor 3, Jana")).collect()
}

#[tokio::test]
async fn strike_pay_is_answered_in_the_members_language_and_listed_in_menu_and_help() {
    for app in apps().await {
        let engine = app.db.engine();
        // The menu Telegram shows, per language, has the plugin's command.
        for (language, about) in [("de", "Streikgeld pro Streiktag"), ("en", "Strike pay per strike day")] {
            let menu = app
                .fake
                .requests_for("setMyCommands")
                .into_iter()
                .find(|r| r.params["language_code"] == language)
                .expect("a menu per language");
            let commands = menu.params["commands"].as_array().unwrap().clone();
            let found = commands.iter().find(|c| c["command"] == "strikepay");
            assert_eq!(found.map(|c| c["description"].clone()), Some(about.into()), "{engine:?} {language}");
            assert_eq!(commands[0]["command"], "start", "Basis's own commands come first");
        }

        let anna = app.member(4001, Some("de"));
        let answer = app.ask(&anna, "/strikepay").await.text.unwrap();
        assert!(answer.starts_with("Streikgeld: 87,50 € pro Streiktag"), "{engine:?}: {answer}");
        let alias = app.ask(&anna, "/streikgeld").await.text.unwrap();
        assert_eq!(alias, answer, "the German alias");
        let ben = app.member(4002, Some("en"));
        let answer = app.ask(&ben, "/strikepay").await.text.unwrap();
        assert!(answer.starts_with("Strike pay: €87.50 per strike day"), "{engine:?}: {answer}");
        let help = app.ask(&ben, "/help").await.text.unwrap();
        assert!(help.contains("\n/strikepay – Strike pay per strike day"), "{help}");

        // Everything Basis does is still there.
        let topics = app.ask(&anna, "/topics").await;
        assert!(buttons(&topics).iter().any(|(_, data)| data == "t:strikes"), "{engine:?}");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_new_striker_is_welcomed_once_signs_up_for_picket_duty_and_is_forgotten_on_stop() {
    for app in apps().await {
        let engine = app.db.engine();
        let anna = app.member(4101, Some("de"));
        let chat = anna.chat_id();
        // The QR code at the gate: the join's answer, then the welcome.
        let mark = app.fake.mark();
        let answer = app.ask(&anna, "/start strikes").await;
        assert_eq!(answer.text.as_deref(), Some("✅ Du bekommst jetzt Neuigkeiten zu ✊ Streiks."));
        let welcome = welcome_after(&app, mark, chat).await;
        let text = welcome.params["text"].as_str().unwrap();
        assert!(text.starts_with("Willkommen bei den Streik-Nachrichten von IG Beispiel!"), "{engine:?}: {text}");
        let keyboard = &welcome.params["reply_markup"]["inline_keyboard"][0][0];
        assert_eq!(
            (keyboard["text"].as_str(), keyboard["callback_data"].as_str()),
            (Some("Streikposten eintragen"), Some("picket:sign"))
        );
        until(&app, TIMES, chat, 1).await;

        // Following it again is not welcomed again.
        app.ask(&anna, "/unsubscribe strikes").await;
        app.ask(&anna, "/subscribe strikes").await;
        until(&app, TIMES, chat, 2).await;
        assert_eq!(welcomes(&app, chat).len(), 1, "{engine:?}: welcomed once");

        let message = basis_tests::message_id_of(&welcome).unwrap();
        let toast = app.press(&anna, message, "picket:sign").await;
        assert_eq!(toast.as_deref(), Some("Danke! Du bist für den Streikposten eingetragen."), "{engine:?}");
        assert_eq!(count(&app, PICKETS, chat).await, 1);
        let toast = app.press(&anna, message, "picket:sign").await;
        assert_eq!(toast.as_deref(), Some("Du bist schon für den Streikposten eingetragen."));
        // Forged data in the plugin's namespace changes nothing.
        let toast = app.press(&anna, message, "picket:everyone").await;
        assert!(toast.is_some_and(|t| t.starts_with("Dieser Knopf ist nicht mehr gültig")), "{engine:?}");
        assert_eq!(count(&app, PICKETS, chat).await, 1);

        // A member who chooses by button, in English.
        let ben = app.member(4102, Some("en"));
        let topics = app.ask(&ben, "/topics").await;
        let mark = app.fake.mark();
        app.press(&ben, topics.message_id, "t:strikes").await;
        let welcome = app
            .fake
            .wait_for_request_after(
                mark,
                |r| r.method == "sendmessage" && r.params["chat_id"] == ben.chat_id() && r.is_ok(),
                PATIENCE,
            )
            .await
            .expect("the welcome");
        let text = welcome.params["text"].as_str().unwrap();
        assert!(text.starts_with("Welcome to IG Beispiel's strike news! Picket line contact: Tor 3, Jana"), "{text}");

        // `/privacy` and `/mydata` show what the plugin keeps too.
        let privacy = app.ask(&anna, "/privacy").await;
        let privacy = privacy.text.unwrap_or_default();
        assert!(privacy.contains("dass du dich für den Streikposten eingetragen hast"), "{engine:?}: {privacy}");
        let mark = app.fake.mark();
        app.fake.send_text(&anna.user, &anna.chat, "/mydata");
        let sent = app
            .fake
            .wait_for_request_after(mark, |r| r.method == "senddocument" && r.params["chat_id"] == chat, PATIENCE)
            .await
            .expect("the data as a file");
        let data: serde_json::Value = serde_json::from_slice(&sent.files[0].bytes).expect("JSON");
        assert!(data["union_local"]["picket_duty_since_ms"].is_i64(), "{engine:?}: {data}");
        assert!(data["union_local"]["welcomed_at_ms"].is_i64(), "{engine:?}: {data}");

        // `/stop`: the plugin deletes its rows before Basis deletes its own,
        // and both are gone when the member is told.
        let confirm = app.ask(&anna, "/stop").await;
        assert!(buttons(&confirm).iter().any(|(_, data)| data == "stop:y"), "{:?}", buttons(&confirm));
        app.press(&anna, confirm.message_id, "stop:y").await;
        assert_eq!(count(&app, TIMES, chat).await, 0, "{engine:?}");
        assert_eq!(count(&app, PICKETS, chat).await, 0, "{engine:?}");
        assert!(app.storage().chat(basis_storage::ChatId(chat)).await.unwrap().is_none(), "{engine:?}");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn the_picket_list_is_for_organizers_in_private_chats_and_counts_without_names() {
    const OWNER: i64 = 4200;
    for db in TestDatabase::every_engine().await {
        let engine = db.engine();
        let app = TestApp::spawn_plugins(db, None, Hooks::default(), |c| c.owners = vec![OWNER], plugins()).await;
        let anna = app.member(4201, Some("de"));
        let mark = app.fake.mark();
        app.ask(&anna, "/subscribe strikes").await;
        let welcome = welcome_after(&app, mark, anna.chat_id()).await;
        app.press(&anna, basis_tests::message_id_of(&welcome).unwrap(), "picket:sign").await;

        // The gate in front of the plugin's command: a typed refusal per
        // locale, the role checked when it is used.
        let refused = app.ask(&anna, "/picketlist").await.text.unwrap();
        assert_eq!(refused, "Das dürfen nur Organisator*innen.", "{engine:?}");
        let owner = app.member(OWNER, Some("de"));
        let answer = app.ask(&owner, "/streikposten").await.text.unwrap();
        assert_eq!(answer, "Für den Streikposten eingetragen: 1", "{engine:?}");
        let group = app.fake.group(-4300, "Vertrauensleute");
        let in_group = app.in_group(&owner.user, &group, "administrator");
        let answer = app.ask(&in_group, "/picketlist").await.text.unwrap();
        assert_eq!(answer, "Befehle für Organisator*innen gehen nur im privaten Chat mit mir.", "{engine:?}");

        // `/help` lists it for organizers, not for members; not in the menu.
        let help = app.ask(&owner, "/help").await.text.unwrap();
        let organizers = help.split("Für Organisator*innen:").nth(1).unwrap_or_default();
        assert!(organizers.contains("\n/picketlist – Wie viele sich für den Streikposten eingetragen haben"), "{help}");
        assert!(!app.ask(&anna, "/help").await.text.unwrap().contains("/picketlist"));
        let menus = app.fake.requests_for("setMyCommands");
        assert!(menus.iter().all(|m| !m.params["commands"].to_string().contains("picketlist")));
        app.stop().await.unwrap();
    }
}

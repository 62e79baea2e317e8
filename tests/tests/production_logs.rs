//! A whole run in webhook mode with debug logs captured — start, a member's
//! /start, an invitation redeemed, a broadcast, refused webhook requests,
//! the Bot API going away — and not one line holds the bot token, the
//! webhook secret or the invitation's token. Its own test binary: the log
//! subscriber is process-wide.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use basis::Hooks;
use basis::telemetry::{self, LogFormat};
use basis_storage::testing::TestDatabase;
use basis_telegram_fake::{FakeTelegram, TgMessageState};
use basis_tests::{PATIENCE, TestApp, buttons, config_for, invite_link};
use serde_json::json;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Shaped like a real token: teloxide recognises it inside URLs.
const TOKEN: &str = "7123456789:AAH-logtest_S3cret-0123456789abcdefXYZ";
const WEBHOOK_SECRET: &str = "Webhook-Secret_for-the-log-test-42";
const OWNER: i64 = 500;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn with_buttons(app: &TestApp, chat: i64) -> TgMessageState {
    let messages = app.fake.bot_messages_in(chat);
    messages.into_iter().rev().find(|m| !buttons(m).is_empty()).expect("a message with buttons")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_run_logs_neither_the_token_nor_the_webhook_secret_nor_an_invitation() {
    assert!(TOKEN.split_once(':').unwrap().1.len() >= 35);
    let (text, json, raw) = (Capture::default(), Capture::default(), Capture::default());
    let (t, j, r) = (text.clone(), json.clone(), raw.clone());
    tracing_subscriber::registry()
        .with(EnvFilter::new("debug"))
        // What `basis run` writes, in both formats…
        .with(telemetry::layer(LogFormat::Text, move || t.clone(), false))
        .with(telemetry::layer(LogFormat::Json, move || j.clone(), false))
        // …and the same events without the secret filter: the code itself
        // must not log secrets; the filter is only the second line of defence.
        .with(tracing_subscriber::fmt::layer().with_ansi(false).with_writer(move || r.clone()))
        .try_init()
        .expect("the only subscriber in this test binary");

    let db = TestDatabase::sqlite().await;
    let fake = FakeTelegram::start_with_token(TOKEN).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    let change = |c: &mut basis::Config| {
        c.webhook_url = Some(hook_url.clone());
        c.webhook_secret = Some(WEBHOOK_SECRET.to_owned().into());
        c.owners = vec![OWNER];
        c.rate_limit = 1000;
        c.paid_broadcast = true;
    };
    let mut config = config_for(&fake, &db);
    change(&mut config);
    tracing::info!(config = %config.parse().expect("valid").redacted(), "starting");
    let hooks = Hooks { listener: Some(listener), health_every: Some(Duration::from_millis(100)), ..Hooks::default() };
    let app = TestApp::spawn_full(db, Some(fake.clone()), hooks, change).await;
    let addr = app.http.unwrap();

    // A member, through the webhook.
    let anna = app.member(601, Some("de"));
    app.ask(&anna, "/start strikes").await;
    // An invitation, redeemed.
    let owner = app.member(OWNER, Some("en"));
    let answer = app.ask(&owner, "/invite strikes").await.text.unwrap_or_default();
    let (payload, _) = invite_link(&answer).unwrap_or_else(|| panic!("no invitation in {answer}"));
    let invite_secret = payload.trim_start_matches("inv_").to_owned();
    assert!(invite_secret.len() >= 16, "{payload}");
    let kim = app.member(602, Some("en"));
    let welcome = app.ask(&kim, &format!("/start {payload}")).await.text.unwrap_or_default();
    assert!(welcome.starts_with("Welcome to the team!"), "{welcome}");
    // A broadcast, confirmed with the button.
    app.subscribers(73_000..73_020, &["strikes"]).await;
    let mark = app.fake.mark();
    app.fake.send_text(&owner.user, &owner.chat, "/post strikes Warnstreik morgen ab 6 Uhr");
    app.barrier(&owner, mark).await;
    let confirm = with_buttons(&app, owner.chat_id());
    let send = buttons(&confirm).into_iter().find(|(_, d)| d.starts_with("p:s:")).expect("a Send button").1;
    app.press(&owner, confirm.message_id, &send).await;
    let draft: i64 = send.trim_start_matches("p:s:").parse().unwrap();
    let broadcast =
        app.storage().draft(basis_storage::DraftId(draft)).await.unwrap().unwrap().broadcast_id.expect("queued");
    let (progress, _) = app.finished(&owner, broadcast.0, PATIENCE).await;
    assert_eq!(progress.sent, 21, "twenty members and Anna");

    // Refused webhook requests, and one that holds no update.
    let client = reqwest::Client::new();
    let update = json!({"update_id": 1, "message": {"message_id": 1, "date": 0,
        "chat": {"id": 9, "type": "private"}, "text": format!("/start {payload}")}});
    for secret in [None, Some("wrong")] {
        let mut request = client.post(&hook_url).json(&update);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        assert_eq!(request.send().await.unwrap().status().as_u16(), 401);
    }
    let junk = client
        .post(&hook_url)
        .header("X-Telegram-Bot-Api-Secret-Token", WEBHOOK_SECRET)
        .body(format!("{{\"update_id\": \"{invite_secret}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(junk.status().as_u16(), 200);

    // The Bot API goes away: its errors carry URLs.
    fake.shutdown().await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let ready = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
        if ready.status().as_u16() == 503 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "/readyz never noticed the Bot API was gone");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.stop().await.expect("a clean stop");

    let (text, json, raw) = (text.text(), json.text(), raw.text());
    // The capture worked: the run is in the logs.
    for expected in ["receiving updates by webhook", "broadcast finished", "invitation created", "Bot API"] {
        assert!(text.contains(expected), "missing {expected:?} in the logs:\n{text}");
    }
    assert!(raw.contains("a webhook request held no update"), "{raw}");
    for line in json.lines() {
        let parsed: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(parsed.get("level").is_some() && parsed.get("timestamp").is_some(), "{line}");
    }
    let token_secret = TOKEN.split_once(':').unwrap().1;
    for (what, secret) in
        [("the token", TOKEN), ("the token's secret", token_secret), ("the webhook secret", WEBHOOK_SECRET)]
    {
        for (format, logs) in [("text", &text), ("json", &json), ("unfiltered", &raw)] {
            let hit = logs.lines().find(|l| l.contains(secret));
            assert!(hit.is_none(), "{what} is in the {format} logs: {}", hit.unwrap());
        }
    }
    for (format, logs) in [("text", &text), ("json", &json), ("unfiltered", &raw)] {
        let hit = logs.lines().find(|l| l.contains(&invite_secret));
        assert!(hit.is_none(), "the invitation's token is in the {format} logs: {}", hit.unwrap());
    }
    // Nothing needed the filter either.
    assert!(!text.contains(telemetry::REDACTED), "the secret filter had to step in:\n{text}");
}

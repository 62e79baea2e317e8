//! The `union-local` binary as an operator runs it: the same `BASIS_*`
//! environment and subcommands as `basis`, its own settings checked at
//! start, its own tables made by `migrate`, and `/strikepay` answered.

use std::process::Stdio;
use std::time::Duration;

use basis::{PluginPool, sqlx};
use basis_storage::testing::TestDatabase;
use basis_telegram_fake::FakeTelegram;
use tokio::process::Command;

const PATIENCE: Duration = Duration::from_secs(20);

/// The binary under test: the one this test was built with, or the one
/// `TEST_UNION_LOCAL_BIN` names (`target/release/union-local`, to check a
/// release build).
fn union_local(args: &[&str], dir: &std::path::Path, env: &[(&str, &str)]) -> Command {
    let binary = std::env::var("TEST_UNION_LOCAL_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_union-local").to_owned());
    let mut command = Command::new(binary);
    command.args(args).current_dir(dir).env("BASIS_LOG", "warn").stdin(Stdio::null()).kill_on_drop(true);
    for (name, _) in std::env::vars() {
        if name.starts_with("BASIS_") || name.starts_with("UNION_LOCAL_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    command
}

#[tokio::test]
async fn the_binary_checks_its_settings_migrates_its_tables_and_answers_strike_pay() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::sqlite().await;
    let fake = FakeTelegram::start().await;
    let api = fake.api_url();
    let base =
        [("BASIS_TOKEN", fake.token()), ("BASIS_API_URL", api.as_str()), ("BASIS_DATABASE_URL", db.url.as_str())];

    // Without its strike pay it does not start, and says why.
    let output = union_local(&["migrate"], dir.path(), &base).output().await.unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("union-local: set UNION_LOCAL_STRIKE_PAY"), "{stderr}");
    assert!(!stderr.contains(fake.token()), "the token never shows");

    let mut env = base.to_vec();
    env.extend([("UNION_LOCAL_STRIKE_PAY", "87.50"), ("UNION_LOCAL_PICKET_CONTACT", "Tor 3")]);
    let output = union_local(&["migrate"], dir.path(), &env).output().await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let PluginPool::Sqlite(pool) = db.storage.plugin_pool() else { panic!("SQLite") };
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%union_local%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(tables, ["_basis_plugin_union_local_migrations", "union_local_pickets", "union_local_welcomed"]);

    // `run`: Basis's commands and the plugin's, from the real binary.
    let mark = fake.mark();
    let mut bot = union_local(&["run"], dir.path(), &env).spawn().unwrap();
    fake.wait_for_request_after(mark, |r| r.method == "setmycommands", PATIENCE).await.expect("the bot starts");
    let user = fake.user(5001, "Jana", Some("de"));
    let chat = fake.private_chat(&user);
    for (text, expected) in [("/strikepay", "Streikgeld: 87,50 € pro Streiktag"), ("/start", "Willkommen bei")] {
        let mark = fake.mark();
        fake.send_text(&user, &chat, text);
        let answer = fake
            .wait_for_request_after(mark, |r| r.method == "sendmessage" && r.params["chat_id"] == chat.id, PATIENCE)
            .await
            .unwrap_or_else(|| panic!("{text} is answered"));
        let said = answer.params["text"].as_str().unwrap_or_default();
        assert!(said.starts_with(expected), "{text}: {said}");
    }
    bot.start_kill().unwrap();
    bot.wait().await.unwrap();
}

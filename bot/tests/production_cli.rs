//! `basis backup` and `basis export` run as an operator would run them, the
//! production configuration keys, and JSON logs from the real binary.

use std::path::Path;
use std::process::{Output, Stdio};

use basis::config::{ConfigError, LogFormat};
use basis::{Config, Settings};
use basis_storage::testing::TestDatabase;
use basis_storage::{ChatKind, Storage, TABLES};
use basis_telegram_fake::FakeTelegram;
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use secrecy::ExposeSecret;
use tokio::process::Command;

/// How long the bot may take to start (an upper bound, not a sleep).
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(20);

/// The `basis` binary with only the given configuration.
fn basis(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_basis"));
    command.args(args).current_dir(dir).env("BASIS_LOG", "warn").stdin(Stdio::null()).kill_on_drop(true);
    for (name, _) in std::env::vars() {
        if name.starts_with("BASIS_") {
            command.env_remove(name);
        }
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

async fn run(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    basis(args, dir, env).output().await.expect("run basis")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn members(storage: &Storage, n: i64) {
    storage.seed_topics(&Config::default().parse().unwrap().topic_seeds(), 0).await.unwrap();
    for id in 1..=n {
        storage.ensure_chat(basis_core::ChatId(id), ChatKind::Private, "de", id).await.unwrap();
        storage.subscribe_via(basis_core::ChatId(id), "strikes", "link:flyer", id).await.unwrap();
    }
}

#[tokio::test]
async fn backup_copies_the_database_of_a_running_bot_and_refuses_postgres() {
    let db = TestDatabase::sqlite().await;
    members(&db.storage, 200).await;
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let api = fake.api_url();
    let env = [
        ("BASIS_TOKEN", fake.token()),
        ("BASIS_API_URL", api.as_str()),
        ("BASIS_DATABASE_URL", db.url.as_str()),
        ("BASIS_LISTEN", "127.0.0.1:0"),
    ];
    let mut bot = basis(&["run"], dir.path(), &env).stdout(Stdio::null()).stderr(Stdio::inherit()).spawn().unwrap();
    fake.wait_for_request(|r| r.method == "setmycommands", PATIENCE).await.expect("the bot runs");

    let copy = dir.path().join("copy.db");
    let output = run(&["backup", copy.to_str().unwrap()], dir.path(), &env).await;
    assert!(output.status.success(), "{output:?}");
    assert!(text(&output.stdout).starts_with(&format!("wrote {}", copy.display())), "{output:?}");
    let restored = Storage::open_existing(&format!("sqlite://{}", copy.display())).await.unwrap();
    for table in TABLES {
        assert_eq!(restored.row_count(table).await.unwrap(), db.storage.row_count(table).await.unwrap(), "{table}");
    }
    restored.close().await;

    // The same file again: refused, the first copy untouched.
    let again = run(&["backup", copy.to_str().unwrap()], dir.path(), &env).await;
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("exists already"), "{again:?}");
    bot.kill().await.unwrap();
    fake.shutdown().await;

    if let Some(pg) = TestDatabase::postgres().await {
        let out = dir.path().join("pg.db");
        let output = run(&["backup", out.to_str().unwrap()], dir.path(), &[("BASIS_DATABASE_URL", &pg.url)]).await;
        assert!(!output.status.success());
        assert!(text(&output.stderr).contains("pg_dump"), "{output:?}");
        assert!(!out.exists());
    }
}

#[tokio::test]
async fn export_moves_an_sqlite_deployment_into_an_empty_postgres_database() {
    let Some(target) = TestDatabase::postgres().await else { return };
    let source = TestDatabase::sqlite().await;
    members(&source.storage, 1_500).await;
    let dir = tempfile::tempdir().unwrap();
    let env = [("BASIS_DATABASE_URL", source.url.as_str())];
    let output = run(&["export", "--to", &target.url], dir.path(), &env).await;
    assert!(output.status.success(), "{output:?}");
    let stdout = text(&output.stdout);
    assert!(stdout.contains("row counts match"), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("chats") && l.ends_with(" 1500 rows")), "{stdout}");
    for table in TABLES {
        assert_eq!(
            target.storage.row_count(table).await.unwrap(),
            source.storage.row_count(table).await.unwrap(),
            "{table}"
        );
    }
    // The bot starts on the copy: the schema is complete.
    assert!(run(&["migrate"], dir.path(), &[("BASIS_DATABASE_URL", &target.url)]).await.status.success());

    let twice = run(&["export", "--to", &target.url], dir.path(), &env).await;
    assert!(!twice.status.success());
    assert!(text(&twice.stderr).contains("not empty"), "{twice:?}");
    let wrong = run(&["export", "--to", "sqlite://elsewhere.db"], dir.path(), &env).await;
    assert!(text(&wrong.stderr).contains("PostgreSQL URL"), "{wrong:?}");
}

#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let db = TestDatabase::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let env = [("BASIS_DATABASE_URL", db.url.as_str()), ("BASIS_LOG_FORMAT", "json"), ("BASIS_LOG", "info")];
    let output = run(&["migrate"], dir.path(), &env).await;
    assert!(output.status.success(), "{output:?}");
    let stderr = text(&output.stderr);
    assert!(stderr.lines().count() >= 2, "{stderr}");
    for line in stderr.lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(event["level"].is_string() && event["message"].is_string(), "{line}");
    }
    assert!(stderr.contains("database is up to date"), "{stderr}");
}

fn load(toml: &str) -> Result<Settings, ConfigError> {
    Config::from_figment(Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(toml)))?.parse()
}

#[test]
fn production_keys_have_defaults_and_are_checked() {
    let config = load("").unwrap();
    assert_eq!(config.listen, Some("127.0.0.1:8080".parse().unwrap()));
    assert!(config.webhook.is_none());
    assert_eq!((config.log_format, config.retention_days), (LogFormat::Text, 30));
    for off in ["listen = \"off\"", "listen = \"\""] {
        assert_eq!(load(off).unwrap().listen, None, "{off}");
    }
    let hook = load(
        "webhook_url = \"https://bot.example.org/tg\"\nwebhook_secret = \"abc_DEF-123\"\nlog_format = \"json\"\nretention_days = 0",
    )
    .unwrap();
    let webhook = hook.webhook.as_ref().unwrap();
    assert_eq!(webhook.url.path(), "/tg");
    assert_eq!(webhook.secret.as_ref().unwrap().expose_secret(), "abc_DEF-123");
    assert_eq!((hook.log_format, hook.retention_days), (LogFormat::Json, 0));
    assert!(load("webhook_url = \"\"").unwrap().webhook.is_none(), "empty means polling");
    // The environment's parser reads BASIS_WEBHOOK_SECRET=123456 as a number.
    let digits = load("webhook_secret = 123456\nwebhook_url = \"https://bot.example.org/tg\"").unwrap();
    let digits = digits.webhook.unwrap().secret.unwrap();
    assert_eq!(digits.expose_secret(), "123456");

    assert!(matches!(load("listen = \"localhost\""), Err(ConfigError::Listen(_))));
    for url in ["ftp://x/y", "not a url", "https://bot.example.org/metrics"] {
        assert!(matches!(load(&format!("webhook_url = \"{url}\"")), Err(ConfigError::WebhookUrl(_))), "{url}");
    }
    let no_listener = "webhook_url = \"https://bot.example.org/tg\"\nlisten = \"off\"";
    assert!(matches!(load(no_listener), Err(ConfigError::WebhookWithoutListener)));
    for secret in ["", "has space", "ümlaut"] {
        let bad = load(&format!("webhook_secret = \"{secret}\""));
        assert!(matches!(bad, Err(ConfigError::WebhookSecret)), "{secret:?}");
    }
    assert!(load("log_format = \"xml\"").is_err());
    assert!(matches!(load("retention_days = 40000"), Err(ConfigError::RetentionDays(40000))));

    // The summary names the mode but no secret, and no webhook path.
    let secret = load("webhook_url = \"https://bot.example.org/hook-SECRETPATH\"\nwebhook_secret = \"s3cr3t-value\"");
    let line = secret.unwrap().redacted();
    assert!(line.contains("updates=webhook at https://bot.example.org/…"), "{line}");
    assert!(!line.contains("SECRETPATH") && !line.contains("s3cr3t-value"), "{line}");
}

//! `basis qr` and `basis stats`, run as an operator would run them.

use std::path::Path;
use std::process::Output;

use basis::Config;
use basis_storage::testing::TestDatabase;
use basis_storage::{ChatKind, now_ms};
use basis_telegram_fake::FakeTelegram;
use tokio::process::Command;

/// The `basis` binary with only the given configuration: no file, no
/// inherited `BASIS_*` variables.
fn basis(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_basis"));
    command.args(args).current_dir(dir).env("BASIS_LOG", "warn").kill_on_drop(true);
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

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn qr_writes_the_link_as_a_png_offline_and_asks_telegram_for_the_username() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("flyer.png");
    let out_arg = out.to_str().unwrap();
    // Offline: no token, no database, no network.
    let args = ["qr", "strikes", "--campaign", "Flyer-Mai", "--out", out_arg, "--bot-username", "@igbeispiel_bot"];
    let output = run(&args, dir.path(), &[]).await;
    assert!(output.status.success(), "{output:?}");
    let link = "https://t.me/igbeispiel_bot?start=strikes-C-flyer-mai";
    assert_eq!(stdout(&output), format!("{link}\n"));
    assert_eq!(std::fs::read(&out).unwrap(), basis_handlers::pictures::qr_png(link).unwrap());

    // Without --bot-username: getMe with the configured token.
    let fake = FakeTelegram::start().await;
    let api = fake.api_url();
    let env = [("BASIS_TOKEN", fake.token()), ("BASIS_API_URL", api.as_str())];
    let output = run(&["qr", "Energy", "--out", out_arg], dir.path(), &env).await;
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stdout(&output), "https://t.me/basis_test_bot?start=energy\n");
    assert!(fake.requests().iter().any(|r| r.method == "getme"));

    // Bad input: a clear reason, a failure code, no file.
    std::fs::remove_file(&out).unwrap();
    for (args, reason) in [
        (vec!["qr", "atomkraft", "--out", out_arg, "--bot-username", "x_bot"], "there is no topic `atomkraft`"),
        (vec!["qr", "strikes", "--campaign", "köln", "--out", out_arg, "--bot-username", "x_bot"], "campaign `köln`"),
        (vec!["qr", "strikes", "--out", out_arg], "BASIS_TOKEN is not set"),
    ] {
        let output = run(&args, dir.path(), &[]).await;
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }
    assert!(!out.exists());
    fake.shutdown().await;
}

#[tokio::test]
async fn stats_prints_the_table_organizers_get() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        s.seed_topics(&Config::default().parse().unwrap().topic_seeds(), 0).await.unwrap();
        let now = now_ms();
        for id in 1..=3 {
            s.ensure_chat(basis_core::ChatId(id), ChatKind::Private, "de", now).await.unwrap();
            s.subscribe_via(basis_core::ChatId(id), "strikes", "link:flyer", now - 1000).await.unwrap();
        }
        s.unsubscribe_at(basis_core::ChatId(3), "strikes", now - 500).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("chart.png");
        let args = ["stats", "--lang", "en", "--chart", chart.to_str().unwrap()];
        let output = run(&args, dir.path(), &[("BASIS_DATABASE_URL", db.url.as_str())]).await;
        assert!(output.status.success(), "{output:?}");
        let table = stdout(&output);
        assert!(table.starts_with("📊 Statistics, "), "{table}");
        for line in [
            "✊ Strikes: 2 (7 days: +3 / −1 · 30 days: +3 / −1)",
            "⚡ Energy & climate: 0 (7 days: +0 / −0 · 30 days: +0 / −0)",
            "✊ Strikes · flyer: 3",
            "No broadcasts yet.",
        ] {
            assert!(table.lines().any(|l| l == line), "{:?}: missing {line:?} in\n{table}", db.engine());
        }
        assert!(std::fs::read(&chart).unwrap().starts_with(b"\x89PNG"));
        let german = run(&["stats"], dir.path(), &[("BASIS_DATABASE_URL", db.url.as_str())]).await;
        assert!(stdout(&german).contains("✊ Streiks: 2 (7 Tage: +3 / −1 · 30 Tage: +3 / −1)"), "{german:?}");
    }
}

#[tokio::test]
async fn migrate_seeds_the_configured_regions_and_retires_the_ones_taken_out() {
    for db in TestDatabase::every_engine().await {
        let dir = tempfile::tempdir().unwrap();
        let region = |key: &str, de: &str, parent: Option<&str>| {
            let parent = parent.map(|p| format!("parent = \"{p}\"\n")).unwrap_or_default();
            format!("[[regions]]\nkey = \"{key}\"\nname = {{ de = \"{de}\", en = \"{de}\" }}\n{parent}")
        };
        let land = region("niedersachsen", "Niedersachsen", None);
        let town = region("wolfsburg", "Wolfsburg", Some("niedersachsen"));
        let env = [("BASIS_DATABASE_URL", db.url.as_str()), ("BASIS_LOG", "info")];
        std::fs::write(dir.path().join("basis.toml"), format!("{land}{town}")).unwrap();
        let output = run(&["migrate"], dir.path(), &env).await;
        assert!(output.status.success(), "{output:?}");
        let regions = db.storage.regions().await.unwrap();
        let seeded: Vec<(&str, Option<&str>, bool)> =
            regions.iter().map(|r| (r.key.as_str(), r.parent.as_ref().map(|p| p.as_str()), r.retired)).collect();
        assert_eq!(seeded, [("niedersachsen", None, false), ("wolfsburg", Some("niedersachsen"), false)]);

        std::fs::write(dir.path().join("basis.toml"), land).unwrap();
        let output = run(&["migrate"], dir.path(), &env).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("regions no longer in the configuration"), "{:?}: {stderr}", db.engine());
        let retired: Vec<_> = db.storage.regions().await.unwrap().into_iter().filter(|r| r.retired).collect();
        assert_eq!(retired.len(), 1);
        assert_eq!(retired[0].key.as_str(), "wolfsburg");

        std::fs::write(dir.path().join("basis.toml"), region("wolfsburg", "Wolfsburg", Some("atlantis"))).unwrap();
        let refused = run(&["migrate"], dir.path(), &env).await;
        assert!(!refused.status.success());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("region `wolfsburg` names parent `atlantis`"), "{stderr}");
    }
}

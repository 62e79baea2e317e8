//! The `basis` binary as an operator starts it, for tests that run the real
//! process. `kill_on_drop` is the guard: a test that fails anywhere still
//! leaves no bot process behind.

use std::path::Path;
use std::process::Stdio;

use basis_storage::testing::TestDatabase;
use basis_telegram_fake::FakeTelegram;
use tokio::process::{Child, Command};

pub fn basis(args: &[&str], fake: &FakeTelegram, db: &TestDatabase, dir: &Path, rate: usize) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_basis"));
    command
        .args(args)
        .current_dir(dir)
        .env("BASIS_TOKEN", fake.token())
        .env("BASIS_API_URL", fake.api_url())
        .env("BASIS_DATABASE_URL", &db.url)
        .env("BASIS_RATE_LIMIT", rate.to_string())
        .env("BASIS_PAID_BROADCAST", "true")
        .env("BASIS_LOG", "warn")
        .env("BASIS_LISTEN", "127.0.0.1:0")
        .env_remove("BASIS_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    command
}

/// `basis run`.
pub fn start(fake: &FakeTelegram, db: &TestDatabase, dir: &Path, rate: usize) -> Child {
    basis(&["run"], fake, db, dir, rate).spawn().expect("start basis")
}

//! `basis`: a Telegram newsletter for parties and unions — Basis's default
//! plugins and nothing else.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    basis::cli::main("basis", basis::DefaultPlugins::default()).await
}

//! `basis`: a Telegram newsletter for parties and unions — Basis's default
//! plugins (with the posting API and its feeds) and nothing else.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match basis::cli::default_plugins() {
        Ok(plugins) => basis::cli::main("basis", plugins).await,
        Err(error) => {
            eprintln!("basis: {error}");
            ExitCode::from(2)
        }
    }
}

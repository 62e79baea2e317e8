//! `basis`: a Telegram newsletter for parties and unions — Basis's default
//! plugins and the posting API (with its feeds).

use std::process::ExitCode;
use std::sync::Arc;

use basis::{Plugin, PluginGroup};

#[tokio::main]
async fn main() -> ExitCode {
    let api = match basis_api::PostingApi::load(&basis::cli::config_file()) {
        Ok(api) => api,
        Err(error) => {
            eprintln!("basis: {error}");
            return ExitCode::from(2);
        }
    };
    let mut plugins = basis::DefaultPlugins::default().into_plugins();
    plugins.push(Arc::new(api) as Arc<dyn Plugin>);
    basis::cli::main("basis", plugins).await
}

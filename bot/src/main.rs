//! `basis`: a Telegram newsletter for parties and unions.

use std::path::PathBuf;
use std::process::ExitCode;

use basis::{Application, Config, Hooks, prepare_storage, telemetry};
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "basis", version, about = "Members choose topics, organizers post, Basis delivers — on Telegram.")]
struct Cli {
    /// Configuration file (missing is fine: defaults and BASIS_* variables apply).
    #[arg(long, global = true, env = "BASIS_CONFIG", default_value = "basis.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bot (long polling) until Ctrl-C or SIGTERM.
    Run,
    /// Create or update the database schema and seed the topics, then exit.
    Migrate,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli.config) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("basis: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    tracing::info!(config = %config.redacted(), "starting");
    let result = match cli.command {
        Command::Migrate => prepare_storage(&config).await.map(|_| tracing::info!("database is up to date")),
        Command::Run => run(config).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let mut message = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), basis::StartError> {
    let app = Application::build(config, Hooks::default()).await?;
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));
    app.run(shutdown).await
}

async fn stop_on_signal(shutdown: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    shutdown.cancel();
}

//! The command line of `basis`, and of every bot built on Basis: `run`,
//! `migrate`, `stats`, `qr`, `backup`, `export`, `token` and `sandbox`, with the
//! plugins the bot was built with.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use basis_handlers::stats::{self, Campaign, StatsView};
use basis_handlers::{Locale, Plugin, PluginGroup, RegionCatalog, Registry, Texts, TopicCatalog};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::{App, Config, Settings, prepare_storage, prepare_storage_with, telemetry};

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
    /// Run the bot (long polling, or a webhook with BASIS_WEBHOOK_URL) until Ctrl-C or SIGTERM.
    Run,
    /// Create or update the database schema and seed the topics and regions, then exit.
    Migrate,
    /// Print the statistics organizers get with /stats: subscribers per
    /// topic, new and lost in 7 and 30 days, joins per link, last broadcasts.
    Stats {
        /// Language of the table: de or en.
        #[arg(long, default_value = "de")]
        lang: String,
        /// Also write the chart of the last 30 days to this PNG file.
        #[arg(long, value_name = "FILE")]
        chart: Option<PathBuf>,
    },
    /// Write a topic's deep link as a printable QR code (PNG) and print the link.
    Qr {
        /// The topic's key (or one-word name).
        topic: String,
        /// A campaign name (a-z 0-9 _ -): joins through this code are counted apart.
        #[arg(long, value_name = "NAME")]
        campaign: Option<String>,
        /// Where to write the PNG.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The bot's username; without it Basis asks Telegram (getMe) with the
        /// configured token.
        #[arg(long, value_name = "NAME")]
        bot_username: Option<String>,
    },
    /// Write a consistent copy of the SQLite database to FILE, also while the
    /// bot runs (PostgreSQL: use pg_dump).
    Backup {
        /// The copy to write; must not exist yet.
        file: PathBuf,
    },
    /// Copy every table of the SQLite database into an empty PostgreSQL
    /// database (stop the bot first), then check the row counts.
    Export {
        /// The PostgreSQL database, e.g. postgres://basis@localhost/basis.
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Tokens of the posting API (/api/v1): create, revoke, list.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Try Basis in a browser: fake Telegram, the bot on a temporary SQLite
    /// database and a page on 127.0.0.1 to play members and an organizer.
    #[cfg(feature = "sandbox")]
    Sandbox(crate::sandbox::Args),
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Make a token; it is printed once, and only its hash is kept.
    Create {
        /// What to call it (1–32 of a-z 0-9 _ -); the audit log names it.
        #[arg(long)]
        name: String,
        /// Topic keys or names it may post to, comma-separated; none: all.
        #[arg(long, value_delimiter = ',')]
        topics: Vec<String>,
        /// Region keys, comma-separated.
        #[arg(long, value_delimiter = ',')]
        regions: Vec<String>,
        /// The Telegram user whose private chat gets the progress reports and
        /// holds the photos the token posts (default: the first of BASIS_OWNERS).
        #[arg(long, value_name = "USER_ID")]
        owner: Option<i64>,
    },
    /// Revoke a token at once: every request with it gets 401 from now on.
    Revoke {
        /// The token's name.
        #[arg(long)]
        name: String,
    },
    /// List the live tokens (never the tokens themselves).
    List,
}

/// The configuration file the command line names (`--config FILE`), else
/// `BASIS_CONFIG`, else `basis.toml`: for plugins that read their own
/// sections of it before the command line is parsed.
pub fn config_file() -> PathBuf {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--config" {
            if let Some(file) = args.next() {
                return file.into();
            }
        } else if let Some(file) = arg.to_str().and_then(|a| a.strip_prefix("--config=")) {
            return file.into();
        }
    }
    std::env::var_os("BASIS_CONFIG").map_or_else(|| "basis.toml".into(), PathBuf::from)
}

/// Everything the `basis` binary is: Basis's features
/// ([`crate::DefaultPlugins`]) and the posting API with its feeds
/// (`basis_api::PostingApi`), whose settings are the `[api]` section and
/// the `[[feeds]]` of the configuration file ([`config_file`]). A bot built
/// on Basis starts from these and adds its own.
pub fn default_plugins() -> Result<Vec<std::sync::Arc<dyn crate::Plugin>>, String> {
    use crate::PluginGroup;
    let api = basis_api::PostingApi::load(&config_file())?;
    let mut plugins = crate::DefaultPlugins::default().into_plugins();
    plugins.push(std::sync::Arc::new(api));
    Ok(plugins)
}

/// Parses the command line and does what it says, as the binary `name`
/// with `plugins` (`basis` is [`default_plugins`] and nothing else).
pub async fn main(name: &'static str, plugins: impl PluginGroup) -> ExitCode {
    let plugins: Vec<Arc<dyn Plugin>> = plugins.into_plugins();
    let matches = Cli::command().name(name).bin_name(name).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    // Parsed once, here: a bad setting stops every command with its name.
    let source = match Config::load(&cli.config) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("{name}: {error}");
            return ExitCode::from(2);
        }
    };
    let config = match source.parse() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{name}: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log, config.log_format);
    let result = match cli.command {
        Command::Migrate => {
            tracing::info!(config = %config.redacted(), "starting");
            match Registry::build(&plugins) {
                Ok(registry) => {
                    prepare_storage_with(&config, &registry).await.map(|_| tracing::info!("database is up to date"))
                }
                Err(error) => Err(error.into()),
            }
        }
        Command::Run => {
            tracing::info!(config = %config.redacted(), "starting");
            App::with_settings(Ok(config)).plugins(plugins).run().await
        }
        Command::Stats { lang, chart } => return finish(name, stats(&config, &lang, chart.as_deref()).await),
        Command::Qr { topic, campaign, out, bot_username } => {
            return finish(name, qr(&config, &topic, campaign.as_deref(), &out, bot_username.as_deref()).await);
        }
        Command::Backup { file } => return finish(name, crate::maintenance::backup(&config, &file).await),
        Command::Export { to } => {
            let exported = async { crate::maintenance::export(&config, &Registry::build(&plugins)?, &to).await };
            return finish(name, exported.await);
        }
        #[cfg(feature = "sandbox")]
        Command::Sandbox(args) => return finish(name, crate::sandbox::run(source, args).await),
        Command::Token(command) => return finish(name, token(&config, &plugins, command).await),
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

/// The end of `basis stats` and `basis qr`: their output went to stdout,
/// a failure goes to stderr in one line.
fn finish(name: &str, result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{name}: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `basis token …`: the posting API's tokens, as `/apitoken` makes them.
async fn token(config: &Settings, plugins: &[Arc<dyn Plugin>], command: TokenCommand) -> anyhow::Result<()> {
    let registry = Registry::build(plugins)?;
    if !registry.plugins.contains(&basis_api::NAME) {
        anyhow::bail!("this bot is built without the posting API");
    }
    let storage = prepare_storage_with(config, &registry).await?;
    let result = async {
        match command {
            TokenCommand::Create { name, topics, regions, owner } => {
                let catalog = TopicCatalog::from_stored(&storage.topics().await?);
                let owner = owner.or(config.owners.first().map(|o| o.0)).unwrap_or(0);
                let token = basis_api::cli::create(&storage, &catalog, &name, &topics, &regions, owner)
                    .await
                    .map_err(anyhow::Error::msg)?;
                eprintln!("token `{name}` (shown once; only its hash is kept):");
                println!("{token}");
            }
            TokenCommand::Revoke { name } => {
                basis_api::cli::revoke(&storage, &name).await.map_err(anyhow::Error::msg)?;
                println!("token `{name}` revoked");
            }
            TokenCommand::List => {
                for line in basis_api::cli::list(&storage).await.map_err(anyhow::Error::msg)? {
                    println!("{line}");
                }
            }
        }
        anyhow::Ok(())
    }
    .await;
    storage.close().await;
    result
}

/// `basis stats`: the table of `/stats` as an owner sees it (every topic).
async fn stats(config: &Settings, lang: &str, chart: Option<&Path>) -> anyhow::Result<()> {
    let locale = Locale::parse(lang).ok_or_else(|| anyhow::anyhow!("unknown language `{lang}` (de or en)"))?;
    let storage = prepare_storage(config).await?;
    let topics = TopicCatalog::from_stored(&storage.topics().await?);
    let regions = RegionCatalog::from_stored(&storage.regions().await?);
    let texts = Texts::load();
    let view = StatsView {
        storage: &storage,
        texts: &texts,
        topics: &topics,
        locale,
        timezone: config.timezone,
        now: basis_storage::now_ms(),
        scope: None,
        regions: &regions,
        region_scope: None,
    };
    let result = async {
        println!("{}", stats::report(&view).await?);
        if let Some(path) = chart {
            let png = stats::chart(&view).await?;
            std::fs::write(path, png).with_context(|| format!("cannot write {}", path.display()))?;
        }
        anyhow::Ok(())
    }
    .await;
    storage.close().await;
    result
}

/// `basis qr`: the topic's deep link as a QR code in a PNG file; the link on
/// stdout. Works offline when the bot's username is given.
async fn qr(
    config: &Settings,
    topic: &str,
    campaign: Option<&str>,
    out: &Path,
    bot_username: Option<&str>,
) -> anyhow::Result<()> {
    let catalog = TopicCatalog::from_stored(&configured_topics(config));
    let Some(found) = catalog.find(topic) else {
        let keys: Vec<&str> = catalog.all().iter().map(|t| t.key.as_str()).collect();
        anyhow::bail!("there is no topic `{topic}`; configured are: {}", keys.join(", "));
    };
    let campaign =
        campaign.map(|c| Campaign::parse(c, &found.key).with_context(|| format!("campaign `{c}`"))).transpose()?;
    let username = match bot_username {
        Some(name) => name.trim_start_matches('@').to_owned(),
        None => bot_username_from_telegram(config).await?,
    };
    if username.is_empty() || !username.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        anyhow::bail!("`{username}` is not a bot username (letters, digits and _)");
    }
    let link = stats::deep_link(&username, &found.key, campaign.as_ref());
    let png = basis_handlers::pictures::qr_png(&link)?;
    std::fs::write(out, png).with_context(|| format!("cannot write {}", out.display()))?;
    println!("{link}");
    Ok(())
}

/// The topics of the configuration, as members would see them.
fn configured_topics(config: &Settings) -> Vec<basis_storage::Topic> {
    config
        .topic_seeds()
        .into_iter()
        .enumerate()
        .map(|(i, seed)| basis_storage::Topic {
            key: seed.key,
            emoji: seed.emoji,
            position: i as i64,
            retired: false,
            texts: seed.texts,
        })
        .collect()
}

/// Asks Telegram who the configured token belongs to.
async fn bot_username_from_telegram(config: &Settings) -> anyhow::Result<String> {
    use secrecy::ExposeSecret;
    use teloxide::prelude::Requester;
    let token = config.token().context("without --bot-username the bot token is needed to ask Telegram")?;
    let bot = teloxide::Bot::new(token.expose_secret()).set_api_url(config.api_url.clone());
    let me = bot.get_me().await.context("cannot ask Telegram for the bot's username (getMe); give --bot-username")?;
    Ok(me.username().to_owned())
}

//! Builds the application from its configuration and runs it until told to
//! stop. `basis run`, the end-to-end tests and the benchmark all use this.

use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "testing")]
use basis_handlers::Probe;
use basis_handlers::{
    Clock, Context, DefaultPlugins, FloodControl, Leading, Outbound, Plugin, PluginError, PluginGroup, RegionCatalog,
    Registry, Texts, TopicCatalog, allowed_updates, register_commands, schema,
};
use basis_storage::Storage;
use secrecy::ExposeSecret;
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;
use teloxide::{ApiError, RequestError};
use tokio_util::sync::CancellationToken;

use crate::broadcaster::{self, Broadcaster};
use crate::config::{Config, ConfigError, redact_url};
use crate::http::{Bound, Health};
use crate::metrics::Metrics;
use crate::settings::Settings;

/// Why the bot did not start, or stopped; the message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is not valid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database cannot be reached or migrated (its URL, redacted).
    #[error("cannot open the database at {0}")]
    Database(String, #[source] basis_storage::StorageError),
    /// Telegram does not know the token.
    #[error("Telegram rejected the bot token (check BASIS_TOKEN)")]
    BadToken,
    /// The Bot API did not answer (its URL, redacted).
    #[error("cannot reach the Bot API at {0}")]
    Unreachable(String, #[source] RequestError),
    /// The HTTP listener cannot bind its address.
    #[error("cannot listen on {0} (set BASIS_LISTEN to a free address, or `off`)")]
    Listen(String, #[source] std::io::Error),
    /// Telegram refused the webhook.
    #[error("Telegram refused the webhook (check BASIS_WEBHOOK_URL: public HTTPS on port 443, 80, 88 or 8443)")]
    Webhook(#[source] RequestError),
    /// Another instance leads now.
    #[error("lost the leadership: the database connection holding it broke; restart to stand by again")]
    LostLeadership,
    /// The plugins do not fit together.
    #[error("the plugins do not fit together")]
    Plugin(#[from] PluginError),
}

/// A bot built on Basis: its configuration and its plugins.
///
/// ```ignore
/// basis::App::builder(config).plugins(basis::DefaultPlugins::default()).plugin(MyUnion).run().await
/// ```
pub struct App {
    settings: Result<Settings, ConfigError>,
    hooks: Hooks,
    plugins: Vec<Arc<dyn Plugin>>,
}

impl App {
    /// An application with no plugins yet: add [`DefaultPlugins`] for
    /// everything `basis` does. The configuration is parsed now; what is
    /// wrong with it is reported by [`App::build`].
    pub fn builder(config: Config) -> App {
        App::with_settings(config.parse())
    }

    /// An application of settings parsed already (the command line parses
    /// them before it knows what to do).
    pub fn with_settings(settings: Result<Settings, ConfigError>) -> App {
        App { settings, hooks: Hooks::default(), plugins: Vec::new() }
    }

    /// Adds a plugin, or a group of them.
    pub fn plugins(mut self, plugins: impl PluginGroup) -> App {
        self.plugins.extend(plugins.into_plugins());
        self
    }

    /// Adds one plugin (the same as [`App::plugins`]).
    pub fn plugin(self, plugin: impl Plugin) -> App {
        self.plugins(plugin)
    }

    /// Test and benchmark seams.
    pub fn hooks(mut self, hooks: Hooks) -> App {
        self.hooks = hooks;
        self
    }

    /// Checks the plugins, connects and migrates.
    pub async fn build(self) -> Result<Application, StartError> {
        Application::build_with(self.settings?, self.hooks, &self.plugins).await
    }

    /// Runs until Ctrl-C or SIGTERM.
    pub async fn run(self) -> Result<(), StartError> {
        let app = self.build().await?;
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            stop.cancel();
        });
        app.run(shutdown).await
    }
}

/// Test and benchmark seams; production uses the defaults.
#[derive(Default)]
pub struct Hooks {
    /// The time now (tests set it).
    pub clock: Option<Clock>,
    /// Called with every update before it is handled (tests make handlers
    /// fail); only with the `testing` feature.
    #[cfg(feature = "testing")]
    pub probe: Option<Probe>,
    /// How long one getUpdates call may wait (default 10 s); shutdown waits
    /// for the call in flight.
    pub poll_timeout: Option<Duration>,
    /// Broadcaster settings other than those the configuration sets.
    pub broadcast: Option<broadcaster::Settings>,
    /// Sends as fast as the Bot API answers (benchmarks against the fake).
    pub unlimited_rate: bool,
    /// Outbound settings other than rate and paid broadcasts, which the
    /// configuration sets (tests shorten the replies' deadline).
    pub outbound: Option<basis_outbound::Settings>,
    /// A listener bound already, used instead of binding `BASIS_LISTEN`
    /// (tests need the port before the webhook URL can name it).
    pub listener: Option<tokio::net::TcpListener>,
    /// How often `/readyz`'s Bot API check runs (default 30 s).
    pub health_every: Option<Duration>,
}

/// A bot built and connected, ready to [`Application::run`].
pub struct Application {
    config: Settings,
    poll_timeout: Duration,
    bot: Outbound,
    ctx: Arc<Context>,
    broadcaster: Broadcaster,
    http: Option<Bound>,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    health_every: Duration,
}

/// Connects, migrates and seeds the topics and regions: what `basis
/// migrate` does.
pub async fn prepare_storage(config: &Settings) -> Result<Storage, StartError> {
    prepare_storage_with(config, &Registry::default()).await
}

/// Connects, applies Basis's migrations and the plugins', and seeds the
/// topics and regions.
pub async fn prepare_storage_with(config: &Settings, registry: &Registry) -> Result<Storage, StartError> {
    let db_error = |e| StartError::Database(redact_url(&config.database_url), e);
    let storage = Storage::connect(&config.database_url).await.map_err(db_error)?;
    storage.migrate().await.map_err(db_error)?;
    for (plugin, migrations) in &registry.migrations {
        storage.migrate_plugin(plugin, migrations.sqlite, migrations.postgres).await.map_err(db_error)?;
    }
    let report = storage.seed_topics(&config.topic_seeds(), basis_storage::now_ms()).await.map_err(db_error)?;
    if !report.added.is_empty() {
        tracing::info!(added = ?report.added, "new topics");
    }
    if !report.retired.is_empty() {
        tracing::warn!(
            retired = ?report.retired,
            "topics no longer in the configuration are hidden from members; their subscriptions are kept"
        );
    }
    let report = storage.seed_regions(&config.region_seeds(), basis_storage::now_ms()).await.map_err(db_error)?;
    if !report.added.is_empty() {
        tracing::info!(added = ?report.added, "new regions");
    }
    if !report.retired.is_empty() {
        tracing::warn!(
            retired = ?report.retired,
            "regions no longer in the configuration are hidden from members and reached by no targeted post; \
             their members' choices are kept"
        );
    }
    Ok(storage)
}

impl Application {
    /// Everything `basis` does: [`DefaultPlugins`].
    pub async fn build(config: Config, hooks: Hooks) -> Result<Application, StartError> {
        Application::build_with(config.parse()?, hooks, &DefaultPlugins::default().into_plugins()).await
    }

    /// The bot made of `plugins`: checks them, connects and migrates.
    pub async fn build_with(
        config: Settings,
        hooks: Hooks,
        plugins: &[Arc<dyn Plugin>],
    ) -> Result<Application, StartError> {
        let mut registry = Registry::build(plugins)?;
        let token = config.token()?.expose_secret().to_owned();
        crate::telemetry::hide(&token);
        let api_url = config.api_url.clone();
        let storage = prepare_storage_with(&config, &registry).await?;
        let db_error = |e| StartError::Database(redact_url(&config.database_url), e);
        let stored = storage.topics().await.map_err(db_error)?;
        let regions = RegionCatalog::from_stored(&storage.regions().await.map_err(db_error)?);
        // With no regions configured, nothing about regions is offered.
        if regions.is_empty() {
            registry.commands.without_regional();
        }
        let ctx = Arc::new(Context {
            storage,
            texts: Texts::load_with(&registry.texts),
            topics: TopicCatalog::from_stored(&stored),
            regions,
            organisation: config.organisation.clone(),
            clock: hooks.clock.unwrap_or_else(|| Arc::new(basis_storage::now_ms)),
            #[cfg(feature = "testing")]
            probe: hooks.probe,
            owners: config.owners.clone(),
            wake: Arc::default(),
            invite_ttl_ms: config.invite_ttl.as_millis() as i64,
            timezone: config.timezone,
            approval: config.approval,
            flood: FloodControl::per_minute(config.flood_per_minute),
            privacy_version: i64::from(config.privacy_version),
            privacy_contact: config.privacy_contact.clone(),
            registry,
            inbox: config.inbox,
            leading: Leading::default(),
        });
        // Every message the bot sends goes through this one scheduler.
        let bot = Outbound::new(
            Bot::new(token).set_api_url(api_url),
            basis_outbound::Settings {
                rate: if hooks.unlimited_rate { None } else { Some(config.rate.per_second) },
                paid: config.rate.paid,
                ..hooks.outbound.unwrap_or_default()
            },
        );
        let poll_timeout = hooks.poll_timeout.unwrap_or(Duration::from_secs(10));
        let settings = hooks.broadcast.unwrap_or_default();
        let metrics = Arc::new(Metrics::new());
        metrics.watch(bot.scheduler().clone());
        for collector in ctx.registry.collectors() {
            metrics.register(collector.clone());
        }
        let parts = broadcaster::Parts {
            storage: ctx.storage.clone(),
            clock: ctx.clock.clone(),
            wake: ctx.wake.clone(),
            render: Arc::new(BasisTexts(ctx.clone())),
            finished: {
                let basis = basis_handlers::Basis::new(bot.clone(), ctx.clone());
                Arc::new(move |done: broadcaster::Finished| {
                    let (broadcast, delivered, failed) = (done.broadcast, done.delivered, done.failed);
                    basis.emit(basis_handlers::DomainEvent::BroadcastFinished { broadcast, delivered, failed });
                })
            },
        };
        let broadcaster =
            Broadcaster::new(parts, &bot, config.api_url.as_str(), config.token()?, settings, metrics.clone());
        let http = Bound::bind(&config, hooks.listener)
            .await
            .map_err(|e| StartError::Listen(config.listen.map_or_else(|| "off".to_owned(), |a| a.to_string()), e))?;
        let health_every = hooks.health_every.unwrap_or(Duration::from_secs(30));
        let health = Arc::default();
        Ok(Application { config, poll_timeout, bot, ctx, broadcaster, http, metrics, health, health_every })
    }

    /// Where `/healthz`, `/readyz`, `/metrics` (and the webhook) are served.
    pub fn http_addr(&self) -> Option<std::net::SocketAddr> {
        self.http.as_ref().map(Bound::addr)
    }

    /// The database it runs on.
    pub fn storage(&self) -> &Storage {
        &self.ctx.storage
    }

    /// Queues broadcasts; the application's run loop delivers them.
    pub fn broadcaster(&self) -> Broadcaster {
        self.broadcaster.clone()
    }

    /// Answers members until `shutdown` is cancelled. Fails early, with a
    /// clear reason, when the token is wrong or the Bot API unreachable.
    pub async fn run(mut self, shutdown: CancellationToken) -> Result<(), StartError> {
        let basis = basis_handlers::Basis::new(self.bot.clone(), self.ctx.clone());
        let mut serving = self.http.take().map(|bound| {
            let plugins = self.ctx.registry.router(&basis);
            bound.serve(self.ctx.storage.clone(), self.metrics.clone(), self.health.clone(), plugins)
        });
        let api = redact_url(self.config.api_url.as_str());
        let me = match self.bot.get_me().await {
            Ok(me) => me,
            Err(RequestError::Api(ApiError::InvalidToken)) => return Err(StartError::BadToken),
            Err(error) => return Err(StartError::Unreachable(api, error)),
        };
        self.health.bot_api_answered();
        tracing::info!(bot = %me.username(), "connected to the Bot API");
        let webhook = match &mut serving {
            Some(serving) => {
                serving.set_webhook(self.bot.inner(), allowed_updates()).await.map_err(StartError::Webhook)?
            }
            None => None,
        };
        if webhook.is_none()
            && let Err(error) = self.bot.delete_webhook().await
        {
            tracing::warn!(%error, "could not remove a webhook");
        }
        if let Err(error) = register_commands(&self.bot, &self.ctx.texts, &self.ctx.registry.commands).await {
            tracing::warn!(%error, "could not register the command menus");
        }

        let handler = crate::metrics::instrument(schema(&self.ctx.registry), self.metrics.clone());
        let mut deps = dptree::deps![self.ctx.clone()];
        self.ctx.registry.inject(&mut deps);
        let mut dispatcher = Dispatcher::builder(self.bot.clone(), handler)
            // A chat's updates are handled one after the other, and a reply
            // may wait a second for its chat's limit. teloxide's default of
            // 64 queued updates per chat would let one flooding member fill
            // the queue and stall every chat (flood control runs inside the
            // tree); a deep queue lets flood control drop the excess instead.
            .worker_queue_size(CHAT_QUEUE)
            .dependencies(deps)
            .default_handler(|update| async move {
                tracing::trace!(update_id = update.id.0, "update not handled");
            })
            .error_handler(Arc::new(HandlerErrors))
            .build();

        // Stops everything: the operator's shutdown, or a lost leadership.
        let run = shutdown.child_token();
        let lost = CancellationToken::new();
        let (leading_tx, leading_rx) = tokio::sync::oneshot::channel::<()>();
        let sending = tokio::spawn(lead_and_send(
            self.ctx.clone(),
            self.broadcaster.clone(),
            run.clone(),
            lost.clone(),
            leading_tx,
        ));
        let shutdown = run.clone();
        let days = self.config.retention_days;
        let background = [
            tokio::spawn(crate::maintenance::retention_loop(self.ctx.clone(), days, shutdown.clone())),
            tokio::spawn(crate::metrics::refresh_loop(
                self.metrics.clone(),
                self.ctx.storage.clone(),
                Duration::from_secs(5),
                shutdown.clone(),
            )),
            tokio::spawn(crate::http::watch_bot_api(
                self.bot.inner().clone(),
                self.health.clone(),
                self.health_every,
                shutdown.clone(),
            )),
        ];
        let plugin_tasks = self.ctx.registry.spawn_tasks(&basis, &shutdown);
        // In webhook mode every instance answers members: they share the
        // bot's budget through the database.
        let sharing = webhook.is_some().then(|| {
            tokio::spawn(crate::ledger::share_budget(
                self.ctx.storage.clone(),
                self.bot.scheduler().clone(),
                shutdown.clone(),
            ))
        });
        let token = dispatcher.shutdown_token();
        let health = self.health.clone();
        let stopper = tokio::spawn(async move {
            shutdown.cancelled().await;
            health.stopping();
            tracing::info!("shutting down");
            // The dispatcher may still be starting; ask until it listens.
            loop {
                match token.shutdown() {
                    Ok(done) => break done.await,
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
        });
        match webhook {
            Some(updates) => {
                let errors = LoggingErrorHandler::with_custom_text("receiving updates failed");
                // teloxide asks getMe once more before dispatching and would
                // panic if Telegram did not answer (see DESIGN.md).
                if let Err(error) = dispatcher.try_dispatch_with_listener(updates, errors).await {
                    tracing::error!(?error, "could not start handling updates: the Bot API did not answer");
                }
            }
            // Only the leading instance polls: Telegram allows one poller.
            None => {
                let leading = tokio::select! {
                    leading = leading_rx => leading.is_ok(),
                    _ = run.cancelled() => false,
                };
                // teloxide asks getMe once more before polling and would panic
                // if Telegram did not answer (see DESIGN.md): ask again until
                // it does, or until shutdown.
                while leading && !run.is_cancelled() {
                    let listener = Polling::builder(self.bot.clone())
                        .timeout(self.poll_timeout)
                        .allowed_updates(allowed_updates())
                        .build();
                    let errors = LoggingErrorHandler::with_custom_text("polling for updates failed");
                    match dispatcher.try_dispatch_with_listener(listener, errors).await {
                        Ok(()) => break,
                        Err(error) => {
                            tracing::warn!(?error, "could not start polling: the Bot API did not answer; trying again");
                            tokio::select! {
                                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                                _ = run.cancelled() => {}
                            }
                        }
                    }
                }
            }
        }
        stopper.abort();
        run.cancel();
        let _ = sending.await;
        for task in background.into_iter().chain(sharing).chain(plugin_tasks) {
            let _ = task.await;
        }
        if let Some(serving) = serving {
            serving.shut_down().await;
        }
        self.ctx.storage.close().await;
        if lost.is_cancelled() {
            return Err(StartError::LostLeadership);
        }
        Ok(())
    }
}

/// Basis's Fluent texts, as the broadcaster shows them.
struct BasisTexts(Arc<Context>);

impl broadcaster::Render for BasisTexts {
    fn event(
        &self,
        event: &basis_storage::Event,
        note: basis_storage::EventNote,
        locale: basis_handlers::Locale,
        choice: Option<basis_storage::RsvpAnswer>,
        now: i64,
    ) -> broadcaster::Rendered {
        let ctx = &self.0;
        let rendered = basis_handlers::events::render(&ctx.texts, ctx.timezone, event, note, locale, choice, now);
        broadcaster::Rendered { text: rendered.text, keyboard: rendered.keyboard }
    }

    fn queued(&self, locale: basis_handlers::Locale, id: i64, total: i64) -> String {
        basis_handlers::reports::queued(&self.0.texts, locale, id, total)
    }

    fn progress(&self, locale: basis_handlers::Locale, figures: &basis_handlers::reports::Figures) -> String {
        basis_handlers::reports::progress(&self.0.texts, locale, figures)
    }

    fn final_report(&self, locale: basis_handlers::Locale, figures: &basis_handlers::reports::Figures) -> String {
        basis_handlers::reports::final_report(&self.0.texts, locale, figures)
    }
}

/// Waits to lead (PostgreSQL: one instance of several; SQLite: at once),
/// takes over what the previous leader left in flight, and sends until
/// `run` ends.
///
/// When the connection holding the lock breaks (a database restart, a
/// proxy reset), the leader asks for the lock again on a new connection and
/// goes on sending: a blip changes nothing. If another instance holds the
/// lock by then, this one stops everything, polling included, and exits
/// with an error so that its service manager restarts it as a standby.
async fn lead_and_send(
    ctx: Arc<Context>,
    broadcaster: Broadcaster,
    run: CancellationToken,
    lost: CancellationToken,
    leading: tokio::sync::oneshot::Sender<()>,
) {
    let storage = &ctx.storage;
    let mut waiting_said = false;
    let mut leadership = loop {
        match storage.try_lead().await {
            Ok(Some(leadership)) => break leadership,
            Ok(None) if !waiting_said => {
                tracing::info!("another instance leads; standing by to take over");
                waiting_said = true;
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "could not ask for the leadership"),
        }
        tokio::select! {
            _ = tokio::time::sleep(LEADERSHIP_POLL) => {}
            _ = run.cancelled() => return,
        }
    };
    match storage.release_leases(ctx.now()).await {
        Ok(0) => {}
        Ok(released) => tracing::info!(released, "took over deliveries the previous leader had in flight"),
        Err(error) => {
            tracing::warn!(%error, "could not take over deliveries in flight; they return when their lease ends")
        }
    }
    if waiting_said {
        tracing::info!("leading now: polling and sending");
    }
    let _ = leading.send(());
    // Plugins' work that must happen once (the inbox's relays) runs here too.
    ctx.leading.set(true);
    let sending = tokio::spawn(broadcaster.run(run.clone()));
    let mut held = true;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(LEADERSHIP_POLL) => {}
            _ = run.cancelled() => break,
        }
        if held && leadership.holds().await {
            continue;
        }
        if held {
            tracing::warn!("the database connection holding the leadership broke; asking for it again");
        }
        // Until the answer is clear, sending goes on: a blip is no reason to
        // stop, and the lease tokens keep a late rival from changing our rows.
        match storage.try_lead().await {
            Ok(Some(again)) => {
                leadership = again;
                held = true;
                tracing::info!("leadership kept");
            }
            Ok(None) => {
                tracing::error!("another instance leads now; stopping so that no two instances poll or send");
                lost.cancel();
                run.cancel();
                break;
            }
            Err(_) => held = false,
        }
    }
    ctx.leading.set(false);
    if let Err(error) = sending.await {
        tracing::error!(%error, "the broadcaster stopped abnormally; queued deliveries wait for the next start");
    }
    leadership.resign().await;
}

/// Logs what a handler could not do, with its causes. A reply the outbound
/// path dropped (no room within its deadline) is not logged here: the
/// scheduler logs those once per burst.
struct HandlerErrors;

impl teloxide::error_handlers::ErrorHandler<basis_handlers::HandlerError> for HandlerErrors {
    fn handle_error(self: Arc<Self>, error: basis_handlers::HandlerError) -> futures::future::BoxFuture<'static, ()> {
        if error.is_dropped_send() {
            tracing::debug!("a reply was dropped");
        } else {
            tracing::error!(error = %crate::broadcaster::error_chain(&error), "a handler failed");
        }
        Box::pin(async {})
    }
}

/// Updates waiting per chat (see `worker_queue_size` above).
const CHAT_QUEUE: usize = 8192;

/// How often a standby asks for the leadership, and a leader checks it.
const LEADERSHIP_POLL: Duration = Duration::from_secs(1);

/// Resolves when the operator asks the process to stop: Ctrl-C, or SIGTERM
/// from a service manager.
pub async fn shutdown_signal() {
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
}

//! The extension API: what a party or union adds to Basis without forking
//! it. A [`Plugin`] adds commands, buttons in a callback namespace of its
//! own, raw dptree branches, shared state, Fluent texts for every language
//! Basis speaks, migrations for both engines and listeners for domain
//! events. Basis's own features are plugins too
//! ([`crate::plugins::DefaultPlugins`]).
//!
//! ```ignore
//! struct StrikePay;
//!
//! impl Plugin for StrikePay {
//!     fn name(&self) -> &'static str { "strikepay" }
//!     fn build(&self, app: &mut Extensions) {
//!         app.texts(Locale::De, "strikepay-about = Streikgeld pro Tag\n…");
//!         app.texts(Locale::En, "strikepay-about = Strike pay per day\n…");
//!         app.command(Declaration::new("strikepay", "strikepay-about").aliases(&["streikgeld"]), |call: Call| async move {
//!             call.say(call.basis.text(call.locale, "strikepay-answer")).await
//!         });
//!     }
//! }
//! ```

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;

use basis_storage::{MigrationStep, Storage};
use futures::future::BoxFuture;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, Me, MessageId, User, UserId};
use tokio_util::sync::CancellationToken;

use crate::domain::{DomainEvent, Notice};
use crate::registry::{Args, Commands, Declaration};
use crate::roles::Role;
use crate::scene::Scene;
use crate::{Ctx, HandlerError, HandlerResult, Locale, Outbound, TopicCatalog};

/// A piece of a bot built on Basis.
pub trait Plugin: Send + Sync + 'static {
    /// Unique among the plugins of one bot: 1–32 of `a-z 0-9 _`, starting
    /// with a letter. It names the plugin's migrations table.
    fn name(&self) -> &'static str;

    /// Adds what the plugin brings.
    fn build(&self, app: &mut Extensions);
}

/// Plugins added together, such as [`crate::plugins::DefaultPlugins`].
pub trait PluginGroup {
    /// The plugins, in the order they are built.
    fn into_plugins(self) -> Vec<Arc<dyn Plugin>>;
}

impl<P: Plugin> PluginGroup for P {
    fn into_plugins(self) -> Vec<Arc<dyn Plugin>> {
        vec![Arc::new(self)]
    }
}

impl PluginGroup for Vec<Arc<dyn Plugin>> {
    fn into_plugins(self) -> Vec<Arc<dyn Plugin>> {
        self
    }
}

/// A plugin's command handler.
pub type CommandFn = Arc<dyn Fn(Call) -> BoxFuture<'static, HandlerResult> + Send + Sync>;
/// A plugin's button handler.
pub type PressFn = Arc<dyn Fn(Press) -> BoxFuture<'static, HandlerResult> + Send + Sync>;
/// A plugin's reader of messages that are not commands: `Ok(true)` when it
/// took the message, `Ok(false)` to leave it to the next.
pub type InputFn = Arc<dyn Fn(Input) -> BoxFuture<'static, Result<bool, HandlerError>> + Send + Sync>;
/// What a plugin keeps about one chat ([`Extensions::personal_data`]).
pub type DataFn =
    Arc<dyn Fn(Basis, i64, Locale) -> BoxFuture<'static, Result<Option<PersonalData>, HandlerError>> + Send + Sync>;
/// Deletes what a plugin keeps about one chat ([`Extensions::forget`]).
pub type ForgetFn = Arc<dyn Fn(Basis, i64) -> BoxFuture<'static, Result<(), HandlerError>> + Send + Sync>;
/// A plugin's listener for domain events.
pub type ListenerFn = Arc<dyn Fn(Notice) -> BoxFuture<'static, HandlerResult> + Send + Sync>;

/// Makes a plugin's HTTP routes once the bot is connected.
pub type RoutesFn = Arc<dyn Fn(Basis) -> axum::Router + Send + Sync>;
/// A plugin's background work: runs from start until the token is cancelled.
pub type TaskFn = Arc<dyn Fn(Basis, CancellationToken) -> BoxFuture<'static, ()> + Send + Sync>;

/// A plugin's Prometheus metrics, served on `/metrics` with Basis's own.
pub type Collector = Arc<dyn prometheus::core::Collector>;

/// Puts one piece of shared state into the dispatcher's dependencies.
type Inject = Arc<dyn Fn(&mut DependencyMap) + Send + Sync>;

/// A plugin's migrations, one list per engine. Versions only grow; an
/// applied migration is never changed (its checksum is kept).
#[derive(Clone, Copy, Debug)]
pub struct Migrations {
    /// For SQLite.
    pub sqlite: &'static [MigrationStep],
    /// For PostgreSQL.
    pub postgres: &'static [MigrationStep],
}

/// What is wrong with a set of plugins; the bot does not start. `plugin`
/// names the plugin at fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[allow(missing_docs)] // the fields are named for what they hold
pub enum PluginError {
    /// A name that cannot name a migrations table.
    #[error("plugin name `{0}` must be 1–32 of a-z, 0-9 and _, starting with a letter")]
    BadName(String),
    /// Two plugins of one name.
    #[error("two plugins are called `{0}`")]
    DuplicateName(String),
    /// A command or alias that another declaration has already.
    #[error("plugin `{plugin}`: command `/{command}` is declared twice")]
    DuplicateCommand { plugin: String, command: String },
    /// A name Telegram's menu does not accept.
    #[error("plugin `{plugin}`: command name `{command}` must be 1–32 of a-z, 0-9 and _")]
    BadCommand { plugin: String, command: String },
    /// A callback namespace that is Basis's, another plugin's, or invalid.
    #[error("plugin `{plugin}`: callback namespace `{namespace}` is taken or not 1–8 of a-z and 0-9")]
    BadNamespace { plugin: String, namespace: String },
    /// Fluent source that does not parse.
    #[error("plugin `{plugin}`: its {locale} texts do not parse: {error}")]
    BadTexts { plugin: String, locale: &'static str, error: String },
    /// A text one language has and another lacks.
    #[error("plugin `{plugin}`: text `{id}` is missing in {locale}")]
    MissingText { plugin: String, id: String, locale: &'static str },
    /// A text id that is Basis's own or another plugin's.
    #[error("plugin `{plugin}`: text `{id}` is Basis's own or another plugin's")]
    DuplicateText { plugin: String, id: String },
}

/// Where a plugin adds what it brings; given to [`Plugin::build`].
pub struct Extensions {
    plugin: &'static str,
    commands: Commands,
    presses: Vec<(&'static str, PressFn)>,
    inputs: Vec<InputFn>,
    branches: Vec<UpdateHandler<HandlerError>>,
    state: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    inject: Vec<Inject>,
    texts: Vec<PluginTexts>,
    migrations: Vec<(&'static str, Migrations)>,
    listeners: Vec<ListenerFn>,
    routes: Vec<(&'static str, RoutesFn)>,
    tasks: Vec<(&'static str, TaskFn)>,
    data: Vec<DataFn>,
    forget: Vec<ForgetFn>,
    collectors: Vec<Collector>,
    tables: Vec<&'static str>,
    errors: Vec<PluginError>,
}

/// What a plugin keeps about one chat, as `/mydata` and `/privacy` show it.
#[derive(Clone, Debug)]
pub struct PersonalData {
    /// The key of its part in `/mydata`'s JSON document (the plugin's name
    /// is a good one).
    pub key: &'static str,
    /// Everything the plugin stores about the chat.
    pub value: serde_json::Value,
    /// One line for `/privacy`, in the chat's language.
    pub summary: String,
}

/// One plugin's Fluent source for one language.
#[derive(Clone, Debug)]
pub struct PluginTexts {
    /// The plugin's name.
    pub plugin: &'static str,
    /// The language.
    pub locale: Locale,
    /// The Fluent source.
    pub source: String,
}

/// Callback namespaces of Basis's own buttons, and the default plugin that
/// handles each. No other plugin may take them, even when their own plugin
/// is left out: old buttons with that data are still around in chats.
const BASIS_NAMESPACES: &[(&str, &str)] = &[
    ("t", crate::plugins::MEMBERS),
    ("lang", crate::plugins::MEMBERS),
    ("stop", crate::plugins::PRIVACY),
    ("p", crate::plugins::POSTING),
    ("g", crate::plugins::POSTING),
    ("gn", crate::plugins::POSTING),
    ("ev", crate::plugins::ASSEMBLIES),
    ("r", crate::plugins::MEMBERS),
    ("gr", crate::plugins::POSTING),
];

impl Extensions {
    /// Adds a command; `declaration` says who may use it and where, and the
    /// gate checks that before `handler` runs. The handler gets the
    /// arguments as typed ([`Call::args`]).
    pub fn command<F, Fut>(&mut self, declaration: Declaration, handler: F) -> &mut Self
    where
        F: Fn(Call) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HandlerResult> + Send + 'static,
    {
        self.declare(declaration, Arc::new(move |call| Box::pin(handler(call))))
    }

    /// Adds a command whose arguments are read by `A` first: arguments `A`
    /// refuses get the command's usage as the answer, in the asker's
    /// language ([`Declaration::usage`]), and the handler does not run.
    pub fn command_with<A, F, Fut>(&mut self, declaration: Declaration, handler: F) -> &mut Self
    where
        A: Args,
        F: Fn(Call, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HandlerResult> + Send + 'static,
    {
        self.declare(declaration, crate::registry::with_args(handler))
    }

    fn declare(&mut self, declaration: Declaration, handler: CommandFn) -> &mut Self {
        let plugin = self.plugin.to_owned();
        let valid = |name: &str| {
            (1..=32).contains(&name.len())
                && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        for name in std::iter::once(declaration.name).chain(declaration.aliases.iter().copied()) {
            if !valid(name) {
                self.errors.push(PluginError::BadCommand { plugin: plugin.clone(), command: name.to_owned() });
            } else if self.commands.find(name).is_some() {
                self.errors.push(PluginError::DuplicateCommand { plugin: plugin.clone(), command: name.to_owned() });
            }
        }
        self.commands.push(Declaration { plugin: self.plugin, ..declaration }, handler);
        self
    }

    /// Handles presses of buttons whose callback data starts with
    /// `namespace:` (made with [`callback_data`]). The handler gets the rest.
    pub fn callbacks<F, Fut>(&mut self, namespace: &'static str, handler: F) -> &mut Self
    where
        F: Fn(Press) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HandlerResult> + Send + 'static,
    {
        let owner = BASIS_NAMESPACES.iter().find(|(n, _)| *n == namespace).map(|(_, plugin)| *plugin);
        let valid = (1..=8).contains(&namespace.len())
            && namespace.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && owner.is_none_or(|plugin| plugin == self.plugin)
            && !self.presses.iter().any(|(n, _)| *n == namespace);
        if !valid {
            self.errors.push(PluginError::BadNamespace { plugin: self.plugin.to_owned(), namespace: namespace.into() });
        }
        self.presses.push((namespace, Arc::new(move |press| Box::pin(handler(press)))));
        self
    }

    /// Reads messages that are not commands (in private chats and in
    /// groups), before Basis's hint that a command is expected. Readers are
    /// asked in the order the plugins were added until one takes the
    /// message.
    pub fn on_input<F, Fut>(&mut self, reader: F) -> &mut Self
    where
        F: Fn(Input) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool, HandlerError>> + Send + 'static,
    {
        self.inputs.push(Arc::new(move |input| Box::pin(reader(input))));
        self
    }

    /// A raw dptree branch, tried after flood control and before Basis's
    /// own handlers: an escape hatch for what commands and buttons do not
    /// cover. A branch that handles an update ends it there.
    pub fn branch(&mut self, branch: UpdateHandler<HandlerError>) -> &mut Self {
        self.branches.push(branch);
        self
    }

    /// Shared state: handlers get it with [`Basis::state`], raw branches as
    /// an `Arc<T>` dependency.
    pub fn state<T: Send + Sync + 'static>(&mut self, value: T) -> &mut Self {
        let value = Arc::new(value);
        self.state.insert(TypeId::of::<T>(), value.clone());
        self.inject.push(Arc::new(move |deps: &mut DependencyMap| {
            deps.insert(value.clone());
        }));
        self
    }

    /// The plugin's Fluent texts in `locale`. Every language Basis speaks
    /// must get the same message ids, none of them Basis's own.
    pub fn texts(&mut self, locale: Locale, source: impl Into<String>) -> &mut Self {
        self.texts.push(PluginTexts { plugin: self.plugin, locale, source: source.into() });
        self
    }

    /// The plugin's own tables, applied by `basis migrate` and at start.
    pub fn migrations(&mut self, migrations: Migrations) -> &mut Self {
        self.migrations.push((self.plugin, migrations));
        self
    }

    /// HTTP routes served on `BASIS_LISTEN` beside `/healthz`, made with
    /// the connected bot. Paths should sit under a prefix of the plugin's
    /// own (Basis serves `/healthz`, `/readyz`, `/metrics` and the webhook).
    pub fn routes<F>(&mut self, routes: F) -> &mut Self
    where
        F: Fn(Basis) -> axum::Router + Send + Sync + 'static,
    {
        self.routes.push((self.plugin, Arc::new(routes)));
        self
    }

    /// Background work, started when the bot runs and told to stop with the
    /// token. Every instance runs it: work that must happen once across
    /// instances decides that through the database.
    pub fn task<F, Fut>(&mut self, task: F) -> &mut Self
    where
        F: Fn(Basis, CancellationToken) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.tasks.push((self.plugin, Arc::new(move |basis, stop| Box::pin(task(basis, stop)))));
        self
    }

    /// The plugin's tables, parents before children: `basis export` copies
    /// them with Basis's own (and refuses a database with tables no one
    /// named).
    pub fn tables(&mut self, tables: &'static [&'static str]) -> &mut Self {
        self.tables.extend_from_slice(tables);
        self
    }

    /// Metrics served on `/metrics` beside Basis's own: names should start
    /// with `basis_` and the plugin's name, and labels stay a bounded set.
    pub fn metrics(&mut self, collector: Collector) -> &mut Self {
        self.collectors.push(collector);
        self
    }

    /// What the plugin keeps about a chat, for `/mydata` (its part of the
    /// JSON document) and `/privacy` (one line). `None` when it keeps
    /// nothing about that chat.
    pub fn personal_data<F, Fut>(&mut self, data: F) -> &mut Self
    where
        F: Fn(Basis, i64, Locale) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<PersonalData>, HandlerError>> + Send + 'static,
    {
        self.data.push(Arc::new(move |basis, chat, locale| Box::pin(data(basis, chat, locale))));
        self
    }

    /// Deletes what the plugin keeps about a chat when the member leaves
    /// with `/stop`. It runs before Basis deletes its own rows, and a
    /// failure stops the deletion, so that pressing again deletes all.
    pub fn forget<F, Fut>(&mut self, forget: F) -> &mut Self
    where
        F: Fn(Basis, i64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.forget.push(Arc::new(move |basis, chat| Box::pin(forget(basis, chat))));
        self
    }

    /// Called after each domain event, once what caused it is committed.
    pub fn on_event<F, Fut>(&mut self, listener: F) -> &mut Self
    where
        F: Fn(Notice) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HandlerResult> + Send + 'static,
    {
        self.listeners.push(Arc::new(move |notice| Box::pin(listener(notice))));
        self
    }
}

/// Everything the plugins of one bot added, checked.
#[derive(Clone, Default)]
pub struct Registry {
    /// Every command, Basis's and the plugins'.
    pub commands: Commands,
    presses: Vec<(&'static str, PressFn)>,
    inputs: Vec<InputFn>,
    branches: Vec<UpdateHandler<HandlerError>>,
    state: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    inject: Vec<Inject>,
    /// The plugins' texts, checked.
    pub texts: Vec<PluginTexts>,
    /// The plugins' migrations, by plugin.
    pub migrations: Vec<(&'static str, Migrations)>,
    listeners: Vec<ListenerFn>,
    routes: Vec<(&'static str, RoutesFn)>,
    tasks: Vec<(&'static str, TaskFn)>,
    data: Vec<DataFn>,
    forget: Vec<ForgetFn>,
    collectors: Vec<Collector>,
    /// The plugins' tables, parents first (for `basis export`).
    pub tables: Vec<&'static str>,
    /// The plugins, by name, in the order they were added.
    pub plugins: Vec<&'static str>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("plugins", &self.plugins).field("commands", &self.commands).finish()
    }
}

impl Registry {
    /// Builds every plugin and checks what they added together.
    pub fn build(plugins: &[Arc<dyn Plugin>]) -> Result<Registry, PluginError> {
        let mut ext = Extensions {
            plugin: "",
            commands: Commands::default(),
            presses: Vec::new(),
            inputs: Vec::new(),
            branches: Vec::new(),
            state: HashMap::new(),
            inject: Vec::new(),
            texts: Vec::new(),
            migrations: Vec::new(),
            listeners: Vec::new(),
            routes: Vec::new(),
            tasks: Vec::new(),
            data: Vec::new(),
            forget: Vec::new(),
            collectors: Vec::new(),
            tables: Vec::new(),
            errors: Vec::new(),
        };
        let mut names = Vec::new();
        for plugin in plugins {
            let name = plugin.name();
            let valid = (1..=32).contains(&name.len())
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid {
                return Err(PluginError::BadName(name.into()));
            }
            if names.contains(&name) {
                return Err(PluginError::DuplicateName(name.into()));
            }
            names.push(name);
            ext.plugin = name;
            plugin.build(&mut ext);
        }
        if let Some(error) = ext.errors.into_iter().next() {
            return Err(error);
        }
        check_texts(&ext.texts)?;
        Ok(Registry {
            commands: ext.commands,
            presses: ext.presses,
            inputs: ext.inputs,
            branches: ext.branches,
            state: ext.state,
            inject: ext.inject,
            texts: ext.texts,
            migrations: ext.migrations,
            listeners: ext.listeners,
            routes: ext.routes,
            tasks: ext.tasks,
            data: ext.data,
            forget: ext.forget,
            collectors: ext.collectors,
            tables: ext.tables,
            plugins: names,
        })
    }

    /// Puts the plugins' shared state into the dispatcher's dependencies.
    pub fn inject(&self, deps: &mut DependencyMap) {
        for inject in &self.inject {
            inject(deps);
        }
    }

    pub(crate) fn branches(&self) -> &[UpdateHandler<HandlerError>] {
        &self.branches
    }

    pub(crate) fn press_handler(&self, data: &str) -> Option<(&PressFn, String)> {
        let (namespace, rest) = data.split_once(':')?;
        self.presses.iter().find(|(n, _)| *n == namespace).map(|(_, handler)| (handler, rest.to_owned()))
    }

    pub(crate) fn inputs(&self) -> &[InputFn] {
        &self.inputs
    }

    /// What the plugins keep about `chat`.
    pub async fn personal_data(
        &self,
        basis: &Basis,
        chat: i64,
        locale: Locale,
    ) -> Result<Vec<PersonalData>, HandlerError> {
        let mut found = Vec::new();
        for data in &self.data {
            found.extend(data(basis.clone(), chat, locale).await?);
        }
        Ok(found)
    }

    /// Deletes what the plugins keep about `chat`.
    pub async fn forget(&self, basis: &Basis, chat: i64) -> Result<(), HandlerError> {
        for forget in &self.forget {
            forget(basis.clone(), chat).await?;
        }
        Ok(())
    }

    pub(crate) fn listeners(&self) -> &[ListenerFn] {
        &self.listeners
    }

    /// The plugins' HTTP routes, merged, for the connected bot.
    pub fn router(&self, basis: &Basis) -> axum::Router {
        self.routes.iter().fold(axum::Router::new(), |router, (_, routes)| router.merge(routes(basis.clone())))
    }

    /// The plugins' metrics, for `/metrics`.
    pub fn collectors(&self) -> &[Collector] {
        &self.collectors
    }

    /// Starts the plugins' background work; each task ends when `stop` is
    /// cancelled.
    pub fn spawn_tasks(&self, basis: &Basis, stop: &CancellationToken) -> Vec<tokio::task::JoinHandle<()>> {
        self.tasks
            .iter()
            .map(|(plugin, task)| {
                let run = task(basis.clone(), stop.clone());
                let plugin = *plugin;
                tokio::spawn(async move {
                    run.await;
                    tracing::debug!(plugin, "a plugin's background task ended");
                })
            })
            .collect()
    }

    fn state<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.state.get(&TypeId::of::<T>()).cloned().and_then(|value| value.downcast::<T>().ok())
    }
}

/// Every plugin gives every language the same message ids, and none is
/// Basis's own or another plugin's.
fn check_texts(texts: &[PluginTexts]) -> Result<(), PluginError> {
    let basis = crate::i18n::basis_ids();
    let mut by_plugin: HashMap<&str, HashMap<Locale, HashSet<String>>> = HashMap::new();
    for text in texts {
        let ids = crate::i18n::message_ids(&text.source).map_err(|error| PluginError::BadTexts {
            plugin: text.plugin.into(),
            locale: text.locale.code(),
            error,
        })?;
        by_plugin.entry(text.plugin).or_default().entry(text.locale).or_default().extend(ids);
    }
    let mut seen: HashSet<String> = HashSet::new();
    for (plugin, locales) in &by_plugin {
        let all: HashSet<&String> = locales.values().flatten().collect();
        for id in &all {
            if basis.contains(id.as_str()) || seen.contains(id.as_str()) {
                return Err(PluginError::DuplicateText { plugin: (*plugin).into(), id: (*id).clone() });
            }
            for locale in Locale::ALL {
                if !locales.get(&locale).is_some_and(|ids| ids.contains(*id)) {
                    return Err(PluginError::MissingText {
                        plugin: (*plugin).into(),
                        id: (*id).clone(),
                        locale: locale.code(),
                    });
                }
            }
        }
        seen.extend(all.into_iter().cloned());
    }
    Ok(())
}

/// Callback data for a plugin's button: `namespace:payload`, at most 64
/// bytes as Telegram allows.
pub fn callback_data(namespace: &str, payload: &str) -> Option<String> {
    let data = format!("{namespace}:{payload}");
    (data.len() <= 64).then_some(data)
}

/// What a plugin's handlers and listeners may use of the bot.
#[derive(Clone)]
pub struct Basis {
    pub(crate) bot: Outbound,
    pub(crate) ctx: Ctx,
}

impl Basis {
    /// The bot and its context, as plugins see them.
    pub fn new(bot: Outbound, ctx: Ctx) -> Basis {
        Basis { bot, ctx }
    }

    /// The bot, behind the one outbound path: every send is paced.
    pub fn bot(&self) -> &Outbound {
        &self.bot
    }

    /// The database; plugins keep their rows in their own tables.
    pub fn storage(&self) -> &Storage {
        &self.ctx.storage
    }

    /// The topics members can choose.
    pub fn topics(&self) -> &TopicCatalog {
        &self.ctx.topics
    }

    /// The regions members can say they are in (empty: none configured).
    pub fn regions(&self) -> &crate::RegionCatalog {
        &self.ctx.regions
    }

    /// The organisation's name as members see it.
    pub fn organisation(&self) -> &str {
        &self.ctx.organisation
    }

    /// Milliseconds since the Unix epoch (the clock tests control).
    pub fn now(&self) -> i64 {
        self.ctx.now()
    }

    /// Whether this instance leads (in polling mode only the leader polls
    /// and sends): work that counts against the bot's one budget and must
    /// happen once waits for it ([`crate::Leading::until_leading`]).
    pub fn leading(&self) -> &crate::Leading {
        &self.ctx.leading
    }

    /// A plugin's shared state, added with [`Extensions::state`].
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.ctx.registry.state::<T>()
    }

    /// The text `id` in `locale` (a plugin's texts or Basis's own).
    pub fn text(&self, locale: Locale, id: &str) -> String {
        self.ctx.texts.get(locale).get(id)
    }

    /// The text `id` in `locale` with its arguments.
    pub fn text_with(&self, locale: Locale, id: &str, args: &[(&str, &str)]) -> String {
        let args: HashMap<&str, &str> = args.iter().copied().collect();
        self.ctx.texts.get(locale).get_args(id, args)
    }

    /// Sends `text` to `chat`, with buttons if given.
    pub async fn send(&self, chat: i64, text: String, keyboard: Option<InlineKeyboardMarkup>) -> HandlerResult {
        let request = self.bot.send_message(ChatId(chat), text);
        match keyboard {
            Some(keyboard) => request.reply_markup(keyboard).await?,
            None => request.await?,
        };
        Ok(())
    }

    /// Tells every listener, each in a task of its own, so that a slow
    /// listener delays no answer. Called once the cause is committed.
    pub fn emit(&self, event: DomainEvent) {
        for listener in self.ctx.registry.listeners() {
            let notice = Notice { basis: self.clone(), event: event.clone() };
            let run = listener(notice);
            let kind = event.kind();
            tokio::spawn(async move {
                if let Err(error) = run.await {
                    tracing::warn!(event = kind, error = ?error, "an event listener failed");
                }
            });
        }
    }
}

/// A command, as a member or organizer sent it, once the gate let it
/// through.
#[derive(Clone)]
pub struct Call {
    /// The bot, its storage, texts and the plugins' state.
    pub basis: Basis,
    /// The chat the command came from.
    pub chat: ChatId,
    /// Who sent it (none for a channel or an anonymous admin).
    pub user: Option<UserId>,
    /// The chat's language.
    pub locale: Locale,
    /// Everything after the command's name, trimmed.
    pub args: String,
    /// The message the command came in (what it replies to, its media).
    pub message: Message,
    /// For organizers' and owners' commands: the role the gate let through,
    /// looked up when the command arrived.
    pub role: Option<Role>,
    /// The command's declaration.
    pub declaration: Declaration,
    /// The bot itself (its username, for links).
    pub me: Me,
    pub(crate) scene: Arc<Scene>,
}

impl Call {
    /// Answers in the chat the command came from.
    pub async fn say(&self, text: String) -> HandlerResult {
        self.basis.send(self.chat.0, text, None).await
    }

    /// Answers with buttons.
    pub async fn ask(&self, text: String, keyboard: InlineKeyboardMarkup) -> HandlerResult {
        self.basis.send(self.chat.0, text, Some(keyboard)).await
    }

    /// The text `id` in the chat's language.
    pub fn text(&self, id: &str) -> String {
        self.basis.text(self.locale, id)
    }

    /// The role the gate let through: organizers' and owners' commands
    /// always have one. A command declared for members has none, and a
    /// handler that asks for it fails ([`HandlerError::NoRole`]) rather
    /// than act with powers nobody granted.
    pub(crate) fn role(&self) -> Result<&Role, HandlerError> {
        self.role.as_ref().ok_or(HandlerError::NoRole(self.declaration.name))
    }
}

/// A message that is not a command, offered to the plugins' readers
/// ([`Extensions::on_input`]).
#[derive(Clone)]
pub struct Input {
    /// The bot, its storage, texts and the plugins' state.
    pub basis: Basis,
    /// The chat it was written in.
    pub chat: ChatId,
    /// Who wrote it (none for a channel or an anonymous admin).
    pub user: Option<UserId>,
    /// The chat's language.
    pub locale: Locale,
    /// The message.
    pub message: Message,
    pub(crate) scene: Arc<Scene>,
    pub(crate) role: Arc<tokio::sync::OnceCell<Option<Role>>>,
}

impl Input {
    /// The writer's organizer role, looked up once for all readers (a
    /// member's chatter costs one lookup, however many plugins read it).
    pub async fn role(&self) -> Result<Option<Role>, HandlerError> {
        let role = self.role.get_or_try_init(|| crate::roles::role_of(&self.scene, self.message.from.as_ref())).await?;
        Ok(role.clone())
    }

    /// Answers in the chat the message came from.
    pub async fn say(&self, text: String) -> HandlerResult {
        self.basis.send(self.chat.0, text, None).await
    }
}

/// A press of one of a plugin's buttons.
#[derive(Clone)]
pub struct Press {
    /// The bot, its storage, texts and the plugins' state.
    pub basis: Basis,
    /// The chat the button is in.
    pub chat: ChatId,
    /// Who pressed it.
    pub user: UserId,
    /// The message the button is under.
    pub message: MessageId,
    /// The chat's language.
    pub locale: Locale,
    /// The callback data after `namespace:`.
    pub data: String,
    /// The person who pressed it.
    pub from: User,
    pub(crate) query: teloxide::types::CallbackQueryId,
    pub(crate) answered: Arc<std::sync::atomic::AtomicBool>,
    pub(crate) scene: Arc<Scene>,
}

impl Press {
    /// Answers the press with a short notice over the chat (every press
    /// must be answered once; Basis answers it if the handler did not).
    pub async fn answer(&self, text: String) -> HandlerResult {
        self.answered.store(true, std::sync::atomic::Ordering::Relaxed);
        self.basis.bot.answer_callback_query(self.query.clone()).text(text).await?;
        Ok(())
    }

    /// Answers the press with an alert the presser must dismiss (a refusal).
    pub async fn alert(&self, text: String) -> HandlerResult {
        self.answered.store(true, std::sync::atomic::Ordering::Relaxed);
        self.basis.bot.answer_callback_query(self.query.clone()).text(text).show_alert(true).await?;
        Ok(())
    }

    /// Answers with a toast, or an alert when `alert` (a refusal).
    pub(crate) async fn toast(&self, (text, alert): (String, bool)) -> HandlerResult {
        match alert {
            true => self.alert(text).await,
            false => self.answer(text).await,
        }
    }

    /// Whether the presser may change what the chat receives: anyone in
    /// their private chat, a group's admins in a group (asked of Telegram
    /// now). When not, the press is answered with the reason.
    pub async fn may_change_chat(&self) -> Result<bool, HandlerError> {
        let permission = self.scene.permission(Some(&self.from), None).await;
        match self.scene.refusal(permission) {
            None => Ok(true),
            Some(refusal) => {
                self.alert(refusal).await?;
                Ok(false)
            }
        }
    }

    /// The text `id` in the chat's language.
    pub fn text(&self, id: &str) -> String {
        self.basis.text(self.locale, id)
    }
}

/// One button with a plugin's callback data.
pub fn button(label: String, namespace: &str, payload: &str) -> Option<InlineKeyboardButton> {
    callback_data(namespace, payload).map(|data| InlineKeyboardButton::callback(label, data))
}

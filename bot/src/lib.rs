#![warn(missing_docs)]
//! The `basis` application: configuration, start-up and the wiring of
//! dispatcher and storage. `main.rs` only parses the command line.

pub mod app;
pub mod broadcaster;
pub mod cli;
pub mod config;
pub mod http;
mod ledger;
pub mod maintenance;
pub mod metrics;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod settings;
pub mod telemetry;

pub use app::{App, Application, Hooks, StartError, prepare_storage, prepare_storage_with};
pub use basis_handlers::plugin::{button, callback_data};
pub use basis_handlers::registry::{Args, Id, Refusal, Required};
pub use basis_handlers::{
    Audience, Basis, Call, Declaration, DefaultPlugins, DomainEvent, Extensions, HandlerError, HandlerResult, Input,
    Locale, Migrations, Notice, PersonalData, Place, Plugin, PluginGroup, Press, Role,
};
pub use basis_storage::{MigrationStep, PluginPool, sqlx};
pub use config::Config;
/// The JSON Basis's plugins speak ([`PersonalData`]), the same version.
pub use serde_json;
pub use settings::Settings;
/// The Telegram client Basis is built on, for plugins (the same version).
pub use teloxide;

/// A mutex's guard; a panic elsewhere while it was held leaves data that is
/// still fine to use (counters, sets of ids).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

//! The `basis` application: configuration, start-up and the wiring of
//! dispatcher and storage. `main.rs` only parses the command line.

pub mod app;
pub mod broadcaster;
pub mod config;
pub mod http;
mod ledger;
pub mod maintenance;
pub mod metrics;
pub mod sandbox;
pub mod telemetry;

pub use app::{Application, Hooks, StartError, prepare_storage};
pub use config::Config;

/// A mutex's guard; a panic elsewhere while it was held leaves data that is
/// still fine to use (counters, sets of ids).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

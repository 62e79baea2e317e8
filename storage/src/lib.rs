#![warn(missing_docs)]
//! Basis storage: members, topics, regions and subscriptions on SQLite (the
//! embedded default) or PostgreSQL (several instances sharing one database).
//!
//! Every query is written once in SQL that both engines accept (`$1`
//! placeholders work in SQLite too) and runs through `on_pool!`, which
//! type-checks the same body against each driver. Where the dialects differ
//! the engine is named explicitly. Times are Unix milliseconds (`i64`), handed
//! in by the caller so that tests control the clock.

mod albums;
mod channels;
mod error;
mod events;
mod inbox;
mod joins;
mod leader;
mod ledger;
mod maintenance;
mod members;
mod organizers;
mod plugins;
mod privacy;
mod queue;
mod regions;
#[cfg(feature = "sandbox")]
mod sandbox;
mod stats;
#[cfg(feature = "testing")]
pub mod testing;
mod topics;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use basis_core::{
    AuditAction, BroadcastId, BroadcastKind, BroadcastStatus, ChatId, DeliveryStatus, DraftId, EventId, Locale,
    RegionKey, RsvpAnswer, TopicKey, TopicList, UserId,
};
pub use basis_core::{InboxCopy, RelayDirection, RelayStatus};
pub use channels::ChannelLink;
pub use error::StorageError;
pub use events::{Answers, DueReminder, Event, EventStatus, EventStep};
pub use inbox::{
    Case, CaseData, ClaimedRelay, Copied, Inbox, InboxMessage, InboxStats, NewAnswer, RELAY_BATCH, Received,
};
pub use joins::Joined;
pub use leader::Leadership;
pub use ledger::UsageListener;
pub use maintenance::{ExportProgress, MaintenanceError, QueueDepth, RunningBroadcast, TABLES, engine_of};
pub use members::{Chat, ChatKind, ChatStatus, NewChat};
pub use organizers::{AuditEntry, Organizer, Redeemed};
pub use plugins::{MigrationStep, PluginPool};
pub use privacy::{ChatData, DeliveryRecord, RsvpRecord, SubscriptionRecord};
pub use queue::{
    Broadcast, Claimed, Content, Draft, DraftState, EventNote, NewBroadcast, NewDraft, Outcome, PRIORITY_NORMAL,
    PRIORITY_URGENT, Progress, Settlement,
};
pub use regions::{ChatRegion, Region, RegionAudience, RegionSeed, RegionTarget, RegionText};
/// The database driver, for plugins' own queries (the same version Basis uses).
pub use sqlx;
pub use stats::{
    BroadcastStats, DAY_MS, DailySeries, LinkJoins, RegionBreakdown, RegionStats, TopicRegionStats, TopicStats,
    day_start, link_source,
};
pub use topics::{SeedReport, Topic, TopicSeed, TopicText};

/// A storage result; the error is a `StorageError` unless named.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Which database engine a [`Storage`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The embedded database in one file (`sqlite://`).
    Sqlite,
    /// A PostgreSQL server (`postgres://`), shared by several instances.
    Postgres,
}

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to the concrete pool, once per engine, so the
/// same query text is checked against both drivers.
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            $crate::Pool::Sqlite($p) => $body,
            $crate::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    pub(crate) pool: Pool,
    /// SQLite has one writer at a time; connections that collide wait in
    /// SQLite's busy handler, which sleeps in steps of milliseconds. Writers
    /// of this process queue here instead, which is fair and wakes at once.
    writer: Arc<tokio::sync::Mutex<()>>,
    /// When claims last returned expired leases to the queue (Unix ms):
    /// leases last a minute, so looking once a second is plenty and saves
    /// a statement per claim.
    pub(crate) leases_checked: Arc<std::sync::atomic::AtomicI64>,
    /// Deep-link joins waiting for their batch.
    joins: Arc<joins::JoinQueue>,
}

impl Storage {
    /// Connects to `sqlite://path` (created when missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Self {
                pool: Pool::Postgres(pool),
                writer: Arc::default(),
                leases_checked: Arc::default(),
                joins: Arc::default(),
            })
        } else {
            Err(StorageError::UnsupportedUrl)
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL with NORMAL survives a process crash; only an OS crash can
            // lose the last transactions.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Deleted rows (a member's /stop) are overwritten with zeros, not
            // left readable in free pages of the file.
            .pragma("secure_delete", "ON");
        let in_memory = options.get_filename().as_os_str() == ":memory:";
        let pool = SqlitePoolOptions::new()
            // An in-memory database exists once per connection: keep one.
            .max_connections(if in_memory { 1 } else { 8 })
            .min_connections(1)
            .connect_with(options.clone())
            .await?;
        if !in_memory {
            restrict_to_owner(options.get_filename());
        }
        Ok(Self {
            pool: Pool::Sqlite(pool),
            writer: Arc::default(),
            leases_checked: Arc::default(),
            joins: Arc::default(),
        })
    }

    /// This process's turn to write, on SQLite; PostgreSQL needs none.
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.pool {
            Pool::Sqlite(_) => Some(self.writer.lock().await),
            Pool::Postgres(_) => None,
        }
    }

    /// Which engine this handle talks to.
    pub fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// Brings the schema up to date; safe to run on every start and from
    /// several instances at once (sqlx takes a lock).
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Answers whether the database can be reached now.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(&self.pool, |p| sqlx::query("SELECT 1").execute(p).await.map(drop))?;
        Ok(())
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        on_pool!(&self.pool, |p| p.close().await)
    }
}

/// The database holds who follows which political topics: nobody but the
/// service's own user may read the file.
#[cfg(unix)]
fn restrict_to_owner(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        if let Err(error) = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(?file, %error, "could not restrict database file permissions");
        }
    }
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &std::path::Path) {}

/// Milliseconds since the Unix epoch, the unit of every stored time.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A std mutex's guard, also when a panicking holder poisoned it: what is
/// guarded here stays consistent between statements.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

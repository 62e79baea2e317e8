//! The storage boundary's one error type.

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL names neither `sqlite:` nor `postgres:`.
    #[error("database URL must start with sqlite: or postgres:")]
    UnsupportedUrl,
    /// No topic has this key.
    #[error("unknown topic `{0}`")]
    UnknownTopic(String),
    /// A post was to be targeted at regions but names none: refused rather
    /// than read as a post to everyone.
    #[error("a targeted post must name at least one region")]
    NoRegions,
    /// The database refused or could not be reached.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// A write done together with others (joins in one transaction) failed.
    #[error("database error")]
    Batch(#[source] std::sync::Arc<sqlx::Error>),
    /// The task writing a batch ended before it answered (shutdown).
    #[error("storage was interrupted")]
    Interrupted,
    /// The schema could not be brought up to date.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

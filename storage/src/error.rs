//! The storage boundary's one error type.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database URL must start with sqlite: or postgres:")]
    UnsupportedUrl,
    #[error("unknown topic `{0}`")]
    UnknownTopic(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// A write done together with others (joins in one transaction) failed.
    #[error("database error")]
    Batch(#[source] std::sync::Arc<sqlx::Error>),
    /// The task writing a batch ended before it answered (shutdown).
    #[error("storage was interrupted")]
    Interrupted,
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

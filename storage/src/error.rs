//! The storage boundary's one error type.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database URL must start with sqlite: or postgres:")]
    UnsupportedUrl,
    #[error("unknown topic `{0}`")]
    UnknownTopic(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

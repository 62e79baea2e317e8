//! Several instances in webhook mode each answer the updates their load
//! balancer hands them, and all their messages count against the bot's one
//! Telegram budget. Each instance announces what it sent, a few times a
//! second, on a PostgreSQL notification channel; every other instance
//! charges it to its own scheduler. SQLite has one instance: nothing to
//! share.

use sqlx::postgres::PgListener;

use crate::{Pool, Result, Storage};

const CHANNEL: &str = "basis_outbound";

/// Usage announced by the other instances.
pub struct UsageListener {
    listener: PgListener,
}

impl UsageListener {
    /// The next announcement: (instance, messages it sent since its last).
    /// A payload that does not parse is skipped.
    pub async fn next(&mut self) -> Result<(u64, u64)> {
        loop {
            let notification = self.listener.recv().await?;
            let mut parts = notification.payload().split(':');
            let instance = parts.next().and_then(|p| p.parse().ok());
            let sent = parts.next().and_then(|p| p.parse().ok());
            if let (Some(instance), Some(sent)) = (instance, sent) {
                return Ok((instance, sent));
            }
        }
    }
}

impl Storage {
    /// Listens for other instances' usage; `None` on SQLite.
    pub async fn usage_listener(&self) -> Result<Option<UsageListener>> {
        match &self.pool {
            Pool::Sqlite(_) => Ok(None),
            Pool::Postgres(pool) => {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok(Some(UsageListener { listener }))
            }
        }
    }

    /// Tells the other instances that this one sent `sent` messages.
    pub async fn announce_usage(&self, instance: u64, sent: u64) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(_) => Ok(()),
            Pool::Postgres(pool) => {
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(format!("{instance}:{sent}"))
                    .execute(pool)
                    .await?;
                Ok(())
            }
        }
    }
}

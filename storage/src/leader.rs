//! Several instances on one PostgreSQL database: one of them leads — it
//! polls Telegram (in polling mode) and sends broadcasts, so the global rate
//! limit holds across all of them — and the others stand by. Leadership is
//! a PostgreSQL session advisory lock, held on a connection of its own: when
//! the leader dies, its connection closes, the lock is free at once and a
//! standby takes over within a second.
//!
//! SQLite is one machine's database: there the single instance leads.

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::{Pool, Result, Storage};

/// The advisory lock's key: "basis" in ASCII.
const LEADER_KEY: i64 = 0x62_61_73_69_73;

/// Held by the leading instance; dropping it ends the leadership.
pub struct Leadership {
    /// The connection holding the lock (PostgreSQL only).
    connection: Option<PgConnection>,
}

impl std::fmt::Debug for Leadership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leadership").field("postgres", &self.connection.is_some()).finish()
    }
}

impl Leadership {
    /// Whether the lock is still held: the connection answers. A leader
    /// whose connection broke must stop sending, since a standby may lead
    /// by now.
    pub async fn holds(&mut self) -> bool {
        match &mut self.connection {
            None => true,
            Some(connection) => connection.ping().await.is_ok(),
        }
    }

    /// Gives the leadership up (at shutdown), so a standby takes over at once.
    pub async fn resign(self) {
        if let Some(mut connection) = self.connection {
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)").bind(LEADER_KEY).execute(&mut connection).await;
            let _ = connection.close().await;
        }
    }
}

impl Storage {
    /// Tries to become the leading instance; `None` while another leads.
    pub async fn try_lead(&self) -> Result<Option<Leadership>> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(Some(Leadership { connection: None }));
        };
        // A connection of its own: the lock lives as long as it does.
        let mut connection = pool.acquire().await?.detach();
        let got: bool =
            sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(LEADER_KEY).fetch_one(&mut connection).await?;
        if got {
            return Ok(Some(Leadership { connection: Some(connection) }));
        }
        let _ = connection.close().await;
        Ok(None)
    }

    /// On taking over: deliveries still marked as being sent belong to the
    /// leader before, which is gone; they go back to the queue at once
    /// instead of waiting out their lease. A late answer from the old leader
    /// changes nothing: its lease tokens no longer match.
    pub async fn release_leases(&self, now: i64) -> Result<u64> {
        let _turn = self.write_turn().await;
        let sql = "UPDATE deliveries SET status = 'pending', lease_until = NULL, updated_at = $1 \
                   WHERE status = 'sending'";
        Ok(crate::on_pool!(&self.pool, |p| sqlx::query(sql).bind(now).execute(p).await.map(|r| r.rows_affected()))?)
    }
}

//! Real databases for tests: a temporary SQLite file, or a fresh PostgreSQL
//! database on the server named by `BASIS_TEST_POSTGRES_URL`. No mocks.

use tempfile::TempDir;

use crate::{Engine, Storage};

/// A migrated, empty database that is removed again when dropped.
pub struct TestDatabase {
    /// The connected handle, migrated and empty.
    pub storage: Storage,
    /// The URL a separate process (the bot under test) connects with.
    pub url: String,
    _dir: Option<TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A fresh SQLite file in a temporary directory.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("basis.db").display());
        let storage = Storage::connect(&url).await.expect("open SQLite");
        storage.migrate().await.expect("migrate SQLite");
        Self { storage, url, _dir: Some(dir), postgres: None }
    }

    /// `None` when no PostgreSQL server is configured for tests; in CI
    /// (`CI` set) a missing server is an error, not a skip.
    pub async fn postgres() -> Option<Self> {
        let admin_url = match std::env::var("BASIS_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => url,
            _ if std::env::var_os("CI").is_some() => {
                panic!("CI is set but BASIS_TEST_POSTGRES_URL is not: PostgreSQL tests must run")
            }
            _ => {
                eprintln!("BASIS_TEST_POSTGRES_URL not set: skipping the PostgreSQL half");
                return None;
            }
        };
        let name = format!("basis_test_{}_{:016x}", std::process::id(), rand::random::<u64>());
        let admin = Storage::connect(&admin_url).await.expect("connect to BASIS_TEST_POSTGRES_URL");
        if let crate::Pool::Postgres(p) = &admin.pool {
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(p)
                .await
                .expect("create test database");
        }
        admin.close().await;
        let url = with_database(&admin_url, &name);
        let storage = Storage::connect(&url).await.expect("connect to test database");
        storage.migrate().await.expect("migrate PostgreSQL");
        Some(Self { storage, url, _dir: None, postgres: Some((admin_url, name)) })
    }

    /// SQLite, and PostgreSQL where configured: the engines a suite runs on.
    pub async fn every_engine() -> Vec<Self> {
        let mut all = vec![Self::sqlite().await];
        all.extend(Self::postgres().await);
        all
    }

    /// Makes every query on subscriptions fail, as a broken database would,
    /// so tests can see how the bot copes.
    pub async fn sabotage(&self) {
        crate::on_pool!(&self.storage.pool, |p| sqlx::query("ALTER TABLE subscriptions RENAME TO subscriptions_gone")
            .execute(p)
            .await
            .map(drop))
        .expect("rename table");
    }

    /// Stores members `from..=to`, all following `topic`, in two statements:
    /// benchmarks need a million of them in seconds.
    pub async fn bulk_members(&self, from: i64, to: i64, topic: &str) {
        let chats = "WITH RECURSIVE n(x) AS (SELECT $1 UNION ALL SELECT x + 1 FROM n WHERE x < $2) \
                     INSERT INTO chats (id, kind, locale, status, consent_at, updated_at) \
                     SELECT x, 'private', 'de', 'active', 0, 0 FROM n WHERE true ON CONFLICT (id) DO NOTHING";
        let subscriptions = "WITH RECURSIVE n(x) AS (SELECT $1 UNION ALL SELECT x + 1 FROM n WHERE x < $2) \
                             INSERT INTO subscriptions (chat_id, topic_key, created_at) \
                             SELECT x, $3, 0 FROM n WHERE true ON CONFLICT (chat_id, topic_key) DO NOTHING";
        crate::on_pool!(&self.storage.pool, |p| {
            sqlx::query(chats).bind(from).bind(to).execute(p).await.expect("bulk chats");
            sqlx::query(subscriptions).bind(from).bind(to).bind(topic).execute(p).await.expect("bulk subscriptions");
        });
    }

    /// Places members `from..=to` in regions: chat `x` in the region
    /// `{prefix}{x % count}` (which must be seeded). One statement, for
    /// benchmarks of targeted posts.
    pub async fn bulk_member_regions(&self, from: i64, to: i64, prefix: &str, count: i64) {
        let sql = "WITH RECURSIVE n(x) AS (SELECT $1 UNION ALL SELECT x + 1 FROM n WHERE x < $2) \
                   INSERT INTO chat_regions (chat_id, region_key, chosen_at) \
                   SELECT x, $3 || CAST(x % $4 AS TEXT), 0 FROM n WHERE true ON CONFLICT (chat_id) DO NOTHING";
        crate::on_pool!(&self.storage.pool, |p| sqlx::query(sql)
            .bind(from)
            .bind(to)
            .bind(prefix)
            .bind(count)
            .execute(p)
            .await
            .map(drop))
        .expect("bulk regions");
    }

    /// Empties the delivery queue, so that the next fan-out of a benchmark
    /// writes into an empty table as the first did (on PostgreSQL a
    /// `DELETE` would leave a million dead rows in the table and its
    /// indexes for the next one to wade through).
    pub async fn clear_deliveries(&self) {
        let sql = match self.storage.engine() {
            Engine::Sqlite => "DELETE FROM deliveries",
            Engine::Postgres => "TRUNCATE deliveries",
        };
        crate::on_pool!(&self.storage.pool, |p| sqlx::query(sql).execute(p).await.map(drop)).expect("clear deliveries");
    }

    /// Lets the engine learn the tables' sizes after bulk inserts, as it
    /// does by itself in time (PostgreSQL's autovacuum) or never (SQLite,
    /// whose planner then relies on the indexes alone).
    pub async fn analyze(&self) {
        crate::on_pool!(&self.storage.pool, |p| sqlx::query("ANALYZE").execute(p).await.map(drop)).expect("analyze");
    }

    /// Makes every lease of deliveries being sent run out now, as it would
    /// once its time is up after the process holding it died; the next claim
    /// returns those rows to the queue.
    pub async fn expire_leases(&self) {
        crate::on_pool!(&self.storage.pool, |p| sqlx::query(
            "UPDATE deliveries SET lease_until = 0 WHERE status = 'sending'"
        )
        .execute(p)
        .await
        .map(drop))
        .expect("expire leases");
        // The next claim looks for them at once.
        self.storage.leases_checked.store(0, std::sync::atomic::Ordering::Relaxed);
    }

    /// Every `table.column` in which some row holds `needle` (compared as
    /// text): proves what is not stored, e.g. a token or a deleted chat id.
    pub async fn columns_mentioning(&self, needle: &str) -> Vec<String> {
        let columns: Vec<(String, String)> = crate::on_pool!(&self.storage.pool, |p| {
            let sql = match self.storage.engine() {
                Engine::Sqlite => {
                    "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'"
                }
                Engine::Postgres => {
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'"
                }
            };
            sqlx::query_as(sql).fetch_all(p).await.expect("list columns")
        });
        let mut hits = Vec::new();
        for (table, column) in columns {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE CAST({column} AS TEXT) LIKE $1");
            let pattern = format!("%{needle}%");
            let count: i64 =
                crate::on_pool!(&self.storage.pool, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(&pattern)
                    .fetch_one(p)
                    .await
                    .expect("search column"));
            if count > 0 {
                hits.push(format!("{table}.{column}"));
            }
        }
        hits
    }

    /// Whether any stored value contains `needle`.
    pub async fn dump_contains(&self, needle: &str) -> bool {
        !self.columns_mentioning(needle).await.is_empty()
    }

    /// Which engine the database runs on.
    pub fn engine(&self) -> Engine {
        self.storage.engine()
    }
}

/// Replaces the database name (the URL path) of a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..host_end], name);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime; a database can only be dropped
        // from another connection, so do it on a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async move {
                    if let Ok(admin) = Storage::connect(&admin_url).await {
                        if let crate::Pool::Postgres(p) = &admin.pool {
                            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .execute(p)
                            .await;
                        }
                        admin.close().await;
                    }
                });
            }
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced_and_options_kept() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(with_database("postgres://u:p@h/test?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://h:1", "x"), "postgres://h:1/x");
    }
}

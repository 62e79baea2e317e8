//! What plugins keep in the database: their own tables, made by their own
//! migrations for each engine, and tracked in a migrations table of their
//! own (`_basis_plugin_<name>_migrations`) so that Basis's and theirs never
//! mix.

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

use crate::{Pool, Result, Storage};

/// One migration of a plugin: a version (only ever growing), what it does,
/// and its SQL.
#[derive(Clone, Copy, Debug)]
pub struct MigrationStep {
    /// Its place in the order; every step's version is higher than the last.
    pub version: i64,
    /// What it does, for the migrations table.
    pub description: &'static str,
    /// The statements, for one engine.
    pub sql: &'static str,
}

/// The database a plugin's queries run on; plugins write their SQL per
/// engine, as their migrations are.
#[derive(Clone, Copy, Debug)]
pub enum PluginPool<'a> {
    /// The SQLite pool.
    Sqlite(&'a SqlitePool),
    /// The PostgreSQL pool.
    Postgres(&'a PgPool),
}

impl Storage {
    /// Applies a plugin's migrations for this engine that are not applied
    /// yet. `plugin` is the plugin's name (a-z, 0-9, _).
    pub async fn migrate_plugin(
        &self,
        plugin: &str,
        sqlite: &[MigrationStep],
        postgres: &[MigrationStep],
    ) -> Result<()> {
        let steps = match &self.pool {
            Pool::Sqlite(_) => sqlite,
            Pool::Postgres(_) => postgres,
        };
        let migrations = steps
            .iter()
            .map(|s| {
                let sql = sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(s.sql.to_owned()));
                Migration::new(s.version, s.description.into(), MigrationType::Simple, sql, false)
            })
            .collect();
        let mut migrator = Migrator::with_migrations(migrations);
        migrator.dangerous_set_table_name(format!("_basis_plugin_{plugin}_migrations"));
        match &self.pool {
            Pool::Sqlite(p) => migrator.run(p).await?,
            Pool::Postgres(p) => migrator.run(p).await?,
        }
        Ok(())
    }

    /// The pool, for a plugin's own queries on its own tables.
    pub fn plugin_pool(&self) -> PluginPool<'_> {
        match &self.pool {
            Pool::Sqlite(p) => PluginPool::Sqlite(p),
            Pool::Postgres(p) => PluginPool::Postgres(p),
        }
    }
}

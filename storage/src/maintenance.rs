//! Housekeeping and moving house: what the queue holds right now, purging
//! delivery rows nobody needs any more, a consistent copy of an SQLite
//! database while the bot runs, and copying an SQLite deployment into
//! PostgreSQL when it grows.

use crate::BroadcastId;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use futures::TryStreamExt;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Postgres, QueryBuilder, Row};

use crate::{Engine, Pool, Result, Storage, StorageError, on_pool};

/// Every table of the schema, parents before children: the order `export`
/// copies them in. A migration that adds a table must add it here too; a
/// test compares this list with the tables the migrations create, and
/// `export` refuses to run while they differ.
pub const TABLES: &[&str] = &[
    "chats",
    "topics",
    "topic_texts",
    "subscriptions",
    "broadcasts",
    "deliveries",
    "drafts",
    "organizers",
    "invites",
    "audit_log",
    "subscription_events",
    "channel_links",
    "events",
    "rsvps",
    "event_reminders",
    "album_parts",
    "inbox",
    "inbox_cases",
    "inbox_messages",
    "inbox_relays",
    "regions",
    "region_texts",
    "chat_regions",
    "broadcast_regions",
];

/// Rows deleted per statement when purging: SQLite has one writer, and
/// members' replies should not wait behind one huge delete.
const PURGE_BATCH: i64 = 5_000;

/// Why a backup or an export did not happen.
#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Refused before anything was changed, with the reason for the operator.
    #[error("{0}")]
    Refused(String),
    /// The file could not be written.
    #[error("cannot write {0}")]
    Io(PathBuf, #[source] std::io::Error),
}

impl From<sqlx::Error> for MaintenanceError {
    fn from(error: sqlx::Error) -> Self {
        MaintenanceError::Storage(error.into())
    }
}

/// Deliveries waiting to be sent (pending, or claimed and being sent), per
/// priority.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// `(priority, deliveries)`, lowest priority first; priorities with
    /// nothing waiting are left out.
    pub by_priority: Vec<(i64, i64)>,
}

/// A broadcast being delivered, for the metrics.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RunningBroadcast {
    /// The broadcast's id.
    pub id: BroadcastId,
    /// Receiving chats at fan-out.
    pub total: i64,
    /// Delivered so far.
    pub sent: i64,
    /// Pending or being sent.
    pub remaining: i64,
}

/// How far an export is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportProgress {
    /// The table being copied.
    pub table: &'static str,
    /// Rows in that table.
    pub table_rows: u64,
    /// Of those, copied so far.
    pub table_done: u64,
    /// Rows in all tables.
    pub all_rows: u64,
    /// Of those, copied so far.
    pub all_done: u64,
}

/// A value on its way from SQLite to PostgreSQL, typed by the target column.
enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Float(Option<f64>),
}

#[derive(Clone, Copy)]
enum Kind {
    Int,
    Text,
    Bool,
    Float,
}

impl Kind {
    fn of(pg_type: &str) -> Option<Kind> {
        match pg_type {
            "bigint" | "integer" | "smallint" => Some(Kind::Int),
            "text" | "character varying" | "character" => Some(Kind::Text),
            "boolean" => Some(Kind::Bool),
            "double precision" | "real" => Some(Kind::Float),
            _ => None,
        }
    }
}

impl Storage {
    /// Opens a database that must exist already: `sqlite://` never creates
    /// an empty file here (a typo in the path would otherwise "succeed").
    pub async fn open_existing(url: &str) -> Result<Storage, MaintenanceError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url).map_err(StorageError::from)?;
            let file = options.get_filename();
            if file.as_os_str() != ":memory:" && !file.exists() {
                return Err(MaintenanceError::Refused(format!("there is no SQLite database at {}", file.display())));
            }
        }
        Ok(Storage::connect(url).await?)
    }

    /// Deliveries waiting per priority.
    pub async fn queue_depth(&self) -> Result<QueueDepth> {
        let rows: Vec<(i64, i64)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT priority, COUNT(*) FROM deliveries WHERE status IN ('pending', 'sending') \
             GROUP BY priority ORDER BY priority"
        )
        .fetch_all(p)
        .await)?;
        Ok(QueueDepth { by_priority: rows })
    }

    /// Broadcasts being delivered now, with their figures, oldest first.
    pub async fn running_broadcasts(&self) -> Result<Vec<RunningBroadcast>> {
        Ok(on_pool!(&self.pool, |p| sqlx::query_as::<_, RunningBroadcast>(
            "SELECT b.id, b.total, \
               COUNT(CASE WHEN d.status = 'sent' THEN 1 END) AS sent, \
               COUNT(CASE WHEN d.status IN ('pending', 'sending') THEN 1 END) AS remaining \
             FROM broadcasts b LEFT JOIN deliveries d ON d.broadcast_id = b.id \
             WHERE b.status = 'sending' GROUP BY b.id, b.total ORDER BY b.id"
        )
        .fetch_all(p)
        .await)?)
    }

    /// Deletes the delivery rows of broadcasts that finished before
    /// `older_than_ms`, in batches; returns how many went. Broadcasts
    /// themselves, the audit log and everything else stay.
    pub async fn purge_deliveries(&self, older_than_ms: i64) -> Result<u64> {
        let sql = "DELETE FROM deliveries WHERE (broadcast_id, chat_id) IN ( \
                     SELECT d.broadcast_id, d.chat_id FROM deliveries d \
                     JOIN broadcasts b ON b.id = d.broadcast_id \
                     WHERE b.status = 'done' AND b.finished_at IS NOT NULL AND b.finished_at < $1 \
                     LIMIT $2)";
        let mut purged = 0u64;
        loop {
            let deleted = {
                let _turn = self.write_turn().await;
                on_pool!(&self.pool, |p| sqlx::query(sql)
                    .bind(older_than_ms)
                    .bind(PURGE_BATCH)
                    .execute(p)
                    .await
                    .map(|r| r.rows_affected()))?
            };
            purged += deleted;
            if deleted < PURGE_BATCH as u64 {
                return Ok(purged);
            }
            tokio::task::yield_now().await;
        }
    }

    /// The application's tables (not the engine's or the migrator's), sorted.
    pub async fn table_names(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
                )
                .fetch_all(p)
                .await?
            }
            Pool::Postgres(p) => {
                sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                     AND table_name NOT LIKE '\\_sqlx%'",
                )
                .fetch_all(p)
                .await?
            }
        };
        names.sort();
        Ok(names)
    }

    /// Rows in `table` (one of [`TABLES`]).
    pub async fn row_count(&self, table: &str) -> Result<i64, MaintenanceError> {
        let table = known_table(table)?;
        let sql = format!("SELECT COUNT(*) FROM {table}");
        Ok(on_pool!(&self.pool, |p| sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.clone())).fetch_one(p).await)?)
    }

    /// Writes a consistent copy of this SQLite database to `path` (which
    /// must not exist) while the bot may go on using it: `VACUUM INTO` reads
    /// one snapshot. The copy is readable by the owner only, like the
    /// database itself.
    pub async fn backup_to(&self, path: &Path) -> Result<(), MaintenanceError> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Err(MaintenanceError::Refused(
                "basis backup copies SQLite databases; back up PostgreSQL with pg_dump \
                 (for example `pg_dump --format=custom --file=basis.dump <database URL>`)"
                    .to_owned(),
            ));
        };
        let Some(target) = path.to_str() else {
            return Err(MaintenanceError::Refused(format!("{} is not a UTF-8 path", path.display())));
        };
        // Created empty and private first: VACUUM INTO accepts an empty file,
        // and the copy is never readable by others, not even for a moment.
        create_private(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                MaintenanceError::Refused(format!("{} exists already; choose a new file", path.display()))
            }
            _ => MaintenanceError::Io(path.to_owned(), e),
        })?;
        let result = sqlx::query("VACUUM INTO $1").bind(target).execute(pool).await;
        if let Err(error) = result {
            let _ = std::fs::remove_file(path);
            return Err(error.into());
        }
        Ok(())
    }

    /// Copies every table of this SQLite database into `target`, a migrated
    /// and empty PostgreSQL database, in one snapshot of the source and one
    /// transaction on the target: either everything arrives, with the same
    /// row counts, or nothing does. Returns the rows per table.
    pub async fn export_to(
        &self,
        target: &Storage,
        progress: impl FnMut(&ExportProgress),
    ) -> Result<Vec<(&'static str, u64)>, MaintenanceError> {
        self.export_with(target, &[], progress).await
    }

    /// [`Storage::export_to`] for a bot with plugins: their tables
    /// (`plugin_tables`, parents first) are known and copied after Basis's
    /// own. Each plugin's migrations table (`_basis_plugin_<name>_migrations`)
    /// is the target's own, like sqlx's: it is neither checked nor copied.
    pub async fn export_with(
        &self,
        target: &Storage,
        plugin_tables: &[&'static str],
        mut progress: impl FnMut(&ExportProgress),
    ) -> Result<Vec<(&'static str, u64)>, MaintenanceError> {
        let Pool::Sqlite(source_pool) = &self.pool else {
            return Err(MaintenanceError::Refused("export reads an SQLite database (BASIS_DATABASE_URL)".to_owned()));
        };
        let Pool::Postgres(target_pool) = &target.pool else {
            return Err(MaintenanceError::Refused("export writes to a PostgreSQL database (--to postgres://…)".into()));
        };
        for (side, storage) in [("source", self), ("target", target)] {
            let known = |t: &String| {
                TABLES.contains(&t.as_str()) || plugin_tables.contains(&t.as_str()) || t.starts_with("_basis_plugin_")
            };
            let unknown: Vec<String> = storage.table_names().await?.into_iter().filter(|t| !known(t)).collect();
            if !unknown.is_empty() {
                return Err(MaintenanceError::Refused(format!(
                    "the {side} database has tables this version of basis does not know: {}",
                    unknown.join(", ")
                )));
            }
        }

        // One read transaction: in WAL mode it sees one snapshot, so the
        // copy is consistent even if a bot still writes. Its own connection,
        // without sqlx's slow-statement warnings: reading a whole table
        // while it is copied takes as long as the copy.
        let options = (*source_pool.connect_options()).clone().disable_statement_logging();
        let mut connection = options.connect().await?;
        let mut source = connection.begin().await?;
        let mut dest = target_pool.begin().await?;

        let mut counts = Vec::with_capacity(TABLES.len() + plugin_tables.len());
        for &table in TABLES.iter().chain(plugin_tables) {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_one(&mut *source).await?;
            let there: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *dest).await?;
            if there > 0 {
                return Err(MaintenanceError::Refused(format!(
                    "the target database is not empty (table {table} has {there} rows); \
                     export needs a freshly created database (basis creates the schema itself)"
                )));
            }
            counts.push((table, rows as u64));
        }
        let all_rows: u64 = counts.iter().map(|(_, n)| n).sum();
        let mut all_done = 0u64;

        for &(table, table_rows) in &counts {
            let columns = target_columns(&mut dest, table).await?;
            let source_columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(&mut *source)
                .await?;
            let mut wanted: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
            let mut have: Vec<&str> = source_columns.iter().map(String::as_str).collect();
            wanted.sort_unstable();
            have.sort_unstable();
            if wanted != have {
                return Err(MaintenanceError::Refused(format!(
                    "table {table} has different columns in the two databases ({} here, {} there): \
                     run the same version of basis against both",
                    have.join(","),
                    wanted.join(",")
                )));
            }
            let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
            let kinds: Vec<Kind> = columns.iter().map(|(_, k)| *k).collect();
            // Far below PostgreSQL's 65,535 parameters per statement.
            let batch = (30_000 / names.len().max(1)).clamp(1, 1_000);
            let select = format!("SELECT {} FROM {table}", names.join(", "));
            let insert = format!("INSERT INTO {table} ({}) ", names.join(", "));

            let mut table_done = 0u64;
            progress(&ExportProgress { table, table_rows, table_done, all_rows, all_done });
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(select)).fetch(&mut *source);
            let mut pending: Vec<Vec<Value>> = Vec::with_capacity(batch);
            loop {
                let row = rows.try_next().await?;
                if let Some(row) = &row {
                    let mut values = Vec::with_capacity(kinds.len());
                    for (i, kind) in kinds.iter().enumerate() {
                        values.push(match kind {
                            Kind::Int => Value::Int(row.try_get(i)?),
                            Kind::Text => Value::Text(row.try_get(i)?),
                            Kind::Bool => Value::Bool(row.try_get(i)?),
                            Kind::Float => Value::Float(row.try_get(i)?),
                        });
                    }
                    pending.push(values);
                }
                if pending.len() >= batch || (row.is_none() && !pending.is_empty()) {
                    let n = pending.len() as u64;
                    let mut builder: QueryBuilder<Postgres> = QueryBuilder::new(insert.clone());
                    builder.push_values(pending.drain(..), |mut b, values| {
                        for value in values {
                            match value {
                                Value::Int(v) => b.push_bind(v),
                                Value::Text(v) => b.push_bind(v),
                                Value::Bool(v) => b.push_bind(v),
                                Value::Float(v) => b.push_bind(v),
                            };
                        }
                    });
                    builder.build().execute(&mut *dest).await?;
                    table_done += n;
                    all_done += n;
                    progress(&ExportProgress { table, table_rows, table_done, all_rows, all_done });
                }
                if row.is_none() {
                    break;
                }
            }
            drop(rows);
            reset_sequences(&mut dest, table).await?;
        }

        // The proof: the same number of rows on both sides, before commit.
        for &(table, rows) in &counts {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let copied: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *dest).await?;
            if copied as u64 != rows {
                return Err(MaintenanceError::Refused(format!(
                    "table {table}: {rows} rows read but {copied} written; nothing was committed"
                )));
            }
        }
        dest.commit().await?;
        source.rollback().await?;
        connection.close().await?;
        Ok(counts)
    }
}

fn known_table(table: &str) -> Result<&'static str, MaintenanceError> {
    TABLES
        .iter()
        .copied()
        .find(|t| *t == table)
        .ok_or_else(|| MaintenanceError::Refused(format!("unknown table `{table}`")))
}

/// The target table's columns in order, with how each is typed.
async fn target_columns(dest: &mut sqlx::PgConnection, table: &str) -> Result<Vec<(String, Kind)>, MaintenanceError> {
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *dest)
    .await?;
    if columns.is_empty() {
        return Err(MaintenanceError::Refused(format!("the target database has no table {table}")));
    }
    columns
        .into_iter()
        .map(|(name, pg_type)| match Kind::of(&pg_type) {
            Some(kind) => Ok((name, kind)),
            None => Err(MaintenanceError::Refused(format!(
                "column {table}.{name} has type {pg_type}, which export cannot copy"
            ))),
        })
        .collect()
}

/// Serial columns continue after the highest copied id.
async fn reset_sequences(dest: &mut sqlx::PgConnection, table: &str) -> Result<(), MaintenanceError> {
    let serial: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 AND column_default LIKE 'nextval(%'",
    )
    .bind(table)
    .fetch_all(&mut *dest)
    .await?;
    for column in serial {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) \
             FROM {table}"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(table).bind(&column).execute(&mut *dest).await?;
    }
    Ok(())
}

/// An empty file only the owner may read and write; fails if it exists.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

/// Which engine a URL names, without connecting.
pub fn engine_of(url: &str) -> Option<Engine> {
    if url.starts_with("sqlite:") {
        Some(Engine::Sqlite)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Some(Engine::Postgres)
    } else {
        None
    }
}

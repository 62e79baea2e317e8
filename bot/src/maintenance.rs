//! Housekeeping while the bot runs (the retention of delivery rows and of
//! closed inbox conversations) and the operator's `basis backup` and
//! `basis export`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use basis_handlers::Context;
use basis_storage::{Engine, MaintenanceError, Storage, engine_of};
use indicatif::{ProgressBar, ProgressStyle};
use tokio_util::sync::CancellationToken;

use crate::Settings;
use crate::config::redact_url;

/// How often old delivery rows are purged (and once at start).
pub const RETENTION_EVERY: Duration = Duration::from_secs(3600);

const DAY_MS: i64 = 86_400_000;

/// Purges the delivery rows of broadcasts finished more than `days` days
/// ago, and the inbox's conversations closed that long ago, at start and
/// then every [`RETENTION_EVERY`], until `stop`. With 0 days nothing is
/// purged. Broadcasts and the audit log are kept.
pub async fn retention_loop(ctx: Arc<Context>, days: u32, stop: CancellationToken) {
    if days == 0 {
        return;
    }
    loop {
        let cutoff = ctx.now() - i64::from(days) * DAY_MS;
        tokio::select! {
            result = ctx.storage.purge_deliveries(cutoff) => match result {
                Ok(0) => tracing::debug!(days, "retention: no delivery rows to purge"),
                Ok(purged) => tracing::info!(purged, days, "retention: purged delivery rows of old broadcasts"),
                Err(error) => tracing::warn!(%error, "retention: purging old delivery rows failed; trying again later"),
            },
            _ = stop.cancelled() => return,
        }
        // Conversations of the organizers' inbox closed that long ago: what
        // routed their messages goes (the copies in the group stay there).
        tokio::select! {
            result = ctx.storage.purge_inbox(cutoff) => match result {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, days, "retention: purged closed inbox conversations"),
                Err(error) => tracing::warn!(%error, "retention: purging closed inbox conversations failed; trying again later"),
            },
            _ = stop.cancelled() => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(RETENTION_EVERY) => {}
            _ = stop.cancelled() => return,
        }
    }
}

/// `basis backup <file>`: a consistent copy of the SQLite database, also
/// while the bot runs.
pub async fn backup(config: &Settings, file: &Path) -> anyhow::Result<()> {
    if engine_of(&config.database_url) == Some(Engine::Postgres) {
        anyhow::bail!(
            "basis backup copies SQLite databases; back up PostgreSQL with pg_dump \
             (for example `pg_dump --format=custom --file=basis.dump <database URL>`)"
        );
    }
    let storage = Storage::open_existing(&config.database_url).await.map_err(|e| explain(e, &config.database_url))?;
    let result = storage.backup_to(file).await;
    storage.close().await;
    result.map_err(|e| explain(e, &config.database_url))?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "wrote {} ({:.1} MiB), a consistent copy of {}",
        file.display(),
        size as f64 / 1_048_576.0,
        redact_url(&config.database_url)
    );
    Ok(())
}

/// `basis export --to postgres://…`: copies every table of the configured
/// SQLite database into an empty PostgreSQL database, with a progress bar,
/// and checks the row counts. Stop the bot first: what it writes after the
/// export began is not copied.
/// The plugins' tables (`registry`) are copied too.
pub async fn export(config: &Settings, registry: &basis_handlers::Registry, to: &str) -> anyhow::Result<()> {
    if engine_of(&config.database_url) != Some(Engine::Sqlite) {
        anyhow::bail!("basis export moves an SQLite deployment: BASIS_DATABASE_URL must be sqlite://…");
    }
    if engine_of(to) != Some(Engine::Postgres) {
        anyhow::bail!("--to must be a PostgreSQL URL (postgres://user@host/database)");
    }
    let source = Storage::open_existing(&config.database_url).await.map_err(|e| explain(e, &config.database_url))?;
    source.migrate().await.context("cannot bring the SQLite database's schema up to date")?;
    let target = Storage::connect(to).await.with_context(|| format!("cannot connect to {}", redact_url(to)))?;
    target.migrate().await.with_context(|| format!("cannot create the schema in {}", redact_url(to)))?;
    for (plugin, migrations) in &registry.migrations {
        source
            .migrate_plugin(plugin, migrations.sqlite, migrations.postgres)
            .await
            .with_context(|| format!("cannot bring the tables of plugin {plugin} up to date"))?;
        target
            .migrate_plugin(plugin, migrations.sqlite, migrations.postgres)
            .await
            .with_context(|| format!("cannot create the tables of plugin {plugin} in {}", redact_url(to)))?;
    }

    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:<34} [{bar:30}] {pos}/{len} rows ({eta} left)")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let result = source
        .export_with(&target, &registry.tables, |p| {
            bar.set_length(p.all_rows);
            bar.set_position(p.all_done);
            bar.set_message(format!("{} {}/{}", p.table, p.table_done, p.table_rows));
        })
        .await;
    bar.finish_and_clear();
    source.close().await;
    target.close().await;
    let counts = result.map_err(|e| explain(e, to))?;
    for (table, rows) in &counts {
        println!("{table:<22} {rows:>10} rows");
    }
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    println!(
        "copied {total} rows in {} tables; row counts match. Start basis with BASIS_DATABASE_URL={}",
        counts.len(),
        redact_url(to)
    );
    Ok(())
}

fn explain(error: MaintenanceError, url: &str) -> anyhow::Error {
    match error {
        MaintenanceError::Refused(reason) => anyhow::anyhow!(reason),
        other => anyhow::Error::new(other).context(format!("database {}", redact_url(url))),
    }
}

//! The plugin's queries on its own tables, written once in SQL both
//! engines accept and run on each engine's pool.

use basis_core::TopicList;
use basis_storage::{PluginPool, Storage, StorageError, sqlx};

use crate::tokens::{Scope, Token};

/// A result whose error is the database's.
pub type StoreResult<T> = Result<T, StorageError>;

/// Runs `$body` with `$p` bound to the engine's pool.
macro_rules! on {
    ($storage:expr, |$p:ident| $body:expr) => {
        match $storage.plugin_pool() {
            PluginPool::Sqlite($p) => $body,
            PluginPool::Postgres($p) => $body,
        }
    };
}

fn db(error: sqlx::Error) -> StorageError {
    error.into()
}

type TokenRow = (i64, String, String, String, i64, i64, Option<i64>);
type HashedRow = (i64, String, String, String, i64, i64, Option<i64>, String);

fn token_of(row: TokenRow) -> Token {
    let (id, name, topics, regions, owner_id, created_at, last_used_at) = row;
    Token { id, name, scope: Scope::from_stored(&topics, &regions), owner_id, created_at, last_used_at }
}

/// `false` when a live token has the name already.
pub async fn insert_token(
    storage: &Storage,
    name: &str,
    hash: &str,
    scope: &Scope,
    owner_id: i64,
    now: i64,
) -> StoreResult<bool> {
    let sql = "INSERT INTO api_tokens (name, hash, topics, regions, owner_id, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
    let done = on!(storage, |p| sqlx::query(sql)
        .bind(name)
        .bind(hash)
        .bind(&scope.topics)
        .bind(scope.regions.join(","))
        .bind(owner_id)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .map_err(db)?;
    Ok(done == 1)
}

/// `false` when no live token has the name.
pub async fn revoke_token(storage: &Storage, name: &str, now: i64) -> StoreResult<bool> {
    let sql = "UPDATE api_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL";
    let done = on!(storage, |p| sqlx::query(sql).bind(name).bind(now).execute(p).await.map(|r| r.rows_affected()))
        .map_err(db)?;
    Ok(done > 0)
}

const TOKEN_COLUMNS: &str = "id, name, topics, regions, owner_id, created_at, last_used_at";

/// Live tokens, oldest first.
pub async fn live_tokens(storage: &Storage) -> StoreResult<Vec<Token>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE revoked_at IS NULL ORDER BY id");
    let rows: Vec<TokenRow> =
        on!(storage, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await).map_err(db)?;
    Ok(rows.into_iter().map(token_of).collect())
}

/// Live tokens with their hashes, for [`crate::tokens::authenticate`].
pub async fn live_tokens_with_hashes(storage: &Storage) -> StoreResult<Vec<(Token, String)>> {
    let sql = format!("SELECT {TOKEN_COLUMNS}, hash FROM api_tokens WHERE revoked_at IS NULL ORDER BY id");
    let rows: Vec<HashedRow> =
        on!(storage, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await).map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, topics, regions, owner, at, used, hash)| {
            (token_of((id, name, topics, regions, owner, at, used)), hash)
        })
        .collect())
}

/// The token with this row, live or not.
pub async fn token(storage: &Storage, id: i64) -> StoreResult<Option<Token>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1");
    let row: Option<TokenRow> =
        on!(storage, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)
            .map_err(db)?;
    Ok(row.map(token_of))
}

/// Records that a token was used now.
pub async fn mark_used(storage: &Storage, id: i64, now: i64) -> StoreResult<()> {
    let sql = "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1";
    on!(storage, |p| sqlx::query(sql).bind(id).bind(now).execute(p).await.map(drop)).map_err(db)
}

/// A broadcast made through the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiBroadcast {
    /// Its number in the API.
    pub id: i64,
    /// The token that made it.
    pub token_id: i64,
    /// A fingerprint of what the request asked for.
    pub request_hash: String,
    /// Its topic keys.
    pub topics: TopicList,
    /// The draft it made (offered or scheduled posts).
    pub draft_id: Option<i64>,
    /// The broadcast it made (posts queued at once).
    pub broadcast_id: Option<i64>,
    /// Its retraction, once retracted through the API.
    pub retraction_id: Option<i64>,
    /// When it was made (Unix ms).
    pub created_at: i64,
}

type BroadcastRow = (i64, i64, String, String, Option<i64>, Option<i64>, Option<i64>, i64);

const BROADCAST_COLUMNS: &str = "id, token_id, request_hash, topics, draft_id, broadcast_id, retraction_id, created_at";

fn broadcast_of(row: BroadcastRow) -> ApiBroadcast {
    let (id, token_id, request_hash, topics, draft_id, broadcast_id, retraction_id, created_at) = row;
    let topics = TopicList::from_stored(&topics);
    ApiBroadcast { id, token_id, request_hash, topics, draft_id, broadcast_id, retraction_id, created_at }
}

/// What claiming a request's row found.
#[derive(Debug)]
pub enum Claim {
    /// This request is the first with its key (or has none): go ahead.
    New(i64),
    /// The key was used before: the row it made.
    Seen(ApiBroadcast),
}

/// Writes the row a request makes before anything else happens: the
/// unique (token, key) decides which of two requests with one idempotency
/// key goes ahead. A row left unfinished for `stale_ms` (its request died)
/// is taken over.
pub async fn claim(
    storage: &Storage,
    token_id: i64,
    key: Option<&str>,
    request_hash: &str,
    topics: &TopicList,
    now: i64,
    stale_ms: i64,
) -> StoreResult<Claim> {
    let insert = "INSERT INTO api_broadcasts (token_id, idempotency_key, request_hash, topics, created_at) \
                  VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id";
    let topics = topics.stored();
    let id: Option<i64> = on!(storage, |p| sqlx::query_scalar(insert)
        .bind(token_id)
        .bind(key)
        .bind(request_hash)
        .bind(&topics)
        .bind(now)
        .fetch_optional(p)
        .await)
    .map_err(db)?;
    if let Some(id) = id {
        return Ok(Claim::New(id));
    }
    let select = format!("SELECT {BROADCAST_COLUMNS} FROM api_broadcasts WHERE token_id = $1 AND idempotency_key = $2");
    let row: BroadcastRow = on!(storage, |p| sqlx::query_as(sqlx::AssertSqlSafe(select.clone()))
        .bind(token_id)
        .bind(key)
        .fetch_one(p)
        .await)
    .map_err(db)?;
    let seen = broadcast_of(row);
    if seen.draft_id.is_none() && seen.broadcast_id.is_none() && seen.request_hash == request_hash {
        let retake = "UPDATE api_broadcasts SET created_at = $2 WHERE id = $1 AND created_at < $3 \
                      AND draft_id IS NULL AND broadcast_id IS NULL";
        let taken = on!(storage, |p| sqlx::query(retake)
            .bind(seen.id)
            .bind(now)
            .bind(now - stale_ms)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .map_err(db)?;
        if taken == 1 {
            return Ok(Claim::New(seen.id));
        }
    }
    Ok(Claim::Seen(seen))
}

/// A request failed before it made anything: its key may be used again.
pub async fn release(storage: &Storage, id: i64) -> StoreResult<()> {
    let sql = "DELETE FROM api_broadcasts WHERE id = $1 AND draft_id IS NULL AND broadcast_id IS NULL";
    on!(storage, |p| sqlx::query(sql).bind(id).execute(p).await.map(drop)).map_err(db)
}

/// Records what a request made.
pub async fn made(storage: &Storage, id: i64, draft_id: Option<i64>, broadcast_id: Option<i64>) -> StoreResult<()> {
    let sql = "UPDATE api_broadcasts SET draft_id = $2, broadcast_id = $3 WHERE id = $1";
    on!(storage, |p| sqlx::query(sql).bind(id).bind(draft_id).bind(broadcast_id).execute(p).await.map(drop)).map_err(db)
}

/// Records the retraction of a broadcast made through the API; `false`
/// when it was retracted already.
pub async fn retracted(storage: &Storage, id: i64, retraction_id: i64) -> StoreResult<bool> {
    let sql = "UPDATE api_broadcasts SET retraction_id = $2 WHERE id = $1 AND retraction_id IS NULL";
    let done =
        on!(storage, |p| sqlx::query(sql).bind(id).bind(retraction_id).execute(p).await.map(|r| r.rows_affected()))
            .map_err(db)?;
    Ok(done == 1)
}

/// The broadcast made through the API with this number.
pub async fn api_broadcast(storage: &Storage, id: i64) -> StoreResult<Option<ApiBroadcast>> {
    let sql = format!("SELECT {BROADCAST_COLUMNS} FROM api_broadcasts WHERE id = $1");
    let row: Option<BroadcastRow> =
        on!(storage, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)
            .map_err(db)?;
    Ok(row.map(broadcast_of))
}

/// How many rows of the plugin's table `table` there are (tests).
pub async fn count(storage: &Storage, table: &'static str) -> StoreResult<i64> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    on!(storage, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_one(p).await).map_err(db)
}

/// A feed's polling state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedState {
    /// Read once: its entries then were remembered without posting.
    pub primed: bool,
    /// The last answer's ETag, for If-None-Match.
    pub etag: Option<String>,
    /// The last answer's Last-Modified, for If-Modified-Since.
    pub last_modified: Option<String>,
    /// Polls that failed in a row.
    pub failures: i64,
}

/// Makes sure the feed has a row of state (due at once when new).
pub async fn ensure_feed(storage: &Storage, url: &str) -> StoreResult<()> {
    let sql = "INSERT INTO api_feeds (url) VALUES ($1) ON CONFLICT DO NOTHING";
    on!(storage, |p| sqlx::query(sql).bind(url).execute(p).await.map(drop)).map_err(db)
}

/// Takes the feed's next poll if it is due, moving its due time to
/// `next`: every instance looks, one polls. `Ok` with its state when this
/// instance is to poll it; `Err` with the time it is due otherwise.
pub async fn claim_poll(storage: &Storage, url: &str, now: i64, next: i64) -> StoreResult<Result<FeedState, i64>> {
    let take = "UPDATE api_feeds SET next_poll_at = $3 WHERE url = $1 AND next_poll_at <= $2 \
                RETURNING primed, etag, last_modified, failures";
    let row: Option<(i64, Option<String>, Option<String>, i64)> =
        on!(storage, |p| sqlx::query_as(take).bind(url).bind(now).bind(next).fetch_optional(p).await).map_err(db)?;
    if let Some((primed, etag, last_modified, failures)) = row {
        return Ok(Ok(FeedState { primed: primed != 0, etag, last_modified, failures }));
    }
    let due = "SELECT next_poll_at FROM api_feeds WHERE url = $1";
    let at: i64 = on!(storage, |p| sqlx::query_scalar(due).bind(url).fetch_one(p).await).map_err(db)?;
    Ok(Err(at))
}

/// A poll that got an answer: validators kept, failures forgotten.
pub async fn poll_succeeded(
    storage: &Storage,
    url: &str,
    etag: Option<&str>,
    last_modified: Option<&str>,
    primed: bool,
) -> StoreResult<()> {
    let sql = "UPDATE api_feeds SET etag = COALESCE($2, etag), last_modified = COALESCE($3, last_modified), \
               failures = 0, last_error = NULL, primed = $4 WHERE url = $1";
    on!(storage, |p| sqlx::query(sql)
        .bind(url)
        .bind(etag)
        .bind(last_modified)
        .bind(i64::from(primed))
        .execute(p)
        .await
        .map(drop))
    .map_err(db)
}

/// A failed poll: the next one waits longer.
pub async fn poll_failed(storage: &Storage, url: &str, failures: i64, next: i64, error: &str) -> StoreResult<()> {
    let sql = "UPDATE api_feeds SET failures = $2, next_poll_at = $3, last_error = $4 WHERE url = $1";
    on!(storage, |p| sqlx::query(sql).bind(url).bind(failures).bind(next).bind(error).execute(p).await.map(drop))
        .map_err(db)
}

/// Remembers an entry; `true` when it was not seen before (this instance
/// posts it).
pub async fn see_entry(storage: &Storage, url: &str, entry_hash: &str, now: i64) -> StoreResult<bool> {
    let sql = "INSERT INTO api_feed_entries (feed_url, entry_hash, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    let done = on!(storage, |p| sqlx::query(sql)
        .bind(url)
        .bind(entry_hash)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .map_err(db)?;
    Ok(done == 1)
}

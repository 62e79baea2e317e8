//! The plugin's own tables, for each engine: tokens (only their hashes),
//! the broadcasts made through the API with their idempotency keys, and
//! each feed's polling state with the entries seen.

use basis_storage::MigrationStep;

/// The tables, parents first (for `basis export`).
pub const TABLES: &[&str] = &["api_tokens", "api_broadcasts", "api_feeds", "api_feed_entries"];

/// SQLite.
pub const SQLITE: &[MigrationStep] = &[MigrationStep {
    version: 1,
    description: "posting api tokens, broadcasts and feeds",
    sql: "
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    topics       TEXT    NOT NULL,
    regions      TEXT    NOT NULL,
    owner_id     INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;
CREATE TABLE api_broadcasts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    token_id        INTEGER NOT NULL REFERENCES api_tokens (id),
    idempotency_key TEXT,
    request_hash    TEXT    NOT NULL,
    topics          TEXT    NOT NULL,
    draft_id        INTEGER,
    broadcast_id    INTEGER,
    retraction_id   INTEGER,
    created_at      INTEGER NOT NULL,
    UNIQUE (token_id, idempotency_key)
);
CREATE TABLE api_feeds (
    url           TEXT    PRIMARY KEY,
    primed        INTEGER NOT NULL DEFAULT 0,
    etag          TEXT,
    last_modified TEXT,
    next_poll_at  INTEGER NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT
);
CREATE TABLE api_feed_entries (
    feed_url   TEXT    NOT NULL,
    entry_hash TEXT    NOT NULL,
    seen_at    INTEGER NOT NULL,
    PRIMARY KEY (feed_url, entry_hash)
);",
}];

/// PostgreSQL.
pub const POSTGRES: &[MigrationStep] = &[MigrationStep {
    version: 1,
    description: "posting api tokens, broadcasts and feeds",
    sql: "
CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT   NOT NULL,
    hash         TEXT   NOT NULL UNIQUE,
    topics       TEXT   NOT NULL,
    regions      TEXT   NOT NULL,
    owner_id     BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;
CREATE TABLE api_broadcasts (
    id              BIGSERIAL PRIMARY KEY,
    token_id        BIGINT NOT NULL REFERENCES api_tokens (id),
    idempotency_key TEXT,
    request_hash    TEXT   NOT NULL,
    topics          TEXT   NOT NULL,
    draft_id        BIGINT,
    broadcast_id    BIGINT,
    retraction_id   BIGINT,
    created_at      BIGINT NOT NULL,
    UNIQUE (token_id, idempotency_key)
);
CREATE TABLE api_feeds (
    url           TEXT   PRIMARY KEY,
    primed        BIGINT NOT NULL DEFAULT 0,
    etag          TEXT,
    last_modified TEXT,
    next_poll_at  BIGINT NOT NULL DEFAULT 0,
    failures      BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT
);
CREATE TABLE api_feed_entries (
    feed_url   TEXT   NOT NULL,
    entry_hash TEXT   NOT NULL,
    seen_at    BIGINT NOT NULL,
    PRIMARY KEY (feed_url, entry_hash)
);",
}];

-- Broadcasts and their deliveries: the durable delivery queue.
CREATE TABLE broadcasts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id         INTEGER NOT NULL,
    -- 'text': sendMessage with `text`; 'copy': copyMessage of the source.
    kind              TEXT    NOT NULL,
    text              TEXT,
    source_chat_id    INTEGER,
    source_message_id INTEGER,
    topics            TEXT    NOT NULL,
    priority          INTEGER NOT NULL DEFAULT 0,
    status            TEXT    NOT NULL,
    -- Where the organizer's progress message lives.
    report_chat_id    INTEGER,
    report_locale     TEXT    NOT NULL DEFAULT 'de',
    report_message_id INTEGER,
    total             INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    finished_at       INTEGER,
    -- The final report: claimed by one instance, then marked as sent.
    report_claimed_at INTEGER,
    reported_at       INTEGER
);

CREATE TABLE deliveries (
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    chat_id       INTEGER NOT NULL,
    priority      INTEGER NOT NULL,
    -- pending → sending (leased) → sent | failed | blocked
    status        TEXT    NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    due_at        INTEGER NOT NULL,
    lease_until   INTEGER,
    -- Fencing: a settle only counts with the token of the current lease.
    lease_token   INTEGER,
    message_id    INTEGER,
    error         TEXT,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (broadcast_id, chat_id)
);
CREATE INDEX deliveries_queue ON deliveries (status, priority DESC, due_at);
CREATE INDEX deliveries_by_chat ON deliveries (chat_id);

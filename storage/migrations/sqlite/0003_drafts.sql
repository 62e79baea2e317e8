-- An organizer's post between preview and confirmation. Confirming moves it
-- to 'queued' in the same transaction that writes the broadcast, so a double
-- press or a redelivered update queues it once.
CREATE TABLE drafts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id     INTEGER NOT NULL,
    chat_id       INTEGER NOT NULL,
    text          TEXT    NOT NULL,
    topics        TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    broadcast_id  INTEGER,
    created_at    INTEGER NOT NULL
);

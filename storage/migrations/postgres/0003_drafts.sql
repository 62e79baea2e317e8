-- An organizer's post between preview and confirmation. Confirming moves it
-- to 'queued' in the same transaction that writes the broadcast, so a double
-- press or a redelivered update queues it once.
CREATE TABLE drafts (
    id            BIGSERIAL PRIMARY KEY,
    author_id     BIGINT  NOT NULL,
    chat_id       BIGINT  NOT NULL,
    text          TEXT    NOT NULL,
    topics        TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    broadcast_id  BIGINT,
    created_at    BIGINT  NOT NULL
);

-- Broadcasts and their deliveries: the durable delivery queue.
CREATE TABLE broadcasts (
    id                BIGSERIAL PRIMARY KEY,
    author_id         BIGINT  NOT NULL,
    -- 'text': sendMessage with `text`; 'copy': copyMessage of the source.
    kind              TEXT    NOT NULL,
    text              TEXT,
    source_chat_id    BIGINT,
    source_message_id BIGINT,
    topics            TEXT    NOT NULL,
    priority          BIGINT  NOT NULL DEFAULT 0,
    status            TEXT    NOT NULL,
    -- Where the organizer's progress message lives.
    report_chat_id    BIGINT,
    report_locale     TEXT    NOT NULL DEFAULT 'de',
    report_message_id BIGINT,
    total             BIGINT  NOT NULL DEFAULT 0,
    created_at        BIGINT  NOT NULL,
    finished_at       BIGINT,
    -- The final report: claimed by one instance, then marked as sent.
    report_claimed_at BIGINT,
    reported_at       BIGINT
);

CREATE TABLE deliveries (
    broadcast_id  BIGINT  NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    chat_id       BIGINT  NOT NULL,
    priority      BIGINT  NOT NULL,
    -- pending → sending (leased) → sent | failed | blocked
    status        TEXT    NOT NULL,
    attempts      BIGINT  NOT NULL DEFAULT 0,
    due_at        BIGINT  NOT NULL,
    lease_until   BIGINT,
    -- Fencing: a settle only counts with the token of the current lease.
    lease_token   BIGINT,
    message_id    BIGINT,
    error         TEXT,
    updated_at    BIGINT  NOT NULL,
    PRIMARY KEY (broadcast_id, chat_id)
);
CREATE INDEX deliveries_queue ON deliveries (status, priority DESC, due_at);
CREATE INDEX deliveries_by_chat ON deliveries (chat_id);

-- The organisation's own channels and forum topics, linked to Basis topics:
-- a post to a topic is published there first, then fanned out to members.
CREATE TABLE channel_links (
    chat_id    BIGINT NOT NULL,
    -- A forum topic's message_thread_id; 0 for a channel or a plain group.
    thread_id  BIGINT NOT NULL DEFAULT 0,
    topic_key  TEXT    NOT NULL,
    -- The channel's title when it was linked, for listings.
    title      TEXT    NOT NULL DEFAULT '',
    linked_by  BIGINT NOT NULL,
    linked_at  BIGINT NOT NULL,
    PRIMARY KEY (chat_id, thread_id, topic_key)
);

-- The forum topic a delivery goes to.
ALTER TABLE deliveries ADD COLUMN thread_id BIGINT;

-- Subscription events for statistics: when a topic gained or lost a
-- subscriber, and through which link. Deliberately WITHOUT a chat id: which
-- topics a person follows reveals political opinion, and statistics need
-- only how many, never who. A group that migrates to a supergroup moves its
-- subscriptions without events (it is neither lost nor new).
CREATE TABLE subscription_events (
    id         BIGSERIAL PRIMARY KEY,
    topic_key  TEXT    NOT NULL,
    -- Unix milliseconds.
    at         BIGINT  NOT NULL,
    -- +1 subscribed, -1 unsubscribed (or the chat's data was deleted).
    delta      BIGINT  NOT NULL CHECK (delta IN (1, -1)),
    -- 'link:<campaign>' for joins through a deep link ('link:' without a
    -- campaign), '' otherwise.
    source     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX subscription_events_by_topic ON subscription_events (topic_key, at);

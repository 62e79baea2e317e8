-- Members and their topics. Only what delivery needs: no names, no usernames,
-- no message texts (GDPR Art. 9: topics reveal political opinion).
CREATE TABLE chats (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    locale      TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'active',
    consent_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE topics (
    key         TEXT    PRIMARY KEY,
    emoji       TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    retired     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE topic_texts (
    topic_key   TEXT NOT NULL REFERENCES topics(key) ON DELETE CASCADE,
    locale      TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (topic_key, locale)
);

CREATE TABLE subscriptions (
    chat_id     INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic_key   TEXT    NOT NULL REFERENCES topics(key),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, topic_key)
);
CREATE INDEX subscriptions_by_topic ON subscriptions (topic_key, chat_id);

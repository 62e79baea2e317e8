-- Members write back: the organizers' inbox. Basis keeps only what routes
-- a message and its answer: which member chat a conversation belongs to,
-- where it lives in the inbox group, which message stands for which, and
-- when. Never a message's text.

-- The organisation's inbox: the one group where organizers read and answer
-- what members write (an owner's /inbox there; /inbox off ends it).
CREATE TABLE inbox (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    chat_id     INTEGER NOT NULL,
    -- Topics on: one forum topic per conversation; off: threads of replies.
    forum       BOOLEAN NOT NULL,
    -- The language of the labels and notices in the group.
    locale      TEXT    NOT NULL,
    set_by      INTEGER NOT NULL,
    set_at      INTEGER NOT NULL
);

-- One conversation per member, under a pseudonymous case number (a counter,
-- not derived from the chat). A closed conversation opens again with the
-- member's next message.
CREATE TABLE inbox_cases (
    case_no       INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id       INTEGER NOT NULL UNIQUE,
    -- The inbox group the conversation lives in, and there its forum topic
    -- or, in a group without topics, the message with its label.
    inbox_chat_id INTEGER,
    thread_id     INTEGER,
    topic_closed  BOOLEAN NOT NULL DEFAULT FALSE,
    header_id     INTEGER,
    opened_at     INTEGER NOT NULL,
    answered_at   INTEGER,
    closed_at     INTEGER,
    muted_at      INTEGER,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX inbox_cases_topic ON inbox_cases (inbox_chat_id, thread_id);
CREATE INDEX inbox_cases_closed ON inbox_cases (closed_at);

-- Which message in the inbox group stands for which in the member's chat,
-- so that a reply to either reaches the other. Ids and a time only.
CREATE TABLE inbox_messages (
    inbox_chat_id     INTEGER NOT NULL,
    inbox_message_id  INTEGER NOT NULL,
    case_no           INTEGER NOT NULL REFERENCES inbox_cases(case_no) ON DELETE CASCADE,
    -- member (a member's message, copied), header (a conversation's label),
    -- answer (an organizer's message, copied to the member).
    kind              TEXT    NOT NULL,
    member_message_id INTEGER,
    at                INTEGER NOT NULL,
    PRIMARY KEY (inbox_chat_id, inbox_message_id)
);
CREATE INDEX inbox_messages_case ON inbox_messages (case_no, member_message_id);

-- Messages waiting to be copied, in order per conversation and direction:
-- the durable relay queue. A row is deleted once its copy went out.
CREATE TABLE inbox_relays (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    case_no       INTEGER NOT NULL REFERENCES inbox_cases(case_no) ON DELETE CASCADE,
    -- to_inbox (a member's message) or to_member (an organizer's answer).
    direction     TEXT    NOT NULL,
    -- The member's chat.
    chat_id       INTEGER NOT NULL,
    -- The message to copy, and the chat it is in.
    from_chat_id  INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    -- The message the original replied to, on the sender's side.
    reply_to      INTEGER,
    -- The organizer's first name, when answers are signed.
    signer        TEXT,
    -- pending → sending (leased) → deleted once copied
    status        TEXT    NOT NULL,
    due_at        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_until   INTEGER,
    lease_token   INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX inbox_relays_order ON inbox_relays (case_no, direction, id);
CREATE INDEX inbox_relays_queue ON inbox_relays (direction, status, id);
CREATE INDEX inbox_relays_chat ON inbox_relays (chat_id);

-- Assemblies, rallies and meetings: time, place, RSVP and reminders.
CREATE TABLE events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id      INTEGER NOT NULL,
    -- The organizer's chat: preview, confirmation and reports go there.
    chat_id        INTEGER NOT NULL,
    title          TEXT    NOT NULL DEFAULT '',
    starts_at      INTEGER NOT NULL DEFAULT 0,
    ends_at        INTEGER,
    place          TEXT    NOT NULL DEFAULT '',
    latitude       REAL,
    longitude      REAL,
    topics         TEXT    NOT NULL DEFAULT '',
    note           TEXT    NOT NULL DEFAULT '',
    -- Minutes before the start, comma-separated.
    reminders      TEXT    NOT NULL DEFAULT '1440,60',
    -- draft → active → cancelled
    status         TEXT    NOT NULL,
    -- The guided /event's next question while a draft is being written.
    step           TEXT,
    -- The invitation broadcast; changes reply to its copies.
    invitation_id  INTEGER,
    -- iCalendar SEQUENCE: bumped by every change.
    sequence       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX events_upcoming ON events (status, starts_at);

-- One answer per invited chat.
CREATE TABLE rsvps (
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    chat_id   INTEGER NOT NULL,
    -- yes | maybe | no
    answer    TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (event_id, chat_id)
);
CREATE INDEX rsvps_by_chat ON rsvps (chat_id);

CREATE TABLE event_reminders (
    event_id        INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    minutes_before  INTEGER NOT NULL,
    due_at          INTEGER NOT NULL,
    -- pending → sent | skipped (due while the event had started) | cancelled
    status          TEXT    NOT NULL,
    broadcast_id    INTEGER,
    PRIMARY KEY (event_id, minutes_before)
);
CREATE INDEX event_reminders_due ON event_reminders (status, due_at);

-- Event broadcasts (kind 'event', the note in `text`) render per member:
-- in the member's language, with the member's current answer.
ALTER TABLE broadcasts ADD COLUMN event_id INTEGER;
ALTER TABLE deliveries ADD COLUMN locale TEXT;
ALTER TABLE deliveries ADD COLUMN choice TEXT;

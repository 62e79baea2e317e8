-- Assemblies, rallies and meetings: time, place, RSVP and reminders.
CREATE TABLE events (
    id             BIGSERIAL PRIMARY KEY,
    author_id      BIGINT NOT NULL,
    -- The organizer's chat: preview, confirmation and reports go there.
    chat_id        BIGINT NOT NULL,
    title          TEXT    NOT NULL DEFAULT '',
    starts_at      BIGINT NOT NULL DEFAULT 0,
    ends_at        BIGINT,
    place          TEXT    NOT NULL DEFAULT '',
    latitude       DOUBLE PRECISION,
    longitude      DOUBLE PRECISION,
    topics         TEXT    NOT NULL DEFAULT '',
    note           TEXT    NOT NULL DEFAULT '',
    -- Minutes before the start, comma-separated.
    reminders      TEXT    NOT NULL DEFAULT '1440,60',
    -- draft → active → cancelled
    status         TEXT    NOT NULL,
    -- The guided /event's next question while a draft is being written.
    step           TEXT,
    -- The invitation broadcast; changes reply to its copies.
    invitation_id  BIGINT,
    -- iCalendar SEQUENCE: bumped by every change.
    sequence       BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX events_upcoming ON events (status, starts_at);

-- One answer per invited chat.
CREATE TABLE rsvps (
    event_id  BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    chat_id   BIGINT NOT NULL,
    -- yes | maybe | no
    answer    TEXT    NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (event_id, chat_id)
);
CREATE INDEX rsvps_by_chat ON rsvps (chat_id);

CREATE TABLE event_reminders (
    event_id        BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    minutes_before  BIGINT NOT NULL,
    due_at          BIGINT NOT NULL,
    -- pending → sent | skipped (due while the event had started) | cancelled
    status          TEXT    NOT NULL,
    broadcast_id    BIGINT,
    PRIMARY KEY (event_id, minutes_before)
);
CREATE INDEX event_reminders_due ON event_reminders (status, due_at);

-- Event broadcasts (kind 'event', the note in `text`) render per member:
-- in the member's language, with the member's current answer.
ALTER TABLE broadcasts ADD COLUMN event_id BIGINT;
ALTER TABLE deliveries ADD COLUMN locale TEXT;
ALTER TABLE deliveries ADD COLUMN choice TEXT;

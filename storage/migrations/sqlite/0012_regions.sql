-- Regions: where members are, chosen by themselves (never inferred), so a
-- post can reach one plant, one district or one Land. Configuration, like
-- topics: seeded on every start, retired (never deleted) when the file no
-- longer lists them. A parent's posts reach its children.
CREATE TABLE regions (
    key         TEXT    PRIMARY KEY,
    -- The region above it; NULL for a root. Checked by the configuration.
    parent      TEXT,
    position    INTEGER NOT NULL,
    retired     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE region_texts (
    region_key  TEXT NOT NULL REFERENCES regions(key) ON DELETE CASCADE,
    locale      TEXT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (region_key, locale)
);

-- One region per chat, as the chat chose it (a group: its admins). Deleted
-- with the chat; kept, but hidden, when its region is retired.
CREATE TABLE chat_regions (
    chat_id     INTEGER PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
    region_key  TEXT    NOT NULL REFERENCES regions(key),
    chosen_at   INTEGER NOT NULL
);
-- A targeted fan-out starts here: the members of one region, by key.
CREATE INDEX chat_regions_by_region ON chat_regions (region_key, chat_id);

-- The regions a broadcast reaches, fixed when it is queued: those named and
-- every region below them. Follow-ups, corrections and an event's notices
-- take the rows of the broadcast they refer to. No rows: not targeted.
CREATE TABLE broadcast_regions (
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    region_key    TEXT    NOT NULL,
    PRIMARY KEY (broadcast_id, region_key)
);

-- The regions as named (comma-separated; '' = everywhere), for previews,
-- reports and scopes: a broadcast's, a draft's and an event's target, an
-- organizer's and an invitation's region scope ('' = not limited).
ALTER TABLE broadcasts ADD COLUMN regions TEXT NOT NULL DEFAULT '';
ALTER TABLE drafts ADD COLUMN regions TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN regions TEXT NOT NULL DEFAULT '';
ALTER TABLE organizers ADD COLUMN regions TEXT NOT NULL DEFAULT '';
ALTER TABLE invites ADD COLUMN regions TEXT NOT NULL DEFAULT '';

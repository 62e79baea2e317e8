-- Organizers granted from inside the bot. Owners come from the configuration
-- and are never stored: nothing in the database can make or unmake an owner.
CREATE TABLE organizers (
    user_id     INTEGER PRIMARY KEY,
    -- How the organizer is shown in /organizers and the audit log.
    name        TEXT    NOT NULL,
    -- Comma-separated topic keys the organizer may post to; '' = all.
    topics      TEXT    NOT NULL,
    granted_by  INTEGER NOT NULL,
    granted_at  INTEGER NOT NULL
);

-- One-time invitations. Only the SHA-256 of the token is kept, so a copy of
-- the database cannot be turned into organizer rights.
CREATE TABLE invites (
    token_hash  TEXT    PRIMARY KEY,
    topics      TEXT    NOT NULL,
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_by     INTEGER,
    used_at     INTEGER
);

-- Every organizer action. Kept when delivery rows are purged.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor_id  INTEGER NOT NULL,
    action    TEXT    NOT NULL,
    subject   TEXT    NOT NULL DEFAULT '',
    detail    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_latest ON audit_log (at DESC);

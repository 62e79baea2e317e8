-- Albums: Telegram delivers each part as a message of its own, sharing a
-- media_group_id. The parts organizers send the bot are remembered, so a
-- /post in reply to any part posts the whole album (copyMessages).
CREATE TABLE album_parts (
    chat_id         INTEGER NOT NULL,
    media_group_id  TEXT    NOT NULL,
    message_id      INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX album_parts_group ON album_parts (chat_id, media_group_id);

-- The album's message ids, comma-separated, for drafts and broadcasts of
-- kind 'album'.
ALTER TABLE drafts ADD COLUMN album TEXT;
ALTER TABLE broadcasts ADD COLUMN album TEXT;

-- When the bot asked the chat where it is (after its first topic, once
-- regions are configured): it asks once, and never again, whether the
-- member answered or skipped. NULL: not asked. Goes with the chat at /stop.
ALTER TABLE chats ADD COLUMN region_asked_at BIGINT;

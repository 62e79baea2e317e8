-- Posts beyond plain text: copies of an organizer's message (media, polls,
-- locations…), follow-ups that reply to each member's own copy of an earlier
-- broadcast, scheduled sending, and corrections (edit, retract) that reach
-- every delivered copy through the same durable queue.
ALTER TABLE drafts ADD COLUMN source_chat_id BIGINT;
ALTER TABLE drafts ADD COLUMN source_message_id BIGINT;
-- The broadcast this post follows up on.
ALTER TABLE drafts ADD COLUMN follow_up_of BIGINT;
-- When a scheduled draft is due (status 'scheduled'), and at what priority.
ALTER TABLE drafts ADD COLUMN scheduled_at BIGINT;
ALTER TABLE drafts ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
ALTER TABLE drafts ADD COLUMN report_locale TEXT NOT NULL DEFAULT 'de';
CREATE INDEX drafts_scheduled ON drafts (status, scheduled_at);

-- kind 'edit' / 'delete': corrections of broadcast `ref_broadcast_id`;
-- kind 'text' / 'copy' with a ref: a follow-up of that broadcast.
ALTER TABLE broadcasts ADD COLUMN ref_broadcast_id BIGINT;
-- The message a delivery replies to (follow-up) or edits / deletes.
ALTER TABLE deliveries ADD COLUMN ref_message_id BIGINT;

-- The version of the privacy notice in force when the chat agreed, or the
-- one it was last shown (BASIS_PRIVACY_VERSION). A newer configured version
-- is shown once at the chat's next interaction. Chats from before notices
-- were versioned count as version 1, the default of the configuration.
ALTER TABLE chats ADD COLUMN privacy_version INTEGER NOT NULL DEFAULT 1;

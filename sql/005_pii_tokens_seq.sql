-- pii_tokens numbered within each session (seq), so that a process can read
-- just the rows other processes added since it last looked and decide new
-- tokens from memory, and so that a page of new rows is appended in order.
-- The expires_at index goes: the sweep is the only reader of that column
-- and may scan. A revoked session's values are deleted at once (those of
-- sessions revoked before this migration are not carried over). See
-- docs/storage.md.
CREATE TABLE pii_tokens_seq (
	session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
	seq INTEGER NOT NULL CHECK (seq > 0),
	token TEXT NOT NULL,
	value_mac BLOB NOT NULL,
	sealed_value BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (session_id, seq),
	UNIQUE (session_id, token)
) STRICT, WITHOUT ROWID;
INSERT INTO pii_tokens_seq (session_id, seq, token, value_mac, sealed_value, created_at,
                            expires_at)
	SELECT session_id,
	       row_number() OVER (PARTITION BY session_id ORDER BY created_at, token),
	       token, value_mac, sealed_value, created_at, expires_at
	FROM pii_tokens
	WHERE session_id NOT IN (SELECT session_id FROM sessions WHERE revoked_at IS NOT NULL);
DROP TABLE pii_tokens;
ALTER TABLE pii_tokens_seq RENAME TO pii_tokens;
CREATE TRIGGER pii_tokens_revoked AFTER UPDATE OF revoked_at ON sessions
	WHEN NEW.revoked_at IS NOT NULL
BEGIN
	DELETE FROM pii_tokens WHERE session_id = NEW.session_id;
END;

-- The reverse map of personal-data redaction: each token a session issued
-- and the value it stands for, sealed under a key derived from the access
-- token's secret, so the database alone reveals no value. See
-- docs/storage.md.
CREATE TABLE pii_tokens (
	session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
	token TEXT NOT NULL,
	value_mac BLOB NOT NULL,
	sealed_value BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (session_id, token)
) STRICT, WITHOUT ROWID;
CREATE INDEX pii_tokens_expires_at ON pii_tokens (expires_at);

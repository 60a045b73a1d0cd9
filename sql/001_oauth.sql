-- OAuth state: registered clients, cached client metadata documents,
-- authorization codes, sign-in sessions and login throttling.
-- Every temporary row carries created_at/expires_at (Unix seconds, UTC) and
-- is removed by the sweeper once expired. See docs/storage.md.

CREATE TABLE clients (
	client_id TEXT PRIMARY KEY NOT NULL,
	secret_hash BLOB,
	auth_method TEXT NOT NULL
		CHECK (auth_method IN ('none', 'client_secret_basic', 'client_secret_post')),
	client_name TEXT,
	metadata TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	last_used_at INTEGER,
	expires_at INTEGER NOT NULL,
	CHECK ((auth_method = 'none') = (secret_hash IS NULL))
) STRICT;
CREATE INDEX clients_expires_at ON clients (expires_at);

CREATE TABLE client_documents (
	url TEXT PRIMARY KEY NOT NULL,
	document TEXT NOT NULL,
	fetched_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX client_documents_expires_at ON client_documents (expires_at);

CREATE TABLE sessions (
	session_id TEXT PRIMARY KEY NOT NULL,
	secret_hash BLOB,
	key_id TEXT NOT NULL,
	client_id TEXT NOT NULL,
	client_name TEXT,
	resource TEXT NOT NULL,
	scope TEXT NOT NULL,
	allow_pii INTEGER NOT NULL CHECK (allow_pii IN (0, 1)),
	account_hash BLOB NOT NULL,
	upstream_user_id INTEGER,
	upstream_token BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER,
	revoked_reason TEXT,
	last_used_at INTEGER
) STRICT;
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_account_hash ON sessions (account_hash);

CREATE TABLE auth_codes (
	code_hash BLOB PRIMARY KEY NOT NULL,
	session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
	client_id TEXT NOT NULL,
	redirect_uri TEXT NOT NULL,
	code_challenge TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at INTEGER
) STRICT;
CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at);

CREATE TABLE login_throttle (
	subject BLOB PRIMARY KEY NOT NULL,
	failures INTEGER NOT NULL,
	window_started_at INTEGER NOT NULL,
	blocked_until INTEGER,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX login_throttle_expires_at ON login_throttle (expires_at);

CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,
	event TEXT NOT NULL,
	session_id TEXT,
	client_id TEXT,
	detail TEXT,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_log_expires_at ON audit_log (expires_at);

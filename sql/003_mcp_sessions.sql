-- MCP sessions (protocol revisions 2025-03-26 to 2025-11-25): issued by
-- initialize as Mcp-Session-Id, bound to the sign-in session whose bearer
-- token every request still carries. See docs/storage.md.
CREATE TABLE mcp_sessions (
	mcp_session_id TEXT PRIMARY KEY NOT NULL,
	session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
	protocol_version TEXT NOT NULL,
	client_name TEXT,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	ended_at INTEGER
) STRICT;
CREATE INDEX mcp_sessions_expires_at ON mcp_sessions (expires_at);
CREATE INDEX mcp_sessions_session_id ON mcp_sessions (session_id);

-- The access token's secret travels from the login page to /token sealed
-- under a key derived from the authorization code, which only the client
-- holds: the database alone cannot mint a token. See docs/storage.md.
ALTER TABLE auth_codes ADD COLUMN sealed_secret BLOB;

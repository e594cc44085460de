-- Sessions are kept by the SHA-256 of their token, never the token itself.
-- Tokens of the first release cannot be hashed in SQL that runs on both
-- databases: those sessions end, and their users log in again.
DROP TABLE sessions;
CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, openid TEXT NOT NULL, expires_at BIGINT NOT NULL);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- A send in flight belongs to the instance that took it, until its lease ends:
-- only sends whose lease has ended are given back by another start. Rows of the
-- first release have no owner and an ended lease.
ALTER TABLE spending ADD COLUMN instance TEXT NOT NULL DEFAULT '';
ALTER TABLE spending ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;

-- WeChat's access token, shared by every instance: one fetches it (holding the
-- lease), the others read it.
CREATE TABLE access_token (
  id TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  lease_owner TEXT NOT NULL,
  lease_until BIGINT NOT NULL
);
INSERT INTO access_token (id, value, expires_at, lease_owner, lease_until) VALUES ('stable', '', 0, '', 0);

-- The ledger as the first release made it (with CREATE TABLE IF NOT EXISTS at
-- start): sessions, the sends each user has in hand per template, and the sends
-- in flight. IF NOT EXISTS lets a database made by that release take the
-- migrations from here on.
CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, openid TEXT NOT NULL, expires_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS sends (openid TEXT NOT NULL, template_id TEXT NOT NULL, count BIGINT NOT NULL, PRIMARY KEY (openid, template_id));
CREATE TABLE IF NOT EXISTS spending (id TEXT PRIMARY KEY, openid TEXT NOT NULL, template_id TEXT NOT NULL);

-- 0002_users: accounts, the grids they belong to, and bearer tokens.
--
-- The conventions of 0001_init hold, except that user ids are made by the
-- server (UUIDv7), since accounts are created by an admin, not by a phone
-- that may retry.

-- users are the accounts. password_hash is argon2id in PHC string form
-- (gridinspect.HashPassword); it never leaves the store. A user with
-- all_grids has no user_grids rows.
CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL,
	role          INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3),
	all_grids     INTEGER NOT NULL CHECK (all_grids IN (0, 1)),
	disabled      INTEGER NOT NULL CHECK (disabled IN (0, 1)),
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;

-- user_grids are the grids a user belongs to (works in, or supervises).
CREATE TABLE user_grids (
	user_id TEXT NOT NULL REFERENCES users (id),
	grid_id TEXT NOT NULL REFERENCES grids (id),
	PRIMARY KEY (user_id, grid_id)
) STRICT, WITHOUT ROWID;

-- ListUsers of a grid, and GetUser by a supervisor of some grids.
CREATE INDEX user_grids_grid ON user_grids (grid_id, user_id);

-- tokens are the bearer tokens handed out by Login. id is the hex SHA-256
-- of the token; the token itself is never stored, so a copy of the
-- database lets nobody in. A token is live while revoked_at is NULL and
-- expires_at is in the future.
CREATE TABLE tokens (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users (id),
	device_id    TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL,   -- recorded at most every store.LastUsedInterval
	expires_at   INTEGER NOT NULL,
	revoked_at   INTEGER
) STRICT;

-- RevokeTokens and DisableUser: a user's tokens.
CREATE INDEX tokens_user ON tokens (user_id);

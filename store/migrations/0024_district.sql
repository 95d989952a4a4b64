-- 0024_district: district accounts (docs/tenants.md, "District
-- accounts"). A district account (role 4, ROLE_DISTRICT) belongs to a
-- street like every account, and reads the statistics of the streets an
-- operator gave it (gridd --district-user): district_streets, keyed by its
-- own street and id, so that its rows live with its home street.

-- users: rebuilt for its role CHECK (SQLite cannot alter one), as 0023
-- rebuilds grids: dropped and made again under its own name, so that the
-- rows that refer to a user (user_grids, tokens) find it again as it is
-- inserted; the drop's breaches are counted until then, not refused.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE users_23 AS SELECT * FROM users;
DROP TABLE users;
CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL,
	role          INTEGER NOT NULL CHECK (role BETWEEN 1 AND 4),
	all_grids     INTEGER NOT NULL CHECK (all_grids IN (0, 1)),
	disabled      INTEGER NOT NULL CHECK (disabled IN (0, 1)),
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	street_id     INTEGER NOT NULL DEFAULT 1
) STRICT;
INSERT INTO users (id, username, display_name, role, all_grids, disabled, password_hash, created_at, updated_at, street_id)
SELECT id, username, display_name, role, all_grids, disabled, password_hash, created_at, updated_at, street_id FROM users_23;
DROP TABLE users_23;

-- The streets a district account reads: member_street_id is checked to
-- be a street when it is set (no foreign key: on Citus a key into
-- another street's shard could not be checked).
CREATE TABLE district_streets (
	street_id        INTEGER NOT NULL,
	user_id          TEXT NOT NULL REFERENCES users (id),
	member_street_id INTEGER NOT NULL CHECK (member_street_id >= 1),
	PRIMARY KEY (street_id, user_id, member_street_id)
) STRICT, WITHOUT ROWID;

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

-- The statistics name the street of every row they count (docs/tenants.md)
-- and read only indexes (0006_stats): each index they read holds the
-- street too, last, so that it still serves every query it served,
-- ranges and order unchanged.
DROP INDEX reports_grid_open_category_time;
CREATE INDEX reports_grid_open_category_time ON reports (grid_id, is_open, category, effective_at, id,
	status, severity, rectified_on_spot, deadline, detail_kind, detail_flag, street_id);
DROP INDEX reports_due;
CREATE INDEX reports_due ON reports (grid_id, category, deadline, status, closed_at, effective_at, street_id)
	WHERE is_open = 0 AND deadline IS NOT NULL;
DROP INDEX reports_closed_on_spot;
CREATE INDEX reports_closed_on_spot ON reports (grid_id, category, closed_at, effective_at, street_id)
	WHERE closed_at IS NOT NULL AND deadline IS NULL;
DROP INDEX reports_changed;
CREATE INDEX reports_changed ON reports (changed_at, effective_at, id, street_id);
DROP INDEX patrols_time;
CREATE INDEX patrols_time ON patrols (effective_at, id, kind, grid_id, participants, street_id);
DROP INDEX events_changes;
CREATE INDEX events_changes ON events (report_id, seq, effective_at, type, status_after, deadline_set,
	submitted_grid_id, submitted_category, submitted_red_line, street_id)
	WHERE conflict = 0 AND (status_before <> status_after OR type = 11);
DROP INDEX events_escalations;
CREATE INDEX events_escalations ON events (type, effective_at, report_id, street_id)
	WHERE type IN (12, 13, 14) AND conflict = 0;
DROP INDEX events_returns;
CREATE INDEX events_returns ON events (type, effective_at, report_id, street_id)
	WHERE type IN (15, 16) AND conflict = 0;

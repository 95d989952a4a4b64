-- 0003_district: district accounts (docs/tenants.md, "District
-- accounts"): the streets a district account (role 4, ROLE_DISTRICT,
-- which users' CHECK has allowed since 0001) reads the statistics of,
-- set by an operator (gridd --district-user). Keyed by the account's own
-- street, like every per-street table, so that a district's rows live on
-- its home street's shard. member_street_id is checked to be a street when
-- it is set: a foreign key into streets by another column than the
-- distribution column is one Citus could not check on one shard.
CREATE TABLE district_streets (
	street_id        bigint NOT NULL REFERENCES streets (id),
	user_id          text COLLATE "C" NOT NULL,
	member_street_id bigint NOT NULL CHECK (member_street_id >= 1),
	PRIMARY KEY (street_id, user_id, member_street_id),
	FOREIGN KEY (street_id, user_id) REFERENCES users (street_id, id)
);

-- The statistics name the street of every row they count and read only
-- indexes (index-only scans): each index they read holds the street too,
-- last, so that it still serves every query it served, ranges and order
-- unchanged. (Leading every plain index with the street is a later step:
-- docs/tenants.md, "Left".)
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

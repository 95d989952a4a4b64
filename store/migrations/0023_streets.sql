-- 0023_streets: streets as tenants (issue 17, docs/tenants.md). Every row
-- belongs to a street; the rows a database already holds are street 1,
-- the street of every single-street database. SQLite is never
-- distributed, so the tables keep their keys and gain the column (their
-- ids are UUIDs, unique across streets); only the tables keyed by
-- something a street chooses (a notice's kind and year, a routing rule's
-- key, a grid's name) are rebuilt with the street leading their key, so
-- that two streets in one file number their notices, route their cases
-- and name their grids apart.
-- calendar_exceptions (the state's holidays) and meta are the database's.
CREATE TABLE streets (
	id   INTEGER PRIMARY KEY CHECK (id >= 1),
	name TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO streets (id) VALUES (1);

ALTER TABLE subjects ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE reports ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE patrols ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE changes ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE user_grids ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tokens ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE photos ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE mutations ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE quarantine ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE event_facts ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE push_retries ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE patrol_schedules ADD COLUMN street_id INTEGER NOT NULL DEFAULT 1;

-- grids: dropped and made again under its own name, so that the rows that
-- refer to a grid find their grid again as it is inserted; the drop's
-- breaches are counted until then (defer_foreign_keys), not refused.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE grids_22 AS SELECT * FROM grids;
DROP TABLE grids;
CREATE TABLE grids (
	street_id    INTEGER NOT NULL DEFAULT 1,
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	kind         INTEGER NOT NULL,
	boundary     TEXT NOT NULL,
	min_lat      REAL NOT NULL,
	min_lng      REAL NOT NULL,
	max_lat      REAL NOT NULL,
	max_lng      REAL NOT NULL,
	content_hash TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	sort_order   INTEGER NOT NULL DEFAULT 0 CHECK (sort_order >= 0),
	UNIQUE (street_id, name)
) STRICT;
INSERT INTO grids (id, name, kind, boundary, min_lat, min_lng, max_lat, max_lng, content_hash, created_at, sort_order)
SELECT id, name, kind, boundary, min_lat, min_lng, max_lat, max_lng, content_hash, created_at, sort_order FROM grids_22;
DROP TABLE grids_22;

CREATE TABLE notice_numbers_23 (
	street_id INTEGER NOT NULL DEFAULT 1,
	kind      INTEGER NOT NULL,
	year      INTEGER NOT NULL,
	last      INTEGER NOT NULL CHECK (last >= 1),
	PRIMARY KEY (street_id, kind, year)
) STRICT, WITHOUT ROWID;
INSERT INTO notice_numbers_23 (kind, year, last) SELECT kind, year, last FROM notice_numbers;
DROP TABLE notice_numbers;
ALTER TABLE notice_numbers_23 RENAME TO notice_numbers;

CREATE TABLE notice_prefixes_23 (
	street_id INTEGER NOT NULL DEFAULT 1,
	kind      INTEGER NOT NULL CHECK (kind >= 1),
	prefix    TEXT NOT NULL,
	PRIMARY KEY (street_id, kind)
) STRICT;
INSERT INTO notice_prefixes_23 (kind, prefix) SELECT kind, prefix FROM notice_prefixes;
DROP TABLE notice_prefixes;
ALTER TABLE notice_prefixes_23 RENAME TO notice_prefixes;

CREATE TABLE routing_rules_23 (
	street_id        INTEGER NOT NULL DEFAULT 1,
	id               TEXT NOT NULL,
	name             TEXT NOT NULL,
	category         INTEGER NOT NULL CHECK (category >= 0),
	kind             INTEGER NOT NULL CHECK (kind >= 0),
	grid_id          TEXT NOT NULL,
	assignee_id      TEXT,
	responsible_unit TEXT NOT NULL,
	deadline_days    INTEGER NOT NULL CHECK (deadline_days >= 0),
	automatic        INTEGER NOT NULL CHECK (automatic IN (0, 1)),
	updated_at       INTEGER NOT NULL,
	updated_by       TEXT NOT NULL,
	PRIMARY KEY (street_id, id),
	UNIQUE (street_id, category, kind, grid_id)
) STRICT;
INSERT INTO routing_rules_23 (id, name, category, kind, grid_id, assignee_id, responsible_unit, deadline_days,
	automatic, updated_at, updated_by)
SELECT id, name, category, kind, grid_id, assignee_id, responsible_unit, deadline_days,
	automatic, updated_at, updated_by FROM routing_rules;
DROP TABLE routing_rules;
ALTER TABLE routing_rules_23 RENAME TO routing_rules;

-- The facts of an event are counted in its case's street.
DROP TRIGGER events_facts;
CREATE TRIGGER events_facts AFTER INSERT ON events
WHEN NEW.conflict = 0 AND (NEW.type IN (3, 5, 6, 9) OR (NEW.type = 8 AND NEW.status_after = 5))
BEGIN
	INSERT INTO event_facts (street_id, grid_id, category, type, effective_at, event_id, status_after, notice_kind,
		notice_department, disposition, to_close, demolished_area, detail_kind)
	SELECT r.street_id, r.grid_id, r.category, NEW.type, NEW.effective_at, NEW.id, NEW.status_after,
		json_extract(NEW.payload, '$.Notice.Kind'), json_extract(NEW.payload, '$.Notice.Department'),
		json_extract(NEW.payload, '$.Verification.Disposition'),
		iif(NEW.type = 8, NEW.effective_at - r.effective_at, NULL),
		iif(NEW.type = 8 AND r.category = 3, coalesce((SELECT
			json_extract(x.payload, '$.Rectification.DemolishedAreaSquareMeters') FROM events AS x
			WHERE x.street_id = NEW.street_id AND x.report_id = NEW.report_id AND x.seq < NEW.seq
				AND x.type = 7 AND x.conflict = 0
			ORDER BY x.seq DESC LIMIT 1), 0), NULL),
		r.detail_kind
	FROM reports AS r WHERE r.street_id = NEW.street_id AND r.id = NEW.report_id;
END;

-- 0001_init: grids, subjects, reports with their events, patrols, and the
-- change sequence.
--
-- Conventions:
--   * Every table is STRICT, so a value of the wrong type is an error, not
--     a silent conversion.
--   * Ids are the client-made UUIDs, lowercased; they are the primary keys,
--     which is what makes a retried submission find the first one.
--   * Times are INTEGER Unix nanoseconds, UTC. An unset time is NULL.
--   * Enums are the API's numbers (gridinspect.Category etc.).
--   * content_hash is the hex SHA-256 of what the client gave
--     (gridinspect's ContentHash methods), to tell a retry from a conflict.

-- meta holds facts about this database, e.g. instance_id, a random UUID made
-- when the database was created; sync cursors carry it so a cursor from
-- another database (a restored backup, a new install) can be refused.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

-- grids are the areas of the street. The bounding box is kept beside the
-- boundary so that placing a point can skip most grids cheaply.
CREATE TABLE grids (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL UNIQUE,
	kind         INTEGER NOT NULL,
	boundary     TEXT NOT NULL,            -- JSON [[[[lat, lng], …] ring, …] polygon, …], WGS-84
	min_lat      REAL NOT NULL,
	min_lng      REAL NOT NULL,
	max_lat      REAL NOT NULL,
	max_lng      REAL NOT NULL,
	content_hash TEXT NOT NULL,
	created_at   INTEGER NOT NULL
) STRICT;

-- subjects are what reports are about, one row per enterprise, household,
-- water source or site (一户一案).
CREATE TABLE subjects (
	id            TEXT PRIMARY KEY,
	kind          INTEGER NOT NULL,
	name          TEXT NOT NULL,
	grid_id       TEXT NOT NULL REFERENCES grids (id),
	lat           REAL,                    -- NULL when the subject has no location
	lng           REAL,
	accuracy      REAL NOT NULL DEFAULT 0,
	address       TEXT NOT NULL DEFAULT '',
	credit_code   TEXT NOT NULL DEFAULT '', -- unified social credit code; '' when none
	contact_name  TEXT NOT NULL DEFAULT '',
	contact_phone TEXT NOT NULL DEFAULT '',
	notes         TEXT NOT NULL DEFAULT '',
	content_hash  TEXT NOT NULL,
	created_at    INTEGER NOT NULL
) STRICT;

-- One enterprise, one credit code; subjects without one are not compared.
CREATE UNIQUE INDEX subjects_credit_code ON subjects (credit_code) WHERE credit_code <> '';
-- ListSubjects pages by (name, id), overall and within a grid.
CREATE INDEX subjects_name ON subjects (name, id);
CREATE INDEX subjects_grid_name ON subjects (grid_id, name, id);

-- reports are the cases. is_open and effective_at are generated from the
-- columns they depend on, so they can never fall out of step with them,
-- and they are columns so that indexes can lead with them.
CREATE TABLE reports (
	id                  TEXT PRIMARY KEY,
	category            INTEGER NOT NULL,
	severity            INTEGER NOT NULL,
	description         TEXT NOT NULL,
	lat                 REAL NOT NULL,     -- WGS-84
	lng                 REAL NOT NULL,
	accuracy            REAL NOT NULL,
	address             TEXT NOT NULL,
	grid_id             TEXT NOT NULL REFERENCES grids (id),
	subject_id          TEXT REFERENCES subjects (id),
	observed_at         INTEGER NOT NULL,  -- the device clock, as the device said
	photo_ids           TEXT NOT NULL,     -- JSON array of UUIDs
	rectified_on_spot   INTEGER NOT NULL CHECK (rectified_on_spot IN (0, 1)),
	patrol_id           TEXT,              -- no foreign key: a report may arrive before its patrol
	details             TEXT NOT NULL,     -- JSON of gridinspect.Details
	status              INTEGER NOT NULL,
	version             INTEGER NOT NULL CHECK (version >= 1),
	reporter_id         TEXT NOT NULL,
	received_at         INTEGER NOT NULL,  -- the server clock
	deadline            INTEGER,
	original_deadline   INTEGER,
	assignee_id         TEXT,
	responsible_unit    TEXT NOT NULL DEFAULT '',
	disposition         INTEGER NOT NULL DEFAULT 0,
	closed_at           INTEGER,
	clock_skew_flagged  INTEGER NOT NULL CHECK (clock_skew_flagged IN (0, 1)),
	missing_photo_ids   TEXT NOT NULL,     -- JSON array of UUIDs
	relapse_count       INTEGER NOT NULL DEFAULT 0,
	follow_up_due       INTEGER,
	possible_relapse_of TEXT,
	updated_at          INTEGER NOT NULL,
	content_hash        TEXT NOT NULL,
	-- open = REPORTED, ASSIGNED, RECTIFYING or PENDING_VERIFICATION.
	is_open             INTEGER GENERATED ALWAYS AS (status BETWEEN 1 AND 4) STORED,
	-- when it happened for statistics and ordering: the device's time, or
	-- the server's when the device clock was flagged.
	effective_at        INTEGER GENERATED ALWAYS AS (
		CASE WHEN clock_skew_flagged THEN received_at ELSE observed_at END) STORED
) STRICT;

-- Indexes for ListReports. Each ends in the sort columns so that a page is
-- read in order straight from the index and stops after page_size + 1 rows
-- (keyset pagination), with no sort of the whole result. The leading
-- columns are the equality filters of the common queries:
--   open cases of one category, newest first (the supervisor's hazard list)
CREATE INDEX reports_open_category_time ON reports (is_open, category, effective_at, id);
--   one status of one category, newest first
CREATE INDEX reports_status_category_time ON reports (status, category, effective_at, id);
--   one grid's open cases of one category (a worker's or a village's list)
CREATE INDEX reports_grid_open_category_time ON reports (grid_id, is_open, category, effective_at, id);
--   every open case, newest first (the supervisor's home page)
CREATE INDEX reports_open_time ON reports (is_open, effective_at, id);
--   everything, newest first; also time ranges for statistics
CREATE INDEX reports_time ON reports (effective_at, id);
--   open cases by deadline: overdue, due within N days, deadline order
CREATE INDEX reports_open_deadline ON reports (is_open, deadline, id);
--   a subject's file (一户一案), oldest first
CREATE INDEX reports_subject_time ON reports (subject_id, effective_at, id) WHERE subject_id IS NOT NULL;
--   an assignee's cases ("mine"), by deadline
CREATE INDEX reports_assignee_open_deadline ON reports (assignee_id, is_open, deadline) WHERE assignee_id IS NOT NULL;

-- events are the timeline of a report: one row per action, never changed
-- or removed (the triggers below), each chained to the one before by its
-- hash (gridinspect.Event.ComputeHash), so tampering shows.
CREATE TABLE events (
	id                 TEXT PRIMARY KEY,   -- the action's client-made id; the report id for the submission
	report_id          TEXT NOT NULL REFERENCES reports (id),
	seq                INTEGER NOT NULL CHECK (seq >= 1),
	type               INTEGER NOT NULL,
	actor_id           TEXT NOT NULL,
	occurred_at        INTEGER NOT NULL,   -- device time
	received_at        INTEGER NOT NULL,   -- server time
	clock_skew_flagged INTEGER NOT NULL CHECK (clock_skew_flagged IN (0, 1)),
	note               TEXT NOT NULL,
	photo_ids          TEXT NOT NULL,      -- JSON array, or null
	status_before      INTEGER NOT NULL,
	status_after       INTEGER NOT NULL,
	conflict           INTEGER NOT NULL CHECK (conflict IN (0, 1)),
	conflict_reason    TEXT NOT NULL,
	payload            TEXT,               -- JSON, as the action gave it
	prev_hash          TEXT NOT NULL,
	hash               TEXT NOT NULL,
	-- when it happened for statistics and deadlines (gridinspect.Event.EffectiveAt)
	effective_at       INTEGER GENERATED ALWAYS AS (
		CASE WHEN clock_skew_flagged THEN received_at ELSE occurred_at END) STORED,
	UNIQUE (report_id, seq)
) STRICT;

CREATE TRIGGER events_immutable_update BEFORE UPDATE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are immutable');
END;

CREATE TRIGGER events_immutable_delete BEFORE DELETE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are immutable');
END;

-- patrols are rounds walked, kept even when nothing was found.
CREATE TABLE patrols (
	id                 TEXT PRIMARY KEY,
	kind               INTEGER NOT NULL,
	subject_id         TEXT REFERENCES subjects (id),
	grid_id            TEXT NOT NULL REFERENCES grids (id),
	started_at         INTEGER NOT NULL,   -- device time
	ended_at           INTEGER NOT NULL,   -- device time
	participants       INTEGER NOT NULL,
	track              TEXT NOT NULL,      -- JSON [[lat, lng, unix seconds, nanos], …], WGS-84
	notes              TEXT NOT NULL,
	report_ids         TEXT NOT NULL,      -- JSON array; no foreign key, reports may come later
	reporter_id        TEXT NOT NULL,
	received_at        INTEGER NOT NULL,
	clock_skew_flagged INTEGER NOT NULL CHECK (clock_skew_flagged IN (0, 1)),
	content_hash       TEXT NOT NULL,
	effective_at       INTEGER GENERATED ALWAYS AS (
		CASE WHEN clock_skew_flagged THEN received_at ELSE started_at END) STORED
) STRICT;

-- ListPatrols: newest first, overall, by grid and by subject.
CREATE INDEX patrols_time ON patrols (effective_at, id);
CREATE INDEX patrols_grid_time ON patrols (grid_id, effective_at, id);
CREATE INDEX patrols_subject_time ON patrols (subject_id, effective_at, id) WHERE subject_id IS NOT NULL;

-- changes is the change sequence: one row for every change of a report,
-- patrol, grid or subject, written in the same transaction as the change.
-- seq is assigned by SQLite inside the single writer's transaction, so it
-- is in commit order and a reader never sees a gap fill in later: a sync
-- cursor ("everything after seq N") never skips. AUTOINCREMENT keeps seq
-- from being reused even if rows are ever pruned.
CREATE TABLE changes (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	entity_type TEXT NOT NULL CHECK (entity_type IN ('report', 'patrol', 'grid', 'subject')),
	entity_id   TEXT NOT NULL,
	grid_id     TEXT NOT NULL,
	changed_at  INTEGER NOT NULL
) STRICT;

-- Pull for a caller with some grids: its grids' changes after a cursor.
CREATE INDEX changes_grid_seq ON changes (grid_id, seq);

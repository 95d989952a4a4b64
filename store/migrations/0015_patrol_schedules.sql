-- 0015_patrol_schedules: how often a subject or a grid must be patrolled
-- (巡查计划, issue 15). A schedule is kept in versions: setting a target's
-- schedule again ends the version in force (ends_at) where the new one
-- starts, and ending a schedule sets ends_at, so the periods that ended
-- under an old version keep counting in summaries. Times are UTC unix
-- nanoseconds; starts_at is the start of the first period (China time).
CREATE TABLE patrol_schedules (
	seq        INTEGER PRIMARY KEY,
	subject_id TEXT REFERENCES subjects (id),
	grid_id    TEXT REFERENCES grids (id), -- a grid's own schedule; NULL for a subject's
	kind       INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 4),
	period     INTEGER NOT NULL CHECK (period BETWEEN 1 AND 3),
	every      INTEGER NOT NULL CHECK (every >= 1),
	times      INTEGER NOT NULL CHECK (times >= 1),
	starts_at  INTEGER NOT NULL,
	ends_at    INTEGER,                    -- NULL: in force
	note       TEXT NOT NULL,
	set_by     TEXT NOT NULL,
	set_at     INTEGER NOT NULL,
	CHECK ((subject_id IS NULL) <> (grid_id IS NULL))
) STRICT;

-- One version in force per target.
CREATE UNIQUE INDEX patrol_schedules_subject_in_force ON patrol_schedules (subject_id)
	WHERE ends_at IS NULL AND subject_id IS NOT NULL;
CREATE UNIQUE INDEX patrol_schedules_grid_in_force ON patrol_schedules (grid_id)
	WHERE ends_at IS NULL AND grid_id IS NOT NULL;
CREATE INDEX patrol_schedules_subject ON patrol_schedules (subject_id, starts_at) WHERE subject_id IS NOT NULL;
CREATE INDEX patrol_schedules_grid ON patrol_schedules (grid_id, starts_at) WHERE grid_id IS NOT NULL;

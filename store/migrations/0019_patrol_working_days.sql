-- 0019_patrol_working_days: a patrol schedule may count working days
-- (PATROL_PERIOD_WORKING_DAY = 4, 工作日) of the admin's calendar
-- (0017_calendar.sql). The period's CHECK allowed days, weeks and months
-- only; SQLite cannot change a CHECK in place, so the table is copied.
-- Nothing references patrol_schedules, so the copy loses nothing.
CREATE TABLE patrol_schedules_4 (
	seq        INTEGER PRIMARY KEY,
	subject_id TEXT REFERENCES subjects (id),
	grid_id    TEXT REFERENCES grids (id), -- a grid's own schedule; NULL for a subject's
	kind       INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 4),
	period     INTEGER NOT NULL CHECK (period BETWEEN 1 AND 4),
	every      INTEGER NOT NULL CHECK (every >= 1),
	times      INTEGER NOT NULL CHECK (times >= 1),
	starts_at  INTEGER NOT NULL,
	ends_at    INTEGER,                    -- NULL: in force
	note       TEXT NOT NULL,
	set_by     TEXT NOT NULL,
	set_at     INTEGER NOT NULL,
	CHECK ((subject_id IS NULL) <> (grid_id IS NULL))
) STRICT;

INSERT INTO patrol_schedules_4 (seq, subject_id, grid_id, kind, period, every, times, starts_at, ends_at, note, set_by, set_at)
SELECT seq, subject_id, grid_id, kind, period, every, times, starts_at, ends_at, note, set_by, set_at FROM patrol_schedules;

DROP TABLE patrol_schedules;
ALTER TABLE patrol_schedules_4 RENAME TO patrol_schedules;

-- One version in force per target.
CREATE UNIQUE INDEX patrol_schedules_subject_in_force ON patrol_schedules (subject_id)
	WHERE ends_at IS NULL AND subject_id IS NOT NULL;
CREATE UNIQUE INDEX patrol_schedules_grid_in_force ON patrol_schedules (grid_id)
	WHERE ends_at IS NULL AND grid_id IS NOT NULL;
CREATE INDEX patrol_schedules_subject ON patrol_schedules (subject_id, starts_at) WHERE subject_id IS NOT NULL;
CREATE INDEX patrol_schedules_grid ON patrol_schedules (grid_id, starts_at) WHERE grid_id IS NOT NULL;

-- 0017_calendar: the working-day calendar (工作日, issue 15): the days that
-- are not as Monday to Friday has them, which the admin keeps from the
-- State Council's yearly notice — holidays off (kind 1) and weekend days
-- worked in exchange (调休上班, kind 2). A year without rows counts Monday to
-- Friday. day is the China date, 2006-01-02, so that a year is a range.
CREATE TABLE calendar_exceptions (
	day    TEXT PRIMARY KEY CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	kind   INTEGER NOT NULL CHECK (kind IN (1, 2)),
	name   TEXT NOT NULL,
	source TEXT NOT NULL DEFAULT ''
) STRICT;

-- A case's deadline set in working days says how many (0: a time, or
-- calendar days), so that the desk and the phone can show it.
ALTER TABLE reports ADD COLUMN deadline_working_days INTEGER NOT NULL DEFAULT 0;

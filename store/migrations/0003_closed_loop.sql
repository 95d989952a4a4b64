-- The closed loop: versions that only applied actions raise, idempotent
-- actions, the outcome a rectification claims, and notice numbers.

-- An event's version is the report's version after it. Conflicts take a
-- place on the timeline (seq) without raising the version, so one
-- device's stale action does not make everyone else's view stale.
ALTER TABLE events ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
-- The hash of the request an action came with, so that a replayed
-- action_id can be told from a reused one.
ALTER TABLE events ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
-- The error code a conflict met, so that a replay answers the same.
ALTER TABLE events ADD COLUMN conflict_code TEXT NOT NULL DEFAULT '';

-- What the latest rectification claims (confirmed by the verification
-- that closes the case), and the area it says was demolished.
ALTER TABLE reports ADD COLUMN claimed_disposition INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN demolished_area REAL NOT NULL DEFAULT 0;

-- Notices are numbered per kind and year: 〔2024〕12号.
CREATE TABLE notice_numbers (
	kind INTEGER NOT NULL,
	year INTEGER NOT NULL,
	last INTEGER NOT NULL CHECK (last >= 1),
	PRIMARY KEY (kind, year)
) STRICT, WITHOUT ROWID;

-- Supervisors' queries on the loop.
--   closed cases whose follow-up (回头看) is due; only closed cases have a
--   follow-up date, and status leads so that "status = CLOSED AND
--   follow_up_due <= now" is one range of this index rather than every
--   closed case read from the status index
CREATE INDEX reports_follow_up ON reports (status, follow_up_due, id) WHERE follow_up_due IS NOT NULL;
--   an assignee's open cases by deadline, read in order: 0001's index
--   lacked the id that ties deadlines, so the planner sorted instead
DROP INDEX reports_assignee_open_deadline;
CREATE INDEX reports_assignee_open_deadline ON reports (assignee_id, is_open, deadline, id) WHERE assignee_id IS NOT NULL;
CREATE INDEX events_type_time ON events (type, effective_at);

-- 0006_stats: what the half-year summary reads (store/stats.go,
-- store/stats_loop.go).
--
-- The summary counts with a handful of aggregate queries, each reading
-- index ranges that hold every column it needs, so that it never visits
-- the tables' rows: they carry descriptions, JSON and hashes, and on a
-- million reports reading one half-year's rows takes seconds where reading
-- an index takes milliseconds. The loop is counted per grid and category,
-- one range each, which also spares the sort a GROUP BY over the whole
-- period would need.
--
-- Where an index that a listing uses could hold the columns too, it is
-- widened (same name, same leading columns, so the listing reads it as
-- before) rather than joined by another index every write would update;
-- the new indexes are partial.

-- The typed details the figures count by, as columns indexes can hold.
-- VIRTUAL: computed from details when read, stored only in indexes.
--   detail_kind: a polluting enterprise's activity (PollutingActivity), an
--   illegal construction's kind (ConstructionKind), a dangerous house's
--   appraisal grade (HouseGrade); NULL for other categories.
ALTER TABLE reports ADD COLUMN detail_kind INTEGER GENERATED ALWAYS AS (CASE category
	WHEN 2 THEN json_extract(details, '$.PollutingEnterprise.Activity')
	WHEN 3 THEN json_extract(details, '$.IllegalConstruction.Kind')
	WHEN 5 THEN json_extract(details, '$.DangerousHouse.AppraisalGrade') END) VIRTUAL;
--   detail_flag: 1 for a polluting enterprise that moved in from another
--   district, illegal construction on farmland (LAND_KIND_FARMLAND), a
--   dangerous house people live in; else 0; NULL for other categories.
ALTER TABLE reports ADD COLUMN detail_flag INTEGER GENERATED ALWAYS AS (CASE category
	WHEN 2 THEN json_extract(details, '$.PollutingEnterprise.MovedInFromOutside') = 1
	WHEN 3 THEN json_extract(details, '$.IllegalConstruction.Land') = 1
	WHEN 5 THEN json_extract(details, '$.DangerousHouse.Occupied') = 1 END) VIRTUAL;

-- One grid's cases of one category by field time: ListReports' index,
-- widened with what the summary reads of the reports observed in a period
-- (is_open IN (0, 1)) and of the cases open now (is_open = 1).
DROP INDEX reports_grid_open_category_time;
CREATE INDEX reports_grid_open_category_time ON reports (grid_id, is_open, category, effective_at, id,
	status, severity, rectified_on_spot, deadline, detail_kind, detail_flag);

-- Cases no longer open that had a deadline, by deadline: the cases due in
-- a period, and when they were closed.
CREATE INDEX reports_due ON reports (grid_id, category, deadline, status, closed_at, effective_at)
	WHERE is_open = 0 AND deadline IS NOT NULL;

-- Cases closed without ever having had a deadline (rectified on the
-- spot), by when they were closed. closed_at is set exactly while a case
-- is CLOSED.
CREATE INDEX reports_closed_on_spot ON reports (grid_id, category, closed_at, effective_at)
	WHERE closed_at IS NOT NULL AND deadline IS NULL;

-- What the timeline of changes below holds besides each change's status:
--   deadline_set: the deadline an assignment or an extension set, in Unix
--   nanoseconds, read from the event's JSON (RFC 3339 in UTC, with up to
--   nine digits of fraction);
--   submitted_grid_id, submitted_category, submitted_red_line: on the
--   submission, the case's grid and category, and 1 for a dangerous house
--   of grade C or D that people live in (the red line, 危房不住人). A case's
--   grid, category and details never change after it is submitted.
ALTER TABLE events ADD COLUMN deadline_set INTEGER GENERATED ALWAYS AS (CASE WHEN type IN (2, 11) THEN
	unixepoch(substr(json_extract(payload, iif(type = 2, '$.Assignment.Deadline', '$.Extension.New')), 1, 19))
		* 1000000000
	+ iif(substr(json_extract(payload, iif(type = 2, '$.Assignment.Deadline', '$.Extension.New')), 20, 1) = '.',
		CAST(substr(rtrim(substr(json_extract(payload, iif(type = 2, '$.Assignment.Deadline', '$.Extension.New')), 21),
			'Z') || '000000000', 1, 9) AS INTEGER), 0) END) VIRTUAL;
ALTER TABLE events ADD COLUMN submitted_grid_id TEXT GENERATED ALWAYS AS (CASE type
	WHEN 1 THEN json_extract(payload, '$.Submission.GridID') END) VIRTUAL;
ALTER TABLE events ADD COLUMN submitted_category INTEGER GENERATED ALWAYS AS (CASE type
	WHEN 1 THEN json_extract(payload, '$.Submission.Category') END) VIRTUAL;
ALTER TABLE events ADD COLUMN submitted_red_line INTEGER GENERATED ALWAYS AS (CASE type
	WHEN 1 THEN coalesce(json_extract(payload, '$.Submission.Category') = 5
		AND json_extract(payload, '$.Submission.Details.DangerousHouse.AppraisalGrade') IN (3, 4)
		AND json_extract(payload, '$.Submission.Details.DangerousHouse.Occupied') = 1, 0) END) VIRTUAL;

-- Each case's timeline of changes — the events that changed its status
-- (the submission among them) or its deadline (an assignment always
-- changes the status too) — from which its state at any time is read,
-- without its rows: the cases changed after the end of a period
-- (stats_loop.go). Replaces 0003's events_type_time, which nothing reads
-- any more.
DROP INDEX events_type_time;
CREATE INDEX events_changes ON events (report_id, seq, effective_at, type, status_after, deadline_set,
	submitted_grid_id, submitted_category, submitted_red_line)
	WHERE conflict = 0 AND (status_before <> status_after OR type = 11);
-- The same changes by field time: which cases changed after a time.
CREATE INDEX events_changes_time ON events (effective_at, type, report_id)
	WHERE conflict = 0 AND (status_before <> status_after OR type = 11);

-- event_facts is, for each event the summary counts, what it counts it
-- by: its case's grid and category beside its type and field time, so
-- that a period's rejections, notices, interviews, follow-ups and closures
-- are each one range per grid and category, where joining each event to
-- its report would cost a page read each. A row is written by the trigger
-- below with the event, in the same transaction, and, like the event, is
-- never changed: a report's grid, category and field time never change.
-- WITHOUT ROWID: the table is its own index.
CREATE TABLE event_facts (
	grid_id           TEXT NOT NULL,
	category          INTEGER NOT NULL,
	type              INTEGER NOT NULL,
	effective_at      INTEGER NOT NULL,    -- the event's field time
	event_id          TEXT NOT NULL,
	status_after      INTEGER NOT NULL,    -- a follow-up that found a relapse: RECTIFYING
	notice_kind       INTEGER,             -- notices: NoticeKind
	notice_department TEXT,                -- enforcement documents: who issued it
	disposition       INTEGER,             -- closures: how the case was closed
	to_close          INTEGER,             -- closures: the event's field time - the case's
	demolished_area   REAL,                -- closures of illegal construction: what the last rectification claimed
	detail_kind       INTEGER,             -- the case's reports.detail_kind
	PRIMARY KEY (grid_id, category, type, effective_at, event_id)
) STRICT, WITHOUT ROWID;

-- The events counted: rejections, notices, interviews, follow-ups, and
-- verifications that closed the case; never a conflict.
CREATE TRIGGER events_facts AFTER INSERT ON events
WHEN NEW.conflict = 0 AND (NEW.type IN (3, 5, 6, 9) OR (NEW.type = 8 AND NEW.status_after = 5))
BEGIN
	INSERT INTO event_facts (grid_id, category, type, effective_at, event_id, status_after, notice_kind,
		notice_department, disposition, to_close, demolished_area, detail_kind)
	SELECT r.grid_id, r.category, NEW.type, NEW.effective_at, NEW.id, NEW.status_after,
		json_extract(NEW.payload, '$.Notice.Kind'), json_extract(NEW.payload, '$.Notice.Department'),
		json_extract(NEW.payload, '$.Verification.Disposition'),
		iif(NEW.type = 8, NEW.effective_at - r.effective_at, NULL),
		iif(NEW.type = 8 AND r.category = 3, coalesce((SELECT
			json_extract(x.payload, '$.Rectification.DemolishedAreaSquareMeters') FROM events AS x
			WHERE x.report_id = NEW.report_id AND x.seq < NEW.seq AND x.type = 7 AND x.conflict = 0
			ORDER BY x.seq DESC LIMIT 1), 0), NULL),
		r.detail_kind
	FROM reports AS r WHERE r.id = NEW.report_id;
END;

-- The events counted so far.
INSERT INTO event_facts (grid_id, category, type, effective_at, event_id, status_after, notice_kind,
	notice_department, disposition, to_close, demolished_area, detail_kind)
SELECT r.grid_id, r.category, e.type, e.effective_at, e.id, e.status_after,
	json_extract(e.payload, '$.Notice.Kind'), json_extract(e.payload, '$.Notice.Department'),
	json_extract(e.payload, '$.Verification.Disposition'),
	iif(e.type = 8, e.effective_at - r.effective_at, NULL),
	iif(e.type = 8 AND r.category = 3, coalesce((SELECT
		json_extract(x.payload, '$.Rectification.DemolishedAreaSquareMeters') FROM events AS x
		WHERE x.report_id = e.report_id AND x.seq < e.seq AND x.type = 7 AND x.conflict = 0
		ORDER BY x.seq DESC LIMIT 1), 0), NULL),
	r.detail_kind
FROM events AS e JOIN reports AS r ON r.id = e.report_id
WHERE e.conflict = 0 AND (e.type IN (3, 5, 6, 9) OR (e.type = 8 AND e.status_after = 5));

-- Patrols started in a period, by kind, with their participants:
-- ListPatrols' newest-first index, widened.
DROP INDEX patrols_time;
CREATE INDEX patrols_time ON patrols (effective_at, id, kind, grid_id, participants);

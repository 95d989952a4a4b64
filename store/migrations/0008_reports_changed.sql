-- 0008_reports_changed: the cases changed after a time (store/stats_loop.go).
--
-- A case's state at the end of a past period is read from the timelines
-- of the cases changed since; the rest are counted from their rows.
-- changed_at is the server's time when the case last changed its status
-- or deadline (the events in 0006's events_changes), set by the store
-- with each such change. An event's field time is never more than the
-- rules' MaxClockAhead after the server received it (one further ahead is
-- flagged and counts at the server's time), so the cases with a change at
-- or after T are among those with changed_at at or after
-- T - MaxClockAhead: one range of reports_changed, which also holds when
-- each case was found. Found from the events instead, they cost a read of
-- every change since T, most of them changes of cases reported after T.
ALTER TABLE reports ADD COLUMN changed_at INTEGER;

UPDATE reports SET changed_at = c.received_at
FROM (SELECT report_id, max(received_at) AS received_at FROM events
	WHERE conflict = 0 AND (status_before <> status_after OR type = 11) GROUP BY report_id) AS c
WHERE c.report_id = reports.id;

CREATE INDEX reports_changed ON reports (changed_at, effective_at, id);

-- What found them before, and nothing reads any more: each change's entry
-- cost every write a page.
DROP INDEX events_changes_time;

-- 0014_return_for_more: 退回补充 (issue 15, part B). A report returned to its
-- reporter for more stays REPORTED (gridinspect/returns.go says why), so no
-- status and no column keyed on the statuses (is_open) changes; what it
-- waits for is kept on its row.
--   return_request: JSON of gridinspect.ReturnRequest while the case waits
--   for its reporter's supplement, NULL otherwise;
--   return_count: how many times it was returned.
ALTER TABLE reports ADD COLUMN return_request TEXT;
ALTER TABLE reports ADD COLUMN return_count INTEGER NOT NULL DEFAULT 0;

-- The cases waiting for a supplement (ListReports returned_only), few at
-- any time, newest first.
CREATE INDEX reports_returned ON reports (effective_at, id) WHERE return_request IS NOT NULL;

-- Returns and supplements in a period, for the summary (LoopSummary
-- returned and supplemented).
CREATE INDEX events_returns ON events (type, effective_at, report_id) WHERE type IN (15, 16) AND conflict = 0;

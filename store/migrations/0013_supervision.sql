-- 0013_supervision: re-dispatch (转派), urging (催办) and supervision (督办)
-- (issue 15). A case is escalated to supervision by the server once per
-- deadline: supervised_deadline is the deadline that had passed when it
-- last was, so that only a later one (an extension) passing escalates it
-- again; supervised_at is when. Both stay once the case is closed.
ALTER TABLE reports ADD COLUMN supervised_at INTEGER;
ALTER TABLE reports ADD COLUMN supervised_deadline INTEGER;
ALTER TABLE reports ADD COLUMN urge_count INTEGER NOT NULL DEFAULT 0 CHECK (urge_count >= 0);
ALTER TABLE reports ADD COLUMN reassign_count INTEGER NOT NULL DEFAULT 0 CHECK (reassign_count >= 0);

-- The supervision loop's search: open, dispatched cases by deadline.
CREATE INDEX reports_supervision ON reports (deadline) WHERE status IN (2, 3);

-- The summary's re-dispatches, urgings and escalations in a period, by
-- type and field time (store/stats_loop.go: countEscalations).
CREATE INDEX events_escalations ON events (type, effective_at, report_id) WHERE type IN (12, 13, 14) AND conflict = 0;

-- 0016_routing_rules: the routing table (事件分拨, issue 15): who a new case
-- goes to by default per category (and kind) and grid, and whether the
-- server dispatches it on its own. A key part left open is stored as 0 or
-- '' (not NULL), so that the UNIQUE key refuses two rules with the same
-- key. An automatic dispatch is an ordinary REPORT_ASSIGNED event by the
-- system actor; nothing else records it.
CREATE TABLE routing_rules (
	id               TEXT PRIMARY KEY,
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
	UNIQUE (category, kind, grid_id)
) STRICT;

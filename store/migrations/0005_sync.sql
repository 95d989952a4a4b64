-- 0005_sync: the ledger of pushed mutations, the quarantine of rejected
-- ones, and the event each change of a report records.

-- mutations is the ledger of what phones pushed (SyncService.Push): one row
-- per mutation id, written in the same savepoint as the mutation's effect,
-- so that the two commit together and a re-sent mutation is answered with
-- its first result. A rejected mutation's effect is rolled back but its row
-- is kept (with the quarantine row below). A mutation that failed on the
-- server's side has no row, so that sending it again applies it.
CREATE TABLE mutations (
	mutation_id  TEXT PRIMARY KEY,          -- the client-made UUID, lowercased
	device_id    TEXT NOT NULL,
	device_seq   INTEGER NOT NULL,
	user_id      TEXT NOT NULL,
	content_hash TEXT NOT NULL,             -- gridinspect.Mutation.ContentHash
	outcome      INTEGER NOT NULL CHECK (outcome BETWEEN 1 AND 4), -- gridinspect.MutationOutcome
	reason       TEXT NOT NULL,
	fields       TEXT,                      -- JSON [gridinspect.FieldViolation, …], or NULL
	report_id    TEXT,                      -- what the first result returned
	event_id     TEXT,
	patrol_id    TEXT,
	received_at  INTEGER NOT NULL
) STRICT;

-- The highest device_seq the server holds for a device.
CREATE INDEX mutations_device_seq ON mutations (device_id, device_seq);

-- quarantine keeps every REJECTED mutation as it was pushed, for a
-- supervisor to look at (ListQuarantine), newest first.
CREATE TABLE quarantine (
	mutation_id TEXT PRIMARY KEY REFERENCES mutations (mutation_id),
	device_id   TEXT NOT NULL,
	device_seq  INTEGER NOT NULL,
	user_id     TEXT NOT NULL,
	raw         BLOB NOT NULL,              -- the mutation as pushed, opaque to the store
	reason      TEXT NOT NULL,
	fields      TEXT,                       -- JSON, or NULL
	received_at INTEGER NOT NULL
) STRICT;

CREATE INDEX quarantine_time ON quarantine (received_at, mutation_id);
CREATE INDEX quarantine_device_time ON quarantine (device_id, received_at, mutation_id);

-- A change of a report names the event that made it, so that Pull sends a
-- report with exactly the events of the changes it sends. NULL for a
-- change that appended no event (and for grids, subjects and patrols).
ALTER TABLE changes ADD COLUMN event_id TEXT;

-- Until now every change row of a report was written by exactly one event
-- append (the submission, an action, a conflict), in the same order, so
-- the n-th change of a report is its n-th event.
WITH c AS (
	SELECT seq, entity_id, row_number() OVER (PARTITION BY entity_id ORDER BY seq) AS n
	FROM changes WHERE entity_type = 'report'
), e AS (
	SELECT id, report_id, row_number() OVER (PARTITION BY report_id ORDER BY seq) AS n
	FROM events
)
UPDATE changes SET event_id = e.id
FROM c JOIN e ON e.report_id = c.entity_id AND e.n = c.n
WHERE changes.seq = c.seq;

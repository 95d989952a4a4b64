-- 0007_push_retries: mutations a push answered "retry" (they failed on the
-- server's side and left nothing behind). While one is pending, the
-- device's highest_device_seq stays below it, so the phone keeps it in its
-- outbox even when later pushes carry higher sequence numbers.
CREATE TABLE push_retries (
	device_id   TEXT NOT NULL,
	mutation_id TEXT NOT NULL,
	device_seq  INTEGER NOT NULL,
	PRIMARY KEY (device_id, mutation_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX push_retries_seq ON push_retries (device_id, device_seq);

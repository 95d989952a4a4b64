-- 0009_device_owner: a device's sync state belongs to the user that wrote
-- it. A device id is whatever the phone gives at Login, so another account
-- may claim it; until now a device's highest device_seq and its pending
-- retries were the device's alone, and a push by anyone logged in on that
-- id moved them (issue 11: a phone was answered another user's seq and
-- deleted its unsent outbox). Now both are keyed by (user, device): a
-- shared phone keeps one outbox per user. Mutation ids stay unique across
-- users (mutations.mutation_id is still the key): exactly once per id.

-- The ledger already names the user of each row (the pusher, written in
-- the same transaction): only its index changes, for highestSeq.
DROP INDEX mutations_device_seq;
CREATE INDEX mutations_owner_seq ON mutations (user_id, device_id, device_seq);

-- push_retries did not name the user. A push is taken only from the device
-- its session logged in on, and tokens are never deleted, so the users who
-- may have pushed a pending retry are exactly those with a token on its
-- device. Each of them gets it: with one such user (the usual phone) that
-- is its owner; on a shared phone none of them is told it may delete a
-- mutation that may be its own, and the others' marks stay held below that
-- seq, as every user of the device was before. A row of a device nobody
-- logged in on cannot have been pushed and is dropped.
CREATE TABLE push_retries_owned (
	user_id     TEXT NOT NULL,
	device_id   TEXT NOT NULL,
	mutation_id TEXT NOT NULL,
	device_seq  INTEGER NOT NULL,
	PRIMARY KEY (user_id, device_id, mutation_id)
) STRICT, WITHOUT ROWID;

INSERT INTO push_retries_owned (user_id, device_id, mutation_id, device_seq)
SELECT DISTINCT t.user_id, r.device_id, r.mutation_id, r.device_seq
FROM push_retries AS r JOIN tokens AS t ON t.device_id = r.device_id;

DROP TABLE push_retries;
ALTER TABLE push_retries_owned RENAME TO push_retries;
CREATE INDEX push_retries_seq ON push_retries (user_id, device_id, device_seq);

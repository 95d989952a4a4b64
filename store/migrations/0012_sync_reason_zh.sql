-- 0012_sync_reason_zh: the reason a pushed mutation was rejected or met a
-- conflict, in Chinese (issue 13), beside the English reason, in the ledger
-- (so that a mutation pushed again is answered in the same Chinese) and in
-- the quarantine. Rows written before have '' and are answered without it;
-- their field violations kept their Chinese already (in fields' JSON).
ALTER TABLE mutations ADD COLUMN reason_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE quarantine ADD COLUMN reason_zh TEXT NOT NULL DEFAULT '';

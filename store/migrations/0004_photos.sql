-- 0004_photos: photos, uploaded in resumable chunks and kept by content.
--
-- A photo's bytes live in files beside the database (Options.PhotoDir):
-- partial/<id> while its upload is in progress, then
-- sha256/<first 2 hex>/<hex>, one file per distinct content. A row is
-- made when the photo is declared; committed says how many bytes of
-- partial/<id> are durable, and rises only once they are fsynced. complete
-- is set only once the whole file is verified, fsynced and renamed into
-- sha256/, so a complete row always has its file.

CREATE TABLE photos (
	id           TEXT PRIMARY KEY,          -- the client-made UUID that photo_ids name
	report_id    TEXT NOT NULL REFERENCES reports (id),
	uploader_id  TEXT NOT NULL,
	sha256       TEXT NOT NULL CHECK (length(sha256) = 64), -- lower-case hex of the whole file, as declared
	size         INTEGER NOT NULL CHECK (size > 0),
	content_type TEXT NOT NULL,
	taken_at     INTEGER,                   -- device time; NULL when unknown
	lat          REAL,                      -- WGS-84; NULL when unknown
	lng          REAL,
	accuracy     REAL,
	committed    INTEGER NOT NULL CHECK (committed BETWEEN 0 AND size),
	complete     INTEGER NOT NULL CHECK (complete IN (0, 1)),
	created_at   INTEGER NOT NULL,
	completed_at INTEGER,
	CHECK (complete = 0 OR (committed = size AND completed_at IS NOT NULL)),
	CHECK ((lat IS NULL) = (lng IS NULL))
) STRICT;

-- Identical content is stored once: a photo declared with the hash of a
-- complete one is complete at once.
CREATE INDEX photos_sha256 ON photos (sha256);

-- A report's missing_photo_ids are worked out when it is read (its
-- photo_ids without a complete photo), so that they can never fall out of
-- step with the photos; the column that held them at submission goes.
ALTER TABLE reports DROP COLUMN missing_photo_ids;

-- The whole schema of SQLite's migrations 0001–0019, translated for
-- PostgreSQL. The store's SQL is shared by both engines, so the columns
-- keep SQLite's types as the queries read them: integers, booleans (0 or
-- 1) and times (Unix nanoseconds) are bigint, text is text in the "C"
-- collation (SQLite compares bytes), JSON is text, blobs are bytea.
-- Generated columns are STORED (PostgreSQL 15 has no VIRTUAL ones).
-- Later changes are new files in this folder, numbered on their own.
--
-- Streets are tenants (docs/tenants.md): every per-street table has
-- street_id, which leads its primary key, its unique constraints and its
-- foreign keys, so that Citus can distribute every table by it, co-located
-- with streets. Existing rows and a single-street database are street 1
-- (the default). meta and calendar_exceptions are the database's, not a
-- street's (Citus reference tables).

-- SQLite's functions the shared queries use that PostgreSQL lacks, with
-- SQLite's meaning.

-- json_each(text): the elements of a JSON array, as text, in order, with
-- their index (key) from 0; a scalar (null too) is one element.
CREATE FUNCTION json_each(list text) RETURNS TABLE (key bigint, value text)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT n - 1, v FROM jsonb_array_elements_text(CASE jsonb_typeof(list::jsonb)
		WHEN 'array' THEN list::jsonb ELSE jsonb_build_array(list::jsonb) END) WITH ORDINALITY AS e (v, n) $$;

-- json_extract(json, '$.A.B'): the value at a path; true and false are
-- 1 and 0, as in SQLite.
CREATE FUNCTION json_extract(doc text, path text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT CASE jsonb_typeof(v) WHEN 'boolean' THEN (CASE WHEN v = 'true' THEN '1' ELSE '0' END)
		ELSE v #>> '{}' END
		FROM (SELECT doc::jsonb #> string_to_array(substr(path, 3), '.') AS v) AS x $$;

-- char(n): the character of code point n (written chr: char is a type
-- name in PostgreSQL).
CREATE FUNCTION chr(n bigint) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT chr(n::integer) $$;

-- json_group_array(x): the values of a group as a JSON array, [] when none.
CREATE FUNCTION json_group_array_final(a text[]) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT coalesce(to_json(a)::text, '[]') $$;
CREATE AGGREGATE json_group_array(text) (
	SFUNC = array_append, STYPE = text[], INITCOND = '{}', FINALFUNC = json_group_array_final);

-- group_concat(x): the group's values joined by commas, NULL when none.
CREATE FUNCTION group_concat_step(acc text, x text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT CASE WHEN x IS NULL THEN acc WHEN acc IS NULL THEN x ELSE acc || ',' || x END $$;
CREATE AGGREGATE group_concat(text) (SFUNC = group_concat_step, STYPE = text);
CREATE FUNCTION group_concat_step(acc text, x bigint) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT group_concat_step(acc, x::text) $$;
CREATE AGGREGATE group_concat(bigint) (SFUNC = group_concat_step, STYPE = text);

-- total(x): the sum as a float, 0.0 when none.
CREATE AGGREGATE total(double precision) (SFUNC = float8pl, STYPE = double precision, INITCOND = '0');

-- sum(condition): how many rows it holds for, as SQLite sums 0 and 1.
CREATE FUNCTION sum_bool_step(n bigint, b boolean) RETURNS bigint
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT coalesce(n, 0) + CASE WHEN b THEN 1 ELSE 0 END $$;
CREATE AGGREGATE sum(boolean) (SFUNC = sum_bool_step, STYPE = bigint);

-- rfc3339_nanos: a deadline as stored in an action's JSON
-- (2025-03-14T09:30:00.5Z) in Unix nanoseconds, read as SQLite's
-- generated column reads it (the date and time as UTC, then up to nine
-- digits of fraction).
CREATE FUNCTION rfc3339_nanos(t text) RETURNS bigint
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT CASE WHEN t IS NULL THEN NULL ELSE
		extract(epoch FROM to_timestamp(substr(t, 1, 19), 'YYYY-MM-DD"T"HH24:MI:SS') AT TIME ZONE 'UTC')::bigint
			* 1000000000
		+ CASE WHEN substr(t, 20, 1) = '.'
			THEN rpad(substring(substr(t, 21) FROM '^[0-9]*'), 9, '0')::bigint ELSE 0 END END $$;

CREATE TABLE meta (
	key   text COLLATE "C" PRIMARY KEY,
	value text COLLATE "C" NOT NULL
);

-- One row per street (a tenant; docs/tenants.md): change_seq is the
-- last number of the street's change sequence (see changes);
-- grids_version counts the writes of its grids, so that a server knows
-- when the boundaries it keeps in memory were changed through another.
CREATE TABLE streets (
	id            bigint PRIMARY KEY CHECK (id >= 1),
	change_seq    bigint NOT NULL DEFAULT 0,
	grids_version bigint NOT NULL DEFAULT 0,
	name          text COLLATE "C" NOT NULL DEFAULT ''
);
INSERT INTO streets (id, change_seq) VALUES (1, 0);

CREATE TABLE grids (
	street_id    bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	id           text COLLATE "C" NOT NULL,
	name         text COLLATE "C" NOT NULL,
	kind         bigint NOT NULL,
	boundary     text COLLATE "C" NOT NULL,
	min_lat      double precision NOT NULL,
	min_lng      double precision NOT NULL,
	max_lat      double precision NOT NULL,
	max_lng      double precision NOT NULL,
	content_hash text COLLATE "C" NOT NULL,
	created_at   bigint NOT NULL,
	sort_order   bigint NOT NULL DEFAULT 0 CHECK (sort_order >= 0),
	PRIMARY KEY (street_id, id),
	UNIQUE (street_id, name)
);

-- Per row, so that it counts in the street written (grids are written
-- seldom).
CREATE FUNCTION grids_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE streets SET grids_version = grids_version + 1
		WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.street_id ELSE NEW.street_id END;
	RETURN NULL;
END $$;
CREATE TRIGGER grids_written AFTER INSERT OR UPDATE OR DELETE ON grids
	FOR EACH ROW EXECUTE FUNCTION grids_written();

CREATE TABLE subjects (
	street_id    bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	id            text COLLATE "C",
	kind          bigint NOT NULL,
	name          text COLLATE "C" NOT NULL,
	grid_id       text COLLATE "C" NOT NULL,
	lat           double precision,
	lng           double precision,
	accuracy      double precision NOT NULL DEFAULT 0,
	address       text COLLATE "C" NOT NULL DEFAULT '',
	credit_code   text COLLATE "C" NOT NULL DEFAULT '',
	contact_name  text COLLATE "C" NOT NULL DEFAULT '',
	contact_phone text COLLATE "C" NOT NULL DEFAULT '',
	notes         text COLLATE "C" NOT NULL DEFAULT '',
	content_hash  text COLLATE "C" NOT NULL,
	created_at    bigint NOT NULL,
	PRIMARY KEY (street_id, id),
	FOREIGN KEY (street_id, grid_id) REFERENCES grids (street_id, id)
);
CREATE UNIQUE INDEX subjects_credit_code ON subjects (street_id, credit_code) WHERE credit_code <> '';
CREATE INDEX subjects_name ON subjects (name, id);
CREATE INDEX subjects_grid_name ON subjects (grid_id, name, id);

CREATE TABLE reports (
	street_id    bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	id                  text COLLATE "C",
	category            bigint NOT NULL,
	severity            bigint NOT NULL,
	description         text COLLATE "C" NOT NULL,
	lat                 double precision NOT NULL,
	lng                 double precision NOT NULL,
	accuracy            double precision NOT NULL,
	address             text COLLATE "C" NOT NULL,
	grid_id             text COLLATE "C" NOT NULL,
	subject_id          text COLLATE "C",
	observed_at         bigint NOT NULL,
	photo_ids           text COLLATE "C" NOT NULL,
	rectified_on_spot   bigint NOT NULL CHECK (rectified_on_spot IN (0, 1)),
	patrol_id           text COLLATE "C",
	details             text COLLATE "C" NOT NULL,
	status              bigint NOT NULL,
	version             bigint NOT NULL CHECK (version >= 1),
	reporter_id         text COLLATE "C" NOT NULL,
	received_at         bigint NOT NULL,
	deadline            bigint,
	original_deadline   bigint,
	assignee_id         text COLLATE "C",
	responsible_unit    text COLLATE "C" NOT NULL DEFAULT '',
	disposition         bigint NOT NULL DEFAULT 0,
	closed_at           bigint,
	clock_skew_flagged  bigint NOT NULL CHECK (clock_skew_flagged IN (0, 1)),
	relapse_count       bigint NOT NULL DEFAULT 0,
	follow_up_due       bigint,
	possible_relapse_of text COLLATE "C",
	updated_at          bigint NOT NULL,
	content_hash        text COLLATE "C" NOT NULL,
	is_open             bigint GENERATED ALWAYS AS (CASE WHEN status BETWEEN 1 AND 4 THEN 1 ELSE 0 END) STORED,
	effective_at        bigint GENERATED ALWAYS AS (
		CASE WHEN clock_skew_flagged <> 0 THEN received_at ELSE observed_at END) STORED,
	claimed_disposition bigint NOT NULL DEFAULT 0,
	demolished_area     double precision NOT NULL DEFAULT 0,
	detail_kind         bigint GENERATED ALWAYS AS (CASE category
		WHEN 2 THEN json_extract(details, '$.PollutingEnterprise.Activity')::bigint
		WHEN 3 THEN json_extract(details, '$.IllegalConstruction.Kind')::bigint
		WHEN 5 THEN json_extract(details, '$.DangerousHouse.AppraisalGrade')::bigint END) STORED,
	detail_flag         bigint GENERATED ALWAYS AS (CASE category
		WHEN 2 THEN (json_extract(details, '$.PollutingEnterprise.MovedInFromOutside')::bigint = 1)::int
		WHEN 3 THEN (json_extract(details, '$.IllegalConstruction.Land')::bigint = 1)::int
		WHEN 5 THEN (json_extract(details, '$.DangerousHouse.Occupied')::bigint = 1)::int END) STORED,
	changed_at          bigint,
	supervised_at       bigint,
	supervised_deadline bigint,
	urge_count          bigint NOT NULL DEFAULT 0 CHECK (urge_count >= 0),
	reassign_count      bigint NOT NULL DEFAULT 0 CHECK (reassign_count >= 0),
	return_request      text COLLATE "C",
	return_count        bigint NOT NULL DEFAULT 0,
	deadline_working_days bigint NOT NULL DEFAULT 0,
	-- SQLite's rowid, which the summary reads to size the table cheaply.
	rowid               bigint GENERATED ALWAYS AS IDENTITY,
	PRIMARY KEY (street_id, id),
	UNIQUE (street_id, rowid),
	FOREIGN KEY (street_id, grid_id) REFERENCES grids (street_id, id),
	FOREIGN KEY (street_id, subject_id) REFERENCES subjects (street_id, id)
);
CREATE INDEX reports_open_category_time ON reports (is_open, category, effective_at, id);
CREATE INDEX reports_status_category_time ON reports (status, category, effective_at, id);
CREATE INDEX reports_open_time ON reports (is_open, effective_at, id);
CREATE INDEX reports_time ON reports (effective_at, id);
CREATE INDEX reports_open_deadline ON reports (is_open, deadline, id);
CREATE INDEX reports_subject_time ON reports (subject_id, effective_at, id) WHERE subject_id IS NOT NULL;
CREATE INDEX reports_follow_up ON reports (status, follow_up_due, id) WHERE follow_up_due IS NOT NULL;
CREATE INDEX reports_assignee_open_deadline ON reports (assignee_id, is_open, deadline, id) WHERE assignee_id IS NOT NULL;
CREATE INDEX reports_grid_open_category_time ON reports (grid_id, is_open, category, effective_at, id,
	status, severity, rectified_on_spot, deadline, detail_kind, detail_flag);
CREATE INDEX reports_due ON reports (grid_id, category, deadline, status, closed_at, effective_at)
	WHERE is_open = 0 AND deadline IS NOT NULL;
CREATE INDEX reports_closed_on_spot ON reports (grid_id, category, closed_at, effective_at)
	WHERE closed_at IS NOT NULL AND deadline IS NULL;
CREATE INDEX reports_changed ON reports (changed_at, effective_at, id);
CREATE INDEX reports_supervision ON reports (deadline) WHERE status IN (2, 3);
CREATE INDEX reports_returned ON reports (effective_at, id) WHERE return_request IS NOT NULL;

CREATE TABLE events (
	street_id    bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	id                 text COLLATE "C",
	report_id          text COLLATE "C" NOT NULL,
	seq                bigint NOT NULL CHECK (seq >= 1),
	type               bigint NOT NULL,
	actor_id           text COLLATE "C" NOT NULL,
	occurred_at        bigint NOT NULL,
	received_at        bigint NOT NULL,
	clock_skew_flagged bigint NOT NULL CHECK (clock_skew_flagged IN (0, 1)),
	note               text COLLATE "C" NOT NULL,
	photo_ids          text COLLATE "C" NOT NULL,
	status_before      bigint NOT NULL,
	status_after       bigint NOT NULL,
	conflict           bigint NOT NULL CHECK (conflict IN (0, 1)),
	conflict_reason    text COLLATE "C" NOT NULL,
	payload            text COLLATE "C",
	prev_hash          text COLLATE "C" NOT NULL,
	hash               text COLLATE "C" NOT NULL,
	effective_at       bigint GENERATED ALWAYS AS (
		CASE WHEN clock_skew_flagged <> 0 THEN received_at ELSE occurred_at END) STORED,
	version            bigint NOT NULL DEFAULT 0,
	content_hash       text COLLATE "C" NOT NULL DEFAULT '',
	conflict_code      text COLLATE "C" NOT NULL DEFAULT '',
	deadline_set       bigint GENERATED ALWAYS AS (CASE WHEN type IN (2, 11) THEN
		rfc3339_nanos(json_extract(payload, CASE WHEN type = 2 THEN '$.Assignment.Deadline' ELSE '$.Extension.New' END))
		END) STORED,
	submitted_grid_id  text COLLATE "C" GENERATED ALWAYS AS (CASE type
		WHEN 1 THEN json_extract(payload, '$.Submission.GridID') END) STORED,
	submitted_category bigint GENERATED ALWAYS AS (CASE type
		WHEN 1 THEN json_extract(payload, '$.Submission.Category')::bigint END) STORED,
	submitted_red_line bigint GENERATED ALWAYS AS (CASE type
		WHEN 1 THEN coalesce((json_extract(payload, '$.Submission.Category')::bigint = 5
			AND json_extract(payload, '$.Submission.Details.DangerousHouse.AppraisalGrade')::bigint IN (3, 4)
			AND json_extract(payload, '$.Submission.Details.DangerousHouse.Occupied')::bigint = 1)::int, 0) END) STORED,
	PRIMARY KEY (street_id, id),
	UNIQUE (street_id, report_id, seq),
	FOREIGN KEY (street_id, report_id) REFERENCES reports (street_id, id)
);
CREATE INDEX events_changes ON events (report_id, seq, effective_at, type, status_after, deadline_set,
	submitted_grid_id, submitted_category, submitted_red_line)
	WHERE conflict = 0 AND (status_before <> status_after OR type = 11);
CREATE INDEX events_escalations ON events (type, effective_at, report_id) WHERE type IN (12, 13, 14) AND conflict = 0;
CREATE INDEX events_returns ON events (type, effective_at, report_id) WHERE type IN (15, 16) AND conflict = 0;

CREATE FUNCTION events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'events are immutable';
END $$;
CREATE TRIGGER events_immutable_update BEFORE UPDATE ON events
	FOR EACH ROW EXECUTE FUNCTION events_immutable();
CREATE TRIGGER events_immutable_delete BEFORE DELETE ON events
	FOR EACH ROW EXECUTE FUNCTION events_immutable();

CREATE TABLE patrols (
	street_id    bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	id                 text COLLATE "C",
	kind               bigint NOT NULL,
	subject_id         text COLLATE "C",
	grid_id            text COLLATE "C" NOT NULL,
	started_at         bigint NOT NULL,
	ended_at           bigint NOT NULL,
	participants       bigint NOT NULL,
	track              text COLLATE "C" NOT NULL,
	notes              text COLLATE "C" NOT NULL,
	report_ids         text COLLATE "C" NOT NULL,
	reporter_id        text COLLATE "C" NOT NULL,
	received_at        bigint NOT NULL,
	clock_skew_flagged bigint NOT NULL CHECK (clock_skew_flagged IN (0, 1)),
	content_hash       text COLLATE "C" NOT NULL,
	effective_at       bigint GENERATED ALWAYS AS (
		CASE WHEN clock_skew_flagged <> 0 THEN received_at ELSE started_at END) STORED,
	PRIMARY KEY (street_id, id),
	FOREIGN KEY (street_id, grid_id) REFERENCES grids (street_id, id),
	FOREIGN KEY (street_id, subject_id) REFERENCES subjects (street_id, id)
);
CREATE INDEX patrols_grid_time ON patrols (grid_id, effective_at, id);
CREATE INDEX patrols_subject_time ON patrols (subject_id, effective_at, id) WHERE subject_id IS NOT NULL;
CREATE INDEX patrols_time ON patrols (effective_at, id, kind, grid_id, participants);

-- The change sequence Pull reads. seq is not a PostgreSQL sequence, which
-- hands numbers out in call order, not commit order, so that a cursor
-- could skip a change committed late with a smaller number. It is the
-- street's counter, taken in the writing transaction: the row stays
-- locked until that transaction ends, so a street's changes commit in the
-- order of their numbers, as under SQLite's single writer.
CREATE TABLE changes (
	street_id   bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	seq         bigint NOT NULL,
	entity_type text COLLATE "C" NOT NULL CHECK (entity_type IN ('report', 'patrol', 'grid', 'subject')),
	entity_id   text COLLATE "C" NOT NULL,
	grid_id     text COLLATE "C" NOT NULL,
	changed_at  bigint NOT NULL,
	event_id    text COLLATE "C",
	PRIMARY KEY (street_id, seq)
);
CREATE INDEX changes_grid_seq ON changes (grid_id, seq);
CREATE FUNCTION changes_next_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE streets SET change_seq = change_seq + 1 WHERE id = NEW.street_id RETURNING change_seq INTO NEW.seq;
	RETURN NEW;
END $$;
CREATE TRIGGER changes_seq BEFORE INSERT ON changes
	FOR EACH ROW EXECUTE FUNCTION changes_next_seq();

CREATE TABLE users (
	street_id    bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	id            text COLLATE "C",
	username      text COLLATE "C" NOT NULL,
	display_name  text COLLATE "C" NOT NULL,
	role          bigint NOT NULL CHECK (role BETWEEN 1 AND 4),
	all_grids     bigint NOT NULL CHECK (all_grids IN (0, 1)),
	disabled      bigint NOT NULL CHECK (disabled IN (0, 1)),
	password_hash text COLLATE "C" NOT NULL,
	created_at    bigint NOT NULL,
	updated_at    bigint NOT NULL,
	PRIMARY KEY (street_id, id),
	UNIQUE (street_id, username)
);

-- Usernames are one namespace per database, so that Login needs no
-- street: logins finds the street of a username (a Citus reference
-- table), kept by users' trigger.
CREATE TABLE logins (
	username  text COLLATE "C" PRIMARY KEY,
	street_id bigint NOT NULL,
	user_id   text COLLATE "C" NOT NULL
);
CREATE FUNCTION users_logins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		DELETE FROM logins WHERE username = OLD.username;
	END IF;
	IF TG_OP <> 'DELETE' THEN
		INSERT INTO logins (username, street_id, user_id) VALUES (NEW.username, NEW.street_id, NEW.id);
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER users_logins AFTER INSERT OR DELETE OR UPDATE OF username, street_id, id ON users
	FOR EACH ROW EXECUTE FUNCTION users_logins();

CREATE TABLE user_grids (
	street_id bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	user_id   text COLLATE "C" NOT NULL,
	grid_id   text COLLATE "C" NOT NULL,
	PRIMARY KEY (street_id, user_id, grid_id),
	FOREIGN KEY (street_id, user_id) REFERENCES users (street_id, id),
	FOREIGN KEY (street_id, grid_id) REFERENCES grids (street_id, id)
);
CREATE INDEX user_grids_grid ON user_grids (grid_id, user_id);

CREATE TABLE tokens (
	street_id    bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	id           text COLLATE "C",
	user_id      text COLLATE "C" NOT NULL,
	device_id    text COLLATE "C" NOT NULL,
	created_at   bigint NOT NULL,
	last_used_at bigint NOT NULL,
	expires_at   bigint NOT NULL,
	revoked_at   bigint,
	PRIMARY KEY (street_id, id),
	FOREIGN KEY (street_id, user_id) REFERENCES users (street_id, id)
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE notice_numbers (
	street_id bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	kind      bigint NOT NULL,
	year      bigint NOT NULL,
	last      bigint NOT NULL CHECK (last >= 1),
	PRIMARY KEY (street_id, kind, year)
);

CREATE TABLE notice_prefixes (
	street_id bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	kind      bigint NOT NULL CHECK (kind >= 1),
	prefix    text COLLATE "C" NOT NULL,
	PRIMARY KEY (street_id, kind)
);

CREATE TABLE photos (
	street_id    bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	id           text COLLATE "C",
	report_id    text COLLATE "C" NOT NULL,
	uploader_id  text COLLATE "C" NOT NULL,
	sha256       text COLLATE "C" NOT NULL CHECK (length(sha256) = 64),
	size         bigint NOT NULL CHECK (size > 0),
	content_type text COLLATE "C" NOT NULL,
	taken_at     bigint,
	lat          double precision,
	lng          double precision,
	accuracy     double precision,
	committed    bigint NOT NULL CHECK (committed BETWEEN 0 AND size),
	complete     bigint NOT NULL CHECK (complete IN (0, 1)),
	created_at   bigint NOT NULL,
	completed_at bigint,
	CHECK (complete = 0 OR (committed = size AND completed_at IS NOT NULL)),
	CHECK ((lat IS NULL) = (lng IS NULL)),
	PRIMARY KEY (street_id, id),
	FOREIGN KEY (street_id, report_id) REFERENCES reports (street_id, id)
);
CREATE INDEX photos_sha256 ON photos (sha256);

CREATE TABLE mutations (
	street_id    bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	mutation_id  text COLLATE "C" NOT NULL,
	device_id    text COLLATE "C" NOT NULL,
	device_seq   bigint NOT NULL,
	user_id      text COLLATE "C" NOT NULL,
	content_hash text COLLATE "C" NOT NULL,
	outcome      bigint NOT NULL CHECK (outcome BETWEEN 1 AND 4),
	reason       text COLLATE "C" NOT NULL,
	fields       text COLLATE "C",
	report_id    text COLLATE "C",
	event_id     text COLLATE "C",
	patrol_id    text COLLATE "C",
	received_at  bigint NOT NULL,
	reason_zh    text COLLATE "C" NOT NULL DEFAULT '',
	PRIMARY KEY (street_id, mutation_id)
);
CREATE INDEX mutations_owner_seq ON mutations (user_id, device_id, device_seq);

CREATE TABLE quarantine (
	street_id   bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	mutation_id text COLLATE "C" NOT NULL,
	device_id   text COLLATE "C" NOT NULL,
	device_seq  bigint NOT NULL,
	user_id     text COLLATE "C" NOT NULL,
	raw         bytea NOT NULL,
	reason      text COLLATE "C" NOT NULL,
	fields      text COLLATE "C",
	received_at bigint NOT NULL,
	reason_zh   text COLLATE "C" NOT NULL DEFAULT '',
	PRIMARY KEY (street_id, mutation_id),
	FOREIGN KEY (street_id, mutation_id) REFERENCES mutations (street_id, mutation_id)
);
CREATE INDEX quarantine_time ON quarantine (received_at, mutation_id);
CREATE INDEX quarantine_device_time ON quarantine (device_id, received_at, mutation_id);

CREATE TABLE event_facts (
	street_id         bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	grid_id           text COLLATE "C" NOT NULL,
	category          bigint NOT NULL,
	type              bigint NOT NULL,
	effective_at      bigint NOT NULL,
	event_id          text COLLATE "C" NOT NULL,
	status_after      bigint NOT NULL,
	notice_kind       bigint,
	notice_department text COLLATE "C",
	disposition       bigint,
	to_close          bigint,
	demolished_area   double precision,
	detail_kind       bigint,
	PRIMARY KEY (street_id, grid_id, category, type, effective_at, event_id)
);
CREATE FUNCTION events_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO event_facts (street_id, grid_id, category, type, effective_at, event_id, status_after, notice_kind,
		notice_department, disposition, to_close, demolished_area, detail_kind)
	SELECT r.street_id, r.grid_id, r.category, NEW.type, NEW.effective_at, NEW.id, NEW.status_after,
		json_extract(NEW.payload, '$.Notice.Kind')::bigint, json_extract(NEW.payload, '$.Notice.Department'),
		json_extract(NEW.payload, '$.Verification.Disposition')::bigint,
		CASE WHEN NEW.type = 8 THEN NEW.effective_at - r.effective_at END,
		CASE WHEN NEW.type = 8 AND r.category = 3 THEN coalesce((SELECT
			json_extract(x.payload, '$.Rectification.DemolishedAreaSquareMeters')::double precision FROM events AS x
			WHERE x.street_id = NEW.street_id AND x.report_id = NEW.report_id AND x.seq < NEW.seq AND x.type = 7 AND x.conflict = 0
			ORDER BY x.seq DESC LIMIT 1), 0) END,
		r.detail_kind
	FROM reports AS r WHERE r.street_id = NEW.street_id AND r.id = NEW.report_id;
	RETURN NULL;
END $$;
CREATE TRIGGER events_facts AFTER INSERT ON events FOR EACH ROW
	WHEN (NEW.conflict = 0 AND (NEW.type IN (3, 5, 6, 9) OR (NEW.type = 8 AND NEW.status_after = 5)))
	EXECUTE FUNCTION events_facts();

CREATE TABLE push_retries (
	street_id   bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	user_id     text COLLATE "C" NOT NULL,
	device_id   text COLLATE "C" NOT NULL,
	mutation_id text COLLATE "C" NOT NULL,
	device_seq  bigint NOT NULL,
	PRIMARY KEY (street_id, user_id, device_id, mutation_id)
);
CREATE INDEX push_retries_seq ON push_retries (user_id, device_id, device_seq);

CREATE TABLE routing_rules (
	street_id    bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	id               text COLLATE "C",
	name             text COLLATE "C" NOT NULL,
	category         bigint NOT NULL CHECK (category >= 0),
	kind             bigint NOT NULL CHECK (kind >= 0),
	grid_id          text COLLATE "C" NOT NULL,
	assignee_id      text COLLATE "C",
	responsible_unit text COLLATE "C" NOT NULL,
	deadline_days    bigint NOT NULL CHECK (deadline_days >= 0),
	automatic        bigint NOT NULL CHECK (automatic IN (0, 1)),
	updated_at       bigint NOT NULL,
	updated_by       text COLLATE "C" NOT NULL,
	PRIMARY KEY (street_id, id),
	UNIQUE (street_id, category, kind, grid_id)
);

CREATE TABLE calendar_exceptions (
	day    text COLLATE "C" PRIMARY KEY CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
	kind   bigint NOT NULL CHECK (kind IN (1, 2)),
	name   text COLLATE "C" NOT NULL,
	source text COLLATE "C" NOT NULL DEFAULT ''
);

CREATE TABLE patrol_schedules (
	street_id  bigint NOT NULL DEFAULT 1 REFERENCES streets (id),
	seq        bigint GENERATED BY DEFAULT AS IDENTITY,
	subject_id text COLLATE "C",
	grid_id    text COLLATE "C",
	kind       bigint NOT NULL CHECK (kind BETWEEN 0 AND 4),
	period     bigint NOT NULL CHECK (period BETWEEN 1 AND 4),
	every      bigint NOT NULL CHECK (every >= 1),
	times      bigint NOT NULL CHECK (times >= 1),
	starts_at  bigint NOT NULL,
	ends_at    bigint,
	note       text COLLATE "C" NOT NULL,
	set_by     text COLLATE "C" NOT NULL,
	set_at     bigint NOT NULL,
	CHECK ((subject_id IS NULL) <> (grid_id IS NULL)),
	PRIMARY KEY (street_id, seq),
	FOREIGN KEY (street_id, subject_id) REFERENCES subjects (street_id, id),
	FOREIGN KEY (street_id, grid_id) REFERENCES grids (street_id, id)
);
CREATE UNIQUE INDEX patrol_schedules_subject_in_force ON patrol_schedules (street_id, subject_id)
	WHERE ends_at IS NULL AND subject_id IS NOT NULL;
CREATE UNIQUE INDEX patrol_schedules_grid_in_force ON patrol_schedules (street_id, grid_id)
	WHERE ends_at IS NULL AND grid_id IS NOT NULL;
CREATE INDEX patrol_schedules_subject ON patrol_schedules (subject_id, starts_at) WHERE subject_id IS NOT NULL;
CREATE INDEX patrol_schedules_grid ON patrol_schedules (grid_id, starts_at) WHERE grid_id IS NOT NULL;

-- Until every statement names its street (docs/tenants.md, "Every
-- statement names the street"), the store still finds a row by its id
-- alone, which the primary keys above (street first) cannot serve: these
-- indexes do, and go when the statements name the street. (Plain indexes
-- need not hold the distribution column on Citus.)
CREATE INDEX grids_id ON grids (id);
CREATE INDEX subjects_id ON subjects (id);
CREATE INDEX reports_id ON reports (id);
CREATE INDEX events_id ON events (id);
CREATE INDEX events_report_seq ON events (report_id, seq);
CREATE INDEX patrols_id ON patrols (id);
CREATE INDEX changes_seq ON changes (seq);
CREATE INDEX users_id ON users (id);
CREATE INDEX users_username ON users (username);
CREATE INDEX user_grids_user ON user_grids (user_id, grid_id);
CREATE INDEX tokens_id ON tokens (id);
CREATE INDEX photos_id ON photos (id);
CREATE INDEX photos_report ON photos (report_id);
CREATE INDEX mutations_id ON mutations (mutation_id);
CREATE INDEX quarantine_id ON quarantine (mutation_id);
CREATE INDEX event_facts_grid ON event_facts (grid_id, category, type, effective_at, event_id);
CREATE INDEX push_retries_owner ON push_retries (user_id, device_id, mutation_id);
CREATE INDEX routing_rules_id ON routing_rules (id);
CREATE INDEX patrol_schedules_seq ON patrol_schedules (seq);

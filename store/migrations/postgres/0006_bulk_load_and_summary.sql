-- A change row may come with its number already taken: store.BulkLoad
-- takes a whole transaction's numbers from the street's counter in one
-- UPDATE (under the same lock of the street's row as every write) and
-- copies its change rows in with them. Counting up the row once per
-- change instead left a new version of the street's row per change, each
-- found through all those before it in the same transaction: a
-- transaction of 28,000 changes took a minute. Every other write leaves
-- seq out, and is numbered here as before.
CREATE OR REPLACE FUNCTION changes_next_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.seq IS NOT NULL THEN
		RETURN NEW;
	END IF;
	UPDATE streets SET change_seq = change_seq + 1 WHERE id = NEW.street_id RETURNING change_seq INTO NEW.seq;
	RETURN NEW;
END $$;

-- json_extract, the same function, written as one expression so that the
-- planner inlines it into the statements, generated columns and triggers
-- that call it. As a query with a FROM it could not be inlined, and each
-- call ran through the SQL-function executor, which in a row trigger
-- (events_facts) set up and planned its body again on every call: 134 µs
-- a call, more than half the time of copying events in.
CREATE OR REPLACE FUNCTION json_extract(doc text, path text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT CASE jsonb_typeof(doc::jsonb #> string_to_array(substr(path, 3), '.'))
		WHEN 'boolean' THEN (CASE WHEN doc::jsonb #> string_to_array(substr(path, 3), '.') = 'true' THEN '1' ELSE '0' END)
		ELSE doc::jsonb #>> string_to_array(substr(path, 3), '.') END $$;

-- group_concat, gathered into an array by PostgreSQL's own array_append
-- and joined once at the end. Its step was an SQL function that copied
-- the whole string so far to add one value (quadratic in the group) and
-- went through the SQL-function executor on every row: the summary's
-- times to close, 10,000 values over 60 groups, took 300 ms at 30,000
-- reports, where the same query's rows are read in 5.
CREATE FUNCTION group_concat_final(a text[]) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT CASE WHEN cardinality(array_remove(a, NULL)) > 0 THEN array_to_string(a, ',') END $$;
CREATE FUNCTION group_concat_final(a bigint[]) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT CASE WHEN cardinality(array_remove(a, NULL)) > 0 THEN array_to_string(a, ',') END $$;
CREATE OR REPLACE AGGREGATE group_concat(text) (
	SFUNC = array_append, STYPE = text[], FINALFUNC = group_concat_final);
CREATE OR REPLACE AGGREGATE group_concat(bigint) (
	SFUNC = array_append, STYPE = bigint[], FINALFUNC = group_concat_final);
DROP FUNCTION group_concat_step(text, bigint);
DROP FUNCTION group_concat_step(text, text);

-- The summary sizes the street by max(rowid), which SQLite reads from the
-- end of the table's b-tree and PostgreSQL, without an index leading with
-- rowid, by reading every report. Interim, as the id indexes at the end
-- of 0001: once the statement names the street, UNIQUE (street_id, rowid)
-- serves it, and this goes with them.
CREATE INDEX reports_rowid ON reports (rowid);

-- The summary counts event_facts per grid, category and type over the
-- period, reading a handful of its columns. SQLite keeps the table in its
-- primary key's order (WITHOUT ROWID), so each range is read in one
-- stretch; PostgreSQL keeps rows in the order they came, and read each
-- range's rows from all over the table (at 1,000,000 reports, 250,000 pages
-- for the times to close: 1.3 s). The columns the summary reads are now in
-- the index, so that each range is read from the index alone. The street
-- is included, not leading: plain indexes need not lead with it (0001),
-- and a grid's id names one street.
DROP INDEX event_facts_grid;
CREATE INDEX event_facts_grid ON event_facts (grid_id, category, type, effective_at, event_id)
	INCLUDE (street_id, status_after, notice_kind, notice_department, disposition, to_close, demolished_area, detail_kind);

-- A credit code is unique within a street, as on PostgreSQL: two streets
-- of one database may each register the same enterprise (an enterprise
-- on their border is inspected by both).
DROP INDEX subjects_credit_code;
CREATE UNIQUE INDEX subjects_credit_code ON subjects (street_id, credit_code) WHERE credit_code <> '';

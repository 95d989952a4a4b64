-- 0003_district: district accounts (docs/tenants.md, "District
-- accounts"): the streets a district account (role 4, ROLE_DISTRICT,
-- which users' CHECK has allowed since 0001) reads the statistics of,
-- set by an operator (gridd --district-user). Keyed by the account's own
-- street, like every per-street table, so that a district's rows live on
-- its home street's shard. member_street_id is checked to be a street when
-- it is set: a foreign key into streets by another column than the
-- distribution column is one Citus could not check on one shard.
CREATE TABLE district_streets (
	street_id        bigint NOT NULL REFERENCES streets (id),
	user_id          text COLLATE "C" NOT NULL,
	member_street_id bigint NOT NULL CHECK (member_street_id >= 1),
	PRIMARY KEY (street_id, user_id, member_street_id),
	FOREIGN KEY (street_id, user_id) REFERENCES users (street_id, id)
);

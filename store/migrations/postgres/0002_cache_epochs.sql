-- Several servers, one database (store/epochs.go). Each server caches
-- the tokens it has accepted (the grids' boundaries are the writer's,
-- checked by grids_version in 0001); a change made through another server (or by hand) must apply on the next call to this
-- one. So every change of what those caches hold counts up an epoch in
-- the street's row, in the changing transaction, and a server uses what it
-- cached only while the epoch is the one it was read with.
ALTER TABLE streets
	ADD COLUMN auth_epoch bigint NOT NULL DEFAULT 0;

-- Per row, so that it counts in the street of the row changed.
CREATE FUNCTION streets_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE streets SET auth_epoch = auth_epoch + 1
		WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.street_id ELSE NEW.street_id END;
	RETURN NULL;
END $$;

-- A token's use (last_used_at) changes nothing Authenticate answers, and
-- is recorded often: it does not count.
CREATE TRIGGER tokens_auth_epoch AFTER UPDATE OF user_id, device_id, expires_at, revoked_at OR DELETE ON tokens
	FOR EACH ROW EXECUTE FUNCTION streets_auth_changed();
CREATE TRIGGER users_auth_epoch AFTER UPDATE OR DELETE ON users
	FOR EACH ROW EXECUTE FUNCTION streets_auth_changed();
CREATE TRIGGER user_grids_auth_epoch AFTER INSERT OR UPDATE OR DELETE ON user_grids
	FOR EACH ROW EXECUTE FUNCTION streets_auth_changed();

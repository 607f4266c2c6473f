-- cogito PostgreSQL schema, version 2: configuration versions (multi-instance caches) and
-- signing-key retirement (SQLite's 0005). Append-only like 0001: never edit a released file.
--
-- config_versions: one row per pool whose configuration (pool record, clients, signing keys,
-- domain, resource servers, UI customisation) an instance may cache. A trigger sets it to a
-- fresh value of config_version_seq in the same transaction as every insert, update or delete of
-- those rows, so no write path can forget to bump it and no cache can see a change without it.
-- A deleted pool keeps its row (a tombstone with a fresh version), which tells every instance to
-- drop what it cached. Sequence values are never reused, so a re-created pool id never repeats
-- a version an instance may still hold; concurrent bumps of one pool serialise on its row.
CREATE SEQUENCE config_version_seq;

CREATE TABLE config_versions (
    pool_id  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    version  BIGINT NOT NULL
);
INSERT INTO config_versions (pool_id, version) SELECT id, nextval('config_version_seq') FROM pools;

-- TG_ARGV[0] names the pool id column of the table the trigger is on.
CREATE FUNCTION bump_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pid TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        pid := to_jsonb(OLD) ->> TG_ARGV[0];
    ELSE
        pid := to_jsonb(NEW) ->> TG_ARGV[0];
    END IF;
    INSERT INTO config_versions (pool_id, version) VALUES (pid, nextval('config_version_seq'))
        ON CONFLICT (pool_id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$;

CREATE TRIGGER pools_bump_config AFTER INSERT OR UPDATE OR DELETE ON pools
    FOR EACH ROW EXECUTE FUNCTION bump_config_version('id');
CREATE TRIGGER clients_bump_config AFTER INSERT OR UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION bump_config_version('pool_id');
CREATE TRIGGER signing_keys_bump_config AFTER INSERT OR UPDATE OR DELETE ON signing_keys
    FOR EACH ROW EXECUTE FUNCTION bump_config_version('pool_id');
CREATE TRIGGER domains_bump_config AFTER INSERT OR UPDATE OR DELETE ON domains
    FOR EACH ROW EXECUTE FUNCTION bump_config_version('pool_id');
CREATE TRIGGER resource_servers_bump_config AFTER INSERT OR UPDATE OR DELETE ON resource_servers
    FOR EACH ROW EXECUTE FUNCTION bump_config_version('pool_id');
CREATE TRIGGER ui_customizations_bump_config AFTER INSERT OR UPDATE OR DELETE ON ui_customizations
    FOR EACH ROW EXECUTE FUNCTION bump_config_version('pool_id');

-- Rotation sets retired_until_ms on the keys it replaces: they stay published and accepted
-- until then, after which the janitor deletes them. NULL = in use.
ALTER TABLE signing_keys ADD COLUMN retired_until_ms BIGINT;
CREATE INDEX signing_keys_by_retirement ON signing_keys (retired_until_ms)
    WHERE retired_until_ms IS NOT NULL;

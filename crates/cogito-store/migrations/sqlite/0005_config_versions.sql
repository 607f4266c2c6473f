-- cogito SQLite schema, version 5: configuration versions (multi-instance caches) and signing-key
-- retirement. Append-only like 0001: never edit a released file.
--
-- config_versions: one row per pool whose configuration (pool record, clients, signing keys,
-- domain, resource servers, UI customisation) an instance may cache. Triggers set it to a fresh
-- value of config_clock in the same transaction as every insert, update or delete of those
-- rows, so no write path can forget to bump it and no cache can see a change without it. A
-- deleted pool keeps its row (a tombstone with a fresh version), which tells every instance to
-- drop what it cached. Values come from one instance-wide clock, so a re-created pool id never
-- repeats a version an instance may still hold.
CREATE TABLE config_clock (
    id     INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    value  INTEGER NOT NULL
) STRICT;
INSERT INTO config_clock (id, value) VALUES (1, 1);

CREATE TABLE config_versions (
    pool_id  TEXT    NOT NULL PRIMARY KEY,
    version  INTEGER NOT NULL
) STRICT;
INSERT INTO config_versions (pool_id, version) SELECT id, 1 FROM pools;

-- Rotation sets retired_until_ms on the keys it replaces: they stay published and accepted
-- until then, after which the janitor deletes them. NULL = in use.
ALTER TABLE signing_keys ADD COLUMN retired_until_ms INTEGER;
CREATE INDEX signing_keys_by_retirement ON signing_keys (retired_until_ms)
    WHERE retired_until_ms IS NOT NULL;

-- The bump, per table and statement kind (SQLite triggers name one event each).
CREATE TRIGGER pools_insert_bumps_config AFTER INSERT ON pools BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (NEW.id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER pools_update_bumps_config AFTER UPDATE ON pools BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (NEW.id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER pools_delete_bumps_config AFTER DELETE ON pools BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (OLD.id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER clients_insert_bumps_config AFTER INSERT ON clients BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (NEW.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER clients_update_bumps_config AFTER UPDATE ON clients BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (NEW.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER clients_delete_bumps_config AFTER DELETE ON clients BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (OLD.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER signing_keys_insert_bumps_config AFTER INSERT ON signing_keys BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (NEW.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER signing_keys_update_bumps_config AFTER UPDATE ON signing_keys BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (NEW.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER signing_keys_delete_bumps_config AFTER DELETE ON signing_keys BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (OLD.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER domains_insert_bumps_config AFTER INSERT ON domains BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (NEW.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER domains_update_bumps_config AFTER UPDATE ON domains BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (NEW.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER domains_delete_bumps_config AFTER DELETE ON domains BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (OLD.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER resource_servers_insert_bumps_config AFTER INSERT ON resource_servers BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (NEW.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER resource_servers_update_bumps_config AFTER UPDATE ON resource_servers BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (NEW.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER resource_servers_delete_bumps_config AFTER DELETE ON resource_servers BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (OLD.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER ui_customizations_insert_bumps_config AFTER INSERT ON ui_customizations BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (NEW.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER ui_customizations_update_bumps_config AFTER UPDATE ON ui_customizations BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (NEW.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER ui_customizations_delete_bumps_config AFTER DELETE ON ui_customizations BEGIN
    UPDATE config_clock SET value = value + 1 WHERE id = 1;
    INSERT INTO config_versions (pool_id, version)
        VALUES (OLD.pool_id, (SELECT value FROM config_clock WHERE id = 1))
        ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version;
END;

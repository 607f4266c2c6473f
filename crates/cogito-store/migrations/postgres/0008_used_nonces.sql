-- cogito PostgreSQL schema, version 8: single-use values (SQLite's 0011). Append-only like 0001:
-- never edit a released file.
CREATE TABLE used_nonces (
    id_hash     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    expires_ms  BIGINT NOT NULL
);
CREATE INDEX used_nonces_by_expiry ON used_nonces (expires_ms);

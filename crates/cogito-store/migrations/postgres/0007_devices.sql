-- cogito PostgreSQL schema, version 7: remembered devices (SQLite's 0010). Append-only like
-- 0001: never edit a released file.
CREATE TABLE devices (
    pool_id       TEXT COLLATE "C" NOT NULL,
    device_key    TEXT COLLATE "C" NOT NULL,
    user_sub      TEXT COLLATE "C" NOT NULL,
    group_key     TEXT NOT NULL,
    verifier      TEXT,
    name          TEXT,
    remembered    BOOLEAN NOT NULL DEFAULT FALSE,
    created_ms    BIGINT NOT NULL,
    modified_ms   BIGINT NOT NULL,
    last_auth_ms  BIGINT NOT NULL,
    PRIMARY KEY (pool_id, device_key),
    FOREIGN KEY (pool_id, user_sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX devices_by_user ON devices (pool_id, user_sub, device_key);
CREATE INDEX devices_unconfirmed ON devices (created_ms) WHERE verifier IS NULL;

ALTER TABLE refresh_sessions ADD COLUMN device_key TEXT;

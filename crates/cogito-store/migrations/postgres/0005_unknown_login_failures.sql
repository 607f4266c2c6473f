-- cogito PostgreSQL schema, version 5: lockout for names that match no user (SQLite's 0008).
-- Append-only like 0001: never edit a released file.
--
-- unknown_login_failures: the lockout counters of a name that matches no user of the pool, so
-- that with existence errors hidden an unknown name locks out like a real one (security bar
-- SEC-38). name_hash is a keyed hash of the normalised name (the name is not stored); the
-- janitor deletes a row once its failures are forgotten (15 quiet minutes, lock over).
CREATE TABLE unknown_login_failures (
    pool_id          TEXT COLLATE "C" NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    name_hash        TEXT COLLATE "C" NOT NULL,
    failed_attempts  BIGINT NOT NULL,
    locked_until_ms  BIGINT NOT NULL,
    last_failure_ms  BIGINT NOT NULL,
    PRIMARY KEY (pool_id, name_hash)
);
CREATE INDEX unknown_login_failures_by_time ON unknown_login_failures (last_failure_ms);

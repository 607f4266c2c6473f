-- cogito SQLite schema, version 4: stored rate counters and the indexes the janitor purges by.
-- Append-only like 0001: never edit a released file.
--
-- event_counters: one row per (key, fixed window), incremented with one
-- INSERT … ON CONFLICT … RETURNING statement, so per-user hourly caps (reference §8.3) hold for
-- every connection and every instance. Keys look like `confirm_forgot:{pool}:{sub}`.
CREATE TABLE event_counters (
    key              TEXT    NOT NULL,
    window_start_ms  INTEGER NOT NULL,
    count            INTEGER NOT NULL,
    PRIMARY KEY (key, window_start_ms)
) STRICT;
CREATE INDEX event_counters_by_window ON event_counters (window_start_ms);

CREATE INDEX codes_by_expiry ON codes (expires_ms);
CREATE INDEX auth_sessions_by_expiry ON auth_sessions (expires_ms);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_ms);
CREATE INDEX hosted_sessions_by_expiry ON hosted_sessions (expires_ms);
CREATE INDEX refresh_sessions_by_expiry ON refresh_sessions (expires_ms);
CREATE INDEX refresh_sessions_by_revoked ON refresh_sessions (revoked_ms) WHERE revoked_ms IS NOT NULL;
CREATE INDEX rotated_refresh_tokens_by_time ON rotated_refresh_tokens (rotated_ms);

-- A CUSTOM_AUTH flow also runs for a name no user has (existence errors hidden), so an auth
-- session may name no user: user_sub becomes nullable (NULL for such a flow). The foreign key
-- stays, so a user's sessions still go with the user. SQLite cannot change a column's
-- nullability in place: the table is rebuilt.
CREATE TABLE auth_sessions_new (
    id_hash     TEXT    NOT NULL PRIMARY KEY,
    pool_id     TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    user_sub    TEXT,
    challenge   TEXT    NOT NULL,
    expires_ms  INTEGER NOT NULL,
    state       TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (pool_id, user_sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
INSERT INTO auth_sessions_new (id_hash, pool_id, client_id, user_sub, challenge, expires_ms,
                               state, attempts)
    SELECT id_hash, pool_id, client_id, user_sub, challenge, expires_ms, state, attempts
    FROM auth_sessions;
DROP TABLE auth_sessions;
ALTER TABLE auth_sessions_new RENAME TO auth_sessions;
CREATE INDEX auth_sessions_by_user ON auth_sessions (pool_id, user_sub);
CREATE INDEX auth_sessions_by_expiry ON auth_sessions (expires_ms);

-- cogito SQLite schema, version 1. Migrations are append-only: never edit a released file,
-- add a new numbered one instead.
--
-- Config-like records (pools, clients) are stored as JSON next to their key columns. Users and
-- everything that is queried by value (login keys, attributes, status) are real columns with
-- indexes, so that lookups and ListUsers filters never scan a whole pool.
-- Children reference their parents with ON DELETE CASCADE; foreign keys are enabled per
-- connection (PRAGMA foreign_keys = ON).

CREATE TABLE pools (
    id          TEXT    NOT NULL PRIMARY KEY,
    record      TEXT    NOT NULL              -- serde_json of UserPool
) STRICT;

CREATE TABLE clients (
    client_id   TEXT    NOT NULL PRIMARY KEY, -- client ids are unique across pools
    pool_id     TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    record      TEXT    NOT NULL              -- serde_json of AppClient
) STRICT;
CREATE INDEX clients_by_pool ON clients (pool_id, client_id);

CREATE TABLE users (
    pool_id           TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    sub               TEXT    NOT NULL,
    username          TEXT    NOT NULL,
    username_norm     TEXT    NOT NULL,       -- lower-cased username, for filters
    status            TEXT    NOT NULL,       -- UNCONFIRMED, CONFIRMED, ...
    enabled           INTEGER NOT NULL,       -- 0 / 1
    password_hash     TEXT,
    password_set_ms   INTEGER NOT NULL,
    password_history  TEXT    NOT NULL,       -- JSON array of hashes, newest first
    attributes        TEXT    NOT NULL,       -- JSON object name -> value
    created_ms        INTEGER NOT NULL,
    modified_ms       INTEGER NOT NULL,
    failed_attempts   INTEGER NOT NULL,
    locked_until_ms   INTEGER NOT NULL,
    last_failure_ms   INTEGER NOT NULL
) STRICT;
-- The key of a user. A named unique index (not a PRIMARY KEY) so that ListUsers queries can
-- name it in INDEXED BY like the other users_by_* indexes; foreign keys reference it.
CREATE UNIQUE INDEX users_by_sub ON users (pool_id, sub);
CREATE INDEX users_by_created  ON users (pool_id, created_ms, sub);
CREATE INDEX users_by_username ON users (pool_id, username_norm, created_ms, sub);
CREATE INDEX users_by_status   ON users (pool_id, status, created_ms, sub);
CREATE INDEX users_by_enabled  ON users (pool_id, enabled, created_ms, sub);

-- Every name a user can sign in with. The primary key is what makes "one username, one user"
-- hold under concurrent sign-ups.
CREATE TABLE login_keys (
    pool_id     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,             -- LoginKeyKind::as_str
    value       TEXT    NOT NULL,             -- normalised by the caller
    sub         TEXT    NOT NULL,
    PRIMARY KEY (pool_id, kind, value),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX login_keys_by_user ON login_keys (pool_id, sub);

-- The attribute index of ListUsers filters; rewritten with the user row.
CREATE TABLE user_attributes (
    pool_id     TEXT    NOT NULL,
    sub         TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    value_norm  TEXT    NOT NULL,             -- lower-cased value
    created_ms  INTEGER NOT NULL,             -- copy of users.created_ms, for ordered pages
    PRIMARY KEY (pool_id, sub, name),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX user_attributes_by_value ON user_attributes (pool_id, name, value_norm, created_ms, sub);

CREATE TABLE groups (
    pool_id      TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    description  TEXT,
    precedence   INTEGER,
    role_arn     TEXT,
    created_ms   INTEGER NOT NULL,
    modified_ms  INTEGER NOT NULL,
    PRIMARY KEY (pool_id, name)
) STRICT;

CREATE TABLE group_members (
    pool_id     TEXT    NOT NULL,
    group_name  TEXT    NOT NULL,
    sub         TEXT    NOT NULL,
    PRIMARY KEY (pool_id, group_name, sub),
    FOREIGN KEY (pool_id, group_name) REFERENCES groups (pool_id, name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX group_members_by_user ON group_members (pool_id, sub, group_name);

CREATE TABLE codes (
    pool_id                TEXT    NOT NULL,
    sub                    TEXT    NOT NULL,
    purpose                TEXT    NOT NULL,  -- CodePurpose::key
    code_hash              TEXT    NOT NULL,
    expires_ms             INTEGER NOT NULL,
    attempts               INTEGER NOT NULL,
    destination_attribute  TEXT,
    PRIMARY KEY (pool_id, sub, purpose),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;

CREATE TABLE auth_sessions (
    id_hash     TEXT    NOT NULL PRIMARY KEY,
    pool_id     TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    user_sub    TEXT    NOT NULL,
    challenge   TEXT    NOT NULL,
    expires_ms  INTEGER NOT NULL,
    FOREIGN KEY (pool_id, user_sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX auth_sessions_by_user ON auth_sessions (pool_id, user_sub);

CREATE TABLE refresh_sessions (
    origin_jti  TEXT    NOT NULL PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,
    pool_id     TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    user_sub    TEXT    NOT NULL,
    auth_time   INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    revoked_ms  INTEGER,
    FOREIGN KEY (pool_id, user_sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX refresh_sessions_by_user ON refresh_sessions (pool_id, user_sub);

-- Signing keys and outbox rows carry a pool id but no foreign key: they are removed explicitly
-- by delete_pool, and inserting them never depends on the pool row.
CREATE TABLE signing_keys (
    pool_id                TEXT    NOT NULL,
    kid                    TEXT    NOT NULL,
    purpose                TEXT    NOT NULL,
    encrypted_private_key  BLOB    NOT NULL,
    created_ms             INTEGER NOT NULL,
    PRIMARY KEY (pool_id, kid)
) STRICT;
CREATE INDEX signing_keys_by_created ON signing_keys (pool_id, created_ms); -- + rowid: insertion order

CREATE TABLE settings (
    name        TEXT    NOT NULL PRIMARY KEY,
    value       TEXT    NOT NULL
) STRICT;

CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT, -- insertion order, breaks created_ms ties
    id           TEXT    NOT NULL UNIQUE,
    pool_id      TEXT    NOT NULL,
    username     TEXT    NOT NULL,
    medium       TEXT    NOT NULL,            -- EMAIL / SMS
    destination  TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    code         TEXT,
    purpose      TEXT    NOT NULL,
    created_ms   INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_by_created ON outbox (created_ms, seq);
CREATE INDEX outbox_by_pool    ON outbox (pool_id, created_ms, seq);
CREATE INDEX outbox_by_user    ON outbox (pool_id, username, created_ms, seq);

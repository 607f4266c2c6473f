-- cogito PostgreSQL schema, version 1: everything SQLite's 0001-0004 built, in one file.
-- Migrations are append-only: never edit a released file, add a new numbered one instead.
--
-- Config-like records (pools, clients, resource servers) are stored as JSON text next to their
-- key columns. Users and everything that is queried by value (login keys, attributes, status)
-- are real columns with indexes, so that lookups and ListUsers filters never scan a whole pool.
-- Children reference their parents with ON DELETE CASCADE.
--
-- Every text column that is compared, ordered or range-scanned is COLLATE "C": ordering is by
-- code point (what SQLite does and what the cursors and the prefix bounds of `paging` assume,
-- whatever the database's default collation), and B-tree range scans serve `^=` filters.

CREATE TABLE pools (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    record      TEXT NOT NULL                          -- serde_json of UserPool
);

CREATE TABLE clients (
    client_id   TEXT COLLATE "C" NOT NULL PRIMARY KEY, -- client ids are unique across pools
    pool_id     TEXT COLLATE "C" NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    record      TEXT NOT NULL                          -- serde_json of AppClient
);
CREATE INDEX clients_by_pool ON clients (pool_id, client_id);

CREATE TABLE users (
    pool_id           TEXT COLLATE "C" NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    sub               TEXT COLLATE "C" NOT NULL,
    username          TEXT NOT NULL,
    username_norm     TEXT COLLATE "C" NOT NULL,       -- lower-cased username, for filters
    status            TEXT COLLATE "C" NOT NULL,       -- UNCONFIRMED, CONFIRMED, ...
    enabled           BOOLEAN NOT NULL,
    password_hash     TEXT,
    password_set_ms   BIGINT NOT NULL,
    password_history  TEXT NOT NULL,                   -- JSON array of hashes, newest first
    attributes        TEXT NOT NULL,                   -- JSON object name -> value
    created_ms        BIGINT NOT NULL,
    modified_ms       BIGINT NOT NULL,
    failed_attempts   BIGINT NOT NULL,
    locked_until_ms   BIGINT NOT NULL,
    last_failure_ms   BIGINT NOT NULL,
    CONSTRAINT users_by_sub PRIMARY KEY (pool_id, sub)
);
CREATE INDEX users_by_created  ON users (pool_id, created_ms, sub);
CREATE INDEX users_by_username ON users (pool_id, username_norm, created_ms, sub);
CREATE INDEX users_by_status   ON users (pool_id, status, created_ms, sub);
CREATE INDEX users_by_enabled  ON users (pool_id, enabled, created_ms, sub);

-- Every name a user can sign in with. The primary key is what makes "one username, one user"
-- hold under concurrent sign-ups.
CREATE TABLE login_keys (
    pool_id     TEXT COLLATE "C" NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL,             -- LoginKeyKind::as_str
    value       TEXT COLLATE "C" NOT NULL,             -- normalised by the caller
    sub         TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, kind, value),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX login_keys_by_user ON login_keys (pool_id, sub);

-- The attribute index of ListUsers filters; rewritten with the user row.
CREATE TABLE user_attributes (
    pool_id     TEXT COLLATE "C" NOT NULL,
    sub         TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    value_norm  TEXT COLLATE "C" NOT NULL,             -- lower-cased value
    created_ms  BIGINT NOT NULL,                       -- copy of users.created_ms, for ordered pages
    PRIMARY KEY (pool_id, sub, name),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX user_attributes_by_value
    ON user_attributes (pool_id, name, value_norm, created_ms, sub);

CREATE TABLE groups (
    pool_id      TEXT COLLATE "C" NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    name         TEXT COLLATE "C" NOT NULL,
    description  TEXT,
    precedence   BIGINT,
    role_arn     TEXT,
    created_ms   BIGINT NOT NULL,
    modified_ms  BIGINT NOT NULL,
    PRIMARY KEY (pool_id, name)
);

CREATE TABLE group_members (
    pool_id     TEXT COLLATE "C" NOT NULL,
    group_name  TEXT COLLATE "C" NOT NULL,
    sub         TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, group_name, sub),
    FOREIGN KEY (pool_id, group_name) REFERENCES groups (pool_id, name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX group_members_by_user ON group_members (pool_id, sub, group_name);

CREATE TABLE codes (
    pool_id                TEXT COLLATE "C" NOT NULL,
    sub                    TEXT COLLATE "C" NOT NULL,
    purpose                TEXT COLLATE "C" NOT NULL,  -- CodePurpose::key
    code_hash              TEXT NOT NULL,
    expires_ms             BIGINT NOT NULL,
    attempts               BIGINT NOT NULL,
    destination_attribute  TEXT,
    PRIMARY KEY (pool_id, sub, purpose),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX codes_by_expiry ON codes (expires_ms);

CREATE TABLE auth_sessions (
    id_hash     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    pool_id     TEXT COLLATE "C" NOT NULL,
    client_id   TEXT NOT NULL,
    user_sub    TEXT COLLATE "C" NOT NULL,
    challenge   TEXT NOT NULL,
    expires_ms  BIGINT NOT NULL,
    FOREIGN KEY (pool_id, user_sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX auth_sessions_by_user ON auth_sessions (pool_id, user_sub);
CREATE INDEX auth_sessions_by_expiry ON auth_sessions (expires_ms);

CREATE TABLE refresh_sessions (
    origin_jti  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    token_hash  TEXT COLLATE "C" NOT NULL UNIQUE,
    pool_id     TEXT COLLATE "C" NOT NULL,
    client_id   TEXT NOT NULL,
    user_sub    TEXT COLLATE "C" NOT NULL,
    auth_time   BIGINT NOT NULL,
    created_ms  BIGINT NOT NULL,
    expires_ms  BIGINT NOT NULL,
    revoked_ms  BIGINT,
    scope       TEXT,                                  -- granted OAuth scopes; NULL for API sign-ins
    FOREIGN KEY (pool_id, user_sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX refresh_sessions_by_user ON refresh_sessions (pool_id, user_sub);
CREATE INDEX refresh_sessions_by_expiry ON refresh_sessions (expires_ms);
CREATE INDEX refresh_sessions_by_revoked ON refresh_sessions (revoked_ms)
    WHERE revoked_ms IS NOT NULL;

-- Refresh tokens rotated out of a sign-in (app clients with RefreshTokenRotation): a replay after
-- the grace period is recognised as reuse and revokes the whole sign-in (security bar SEC-19).
CREATE TABLE rotated_refresh_tokens (
    token_hash  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    origin_jti  TEXT COLLATE "C" NOT NULL
                REFERENCES refresh_sessions (origin_jti) ON DELETE CASCADE,
    rotated_ms  BIGINT NOT NULL
);
CREATE INDEX rotated_refresh_tokens_by_origin ON rotated_refresh_tokens (origin_jti);
CREATE INDEX rotated_refresh_tokens_by_time ON rotated_refresh_tokens (rotated_ms);

-- Signing keys and outbox rows carry a pool id but no foreign key: they are removed explicitly
-- by delete_pool, and inserting them never depends on the pool row. `seq` is the insertion
-- order (SQLite's rowid) that breaks ties of created_ms.
CREATE TABLE signing_keys (
    pool_id                TEXT COLLATE "C" NOT NULL,
    kid                    TEXT COLLATE "C" NOT NULL,
    purpose                TEXT NOT NULL,
    encrypted_private_key  BYTEA NOT NULL,
    created_ms             BIGINT NOT NULL,
    seq                    BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (pool_id, kid)
);
CREATE INDEX signing_keys_by_created ON signing_keys (pool_id, created_ms, seq);

CREATE TABLE settings (
    name        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    value       TEXT NOT NULL
);

CREATE TABLE outbox (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- breaks created_ms ties
    id           TEXT COLLATE "C" NOT NULL UNIQUE,
    pool_id      TEXT COLLATE "C" NOT NULL,
    username     TEXT COLLATE "C" NOT NULL,
    medium       TEXT NOT NULL,                        -- EMAIL / SMS
    destination  TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    code         TEXT,
    purpose      TEXT NOT NULL,
    created_ms   BIGINT NOT NULL
);
CREATE INDEX outbox_by_created ON outbox (created_ms, seq);
CREATE INDEX outbox_by_pool    ON outbox (pool_id, created_ms, seq);
CREATE INDEX outbox_by_user    ON outbox (pool_id, username, created_ms, seq);

-- OAuth 2.0 and hosted-UI state. Secrets are never stored: codes and session ids are kept as
-- SHA-256 digests only. One domain per pool (UNIQUE pool_id); the name is unique across the
-- instance (PRIMARY KEY).
CREATE TABLE domains (
    domain                 TEXT COLLATE "C" NOT NULL PRIMARY KEY, -- prefix or custom host name
    pool_id                TEXT COLLATE "C" NOT NULL UNIQUE
                           REFERENCES pools (id) ON DELETE CASCADE,
    custom                 BOOLEAN NOT NULL,
    managed_login_version  BIGINT NOT NULL,
    created_ms             BIGINT NOT NULL
);

CREATE TABLE resource_servers (
    pool_id     TEXT COLLATE "C" NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    identifier  TEXT COLLATE "C" NOT NULL,
    record      TEXT NOT NULL,                         -- serde_json of ResourceServer
    PRIMARY KEY (pool_id, identifier)
);

-- Single use: redemption sets used_ms with one conditional UPDATE (see
-- redeem_authorization_code).
CREATE TABLE authorization_codes (
    code_hash          TEXT COLLATE "C" NOT NULL PRIMARY KEY,   -- SHA-256 of the code, hex
    pool_id            TEXT COLLATE "C" NOT NULL,
    client_id          TEXT NOT NULL,
    user_sub           TEXT COLLATE "C" NOT NULL,
    redirect_uri       TEXT NOT NULL,
    scope              TEXT NOT NULL,
    nonce              TEXT,
    code_challenge     TEXT,
    auth_time          BIGINT NOT NULL,
    expires_ms         BIGINT NOT NULL,
    used_ms            BIGINT,
    issued_origin_jti  TEXT,
    FOREIGN KEY (pool_id, user_sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX authorization_codes_by_user ON authorization_codes (pool_id, user_sub);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_ms);

CREATE TABLE hosted_sessions (
    id_hash     TEXT COLLATE "C" NOT NULL PRIMARY KEY,  -- SHA-256 of the session id, hex
    pool_id     TEXT COLLATE "C" NOT NULL,
    user_sub    TEXT COLLATE "C" NOT NULL,
    auth_time   BIGINT NOT NULL,
    expires_ms  BIGINT NOT NULL,
    FOREIGN KEY (pool_id, user_sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX hosted_sessions_by_user ON hosted_sessions (pool_id, user_sub);
CREATE INDEX hosted_sessions_by_expiry ON hosted_sessions (expires_ms);

-- client_id '' is the pool-wide customisation (`ALL` on the wire); client ids are never empty.
-- A per-client row can only be written for an existing client of the pool, and delete_client
-- removes it (a foreign key cannot express "client, unless ''").
CREATE TABLE ui_customizations (
    pool_id      TEXT COLLATE "C" NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    client_id    TEXT COLLATE "C" NOT NULL,
    css          TEXT,
    image        BYTEA,
    templates    TEXT NOT NULL,                        -- JSON object name -> source
    modified_ms  BIGINT NOT NULL,
    PRIMARY KEY (pool_id, client_id)
);

-- Stored rate counters: one row per (key, fixed window), incremented with one
-- INSERT … ON CONFLICT … RETURNING statement, so per-user hourly caps (reference §8.3) hold for
-- every connection and every instance. Keys look like `confirm_forgot:{pool}:{sub}`.
CREATE TABLE event_counters (
    key              TEXT COLLATE "C" NOT NULL,
    window_start_ms  BIGINT NOT NULL,
    count            BIGINT NOT NULL,
    PRIMARY KEY (key, window_start_ms)
);
CREATE INDEX event_counters_by_window ON event_counters (window_start_ms);

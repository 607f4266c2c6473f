-- cogito SQLite schema, version 2: OAuth 2.0 and hosted-UI state, and the granted scope of
-- refresh sessions. Append-only like 0001: never edit a released file.
--
-- Every table here hangs off a pool, directly (domains, resource servers, UI customisation) or
-- through the user it belongs to (authorization codes, hosted-UI sessions), with ON DELETE
-- CASCADE: deleting a pool or a user removes its OAuth state in the same statement.
-- Secrets are never stored: codes and session ids are kept as SHA-256 digests only.

-- One domain per pool (UNIQUE pool_id); the name is unique across the instance (PRIMARY KEY).
CREATE TABLE domains (
    domain                 TEXT    NOT NULL PRIMARY KEY, -- prefix or custom host name
    pool_id                TEXT    NOT NULL UNIQUE REFERENCES pools (id) ON DELETE CASCADE,
    custom                 INTEGER NOT NULL,             -- 0 / 1
    managed_login_version  INTEGER NOT NULL,
    created_ms             INTEGER NOT NULL
) STRICT;

CREATE TABLE resource_servers (
    pool_id     TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    identifier  TEXT    NOT NULL,
    record      TEXT    NOT NULL,                         -- serde_json of ResourceServer
    PRIMARY KEY (pool_id, identifier)
) STRICT;

-- Single use: redemption sets used_ms under the write lock (see redeem_authorization_code).
CREATE TABLE authorization_codes (
    code_hash          TEXT    NOT NULL PRIMARY KEY,      -- SHA-256 of the code, hex
    pool_id            TEXT    NOT NULL,
    client_id          TEXT    NOT NULL,
    user_sub           TEXT    NOT NULL,
    redirect_uri       TEXT    NOT NULL,
    scope              TEXT    NOT NULL,
    nonce              TEXT,
    code_challenge     TEXT,
    auth_time          INTEGER NOT NULL,
    expires_ms         INTEGER NOT NULL,
    used_ms            INTEGER,
    issued_origin_jti  TEXT,
    FOREIGN KEY (pool_id, user_sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX authorization_codes_by_user ON authorization_codes (pool_id, user_sub);

CREATE TABLE hosted_sessions (
    id_hash     TEXT    NOT NULL PRIMARY KEY,             -- SHA-256 of the session id, hex
    pool_id     TEXT    NOT NULL,
    user_sub    TEXT    NOT NULL,
    auth_time   INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    FOREIGN KEY (pool_id, user_sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX hosted_sessions_by_user ON hosted_sessions (pool_id, user_sub);

-- client_id '' is the pool-wide customisation (`ALL` on the wire); client ids are never empty.
-- A per-client row can only be written for an existing client of the pool, and delete_client
-- removes it (a foreign key cannot express "client, unless ''").
CREATE TABLE ui_customizations (
    pool_id      TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    client_id    TEXT    NOT NULL,
    css          TEXT,
    image        BLOB,
    templates    TEXT    NOT NULL,                        -- JSON object name -> source
    modified_ms  INTEGER NOT NULL,
    PRIMARY KEY (pool_id, client_id)
) STRICT;

-- Granted OAuth scopes of a sign-in (space-separated); NULL for API sign-ins.
ALTER TABLE refresh_sessions ADD COLUMN scope TEXT;

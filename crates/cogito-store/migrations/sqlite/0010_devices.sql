-- cogito SQLite schema, version 10: remembered devices (reference §5.8). Append-only like 0001:
-- never edit a released file.
--
-- devices: one row per device key a sign-in handed out (NewDeviceMetadata). verifier is the
-- device's SRP salt and verifier from ConfirmDevice, sealed under the master key and bound to
-- the device (NULL until confirmed; unconfirmed rows are purged after a day). remembered is the
-- device status (UpdateDeviceStatus). The rows go with their user.
CREATE TABLE devices (
    pool_id       TEXT    NOT NULL,
    device_key    TEXT    NOT NULL,
    user_sub      TEXT    NOT NULL,
    group_key     TEXT    NOT NULL,
    verifier      TEXT,
    name          TEXT,
    remembered    INTEGER NOT NULL DEFAULT 0,
    created_ms    INTEGER NOT NULL,
    modified_ms   INTEGER NOT NULL,
    last_auth_ms  INTEGER NOT NULL,
    PRIMARY KEY (pool_id, device_key),
    FOREIGN KEY (pool_id, user_sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX devices_by_user ON devices (pool_id, user_sub, device_key);
CREATE INDEX devices_unconfirmed ON devices (created_ms) WHERE verifier IS NULL;

-- refresh_sessions.device_key: the device a sign-in was made on; refreshed access tokens carry
-- it as the device_key claim.
ALTER TABLE refresh_sessions ADD COLUMN device_key TEXT;

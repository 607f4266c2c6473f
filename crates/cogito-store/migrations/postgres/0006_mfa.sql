-- cogito PostgreSQL schema, version 6: multi-factor authentication (SQLite's 0009). Append-only
-- like 0001: never edit a released file.
--
-- users: the factors the user turned on, the preferred one, the verified and the pending TOTP
-- secret (sealed, bound to the user) and the last TOTP time step accepted. Written only by single
-- conditional UPDATEs. auth_sessions: the sealed challenge state and the answers tried.
ALTER TABLE users ADD COLUMN mfa_sms BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN mfa_totp BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN mfa_email BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN mfa_preferred TEXT;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

ALTER TABLE auth_sessions ADD COLUMN state TEXT;
ALTER TABLE auth_sessions ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;

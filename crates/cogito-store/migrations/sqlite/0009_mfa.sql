-- cogito SQLite schema, version 9: multi-factor authentication. Append-only like 0001: never
-- edit a released file.
--
-- users: which factors the user turned on (mfa_sms, mfa_totp, mfa_email, 0/1), the preferred one
-- (SMS_MFA / SOFTWARE_TOKEN_MFA / EMAIL_OTP or NULL), the verified TOTP secret and the one being
-- set up (both sealed under the master key and bound to the user), and the last TOTP time step
-- accepted (a code is accepted once). These columns are written only by single conditional
-- UPDATEs, never by the whole-row write of a user change.
ALTER TABLE users ADD COLUMN mfa_sms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN mfa_totp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN mfa_email INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN mfa_preferred TEXT;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

-- auth_sessions: the sealed, typed state of the challenge (e.g. which factor, the fingerprint of
-- the code sent) and the answers tried, counted before each is checked.
ALTER TABLE auth_sessions ADD COLUMN state TEXT;
ALTER TABLE auth_sessions ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;

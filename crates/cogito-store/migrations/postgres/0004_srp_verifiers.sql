-- cogito PostgreSQL schema, version 4: SRP verifiers (SQLite's 0007). Append-only like 0001:
-- never edit a released file.
--
-- srp_verifier: the salt and verifier of the user's current password for USER_SRP_AUTH, sealed
-- (AES-256-GCM under the master key, bound to the pool and sub), base64; written with every
-- password and NULL for passwords set before this version.
ALTER TABLE users ADD COLUMN srp_verifier TEXT;

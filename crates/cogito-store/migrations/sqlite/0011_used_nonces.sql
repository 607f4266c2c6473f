-- cogito SQLite schema, version 11: single-use values. Append-only like 0001: never edit a
-- released file.
--
-- used_nonces: the fingerprints of values that may be used once (the SECRET_BLOCK of an SRP
-- challenge), recorded when used; a second use finds the row. Not tied to a user, so a probe of a
-- name that matches nobody costs the same write as a real sign-in (security bar SEC-39). The
-- janitor deletes rows once the value has expired anyway.
CREATE TABLE used_nonces (
    id_hash     TEXT    NOT NULL PRIMARY KEY,
    expires_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX used_nonces_by_expiry ON used_nonces (expires_ms);

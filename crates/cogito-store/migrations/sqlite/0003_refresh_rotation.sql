-- Refresh tokens rotated out of a sign-in (app clients with RefreshTokenRotation): the digest of
-- each replaced token, the sign-in it belonged to and when it was replaced. A replay inside the
-- grace period is still honoured; after it, the replay is recognised as reuse and revokes the
-- whole sign-in (security bar SEC-19), where an unknown token would only be refused.
CREATE TABLE rotated_refresh_tokens (
    token_hash  TEXT    NOT NULL PRIMARY KEY,
    origin_jti  TEXT    NOT NULL REFERENCES refresh_sessions (origin_jti) ON DELETE CASCADE,
    rotated_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX rotated_refresh_tokens_by_origin ON rotated_refresh_tokens (origin_jti);

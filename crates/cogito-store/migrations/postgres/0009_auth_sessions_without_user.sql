-- A CUSTOM_AUTH flow also runs for a name no user has (existence errors hidden), so an auth
-- session may name no user: user_sub is NULL for such a flow. The foreign key stays.
ALTER TABLE auth_sessions ALTER COLUMN user_sub DROP NOT NULL;

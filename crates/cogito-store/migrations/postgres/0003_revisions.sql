-- cogito PostgreSQL schema, version 3: record revisions of pools and clients (SQLite's 0006).
-- Append-only like 0001: never edit a released file.
--
-- revision: moves on (+1) with every update of the row's record. An update names the revision
-- it read and matches no row when another write came first, so concurrent read-modify-writes of
-- one pool or client cannot overwrite each other (the loser re-reads and retries). The
-- config_versions trigger of 0002 fires on these updates as before.
ALTER TABLE pools ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- cogito SQLite schema, version 6: record revisions of pools and clients. Append-only like 0001:
-- never edit a released file.
--
-- revision: moves on (+1) with every update of the row's record. An update names the revision
-- it read and matches no row when another write came first, so concurrent read-modify-writes of
-- one pool or client cannot overwrite each other (the loser re-reads and retries). The
-- config_versions triggers of 0005 fire on these updates as before.
ALTER TABLE pools ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

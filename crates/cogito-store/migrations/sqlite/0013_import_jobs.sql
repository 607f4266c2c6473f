-- User import jobs (CreateUserImportJob …) with the CSV uploaded to their pre-signed URL, which
-- is dropped when the job ends. The upload token is sealed under the master key.
CREATE TABLE import_jobs (
    job_id        TEXT    NOT NULL PRIMARY KEY,
    pool_id       TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    role_arn      TEXT    NOT NULL,
    hashing       TEXT,
    status        TEXT    NOT NULL,
    upload_token  TEXT    NOT NULL,
    file          BLOB,
    created_ms    INTEGER NOT NULL,
    started_ms    INTEGER,
    completed_ms  INTEGER,
    imported      INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    message       TEXT,
    -- the last change: a started job silent for long is one whose instance stopped
    updated_ms    INTEGER NOT NULL
) STRICT;
CREATE INDEX import_jobs_by_pool ON import_jobs (pool_id, job_id);

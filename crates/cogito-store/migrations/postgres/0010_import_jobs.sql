-- User import jobs (CreateUserImportJob …) with the CSV uploaded to their pre-signed URL, which
-- is dropped when the job ends. The upload token is sealed under the master key.
CREATE TABLE import_jobs (
    job_id        text    COLLATE "C" NOT NULL PRIMARY KEY,
    pool_id       text    COLLATE "C" NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    name          text    NOT NULL,
    role_arn      text    NOT NULL,
    hashing       text,
    status        text    NOT NULL,
    upload_token  text    NOT NULL,
    file          bytea,
    created_ms    bigint  NOT NULL,
    started_ms    bigint,
    completed_ms  bigint,
    imported      bigint  NOT NULL DEFAULT 0,
    skipped       bigint  NOT NULL DEFAULT 0,
    failed        bigint  NOT NULL DEFAULT 0,
    message       text,
    -- the last change: a started job silent for long is one whose instance stopped
    updated_ms    bigint  NOT NULL
);
CREATE INDEX import_jobs_by_pool ON import_jobs (pool_id, job_id);

//! Cognito's import-job API: `GetCSVHeader`, `CreateUserImportJob` (with a pre-signed upload URL
//! that cogito serves itself), `StartUserImportJob`, `StopUserImportJob`,
//! `DescribeUserImportJob`, `ListUserImportJobs`.
//!
//! A job's state lives in the store, and every move of its status is one conditional write, so
//! a job starts once and a stop racing its end has one winner. A started job runs in the
//! background on the instance that started it ([`Cogito::run_import_job`]), in batches of
//! [`BATCH`] through the same import as `cogito users import`, checking between batches whether
//! it was asked to stop. Per-row failures are counted, and the first ones are named (with their
//! CSV line) in the job's `CompletionMessage`, where Cognito would write to CloudWatch.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{ImportOutcome, csv};
use crate::crypto::{fill_random, secrets_equal};
use crate::error::{CoreError, CoreResult};
use crate::model::{ImportJob, ImportJobStatus};
use crate::service::Cogito;
use crate::store::{Page, StoreError};

/// Users imported per transaction.
pub const BATCH: usize = 500;

/// The longest `CompletionMessage`.
const MESSAGE_MAX: usize = 128;

/// A started job whose progress has not moved for this long has lost its instance (a batch
/// takes seconds).
pub const STALE_AFTER_MS: i64 = 10 * 60 * 1000;

/// A job not started this long after its creation expires (and its file is dropped).
pub const EXPIRE_AFTER_MS: i64 = 24 * 3600 * 1000;

/// Failed rows named in the message (the rest are counted).
const NAMED_FAILURES: usize = 5;

/// The largest CSV accepted (Cognito's limit).
pub const MAX_FILE_BYTES: usize = 100 * 1024 * 1024;

fn job_not_found() -> CoreError {
    CoreError::ResourceNotFound("Import job not found.".into())
}

fn store_err(what: &str) -> impl FnOnce(StoreError) -> CoreError + '_ {
    move |e| match e {
        StoreError::NotFound => job_not_found(),
        e => CoreError::from_store(what, e),
    }
}

/// The input of `CreateUserImportJob`.
#[derive(Debug, Clone)]
pub struct NewImportJob {
    /// Pool.
    pub pool_id: String,
    /// `JobName`.
    pub name: String,
    /// `CloudWatchLogsRoleArn`.
    pub role_arn: String,
    /// `PasswordHashingAlgorithm`.
    pub hashing: Option<String>,
}

impl Cogito {
    /// `GetCSVHeader`.
    pub async fn csv_header(&self, pool_id: &str) -> CoreResult<Vec<String>> {
        Ok(csv::header(&self.pool(pool_id).await?))
    }

    /// `CreateUserImportJob`: the job and its upload token (for the pre-signed URL).
    pub async fn create_import_job(&self, input: NewImportJob) -> CoreResult<(ImportJob, String)> {
        self.pool(&input.pool_id).await?;
        let mut id = [0u8; 12];
        fill_random(&mut id);
        let mut token = [0u8; 32];
        fill_random(&mut token);
        let token = URL_SAFE_NO_PAD.encode(token);
        let job = ImportJob {
            pool_id: input.pool_id,
            job_id: format!("import-{}", hex::encode(id)),
            name: input.name,
            role_arn: input.role_arn,
            hashing: input.hashing,
            status: ImportJobStatus::Created,
            upload_token: URL_SAFE_NO_PAD.encode(self.sealer.seal(token.as_bytes())),
            uploaded: false,
            created_ms: self.clock.now_ms(),
            started_ms: None,
            completed_ms: None,
            imported: 0,
            skipped: 0,
            failed: 0,
            message: None,
        };
        self.store
            .insert_import_job(&job)
            .await
            .map_err(|e| CoreError::from_store("create import job", e))?;
        Ok((job, token))
    }

    /// The upload token of a job (for its pre-signed URL).
    pub fn import_upload_token(&self, job: &ImportJob) -> CoreResult<String> {
        let sealed = URL_SAFE_NO_PAD
            .decode(&job.upload_token)
            .map_err(|_| CoreError::Internal("upload token unreadable".into()))?;
        let plain = self
            .sealer
            .open(&sealed)
            .map_err(|_| CoreError::Internal("upload token does not open".into()))?;
        String::from_utf8(plain).map_err(|_| CoreError::Internal("upload token".into()))
    }

    /// `DescribeUserImportJob`.
    pub async fn describe_import_job(&self, pool_id: &str, job_id: &str) -> CoreResult<ImportJob> {
        self.pool(pool_id).await?;
        self.store
            .get_import_job(pool_id, job_id)
            .await
            .map_err(store_err("describe import job"))
    }

    /// `ListUserImportJobs`.
    pub async fn list_import_jobs(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> CoreResult<Page<ImportJob>> {
        self.pool(pool_id).await?;
        self.store
            .list_import_jobs(pool_id, cursor, limit)
            .await
            .map_err(|e| CoreError::from_store("list import jobs", e))
    }

    /// Checks an upload URL before its body is read: the job's token, while the job is
    /// `Created`. Every refusal is the same `NotAuthorized`, so the URL tells nothing about jobs.
    pub async fn authorize_import_upload(&self, job_id: &str, token: &str) -> CoreResult<()> {
        let refused = || CoreError::NotAuthorized("The upload URL is not valid.".into());
        let job = self
            .store
            .find_import_job(job_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => refused(),
                e => CoreError::from_store("find import job", e),
            })?;
        let expected = self.import_upload_token(&job)?;
        if !secrets_equal(expected.as_bytes(), token.as_bytes()) {
            return Err(refused());
        }
        if job.status != ImportJobStatus::Created {
            return Err(CoreError::PreconditionNotMet(
                "The import job has already started.".into(),
            ));
        }
        Ok(())
    }

    /// An upload to a job's pre-signed URL (the edge calls
    /// [`Cogito::authorize_import_upload`] before reading the body): stored while the job is
    /// still `Created`.
    pub async fn upload_import_file(
        &self,
        job_id: &str,
        token: &str,
        file: &[u8],
    ) -> CoreResult<()> {
        self.authorize_import_upload(job_id, token).await?;
        if file.len() > MAX_FILE_BYTES {
            return Err(CoreError::invalid("The file is larger than 100 MB."));
        }
        match self.store.put_import_file(job_id, file).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(CoreError::PreconditionNotMet(
                "The import job has already started.".into(),
            )),
            Err(e) => Err(CoreError::from_store("upload import file", e)),
        }
    }

    /// `StartUserImportJob`: `Created` → `Pending`. The caller then runs
    /// [`Cogito::run_import_job`] in the background.
    pub async fn start_import_job(&self, pool_id: &str, job_id: &str) -> CoreResult<ImportJob> {
        self.describe_import_job(pool_id, job_id).await?;
        let moved = self
            .store
            .set_import_status(
                job_id,
                &[ImportJobStatus::Created],
                ImportJobStatus::Pending,
                self.clock.now_ms(),
                None,
            )
            .await
            .map_err(store_err("start import job"))?;
        if !moved {
            return Err(CoreError::PreconditionNotMet(
                "The import job is not in Created status.".into(),
            ));
        }
        self.describe_import_job(pool_id, job_id).await
    }

    /// `StopUserImportJob`: a `Pending` job stops at once, a running one after its batch.
    pub async fn stop_import_job(&self, pool_id: &str, job_id: &str) -> CoreResult<ImportJob> {
        use ImportJobStatus::{InProgress, Pending, Stopped, Stopping};
        self.describe_import_job(pool_id, job_id).await?;
        let now = self.clock.now_ms();
        let store = &self.store;
        let stopped = store
            .set_import_status(job_id, &[Pending], Stopped, now, None)
            .await
            .map_err(store_err("stop import job"))?
            || store
                .set_import_status(job_id, &[InProgress], Stopping, now, None)
                .await
                .map_err(store_err("stop import job"))?;
        if !stopped {
            return Err(CoreError::PreconditionNotMet(
                "The import job is not in Pending or InProgress status.".into(),
            ));
        }
        self.describe_import_job(pool_id, job_id).await
    }

    /// Runs a started job to its end. Failures are recorded in the job, never returned.
    pub async fn run_import_job(&self, pool_id: &str, job_id: &str) {
        if let Err(e) = self.run_job(pool_id, job_id).await {
            tracing::warn!(job = %job_id, error = %e, "import job failed");
            if let Err(e) = self.fail_job(job_id, &format!("Import failed: {e}")).await {
                tracing::warn!(job = %job_id, error = %e, "could not record the failure");
            }
        }
    }

    /// Ends a job as `Failed` with `message` in one conditional statement (the counts recorded
    /// so far stay); a job that has ended meanwhile keeps its own outcome.
    async fn fail_job(&self, job_id: &str, message: &str) -> Result<(), StoreError> {
        use ImportJobStatus::{Failed, InProgress, Pending, Stopping};
        self.store
            .set_import_status(
                job_id,
                &[Pending, InProgress, Stopping],
                Failed,
                self.clock.now_ms(),
                Some(&clip(message)),
            )
            .await
            .map(|_| ())
    }

    /// Ends the jobs nobody will finish: started jobs silent for [`STALE_AFTER_MS`] (their
    /// instance stopped) fail, jobs never started within [`EXPIRE_AFTER_MS`] expire. Run by the
    /// janitor on every instance.
    pub async fn settle_import_jobs(&self) -> CoreResult<u64> {
        let now = self.clock.now_ms();
        self.store
            .settle_import_jobs(now, now - STALE_AFTER_MS, now - EXPIRE_AFTER_MS)
            .await
            .map_err(|e| CoreError::from_store("settle import jobs", e))
    }

    async fn run_job(&self, pool_id: &str, job_id: &str) -> CoreResult<()> {
        use ImportJobStatus::{InProgress, Pending, Stopped, Stopping, Succeeded};
        let store = &self.store;
        let err = |e| CoreError::from_store("import job", e);
        if !store
            .set_import_status(job_id, &[Pending], InProgress, self.clock.now_ms(), None)
            .await
            .map_err(err)?
        {
            return Ok(()); // stopped before it ran
        }
        let Some(file) = store.import_file(job_id).await.map_err(err)? else {
            return self
                .fail_job(job_id, "No CSV file was uploaded to the pre-signed URL.")
                .await
                .map_err(err);
        };
        let rows = match csv::read(String::new(), file.as_slice()) {
            Ok(rows) => rows,
            Err(e) => return self.fail_job(job_id, &e).await.map_err(err),
        };
        let (mut imported, mut skipped, mut failed) = (0i64, 0i64, 0i64);
        let mut failures: Vec<String> = Vec::new();
        for chunk in rows.chunks(BATCH) {
            let job = store.find_import_job(job_id).await.map_err(err)?;
            if job.status == Stopping {
                store
                    .set_import_status(job_id, &[Stopping], Stopped, self.clock.now_ms(), None)
                    .await
                    .map_err(err)?;
                return Ok(());
            }
            let mut lines = Vec::with_capacity(chunk.len());
            let mut users = Vec::with_capacity(chunk.len());
            for (line, row) in chunk {
                match row {
                    Ok(u) => {
                        lines.push(*line);
                        users.push(u.clone());
                    }
                    Err(e) => {
                        failed += 1;
                        if failures.len() < NAMED_FAILURES {
                            failures.push(format!("line {line}: {e}"));
                        }
                    }
                }
            }
            if !users.is_empty() {
                for (line, outcome) in lines
                    .into_iter()
                    .zip(self.import_users(pool_id, None, users).await?)
                {
                    match outcome {
                        ImportOutcome::Imported => imported += 1,
                        ImportOutcome::AlreadyPresent => skipped += 1,
                        ImportOutcome::Refused(e) => {
                            failed += 1;
                            if failures.len() < NAMED_FAILURES {
                                failures.push(format!("line {line}: {e}"));
                            }
                        }
                    }
                }
            }
            store
                .record_import_progress(
                    job_id,
                    (imported, skipped, failed),
                    None,
                    self.clock.now_ms(),
                )
                .await
                .map_err(err)?;
        }
        let message = if failures.is_empty() {
            "Import Job Completed Successfully.".to_owned()
        } else {
            format!(
                "Import Job Completed with {failed} failed users. {}",
                failures.join("; ")
            )
        };
        store
            .record_import_progress(
                job_id,
                (imported, skipped, failed),
                Some(&clip(&message)),
                self.clock.now_ms(),
            )
            .await
            .map_err(err)?;
        if !store
            .set_import_status(job_id, &[InProgress], Succeeded, self.clock.now_ms(), None)
            .await
            .map_err(err)?
        {
            // Asked to stop during the last batch: everything was imported anyway.
            store
                .set_import_status(job_id, &[Stopping], Stopped, self.clock.now_ms(), None)
                .await
                .map_err(err)?;
        }
        Ok(())
    }
}

/// A message cut to [`MESSAGE_MAX`] characters.
fn clip(text: &str) -> String {
    if text.chars().count() <= MESSAGE_MAX {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(MESSAGE_MAX - 1).collect();
    out.push('…');
    out
}

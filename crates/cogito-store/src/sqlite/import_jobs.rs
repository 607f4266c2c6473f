//! [`ImportJobStore`] for SQLite: the `import_jobs` table, every change one
//! conditional statement.

use async_trait::async_trait;
use cogito_core::model::{ImportJob, ImportJobStatus};
use cogito_core::store::{ImportJobStore, Page, StoreError, StoreResult};
use sqlx::Row;

use super::{SqliteStore, db_err};
use crate::paging::{finish_page, key_cursor, page_size, parse_key_cursor};

/// The columns a job is read from.
macro_rules! job_columns {
    () => {
        "job_id, pool_id, name, role_arn, hashing, status, upload_token, \
         (file IS NOT NULL) AS uploaded, created_ms, started_ms, completed_ms, imported, \
         skipped, failed, message"
    };
}

fn job_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<ImportJob> {
    let status: String = row.try_get("status").map_err(db_err)?;
    Ok(ImportJob {
        job_id: row.try_get("job_id").map_err(db_err)?,
        pool_id: row.try_get("pool_id").map_err(db_err)?,
        name: row.try_get("name").map_err(db_err)?,
        role_arn: row.try_get("role_arn").map_err(db_err)?,
        hashing: row.try_get("hashing").map_err(db_err)?,
        status: ImportJobStatus::parse(&status)
            .ok_or_else(|| StoreError::Unavailable(format!("unknown job status `{status}`")))?,
        upload_token: row.try_get("upload_token").map_err(db_err)?,
        uploaded: row.try_get("uploaded").map_err(db_err)?,
        created_ms: row.try_get("created_ms").map_err(db_err)?,
        started_ms: row.try_get("started_ms").map_err(db_err)?,
        completed_ms: row.try_get("completed_ms").map_err(db_err)?,
        imported: row.try_get("imported").map_err(db_err)?,
        skipped: row.try_get("skipped").map_err(db_err)?,
        failed: row.try_get("failed").map_err(db_err)?,
        message: row.try_get("message").map_err(db_err)?,
    })
}

#[async_trait]
impl ImportJobStore for SqliteStore {
    async fn insert_import_job(&self, job: &ImportJob) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO import_jobs (job_id, pool_id, name, role_arn, hashing, status, \
             upload_token, created_ms, updated_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        )
        .bind(&job.job_id)
        .bind(&job.pool_id)
        .bind(&job.name)
        .bind(&job.role_arn)
        .bind(&job.hashing)
        .bind(job.status.as_str())
        .bind(&job.upload_token)
        .bind(job.created_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn get_import_job(&self, pool_id: &str, job_id: &str) -> StoreResult<ImportJob> {
        let row = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM import_jobs WHERE pool_id = ?1 AND job_id = ?2"
        ))
        .bind(pool_id)
        .bind(job_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        job_from_row(&row)
    }

    async fn find_import_job(&self, job_id: &str) -> StoreResult<ImportJob> {
        let row = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM import_jobs WHERE job_id = ?1"
        ))
        .bind(job_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        job_from_row(&row)
    }

    async fn list_import_jobs(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<ImportJob>> {
        let after = cursor
            .map(parse_key_cursor)
            .transpose()?
            .unwrap_or_default();
        let size = page_size(limit);
        let rows = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM import_jobs WHERE pool_id = ?1 AND job_id > ?2 ORDER BY job_id LIMIT ?3"
        ))
        .bind(pool_id)
        .bind(after)
        .bind(i64::from(size) + 1)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let jobs = rows
            .iter()
            .map(job_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(finish_page(jobs, size, |j| key_cursor(&j.job_id)))
    }

    async fn put_import_file(&self, job_id: &str, file: &[u8]) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE import_jobs SET file = ?2 WHERE job_id = ?1 AND status = 'Created'",
        )
        .bind(job_id)
        .bind(file)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn import_file(&self, job_id: &str) -> StoreResult<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT file FROM import_jobs WHERE job_id = ?1")
            .bind(job_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        row.try_get("file").map_err(db_err)
    }

    async fn set_import_status(
        &self,
        job_id: &str,
        from: &[ImportJobStatus],
        to: ImportJobStatus,
        at_ms: i64,
        message: Option<&str>,
    ) -> StoreResult<bool> {
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let list =
            serde_json::to_string(&from).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let done = sqlx::query(
            "UPDATE import_jobs SET status = ?2, updated_ms = ?4, \
             message = COALESCE(?6, message), \
             started_ms = CASE WHEN ?2 = 'InProgress' THEN ?4 ELSE started_ms END, \
             completed_ms = CASE WHEN ?5 THEN ?4 ELSE completed_ms END, \
             file = CASE WHEN ?5 THEN NULL ELSE file END \
             WHERE job_id = ?1 AND status IN (SELECT value FROM json_each(?3))",
        )
        .bind(job_id)
        .bind(to.as_str())
        .bind(list)
        .bind(at_ms)
        .bind(to.is_final())
        .bind(message)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_import_progress(
        &self,
        job_id: &str,
        counts: (i64, i64, i64),
        message: Option<&str>,
        at_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE import_jobs SET imported = ?2, skipped = ?3, failed = ?4, \
             message = COALESCE(?5, message), updated_ms = ?6 WHERE job_id = ?1",
        )
        .bind(job_id)
        .bind(counts.0)
        .bind(counts.1)
        .bind(counts.2)
        .bind(message)
        .bind(at_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn settle_import_jobs(
        &self,
        now_ms: i64,
        stale_before_ms: i64,
        expire_before_ms: i64,
    ) -> StoreResult<u64> {
        let failed = sqlx::query(
            "UPDATE import_jobs SET status = 'Failed', completed_ms = ?1, updated_ms = ?1, \
             file = NULL, message = 'The instance running the job stopped before it ended.' \
             WHERE status IN ('Pending', 'InProgress', 'Stopping') AND updated_ms < ?2",
        )
        .bind(now_ms)
        .bind(stale_before_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        let expired = sqlx::query(
            "UPDATE import_jobs SET status = 'Expired', completed_ms = ?1, updated_ms = ?1, \
             file = NULL WHERE status = 'Created' AND created_ms < ?2",
        )
        .bind(now_ms)
        .bind(expire_before_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(failed.rows_affected() + expired.rows_affected())
    }
}

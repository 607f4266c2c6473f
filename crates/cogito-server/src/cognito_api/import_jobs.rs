//! Import-job operations: `GetCSVHeader`, `CreateUserImportJob`, `StartUserImportJob`,
//! `StopUserImportJob`, `DescribeUserImportJob`, `ListUserImportJobs`. The pre-signed URL a
//! job is created with points at cogito itself ([`upload`]); a started job runs in the
//! background on this instance.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cogito_core::model::ImportJob;
use cogito_core::service::Cogito;
use cogito_core::service::transfer::jobs::MAX_FILE_BYTES;
use cogito_core::service::transfer::jobs::NewImportJob;
use serde::Deserialize;
use serde_json::{Value, json};

use super::wire::{OpResult, decode, limit, timestamp};
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct JobInput {
    user_pool_id: String,
    #[serde(default)]
    job_id: String,
    #[serde(default)]
    job_name: String,
    #[serde(default)]
    cloud_watch_logs_role_arn: String,
    password_hashing_algorithm: Option<String>,
    max_results: Option<u32>,
    pagination_token: Option<String>,
}

/// The URL a job's CSV is uploaded to.
fn upload_url(core: &Cogito, job: &ImportJob) -> Value {
    match core.import_upload_token(job) {
        Ok(token) => json!(format!(
            "{}/_import/{}?token={token}",
            core.config.public_url.trim_end_matches('/'),
            job.job_id
        )),
        Err(_) => Value::Null,
    }
}

/// `UserImportJobType`.
fn job_type(core: &Cogito, job: &ImportJob) -> Value {
    let mut out = json!({
        "JobName": job.name,
        "JobId": job.job_id,
        "UserPoolId": job.pool_id,
        "PreSignedUrl": upload_url(core, job),
        "CreationDate": timestamp(job.created_ms),
        "Status": job.status.as_str(),
        "CloudWatchLogsRoleArn": job.role_arn,
        "ImportedUsers": job.imported,
        "SkippedUsers": job.skipped,
        "FailedUsers": job.failed,
    });
    if let Some(ms) = job.started_ms {
        out["StartDate"] = timestamp(ms);
    }
    if let Some(ms) = job.completed_ms {
        out["CompletionDate"] = timestamp(ms);
    }
    if let Some(m) = &job.message {
        out["CompletionMessage"] = json!(m);
    }
    if let Some(h) = &job.hashing {
        out["PasswordHashingAlgorithm"] = json!(h);
    }
    out
}

/// `GetCSVHeader`.
pub async fn get_csv_header(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: JobInput = decode(input)?;
    let header = core.csv_header(&i.user_pool_id).await?;
    Ok(json!({ "UserPoolId": i.user_pool_id, "CSVHeader": header }))
}

/// `CreateUserImportJob`.
pub async fn create_user_import_job(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: JobInput = decode(input)?;
    let (job, _) = core
        .create_import_job(NewImportJob {
            pool_id: i.user_pool_id,
            name: i.job_name,
            role_arn: i.cloud_watch_logs_role_arn,
            hashing: i.password_hashing_algorithm,
        })
        .await?;
    Ok(json!({ "UserImportJob": job_type(&core, &job) }))
}

/// `StartUserImportJob`: the job runs in the background.
pub async fn start_user_import_job(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: JobInput = decode(input)?;
    let job = core.start_import_job(&i.user_pool_id, &i.job_id).await?;
    let runner = core.clone();
    let (pool, id) = (job.pool_id.clone(), job.job_id.clone());
    tokio::spawn(async move { runner.run_import_job(&pool, &id).await });
    Ok(json!({ "UserImportJob": job_type(&core, &job) }))
}

/// `StopUserImportJob`.
pub async fn stop_user_import_job(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: JobInput = decode(input)?;
    let job = core.stop_import_job(&i.user_pool_id, &i.job_id).await?;
    Ok(json!({ "UserImportJob": job_type(&core, &job) }))
}

/// `DescribeUserImportJob`.
pub async fn describe_user_import_job(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: JobInput = decode(input)?;
    let job = core.describe_import_job(&i.user_pool_id, &i.job_id).await?;
    Ok(json!({ "UserImportJob": job_type(&core, &job) }))
}

/// `ListUserImportJobs`.
pub async fn list_user_import_jobs(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: JobInput = decode(input)?;
    let page = core
        .list_import_jobs(
            &i.user_pool_id,
            i.pagination_token.as_deref(),
            limit(i.max_results),
        )
        .await?;
    Ok(super::wire::page(
        page,
        "UserImportJobs",
        "PaginationToken",
        |j| job_type(&core, j),
    ))
}

/// The query of an upload URL.
#[derive(Deserialize)]
pub struct UploadQuery {
    token: Option<String>,
}

/// `PUT /_import/{job_id}?token=…`: the pre-signed upload of a job's CSV, answered as S3 would
/// (200 empty; 403 for a wrong URL). The URL is checked before the body is read, so a caller
/// without it cannot make the server hold a large body.
pub async fn upload(
    State(state): State<AppState>,
    Path(job_id): Path<String>,
    Query(q): Query<UploadQuery>,
    body: Body,
) -> Response {
    let token = q.token.unwrap_or_default();
    let body = match state.core.authorize_import_upload(&job_id, &token).await {
        Ok(()) => match axum::body::to_bytes(body, MAX_FILE_BYTES).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The file is larger than 100 MB.",
                )
                    .into_response();
            }
        },
        Err(e) => return upload_error(e),
    };
    match state.core.upload_import_file(&job_id, &token, &body).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => upload_error(e),
    }
}

fn upload_error(e: cogito_core::CoreError) -> Response {
    match e {
        cogito_core::CoreError::NotAuthorized(m) => (StatusCode::FORBIDDEN, m).into_response(),
        cogito_core::CoreError::Internal(m) => {
            tracing::warn!(error = %m, "import upload failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        e => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

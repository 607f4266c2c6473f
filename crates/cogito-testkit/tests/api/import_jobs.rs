//! Cognito's import-job API through the SDK: a CSV made with `GetCSVHeader`'s columns, uploaded
//! to the job's pre-signed URL (served by cogito), imported in the background; its users are
//! `RESET_REQUIRED` and set a password with ForgotPassword; a malformed row is named in the
//! job's result. Status moves happen once; a wrong upload URL is refused; a job started
//! without a file fails.

use std::time::Duration;

use cogito_testkit::TestApp;
use cogito_testkit::sdk;
use sdk::types::{AuthFlowType, UserImportJobStatusType as Status, UserStatusType};

use crate::helpers::err;

const ROLE: &str = "arn:aws:iam::123456789012:role/CognitoImport";

async fn create_job(app: &TestApp, pool: &str, name: &str) -> sdk::types::UserImportJobType {
    app.sdk
        .create_user_import_job()
        .user_pool_id(pool)
        .job_name(name)
        .cloud_watch_logs_role_arn(ROLE)
        .send()
        .await
        .expect("create job")
        .user_import_job
        .expect("job")
}

async fn wait_for_end(app: &TestApp, pool: &str, job: &str) -> sdk::types::UserImportJobType {
    for _ in 0..200 {
        let got = app
            .sdk
            .describe_user_import_job()
            .user_pool_id(pool)
            .job_id(job)
            .send()
            .await
            .unwrap()
            .user_import_job
            .unwrap();
        if matches!(
            got.status(),
            Some(Status::Succeeded | Status::Failed | Status::Stopped)
        ) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {job} did not end");
}

#[tokio::test]
async fn a_csv_made_from_get_csv_header_imports_users_as_reset_required() {
    let app = TestApp::spawn().await;
    let pool = app.pool("imports").await;
    let (client, _) = app.client(&pool, false).await;
    let header = app
        .sdk
        .get_csv_header()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(header.user_pool_id(), Some(pool.as_str()));
    let columns = header.csv_header().to_vec();
    for c in [
        "email",
        "email_verified",
        "cognito:username",
        "cognito:mfa_enabled",
    ] {
        assert!(columns.iter().any(|h| h == c), "{c} in {columns:?}");
    }
    assert!(!columns.iter().any(|h| h == "sub"));
    let row = |values: &[(&str, &str)]| {
        columns
            .iter()
            .map(|c| values.iter().find(|(k, _)| k == c).map_or("", |(_, v)| *v))
            .collect::<Vec<_>>()
            .join(",")
    };
    let csv = [
        columns.join(","),
        row(&[
            ("cognito:username", "erin"),
            ("email", "erin@example.com"),
            ("email_verified", "true"),
            ("cognito:mfa_enabled", "false"),
        ]),
        "broken,row".to_owned(),
        row(&[
            ("cognito:username", "frank"),
            ("email", "frank@example.com"),
            ("email_verified", "true"),
            ("cognito:mfa_enabled", "false"),
        ]),
    ]
    .join("\n")
        + "\n";

    let job = create_job(&app, &pool, "first-import").await;
    assert_eq!(job.status(), Some(&Status::Created));
    let job_id = job.job_id().unwrap().to_owned();
    assert!(job_id.starts_with("import-"));
    let url = job.pre_signed_url().unwrap().to_owned();
    assert!(url.starts_with(&app.url), "{url}");
    let http = reqwest::Client::new();
    // A wrong token is refused and stores nothing.
    let forged = url.split("token=").next().unwrap().to_owned() + "token=forged";
    let refused = http.put(&forged).body(csv.clone()).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let put = http
        .put(&url)
        .header("x-amz-server-side-encryption", "aws:kms")
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);

    let started = app
        .sdk
        .start_user_import_job()
        .user_pool_id(&pool)
        .job_id(&job_id)
        .send()
        .await
        .unwrap();
    assert!(matches!(
        started.user_import_job().unwrap().status(),
        Some(Status::Pending | Status::InProgress)
    ));
    let (code, _) = err(app
        .sdk
        .start_user_import_job()
        .user_pool_id(&pool)
        .job_id(&job_id)
        .send()
        .await);
    assert_eq!(code, "PreconditionNotMetException");
    let done = wait_for_end(&app, &pool, &job_id).await;
    assert_eq!(done.status(), Some(&Status::Succeeded));
    assert_eq!(done.imported_users(), 2);
    assert_eq!(done.failed_users(), 1);
    assert_eq!(done.skipped_users(), 0);
    let message = done.completion_message().unwrap_or_default();
    assert!(message.contains("line 3"), "{message}");
    assert!(done.start_date().is_some() && done.completion_date().is_some());
    // Uploads end with the start.
    let late = http.put(&url).body("x").send().await.unwrap();
    assert_eq!(late.status(), 400);

    for name in ["erin", "frank"] {
        let user = app
            .sdk
            .admin_get_user()
            .user_pool_id(&pool)
            .username(name)
            .send()
            .await
            .unwrap();
        assert_eq!(user.user_status(), Some(&UserStatusType::ResetRequired));
    }
    // As on Cognito, an imported user sets a password with ForgotPassword.
    app.sdk
        .forgot_password()
        .client_id(&client)
        .username("erin")
        .send()
        .await
        .expect("forgot password");
    let code = app.latest_code("erin").await;
    app.sdk
        .confirm_forgot_password()
        .client_id(&client)
        .username("erin")
        .confirmation_code(code)
        .password("Erin-Passw0rd!")
        .send()
        .await
        .expect("confirm forgot password");
    app.sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "erin")
        .auth_parameters("PASSWORD", "Erin-Passw0rd!")
        .send()
        .await
        .expect("sign-in after reset");

    let listed = app
        .sdk
        .list_user_import_jobs()
        .user_pool_id(&pool)
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert!(
        listed
            .user_import_jobs()
            .iter()
            .any(|j| j.job_id() == Some(job_id.as_str()))
    );
    let (code, _) = err(app
        .sdk
        .stop_user_import_job()
        .user_pool_id(&pool)
        .job_id(&job_id)
        .send()
        .await);
    assert_eq!(code, "PreconditionNotMetException");
    let (code, _) = err(app
        .sdk
        .describe_user_import_job()
        .user_pool_id(&pool)
        .job_id("import-doesnotexist")
        .send()
        .await);
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn a_job_started_without_a_file_fails_and_a_created_job_cannot_be_stopped() {
    let app = TestApp::spawn().await;
    let pool = app.pool("imports").await;
    let job = create_job(&app, &pool, "empty").await;
    let job_id = job.job_id().unwrap();
    let (code, _) = err(app
        .sdk
        .stop_user_import_job()
        .user_pool_id(&pool)
        .job_id(job_id)
        .send()
        .await);
    assert_eq!(code, "PreconditionNotMetException");
    app.sdk
        .start_user_import_job()
        .user_pool_id(&pool)
        .job_id(job_id)
        .send()
        .await
        .unwrap();
    let done = wait_for_end(&app, &pool, job_id).await;
    assert_eq!(done.status(), Some(&Status::Failed));
    assert!(
        done.completion_message()
            .unwrap_or_default()
            .contains("No CSV file"),
        "{done:?}"
    );
    let (code, _) = err(app
        .sdk
        .create_user_import_job()
        .user_pool_id("us-east-1_missing00")
        .job_name("x")
        .cloud_watch_logs_role_arn(ROLE)
        .send()
        .await);
    assert_eq!(code, "ResourceNotFoundException");
}

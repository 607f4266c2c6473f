//! `ImportJobStore`: jobs per pool, the upload only while `Created`, status moves that happen
//! once (two starts or a stop racing an end have one winner), the file dropped at the end.

use std::sync::Arc;

use cogito_core::model::{ImportJob, ImportJobStatus};
use cogito_core::store::{Store, StoreError};

use crate::support::*;

fn job(pool: &str, id: &str) -> ImportJob {
    ImportJob {
        pool_id: pool.into(),
        job_id: id.into(),
        name: format!("job {id}"),
        role_arn: "arn:aws:iam::123456789012:role/import".into(),
        hashing: None,
        status: ImportJobStatus::Created,
        upload_token: "sealed-token".into(),
        uploaded: false,
        created_ms: 1_000,
        started_ms: None,
        completed_ms: None,
        imported: 0,
        skipped: 0,
        failed: 0,
        message: None,
    }
}

pub async fn import_jobs_run_once_and_drop_their_file(store: Arc<dyn Store>) {
    use ImportJobStatus::*;
    seed_pool(&*store, "p").await;
    assert!(matches!(
        store.insert_import_job(&job("missing", "import-0")).await,
        Err(StoreError::NotFound)
    ));
    for id in ["import-b", "import-a", "import-c"] {
        store.insert_import_job(&job("p", id)).await.unwrap();
    }
    let first = store.list_import_jobs("p", None, 2).await.unwrap();
    let ids: Vec<&str> = first.items.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(ids, ["import-a", "import-b"]);
    let rest = store
        .list_import_jobs("p", first.next.as_deref(), 2)
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert!(rest.next.is_none());
    assert_eq!(
        store.get_import_job("p", "import-a").await.unwrap(),
        job("p", "import-a")
    );
    assert!(matches!(
        store.get_import_job("other", "import-a").await,
        Err(StoreError::NotFound)
    ));

    assert_eq!(store.import_file("import-a").await.unwrap(), None);
    assert!(
        store
            .put_import_file("import-a", b"h1\nv1\n")
            .await
            .unwrap()
    );
    assert!(store.find_import_job("import-a").await.unwrap().uploaded);
    assert_eq!(
        store.import_file("import-a").await.unwrap().as_deref(),
        Some(&b"h1\nv1\n"[..])
    );
    // Two starts: one wins.
    let (a, b) = tokio::join!(
        store.set_import_status("import-a", &[Created], Pending, 2_000, None),
        store.set_import_status("import-a", &[Created], Pending, 2_000, None)
    );
    assert!(a.unwrap() ^ b.unwrap(), "exactly one start wins");
    // No upload once started.
    assert!(!store.put_import_file("import-a", b"other").await.unwrap());
    assert!(
        store
            .set_import_status("import-a", &[Pending], InProgress, 3_000, None)
            .await
            .unwrap()
    );
    store
        .record_import_progress("import-a", (5, 1, 2), Some("line 3: bad"), 3_500)
        .await
        .unwrap();
    assert!(
        store
            .set_import_status("import-a", &[InProgress, Stopping], Succeeded, 4_000, None)
            .await
            .unwrap()
    );
    let done = store.get_import_job("p", "import-a").await.unwrap();
    assert_eq!(done.status, Succeeded);
    assert_eq!(done.started_ms, Some(3_000));
    assert_eq!(done.completed_ms, Some(4_000));
    assert_eq!((done.imported, done.skipped, done.failed), (5, 1, 2));
    assert_eq!(done.message.as_deref(), Some("line 3: bad"));
    assert!(!done.uploaded, "the file is dropped when the job ends");
    // A stop after the end changes nothing.
    assert!(
        !store
            .set_import_status("import-a", &[Pending, InProgress], Stopping, 5_000, None)
            .await
            .unwrap()
    );
    // Jobs nobody finishes: b started at 6 000 and went silent, c was never started.
    assert!(
        store
            .set_import_status("import-b", &[Created], Pending, 6_000, None)
            .await
            .unwrap()
    );
    assert_eq!(
        store.settle_import_jobs(7_000, 5_000, 500).await.unwrap(),
        0,
        "nothing stale yet"
    );
    assert_eq!(
        store
            .settle_import_jobs(20_000, 10_000, 5_000)
            .await
            .unwrap(),
        2
    );
    let b = store.get_import_job("p", "import-b").await.unwrap();
    assert_eq!(b.status, Failed);
    assert!(b.message.unwrap().contains("stopped"));
    assert_eq!(
        store.get_import_job("p", "import-c").await.unwrap().status,
        Expired
    );
    let a = store.get_import_job("p", "import-a").await.unwrap();
    assert_eq!(a.status, Succeeded, "an ended job stays as it ended");
    store.delete_pool("p").await.unwrap();
    assert!(matches!(
        store.find_import_job("import-b").await,
        Err(StoreError::NotFound)
    ));
}

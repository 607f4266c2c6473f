//! User import jobs (`CreateUserImportJob` …): a CSV uploaded to a pre-signed URL, then imported
//! in the background, with its progress and outcome.

/// `UserImportJobStatusType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportJobStatus {
    /// Created, waiting for its file and a start.
    Created,
    /// Started, not yet running.
    Pending,
    /// Importing.
    InProgress,
    /// Asked to stop; stops after the batch in flight.
    Stopping,
    /// Never started in time.
    Expired,
    /// Stopped before the end.
    Stopped,
    /// Could not run (no file, unreadable header).
    Failed,
    /// Ran to the end (rows may have failed; see the counts).
    Succeeded,
}

impl ImportJobStatus {
    /// Every status.
    pub const ALL: [Self; 8] = [
        Self::Created,
        Self::Pending,
        Self::InProgress,
        Self::Stopping,
        Self::Expired,
        Self::Stopped,
        Self::Failed,
        Self::Succeeded,
    ];

    /// Cognito's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "Created",
            Self::Pending => "Pending",
            Self::InProgress => "InProgress",
            Self::Stopping => "Stopping",
            Self::Expired => "Expired",
            Self::Stopped => "Stopped",
            Self::Failed => "Failed",
            Self::Succeeded => "Succeeded",
        }
    }

    /// Parses Cognito's name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether the job has ended.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Expired | Self::Stopped | Self::Failed | Self::Succeeded
        )
    }
}

/// A user import job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJob {
    /// Pool the users go into.
    pub pool_id: String,
    /// `import-…`.
    pub job_id: String,
    /// `JobName`.
    pub name: String,
    /// `CloudWatchLogsRoleArn` (kept and shown; cogito reports in the job itself).
    pub role_arn: String,
    /// `PasswordHashingAlgorithm`, if given.
    pub hashing: Option<String>,
    /// Status.
    pub status: ImportJobStatus,
    /// The upload token of the pre-signed URL, sealed.
    pub upload_token: String,
    /// Whether a file was uploaded.
    pub uploaded: bool,
    /// Created, epoch ms.
    pub created_ms: i64,
    /// Started, epoch ms.
    pub started_ms: Option<i64>,
    /// Ended, epoch ms.
    pub completed_ms: Option<i64>,
    /// Users imported.
    pub imported: i64,
    /// Users skipped (already in the pool).
    pub skipped: i64,
    /// Rows that failed.
    pub failed: i64,
    /// `CompletionMessage`.
    pub message: Option<String>,
}

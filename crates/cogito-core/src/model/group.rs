//! Groups: named sets of users whose names travel in `cognito:groups`.

/// A group in a user pool (reference §8.12).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Pool the group belongs to.
    pub pool_id: String,
    /// Unique (per pool) group name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Lower wins when choosing `cognito:preferred_role`.
    pub precedence: Option<i64>,
    /// IAM role ARN, carried in `cognito:roles`.
    pub role_arn: Option<String>,
    /// Creation time, epoch ms.
    pub created_ms: i64,
    /// Last modification, epoch ms.
    pub modified_ms: i64,
}

//! `CoreError`: one variant per outcome a client can see. Each variant becomes exactly one
//! Cognito exception (its `__type`); the edge renders it as Cognito JSON, OAuth2 JSON or HTML.

use crate::store::StoreError;

/// An error a caller of a core service can see. The message is client-safe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    /// `NotAuthorizedException`: bad credentials, tokens, secret hash, disabled user, lockout.
    #[error("{0}")]
    NotAuthorized(String),
    /// `UserNotFoundException` (only where existence errors are not prevented).
    #[error("{0}")]
    UserNotFound(String),
    /// `UsernameExistsException`.
    #[error("{0}")]
    UsernameExists(String),
    /// `UserNotConfirmedException`.
    #[error("{0}")]
    UserNotConfirmed(String),
    /// `PasswordResetRequiredException`.
    #[error("{0}")]
    PasswordResetRequired(String),
    /// `InvalidParameterException`: invalid input or a state that forbids the request.
    #[error("{0}")]
    InvalidParameter(String),
    /// `InvalidPasswordException`: the password breaks the pool's policy.
    #[error("{0}")]
    InvalidPassword(String),
    /// `PasswordHistoryPolicyViolationException`.
    #[error("{0}")]
    PasswordHistoryPolicyViolation(String),
    /// `CodeMismatchException`.
    #[error("{0}")]
    CodeMismatch(String),
    /// `ExpiredCodeException`.
    #[error("{0}")]
    ExpiredCode(String),
    /// `AliasExistsException`.
    #[error("{0}")]
    AliasExists(String),
    /// `LimitExceededException`.
    #[error("{0}")]
    LimitExceeded(String),
    /// `TooManyFailedAttemptsException`.
    #[error("{0}")]
    TooManyFailedAttempts(String),
    /// `ResourceNotFoundException`: pool, client, group… not found.
    #[error("{0}")]
    ResourceNotFound(String),
    /// `GroupExistsException`.
    #[error("{0}")]
    GroupExists(String),
    /// `PreconditionNotMetException` (an import job in the wrong status).
    #[error("{0}")]
    PreconditionNotMet(String),
    /// `UnsupportedOperationException` (e.g. revocation disabled on the client).
    #[error("{0}")]
    UnsupportedOperation(String),
    /// `UnsupportedTokenTypeException`.
    #[error("{0}")]
    UnsupportedTokenType(String),
    /// `RefreshTokenReuseException`: a refresh token rotated out of its sign-in was presented
    /// after the grace period; the whole sign-in is revoked (security bar SEC-19).
    #[error("{0}")]
    RefreshTokenReuse(String),
    /// `UnauthorizedException` (RevokeToken with bad client credentials).
    #[error("{0}")]
    Unauthorized(String),
    /// `UnsupportedUserStateException`.
    #[error("{0}")]
    UnsupportedUserState(String),
    /// `ConcurrentModificationException`.
    #[error("{0}")]
    ConcurrentModification(String),
    /// `TooManyRequestsException`: more work queued than the server takes (the password
    /// hashing queue is full, security bar SEC-56).
    #[error("{0}")]
    TooManyRequests(String),
    /// `CodeDeliveryFailureException`.
    #[error("{0}")]
    CodeDeliveryFailure(String),
    /// `InvalidOAuthFlowException`: an app client's `AllowedOAuthFlows` break the rules
    /// (`client_credentials` mixed with other flows, or without a client secret).
    #[error("{0}")]
    InvalidOAuthFlow(String),
    /// `ScopeDoesNotExistException`: an app client names a custom scope no resource server has.
    #[error("{0}")]
    ScopeDoesNotExist(String),
    /// `EnableSoftwareTokenMFAException`: the code that should finish a TOTP set-up is wrong.
    #[error("{0}")]
    EnableSoftwareTokenMfa(String),
    /// `SoftwareTokenMFANotFoundException`: no TOTP authenticator was set up.
    #[error("{0}")]
    SoftwareTokenMfaNotFound(String),
    /// `DeviceKeyExistsException`: the device was confirmed already.
    #[error("{0}")]
    DeviceKeyExists(String),
    /// `InvalidUserPoolConfigurationException`: the pool's settings do not allow the action.
    #[error("{0}")]
    InvalidUserPoolConfiguration(String),
    /// `UserLambdaValidationException`: a trigger answered with an error
    /// (`<Trigger> failed with error <message>.`).
    #[error("{0}")]
    UserLambdaValidation(String),
    /// `UnexpectedLambdaException`: a trigger could not be reached or did not answer in time.
    #[error("{0}")]
    UnexpectedLambda(String),
    /// `InvalidLambdaResponseException`: a trigger's answer is not the event it was sent.
    #[error("{0}")]
    InvalidLambdaResponse(String),
    /// `InternalErrorException`: the message is generic; the cause is only logged.
    #[error("Internal server error")]
    Internal(String),
}

impl CoreError {
    /// The Cognito exception name (`__type`).
    pub fn cognito_type(&self) -> &'static str {
        match self {
            Self::NotAuthorized(_) => "NotAuthorizedException",
            Self::UserNotFound(_) => "UserNotFoundException",
            Self::UsernameExists(_) => "UsernameExistsException",
            Self::UserNotConfirmed(_) => "UserNotConfirmedException",
            Self::PasswordResetRequired(_) => "PasswordResetRequiredException",
            Self::InvalidParameter(_) => "InvalidParameterException",
            Self::InvalidPassword(_) => "InvalidPasswordException",
            Self::PasswordHistoryPolicyViolation(_) => "PasswordHistoryPolicyViolationException",
            Self::CodeMismatch(_) => "CodeMismatchException",
            Self::ExpiredCode(_) => "ExpiredCodeException",
            Self::AliasExists(_) => "AliasExistsException",
            Self::LimitExceeded(_) => "LimitExceededException",
            Self::TooManyFailedAttempts(_) => "TooManyFailedAttemptsException",
            Self::ResourceNotFound(_) => "ResourceNotFoundException",
            Self::GroupExists(_) => "GroupExistsException",
            Self::PreconditionNotMet(_) => "PreconditionNotMetException",
            Self::UnsupportedOperation(_) => "UnsupportedOperationException",
            Self::UnsupportedTokenType(_) => "UnsupportedTokenTypeException",
            Self::Unauthorized(_) => "UnauthorizedException",
            Self::RefreshTokenReuse(_) => "RefreshTokenReuseException",
            Self::UnsupportedUserState(_) => "UnsupportedUserStateException",
            Self::ConcurrentModification(_) => "ConcurrentModificationException",
            Self::TooManyRequests(_) => "TooManyRequestsException",
            Self::CodeDeliveryFailure(_) => "CodeDeliveryFailureException",
            Self::InvalidOAuthFlow(_) => "InvalidOAuthFlowException",
            Self::ScopeDoesNotExist(_) => "ScopeDoesNotExistException",
            Self::EnableSoftwareTokenMfa(_) => "EnableSoftwareTokenMFAException",
            Self::SoftwareTokenMfaNotFound(_) => "SoftwareTokenMFANotFoundException",
            Self::InvalidUserPoolConfiguration(_) => "InvalidUserPoolConfigurationException",
            Self::DeviceKeyExists(_) => "DeviceKeyExistsException",
            Self::UserLambdaValidation(_) => "UserLambdaValidationException",
            Self::UnexpectedLambda(_) => "UnexpectedLambdaException",
            Self::InvalidLambdaResponse(_) => "InvalidLambdaResponseException",
            Self::Internal(_) => "InternalErrorException",
        }
    }

    /// HTTP status Cognito uses for this exception.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Internal(_) => 500,
            _ => 400,
        }
    }

    /// Shorthands for the messages clients match on (reference §7.2).
    pub fn incorrect_credentials() -> Self {
        Self::NotAuthorized("Incorrect username or password.".into())
    }

    /// `InvalidParameterException` with the given message.
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::InvalidParameter(msg.into())
    }

    /// `User does not exist.`
    pub fn user_not_found() -> Self {
        Self::UserNotFound("User does not exist.".into())
    }

    /// `User pool <id> does not exist.`
    pub fn pool_not_found(pool_id: &str) -> Self {
        Self::ResourceNotFound(format!("User pool {pool_id} does not exist."))
    }

    /// `User pool client <id> does not exist.`
    pub fn client_not_found(client_id: &str) -> Self {
        Self::ResourceNotFound(format!("User pool client {client_id} does not exist."))
    }

    /// Translates a store failure that the calling service did not expect.
    pub fn from_store(context: &str, e: StoreError) -> Self {
        Self::Internal(format!("{context}: {e}"))
    }
}

/// Result alias for core services.
pub type CoreResult<T> = Result<T, CoreError>;

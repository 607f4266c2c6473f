//! A pool's triggers (`LambdaConfig`, reference §6): which function, named by its Lambda ARN,
//! runs on which event. cogito maps each ARN to an HTTP endpoint in its configuration.

/// The trigger kinds cogito runs, named as `LambdaConfig` members and in
/// `<Trigger> failed with error …` messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TriggerKind {
    /// `PreSignUp`.
    PreSignUp,
    /// `CustomMessage`.
    CustomMessage,
    /// `PostConfirmation`.
    PostConfirmation,
    /// `PreAuthentication`.
    PreAuthentication,
    /// `PostAuthentication`.
    PostAuthentication,
    /// `DefineAuthChallenge`.
    DefineAuthChallenge,
    /// `CreateAuthChallenge`.
    CreateAuthChallenge,
    /// `VerifyAuthChallengeResponse`.
    VerifyAuthChallengeResponse,
    /// `PreTokenGeneration` (legacy member) or `PreTokenGenerationConfig`.
    PreTokenGeneration,
    /// `UserMigration`.
    UserMigration,
}

impl TriggerKind {
    /// Every kind, in `LambdaConfig` order.
    pub const ALL: [Self; 10] = [
        Self::PreSignUp,
        Self::CustomMessage,
        Self::PostConfirmation,
        Self::PreAuthentication,
        Self::PostAuthentication,
        Self::DefineAuthChallenge,
        Self::CreateAuthChallenge,
        Self::VerifyAuthChallengeResponse,
        Self::PreTokenGeneration,
        Self::UserMigration,
    ];

    /// The `LambdaConfig` member (and the name in error messages).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreSignUp => "PreSignUp",
            Self::CustomMessage => "CustomMessage",
            Self::PostConfirmation => "PostConfirmation",
            Self::PreAuthentication => "PreAuthentication",
            Self::PostAuthentication => "PostAuthentication",
            Self::DefineAuthChallenge => "DefineAuthChallenge",
            Self::CreateAuthChallenge => "CreateAuthChallenge",
            Self::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Self::PreTokenGeneration => "PreTokenGeneration",
            Self::UserMigration => "UserMigration",
        }
    }

    /// The kind a `LambdaConfig` member names.
    pub fn parse(member: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == member)
    }
}

/// `PreTokenGenerationConfig.LambdaVersion`: the event version the function gets and the
/// response form it answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PreTokenVersion {
    /// `V1_0`: ID-token claims and groups only.
    #[default]
    V1,
    /// `V2_0`: ID and access tokens, scopes.
    V2,
    /// `V3_0`: as V2, also for client credentials.
    V3,
}

impl PreTokenVersion {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "V1_0",
            Self::V2 => "V2_0",
            Self::V3 => "V3_0",
        }
    }

    /// Parses a wire value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "V1_0" => Some(Self::V1),
            "V2_0" => Some(Self::V2),
            "V3_0" => Some(Self::V3),
            _ => None,
        }
    }

    /// The event's `version` member.
    pub fn event_version(self) -> &'static str {
        match self {
            Self::V1 => "1",
            Self::V2 => "2",
            Self::V3 => "3",
        }
    }
}

/// The functions of a pool, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PoolTriggers {
    /// Function ARN per kind.
    pub functions: std::collections::BTreeMap<TriggerKind, String>,
    /// Event version of the pre-token-generation function.
    pub pre_token_version: PreTokenVersion,
}

impl PoolTriggers {
    /// The ARN of the function for `kind`, if the pool has one.
    pub fn arn(&self, kind: TriggerKind) -> Option<&str> {
        self.functions.get(&kind).map(String::as_str)
    }
}

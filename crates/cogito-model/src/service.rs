//! The operation table: which operations exist, their shapes, errors and whether they are
//! public.
//!
//! An operation is *public* when the model marks it with the Smithy auth scheme
//! `smithy.api#noAuth` (`"auth": ["smithy.api#noAuth"]`, accompanied by the legacy botocore
//! `"authtype": "none"`). Public operations are authorized by the app client id, client
//! secret or the user's access token instead of SigV4; every other operation inherits the
//! service-wide `aws.auth#sigv4` scheme.

use std::fmt;
use std::sync::Arc;

use crate::raw::{RawModel, RawOperation};
use crate::shape::{ShapeArena, ShapeId};

/// The Smithy auth scheme that marks an operation as callable without SigV4.
pub const NO_AUTH_SCHEME: &str = "smithy.api#noAuth";

/// The legacy botocore `authtype` value with the same meaning as [`NO_AUTH_SCHEME`].
pub const NO_AUTH_AUTHTYPE: &str = "none";

/// The model could not be loaded (invalid JSON or a dangling shape reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    message: String,
}

impl ModelError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid service model: {}", self.message)
    }
}

impl std::error::Error for ModelError {}

/// A parsed service model: metadata, operations and the resolved shape tree.
#[derive(Debug)]
pub struct ServiceModel {
    api_version: String,
    target_prefix: String,
    signing_name: String,
    protocol: String,
    json_version: Option<String>,
    /// Sorted by name.
    operations: Vec<Operation>,
    shapes: Arc<ShapeArena>,
}

/// One API operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Operation name as used in `X-Amz-Target` (`InitiateAuth`).
    pub name: String,
    /// `true` when the model marks the operation `smithy.api#noAuth` (no SigV4).
    pub public: bool,
    /// Name of the input structure shape, if any.
    pub input_shape: Option<String>,
    /// Name of the output structure shape, if any.
    pub output_shape: Option<String>,
    /// Names of the error shapes the operation may return, in model order.
    pub errors: Vec<String>,
    /// `true` when the model marks the operation read-only.
    pub readonly: bool,
    pub(crate) input: Option<ShapeId>,
    pub(crate) output: Option<ShapeId>,
    pub(crate) shapes: Arc<ShapeArena>,
}

impl Operation {
    /// The wire names of the input structure's members, in model order.
    pub fn input_members(&self) -> Vec<&str> {
        let Some(id) = self.input else {
            return Vec::new();
        };
        match &self.shapes.nodes[id].kind {
            crate::shape::Kind::Structure { members } => {
                members.iter().map(|m| m.name.as_str()).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Whether `error` (a shape name such as `NotAuthorizedException`) is declared for this
    /// operation.
    pub fn declares_error(&self, error: &str) -> bool {
        self.errors.iter().any(|e| e == error)
    }
}

impl ServiceModel {
    /// Parses a botocore `service-2.json` document and resolves its shapes.
    pub fn from_json(json: &str) -> Result<Self, ModelError> {
        let raw: RawModel =
            serde_json::from_str(json).map_err(|e| ModelError::new(e.to_string()))?;
        let shapes = Arc::new(ShapeArena::build(&raw.shapes)?);
        let mut operations = raw
            .operations
            .iter()
            .map(|(key, op)| build_operation(key, op, &shapes))
            .collect::<Result<Vec<_>, ModelError>>()?;
        operations.sort_by(|a, b| a.name.cmp(&b.name));
        let signing_name = raw
            .metadata
            .signing_name
            .unwrap_or_else(|| raw.metadata.endpoint_prefix.clone());
        Ok(Self {
            api_version: raw.metadata.api_version,
            target_prefix: raw.metadata.target_prefix,
            signing_name,
            protocol: raw.metadata.protocol,
            json_version: raw.metadata.json_version,
            operations,
            shapes,
        })
    }

    /// The operation with this exact name (case-sensitive), e.g. `"SignUp"`.
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations
            .binary_search_by(|op| op.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.operations[i])
    }

    /// All operations, sorted by name.
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations.iter()
    }

    /// The API version (`2016-04-18`).
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The `X-Amz-Target` prefix (`AWSCognitoIdentityProviderService`).
    pub fn target_prefix(&self) -> &str {
        &self.target_prefix
    }

    /// The SigV4 signing service name (`cognito-idp`).
    pub fn signing_name(&self) -> &str {
        &self.signing_name
    }

    /// The wire protocol (`json`).
    pub fn protocol(&self) -> &str {
        &self.protocol
    }

    /// The AWS JSON protocol version (`1.1`), if the model states one.
    pub fn json_version(&self) -> Option<&str> {
        self.json_version.as_deref()
    }

    /// Looks an operation up by a full `X-Amz-Target` header value
    /// (`AWSCognitoIdentityProviderService.InitiateAuth`).
    pub fn operation_for_target(&self, target: &str) -> Option<&Operation> {
        let name = target
            .strip_prefix(self.target_prefix.as_str())?
            .strip_prefix('.')?;
        self.operation(name)
    }

    /// Whether a shape with this name exists in the model.
    pub fn has_shape(&self, name: &str) -> bool {
        self.shapes.by_name.contains_key(name)
    }

    /// Whether `name` is an error shape (`"exception": true`), e.g. `NotAuthorizedException`.
    pub fn is_error_shape(&self, name: &str) -> bool {
        self.shapes
            .by_name
            .get(name)
            .is_some_and(|&id| self.shapes.node(id).exception)
    }

    /// Whether `name` is an error shape marked as a server fault (`"fault": true`), which
    /// AWS answers with HTTP 500 (`InternalErrorException`, `InternalServerException`).
    pub fn is_fault(&self, name: &str) -> bool {
        self.shapes
            .by_name
            .get(name)
            .is_some_and(|&id| self.shapes.node(id).fault)
    }

    /// The distinct `pattern` trait values of the model, sorted.
    pub fn patterns(&self) -> impl Iterator<Item = &str> {
        self.shapes.patterns.keys().map(String::as_str)
    }

    /// Compiles every pattern of the model now (they are otherwise compiled on first use)
    /// and returns the Java sources of those that fail to compile — an empty list for the
    /// embedded model.
    pub fn precompile_patterns(&self) -> Vec<&str> {
        self.shapes
            .patterns
            .values()
            .filter(|p| p.regex().is_none())
            .map(|p| p.source())
            .collect()
    }
}

fn build_operation(
    key: &str,
    op: &RawOperation,
    shapes: &Arc<ShapeArena>,
) -> Result<Operation, ModelError> {
    if op.name != key {
        return Err(ModelError::new(format!(
            "operation {key} is named {}",
            op.name
        )));
    }
    let input = match &op.input {
        Some(r) => Some(shapes.by_name.get(&r.shape).copied().ok_or_else(|| {
            ModelError::new(format!(
                "operation {key} has unknown input shape {}",
                r.shape
            ))
        })?),
        None => None,
    };
    let output = op
        .output
        .as_ref()
        .and_then(|r| shapes.by_name.get(&r.shape).copied());
    for shape in op.output.iter().chain(op.errors.iter()) {
        if !shapes.by_name.contains_key(&shape.shape) {
            return Err(ModelError::new(format!(
                "operation {key} refers to unknown shape {}",
                shape.shape
            )));
        }
    }
    let public = op.auth.iter().any(|a| a == NO_AUTH_SCHEME)
        || op.authtype.as_deref() == Some(NO_AUTH_AUTHTYPE);
    Ok(Operation {
        name: op.name.clone(),
        public,
        input_shape: op.input.as_ref().map(|r| r.shape.clone()),
        output_shape: op.output.as_ref().map(|r| r.shape.clone()),
        errors: op.errors.iter().map(|r| r.shape.clone()).collect(),
        readonly: op.readonly,
        input,
        output,
        shapes: Arc::clone(shapes),
    })
}

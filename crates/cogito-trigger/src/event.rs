//! A Cognito trigger event (reference §6.2): the common envelope, with `request` and
//! `response` as JSON so every trigger kind and version fits one type.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The event cogito sends; the function answers with it, `response` filled in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// `"1"`, or `"2"` / `"3"` for pre-token-generation V2 / V3.
    pub version: String,
    /// What raised it, e.g. `PreSignUp_SignUp`, `TokenGeneration_Authentication`.
    pub trigger_source: String,
    /// The pool's region.
    pub region: String,
    /// The pool.
    pub user_pool_id: String,
    /// The user's name (what was typed, for `UserMigration`).
    pub user_name: String,
    /// `awsSdkVersion` and `clientId`.
    pub caller_context: CallerContext,
    /// The trigger's input.
    pub request: Value,
    /// The trigger's output, filled in by the function.
    pub response: Value,
}

/// `callerContext`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CallerContext {
    /// Free-form identifier of the calling SDK.
    pub aws_sdk_version: String,
    /// The app client, or `CLIENT_ID_NOT_APPLICABLE`.
    pub client_id: String,
}

impl Event {
    /// `request.userAttributes[name]`.
    pub fn user_attribute(&self, name: &str) -> Option<&str> {
        self.request.get("userAttributes")?.get(name)?.as_str()
    }

    /// `request.clientMetadata[name]`.
    pub fn client_metadata(&self, name: &str) -> Option<&str> {
        self.request.get("clientMetadata")?.get(name)?.as_str()
    }

    /// `response` as an object, made one if it was `null`.
    pub fn response_mut(&mut self) -> &mut Map<String, Value> {
        if !self.response.is_object() {
            self.response = Value::Object(Map::new());
        }
        self.response.as_object_mut().expect("made an object above")
    }
}

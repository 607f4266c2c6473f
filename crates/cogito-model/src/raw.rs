//! Serde mirror of the botocore `service-2.json` format.
//!
//! Only the parts the validator and the operation table need are declared; everything else
//! (documentation strings, endpoint rules, ...) is skipped by serde. Member maps are read into
//! [`Ordered`] so that the model's member order survives (serde_json's own map type sorts keys),
//! which keeps validation messages in the order the model declares the members.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

/// A JSON object read as an ordered list of `(key, value)` pairs.
#[derive(Debug)]
pub(crate) struct Ordered<T>(pub(crate) Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<T> {
            type Value = Ordered<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(0));
                while let Some((key, value)) = access.next_entry::<String, T>()? {
                    entries.push((key, value));
                }
                Ok(Ordered(entries))
            }
        }

        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}

/// The whole model file.
#[derive(Debug, Deserialize)]
pub(crate) struct RawModel {
    pub(crate) metadata: RawMetadata,
    pub(crate) operations: BTreeMap<String, RawOperation>,
    pub(crate) shapes: BTreeMap<String, RawShape>,
}

/// `metadata` block.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawMetadata {
    pub(crate) api_version: String,
    pub(crate) target_prefix: String,
    #[serde(default)]
    pub(crate) signing_name: Option<String>,
    pub(crate) endpoint_prefix: String,
    #[serde(default)]
    pub(crate) json_version: Option<String>,
    pub(crate) protocol: String,
}

/// A reference to a shape by name (`{"shape": "..."}`).
#[derive(Debug, Deserialize)]
pub(crate) struct RawRef {
    pub(crate) shape: String,
}

/// One entry of `operations`.
#[derive(Debug, Deserialize)]
pub(crate) struct RawOperation {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) input: Option<RawRef>,
    #[serde(default)]
    pub(crate) output: Option<RawRef>,
    #[serde(default)]
    pub(crate) errors: Vec<RawRef>,
    /// Smithy auth schemes, e.g. `["smithy.api#noAuth"]`.
    #[serde(default)]
    pub(crate) auth: Vec<String>,
    /// Legacy botocore marker, `"none"` for unauthenticated operations.
    #[serde(default)]
    pub(crate) authtype: Option<String>,
    #[serde(default)]
    pub(crate) readonly: bool,
}

/// One entry of a structure's `members`.
#[derive(Debug, Deserialize)]
pub(crate) struct RawMember {
    pub(crate) shape: String,
}

/// One entry of `shapes`.
#[derive(Debug, Deserialize)]
pub(crate) struct RawShape {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) members: Ordered<RawMember>,
    #[serde(default)]
    pub(crate) required: Vec<String>,
    #[serde(default)]
    pub(crate) member: Option<RawRef>,
    #[serde(default)]
    pub(crate) key: Option<RawRef>,
    #[serde(default)]
    pub(crate) value: Option<RawRef>,
    #[serde(default)]
    pub(crate) min: Option<i64>,
    #[serde(default)]
    pub(crate) max: Option<i64>,
    #[serde(default)]
    pub(crate) pattern: Option<String>,
    #[serde(default, rename = "enum")]
    pub(crate) enum_values: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) sensitive: bool,
    #[serde(default)]
    pub(crate) document: bool,
    #[serde(default)]
    pub(crate) exception: bool,
    #[serde(default)]
    pub(crate) fault: bool,
}
